package optim

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/stochgrad/stochgrad/internal/par"
	"github.com/stochgrad/stochgrad/internal/simd"
	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// SGD is stochastic gradient descent with optional momentum, Nesterov
// momentum and L2 weight decay, with PyTorch's conventions:
//
//	g ← ∇ + WeightDecay·θ
//	b ← g on the first step, Momentum·b + g afterwards
//	θ ← θ − LR·(g + Momentum·b)   with Nesterov
//	θ ← θ − LR·b                  otherwise
//
// Without momentum the update is θ ← θ − LR·g.
type SGD[T ad.Float] struct {
	LR          T    // learning rate; zero means 0.01
	Momentum    T    // in [0, 1); zero means none
	Nesterov    bool // Nesterov momentum; needs Momentum > 0
	WeightDecay T    // L2 penalty coefficient, added to the gradient; ≥ 0

	buf map[*ad.Tensor[T]]*[]T // momentum buffers
}

func (o *SGD[T]) check() (lr T, err error) {
	lr = o.LR
	if lr == 0 {
		lr = 0.01
	}
	switch {
	case !(lr > 0) || math.IsInf(float64(lr), 0):
		return 0, fmt.Errorf("optim: SGD: LR = %v, want a positive number", o.LR)
	case !(o.Momentum >= 0 && o.Momentum < 1):
		return 0, fmt.Errorf("optim: SGD: Momentum = %v, want a value in [0, 1)", o.Momentum)
	case o.Nesterov && o.Momentum == 0:
		return 0, fmt.Errorf("optim: SGD: Nesterov needs Momentum > 0")
	case !(o.WeightDecay >= 0) || math.IsInf(float64(o.WeightDecay), 0):
		return 0, fmt.Errorf("optim: SGD: WeightDecay = %v, want a finite number ≥ 0", o.WeightDecay)
	}
	return lr, nil
}

// Step updates params from their gradients; see Optimizer.
func (o *SGD[T]) Step(params []*ad.Tensor[T]) error {
	lr, err := o.check()
	if err != nil {
		return err
	}
	if err := CheckFinite(params); err != nil {
		return err
	}
	u := sgdUpdate[T]{lr: lr, mu: o.Momentum, wd: o.WeightDecay, nesterov: o.Nesterov}
	for _, p := range params {
		if p.Grad == nil {
			continue
		}
		var buf []T
		if u.mu != 0 {
			b := state(&o.buf, p, func() *[]T { return new([]T) })
			if *b == nil {
				// The first step sets the buffer to the gradient: from
				// zeros, Momentum·0 + g is exactly that.
				*b = make([]T, p.Len())
			}
			buf = *b
		}
		if len(p.Grad) < par.Grain { // no closure to allocate
			u.apply(p.Data, p.Grad, buf)
			continue
		}
		par.For(len(p.Grad), func(lo, hi int) {
			var b []T
			if buf != nil {
				b = buf[lo:hi]
			}
			u.apply(p.Data[lo:hi], p.Grad[lo:hi], b)
		})
	}
	return nil
}

// sgdUpdate holds the constants of an SGD step.
type sgdUpdate[T ad.Float] struct {
	lr, mu, wd T
	nesterov   bool
}

// apply updates the parameter values d from gradients g and, with momentum,
// the buffer b, all of one length, in their own element type.
func (u sgdUpdate[T]) apply(d, g, b []T) {
	d = d[:len(g)]
	lr, mu, wd := u.lr, u.mu, u.wd
	k0 := 0
	if simd.Enabled && unsafe.Sizeof(lr) == 4 && len(g) >= 8 && !u.nesterov && (mu != 0 || wd == 0) {
		// The kernel does the plain step and the usual momentum step, bit
		// for bit as the loops below; the tail is theirs.
		c := simd.SGDConsts{LR: float32(lr), Mu: float32(mu), WD: float32(wd)}
		var bb []float32
		if mu != 0 {
			bb = f32(b[:len(g)])
		}
		k0 = simd.SGD32(f32(d), f32(g), bb, &c)
	}
	switch {
	case mu == 0 && wd == 0:
		for k := k0; k < len(g); k++ {
			d[k] -= lr * g[k]
		}
	case mu == 0:
		for k, gk := range g {
			d[k] -= lr * (gk + wd*d[k])
		}
	case u.nesterov:
		b = b[:len(g)]
		for k, gk := range g {
			gk += wd * d[k]
			b[k] = mu*b[k] + gk
			d[k] -= lr * (gk + mu*b[k])
		}
	default:
		b = b[:len(g)]
		for k := k0; k < len(g); k++ {
			b[k] = mu*b[k] + g[k] + wd*d[k]
			d[k] -= lr * b[k]
		}
	}
}
