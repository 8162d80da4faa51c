package estimators

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
	"github.com/stochgrad/stochgrad/toolkit/solvers"
)

// IMLE is implicit maximum-likelihood estimation (Niepert, Minervini and
// Franceschi 2021), and with an AdaptiveTarget Adaptive I-MLE (Minervini,
// Franceschi and Niepert 2023). It turns a black-box MAP solver into a layer
// that samples the discrete exponential family p(z; θ) ∝ exp⟨θ, z⟩ by
// perturb-and-MAP, z = MAP(θ + τε), and whose backward pass estimates the
// gradient of the downstream loss from the difference between those samples
// and the MAP states of a target distribution moved against the incoming
// gradient dy:
//
//	θ'  = αθ − λ·dy                     (the target)
//	g   = mean_s (MAP(αθ + τ'ε_s) − MAP(θ' + τ'ε_s)) / λ      (Forward)
//	g   = mean_s (MAP(αθ + λ·dy + τ'ε_s) − MAP(θ' + τ'ε_s)) / 2λ   (Central)
//
// The noise ε is drawn once in the forward pass and reused in the backward
// pass (common random numbers). With α = 1 and τ' = τ the left state of the
// forward difference is the forward sample itself, so the backward pass
// costs one solver call per sample. Division by λ makes g an estimate of
// the gradient of E[L(z)], the scale the papers' formulas and the
// tf-imle/AIMLE libraries use; uclnlp/torch-imle does not divide, which
// PerturbationTarget.Unscaled reproduces.
//
// A minimiser (Minimize true, e.g. solvers.ShortestPath) is treated as the
// family p(z) ∝ exp(−⟨θ, z⟩): it is perturbed as θ − τε, the target is
// αθ + λ·dy, and the result is negated. I-MLE with Minimize and solver s is
// then exactly I-MLE with solvers.Negate(s) applied to −θ, noise included.
// (The reference code adds the noise for minimisers too, which for the
// asymmetric Gumbel and Sum-of-Gamma noises samples another distribution.)
//
// IMLE values are safe for concurrent use when their Solver and Target are;
// an *AdaptiveTarget is not.
type IMLE[T ad.Float] struct {
	// Solver maximises ⟨θ, z⟩ over the feasible set (minimises if Minimize).
	Solver solvers.Solver[T]
	// Noise is the perturbation distribution ε: distributions.StandardGumbel for
	// one-hot states, distributions.SumOfGamma for k-subsets. Nil means no noise,
	// so that the layer is MAP(θ) with the I-MLE gradient.
	Noise distributions.Noise[T]
	// Temperature τ scales the noise of the forward samples. Zero means 1.
	Temperature T
	// TargetTemperature τ' scales the noise in the backward pass. Zero means
	// Temperature.
	TargetTemperature T
	// Target chooses α and λ. Nil means PerturbationTarget{Alpha: 1,
	// Lambda: 1}, the libraries' default.
	Target Target[T]
	// Difference is the finite difference along dy: Forward (the zero
	// value, one extra solver call per sample, bias O(λ)) or Central (two,
	// bias O(λ²)).
	Difference Difference
	// Samples is the number S of perturbed samples per instance. Zero means 1.
	Samples int
	// Minimize says that Solver minimises ⟨θ, z⟩.
	Minimize bool
}

// Difference selects the finite difference I-MLE takes along dy.
type Difference int

const (
	// Forward compares MAP(αθ + τ'ε) with MAP(αθ − λ·dy + τ'ε).
	Forward Difference = iota
	// Central compares MAP(αθ + λ·dy + τ'ε) with MAP(αθ − λ·dy + τ'ε) and
	// halves the difference.
	Central
)

// String returns "Forward" or "Central".
func (d Difference) String() string {
	switch d {
	case Forward:
		return "Forward"
	case Central:
		return "Central"
	}
	return fmt.Sprintf("Difference(%d)", int(d))
}

// Target is I-MLE's target distribution: it chooses, once per backward
// pass, the weight α of θ and the step λ of the target parameters
// θ' = αθ − λ·dy, and the factor applied to the per-sample differences.
type Target[T ad.Float] interface {
	// Perturbation returns α and λ ≥ 0 for one backward pass. theta holds
	// the layer's input, B rows of D values; dy the incoming gradient, B·S
	// rows of D values (sample s of instance b in row b·S + s).
	Perturbation(theta, dy []T) (alpha, lambda T)
	// Scale returns the factor by which the per-sample differences are
	// multiplied (1/λ for a scaled target) given diff, the B·S rows of
	// differences of the call before scaling, and the λ of Perturbation.
	// An adaptive target updates its state here.
	Scale(diff []T, rows int, lambda T) T
}

