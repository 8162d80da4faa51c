package viz

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// optionRE finds the option of a chart in its HTML.
var optionRE = regexp.MustCompile(`(?m)^var option = (.*);$`)

// optionOf returns the ECharts option embedded in the HTML of fig, as
// decoded JSON, after checking that the HTML fetches nothing.
func optionOf(t *testing.T, fig Figure) map[string]any {
	t.Helper()
	h, err := HTML(fig)
	if err != nil {
		t.Fatalf("HTML(%v): %v", fig, err)
	}
	checkNoFetch(t, h)
	ms := optionRE.FindAllStringSubmatch(h, -1)
	if len(ms) != 1 {
		t.Fatalf("HTML(%v) has %d option lines, want 1", fig, len(ms))
	}
	var opt map[string]any
	if err := json.Unmarshal([]byte(ms[0][1]), &opt); err != nil {
		t.Fatalf("option of %v is not JSON: %v", fig, err)
	}
	return opt
}

// checkNoFetch fails t if h refers to anything outside itself.
func checkNoFetch(t *testing.T, h string) {
	t.Helper()
	for _, bad := range []string{"http:", "https:", "src=", "cdn", "go-echarts-assets"} {
		if strings.Contains(strings.ToLower(h), bad) {
			t.Errorf("chart HTML contains %q", bad)
		}
	}
}

// path walks decoded JSON: keys for objects, ints for arrays.
func path(t *testing.T, v any, keys ...any) any {
	t.Helper()
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("at %q: %T is not an object", k, v)
			}
			v = m[k]
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				t.Fatalf("at [%d]: %T (len %d) is not an array that long", k, v, len(a))
			}
			v = a[k]
		}
	}
	return v
}

// num returns a decoded JSON number, NaN for null.
func num(t *testing.T, v any) float64 {
	t.Helper()
	switch v := v.(type) {
	case float64:
		return v
	case nil:
		return math.NaN()
	}
	t.Fatalf("%v (%T) is not a number", v, v)
	return 0
}

// same reports whether a and b are equal, or both NaN.
func same(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }

// mustPanic checks that f panics with a message containing each of want.
func mustPanic(t *testing.T, f func(), want ...string) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Fatalf("no panic, want one mentioning %q", want)
		}
		msg := fmt.Sprint(r)
		for _, w := range want {
			if !strings.Contains(msg, w) {
				t.Errorf("panic %q does not mention %q", msg, w)
			}
		}
	}()
	f()
}

func TestLineOption(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 1))
	x := []float64{1, 2, 4, 8, 16}
	y := make([]float64, len(x))
	for i := range y {
		y[i] = math.Exp(rnd.NormFloat64())
	}
	y[2] = math.NaN()
	idx := []float64{3, 1, 2}
	l := Line{Title: "loss", XLabel: "step", LogY: true,
		Series: []Series{{Name: "train", X: x, Y: y}, {Name: "by index", Y: idx}}}
	opt := optionOf(t, l)
	if got := path(t, opt, "xAxis", 0, "type"); got != "value" {
		t.Errorf("x axis type %v, want value", got)
	}
	if got := path(t, opt, "yAxis", 0, "type"); got != "log" {
		t.Errorf("y axis type %v, want log", got)
	}
	if got := path(t, opt, "title", "text"); got != "loss" {
		t.Errorf("title %v", got)
	}
	for k, s := range l.Series {
		if got := path(t, opt, "series", k, "name"); got != s.Name {
			t.Errorf("series %d name %v, want %q", k, got, s.Name)
		}
		if got := path(t, opt, "series", k, "type"); got != "line" {
			t.Errorf("series %d type %v, want line", k, got)
		}
		data := path(t, opt, "series", k, "data").([]any)
		if len(data) != len(s.Y) {
			t.Fatalf("series %d has %d points, want %d", k, len(data), len(s.Y))
		}
		for i := range data {
			gx, gy := num(t, path(t, data[i], "value", 0)), num(t, path(t, data[i], "value", 1))
			if !same(gx, s.x(i)) || !same(gy, s.Y[i]) {
				t.Errorf("series %d point %d = (%v, %v), want (%v, %v)", k, i, gx, gy, s.x(i), s.Y[i])
			}
		}
	}
	opt = optionOf(t, Line{LogX: true, Series: []Series{{X: x, Y: y}}})
	if got := path(t, opt, "xAxis", 0, "type"); got != "log" {
		t.Errorf("LogX: x axis type %v, want log", got)
	}
	if got := path(t, opt, "yAxis", 0, "type"); got != "value" {
		t.Errorf("default y axis type %v, want value", got)
	}
}

