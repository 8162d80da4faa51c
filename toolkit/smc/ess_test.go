package smc

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestESS(t *testing.T) {
	// Weights 1, 2, 3, 0 up to a common factor: (Σw)²/Σw² = 36/14.
	logw := []float64{0, math.Log(2), math.Log(3), math.Inf(-1)}
	for _, shift := range []float64{0, -800, 700} {
		lw := make([]float64, len(logw))
		for i, v := range logw {
			lw[i] = v + shift
		}
		if got := ESS(lw); math.Abs(got-36.0/14) > 1e-12 {
			t.Errorf("shift %g: ESS %v, want %v", shift, got, 36.0/14)
		}
	}
	if got := ESS([]float64{math.Inf(-1), math.Inf(-1)}); got != 0 {
		t.Errorf("ESS of zero weights %v, want 0", got)
	}
}

func TestConditionalESS(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	const k = 7
	logv := make([]float64, k)
	logW := make([]float64, k)
	for i := range logv {
		logv[i] = 3 * rnd.NormFloat64()
		logW[i] = -math.Log(k)
	}
	// With equal current weights the conditional ESS is the ESS of the increments.
	if a, b := ConditionalESS(logW, logv), ESS(logv); math.Abs(a-b) > 1e-9 {
		t.Errorf("equal weights: CESS %v, ESS %v", a, b)
	}
	// By the definition K(Σ W v)²/Σ W v² for unequal weights.
	for i := range logW {
		logW[i] = rnd.NormFloat64()
	}
	normalise(logW)
	var s, s2 float64
	for i := range logv {
		W, v := math.Exp(logW[i]), math.Exp(logv[i])
		s += W * v
		s2 += W * v * v
	}
	if got, want := ConditionalESS(logW, logv), k*s*s/s2; math.Abs(got-want) > 1e-9*want {
		t.Errorf("CESS %v, want %v", got, want)
	}
}

// TestADGradientMatchesFiniteDifferences checks the gradients a Tempered
// target of AD densities gives MALA and HMC against central differences.
func TestADGradientMatchesFiniteDifferences(t *testing.T) {
	target := Tempered{Prior: AD(gaussPrior), LogLik: gaussLik([]float64{1, -2, 0.5}, 0.7), Temperature: 0.4}
	rnd := rand.New(rand.NewPCG(3, 4))
	x := NewParticles(5, 3)
	for i := range x.X {
		x.X[i] = rnd.NormFloat64()
	}
	lp := make([]float64, x.K)
	grad := make([]float64, len(x.X))
	target.LogDensityGrad(lp, grad, x)
	want := make([]float64, x.K)
	target.LogDensity(want, x)
	for i := range lp {
		if math.Abs(lp[i]-want[i]) > 1e-12 {
			t.Errorf("particle %d: log density %v with the gradient, %v without", i, lp[i], want[i])
		}
	}
	const h = 1e-6
	up, down := make([]float64, x.K), make([]float64, x.K)
	for j := range x.X {
		v := x.X[j]
		x.X[j] = v + h
		target.LogDensity(up, x)
		x.X[j] = v - h
		target.LogDensity(down, x)
		x.X[j] = v
		fd := (up[j/x.D] - down[j/x.D]) / (2 * h)
		if math.Abs(fd-grad[j]) > 1e-6*(1+math.Abs(fd)) {
			t.Errorf("coordinate %d: gradient %v, finite difference %v", j, grad[j], fd)
		}
	}
}
