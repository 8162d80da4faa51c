package smc

import (
	"fmt"
	"math"
	"math/rand/v2"
)

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
