package smc

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// HMC is Hamiltonian Monte Carlo with a leapfrog integrator and a diagonal
// mass matrix whose inverse is the particles' variance in each dimension,
// fixed for the whole move. The target must be a GradDensity.
type HMC struct {
	// Steps is the number of HMC transitions per move; zero means 1.
	Steps int
	// StepSize is the leapfrog step ε; zero means D^(−1/4).
	StepSize float64
	// Leapfrog is the number of leapfrog steps per transition; zero means 10.
	Leapfrog int
}

// Move implements Kernel.
func (k HMC) Move(rnd *rand.Rand, x Particles, target Density) (float64, error) {
	x.check("smc.HMC")
	g := gradTarget("HMC", target)
	steps, err := stepsOf("HMC", k.Steps)
	if err != nil {
		return 0, err
	}
	eps, err := stepSize("HMC", k.StepSize, math.Pow(float64(x.D), -0.25))
	if err != nil {
		return 0, err
	}
	nl := k.Leapfrog
	if nl < 0 {
		return 0, fmt.Errorf("smc: HMC leapfrog steps %d must be ≥ 0", nl)
	}
	if nl == 0 {
		nl = 10
	}
	s := make([]float64, x.D) // inverse mass: s_j²
	scaleOf(s, x)
	n := len(x.X)
	lp, lq := make([]float64, x.K), make([]float64, x.K)
	gx, gy := make([]float64, n), make([]float64, n)
	p := make([]float64, n)
	g.LogDensityGrad(lp, gx, x)
	y := NewParticles(x.K, x.D)
	kinetic := func(i int) float64 {
		var e float64
		for j, pj := range p[i*x.D : (i+1)*x.D] {
			e += 0.5 * s[j] * s[j] * pj * pj
		}
		return e
	}
	h0 := make([]float64, x.K)
	accepted := 0
	for range steps {
		for i := range p {
			p[i] = rnd.NormFloat64() / s[i%x.D]
		}
		for i := range x.K {
			h0[i] = kinetic(i) - lp[i]
		}
		copy(y.X, x.X)
		copy(gy, gx)
		for range nl {
			for i := range p {
				p[i] += 0.5 * eps * gy[i]
			}
			for i := range y.X {
				sj := s[i%x.D]
				y.X[i] += eps * sj * sj * p[i]
			}
			g.LogDensityGrad(lq, gy, y)
			for i := range p {
				p[i] += 0.5 * eps * gy[i]
			}
		}
		for i := range x.K {
			h1 := kinetic(i) - lq[i]
			if math.Log(rnd.Float64()) < h0[i]-h1 {
				copy(x.Row(i), y.Row(i))
				copy(gx[i*x.D:(i+1)*x.D], gy[i*x.D:(i+1)*x.D])
				lp[i] = lq[i]
				accepted++
			}
		}
	}
	return float64(accepted) / float64(steps*x.K), nil
}
