package smc

import (
	"fmt"
	"math"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

var sqrt = math.Sqrt

// Density is an unnormalised log density evaluated on every particle at
// once: LogDensity writes log p(x_i) into dst[i] for i < x.K.
type Density interface {
	LogDensity(dst []float64, x Particles)
}

// GradDensity is a Density that also gives the gradient of each particle's
// log density with respect to that particle, into grad (K×D, like x.X).
// MALA and HMC need it.
type GradDensity interface {
	Density
	LogDensityGrad(dst, grad []float64, x Particles)
}

// DensityFunc adapts a plain function to a Density.
type DensityFunc func(dst []float64, x Particles)

// LogDensity calls f.
func (f DensityFunc) LogDensity(dst []float64, x Particles) { f(dst, x) }

// AD adapts a function on toolkit/ad tensors to a GradDensity: given the
// particles as a K×D tensor it returns their K log densities (shape [K]).
// Gradients come from reverse-mode differentiation of the sum of the K
// values, which is each particle's own gradient since particles do not
// interact.
type AD func(x *ad.Tensor[float64]) *ad.Tensor[float64]

// LogDensity evaluates f without recording a graph.
func (f AD) LogDensity(dst []float64, x Particles) {
	y := f(ad.New(x.X, x.K, x.D))
	f.check(y, x)
	copy(dst, y.Data)
}

// LogDensityGrad evaluates f and its gradient.
func (f AD) LogDensityGrad(dst, grad []float64, x Particles) {
	t := ad.Param(ad.New(append([]float64(nil), x.X...), x.K, x.D))
	y := f(t)
	f.check(y, x)
	copy(dst, y.Data)
	ad.Sum(y).Backward()
	if t.Grad == nil { // the density does not depend on x
		clear(grad)
		return
	}
	copy(grad, t.Grad)
}

func (AD) check(y *ad.Tensor[float64], x Particles) {
	if y.Len() != x.K {
		panic(fmt.Sprintf("smc.AD: log density of shape %v for %d particles (want [%d])", y.Shape(), x.K, x.K))
	}
}

// Tempered is the target γ_τ(z) = p(z) p(x|z)^τ. At τ = 0 the likelihood
// is not evaluated, so that a zero likelihood (log-likelihood −∞) does not
// give 0·(−∞).
type Tempered struct {
	Prior, LogLik Density
	Temperature   float64
}

// LogDensity writes log p(z_i) + τ log p(x|z_i) into dst.
func (t Tempered) LogDensity(dst []float64, x Particles) {
	t.Prior.LogDensity(dst, x)
	if t.Temperature == 0 {
		return
	}
	ll := make([]float64, x.K)
	t.LogLik.LogDensity(ll, x)
	for i, v := range ll {
		dst[i] += t.Temperature * v
	}
}

// LogDensityGrad is LogDensity with the gradient; it panics unless the
// prior and the likelihood are GradDensity values.
func (t Tempered) LogDensityGrad(dst, grad []float64, x Particles) {
	p, ok1 := t.Prior.(GradDensity)
	l, ok2 := t.LogLik.(GradDensity)
	if !ok1 || !ok2 {
		panic(fmt.Sprintf("smc.Tempered: gradients need a GradDensity prior and likelihood, have %T and %T", t.Prior, t.LogLik))
	}
	p.LogDensityGrad(dst, grad, x)
	if t.Temperature == 0 {
		return
	}
	ll := make([]float64, x.K)
	gl := make([]float64, len(grad))
	l.LogDensityGrad(ll, gl, x)
	for i, v := range ll {
		dst[i] += t.Temperature * v
	}
	for i, v := range gl {
		grad[i] += t.Temperature * v
	}
}
