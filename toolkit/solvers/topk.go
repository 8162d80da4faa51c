package solvers

import (
	"fmt"
	"sync"
)

// TopK is the solver over k-subsets: Solve sets dst to the indicator of the
// K largest entries of theta. Among equal entries the lower index is taken
// first. K has no default: K < 1 or K > len(theta) panics.
//
// Solve keeps a binary min-heap of the best K indices seen so far, which
// costs O(n log K) time rather than the O(n log n) of a sort. It is safe for
// concurrent use and allocation-free in steady state.
type TopK[T Float] struct {
	K int
}

// topKPool holds *[]int heaps for TopK.
var topKPool = sync.Pool{New: func() any { return new([]int) }}

// Solve writes the indicator of the K largest entries of theta into dst.
func (s TopK[T]) Solve(dst, theta []T) {
	n, k := len(theta), s.K
	if len(dst) != n {
		panic(fmt.Sprintf("solvers: TopK.Solve: len(dst) = %d, len(theta) = %d", len(dst), n))
	}
	if k < 1 || k > n {
		panic(fmt.Sprintf("solvers: TopK.Solve: K = %d out of range [1, len(theta) = %d]", k, n))
	}
	if k == n {
		for i := range dst {
			dst[i] = 1
		}
		return
	}
	p := topKPool.Get().(*[]int)
	if cap(*p) < k {
		*p = make([]int, k)
	}
	h := (*p)[:k]
	// h is a min-heap under worse: its root is the worst kept index.
	for i := range h {
		h[i] = i
	}
	for i := k/2 - 1; i >= 0; i-- {
		siftDownWorst(h, theta, i)
	}
	// Scanning upwards, an index equal in value to the root loses the tie
	// (it is higher), so only strictly larger entries enter.
	for i := k; i < n; i++ {
		if theta[i] > theta[h[0]] {
			h[0] = i
			siftDownWorst(h, theta, 0)
		}
	}
	clear(dst)
	for _, i := range h {
		dst[i] = 1
	}
	topKPool.Put(p)
}

// worse reports whether index a ranks below index b: smaller value, or equal
// value and higher index.
func worse[T Float](theta []T, a, b int) bool {
	return theta[a] < theta[b] || (theta[a] == theta[b] && a > b)
}

// siftDownWorst restores the heap property of h below position i, the worst
// index at the root.
func siftDownWorst[T Float](h []int, theta []T, i int) {
	n := len(h)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && worse(theta, h[r], h[l]) {
			m = r
		}
		if !worse(theta, h[m], h[i]) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}
