package models

import (
	"fmt"
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
	"github.com/stochgrad/stochgrad/toolkit/nn"
)

// LatentVAE is a variational autoencoder for binary data over any latent
// distribution: categorical codes (Jang et al. 2017), k-subsets (the I-MLE
// and AIMLE papers), Gaussians, or a user's own. An encoder computes the
// parameters of q(z | x), a decoder the Bernoulli logits of p(x | z) from
// the latent flattened, and the prior p(z) is a fixed distribution. With
// Guide and LogJoint it is a vi.Model; Reconstruction and KL give the two
// terms of the ELBO for training with a gradient estimator.
type LatentVAE[T ad.Float] struct {
	// Encoder maps x [N, D] to the parameters h [N, P] of q(z | x).
	Encoder *nn.MLP[T]
	// Decoder maps latents flattened to [..., Z] to logits [..., D].
	Decoder *nn.MLP[T]
	// Posterior returns q(z | x) from the encoder's output h [N, P]; its
	// draws have shape [N, Latent...].
	Posterior func(h *ad.Tensor[T]) distributions.Distribution[T]
	// Prior is p(z), of parameters of shape Latent (or broadcasting to
	// it), so that its LogProb broadcasts against draws [S, N, Latent...].
	Prior distributions.Distribution[T]
	// Latent is the shape of one example's latent, [20, 10] for 20
	// categorical variables of 10 classes.
	Latent []int
}

// NewCategoricalVAE returns the categorical VAE of Jang et al. (2017):
// groups categorical latents of classes classes each, a uniform prior, an
// encoder 784-512-256-(groups·classes) and a mirrored decoder, ReLU
// hidden units; 20 groups of 10 classes in the paper. hidden nil means
// {512, 256}.
func NewCategoricalVAE[T ad.Float](rnd *rand.Rand, dim, groups, classes int, hidden []int) *LatentVAE[T] {
	if groups < 1 || classes < 2 {
		panic(fmt.Sprintf("models.NewCategoricalVAE: %d groups of %d classes; want ≥ 1 groups of ≥ 2 classes", groups, classes))
	}
	v := newLatentVAE[T](rnd, dim, groups*classes, groups*classes, hidden)
	v.Latent = []int{groups, classes}
	v.Posterior = func(h *ad.Tensor[T]) distributions.Distribution[T] {
		return distributions.Categorical[T]{Logits: ad.Reshape(h, h.Dim(0), groups, classes)}
	}
	v.Prior = distributions.Categorical[T]{Logits: ad.Zeros[T](groups, classes)}
	return v
}

// NewSubsetVAE returns the k-subset VAE of the I-MLE paper (Niepert et al.
// 2021): groups latents, each a k-subset of n items drawn as
// Gumbel-top-k (distributions.SubsetTopK), a uniform prior over subsets,
// and the encoder and decoder of NewCategoricalVAE; 20 groups of 10-subsets
// of 20 in the paper. hidden nil means {512, 256}.
func NewSubsetVAE[T ad.Float](rnd *rand.Rand, dim, groups, n, k int, hidden []int) *LatentVAE[T] {
	if groups < 1 || k < 1 || k > n {
		panic(fmt.Sprintf("models.NewSubsetVAE: %d groups of %d-subsets of %d; want ≥ 1 groups and 1 ≤ k ≤ n", groups, k, n))
	}
	v := newLatentVAE[T](rnd, dim, groups*n, groups*n, hidden)
	v.Latent = []int{groups, n}
	v.Posterior = func(h *ad.Tensor[T]) distributions.Distribution[T] {
		return distributions.SubsetTopK[T]{Logits: ad.Reshape(h, h.Dim(0), groups, n), K: k}
	}
	// Equal logits make every k-subset equally likely.
	v.Prior = distributions.SubsetTopK[T]{Logits: ad.Zeros[T](groups, n), K: k}
	return v
}

