package par

import (
	"runtime"
	"sync"
	"testing"
)

func TestForCoversEveryIndexOnce(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(3))
	for _, n := range []int{0, 1, Grain - 1, Grain, 3*Grain + 7} {
		seen := make([]int, n)
		var mu sync.Mutex
		calls := 0
		For(n, func(lo, hi int) {
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
		if n >= Grain && calls < 2 {
			t.Errorf("n = %d ran as %d part(s), want it split", n, calls)
		}
		if n < Grain && calls != 1 {
			t.Errorf("n = %d ran as %d parts, want one", n, calls)
		}
	}
}
