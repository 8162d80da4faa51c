package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// Linear is the affine layer x·W + B.
type Linear[T ad.Float] struct {
	W *ad.Tensor[T] // weights, [in, out]
	B *ad.Tensor[T] // bias, [out]; nil for a layer without bias
}

// NewLinear returns a layer from in to out features with Glorot-uniform
// weights drawn from rnd and a zero bias, both marked as parameters.
func NewLinear[T ad.Float](rnd *rand.Rand, in, out int) *Linear[T] {
	if in < 1 || out < 1 {
		panic(fmt.Sprintf("nn.NewLinear: sizes %d → %d, want both ≥ 1", in, out))
	}
	w := ad.Zeros[T](in, out)
	GlorotUniform(rnd, w)
	return &Linear[T]{W: ad.Param(w), B: ad.Param(ad.Zeros[T](out))}
}

// In returns the number of input features.
func (l *Linear[T]) In() int { return l.W.Dim(0) }

// Out returns the number of output features.
func (l *Linear[T]) Out() int { return l.W.Dim(1) }

// Forward returns x·W + B for x of shape [..., in]: a matrix [N, in], a
// batch [B, N, in] or any other leading shape, which is kept. It panics if
// the last dimension of x is not in.
func (l *Linear[T]) Forward(x *ad.Tensor[T]) *ad.Tensor[T] {
	in := l.In()
	if x.Rank() == 0 || x.Dim(-1) != in {
		panic(fmt.Sprintf("nn.Linear.Forward: input of shape %v for a layer of shape %v (wants last dimension %d)", x.Shape(), l.W.Shape(), in))
	}
	return ad.Linear(x, l.W, l.B) // one fused op: x·W + B
}

// Params returns W and, if present, B.
func (l *Linear[T]) Params() []*ad.Tensor[T] {
	if l.B == nil {
		return []*ad.Tensor[T]{l.W}
	}
	return []*ad.Tensor[T]{l.W, l.B}
}
