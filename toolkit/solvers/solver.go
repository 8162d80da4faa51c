package solvers

import (
	"fmt"
	"runtime"
	"slices"
	"sync"
)

// Float is the set of floating-point types the solvers work on. It has the
// same type set as the constraint of the autodiff package, so either can be
// used where the other is expected.
type Float interface{ ~float32 | ~float64 }

// Solver writes into dst the z of its feasible set that maximises <theta, z>.
// dst and theta have the same length; Solve overwrites all of dst.
type Solver[T Float] interface{ Solve(dst, theta []T) }

// SolverFunc adapts an ordinary function to a Solver, as http.HandlerFunc
// does. It is safe for concurrent use if f is.
type SolverFunc[T Float] func(dst, theta []T)

// Solve calls f(dst, theta).
func (f SolverFunc[T]) Solve(dst, theta []T) { f(dst, theta) }

// minParallel is the number of theta entries below which Batch stays on the
// calling goroutine: starting a goroutine costs about a microsecond, more
// than a cheap solver such as Argmax spends on a few thousand entries.
const minParallel = 1 << 12

// Batch solves each row of a row-major [n, dim] theta into the matching row
// of dst. When there are at least two rows and n*dim ≥ 4096 entries, it
// spreads contiguous blocks of rows over min(GOMAXPROCS, n) goroutines (the
// calling one included); s must then be safe for concurrent use, as every
// solver of this package is. Batch panics if dim < 1, len(theta) is not a
// multiple of dim, or len(dst) != len(theta).
func Batch[T Float](s Solver[T], dst, theta []T, dim int) {
	if dim < 1 {
		panic(fmt.Sprintf("solvers: Batch: dim = %d, want ≥ 1", dim))
	}
	if len(theta)%dim != 0 {
		panic(fmt.Sprintf("solvers: Batch: len(theta) = %d is not a multiple of dim = %d", len(theta), dim))
	}
	if len(dst) != len(theta) {
		panic(fmt.Sprintf("solvers: Batch: len(dst) = %d, len(theta) = %d", len(dst), len(theta)))
	}
	n := len(theta) / dim
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers < 2 || len(theta) < minParallel {
		solveRows(s, dst, theta, dim, 0, n)
		return
	}
	var wg sync.WaitGroup
	for w := 1; w < workers; w++ {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			solveRows(s, dst, theta, dim, lo, hi)
		}(w*n/workers, (w+1)*n/workers)
	}
	solveRows(s, dst, theta, dim, 0, n/workers)
	wg.Wait()
}

// solveRows solves rows [lo, hi) of a row-major [n, dim] theta.
func solveRows[T Float](s Solver[T], dst, theta []T, dim, lo, hi int) {
	for r := lo; r < hi; r++ {
		i, j := r*dim, (r+1)*dim
		s.Solve(dst[i:j:j], theta[i:j:j])
	}
}

// Negate returns the solver that calls s on −θ. If s minimises <c, z> over a
// set, as ShortestPath does, Negate(s) maximises <θ, z> over the same set
// (and the other way round), which is the convention the estimators expect:
//
//	path := solvers.Negate[float32](solvers.ShortestPath[float32]{Rows: 12, Cols: 12})
//	path.Solve(z, theta) // z minimises <−theta, z>, i.e. maximises <theta, z>
//
// The returned solver borrows a buffer for −θ from its own pool, so it makes
// no allocation in steady state; it is safe for concurrent use if s is.
func Negate[T Float](s Solver[T]) Solver[T] {
	return &negated[T]{s: s}
}

type negated[T Float] struct {
	s    Solver[T]
	pool sync.Pool // of *[]T
}

func (n *negated[T]) Solve(dst, theta []T) {
	p, _ := n.pool.Get().(*[]T)
	if p == nil {
		p = new([]T)
	}
	if cap(*p) < len(theta) {
		*p = make([]T, len(theta))
	}
	neg := (*p)[:len(theta)]
	for i, t := range theta {
		neg[i] = -t
	}
	n.s.Solve(dst, neg)
	n.pool.Put(p)
}

// grow returns s resliced to length n, reallocated only if cap(s) < n.
func grow[E any](s []E, n int) []E { return slices.Grow(s[:0], n)[:n] }

// isqrt returns the integer square root of n ≥ 0.
func isqrt(n int) int {
	r := 0
	for (r+1)*(r+1) <= n {
		r++
	}
	return r
}
