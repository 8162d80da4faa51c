package distributions

import (
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// Noise draws perturbations of a given shape, outside any graph. Perturb-
// and-MAP layers (I-MLE, perturbed optimizers) take their noise as a Noise
// value.
type Noise[T ad.Float] interface {
	Noise(rnd *rand.Rand, shape ...int) *ad.Tensor[T]
}

// StandardGumbel is the standard Gumbel noise (location 0, scale 1) of the
// Gumbel-max trick: argmax(θ + g) is distributed as softmax(θ).
type StandardGumbel[T ad.Float] struct{}

// Noise returns independent standard Gumbel draws −log E, E ~ Exp(1). It
// draws one rnd.ExpFloat64 per element in row-major order; the draws are
// always finite.
func (StandardGumbel[T]) Noise(rnd *rand.Rand, shape ...int) *ad.Tensor[T] {
	out := ad.Zeros[T](shape...)
	for i := range out.Data {
		out.Data[i] = T(standardGumbel(rnd))
	}
	return out
}

// Mean returns the scalar γ ≈ 0.5772, the mean of a standard Gumbel.
func (StandardGumbel[T]) Mean() *ad.Tensor[T] { return ad.Scalar(T(eulerGamma)) }
