package imle

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/stochgrad/stochgrad/datasets"
	"github.com/stochgrad/stochgrad/estimators"
	"github.com/stochgrad/stochgrad/toolkit/ad"
	"gonum.org/v1/gonum/floats"
)

// Problem is the synthetic problem of the I-MLE and Adaptive I-MLE
// papers (Niepert et al. 2021, Minervini et al. 2023; EdinburghNLP
// torch-adaptive-imle cli/synth-cli.py and cli/gradient-samples-cli.py):
// choose a k-subset z of n items, as a k-hot vector, to minimise
//
//	L(z) = ‖z − b‖²,    b = |N(0, I)|,
//
// with z drawn from the exponential family over k-subsets
//
//	p_θ(z) = exp(⟨θ, z⟩ − A(θ)),   A(θ) = log Σ_{z k-subset} exp⟨θ, z⟩.
//
// The problem is small enough (C(10, 5) = 252 subsets) to compute the
// expectation E_{p_θ}[L(z)] and its gradient exactly by enumeration:
//
//	∇θ E[L] = Σ_z p_θ(z)·L(z)·(z − μ(θ)),   μ(θ) = E[z],
//
// which is the "true gradient" the reference compares estimators with
// (l2x/synth/utils.py expect_obj over distributions.TopK's states). It is
// the gradient under the exponential family, the distribution I-MLE
// targets, not under the perturb-and-MAP distribution the samplers
// actually draw from: with Sum-of-Gamma or Gumbel noise perturb-and-MAP
// only approximates p_θ for k > 1, and that gap is part of what the
// experiment measures. So is a second one: on 0/1 vectors L(z) =
// ⟨1 − 2b, z⟩ + ‖b‖² is linear, and the exact gradient is J_μ(θ)ᵀ(1 − 2b),
// while the straight-through and perturbation estimators receive
// ∂L/∂z = 2(z − b), the derivative of the quadratic extension, which
// differs from 1 − 2b by 2z − 1.
type Problem struct {
	// N is the number of items and K the subset size.
	N, K int
	// Theta is the starting point θ₀, drawn N(0, I).
	Theta []float64
	// B is the target b, drawn |N(0, I)|.
	B []float64

	states []float64 // C(N, K) k-hot rows of N values
	losses []float64 // L(z) of each state
}

// maxStates bounds the enumeration.
const maxStates = 1 << 20

// NewProblem draws a problem as the reference does, with
// datasets.SubsetRegression{AbsTarget: true}: θ₀ = N standard normals,
// then b = the absolute values of N more. It returns an error unless
// 1 ≤ k ≤ n and C(n, k) is at most 2²⁰.
func NewProblem(rnd *rand.Rand, n, k int) (*Problem, error) {
	if n < 1 || k < 1 || k > n {
		return nil, fmt.Errorf("imle: NewProblem: n = %d, k = %d; want 1 ≤ k ≤ n", n, k)
	}
	theta, b, err := datasets.SubsetRegression{Dim: n, K: k, AbsTarget: true}.Generate(1, rnd)
	if err != nil {
		return nil, err
	}
	return NewProblemWith(theta, b, k)
}

// NewProblemWith returns the problem with the given θ₀ and b.
func NewProblemWith(theta, b []float64, k int) (*Problem, error) {
	n := len(theta)
	if len(b) != n {
		return nil, fmt.Errorf("imle: NewProblemWith: %d scores and %d targets", n, len(b))
	}
	if n < 1 || k < 1 || k > n {
		return nil, fmt.Errorf("imle: NewProblemWith: n = %d, k = %d; want 1 ≤ k ≤ n", n, k)
	}
	if c := binomial(n, k); c > maxStates {
		return nil, fmt.Errorf("imle: NewProblemWith: C(%d, %d) = %g subsets is too many to enumerate", n, k, c)
	}
	p := &Problem{N: n, K: k, Theta: append([]float64(nil), theta...), B: append([]float64(nil), b...)}
	p.enumerate()
	return p, nil
}

