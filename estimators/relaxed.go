package estimators

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
)

// GumbelSoftmax is the Gumbel-Softmax (Jang, Gu and Poole 2017) or Concrete
// (Maddison, Mnih and Teh 2017) estimator for categorical variables: the
// one-hot sample argmax(l + g), g standard Gumbel, is replaced by its
// relaxation y = softmax((l + g)/τ), and the gradient is the pathwise
// gradient of mean_s f(y_s). It is biased for the discrete objective; the
// bias vanishes and the variance grows as τ → 0.
//
// With Hard set it is the straight-through Gumbel-Softmax: f sees the
// one-hot argmax of y, and the gradient flows as if it had seen y.
type GumbelSoftmax[T ad.Float] struct {
	// Temperature τ > 0. Zero means 1. Anneal it with a Schedule:
	// gs.Temperature = T(schedule.At(step)).
	Temperature T
	// Hard evaluates f at one-hot samples (straight-through Gumbel-Softmax).
	Hard bool
	// Samples is the number S of samples. Zero means 1.
	Samples int
}

// Check reports whether p is a categorical distribution.
func (g GumbelSoftmax[T]) Check(p distributions.Sampler[T]) error {
	return checkRelaxed("GumbelSoftmax", p, false, g.Temperature, g.Samples)
}

// Estimate returns the estimate for a distributions.Categorical with logits
// of shape [...batch, K] (categories on the last axis); f receives the
// relaxed (or, with Hard, one-hot) samples of shape [S, ...batch, K],
// differentiable in the logits, and returns shape [S] or [S, batch...].
// Value is the mean of f at the points where it was evaluated: an estimate
// of the relaxed objective, or with Hard of the discrete one. The samples
// come from S calls of distributions.RelaxedOneHotCategorical.RSample, in
// order.
func (g GumbelSoftmax[T]) Estimate(rnd *rand.Rand, p distributions.Sampler[T], f Func[T]) Estimate[T] {
	const op = "GumbelSoftmax"
	must(g.Check(p))
	logits, _, _ := logitsOf(p)
	n := max(g.Samples, 1)
	d := distributions.RelaxedOneHotCategorical[T]{Logits: logits, Temperature: temperatureOr(op, g.Temperature)}
	y := rsamples[T](rnd, d, n)
	if g.Hard {
		y = ad.StraightThrough(oneHotArgmax(y), y)
	}
	return pathwiseEstimate(op, f, y, n)
}

// checkRelaxed checks that p is a Bernoulli (or categorical) distribution
// and that the temperature and the number of samples are valid.
func checkRelaxed[T ad.Float](op string, p distributions.Sampler[T], bernoulli bool, temperature T, samples int) error {
	_, isBernoulli, ok := logitsOf(p)
	want := "distributions.Categorical"
	if bernoulli {
		want = "distributions.Bernoulli"
	}
	if !ok || isBernoulli != bernoulli {
		return unsupported(op, "%s is not a %s with logits", typeName(p), want)
	}
	if !(temperature >= 0) || math.IsInf(float64(temperature), 1) {
		return unsupported(op, "Temperature is %v; it must be finite and > 0 (0 means 1)", temperature)
	}
	return checkSamples(op, "Samples", samples, 1)
}

// BinaryConcrete is the binary Concrete (Gumbel-sigmoid) estimator for
// Bernoulli variables: the sample 1[l + L > 0], L standard logistic, is
// replaced by y = σ((l + L)/τ) and the gradient is the pathwise gradient of
// mean_s f(y_s). With Hard set f sees 1[y > ½] and the gradient flows as if
// it had seen y (straight-through Gumbel-sigmoid).
type BinaryConcrete[T ad.Float] struct {
	// Temperature τ > 0. Zero means 1.
	Temperature T
	// Hard evaluates f at binary samples (straight-through).
	Hard bool
	// Samples is the number S of samples. Zero means 1.
	Samples int
}

// Check reports whether p is a Bernoulli distribution.
func (c BinaryConcrete[T]) Check(p distributions.Sampler[T]) error {
	return checkRelaxed("BinaryConcrete", p, true, c.Temperature, c.Samples)
}

// Estimate returns the estimate for a distributions.Bernoulli with logits
// of any shape; f receives samples of shape [S, logits' shape...] and
// returns shape [S] or [S, batch...]. Value is as for GumbelSoftmax. The
// samples come from S calls of distributions.RelaxedBernoulli.RSample, in
// order.
func (c BinaryConcrete[T]) Estimate(rnd *rand.Rand, p distributions.Sampler[T], f Func[T]) Estimate[T] {
	const op = "BinaryConcrete"
	must(c.Check(p))
	logits, _, _ := logitsOf(p)
	n := max(c.Samples, 1)
	d := distributions.RelaxedBernoulli[T]{Logits: logits, Temperature: temperatureOr(op, c.Temperature)}
	y := rsamples[T](rnd, d, n)
	if c.Hard {
		hard := ad.Zeros[T](y.Shape()...)
		for i, v := range y.Data {
			if v > 0.5 {
				hard.Data[i] = 1
			}
		}
		y = ad.StraightThrough(hard, y)
	}
	return pathwiseEstimate(op, f, y, n)
}

