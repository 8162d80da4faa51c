package toolkit

import (
	"fmt"
	"math"

	"github.com/stochgrad/stochgrad/estimators"
	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
	"github.com/stochgrad/stochgrad/viz"
)

// GradientProblem is a small objective E_{z~p(l)}[F(z)] over independent
// Bernoulli or categorical variables whose value and gradient with respect
// to the logits are exact, by enumeration of every state: the test bed of
// the estimator diagnostics and of the Concrete / Gumbel-Softmax notebook.
type GradientProblem struct {
	Name string
	// Logits has shape Shape: [n] Bernoullis, or [B, K] categoricals.
	Logits []float64
	Shape  []int
	// Categorical says whether the variables are categorical (one-hot
	// along the last axis) rather than Bernoulli.
	Categorical bool
	// F is the objective on a batch of samples of shape [S, Shape...]. It
	// must be differentiable and defined on relaxed samples too.
	F estimators.Func[float64]
	// Value and Exact are E[F] and its gradient with respect to Logits.
	Value float64
	Exact []float64
}

// maxStates bounds the enumeration of a GradientProblem.
const maxStates = 1 << 20

// NewBernoulliProblem returns the problem over len(logits) independent
// Bernoullis, enumerating the 2ⁿ states (at most 2²⁰).
func NewBernoulliProblem(name string, logits []float64, f estimators.Func[float64]) (GradientProblem, error) {
	n := len(logits)
	if n == 0 || n > 20 {
		return GradientProblem{}, fmt.Errorf("toolkit: NewBernoulliProblem: %d variables; enumeration needs 1 to 20", n)
	}
	states := ad.Zeros[float64](1<<n, n)
	for s := range 1 << n {
		for i := range n {
			states.Data[s*n+i] = float64(s >> i & 1)
		}
	}
	lp := distributions.Bernoulli[float64]{Logits: ad.New(append([]float64(nil), logits...), n)}.LogProb(states)
	p := GradientProblem{Name: name, Logits: append([]float64(nil), logits...), Shape: []int{n}, F: f}
	err := p.enumerate(states, func(s int) float64 {
		l := 0.0
		for i := range n {
			l += lp.Data[s*n+i]
		}
		return l
	}, func(s, i int) float64 { return states.Data[s*n+i] - sigmoid(logits[i]) })
	return p, err
}

// NewCategoricalProblem returns the problem over B independent
// categoricals with K categories each (logits of length B·K, row-major),
// enumerating the K^B states (at most 2²⁰).
func NewCategoricalProblem(name string, logits []float64, b, k int, f estimators.Func[float64]) (GradientProblem, error) {
	if b < 1 || k < 1 || len(logits) != b*k {
		return GradientProblem{}, fmt.Errorf("toolkit: NewCategoricalProblem: %d logits for %d×%d", len(logits), b, k)
	}
	total := 1
	for range b {
		total *= k
		if total > maxStates {
			return GradientProblem{}, fmt.Errorf("toolkit: NewCategoricalProblem: %d^%d states; enumeration allows %d", k, b, maxStates)
		}
	}
	states := ad.Zeros[float64](total, b, k)
	for s := range total {
		r := s
		for row := range b {
			states.Data[(s*b+row)*k+r%k] = 1
			r /= k
		}
	}
	lt := ad.New(append([]float64(nil), logits...), b, k)
	lp := distributions.Categorical[float64]{Logits: lt}.LogProb(states)
	probs := ad.Softmax(lt, -1).Data
	p := GradientProblem{Name: name, Logits: append([]float64(nil), logits...), Shape: []int{b, k}, Categorical: true, F: f}
	err := p.enumerate(states, func(s int) float64 {
		l := 0.0
		for row := range b {
			l += lp.Data[s*b+row]
		}
		return l
	}, func(s, i int) float64 { return states.Data[s*b*k+i] - probs[i] })
	return p, err
}

