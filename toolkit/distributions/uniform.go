package distributions

import (
	"math"
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// Uniform is a tensor of independent uniform variables on [Low, High]; the
// two shapes broadcast.
type Uniform[T ad.Float] struct {
	Low, High *ad.Tensor[T]
}

// NewUniform returns a Uniform with finite bounds, Low < High elementwise. It
// panics if the shapes do not broadcast.
func NewUniform[T ad.Float](low, high *ad.Tensor[T]) (Uniform[T], error) {
	if err := check("NewUniform", "Low", low, finite, "finite"); err != nil {
		return Uniform[T]{}, err
	}
	if err := check("NewUniform", "High", high, finite, "finite"); err != nil {
		return Uniform[T]{}, err
	}
	shape := broadcastShape("NewUniform", low.Shape(), high.Shape())
	width := ad.Sub(broadcastTo(stop(high), shape), stop(low))
	if err := check("NewUniform", "High − Low", width, func(v float64) bool { return v > 0 }, "> 0 (Low < High)"); err != nil {
		return Uniform[T]{}, err
	}
	return Uniform[T]{Low: low, High: high}, nil
}

func (d Uniform[T]) shape() []int { return broadcastShape("Uniform", d.Low.Shape(), d.High.Shape()) }

// RSample returns Low + (High − Low)·u, u uniform on [0, 1), of the broadcast
// shape of the parameters; gradients flow to both bounds. It draws one
// rnd.Float64 per element in row-major order.
func (d Uniform[T]) RSample(rnd *rand.Rand) *ad.Tensor[T] {
	u := ad.Zeros[T](d.shape()...)
	for i := range u.Data {
		u.Data[i] = T(rnd.Float64())
	}
	return ad.Add(d.Low, ad.Mul(ad.Sub(d.High, d.Low), u))
}

// Sample is RSample without gradients.
func (d Uniform[T]) Sample(rnd *rand.Rand) *ad.Tensor[T] {
	return Uniform[T]{stop(d.Low), stop(d.High)}.RSample(rnd)
}

// LogProb returns −log(High − Low) where Low ≤ x ≤ High and −Inf elsewhere
// (the event is impossible there), elementwise with x broadcast against the
// parameters. The support is closed so that a sample rounded to High (in
// float32) stays inside. No gradient flows from the points outside.
func (d Uniform[T]) LogProb(x *ad.Tensor[T]) *ad.Tensor[T] {
	shape := broadcastShape("Uniform.LogProb", x.Shape(), d.Low.Shape(), d.High.Shape())
	xs, lo, hi := broadcastTo(stop(x), shape), broadcastTo(stop(d.Low), shape), broadcastTo(stop(d.High), shape)
	in := make([]bool, len(xs.Data))
	for i, v := range xs.Data {
		in[i] = lo.Data[i] <= v && v <= hi.Data[i]
	}
	lp := broadcastTo(ad.Neg(ad.Log(ad.Sub(d.High, d.Low))), shape)
	return ad.Where(in, lp, ad.Full(T(math.Inf(-1)), shape...))
}

// Entropy returns log(High − Low) elementwise.
func (d Uniform[T]) Entropy() *ad.Tensor[T] {
	return broadcastTo(ad.Log(ad.Sub(d.High, d.Low)), d.shape())
}

// Mean returns (Low + High)/2 elementwise.
func (d Uniform[T]) Mean() *ad.Tensor[T] {
	return ad.MulScalar(ad.Add(d.Low, d.High), 0.5)
}
