package distributions

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// SumOfGamma is the Sum-of-Gamma noise of I-MLE (Niepert, Minervini and
// Franceschi, 2021) for k-subset problems:
//
//	ε = (1/K)·(Σ_{i=1..s} Gamma(shape 1/K, rate i/K) − log s),  s = Iterations,
//
// as in torch-imle's SumOfGammaNoiseDistribution. The sum of K independent
// draws has the law of (the maximum of s independent Exp(1)) − log s, which
// tends to a standard Gumbel as s grows: perturbing the scores of n items
// with SumOfGamma noise and taking the top K is then a perturb-and-MAP
// sampler for the k-subset distribution.
//
// The zero value of a field means its default: K 1, Iterations 10.
type SumOfGamma[T ad.Float] struct {
	// K is the subset size k, at least 1; 0 means 1.
	K int
	// Iterations is the number s of Gamma terms, at least 1; 0 means 10.
	Iterations int
}

// NewSumOfGamma returns the Sum-of-Gamma noise for subsets of size k ≥ 1 with
// iterations ≥ 1 Gamma terms.
func NewSumOfGamma[T ad.Float](k, iterations int) (SumOfGamma[T], error) {
	if k < 1 {
		return SumOfGamma[T]{}, fmt.Errorf("distributions: NewSumOfGamma: K is %d; it must be ≥ 1", k)
	}
	if iterations < 1 {
		return SumOfGamma[T]{}, fmt.Errorf("distributions: NewSumOfGamma: Iterations is %d; it must be ≥ 1", iterations)
	}
	return SumOfGamma[T]{K: k, Iterations: iterations}, nil
}

// params returns K and Iterations with defaults applied, panicking on
// negative values.
func (d SumOfGamma[T]) params() (k, s int) {
	k, s = d.K, d.Iterations
	if k == 0 {
		k = 1
	}
	if s == 0 {
		s = 10
	}
	if k < 0 || s < 0 {
		panic(fmt.Sprintf("distributions.SumOfGamma: K = %d and Iterations = %d; both must be ≥ 0 (0 means the default)", d.K, d.Iterations))
	}
	return k, s
}

// Noise returns independent Sum-of-Gamma draws of the given shape. For each
// element in row-major order it draws the s Gamma terms i = 1..s in order,
// each by Marsaglia and Tsang's method with the shape boost (a variable
// number of rnd.NormFloat64 and rnd.Uint64 calls).
func (d SumOfGamma[T]) Noise(rnd *rand.Rand, shape ...int) *ad.Tensor[T] {
	k, s := d.params()
	logS := math.Log(float64(s))
	// Gamma(1/k) = Gamma(1 + 1/k)·U^k: the boost's exponent 1/a is the
	// integer k, so it needs no logarithm or exponential.
	boosted := newMarsagliaTsang(1 + 1/float64(k))
	scale := make([]float64, s+1) // k/i
	for i := 1; i <= s; i++ {
		scale[i] = float64(k) / float64(i)
	}
	out := ad.Zeros[T](shape...)
	for j := range out.Data {
		sum := 0.0
		for i := 1; i <= s; i++ {
			// Gamma(1/k, rate i/k) = (k/i)·Gamma(1/k, rate 1)
			sum += scale[i] * boosted.draw(rnd) * powInt(uniformOpen(rnd), k)
		}
		out.Data[j] = T((sum - logS) / float64(k))
	}
	return out
}

// Mean returns the scalar (H_s − log s)/K, H_s the s-th harmonic number: the
// mean of one draw. Its variance is (1/K)·Σ_{i≤s} 1/i².
func (d SumOfGamma[T]) Mean() *ad.Tensor[T] {
	k, s := d.params()
	h := 0.0
	for i := 1; i <= s; i++ {
		h += 1 / float64(i)
	}
	return ad.Scalar(T((h - math.Log(float64(s))) / float64(k)))
}
