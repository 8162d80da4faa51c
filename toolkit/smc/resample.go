package smc

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Resampler is R_t: it draws ancestor indices for len(idx) offspring from
// the normalised weights w (non-negative, summing to 1), so that particle i
// has len(idx)·w[i] offspring in expectation. The number of offspring may
// differ from len(w).
type Resampler interface {
	Resample(rnd *rand.Rand, idx []int, w []float64)
}

// Multinomial draws every offspring independently from w. It has the
// largest variance of the four schemes and is what the SMC-Wake reference
// uses.
type Multinomial struct{}

// Resample draws len(idx) sorted uniforms in O(n) from normalised
// exponential spacings and inverts the cumulative weights.
func (Multinomial) Resample(rnd *rand.Rand, idx []int, w []float64) {
	checkWeights("Multinomial", idx, w)
	n := len(idx)
	u := make([]float64, n)
	var s float64
	for i := range u {
		s += rnd.ExpFloat64()
		u[i] = s
	}
	total := s + rnd.ExpFloat64()
	for i := range u {
		u[i] /= total
	}
	invert(idx, w, u)
}

// Stratified draws one uniform in each of the n strata [i/n, (i+1)/n).
type Stratified struct{}

// Resample implements Resampler.
func (Stratified) Resample(rnd *rand.Rand, idx []int, w []float64) {
	checkWeights("Stratified", idx, w)
	n := float64(len(idx))
	u := make([]float64, len(idx))
	for i := range u {
		u[i] = (float64(i) + rnd.Float64()) / n
	}
	invert(idx, w, u)
}

// Systematic uses one uniform shifted through the n strata. It is the
// default: the cheapest, and with the lowest variance in practice.
type Systematic struct{}

// Resample implements Resampler.
func (Systematic) Resample(rnd *rand.Rand, idx []int, w []float64) {
	checkWeights("Systematic", idx, w)
	n := float64(len(idx))
	u := make([]float64, len(idx))
	u0 := rnd.Float64()
	for i := range u {
		u[i] = (float64(i) + u0) / n
	}
	invert(idx, w, u)
}

// Residual keeps ⌊n w_i⌋ copies of each particle and draws the rest
// multinomially from the remainders.
type Residual struct{}

// Resample implements Resampler.
func (Residual) Resample(rnd *rand.Rand, idx []int, w []float64) {
	checkWeights("Residual", idx, w)
	n := len(idx)
	r := make([]float64, len(w))
	k := 0
	var rs float64
	for i, wi := range w {
		c := math.Floor(float64(n) * wi)
		for range int(c) {
			if k < n { // rounding can make Σ⌊n w⌋ exceed n by one
				idx[k] = i
				k++
			}
		}
		r[i] = float64(n)*wi - c
		rs += r[i]
	}
	if k == n {
		return
	}
	if rs <= 0 { // rounding left no remainder mass: spread by weight
		copy(r, w)
		rs = 1
	}
	for i := range r {
		r[i] /= rs
	}
	Multinomial{}.Resample(rnd, idx[k:], r)
}

// invert writes into idx the index of the cumulative weight interval that
// holds each of the sorted uniforms u.
func invert(idx []int, w, u []float64) {
	j := 0
	c := w[0]
	last := len(w) - 1
	for i, ui := range u {
		for ui >= c && j < last {
			j++
			c += w[j]
		}
		k := j
		for w[k] == 0 && k > 0 { // rounding in Σw ran past the last positive weight
			k--
		}
		idx[i] = k
	}
}

func checkWeights(op string, idx []int, w []float64) {
	if len(w) == 0 || len(idx) == 0 {
		panic(fmt.Sprintf("smc.%s: %d offspring from %d weights", op, len(idx), len(w)))
	}
}
