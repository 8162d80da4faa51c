package relaxations

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stochgrad/stochgrad/estimators"
	"github.com/stochgrad/stochgrad/toolkit"
)

// TestScoreVarianceMatchesMonteCarlo checks the exact variance of
// REINFORCE, with and without the leave-one-out baseline, against the
// variance measured over many estimates, within four standard errors.
func TestScoreVarianceMatchesMonteCarlo(t *testing.T) {
	for _, p := range []Problem{BernoulliProblem(), CategoricalProblem()} {
		for _, tc := range []struct {
			samples int
			loo     bool
		}{{1, false}, {4, false}, {2, true}, {5, true}} {
			exact, err := p.ScoreVariance(tc.samples, tc.loo)
			if err != nil {
				t.Fatal(err)
			}
			var b estimators.Baseline
			if tc.loo {
				b = estimators.LeaveOneOut{}
			}
			d, err := toolkit.Diagnose(p.Problem, "score", Score(b)(tc.samples), tc.samples, toolkit.DiagnosticSettings{Replicates: 10000, Seed: 3})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s S=%d loo=%v: exact %.5g, measured %.5g ± %.2g", p.Name, tc.samples, tc.loo, exact, d.Variance, d.VarianceSE)
			if math.Abs(d.Variance-exact) > 4*d.VarianceSE {
				t.Errorf("%s S=%d loo=%v: exact variance %.5g, measured %.5g ± %.2g", p.Name, tc.samples, tc.loo, exact, d.Variance, d.VarianceSE)
			}
		}
	}
	if _, err := BernoulliProblem().ScoreVariance(1, true); err == nil {
		t.Error("leave-one-out with one sample: no error")
	}
}

// TestConcreteSimplex checks that the nearest corner of each point, which
// is the argmax of the sample, has the categorical's law at every
// temperature, and that low temperatures put the samples near the corners.
func TestConcreteSimplex(t *testing.T) {
	logits := []float64{0.5, -0.3, 1.0}
	z := math.Exp(0.5) + math.Exp(-0.3) + math.Exp(1.0)
	probs := []float64{math.Exp(0.5) / z, math.Exp(-0.3) / z, math.Exp(1.0) / z}
	const n = 4000
	temps := []float64{0.05, 1, 10}
	sc, err := ConcreteSimplex(rand.New(rand.NewPCG(1, 1)), logits, temps, n)
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Series) != len(temps)+1 || len(sc.Series[len(temps)].X) != 3*len(temps) {
		t.Fatalf("%d series", len(sc.Series))
	}
	corners := [][2]float64{{0, 0}, {1, 0}, {0.5, math.Sqrt(3) / 2}}
	for i, s := range sc.Series[:len(temps)] {
		off := 1.25 * float64(i)
		count := make([]float64, 3)
		near := 0
		for j := range s.X {
			best, bd := 0, math.Inf(1)
			for k, c := range corners {
				if d := math.Hypot(s.X[j]-off-c[0], s.Y[j]-c[1]); d < bd {
					best, bd = k, d
				}
			}
			count[best]++
			if bd < 0.05 {
				near++
			}
		}
		for k, c := range count {
			if se := math.Sqrt(probs[k] * (1 - probs[k]) / n); math.Abs(c/n-probs[k]) > 4*se {
				t.Errorf("τ=%g: category %d nearest for %.4f of samples, want %.4f ± %.4f", temps[i], k, c/n, probs[k], se)
			}
		}
		frac := float64(near) / n
		t.Logf("τ=%g: %.3f of samples within 0.05 of a corner", temps[i], frac)
		if temps[i] < 0.1 && frac < 0.8 || temps[i] > 5 && frac > 0 {
			t.Errorf("τ=%g: %.3f of samples within 0.05 of a corner", temps[i], frac)
		}
	}
	if _, err := ConcreteSimplex(rand.New(rand.NewPCG(1, 1)), []float64{0, 0}, temps, 10); err == nil {
		t.Error("two logits: no error")
	}
	if _, err := ConcreteSimplex(rand.New(rand.NewPCG(1, 1)), logits, []float64{-1}, 10); err == nil {
		t.Error("negative temperature: no error")
	}
}

// TestConcreteDensity integrates the plotted density by the midpoint rule
// where it is bounded (τ ≥ 1): its mass is 1 and P(X > ½) = σ(logit). The
// midpoint rule's error on these smooth densities is far below 1e-3 at
// 4000 points.
func TestConcreteDensity(t *testing.T) {
	const logit, points = 0.7, 4000
	line, err := ConcreteDensity(logit, []float64{1, 2, 5}, points)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range line.Series {
		mass, upper := 0.0, 0.0
		for i, x := range s.X {
			mass += s.Y[i] / points
			if x > 0.5 {
				upper += s.Y[i] / points
			}
		}
		want := 1 / (1 + math.Exp(-logit))
		if math.Abs(mass-1) > 1e-3 || math.Abs(upper-want) > 1e-3 {
			t.Errorf("%s: mass %.5f, P(X > ½) %.5f; want 1 and %.5f", s.Name, mass, upper, want)
		}
	}
	if _, err := ConcreteDensity(0, []float64{0}, 10); err == nil {
		t.Error("zero temperature: no error")
	}
}

// TestTuneRELAX checks that the tuned RELAX estimator stays unbiased and
// has a lower variance than REBAR at its starting point, by more than four
// standard errors.
func TestTuneRELAX(t *testing.T) {
	p := BernoulliProblem()
	tuned, err := p.TuneRELAX(RELAXTuning{Steps: 300, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	set := toolkit.DiagnosticSettings{Replicates: 3000, Seed: 2}
	relax, err := toolkit.Diagnose(p.Problem, "RELAX", tuned.New(1), 1, set)
	if err != nil {
		t.Fatal(err)
	}
	rebar, err := toolkit.Diagnose(p.Problem, "REBAR", REBAR(1, 0.5)(1), 1, set)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("η=%.3f λ=%.3f; RELAX variance %.4g ± %.2g (max|z| %.2f), REBAR %.4g ± %.2g", tuned.Eta, tuned.Temperature,
		relax.Variance, relax.VarianceSE, relax.MaxZ, rebar.Variance, rebar.VarianceSE)
	if relax.MaxZ > 4.5 {
		t.Errorf("tuned RELAX biased: max |z| %.2f", relax.MaxZ)
	}
	if !(rebar.Variance-relax.Variance > 4*math.Hypot(rebar.VarianceSE, relax.VarianceSE)) {
		t.Errorf("tuned RELAX variance %.4g ± %.2g not below REBAR's %.4g ± %.2g", relax.Variance, relax.VarianceSE, rebar.Variance, rebar.VarianceSE)
	}
	if len(tuned.SquaredNorm) != 300 {
		t.Errorf("%d tuning records for 300 steps", len(tuned.SquaredNorm))
	}
	if _, err := p.TuneRELAX(RELAXTuning{LearningRate: -1}); err == nil {
		t.Error("negative learning rate: no error")
	}
}
