package tests

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stochgrad/stochgrad/viz"
)

// ChromiumPath is Debian's chromium, installed by `make setup`.
const ChromiumPath = "/usr/bin/chromium"

// requireBrowserSetup skips the test when something installed by
// `make setup` is missing, or fails it when STOCHGRAD_REQUIRE_SETUP is set.
func requireBrowserSetup(t testing.TB, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	msg := fmt.Sprintf("%s missing (%v): run `make setup`", what, err)
	if os.Getenv("STOCHGRAD_REQUIRE_SETUP") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// RequireChromium skips or fails t (see STOCHGRAD_REQUIRE_SETUP) when
// Chromium is not installed.
func RequireChromium(t testing.TB) {
	t.Helper()
	_, err := os.Stat(ChromiumPath)
	requireBrowserSetup(t, "chromium", err)
}

// DumpDOM loads the HTML file path in headless Chromium, lets its scripts
// run until every chart on it has drawn (or given up waiting for ECharts),
// and returns the resulting DOM as HTML.
func DumpDOM(t testing.TB, path string) string {
	t.Helper()
	// Charts give up waiting for ECharts after viz's 30 s.
	return dumpDOM(t, path, 35*time.Second)
}

// dumpDOM is DumpDOM waiting at most settle, in real time, for the charts
// after the page's load event.
func dumpDOM(t testing.TB, path string, settle time.Duration) string {
	t.Helper()
	RequireChromium(t)
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), settle+2*time.Minute)
	defer cancel()
	dom, stderr, err := loadedDOM(ctx, "file://"+abs, settle, t.TempDir())
	if err != nil {
		t.Fatalf("chromium on %s: %v\n%s", path, err, lastLines(stderr, 20))
	}
	return dom
}

