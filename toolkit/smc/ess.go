package smc

import (
	"math"

	"gonum.org/v1/gonum/floats"
)

// ESS returns the effective sample size (Σw)²/Σw² of the particles whose
// unnormalised log weights are logw. It lies in [1, K]; it is 0 when every
// weight is zero.
func ESS(logw []float64) float64 {
	m := floats.Max(logw)
	if math.IsInf(m, -1) {
		return 0
	}
	var s, s2 float64
	for _, v := range logw {
		w := math.Exp(v - m)
		s += w
		s2 += w * w
	}
	return s * s / s2
}

// ConditionalESS returns the conditional ESS of Zhou, Johansen and Aston
// (2016): K (Σ W_i v_i)² / Σ W_i v_i², for normalised current weights
// W = exp(logW) and incremental weights v = exp(logv). It measures how well
// the weighted population represents the next target and equals ESS of
// logW+logv when the current weights are equal.
func ConditionalESS(logW, logv []float64) float64 {
	m := math.Inf(-1)
	for _, v := range logv {
		m = math.Max(m, v)
	}
	if math.IsInf(m, -1) {
		return 0
	}
	var s, s2 float64
	for i, v := range logv {
		W := math.Exp(logW[i])
		u := math.Exp(v - m)
		s += W * u
		s2 += W * u * u
	}
	return float64(len(logv)) * s * s / s2
}

// normalise turns the unnormalised log weights logw into normalised ones in
// place and returns their log sum.
func normalise(logw []float64) float64 {
	lse := floats.LogSumExp(logw)
	for i := range logw {
		logw[i] -= lse
	}
	return lse
}
