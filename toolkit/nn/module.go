package nn

import "github.com/stochgrad/stochgrad/toolkit/ad"

// Module is anything with trainable parameters.
type Module[T ad.Float] interface {
	// Params returns the module's trainable tensors in a fixed order. The
	// order is what checkpoints rely on.
	Params() []*ad.Tensor[T]
}

// ParamList adapts a slice of tensors to a Module.
type ParamList[T ad.Float] []*ad.Tensor[T]

// Params returns p itself.
func (p ParamList[T]) Params() []*ad.Tensor[T] { return p }

// Collect returns the parameters of the modules in order. A tensor shared by
// several modules (tied weights) appears once, at its first position, so an
// optimizer does not update it twice.
func Collect[T ad.Float](ms ...Module[T]) []*ad.Tensor[T] {
	var out []*ad.Tensor[T]
	seen := make(map[*ad.Tensor[T]]bool)
	for _, m := range ms {
		for _, p := range m.Params() {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out
}

// Count returns the number of scalar parameters of the modules, counting
// shared tensors once.
func Count[T ad.Float](ms ...Module[T]) int {
	n := 0
	for _, p := range Collect(ms...) {
		n += p.Len()
	}
	return n
}

// ZeroGrad resets the accumulated gradients of every parameter of the
// modules (see ad.Tensor.ZeroGrad). Call it before each Backward of a
// training step: gradients accumulate otherwise.
func ZeroGrad[T ad.Float](ms ...Module[T]) {
	for _, m := range ms {
		for _, p := range m.Params() {
			p.ZeroGrad()
		}
	}
}
