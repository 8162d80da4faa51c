// Package estimators holds gradient estimators for expectations over
// discrete and stochastic nodes, ∇θ E_{z~p_θ}[f(z)], one family per file:
// score function with baselines and control variates, pathwise,
// Concrete / Gumbel-Softmax and straight-through, the relaxed top-k of
// Xie and Ermon over k-subsets, REBAR and RELAX, VIMCO, I-MLE and Adaptive I-MLE over black-box solvers, perturbed optimizers
// with Fenchel-Young losses, and the recursive Gumbel-Max trick with
// stochastic invariants.
//
// Every estimator implements one small interface, Estimator: given a
// distribution p whose parameters are ad tensors and an objective f, it
// returns an Estimate whose Value is the Monte Carlo estimate of the
// expectation and whose Surrogate is a scalar whose gradient, by Backward,
// is the gradient estimate. The value and the gradient are kept apart; the
// gradient flows on into whatever produced the parameters, so an estimator
// sits inside a larger network like any other op. An estimator finds what
// it needs in p by type assertion, as torch.distributions' has_rsample:
// the score function needs a distributions.LogProber, the pathwise
// estimator a distributions.RSampler, the relaxations and RELAX Bernoulli or
// categorical logits, the relaxed top-k a distributions.SubsetTopK, the
// recursive Gumbel-Max estimators a Structured distribution. Check says in advance whether an estimator can run on p.
//
// Layers map parameters θ to discrete states z with a custom backward pass
// (I-MLE, Adaptive I-MLE, perturbed optimizers); Losses compare them with
// targets (Fenchel-Young, SPO+). ThroughLayer turns any Layer into an
// Estimator, so layers and estimators meet in the same comparisons.
//
// All randomness comes from an explicit *rand.Rand; each estimator draws in
// a documented order, so estimators given generators with the same seed see
// common random numbers, and runs repeat bit for bit.
package estimators

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
)

// Estimate is the result of one estimator call.
type Estimate[T ad.Float] struct {
	// Value is the Monte Carlo estimate of the expectation, outside any
	// graph: with a per-example objective, the sum over examples of each
	// example's estimate.
	Value T
	// Surrogate is a scalar whose gradient is the gradient estimate. Its
	// value is not meaningful.
	Surrogate *ad.Tensor[T]
	// Samples is how many evaluations of f the estimate used.
	Samples int
}

// Func is an objective. Given samples z of shape [S, ...] it returns f(z)
// of shape [S], or [S, batch...] for one value per sample and example.
// Per-example values are summed: the estimate is of ∇θ Σ_b E[f_b(z)], and
// each example gets its own learning signal (its own baseline, its own
// weight). Divide by the batch size inside f for a batch mean.
type Func[T ad.Float] func(z *ad.Tensor[T]) *ad.Tensor[T]

// Estimator estimates ∇θ E_{z~p_θ}[f(z)], where θ are the parameters (ad
// tensors) inside the distribution p. Implementations take all their
// randomness from rnd, keep the value apart from the gradient, and panic
// with a message naming themselves when p lacks what they need (Check
// reports that as an error instead).
type Estimator[T ad.Float] interface {
	Estimate(rnd *rand.Rand, p distributions.Sampler[T], f Func[T]) Estimate[T]
}

// EstimatorFunc adapts an ordinary function to an Estimator, as
// http.HandlerFunc adapts one to a handler.
type EstimatorFunc[T ad.Float] func(rnd *rand.Rand, p distributions.Sampler[T], f Func[T]) Estimate[T]

// Estimate calls e(rnd, p, f).
func (e EstimatorFunc[T]) Estimate(rnd *rand.Rand, p distributions.Sampler[T], f Func[T]) Estimate[T] {
	return e(rnd, p, f)
}

// Checker is implemented by estimators that can tell in advance whether
// they can run on p with their settings, such as a leave-one-out baseline
// with one sample, or a relaxation given a distribution without logits.
// Every estimator of this package implements it.
type Checker[T ad.Float] interface {
	Check(p distributions.Sampler[T]) error
}

// ErrUnsupported is wrapped by the errors of Check when an estimator
// cannot run on a distribution or with its settings.
var ErrUnsupported = errors.New("estimators: unsupported")

// Check returns nil if e can run on p, and otherwise an error wrapping
// ErrUnsupported that says why. Estimators that do not implement Checker
// are assumed to run.
func Check[T ad.Float](e Estimator[T], p distributions.Sampler[T]) error {
	if c, ok := e.(Checker[T]); ok {
		return c.Check(p)
	}
	return nil
}

