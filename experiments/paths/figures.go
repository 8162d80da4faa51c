package paths

import (
	"encoding/json"
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/stochgrad/stochgrad/viz"
)

// Curves draws a test metric of the shortest-path experiment against
// the epoch, one line per method, averaged over repeats: runs[r] holds the
// runs of RunExperiment for repeat r, the methods in the same order in
// every repeat. It panics if the repeats do not match.
func Curves(title, yLabel string, runs [][]Run, metric func(Metrics) float64) viz.Line {
	l := viz.Line{Title: title, XLabel: "epoch", YLabel: yLabel}
	if len(runs) == 0 {
		return l
	}
	for m, first := range runs[0] {
		s := viz.Series{Name: first.Name, Y: make([]float64, len(first.Test))}
		for _, rep := range runs {
			if len(rep) != len(runs[0]) || rep[m].Name != first.Name || len(rep[m].Test) != len(first.Test) {
				panic(fmt.Sprintf("paths: Curves: repeats differ in methods or epochs (%d runs, method %d %q)", len(rep), m, first.Name))
			}
			for e, pm := range rep[m].Test {
				s.Y[e] += metric(pm) / float64(len(runs))
			}
		}
		l.Series = append(l.Series, s)
	}
	return l
}

// TrainingLoss draws each method's mean training loss during every
// epoch divided by that during the first, averaged over repeats as in
// Curves: the losses of the methods have different scales.
func TrainingLoss(title string, runs [][]Run) viz.Line {
	l := viz.Line{Title: title, XLabel: "epoch", YLabel: "loss / first epoch's"}
	if len(runs) == 0 {
		return l
	}
	for m, first := range runs[0] {
		s := viz.Series{Name: first.Name, X: make([]float64, len(first.TrainLoss)), Y: make([]float64, len(first.TrainLoss))}
		for e := range s.X {
			s.X[e] = float64(e + 1)
		}
		for _, rep := range runs {
			if len(rep) != len(runs[0]) || rep[m].Name != first.Name || len(rep[m].TrainLoss) != len(first.TrainLoss) {
				panic(fmt.Sprintf("paths: TrainingLoss: repeats differ in methods or epochs (%d runs, method %d %q)", len(rep), m, first.Name))
			}
			for e, v := range rep[m].TrainLoss {
				s.Y[e] += v / rep[m].TrainLoss[0] / float64(len(runs))
			}
		}
		l.Series = append(l.Series, s)
	}
	return l
}

// Map is a figure of one shortest-path instance: the vertex costs of
// the grid as a heatmap (row 0 at the top) with paths drawn over it from
// the top-left to the bottom-right vertex, for example the true and the
// predicted shortest paths over the true or the predicted costs.
type Map struct {
	Title      string
	Rows, Cols int
	// Costs holds the Rows·Cols vertex costs in row-major order.
	Costs []float64
	// Paths are drawn in order, the first widest.
	Paths []GridPath
	// Min and Max bound the colour scale; both zero means the range of
	// Costs. Give two maps the same bounds to compare them.
	Min, Max float64
}

// GridPath is a named path on a grid: Z holds the 0/1 indicators of its
// vertices, as solvers.ShortestPath returns them.
type GridPath struct {
	Name string
	Z    []float64
}

var pathColors = []string{"#e31a1c", "#00e5ff", "#ffffff", "#ff7f00"}

func (m Map) heatmap() viz.Heatmap {
	if m.Rows < 1 || m.Cols < 1 || len(m.Costs) != m.Rows*m.Cols {
		panic(fmt.Sprintf("paths: Map %q: %d costs for a %d×%d grid", m.Title, len(m.Costs), m.Rows, m.Cols))
	}
	data := make([][]float64, m.Rows)
	for i := range data {
		data[i] = m.Costs[i*m.Cols : (i+1)*m.Cols]
	}
	return viz.Heatmap{Title: m.Title, XLabel: "column", YLabel: "row", Data: data, Min: m.Min, Max: m.Max, ShowValues: true}
}

// Size implements viz.Sizer: the heatmap's size for the grid, with room
// for the legend.
func (m Map) Size() (w, h int) {
	w, h = m.heatmap().Size()
	return max(w, 520), max(h, 440) + 30
}

// String returns a one-line summary of m.
func (m Map) String() string {
	return fmt.Sprintf("Map %q: %d×%d costs, %d paths", m.Title, m.Rows, m.Cols, len(m.Paths))
}

// Option implements viz.Figure: the heatmap's ECharts option with one line
// series per path on its category axes.
func (m Map) Option() (map[string]any, error) {
	base, err := m.heatmap().Option()
	if err != nil {
		return nil, err
	}
	// Round-trip through JSON to extend go-echarts' typed option.
	b, err := json.Marshal(base)
	if err != nil {
		return nil, fmt.Errorf("paths: Map %q: %w", m.Title, err)
	}
	var opt map[string]any
	if err := json.Unmarshal(b, &opt); err != nil {
		return nil, fmt.Errorf("paths: Map %q: %w", m.Title, err)
	}
	series, _ := opt["series"].([]any)
	var names []any
	for k, p := range m.Paths {
		order, err := pathOrder(m.Rows, m.Cols, p.Z)
		if err != nil {
			return nil, fmt.Errorf("paths: Map %q, path %q: %w", m.Title, p.Name, err)
		}
		data := make([]any, len(order))
		for i, v := range order {
			data[i] = []int{v % m.Cols, v / m.Cols}
		}
		style := map[string]any{"width": max(6-2*k, 2), "color": pathColors[k%len(pathColors)]}
		if k > 0 {
			style["type"] = "dashed"
		}
		series = append(series, map[string]any{
			"type": "line", "name": p.Name, "data": data, "lineStyle": style, "z": 3 + k,
			"symbol": "circle", "symbolSize": max(10-3*k, 4), "itemStyle": map[string]any{"color": pathColors[k%len(pathColors)]},
			"tooltip": map[string]any{"show": false},
		})
		names = append(names, p.Name)
	}
	opt["series"] = series
	// The colour scale belongs to the heatmap alone, not to the paths.
	if vm, ok := opt["visualMap"].([]any); ok && len(vm) > 0 {
		if v, ok := vm[0].(map[string]any); ok {
			v["seriesIndex"] = 0
		}
	}
	opt["legend"] = map[string]any{"show": len(names) > 0, "data": names, "bottom": 0}
	opt["grid"] = map[string]any{"top": 50, "left": 50, "right": 90, "bottom": 70, "containLabel": true}
	return opt, nil
}