func binomial(n, k int) float64 {
	c := 1.0
	for i := range k {
		c = c * float64(n-i) / float64(i+1)
	}
	return math.Round(c)
}

// enumerate lists the k-subsets in lexicographic order of their index sets.
func (p *Problem) enumerate() {
	idx := make([]int, p.K)
	for i := range idx {
		idx[i] = i
	}
	for {
		row := make([]float64, p.N)
		for _, i := range idx {
			row[i] = 1
		}
		p.states = append(p.states, row...)
		p.losses = append(p.losses, p.Loss(row))
		// next combination
		i := p.K - 1
		for i >= 0 && idx[i] == p.N-p.K+i {
			i--
		}
		if i < 0 {
			return
		}
		idx[i]++
		for j := i + 1; j < p.K; j++ {
			idx[j] = idx[j-1] + 1
		}
	}
}

// States returns the number of k-subsets, C(N, K).
func (p *Problem) States() int { return len(p.losses) }

// State returns the k-hot vector of subset i (0 ≤ i < States()); the
// caller must not modify it.
func (p *Problem) State(i int) []float64 { return p.states[i*p.N : (i+1)*p.N] }

// Loss returns ‖z − b‖².
func (p *Problem) Loss(z []float64) float64 {
	if len(z) != p.N {
		panic(fmt.Sprintf("imle: Problem.Loss: %d values for %d items", len(z), p.N))
	}
	s := 0.0
	for i, v := range z {
		d := v - p.B[i]
		s += d * d
	}
	return s
}

// MinLoss returns min_z L(z), the infimum of E_{p_θ}[L] over θ: the
// optimality gaps of the optimisation experiment are measured from it.
func (p *Problem) MinLoss() float64 {
	m := math.Inf(1)
	for _, l := range p.losses {
		m = min(m, l)
	}
	return m
}

// Probabilities returns p_θ(z) for every subset, in the order of State.
func (p *Problem) Probabilities(theta []float64) []float64 {
	p.checkTheta("Probabilities", theta)
	w := make([]float64, p.States())
	m := math.Inf(-1)
	for i := range w {
		w[i] = floats.Dot(p.State(i), theta)
		m = max(m, w[i])
	}
	s := 0.0
	for i := range w {
		w[i] = math.Exp(w[i] - m)
		s += w[i]
	}
	for i := range w {
		w[i] /= s
	}
	return w
}

// Marginals returns μ(θ) = E_{p_θ}[z], the inclusion probabilities.
func (p *Problem) Marginals(theta []float64) []float64 {
	pr := p.Probabilities(theta)
	mu := make([]float64, p.N)
	for i, q := range pr {
		for j, z := range p.State(i) {
			mu[j] += q * z
		}
	}
	return mu
}

// ExpectedLoss returns E_{p_θ}[L(z)] exactly.
func (p *Problem) ExpectedLoss(theta []float64) float64 {
	s := 0.0
	for i, q := range p.Probabilities(theta) {
		s += q * p.losses[i]
	}
	return s
}

// Gradient returns ∇θ E_{p_θ}[L(z)] = Σ_z p_θ(z)·L(z)·(z − μ(θ)) exactly.
func (p *Problem) Gradient(theta []float64) []float64 {
	pr := p.Probabilities(theta)
	mu := make([]float64, p.N)
	for i, q := range pr {
		for j, z := range p.State(i) {
			mu[j] += q * z
		}
	}
	g := make([]float64, p.N)
	for i, q := range pr {
		c := q * p.losses[i]
		for j, z := range p.State(i) {
			g[j] += c * (z - mu[j])
		}
	}
	return g
}

func (p *Problem) checkTheta(op string, theta []float64) {
	if len(theta) != p.N {
		panic(fmt.Sprintf("imle: Problem.%s: %d scores for %d items", op, len(theta), p.N))
	}
}

