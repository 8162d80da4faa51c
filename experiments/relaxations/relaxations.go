package relaxations

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/stochgrad/stochgrad/estimators"
	"github.com/stochgrad/stochgrad/toolkit"
	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
	"github.com/stochgrad/stochgrad/viz"
)

// Problem is a small objective E_{z~p(l)}[F(z)] over independent
// Bernoulli or categorical variables whose value and gradient with respect
// to the logits are exact, by enumeration of every state: the test bed of
// the Concrete / Gumbel-Softmax notebook. Its embedded toolkit.Problem
// (logits in Params, F, Exact) is what toolkit's diagnostics measure.
type Problem struct {
	toolkit.Problem
	// Categorical says whether the variables are categorical (one-hot
	// along the last axis of Shape [B, K]) rather than Bernoulli (Shape
	// [n]).
	Categorical bool
	// Value is E[F].
	Value float64
}

// maxStates bounds the enumeration of a Problem.
const maxStates = 1 << 20

// NewBernoulliProblem returns the problem over len(logits) independent
// Bernoullis, enumerating the 2ⁿ states (at most 2²⁰).
func NewBernoulliProblem(name string, logits []float64, f estimators.Func[float64]) (Problem, error) {
	n := len(logits)
	if n == 0 || n > 20 {
		return Problem{}, fmt.Errorf("relaxations: NewBernoulliProblem: %d variables; enumeration needs 1 to 20", n)
	}
	return newProblem(name, logits, []int{n}, false, f)
}

// NewCategoricalProblem returns the problem over B independent
// categoricals with K categories each (logits of length B·K, row-major),
// enumerating the K^B states (at most 2²⁰).
func NewCategoricalProblem(name string, logits []float64, b, k int, f estimators.Func[float64]) (Problem, error) {
	if b < 1 || k < 1 || len(logits) != b*k {
		return Problem{}, fmt.Errorf("relaxations: NewCategoricalProblem: %d logits for %d×%d", len(logits), b, k)
	}
	return newProblem(name, logits, []int{b, k}, true, f)
}

// newProblem sets Value and Exact from every state: ∇E[F] = Σ_z p(z)·F(z)·∇log p(z).
func newProblem(name string, logits []float64, shape []int, categorical bool, f estimators.Func[float64]) (Problem, error) {
	p := Problem{Categorical: categorical, Problem: toolkit.Problem{
		Name: name, Params: slices.Clone(logits), Shape: shape, F: f,
		Dist: func(l *ad.Tensor[float64]) distributions.Sampler[float64] {
			if categorical {
				return distributions.Categorical[float64]{Logits: l}
			}
			return distributions.Bernoulli[float64]{Logits: l}
		}}}
	p.Exact = make([]float64, len(logits))
	err := p.forStates(func(prob, f float64, score []float64) {
		p.Value += prob * f
		for i, s := range score {
			p.Exact[i] += prob * f * s
		}
	})
	return p, err
}

// column returns z[:, i] of a [S, n] tensor as shape [S].
func column(z *ad.Tensor[float64], i int) *ad.Tensor[float64] {
	return ad.Reshape(ad.Slice(z, 1, i, i+1), z.Dim(0))
}

// BernoulliProblem is the estimators' standard test problem: 8 independent
// Bernoullis with logits (−1.2, 0.4, 1.5, −0.3, 0.8, −2, 0.1, 1) and the
// non-linear f(z) = Σ (z_i − t_i)² + 2·z₀z₁z₂ − 1.5·z₃z₆ + z₄z₅z₇,
// t = (0.45, 0.9, 0.2, 0.6, 0.05, 0.7, 0.35, 0.5).
func BernoulliProblem() Problem {
	target := ad.New([]float64{0.45, 0.9, 0.2, 0.6, 0.05, 0.7, 0.35, 0.5}, 8)
	f := func(z *ad.Tensor[float64]) *ad.Tensor[float64] {
		v := ad.Sum(ad.Square(ad.Sub(z, target)), 1)
		v = ad.Add(v, ad.MulScalar(ad.Mul(ad.Mul(column(z, 0), column(z, 1)), column(z, 2)), 2))
		v = ad.Sub(v, ad.MulScalar(ad.Mul(column(z, 3), column(z, 6)), 1.5))
		return ad.Add(v, ad.Mul(ad.Mul(column(z, 4), column(z, 5)), column(z, 7)))
	}
	return toolkit.Must(NewBernoulliProblem("8 Bernoullis", []float64{-1.2, 0.4, 1.5, -0.3, 0.8, -2.0, 0.1, 1.0}, f))
}

