package estimators_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stochgrad/stochgrad/estimators"
	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
	"github.com/stochgrad/stochgrad/toolkit/solvers"
)

// aimleStep runs one forward and backward pass of m on theta with upstream
// gradient dy and returns the gradient.
func aimleStep(m estimators.IMLE[float64], rnd *rand.Rand, theta, dy *ad.Tensor[float64]) []float64 {
	th := ad.Param(theta.Clone())
	m.Apply(rnd, th).BackwardWith(dy)
	return th.Grad
}

// TestAdaptiveTargetZeroGradients checks that β rises by exactly η per call
// while every gradient is zero (dy = 0), starting from β = 0.
func TestAdaptiveTargetZeroGradients(t *testing.T) {
	const eta = 1e-3
	target := &estimators.AdaptiveTarget[float64]{UpdateStep: eta}
	m := estimators.IMLE[float64]{Solver: solvers.TopK[float64]{K: 3}, Noise: distributions.StandardGumbel[float64]{}, Samples: 4,
		Target: target, Difference: estimators.Central}
	rnd := rand.New(rand.NewPCG(1, 2))
	theta := ad.Randn[float64](rnd, 5, 10)
	for i := 1; i <= 20; i++ {
		g := aimleStep(m, rnd, theta, ad.Zeros[float64](5, 4, 10))
		for j, v := range g {
			if v != 0 {
				t.Fatalf("call %d: gradient entry %d = %v with dy = 0", i, j, v)
			}
		}
		if want := float64(i) * eta; math.Abs(target.Beta-want) > 1e-12 {
			t.Fatalf("call %d: β = %v, want %v", i, target.Beta, want)
		}
	}
	// ḡ decays geometrically from 1: 0.9²⁰ after 20 empty calls.
	if got, want := target.NonZeros(), math.Pow(0.9, 20); math.Abs(got-want) > 1e-12 {
		t.Errorf("moving average of non-zeros = %v, want %v", got, want)
	}
}

// TestAdaptiveTargetNonNegative drives β down with dense gradients and a
// target density of 0.1 non-zeros per sample: β must fall to 0 and stay
// there, never below, and the gradients must stay finite.
func TestAdaptiveTargetNonNegative(t *testing.T) {
	target := &estimators.AdaptiveTarget[float64]{Beta: 0.05, UpdateStep: 0.02, Momentum: 0.5, TargetNonZeros: 0.1}
	m := estimators.IMLE[float64]{Solver: solvers.TopK[float64]{K: 3}, Noise: distributions.StandardGumbel[float64]{}, Samples: 2,
		Target: target, Difference: estimators.Central}
	rnd := rand.New(rand.NewPCG(3, 4))
	theta := ad.Randn[float64](rnd, 4, 8)
	sawZero := false
	for i := range 60 {
		g := aimleStep(m, rnd, theta, ad.Randn[float64](rnd, 4, 2, 8))
		if target.Beta < 0 {
			t.Fatalf("call %d: β = %v < 0", i, target.Beta)
		}
		sawZero = sawZero || target.Beta == 0
		for _, v := range g {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("call %d: gradient %v", i, g)
			}
		}
	}
	if !sawZero {
		t.Errorf("β never reached 0 (final %v): the test did not exercise the floor", target.Beta)
	}
}

