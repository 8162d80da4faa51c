package viz

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strconv"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Heatmap draws a matrix, such as an adjacency or a covariance matrix, as
// coloured cells with a colour scale.
type Heatmap struct {
	Title, XLabel, YLabel string
	// Data holds the matrix row by row; all rows have the same length.
	// Row 0 is drawn at the top, as matrices are written.
	Data [][]float64
	// XLabels and YLabels name the columns and rows; nil means indices.
	XLabels, YLabels []string
	// Min and Max bound the colour scale; values beyond take the colour
	// of the nearer end. Both zero means the range of the data, made
	// symmetric about zero when Diverging is set.
	Min, Max float64
	// Diverging uses a blue-white-red scale, for signed values such as
	// covariances or edge weights, instead of viridis.
	Diverging bool
	// ShowValues writes each cell's value in it.
	ShowValues bool
	// Width and Height are the size in CSS pixels; zero fits the shape
	// of the matrix.
	Width, Height int
}

// dims returns the numbers of rows and columns, panicking if the matrix
// is ragged or the labels do not fit it.
func (h Heatmap) dims() (rows, cols int) {
	rows = len(h.Data)
	if rows > 0 {
		cols = len(h.Data[0])
	}
	for i, r := range h.Data {
		if len(r) != cols {
			panic(fmt.Sprintf("viz: Heatmap %s: row %d has %d columns, row 0 has %d", quote(h.Title), i, len(r), cols))
		}
	}
	if h.XLabels != nil && len(h.XLabels) != cols {
		panic(fmt.Sprintf("viz: Heatmap %s: %d XLabels for %d columns", quote(h.Title), len(h.XLabels), cols))
	}
	if h.YLabels != nil && len(h.YLabels) != rows {
		panic(fmt.Sprintf("viz: Heatmap %s: %d YLabels for %d rows", quote(h.Title), len(h.YLabels), rows))
	}
	return rows, cols
}

