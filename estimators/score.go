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
// With a per-example objective (f of shape [S, batch...]) each example gets
// its own learning signal: its log-probability (p's, summed over the axes
// beyond f's) is weighted by its own f minus its own baseline, not by the
// whole minibatch's loss.
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

// Check reports whether p has a log-probability and the settings are valid.
func (s ScoreFunction[T]) Check(p distributions.Sampler[T]) error {
	const op = "ScoreFunction"
	if _, ok := p.(distributions.LogProber[T]); !ok {
		return unsupported(op, "%s has no LogProb", typeName(p))
	}
	if s.Samples < 0 {
		return unsupported(op, "Samples is %d; it must be ≥ 0 (0 means 1)", s.Samples)
	}
	if _, ok := s.Baseline.(LeaveOneOut); ok && s.Samples < 2 {
		return unsupported(op, "the leave-one-out baseline needs at least 2 samples, Samples is %d", s.Samples)
	}
	return nil
}

// Estimate returns the estimate for the distribution p, which must have a
// LogProb. It draws the S samples by S calls of p.Sample, in order, and
// stacks them along a new axis 0, so f receives z of shape
// [S, sample shape...] and returns shape [S] or [S, batch...].
func (s ScoreFunction[T]) Estimate(rnd *rand.Rand, p distributions.Sampler[T], f Func[T]) Estimate[T] {
	const op = "ScoreFunction"
	must(s.Check(p))
	n := max(s.Samples, 1)
	z := drawStack(rnd, p, n)
	fz := evalFunc(op, f, z, n)
	logp := reduceTo(op, p.(distributions.LogProber[T]).LogProb(z), fz.Shape())

	fv := fz.Float64s()
	var (
		b    []float64
		loss *ad.Tensor[T]
	)
	if tb, ok := s.Baseline.(tensorBaseline[T]); ok {
		b, loss = tb.baselineTensor(fv, n)
	} else {
		base := s.Baseline
		if base == nil {
			base = NoBaseline{}
		}
		b = make([]float64, len(fv))
		base.Baselines(b, fv, n)
	}
	signal := make([]T, len(fv))
	for i := range signal {
		signal[i] = T(fv[i] - b[i])
	}
	sur := sampleMean(ad.Mul(ad.New(signal, fz.Shape()...), logp))
	sur = addPathwise(sur, fz)
	if loss != nil {
		sur = ad.Add(sur, loss)
	}
	return Estimate[T]{Value: sampleMeanValue(fz), Surrogate: sur, Samples: n}
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

// addPathwise adds the sample mean of fz to the surrogate when f has
// parameters of its own, so that they receive mean_s ∇f(z_s).
func addPathwise[T ad.Float](sur, fz *ad.Tensor[T]) *ad.Tensor[T] {
	if !fz.RequiresGrad() {
		return sur
	}
	return ad.Add(sur, sampleMean(fz))
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

// checkSamples returns an error unless v is a valid sample count: zero
// (the default) or at least least.
func checkSamples(op, field string, v, least int) error {
	if v < 0 || v > 0 && v < least {
		return unsupported(op, "%s is %d; it must be 0 (the default) or at least %d", field, v, least)
	}
	return nil
}
