package ad

import (
	"math"
	"testing"
)

var sink32 float32

// BenchmarkExp compares exp32 with math.Exp on float32 data.
func BenchmarkExp(b *testing.B) {
	xs := make([]float32, 4096)
	for i := range xs {
		xs[i] = float32(i-2048) / 256
	}
	b.Run("exp32", func(b *testing.B) {
		for b.Loop() {
			for _, x := range xs {
				sink32 += exp32(x)
			}
		}
	})
	b.Run("math.Exp", func(b *testing.B) {
		for b.Loop() {
			for _, x := range xs {
				sink32 += float32(math.Exp(float64(x)))
			}
		}
	})
	b.Run("softplusT", func(b *testing.B) {
		for b.Loop() {
			for _, x := range xs {
				sink32 += softplusT(x)
			}
		}
	})
	b.Run("math.Log1p(math.Exp)", func(b *testing.B) {
		for b.Loop() {
			for _, x := range xs {
				sink32 += float32(softplus(float64(x)))
			}
		}
	})
}