// Range returns the bounds of the colour scale (see Min and Max), or an
// error if Min and Max are set but not increasing.
func (h Heatmap) Range() (lo, hi float64, err error) {
	if h.Min != 0 || h.Max != 0 {
		if !(h.Min < h.Max) {
			return 0, 0, fmt.Errorf("viz: Heatmap %s: Min = %g, Max = %g, want Min < Max (or both zero for the data range)", quote(h.Title), h.Min, h.Max)
		}
		return h.Min, h.Max, nil
	}
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, r := range h.Data {
		for _, v := range r {
			if isFinite(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if h.Diverging {
		m := math.Max(math.Abs(lo), math.Abs(hi))
		if lo > hi || m == 0 {
			m = 1
		}
		return -m, m, nil
	}
	switch {
	case lo > hi: // no finite value
		return 0, 1, nil
	case lo == hi:
		return lo - 0.5, hi + 0.5, nil
	}
	return lo, hi, nil
}

func (h Heatmap) stops() []string {
	if h.Diverging {
		return divergingStops
	}
	return sequentialStops
}

func (h Heatmap) labels() (x, y []string) {
	rows, cols := h.dims()
	x, y = h.XLabels, h.YLabels
	if x == nil {
		x = indexLabels(cols)
	}
	if y == nil {
		y = indexLabels(rows)
	}
	return x, y
}

// Option implements Figure.
func (h Heatmap) Option() (map[string]any, error) {
	xl, yl := h.labels()
	lo, hi, err := h.Range()
	if err != nil {
		return nil, err
	}
	c := charts.NewHeatMap()
	c.SetGlobalOptions(append(baseOpts(h.Title, "item", true),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithGridOpts(opts.Grid{Top: "50", Left: "50", Right: "90", Bottom: "45", ContainLabel: opts.Bool(true)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", Name: h.XLabel, NameLocation: "middle", NameGap: 30, Data: xl,
			SplitArea: &opts.SplitArea{Show: opts.Bool(true)}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Name: h.YLabel, NameLocation: "middle", NameGap: 40, Data: yl,
			Inverse: opts.Bool(true), SplitArea: &opts.SplitArea{Show: opts.Bool(true)}}),
	)...)
	var data []opts.HeatMapData
	for i, r := range h.Data {
		for j, v := range r {
			item := []any{j, i, finite(v)}
			if h.ShowValues {
				item = append(item, strconv.FormatFloat(v, 'g', 3, 64))
			}
			data = append(data, opts.HeatMapData{Value: item})
		}
	}
	var series []charts.SeriesOpts
	if h.ShowValues {
		series = append(series, charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Formatter: "{@[3]}"}))
	}
	c.AddSeries(h.Title, data, series...)
	c.Validate()
	obj := c.JSON()
	// go-echarts' VisualMap drops a zero Max and rounds to float32.
	obj["visualMap"] = []map[string]any{{
		"type": "continuous", "min": lo, "max": hi, "calculable": true,
		"orient": "vertical", "right": 10, "top": "middle", "precision": 3,
		"inRange": map[string]any{"color": h.stops()},
	}}
	return obj, nil
}

// Draw implements Figure.
func (h Heatmap) Draw(c draw.Canvas) error {
	xl, yl := h.labels()
	lo, hi, err := h.Range()
	if err != nil {
		return err
	}
	rows, cols := h.dims()
	sc := newScale(h.stops(), lo, hi)
	const barWidth = 70 // points kept right of the map for the colour scale
	main := c
	main.Max.X -= barWidth
	p := newPlot(h.Title, h.XLabel, h.YLabel)
	if rows > 0 && cols > 0 {
		hm := plotter.NewHeatMap(grid{h.Data}, palette(sc.colors(256)))
		hm.Min, hm.Max = lo, hi
		hm.Underflow, hm.Overflow = sc.at(lo), sc.at(hi)
		hm.NaN = hexColor("#ffffff")
		p.Add(hm)
		if h.ShowValues {
			p.Add(cellValues{h: h, sc: sc, font: p.Y.Tick.Label})
		}
		p.X.Tick.Marker = labelTicks(xl, func(j int) float64 { return float64(j) })
		p.Y.Tick.Marker = labelTicks(yl, func(i int) float64 { return float64(rows - 1 - i) })
	}
	p.Draw(main)

	// The colour scale spans the height of the data area.
	da := p.DataCanvas(main)
	x0 := main.Max.X + 15
	bar := vg.Rectangle{Min: vg.Point{X: x0, Y: da.Min.Y}, Max: vg.Point{X: x0 + 14, Y: da.Max.Y}}
	grad := image.NewNRGBA(image.Rect(0, 0, 1, 256))
	for k := range 256 {
		grad.SetNRGBA(0, 255-k, sc.at(lo+(hi-lo)*float64(k)/255))
	}
	c.DrawImage(bar, grad)
	sty := p.Y.Tick.Label
	sty.XAlign, sty.YAlign = draw.XLeft, draw.YCenter
	for _, t := range (plot.DefaultTicks{}).Ticks(lo, hi) {
		if t.Label == "" || t.Value < lo || t.Value > hi {
			continue
		}
		y := bar.Min.Y + (bar.Max.Y-bar.Min.Y)*vg.Length((t.Value-lo)/(hi-lo))
		c.StrokeLine2(draw.LineStyle{Color: hexColor("#000000"), Width: vg.Points(0.5)}, bar.Max.X, y, bar.Max.X+3, y)
		c.FillText(sty, vg.Point{X: bar.Max.X + 5, Y: y}, t.Label)
	}
	return nil
}

// cellValues writes the values of a heatmap in its cells, dark on light
// colours and light on dark ones.
type cellValues struct {
	h    Heatmap
	sc   scale
	font text.Style
}

// Plot implements plot.Plotter.
func (cv cellValues) Plot(c draw.Canvas, p *plot.Plot) {
	tx, ty := p.Transforms(&c)
	sty := cv.font
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YCenter
	rows := len(cv.h.Data)
	for i, r := range cv.h.Data {
		for j, v := range r {
			if !isFinite(v) {
				continue
			}
			bg := cv.sc.at(v)
			sty.Color = color.Black
			if 0.299*float64(bg.R)+0.587*float64(bg.G)+0.114*float64(bg.B) < 128 {
				sty.Color = color.White
			}
			c.FillText(sty, vg.Point{X: tx(float64(j)), Y: ty(float64(rows - 1 - i))}, strconv.FormatFloat(v, 'g', 3, 64))
		}
	}
}

// labelTicks returns tick marks naming rows or columns, thinned to at most
// about 30 so that they stay readable.
func labelTicks(labels []string, at func(int) float64) plot.ConstantTicks {
	step := 1 + len(labels)/30
	var ts plot.ConstantTicks
	for i, l := range labels {
		if i%step == 0 {
			ts = append(ts, plot.Tick{Value: at(i), Label: l})
		}
	}
	return ts
}

// grid adapts a matrix to gonum's plotter.GridXYZ, row 0 at the top.
type grid struct{ m [][]float64 }

func (g grid) Dims() (c, r int)   { return len(g.m[0]), len(g.m) }
func (g grid) Z(c, r int) float64 { return g.m[len(g.m)-1-r][c] }
func (g grid) X(c int) float64    { return float64(c) }
func (g grid) Y(r int) float64    { return float64(r) }

// Size implements Sizer.
func (h Heatmap) Size() (w, hh int) {
	rows, cols := h.dims()
	n := max(rows, cols, 1)
	cell := min(max(400/n, 6), 48)
	return orDefault(h.Width, min(max(180+cols*cell, 360), 960)), orDefault(h.Height, min(max(110+rows*cell, 260), 800))
}

// String returns a one-line summary of h.
func (h Heatmap) String() string {
	rows, cols := h.dims()
	lo, hi, err := h.Range()
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("Heatmap %s: %d×%d matrix, colour scale [%.4g, %.4g]", quote(h.Title), rows, cols, lo, hi)
}
