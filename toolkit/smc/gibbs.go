package smc

import (
	"fmt"
	"math"
	"math/rand/v2"
)

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
