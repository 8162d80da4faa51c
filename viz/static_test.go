package viz

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// withoutData returns fig with its data removed and its other settings
// kept.
func withoutData(fig Figure) Figure {
	switch f := fig.(type) {
	case Line:
		f.Series = nil
		return f
	case Scatter:
		f.Series = nil
		return f
	case Bar:
		f.Series, f.Labels = nil, nil
		return f
	case Histogram:
		f.Values = nil
		return f
	case Heatmap:
		f.Data = nil
		return f
	case ImageGrid:
		f.Images = nil
		return f
	case Graph:
		f.Edges, f.Nodes = nil, nil
		return f
	}
	panic("unknown figure")
}

func renderPNG(t *testing.T, fig Figure, w, h int) image.Image {
	t.Helper()
	var buf bytes.Buffer
	if err := Render(&buf, fig, "png", w, h); err != nil {
		t.Fatalf("%v: %v", fig, err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatalf("%v: PNG does not decode: %v", fig, err)
	}
	return img
}

// luma returns the grey level of the pixel at (x, y), 0 to 65535.
func luma(img image.Image, x, y int) float64 {
	r, g, b, _ := img.At(x, y).RGBA()
	return 0.299*float64(r) + 0.587*float64(g) + 0.114*float64(b)
}

// TestPNG checks that every figure renders to a PNG of the size asked
// for, that is not blank, and in which the data shows: a good part of
// the pixels differ from the same figure drawn without data.
func TestPNG(t *testing.T) {
	const w, h = 480, 300
	for _, fig := range sampleFigures() {
		img := renderPNG(t, fig, w, h)
		if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
			t.Errorf("%v: %d×%d PNG, want %d×%d", fig, b.Dx(), b.Dy(), w, h)
			continue
		}
		var sum, sum2 float64
		for y := range h {
			for x := range w {
				v := luma(img, x, y)
				sum += v
				sum2 += v * v
			}
		}
		n := float64(w * h)
		if variance := sum2/n - (sum/n)*(sum/n); variance <= 0 {
			t.Errorf("%v: blank PNG (luma variance %g)", fig, variance)
		}
		empty := renderPNG(t, withoutData(fig), w, h)
		diff := 0
		for y := range h {
			for x := range w {
				if img.At(x, y) != empty.At(x, y) {
					diff++
				}
			}
		}
		// The sparsest figure, the three-node graph, changes about 2%.
		if frac := float64(diff) / n; frac < 0.005 {
			t.Errorf("%v: only %.2f%% of the pixels show data", fig, 100*frac)
		}
	}
}

func TestPNGDefaultSize(t *testing.T) {
	for _, fig := range sampleFigures() {
		w, h := size(fig)
		if b := renderPNG(t, fig, 0, 0).Bounds(); b.Dx() != w || b.Dy() != h {
			t.Errorf("%v: %v, want the figure's size %d×%d", fig, b, w, h)
		}
	}
}

// TestSVG checks that every figure renders to well-formed SVG of the size
// asked for (CSS pixels are 3/4 of a point), in which the data shows in
// its colours, absent from the figure drawn without data.
func TestSVG(t *testing.T) {
	render := func(fig Figure) (svg, width, height string) {
		var buf bytes.Buffer
		if err := Render(&buf, fig, "svg", 480, 300); err != nil {
			t.Fatalf("%v: %v", fig, err)
		}
		svg = buf.String()
		d := xml.NewDecoder(&buf)
		for {
			tok, err := d.Token()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%v: SVG does not parse: %v", fig, err)
			}
			if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "svg" {
				for _, a := range se.Attr {
					switch a.Name.Local {
					case "width":
						width = a.Value
					case "height":
						height = a.Value
					}
				}
			}
		}
		return svg, width, height
	}
	for _, fig := range sampleFigures() {
		svg, w, h := render(fig)
		if w != "360pt" || h != "225pt" {
			t.Errorf("%v: SVG %s × %s, want 360pt × 225pt", fig, w, h)
		}
		var marks []string
		switch f := fig.(type) {
		case Heatmap:
			// The diagonal holds the largest value, drawn in the top
			// colour of the scale.
			lo, hi, _ := f.Range()
			c := newScale(f.stops(), lo, hi).at(hi)
			marks = []string{fmt.Sprintf("#%02X%02X%02X", c.R, c.G, c.B)}
		case ImageGrid:
			marks = []string{"<image"}
		case Graph:
			// Nodes, and the heaviest edge, drawn opaque.
			marks = []string{"#5470C6", "#3760A8"}
		default:
			marks = []string{"#5470C6"}
		}
		empty, _, _ := render(withoutData(fig))
		for _, m := range marks {
			if !strings.Contains(svg, m) {
				t.Errorf("%v: SVG has no %s", fig, m)
			}
			if strings.Contains(empty, m) {
				t.Errorf("%v: SVG without data has %s too", fig, m)
			}
		}
	}
}

func TestSave(t *testing.T) {
	useFakeAssets(t)
	dir := t.TempDir()
	fig := sampleFigures()[0]
	for ext, magic := range map[string]string{".png": "\x89PNG", ".svg": "<?xml", ".pdf": "%PDF-", ".HTML": "<!DOCTYPE html>"} {
		p := filepath.Join(dir, "fig"+ext)
		if err := Save(fig, p, 300, 200); err != nil {
			t.Errorf("Save %s: %v", ext, err)
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(data, []byte(magic)) {
			t.Errorf("%s file starts %.10q, want %q", ext, data, magic)
		}
		if ext == ".HTML" && !strings.Contains(string(data), "width:300px;max-width:100%;height:200px;") {
			t.Errorf("HTML page does not draw the chart at 300×200")
		}
	}
	if err := Save(fig, filepath.Join(dir, "fig.jpeg"), 0, 0); err == nil || !strings.Contains(err.Error(), `"jpeg"`) {
		t.Errorf("unknown extension: %v", err)
	}
	if err := Render(io.Discard, fig, "png", -1, 10); err == nil {
		t.Errorf("negative width: no error")
	}
	// Data errors come back from static rendering too.
	if err := Render(io.Discard, Histogram{Bins: -2}, "png", 0, 0); err == nil {
		t.Errorf("invalid histogram: no error")
	}
}