func TestScatterOption(t *testing.T) {
	rnd := rand.New(rand.NewPCG(2, 1))
	s := Series{Name: "z", X: make([]float64, 50), Y: make([]float64, 50)}
	for i := range s.X {
		s.X[i], s.Y[i] = rnd.NormFloat64(), rnd.NormFloat64()
	}
	opt := optionOf(t, Scatter{Title: "latents", Series: []Series{s}})
	if got := path(t, opt, "series", 0, "type"); got != "scatter" {
		t.Errorf("series type %v, want scatter", got)
	}
	data := path(t, opt, "series", 0, "data").([]any)
	for i := range s.X {
		if gx, gy := num(t, path(t, data[i], "value", 0)), num(t, path(t, data[i], "value", 1)); gx != s.X[i] || gy != s.Y[i] {
			t.Errorf("point %d = (%v, %v), want (%v, %v)", i, gx, gy, s.X[i], s.Y[i])
		}
	}
}

func TestXYShapeAndLogErrors(t *testing.T) {
	mustPanic(t, func() {
		_, _ = Line{Title: "bad", Series: []Series{{Name: "s", X: []float64{1, 2, 3}, Y: []float64{1, 2}}}}.Option()
	}, "Line", `"bad"`, `"s"`, "len(X) = 3", "len(Y) = 2")
	mustPanic(t, func() {
		_ = Scatter{Title: "bad", Series: []Series{{X: []float64{1}, Y: []float64{1, 2}}}}.String()
		_, _ = Scatter{Title: "bad", Series: []Series{{X: []float64{1}, Y: []float64{1, 2}}}}.Option()
	}, "Scatter", "len(X) = 1", "len(Y) = 2")

	_, err := Line{Title: "l", LogY: true, Series: []Series{{Name: "s", Y: []float64{1, 0.5, 0}}}}.Option()
	if err == nil || !strings.Contains(err.Error(), "Y[2] = 0") {
		t.Errorf("LogY with a zero: error %v, want one naming Y[2] = 0", err)
	}
	_, err = Line{LogX: true, Series: []Series{{Y: []float64{1, 2}}}}.Option()
	if err == nil || !strings.Contains(err.Error(), "X[0] = 0") {
		t.Errorf("LogX with default X: error %v, want one naming X[0] = 0", err)
	}
	// Non-finite values are missing, not errors, even on a log axis.
	if _, err := (Line{LogY: true, Series: []Series{{Y: []float64{1, math.NaN(), math.Inf(-1)}}}}).Option(); err != nil {
		t.Errorf("non-finite values on a log axis: %v", err)
	}
}

func TestEmptyFiguresDraw(t *testing.T) {
	for _, fig := range []Figure{Line{Title: "empty", LogY: true}, Scatter{}, Bar{}, Histogram{}, Heatmap{}, ImageGrid{}, Graph{}} {
		opt := optionOf(t, fig)
		if opt == nil {
			t.Errorf("%v: no option", fig)
		}
		var buf bytes.Buffer
		if err := Render(&buf, fig, "png", 200, 100); err != nil {
			t.Errorf("%v: %v", fig, err)
		}
	}
}

