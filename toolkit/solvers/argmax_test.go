package solvers_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stochgrad/stochgrad/toolkit/solvers"
)

func TestArgmax(t *testing.T) {
	t.Run("float32", testArgmax[float32])
	t.Run("float64", testArgmax[float64])
}

// testArgmax compares Argmax with enumeration of all one-hot vectors, the
// first maximiser in index order being the tie-breaking rule.
func testArgmax[T solvers.Float](t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for trial := range 400 {
		n := 1 + trial%8
		theta := randScores[T](rnd, n, trial%2 == 1, -2, 2)
		z := make([]T, n)
		for i := range z {
			z[i] = 7 // Solve must overwrite everything
		}
		solvers.Argmax[T]{}.Solve(z, theta)
		if checkBinary(t, z) != 1 {
			t.Fatalf("theta %v: z = %v is not one-hot", theta, z)
		}
		want, best := -1, math.Inf(-1)
		e := make([]T, n)
		for i := range n {
			clear(e)
			e[i] = 1
			if v := dot(theta, e); v > best {
				want, best = i, v
			}
		}
		if z[want] != 1 {
			t.Fatalf("theta %v: z = %v, want one-hot at %d", theta, z, want)
		}
	}
}

func TestArgmaxInf(t *testing.T) {
	inf := math.Inf(1)
	z := make([]float64, 4)
	solvers.Argmax[float64]{}.Solve(z, []float64{-inf, 3, inf, inf})
	if want := []float64{0, 0, 1, 0}; !equal(z, want) {
		t.Errorf("z = %v, want %v", z, want)
	}
	solvers.Argmax[float64]{}.Solve(z, []float64{-inf, -inf, -inf, -inf})
	if want := []float64{1, 0, 0, 0}; !equal(z, want) {
		t.Errorf("z = %v, want %v", z, want)
	}
}

func TestArgmaxPanics(t *testing.T) {
	mustPanic(t, "Argmax.Solve: len(dst) = 2, len(theta) = 3", func() {
		solvers.Argmax[float32]{}.Solve(make([]float32, 2), make([]float32, 3))
	})
	mustPanic(t, "Argmax.Solve: empty theta", func() {
		solvers.Argmax[float32]{}.Solve(nil, nil)
	})
}

func equal[T solvers.Float](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func BenchmarkArgmax(b *testing.B) {
	const n = 100
	rnd := rand.New(rand.NewPCG(1, 2))
	thetas := make([][]float32, 64)
	for i := range thetas {
		thetas[i] = randScores[float32](rnd, n, false, 0, 0)
	}
	z := make([]float32, n)
	var s solvers.Solver[float32] = solvers.Argmax[float32]{}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s.Solve(z, thetas[i%len(thetas)])
	}
}
