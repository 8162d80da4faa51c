package toolkit

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/stochgrad/stochgrad/estimators"
	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
	"github.com/stochgrad/stochgrad/viz"
)

// Problem is a gradient problem with a known answer, the test bed of the
// diagnostics: a distribution p_θ built on parameters θ, an objective f,
// and the exact gradient ∇θ E_{p_θ}[f(z)] (by enumeration or in closed
// form). Any estimators.Estimator can be measured on it.
type Problem struct {
	Name string
	// Params are θ, in the shape Shape (nil means [len(Params)]).
	Params []float64
	Shape  []int
	// Dist returns p_θ for the parameters theta, a fresh leaf each call.
	Dist func(theta *ad.Tensor[float64]) distributions.Sampler[float64]
	// F is the objective.
	F estimators.Func[float64]
	// Exact is ∇θ E[f], of len(Params) values.
	Exact []float64
}

// leaf returns a fresh copy of the parameters that requires gradients.
func (p Problem) leaf() *ad.Tensor[float64] {
	shape := p.Shape
	if shape == nil {
		shape = []int{len(p.Params)}
	}
	return ad.Param(ad.New(slices.Clone(p.Params), shape...))
}

// Check reports whether est can run on the problem (estimators.Check).
func (p Problem) Check(est estimators.Estimator[float64]) error {
	if p.Dist == nil || p.F == nil {
		return fmt.Errorf("toolkit: problem %q needs Dist and F", p.Name)
	}
	return estimators.Check(est, p.Dist(p.leaf()))
}

// Gradient draws one estimate of ∇θ E[f] with est, taking all its
// randomness from rnd, and returns it.
func (p Problem) Gradient(rnd *rand.Rand, est estimators.Estimator[float64]) []float64 {
	l := p.leaf()
	est.Estimate(rnd, p.Dist(l), p.F).Surrogate.Backward()
	return l.GradTensor().Data
}

// NamedEstimator is an estimator with a name for tables and legends, at
// any number of samples.
type NamedEstimator struct {
	Name string
	// New returns the estimator drawing the given number of samples. It is
	// called afresh for every measurement, so estimators with state
	// (Adaptive I-MLE's β, moving-average baselines) start alike.
	New func(samples int) estimators.Estimator[float64]
}

// Fixed names an estimator whose number of samples is its own, for
// comparisons at one sample size.
func Fixed(name string, est estimators.Estimator[float64]) NamedEstimator {
	return NamedEstimator{Name: name, New: func(int) estimators.Estimator[float64] { return est }}
}

// DiagnosticSettings says how to measure estimators. The zero value is
// usable.
type DiagnosticSettings struct {
	// Samples are the sample sizes to measure at. Nil means 1, 2, 4, ..., 64.
	Samples []int
	// Replicates is the number of independent estimates per measurement.
	// Zero means 1000; notebooks pass Pick(quick, full) explicitly.
	Replicates int
	// Seed seeds the generators. Every estimator gets, at each sample size
	// S, its own generator seeded with (Seed, S): the same for all, so that
	// estimators that draw alike see common random numbers.
	Seed uint64
}

func (s DiagnosticSettings) samples() []int {
	if s.Samples == nil {
		return []int{1, 2, 4, 8, 16, 32, 64}
	}
	return s.Samples
}

func (s DiagnosticSettings) replicates() int {
	if s.Replicates == 0 {
		return 1000
	}
	return s.Replicates
}

func (s DiagnosticSettings) check(op string) error {
	for _, n := range s.samples() {
		if n < 1 {
			return fmt.Errorf("toolkit: %s: sample size %d; sample sizes must be ≥ 1", op, n)
		}
	}
	if r := s.replicates(); r < 2 {
		return fmt.Errorf("toolkit: %s: Replicates is %d; it must be ≥ 2 (0 means the default)", op, r)
	}
	return nil
}

// Diagnostic measures one estimator at one sample size against the exact
// gradient g, over R independent estimates ĝ_r.
type Diagnostic struct {
	Name       string
	Samples    int
	Replicates int
	// Mean is the average estimate and MeanSE its standard error per
	// coordinate.
	Mean, MeanSE []float64
	// Bias is Mean − g. BiasNorm is ‖Bias‖ and BiasFloor √(Σ MeanSE²), the
	// norm that noise alone gives an unbiased estimator; MaxZ is the largest
	// |Bias_i|/MeanSE_i, above 4 a detected bias.
	Bias                 []float64
	BiasNorm, BiasFloor  float64
	MaxZ                 float64
	Variance, VarianceSE float64 // total variance E‖ĝ − E ĝ‖², trace of the covariance
	Cosine, CosineSE     float64 // mean cosine similarity of ĝ_r to g
	SNR, SNRSE           float64 // ‖Mean‖/√Variance, SE by the delta method
	TimePerEstimate      time.Duration
	NonFinite            int // estimates with NaN or Inf entries, left out
	// Unsupported, when not nil, says why the estimator cannot run on the
	// problem at this sample size (estimators.ErrUnsupported); the
	// measurements are then empty.
	Unsupported error
}

