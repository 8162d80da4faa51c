package solvers

import (
	"fmt"
	"slices"
	"sync"
)

// Arborescence is the solver over spanning arborescences (directed spanning
// trees) of the complete directed graph on N nodes, rooted at Root: Solve
// sets dst to the edge indicator of a maximum-weight arborescence in which
// every node other than Root has exactly one incoming edge and all are
// reachable from Root. theta and dst are N×N row-major, entry i*N+j being the
// edge i→j. The diagonal and the edges into Root are ignored by Solve and set
// to 0 in dst.
//
// A zero N is inferred from len(theta) (a square); the zero Root is node 0.
// Solve runs the Chu-Liu/Edmonds algorithm on the dense graph, contracting
// one cycle at a time, in O(N³) time. theta must be finite. It is safe for
// concurrent use and allocation-free in steady state.
type Arborescence[T Float] struct {
	N, Root int
}

// arbScratch is the working memory of one Chu-Liu/Edmonds run. Current
// nodes reuse the ids of original nodes: a contracted cycle takes the id of
// one of its members and the others die.
type arbScratch struct {
	w     []float64 // N×N weights between current nodes
	orig  []int32   // N×N original edge behind each current edge
	alive []bool
	best  []int32 // chosen incoming current node of each current node
	mark  []int32 // cycle search: walk that visited a node, or -1
	inCyc []bool
	comp  []int32 // current node holding each original node
	par   []int32 // parent of each original node in the result

	// One record per contraction, to expand them in reverse:
	cycStart []int32 // offset of the level's cycle in cyc
	cyc      []int32 // cycle members (current ids), all levels back to back
	cycIn    []int32 // original edge chosen into each cycle member
	cycRep   []int32 // id the cycle was contracted into
	comps    []int32 // comp before the contraction, N per level
}

var arbPool = sync.Pool{New: func() any { return new(arbScratch) }}

func (sc *arbScratch) reset(n int) {
	sc.w = grow(sc.w, n*n)
	sc.orig = grow(sc.orig, n*n)
	sc.alive = grow(sc.alive, n)
	sc.best = grow(sc.best, n)
	sc.mark = grow(sc.mark, n)
	sc.inCyc = grow(sc.inCyc, n)
	sc.comp = grow(sc.comp, n)
	sc.par = grow(sc.par, n)
	sc.cycStart = slices.Grow(sc.cycStart[:0], n)
	sc.cyc = slices.Grow(sc.cyc[:0], 2*n)
	sc.cycIn = slices.Grow(sc.cycIn[:0], 2*n)
	sc.cycRep = slices.Grow(sc.cycRep[:0], n)
	sc.comps = slices.Grow(sc.comps[:0], n*n)
}

