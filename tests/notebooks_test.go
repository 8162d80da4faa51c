package tests

import (
	"context"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stochgrad/stochgrad/kernel"
)

// requireKernelSetup returns the kernel spec that runs this checkout (not
// the installed one, which runs whichever checkout last ran `make setup`);
// without GoNB here the test is skipped, or fails when
// STOCHGRAD_REQUIRE_SETUP is set.
func requireKernelSetup(t *testing.T) *kernel.Spec {
	t.Helper()
	root, err := kernel.Root()
	var spec *kernel.Spec
	if err == nil {
		spec, err = kernel.CheckoutSpec(root)
	}
	if err != nil {
		if os.Getenv("STOCHGRAD_REQUIRE_SETUP") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	return spec
}

// TestNotebooks executes every notebooks/*.ipynb in quick mode, one at a
// time (the machine has two cores and a notebook uses them), writes the
// executed copies to out/, and checks their RESULT lines against
// Expectations; in full mode (FullMode) with the papers' settings against
// FullExpectations.
func TestNotebooks(t *testing.T) {
	full := FullMode()
	exps, table := Expectations, "tests/expectations.go"
	if full {
		exps, table = FullExpectations, "tests/expectations_full.go"
	}
	root, err := kernel.Root()
	if err != nil {
		t.Fatal(err)
	}
	paths, err := filepath.Glob(filepath.Join(root, "notebooks", "*.ipynb"))
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(paths))
	for i, p := range paths {
		names[i] = filepath.Base(p)
	}
	for nb := range exps {
		if !slices.Contains(names, nb) {
			t.Errorf("%s lists %s, which is not in notebooks/", table, nb)
		}
	}
	if len(paths) == 0 {
		t.Log("no notebooks in notebooks/: 0 executed")
		return
	}
	if testing.Short() {
		t.Skipf("executing %d notebooks takes minutes; skipped with -short", len(paths))
	}
	spec := requireKernelSetup(t)

	// Stop the kernels before go test's own timeout kills this process.
	ctx := context.Background()
	if d, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, d.Add(-30*time.Second))
		defer cancel()
	}
	// A fresh cache: results that notebooks cache across cells must come
	// from this run's code, never from an earlier run's.
	r := &kernel.Runner{Spec: spec, Quick: !full, OutDir: filepath.Join(root, "out"), Env: []string{"STOCHGRAD_CACHE=" + t.TempDir()}}
	if full {
		r.CellTimeout = fullCellTimeout
	}
	for i, path := range paths {
		t.Run(strings.TrimSuffix(names[i], ".ipynb"), func(t *testing.T) {
			var log strings.Builder
			r.Log = &log
			res, err := r.Run(ctx, path)
			if res != nil {
				t.Logf("kernel start %.2fs, total %.2fs, wrote %s\n%s", res.Startup.Seconds(), res.Duration.Seconds(), res.OutPath, log.String())
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, err := range CheckNotebook(res, exps[names[i]]) {
				t.Error(err)
			}
			checkChartsDraw(t, res)
		})
	}
}

// chartMarker occurs once in the script of every chart viz displays.
const chartMarker = "window.echarts.init(el)"

// checkChartsDraw exports an executed notebook to HTML with nbconvert, as a
// reader would see it, and checks in headless Chromium that every chart
// among its outputs draws: one canvas per chart.
func checkChartsDraw(t *testing.T, res *kernel.Result) {
	t.Helper()
	charts := 0
	for _, c := range res.Notebook.Cells {
		for _, o := range c.Outputs {
			if html, ok := o.Data["text/html"].(string); ok {
				charts += strings.Count(html, chartMarker)
			}
		}
	}
	if charts == 0 {
		return
	}
	RequireChromium(t)
	dir := t.TempDir()
	out, err := exec.Command(nbconvert, "nbconvert", "--to", "html", "--output-dir", dir, res.OutPath).CombinedOutput()
	if err != nil {
		t.Fatalf("%s nbconvert %s: %v\n%s", nbconvert, res.OutPath, err, out)
	}
	html := filepath.Join(dir, strings.TrimSuffix(filepath.Base(res.OutPath), ".ipynb")+".html")
	if got := CountCanvases(t, html); got != charts {
		t.Errorf("%s: %d canvases drawn in headless Chromium for %d charts", html, got, charts)
	} else {
		t.Logf("%s: all %d charts draw", filepath.Base(html), charts)
	}
}

