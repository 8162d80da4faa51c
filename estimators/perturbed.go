package estimators

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/solvers"
)

// PerturbedAdditive is the perturbed optimizer of Berthet et al. (2020)
// with additive Gaussian noise, InferOpt.jl's PerturbedAdditive: the
// smoothed solver
//
//	ŷ(θ) = E[MAP(θ + εZ)],   Z ~ N(0, I),
//
// estimated with Samples draws, whose Jacobian is estimated by
// E[MAP(θ + εZ)·Zᵀ]/ε (the Gaussian score of θ + εZ), so that the
// backward pass of dy is mean_m ⟨MAP(θ + εZ_m), dy⟩·Z_m/ε. The same draws
// serve the value and its gradient.
//
// Solver maximises ⟨θ, z⟩; wrap a minimiser with solvers.Negate. It is the
// natural partner of FenchelYoungLoss.
type PerturbedAdditive[T ad.Float] struct {
	Solver solvers.Solver[T]
	// Epsilon is the noise scale ε. Zero means 1.
	Epsilon T
	// Samples is the number M of perturbations per instance. Zero means 1
	// (InferOpt's default).
	Samples int
}

// PerturbedMultiplicative is the perturbed optimizer with multiplicative
// log-normal noise, InferOpt.jl's PerturbedMultiplicative:
//
//	ŷ(θ) = E[MAP(θ ⊙ exp(εZ − ε²/2))],   Z ~ N(0, I),
//
// which keeps the sign of every entry of θ (costs stay positive) and has
// E[exp(εZ − ε²/2)] = 1. Its Jacobian estimate is E[MAP(η)·(Z/(εθ))ᵀ], the
// score of η = θ ⊙ exp(εZ − ε²/2) with respect to θ; entries with θ = 0 get
// a zero gradient.
type PerturbedMultiplicative[T ad.Float] struct {
	Solver solvers.Solver[T]
	// Epsilon is the noise scale ε. Zero means 1.
	Epsilon T
	// Samples is the number M of perturbations per instance. Zero means 1.
	Samples int
}

// Apply returns ŷ(θ), the mean of MAP(θ + εZ_m) over the samples, for
// theta of shape [B, ...] (or one instance [D]); the result has theta's
// shape and its backward pass is the perturbation estimator.
//
// Randomness: B·M·D standard normals rnd.NormFloat64, instance by
// instance, sample by sample.
func (p PerturbedAdditive[T]) Apply(rnd *rand.Rand, theta *ad.Tensor[T]) *ad.Tensor[T] {
	return perturbedApply("PerturbedAdditive", perturbation[T]{p.Solver, p.Epsilon, p.Samples, false}, rnd, theta)
}

// Apply returns ŷ(θ), the mean of MAP(θ ⊙ exp(εZ_m − ε²/2)) over the
// samples, for theta of shape [B, ...] (or [D]); the result has theta's
// shape and its backward pass is the perturbation estimator.
//
// Randomness: as PerturbedAdditive.Apply.
func (p PerturbedMultiplicative[T]) Apply(rnd *rand.Rand, theta *ad.Tensor[T]) *ad.Tensor[T] {
	return perturbedApply("PerturbedMultiplicative", perturbation[T]{p.Solver, p.Epsilon, p.Samples, true}, rnd, theta)
}

// FenchelYoung implements FenchelYoungLayer (see FenchelYoungLoss).
func (p PerturbedAdditive[T]) FenchelYoung(rnd *rand.Rand, theta, y []T, dim int) (loss, grad []T) {
	return perturbation[T]{p.Solver, p.Epsilon, p.Samples, false}.fenchelYoung("PerturbedAdditive", rnd, theta, y, dim)
}

// FenchelYoung implements FenchelYoungLayer (see FenchelYoungLoss).
func (p PerturbedMultiplicative[T]) FenchelYoung(rnd *rand.Rand, theta, y []T, dim int) (loss, grad []T) {
	return perturbation[T]{p.Solver, p.Epsilon, p.Samples, true}.fenchelYoung("PerturbedMultiplicative", rnd, theta, y, dim)
}

// perturbation is what the two perturbed optimizers share.
type perturbation[T ad.Float] struct {
	solver         solvers.Solver[T]
	eps            T
	samples        int
	multiplicative bool
}