// PerturbationTarget is the target θ' = αθ − λ·dy with fixed α and λ
// (torch-imle's TargetDistribution). Its fields are taken literally: with
// Alpha 0 the target ignores θ, as in the torch-imle README example
// (Alpha 0, Lambda 10). λ = 0 gives a zero gradient.
type PerturbationTarget[T ad.Float] struct {
	Alpha, Lambda T
	// Unscaled leaves the differences undivided by λ, as uclnlp/torch-imle
	// does: the gradient is then λ times the scaled one.
	Unscaled bool
}

// Perturbation returns the fixed α and λ. It panics if λ is negative or
// either is not finite.
func (t PerturbationTarget[T]) Perturbation(_, _ []T) (alpha, lambda T) {
	if !(t.Lambda >= 0) || math.IsInf(float64(t.Lambda), 0) || math.IsNaN(float64(t.Alpha)) || math.IsInf(float64(t.Alpha), 0) {
		panic(fmt.Sprintf("estimators: PerturbationTarget: Alpha = %v, Lambda = %v; want finite values and Lambda ≥ 0", t.Alpha, t.Lambda))
	}
	return t.Alpha, t.Lambda
}

// Scale returns 1/λ, 0 if λ = 0, or 1 if Unscaled.
func (t PerturbationTarget[T]) Scale(_ []T, _ int, lambda T) T {
	switch {
	case t.Unscaled:
		return 1
	case lambda == 0:
		return 0
	}
	return 1 / lambda
}

// Apply returns the perturb-and-MAP samples z[b, s] = MAP(θ_b ± τε_{b,s})
// of theta as a tensor whose backward pass is the I-MLE estimator. theta
// has shape [B, ...]: the first axis is the batch and the rest one solver
// input of D values; the result has shape [B, S, ...]. A rank-1 theta is
// one instance and gives [S, D].
//
// Randomness: one call m.Noise.Noise(rnd, B, S, D) in Apply; the backward
// pass draws nothing.
func (m IMLE[T]) Apply(rnd *rand.Rand, theta *ad.Tensor[T]) *ad.Tensor[T] {
	if m.Solver == nil {
		panic("estimators: IMLE.Apply: nil Solver")
	}
	if m.Difference != Forward && m.Difference != Central {
		panic(fmt.Sprintf("estimators: IMLE.Apply: unknown %v", m.Difference))
	}
	// Reject invalid targets here rather than in the backward pass.
	switch t := m.Target.(type) {
	case PerturbationTarget[T]:
		t.Perturbation(nil, nil)
	case *AdaptiveTarget[T]:
		t.check()
	}
	b, d, outShape := solverLayout("IMLE.Apply", theta, m.samples())
	s := m.samples()
	tau, tauT := m.temperatures()
	sgn := T(1)
	if m.Minimize {
		sgn = -1
	}
	var eps []T
	if m.Noise != nil {
		e := m.Noise.Noise(rnd, b, s, d)
		if len(e.Data) != b*s*d {
			panic(fmt.Sprintf("estimators: IMLE.Apply: noise of shape %v for [%d %d %d]", e.Shape(), b, s, d))
		}
		eps = e.Data
	}
	// pert holds θ_b + sgn·τ·ε_{b,s}; the backward pass reuses it.
	pert := make([]T, b*s*d)
	perturbRows(pert, theta.Data, eps, 1, sgn*tau, b, s, d)
	z := make([]T, b*s*d)
	solvers.Batch(m.Solver, z, pert, d)
	if !theta.RequiresGrad() {
		return ad.New(z, outShape...)
	}
	th := theta.Data
	return ad.Custom("IMLE", ad.New(z, outShape...), []*ad.Tensor[T]{theta}, func(g *ad.Tensor[T]) []*ad.Tensor[T] {
		grad := m.backward(th, eps, z, pert, g.Data, b, s, d, sgn, tau, tauT)
		return []*ad.Tensor[T]{ad.New(grad, theta.Shape()...)}
	})
}

