package viz

import (
	"fmt"
	"image/color"
	"math"
)

// echartsPalette is ECharts' default series palette; static images use it
// too, so that both renderings of a figure match.
var echartsPalette = []string{"#5470c6", "#91cc75", "#fac858", "#ee6666", "#73c0de", "#3ba272", "#fc8452", "#9a60b4", "#ea7ccc"}

// seriesColor returns the colour of the i-th series.
func seriesColor(i int) color.NRGBA {
	return hexColor(echartsPalette[i%len(echartsPalette)])
}

// hexColor parses a "#rrggbb" colour.
func hexColor(s string) color.NRGBA {
	var r, g, b uint8
	if _, err := fmt.Sscanf(s, "#%02x%02x%02x", &r, &g, &b); err != nil {
		panic(fmt.Sprintf("viz: bad colour %q", s))
	}
	return color.NRGBA{R: r, G: g, B: b, A: 255}
}

// Colour scales of heatmaps, as evenly spaced stops: viridis for
// magnitudes, and a blue-white-red scale (ColorBrewer RdBu, reversed) for
// signed values centred on zero.
var (
	sequentialStops = []string{"#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"}
	divergingStops  = []string{"#2166ac", "#67a9cf", "#d1e5f0", "#f7f7f7", "#fddbc7", "#ef8a62", "#b2182b"}
)

// scale maps values in [Min, Max] to colours interpolated between stops.
type scale struct {
	stops    []color.NRGBA
	min, max float64
}

func newScale(stops []string, min, max float64) scale {
	s := scale{min: min, max: max}
	for _, h := range stops {
		s.stops = append(s.stops, hexColor(h))
	}
	return s
}

// at returns the colour of v; values outside the range take the colour of
// the nearer end, as ECharts' visualMap does.
func (s scale) at(v float64) color.NRGBA {
	t := 0.5
	if s.max > s.min {
		t = (v - s.min) / (s.max - s.min)
	}
	t = math.Max(0, math.Min(1, t))
	f := t * float64(len(s.stops)-1)
	i := int(math.Floor(f))
	if i >= len(s.stops)-1 {
		return s.stops[len(s.stops)-1]
	}
	a, b, u := s.stops[i], s.stops[i+1], f-float64(i)
	mix := func(x, y uint8) uint8 { return uint8(math.Round(float64(x) + u*(float64(y)-float64(x)))) }
	return color.NRGBA{R: mix(a.R, b.R), G: mix(a.G, b.G), B: mix(a.B, b.B), A: 255}
}

// colors returns n colours evenly spread over the scale, as a gonum palette.
func (s scale) colors(n int) []color.Color {
	cs := make([]color.Color, n)
	for i := range cs {
		cs[i] = s.at(s.min + (s.max-s.min)*float64(i)/float64(n-1))
	}
	return cs
}

// palette adapts a colour list to gonum's palette.Palette.
type palette []color.Color

func (p palette) Colors() []color.Color { return p }
