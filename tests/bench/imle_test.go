package bench

import (
	"math/rand/v2"
	"testing"

	"github.com/stochgrad/stochgrad/estimators"
	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
	"github.com/stochgrad/stochgrad/toolkit/solvers"
)

// BenchmarkIMLETopK is one forward and backward pass of an I-MLE top-k
// layer in float32: a batch of 100 score vectors of length 100, k = 10,
// 10 samples each with Sum-of-Gamma noise (K = 10, 10 iterations), forward
// differences with the default target (α = 1, λ = 1), and a fixed random
// upstream gradient. Its PyTorch twin is imle_topk.py.
func BenchmarkIMLETopK(b *testing.B) {
	const batch, n, k, samples = 100, 100, 10, 10
	rnd := rand.New(rand.NewPCG(1, 2))
	theta := ad.Param(ad.Randn[float32](rnd, batch, n))
	dy := ad.Randn[float32](rnd, batch, samples, n)
	layer := estimators.IMLE[float32]{
		Solver:  solvers.TopK[float32]{K: k},
		Noise:   distributions.SumOfGamma[float32]{K: k, Iterations: 10},
		Samples: samples,
	}
	b.ReportAllocs()
	for b.Loop() {
		z := layer.Apply(rnd, theta)
		z.BackwardWith(dy)
		theta.ZeroGrad()
	}
}
