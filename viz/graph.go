package viz

import (
	"fmt"
	"image/color"
	"math"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Graph draws nodes and weighted edges, such as a learned relational
// graph or a structure posterior.
type Graph struct {
	Title string
	// Nodes names the nodes. Nil means nodes "0", "1", ... up to the
	// largest node index in Edges.
	Nodes []string
	// Edges join nodes by index. An edge's width and opacity grow with
	// |Weight| relative to the largest |Weight|; negative weights are
	// drawn red, positive ones blue. Edges of non-finite weight are left
	// out.
	Edges []Edge
	// Directed draws an arrow head at the To end of each edge.
	Directed bool
	// X and Y place the nodes, y upwards; nil means evenly on a circle,
	// node 0 at the top and the others clockwise.
	X, Y []float64
	// Width and Height are the size in CSS pixels; zero means 520 × 520.
	Width, Height int
}

// Edge is an edge of a Graph.
type Edge struct {
	From, To int
	Weight   float64
}

// Edge colours by sign of the weight.
var (
	positiveEdge = hexColor("#3760a8")
	negativeEdge = hexColor("#c23b22")
)

// names returns the node names, panicking if an edge or a position does
// not fit them.
func (g Graph) names() []string {
	names := g.Nodes
	if names == nil {
		n := 0
		for _, e := range g.Edges {
			n = max(n, e.From+1, e.To+1)
		}
		names = indexLabels(n)
	}
	n := len(names)
	for k, e := range g.Edges {
		if e.From < 0 || e.From >= n || e.To < 0 || e.To >= n {
			panic(fmt.Sprintf("viz: Graph %s: edge %d (%d→%d) refers to a node outside 0..%d", quote(g.Title), k, e.From, e.To, n-1))
		}
	}
	if (g.X != nil || g.Y != nil) && (len(g.X) != n || len(g.Y) != n) {
		panic(fmt.Sprintf("viz: Graph %s: len(X) = %d, len(Y) = %d for %d nodes", quote(g.Title), len(g.X), len(g.Y), n))
	}
	return names
}

// Positions returns the node positions, y upwards: X and Y, or the
// default circle.
func (g Graph) Positions() (x, y []float64) {
	n := len(g.names())
	if g.X != nil {
		return g.X, g.Y
	}
	x, y = make([]float64, n), make([]float64, n)
	for i := range n {
		a := 2 * math.Pi * float64(i) / float64(n)
		x[i], y[i] = math.Sin(a), math.Cos(a)
	}
	return x, y
}

// edgeStyle returns the width in pixels, the opacity and the colour of an
// edge of weight w when the largest |weight| is wmax.
func edgeStyle(w, wmax float64) (width, opacity float64, col color.NRGBA) {
	r := 1.0
	if wmax > 0 {
		r = math.Abs(w) / wmax
	}
	col = positiveEdge
	if w < 0 {
		col = negativeEdge
	}
	return 0.5 + 4.5*r, 0.15 + 0.85*r, col
}

// maxWeight returns the largest finite |weight|.
func (g Graph) maxWeight() float64 {
	m := 0.0
	for _, e := range g.Edges {
		if isFinite(e.Weight) {
			m = math.Max(m, math.Abs(e.Weight))
		}
	}
	return m
}

// reciprocal reports whether the graph also has the edge To→From, which
// then curves away so that both stay visible.
func (g Graph) reciprocal(e Edge) bool {
	if !g.Directed || e.From == e.To {
		return false
	}
	for _, f := range g.Edges {
		if f.From == e.To && f.To == e.From && isFinite(f.Weight) {
			return true
		}
	}
	return false
}

// nodeSize returns the node diameter in pixels for n nodes.
func nodeSize(n int) float64 { return math.Min(math.Max(300/float64(max(n, 1)), 10), 28) }

// Option implements Figure.
func (g Graph) Option() (map[string]any, error) {
	names := g.names()
	x, y := g.Positions()
	size := nodeSize(len(names))
	nodes := make([]map[string]any, len(names))
	for i, name := range names {
		// ECharts' graph coordinates grow downwards.
		nodes[i] = map[string]any{"id": fmt.Sprint(i), "name": name, "x": x[i], "y": -y[i], "symbolSize": size}
	}
	wmax := g.maxWeight()
	links := []map[string]any{}
	for _, e := range g.Edges {
		if !isFinite(e.Weight) {
			continue
		}
		width, opacity, col := edgeStyle(e.Weight, wmax)
		curve := 0.0
		if g.reciprocal(e) {
			curve = 0.2
		}
		links = append(links, map[string]any{
			"source": e.From, "target": e.To, "value": e.Weight,
			"lineStyle": map[string]any{
				"width": width, "opacity": opacity, "curveness": curve,
				"color": fmt.Sprintf("#%02x%02x%02x", col.R, col.G, col.B),
			},
		})
	}
	edgeSymbol := []string{"none", "none"}
	if g.Directed {
		edgeSymbol[1] = "arrow"
	}
	c := charts.NewGraph()
	c.SetGlobalOptions(append(baseOpts(g.Title, "item", true),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}))...)
	c.AddSeries(g.Title, nil, nil, charts.WithGraphChartOpts(opts.GraphChart{
		Layout: "none", Roam: opts.Bool(true), EdgeSymbol: edgeSymbol, EdgeSymbolSize: []float64{0, 9},
	}), charts.WithLabelOpts(opts.Label{Show: opts.Bool(len(names) <= 30), Position: "inside", Color: "#ffffff"}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: "#5470c6"}))
	c.MultiSeries[0].Data = nodes
	c.MultiSeries[0].Links = links
	c.Validate()
	obj := c.JSON()
	return obj, nil
}

