package ad

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stochgrad/stochgrad/internal/simd"
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

// BenchmarkBCEKernel is the forward pass of a Bernoulli likelihood over an
// IWAE's 50 samples × 20 digits × 784 pixels, with and without the AVX2
// kernel.
func BenchmarkBCEKernel(b *testing.B) {
	rnd := rand.New(rand.NewPCG(5, 6))
	x := make([]float32, 1000*784)
	for i := range x {
		x[i] = float32(4 * rnd.NormFloat64())
	}
	tg := make([]float32, 784)
	for i := range tg {
		tg[i] = float32(rnd.IntN(2))
	}
	z, sig := make([]float32, len(x)), make([]float32, len(x))
	for _, vector := range []bool{true, false} {
		name := "scalar"
		if vector {
			name = "simd"
		}
		b.Run(name, func(b *testing.B) {
			saved := simd.Enabled
			simd.Enabled = simd.Enabled && vector
			defer func() { simd.Enabled = saved }()
			for b.Loop() {
				bceRange(z, sig, x, tg, -1, 0, len(x))
			}
		})
	}
}
