package optim

import (
	"fmt"
	"math"

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
	mu, wd := o.Momentum, o.WeightDecay
	for _, p := range params {
		if p.Grad == nil {
			continue
		}
		if mu == 0 {
			d := p.Data[:len(p.Grad)]
			if wd == 0 {
				for k, g := range p.Grad {
					d[k] -= lr * g
				}
				continue
			}
			for k, g := range p.Grad {
				d[k] -= lr * (g + wd*d[k])
			}
			continue
		}
		b := state(&o.buf, p, func() *[]T { return new([]T) })
		first := *b == nil
		if first {
			*b = make([]T, p.Len())
		}
		buf := *b
		for k, g := range p.Grad {
			g += wd * p.Data[k]
			if first {
				buf[k] = g
			} else {
				buf[k] = mu*buf[k] + g
			}
			if o.Nesterov {
				g += mu * buf[k]
			} else {
				g = buf[k]
			}
			p.Data[k] -= lr * g
		}
	}
	return nil
}
