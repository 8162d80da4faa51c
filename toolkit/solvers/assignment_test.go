package solvers_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stochgrad/stochgrad/toolkit/solvers"
)

// permutations calls f with every permutation of 0..n-1 (Heap's algorithm).
func permutations(n int, f func(p []int)) {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	var rec func(k int)
	rec = func(k int) {
		if k <= 1 {
			f(p)
			return
		}
		for i := range k - 1 {
			rec(k - 1)
			if k%2 == 0 {
				p[i], p[k-1] = p[k-1], p[i]
			} else {
				p[0], p[k-1] = p[k-1], p[0]
			}
		}
		rec(k - 1)
	}
	rec(n)
}

// checkPermutation fails unless z is an n×n permutation matrix.
func checkPermutation[T solvers.Float](t *testing.T, n int, z []T) {
	t.Helper()
	checkBinary(t, z)
	for i := range n {
		var row, col T
		for j := range n {
			row += z[i*n+j]
			col += z[j*n+i]
		}
		if row != 1 || col != 1 {
			t.Fatalf("N=%d: z = %v is not a permutation matrix (row/column %d)", n, z, i)
		}
	}
}

func TestAssignment(t *testing.T) {
	t.Run("float32", testAssignment[float32])
	t.Run("float64", testAssignment[float64])
}

// testAssignment compares Assignment with the enumeration of all N!
// permutations for N ≤ 6.
func testAssignment[T solvers.Float](t *testing.T) {
	rnd := rand.New(rand.NewPCG(17, 18))
	for trial := range 300 {
		n := 1 + trial%6
		theta := randScores[T](rnd, n*n, trial%2 == 1, -2, 2)
		z := make([]T, n*n)
		for i := range z {
			z[i] = 2
		}
		s := solvers.Assignment[T]{N: n}
		if trial%3 == 0 {
			s.N = 0 // inferred from len(theta)
		}
		s.Solve(z, theta)
		checkPermutation(t, n, z)
		best := -1e300
		permutations(n, func(p []int) {
			var w float64
			for i, j := range p {
				w += float64(theta[i*n+j])
			}
			best = max(best, w)
		})
		if got := dot(theta, z); got < best-objTol(theta, n) {
			t.Fatalf("N=%d theta %v: <theta,z> = %v, enumeration %v", n, theta, got, best)
		}
	}
}

func TestPermutationsCount(t *testing.T) {
	// Guards the brute-force reference: 6! distinct permutations.
	seen := map[[6]int]bool{}
	permutations(6, func(p []int) { seen[[6]int(p)] = true })
	if len(seen) != 720 {
		t.Errorf("permutations(6) gave %d distinct permutations, want 720", len(seen))
	}
}

func TestAssignmentPanics(t *testing.T) {
	mustPanic(t, "Assignment.Solve: len(theta) = 8, want N×N for N = 0", func() {
		solvers.Assignment[float32]{}.Solve(make([]float32, 8), make([]float32, 8))
	})
	mustPanic(t, "Assignment.Solve: len(theta) = 9, want N×N for N = 2", func() {
		solvers.Assignment[float32]{N: 2}.Solve(make([]float32, 9), make([]float32, 9))
	})
	mustPanic(t, "Assignment.Solve: len(dst) = 4, len(theta) = 9", func() {
		solvers.Assignment[float32]{}.Solve(make([]float32, 4), make([]float32, 9))
	})
}

func ExampleAssignment() {
	// theta[i*3+j] is the score of giving task j to worker i.
	theta := []float64{
		4, 1, 3,
		2, 0, 5,
		3, 2, 2,
	}
	z := make([]float64, len(theta))
	solvers.Assignment[float64]{}.Solve(z, theta)
	for i := range 3 {
		fmt.Println(z[i*3 : (i+1)*3])
	}
	// Output:
	// [1 0 0]
	// [0 0 1]
	// [0 1 0]
}

func BenchmarkAssignment(b *testing.B) {
	const n = 10
	rnd := rand.New(rand.NewPCG(1, 2))
	thetas := make([][]float32, 64)
	for i := range thetas {
		thetas[i] = randScores[float32](rnd, n*n, false, 0, 0)
	}
	z := make([]float32, n*n)
	var s solvers.Solver[float32] = solvers.Assignment[float32]{N: n}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s.Solve(z, thetas[i%len(thetas)])
	}
}
