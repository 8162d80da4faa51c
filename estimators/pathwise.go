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
// It needs a differentiable f and a reparameterisable distribution (a
// distributions.RSampler), and is usually far less noisy than the score
// function.
type Pathwise[T ad.Float] struct {
	// Samples is the number S of samples. Zero means 1.
	Samples int
}

// Check reports whether p is reparameterisable.
func (p Pathwise[T]) Check(d distributions.Sampler[T]) error {
	if _, ok := d.(distributions.RSampler[T]); !ok {
		return unsupported("Pathwise", "%s has no RSample", typeName(d))
	}
	return checkSamples("Pathwise", "Samples", p.Samples, 1)
}

// Estimate returns the estimate for d. It draws the S samples by S calls of
// d.RSample, in order, stacked along a new axis 0; f receives them, of
// shape [S, sample shape...], with gradients flowing to d's parameters, and
// returns shape [S] or [S, batch...].
func (p Pathwise[T]) Estimate(rnd *rand.Rand, d distributions.Sampler[T], f Func[T]) Estimate[T] {
	const op = "Pathwise"
	must(p.Check(d))
	n := max(p.Samples, 1)
	return pathwiseEstimate(op, f, rsamples(rnd, d.(distributions.RSampler[T]), n), n)
}

// pathwiseEstimate evaluates f at the differentiable samples z and returns
// the sample mean as both value and surrogate.
func pathwiseEstimate[T ad.Float](op string, f Func[T], z *ad.Tensor[T], n int) Estimate[T] {
	fz := evalFunc(op, f, z, n)
	return Estimate[T]{Value: sampleMeanValue(fz), Surrogate: sampleMean(fz), Samples: n}
}

// rsamples draws n reparameterised samples from d, in order, stacked along
// a new leading axis.
func rsamples[T ad.Float](rnd *rand.Rand, d distributions.RSampler[T], n int) *ad.Tensor[T] {
	ys := make([]*ad.Tensor[T], n)
	for i := range ys {
		ys[i] = d.RSample(rnd)
	}
	return ad.Stack(0, ys...)
}