// CountCanvases returns the number of <canvas> elements in the DOM of the
// HTML file path once its scripts have run: one per ECharts chart drawn.
// It works on any page, such as a notebook exported by nbconvert.
func CountCanvases(t testing.TB, path string) int {
	t.Helper()
	return strings.Count(DumpDOM(t, path), "<canvas")
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// browserFigures returns one figure of each kind of package viz, with
// made-up data and a NaN or two where viz treats values as missing.
func browserFigures(rnd *rand.Rand) []viz.Figure {
	n := 300
	steps, train, test := make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range n {
		steps[i] = float64(i + 1)
		train[i] = 5 / math.Sqrt(steps[i]) * math.Exp(0.1*rnd.NormFloat64())
		test[i] = 6 / math.Sqrt(steps[i])
	}
	test[100] = math.NaN()
	normal := make([]float64, 2000)
	for i := range normal {
		normal[i] = rnd.NormFloat64()
	}
	cov := make([][]float64, 6)
	for i := range cov {
		cov[i] = make([]float64, 6)
		for j := range cov[i] {
			cov[i][j] = math.Pow(-0.6, math.Abs(float64(i-j)))
		}
	}
	images := make([][]float64, 12)
	for k := range images {
		images[k] = make([]float64, 16*16)
		for p := range images[k] {
			images[k][p] = rnd.Float64()
		}
	}
	return []viz.Figure{
		viz.Line{Title: "loss", XLabel: "step", LogX: true, LogY: true,
			Series: []viz.Series{{Name: "train", X: steps, Y: train}, {Name: "test", X: steps, Y: test}}},
		viz.Scatter{Title: "latents", Series: []viz.Series{{Name: "z", X: normal[:500], Y: normal[500:1000]}}},
		viz.Bar{Title: "gradient variance", Labels: []string{"REINFORCE", "RELAX", "Gumbel", "ST"},
			Series: []viz.Series{{Name: "variance", Y: []float64{3, 1, 0.5, 0.2}}, {Name: "bias", Y: []float64{0, 0.1, 0.3, math.NaN()}}}},
		viz.Histogram{Title: "normal draws", Values: normal, Bins: 40, Density: true},
		viz.Heatmap{Title: "covariance", Data: cov, Diverging: true, ShowValues: true},
		viz.ImageGrid{Title: "samples", Images: images, Rows: 2},
		viz.Graph{Title: "relations", Directed: true, Nodes: []string{"a", "b", "c", "d", "e"},
			Edges: []viz.Edge{{From: 0, To: 1, Weight: 1}, {From: 1, To: 0, Weight: 0.3}, {From: 1, To: 2, Weight: -0.7}, {From: 3, To: 4, Weight: 0.5}, {From: 4, To: 0, Weight: 0.1}}},
	}
}

// requireDefine is a stand-in for require.js: a global define with
// define.amd set, as the classic Notebook and nbconvert pages have. Were
// ECharts to see it, it would register itself as an AMD module and leave
// window.echarts undefined.
const requireDefine = `<script>
window.defineCalls = 0;
function define() { window.defineCalls++; }
define.amd = {};
</script>
`

// pageReport writes what the page's scripts saw into the DOM, for the
// dumped DOM to carry it.
const pageReport = `<script>
document.body.setAttribute("data-define-calls", String(window.defineCalls));
document.body.setAttribute("data-echarts-version", window.echarts ? window.echarts.version : "none");
</script>
`

// writeBrowserPage writes the test page to dir and returns its path and
// the number of charts on it.
func writeBrowserPage(t *testing.T, dir string) (string, int) {
	lib, err := viz.EChartsScript()
	if errors.Is(err, viz.ErrNoECharts) {
		requireBrowserSetup(t, "ECharts asset", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	rnd := rand.New(rand.NewPCG(7, 11))
	var charts []string
	for _, fig := range browserFigures(rnd) {
		h, err := viz.HTML(fig)
		if err != nil {
			t.Fatalf("%v: %v", fig, err)
		}
		charts = append(charts, h)
	}
	live := &viz.Live{Title: "training", Steps: 100, Out: io.Discard}
	for i := range 60 {
		live.Step(i+1, 1/float64(i+1))
		if i%10 == 9 {
			live.Add("validation", i+1, 1.2/float64(i+1))
		}
	}
	lh, err := live.HTML()
	if err != nil {
		t.Fatal(err)
	}
	charts = append(charts, lh)

	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>viz browser test</title>\n")
	b.WriteString(requireDefine)
	b.WriteString("</head>\n<body>\n")
	// The first chart comes before the library, as in a notebook whose
	// cells ran out of order: it must wait for window.echarts.
	b.WriteString(charts[0])
	b.WriteString(lib)
	for _, h := range charts[1:] {
		b.WriteString(h)
	}
	b.WriteString(pageReport)
	b.WriteString("</body>\n</html>\n")
	path := filepath.Join(dir, "viz.html")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, len(charts)
}

// TestBrowserRendersEveryFigure draws one figure of each kind in headless
// Chromium, on a page where a require.js-like define exists before the
// library, and counts the canvases ECharts created.
func TestBrowserRendersEveryFigure(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Chromium")
	}
	RequireChromium(t)
	page, charts := writeBrowserPage(t, t.TempDir())
	if out := os.Getenv("STOCHGRAD_BROWSER_PAGE"); out != "" {
		// Keep a copy to look at, e.g. with chromium --screenshot.
		data, _ := os.ReadFile(page)
		if err := os.WriteFile(out, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(src), "data-stochgrad-echarts="); n != 1 {
		t.Errorf("page inlines ECharts %d times, want 1", n)
	}
	if m := regexp.MustCompile(`(?i)<script[^>]*\ssrc=`).FindString(string(src)); m != "" {
		t.Errorf("page loads a script from elsewhere: %s", m)
	}

	dom := DumpDOM(t, page)
	if !strings.Contains(dom, `data-echarts-version="5.4.3"`) {
		t.Errorf("window.echarts is not ECharts 5.4.3 after the library ran (require.js define captured it?)")
	}
	if !strings.Contains(dom, `data-define-calls="0"`) {
		t.Errorf("the library called the page's define; want it hidden by the wrapper")
	}
	if got := strings.Count(dom, `class="stochgrad-viz"`); got != charts {
		t.Errorf("%d chart divs in the DOM, want %d", got, charts)
	}
	if got := strings.Count(dom, "<canvas"); got != charts {
		t.Errorf("%d canvases in the DOM, want one per chart, %d", got, charts)
	}
	// Every chart div holds its own canvas.
	divs := regexp.MustCompile(`(?s)<div id="(viz-[0-9a-f]+)" class="stochgrad-viz"[^>]*>(.*?)</div>\s*<script>`).FindAllStringSubmatch(dom, -1)
	for _, d := range divs {
		if !strings.Contains(d[2], "<canvas") {
			t.Errorf("chart %s has no canvas", d[1])
		}
		if strings.Contains(d[2], "ECharts is not loaded") {
			t.Errorf("chart %s gave up waiting for ECharts", d[1])
		}
	}
	if len(divs) != charts {
		t.Errorf("found %d chart divs followed by their script, want %d", len(divs), charts)
	}
	t.Logf("%d charts, %d canvases", charts, strings.Count(dom, "<canvas"))
}

// TestBrowserMissingLibraryDrawsNothing is the control: without the
// library, the same page draws no canvas, so the count above means
// something.
func TestBrowserMissingLibraryDrawsNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Chromium")
	}
	RequireChromium(t)
	dir := t.TempDir()
	h, err := viz.HTML(viz.Bar{Title: "alone", Series: []viz.Series{{Y: []float64{1, 2}}}})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "nolib.html")
	if err := os.WriteFile(path, []byte("<!DOCTYPE html><html><body>"+h+"</body></html>"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A second is ample for a page this small to draw, were it able to.
	if n := strings.Count(dumpDOM(t, path, time.Second), "<canvas"); n != 0 {
		t.Errorf("%d canvases without the ECharts library, want 0", n)
	}
}
