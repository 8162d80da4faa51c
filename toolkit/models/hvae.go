package models

import (
	"fmt"
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
	"github.com/stochgrad/stochgrad/toolkit/nn"
)

// StochasticLayer is one stochastic layer of a StackedVAE: the widths of the
// deterministic hidden layers that lead to it and its number of Gaussian
// units.
type StochasticLayer struct {
	Hidden []int
	Units  int
}

// StackedVAE is the VAE with several stochastic layers of the IWAE paper
// (Burda et al. 2016) for binary data x of dimension D:
//
//	p(x, z₁, …, z_L) = p(z_L) Π p(z_{l−1} | z_l),  z₀ = x,
//	q(z₁, …, z_L | x) = Π q(z_l | z_{l−1}),
//
// with p(z_L) = N(0, I), Gaussian conditionals of diagonal covariance whose
// mean and log-variance an MLP computes, and a Bernoulli p(x | z₁). A draw
// of the latents is the concatenation [z₁, …, z_L] along the last axis.
// With Guide and LogJoint it is a vi.Model.
type StackedVAE[T ad.Float] struct {
	// Up[l] maps z_l (x for l = 0) to the mean and log-variance of
	// q(z_{l+1} | z_l), [.., 2·Units].
	Up []*nn.MLP[T]
	// Down[l] maps z_{l+1} to the logits of p(x | z₁) for l = 0, and to the
	// mean and log-variance of p(z_l | z_{l+1}) above.
	Down []*nn.MLP[T]
	// Units holds the sizes of z₁, …, z_L.
	Units []int
}

// NewStackedVAE returns a StackedVAE for data of dimension dim with the
// given stochastic layers, bottom first. Each network between two layers
// has the hidden widths of the upper layer, mirrored on the way down, and
// activation act (nil means ad.ReLU); weights are drawn from rnd as
// nn.NewMLP does.
func NewStackedVAE[T ad.Float](rnd *rand.Rand, dim int, layers []StochasticLayer, act nn.Activation[T]) *StackedVAE[T] {
	if dim < 1 || len(layers) == 0 {
		panic(fmt.Sprintf("models.NewStackedVAE: dimension %d with %d stochastic layers; want ≥ 1 of each", dim, len(layers)))
	}
	v := &StackedVAE[T]{}
	below := dim
	for l, s := range layers {
		if s.Units < 1 {
			panic(fmt.Sprintf("models.NewStackedVAE: stochastic layer %d has %d units", l, s.Units))
		}
		up := append(append([]int{below}, s.Hidden...), 2*s.Units)
		down := []int{s.Units}
		for i := len(s.Hidden) - 1; i >= 0; i-- {
			down = append(down, s.Hidden[i])
		}
		out := 2 * below
		if l == 0 {
			out = dim // Bernoulli logits of x
		}
		v.Up = append(v.Up, nn.NewMLP(rnd, up, act))
		v.Down = append(v.Down, nn.NewMLP(rnd, append(down, out), act))
		v.Units = append(v.Units, s.Units)
		below = s.Units
	}
	return v
}

// NewIWAEVAE returns the architectures of the IWAE paper's MNIST
// experiments (Burda et al. 2016, §5), tanh throughout: with one stochastic
// layer 784-200-200-50, and with two 784-100-100-100 (z₁) -50-50-50 (z₂).
// It panics for other numbers of layers.
func NewIWAEVAE[T ad.Float](rnd *rand.Rand, stochastic int) *StackedVAE[T] {
	switch stochastic {
	case 1:
		return NewStackedVAE(rnd, 784, []StochasticLayer{{Hidden: []int{200, 200}, Units: 50}}, ad.Tanh[T])
	case 2:
		return NewStackedVAE(rnd, 784, []StochasticLayer{{Hidden: []int{100, 100}, Units: 100}, {Hidden: []int{50, 50}, Units: 50}}, ad.Tanh[T])
	}
	panic(fmt.Sprintf("models.NewIWAEVAE: %d stochastic layers; the paper has 1 or 2", stochastic))
}

// Dim returns the dimension D of x.
func (v *StackedVAE[T]) Dim() int { return v.Up[0].Layers[0].In() }

// Latent returns the total number of latent units, the size of a draw's
// last axis.
func (v *StackedVAE[T]) Latent() int {
	n := 0
	for _, u := range v.Units {
		n += u
	}
	return n
}

// Params returns the parameters of the inference networks, bottom up, then
// those of the generative networks.
func (v *StackedVAE[T]) Params() []*ad.Tensor[T] {
	var ps []*ad.Tensor[T]
	for _, m := range v.Up {
		ps = append(ps, m.Params()...)
	}
	for _, m := range v.Down {
		ps = append(ps, m.Params()...)
	}
	return ps
}