// backward computes the I-MLE gradient with respect to θ. buf is a B·S·D
// buffer it may overwrite.
func (m IMLE[T]) backward(theta, eps, z, buf, dy []T, b, s, d int, sgn, tau, tauT T) []T {
	target := m.Target
	if target == nil {
		target = PerturbationTarget[T]{Alpha: 1, Lambda: 1}
	}
	alpha, lambda := target.Perturbation(theta, dy)
	if !(lambda >= 0) || math.IsInf(float64(lambda), 0) {
		panic(fmt.Sprintf("estimators: IMLE: target returned λ = %v", lambda))
	}
	n := b * s * d
	// Right state: MAP(αθ − sgn·λ·dy + sgn·τ'·ε).
	perturbRows(buf, theta, eps, alpha, sgn*tauT, b, s, d)
	for i, v := range dy[:n] {
		buf[i] -= sgn * lambda * v
	}
	zr := make([]T, n)
	solvers.Batch(m.Solver, zr, buf, d)

	// Left state: the forward sample when it equals MAP(αθ + sgn·τ'·ε).
	var zl []T
	if m.Difference != Forward || alpha != 1 || (tauT != tau && eps != nil) {
		perturbRows(buf, theta, eps, alpha, sgn*tauT, b, s, d)
		if m.Difference == Central {
			for i, v := range dy[:n] {
				buf[i] += sgn * lambda * v
			}
		}
		zl = make([]T, n)
		solvers.Batch(m.Solver, zl, buf, d)
	} else {
		zl = z
	}
	// diff = (zl − zr)·h, h = 1/2 for central differences.
	diff := zr
	h := T(1)
	if m.Difference == Central {
		h = 0.5
	}
	for i := range diff {
		diff[i] = (zl[i] - zr[i]) * h
	}
	scale := target.Scale(diff, b*s, lambda) * sgn / T(s)
	grad := make([]T, b*d)
	for bi := range b {
		g := grad[bi*d : (bi+1)*d]
		for si := range s {
			row := diff[(bi*s+si)*d : (bi*s+si+1)*d]
			for j, v := range row {
				g[j] += v
			}
		}
		for j := range g {
			g[j] *= scale
		}
	}
	return grad
}

func (m IMLE[T]) samples() int {
	if m.Samples < 0 {
		panic(fmt.Sprintf("estimators: IMLE: Samples = %d, want ≥ 0", m.Samples))
	}
	return max(m.Samples, 1)
}

// temperatures returns τ and τ' with defaults filled in, panicking on
// negative or non-finite values.
func (m IMLE[T]) temperatures() (tau, tauT T) {
	tau, tauT = m.Temperature, m.TargetTemperature
	if tau == 0 {
		tau = 1
	}
	if tauT == 0 {
		tauT = tau
	}
	if !(tau > 0) || !(tauT > 0) || math.IsInf(float64(tau), 0) || math.IsInf(float64(tauT), 0) {
		panic(fmt.Sprintf("estimators: IMLE: Temperature = %v, TargetTemperature = %v; want finite values ≥ 0", m.Temperature, m.TargetTemperature))
	}
	return tau, tauT
}

// solverLayout returns the batch size B and instance size D of theta, and
// the shape [B, S, ...] of the samples ([S, D] for a rank-1 theta).
func solverLayout[T ad.Float](op string, theta *ad.Tensor[T], s int) (b, d int, shape []int) {
	sh := theta.Shape()
	switch {
	case len(sh) == 0:
		panic(fmt.Sprintf("estimators: %s: scalar theta; want shape [B, ...] or [D]", op))
	case len(sh) == 1:
		return 1, sh[0], []int{s, sh[0]}
	}
	b = sh[0]
	d = theta.Len() / max(b, 1)
	if b == 0 {
		d = 1
		for _, v := range sh[1:] {
			d *= v
		}
	}
	if d == 0 {
		panic(fmt.Sprintf("estimators: %s: theta of shape %v has empty instances", op, sh))
	}
	shape = append([]int{b, s}, sh[1:]...)
	return b, d, shape
}

// perturbRows writes α·θ_b + c·ε_{b,s} into dst for every batch row b and
// sample s; a nil eps means no noise.
func perturbRows[T ad.Float](dst, theta, eps []T, alpha, c T, b, s, d int) {
	for bi := range b {
		th := theta[bi*d : (bi+1)*d]
		for si := range s {
			o := (bi*s + si) * d
			row := dst[o : o+d]
			if eps == nil {
				for j, v := range th {
					row[j] = alpha * v
				}
				continue
			}
			e := eps[o : o+d]
			for j, v := range th {
				row[j] = alpha*v + c*e[j]
			}
		}
	}
}
