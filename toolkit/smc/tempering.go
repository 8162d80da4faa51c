package smc

import (
	"errors"
	"fmt"
	"math"
)

// Tempering chooses the next target γ_τ' after γ_τ and so the incremental
// log weights (τ'−τ)·log p(x|z_i): it is the G_t of the sampler. Next gets
// the normalised log weights and the log-likelihoods of the current
// (pre-move) particles and returns τ' in (τ, 1].
type Tempering interface {
	Next(tau float64, logW, logLik []float64) (float64, error)
}

// Criterion is the effective sample size that adaptive tempering holds at
// its target fraction of K.
type Criterion int

const (
	// WeightedESS is the ESS of the new weights W_i·p(x|z_i)^δ, the
	// standard rule: the population after weighting keeps the target ESS.
	WeightedESS Criterion = iota
	// CESS is the conditional ESS of Zhou, Johansen and Aston (2016).
	CESS
	// IncrementalESS is the ESS of p(x|z_i)^δ alone, ignoring the current
	// weights, as the SMC-Wake reference chooses δ.
	IncrementalESS
)

// Adaptive chooses the next temperature by bisection so that the chosen
// criterion equals Fraction·K (landing just below it, within 1e-10·K), and takes the rest of the way to 1 when the
// criterion at τ' = 1 is still at least Fraction·K. The schedule so ends at
// exactly 1.
type Adaptive struct {
	// Fraction is the target ESS as a fraction of K, in (0, 1); zero means 0.5.
	Fraction float64
	// Criterion is the ESS held at the target; the zero value is WeightedESS.
	Criterion Criterion
}

// ErrStuck is wrapped by the error of a tempering schedule that cannot
// advance.
var ErrStuck = errors.New("smc: tempering cannot advance")

// Next implements Tempering.
func (a Adaptive) Next(tau float64, logW, logLik []float64) (float64, error) {
	frac := a.Fraction
	if frac == 0 {
		frac = 0.5
	}
	if !(frac > 0 && frac < 1) {
		return 0, fmt.Errorf("smc: adaptive tempering fraction %g outside (0, 1)", a.Fraction)
	}
	k := float64(len(logLik))
	lv := make([]float64, len(logLik))
	f := func(delta float64) float64 {
		for i, l := range logLik {
			lv[i] = delta * l
		}
		switch a.Criterion {
		case CESS:
			return ConditionalESS(logW, lv) / k
		case IncrementalESS:
			return ESS(lv) / k
		}
		for i := range lv {
			lv[i] += logW[i]
		}
		return ESS(lv) / k
	}
	rest := 1 - tau
	if f(rest) >= frac {
		return 1, nil
	}
	if f0 := f(0); f0 < frac {
		return 0, fmt.Errorf("%w from temperature %g: ESS %.2f of %d particles is already below %.2f (fraction %g)",
			ErrStuck, tau, f0*k, len(logLik), frac*k, frac)
	}
	// Bisect keeping f(lo) ≥ frac > f(hi), and return hi: the ESS lands
	// just below the target, so that a sampler resampling below the same
	// fraction does resample.
	lo, hi := 0.0, rest
	for range 200 {
		mid := 0.5 * (lo + hi)
		if mid == lo || mid == hi {
			break
		}
		v := f(mid)
		if v >= frac {
			lo = mid
		} else {
			hi = mid
		}
		if math.Abs(v-frac) < 1e-10 {
			break
		}
	}
	if tau+hi <= tau {
		return 0, fmt.Errorf("%w from temperature %g: the ESS falls below %.2f of %d particles at the smallest representable step",
			ErrStuck, tau, frac*k, len(logLik))
	}
	return tau + hi, nil
}

// Schedule is a fixed sequence of temperatures, strictly increasing in
// (0, 1] and ending at 1. A schedule fixed in advance (for example from a
// pilot run of Adaptive) makes the evidence estimate exactly unbiased.
type Schedule []float64

// Next returns the first temperature of s above tau.
func (s Schedule) Next(tau float64, _, _ []float64) (float64, error) {
	if len(s) == 0 || s[len(s)-1] != 1 {
		return 0, fmt.Errorf("smc: a temperature schedule must end at 1, have %v", []float64(s))
	}
	prev := 0.0
	for i, v := range s {
		if !(v > prev) || v > 1 {
			return 0, fmt.Errorf("smc: temperature schedule not strictly increasing in (0, 1] at position %d: %v", i, []float64(s))
		}
		prev = v
	}
	for _, v := range s {
		if v > tau {
			return v, nil
		}
	}
	return 0, fmt.Errorf("%w: temperature %g is past the end of the schedule", ErrStuck, tau)
}