// nbconvert is Debian's jupyter (a python3 on PATH may be another
// interpreter without nbconvert).
const nbconvert = "/usr/bin/jupyter"

func TestExpectationsTable(t *testing.T) {
	for nb, exps := range Expectations {
		if len(exps) == 0 {
			t.Errorf("%s: no expectations: every notebook prints at least one RESULT line", nb)
		}
		for _, err := range checkExpectations(nb, exps) {
			t.Error(err)
		}
	}
	// The table checker itself catches each kind of mistake.
	bad := []Expectation{
		{Name: "", Min: 0, Max: 1, Source: "s"},
		{Name: "a", Min: 0, Max: 1, Source: "s"},
		{Name: "a", Min: 0, Max: 1, Source: "s"},
		{Name: "b", Min: 2, Max: 1, Source: "s"},
		{Name: "c", Min: math.NaN(), Max: 1, Source: "s"},
		{Name: "d", Min: 0, Max: 1},
	}
	if errs := checkExpectations("x.ipynb", bad); len(errs) != 5 {
		t.Errorf("checkExpectations found %d problems, want 5: %v", len(errs), errs)
	}
}

// syntheticResult is an executed notebook whose last code cell printed
// text.
func syntheticResult(text string) *kernel.Result {
	return &kernel.Result{Path: "notebooks/99_test.ipynb", Notebook: &kernel.Notebook{Cells: []*kernel.Cell{
		{Type: "code", Source: kernel.WireCell},
		{Type: "code", Source: "%%\nprintResults()", Outputs: []*kernel.Output{{Type: "stream", Name: "stdout", Text: text}}},
		{Type: "markdown", Source: "The end."},
	}}}
}

func TestCheckNotebook(t *testing.T) {
	exps := []Expectation{
		{Name: "elbo", Min: -95, Max: -85, Source: "Fig. 2 of the paper"},
		{Name: "grad_var", Min: 0, Max: 0.5, Source: "derivation"},
	}
	if errs := CheckNotebook(syntheticResult("epoch 3\nRESULT elbo -90.2\nRESULT grad_var 0.5\n"), exps); len(errs) != 0 {
		t.Errorf("results within bounds (the upper one included) rejected: %v", errs)
	}
	cases := []struct {
		text string
		want []string // substrings of the errors, one per error
	}{
		{"RESULT elbo -99\nRESULT grad_var 0.1\n", []string{"RESULT elbo = -99, want it in [-95, -85] (Fig. 2 of the paper)"}},
		{"RESULT elbo NaN\nRESULT grad_var 0.1\n", []string{"RESULT elbo = NaN"}},
		{"RESULT elbo -90\n", []string{"does not print RESULT grad_var"}},
		{"RESULT elbo -90\nRESULT grad_var 0.1\nRESULT extra 1\n", []string{"RESULT extra 1 has no expectation"}},
		{"training done\n", []string{"prints no RESULT line"}},
		{"RESULT elbo\n", []string{"want RESULT <name> <value>"}},
		{"RESULT elbo -80\nRESULT other 2\n", []string{"RESULT elbo = -80", "RESULT other 2 has no expectation", "does not print RESULT grad_var"}},
	}
	for _, c := range cases {
		errs := CheckNotebook(syntheticResult(c.text), exps)
		if len(errs) != len(c.want) {
			t.Errorf("%q: %d errors %v, want %d", c.text, len(errs), errs, len(c.want))
			continue
		}
		for i, w := range c.want {
			if !strings.Contains(errs[i].Error(), w) || !strings.Contains(errs[i].Error(), "99_test.ipynb") {
				t.Errorf("%q: error %q, want one naming the notebook and containing %q", c.text, errs[i], w)
			}
		}
	}
	// A notebook that is not in the table prints results without
	// expectations: each is an error.
	if errs := CheckNotebook(syntheticResult("RESULT a 1\n"), nil); len(errs) != 1 {
		t.Errorf("unlisted notebook: %v", errs)
	}
}
