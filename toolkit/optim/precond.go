package optim

import (
	"fmt"
	"math"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// Identity is the preconditioner that leaves gradients unchanged.
type Identity[T ad.Float] struct{}

// Precondition does nothing.
func (Identity[T]) Precondition([]Layer[T]) error { return nil }

// RMS is the diagonal preconditioner of RMSprop (Tieleman & Hinton, 2012):
// it divides each gradient entry by the root of a running mean of its
// squares,
//
//	v ← Decay·v + (1−Decay)·g²,   g ← g/(√v + Eps),
//
// with v starting at zero. Preconditioned{Base: &SGD[T]{LR: lr,
// Momentum: μ}, P: &RMS[T]{}} is PyTorch's RMSprop(lr, alpha=0.99,
// momentum=μ).
type RMS[T ad.Float] struct {
	Decay T // in (0, 1); zero means 0.99
	Eps   T // added to √v; zero means 1e-8

	v map[*ad.Tensor[T]]*[]T
}

// Precondition rescales the gradients of every parameter of layers in
// place, entry by entry.
func (r *RMS[T]) Precondition(layers []Layer[T]) error {
	rho, eps := orDefault(r.Decay, 0.99), orDefault(r.Eps, 1e-8)
	if !(rho > 0 && rho < 1) {
		return fmt.Errorf("optim: RMS: Decay = %v, want a value in (0, 1)", r.Decay)
	}
	if !(eps > 0) || math.IsInf(float64(eps), 0) {
		return fmt.Errorf("optim: RMS: Eps = %v, want a positive number", r.Eps)
	}
	for _, l := range layers {
		for _, p := range l.Params {
			if p.Grad == nil {
				continue
			}
			s := state(&r.v, p, func() *[]T { v := make([]T, p.Len()); return &v })
			v := *s
			for k, g := range p.Grad {
				v[k] = rho*v[k] + (1-rho)*g*g
				p.Grad[k] = g / (T(math.Sqrt(float64(v[k]))) + eps)
			}
		}
	}
	return nil
}