// MeanSampler is a discrete distribution whose mean is differentiable in
// its parameters, such as distributions.Bernoulli (mean σ(l)) and distributions.Categorical
// (mean softmax(l), its samples one-hot).
type MeanSampler[T ad.Float] interface {
	distributions.Sampler[T]
	Mean() *ad.Tensor[T]
}

// StraightThrough is the straight-through estimator (Bengio, Léonard and
// Courville 2013): f is evaluated at discrete samples z and differentiated
// as if z were its mean E[z], that is z + (E[z] − stop(E[z])). For a
// Bernoulli the gradient flows through σ(l), for a categorical through
// softmax(l). It is biased unless f is linear.
type StraightThrough[T ad.Float] struct {
	// Samples is the number S of samples. Zero means 1.
	Samples int
}

// Check reports whether p has a differentiable mean.
func (s StraightThrough[T]) Check(p distributions.Sampler[T]) error {
	if _, ok := p.(MeanSampler[T]); !ok {
		return unsupported("StraightThrough", "%s has no Mean", typeName(p))
	}
	return checkSamples("StraightThrough", "Samples", s.Samples, 1)
}

// Estimate returns the estimate for p, which must be a MeanSampler. It
// draws S samples by S calls of p.Sample, in order, stacked along a new
// axis 0; f receives them, of shape [S, sample shape...], and returns shape
// [S] or [S, batch...]. Value, the mean of f at the discrete samples, is
// unbiased for E[f(z)].
func (s StraightThrough[T]) Estimate(rnd *rand.Rand, p distributions.Sampler[T], f Func[T]) Estimate[T] {
	const op = "StraightThrough"
	must(s.Check(p))
	n := max(s.Samples, 1)
	hard := drawStack(rnd, p, n)
	m := p.(MeanSampler[T]).Mean()
	soft := ad.Add(m, ad.Zeros[T](hard.Shape()...)) // broadcast to [S, ...]
	if !slices.Equal(soft.Shape(), hard.Shape()) {
		panic(fmt.Sprintf("estimators.StraightThrough: mean of shape %v for samples of shape %v", m.Shape(), hard.Shape()))
	}
	return pathwiseEstimate(op, f, ad.StraightThrough(hard, soft), n)
}

// oneHotArgmax returns the one-hot argmax of y along its last axis (the
// first maximum on ties).
func oneHotArgmax[T ad.Float](y *ad.Tensor[T]) *ad.Tensor[T] {
	k := y.Dim(-1)
	out := ad.Zeros[T](y.Shape()...)
	for r := 0; r < y.Len(); r += k {
		best := r
		for j := r + 1; j < r+k; j++ {
			if y.Data[j] > y.Data[best] {
				best = j
			}
		}
		out.Data[best] = 1
	}
	return out
}

// temperatureOr returns t, or 1 when t is zero; it panics unless the result
// is finite and positive.
func temperatureOr[T ad.Float](op string, t T) T {
	if t == 0 {
		return 1
	}
	if !(t > 0) || math.IsInf(float64(t), 1) {
		panic(fmt.Sprintf("estimators.%s: Temperature is %v; it must be finite and > 0", op, t))
	}
	return t
}

// Schedule gives a temperature for each training step, for annealing
// relaxed estimators.
type Schedule interface {
	At(step int) float64
}

// Constant is a schedule that always returns the same temperature.
type Constant float64

// At returns c.
func (c Constant) At(step int) float64 { return float64(c) }

// ExpDecay is exponential annealing as in Jang, Gu and Poole (2017):
//
//	τ(t) = max(Min, Start·exp(−Rate·t₀)),   t₀ = Every·⌊t/Every⌋,
//
// the temperature being updated every Every steps. Jang et al. use
// Start 1, Min 0.5, Every 500 and Rate 1e-5 or 1e-4.
type ExpDecay struct {
	// Start is the initial temperature. Zero means 1.
	Start float64
	// Rate is the decay per step; zero means no decay.
	Rate float64
	// Min is the floor. Zero means 0.5, Jang et al.'s.
	Min float64
	// Every is the number of steps between updates. Zero means 1.
	Every int
}

// At returns the temperature at the given step. It panics on a negative
// step or invalid fields (negative values, or Min above Start).
func (e ExpDecay) At(step int) float64 {
	start, lo, every := e.Start, e.Min, e.Every
	if start == 0 {
		start = 1
	}
	if lo == 0 {
		lo = 0.5
	}
	if every == 0 {
		every = 1
	}
	switch {
	case step < 0:
		panic(fmt.Sprintf("estimators.ExpDecay: step %d is negative", step))
	case !(start > 0) || math.IsInf(start, 1):
		panic(fmt.Sprintf("estimators.ExpDecay: Start is %v; it must be finite and > 0", e.Start))
	case !(e.Rate >= 0) || math.IsInf(e.Rate, 1):
		panic(fmt.Sprintf("estimators.ExpDecay: Rate is %v; it must be finite and ≥ 0", e.Rate))
	case !(lo > 0) || lo > start:
		panic(fmt.Sprintf("estimators.ExpDecay: Min is %v and Start %v (zero means 0.5 and 1); Min must be in (0, Start]", e.Min, e.Start))
	case every < 0:
		panic(fmt.Sprintf("estimators.ExpDecay: Every is %d; it must be ≥ 0", e.Every))
	}
	t := float64(every * (step / every))
	return max(lo, start*math.Exp(-e.Rate*t))
}