// Draw implements Figure. The graph is drawn in the largest centred square
// of c, so that a circle stays round.
func (g Graph) Draw(c draw.Canvas) error {
	names := g.names()
	x, y := g.Positions()
	side := min(c.Max.X-c.Min.X, c.Max.Y-c.Min.Y)
	dx, dy := (c.Max.X-c.Min.X-side)/2, (c.Max.Y-c.Min.Y-side)/2
	sq := draw.Crop(c, dx, -dx, dy, -dy)
	p := newPlot(g.Title, "", "")
	p.HideAxes()
	p.Add(&graphPlotter{g: g, names: names, x: x, y: y, radius: vg.Length(nodeSize(len(names)) * 72 / 96 / 2), font: p.Y.Tick.Label})
	p.Draw(sq)
	return nil
}

// graphPlotter draws a Graph on a gonum plot.
type graphPlotter struct {
	g      Graph
	names  []string
	x, y   []float64
	radius vg.Length
	font   text.Style
}

// Plot implements plot.Plotter.
func (gp *graphPlotter) Plot(c draw.Canvas, p *plot.Plot) {
	tx, ty := p.Transforms(&c)
	wmax := gp.g.maxWeight()
	for _, e := range gp.g.Edges {
		if !isFinite(e.Weight) || e.From == e.To {
			continue
		}
		width, opacity, col := edgeStyle(e.Weight, wmax)
		col.A = uint8(math.Round(255 * opacity))
		a := vg.Point{X: tx(gp.x[e.From]), Y: ty(gp.y[e.From])}
		b := vg.Point{X: tx(gp.x[e.To]), Y: ty(gp.y[e.To])}
		d := b.Sub(a)
		l := vg.Length(math.Hypot(float64(d.X), float64(d.Y)))
		if l <= 2*gp.radius {
			continue
		}
		u := d.Scale(1 / l) // unit vector from a to b
		if gp.g.reciprocal(e) {
			// Shift sideways, as ECharts curves them, so both show.
			n := vg.Point{X: -u.Y, Y: u.X}.Scale(gp.radius / 2)
			a, b = a.Add(n), b.Add(n)
		}
		a, b = a.Add(u.Scale(gp.radius)), b.Sub(u.Scale(gp.radius))
		sty := draw.LineStyle{Color: col, Width: vg.Length(width * 72 / 96)}
		if gp.g.Directed {
			head := vg.Length(9 * 72 / 96.0)
			base := b.Sub(u.Scale(head))
			n := vg.Point{X: -u.Y, Y: u.X}.Scale(head / 2)
			c.FillPolygon(col, []vg.Point{b, base.Add(n), base.Sub(n)})
			b = base
		}
		c.StrokeLine2(sty, a.X, a.Y, b.X, b.Y)
	}
	node := draw.GlyphStyle{Color: hexColor("#5470c6"), Radius: gp.radius, Shape: draw.CircleGlyph{}}
	label := gp.font
	label.Color = color.White
	label.XAlign, label.YAlign = draw.XCenter, draw.YCenter
	for i, name := range gp.names {
		pt := vg.Point{X: tx(gp.x[i]), Y: ty(gp.y[i])}
		c.DrawGlyphNoClip(node, pt)
		if len(gp.names) <= 30 {
			c.FillText(label, pt, name)
		}
	}
}

// DataRange implements plot.DataRanger.
func (gp *graphPlotter) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, ymin = math.Inf(1), math.Inf(1)
	xmax, ymax = math.Inf(-1), math.Inf(-1)
	for i := range gp.x {
		xmin, xmax = math.Min(xmin, gp.x[i]), math.Max(xmax, gp.x[i])
		ymin, ymax = math.Min(ymin, gp.y[i]), math.Max(ymax, gp.y[i])
	}
	return xmin, xmax, ymin, ymax
}

// GlyphBoxes implements plot.GlyphBoxer, keeping whole nodes in view.
func (gp *graphPlotter) GlyphBoxes(p *plot.Plot) []plot.GlyphBox {
	r := gp.radius + 2
	bs := make([]plot.GlyphBox, len(gp.x))
	for i := range gp.x {
		bs[i] = plot.GlyphBox{
			X: p.X.Norm(gp.x[i]), Y: p.Y.Norm(gp.y[i]),
			Rectangle: vg.Rectangle{Min: vg.Point{X: -r, Y: -r}, Max: vg.Point{X: r, Y: r}},
		}
	}
	return bs
}

// Size implements Sizer.
func (g Graph) Size() (w, h int) { return orDefault(g.Width, 520), orDefault(g.Height, 520) }

// String returns a one-line summary of g.
func (g Graph) String() string {
	kind := "undirected"
	if g.Directed {
		kind = "directed"
	}
	return fmt.Sprintf("Graph %s: %d nodes, %d %s edges", quote(g.Title), len(g.names()), len(g.Edges), kind)
}
