package viz

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// fakeECharts has the UMD header of echarts.min.js, so it registers with
// require.js when it sees define.amd, and a "</script>" that must not end
// the inline script.
const fakeECharts = `!function(t,e){"object"==typeof exports&&"undefined"!=typeof module?e(exports):` +
	`"function"==typeof define&&define.amd?define(["exports"],e):` +
	`e((t="undefined"!=typeof globalThis?globalThis:t||self).echarts={})}` +
	`(this,(function(t){"use strict";t.closer="</script>";t.version="5.4.3"}));`

// useFakeAssets points viz at a directory holding fakeECharts.
func useFakeAssets(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "echarts.min.js"), []byte(fakeECharts), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("STOCHGRAD_ASSETS", dir)
	return dir
}

func TestEChartsScriptWrapper(t *testing.T) {
	useFakeAssets(t)
	s, err := EChartsScript()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s, `<script data-stochgrad-echarts="5.4.3">`) {
		t.Errorf("library script starts %.60q", s)
	}
	if n := strings.Count(s, wrapperOpen); n != 1 {
		t.Errorf("wrapper opens %d times, want 1", n)
	}
	if n := strings.Count(strings.ToLower(s), "</script"); n != 1 {
		t.Errorf("%d </script in the library element, want only its end tag", n)
	}
	if !strings.Contains(s, `t.closer="<\/script>"`) {
		t.Errorf("</script> inside the library was not escaped")
	}
	if regexp.MustCompile(`(?i)<script[^>]*\ssrc=`).MatchString(s) {
		t.Errorf("library element has a src")
	}
}

// TestWrapperHidesDefine runs the library element's code in Node, with a
// require.js-like define and CommonJS module and exports around it, and
// checks that it sets window.echarts without calling define.
func TestWrapperHidesDefine(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed (it comes with npm, which `make setup` uses)")
	}
	check := func(t *testing.T, script string, wantCloser bool) {
		t.Helper()
		body := strings.TrimSuffix(script[strings.Index(script, ">")+1:], "</script>\n")
		prog := `globalThis.window = globalThis;
var calls = 0;
globalThis.define = function () { calls++; };
globalThis.define.amd = {};
` + body + `
console.log(JSON.stringify({version: window.echarts ? window.echarts.version : null, closer: window.echarts ? window.echarts.closer : null, calls: calls}));
`
		f := filepath.Join(t.TempDir(), "prog.js")
		if err := os.WriteFile(f, []byte(prog), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(node, f).Output()
		if err != nil {
			t.Fatalf("node: %v", err)
		}
		var got struct {
			Version *string
			Closer  *string
			Calls   int
		}
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("node printed %q: %v", out, err)
		}
		if got.Version == nil || *got.Version != EChartsVersion {
			t.Errorf("window.echarts.version = %v, want %s", got.Version, EChartsVersion)
		}
		if got.Calls != 0 {
			t.Errorf("define called %d times, want 0", got.Calls)
		}
		if wantCloser && (got.Closer == nil || *got.Closer != "</script>") {
			t.Errorf("escaped string reads %v, want </script>", got.Closer)
		}
	}
	t.Run("fake", func(t *testing.T) {
		useFakeAssets(t)
		s, err := EChartsScript()
		if err != nil {
			t.Fatal(err)
		}
		check(t, s, true)
	})
	t.Run("installed", func(t *testing.T) {
		s, err := EChartsScript()
		if errors.Is(err, ErrNoECharts) {
			requireSetup(t, err)
		}
		if err != nil {
			t.Fatal(err)
		}
		check(t, s, false)
	})
}

// requireSetup skips t, or fails it when STOCHGRAD_REQUIRE_SETUP is set.
func requireSetup(t *testing.T, err error) {
	t.Helper()
	if os.Getenv("STOCHGRAD_REQUIRE_SETUP") != "" {
		t.Fatal(err)
	}
	t.Skip(err)
}

func TestMissingAsset(t *testing.T) {
	empty := t.TempDir()
	t.Setenv("STOCHGRAD_ASSETS", empty)
	want := filepath.Join(empty, "echarts.min.js")
	_, err := EChartsScript()
	if !errors.Is(err, ErrNoECharts) {
		t.Fatalf("error %v, want ErrNoECharts", err)
	}
	for _, s := range []string{"run `make setup`", want} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
	if _, err := Page("p", Bar{Series: []Series{{Y: []float64{1}}}}); !errors.Is(err, ErrNoECharts) {
		t.Errorf("Page: %v, want ErrNoECharts", err)
	}
	if err := Save(Bar{}, filepath.Join(t.TempDir(), "b.html"), 0, 0); !errors.Is(err, ErrNoECharts) {
		t.Errorf("Save .html: %v, want ErrNoECharts", err)
	}
	if _, _, err := withLibrary("", filepath.Join(t.TempDir(), markerName)); !errors.Is(err, ErrNoECharts) {
		t.Errorf("withLibrary: %v, want ErrNoECharts", err)
	}
	if err := LoadECharts(); !errors.Is(err, ErrNoECharts) {
		t.Errorf("LoadECharts: %v, want ErrNoECharts", err)
	}
	// Static images need no asset.
	if err := Save(Bar{Series: []Series{{Y: []float64{1}}}}, filepath.Join(t.TempDir(), "b.png"), 100, 100); err != nil {
		t.Errorf("Save .png without the asset: %v", err)
	}

	// Without STOCHGRAD_ASSETS the library is under STOCHGRAD_ROOT.
	t.Setenv("STOCHGRAD_ASSETS", "")
	t.Setenv("STOCHGRAD_ROOT", empty)
	_, err = EChartsScript()
	if want := filepath.Join(empty, ".deps", "assets", "echarts.min.js"); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want one naming %s", err, want)
	}
}

