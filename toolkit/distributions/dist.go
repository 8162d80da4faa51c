package distributions

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// Sampler draws without gradients (like torch's sample()).
type Sampler[T ad.Float] interface {
	Sample(rnd *rand.Rand) *ad.Tensor[T]
}

// RSampler draws reparameterised samples through which gradients flow to the
// parameters.
type RSampler[T ad.Float] interface {
	RSample(rnd *rand.Rand) *ad.Tensor[T]
}

// LogProber returns log p(x), differentiable with respect to the parameters.
type LogProber[T ad.Float] interface {
	LogProb(x *ad.Tensor[T]) *ad.Tensor[T]
}

// Distribution is what every distribution here is.
type Distribution[T ad.Float] interface {
	Sampler[T]
	LogProber[T]
}

// eulerGamma is the Euler–Mascheroni constant, the mean of a standard Gumbel.
const eulerGamma = 0.57721566490153286060651209008240243

// broadcastShape returns the NumPy broadcast of shapes, panicking with a
// message naming op when they do not broadcast.
func broadcastShape(op string, shapes ...[]int) []int {
	n := 0
	for _, s := range shapes {
		n = max(n, len(s))
	}
	out := make([]int, n)
	for i := range out {
		out[i] = 1
	}
	for _, s := range shapes {
		for j, d := range s {
			i := j + n - len(s)
			switch {
			case d == out[i] || d == 1:
			case out[i] == 1:
				out[i] = d
			default:
				panic(fmt.Sprintf("distributions.%s: shapes %v do not broadcast", op, shapes))
			}
		}
	}
	return out
}

// broadcastTo returns t broadcast to shape, with gradients flowing back to t.
// It returns t itself when it already has that shape.
func broadcastTo[T ad.Float](t *ad.Tensor[T], shape []int) *ad.Tensor[T] {
	if sameShape(t.Shape(), shape) {
		return t
	}
	return ad.Add(t, ad.Zeros[T](shape...))
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// eventShape splits shape into its batch part and the event size (the last
// axis), panicking if there is no last axis.
func eventShape(op string, shape []int) (batch []int, n int) {
	if len(shape) == 0 {
		panic(fmt.Sprintf("distributions.%s: parameters of shape %v have no event axis", op, shape))
	}
	return shape[:len(shape)-1], shape[len(shape)-1]
}

// unaryOp records y = f(x) elementwise as a custom op; f returns the value
// and the derivative, both computed in float64.
func unaryOp[T ad.Float](name string, x *ad.Tensor[T], f func(x float64) (y, dy float64)) *ad.Tensor[T] {
	out := ad.Zeros[T](x.Shape()...)
	d := make([]float64, len(x.Data))
	for i, v := range x.Data {
		y, dy := f(float64(v))
		out.Data[i], d[i] = T(y), dy
	}
	return ad.Custom(name, out, []*ad.Tensor[T]{x}, func(g *ad.Tensor[T]) []*ad.Tensor[T] {
		gx := ad.Zeros[T](x.Shape()...)
		for i, gi := range g.Data {
			gx.Data[i] = T(float64(gi) * d[i])
		}
		return []*ad.Tensor[T]{gx}
	})
}

// binaryOp records z = f(a, b) elementwise over a and b broadcast to a
// common shape; f returns the value and both partial derivatives. A zero
// cotangent contributes nothing, even where a partial derivative is
// infinite.
func binaryOp[T ad.Float](name string, a, b *ad.Tensor[T], f func(a, b float64) (z, da, db float64)) *ad.Tensor[T] {
	shape := broadcastShape(name, a.Shape(), b.Shape())
	a, b = broadcastTo(a, shape), broadcastTo(b, shape)
	out := ad.Zeros[T](shape...)
	da := make([]float64, len(out.Data))
	db := make([]float64, len(out.Data))
	for i := range out.Data {
		z, p, q := f(float64(a.Data[i]), float64(b.Data[i]))
		out.Data[i], da[i], db[i] = T(z), p, q
	}
	return ad.Custom(name, out, []*ad.Tensor[T]{a, b}, func(g *ad.Tensor[T]) []*ad.Tensor[T] {
		ga, gb := ad.Zeros[T](shape...), ad.Zeros[T](shape...)
		for i, gi := range g.Data {
			if gi == 0 {
				continue
			}
			ga.Data[i] = T(float64(gi) * da[i])
			gb.Data[i] = T(float64(gi) * db[i])
		}
		return []*ad.Tensor[T]{ga, gb}
	})
}

// uniformOpen returns a uniform draw from the open interval (0, 1), using one
// rnd.Uint64.
func uniformOpen(rnd *rand.Rand) float64 {
	return (float64(rnd.Uint64()>>11) + 0.5) / (1 << 53)
}

// standardGumbel returns a standard Gumbel draw −log E, E ~ Exp(1), using one
// rnd.ExpFloat64. ExpFloat64 is never 0, so the draw is finite.
func standardGumbel(rnd *rand.Rand) float64 { return -math.Log(rnd.ExpFloat64()) }

// softplus is log(1 + eˣ), computed without overflow; it is +Inf at +Inf.
func softplus(x float64) float64 {
	if math.IsInf(x, 0) {
		return max(x, 0)
	}
	return max(x, 0) + math.Log1p(math.Exp(-math.Abs(x)))
}

// check returns an error naming fn and param at the first element of t for
// which ok is false; want says what the element must be.
func check[T ad.Float](fn, param string, t *ad.Tensor[T], ok func(v float64) bool, want string) error {
	if t == nil {
		return fmt.Errorf("distributions: %s: %s is nil", fn, param)
	}
	for i, v := range t.Data {
		if !ok(float64(v)) {
			return fmt.Errorf("distributions: %s: %s has %v at flat index %d; it must be %s", fn, param, v, i, want)
		}
	}
	return nil
}

func notNaN(v float64) bool { return !math.IsNaN(v) }

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// checkTemperature returns an error unless t is finite and positive.
func checkTemperature[T ad.Float](fn string, t T) error {
	if !(t > 0) || math.IsInf(float64(t), 1) {
		return fmt.Errorf("distributions: %s: Temperature is %v; it must be finite and > 0", fn, t)
	}
	return nil
}

// mustTemperature panics unless t is finite and positive: a struct literal
// with an invalid temperature is a programming mistake.
func mustTemperature[T ad.Float](fn string, t T) {
	if err := checkTemperature(fn, t); err != nil {
		panic(err.Error())
	}
}

// stop returns t without gradient; nil stays nil.
func stop[T ad.Float](t *ad.Tensor[T]) *ad.Tensor[T] {
	if t == nil {
		return nil
	}
	return ad.StopGradient(t)
}
