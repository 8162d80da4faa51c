package solvers

import (
	"fmt"
	"math"
	"sync"
)

// Assignment is the solver over N×N permutation matrices: Solve sets dst to
// a maximum-weight perfect matching of the complete bipartite graph whose
// edge i–j weighs theta[i*N+j], that is the permutation matrix z maximising
// <theta, z> (the linear assignment problem).
//
// A zero N is inferred from len(theta) (a square). Solve runs the Hungarian
// (Kuhn-Munkres) algorithm with potentials and shortest augmenting paths in
// O(N³) time. theta must be finite. It is safe for concurrent use and
// allocation-free in steady state.
type Assignment[T Float] struct {
	N int
}

// assignScratch is the working memory of one Hungarian run, 1-based as in
// the classic formulation: column 0 is a virtual start.
type assignScratch struct {
	u, v, minv []float64 // row and column potentials, slack of each column
	p, way     []int32   // row matched to each column, previous column on the path
	used       []bool
}

var assignPool = sync.Pool{New: func() any { return new(assignScratch) }}

// Solve writes a maximum-weight permutation matrix into dst. It panics if
// len(theta) is not N×N or len(dst) != len(theta).
func (s Assignment[T]) Solve(dst, theta []T) {
	if len(dst) != len(theta) {
		panic(fmt.Sprintf("solvers: Assignment.Solve: len(dst) = %d, len(theta) = %d", len(dst), len(theta)))
	}
	n := s.N
	if n == 0 {
		n = isqrt(len(theta))
	}
	if n < 1 || n*n != len(theta) {
		panic(fmt.Sprintf("solvers: Assignment.Solve: len(theta) = %d, want N×N for N = %d", len(theta), s.N))
	}

	sc := assignPool.Get().(*assignScratch)
	u, v, minv := grow(sc.u, n+1), grow(sc.v, n+1), grow(sc.minv, n+1)
	p, way, used := grow(sc.p, n+1), grow(sc.way, n+1), grow(sc.used, n+1)
	clear(u)
	clear(v)
	clear(p)
	clear(way)
	// The algorithm minimises cost; the cost of i–j is −theta[i*N+j].
	cost := func(i, j int) float64 { return -float64(theta[(i-1)*n+j-1]) }
	for i := 1; i <= n; i++ {
		p[0] = int32(i)
		j0 := 0
		for j := range minv {
			minv[j], used[j] = math.Inf(1), false
		}
		for p[j0] != 0 {
			used[j0] = true
			i0, delta, j1 := int(p[j0]), math.Inf(1), -1
			for j := 1; j <= n; j++ {
				if used[j] {
					continue
				}
				if cur := cost(i0, j) - u[i0] - v[j]; cur < minv[j] {
					minv[j], way[j] = cur, int32(j0)
				}
				if j1 < 0 || minv[j] < delta {
					delta, j1 = minv[j], j
				}
			}
			for j := 0; j <= n; j++ {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
		}
		// Augment along the path back to the virtual column.
		for j0 != 0 {
			j1 := int(way[j0])
			p[j0] = p[j1]
			j0 = j1
		}
	}

	clear(dst)
	for j := 1; j <= n; j++ {
		dst[(int(p[j])-1)*n+j-1] = 1
	}
	sc.u, sc.v, sc.minv, sc.p, sc.way, sc.used = u, v, minv, p, way, used
	assignPool.Put(sc)
}
