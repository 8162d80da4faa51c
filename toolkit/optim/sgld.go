package optim

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// SGLD is stochastic gradient Langevin dynamics (Welling & Teh, 2011): with
// Grad the gradient of a potential U, a negative log-density up to a
// constant (for a posterior, a mini-batch estimate of it scaled to the
// whole data set), it steps
//
//	θ ← θ − LR·∇U(θ) + √(2·LR·Temperature)·ξ,   ξ ~ N(0, I),
//
// so that its iterates sample approximately from ∝ exp(−U/Temperature);
// LR is the paper's ε/2. For a fixed LR the chain samples a distorted
// target: on a Gaussian of precision P its stationary covariance is
// (P − (LR/2)·P²)⁻¹ rather than P⁻¹ (at Temperature 1).
type SGLD[T ad.Float] struct {
	LR          T          // step size > 0; zero means 1e-4
	Temperature T          // > 0; zero means 1
	Rand        *rand.Rand // the source of the injected noise; required
}

// Step moves params by one Langevin step; see Optimizer.
func (o *SGLD[T]) Step(params []*ad.Tensor[T]) error {
	lr, temp := orDefault(o.LR, 1e-4), orDefault(o.Temperature, 1)
	switch {
	case !(lr > 0) || math.IsInf(float64(lr), 0):
		return fmt.Errorf("optim: SGLD: LR = %v, want a positive number", o.LR)
	case !(temp > 0) || math.IsInf(float64(temp), 0):
		return fmt.Errorf("optim: SGLD: Temperature = %v, want a positive number", o.Temperature)
	case o.Rand == nil:
		return fmt.Errorf("optim: SGLD needs a Rand for its noise")
	}
	if err := CheckFinite(params); err != nil {
		return err
	}
	sd := math.Sqrt(2 * float64(lr) * float64(temp))
	for _, p := range params {
		if p.Grad == nil {
			continue
		}
		for k, g := range p.Grad {
			p.Data[k] -= lr*g - T(sd*o.Rand.NormFloat64())
		}
	}
	return nil
}

// EntropySGD is Entropy-SGD (Chaudhari et al., 2017). It descends the
// negative local entropy of the loss f,
//
//	−F(x; γ) = −log ∫ exp(−f(x′) − (γ/2)‖x − x′‖²) dx′,
//
// whose gradient γ(x − ⟨x′⟩) needs the mean ⟨x′⟩ of the Gibbs measure
// around x. Each Step estimates it with L steps of Langevin dynamics (the
// inner loop, Algorithm 1 of the paper)
//
//	x′ ← x′ − η′(∇f(x′) − γ(x − x′)) + √η′·ε·ξ,   μ ← (1−α)μ + αx′,
//
// from x′ = μ = x, then sets the gradient of every parameter to γ(x − μ)
// and steps with Base. The scope γ grows as γ₀(1+γ₁)ᵗ at the t-th step
// ("scoping"), so that late steps look ever more locally.
type EntropySGD[T ad.Float] struct {
	Base Optimizer[T] // the outer optimizer; nil means SGD with LR 1 (the paper uses Nesterov momentum)

	L       int        // Langevin steps per Step ≥ 1; zero means 20
	InnerLR T          // η′ > 0; zero means 0.1
	Noise   T          // thermal noise ε ≥ 0; zero means 1e-4 (set a tiny value for less)
	Alpha   T          // weight of the newest iterate in μ, in (0, 1]; zero means 0.75
	Gamma   T          // scope γ₀ > 0; zero means 0.03
	Scoping T          // γ₁ ≥ 0; zero means 1e-3
	Rand    *rand.Rand // the source of the Langevin noise; required

	t int
}

// Scope returns the γ of the next Step.
func (o *EntropySGD[T]) Scope() T {
	return T(float64(orDefault(o.Gamma, 0.03)) * math.Pow(1+float64(orDefault(o.Scoping, 1e-3)), float64(o.t)))
}

// Step runs the inner loop and one outer step on params. grad must set the
// Grad of params to a (mini-batch) gradient of f at their current values,
// zeroing them first; it is called L times, each time with the parameters
// at the inner iterate x′. Step returns an error, leaving params at x, if
// grad fails or returns a non-finite gradient.
func (o *EntropySGD[T]) Step(params []*ad.Tensor[T], grad func() error) error {
	l := o.L
	if l == 0 {
		l = 20
	}
	eta, eps, alpha := orDefault(o.InnerLR, 0.1), orDefault(o.Noise, 1e-4), orDefault(o.Alpha, 0.75)
	switch {
	case l < 1:
		return fmt.Errorf("optim: EntropySGD: L = %d, want ≥ 1", o.L)
	case !(eta > 0) || math.IsInf(float64(eta), 0):
		return fmt.Errorf("optim: EntropySGD: InnerLR = %v, want a positive number", o.InnerLR)
	case !(eps >= 0) || math.IsInf(float64(eps), 0):
		return fmt.Errorf("optim: EntropySGD: Noise = %v, want a finite number ≥ 0", o.Noise)
	case !(alpha > 0 && alpha <= 1):
		return fmt.Errorf("optim: EntropySGD: Alpha = %v, want a value in (0, 1]", o.Alpha)
	case !(o.Gamma >= 0) || math.IsInf(float64(o.Gamma), 0):
		return fmt.Errorf("optim: EntropySGD: Gamma = %v, want a positive number", o.Gamma)
	case !(o.Scoping >= 0) || math.IsInf(float64(o.Scoping), 0):
		return fmt.Errorf("optim: EntropySGD: Scoping = %v, want a finite number ≥ 0", o.Scoping)
	case o.Rand == nil:
		return fmt.Errorf("optim: EntropySGD needs a Rand for its noise")
	}
	gamma := o.Scope()
	x := make([][]T, len(params))
	mu := make([][]T, len(params))
	for i, p := range params {
		x[i] = append([]T(nil), p.Data...)
		mu[i] = append([]T(nil), p.Data...)
	}
	restore := func() {
		for i, p := range params {
			copy(p.Data, x[i])
		}
	}
	sd := math.Sqrt(float64(eta)) * float64(eps)
	for k := range l {
		if err := grad(); err != nil {
			restore()
			return fmt.Errorf("optim: EntropySGD: inner step %d: %w", k+1, err)
		}
		if err := CheckFinite(params); err != nil {
			restore()
			return fmt.Errorf("optim: EntropySGD: inner step %d: %w", k+1, err)
		}
		for i, p := range params {
			for j := range p.Data {
				var g T
				if p.Grad != nil {
					g = p.Grad[j]
				}
				xp := p.Data[j]
				xp -= eta*(g-gamma*(x[i][j]-xp)) - T(sd*o.Rand.NormFloat64())
				p.Data[j] = xp
				mu[i][j] = (1-alpha)*mu[i][j] + alpha*xp
			}
		}
	}
	restore()
	for i, p := range params {
		if p.Grad == nil {
			p.Grad = make([]T, p.Len())
		}
		for j := range p.Grad {
			p.Grad[j] = gamma * (x[i][j] - mu[i][j])
		}
	}
	base := o.Base
	if base == nil {
		base = &SGD[T]{LR: 1}
	}
	if err := base.Step(params); err != nil {
		return err
	}
	o.t++
	return nil
}