// Diagnose measures the estimator at one sample size on the problem. The
// estimator's generator is seeded with (set.Seed, samples); samples
// labels the result and seeds the generator, the estimator drawing as
// many as it is configured to.
func Diagnose(p Problem, name string, est estimators.Estimator[float64], samples int, set DiagnosticSettings) (Diagnostic, error) {
	set.Samples = []int{samples}
	if err := set.check("Diagnose"); err != nil {
		return Diagnostic{}, err
	}
	return diagnose(p, name, est, samples, set.replicates(), set.Seed)
}

func diagnose(p Problem, name string, est estimators.Estimator[float64], samples, reps int, seed uint64) (Diagnostic, error) {
	res := Diagnostic{Name: name, Samples: samples}
	if err := p.Check(est); err != nil {
		if errors.Is(err, estimators.ErrUnsupported) {
			res.Unsupported = err
			return res, nil
		}
		return res, err
	}
	exact := p.Exact
	d := len(exact)
	rnd := rand.New(rand.NewPCG(seed, uint64(samples)))
	gs := make([][]float64, 0, reps)
	start := time.Now()
	for range reps {
		g := p.Gradient(rnd, est)
		if len(g) != d {
			panic(fmt.Sprintf("toolkit.Diagnose: estimator %q returned %d entries for a gradient of %d", name, len(g), d))
		}
		ok := true
		for _, v := range g {
			ok = ok && !math.IsNaN(v) && !math.IsInf(v, 0)
		}
		if !ok {
			res.NonFinite++
			continue
		}
		gs = append(gs, append([]float64(nil), g...))
	}
	res.TimePerEstimate = time.Since(start) / time.Duration(reps)
	m := len(gs)
	res.Replicates = m
	if m < 2 {
		return res, fmt.Errorf("toolkit: Diagnose: estimator %q gave %d finite estimates out of %d", name, m, reps)
	}
	fm := float64(m)

	res.Mean, res.MeanSE, res.Bias = make([]float64, d), make([]float64, d), make([]float64, d)
	for _, g := range gs {
		for i, v := range g {
			res.Mean[i] += v / fm
		}
	}
	sq := make([]float64, m) // ‖ĝ_r − mean‖²
	cos := make([]float64, m)
	en := norm(exact)
	for r, g := range gs {
		dot := 0.0
		for i, v := range g {
			dv := v - res.Mean[i]
			res.MeanSE[i] += dv * dv
			sq[r] += dv * dv
			dot += v * exact[i]
		}
		if gn := norm(g); gn > 0 && en > 0 {
			cos[r] = dot / (gn * en)
		}
	}
	for i := range res.MeanSE {
		res.MeanSE[i] = math.Sqrt(res.MeanSE[i] / (fm - 1) / fm)
		res.Bias[i] = res.Mean[i] - exact[i]
		res.BiasNorm += res.Bias[i] * res.Bias[i]
		res.BiasFloor += res.MeanSE[i] * res.MeanSE[i]
		if res.MeanSE[i] > 0 {
			res.MaxZ = max(res.MaxZ, math.Abs(res.Bias[i])/res.MeanSE[i])
		} else if res.Bias[i] != 0 {
			res.MaxZ = math.Inf(1)
		}
	}
	res.BiasNorm, res.BiasFloor = math.Sqrt(res.BiasNorm), math.Sqrt(res.BiasFloor)
	res.Variance, res.VarianceSE = meanSE(sq, fm/(fm-1))
	res.Cosine, res.CosineSE = meanSE(cos, 1)

	// SNR = ‖E ĝ‖/√V, with ‖E ĝ‖² estimated without bias by
	// ‖mean‖² − Σ se². Var log‖E ĝ‖ ≈ Σ (mean_i/‖E ĝ‖²)²·se_i², and
	// Var log √V ≈ (se_V/2V)².
	mn2 := 0.0
	for i, v := range res.Mean {
		mn2 += v*v - res.MeanSE[i]*res.MeanSE[i]
	}
	if res.Variance > 0 && mn2 > 0 {
		res.SNR = math.Sqrt(mn2 / res.Variance)
		vl := 0.0
		for i, v := range res.Mean {
			c := v / mn2 * res.MeanSE[i]
			vl += c * c
		}
		vl += math.Pow(res.VarianceSE/(2*res.Variance), 2)
		res.SNRSE = res.SNR * math.Sqrt(vl)
	}
	return res, nil
}

