//go:build adpoison

package ad

import (
	"math"
	"testing"
)

func TestPoisonFillsRecycledBuffersWithNaN(t *testing.T) {
	x := Param(Ones[float64](4, 3))
	var buf []float64
	y := Custom("spy", Exp(x).Clone(), []*Tensor[float64]{x}, func(g *Tensor[float64]) []*Tensor[float64] {
		buf = g.Data
		return []*Tensor[float64]{g}
	})
	Sum(Mul(y, y)).Backward()
	for i, v := range buf {
		if !math.IsNaN(v) {
			t.Fatalf("recycled gradient holds %v at %d, want NaN under the tag adpoison", v, i)
		}
	}
}
