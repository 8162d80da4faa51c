package smc

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Kernel is M_t: a Markov kernel that leaves target invariant. Move moves
// every particle in place and returns the mean acceptance rate over
// particles and steps. It returns an error for invalid settings.
type Kernel interface {
	Move(rnd *rand.Rand, x Particles, target Density) (float64, error)
}

// RandomWalk is random-walk Metropolis with Gaussian proposals.
type RandomWalk struct {
	// Steps is the number of Metropolis steps per move; zero means 1.
	Steps int
	// StepSize is the proposal standard deviation. Zero means adapted to
	// the population: in each dimension 2.38/√D times the particles'
	// standard deviation there (Roberts and Rosenthal's scaling), fixed for
	// the whole move so that the kernel stays invariant.
	StepSize float64
}

// Move implements Kernel.
func (k RandomWalk) Move(rnd *rand.Rand, x Particles, target Density) (float64, error) {
	x.check("smc.RandomWalk")
	steps, err := stepsOf("RandomWalk", k.Steps)
	if err != nil {
		return 0, err
	}
	if !(k.StepSize >= 0) || math.IsInf(k.StepSize, 1) {
		return 0, fmt.Errorf("smc: RandomWalk step size %g must be finite and ≥ 0", k.StepSize)
	}
	s := make([]float64, x.D)
	if k.StepSize > 0 {
		for j := range s {
			s[j] = k.StepSize
		}
	} else {
		scaleOf(s, x)
		c := 2.38 / math.Sqrt(float64(x.D))
		for j := range s {
			s[j] *= c
		}
	}
	lp := make([]float64, x.K)
	lq := make([]float64, x.K)
	target.LogDensity(lp, x)
	y := NewParticles(x.K, x.D)
	accepted := 0
	for range steps {
		for i := range x.K {
			xi, yi := x.Row(i), y.Row(i)
			for j, v := range xi {
				yi[j] = v + s[j]*rnd.NormFloat64()
			}
		}
		target.LogDensity(lq, y)
		for i := range x.K {
			if math.Log(rnd.Float64()) < lq[i]-lp[i] {
				copy(x.Row(i), y.Row(i))
				lp[i] = lq[i]
				accepted++
			}
		}
	}
	return float64(accepted) / float64(steps*x.K), nil
}

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

// Gibbs is a systematic-scan Gibbs sampler for binary particles (every
// coordinate 0 or 1): each coordinate in turn is redrawn from its
// conditional under the target. Its "acceptance rate" is the fraction of
// coordinate updates that flipped the value, since every Gibbs update is
// accepted.
type Gibbs struct {
	// Sweeps is the number of passes over the coordinates; zero means 1.
	Sweeps int
}

// Move implements Kernel.
func (k Gibbs) Move(rnd *rand.Rand, x Particles, target Density) (float64, error) {
	x.check("smc.Gibbs")
	sweeps, err := stepsOf("Gibbs", k.Sweeps)
	if err != nil {
		return 0, err
	}
	for i, v := range x.X {
		if v != 0 && v != 1 {
			panic(fmt.Sprintf("smc.Gibbs: particle %d coordinate %d is %g, not 0 or 1", i/x.D, i%x.D, v))
		}
	}
	lp, lq := make([]float64, x.K), make([]float64, x.K)
	target.LogDensity(lp, x)
	flips := 0
	for range sweeps {
		for j := range x.D {
			for i := range x.K {
				x.X[i*x.D+j] = 1 - x.X[i*x.D+j]
			}
			target.LogDensity(lq, x)
			for i := range x.K {
				// P(flip) = γ(flipped) / (γ(current) + γ(flipped)).
				if rnd.Float64()*(1+math.Exp(lp[i]-lq[i])) < 1 {
					lp[i] = lq[i]
					flips++
				} else {
					x.X[i*x.D+j] = 1 - x.X[i*x.D+j]
				}
			}
		}
	}
	return float64(flips) / float64(sweeps*x.D*x.K), nil
}

func stepsOf(op string, n int) (int, error) {
	if n < 0 {
		return 0, fmt.Errorf("smc: %s steps %d must be ≥ 0", op, n)
	}
	return max(n, 1), nil
}

func stepSize(op string, v, def float64) (float64, error) {
	if !(v >= 0) || math.IsInf(v, 1) {
		return 0, fmt.Errorf("smc: %s step size %g must be finite and ≥ 0", op, v)
	}
	if v == 0 {
		return def, nil
	}
	return v, nil
}

func gradTarget(op string, target Density) GradDensity {
	g, ok := target.(GradDensity)
	if !ok {
		panic(fmt.Sprintf("smc.%s: target %T has no gradient (use smc.AD for the prior and likelihood)", op, target))
	}
	return g
}
