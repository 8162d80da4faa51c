package models

import (
	"math/rand/v2"
	"testing"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/vi"
)

// BenchmarkHeldOutLogLikelihood measures the IWAE paper's evaluation, K =
// 5000 draws per image in float64 without a graph, for the one-layer
// 784-200-200-50 model on a batch of 5 binary images; ns/op divided by 5
// is the time per image.
func BenchmarkHeldOutLogLikelihood(b *testing.B) {
	rnd := rand.New(rand.NewPCG(1, 2))
	v := ConvertStackedVAE[float64](NewIWAEVAE[float32](rnd, 1), ad.Tanh[float64])
	x := ad.Zeros[float64](5, 784)
	for i := range x.Data {
		if rnd.Float64() < 0.13 {
			x.Data[i] = 1
		}
	}
	for _, chunk := range []int{100} {
		b.Run("chunk="+itoa(chunk), func(b *testing.B) {
			for b.Loop() {
				vi.LogLikelihood(rnd, v, x, 5000, chunk)
			}
		})
	}
}

func itoa(n int) string {
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}

// BenchmarkBernoulliLogLik compares the fused log-likelihood of binary
// images with ad.BCEWithLogits and ad.Sum, for 500 draws of logits [500,
// 784] without a graph, as in held-out evaluation.
func BenchmarkBernoulliLogLik(b *testing.B) {
	rnd := rand.New(rand.NewPCG(1, 2))
	logits := ad.Randn[float64](rnd, 100, 5, 784)
	x := ad.Zeros[float64](5, 784)
	for i := range x.Data {
		if rnd.Float64() < 0.13 {
			x.Data[i] = 1
		}
	}
	b.Run("fused", func(b *testing.B) {
		for b.Loop() {
			bernoulliLogLik(logits, x)
		}
	})
	b.Run("BCEWithLogits+Sum", func(b *testing.B) {
		for b.Loop() {
			ad.Neg(ad.Sum(ad.BCEWithLogits(logits, x), -1))
		}
	})
}
