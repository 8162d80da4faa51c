package viz

import (
	"bytes"
	"fmt"
	"image"
	"io"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"
)

// pixel is the length of a CSS pixel, 1/96 inch; PNG images are drawn at
// 96 dots per inch, so one pixel each.
const pixel = vg.Inch / 96

// Save writes fig to the file path, in the format named by its extension:
// .png, .svg or .pdf, drawn by gonum/plot, or .html, a self-contained page
// with the interactive chart and the ECharts library inlined. Width and
// height are in CSS pixels (1/96 inch); zero means the figure's own size.
func Save(fig Figure, path string, width, height int) error {
	format := strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	var buf bytes.Buffer
	if err := Render(&buf, fig, format, width, height); err != nil {
		return err
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("viz: saving %s: %v", summary(fig), err)
	}
	return nil
}

// Render writes fig to w in format "png", "svg", "pdf" or "html" (see
// Save).
func Render(w io.Writer, fig Figure, format string, width, height int) error {
	if width < 0 || height < 0 {
		return fmt.Errorf("viz: rendering %s: size %d×%d, want non-negative (zero for the figure's own)", summary(fig), width, height)
	}
	fw, fh := size(fig)
	width, height = orDefault(width, fw), orDefault(height, fh)
	var c interface {
		vg.CanvasSizer
		io.WriterTo
	}
	switch format {
	case "png":
		img := vgimg.NewWith(vgimg.UseImage(image.NewRGBA(image.Rect(0, 0, width, height))))
		c = vgimg.PngCanvas{Canvas: img}
	case "svg":
		c = vgsvg.New(vg.Length(width)*pixel, vg.Length(height)*pixel)
	case "pdf":
		c = vgpdf.New(vg.Length(width)*pixel, vg.Length(height)*pixel)
	case "html":
		page, err := Page(titleOf(fig), sized{fig, width, height})
		if err != nil {
			return err
		}
		_, err = io.WriteString(w, page)
		return err
	default:
		return fmt.Errorf("viz: rendering %s: unknown format %q, want png, svg, pdf or html", summary(fig), format)
	}
	if err := fig.Draw(draw.New(c)); err != nil {
		return err
	}
	if _, err := c.WriteTo(w); err != nil {
		return fmt.Errorf("viz: writing %s as %s: %v", summary(fig), format, err)
	}
	return nil
}

// sized is a figure drawn at a given size.
type sized struct {
	Figure
	w, h int
}

func (s sized) Size() (w, h int) { return s.w, s.h }

// titleOf returns the title of one of this package's figures, or "viz".
func titleOf(fig Figure) string {
	switch f := fig.(type) {
	case Line:
		return f.Title
	case Scatter:
		return f.Title
	case Bar:
		return f.Title
	case Histogram:
		return f.Title
	case Heatmap:
		return f.Title
	case ImageGrid:
		return f.Title
	case Graph:
		return f.Title
	}
	return "viz"
}
