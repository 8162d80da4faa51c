package viz

import (
	"fmt"
	"math"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Series is one named curve or set of points: Y[i] against X[i].
type Series struct {
	Name string
	// X holds the abscissae; nil means 0, 1, ..., len(Y)-1.
	X, Y []float64
}

// x returns the i-th abscissa of s.
func (s Series) x(i int) float64 {
	if s.X == nil {
		return float64(i)
	}
	return s.X[i]
}

// Line is a line chart of one or more series.
type Line struct {
	Title, XLabel, YLabel string
	// LogX and LogY make the axes logarithmic; all finite values on such
	// an axis must then be positive.
	LogX, LogY bool
	Series     []Series
	// Width and Height are the size in CSS pixels; zero means
	// DefaultWidth and DefaultHeight.
	Width, Height int

	// animationOff draws the chart without animation: Live redraws it.
	animationOff bool
}

// Scatter is a scatter plot of one or more series. Its fields mean what
// Line's do.
type Scatter struct {
	Title, XLabel, YLabel string
	LogX, LogY            bool
	Series                []Series
	Width, Height         int

	animationOff bool
}

// Option implements Figure.
func (l Line) Option() (map[string]any, error) { return xyOption("Line", l, true) }

// Draw implements Figure.
func (l Line) Draw(c draw.Canvas) error { return xyDraw("Line", l, true, c) }

// Size implements Sizer.
func (l Line) Size() (w, h int) {
	return orDefault(l.Width, DefaultWidth), orDefault(l.Height, DefaultHeight)
}

// String returns a one-line summary of l.
func (l Line) String() string { return xySummary("Line", l) }

// Option implements Figure.
func (s Scatter) Option() (map[string]any, error) { return xyOption("Scatter", Line(s), false) }

// Draw implements Figure.
func (s Scatter) Draw(c draw.Canvas) error { return xyDraw("Scatter", Line(s), false, c) }

// Size implements Sizer.
func (s Scatter) Size() (w, h int) { return Line(s).Size() }

// String returns a one-line summary of s.
func (s Scatter) String() string { return xySummary("Scatter", Line(s)) }

func xySummary(kind string, l Line) string {
	n := 0
	for _, s := range l.Series {
		n += len(s.Y)
	}
	return fmt.Sprintf("%s %s: %d series, %d points", kind, quote(l.Title), len(l.Series), n)
}

// checkXY panics if a series has X and Y of different lengths and, for
// logarithmic axes, returns an error naming the first non-positive value.
func checkXY(kind string, l Line) error {
	for _, s := range l.Series {
		if s.X != nil && len(s.X) != len(s.Y) {
			panic(fmt.Sprintf("viz: %s %s, series %s: len(X) = %d, len(Y) = %d", kind, quote(l.Title), quote(s.Name), len(s.X), len(s.Y)))
		}
	}
	for _, s := range l.Series {
		for i, y := range s.Y {
			x := s.x(i)
			if l.LogX && isFinite(x) && x <= 0 {
				return fmt.Errorf("viz: %s %s: LogX needs positive X, series %s has X[%d] = %g (a nil X starts at 0)", kind, quote(l.Title), quote(s.Name), i, x)
			}
			if l.LogY && isFinite(y) && y <= 0 {
				return fmt.Errorf("viz: %s %s: LogY needs positive Y, series %s has Y[%d] = %g", kind, quote(l.Title), quote(s.Name), i, y)
			}
		}
	}
	return nil
}

// axisType returns the ECharts type of a numeric axis.
func axisType(log bool) string {
	if log {
		return "log"
	}
	return "value"
}

// baseOpts returns the options shared by all figures: title, tooltip and a
// save-as-image button.
func baseOpts(title, trigger string, animate bool) []charts.GlobalOpts {
	return []charts.GlobalOpts{
		charts.WithTitleOpts(opts.Title{Title: title, Left: "center"}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: trigger}),
		charts.WithToolboxOpts(opts.Toolbox{Show: opts.Bool(true), Right: "20", Feature: &opts.ToolBoxFeature{
			SaveAsImage: &opts.ToolBoxFeatureSaveAsImage{Show: opts.Bool(true), Title: "save as PNG"},
		}}),
		charts.WithAnimation(animate),
	}
}

// legendOpts shows the legend under the title when there is more than one
// series or a named one, and returns the top of the plotting area.
func legendOpts(names []string) (charts.GlobalOpts, string) {
	show := len(names) > 1 || len(names) == 1 && names[0] != ""
	top := "50"
	if show {
		top = "70"
	}
	return charts.WithLegendOpts(opts.Legend{Show: opts.Bool(show), Top: "28", Type: "scroll"}), top
}

