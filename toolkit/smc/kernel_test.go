package smc

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// gaussPrior is log N(z; 0, I) on ad tensors, up to a constant.
func gaussPrior(z *ad.Tensor[float64]) *ad.Tensor[float64] {
	return ad.MulScalar(ad.Sum(ad.Square(z), 1), -0.5)
}

// gaussLik returns log N(obs; z, σ²I) on ad tensors, up to a constant.
func gaussLik(obs []float64, sigma float64) AD {
	o := ad.New(append([]float64(nil), obs...), 1, len(obs))
	return func(z *ad.Tensor[float64]) *ad.Tensor[float64] {
		return ad.MulScalar(ad.Sum(ad.Square(ad.Sub(z, o)), 1), -0.5/(sigma*sigma))
	}
}

// TestKernelsLeaveTemperedGaussianInvariant starts K particles exactly
// from the tempered posterior of a conjugate Gaussian model, moves them,
// and checks that each dimension's mean and variance are still those of
// the target within 4 standard errors, that the kernel accepted a fair
// share of its proposals, and that the particles moved.
func TestKernelsLeaveTemperedGaussianInvariant(t *testing.T) {
	obs := []float64{1.5, -0.7, 0.3}
	const sigma, tau, k = 0.8, 0.6, 4000
	target := Tempered{Prior: AD(gaussPrior), LogLik: gaussLik(obs, sigma), Temperature: tau}
	prec := 1 + tau/(sigma*sigma)
	sd := 1 / math.Sqrt(prec)
	kernels := []struct {
		name string
		k    Kernel
	}{
		{"random walk adapted", RandomWalk{Steps: 5}},
		{"random walk fixed", RandomWalk{Steps: 5, StepSize: 0.4}},
		{"MALA", MALA{Steps: 3}},
		{"HMC", HMC{Steps: 2, Leapfrog: 5}},
	}
	for _, tc := range kernels {
		rnd := rand.New(rand.NewPCG(11, 12))
		x := NewParticles(k, len(obs))
		for i := range x.K {
			for j := range x.D {
				x.X[i*x.D+j] = tau*obs[j]/(sigma*sigma)/prec + sd*rnd.NormFloat64()
			}
		}
		before := x.Clone()
		acc, err := tc.k.Move(rnd, x, target)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if acc < 0.2 || acc > 0.999 {
			t.Errorf("%s: acceptance rate %.3f", tc.name, acc)
		}
		moved := 0
		for i := range before.X {
			if before.X[i] != x.X[i] {
				moved++
			}
		}
		if float64(moved) < 0.5*float64(len(x.X)) {
			t.Errorf("%s: only %d of %d coordinates moved", tc.name, moved, len(x.X))
		}
		for j := range x.D {
			var m, m2 float64
			for i := range x.K {
				v := x.X[i*x.D+j]
				m += v
				m2 += v * v
			}
			m /= k
			v := m2/k - m*m
			mu := tau * obs[j] / (sigma * sigma) / prec
			if z := (m - mu) / (sd / math.Sqrt(k)); math.Abs(z) > 4 {
				t.Errorf("%s: dimension %d mean %.4f, want %.4f (z = %.1f)", tc.name, j, m, mu, z)
			}
			// Var of the sample variance of a Gaussian: 2σ⁴/(K−1).
			if z := (v - sd*sd) / (sd * sd * math.Sqrt(2.0/(k-1))); math.Abs(z) > 4 {
				t.Errorf("%s: dimension %d variance %.4f, want %.4f (z = %.1f)", tc.name, j, v, sd*sd, z)
			}
		}
	}
}

// TestGibbsConvergesToBinaryTarget runs Gibbs sweeps from all-zero
// particles on a 3-bit pairwise model and compares the frequency of each of
// the 8 states with its probability computed by enumeration (4 standard
// errors).
func TestGibbsConvergesToBinaryTarget(t *testing.T) {
	h := []float64{0.5, -1.0, 0.2}
	w := [3][3]float64{{0, 1.2, -0.8}, {0, 0, 0.6}}
	energy := func(b []float64) float64 {
		e := 0.0
		for i := range 3 {
			e += h[i] * b[i]
			for j := i + 1; j < 3; j++ {
				e += w[i][j] * b[i] * b[j]
			}
		}
		return e
	}
	target := DensityFunc(func(dst []float64, x Particles) {
		for i := range x.K {
			dst[i] = energy(x.Row(i))
		}
	})
	var p [8]float64
	var z float64
	for s := range 8 {
		p[s] = math.Exp(energy([]float64{float64(s & 1), float64(s >> 1 & 1), float64(s >> 2 & 1)}))
		z += p[s]
	}
	const k = 20000
	x := NewParticles(k, 3)
	rnd := rand.New(rand.NewPCG(5, 6))
	rate, err := Gibbs{Sweeps: 10}.Move(rnd, x, target)
	if err != nil {
		t.Fatal(err)
	}
	if rate <= 0 || rate >= 1 {
		t.Errorf("flip rate %g", rate)
	}
	var c [8]float64
	for i := range x.K {
		r := x.Row(i)
		c[int(r[0])+2*int(r[1])+4*int(r[2])]++
	}
	for s := range 8 {
		ps := p[s] / z
		f := c[s] / k
		if zs := (f - ps) / math.Sqrt(ps*(1-ps)/k); math.Abs(zs) > 4 {
			t.Errorf("state %03b: frequency %.4f, want %.4f (z = %.1f)", s, f, ps, zs)
		}
	}
}

func TestKernelsRejectInvalidSettings(t *testing.T) {
	x := NewParticles(4, 2)
	target := Tempered{Prior: AD(gaussPrior), LogLik: gaussLik([]float64{0, 0}, 1)}
	rnd := rand.New(rand.NewPCG(1, 1))
	for _, k := range []Kernel{RandomWalk{Steps: -1}, RandomWalk{StepSize: -0.1}, MALA{StepSize: math.NaN()}, HMC{Leapfrog: -2}, Gibbs{Sweeps: -1}} {
		if _, err := k.Move(rnd, x, target); err == nil {
			t.Errorf("%#v: no error", k)
		}
	}
}