// CategoricalProblem is the estimators' categorical test problem: two
// independent categoricals over 10 and f(z) = (⟨z₁, c₁⟩ + ⟨z₂, c₂⟩)².
func CategoricalProblem() Problem {
	c := ad.New([]float64{
		1.0, -0.5, 2.0, 0.3, -1.5, 0.8, -0.2, 1.2, -0.9, 0.4,
		-0.7, 1.4, 0.2, -1.1, 0.6, 0.9, -0.3, 1.7, 0.5, -1.3,
	}, 2, 10)
	f := func(z *ad.Tensor[float64]) *ad.Tensor[float64] { return ad.Square(ad.Sum(ad.Mul(z, c), 1, 2)) }
	return toolkit.Must(NewCategoricalProblem("2 categoricals over 10", []float64{
		0.5, -1.0, 0.2, 1.3, -0.4, 0.0, 0.9, -1.5, 0.3, -0.2,
		-0.6, 0.8, 0.1, -0.3, 1.1, -1.2, 0.4, 0.0, -0.8, 0.6,
	}, 2, 10, f))
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
func (p Problem) Relaxed(tau float64, hard bool) func(samples int) estimators.Estimator[float64] {
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

// Settings configures the relaxation experiments. The zero value is
// usable.
type Settings struct {
	// Temperatures to sweep. Nil means 2, 1, 0.5, 0.25, 0.1.
	Temperatures []float64
	// Samples per estimate. Zero means 1.
	Samples int
	// Replicates per measurement. Zero means 1000.
	Replicates int
	// Seed seeds every estimator's generator alike (common random numbers).
	Seed uint64
}

// diagnostics returns the settings of toolkit's diagnostics and the
// sample size.
func (s Settings) diagnostics() (toolkit.DiagnosticSettings, int) {
	n := s.Samples
	if n == 0 {
		n = 1
	}
	return toolkit.DiagnosticSettings{Samples: []int{n}, Replicates: s.Replicates, Seed: s.Seed}, n
}

// TemperatureRow is the relaxed estimator and its straight-through
// version at one temperature.
type TemperatureRow struct {
	Temperature   float64
	Relaxed, Hard toolkit.Diagnostic
}

// TemperatureSweep is the result of SweepTemperature: a table and figures
// of bias (with the relaxed estimator's noise floor) and variance against
// the temperature.
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
func SweepTemperature(p Problem, set Settings) (TemperatureSweep, error) {
	taus := set.Temperatures
	if taus == nil {
		taus = []float64{2, 1, 0.5, 0.25, 0.1}
	}
	ds, n := set.diagnostics()
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
			return TemperatureSweep{}, fmt.Errorf("relaxations: SweepTemperature: temperature %v; temperatures must be finite and > 0", tau)
		}
		row := TemperatureRow{Temperature: tau}
		var err error
		if row.Relaxed, err = toolkit.Diagnose(p.Problem, fmt.Sprintf("%s τ=%g", name, tau), p.Relaxed(tau, false)(n), n, ds); err != nil {
			return TemperatureSweep{}, err
		}
		if row.Hard, err = toolkit.Diagnose(p.Problem, fmt.Sprintf("straight-through %s τ=%g", name, tau), p.Relaxed(tau, true)(n), n, ds); err != nil {
			return TemperatureSweep{}, err
		}
		out.Rows = append(out.Rows, row)
		for i, d := range []toolkit.Diagnostic{row.Relaxed, row.Hard} {
			series[i].X = append(series[i].X, tau)
			series[i].Y = append(series[i].Y, d.BiasNorm)
			series[2+i].X = append(series[2+i].X, tau)
			series[2+i].Y = append(series[2+i].Y, d.Variance)
		}
	}
	floor := viz.Series{Name: "noise floor (relaxed)"}
	for _, r := range out.Rows {
		floor.X, floor.Y = append(floor.X, r.Temperature), append(floor.Y, r.Relaxed.BiasFloor)
	}
	out.Bias = viz.Line{Title: "‖bias‖ against temperature: " + p.Name, XLabel: "temperature τ", YLabel: "‖E ĝ − ∇‖",
		LogX: true, LogY: true, Series: append(series[:2:2], floor)}
	out.Variance = viz.Line{Title: "total variance against temperature: " + p.Name, XLabel: "temperature τ", YLabel: "E‖ĝ − E ĝ‖²",
		LogX: true, LogY: true, Series: series[2:]}
	return out, nil
}

// SmallTauSlope returns the log-log slope of the relaxed estimator's
// variance against τ over the last k rows of the sweep (the smallest
// temperatures when they decrease) and its standard error
// (toolkit.LogLogSlope). Theory says −1 as τ → 0.
func (sw TemperatureSweep) SmallTauSlope(k int) (slope, se float64) {
	var x, y, s []float64
	for _, r := range sw.Rows[max(0, len(sw.Rows)-k):] {
		x, y, s = append(x, r.Temperature), append(y, r.Relaxed.Variance), append(s, r.Relaxed.VarianceSE)
	}
	return toolkit.LogLogSlope(x, y, s)
}

