package solvers

import (
	"fmt"
	"slices"
	"sync"
)

// ShortestPath is the grid shortest-path solver of the Warcraft-maps
// experiments (Vlastelica et al. 2020; I-MLE, Niepert et al. 2021). theta
// holds Rows×Cols vertex costs in row-major order; each vertex is joined to
// its 8 neighbours, and a path runs from the top-left vertex to the
// bottom-right one. Its cost is the sum of the costs of the vertices on it,
// both ends included. Solve writes into dst the 0/1 indicator of the vertices
// of a cheapest path.
//
// ShortestPath is a MINIMISER of <cost, z>, unlike the other solvers of this
// package. Estimators that expect a maximiser of <θ, z> use
// Negate(ShortestPath{...}), which finds the path minimising <−θ, z>.
//
// Negative costs: a shortest simple path with negative vertex costs is
// NP-hard in general, and perturbations used by the estimators can push
// costs below zero. Solve therefore floors costs at zero for the search: it
// returns a simple path minimising Σ_v max(cost_v, 0). With non-negative
// costs this is an exact shortest path. Costs may be +Inf (a path is still
// returned); they must not be NaN.
//
// A zero Rows or Cols is inferred from len(theta); both zero means a square
// grid. Solve runs Dijkstra's algorithm with a binary heap, in
// O(V log V) time for V = Rows×Cols; it is safe for concurrent use and
// allocation-free in steady state.
type ShortestPath[T Float] struct {
	Rows, Cols int
}

// Solve writes the indicator of the vertices of a cheapest path into dst.
// It panics if the grid shape does not match len(theta) or
// len(dst) != len(theta).
func (s ShortestPath[T]) Solve(dst, theta []T) {
	if len(dst) != len(theta) {
		panic(fmt.Sprintf("solvers: ShortestPath.Solve: len(dst) = %d, len(theta) = %d", len(dst), len(theta)))
	}
	rows, cols := s.shape(len(theta))
	nv := rows * cols

	sc := pathPool.Get().(*pathScratch)
	sc.reset(nv)
	cost, dist, par, done := sc.cost, sc.dist, sc.parent, sc.done
	for v, c := range theta {
		cost[v] = max(float64(c), 0)
	}
	const src = 0
	target := nv - 1
	dist[src], par[src] = cost[src], src
	h := sc.heap[:0]
	h = pushDist(h, distItem{dist[src], src})
	for len(h) > 0 {
		var it distItem
		it, h = popDist(h)
		u := int(it.v)
		if done[u] {
			continue // stale entry: u was reached more cheaply
		}
		done[u] = true
		if u == target {
			break
		}
		ur, uc := u/cols, u%cols
		for r := max(ur-1, 0); r <= min(ur+1, rows-1); r++ {
			for c := max(uc-1, 0); c <= min(uc+1, cols-1); c++ {
				v := r*cols + c
				if done[v] {
					continue // u itself, or final
				}
				// A vertex not reached yet takes any distance, +Inf
				// included, so a path exists even through infinite costs.
				if d := it.d + cost[v]; par[v] < 0 || d < dist[v] {
					dist[v], par[v] = d, int32(u)
					h = pushDist(h, distItem{d, int32(v)})
				}
			}
		}
	}
	sc.heap = h

	clear(dst)
	for v := target; ; v = int(par[v]) {
		dst[v] = 1
		if v == src {
			break
		}
	}
	pathPool.Put(sc)
}

// shape returns the grid shape for n vertices, filling in zero fields.
func (s ShortestPath[T]) shape(n int) (rows, cols int) {
	rows, cols = s.Rows, s.Cols
	switch {
	case rows < 0 || cols < 0:
	case rows == 0 && cols == 0:
		side := isqrt(n)
		rows, cols = side, side
	case rows == 0 && n%cols == 0:
		rows = n / cols
	case cols == 0 && n%rows == 0:
		cols = n / rows
	}
	if rows < 1 || cols < 1 || rows*cols != n {
		panic(fmt.Sprintf("solvers: ShortestPath.Solve: grid Rows = %d, Cols = %d does not fit len(theta) = %d", s.Rows, s.Cols, n))
	}
	return rows, cols
}

// pathScratch is the working memory of one Dijkstra run.
type pathScratch struct {
	cost   []float64 // costs floored at 0
	dist   []float64
	parent []int32 // -1: not reached yet
	done   []bool  // distance final
	heap   []distItem
}

var pathPool = sync.Pool{New: func() any { return new(pathScratch) }}

func (sc *pathScratch) reset(n int) {
	sc.cost, sc.dist = grow(sc.cost, n), grow(sc.dist, n)
	sc.parent, sc.done = grow(sc.parent, n), grow(sc.done, n)
	for i := range sc.parent {
		sc.parent[i] = -1
	}
	clear(sc.done)
	// Every improving relaxation pushes once: at most 8 per vertex.
	sc.heap = slices.Grow(sc.heap[:0], 8*n+1)
}

// distItem is a vertex keyed by a tentative distance. The heap holds one
// item per improvement instead of decreasing keys in place; items of
// vertices already final are skipped when popped.
type distItem struct {
	d float64
	v int32
}

// pushDist adds it to the binary min-heap h.
func pushDist(h []distItem, it distItem) []distItem {
	h = append(h, it)
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !(it.d < h[p].d) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = it
	return h
}

// popDist removes and returns the least item of the binary min-heap h.
func popDist(h []distItem) (distItem, []distItem) {
	top := h[0]
	n := len(h) - 1
	last := h[n]
	h = h[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && h[r].d < h[l].d {
			m = r
		}
		if !(h[m].d < last.d) {
			break
		}
		h[i] = h[m]
		i = m
	}
	if n > 0 {
		h[i] = last
	}
	return top, h
}
