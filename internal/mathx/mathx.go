// Package mathx holds the small scalar helpers that several packages need
// and gonum's floats does not have, so that each is written once.
package mathx

import "math"

// Sigmoid is the logistic function 1/(1 + e⁻ˣ), computed without
// overflow for any x.
func Sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// LogSumExp returns log Σ exp(v) in float64, shifted by the largest value
// so that it neither overflows nor underflows; −Inf if v is empty or every
// value is −Inf. For []float64 it agrees with gonum's floats.LogSumExp;
// this one takes float32 too without a copy.
func LogSumExp[T ~float32 | ~float64](v []T) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		m = max(m, float64(x))
	}
	if math.IsInf(m, 0) {
		return m
	}
	s := 0.0
	for _, x := range v {
		s += math.Exp(float64(x) - m)
	}
	return m + math.Log(s)
}