func TestBarOption(t *testing.T) {
	b := Bar{Title: "estimators", Labels: []string{"REINFORCE", "RELAX", "ST"},
		Series: []Series{{Name: "variance", Y: []float64{3, 1, 0.25}}, {Name: "bias", Y: []float64{0, math.NaN(), 1}}}}
	opt := optionOf(t, b)
	labels := path(t, opt, "xAxis", 0, "data").([]any)
	for i, l := range b.Labels {
		if labels[i] != l {
			t.Errorf("label %d = %v, want %q", i, labels[i], l)
		}
	}
	for k, s := range b.Series {
		data := path(t, opt, "series", k, "data").([]any)
		for i, y := range s.Y {
			if got := num(t, data[i].(map[string]any)["value"]); !same(got, y) {
				t.Errorf("series %d bar %d = %v, want %v", k, i, got, y)
			}
		}
	}
	// Default labels are indices.
	opt = optionOf(t, Bar{Series: []Series{{Y: []float64{5, 6}}}})
	if got := fmt.Sprint(path(t, opt, "xAxis", 0, "data")); got != "[0 1]" {
		t.Errorf("default labels %s, want [0 1]", got)
	}
	mustPanic(t, func() {
		_, _ = Bar{Title: "b", Labels: []string{"a", "b"}, Series: []Series{{Name: "s", Y: []float64{1}}}}.Option()
	},
		"Bar", "len(Y) = 1", "want 2")
	mustPanic(t, func() { _, _ = Bar{Series: []Series{{X: []float64{1}, Y: []float64{1}}}}.Option() }, "Bar", "X must be nil")
}

func TestHistogramCounts(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 1))
	vals := make([]float64, 1000)
	for i := range vals {
		vals[i] = rnd.NormFloat64()
	}
	vals[0], vals[1] = math.NaN(), math.Inf(1)
	h := Histogram{Values: vals}
	edges, counts, err := h.Counts()
	if err != nil {
		t.Fatal(err)
	}
	// Sturges' rule for the 998 finite values: ceil(log2 998) + 1 = 11.
	if len(counts) != 11 || len(edges) != 12 {
		t.Fatalf("%d bins and %d edges, want 11 and 12", len(counts), len(edges))
	}
	// Count by brute force, bins half open but the last one closed.
	total := 0.0
	for i := range counts {
		want := 0.0
		for _, v := range vals {
			if v >= edges[i] && (v < edges[i+1] || i == len(counts)-1 && v == edges[i+1]) {
				want++
			}
		}
		if counts[i] != want {
			t.Errorf("bin %d [%g, %g): %v, want %v", i, edges[i], edges[i+1], counts[i], want)
		}
		total += counts[i]
	}
	if total != 998 {
		t.Errorf("counted %v values, want the 998 finite ones", total)
	}

	// A density has area one, to rounding.
	h = Histogram{Values: vals, Bins: 25, Min: -2, Max: 2, Density: true}
	edges, dens, err := h.Counts()
	if err != nil {
		t.Fatal(err)
	}
	if edges[0] != -2 || edges[25] != 2 {
		t.Errorf("edges span [%g, %g], want [-2, 2]", edges[0], edges[25])
	}
	area := 0.0
	for i, d := range dens {
		area += d * (edges[i+1] - edges[i])
	}
	if math.Abs(area-1) > 1e-12 {
		t.Errorf("density area %v, want 1", area)
	}

	// The option holds the same heights.
	opt := optionOf(t, h)
	data := path(t, opt, "series", 0, "data").([]any)
	if len(data) != len(dens) {
		t.Fatalf("%d bars, want %d", len(data), len(dens))
	}
	for i, d := range dens {
		if got := num(t, data[i].(map[string]any)["value"]); got != d {
			t.Errorf("bar %d = %v, want %v", i, got, d)
		}
	}

	for _, bad := range []Histogram{{Bins: -1}, {Min: 1, Max: 1}, {Min: 2, Max: 1}} {
		if _, _, err := bad.Counts(); err == nil {
			t.Errorf("%+v: no error", bad)
		}
		if _, err := bad.Option(); err == nil {
			t.Errorf("%+v: Option gave no error", bad)
		}
	}
	// A constant sample gets a unit-wide bin around it.
	if e, c, _ := (Histogram{Values: []float64{3, 3, 3}, Bins: 2}).Counts(); e[0] != 2.5 || e[2] != 3.5 || c[0] != 0 || c[1] != 3 {
		t.Errorf("constant sample: edges %v counts %v", e, c)
	}
}