// enumerate sets Value and Exact from every state: ∇E[F] = Σ_z p(z)·F(z)·∇log p(z).
func (p *GradientProblem) enumerate(states *ad.Tensor[float64], logProb func(s int) float64, score func(s, i int) float64) error {
	fv := p.F(states)
	if fv.Rank() != 1 || fv.Dim(0) != states.Dim(0) {
		return fmt.Errorf("toolkit: problem %q: F returned shape %v for %d states", p.Name, fv.Shape(), states.Dim(0))
	}
	p.Exact = make([]float64, len(p.Logits))
	for s, f := range fv.Data {
		w := math.Exp(logProb(s)) * f
		p.Value += w
		for i := range p.Exact {
			p.Exact[i] += w * score(s, i)
		}
	}
	return nil
}

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// column returns z[:, i] of a [S, n] tensor as shape [S].
func column(z *ad.Tensor[float64], i int) *ad.Tensor[float64] {
	return ad.Reshape(ad.Slice(z, 1, i, i+1), z.Dim(0))
}

// BernoulliProblem is the estimators' standard test problem: 8 independent
// Bernoullis with logits (−1.2, 0.4, 1.5, −0.3, 0.8, −2, 0.1, 1) and the
// non-linear f(z) = Σ (z_i − t_i)² + 2·z₀z₁z₂ − 1.5·z₃z₆ + z₄z₅z₇,
// t = (0.45, 0.9, 0.2, 0.6, 0.05, 0.7, 0.35, 0.5).
func BernoulliProblem() GradientProblem {
	target := ad.New([]float64{0.45, 0.9, 0.2, 0.6, 0.05, 0.7, 0.35, 0.5}, 8)
	f := func(z *ad.Tensor[float64]) *ad.Tensor[float64] {
		v := ad.Sum(ad.Square(ad.Sub(z, target)), 1)
		v = ad.Add(v, ad.MulScalar(ad.Mul(ad.Mul(column(z, 0), column(z, 1)), column(z, 2)), 2))
		v = ad.Sub(v, ad.MulScalar(ad.Mul(column(z, 3), column(z, 6)), 1.5))
		return ad.Add(v, ad.Mul(ad.Mul(column(z, 4), column(z, 5)), column(z, 7)))
	}
	p, err := NewBernoulliProblem("8 Bernoullis", []float64{-1.2, 0.4, 1.5, -0.3, 0.8, -2.0, 0.1, 1.0}, f)
	if err != nil {
		panic(err)
	}
	return p
}

// CategoricalProblem is the estimators' categorical test problem: two
// independent categoricals over 10 and f(z) = (⟨z₁, c₁⟩ + ⟨z₂, c₂⟩)².
func CategoricalProblem() GradientProblem {
	c := ad.New([]float64{
		1.0, -0.5, 2.0, 0.3, -1.5, 0.8, -0.2, 1.2, -0.9, 0.4,
		-0.7, 1.4, 0.2, -1.1, 0.6, 0.9, -0.3, 1.7, 0.5, -1.3,
	}, 2, 10)
	f := func(z *ad.Tensor[float64]) *ad.Tensor[float64] { return ad.Square(ad.Sum(ad.Mul(z, c), 1, 2)) }
	p, err := NewCategoricalProblem("2 categoricals over 10", []float64{
		0.5, -1.0, 0.2, 1.3, -0.4, 0.0, 0.9, -1.5, 0.3, -0.2,
		-0.6, 0.8, 0.1, -0.3, 1.1, -1.2, 0.4, 0.0, -0.8, 0.6,
	}, 2, 10, f)
	if err != nil {
		panic(err)
	}
	return p
}

// Problem returns the problem for the diagnostics: the Bernoulli or
// categorical distribution at the logits, F and the exact gradient.
func (p GradientProblem) Problem() Problem {
	return Problem{Name: p.Name, Params: p.Logits, Shape: p.Shape, F: p.F, Exact: p.Exact,
		Dist: func(l *ad.Tensor[float64]) distributions.Sampler[float64] {
			if p.Categorical {
				return distributions.Categorical[float64]{Logits: l}
			}
			return distributions.Bernoulli[float64]{Logits: l}
		}}
}