func newLatentVAE[T ad.Float](rnd *rand.Rand, dim, params, latent int, hidden []int) *LatentVAE[T] {
	if hidden == nil {
		hidden = []int{512, 256}
	}
	enc := append(append([]int{dim}, hidden...), params)
	dec := []int{latent}
	for i := len(hidden) - 1; i >= 0; i-- {
		dec = append(dec, hidden[i])
	}
	return &LatentVAE[T]{Encoder: nn.NewMLP[T](rnd, enc, nil), Decoder: nn.NewMLP[T](rnd, append(dec, dim), nil)}
}

// Dim returns the dimension D of x.
func (v *LatentVAE[T]) Dim() int { return v.Encoder.Layers[0].In() }

// latentSize returns the number of elements of one example's latent.
func (v *LatentVAE[T]) latentSize() int {
	n := 1
	for _, d := range v.Latent {
		n *= d
	}
	return n
}

// Guide returns q(z | x) for x of shape [N, D].
func (v *LatentVAE[T]) Guide(x *ad.Tensor[T]) distributions.Distribution[T] {
	if x.Rank() != 2 || x.Dim(1) != v.Dim() {
		panic(fmt.Sprintf("models.LatentVAE.Guide: data of shape %v for a model of dimension %d", x.Shape(), v.Dim()))
	}
	return v.Posterior(v.Encoder.Forward(x))
}

// Reconstruction returns log p(x | z) of shape [S, N] for x [N, D] and
// latents z [S, N, Latent...] (one-hot, k-hot or relaxed).
func (v *LatentVAE[T]) Reconstruction(x, z *ad.Tensor[T]) *ad.Tensor[T] {
	s, n := v.checkDraws(x, z)
	return bernoulliLogLik(v.Decoder.Forward(ad.Reshape(z, s, n, v.latentSize())), x)
}

// LogJoint returns log p(x | z) + log p(z) of shape [S, N].
func (v *LatentVAE[T]) LogJoint(x, z *ad.Tensor[T]) *ad.Tensor[T] {
	s, n := v.checkDraws(x, z)
	lp := v.Prior.LogProb(z)
	if lp.Len() != s*n {
		lp = ad.Sum(ad.Reshape(lp, s, n, lp.Len()/(s*n)), 2)
	}
	return ad.Add(v.Reconstruction(x, z), ad.Reshape(lp, s, n))
}

// KL returns KL(q(z | x) ‖ p(z)) for each example of x [N, D], shape [N]:
// in closed form when distributions has one for the pair (categorical
// latents), by Monte Carlo with the given number of draws otherwise.
func (v *LatentVAE[T]) KL(rnd *rand.Rand, x *ad.Tensor[T], samples int) *ad.Tensor[T] {
	return v.klOf(rnd, v.Guide(x), x.Dim(0), samples)
}

// klOf is KL for the posterior q of n examples, already encoded.
func (v *LatentVAE[T]) klOf(rnd *rand.Rand, q distributions.Distribution[T], n, samples int) *ad.Tensor[T] {
	kl := distributions.KL(rnd, q, v.Prior, samples)
	return ad.Sum(ad.Reshape(kl, n, kl.Len()/n), 1)
}

func (v *LatentVAE[T]) checkDraws(x, z *ad.Tensor[T]) (s, n int) {
	if x.Rank() != 2 || x.Dim(1) != v.Dim() || z.Rank() != 2+len(v.Latent) || z.Dim(1) != x.Dim(0) || z.Len() != z.Dim(0)*x.Dim(0)*v.latentSize() {
		panic(fmt.Sprintf("models.LatentVAE: data of shape %v and latents of shape %v; want [N %d] and [S N %v]", x.Shape(), z.Shape(), v.Dim(), v.Latent))
	}
	return z.Dim(0), x.Dim(0)
}

// Params returns the encoder's parameters followed by the decoder's.
func (v *LatentVAE[T]) Params() []*ad.Tensor[T] {
	return append(v.Encoder.Params(), v.Decoder.Params()...)
}
