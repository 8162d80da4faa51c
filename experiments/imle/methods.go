package imle

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/estimators"
	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
	"github.com/stochgrad/stochgrad/toolkit/solvers"
)

// SubsetEstimator is a gradient estimator in the synthetic subset
// experiments: it estimates ∇θ E_{p_θ}[‖z − b‖²] at theta from samples
// samples. New estimators (for example a score-function estimator with a
// baseline) plug in by implementing it.
type SubsetEstimator interface {
	// Name labels the estimator in results.
	Name() string
	// Gradient returns the estimate, N values.
	Gradient(rnd *rand.Rand, p *SubsetProblem, theta []float64, samples int) []float64
}

// Resetter is implemented by estimators that carry state from one call to
// the next, such as SubsetAIMLE's β. The experiments reset them at the
// start of every run.
type Resetter interface{ Reset() }

// subsetLoss returns the sum over samples of ‖z_s − b‖² for z holding
// rows of N values. As in the reference, each sample's upstream gradient
// is then ∂L(z_s)/∂z_s, the scale I-MLE's λ refers to.
func subsetLoss(p *SubsetProblem, z *ad.Tensor[float64]) *ad.Tensor[float64] {
	diff := ad.Sub(ad.Reshape(z, -1, p.N), ad.New(p.B, p.N))
	return ad.Sum(ad.Square(diff))
}

// SubsetScoreFunction is the score-function estimator (REINFORCE) with
// exact samples from p_θ and exact marginals in the score z − μ(θ), as the
// reference's sfe: estimators.ScoreFunction over SubsetProblem.Family.
type SubsetScoreFunction struct {
	// Baseline is the control variate; nil means none (the reference).
	Baseline estimators.Baseline
}

// Name returns "SFE".
func (SubsetScoreFunction) Name() string { return "SFE" }

// Gradient returns the score-function estimate from samples exact draws.
func (e SubsetScoreFunction) Gradient(rnd *rand.Rand, p *SubsetProblem, theta []float64, samples int) []float64 {
	th := ad.Param(ad.New(append([]float64(nil), theta...), p.N))
	sf := estimators.ScoreFunction[float64]{Samples: samples, Baseline: e.Baseline}
	est := sf.Estimate(rnd, p.Family(th), func(z *ad.Tensor[float64]) *ad.Tensor[float64] {
		return ad.Sum(ad.Square(ad.Sub(z, ad.New(p.B, p.N))), 1)
	})
	est.Surrogate.Backward()
	return gradOf(th)
}

func gradOf(t *ad.Tensor[float64]) []float64 {
	if t.Grad == nil {
		return make([]float64, t.Len())
	}
	return t.Grad
}

// noiseOr returns n, or standard Gumbel noise when n is nil.
func noiseOr(n distributions.Noise[float64]) distributions.Noise[float64] {
	if n == nil {
		return distributions.StandardGumbel[float64]{}
	}
	return n
}

// SubsetStraightThrough is the straight-through estimator of the reference
// (imle/ste.py): perturb-and-MAP samples z = topk(θ + τε) in the forward
// pass, the identity in the backward pass, so the gradient is
// mean_s ∂L/∂z_s.
type SubsetStraightThrough struct {
	// Noise is ε; nil means standard Gumbel noise.
	Noise distributions.Noise[float64]
	// Temperature τ; zero means 1.
	Temperature float64
}

// Name returns "STE".
func (SubsetStraightThrough) Name() string { return "STE" }

// Gradient returns the straight-through estimate. It draws the noise as
// one Noise(rnd, 1, samples, N) call, like SubsetIMLE.
func (e SubsetStraightThrough) Gradient(rnd *rand.Rand, p *SubsetProblem, theta []float64, samples int) []float64 {
	th := ad.Param(ad.New(append([]float64(nil), theta...), 1, p.N))
	hard := estimators.IMLE[float64]{Solver: solvers.TopK[float64]{K: p.K}, Noise: noiseOr(e.Noise), Temperature: e.Temperature, Samples: samples}.
		Apply(rnd, ad.StopGradient(th))
	soft := ad.Add(ad.Reshape(th, 1, 1, p.N), ad.Zeros[float64](hard.Shape()...))
	subsetLoss(p, ad.StraightThrough(hard, soft)).Backward()
	return scaleBy(gradOf(th), 1/float64(samples)) // mean_s ∂L/∂z_s
}

