package solvers_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stochgrad/stochgrad/toolkit/solvers"
)

func TestSolverFunc(t *testing.T) {
	// Argmin through a plain function.
	var s solvers.Solver[float64] = solvers.SolverFunc[float64](func(dst, theta []float64) {
		best := 0
		for i, v := range theta {
			if v < theta[best] {
				best = i
			}
		}
		clear(dst)
		dst[best] = 1
	})
	z := make([]float64, 4)
	s.Solve(z, []float64{3, -1, 2, -1})
	if want := []float64{0, 1, 0, 0}; !equal(z, want) {
		t.Errorf("z = %v, want %v", z, want)
	}
}

func TestNegate(t *testing.T) {
	// Negate(Argmax) is Argmin: the one-hot of the smallest entry.
	rnd := rand.New(rand.NewPCG(19, 20))
	argmin := solvers.Negate[float32](solvers.Argmax[float32]{})
	for range 100 {
		n := 1 + rnd.IntN(20)
		theta := randScores[float32](rnd, n, false, 0, 0)
		keep := append([]float32(nil), theta...)
		z := make([]float32, n)
		argmin.Solve(z, theta)
		best := 0
		for i, v := range theta {
			if v < theta[best] {
				best = i
			}
		}
		want := make([]float32, n)
		want[best] = 1
		if !equal(z, want) {
			t.Fatalf("theta %v: Negate(Argmax) = %v, want %v", theta, z, want)
		}
		if !equal(theta, keep) {
			t.Fatalf("Negate changed theta to %v, was %v", theta, keep)
		}
	}
}

// batchCases are solvers and row sizes for the Batch tests.
func batchCases() []struct {
	name string
	s    solvers.Solver[float64]
	dim  int
} {
	return []struct {
		name string
		s    solvers.Solver[float64]
		dim  int
	}{
		{"Argmax", solvers.Argmax[float64]{}, 17},
		{"TopK", solvers.TopK[float64]{K: 5}, 64},
		{"ShortestPath", solvers.ShortestPath[float64]{Rows: 12, Cols: 12}, 144},
		{"NegatedShortestPath", solvers.Negate[float64](solvers.ShortestPath[float64]{}), 144},
		{"SpanningTree", solvers.SpanningTree[float64]{N: 10}, 45},
		{"Arborescence", solvers.Arborescence[float64]{N: 8, Root: 3}, 64},
		{"Assignment", solvers.Assignment[float64]{N: 9}, 81},
	}
}

// TestBatch checks Batch against solving row by row, with few rows (the
// calling goroutine only) and with enough rows to go parallel.
func TestBatch(t *testing.T) {
	rnd := rand.New(rand.NewPCG(21, 22))
	for _, c := range batchCases() {
		for _, rows := range []int{1, 3, 200} {
			theta := randScores[float64](rnd, rows*c.dim, rows == 3, -3, 3)
			want := make([]float64, len(theta))
			for r := range rows {
				c.s.Solve(want[r*c.dim:(r+1)*c.dim], theta[r*c.dim:(r+1)*c.dim])
			}
			got := make([]float64, len(theta))
			solvers.Batch(c.s, got, theta, c.dim)
			if !equal(got, want) {
				t.Errorf("%s, %d rows of %d: Batch differs from row by row", c.name, rows, c.dim)
			}
		}
	}
}

// TestBatchParallel checks that Batch runs rows concurrently when there are
// enough of them: each row waits until a second one is in flight, which
// only a concurrent caller can satisfy; a sequential Batch hits the
// deadline.
func TestBatchParallel(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	var inFlight, maxInFlight atomic.Int32
	s := solvers.SolverFunc[float32](func(dst, theta []float32) {
		inFlight.Add(1)
		defer inFlight.Add(-1)
		for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); {
			if m := inFlight.Load(); m > maxInFlight.Load() {
				maxInFlight.Store(m)
			}
			if maxInFlight.Load() >= 2 {
				break
			}
			runtime.Gosched()
		}
		solvers.Argmax[float32]{}.Solve(dst, theta)
	})
	const rows, dim = 4, 1024
	theta := make([]float32, rows*dim)
	solvers.Batch[float32](s, make([]float32, rows*dim), theta, dim)
	if maxInFlight.Load() < 2 {
		t.Errorf("Batch of %d rows of %d on GOMAXPROCS=2 never ran two rows at once", rows, dim)
	}
}

func TestBatchPanics(t *testing.T) {
	s := solvers.Argmax[float64]{}
	mustPanic(t, "Batch: dim = 0, want ≥ 1", func() { solvers.Batch(s, nil, nil, 0) })
	mustPanic(t, "Batch: len(theta) = 10 is not a multiple of dim = 3", func() {
		solvers.Batch(s, make([]float64, 10), make([]float64, 10), 3)
	})
	mustPanic(t, "Batch: len(dst) = 9, len(theta) = 12", func() {
		solvers.Batch(s, make([]float64, 9), make([]float64, 12), 3)
	})
}

// TestAllocs checks that every solver is allocation-free in steady state.
func TestAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	rnd := rand.New(rand.NewPCG(23, 24))
	for _, c := range batchCases() {
		theta := randScores[float64](rnd, c.dim, false, 0, 0)
		z := make([]float64, c.dim)
		c.s.Solve(z, theta) // warm the scratch pools
		if a := testing.AllocsPerRun(100, func() { c.s.Solve(z, theta) }); a != 0 {
			t.Errorf("%s: %v allocations per Solve, want 0", c.name, a)
		}
	}
}

func ExampleNegate() {
	// Any minimiser becomes a maximiser of <θ, z>; here Argmax becomes
	// Argmin.
	argmin := solvers.Negate[float64](solvers.Argmax[float64]{})
	z := make([]float64, 4)
	argmin.Solve(z, []float64{2, -1, 0.5, 3})
	fmt.Println(z)
	// Output:
	// [0 1 0 0]
}

func ExampleBatch() {
	// Three rows of four scores, top-2 of each.
	theta := []float64{
		1, 4, 2, 3,
		0, 0, 9, 1,
		5, 5, 5, 5,
	}
	z := make([]float64, len(theta))
	solvers.Batch[float64](solvers.TopK[float64]{K: 2}, z, theta, 4)
	for r := range 3 {
		fmt.Println(z[r*4 : (r+1)*4])
	}
	// Output:
	// [0 1 0 1]
	// [0 0 1 1]
	// [1 1 0 0]
}

func BenchmarkNegateShortestPath12x12(b *testing.B) {
	const rows, cols = 12, 12
	rnd := rand.New(rand.NewPCG(1, 2))
	thetas := make([][]float32, 64)
	for i := range thetas {
		thetas[i] = randScores[float32](rnd, rows*cols, false, 0, 0)
	}
	z := make([]float32, rows*cols)
	s := solvers.Negate[float32](solvers.ShortestPath[float32]{Rows: rows, Cols: cols})
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s.Solve(z, thetas[i%len(thetas)])
	}
}

// BenchmarkBatch solves a batch of 32 grids of 12×12, as one training step
// of the Warcraft experiment does; ns/op is per batch.
func BenchmarkBatch(b *testing.B) {
	const batch, dim = 32, 144
	rnd := rand.New(rand.NewPCG(1, 2))
	theta := randScores[float32](rnd, batch*dim, false, 0, 0)
	z := make([]float32, batch*dim)
	s := solvers.Negate[float32](solvers.ShortestPath[float32]{})
	b.ReportAllocs()
	for b.Loop() {
		solvers.Batch(s, z, theta, dim)
	}
}
