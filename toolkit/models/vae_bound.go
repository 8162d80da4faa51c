package models

import (
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// Bound is a VAE seen as a density over complete rows, for methods written
// against log p(x) that must make do with a bound on it: LogProb returns
// the single-sample reparameterised ELBO of each row (VAE.ELBO), drawing
// the noise from Rand. Bound[float64] is a missing.Model, so that
// variational Gibbs inference fits a VAE from incomplete data as the
// reference does (its "bound": "vae" setting).
type Bound[T ad.Float] struct {
	VAE  *VAE[T]
	Rand *rand.Rand
}

// LogProb returns ELBO(x) ≤ log p(x) for each row of x [N, D], shape [N],
// differentiable in the VAE's parameters.
func (b Bound[T]) LogProb(x *ad.Tensor[T]) *ad.Tensor[T] { return b.VAE.ELBO(b.Rand, x) }

// Params returns the VAE's parameters.
func (b Bound[T]) Params() []*ad.Tensor[T] { return b.VAE.Params() }
