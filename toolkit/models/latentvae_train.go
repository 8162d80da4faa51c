package models

import (
	"fmt"
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/estimators"
	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
)

// NegELBO returns the batch mean of the negative ELBO of x,
//
//	−E_q[log p(x | z)] + KL(q(z | x) ‖ p(z)),
//
// with the gradient of the reconstruction term estimated by est, any
// estimator that applies to the posterior: the score function with its
// baselines, straight-through, Gumbel-Softmax (soft or hard), REBAR, RELAX,
// Gumbel-Softmax top-k for k-subset codes, or a Layer through
// estimators.ThroughLayer (I-MLE, Adaptive I-MLE, perturbed optimizers),
// the estimator being a value, as in
//
//	loss, value := vae.NegELBO(rnd, x, estimators.ScoreFunction[float32]{Samples: 4, Baseline: estimators.LeaveOneOut{}})
//
// The reconstruction is a per-example objective, so each image gets its own
// learning signal. The KL is in closed form where package distributions has
// one for the pair (categorical latents, as Jang et al. 2017) and a Monte
// Carlo estimate from klSamples draws otherwise (k-subset latents).
//
// The pair is what toolkit.Fit's Objective returns: surrogate is the scalar
// to minimise (its own value means nothing) and value the estimate of the
// negative ELBO in nats per example. VIMCO estimates the gradient of a
// multi-sample bound, not of this one: use vi.Evaluate with vi.IWAE for it.
func (v *LatentVAE[T]) NegELBO(rnd *rand.Rand, x *ad.Tensor[T], est estimators.Estimator[T], klSamples int) (surrogate *ad.Tensor[T], value float64) {
	switch est.(type) {
	case estimators.VIMCO[T], *estimators.VIMCO[T]:
		panic("models.LatentVAE.NegELBO: VIMCO estimates the gradient of the IWAE bound; use vi.Evaluate with vi.IWAE")
	}
	n := x.Dim(0)
	q := v.Guide(x)
	p := q
	_, layer := est.(estimators.ThroughLayer[T])
	if layer {
		// A layer takes logits [B, D]: one row per latent variable.
		p = flatRows(q)
	}
	f := func(z *ad.Tensor[T]) *ad.Tensor[T] {
		s := z.Dim(0)
		z = ad.Reshape(z, append([]int{s, n}, v.Latent...)...)
		rec := ad.MulScalar(v.Reconstruction(x, z), T(-1/float64(n))) // [S, N]
		if layer {
			// The layer's rows are the latent variables, not the examples:
			// one value per sample.
			return ad.Sum(rec, 1)
		}
		return rec
	}
	e := est.Estimate(rnd, p, f)
	// The KL of the same q: encoding x again would cost a second pass
	// through the encoder, forward and backward.
	kl := ad.Mean(v.klOf(rnd, q, n, max(klSamples, 1)))
	return ad.Add(e.Surrogate, kl), float64(e.Value) + float64(kl.Item())
}

// flatRows returns q with its logits reshaped to [rows, last axis], for
// the distributions a layer can take.
func flatRows[T ad.Float](q distributions.Distribution[T]) distributions.Distribution[T] {
	flat := func(l *ad.Tensor[T]) *ad.Tensor[T] { return ad.Reshape(l, -1, l.Dim(-1)) }
	switch d := q.(type) {
	case distributions.Categorical[T]:
		return distributions.Categorical[T]{Logits: flat(d.Logits)}
	case distributions.SubsetTopK[T]:
		return distributions.SubsetTopK[T]{Logits: flat(d.Logits), K: d.K}
	case distributions.Bernoulli[T]:
		return distributions.Bernoulli[T]{Logits: flat(d.Logits)}
	}
	panic(fmt.Sprintf("models.LatentVAE.NegELBO: a layer cannot take the posterior %T", q))
}