func TestHeatmapOption(t *testing.T) {
	m := [][]float64{{1, -0.5, 0.25}, {-0.5, 2, math.NaN()}}
	h := Heatmap{Title: "cov", Data: m, Diverging: true, ShowValues: true, XLabels: []string{"a", "b", "c"}}
	opt := optionOf(t, h)
	data := path(t, opt, "series", 0, "data").([]any)
	if len(data) != 6 {
		t.Fatalf("%d cells, want 6", len(data))
	}
	for _, d := range data {
		v := d.(map[string]any)["value"].([]any)
		j, i := int(num(t, v[0])), int(num(t, v[1]))
		if got := num(t, v[2]); !same(got, m[i][j]) {
			t.Errorf("cell (%d, %d) = %v, want %v", i, j, got, m[i][j])
		}
		if len(v) != 4 {
			t.Errorf("cell (%d, %d) has no value label", i, j)
		}
	}
	// Diverging: symmetric about zero around the largest |value|, 2.
	if lo, hi := num(t, path(t, opt, "visualMap", 0, "min")), num(t, path(t, opt, "visualMap", 0, "max")); lo != -2 || hi != 2 {
		t.Errorf("colour scale [%v, %v], want [-2, 2]", lo, hi)
	}
	if got := path(t, opt, "yAxis", 0, "inverse"); got != true {
		t.Errorf("row 0 not at the top: yAxis.inverse = %v", got)
	}
	if got := fmt.Sprint(path(t, opt, "xAxis", 0, "data")); got != "[a b c]" {
		t.Errorf("column labels %s", got)
	}

	lo, hi, err := Heatmap{Data: m}.Range()
	if err != nil || lo != -0.5 || hi != 2 {
		t.Errorf("sequential range [%v, %v] (%v), want [-0.5, 2]", lo, hi, err)
	}
	// An explicit zero Max is kept (go-echarts' own VisualMap would drop it).
	opt = optionOf(t, Heatmap{Data: m, Min: -3, Max: 0})
	if hi := path(t, opt, "visualMap", 0, "max"); hi != 0.0 {
		t.Errorf("visualMap max %v, want 0", hi)
	}
	if _, err := (Heatmap{Data: m, Min: 1, Max: -1}).Option(); err == nil {
		t.Errorf("Min > Max: no error")
	}
	mustPanic(t, func() { _, _ = Heatmap{Title: "r", Data: [][]float64{{1, 2, 3}, {4, 5}}}.Option() },
		"Heatmap", `"r"`, "row 1 has 2 columns, row 0 has 3")
	mustPanic(t, func() { _, _ = Heatmap{Data: m, YLabels: []string{"x"}}.Option() }, "1 YLabels for 2 rows")
}

func TestImageGridOption(t *testing.T) {
	const h, w, scale = 2, 3, 2
	images := make([][]float64, 5)
	for k := range images {
		images[k] = make([]float64, h*w)
		for p := range images[k] {
			images[k][p] = float64(k*h*w+p) / 29 // 0 ... 1
		}
	}
	images[4][5] = math.NaN()
	g := ImageGrid{Title: "samples", Images: images, H: h, W: w, Cols: 3, Min: 0, Max: 1, Scale: scale}
	opt := optionOf(t, g)
	uri := path(t, opt, "graphic", 0, "style", "image").(string)
	const prefix = "data:image/png;base64,"
	if !strings.HasPrefix(uri, prefix) {
		t.Fatalf("image is not a PNG data URI: %.40s", uri)
	}
	raw, err := base64.StdEncoding.DecodeString(uri[len(prefix):])
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	// 2 rows × 3 columns of 2×3 images, one pixel apart, scaled twice.
	wantW, wantH := (3*(w+1)+1)*scale, (2*(h+1)+1)*scale
	if b := img.Bounds(); b.Dx() != wantW || b.Dy() != wantH {
		t.Fatalf("grid image %v, want %d×%d", b, wantW, wantH)
	}
	if sw, sh := num(t, path(t, opt, "graphic", 0, "style", "width")), num(t, path(t, opt, "graphic", 0, "style", "height")); sw != float64(wantW) || sh != float64(wantH) {
		t.Errorf("drawn at %v×%v, want %d×%d", sw, sh, wantW, wantH)
	}
	at := func(x, y int) color.NRGBA { return color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA) }
	for k, im := range images {
		top, left := (k/3)*(h+1)+1, (k%3)*(w+1)+1
		for r := range h {
			for c := range w {
				v := im[r*w+c]
				want := color.NRGBA{R: 255, A: 255}
				if !math.IsNaN(v) {
					y := uint8(math.Round(255 * v))
					want = color.NRGBA{R: y, G: y, B: y, A: 255}
				}
				for _, d := range [][2]int{{0, 0}, {1, 1}} { // both corners of the scaled block
					if got := at((left+c)*scale+d[0], (top+r)*scale+d[1]); got != want {
						t.Errorf("image %d pixel (%d, %d): %v, want %v", k, r, c, got, want)
					}
				}
			}
		}
	}
	if got := at(0, 0); got != gapColor {
		t.Errorf("gap pixel %v, want %v", got, gapColor)
	}
	// The empty sixth cell is gap colour too.
	if got := at((2*(w+1)+1)*scale, (1*(h+1)+1)*scale); got != gapColor {
		t.Errorf("empty cell pixel %v, want %v", got, gapColor)
	}

	mustPanic(t, func() {
		_, _ = ImageGrid{Title: "g", Images: [][]float64{make([]float64, 6), make([]float64, 5)}, H: 2, W: 3}.Option()
	},
		"ImageGrid", "image 1 has 5 pixels", "2×3 = 6")
	mustPanic(t, func() { _, _ = ImageGrid{Images: [][]float64{make([]float64, 10)}}.Option() }, "not square")
	mustPanic(t, func() { _, _ = ImageGrid{Images: make([][]float64, 7), H: 0, W: 0, Rows: 2, Cols: 3}.Option() }, "7 images do not fit 2×3")
	if _, err := (ImageGrid{Images: images, H: h, W: w, Min: 1, Max: 0}).Option(); err == nil {
		t.Errorf("Min > Max: no error")
	}
	// Default layout: square images, ⌈√5⌉ = 3 columns, 2 rows.
	if s := (ImageGrid{Images: [][]float64{make([]float64, 4), make([]float64, 4), make([]float64, 4), make([]float64, 4), make([]float64, 4)}}).String(); !strings.Contains(s, "5 images of 2×2 in 2×3") {
		t.Errorf("default layout: %s", s)
	}
}