func xyOption(kind string, l Line, line bool) (map[string]any, error) {
	if err := checkXY(kind, l); err != nil {
		return nil, err
	}
	names := make([]string, len(l.Series))
	for i, s := range l.Series {
		names[i] = s.Name
	}
	legend, top := legendOpts(names)
	trigger := "item"
	if line {
		trigger = "axis"
	}
	global := append(baseOpts(l.Title, trigger, !l.animationOff),
		legend,
		charts.WithGridOpts(opts.Grid{Top: top, Left: "50", Right: "40", Bottom: "45", ContainLabel: opts.Bool(true)}),
		charts.WithXAxisOpts(opts.XAxis{Type: axisType(l.LogX), Name: l.XLabel, NameLocation: "middle", NameGap: 30, Scale: opts.Bool(true)}),
		charts.WithYAxisOpts(opts.YAxis{Type: axisType(l.LogY), Name: l.YLabel, NameLocation: "middle", NameGap: 50, Scale: opts.Bool(true)}),
	)
	var c interface {
		Validate()
		JSON() map[string]any
	}
	if line {
		lc := charts.NewLine()
		lc.SetGlobalOptions(global...)
		for _, s := range l.Series {
			data := make([]opts.LineData, len(s.Y))
			for i, y := range s.Y {
				data[i] = opts.LineData{Value: []any{finite(s.x(i)), finite(y)}}
			}
			// Markers hide the curve when points are dense.
			lc.AddSeries(s.Name, data, charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(len(s.Y) <= 50)}))
		}
		c = lc
	} else {
		sc := charts.NewScatter()
		sc.SetGlobalOptions(global...)
		for _, s := range l.Series {
			data := make([]opts.ScatterData, len(s.Y))
			for i, y := range s.Y {
				data[i] = opts.ScatterData{Value: []any{finite(s.x(i)), finite(y)}}
			}
			sc.AddSeries(s.Name, data, charts.WithScatterChartOpts(opts.ScatterChart{SymbolSize: 6}))
		}
		c = sc
	}
	c.Validate()
	return c.JSON(), nil
}

func xyDraw(kind string, l Line, line bool, c draw.Canvas) error {
	if err := checkXY(kind, l); err != nil {
		return err
	}
	p := newPlot(l.Title, l.XLabel, l.YLabel)
	drawn := false
	for i, s := range l.Series {
		col := seriesColor(i)
		var legendThumb plot.Thumbnailer
		if line {
			// Non-finite values break the curve into segments.
			var seg plotter.XYs
			flush := func() {
				switch len(seg) {
				case 0:
					return
				case 1:
					sc, _ := plotter.NewScatter(seg)
					sc.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Points(2), Shape: draw.CircleGlyph{}}
					p.Add(sc)
				default:
					ln, _ := plotter.NewLine(seg)
					ln.LineStyle = draw.LineStyle{Color: col, Width: vg.Points(1.5)}
					p.Add(ln)
					if legendThumb == nil {
						legendThumb = ln
					}
				}
				drawn = true
				seg = nil
			}
			for j, y := range s.Y {
				if x := s.x(j); isFinite(x) && isFinite(y) {
					seg = append(seg, plotter.XY{X: x, Y: y})
				} else {
					flush()
				}
			}
			flush()
		} else {
			var pts plotter.XYs
			for j, y := range s.Y {
				if x := s.x(j); isFinite(x) && isFinite(y) {
					pts = append(pts, plotter.XY{X: x, Y: y})
				}
			}
			if len(pts) > 0 {
				sc, _ := plotter.NewScatter(pts)
				sc.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Points(2.5), Shape: draw.CircleGlyph{}}
				p.Add(sc)
				legendThumb = sc
				drawn = true
			}
		}
		if legendThumb != nil && (len(l.Series) > 1 || s.Name != "") {
			p.Legend.Add(s.Name, legendThumb)
		}
	}
	p.Legend.Top = true
	if drawn {
		if l.LogX {
			logAxis(&p.X)
		}
		if l.LogY {
			logAxis(&p.Y)
		}
	}
	p.Draw(c)
	return nil
}

// logAxis makes a gonum/plot axis logarithmic. A degenerate range is
// widened by a decade each way, since the linear default (±1) could reach
// zero.
func logAxis(a *plot.Axis) {
	a.Scale = plot.LogScale{}
	a.Tick.Marker = plot.LogTicks{Prec: -1}
	if a.Min == a.Max {
		a.Min, a.Max = a.Min/10, a.Max*10
	}
	if math.IsInf(a.Min, 0) || math.IsInf(a.Max, 0) {
		a.Min, a.Max = 1, 10
	}
}

// newPlot returns a gonum plot with the given title and axis labels.
func newPlot(title, xlabel, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.Padding = vg.Points(6)
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	return p
}
