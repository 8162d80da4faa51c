package viz

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"math"
	"strings"

	"gonum.org/v1/plot/vg/draw"
)

// Figure is a figure viz can show inline and save as an image.
type Figure interface {
	// Option returns the ECharts option of the figure: the object given
	// to the chart's setOption, ready to be encoded as JSON.
	Option() (map[string]any, error)

	// Draw draws the figure on a gonum/plot canvas, for static images.
	Draw(c draw.Canvas) error
}

// Sizer is implemented by figures that choose their own size in CSS
// pixels. Figures that do not are drawn at DefaultWidth × DefaultHeight.
type Sizer interface {
	Size() (width, height int)
}

// Default size of a figure, in CSS pixels.
const (
	DefaultWidth  = 720
	DefaultHeight = 400
)

// size returns the size of fig in CSS pixels.
func size(fig Figure) (w, h int) {
	if s, ok := fig.(Sizer); ok {
		return s.Size()
	}
	return DefaultWidth, DefaultHeight
}

// orDefault returns v, or def when v is zero.
func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// summary returns a one-line description of fig for text output.
func summary(fig Figure) string {
	if s, ok := fig.(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprintf("%T", fig)
}

// HTML returns the HTML fragment that draws fig: a div and a script that
// draws the chart as soon as window.echarts exists. It does not contain the
// ECharts library itself; a page needs [EChartsScript] once, before or
// after its figures ([Page] and [Show] take care of that).
func HTML(fig Figure) (string, error) {
	opt, err := fig.Option()
	if err != nil {
		return "", err
	}
	w, h := size(fig)
	return chartHTML(opt, w, h)
}

// loadTimeoutMillis is how long a chart waits for window.echarts before it
// says in its place why it is not drawn.
const loadTimeoutMillis = 30000

// chartHTML returns the div and script drawing the ECharts option opt in a
// w × h CSS pixel box. The option is on a line of its own, starting with
// "var option = ", where tests find it.
func chartHTML(opt map[string]any, w, h int) (string, error) {
	js, err := json.Marshal(opt) // escapes <, > and &, so the script cannot be closed early
	if err != nil {
		return "", fmt.Errorf("viz: encoding the chart option: %v", err)
	}
	id := newID()
	var b strings.Builder
	fmt.Fprintf(&b, `<div id="%s" class="stochgrad-viz" style="width:%dpx;max-width:100%%;height:%dpx;"></div>`+"\n", id, w, h)
	b.WriteString("<script>\n(function () {\n")
	fmt.Fprintf(&b, "var option = %s;\n", js)
	fmt.Fprintf(&b, "var id = %q, t0 = Date.now();\n", id)
	fmt.Fprintf(&b, `function draw() {
  var el = document.getElementById(id);
  if (!el || !window.echarts) {
    // Wait: the library may be inlined by a later output of the page.
    if (Date.now() - t0 < %d) { setTimeout(draw, 50); }
    else if (el) { el.textContent = %q; }
    return;
  }
  var chart = window.echarts.getInstanceByDom(el) || window.echarts.init(el);
  chart.setOption(option);
  if (window.ResizeObserver) { new ResizeObserver(function () { chart.resize(); }).observe(el); }
}
draw();
})();
</script>
`, loadTimeoutMillis, notLoadedMessage)
	return b.String(), nil
}

// notLoadedMessage replaces a chart whose page never loaded ECharts, which
// happens when the output that inlined it was cleared.
const notLoadedMessage = "viz: ECharts is not loaded in this page (was the output that loaded it cleared?): " +
	"run viz.LoadECharts() in a cell, or restart the kernel and run all cells."

// newID returns a fresh DOM id: charts from many cells share one page.
func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return "viz-" + hex.EncodeToString(b[:])
}

// Page returns a self-contained HTML document showing figs, with the
// ECharts library inlined once. It fails only if the library is not
// installed or a figure's data is invalid.
func Page(title string, figs ...Figure) (string, error) {
	lib, err := EChartsScript()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>%s</title>\n</head>\n<body>\n", html.EscapeString(title))
	b.WriteString(lib)
	for _, fig := range figs {
		h, err := HTML(fig)
		if err != nil {
			return "", err
		}
		b.WriteString(h)
	}
	b.WriteString("</body>\n</html>\n")
	return b.String(), nil
}

// finite returns v, or nil (JSON null, a missing value to ECharts) when v
// is NaN or infinite: encoding/json cannot encode those.
func finite(v float64) any {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return v
}

// isFinite reports whether v is neither NaN nor infinite.
func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// quote returns s quoted for figure summaries and messages.
func quote(s string) string { return fmt.Sprintf("%q", s) }
