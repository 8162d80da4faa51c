package smc

import (
	"math"
	"math/rand/v2"
)

// MALA is the Metropolis-adjusted Langevin algorithm, preconditioned by
// the population: in dimension j the proposal is
// y_j = x_j + ε²s_j²/2 ∂_j log γ(x) + ε s_j ξ_j, with s_j the particles'
// standard deviation, fixed for the whole move. The target must be a
// GradDensity (gradients from toolkit/ad through AD).
type MALA struct {
	// Steps is the number of MALA steps per move; zero means 1.
	Steps int
	// StepSize is ε, relative to the particles' spread; zero means
	// 1.65·D^(−1/6), the optimal scaling for product targets.
	StepSize float64
}

// Move implements Kernel.
func (k MALA) Move(rnd *rand.Rand, x Particles, target Density) (float64, error) {
	x.check("smc.MALA")
	g := gradTarget("MALA", target)
	steps, err := stepsOf("MALA", k.Steps)
	if err != nil {
		return 0, err
	}
	eps, err := stepSize("MALA", k.StepSize, 1.65*math.Pow(float64(x.D), -1.0/6))
	if err != nil {
		return 0, err
	}
	s := make([]float64, x.D)
	scaleOf(s, x)
	lp, lq := make([]float64, x.K), make([]float64, x.K)
	gx, gy := make([]float64, len(x.X)), make([]float64, len(x.X))
	g.LogDensityGrad(lp, gx, x)
	y := NewParticles(x.K, x.D)
	// logq is log q(b | a) up to a constant, for the proposal from a with gradient ga.
	logq := func(b, a, ga []float64) float64 {
		var q float64
		for j := range b {
			sj := eps * s[j]
			d := b[j] - a[j] - 0.5*sj*sj*ga[j]
			q -= d * d / (2 * sj * sj)
		}
		return q
	}
	accepted := 0
	for range steps {
		for i := range x.K {
			xi, yi, gi := x.Row(i), y.Row(i), gx[i*x.D:(i+1)*x.D]
			for j, v := range xi {
				sj := eps * s[j]
				yi[j] = v + 0.5*sj*sj*gi[j] + sj*rnd.NormFloat64()
			}
		}
		g.LogDensityGrad(lq, gy, y)
		for i := range x.K {
			xi, yi := x.Row(i), y.Row(i)
			gxi, gyi := gx[i*x.D:(i+1)*x.D], gy[i*x.D:(i+1)*x.D]
			a := lq[i] - lp[i] + logq(xi, yi, gyi) - logq(yi, xi, gxi)
			if math.Log(rnd.Float64()) < a {
				copy(xi, yi)
				copy(gxi, gyi)
				lp[i] = lq[i]
				accepted++
			}
		}
	}
	return float64(accepted) / float64(steps*x.K), nil
}
