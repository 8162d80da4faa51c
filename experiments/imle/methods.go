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

// The estimators of the study are estimators.Estimator values run on a
// Family (the exact distribution p_θ over k-subsets) with the objective
// Problem.Objective. The score function uses the Family's samples and
// log-probabilities; the others read θ from it (thetaOf) and draw
// perturb-and-MAP or relaxed samples of their own.

// Estimator is an estimator of the study by sample size.
type Estimator struct {
	Name string
	// New returns the estimator drawing the given number of samples. It is
	// called afresh for every problem and run, so state (AIMLE's β) starts
	// over.
	New func(samples int) estimators.Estimator[float64]
	// Stateful says whether the estimator carries state from one call to
	// the next (AIMLE's β), which the fidelity experiment warms up with
	// WarmupSteps calls at θ₀ before the measured one.
	Stateful bool
}

// thetaOf returns θ of shape [1, N] from a Family (or a
// distributions.SubsetTopK with logits [N]), for the layers.
func thetaOf(op string, p distributions.Sampler[float64]) *ad.Tensor[float64] {
	var th *ad.Tensor[float64]
	switch d := p.(type) {
	case Family:
		th = d.Theta
	case distributions.SubsetTopK[float64]:
		th = d.Logits
	}
	if th == nil || th.Rank() != 1 {
		panic(fmt.Sprintf("imle: %s: needs a Family or a SubsetTopK with logits of shape [N], got %T", op, p))
	}
	return ad.Reshape(th, 1, th.Dim(0))
}

// evalRows evaluates f on the samples z of shape [1, S, N] as S rows.
func evalRows(f estimators.Func[float64], z *ad.Tensor[float64]) *ad.Tensor[float64] {
	return f(ad.Reshape(z, z.Len()/z.Dim(-1), z.Dim(-1)))
}

// valueOf is the mean of fz, outside the graph.
func valueOf(fz *ad.Tensor[float64]) float64 {
	s := 0.0
	for _, v := range fz.Data {
		s += v
	}
	return s / float64(fz.Len())
}

// noiseOr returns n, or standard Gumbel noise when n is nil.
func noiseOr(n distributions.Noise[float64]) distributions.Noise[float64] {
	if n == nil {
		return distributions.StandardGumbel[float64]{}
	}
	return n
}

// ScoreFunction returns the score-function estimator (REINFORCE) with
// exact samples from p_θ and exact marginals in the score z − μ(θ), as the
// reference's sfe, under the name "SFE".
func ScoreFunction(b estimators.Baseline) Estimator {
	return Estimator{Name: "SFE", New: func(s int) estimators.Estimator[float64] {
		return estimators.ScoreFunction[float64]{Samples: s, Baseline: b}
	}}
}

// StraightThrough is the straight-through estimator of the reference
// (imle/ste.py): perturb-and-MAP samples z = topk(θ + τε) in the forward
// pass, the identity in the backward pass, so the gradient is
// mean_s ∂f/∂z_s. It draws the noise as one Noise(rnd, 1, Samples, N)
// call, like I-MLE.
type StraightThrough struct {
	// K is the subset size.
	K int
	// Noise is ε; nil means standard Gumbel noise.
	Noise distributions.Noise[float64]
	// Temperature τ; zero means 1.
	Temperature float64
	// Samples is S; zero means 1.
	Samples int
}

// Estimate returns the straight-through estimate at θ of p.
func (e StraightThrough) Estimate(rnd *rand.Rand, p distributions.Sampler[float64], f estimators.Func[float64]) estimators.Estimate[float64] {
	th := thetaOf("StraightThrough", p)
	hard := estimators.IMLE[float64]{Solver: solvers.TopK[float64]{K: e.K}, Noise: noiseOr(e.Noise), Temperature: e.Temperature, Samples: e.Samples}.
		Apply(rnd, ad.StopGradient(th))
	soft := ad.Add(ad.Reshape(th, 1, 1, th.Dim(1)), ad.Zeros[float64](hard.Shape()...))
	fz := evalRows(f, ad.StraightThrough(hard, soft))
	return estimators.Estimate[float64]{Value: valueOf(fz), Surrogate: ad.MulScalar(ad.Sum(fz), 1/float64(fz.Len())), Samples: fz.Len()}
}

// GumbelSoftmax is the Gumbel-softmax relaxation of k-subset sampling
// (the relaxed top-k of Xie and Ermon 2019, as in L2X): with r = θ + g,
// g standard Gumbel, it sums k successive tempered softmaxes,
//
//	a_j = softmax(r_j/τ),   r_{j+1} = r_j + log(1 − a_j),   ẑ = Σ_j a_j,
//
// and differentiates f(ẑ) by backpropagation. The relaxed ẑ has
// non-negative entries summing to k; the estimate is biased, more so at
// high τ. It draws Samples·N standard Gumbels, sample by sample.
type GumbelSoftmax struct {
	// K is the subset size.
	K int
	// Temperature τ > 0; zero means 0.5.
	Temperature float64
	// Samples is S; zero means 1.
	Samples int
}