func TestRepoRoot(t *testing.T) {
	t.Setenv("STOCHGRAD_ROOT", "")
	dir := t.TempDir()
	sub := filepath.Join(dir, "a", "b")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	// A go.mod of another module on the way up is passed over.
	if err := os.WriteFile(filepath.Join(dir, "a", "go.mod"), []byte("module example.com/other\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("// root\nmodule github.com/stochgrad/stochgrad\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(sub)
	got, err := EChartsPath()
	if want := filepath.Join(dir, ".deps", "assets", "echarts.min.js"); err != nil || got != want {
		t.Errorf("EChartsPath() = %q, %v; want %q", got, err, want)
	}
	t.Chdir(t.TempDir())
	if _, err := EChartsPath(); err == nil || !strings.Contains(err.Error(), "STOCHGRAD_ROOT") {
		t.Errorf("outside the repository: %v, want an error naming STOCHGRAD_ROOT", err)
	}
}

// TestLibraryOncePerSession checks that, within a kernel session (one
// marker), only the first figure carries the library.
func TestLibraryOncePerSession(t *testing.T) {
	useFakeAssets(t)
	gonbTmp := t.TempDir()
	t.Setenv("GONB_TMP_DIR", gonbTmp)
	marker := sessionMarker()
	if marker != filepath.Join(gonbTmp, markerName) {
		t.Fatalf("marker %q, want it in $GONB_TMP_DIR", marker)
	}
	var all strings.Builder
	adds := 0
	for _, fig := range sampleFigures() {
		body, err := HTML(fig)
		if err != nil {
			t.Fatal(err)
		}
		h, added, err := withLibrary(body, marker)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(h, body) {
			t.Errorf("%v: figure HTML lost", fig)
		}
		if added {
			adds++
			markLoaded(marker) // as display does once the output is sent
		}
		all.WriteString(h)
	}
	if n := strings.Count(all.String(), wrapperOpen); n != 1 || adds != 1 {
		t.Errorf("library inlined %d times (%d reported) in one session, want 1", n, adds)
	}
	// A new kernel has a new GONB_TMP_DIR: the library comes again, once.
	t.Setenv("GONB_TMP_DIR", t.TempDir())
	h1, added1, _ := withLibrary("a", sessionMarker())
	markLoaded(sessionMarker())
	h2, added2, _ := withLibrary("b", sessionMarker())
	if !added1 || added2 || strings.Count(h1+h2, wrapperOpen) != 1 {
		t.Errorf("new session: added %v then %v, want true then false", added1, added2)
	}
	// No session known: always inline.
	for range 2 {
		if _, added, _ := withLibrary("c", ""); !added {
			t.Errorf("without a session marker the library was left out")
		}
	}
}

func TestPage(t *testing.T) {
	useFakeAssets(t)
	figs := sampleFigures()
	p, err := Page("all <figures>", figs...)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(p, wrapperOpen); n != 1 {
		t.Errorf("page inlines the library %d times, want 1", n)
	}
	if n := len(optionRE.FindAllString(p, -1)); n != len(figs) {
		t.Errorf("page has %d charts, want %d", n, len(figs))
	}
	if !strings.Contains(p, "<title>all &lt;figures&gt;</title>") {
		t.Errorf("page title not escaped")
	}
	if regexp.MustCompile(`(?i)<script[^>]*\ssrc=`).MatchString(p) {
		t.Errorf("page loads a script by src")
	}
}

// ExampleShow shows what Show does outside a notebook.
func ExampleShow() {
	_ = Show(Line{
		Title:  "training loss",
		XLabel: "step",
		Series: []Series{{Name: "ELBO", Y: []float64{3.2, 2.1, 1.7, 1.5}}},
	})
	_ = Show(Heatmap{Title: "covariance", Data: [][]float64{{1, -0.5}, {-0.5, 2}}, Diverging: true})
	// Output:
	// Line "training loss": 1 series, 4 points
	// Heatmap "covariance": 2×2 matrix, colour scale [-2, 2]
}
