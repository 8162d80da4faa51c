package viz

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Bar is a bar chart: one bar per label and series, series side by side.
type Bar struct {
	Title, XLabel, YLabel string
	// Labels name the bars of each series; nil means "0", "1", ....
	Labels []string
	// Series hold the bar heights in Y, one per label; X must be nil.
	Series []Series
	// Width and Height are the size in CSS pixels; zero means
	// DefaultWidth and DefaultHeight.
	Width, Height int
}

// labels returns the bar labels, checking that all series fit them.
func (b Bar) labels() []string {
	n := len(b.Labels)
	if b.Labels == nil && len(b.Series) > 0 {
		n = len(b.Series[0].Y)
	}
	for _, s := range b.Series {
		if s.X != nil {
			panic(fmt.Sprintf("viz: Bar %s, series %s: X must be nil (len %d): bars are placed by Labels", quote(b.Title), quote(s.Name), len(s.X)))
		}
		if len(s.Y) != n {
			panic(fmt.Sprintf("viz: Bar %s, series %s: len(Y) = %d, want %d (one per label)", quote(b.Title), quote(s.Name), len(s.Y), n))
		}
	}
	if b.Labels != nil {
		return b.Labels
	}
	return indexLabels(n)
}

// indexLabels returns "0", "1", ..., the default labels of n items.
func indexLabels(n int) []string {
	l := make([]string, n)
	for i := range l {
		l[i] = strconv.Itoa(i)
	}
	return l
}

