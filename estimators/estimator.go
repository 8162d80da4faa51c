// Package estimators holds gradient estimators for expectations over
// discrete and stochastic nodes, ∇θ E_{z~p_θ}[f(z)], one family per file:
// score function with baselines and control variates, pathwise,
// Concrete / Gumbel-Softmax and straight-through, I-MLE and Adaptive I-MLE
// over black-box solvers, perturbed optimizers with Fenchel-Young losses,
// and the recursive Gumbel-Max trick with stochastic invariants.
//
// An estimator keeps the value apart from the gradient: it returns an
// Estimate whose Value is the Monte Carlo estimate of the expectation and
// whose Surrogate is a scalar whose gradient, by Backward, is the gradient
// estimate. The gradient flows on into whatever produced the parameters, so
// an estimator sits inside a larger network like any other op.
//
// All randomness comes from an explicit *rand.Rand; each estimator draws in
// a documented order, so estimators given generators with the same seed see
// common random numbers, and runs repeat bit for bit.
package estimators

import (
	"fmt"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// Estimate is the result of one estimator call.
type Estimate[T ad.Float] struct {
	// Value is the Monte Carlo estimate of E[f(z)], outside any graph.
	Value T
	// Surrogate is a scalar whose gradient is the gradient estimate. Its
	// value is not meaningful.
	Surrogate *ad.Tensor[T]
	// Samples is how many evaluations of f the estimate used.
	Samples int
}

// Func is an objective: given a batch of samples z of shape [S, ...] it
// returns the per-sample values, of shape [S].
type Func[T ad.Float] func(z *ad.Tensor[T]) *ad.Tensor[T]

// eval calls f and checks the shape of its result.
func eval[T ad.Float](op string, f Func[T], z *ad.Tensor[T]) *ad.Tensor[T] {
	v := f(z)
	if s := z.Dim(0); v.Rank() != 1 || v.Dim(0) != s {
		panic(fmt.Sprintf("estimators.%s: objective returned shape %v for %d samples (want [%d])", op, v.Shape(), s, s))
	}
	return v
}

// mean returns the mean of a slice.
func mean[T ad.Float](v []T) T {
	var s T
	for _, x := range v {
		s += x
	}
	return s / T(len(v))
}
