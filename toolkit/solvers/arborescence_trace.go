package solvers

import "fmt"

// Trace computes the spanning arborescence of the complete directed
// graph on N nodes rooted at Root by the Chu-Liu/Edmonds algorithm on
// the exponential edge weights e: the minimum arborescence. Variables and the
// indicator z are N×N row-major, entry i*N+j being the edge i→j; the
// diagonal and the edges into Root are never used (z is 0 there, and the
// estimators give them zero gradient). The zero Root is node 0.
//
// Each supernode C (a node, or a contracted cycle) other than the root's
// takes one step when it is formed: the argmin over the edges entering C
// from outside, by weights reduced by the minima of earlier steps; its
// minimum is then subtracted from every edge entering C. If the chosen
// edges form a cycle, the cycle is contracted into a new supernode (one
// cycle at a time: the first met when walking the chosen edges from each
// supernode in increasing order)
// and the algorithm goes on. Only new supernodes take steps: a supernode
// that survives a contraction keeps its chosen edge, whose reduced weight is
// exactly zero. Deciding this from the contraction structure rather than by
// testing the reduced weight against 0, as the reference implementation
// does, keeps the trace exact in floating point. Every edge is the argmin of
// at most one step.
//
// A zero N is inferred from len(e) (a square); it panics unless N ≥ 2,
// 0 ≤ Root < N and len(z) = len(e) = N².
func (s Arborescence[T]) Trace(z, e []float64) Trace {
	n, root := s.N, s.Root
	if n == 0 {
		n = isqrt(len(e))
	}
	if n < 2 || root < 0 || root >= n {
		panic(fmt.Sprintf("solvers: Arborescence.Trace: N = %d (from %d weights), Root = %d; it needs N ≥ 2 and 0 ≤ Root < N", n, len(e), s.Root))
	}
	checkTraceLen("Arborescence.Trace", n*n, z, e)
	clear(z)
	w := append([]float64(nil), e...) // reduced weights
	// Supernodes 0..n-1 are the nodes; contracted cycles get n, n+1, ...
	comp := make([]int, n) // outermost supernode of each node
	for i := range comp {
		comp[i] = i
	}
	parent := make([]int, n, 2*n)  // supernode that contracted each one, -1 if none
	minEdge := make([]int, n, 2*n) // edge chosen by each supernode's step
	children := make([][]int, n, 2*n)
	for i := range parent {
		parent[i] = -1
	}
	var active, fresh []int // outermost non-root supernodes; those without a step yet
	for i := range n {
		if i != root {
			active = append(active, i)
		}
	}
	fresh = append(fresh, active...)
	var steps []TraceStep
	for {
		for _, c := range fresh {
			var cands []int
			for j := range n {
				if comp[j] != c {
					continue
				}
				for i := range n {
					if comp[i] != c {
						cands = append(cands, i*n+j)
					}
				}
			}
			arg := argminOf(w, cands)
			m := w[arg]
			for _, k := range cands {
				w[k] -= m
			}
			steps = append(steps, TraceStep{Candidates: cands, Arg: arg})
			minEdge[c] = arg
		}
		cycle := traceCycle(n, root, active, comp, minEdge)
		if cycle == nil {
			break
		}
		c := len(parent)
		parent = append(parent, -1)
		minEdge = append(minEdge, -1)
		children = append(children, cycle)
		in := make(map[int]bool, len(cycle))
		for _, d := range cycle {
			parent[d] = c
			in[d] = true
		}
		for j, d := range comp {
			if in[d] {
				comp[j] = c
			}
		}
		kept := active[:0]
		for _, d := range active {
			if !in[d] {
				kept = append(kept, d)
			}
		}
		active = append(kept, c)
		fresh = []int{c}
	}
	// Expand: an outermost supernode keeps its chosen edge; inside a
	// contracted cycle, the member that the cycle's incoming edge enters
	// takes that edge and the other members keep their own.
	incoming := make([]int, len(parent))
	for i := range incoming {
		incoming[i] = -1
	}
	for _, d := range active {
		incoming[d] = minEdge[d]
	}
	for c := len(parent) - 1; c >= n; c-- {
		head := incoming[c] % n
		d := head
		for parent[d] != c {
			d = parent[d]
		}
		for _, ch := range children[c] {
			if ch == d {
				incoming[ch] = incoming[c]
			} else {
				incoming[ch] = minEdge[ch]
			}
		}
	}
	for j := range n {
		if j != root {
			z[incoming[j]] = 1
		}
	}
	return Trace{Steps: steps}
}

// traceCycle returns the supernodes of a cycle of the chosen edges (each
// non-root supernode points to the supernode its edge comes from), or nil.
// It walks from each active supernode in order and returns the first cycle.
func traceCycle(n, root int, active, comp, minEdge []int) []int {
	state := make(map[int]int, len(active)) // 0 unseen, 1 on the current walk, 2 done
	for _, start := range active {
		if state[start] != 0 {
			continue
		}
		var path []int
		d := start
		for d != comp[root] && state[d] == 0 {
			state[d] = 1
			path = append(path, d)
			d = comp[minEdge[d]/n]
		}
		if d != comp[root] && state[d] == 1 {
			for i, p := range path {
				if p == d {
					return append([]int(nil), path[i:]...)
				}
			}
		}
		for _, p := range path {
			state[p] = 2
		}
	}
	return nil
}