func scaleBy(x []float64, c float64) []float64 {
	for i := range x {
		x[i] *= c
	}
	return x
}

// SubsetGumbelSoftmax is the Gumbel-softmax relaxation of k-subset sampling
// (the relaxed top-k of Xie and Ermon 2019, as in L2X): with r = θ + g,
// g standard Gumbel, it sums k successive tempered softmaxes,
//
//	a_j = softmax(r_j/τ),   r_{j+1} = r_j + log(1 − a_j),   ẑ = Σ_j a_j,
//
// and differentiates L(ẑ) by backpropagation. The relaxed ẑ has
// non-negative entries summing to k; the estimate is biased, more so at
// high τ.
type SubsetGumbelSoftmax struct {
	// Temperature τ > 0; zero means 0.5.
	Temperature float64
}

// Name returns "Gumbel-softmax".
func (SubsetGumbelSoftmax) Name() string { return "Gumbel-softmax" }

// Gradient returns the relaxed estimate. It draws samples·N standard
// Gumbels, sample by sample.
func (e SubsetGumbelSoftmax) Gradient(rnd *rand.Rand, p *SubsetProblem, theta []float64, samples int) []float64 {
	tau := e.Temperature
	if tau == 0 {
		tau = 0.5
	}
	if !(tau > 0) || math.IsInf(tau, 0) {
		panic(fmt.Sprintf("imle: SubsetGumbelSoftmax: Temperature = %v, want > 0", e.Temperature))
	}
	th := ad.Param(ad.New(append([]float64(nil), theta...), 1, p.N))
	g := distributions.StandardGumbel[float64]{}.Noise(rnd, samples, p.N)
	subsetLoss(p, RelaxedTopK(ad.Add(th, g), p.K, tau)).Backward()
	return scaleBy(gradOf(th), 1/float64(samples))
}

// RelaxedTopK returns the relaxed k-hot vectors of the rows of scores r
// ([..., N], typically θ + Gumbel noise) at temperature tau: the sum of k
// successive softmaxes a_j = softmax(r_j/τ), r_{j+1} = r_j + log(1 − a_j),
// r_1 = r (Xie and Ermon 2019). Each row has non-negative entries summing
// to k (an entry may exceed 1 slightly at higher τ) and tends to the
// indicator of the k largest scores as τ → 0. It is differentiable in r.
func RelaxedTopK[T ad.Float](r *ad.Tensor[T], k int, tau T) *ad.Tensor[T] {
	if k < 1 || k > r.Dim(-1) || !(tau > 0) {
		panic(fmt.Sprintf("imle: RelaxedTopK: k = %d, τ = %v for rows of %d; want 1 ≤ k ≤ N and τ > 0", k, tau, r.Dim(-1)))
	}
	var z *ad.Tensor[T]
	for j := range k {
		a := ad.Softmax(ad.MulScalar(r, 1/tau), -1)
		if z == nil {
			z = a
		} else {
			z = ad.Add(z, a)
		}
		if j < k-1 {
			// log(1 − a), kept finite where a rounds to 1.
			r = ad.Add(r, ad.Log(ad.Clamp(ad.AddScalar(ad.Neg(a), 1), 1e-30, 1)))
		}
	}
	return z
}

// SubsetIMLE is I-MLE on the subset problem: estimators.IMLE with
// solvers.TopK, a fixed target (α = 1, λ = Lambda) and scaled gradients,
// as the reference's TargetDistribution(alpha=1, beta=λ,
// do_gradient_scaling=True).
type SubsetIMLE struct {
	// Lambda is λ; zero means 1.
	Lambda float64
	// Difference is Forward or Central.
	Difference estimators.Difference
	// Noise is ε; nil means standard Gumbel noise (gradient-samples-cli),
	// distributions.SumOfGamma{K: k} is the I-MLE paper's choice.
	Noise distributions.Noise[float64]
	// Temperature τ of the noise; zero means 1.
	Temperature float64
}