// Estimate returns the relaxed estimate at θ of p.
func (e GumbelSoftmax) Estimate(rnd *rand.Rand, p distributions.Sampler[float64], f estimators.Func[float64]) estimators.Estimate[float64] {
	tau := e.Temperature
	if tau == 0 {
		tau = 0.5
	}
	if !(tau > 0) || math.IsInf(tau, 0) {
		panic(fmt.Sprintf("imle: GumbelSoftmax: Temperature = %v, want > 0", e.Temperature))
	}
	th := thetaOf("GumbelSoftmax", p)
	g := distributions.StandardGumbel[float64]{}.Noise(rnd, max(e.Samples, 1), th.Dim(1))
	fz := evalRows(f, RelaxedTopK(ad.Add(th, g), e.K, tau))
	return estimators.Estimate[float64]{Value: valueOf(fz), Surrogate: ad.MulScalar(ad.Sum(fz), 1/float64(fz.Len())), Samples: fz.Len()}
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

// Layer is the estimator of a solver layer (I-MLE, AIMLE) at θ of p: f
// is evaluated at the layer's samples and summed, not averaged, because
// the layer's backward pass averages over its samples and I-MLE's step λ
// refers to the scale of one sample's ∂f/∂z, as in the reference (a mean
// would shrink every sample's perturbation λ·∂f/∂z by 1/S).
type Layer struct {
	Layer estimators.Layer[float64]
}

// Estimate returns the layer's estimate at θ of p.
func (e Layer) Estimate(rnd *rand.Rand, p distributions.Sampler[float64], f estimators.Func[float64]) estimators.Estimate[float64] {
	fz := evalRows(f, e.Layer.Apply(rnd, thetaOf("Layer", p)))
	return estimators.Estimate[float64]{Value: valueOf(fz), Surrogate: ad.Sum(fz), Samples: fz.Len()}
}

// IMLE returns I-MLE on k-subsets: estimators.IMLE with solvers.TopK, a
// fixed target (α = 1, λ = lambda) and scaled gradients, as the
// reference's TargetDistribution(alpha=1, beta=λ,
// do_gradient_scaling=True), named "I-MLE (Forward, λ=…)" or "I-MLE
// (Central, λ=…)". A nil noise means standard Gumbel noise
// (gradient-samples-cli); distributions.SumOfGamma{K: k} is the I-MLE
// paper's choice.
func IMLE(k int, lambda float64, d estimators.Difference, noise distributions.Noise[float64]) Estimator {
	return Estimator{Name: fmt.Sprintf("I-MLE (%v, λ=%g)", d, lambda), New: func(s int) estimators.Estimator[float64] {
		return Layer{estimators.IMLE[float64]{Solver: solvers.TopK[float64]{K: k}, Noise: noiseOr(noise),
			Target: estimators.PerturbationTarget[float64]{Alpha: 1, Lambda: lambda}, Difference: d, Samples: s}}
	}}
}

// AIMLE returns Adaptive I-MLE on k-subsets with the target t: every New
// copies t, so each run starts from t's β, and the copy's β, λ and
// LambdaBeta can be read on the layer's *estimators.AdaptiveTarget. The
// reference's gradient-samples-cli has β₀ = 0, μ = 0, η = 1e-3, target
// density 1; a nil noise means standard Gumbel noise. The name is "AIMLE
// (Forward)" or "AIMLE (Central)".
func AIMLE(k int, t estimators.AdaptiveTarget[float64], d estimators.Difference, noise distributions.Noise[float64]) Estimator {
	return Estimator{Name: fmt.Sprintf("AIMLE (%v)", d), Stateful: true, New: func(s int) estimators.Estimator[float64] {
		target := t
		return Layer{estimators.IMLE[float64]{Solver: solvers.TopK[float64]{K: k}, Noise: noiseOr(noise),
			Target: &target, Difference: d, Samples: s}}
	}}
}

// referenceTarget is the adaptive target of the reference's
// gradient-samples-cli: β₀ = 0, η = 1e-3, target density 1.
var referenceTarget = estimators.AdaptiveTarget[float64]{UpdateStep: 1e-3}

// DefaultEstimators returns the estimators of the gradient-fidelity
// experiment on k-subsets: score function, straight-through,
// Gumbel-softmax, I-MLE with forward and central differences, and AIMLE
// with both, all with Gumbel noise as in the reference's
// gradient-samples-cli.
func DefaultEstimators(k int) []Estimator {
	return []Estimator{
		ScoreFunction(nil),
		{Name: "STE", New: func(s int) estimators.Estimator[float64] { return StraightThrough{K: k, Samples: s} }},
		{Name: "Gumbel-softmax", New: func(s int) estimators.Estimator[float64] { return GumbelSoftmax{K: k, Samples: s} }},
		IMLE(k, 1, estimators.Forward, nil),
		IMLE(k, 1, estimators.Central, nil),
		AIMLE(k, referenceTarget, estimators.Forward, nil),
		AIMLE(k, referenceTarget, estimators.Central, nil),
	}
}

// Target returns the adaptive target of an estimator built by AIMLE, on
// which its β and the λ and β of its last backward pass can be read, or nil
// for other estimators.
func Target(est estimators.Estimator[float64]) *estimators.AdaptiveTarget[float64] {
	l, ok := est.(Layer)
	if !ok {
		return nil
	}
	m, ok := l.Layer.(estimators.IMLE[float64])
	if !ok {
		return nil
	}
	t, _ := m.Target.(*estimators.AdaptiveTarget[float64])
	return t
}
