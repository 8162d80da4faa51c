package distributions

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// ksMax bounds √n·D for the Kolmogorov-Smirnov statistic D: the asymptotic
// tail 2·exp(−2·2.28²) ≈ 6e-5 matches |z| < 4.
const ksMax = 2.28

// checkKS fails unless the sample xs is consistent with the CDF by the
// Kolmogorov-Smirnov test.
func checkKS(t *testing.T, name string, xs []float64, cdf func(float64) float64) {
	t.Helper()
	xs = slices.Clone(xs)
	slices.Sort(xs)
	n := float64(len(xs))
	d := 0.0
	for i, x := range xs {
		f := cdf(x)
		d = max(d, math.Abs(f-float64(i)/n), math.Abs(float64(i+1)/n-f))
	}
	if s := math.Sqrt(n) * d; !(s < ksMax) {
		t.Errorf("%s: Kolmogorov-Smirnov √n·D = %.3f ≥ %.2f", name, s, ksMax)
	}
}

func TestGammaVariate(t *testing.T) {
	rnd := newRand(20)
	const n = 50000
	for _, a := range []float64{0.05, 0.2, 0.5, 1, 2.5, 10} {
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = gammaVariate(rnd, a)
			if !(xs[i] >= 0) || math.IsInf(xs[i], 0) {
				t.Fatalf("Gamma(%g) draw %v", a, xs[i])
			}
		}
		name := fmt.Sprintf("Gamma(%g)", a)
		checkMean(t, name+" mean", xs, a)
		checkVar(t, name+" variance", xs, a)
		checkKS(t, name, xs, distuv.Gamma{Alpha: a, Beta: 1}.CDF)
	}
}

func harmonic(s int) (h1, h2 float64) {
	for i := 1; i <= s; i++ {
		h1 += 1 / float64(i)
		h2 += 1 / float64(i*i)
	}
	return h1, h2
}

func TestSumOfGamma(t *testing.T) {
	t.Run("float64", testSumOfGamma[float64])
	t.Run("float32", testSumOfGamma[float32])
}

func testSumOfGamma[T ad.Float](t *testing.T) {
	rnd := newRand(21)
	// One draw: mean (H_s − log s)/k, variance (1/k)·Σ 1/i².
	for _, c := range []struct{ k, s int }{{1, 10}, {3, 10}, {5, 100}, {20, 10}} {
		d, err := NewSumOfGamma[T](c.k, c.s)
		if err != nil {
			t.Fatal(err)
		}
		h1, h2 := harmonic(c.s)
		mean := (h1 - math.Log(float64(c.s))) / float64(c.k)
		near(t, "Mean()", float64(d.Mean().Item()), mean, tol[T]())
		xs := d.Noise(rnd, 100, 200).Float64s()
		name := fmt.Sprintf("SumOfGamma(k=%d, s=%d)", c.k, c.s)
		checkMean(t, name+" mean", xs, mean)
		checkVar(t, name+" variance", xs, h2/float64(c.k))
	}

	// The sum of k draws is (max of s Exp(1)) − log s: mean H_s − log s
	// (0.626 for s = 10), variance Σ 1/i² (1.550), CDF (1 − e^−(t + log s))^s.
	const k, s, n = 5, 10, 20000
	noise := SumOfGamma[T]{K: k, Iterations: s}.Noise(rnd, n, k)
	sums := ad.Sum(noise, 1).Float64s()
	h1, h2 := harmonic(s)
	near(t, "H_10 − log 10", h1-math.Log(s), 0.626383, 1e-6)
	near(t, "Σ 1/i², i ≤ 10", h2, 1.549768, 1e-6)
	checkMean(t, "sum of k draws, mean", sums, h1-math.Log(s))
	checkVar(t, "sum of k draws, variance", sums, h2)
	checkKS(t, "sum of k draws", sums, func(x float64) float64 {
		if x <= -math.Log(s) {
			return 0
		}
		return math.Pow(-math.Expm1(-(x + math.Log(s))), s)
	})

	// The zero value means K = 1 and 10 iterations.
	a := SumOfGamma[T]{}.Noise(newRand(22), 7)
	b := SumOfGamma[T]{K: 1, Iterations: 10}.Noise(newRand(22), 7)
	for i := range a.Data {
		if a.Data[i] != b.Data[i] {
			t.Fatalf("zero value draws %v, {1, 10} draws %v", a.Data, b.Data)
		}
	}
}

func TestSumOfGammaErrors(t *testing.T) {
	_, err := NewSumOfGamma[float64](0, 10)
	wantErr(t, "k = 0", err, "dist", "NewSumOfGamma", "K")
	_, err = NewSumOfGamma[float64](2, 0)
	wantErr(t, "s = 0", err, "dist", "NewSumOfGamma", "Iterations")
	wantPanic(t, "negative K", "distributions.SumOfGamma", func() { SumOfGamma[float64]{K: -1}.Noise(newRand(1), 2) })
}
