package viz

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	stddraw "image/draw"
	"image/png"
	"math"

	"github.com/go-echarts/go-echarts/v2/opts"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// ImageGrid shows a batch of grey images in a grid, such as samples of a
// generative model or inputs above their reconstructions.
type ImageGrid struct {
	Title string
	// Images holds the batch; each image has H×W grey levels, row by row.
	Images [][]float64
	// H and W are the height and width of every image in pixels; zero
	// means square images, H = W = √len(Images[0]).
	H, W int
	// Rows and Cols lay out the grid, filled row by row. Zero Cols means
	// enough columns for Rows rows, or ⌈√n⌉ when Rows is zero too; zero
	// Rows means as many rows as needed.
	Rows, Cols int
	// Min and Max are the grey levels drawn black and white; levels
	// beyond take the nearer one. Both zero means the range of the
	// batch. Non-finite levels are drawn red.
	Min, Max float64
	// Scale is the number of screen pixels per image pixel; zero fits the
	// grid in about DefaultWidth pixels, at most 8 per image pixel.
	Scale int
}

// Pixels between images, and their colour.
const gridGap = 1

var gapColor = color.NRGBA{R: 0xd0, G: 0xd0, B: 0xd0, A: 0xff}

// layout returns the image size and the grid shape, panicking if the
// images do not match them.
func (g ImageGrid) layout() (h, w, rows, cols int) {
	n := len(g.Images)
	h, w = g.H, g.W
	if h == 0 && w == 0 && n > 0 {
		s := int(math.Round(math.Sqrt(float64(len(g.Images[0])))))
		if s*s != len(g.Images[0]) {
			panic(fmt.Sprintf("viz: ImageGrid %s: images of %d pixels are not square: set H and W", quote(g.Title), len(g.Images[0])))
		}
		h, w = s, s
	}
	for i, im := range g.Images {
		if len(im) != h*w {
			panic(fmt.Sprintf("viz: ImageGrid %s: image %d has %d pixels, want H×W = %d×%d = %d", quote(g.Title), i, len(im), h, w, h*w))
		}
	}
	rows, cols = g.Rows, g.Cols
	switch {
	case rows < 0 || cols < 0:
		panic(fmt.Sprintf("viz: ImageGrid %s: negative grid %d×%d", quote(g.Title), rows, cols))
	case cols == 0 && rows == 0:
		cols = int(math.Ceil(math.Sqrt(float64(n))))
	case cols == 0:
		cols = (n + rows - 1) / rows
	}
	if rows == 0 && cols > 0 {
		rows = (n + cols - 1) / cols
	}
	if rows*cols < n {
		panic(fmt.Sprintf("viz: ImageGrid %s: %d images do not fit %d×%d", quote(g.Title), n, rows, cols))
	}
	return h, w, rows, cols
}