func TestGraphOption(t *testing.T) {
	g := Graph{Title: "rel", Directed: true, Edges: []Edge{
		{From: 0, To: 1, Weight: 2}, {From: 1, To: 0, Weight: -1}, {From: 2, To: 3, Weight: 0.5}, {From: 3, To: 0, Weight: math.NaN()},
	}}
	opt := optionOf(t, g)
	nodes := path(t, opt, "series", 0, "data").([]any)
	if len(nodes) != 4 {
		t.Fatalf("%d nodes, want 4 (from the edges)", len(nodes))
	}
	for i, nd := range nodes {
		// On the unit circle, node 0 at the top, clockwise; screen y down.
		a := 2 * math.Pi * float64(i) / 4
		x, y := num(t, path(t, nd, "x")), num(t, path(t, nd, "y"))
		if math.Abs(x-math.Sin(a)) > 1e-15 || math.Abs(y+math.Cos(a)) > 1e-15 {
			t.Errorf("node %d at (%v, %v), want (%v, %v)", i, x, y, math.Sin(a), -math.Cos(a))
		}
		if path(t, nd, "name") != fmt.Sprint(i) {
			t.Errorf("node %d named %v", i, path(t, nd, "name"))
		}
	}
	links := path(t, opt, "series", 0, "links").([]any)
	if len(links) != 3 {
		t.Fatalf("%d links, want 3 (the NaN edge left out)", len(links))
	}
	want := []struct {
		from, to       int
		width, opacity float64
		colour         string
		curve          float64
	}{
		{0, 1, 5, 1, "#3760a8", 0.2},                       // the heaviest edge, reciprocated
		{1, 0, 0.5 + 4.5/2, 0.15 + 0.85/2, "#c23b22", 0.2}, // negative, half as heavy
		{2, 3, 0.5 + 4.5/4, 0.15 + 0.85/4, "#3760a8", 0},
	}
	for k, w := range want {
		l := links[k]
		if int(num(t, path(t, l, "source"))) != w.from || int(num(t, path(t, l, "target"))) != w.to {
			t.Errorf("link %d: %v→%v, want %d→%d", k, path(t, l, "source"), path(t, l, "target"), w.from, w.to)
		}
		if got := num(t, path(t, l, "lineStyle", "width")); math.Abs(got-w.width) > 1e-12 {
			t.Errorf("link %d width %v, want %v", k, got, w.width)
		}
		if got := num(t, path(t, l, "lineStyle", "opacity")); math.Abs(got-w.opacity) > 1e-12 {
			t.Errorf("link %d opacity %v, want %v", k, got, w.opacity)
		}
		if got := path(t, l, "lineStyle", "color"); got != w.colour {
			t.Errorf("link %d colour %v, want %v", k, got, w.colour)
		}
		if got := num(t, path(t, l, "lineStyle", "curveness")); got != w.curve {
			t.Errorf("link %d curveness %v, want %v", k, got, w.curve)
		}
	}
	if got := fmt.Sprint(path(t, opt, "series", 0, "edgeSymbol")); got != "[none arrow]" {
		t.Errorf("edge symbols %s, want [none arrow]", got)
	}
	// Given positions are used, y flipped for the screen.
	opt = optionOf(t, Graph{Nodes: []string{"a", "b"}, X: []float64{0, 3}, Y: []float64{1, -2}})
	if x, y := num(t, path(t, opt, "series", 0, "data", 1, "x")), num(t, path(t, opt, "series", 0, "data", 1, "y")); x != 3 || y != 2 {
		t.Errorf("node b at (%v, %v), want (3, 2)", x, y)
	}
	mustPanic(t, func() { _, _ = Graph{Title: "g", Nodes: []string{"a", "b"}, Edges: []Edge{{From: 0, To: 2}}}.Option() },
		"Graph", `"g"`, "edge 0 (0→2)", "0..1")
	mustPanic(t, func() { _, _ = Graph{Nodes: []string{"a", "b"}, X: []float64{0}, Y: []float64{0}}.Option() }, "len(X) = 1", "2 nodes")
}

