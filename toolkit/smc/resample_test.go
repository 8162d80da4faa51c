package smc

import (
	"math"
	"math/rand/v2"
	"testing"
)

var resamplers = []struct {
	name string
	r    Resampler
}{
	{"multinomial", Multinomial{}},
	{"stratified", Stratified{}},
	{"systematic", Systematic{}},
	{"residual", Residual{}},
}

// offspring returns the mean and variance over reps of each particle's
// number of offspring.
func offspring(r Resampler, rnd *rand.Rand, w []float64, n, reps int) (mean, variance []float64) {
	mean = make([]float64, len(w))
	m2 := make([]float64, len(w))
	idx := make([]int, n)
	c := make([]float64, len(w))
	for range reps {
		clear(c)
		r.Resample(rnd, idx, w)
		for _, j := range idx {
			c[j]++
		}
		for i, v := range c {
			mean[i] += v
			m2[i] += v * v
		}
	}
	variance = make([]float64, len(w))
	for i := range mean {
		mean[i] /= float64(reps)
		variance[i] = m2[i]/float64(reps) - mean[i]*mean[i]
	}
	return mean, variance
}

// TestResamplersAreUnbiased checks E[N_i] = n·w_i for every particle by a
// z-test with the sample standard error (|z| < 4 over 8 particles and four
// schemes keeps the chance of a false alarm below 1e-3). A count with zero
// sample variance must equal its expectation to rounding.
func TestResamplersAreUnbiased(t *testing.T) {
	w := []float64{0.31, 0.02, 0.17, 0, 0.09, 0.25, 0.005, 0.155}
	const reps = 4000
	for _, n := range []int{8, 13} {
		for _, tc := range resamplers {
			rnd := rand.New(rand.NewPCG(7, uint64(n)))
			mean, v := offspring(tc.r, rnd, w, n, reps)
			for i := range w {
				want := float64(n) * w[i]
				se := math.Sqrt(v[i] / reps)
				if se == 0 {
					if math.Abs(mean[i]-want) > 1e-9 {
						t.Errorf("%s n=%d: particle %d has %g offspring every time, want mean %g", tc.name, n, i, mean[i], want)
					}
					continue
				}
				if z := (mean[i] - want) / se; math.Abs(z) > 4 {
					t.Errorf("%s n=%d: particle %d: mean offspring %.4f, want %.4f (z = %.1f)", tc.name, n, i, mean[i], want, z)
				}
			}
		}
	}
}

// TestResamplerVarianceOrdering checks that residual, stratified and
// systematic resampling have a smaller total offspring variance than
// multinomial resampling, whose variance n·w(1−w) is known exactly, and
// that the sampled multinomial variance agrees with it.
func TestResamplerVarianceOrdering(t *testing.T) {
	w := []float64{0.31, 0.02, 0.17, 0.01, 0.09, 0.25, 0.005, 0.145}
	const n, reps = 8, 4000
	var exact float64
	for _, wi := range w {
		exact += n * wi * (1 - wi)
	}
	for _, tc := range resamplers {
		rnd := rand.New(rand.NewPCG(3, 4))
		_, v := offspring(tc.r, rnd, w, n, reps)
		var total float64
		for _, vi := range v {
			total += vi
		}
		t.Logf("%-11s total offspring variance %.3f (multinomial exact %.3f)", tc.name, total, exact)
		if tc.name == "multinomial" {
			// The sample variance of a count is within a few percent of the
			// truth at 4000 draws; 10% is over 4 standard errors.
			if math.Abs(total-exact) > 0.1*exact {
				t.Errorf("multinomial variance %.3f, exact %.3f", total, exact)
			}
			continue
		}
		if total > 0.75*exact {
			t.Errorf("%s: total offspring variance %.3f not clearly below multinomial's %.3f", tc.name, total, exact)
		}
	}
}

func TestResampleNeverPicksZeroWeight(t *testing.T) {
	w := []float64{0, 0.5, 0, 0.5, 0}
	idx := make([]int, 50)
	for _, tc := range resamplers {
		rnd := rand.New(rand.NewPCG(1, 1))
		for range 200 {
			tc.r.Resample(rnd, idx, w)
			for _, j := range idx {
				if w[j] == 0 {
					t.Fatalf("%s picked particle %d of weight 0", tc.name, j)
				}
			}
		}
	}
}