// draw returns the standard normals Z [B, M, D], the perturbed parameters
// η and the MAP states y of each row.
func (p perturbation[T]) draw(op string, rnd *rand.Rand, theta []T, b, d int) (z, eta, y []T) {
	if p.solver == nil {
		panic(fmt.Sprintf("estimators: %s: nil Solver", op))
	}
	m := p.m(op)
	eps := p.epsilon(op)
	n := b * m * d
	z, eta, y = make([]T, n), make([]T, n), make([]T, n)
	for i := range z {
		z[i] = T(rnd.NormFloat64())
	}
	shift := float64(eps) * float64(eps) / 2
	for bi := range b {
		th := theta[bi*d : (bi+1)*d]
		for si := range m {
			o := (bi*m + si) * d
			for j, v := range th {
				if p.multiplicative {
					eta[o+j] = v * T(math.Exp(float64(eps)*float64(z[o+j])-shift))
				} else {
					eta[o+j] = v + eps*z[o+j]
				}
			}
		}
	}
	solvers.Batch(p.solver, y, eta, d)
	return z, eta, y
}

func (p perturbation[T]) m(op string) int {
	if p.samples < 0 {
		panic(fmt.Sprintf("estimators: %s: Samples = %d, want ≥ 0", op, p.samples))
	}
	return max(p.samples, 1)
}

func (p perturbation[T]) epsilon(op string) T {
	if !(p.eps >= 0) || math.IsInf(float64(p.eps), 0) {
		panic(fmt.Sprintf("estimators: %s: Epsilon = %v, want a finite value ≥ 0", op, p.eps))
	}
	if p.eps == 0 {
		return 1
	}
	return p.eps
}

func perturbedApply[T ad.Float](op string, p perturbation[T], rnd *rand.Rand, theta *ad.Tensor[T]) *ad.Tensor[T] {
	b, d, _ := solverLayout(op+".Apply", theta, 1)
	m := p.m(op)
	eps := p.epsilon(op)
	z, _, y := p.draw(op, rnd, theta.Data, b, d)
	mean := make([]T, b*d)
	for bi := range b {
		dst := mean[bi*d : (bi+1)*d]
		for si := range m {
			o := (bi*m + si) * d
			for j, v := range y[o : o+d] {
				dst[j] += v
			}
		}
		for j := range dst {
			dst[j] /= T(m)
		}
	}
	out := ad.New(mean, theta.Shape()...)
	if !theta.RequiresGrad() {
		return out
	}
	th := theta.Data
	return ad.Custom(op, out, []*ad.Tensor[T]{theta}, func(g *ad.Tensor[T]) []*ad.Tensor[T] {
		dy := g.Data
		grad := make([]T, b*d)
		for bi := range b {
			gb := grad[bi*d : (bi+1)*d]
			dyb := dy[bi*d : (bi+1)*d]
			for si := range m {
				o := (bi*m + si) * d
				// ⟨y_m, dy⟩ weighs the score Z_m/ε of sample m.
				var f T
				for j, v := range y[o : o+d] {
					f += v * dyb[j]
				}
				if f == 0 {
					continue
				}
				for j, zj := range z[o : o+d] {
					gb[j] += f * zj
				}
			}
			for j := range gb {
				c := 1 / (eps * T(m))
				if p.multiplicative {
					if th[bi*d+j] == 0 {
						gb[j] = 0
						continue
					}
					c /= th[bi*d+j]
				}
				gb[j] *= c
			}
		}
		return []*ad.Tensor[T]{ad.New(grad, theta.Shape()...)}
	})
}

// fenchelYoung returns, per instance, the Fenchel-Young loss estimate
// mean_m ⟨η_m, y_m − y⟩ and its gradient mean_m ∂η_m/∂θ ⊙ (y_m − y).
func (p perturbation[T]) fenchelYoung(op string, rnd *rand.Rand, theta, target []T, d int) (loss, grad []T) {
	if d < 1 || len(theta)%d != 0 || len(target) != len(theta) {
		panic(fmt.Sprintf("estimators: %s.FenchelYoung: %d parameters and %d targets for instances of size %d", op, len(theta), len(target), d))
	}
	b := len(theta) / d
	m := p.m(op)
	eps := p.epsilon(op)
	z, eta, y := p.draw(op, rnd, theta, b, d)
	shift := float64(eps) * float64(eps) / 2
	loss, grad = make([]T, b), make([]T, b*d)
	for bi := range b {
		tb := target[bi*d : (bi+1)*d]
		gb := grad[bi*d : (bi+1)*d]
		var l float64
		for si := range m {
			o := (bi*m + si) * d
			for j := range d {
				dv := y[o+j] - tb[j]
				l += float64(eta[o+j]) * float64(dv)
				if p.multiplicative {
					// ∂η/∂θ = exp(εZ − ε²/2).
					gb[j] += dv * T(math.Exp(float64(eps)*float64(z[o+j])-shift))
				} else {
					gb[j] += dv
				}
			}
		}
		loss[bi] = T(l / float64(m))
		for j := range gb {
			gb[j] /= T(m)
		}
	}
	return loss, grad
}
