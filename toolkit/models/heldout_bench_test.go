package models

import (
	"math/rand/v2"
	"testing"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/vi"
)

// BenchmarkHeldOutLogLikelihood measures the IWAE paper's evaluation, K =
// 5000 draws per image in float64 without a graph, for the one-layer
// 784-200-200-50 model on 8 binary images with the default chunk (8192
// rows per product), and reports seconds per 1000 images.
func BenchmarkHeldOutLogLikelihood(b *testing.B) {
	const n = 8
	rnd := rand.New(rand.NewPCG(1, 2))
	v := ConvertStackedVAE[float64](NewIWAEVAE[float32](rnd, 1), ad.Tanh[float64])
	x := ad.Zeros[float64](n, 784)
	for i := range x.Data {
		if rnd.Float64() < 0.13 {
			x.Data[i] = 1
		}
	}
	for b.Loop() {
		vi.LogLikelihood(rnd, v, x, 5000, 0)
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)*1000/n, "s/1000img")
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