// TestAdaptiveTargetScale checks that the adaptive step is computed once,
// from θ repeated for the S samples: the gradient equals that of a fixed
// target with λ = β·√S·‖θ‖/‖dy‖, bit for bit on common random numbers, for
// several S (the reference divides by a λ √S times smaller than the one it
// perturbs with, which would show as a factor √S).
func TestAdaptiveTargetScale(t *testing.T) {
	for _, s := range []int{1, 4, 9} {
		rnd := rand.New(rand.NewPCG(5, uint64(s)))
		theta := ad.Randn[float64](rnd, 3, 6)
		dy := ad.Randn[float64](rnd, 3, s, 6)
		const beta = 0.7
		lambda := beta * math.Sqrt(float64(s)) * l2(theta.Data) / l2(dy.Data)
		base := estimators.IMLE[float64]{Solver: solvers.TopK[float64]{K: 2}, Noise: distributions.StandardGumbel[float64]{}, Samples: s, Difference: estimators.Central}
		adaptive, fixed := base, base
		adaptive.Target = &estimators.AdaptiveTarget[float64]{Beta: beta}
		fixed.Target = estimators.PerturbationTarget[float64]{Alpha: 1, Lambda: lambda}
		ga := aimleStep(adaptive, rand.New(rand.NewPCG(8, 8)), theta, dy)
		gf := aimleStep(fixed, rand.New(rand.NewPCG(8, 8)), theta, dy)
		nonzero := 0
		for i := range ga {
			if math.Abs(ga[i]-gf[i]) > 1e-12*math.Abs(gf[i]) {
				t.Fatalf("S=%d entry %d: adaptive %v, fixed λ = %v gives %v", s, i, ga[i], lambda, gf[i])
			}
			if ga[i] != 0 {
				nonzero++
			}
		}
		if nonzero == 0 {
			t.Fatalf("S=%d: all gradients zero; the comparison shows nothing", s)
		}
	}
}

// TestAdaptiveTargetMatchesRule replays the β rule by hand on recorded
// densities: with no noise every sample of an instance is the same, so the
// density of each call is computed here independently.
func TestAdaptiveTargetMatchesRule(t *testing.T) {
	const eta, mu, c, decay = 0.01, 0.3, 1.5, 0.8
	target := &estimators.AdaptiveTarget[float64]{Beta: 0.2, UpdateStep: eta, Momentum: mu, TargetNonZeros: c, Decay: decay}
	m := estimators.IMLE[float64]{Solver: solvers.TopK[float64]{K: 2}, Samples: 3, Target: target}
	rnd := rand.New(rand.NewPCG(6, 6))
	beta, gbar, u := 0.2, 1.0, 0.0
	for i := range 30 {
		theta := ad.Randn[float64](rnd, 2, 5)
		dy := ad.Randn[float64](rnd, 2, 3, 5)
		lambda := beta * math.Sqrt(3) * l2(theta.Data) / l2(dy.Data) // θ repeated for 3 samples
		// Forward difference without noise: diff = MAP(θ) − MAP(θ − λ·dy).
		nnz := 0
		for b := range 2 {
			th := theta.Data[b*5 : (b+1)*5]
			z := make([]float64, 5)
			solvers.TopK[float64]{K: 2}.Solve(z, th)
			for s := range 3 {
				tgt := make([]float64, 5)
				for j := range tgt {
					tgt[j] = th[j] - lambda*dy.Data[(b*3+s)*5+j]
				}
				zr := make([]float64, 5)
				solvers.TopK[float64]{K: 2}.Solve(zr, tgt)
				for j := range zr {
					if z[j] != zr[j] {
						nnz++
					}
				}
			}
		}
		gbar = decay*gbar + (1-decay)*float64(nnz)/6
		step := -eta
		if gbar < c {
			step = eta
		}
		u = mu*u + step
		beta = max(beta+u, 0)
		aimleStep(m, nil, theta, dy)
		if math.Abs(target.Beta-beta) > 1e-12 || math.Abs(target.NonZeros()-gbar) > 1e-12 {
			t.Fatalf("call %d: β = %v, ḡ = %v; rule gives β = %v, ḡ = %v", i, target.Beta, target.NonZeros(), beta, gbar)
		}
	}
}

func l2(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v * v
	}
	return math.Sqrt(s)
}

// TestAdaptiveTargetInvalid checks that a negative β is rejected.
func TestAdaptiveTargetInvalid(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for Beta = −1")
		}
	}()
	(&estimators.AdaptiveTarget[float64]{Beta: -1}).Perturbation([]float64{1}, []float64{1})
}
