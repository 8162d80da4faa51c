//go:build !adpoison

package ad

// poison is set by the build tag adpoison: recycled buffers are filled with
// NaN, so that a read through a stale reference shows in the results.
const poison = false
