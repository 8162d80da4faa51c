package solvers

import "fmt"

// Argmax is the solver over one-hot vectors: Solve sets dst to the indicator
// of the largest entry of theta, the lowest index among equal largest
// entries. It is safe for concurrent use and never allocates.
type Argmax[T Float] struct{}

// Solve writes the one-hot vector of the largest entry of theta into dst.
// It panics if theta is empty or len(dst) != len(theta).
func (Argmax[T]) Solve(dst, theta []T) {
	if len(dst) != len(theta) {
		panic(fmt.Sprintf("solvers: Argmax.Solve: len(dst) = %d, len(theta) = %d", len(dst), len(theta)))
	}
	if len(theta) == 0 {
		panic("solvers: Argmax.Solve: empty theta")
	}
	best := 0
	for i, t := range theta {
		if t > theta[best] {
			best = i
		}
	}
	clear(dst)
	dst[best] = 1
}
