package relaxations

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/stochgrad/stochgrad/estimators"
	"github.com/stochgrad/stochgrad/toolkit"
	"github.com/stochgrad/stochgrad/toolkit/ad"
)

func TestProblemsExactByFiniteDifferences(t *testing.T) {
	for _, p := range []Problem{BernoulliProblem(), CategoricalProblem()} {
		value := func(l []float64) float64 {
			var q Problem
			var err error
			if p.Categorical {
				q, err = NewCategoricalProblem("", l, p.Shape[0], p.Shape[1], p.F)
			} else {
				q, err = NewBernoulliProblem("", l, p.F)
			}
			if err != nil {
				t.Fatal(err)
			}
			return q.Value
		}
		l := append([]float64(nil), p.Params...)
		for i := range l {
			const h = 1e-6
			orig := l[i]
			l[i] = orig + h
			up := value(l)
			l[i] = orig - h
			down := value(l)
			l[i] = orig
			if num := (up - down) / (2 * h); math.Abs(num-p.Exact[i]) > 1e-7 {
				t.Errorf("%s: gradient %d = %.9f, finite difference %.9f", p.Name, i, p.Exact[i], num)
			}
		}
	}
	f := func(z *ad.Tensor[float64]) *ad.Tensor[float64] { return ad.Sum(z, 1) }
	if _, err := NewBernoulliProblem("big", make([]float64, 21), f); err == nil {
		t.Error("21 Bernoullis: no error")
	}
	if _, err := NewCategoricalProblem("big", make([]float64, 70), 7, 10, f); err == nil {
		t.Error("10^7 states: no error")
	}
}

func TestSweepTemperature(t *testing.T) {
	p := CategoricalProblem()
	sw, err := SweepTemperature(p, Settings{Temperatures: []float64{2, 0.1}, Replicates: 8000})
	if err != nil {
		t.Fatal(err)
	}
	if len(sw.Rows) != 2 || len(sw.Bias.Series) != 3 || len(sw.Variance.Series[1].Y) != 2 || sw.Bias.Series[2].Y[1] != sw.Rows[1].Relaxed.BiasFloor {
		t.Fatalf("sweep %+v", sw)
	}
	hi, lo := sw.Rows[0].Relaxed, sw.Rows[1].Relaxed
	for _, r := range sw.Rows {
		t.Logf("τ=%g relaxed ‖bias‖=%.4f var=%.4g; hard ‖bias‖=%.4f var=%.4g", r.Temperature, r.Relaxed.BiasNorm, r.Relaxed.Variance, r.Hard.BiasNorm, r.Hard.Variance)
	}
	if !(hi.BiasNorm-lo.BiasNorm > 4*math.Hypot(hi.BiasFloor, lo.BiasFloor)) {
		t.Errorf("bias does not fall from τ=2 (%.4f) to τ=0.1 (%.4f ± %.4f)", hi.BiasNorm, lo.BiasNorm, lo.BiasFloor)
	}
	if !(lo.Variance-hi.Variance > 4*math.Hypot(hi.VarianceSE, lo.VarianceSE)) {
		t.Errorf("variance does not rise from τ=2 (%.4g) to τ=0.1 (%.4g)", hi.Variance, lo.Variance)
	}
	if s, _ := sw.SmallTauSlope(2); !(s < 0) || !strings.Contains(sw.String(), "τ=0.1") {
		t.Errorf("slope %v; table\n%s", s, sw)
	}
	if _, err := sw.Bias.Option(); err != nil {
		t.Error(err)
	}
	if _, err := SweepTemperature(p, Settings{Temperatures: []float64{-1}, Replicates: 10}); err == nil {
		t.Error("negative temperature: no error")
	}
}

func TestCompareStraightThrough(t *testing.T) {
	p := BernoulliProblem()
	ds, bar, err := CompareStraightThrough(p, Settings{Samples: 2, Replicates: 2000})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 8 || len(bar.Labels) != 8 || len(bar.Series) != 2 {
		t.Fatalf("%d diagnostics, bar %+v", len(ds), bar)
	}
	unbiased := map[string]bool{"REINFORCE": true, "REINFORCE + leave-one-out": true, "REBAR": true}
	for _, d := range ds {
		t.Logf("%-32s ‖bias‖=%.4f (floor %.4f) max|z|=%6.1f variance=%.4g cosine=%.3f", d.Name, d.BiasNorm, d.BiasFloor, d.MaxZ, d.Variance, d.Cosine)
		if unbiased[d.Name] != (d.MaxZ < 4) {
			t.Errorf("%s: max |z| = %.2f; unbiased: %v", d.Name, d.MaxZ, unbiased[d.Name])
		}
	}
	if _, err := bar.Option(); err != nil {
		t.Error(err)
	}
	// At one sample the leave-one-out baseline cannot run: reported, not a panic.
	ds, bar, err = CompareStraightThrough(p, Settings{Samples: 1, Replicates: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 8 || len(bar.Labels) != 7 || ds[1].Unsupported == nil || !errors.Is(ds[1].Unsupported, estimators.ErrUnsupported) {
		t.Errorf("one sample: %d diagnostics, %d bars, leave-one-out unsupported: %v", len(ds), len(bar.Labels), ds[1].Unsupported)
	}
}

// TestCompareSamples checks the comparison's shape: ten estimators at each
// sample size, leave-one-out unsupported at one sample only, RELAX tuned,
// and the exact REINFORCE variances beside them.
func TestCompareSamples(t *testing.T) {
	p := BernoulliProblem()
	run, err := CompareSamples(p, RELAXTuning{Steps: 5, Seed: 1}, toolkit.DiagnosticSettings{Samples: []int{1, 2}, Replicates: 20, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Diagnostics) != 20 || len(run.RELAXTuning) != 5 || run.Diagnostics[19].Name != "RELAX (tuned)" {
		t.Fatalf("%d diagnostics, %d tuning steps", len(run.Diagnostics), len(run.RELAXTuning))
	}
	for _, d := range run.Diagnostics {
		if want := d.Name == "REINFORCE + leave-one-out" && d.Samples == 1; want != (d.Unsupported != nil) {
			t.Errorf("%s at %d samples: unsupported %v", d.Name, d.Samples, d.Unsupported)
		}
	}
	s, err := p.ExactScoreVariance("exact", []int{1, 2, 4}, true)
	if err != nil || len(s.X) != 2 {
		t.Fatalf("series %+v, %v", s, err)
	}
	if v, _ := p.ScoreVariance(4, true); s.Y[1] != v {
		t.Errorf("exact variance at 4 samples %v, ScoreVariance %v", s.Y[1], v)
	}
}
