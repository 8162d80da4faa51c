package solvers

import "fmt"

// Trace computes the spanning tree of the complete undirected graph on N
// nodes by Kruskal's algorithm on the exponential edge weights e, as a
// minimum spanning tree, in the edge order of Solve (EdgeIndex). Step s takes
// the argmin over the edges that join two different components; the trace is
// the N−1 tree edges in the order Kruskal added them. The indicator z gets a
// one at each tree edge. A zero N is inferred from len(e); it panics unless
// N ≥ 2 and len(z) = len(e) = N(N−1)/2.
func (s SpanningTree[T]) Trace(z, e []float64) Trace {
	n := s.N
	if n == 0 {
		n = nodesFor(len(e))
	}
	if n < 2 {
		panic(fmt.Sprintf("solvers: SpanningTree.Trace: %d edge weights are no complete graph on N ≥ 2 nodes (N = %d)", len(e), s.N))
	}
	m := NumEdges(n)
	checkTraceLen("SpanningTree.Trace", m, z, e)
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
		arg := argminOf(e, cands)
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