// Draw implements viz.Figure for static images: the costs with a
// Kindlmann colour scale (dark to light, like viridis) and the paths over them.
func (m Map) Draw(c draw.Canvas) error {
	h := m.heatmap()
	lo, hi, err := h.Range()
	if err != nil {
		return err
	}
	p := plot.New()
	p.Title.Text = m.Title
	p.X.Label.Text, p.Y.Label.Text = "column", "row"
	var xt, yt plot.ConstantTicks
	for c := range m.Cols {
		xt = append(xt, plot.Tick{Value: float64(c), Label: fmt.Sprint(c)})
	}
	for r := range m.Rows {
		yt = append(yt, plot.Tick{Value: float64(m.Rows - 1 - r), Label: fmt.Sprint(r)})
	}
	p.X.Tick.Marker, p.Y.Tick.Marker = xt, yt
	hm := plotter.NewHeatMap(costGrid{m}, moreland.Kindlmann().Palette(256))
	hm.Min, hm.Max = lo, hi
	p.Add(hm)
	for k, path := range m.Paths {
		order, err := pathOrder(m.Rows, m.Cols, path.Z)
		if err != nil {
			return fmt.Errorf("paths: Map %q, path %q: %w", m.Title, path.Name, err)
		}
		xy := make(plotter.XYs, len(order))
		for i, v := range order {
			xy[i].X, xy[i].Y = float64(v%m.Cols), float64(m.Rows-1-v/m.Cols)
		}
		line, err := plotter.NewLine(xy)
		if err != nil {
			return err
		}
		line.Color = hexRGB(pathColors[k%len(pathColors)])
		line.Width = vg.Points(float64(max(6-2*k, 2)))
		if k > 0 {
			line.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		}
		p.Add(line)
		p.Legend.Add(path.Name, line)
	}
	p.Legend.Top = true
	p.Draw(c)
	return nil
}

// costGrid adapts a Map's costs to plotter.GridXYZ, row 0 at the top.
type costGrid struct{ m Map }

func (g costGrid) Dims() (c, r int)   { return g.m.Cols, g.m.Rows }
func (g costGrid) Z(c, r int) float64 { return g.m.Costs[(g.m.Rows-1-r)*g.m.Cols+c] }
func (g costGrid) X(c int) float64    { return float64(c) }
func (g costGrid) Y(r int) float64    { return float64(r) }

// hexRGB parses a colour written #rrggbb.
func hexRGB(s string) color.Color {
	var r, g, b uint8
	if _, err := fmt.Sscanf(s, "#%02x%02x%02x", &r, &g, &b); err != nil {
		panic(fmt.Sprintf("paths: colour %q: %v", s, err))
	}
	return color.NRGBA{R: r, G: g, B: b, A: 255}
}

// pathOrder returns the vertices of the path with indicators z in order
// from the top-left to the bottom-right vertex: the fewest-hop walk
// through marked vertices between the corners, moving to any of the 8
// neighbours. A shortest path under positive costs has no shortcut, so the
// walk visits all its vertices. It returns an error if the marked vertices
// do not join the corners.
func pathOrder(rows, cols int, z []float64) ([]int, error) {
	if len(z) != rows*cols {
		panic(fmt.Sprintf("paths: path of %d indicators for a %d×%d grid", len(z), rows, cols))
	}
	start, end := 0, rows*cols-1
	if z[start] == 0 || z[end] == 0 {
		return nil, fmt.Errorf("the path does not contain both corners")
	}
	prev := make([]int, len(z))
	for i := range prev {
		prev[i] = -1
	}
	prev[start] = start
	queue := []int{start}
	for len(queue) > 0 && prev[end] < 0 {
		v := queue[0]
		queue = queue[1:]
		r, c := v/cols, v%cols
		for dr := -1; dr <= 1; dr++ {
			for dc := -1; dc <= 1; dc++ {
				nr, nc := r+dr, c+dc
				if nr < 0 || nr >= rows || nc < 0 || nc >= cols {
					continue
				}
				if w := nr*cols + nc; z[w] != 0 && prev[w] < 0 {
					prev[w] = v
					queue = append(queue, w)
				}
			}
		}
	}
	if prev[end] < 0 {
		return nil, fmt.Errorf("the marked vertices do not join the corners")
	}
	var order []int
	for v := end; v != start; v = prev[v] {
		order = append(order, v)
	}
	order = append(order, start)
	for i, j := 0, len(order)-1; i < j; i, j = i+1, j-1 {
		order[i], order[j] = order[j], order[i]
	}
	return order, nil
}
