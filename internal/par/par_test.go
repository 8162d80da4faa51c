package par

import (
	"runtime"
	"sync"
	"testing"
)

// parts runs loop, which splits [0, n) and calls its argument on each
// range, fails t unless every index is visited once, and returns the
// number of ranges.
func parts(t *testing.T, n int, loop func(func(lo, hi int))) int {
	t.Helper()
	seen := make([]int, n)
	var mu sync.Mutex
	calls := 0
	loop(func(lo, hi int) {
		mu.Lock()
		calls++
		mu.Unlock()
		for i := lo; i < hi; i++ {
			seen[i]++
		}
	})
	for i, c := range seen {
		if c != 1 {
			t.Fatalf("n = %d: index %d visited %d times", n, i, c)
		}
	}
	return calls
}

func TestForCoversEveryIndexOnce(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(3))
	for _, n := range []int{0, 1, Grain - 1, Grain, 3*Grain + 7} {
		calls := parts(t, n, func(f func(lo, hi int)) { For(n, f) })
		if n >= Grain && calls < 2 {
			t.Errorf("n = %d ran as %d part(s), want it split", n, calls)
		}
		if n < Grain && calls != 1 {
			t.Errorf("n = %d ran as %d parts, want one", n, calls)
		}
	}
}

func TestForCostSplitsByWork(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(3))
	cases := []struct {
		n, cost, parts int
	}{
		{0, Grain, 1},
		{1, 10 * Grain, 1}, // one item is never split
		{2, Grain, 2},      // two costly items: one each
		{5, Grain / 4, 2},  // 5/4 of a grain: split in two
		{7, Grain / 8, 1},  // under a grain
		{100, 30000, 3},    // subset rows: one part per CPU
		{Grain, 0, 2},      // cost 0 counts as 1, as For
	}
	for _, c := range cases {
		calls := parts(t, c.n, func(f func(lo, hi int)) { ForCost(c.n, c.cost, f) })
		if calls != c.parts {
			t.Errorf("n = %d, cost %d ran as %d part(s), want %d", c.n, c.cost, calls, c.parts)
		}
	}
}