// Option implements Figure.
func (b Bar) Option() (map[string]any, error) {
	labels := b.labels()
	names := make([]string, len(b.Series))
	for i, s := range b.Series {
		names[i] = s.Name
	}
	legend, top := legendOpts(names)
	c := charts.NewBar()
	c.SetGlobalOptions(append(baseOpts(b.Title, "axis", true),
		legend,
		charts.WithGridOpts(opts.Grid{Top: top, Left: "50", Right: "40", Bottom: "45", ContainLabel: opts.Bool(true)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", Name: b.XLabel, NameLocation: "middle", NameGap: 30}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: b.YLabel, NameLocation: "middle", NameGap: 50}),
	)...)
	c.SetXAxis(labels)
	for _, s := range b.Series {
		data := make([]opts.BarData, len(s.Y))
		for i, y := range s.Y {
			data[i] = opts.BarData{Value: finite(y)}
		}
		c.AddSeries(s.Name, data)
	}
	c.Validate()
	return c.JSON(), nil
}

// Draw implements Figure.
func (b Bar) Draw(c draw.Canvas) error {
	labels := b.labels()
	p := newPlot(b.Title, b.XLabel, b.YLabel)
	k := len(b.Series)
	var rs rects
	for j, s := range b.Series {
		col := seriesColor(j)
		w := 0.8 / float64(k) // the group of a label spans 0.8
		for i, y := range s.Y {
			if !isFinite(y) {
				continue
			}
			x0 := float64(i) - 0.4 + float64(j)*w
			rs = append(rs, rect{x0: x0, x1: x0 + w, y0: 0, y1: y, fill: col})
		}
		if k > 1 || s.Name != "" {
			p.Legend.Add(s.Name, swatch(col))
		}
	}
	p.Legend.Top = true
	if len(rs) > 0 {
		p.Add(rs)
	}
	if len(labels) > 0 {
		p.NominalX(labels...)
		p.X.Min, p.X.Max = -0.6, float64(len(labels))-0.4
	}
	p.Draw(c)
	return nil
}

// Size implements Sizer.
func (b Bar) Size() (w, h int) {
	return orDefault(b.Width, DefaultWidth), orDefault(b.Height, DefaultHeight)
}

// String returns a one-line summary of b.
func (b Bar) String() string {
	return fmt.Sprintf("Bar %s: %d series × %d bars", quote(b.Title), len(b.Series), len(b.labels()))
}

// Histogram is a histogram of raw values.
type Histogram struct {
	Title, XLabel, YLabel string
	// Values are the data; non-finite values are left out.
	Values []float64
	// Bins is the number of bins; zero means Sturges' rule,
	// ceil(log2 n) + 1 for n values in range.
	Bins int
	// Min and Max bound the bins; values outside are left out. Both zero
	// means the range of the data.
	Min, Max float64
	// Density scales the heights so that the bars' area is one.
	Density bool
	// Width and Height are the size in CSS pixels; zero means
	// DefaultWidth and DefaultHeight.
	Width, Height int
}

// Counts returns the bin edges, len(heights)+1 of them, and the heights:
// the number of values in each bin [edges[i], edges[i+1]), the last bin
// closed, or densities when h.Density is set. An invalid Bins, Min or Max
// is an error.
func (h Histogram) Counts() (edges, heights []float64, err error) {
	if h.Bins < 0 {
		return nil, nil, fmt.Errorf("viz: Histogram %s: Bins = %d, want >= 0 (0 chooses by Sturges' rule)", quote(h.Title), h.Bins)
	}
	lo, hi := h.Min, h.Max
	if lo == 0 && hi == 0 {
		lo, hi = math.Inf(1), math.Inf(-1)
		for _, v := range h.Values {
			if isFinite(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
		switch {
		case lo > hi: // no finite value
			lo, hi = 0, 1
		case lo == hi:
			lo, hi = lo-0.5, hi+0.5
		}
	} else if !(lo < hi) {
		return nil, nil, fmt.Errorf("viz: Histogram %s: Min = %g, Max = %g, want Min < Max (or both zero for the data range)", quote(h.Title), h.Min, h.Max)
	}
	n := 0
	for _, v := range h.Values {
		if v >= lo && v <= hi {
			n++
		}
	}
	k := h.Bins
	if k == 0 {
		k = 1
		if n > 1 {
			k = int(math.Ceil(math.Log2(float64(n)))) + 1
		}
	}
	edges = make([]float64, k+1)
	for i := range edges {
		edges[i] = lo + (hi-lo)*float64(i)/float64(k)
	}
	edges[k] = hi
	heights = make([]float64, k)
	for _, v := range h.Values {
		if !(v >= lo && v <= hi) { // also false for NaN
			continue
		}
		i := min(int((v-lo)/(hi-lo)*float64(k)), k-1) // v == hi goes in the last bin
		// Rounding can put a value next to an edge in the wrong bin.
		for i > 0 && v < edges[i] {
			i--
		}
		for i < k-1 && v >= edges[i+1] {
			i++
		}
		heights[i]++
	}
	if h.Density && n > 0 {
		for i := range heights {
			heights[i] /= float64(n) * (edges[i+1] - edges[i])
		}
	}
	return edges, heights, nil
}

// Option implements Figure.
func (h Histogram) Option() (map[string]any, error) {
	edges, heights, err := h.Counts()
	if err != nil {
		return nil, err
	}
	centres := make([]string, len(heights))
	data := make([]opts.BarData, len(heights))
	for i, v := range heights {
		centres[i] = strconv.FormatFloat((edges[i]+edges[i+1])/2, 'g', 4, 64)
		data[i] = opts.BarData{Value: v, Name: fmt.Sprintf("[%.4g, %.4g)", edges[i], edges[i+1])}
	}
	ylabel := h.YLabel
	if ylabel == "" {
		ylabel = "count"
		if h.Density {
			ylabel = "density"
		}
	}
	c := charts.NewBar()
	c.SetGlobalOptions(append(baseOpts(h.Title, "item", true),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithGridOpts(opts.Grid{Top: "50", Left: "50", Right: "40", Bottom: "45", ContainLabel: opts.Bool(true)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", Name: h.XLabel, NameLocation: "middle", NameGap: 30}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: ylabel, NameLocation: "middle", NameGap: 50}),
	)...)
	c.SetXAxis(centres)
	c.AddSeries(ylabel, data, charts.WithBarChartOpts(opts.BarChart{BarCategoryGap: "2%"}))
	c.Validate()
	return c.JSON(), nil
}

// Draw implements Figure.
func (h Histogram) Draw(c draw.Canvas) error {
	edges, heights, err := h.Counts()
	if err != nil {
		return err
	}
	ylabel := h.YLabel
	if ylabel == "" {
		ylabel = "count"
		if h.Density {
			ylabel = "density"
		}
	}
	p := newPlot(h.Title, h.XLabel, ylabel)
	rs := make(rects, len(heights))
	for i, v := range heights {
		rs[i] = rect{x0: edges[i], x1: edges[i+1], y0: 0, y1: v, fill: seriesColor(0), line: color.White}
	}
	p.Add(rs)
	p.Draw(c)
	return nil
}

// Size implements Sizer.
func (h Histogram) Size() (w, hh int) {
	return orDefault(h.Width, DefaultWidth), orDefault(h.Height, DefaultHeight)
}

// String returns a one-line summary of h.
func (h Histogram) String() string {
	_, heights, err := h.Counts()
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("Histogram %s: %d values in %d bins", quote(h.Title), len(h.Values), len(heights))
}

// rect is a filled rectangle in data coordinates.
type rect struct {
	x0, x1, y0, y1 float64
	fill           color.Color
	line           color.Color // outline; nil for none
}

// rects is a gonum/plot plotter drawing rectangles: bars and histograms.
type rects []rect

// Plot implements plot.Plotter.
func (rs rects) Plot(c draw.Canvas, p *plot.Plot) {
	tx, ty := p.Transforms(&c)
	for _, r := range rs {
		if r.x0 == r.x1 || r.y0 == r.y1 {
			continue // nothing to fill, and an outline would show as a line
		}
		pts := []vg.Point{
			{X: tx(r.x0), Y: ty(r.y0)}, {X: tx(r.x1), Y: ty(r.y0)},
			{X: tx(r.x1), Y: ty(r.y1)}, {X: tx(r.x0), Y: ty(r.y1)},
		}
		c.FillPolygon(r.fill, c.ClipPolygonXY(pts))
		if r.line != nil {
			c.StrokeLines(draw.LineStyle{Color: r.line, Width: vg.Points(0.5)}, c.ClipLinesXY(append(pts, pts[0]))...)
		}
	}
}

// DataRange implements plot.DataRanger.
func (rs rects) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, ymin = math.Inf(1), math.Inf(1)
	xmax, ymax = math.Inf(-1), math.Inf(-1)
	for _, r := range rs {
		xmin = math.Min(xmin, math.Min(r.x0, r.x1))
		xmax = math.Max(xmax, math.Max(r.x0, r.x1))
		ymin = math.Min(ymin, math.Min(r.y0, r.y1))
		ymax = math.Max(ymax, math.Max(r.y0, r.y1))
	}
	return xmin, xmax, ymin, ymax
}

// swatch is a legend thumbnail: a filled square.
type swatch color.NRGBA

// Thumbnail implements plot.Thumbnailer.
func (s swatch) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(color.NRGBA(s), []vg.Point{
		{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y},
		{X: c.Max.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Max.Y},
	})
}