// levels returns the grey levels drawn black and white.
func (g ImageGrid) levels() (lo, hi float64, err error) {
	if g.Min != 0 || g.Max != 0 {
		if !(g.Min < g.Max) {
			return 0, 0, fmt.Errorf("viz: ImageGrid %s: Min = %g, Max = %g, want Min < Max (or both zero for the data range)", quote(g.Title), g.Min, g.Max)
		}
		return g.Min, g.Max, nil
	}
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, im := range g.Images {
		for _, v := range im {
			if isFinite(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if lo >= hi { // constant or no finite level
		if lo > hi {
			lo = 0
		}
		return lo - 0.5, lo + 0.5, nil
	}
	return lo, hi, nil
}

// grey returns the 8-bit grey level drawn for v.
func grey(v, lo, hi float64) uint8 {
	t := (v - lo) / (hi - lo)
	return uint8(math.Round(255 * math.Max(0, math.Min(1, t))))
}

// scale returns the screen pixels per image pixel.
func (g ImageGrid) scale() int {
	if g.Scale != 0 {
		if g.Scale < 0 {
			panic(fmt.Sprintf("viz: ImageGrid %s: Scale = %d", quote(g.Title), g.Scale))
		}
		return g.Scale
	}
	_, w, _, cols := g.layout()
	gw := cols*(w+gridGap) + gridGap
	return min(max(DefaultWidth/max(gw, 1), 1), 8)
}

// Image returns the grid as one image, each image pixel drawn as a
// scale×scale block.
func (g ImageGrid) Image(scale int) (*image.NRGBA, error) {
	h, w, rows, cols := g.layout()
	lo, hi, err := g.levels()
	if err != nil {
		return nil, err
	}
	if scale < 1 {
		return nil, fmt.Errorf("viz: ImageGrid %s: scale = %d, want >= 1", quote(g.Title), scale)
	}
	gw, gh := cols*(w+gridGap)+gridGap, rows*(h+gridGap)+gridGap
	img := image.NewNRGBA(image.Rect(0, 0, gw*scale, gh*scale))
	stddraw.Draw(img, img.Bounds(), image.NewUniform(gapColor), image.Point{}, stddraw.Src)
	for k, im := range g.Images {
		top := (k/cols)*(h+gridGap) + gridGap
		left := (k%cols)*(w+gridGap) + gridGap
		for r := range h {
			for c := range w {
				v := im[r*w+c]
				px := color.NRGBA{R: 255, A: 255}
				if isFinite(v) {
					y := grey(v, lo, hi)
					px = color.NRGBA{R: y, G: y, B: y, A: 255}
				}
				for dy := range scale {
					for dx := range scale {
						img.SetNRGBA((left+c)*scale+dx, (top+r)*scale+dy, px)
					}
				}
			}
		}
	}
	return img, nil
}

// Option implements Figure. The grid is one PNG image, embedded as a data
// URI in an ECharts graphic element.
func (g ImageGrid) Option() (map[string]any, error) {
	img, err := g.Image(g.scale())
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("viz: ImageGrid %s: encoding PNG: %v", quote(g.Title), err)
	}
	b := img.Bounds()
	return map[string]any{
		"title": opts.Title{Title: g.Title, Left: "center"},
		"toolbox": opts.Toolbox{Show: opts.Bool(true), Right: "20", Feature: &opts.ToolBoxFeature{
			SaveAsImage: &opts.ToolBoxFeatureSaveAsImage{Show: opts.Bool(true), Title: "save as PNG"},
		}},
		"graphic": []map[string]any{{
			"type": "image", "left": "center", "top": imageTop,
			"style": map[string]any{
				"image": "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()),
				"width": b.Dx(), "height": b.Dy(),
			},
		}},
	}, nil
}

// imageTop is the room left above the grid for the title, in CSS pixels.
const imageTop = 40

// Draw implements Figure. The grid keeps its aspect ratio, centred under
// the title.
func (g ImageGrid) Draw(c draw.Canvas) error {
	p := newPlot(g.Title, "", "")
	p.HideAxes()
	p.Draw(c)
	if len(g.Images) == 0 {
		return nil
	}
	da := p.DataCanvas(c)
	img, err := g.Image(1)
	if err != nil {
		return err
	}
	b := img.Bounds()
	// Scale up with whole pixels so that viewers do not blur the images.
	cw, ch := float64(da.Max.X-da.Min.X), float64(da.Max.Y-da.Min.Y)
	f := math.Min(cw/float64(b.Dx()), ch/float64(b.Dy()))
	up := max(1, min(int(math.Ceil(f*96/72)), 8)) // f is in points, at 96 pixels per inch
	if up > 1 {
		if img, err = g.Image(up); err != nil {
			return err
		}
	}
	w, h := vg.Length(f*float64(b.Dx())), vg.Length(f*float64(b.Dy()))
	x0 := da.Min.X + (da.Max.X-da.Min.X-w)/2
	y1 := da.Max.Y
	c.DrawImage(vg.Rectangle{Min: vg.Point{X: x0, Y: y1 - h}, Max: vg.Point{X: x0 + w, Y: y1}}, img)
	return nil
}

// Size implements Sizer.
func (g ImageGrid) Size() (w, h int) {
	ih, iw, rows, cols := g.layout()
	s := g.scale()
	gw, gh := (cols*(iw+gridGap)+gridGap)*s, (rows*(ih+gridGap)+gridGap)*s
	return max(gw+40, 240), gh + imageTop + 20
}

// String returns a one-line summary of g.
func (g ImageGrid) String() string {
	h, w, rows, cols := g.layout()
	return fmt.Sprintf("ImageGrid %s: %d images of %d×%d in %d×%d", quote(g.Title), len(g.Images), h, w, rows, cols)
}