// Solve writes the edge indicator of a maximum-weight arborescence into dst.
// It panics if len(theta) is not N×N, Root is not in [0, N), or
// len(dst) != len(theta).
func (s Arborescence[T]) Solve(dst, theta []T) {
	if len(dst) != len(theta) {
		panic(fmt.Sprintf("solvers: Arborescence.Solve: len(dst) = %d, len(theta) = %d", len(dst), len(theta)))
	}
	n := s.N
	if n == 0 {
		n = isqrt(len(theta))
	}
	if n < 1 || n*n != len(theta) {
		panic(fmt.Sprintf("solvers: Arborescence.Solve: len(theta) = %d, want N×N for N = %d", len(theta), s.N))
	}
	root := s.Root
	if root < 0 || root >= n {
		panic(fmt.Sprintf("solvers: Arborescence.Solve: Root = %d out of range [0, N = %d)", root, n))
	}

	sc := arbPool.Get().(*arbScratch)
	sc.reset(n)
	w, orig := sc.w, sc.orig
	for e, t := range theta {
		w[e], orig[e] = float64(t), int32(e)
	}
	for i := range n {
		sc.alive[i], sc.comp[i], sc.par[i] = true, int32(i), -1
	}

	for {
		// Best incoming edge of every current node but the root.
		for j := range n {
			if !sc.alive[j] || j == root {
				continue
			}
			b := -1
			for i := range n {
				if i != j && sc.alive[i] && (b < 0 || w[i*n+j] > w[b*n+j]) {
					b = i
				}
			}
			sc.best[j] = int32(b)
		}
		c := sc.findCycle(n, root)
		if c < 0 {
			break
		}
		sc.contract(n, c)
	}

	// The chosen edges of the last graph form an arborescence of it.
	for j := range n {
		if sc.alive[j] && j != root {
			e := orig[int(sc.best[j])*n+j]
			sc.par[int(e)%n] = e / int32(n)
		}
	}
	// Expand the contractions, last first. Exactly one chosen edge enters a
	// contracted cycle; every cycle edge is kept but the one into the member
	// that edge enters.
	for l := len(sc.cycRep) - 1; l >= 0; l-- {
		rep, comps := sc.cycRep[l], sc.comps[l*n:(l+1)*n]
		next := sc.comp // comp one level up
		if l+1 < len(sc.cycRep) {
			next = sc.comps[(l+1)*n : (l+2)*n]
		}
		entered := int32(-1)
		for b := range n {
			if sc.par[b] >= 0 && next[b] == rep {
				entered = comps[b]
				break
			}
		}
		hi := int32(len(sc.cyc))
		if l+1 < len(sc.cycStart) {
			hi = sc.cycStart[l+1]
		}
		for k := sc.cycStart[l]; k < hi; k++ {
			if sc.cyc[k] != entered {
				e := sc.cycIn[k]
				sc.par[int(e)%n] = e / int32(n)
			}
		}
	}

	clear(dst)
	for b, a := range sc.par {
		if b != root {
			dst[int(a)*n+b] = 1
		}
	}
	arbPool.Put(sc)
}

// findCycle returns a node on a cycle of the chosen edges, or -1 if they
// form an arborescence.
func (sc *arbScratch) findCycle(n, root int) int {
	for i := range n {
		sc.mark[i] = -1
	}
	for start := range n {
		if !sc.alive[start] || sc.mark[start] >= 0 {
			continue
		}
		v := start
		for v != root && sc.mark[v] < 0 {
			sc.mark[v] = int32(start)
			v = int(sc.best[v])
		}
		if v != root && sc.mark[v] == int32(start) {
			return v
		}
	}
	return -1
}

// contract records the cycle through c and contracts it into c.
func (sc *arbScratch) contract(n, c int) {
	w, orig := sc.w, sc.orig
	sc.cycStart = append(sc.cycStart, int32(len(sc.cyc)))
	sc.cycRep = append(sc.cycRep, int32(c))
	sc.comps = append(sc.comps, sc.comp...)
	start := len(sc.cyc)
	for v := c; ; {
		sc.cyc = append(sc.cyc, int32(v))
		sc.cycIn = append(sc.cycIn, orig[int(sc.best[v])*n+v])
		sc.inCyc[v] = true
		if v = int(sc.best[v]); v == c {
			break
		}
	}
	cyc := sc.cyc[start:]

	// Entering the cycle at v replaces the cycle edge into v, so an edge
	// u→v is worth its weight minus that of the cycle edge it displaces.
	// Leaving the cycle, the best member's edge is kept. The step for u
	// reads only row u, column u and the cycle edges, and writes W[u][c]
	// and W[c][u], which no later step reads.
	for u := range n {
		if !sc.alive[u] || sc.inCyc[u] {
			continue
		}
		bi, bo := -1, -1
		var gi, go_ float64
		for _, v := range cyc {
			g := w[u*n+int(v)] - w[int(sc.best[v])*n+int(v)]
			if bi < 0 || g > gi {
				bi, gi = int(v), g
			}
			if o := w[int(v)*n+u]; bo < 0 || o > go_ {
				bo, go_ = int(v), o
			}
		}
		w[u*n+c], orig[u*n+c] = gi, orig[u*n+bi]
		w[c*n+u], orig[c*n+u] = go_, orig[bo*n+u]
	}
	for b := range n {
		if sc.inCyc[sc.comp[b]] {
			sc.comp[b] = int32(c)
		}
	}
	for _, v := range cyc {
		sc.inCyc[v] = false
		if int(v) != c {
			sc.alive[v] = false
		}
	}
}
