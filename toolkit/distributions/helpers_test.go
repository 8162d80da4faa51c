package distributions

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// The tests draw from fixed seeds. Monte Carlo checks accept |z| < zMax with
// the standard error estimated from the same draws: a correct implementation
// fails one check with probability about 6e-5.
const zMax = 4

// Compile-time checks of the interfaces each distribution implements.
var (
	_ Distribution[float32] = Bernoulli[float32]{}
	_ Distribution[float32] = Categorical[float32]{}
	_ Distribution[float32] = Normal[float32]{}
	_ Distribution[float32] = Uniform[float32]{}
	_ Distribution[float32] = Gumbel[float32]{}
	_ Distribution[float32] = RelaxedBernoulli[float32]{}
	_ Distribution[float32] = RelaxedOneHotCategorical[float32]{}
	_ Distribution[float32] = SubsetTopK[float32]{}
	_ RSampler[float64]     = Normal[float64]{}
	_ RSampler[float64]     = Uniform[float64]{}
	_ RSampler[float64]     = Gumbel[float64]{}
	_ RSampler[float64]     = RelaxedBernoulli[float64]{}
	_ RSampler[float64]     = RelaxedOneHotCategorical[float64]{}
	_ Noise[float32]        = StandardGumbel[float32]{}
	_ Noise[float32]        = SumOfGamma[float32]{}
)

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5eed)) }

// meanSE returns the sample mean and its standard error.
func meanSE(xs []float64) (mean, se float64) {
	n := float64(len(xs))
	for _, x := range xs {
		mean += x
	}
	mean /= n
	v := 0.0
	for _, x := range xs {
		v += (x - mean) * (x - mean)
	}
	v /= n - 1
	return mean, math.Sqrt(v / n)
}

// checkMean fails unless the sample mean of xs is within zMax standard
// errors of want.
func checkMean(t *testing.T, name string, xs []float64, want float64) {
	t.Helper()
	m, se := meanSE(xs)
	if se < 1e-6*max(1, math.Abs(m)) { // the draws are equal up to rounding
		near(t, name+" (all draws equal)", m, want, 1e-5)
		return
	}
	if z := (m - want) / se; !(math.Abs(z) < zMax) {
		t.Errorf("%s: sample mean %.6g, want %.6g (SE %.3g, z = %.2f)", name, m, want, se, z)
	}
}

// checkVar fails unless the sample variance of xs is within zMax standard
// errors of want; the standard error √((m4 − s⁴)/n) uses the sample fourth
// central moment.
func checkVar(t *testing.T, name string, xs []float64, want float64) {
	t.Helper()
	m, _ := meanSE(xs)
	n := float64(len(xs))
	m2, m4 := 0.0, 0.0
	for _, x := range xs {
		d := (x - m) * (x - m)
		m2 += d
		m4 += d * d
	}
	s2 := m2 / (n - 1)
	m4 /= n
	se := math.Sqrt((m4 - s2*s2) / n)
	if z := (s2 - want) / se; !(math.Abs(z) < zMax) {
		t.Errorf("%s: sample variance %.6g, want %.6g (SE %.3g, z = %.2f)", name, s2, want, se, z)
	}
}

// checkFreq fails unless count successes in n trials is within zMax binomial
// standard errors of probability p. For p = 0 or 1 the count must be exact.
func checkFreq(t *testing.T, name string, count, n int, p float64) {
	t.Helper()
	if p == 0 || p == 1 {
		if float64(count) != p*float64(n) {
			t.Errorf("%s: %d of %d, want probability %g", name, count, n, p)
		}
		return
	}
	se := math.Sqrt(p * (1 - p) / float64(n))
	if z := (float64(count)/float64(n) - p) / se; !(math.Abs(z) < zMax) {
		t.Errorf("%s: frequency %.5f, want %.5f (SE %.3g, z = %.2f)", name, float64(count)/float64(n), p, se, z)
	}
}

// near fails unless |got − want| ≤ tol·max(1, |want|); infinities must match.
func near(t *testing.T, name string, got, want, tol float64) {
	t.Helper()
	if math.IsInf(want, 0) || math.IsInf(got, 0) {
		if got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
		return
	}
	if !(math.Abs(got-want) <= tol*max(1, math.Abs(want))) {
		t.Errorf("%s = %.12g, want %.12g (tolerance %g)", name, got, want, tol)
	}
}

// tol returns the relative tolerance of hand-formula comparisons for T.
func tol[T ad.Float]() float64 {
	var x T
	if _, ok := any(x).(float32); ok {
		return 2e-6
	}
	return 1e-12
}

// gradCheck fails if ad.GradCheck finds a gradient of f that disagrees with
// finite differences.
func gradCheck(t *testing.T, name string, f func(xs ...*ad.Tensor[float64]) *ad.Tensor[float64], xs ...*ad.Tensor[float64]) {
	t.Helper()
	if worst, err := ad.GradCheck(f, xs...); err != nil {
		t.Errorf("%s: %v", name, err)
	} else if testing.Verbose() {
		t.Logf("%s: gradient check error %.2g", name, worst)
	}
}

// allFinite fails unless every value is finite.
func allFinite[T ad.Float](t *testing.T, name string, v []T) {
	t.Helper()
	for i, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			t.Errorf("%s[%d] = %v, want finite", name, i, x)
		}
	}
}

// wantErr fails unless err is non-nil and mentions every word.
func wantErr(t *testing.T, name string, err error, words ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error", name)
		return
	}
	for _, w := range words {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%s: error %q does not mention %q", name, err, w)
		}
	}
}

// wantPanic fails unless f panics with a message containing substr.
func wantPanic(t *testing.T, name, substr string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Errorf("%s: no panic", name)
			return
		}
		if s, ok := r.(string); !ok || !strings.Contains(s, substr) {
			t.Errorf("%s: panic %v does not mention %q", name, r, substr)
		}
	}()
	f()
}

// tile returns n copies of row stacked into an [n, len(row)] tensor.
func tile[T ad.Float](row []float64, n int) *ad.Tensor[T] {
	out := ad.Zeros[T](n, len(row))
	for i := range n {
		for j, v := range row {
			out.Data[i*len(row)+j] = T(v)
		}
	}
	return out
}

func vec[T ad.Float](v ...float64) *ad.Tensor[T] {
	out := ad.Zeros[T](len(v))
	for i, x := range v {
		out.Data[i] = T(x)
	}
	return out
}

// moments is a distribution with closed-form entropy and mean.
type moments[T ad.Float] interface {
	Distribution[T]
	Entropy() *ad.Tensor[T]
	Mean() *ad.Tensor[T]
}

// checkMoments draws n samples of d and compares, element by element, the
// sample means with Mean and the means of −LogProb with Entropy.
func checkMoments[T ad.Float](t *testing.T, name string, d moments[T], rnd *rand.Rand, n int) {
	t.Helper()
	mean, ent := d.Mean(), d.Entropy()
	xs := make([][]float64, mean.Len())
	hs := make([][]float64, ent.Len())
	for range n {
		x := d.Sample(rnd)
		for i, v := range x.Data {
			xs[i] = append(xs[i], float64(v))
		}
		for i, v := range d.LogProb(x).Data {
			hs[i] = append(hs[i], -float64(v))
		}
	}
	for i := range xs {
		checkMean(t, name+" mean", xs[i], float64(mean.Data[i]))
	}
	for i := range hs {
		checkMean(t, name+" entropy", hs[i], float64(ent.Data[i]))
	}
}
