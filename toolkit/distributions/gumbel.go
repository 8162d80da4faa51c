package distributions

import (
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// Gumbel is a tensor of independent Gumbel (maximum) variables with
// locations Loc and scales Scale, density exp(−(z + e^−z))/Scale with
// z = (x − Loc)/Scale; the two shapes broadcast.
type Gumbel[T ad.Float] struct {
	Loc, Scale *ad.Tensor[T]
}

// NewGumbel returns a Gumbel with finite locations and finite positive
// scales. It panics if the shapes do not broadcast.
func NewGumbel[T ad.Float](loc, scale *ad.Tensor[T]) (Gumbel[T], error) {
	if err := check("NewGumbel", "Loc", loc, finite, "finite"); err != nil {
		return Gumbel[T]{}, err
	}
	if err := check("NewGumbel", "Scale", scale, func(v float64) bool { return v > 0 && finite(v) }, "finite and > 0"); err != nil {
		return Gumbel[T]{}, err
	}
	broadcastShape("NewGumbel", loc.Shape(), scale.Shape())
	return Gumbel[T]{Loc: loc, Scale: scale}, nil
}

func (d Gumbel[T]) shape() []int { return broadcastShape("Gumbel", d.Loc.Shape(), d.Scale.Shape()) }

// RSample returns Loc + Scale·g, g standard Gumbel, of the broadcast shape of
// the parameters; gradients flow to both. It draws as StandardGumbel.Noise:
// one rnd.ExpFloat64 per element in row-major order.
func (d Gumbel[T]) RSample(rnd *rand.Rand) *ad.Tensor[T] {
	return ad.Add(d.Loc, ad.Mul(d.Scale, StandardGumbel[T]{}.Noise(rnd, d.shape()...)))
}

// Sample is RSample without gradients.
func (d Gumbel[T]) Sample(rnd *rand.Rand) *ad.Tensor[T] {
	return Gumbel[T]{stop(d.Loc), stop(d.Scale)}.RSample(rnd)
}

// LogProb returns −(z + e^−z) − log Scale, z = (x − Loc)/Scale, elementwise
// with x broadcast against the parameters. It is finite wherever the density
// is representable, that is for z > −log(MaxFloat64) ≈ −709 in float64.
func (d Gumbel[T]) LogProb(x *ad.Tensor[T]) *ad.Tensor[T] {
	z := ad.Div(ad.Sub(x, d.Loc), d.Scale)
	return ad.Sub(ad.Neg(ad.Add(z, ad.Exp(ad.Neg(z)))), ad.Log(d.Scale))
}

// Entropy returns log Scale + γ + 1 elementwise (γ the Euler–Mascheroni
// constant).
func (d Gumbel[T]) Entropy() *ad.Tensor[T] {
	return broadcastTo(ad.AddScalar(ad.Log(d.Scale), T(eulerGamma+1)), d.shape())
}

// Mean returns Loc + γ·Scale elementwise.
func (d Gumbel[T]) Mean() *ad.Tensor[T] {
	return ad.Add(d.Loc, ad.MulScalar(d.Scale, T(eulerGamma)))
}
