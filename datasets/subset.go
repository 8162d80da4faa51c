package datasets

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// SubsetRegression is the synthetic k-subset problem of I-MLE (Niepert,
// Minervini & Franceschi 2021, §5.1) and Adaptive I-MLE (Minervini et al.
// 2023): learn θ ∈ R^Dim so that the k-subset distribution
// p(z; θ) ∝ exp(⟨z, θ⟩) over z ∈ {0,1}^Dim with Σz = K minimises
// L(θ) = E_{z~p(z;θ)} ‖z − b‖². With Dim = 10 and K = 5 the expectation and
// its exact gradient are tractable by enumerating the 252 subsets, which is
// what lets gradient estimators be compared against the truth. This type
// only draws the instances (θ, b); the loss belongs to the estimators.
//
// The zero value is the published setting: Dim 10, K 5, θ ~ N(0, I),
// b ~ N(0, I).
type SubsetRegression struct {
	Dim int // dimension n of θ and b; 0 means 10
	K   int // subset size k, 0 < K <= Dim; 0 means 5 (or Dim if Dim < 5)

	// AbsTarget draws b = |ε|, ε ~ N(0, I), as the authors' code does
	// (uclnlp/torch-imle, aaai23/synth scripts: torch.abs(rng.randn(n)))
	// while the paper's text reads b ~ N(0, I).
	AbsTarget bool
}

// Size returns the effective Dim and K after defaults, or an error if they
// are invalid.
func (s SubsetRegression) Size() (dim, k int, err error) {
	dim, k = s.Dim, s.K
	if dim == 0 {
		dim = 10
	}
	if k == 0 {
		k = min(5, dim)
	}
	if dim < 0 || k < 0 || k > dim {
		return 0, 0, fmt.Errorf("datasets: SubsetRegression: Dim=%d, K=%d: want 0 < K <= Dim", s.Dim, s.K)
	}
	return dim, k, nil
}

// Generate draws n instances. theta and b are row-major [n, Dim]; instance
// i draws its θ and then its b, so a prefix of a longer run from the same
// rnd state gives the same instances.
func (s SubsetRegression) Generate(n int, rnd *rand.Rand) (theta, b []float64, err error) {
	dim, _, err := s.Size()
	if err != nil {
		return nil, nil, err
	}
	if n < 0 {
		return nil, nil, fmt.Errorf("datasets: SubsetRegression.Generate: n=%d < 0", n)
	}
	theta = make([]float64, n*dim)
	b = make([]float64, n*dim)
	for i := range n {
		row := theta[i*dim : (i+1)*dim]
		for j := range row {
			row[j] = rnd.NormFloat64()
		}
		row = b[i*dim : (i+1)*dim]
		for j := range row {
			row[j] = rnd.NormFloat64()
			if s.AbsTarget {
				row[j] = math.Abs(row[j])
			}
		}
	}
	return theta, b, nil
}
