package solvers_test

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"testing"

	"github.com/stochgrad/stochgrad/toolkit/solvers"
)

func TestEdgeIndex(t *testing.T) {
	for n := 2; n <= 12; n++ {
		e := 0
		for u := range n {
			for v := u + 1; v < n; v++ {
				if got := solvers.EdgeIndex(n, u, v); got != e {
					t.Fatalf("EdgeIndex(%d, %d, %d) = %d, want %d", n, u, v, got, e)
				}
				if got := solvers.EdgeIndex(n, v, u); got != e {
					t.Fatalf("EdgeIndex(%d, %d, %d) = %d, want %d", n, v, u, got, e)
				}
				if gu, gv := solvers.EdgeNodes(n, e); gu != u || gv != v {
					t.Fatalf("EdgeNodes(%d, %d) = (%d, %d), want (%d, %d)", n, e, gu, gv, u, v)
				}
				e++
			}
		}
		if e != solvers.NumEdges(n) {
			t.Fatalf("NumEdges(%d) = %d, counted %d", n, solvers.NumEdges(n), e)
		}
	}
	mustPanic(t, "EdgeIndex: edge (2, 2) is not an edge of the complete graph on n = 4 nodes", func() { solvers.EdgeIndex(4, 2, 2) })
	mustPanic(t, "EdgeIndex: edge (0, 4)", func() { solvers.EdgeIndex(4, 0, 4) })
	mustPanic(t, "EdgeIndex: edge (-1, 2)", func() { solvers.EdgeIndex(4, -1, 2) })
	mustPanic(t, "EdgeNodes: edge index 6 out of range [0, 6) for n = 4 nodes", func() { solvers.EdgeNodes(4, 6) })
	mustPanic(t, "EdgeNodes: edge index -1", func() { solvers.EdgeNodes(4, -1) })
}

// isSpanningTree reports whether the edge set mask of the complete graph on
// n nodes is a spanning tree: n-1 edges and no cycle.
func isSpanningTree(n int, mask uint) bool {
	if bits.OnesCount(mask) != n-1 {
		return false
	}
	comp := make([]int, n)
	for i := range comp {
		comp[i] = i
	}
	for e := range solvers.NumEdges(n) {
		if mask>>e&1 == 0 {
			continue
		}
		u, v := solvers.EdgeNodes(n, e)
		cu, cv := comp[u], comp[v]
		if cu == cv {
			return false
		}
		for i := range comp {
			if comp[i] == cv {
				comp[i] = cu
			}
		}
	}
	return true
}

func TestSpanningTree(t *testing.T) {
	t.Run("float32", testSpanningTree[float32])
	t.Run("float64", testSpanningTree[float64])
}

// testSpanningTree compares SpanningTree with the enumeration of all edge
// subsets of size N-1 that are trees, for N ≤ 6 (at most 3003 subsets).
func testSpanningTree[T solvers.Float](t *testing.T) {
	rnd := rand.New(rand.NewPCG(13, 14))
	for trial := range 300 {
		n := 1 + trial%6
		m := solvers.NumEdges(n)
		theta := randScores[T](rnd, m, trial%3 == 0, -2, 2)
		z := make([]T, m)
		for i := range z {
			z[i] = 5
		}
		s := solvers.SpanningTree[T]{N: n}
		if trial%2 == 1 {
			s.N = 0 // inferred from len(theta)
		}
		s.Solve(z, theta)
		checkBinary(t, z)
		var got uint
		for e := range z {
			got |= uint(z[e]) << e
		}
		if !isSpanningTree(n, got) {
			t.Fatalf("N=%d theta %v: z = %v is not a spanning tree", n, theta, z)
		}
		best := -1e300
		e := make([]T, m)
		for mask := range uint(1) << m {
			if !isSpanningTree(n, mask) {
				continue
			}
			for i := range e {
				e[i] = T(mask >> i & 1)
			}
			best = max(best, dot(theta, e))
		}
		if v := dot(theta, z); v < best-objTol(theta, n) {
			t.Fatalf("N=%d theta %v: <theta,z> = %v, enumeration %v", n, theta, v, best)
		}
	}
}

func TestSpanningTreePanics(t *testing.T) {
	mustPanic(t, "SpanningTree.Solve: len(theta) = 5, want N(N-1)/2 for N = 0", func() {
		solvers.SpanningTree[float64]{}.Solve(make([]float64, 5), make([]float64, 5))
	})
	mustPanic(t, "SpanningTree.Solve: len(theta) = 6, want N(N-1)/2 for N = 3", func() {
		solvers.SpanningTree[float64]{N: 3}.Solve(make([]float64, 6), make([]float64, 6))
	})
	mustPanic(t, "SpanningTree.Solve: len(theta) = 0, want N(N-1)/2 for N = -1", func() {
		solvers.SpanningTree[float64]{N: -1}.Solve(nil, nil)
	})
	mustPanic(t, "SpanningTree.Solve: len(dst) = 2, len(theta) = 3", func() {
		solvers.SpanningTree[float64]{N: 3}.Solve(make([]float64, 2), make([]float64, 3))
	})
}

func ExampleSpanningTree() {
	const n = 4
	theta := make([]float64, solvers.NumEdges(n))
	theta[solvers.EdgeIndex(n, 0, 1)] = 3
	theta[solvers.EdgeIndex(n, 1, 2)] = 2
	theta[solvers.EdgeIndex(n, 0, 2)] = 2.5
	theta[solvers.EdgeIndex(n, 2, 3)] = 1
	z := make([]float64, len(theta))
	solvers.SpanningTree[float64]{N: n}.Solve(z, theta)
	for e, on := range z {
		if on == 1 {
			u, v := solvers.EdgeNodes(n, e)
			fmt.Printf("(%d,%d) ", u, v)
		}
	}
	fmt.Println()
	// Output:
	// (0,1) (0,2) (2,3)
}

func BenchmarkSpanningTree(b *testing.B) {
	const n = 10
	rnd := rand.New(rand.NewPCG(1, 2))
	thetas := make([][]float32, 64)
	for i := range thetas {
		thetas[i] = randScores[float32](rnd, solvers.NumEdges(n), false, 0, 0)
	}
	z := make([]float32, solvers.NumEdges(n))
	var s solvers.Solver[float32] = solvers.SpanningTree[float32]{N: n}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s.Solve(z, thetas[i%len(thetas)])
	}
}
