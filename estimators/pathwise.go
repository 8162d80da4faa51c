package estimators

import (
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
)

// Pathwise is the reparameterisation (pathwise) estimator (Kingma and
// Welling 2014; Rezende, Mohamed and Wierstra 2014): with z = g(θ, ε) for
// noise ε that does not depend on θ,
//
//	∇θ E[f(z)] ≈ (1/S)·Σ_s ∇θ f(g(θ, ε_s)).
//
// It needs a differentiable f and a reparameterisable distribution, and is
// usually far less noisy than the score function.
type Pathwise[T ad.Float] struct {
	// Samples is the number S of samples. Zero means 1.
	Samples int
}

// Estimate returns the estimate for d. It draws the S samples by S calls of
// d.RSample, in order, stacked along a new axis 0; f receives them, of
// shape [S, sample shape...], with gradients flowing to d's parameters, and
// returns shape [S].
func (p Pathwise[T]) Estimate(rnd *rand.Rand, d distributions.RSampler[T], f Func[T]) Estimate[T] {
	const op = "Pathwise"
	n := positiveOr(op, "Samples", p.Samples, 1)
	fz := eval(op, f, rsamples(rnd, d, n))
	return Estimate[T]{Value: T(mean(fz.Float64s())), Surrogate: ad.Mean(fz), Samples: n}
}
