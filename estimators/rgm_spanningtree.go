package estimators

import "fmt"

// KruskalTree is the spanning tree of the complete undirected graph on N
// nodes computed by Kruskal's algorithm on exponential edge weights: the
// minimum spanning tree. Edges are indexed in the order (0,1), (0,2), ...,
// (0,N−1), (1,2), ..., (N−2,N−1) (as in solvers.SpanningTree), so there are
// N(N−1)/2 variables. Step s takes the argmin over the edges that join two
// different components; the trace is the N−1 tree edges in the order Kruskal
// added them. The indicator z has a one at each tree edge.
type KruskalTree struct {
	N int
}

// NewKruskalTree returns the spanning trees on n ≥ 2 nodes.
func NewKruskalTree(n int) (KruskalTree, error) {
	s := KruskalTree{N: n}
	return s, s.check()
}

func (s KruskalTree) check() error {
	if s.N < 2 {
		return fmt.Errorf("estimators: KruskalTree needs N ≥ 2 nodes, got %d", s.N)
	}
	return nil
}

// Len returns N(N−1)/2, the number of edges.
func (s KruskalTree) Len() int { return s.N * (s.N - 1) / 2 }

// Edge returns the nodes u < v of edge k.
func (s KruskalTree) Edge(k int) (u, v int) {
	if k < 0 || k >= s.Len() {
		panic(fmt.Sprintf("estimators.KruskalTree.Edge: edge %d out of range [0, %d) for N = %d", k, s.Len(), s.N))
	}
	for u = 0; k >= s.N-1-u; u++ {
		k -= s.N - 1 - u
	}
	return u, u + 1 + k
}

// Trace implements Structure.
func (s KruskalTree) Trace(z, e []float64) Trace {
	if err := s.check(); err != nil {
		panic(err.Error())
	}
	n, m := s.N, s.Len()
	rgmCheckLen("KruskalTree.Trace", m, z, e)
	clear(z)
	us, vs := make([]int, 0, m), make([]int, 0, m)
	for u := range n {
		for v := u + 1; v < n; v++ {
			us, vs = append(us, u), append(vs, v)
		}
	}
	comp := make([]int, n) // component label of each node
	for i := range comp {
		comp[i] = i
	}
	steps := make([]TraceStep, n-1)
	for t := range n - 1 {
		var cands []int
		for k := range m {
			if comp[us[k]] != comp[vs[k]] {
				cands = append(cands, k)
			}
		}
		arg := rgmArgmin(e, cands)
		steps[t] = TraceStep{Candidates: cands, Arg: arg}
		z[arg] = 1
		from, to := comp[vs[arg]], comp[us[arg]]
		for i, c := range comp {
			if c == from {
				comp[i] = to
			}
		}
	}
	return Trace{Steps: steps}
}