// gaussian returns the normal whose mean and log-variance are the two
// halves of the last axis of h.
func gaussian[T ad.Float](h *ad.Tensor[T]) distributions.Normal[T] {
	l := h.Dim(-1) / 2
	return distributions.Normal[T]{Mu: ad.Slice(h, -1, 0, l), Sigma: ad.Exp(ad.MulScalar(ad.Slice(h, -1, l, 2*l), 0.5))}
}

// split returns the layers z₁, …, z_L of a draw.
func (v *StackedVAE[T]) split(z *ad.Tensor[T]) []*ad.Tensor[T] {
	out := make([]*ad.Tensor[T], len(v.Units))
	off := 0
	for l, u := range v.Units {
		out[l] = ad.Slice(z, -1, off, off+u)
		off += u
	}
	return out
}

// Guide returns q(z₁, …, z_L | x) for x of shape [N, D].
func (v *StackedVAE[T]) Guide(x *ad.Tensor[T]) distributions.Distribution[T] {
	if x.Rank() != 2 || x.Dim(1) != v.Dim() {
		panic(fmt.Sprintf("models.StackedVAE.Guide: data of shape %v for a model of dimension %d", x.Shape(), v.Dim()))
	}
	return stackedGuide[T]{up: v.Up, first: gaussian(v.Up[0].Forward(x)), units: v.Units}
}

// LogJoint returns log p(x, z) of shape [S, N] for x [N, D] and draws
// z [S, N, Latent()].
func (v *StackedVAE[T]) LogJoint(x, z *ad.Tensor[T]) *ad.Tensor[T] {
	checkDraws("StackedVAE", x, z, v.Dim(), v.Latent())
	zs := v.split(z)
	top := len(zs) - 1
	lp := standardNormalLogProb(zs[top])
	for l := top; l >= 1; l-- {
		lp = ad.Add(lp, ad.Sum(gaussian(v.Down[l].Forward(zs[l])).LogProb(zs[l-1]), -1))
	}
	return ad.Add(lp, bernoulliLogLik(v.Down[0].Forward(zs[0]), x))
}

// stackedGuide is q(z₁, …, z_L | x) = q(z₁ | x) Π q(z_l | z_{l−1}), with
// q(z₁ | x) computed once.
type stackedGuide[T ad.Float] struct {
	up    []*nn.MLP[T]
	first distributions.Normal[T]
	units []int
}

// RSample draws z₁ from q(z₁ | x) and each layer above given the one
// below, reparameterised, and returns them concatenated: [N, Σ units].
func (g stackedGuide[T]) RSample(rnd *rand.Rand) *ad.Tensor[T] {
	zs := []*ad.Tensor[T]{g.first.RSample(rnd)}
	for l := 1; l < len(g.up); l++ {
		zs = append(zs, gaussian(g.up[l].Forward(zs[l-1])).RSample(rnd))
	}
	return ad.Concat(-1, zs...)
}

// Sample is RSample without gradients.
func (g stackedGuide[T]) Sample(rnd *rand.Rand) *ad.Tensor[T] {
	return ad.StopGradient(g.RSample(rnd))
}

// LogProb returns log q(z | x) summed over the units, for draws z of
// shape [..., N, Σ units]: one value per draw and example.
func (g stackedGuide[T]) LogProb(z *ad.Tensor[T]) *ad.Tensor[T] {
	off := 0
	var lq *ad.Tensor[T]
	var below *ad.Tensor[T]
	for l, u := range g.units {
		zl := ad.Slice(z, -1, off, off+u)
		off += u
		q := g.first
		if l > 0 {
			q = gaussian(g.up[l].Forward(below))
		}
		t := ad.Sum(q.LogProb(zl), -1)
		if lq == nil {
			lq = t
		} else {
			lq = ad.Add(lq, t)
		}
		below = zl
	}
	return lq
}

// Detach returns the guide with its parameters cut from the graph, for
// DReG.
func (g stackedGuide[T]) Detach() distributions.Distribution[T] {
	up := make([]*nn.MLP[T], len(g.up))
	for i, m := range g.up {
		up[i] = detachMLP(m)
	}
	first := distributions.Normal[T]{Mu: ad.StopGradient(g.first.Mu), Sigma: ad.StopGradient(g.first.Sigma)}
	return stackedGuide[T]{up: up, first: first, units: g.units}
}

// ConvertStackedVAE returns a copy of v with element type U whose parameters
// do not require gradients, for evaluation without a graph. act is the
// activation v was built with, as a function of U (nil for ad.ReLU).
func ConvertStackedVAE[U, T ad.Float](v *StackedVAE[T], act nn.Activation[U]) *StackedVAE[U] {
	out := &StackedVAE[U]{Units: append([]int(nil), v.Units...)}
	for i := range v.Up {
		out.Up = append(out.Up, convertMLP(v.Up[i], act))
		out.Down = append(out.Down, convertMLP(v.Down[i], act))
	}
	return out
}
