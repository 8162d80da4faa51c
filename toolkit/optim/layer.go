package optim

import (
	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/nn"
)

// Layer is a group of parameters that a preconditioner treats together.
type Layer[T ad.Float] struct {
	// Params are the parameters to precondition: W then B for a Linear
	// layer, a single tensor otherwise.
	Params []*ad.Tensor[T]

	// Trace is the recorded forward pass of a Linear layer, with its
	// inputs and output gradients; nil for a parameter outside one.
	Trace *nn.Trace[T]
}

// Layers groups params by layer: the parameters of a Linear layer of
// traces form one Layer with its trace, in the order of traces; every
// other parameter becomes a Layer of its own, after them, in the order of
// params. A traced layer none of whose parameters is in params is left
// out, and so is a traced parameter missing from params.
func Layers[T ad.Float](params []*ad.Tensor[T], traces []nn.Trace[T]) []Layer[T] {
	in := make(map[*ad.Tensor[T]]bool, len(params))
	for _, p := range params {
		in[p] = true
	}
	var out []Layer[T]
	taken := make(map[*ad.Tensor[T]]bool)
	for i := range traces {
		t := &traces[i]
		var ps []*ad.Tensor[T]
		for _, p := range t.Layer.Params() {
			if in[p] && !taken[p] {
				taken[p] = true
				ps = append(ps, p)
			}
		}
		if len(ps) > 0 {
			out = append(out, Layer[T]{Params: ps, Trace: t})
		}
	}
	for _, p := range params {
		if !taken[p] {
			out = append(out, Layer[T]{Params: []*ad.Tensor[T]{p}})
		}
	}
	return out
}
