package estimators_test

import (
	"math/rand/v2"
	"testing"

	"github.com/stochgrad/stochgrad/estimators"
	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
)

// TestPathwiseNormal checks the pathwise estimator against the closed-form
// gradient of E[Σ (z−t)² + c·z⁴] for z ~ N(μ, σ²):
// E[(z−t)²] = (μ−t)² + σ², E[z⁴] = μ⁴ + 6μ²σ² + 3σ⁴.
func TestPathwiseNormal(t *testing.T) {
	mu := []float64{0.5, -1.0, 0.2}
	sigma := []float64{0.8, 0.3, 1.2}
	target := []float64{0.1, 0.4, -0.6}
	const c = 0.1
	exact := make([]float64, 6) // ∂/∂μ then ∂/∂σ
	for i := range mu {
		m, s := mu[i], sigma[i]
		exact[i] = 2*(m-target[i]) + c*(4*m*m*m+12*m*s*s)
		exact[3+i] = 2*s + c*(12*m*m*s+12*s*s*s)
	}
	tt := ad.New(target, 3)
	f := func(z *ad.Tensor[float64]) *ad.Tensor[float64] {
		return ad.Add(ad.Sum(ad.Square(ad.Sub(z, tt)), 1), ad.MulScalar(ad.Sum(ad.PowScalar(z, 4), 1), c))
	}
	run := func(seed uint64, est func(rnd *rand.Rand, d distributions.Normal[float64]) estimators.Estimate[float64]) mcStats {
		rnd := rand.New(rand.NewPCG(seed, 1))
		g := make([][]float64, 4000)
		for i := range g {
			m := ad.Param(ad.New(append([]float64(nil), mu...), 3))
			s := ad.Param(ad.New(append([]float64(nil), sigma...), 3))
			est(rnd, distributions.Normal[float64]{Mu: m, Sigma: s}).Surrogate.Backward()
			g[i] = append(append([]float64(nil), m.Grad...), s.Grad...)
		}
		return summarise(g)
	}
	pw := run(1, func(rnd *rand.Rand, d distributions.Normal[float64]) estimators.Estimate[float64] {
		return estimators.Pathwise[float64]{Samples: 2}.Estimate(rnd, d, f)
	})
	requireUnbiased(t, "Pathwise", pw, exact)
	sf := run(2, func(rnd *rand.Rand, d distributions.Normal[float64]) estimators.Estimate[float64] {
		return estimators.ScoreFunction[float64]{Samples: 2}.Estimate(rnd, d, f)
	})
	requireUnbiased(t, "ScoreFunction on the normal", sf, exact)
	requireLowerVariance(t, "Pathwise", pw, "ScoreFunction", sf)
}
