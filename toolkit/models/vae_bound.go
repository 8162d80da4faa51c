package models

import (
	"fmt"
	"math/rand/v2"
	"slices"

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

// LogProbPairs returns ELBO(a) and ELBO(b) for a and b of the same shape
// [N, D], drawing one noise vector per row and using it for row r of both
// (common random numbers): the difference of the two is then as precise
// as the bound allows, where independent draws would add the noise of two
// ELBOs. The draws are those LogProb(a) would make. Bound[float64] is a
// missing.PairedModel.
func (b Bound[T]) LogProbPairs(a, c *ad.Tensor[T]) (la, lc *ad.Tensor[T]) {
	if a.Rank() != 2 || !slices.Equal(a.Shape(), c.Shape()) {
		panic(fmt.Sprintf("models.Bound.LogProbPairs: shapes %v and %v, want two equal [N D]", a.Shape(), c.Shape()))
	}
	n := a.Dim(0)
	eps := ad.Randn[T](b.Rand, n, b.VAE.Latent())
	both := ad.Concat(0, a, c)
	b.VAE.check(both)
	logLik, kl := b.VAE.elboTerms(both, ad.Concat(0, eps, eps))
	elbo := ad.Sub(logLik, kl)
	return ad.Slice(elbo, 0, 0, n), ad.Slice(elbo, 0, n, 2*n)
}

// Params returns the VAE's parameters.
func (b Bound[T]) Params() []*ad.Tensor[T] { return b.VAE.Params() }
