package solvers

import (
	"fmt"
	"math"
	"slices"
	"sync"
)

// SpanningTree is the solver over spanning trees of the complete undirected
// graph on N nodes: Solve sets dst to the edge indicator of a maximum-weight
// spanning tree. theta and dst are edge vectors of length N(N-1)/2 in the
// order (0,1), (0,2), ..., (0,N-1), (1,2), ..., (N-2,N-1); EdgeIndex and
// EdgeNodes convert between an edge and its index.
//
// A zero N is inferred from len(theta). Solve runs Kruskal's algorithm with
// union-find, taking equal weights in edge-index order, in O(E log E) time;
// it is safe for concurrent use and allocation-free in steady state.
type SpanningTree[T Float] struct {
	N int
}

// NumEdges returns n(n-1)/2, the number of edges of the complete graph on n
// nodes.
func NumEdges(n int) int { return n * (n - 1) / 2 }

// EdgeIndex returns the index of the undirected edge {u, v} of the complete
// graph on n nodes in the order (0,1), (0,2), ..., (0,n-1), (1,2), ...,
// (n-2,n-1). The order of u and v does not matter. It panics unless u and v
// are distinct nodes in [0, n).
func EdgeIndex(n, u, v int) int {
	if u < 0 || v < 0 || u >= n || v >= n || u == v {
		panic(fmt.Sprintf("solvers: EdgeIndex: edge (%d, %d) is not an edge of the complete graph on n = %d nodes", u, v, n))
	}
	if u > v {
		u, v = v, u
	}
	return u*n - u*(u+1)/2 + v - u - 1
}

// EdgeNodes is the inverse of EdgeIndex: it returns the nodes u < v of the
// edge with index e. It panics unless e is in [0, n(n-1)/2).
func EdgeNodes(n, e int) (u, v int) {
	if e < 0 || e >= NumEdges(n) {
		panic(fmt.Sprintf("solvers: EdgeNodes: edge index %d out of range [0, %d) for n = %d nodes", e, NumEdges(n), n))
	}
	// Row u holds n-1-u edges; walk the rows.
	for u = 0; e >= n-1-u; u++ {
		e -= n - 1 - u
	}
	return u, u + 1 + e
}

// nodesFor returns the n with n(n-1)/2 = m, or -1 if there is none.
func nodesFor(m int) int {
	n := int((1 + math.Sqrt(1+8*float64(m))) / 2)
	for _, c := range []int{n - 1, n, n + 1} {
		if c >= 1 && NumEdges(c) == m {
			return c
		}
	}
	return -1
}

// treeScratch is the working memory of one Kruskal run.
type treeScratch struct {
	n      int     // node count eu and ev were built for
	eu, ev []int32 // endpoints of each edge
	order  []int32 // edge indices, best first
	uf     unionFind
}

var treePool = sync.Pool{New: func() any { return new(treeScratch) }}

// Solve writes the edge indicator of a maximum-weight spanning tree into dst.
// It panics if len(theta) != N(N-1)/2 or len(dst) != len(theta).
func (s SpanningTree[T]) Solve(dst, theta []T) {
	if len(dst) != len(theta) {
		panic(fmt.Sprintf("solvers: SpanningTree.Solve: len(dst) = %d, len(theta) = %d", len(dst), len(theta)))
	}
	n := s.N
	if n == 0 {
		n = nodesFor(len(theta))
	}
	if n < 1 || NumEdges(n) != len(theta) {
		panic(fmt.Sprintf("solvers: SpanningTree.Solve: len(theta) = %d, want N(N-1)/2 for N = %d", len(theta), s.N))
	}
	m := len(theta)

	sc := treePool.Get().(*treeScratch)
	if sc.n != n {
		sc.eu, sc.ev = grow(sc.eu, m), grow(sc.ev, m)
		e := 0
		for u := range n {
			for v := u + 1; v < n; v++ {
				sc.eu[e], sc.ev[e] = int32(u), int32(v)
				e++
			}
		}
		sc.n = n
	}
	order := grow(sc.order, m)
	for e := range order {
		order[e] = int32(e)
	}
	slices.SortFunc(order, func(a, b int32) int {
		switch ta, tb := theta[a], theta[b]; {
		case ta > tb:
			return -1
		case ta < tb:
			return 1
		}
		return int(a - b)
	})
	sc.uf.reset(n)

	clear(dst)
	for taken, k := 0, 0; taken < n-1; k++ {
		e := order[k]
		if sc.uf.union(sc.eu[e], sc.ev[e]) {
			dst[e] = 1
			taken++
		}
	}
	sc.order = order
	treePool.Put(sc)
}

// unionFind is a disjoint-set forest with union by size and path halving.
type unionFind struct {
	parent, size []int32
}

func (uf *unionFind) reset(n int) {
	uf.parent, uf.size = grow(uf.parent, n), grow(uf.size, n)
	for i := range uf.parent {
		uf.parent[i], uf.size[i] = int32(i), 1
	}
}

func (uf *unionFind) find(x int32) int32 {
	for uf.parent[x] != x {
		uf.parent[x] = uf.parent[uf.parent[x]]
		x = uf.parent[x]
	}
	return x
}

// union merges the sets of a and b and reports whether they were apart.
func (uf *unionFind) union(a, b int32) bool {
	a, b = uf.find(a), uf.find(b)
	if a == b {
		return false
	}
	if uf.size[a] < uf.size[b] {
		a, b = b, a
	}
	uf.parent[b] = a
	uf.size[a] += uf.size[b]
	return true
}
