package models

import (
	"fmt"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
	"github.com/stochgrad/stochgrad/toolkit/nn"
)

// Guide returns q(z | x) = N(μ(x), diag σ²(x)) for x of shape [N, D]; with
// LogJoint it makes the VAE a vi.Model, trainable with any of the
// objectives of package vi.
func (v *VAE[T]) Guide(x *ad.Tensor[T]) distributions.Distribution[T] {
	mu, logVar := v.Encode(x)
	return distributions.Normal[T]{Mu: mu, Sigma: ad.Exp(ad.MulScalar(logVar, 0.5))}
}

// LogJoint returns log p(x, z) = log p(x | z) + log N(z; 0, I) of shape
// [S, N] for x [N, D] and z [S, N, L].
func (v *VAE[T]) LogJoint(x, z *ad.Tensor[T]) *ad.Tensor[T] {
	checkDraws("VAE", x, z, v.Dim(), v.Latent())
	return ad.Add(bernoulliLogLik(v.Decode(z), x), standardNormalLogProb(z))
}

// checkDraws panics unless x is [N, dim] and z is [S, N, latent].
func checkDraws[T ad.Float](name string, x, z *ad.Tensor[T], dim, latent int) {
	if x.Rank() != 2 || x.Dim(1) != dim || z.Rank() != 3 || z.Dim(1) != x.Dim(0) || z.Dim(2) != latent {
		panic(fmt.Sprintf("models.%s.LogJoint: data of shape %v and draws of shape %v; want [N %d] and [S N %d]", name, x.Shape(), z.Shape(), dim, latent))
	}
}

// standardNormalLogProb returns Σ log N(z; 0, 1) over the last axis.
func standardNormalLogProb[T ad.Float](z *ad.Tensor[T]) *ad.Tensor[T] {
	return ad.Sum(distributions.Normal[T]{Mu: ad.Scalar(T(0)), Sigma: ad.Scalar(T(1))}.LogProb(z), -1)
}

// ConvertVAE returns a copy of v with element type U whose parameters do not
// require gradients, for evaluation without a graph (the held-out
// log-likelihood in float64, say). act is the hidden activation v was built
// with, as a function of U (nil for ad.ReLU).
func ConvertVAE[U, T ad.Float](v *VAE[T], act nn.Activation[U]) *VAE[U] {
	return &VAE[U]{Encoder: convertMLP(v.Encoder, act), Decoder: convertMLP(v.Decoder, act)}
}

// convertMLP returns a copy of m with element type U, without gradients.
func convertMLP[U, T ad.Float](m *nn.MLP[T], act nn.Activation[U]) *nn.MLP[U] {
	out := &nn.MLP[U]{Activation: act}
	for _, l := range m.Layers {
		c := &nn.Linear[U]{W: ad.Convert[U](l.W)}
		if l.B != nil {
			c.B = ad.Convert[U](l.B)
		}
		out.Layers = append(out.Layers, c)
	}
	if m.Output != nil {
		panic("models: converting an MLP with an Output activation is not supported")
	}
	return out
}

// detachMLP returns m with its weights cut from the graph (sharing their
// storage), as DReG needs for the inference network.
func detachMLP[T ad.Float](m *nn.MLP[T]) *nn.MLP[T] {
	out := &nn.MLP[T]{Activation: m.Activation, Output: m.Output}
	for _, l := range m.Layers {
		c := &nn.Linear[T]{W: ad.StopGradient(l.W)}
		if l.B != nil {
			c.B = ad.StopGradient(l.B)
		}
		out.Layers = append(out.Layers, c)
	}
	return out
}
