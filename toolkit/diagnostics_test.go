package toolkit_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stochgrad/stochgrad/estimators"
	"github.com/stochgrad/stochgrad/experiments/relaxations"
	"github.com/stochgrad/stochgrad/toolkit"
	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
)

// TestDiagnosticsREINFORCE measures REINFORCE on the Bernoulli problem at
// 1 to 64 samples: unbiased at every size, cosine similarity to the true
// gradient rising with the samples, and SNR growing like √S.
func TestDiagnosticsREINFORCE(t *testing.T) {
	p := relaxations.BernoulliProblem()
	ds, fig, err := toolkit.CompareEstimators(p.Problem, []toolkit.NamedEstimator{{Name: "REINFORCE", New: relaxations.Score(nil)}},
		toolkit.DiagnosticSettings{Replicates: 2000, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 7 || len(fig.Series) != 1 || len(fig.Series[0].X) != 7 || !fig.LogX || !fig.LogY {
		t.Fatalf("%d diagnostics, figure %v", len(ds), fig)
	}
	var x, snr, se []float64
	for i, d := range ds {
		t.Logf("S=%-3d ‖bias‖=%.4f (floor %.4f) max|z|=%.2f variance=%.4g±%.2g cosine=%.4f±%.4f SNR=%.3f±%.3f %v/estimate",
			d.Samples, d.BiasNorm, d.BiasFloor, d.MaxZ, d.Variance, d.VarianceSE, d.Cosine, d.CosineSE, d.SNR, d.SNRSE, d.TimePerEstimate)
		if d.MaxZ >= 4 {
			t.Errorf("S=%d: REINFORCE looks biased: max |z| = %.2f", d.Samples, d.MaxZ)
		}
		if d.TimePerEstimate <= 0 || d.Replicates != 2000 || fig.Series[0].Y[i] != d.Variance {
			t.Errorf("S=%d: time %v, replicates %d", d.Samples, d.TimePerEstimate, d.Replicates)
		}
		if i > 0 {
			prev := ds[i-1]
			if rise, s := d.Cosine-prev.Cosine, math.Hypot(d.CosineSE, prev.CosineSE); !(rise > 4*s) {
				t.Errorf("cosine from S=%d to S=%d: %.4f → %.4f, not a rise beyond 4·%.4f", prev.Samples, d.Samples, prev.Cosine, d.Cosine, s)
			}
		}
		x, snr, se = append(x, float64(d.Samples)), append(snr, d.SNR), append(se, d.SNRSE)
	}
	slope, slopeSE := toolkit.LogLogSlope(x, snr, se)
	t.Logf("SNR ∝ S^%.3f ± %.3f", slope, slopeSE)
	if math.Abs(slope-0.5) > 4*slopeSE {
		t.Errorf("SNR slope %.3f ± %.3f, want 0.5", slope, slopeSE)
	}
}

func TestDiagnoseDetectsBias(t *testing.T) {
	// Half the REINFORCE gradient is biased; the diagnostic must say so.
	p := relaxations.BernoulliProblem()
	sf := estimators.ScoreFunction[float64]{Samples: 16}
	half := estimators.EstimatorFunc[float64](func(rnd *rand.Rand, q distributions.Sampler[float64], f estimators.Func[float64]) estimators.Estimate[float64] {
		e := sf.Estimate(rnd, q, f)
		e.Surrogate = ad.MulScalar(e.Surrogate, 0.5)
		return e
	})
	d, err := toolkit.Diagnose(p.Problem, "half", half, 16, toolkit.DiagnosticSettings{Replicates: 2000})
	if err != nil {
		t.Fatal(err)
	}
	if d.MaxZ < 4 || d.BiasNorm < 4*d.BiasFloor {
		t.Errorf("bias not detected: max |z| %.2f, ‖bias‖ %.4f, floor %.4f", d.MaxZ, d.BiasNorm, d.BiasFloor)
	}
	// With the exact gradient halved as well, it is unbiased again.
	ex := append([]float64(nil), p.Exact...)
	for i := range ex {
		ex[i] /= 2
	}
	halved := p.Problem
	halved.Exact = ex
	d2, err := toolkit.Diagnose(halved, "half", half, 16, toolkit.DiagnosticSettings{Replicates: 2000})
	if err != nil {
		t.Fatal(err)
	}
	if d2.MaxZ >= 4 {
		t.Errorf("against ∇/2: max |z| %.2f", d2.MaxZ)
	}
}

func TestCompareEstimatorsCommonRandomNumbers(t *testing.T) {
	// Two copies of the same estimator see the same numbers: identical
	// results. A different seed gives different ones.
	p := relaxations.CategoricalProblem()
	set := toolkit.DiagnosticSettings{Samples: []int{1, 3}, Replicates: 50, Seed: 7}
	ds, fig, err := toolkit.CompareEstimators(p.Problem, []toolkit.NamedEstimator{
		{Name: "a", New: relaxations.Score(nil)}, {Name: "b", New: relaxations.Score(nil)},
	}, set)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 4 || len(fig.Series) != 2 {
		t.Fatalf("%d diagnostics, %d series", len(ds), len(fig.Series))
	}
	for i := range 2 {
		if ds[i].Variance != ds[2+i].Variance || ds[i].Mean[3] != ds[2+i].Mean[3] {
			t.Errorf("S=%d: copies differ: %v vs %v", ds[i].Samples, ds[i].Variance, ds[2+i].Variance)
		}
	}
	set.Seed = 8
	other, _, err := toolkit.CompareEstimators(p.Problem, []toolkit.NamedEstimator{{Name: "a", New: relaxations.Score(nil)}}, set)
	if err != nil {
		t.Fatal(err)
	}
	if other[0].Variance == ds[0].Variance {
		t.Errorf("another seed gave the same variance")
	}
	cos := toolkit.DiagnosticsFigure(ds, toolkit.MetricCosine)
	if cos.LogY || !cos.LogX || len(cos.Series[1].Y) != 2 || cos.Series[1].Y[1] != ds[3].Cosine {
		t.Errorf("cosine figure %+v", cos)
	}
	if _, err := cos.Option(); err != nil {
		t.Errorf("figure option: %v", err)
	}
}

func TestDiagnosticSettingsInvalid(t *testing.T) {
	p := relaxations.BernoulliProblem()
	for name, set := range map[string]toolkit.DiagnosticSettings{
		"zero samples":   {Samples: []int{0}},
		"one replicate":  {Replicates: 1},
		"negative reps":  {Replicates: -3},
		"negative sizes": {Samples: []int{2, -1}},
	} {
		if _, _, err := toolkit.CompareEstimators(p.Problem, []toolkit.NamedEstimator{{Name: "x", New: relaxations.Score(nil)}}, set); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	nan := estimators.EstimatorFunc[float64](func(_ *rand.Rand, q distributions.Sampler[float64], _ estimators.Func[float64]) estimators.Estimate[float64] {
		return estimators.Estimate[float64]{Surrogate: ad.MulScalar(ad.Sum(q.(distributions.Bernoulli[float64]).Logits), math.NaN())}
	})
	d, err := toolkit.Diagnose(p.Problem, "nan", nan, 1, toolkit.DiagnosticSettings{Replicates: 5})
	if err == nil || d.NonFinite != 5 {
		t.Errorf("all-NaN estimator: err %v, NonFinite %d", err, d.NonFinite)
	}
}

func TestLogLogSlope(t *testing.T) {
	x := []float64{1, 2, 4, 8}
	y := make([]float64, 4)
	se := make([]float64, 4)
	for i, v := range x {
		y[i] = 3 * math.Pow(v, 0.7)
		se[i] = 0.01 * y[i]
	}
	s, sse := toolkit.LogLogSlope(x, y, se)
	if math.Abs(s-0.7) > 1e-12 {
		t.Errorf("slope %v, want 0.7", s)
	}
	// Var(slope) = 1/Σw(lx − mean lx)² with w = 1/0.01².
	mx := (0 + math.Log(2) + math.Log(4) + math.Log(8)) / 4
	ss := 0.0
	for _, v := range x {
		ss += math.Pow(math.Log(v)-mx, 2)
	}
	if want := 0.01 / math.Sqrt(ss); math.Abs(sse-want) > 1e-12 {
		t.Errorf("slope SE %v, want %v", sse, want)
	}
}

// Compare REINFORCE with and without a leave-one-out baseline on the
// 8-Bernoulli problem, on common random numbers.
func ExampleCompareEstimators() {
	p := relaxations.BernoulliProblem()
	ds, fig, err := toolkit.CompareEstimators(p.Problem, []toolkit.NamedEstimator{
		{Name: "REINFORCE", New: relaxations.Score(nil)},
		{Name: "REINFORCE + leave-one-out", New: relaxations.Score(estimators.LeaveOneOut{})},
	}, toolkit.DiagnosticSettings{Samples: []int{4, 16}, Replicates: 1000})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range ds {
		fmt.Printf("%-26s S=%-2d unbiased=%v variance=%.1f\n", d.Name, d.Samples, d.MaxZ < 4, d.Variance)
	}
	fmt.Println(fig.Title, len(fig.Series))
	// Output:
	// REINFORCE                  S=4  unbiased=true variance=3.6
	// REINFORCE                  S=16 unbiased=true variance=0.9
	// REINFORCE + leave-one-out  S=4  unbiased=true variance=0.7
	// REINFORCE + leave-one-out  S=16 unbiased=true variance=0.1
	// total variance against samples 2
}

func TestMust(t *testing.T) {
	if v := toolkit.Must(3, nil); v != 3 {
		t.Errorf("Must(3, nil) = %v", v)
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "K is 7") {
			t.Errorf("panic %v, want the constructor's error", r)
		}
	}()
	toolkit.Must(distributions.NewSubsetTopK(ad.Zeros[float64](3), 7))
}