// Family returns p_θ as a distribution over k-hot vectors of length N, for
// the score-function estimator: theta has shape [N] and may require a
// gradient.
func (p *Problem) Family(theta *ad.Tensor[float64]) Family {
	if theta.Rank() != 1 || theta.Dim(0) != p.N {
		panic(fmt.Sprintf("imle: Problem.Family: theta of shape %v for %d items", theta.Shape(), p.N))
	}
	pr := p.Probabilities(theta.Data)
	cdf := make([]float64, len(pr))
	s := 0.0
	for i, q := range pr {
		s += q
		cdf[i] = s
	}
	return Family{Theta: theta, problem: p, cdf: cdf}
}

// Family is the exponential family p_θ(z) ∝ exp⟨θ, z⟩ over the
// k-subsets of a Problem, sampled exactly by enumeration. It is a
// distributions.Distribution, so estimators.ScoreFunction applies to it; its
// log-probability is differentiable in Theta, whose score is z − μ(θ).
type Family struct {
	// Theta holds the N scores.
	Theta *ad.Tensor[float64]

	problem *Problem
	cdf     []float64
}

// Sample returns an exact draw, a k-hot vector of shape [N], by inversion:
// one rnd.Float64.
func (f Family) Sample(rnd *rand.Rand) *ad.Tensor[float64] {
	u := rnd.Float64()
	i := 0
	for i < len(f.cdf)-1 && f.cdf[i] <= u {
		i++
	}
	return ad.New(append([]float64(nil), f.problem.State(i)...), f.problem.N)
}

// LogProb returns ⟨θ, x⟩ − A(θ) for x of shape [..., N], of shape [...].
func (f Family) LogProb(x *ad.Tensor[float64]) *ad.Tensor[float64] {
	n := f.problem.N
	if x.Dim(-1) != n {
		panic(fmt.Sprintf("imle: Family.LogProb: x of shape %v for %d items", x.Shape(), n))
	}
	lead := x.Shape()[:x.Rank()-1]
	col := ad.Reshape(f.Theta, n, 1)
	score := ad.Reshape(ad.MatMul(ad.Reshape(x, -1, n), col), lead...)
	states := ad.New(f.problem.states, f.problem.States(), n)
	logZ := ad.LogSumExp(ad.Reshape(ad.MatMul(states, col), f.problem.States()), 0)
	return ad.Sub(score, logZ)
}

// Objective returns f(z) = ‖z − b‖² for samples z of shape [S, N], of
// shape [S]: the objective the study's estimators are given.
func (p *Problem) Objective() estimators.Func[float64] {
	b := ad.New(p.B, p.N)
	return func(z *ad.Tensor[float64]) *ad.Tensor[float64] {
		return ad.Sum(ad.Square(ad.Sub(z, b)), 1)
	}
}

// Estimate returns est's estimate of ∇θ E_{p_θ}[‖z − b‖²] at theta: est
// runs on the Family at a fresh leaf with the Objective.
func (p *Problem) Estimate(rnd *rand.Rand, est estimators.Estimator[float64], theta []float64) []float64 {
	th := ad.Param(ad.New(slices.Clone(theta), p.N))
	est.Estimate(rnd, p.Family(th), p.Objective()).Surrogate.Backward()
	if th.Grad == nil {
		return make([]float64, p.N)
	}
	return th.Grad
}

// CosineSimilarity returns ⟨x, y⟩ / max(‖x‖‖y‖, 1e-6), as PyTorch's
// nn.CosineSimilarity(eps=1e-6) that the reference uses: 0 when either
// vector is zero.
func CosineSimilarity(x, y []float64) float64 {
	if len(x) != len(y) {
		panic(fmt.Sprintf("imle: CosineSimilarity: lengths %d and %d", len(x), len(y)))
	}
	return floats.Dot(x, y) / max(floats.Norm(x, 2)*floats.Norm(y, 2), 1e-6)
}