// String returns the sweep as a table: at each temperature the relaxed
// and the straight-through estimator's ‖bias‖ with its noise floor and
// total variance with its standard error, then SmallTauSlope(3).
func (sw TemperatureSweep) String() string {
	var b strings.Builder
	fmt.Fprintln(&b, sw.Problem)
	for _, r := range sw.Rows {
		fmt.Fprintf(&b, "  τ=%-5g relaxed ‖bias‖ %.4f (floor %.4f) variance %8.4g ± %-7.2g | straight-through ‖bias‖ %.4f (floor %.4f) variance %8.4g ± %.2g\n",
			r.Temperature, r.Relaxed.BiasNorm, r.Relaxed.BiasFloor, r.Relaxed.Variance, r.Relaxed.VarianceSE,
			r.Hard.BiasNorm, r.Hard.BiasFloor, r.Hard.Variance, r.Hard.VarianceSE)
	}
	s, se := sw.SmallTauSlope(3)
	fmt.Fprintf(&b, "  log-log slope of the relaxed variance over the 3 smallest τ: %.3f ± %.3f (theory: −1)\n", s, se)
	return b.String()
}

// Estimators returns the estimators one would use on the problem's
// discrete variables, by sample size: REINFORCE without and with a
// leave-one-out baseline (which needs 2 samples), straight-through,
// straight-through and plain Gumbel-Softmax (or binary Concrete) at τ = 1
// and τ = ½, and REBAR (η = 1, λ = ½).
func (p Problem) Estimators() []toolkit.NamedEstimator {
	relaxed := "binary Concrete"
	if p.Categorical {
		relaxed = "Gumbel-Softmax"
	}
	return []toolkit.NamedEstimator{
		{Name: "REINFORCE", New: Score(nil)},
		{Name: "REINFORCE + leave-one-out", New: Score(estimators.LeaveOneOut{})},
		{Name: "straight-through", New: StraightThrough},
		{Name: "ST " + relaxed + " τ=1", New: p.Relaxed(1, true)},
		{Name: "ST " + relaxed + " τ=0.5", New: p.Relaxed(0.5, true)},
		{Name: relaxed + " τ=1", New: p.Relaxed(1, false)},
		{Name: relaxed + " τ=0.5", New: p.Relaxed(0.5, false)},
		{Name: "REBAR", New: REBAR(1, 0.5)},
	}
}

// CompareStraightThrough measures p.Estimators() at one sample size and
// returns their diagnostics and a bar chart of each one's ‖bias‖ next to
// its standard deviation √(total variance). An estimator that cannot run
// at that size (leave-one-out with one sample) keeps its Diagnostic, with
// Unsupported saying why, and is left out of the chart.
func CompareStraightThrough(p Problem, set Settings) ([]toolkit.Diagnostic, viz.Bar, error) {
	ds, n := set.diagnostics()
	out, _, err := toolkit.CompareEstimators(p.Problem, p.Estimators(), ds)
	if err != nil {
		return nil, viz.Bar{}, err
	}
	bar := viz.Bar{Title: fmt.Sprintf("bias and noise of gradient estimators, %d sample(s): %s", n, p.Name), YLabel: "norm",
		Series: []viz.Series{{Name: "‖bias‖"}, {Name: "√(total variance)"}}}
	for _, d := range out {
		if d.Unsupported != nil {
			continue
		}
		bar.Labels = append(bar.Labels, d.Name)
		bar.Series[0].Y = append(bar.Series[0].Y, d.BiasNorm)
		bar.Series[1].Y = append(bar.Series[1].Y, math.Sqrt(d.Variance))
	}
	return out, bar, nil
}

// SamplesComparison is the result of CompareSamples.
type SamplesComparison struct {
	Diagnostics []toolkit.Diagnostic
	// RELAXEta and RELAXLambda are the tuned RELAX's η and λ, and
	// RELAXTuning its tuning record (TunedRELAX.SquaredNorm).
	RELAXEta, RELAXLambda float64
	RELAXTuning           []float64
}

// CompareSamples tunes RELAX on the problem, then measures at every
// sample size of set p.Estimators() with REINFORCE with a moving-average
// baseline after plain REINFORCE and the tuned RELAX last. Leave-one-out
// at one sample is reported as Unsupported.
func CompareSamples(p Problem, tuning RELAXTuning, set toolkit.DiagnosticSettings) (SamplesComparison, error) {
	tuned, err := p.TuneRELAX(tuning)
	if err != nil {
		return SamplesComparison{}, err
	}
	ests := p.Estimators()
	ests = slices.Insert(ests, 1, toolkit.NamedEstimator{Name: "REINFORCE + moving average", New: Score(&estimators.MovingAverage{})})
	ests = append(ests, toolkit.NamedEstimator{Name: "RELAX (tuned)", New: tuned.New})
	ds, _, err := toolkit.CompareEstimators(p.Problem, ests, set)
	return SamplesComparison{ds, tuned.Eta, tuned.Temperature, tuned.SquaredNorm}, err
}

// ExactScoreVariance returns REINFORCE's exact total variance
// (ScoreVariance) at each sample size, as a series for the variance
// figure; with leaveOneOut the sizes below 2 are left out.
func (p Problem) ExactScoreVariance(name string, samples []int, leaveOneOut bool) (viz.Series, error) {
	s := viz.Series{Name: name}
	for _, n := range samples {
		if leaveOneOut && n < 2 {
			continue
		}
		v, err := p.ScoreVariance(n, leaveOneOut)
		if err != nil {
			return viz.Series{}, err
		}
		s.X, s.Y = append(s.X, float64(n)), append(s.Y, v)
	}
	return s, nil
}