// Name returns "I-MLE (Forward, λ=…)" or "I-MLE (Central, λ=…)".
func (e SubsetIMLE) Name() string {
	return fmt.Sprintf("I-MLE (%v, λ=%g)", e.Difference, e.lambda())
}

func (e SubsetIMLE) lambda() float64 {
	if e.Lambda == 0 {
		return 1
	}
	return e.Lambda
}

// Gradient returns the I-MLE estimate from samples perturb-and-MAP samples
// (one Noise(rnd, 1, samples, N) call).
func (e SubsetIMLE) Gradient(rnd *rand.Rand, p *SubsetProblem, theta []float64, samples int) []float64 {
	m := estimators.IMLE[float64]{Solver: solvers.TopK[float64]{K: p.K}, Noise: noiseOr(e.Noise), Temperature: e.Temperature,
		Target: estimators.PerturbationTarget[float64]{Alpha: 1, Lambda: e.lambda()}, Difference: e.Difference, Samples: samples}
	return imleGradient(m, rnd, p, theta)
}

func imleGradient(m estimators.IMLE[float64], rnd *rand.Rand, p *SubsetProblem, theta []float64) []float64 {
	th := ad.Param(ad.New(append([]float64(nil), theta...), 1, p.N))
	subsetLoss(p, m.Apply(rnd, th)).Backward() // I-MLE averages over the samples
	return gradOf(th)
}

// SubsetAIMLE is Adaptive I-MLE on the subset problem: estimators.IMLE with
// an estimators.AdaptiveTarget that persists across calls until Reset, with
// the settings of the reference's gradient-samples-cli (β₀ = 0, μ = 0,
// η = 1e-3, target density 1). Use it through a pointer.
type SubsetAIMLE struct {
	// Difference is Forward or Central.
	Difference estimators.Difference
	// Noise is ε; nil means standard Gumbel noise.
	Noise distributions.Noise[float64]
	// Temperature τ of the noise; zero means 1.
	Temperature float64
	// UpdateStep is η; zero means 1e-3.
	UpdateStep float64

	target *estimators.AdaptiveTarget[float64]
}

// Name returns "AIMLE (Forward)" or "AIMLE (Central)".
func (e *SubsetAIMLE) Name() string { return fmt.Sprintf("AIMLE (%v)", e.Difference) }

// Reset starts the adaptive target over from β = 0.
func (e *SubsetAIMLE) Reset() { e.target = nil }

// Beta returns the current β (0 before the first call).
func (e *SubsetAIMLE) Beta() float64 {
	if e.target == nil {
		return 0
	}
	return e.target.Beta
}

// Gradient returns the AIMLE estimate and adapts β.
func (e *SubsetAIMLE) Gradient(rnd *rand.Rand, p *SubsetProblem, theta []float64, samples int) []float64 {
	if e.target == nil {
		step := e.UpdateStep
		if step == 0 {
			step = 1e-3
		}
		e.target = &estimators.AdaptiveTarget[float64]{UpdateStep: step}
	}
	m := estimators.IMLE[float64]{Solver: solvers.TopK[float64]{K: p.K}, Noise: noiseOr(e.Noise), Temperature: e.Temperature,
		Target: e.target, Difference: e.Difference, Samples: samples}
	return imleGradient(m, rnd, p, theta)
}

// DefaultSubsetEstimators returns the estimators of the gradient-fidelity
// experiment: score function, straight-through, Gumbel-softmax, I-MLE with
// forward and central differences, and AIMLE with both, all with Gumbel
// noise as in the reference's gradient-samples-cli.
func DefaultSubsetEstimators() []SubsetEstimator {
	return []SubsetEstimator{
		SubsetScoreFunction{},
		SubsetStraightThrough{},
		SubsetGumbelSoftmax{},
		SubsetIMLE{Lambda: 1, Difference: estimators.Forward},
		SubsetIMLE{Lambda: 1, Difference: estimators.Central},
		&SubsetAIMLE{Difference: estimators.Forward},
		&SubsetAIMLE{Difference: estimators.Central},
	}
}