// TestChartHTML checks the page-level behaviour of every figure's HTML:
// unique ids, a wait for window.echarts, and nothing fetched.
func TestChartHTML(t *testing.T) {
	seen := map[string]bool{}
	for _, fig := range sampleFigures() {
		h, err := HTML(fig)
		if err != nil {
			t.Fatalf("%v: %v", fig, err)
		}
		checkNoFetch(t, h)
		id := regexp.MustCompile(`<div id="(viz-[0-9a-f]{16})"`).FindStringSubmatch(h)
		if id == nil {
			t.Fatalf("%v: no chart div", fig)
		}
		if seen[id[1]] {
			t.Errorf("id %s used twice", id[1])
		}
		seen[id[1]] = true
		if !strings.Contains(h, "!window.echarts") || !strings.Contains(h, "setTimeout(draw") {
			t.Errorf("%v: the chart does not wait for window.echarts", fig)
		}
		if strings.Contains(h, wrapperOpen) {
			t.Errorf("%v: HTML inlines the library; only Page and Show should", fig)
		}
	}
}

// sampleFigures returns one figure of each kind with some data.
func sampleFigures() []Figure {
	rnd := rand.New(rand.NewPCG(5, 5))
	n := 120
	x, y := make([]float64, n), make([]float64, n)
	for i := range n {
		x[i] = float64(i + 1)
		y[i] = 3 / math.Sqrt(x[i]) * math.Exp(0.1*rnd.NormFloat64())
	}
	normal := make([]float64, 500)
	for i := range normal {
		normal[i] = rnd.NormFloat64()
	}
	m := make([][]float64, 5)
	for i := range m {
		m[i] = make([]float64, 5)
		for j := range m[i] {
			m[i][j] = math.Pow(-0.5, math.Abs(float64(i-j)))
		}
	}
	images := make([][]float64, 6)
	for k := range images {
		images[k] = make([]float64, 64)
		for p := range images[k] {
			images[k][p] = rnd.Float64()
		}
	}
	return []Figure{
		Line{Title: "loss", LogY: true, Series: []Series{{Name: "train", X: x, Y: y}}},
		Scatter{Title: "points", Series: []Series{{X: normal[:250], Y: normal[250:]}}},
		Bar{Title: "bars", Labels: []string{"a", "b", "c"}, Series: []Series{{Y: []float64{1, 3, 2}}}},
		Histogram{Title: "draws", Values: normal},
		Heatmap{Title: "cov", Data: m, Diverging: true},
		ImageGrid{Title: "images", Images: images},
		Graph{Title: "graph", Directed: true, Edges: []Edge{{0, 1, 1}, {1, 2, -0.5}, {2, 0, 0.25}}},
	}
}
