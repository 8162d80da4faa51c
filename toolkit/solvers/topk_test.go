package solvers_test

import (
	"cmp"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stochgrad/stochgrad/toolkit/solvers"
)

func TestTopK(t *testing.T) {
	t.Run("float32", testTopK[float32])
	t.Run("float64", testTopK[float64])
}

// testTopK compares TopK with enumeration of all k-subsets (objective) and
// with a stable sort by decreasing score (the exact tie-breaking rule).
func testTopK[T solvers.Float](t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	for trial := range 600 {
		n := 1 + rnd.IntN(8)
		k := 1 + rnd.IntN(n)
		theta := randScores[T](rnd, n, trial%2 == 1, -2, 2)
		z := make([]T, n)
		for i := range z {
			z[i] = -1
		}
		solvers.TopK[T]{K: k}.Solve(z, theta)
		if got := checkBinary(t, z); got != k {
			t.Fatalf("n=%d k=%d theta %v: z = %v has %d ones", n, k, theta, z, got)
		}

		best := -1e300
		e := make([]T, n)
		for mask := range 1 << n {
			if bits.OnesCount(uint(mask)) != k {
				continue
			}
			for i := range e {
				e[i] = T(mask >> i & 1)
			}
			best = max(best, dot(theta, e))
		}
		if got := dot(theta, z); got < best-objTol(theta, k) {
			t.Fatalf("n=%d k=%d theta %v: <theta,z> = %v, enumeration %v", n, k, theta, got, best)
		}

		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(theta[b], theta[a]) })
		want := make([]T, n)
		for _, i := range idx[:k] {
			want[i] = 1
		}
		if !equal(z, want) {
			t.Fatalf("n=%d k=%d theta %v: z = %v, want lowest indices first %v", n, k, theta, z, want)
		}
	}
}

func TestTopKLarge(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{100, 1000} {
		for _, k := range []int{1, 10, n / 2, n - 1, n} {
			theta := randScores[float64](rnd, n, n == 1000, -5, 5)
			z := make([]float64, n)
			solvers.TopK[float64]{K: k}.Solve(z, theta)
			idx := make([]int, n)
			for i := range idx {
				idx[i] = i
			}
			slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(theta[b], theta[a]) })
			want := make([]float64, n)
			for _, i := range idx[:k] {
				want[i] = 1
			}
			if !equal(z, want) {
				t.Errorf("n=%d k=%d: z differs from the stable sort", n, k)
			}
		}
	}
}

func TestTopKPanics(t *testing.T) {
	mustPanic(t, "TopK.Solve: K = 0 out of range [1, len(theta) = 3]", func() {
		solvers.TopK[float64]{}.Solve(make([]float64, 3), make([]float64, 3))
	})
	mustPanic(t, "TopK.Solve: K = 4 out of range [1, len(theta) = 3]", func() {
		solvers.TopK[float64]{K: 4}.Solve(make([]float64, 3), make([]float64, 3))
	})
	mustPanic(t, "TopK.Solve: len(dst) = 2, len(theta) = 3", func() {
		solvers.TopK[float64]{K: 1}.Solve(make([]float64, 2), make([]float64, 3))
	})
}

func ExampleTopK() {
	theta := []float64{0.1, 2.5, -1, 2.5, 0.7, 3}
	z := make([]float64, len(theta))
	solvers.TopK[float64]{K: 3}.Solve(z, theta)
	fmt.Println(z)
	// Output:
	// [0 1 0 1 0 1]
}

func BenchmarkTopK(b *testing.B) {
	for _, c := range []struct{ n, k int }{{100, 10}, {100, 50}, {1000, 10}} {
		b.Run(fmt.Sprintf("n=%d/k=%d", c.n, c.k), func(b *testing.B) {
			rnd := rand.New(rand.NewPCG(1, 2))
			thetas := make([][]float32, 64)
			for i := range thetas {
				thetas[i] = randScores[float32](rnd, c.n, false, 0, 0)
			}
			z := make([]float32, c.n)
			var s solvers.Solver[float32] = solvers.TopK[float32]{K: c.k}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				s.Solve(z, thetas[i%len(thetas)])
			}
		})
	}
}
