package estimators

import (
	"fmt"
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
)

// ScoreFunction is the score-function estimator, REINFORCE (Williams 1992):
//
//	∇θ E[f(z)] ≈ (1/S)·Σ_s (f(z_s) − b_s)·∇θ log p_θ(z_s),   z_s ~ p_θ,
//
// with baselines b_s from Baseline. It needs nothing of f but its values
// at the samples, which f receives detached from θ, so f may be any black
// box. If f's result requires gradients (its own parameters, such as a
// decoder's), the Surrogate also carries mean_s ∇f(z_s) to them.
//
// The estimate is unbiased whenever b_s does not depend on z_s, which holds
// for every Baseline in this package (LeaveOneOut uses the other samples,
// MovingAverage and LearnedBaseline past ones).
type ScoreFunction[T ad.Float] struct {
	// Samples is the number S of samples. Zero means 1.
	Samples int
	// Baseline is subtracted from f in the learning signal. Nil means
	// NoBaseline.
	Baseline Baseline
}

// Estimate returns the estimate for the distribution d. It draws the S
// samples by S calls of d.Sample, in order, and stacks them along a new
// axis 0, so f receives z of shape [S, sample shape...] and must return
// shape [S]; d.LogProb is summed over every axis but the first.
func (s ScoreFunction[T]) Estimate(rnd *rand.Rand, d distributions.Distribution[T], f Func[T]) Estimate[T] {
	const op = "ScoreFunction"
	n := positiveOr(op, "Samples", s.Samples, 1)
	z := drawStack(rnd, d, n)
	fz := eval(op, f, z)
	logp := perSample(op, d.LogProb(z), n)

	fv := fz.Float64s()
	var (
		b    []float64
		loss *ad.Tensor[T]
	)
	if tb, ok := s.Baseline.(tensorBaseline[T]); ok {
		b, loss = tb.baselineTensor(fv)
	} else {
		base := s.Baseline
		if base == nil {
			base = NoBaseline{}
		}
		b = make([]float64, n)
		base.Baselines(b, fv)
	}
	signal := make([]T, n)
	for i := range signal {
		signal[i] = T(fv[i] - b[i])
	}
	sur := ad.Mean(ad.Mul(ad.New(signal, n), logp))
	sur = addPathwise(sur, fz)
	if loss != nil {
		sur = ad.Add(sur, loss)
	}
	return Estimate[T]{Value: T(mean(fv)), Surrogate: sur, Samples: n}
}

// drawStack draws n samples by n calls of d.Sample and stacks them along a
// new axis 0.
func drawStack[T ad.Float](rnd *rand.Rand, d distributions.Sampler[T], n int) *ad.Tensor[T] {
	zs := make([]*ad.Tensor[T], n)
	for i := range zs {
		zs[i] = d.Sample(rnd)
	}
	return ad.Stack(0, zs...)
}

// perSample sums t of shape [n, ...] over every axis but the first.
func perSample[T ad.Float](op string, t *ad.Tensor[T], n int) *ad.Tensor[T] {
	if t.Rank() == 0 || t.Dim(0) != n {
		panic(fmt.Sprintf("estimators.%s: log-probability of shape %v for %d samples (want [%d, ...])", op, t.Shape(), n, n))
	}
	if t.Rank() == 1 {
		return t
	}
	axes := make([]int, t.Rank()-1)
	for i := range axes {
		axes[i] = i + 1
	}
	return ad.Sum(t, axes...)
}

// addPathwise adds mean(fz) to the surrogate when f has parameters of its
// own, so that they receive mean_s ∇f(z_s).
func addPathwise[T ad.Float](sur, fz *ad.Tensor[T]) *ad.Tensor[T] {
	if !fz.RequiresGrad() {
		return sur
	}
	return ad.Add(sur, ad.Mean(fz))
}

// positiveOr returns v, or def when v is zero; it panics if v is negative.
func positiveOr(op, field string, v, def int) int {
	switch {
	case v == 0:
		return def
	case v < 0:
		panic(fmt.Sprintf("estimators.%s: %s is %d; it must be ≥ 0 (0 means %d)", op, field, v, def))
	}
	return v
}