// unsupported returns an error wrapping ErrUnsupported.
func unsupported(op, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrUnsupported, op, fmt.Sprintf(format, args...))
}

// must panics with err's message when it is not nil: Estimate calls it with
// the result of Check, so both report the same.
func must(err error) {
	if err != nil {
		panic(err.Error())
	}
}

// Layer maps parameters θ to discrete states z by a black-box solver, with
// a backward pass that estimates the gradient of a downstream loss: IMLE
// (with a PerturbationTarget or an AdaptiveTarget), PerturbedAdditive and
// PerturbedMultiplicative. theta has shape [B, ...] (or one instance [D]).
type Layer[T ad.Float] interface {
	Apply(rnd *rand.Rand, theta *ad.Tensor[T]) *ad.Tensor[T]
}

// Loss compares scores theta of shape [B, ...] (or one instance [D]) with
// targets y of the same shape, returning per-instance losses of shape [B]
// differentiable in theta: FenchelYoungLoss, SPOPlusLoss.
type Loss[T ad.Float] interface {
	Loss(rnd *rand.Rand, theta, y *ad.Tensor[T]) *ad.Tensor[T]
}

// evalFunc calls f on the n samples z and checks that its result has the
// sample axis first: shape [n] or [n, batch...].
func evalFunc[T ad.Float](op string, f Func[T], z *ad.Tensor[T], n int) *ad.Tensor[T] {
	if f == nil {
		panic(fmt.Sprintf("estimators.%s: nil objective", op))
	}
	v := f(z)
	if v == nil || v.Rank() == 0 || v.Dim(0) != n {
		var shape []int
		if v != nil {
			shape = v.Shape()
		}
		panic(fmt.Sprintf("estimators.%s: objective returned shape %v for %d samples (want [%d] or [%d, batch...])", op, shape, n, n, n))
	}
	return v
}

// eval calls f and checks that it returns one value per sample, shape [S],
// for the estimators that need a single value per sample.
func eval[T ad.Float](op string, f Func[T], z *ad.Tensor[T]) *ad.Tensor[T] {
	s := z.Dim(0)
	v := evalFunc(op, f, z, s)
	if v.Rank() != 1 {
		panic(fmt.Sprintf("estimators.%s: objective returned shape %v for %d samples (want [%d]: %s takes no per-example objectives)", op, v.Shape(), s, s, op))
	}
	return v
}

// sampleMean returns (1/S)·Σ of t, whose first axis holds S samples: the
// sum over examples of each example's sample mean.
func sampleMean[T ad.Float](t *ad.Tensor[T]) *ad.Tensor[T] {
	return ad.MulScalar(ad.Sum(t), T(1)/T(t.Dim(0)))
}

// sampleMeanValue is sampleMean's value, outside the graph.
func sampleMeanValue[T ad.Float](t *ad.Tensor[T]) T {
	s := 0.0
	for _, v := range t.Data {
		s += float64(v)
	}
	return T(s / float64(t.Dim(0)))
}

// reduceTo sums t over its trailing axes until it has rank r, so that a
// log-probability of shape [S, batch..., event...] lines up with an
// objective of shape [S, batch...]; it panics if the leading axes differ.
func reduceTo[T ad.Float](op string, t *ad.Tensor[T], shape []int) *ad.Tensor[T] {
	r := len(shape)
	if t.Rank() < r || !slices.Equal(t.Shape()[:r], shape) {
		panic(fmt.Sprintf("estimators.%s: log-probability of shape %v does not extend the objective's shape %v", op, t.Shape(), shape))
	}
	if t.Rank() == r {
		return t
	}
	axes := make([]int, 0, t.Rank()-r)
	for a := r; a < t.Rank(); a++ {
		axes = append(axes, a)
	}
	return ad.Sum(t, axes...)
}

// logitsOf returns the logits of a Bernoulli or categorical distribution
// (value or pointer) and which of the two p is.
func logitsOf[T ad.Float](p distributions.Sampler[T]) (l *ad.Tensor[T], bernoulli, ok bool) {
	switch d := p.(type) {
	case distributions.Bernoulli[T]:
		return d.Logits, true, d.Logits != nil
	case *distributions.Bernoulli[T]:
		return d.Logits, true, d != nil && d.Logits != nil
	case distributions.Categorical[T]:
		return d.Logits, false, d.Logits != nil
	case *distributions.Categorical[T]:
		return d.Logits, false, d != nil && d.Logits != nil
	}
	return nil, false, false
}

// typeName names p's type for messages.
func typeName(p any) string { return fmt.Sprintf("%T", p) }