// meanSE returns the mean of scale·v and its standard error.
func meanSE(v []float64, scale float64) (mean, se float64) {
	n := float64(len(v))
	for _, x := range v {
		mean += scale * x / n
	}
	for _, x := range v {
		d := scale*x - mean
		se += d * d
	}
	return mean, math.Sqrt(se / (n - 1) / n)
}

func norm(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x * x
	}
	return math.Sqrt(s)
}

// CompareEstimators measures every estimator at every sample size of set
// on the problem, each estimator getting at each sample size a fresh value
// (NamedEstimator.New) and a generator with the same seed. It returns the
// diagnostics, estimator by estimator and sample size by sample size, and a
// log-log figure of the total variance against the number of samples (see
// DiagnosticsFigure for the other quantities). A setting an estimator
// cannot run (a leave-one-out baseline with one sample) is reported in
// that Diagnostic's Unsupported field and left out of the figure.
func CompareEstimators(p Problem, ests []NamedEstimator, set DiagnosticSettings) ([]Diagnostic, viz.Line, error) {
	if err := set.check("CompareEstimators"); err != nil {
		return nil, viz.Line{}, err
	}
	var out []Diagnostic
	for _, e := range ests {
		if e.New == nil {
			return nil, viz.Line{}, fmt.Errorf("toolkit: CompareEstimators: estimator %q has a nil New", e.Name)
		}
		for _, s := range set.samples() {
			d, err := diagnose(p, e.Name, e.New(s), s, set.replicates(), set.Seed)
			if err != nil {
				return nil, viz.Line{}, err
			}
			out = append(out, d)
		}
	}
	return out, DiagnosticsFigure(out, MetricVariance), nil
}

// Metric is one quantity of a Diagnostic, for figures.
type Metric struct {
	Name string
	// Log draws the quantity on a logarithmic axis.
	Log bool
	Of  func(Diagnostic) float64
}

// The metrics of a Diagnostic.
var (
	MetricVariance = Metric{"total variance", true, func(d Diagnostic) float64 { return d.Variance }}
	MetricBias     = Metric{"‖bias‖", true, func(d Diagnostic) float64 { return d.BiasNorm }}
	MetricCosine   = Metric{"cosine similarity to the true gradient", false, func(d Diagnostic) float64 { return d.Cosine }}
	MetricSNR      = Metric{"signal-to-noise ratio", true, func(d Diagnostic) float64 { return d.SNR }}
	MetricTime     = Metric{"seconds per estimate", true, func(d Diagnostic) float64 { return d.TimePerEstimate.Seconds() }}
)

// DiagnosticsFigure draws one metric against the number of samples, one
// series per estimator (in order of first appearance), on a logarithmic
// sample axis.
func DiagnosticsFigure(ds []Diagnostic, m Metric) viz.Line {
	var series []viz.Series
	index := map[string]int{}
	for _, d := range ds {
		if d.Unsupported != nil {
			continue
		}
		i, ok := index[d.Name]
		if !ok {
			i = len(series)
			index[d.Name] = i
			series = append(series, viz.Series{Name: d.Name})
		}
		y := m.Of(d)
		if m.Log && !(y > 0) {
			y = math.NaN() // a gap: log axes cannot show it
		}
		series[i].X = append(series[i].X, float64(d.Samples))
		series[i].Y = append(series[i].Y, y)
	}
	return viz.Line{
		Title:  m.Name + " against samples",
		XLabel: "samples",
		YLabel: m.Name,
		LogX:   true,
		LogY:   m.Log,
		Series: series,
	}
}

// LogLogSlope returns the weighted least-squares slope of log y against
// log x and its standard error, given the standard errors of y (weights
// 1/Var log y with Var log y ≈ (se/y)²).
func LogLogSlope(x, y, se []float64) (slope, slopeSE float64) {
	if len(x) != len(y) || len(y) != len(se) || len(x) < 2 {
		panic(fmt.Sprintf("toolkit.LogLogSlope: %d x, %d y, %d standard errors (need ≥ 2 of each, equal)", len(x), len(y), len(se)))
	}
	var sw, swx, swy, swxx, swxy float64
	for i := range x {
		lx, ly := math.Log(x[i]), math.Log(y[i])
		w := math.Pow(y[i]/se[i], 2)
		sw += w
		swx += w * lx
		swy += w * ly
		swxx += w * lx * lx
		swxy += w * lx * ly
	}
	den := sw*swxx - swx*swx
	slope = (sw*swxy - swx*swy) / den
	return slope, math.Sqrt(sw / den)
}
