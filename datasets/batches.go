package datasets

import (
	"fmt"
	"iter"
	"math/rand/v2"
)

// Batches returns an iterator over one epoch of mini-batches of the indices
// 0..n-1. With rnd non-nil the indices are shuffled by a fresh permutation
// drawn from rnd each time the iterator is ranged over, so ranging over it
// again gives the next epoch; with rnd nil they come in order (for
// evaluation). Every batch holds size indices except possibly the last,
// which holds the remainder; callers that need full batches can stop at
// the first short one. The yielded slices do not alias one another.
//
//	for idx := range datasets.Batches(train.N, 100, rnd) {
//		x := datasets.GatherRows(buf, train.Pixels, train.Dim(), idx)
//		...
//	}
func Batches(n, size int, rnd *rand.Rand) iter.Seq[[]int] {
	if n < 0 || size <= 0 {
		panic(fmt.Sprintf("datasets: Batches: n=%d, size=%d: want n >= 0 and size > 0", n, size))
	}
	return func(yield func([]int) bool) {
		var perm []int
		if rnd != nil {
			perm = rnd.Perm(n)
		} else {
			perm = make([]int, n)
			for i := range perm {
				perm[i] = i
			}
		}
		for i := 0; i < n; i += size {
			j := min(i+size, n)
			if !yield(perm[i:j:j]) {
				return
			}
		}
	}
}

// SplitIndices splits the indices 0..n-1 into n-nValid training and nValid
// validation indices. With rnd nil the split is the deterministic one, the
// last nValid indices for validation; otherwise the indices are first
// shuffled by a permutation drawn from rnd.
func SplitIndices(n, nValid int, rnd *rand.Rand) (train, valid []int) {
	if n < 0 || nValid < 0 || nValid > n {
		panic(fmt.Sprintf("datasets: SplitIndices: n=%d, nValid=%d: want 0 <= nValid <= n", n, nValid))
	}
	var perm []int
	if rnd != nil {
		perm = rnd.Perm(n)
	} else {
		perm = make([]int, n)
		for i := range perm {
			perm[i] = i
		}
	}
	return perm[: n-nValid : n-nValid], perm[n-nValid:]
}

// GatherRows copies the rows idx of the row-major matrix src, whose rows
// have dim elements, into dst one after another and returns the
// len(idx)*dim elements written. dst is reused when it has the capacity,
// and reallocated otherwise.
func GatherRows[T any](dst, src []T, dim int, idx []int) []T {
	if dim <= 0 || len(src)%dim != 0 {
		panic(fmt.Sprintf("datasets: GatherRows: len(src)=%d is not a multiple of dim=%d", len(src), dim))
	}
	rows := len(src) / dim
	if cap(dst) < len(idx)*dim {
		dst = make([]T, len(idx)*dim)
	}
	dst = dst[:len(idx)*dim]
	for k, i := range idx {
		if i < 0 || i >= rows {
			panic(fmt.Sprintf("datasets: GatherRows: index %d out of range [0, %d)", i, rows))
		}
		copy(dst[k*dim:(k+1)*dim], src[i*dim:(i+1)*dim])
	}
	return dst
}
