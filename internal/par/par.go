// Package par splits loops over large flat slices across the CPUs.
package par

import (
	"runtime"
	"sync"
)

// Grain is the number of elements below which For runs on the calling
// goroutine alone: smaller loops finish before a second goroutine starts.
const Grain = 1 << 16

// For calls f on consecutive ranges [lo, hi) that cover [0, n). When n is at
// least Grain it splits the range into one part per CPU (GOMAXPROCS) and runs
// them concurrently, returning when all are done; otherwise it calls f(0, n).
// f must be safe to run concurrently on disjoint ranges.
func For(n int, f func(lo, hi int)) { ForCost(n, 1, f) }

// ForCost is For over n items that each cost about as much as cost
// elements: it splits the range when n·cost is at least Grain, into at
// most one part per item.
func ForCost(n, cost int, f func(lo, hi int)) {
	work := n * max(cost, 1)
	parts := min(runtime.GOMAXPROCS(0), work/(Grain/2), n)
	if work < Grain || parts < 2 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	size := (n + parts - 1) / parts
	for lo := size; lo < n; lo += size {
		wg.Go(func() { f(lo, min(lo+size, n)) })
	}
	f(0, size)
	wg.Wait()
}
