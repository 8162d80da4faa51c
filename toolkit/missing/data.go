// Package missing fits models from data with missing values by variational
// Gibbs inference (VGI; Simkus, Rhodes and Gutmann, JMLR 2023): amortised
// univariate conditionals q_φ(x_j | x_{∖j}) impute the missing values along
// persistent Gibbs chains, and the model p_θ is trained on the average of
// univariate ELBOs
//
//	E_{q_φ(x_j | x_{∖j})} log p_θ(x_j, x_{∖j}) + H[q_φ(x_j | x_{∖j})] ≤ log p_θ(x_{∖j}),
//
// one for each selected missing dimension j, which trains θ and φ at once.
// VGI does so with Gaussian conditionals; BinaryVGI with Bernoulli ones for
// binary data (images with missing pixels), where the expectation over x_j
// is an exact sum over its two values and the model may be a bound such
// as a VAE's ELBO (models.Bound). It also holds factor analysis, whose
// likelihood, conditionals and posteriors are exact, and the baselines the
// method is compared with (mean imputation, Gibbs imputation with exact
// conditionals).
package missing

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Data is a table of N rows of D values with a mask of what was observed.
// Entries that were not observed hold whatever the imputation put there.
type Data struct {
	N, D     int
	X        []float64 // [N, D] row-major
	Observed []bool    // [N, D]; true where X was observed
}

// NewData returns the table x ([n, d] row-major) with NaN entries marked
// missing, copying x. It returns an error if a column has no observed
// value or an entry is infinite.
func NewData(x []float64, n, d int) (*Data, error) {
	if n < 1 || d < 1 || len(x) != n*d {
		return nil, fmt.Errorf("missing: NewData: %d values for %d rows of %d", len(x), n, d)
	}
	data := &Data{N: n, D: d, X: append([]float64(nil), x...), Observed: make([]bool, n*d)}
	seen := make([]int, d)
	for i, v := range x {
		if math.IsInf(v, 0) {
			return nil, fmt.Errorf("missing: NewData: infinite value in row %d, column %d", i/d, i%d)
		}
		if !math.IsNaN(v) {
			data.Observed[i] = true
			seen[i%d]++
		}
	}
	for j, c := range seen {
		if c == 0 {
			return nil, fmt.Errorf("missing: NewData: column %d has no observed value", j)
		}
	}
	return data, nil
}

// MCAR returns a copy of the complete table x ([n, d]) in which each entry
// is missing completely at random with probability rate (a NaN), drawing
// one uniform per entry from rnd in row-major order. Every row keeps at
// least one observed value.
func MCAR(rnd *rand.Rand, x []float64, d int, rate float64) []float64 {
	if !(rate >= 0 && rate < 1) {
		panic(fmt.Sprintf("missing.MCAR: rate %v outside [0, 1)", rate))
	}
	out := append([]float64(nil), x...)
	for r := 0; r < len(x); r += d {
		kept := 0
		for i := r; i < r+d; i++ {
			if rnd.Float64() < rate {
				out[i] = math.NaN()
			} else {
				kept++
			}
		}
		if kept == 0 {
			j := r + rnd.IntN(d)
			out[j] = x[j]
		}
	}
	return out
}

// Rate returns the fraction of entries that are missing.
func (d *Data) Rate() float64 {
	m := 0
	for _, o := range d.Observed {
		if !o {
			m++
		}
	}
	return float64(m) / float64(len(d.Observed))
}

// ImputeMean fills every missing entry with its column's observed mean,
// in place, and returns the means.
func (d *Data) ImputeMean() []float64 {
	mean, count := make([]float64, d.D), make([]float64, d.D)
	for i, o := range d.Observed {
		if o {
			mean[i%d.D] += d.X[i]
			count[i%d.D]++
		}
	}
	for j := range mean {
		mean[j] /= count[j]
	}
	for i, o := range d.Observed {
		if !o {
			d.X[i] = mean[i%d.D]
		}
	}
	return mean
}

// ImputeEmpirical fills every missing entry with a draw from its column's
// observed values (the empirical marginal), in place, as the reference
// initialises its chains.
func (d *Data) ImputeEmpirical(rnd *rand.Rand) {
	cols := make([][]float64, d.D)
	for i, o := range d.Observed {
		if o {
			cols[i%d.D] = append(cols[i%d.D], d.X[i])
		}
	}
	for i, o := range d.Observed {
		if !o {
			c := cols[i%d.D]
			d.X[i] = c[rnd.IntN(len(c))]
		}
	}
}

// RMSE returns the root mean squared error of the entries of d that are
// missing against the complete table truth ([N, D]).
func (d *Data) RMSE(truth []float64) float64 {
	s, n := 0.0, 0
	for i, o := range d.Observed {
		if !o {
			e := d.X[i] - truth[i]
			s += e * e
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return math.Sqrt(s / float64(n))
}

// missingDims returns the missing columns of row r.
func (d *Data) missingDims(r int) []int {
	var m []int
	for j := range d.D {
		if !d.Observed[r*d.D+j] {
			m = append(m, j)
		}
	}
	return m
}
