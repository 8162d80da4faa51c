package distributions

import (
	"math"
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// Normal is a tensor of independent normal variables (a normal with diagonal
// covariance) with means Mu and standard deviations Sigma; the two shapes
// broadcast.
type Normal[T ad.Float] struct {
	Mu, Sigma *ad.Tensor[T]
}

// NewNormal returns a Normal with finite means and finite positive standard
// deviations. It panics if the shapes do not broadcast.
func NewNormal[T ad.Float](mu, sigma *ad.Tensor[T]) (Normal[T], error) {
	if err := check("NewNormal", "Mu", mu, finite, "finite"); err != nil {
		return Normal[T]{}, err
	}
	if err := check("NewNormal", "Sigma", sigma, func(v float64) bool { return v > 0 && finite(v) }, "finite and > 0"); err != nil {
		return Normal[T]{}, err
	}
	broadcastShape("NewNormal", mu.Shape(), sigma.Shape())
	return Normal[T]{Mu: mu, Sigma: sigma}, nil
}

func (d Normal[T]) shape() []int { return broadcastShape("Normal", d.Mu.Shape(), d.Sigma.Shape()) }

// RSample returns Mu + Sigma·ε, ε standard normal, of the broadcast shape of
// the parameters; gradients flow to Mu and Sigma. It draws one
// rnd.NormFloat64 per element in row-major order.
func (d Normal[T]) RSample(rnd *rand.Rand) *ad.Tensor[T] {
	return ad.Add(d.Mu, ad.Mul(d.Sigma, ad.Randn[T](rnd, d.shape()...)))
}

// Sample is RSample without gradients.
func (d Normal[T]) Sample(rnd *rand.Rand) *ad.Tensor[T] {
	return Normal[T]{stop(d.Mu), stop(d.Sigma)}.RSample(rnd)
}

// LogProb returns −(x−μ)²/(2σ²) − log σ − ½·log 2π elementwise, with x
// broadcast against the parameters.
func (d Normal[T]) LogProb(x *ad.Tensor[T]) *ad.Tensor[T] {
	z := ad.Div(ad.Sub(x, d.Mu), d.Sigma)
	return ad.AddScalar(ad.Sub(ad.MulScalar(ad.Square(z), -0.5), ad.Log(d.Sigma)), T(-0.5*math.Log(2*math.Pi)))
}

// Entropy returns ½ + ½·log 2π + log σ elementwise, of the broadcast shape of
// the parameters.
func (d Normal[T]) Entropy() *ad.Tensor[T] {
	return broadcastTo(ad.AddScalar(ad.Log(d.Sigma), T(0.5+0.5*math.Log(2*math.Pi))), d.shape())
}

// Mean returns Mu, of the broadcast shape of the parameters.
func (d Normal[T]) Mean() *ad.Tensor[T] { return broadcastTo(d.Mu, d.shape()) }