// Score returns REINFORCE with the given baseline.
func Score(b estimators.Baseline) func(samples int) estimators.Estimator[float64] {
	return func(s int) estimators.Estimator[float64] {
		return estimators.ScoreFunction[float64]{Samples: s, Baseline: b}
	}
}

// StraightThrough returns the straight-through estimator.
func StraightThrough(s int) estimators.Estimator[float64] {
	return estimators.StraightThrough[float64]{Samples: s}
}

// Relaxed returns Gumbel-Softmax (categorical) or binary Concrete
// (Bernoulli) at temperature tau on the problem, straight-through if hard.
func (p GradientProblem) Relaxed(tau float64, hard bool) func(samples int) estimators.Estimator[float64] {
	return func(s int) estimators.Estimator[float64] {
		if p.Categorical {
			return estimators.GumbelSoftmax[float64]{Temperature: tau, Hard: hard, Samples: s}
		}
		return estimators.BinaryConcrete[float64]{Temperature: tau, Hard: hard, Samples: s}
	}
}

// REBAR returns REBAR with fixed η and λ.
func REBAR(eta, lambda float64) func(samples int) estimators.Estimator[float64] {
	return func(s int) estimators.Estimator[float64] {
		return estimators.REBAR[float64]{Samples: s, Eta: ad.Scalar(eta), LogTemperature: ad.Scalar(math.Log(lambda))}
	}
}

// RelaxationSettings configures the relaxation experiments. The zero
// value is usable and follows quick mode.
type RelaxationSettings struct {
	// Temperatures to sweep. Nil means 2, 1, 0.5, 0.25, 0.1.
	Temperatures []float64
	// Samples per estimate. Zero means 1.
	Samples int
	// Replicates per measurement. Zero means 1000.
	Replicates int
	// Seed seeds every estimator's generator alike (common random numbers).
	Seed uint64
}

func (s RelaxationSettings) diagnostics() DiagnosticSettings {
	n := s.Samples
	if n == 0 {
		n = 1
	}
	return DiagnosticSettings{Samples: []int{n}, Replicates: s.Replicates, Seed: s.Seed}
}

// TemperatureRow is the relaxed estimator and its straight-through
// version at one temperature.
type TemperatureRow struct {
	Temperature   float64
	Relaxed, Hard Diagnostic
}

// TemperatureSweep is the result of SweepTemperature: a table and figures
// of bias and variance against the temperature.
type TemperatureSweep struct {
	Problem        string
	Rows           []TemperatureRow
	Bias, Variance viz.Line
}

