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
