package models

import (
	"fmt"
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/nn"
)

// VAE is the variational autoencoder of Kingma & Welling (2014) for binary
// data: a standard normal prior p(z) = N(0, I) over a Gaussian latent z, a
// Bernoulli decoder p(x | z) whose logits an MLP computes from z, and a
// Gaussian encoder q(z | x) = N(μ(x), diag σ²(x)) whose mean and log-variance
// an MLP computes from x.
type VAE[T ad.Float] struct {
	// Encoder maps x [N, D] to [N, 2L]: μ in the first L columns, log σ²
	// in the last L.
	Encoder *nn.MLP[T]
	// Decoder maps z [N, L] to the logits [N, D] of p(x | z).
	Decoder *nn.MLP[T]
}

// NewVAE returns a VAE with widths D, h₁, …, hₖ, L: the encoder is
// D → h₁ → … → hₖ → 2L and the decoder mirrors it, L → hₖ → … → h₁ → D.
// For MNIST, for example, widths 784, 512, 256, 20. act is the hidden
// activation of both networks (nil means ad.ReLU). The weights are drawn
// from rnd as nn.NewMLP does. NewVAE panics with fewer than two widths.
func NewVAE[T ad.Float](rnd *rand.Rand, widths []int, act nn.Activation[T]) *VAE[T] {
	if len(widths) < 2 {
		panic(fmt.Sprintf("models.NewVAE: widths %v, want at least data and latent sizes", widths))
	}
	n := len(widths)
	enc := append(append([]int(nil), widths[:n-1]...), 2*widths[n-1])
	dec := make([]int, n)
	for i, w := range widths {
		dec[n-1-i] = w
	}
	return &VAE[T]{Encoder: nn.NewMLP(rnd, enc, act), Decoder: nn.NewMLP(rnd, dec, act)}
}

// Latent returns the dimension L of z.
func (v *VAE[T]) Latent() int { return v.Decoder.Layers[0].In() }

// Dim returns the dimension D of x.
func (v *VAE[T]) Dim() int { return v.Encoder.Layers[0].In() }

// Encode returns the mean and the log-variance, each [N, L], of q(z | x)
// for x of shape [N, D].
func (v *VAE[T]) Encode(x *ad.Tensor[T]) (mu, logVar *ad.Tensor[T]) {
	h := v.Encoder.Forward(x)
	l := v.Latent()
	return ad.Slice(h, -1, 0, l), ad.Slice(h, -1, l, 2*l)
}

// Decode returns the logits [N, D] of p(x | z) for z of shape [N, L].
func (v *VAE[T]) Decode(z *ad.Tensor[T]) *ad.Tensor[T] { return v.Decoder.Forward(z) }

// ELBO returns, for each row of x, a single-sample reparameterised estimate
// of the evidence lower bound
//
//	ELBO(x) = E_q[log p(x | z)] − KL(q(z | x) ‖ p(z)) ≤ log p(x),
//
// as a tensor of shape [N] through which gradients reach the parameters.
// Its sum over the rows is the bound on the log-likelihood of the batch;
// training minimises −ad.Mean(v.ELBO(rnd, x)).
func (v *VAE[T]) ELBO(rnd *rand.Rand, x *ad.Tensor[T]) *ad.Tensor[T] {
	logLik, kl := v.ELBOTerms(rnd, x)
	return ad.Sub(logLik, kl)
}

// ELBOTerms returns the two terms of ELBO, each of shape [N]: the
// single-sample estimate log p(x | z) at z = μ + σ⊙ε, with ε [N, L] drawn as
// ad.Randn(rnd, N, L), and the analytic Gaussian KL(q(z | x) ‖ N(0, I)) =
// ½ Σ (μ² + σ² − 1 − log σ²). x has shape [N, D] with entries in [0, 1]
// (binary data, or grey levels read as Bernoulli means); ELBOTerms panics
// otherwise, since pixel values in 0..255 are a common slip.
func (v *VAE[T]) ELBOTerms(rnd *rand.Rand, x *ad.Tensor[T]) (logLik, kl *ad.Tensor[T]) {
	v.check(x)
	return v.elboTerms(x, ad.Randn[T](rnd, x.Dim(0), v.Latent()))
}

// check panics unless x is [N, D] with entries in [0, 1].
func (v *VAE[T]) check(x *ad.Tensor[T]) {
	if x.Rank() != 2 || x.Dim(1) != v.Dim() {
		panic(fmt.Sprintf("models.VAE.ELBO: data of shape %v for a VAE of dimension %d (want [N %d])", x.Shape(), v.Dim(), v.Dim()))
	}
	for i, xi := range x.Data {
		if !(xi >= 0 && xi <= 1) {
			panic(fmt.Sprintf("models.VAE.ELBO: x entry %d = %v is outside [0, 1]; scale the data to [0, 1]", i, xi))
		}
	}
}

// elboTerms is ELBOTerms at the noise eps [N, L], after the checks.
func (v *VAE[T]) elboTerms(x, eps *ad.Tensor[T]) (logLik, kl *ad.Tensor[T]) {
	mu, logVar := v.Encode(x)
	z := ad.Add(mu, ad.Mul(ad.Exp(ad.MulScalar(logVar, 0.5)), eps))
	logLik = ad.Neg(ad.Sum(ad.BCEWithLogits(v.Decode(z), x), 1))
	kl = ad.MulScalar(ad.Sum(ad.Sub(ad.AddScalar(ad.Add(ad.Square(mu), ad.Exp(logVar)), -1), logVar), 1), 0.5)
	return logLik, kl
}

// Sample draws n latent vectors from the prior and returns the Bernoulli
// means σ(logits) [n, D] of p(x | z), outside any graph.
func (v *VAE[T]) Sample(rnd *rand.Rand, n int) *ad.Tensor[T] {
	z := ad.Randn[T](rnd, n, v.Latent())
	return ad.Sigmoid(ad.Detach(v.Decode(z)))
}

// Params returns the encoder's parameters followed by the decoder's.
func (v *VAE[T]) Params() []*ad.Tensor[T] {
	return append(v.Encoder.Params(), v.Decoder.Params()...)
}
