package optim

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/stochgrad/stochgrad/internal/par"
	"github.com/stochgrad/stochgrad/internal/simd"
	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// Adam is the Adam optimizer (Kingma & Ba, 2015) with decoupled weight
// decay (AdamW, Loshchilov & Hutter, 2019). For each parameter, at its t-th
// step:
//
//	θ ← θ − LR·WeightDecay·θ
//	m ← Beta1·m + (1−Beta1)·g
//	v ← Beta2·v + (1−Beta2)·g²
//	θ ← θ − LR·m̂/(√v̂ + Eps),  m̂ = m/(1−Beta1ᵗ), v̂ = v/(1−Beta2ᵗ)
//
// The decay shrinks θ directly instead of adding WeightDecay·θ to the
// gradient, so it is not rescaled by √v̂; it matches PyTorch's AdamW (and
// Adam when WeightDecay is zero).
//
// The zero values of LR, Beta1, Beta2 and Eps mean 1e-3, 0.9, 0.999 and
// 1e-8; set them explicitly for any other value (Beta1 cannot be zero: use
// a tiny positive value for no momentum).
type Adam[T ad.Float] struct {
	LR          T // learning rate; zero means 1e-3
	Beta1       T // decay of the first-moment estimate, in (0, 1); zero means 0.9
	Beta2       T // decay of the second-moment estimate, in (0, 1); zero means 0.999
	Eps         T // added to √v̂; zero means 1e-8
	WeightDecay T // decoupled decay rate per unit of LR; ≥ 0

	st map[*ad.Tensor[T]]*adamState[T]
}

type adamState[T ad.Float] struct {
	t    int
	m, v []T
}

func orDefault[T ad.Float](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

func (o *Adam[T]) check() (lr, b1, b2, eps T, err error) {
	lr, b1, b2, eps = orDefault(o.LR, 1e-3), orDefault(o.Beta1, 0.9), orDefault(o.Beta2, 0.999), orDefault(o.Eps, 1e-8)
	switch {
	case !(lr > 0) || math.IsInf(float64(lr), 0):
		err = fmt.Errorf("optim: Adam: LR = %v, want a positive number", o.LR)
	case !(b1 > 0 && b1 < 1):
		err = fmt.Errorf("optim: Adam: Beta1 = %v, want a value in (0, 1)", o.Beta1)
	case !(b2 > 0 && b2 < 1):
		err = fmt.Errorf("optim: Adam: Beta2 = %v, want a value in (0, 1)", o.Beta2)
	case !(eps > 0) || math.IsInf(float64(eps), 0):
		err = fmt.Errorf("optim: Adam: Eps = %v, want a positive number", o.Eps)
	case !(o.WeightDecay >= 0) || math.IsInf(float64(o.WeightDecay), 0):
		err = fmt.Errorf("optim: Adam: WeightDecay = %v, want a finite number ≥ 0", o.WeightDecay)
	}
	return lr, b1, b2, eps, err
}

// Step updates params from their gradients; see Optimizer.
func (o *Adam[T]) Step(params []*ad.Tensor[T]) error {
	lr, b1, b2, eps, err := o.check()
	if err != nil {
		return err
	}
	if err := CheckFinite(params); err != nil {
		return err
	}
	decay := 1 - lr*o.WeightDecay
	for _, p := range params {
		if p.Grad == nil {
			continue
		}
		s := state(&o.st, p, func() *adamState[T] {
			return &adamState[T]{m: make([]T, p.Len()), v: make([]T, p.Len())}
		})
		s.t++
		// As PyTorch: θ −= (LR/bc1)·m/(√v/√bc2 + Eps).
		bc1 := 1 - math.Pow(float64(b1), float64(s.t))
		bc2 := math.Sqrt(1 - math.Pow(float64(b2), float64(s.t)))
		u := adamUpdate[T]{step: T(float64(lr) / bc1), b1: b1, b2: b2, eps: eps, decay: decay, invBC2: T(1 / bc2)}
		if len(p.Grad) < par.Grain { // no closure to allocate
			u.apply(p.Data, p.Grad, s.m, s.v)
			continue
		}
		par.For(len(p.Grad), func(lo, hi int) {
			u.apply(p.Data[lo:hi], p.Grad[lo:hi], s.m[lo:hi], s.v[lo:hi])
		})
	}
	return nil
}

// f32 views a []T that holds float32 as []float32.
func f32[T ad.Float](s []T) []float32 {
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}

// f64 views a []T that holds float64 as []float64.
func f64[T ad.Float](s []T) []float64 {
	return unsafe.Slice((*float64)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}

// adamUpdate holds the constants of one parameter's Adam step.
type adamUpdate[T ad.Float] struct {
	step, b1, b2, eps, decay, invBC2 T
}

// apply updates the parameter values d and moments m, v from gradients g,
// all of one length, in their own element type.
func (u adamUpdate[T]) apply(d, g, m, v []T) {
	d, m, v = d[:len(g)], m[:len(g)], v[:len(g)]
	c1, c2 := 1-u.b1, 1-u.b2
	if u.decay != 1 {
		for k := range d {
			d[k] *= u.decay
		}
	}
	k0 := 0
	if simd.Enabled && unsafe.Sizeof(c1) == 4 && len(g) >= 8 {
		c := simd.AdamConsts{Step: float32(u.step), B1: float32(u.b1), B2: float32(u.b2),
			C1: float32(c1), C2: float32(c2), Eps: float32(u.eps), InvBC2: float32(u.invBC2)}
		k0 = simd.Adam32(f32(d), f32(g), f32(m), f32(v), &c)
	}
	for k := k0; k < len(g); k++ {
		gk := g[k]
		mk := u.b1*m[k] + c1*gk
		vk := u.b2*v[k] + c2*gk*gk
		m[k], v[k] = mk, vk
		d[k] -= u.step * mk / (T(math.Sqrt(float64(vk)))*u.invBC2 + u.eps)
	}
}