// SweepTemperature measures, at each temperature, the bias (against the
// exact gradient of the discrete objective) and the variance of
// Gumbel-Softmax or binary Concrete and of their straight-through
// versions. As τ → 0 the relaxed estimator's bias shrinks and its variance
// grows (Jang et al. 2017, Maddison et al. 2017).
func SweepTemperature(p GradientProblem, set RelaxationSettings) (TemperatureSweep, error) {
	taus := set.Temperatures
	if taus == nil {
		taus = []float64{2, 1, 0.5, 0.25, 0.1}
	}
	ds := set.diagnostics()
	if err := ds.check("SweepTemperature"); err != nil {
		return TemperatureSweep{}, err
	}
	out := TemperatureSweep{Problem: p.Name}
	name := "binary Concrete"
	if p.Categorical {
		name = "Gumbel-Softmax"
	}
	series := make([]viz.Series, 4)
	for i, n := range []string{name, "straight-through " + name} {
		series[i].Name, series[2+i].Name = n, n
	}
	for _, tau := range taus {
		if !(tau > 0) || math.IsInf(tau, 1) {
			return TemperatureSweep{}, fmt.Errorf("toolkit: SweepTemperature: temperature %v; temperatures must be finite and > 0", tau)
		}
		row := TemperatureRow{Temperature: tau}
		var err error
		n := ds.samples()[0]
		if row.Relaxed, err = diagnose(p.Problem(), fmt.Sprintf("%s τ=%g", name, tau), p.Relaxed(tau, false)(n), n, ds.replicates(), ds.Seed); err != nil {
			return TemperatureSweep{}, err
		}
		if row.Hard, err = diagnose(p.Problem(), fmt.Sprintf("straight-through %s τ=%g", name, tau), p.Relaxed(tau, true)(n), n, ds.replicates(), ds.Seed); err != nil {
			return TemperatureSweep{}, err
		}
		out.Rows = append(out.Rows, row)
		for i, d := range []Diagnostic{row.Relaxed, row.Hard} {
			series[i].X = append(series[i].X, tau)
			series[i].Y = append(series[i].Y, d.BiasNorm)
			series[2+i].X = append(series[2+i].X, tau)
			series[2+i].Y = append(series[2+i].Y, d.Variance)
		}
	}
	out.Bias = viz.Line{Title: "‖bias‖ against temperature: " + p.Name, XLabel: "temperature τ", YLabel: "‖E ĝ − ∇‖",
		LogX: true, LogY: true, Series: series[:2]}
	out.Variance = viz.Line{Title: "total variance against temperature: " + p.Name, XLabel: "temperature τ", YLabel: "E‖ĝ − E ĝ‖²",
		LogX: true, LogY: true, Series: series[2:]}
	return out, nil
}

// CompareStraightThrough measures, at one sample size, the estimators one
// would use on the problem's discrete variables: REINFORCE (with a
// leave-one-out baseline when Samples ≥ 2), straight-through,
// straight-through and plain Gumbel-Softmax (or binary Concrete) at τ = 1
// and τ = ½, and REBAR (η = 1, λ = ½). It returns their diagnostics and a
// bar chart of each one's ‖bias‖ next to its standard deviation
// √(total variance).
func CompareStraightThrough(p GradientProblem, set RelaxationSettings) ([]Diagnostic, viz.Bar, error) {
	ds := set.diagnostics()
	if err := ds.check("CompareStraightThrough"); err != nil {
		return nil, viz.Bar{}, err
	}
	n := ds.samples()[0]
	relaxed := "binary Concrete"
	if p.Categorical {
		relaxed = "Gumbel-Softmax"
	}
	ests := []NamedEstimator{{"REINFORCE", Score(nil)}}
	if n >= 2 {
		ests = append(ests, NamedEstimator{"REINFORCE + leave-one-out", Score(estimators.LeaveOneOut{})})
	}
	ests = append(ests,
		NamedEstimator{"straight-through", StraightThrough},
		NamedEstimator{"ST " + relaxed + " τ=1", p.Relaxed(1, true)},
		NamedEstimator{"ST " + relaxed + " τ=0.5", p.Relaxed(0.5, true)},
		NamedEstimator{relaxed + " τ=1", p.Relaxed(1, false)},
		NamedEstimator{relaxed + " τ=0.5", p.Relaxed(0.5, false)},
		NamedEstimator{"REBAR", REBAR(1, 0.5)},
	)
	var out []Diagnostic
	bar := viz.Bar{Title: fmt.Sprintf("bias and noise of gradient estimators, %d sample(s): %s", n, p.Name), YLabel: "norm",
		Series: []viz.Series{{Name: "‖bias‖"}, {Name: "√(total variance)"}}}
	for _, e := range ests {
		d, err := diagnose(p.Problem(), e.Name, e.New(n), n, ds.replicates(), ds.Seed)
		if err != nil {
			return nil, viz.Bar{}, err
		}
		out = append(out, d)
		bar.Labels = append(bar.Labels, e.Name)
		bar.Series[0].Y = append(bar.Series[0].Y, d.BiasNorm)
		bar.Series[1].Y = append(bar.Series[1].Y, math.Sqrt(d.Variance))
	}
	return out, bar, nil
}
