package nn

import "github.com/stochgrad/stochgrad/toolkit/ad"

// Trace is what a forward pass leaves of one Linear layer for a
// preconditioner such as K-FAC: the layer, its input a and its output
// s = a·W + B before the activation. Out retains its gradient, so after a
// backward pass Out.Grad holds ∂L/∂s.
type Trace[T ad.Float] struct {
	Layer   *Linear[T]
	In, Out *ad.Tensor[T]

	// CurvGrad, when not nil, holds ∂L̃/∂s for a loss L̃ on targets
	// sampled from the model, saved by Recorder.KeepCurvatureGrads; K-FAC
	// builds the sampled (true) Fisher from it instead of from Out.Grad.
	CurvGrad []T
}

// Recorder keeps the Traces of the latest forward pass of an MLP. Install
// it with Record.
type Recorder[T ad.Float] struct {
	Traces []Trace[T] // one per layer, in order

	m *MLP[T]
}

// Record installs a new Recorder as m's Hook and returns it. Every Forward
// of m then replaces the recorded traces. Forward passes whose results are
// not differentiated (evaluation) may run in between, as long as the
// training pass is the last one before its backward pass.
func Record[T ad.Float](m *MLP[T]) *Recorder[T] {
	r := &Recorder[T]{m: m}
	m.Hook = r.hook
	return r
}

func (r *Recorder[T]) hook(i int, in, out *ad.Tensor[T]) {
	if i == 0 {
		r.Traces = r.Traces[:0]
	}
	out.RetainGrad()
	r.Traces = append(r.Traces, Trace[T]{Layer: r.m.Layers[i], In: in, Out: out})
}

// KeepCurvatureGrads moves each trace's output gradient into its CurvGrad
// and clears Out.Grad. Call it after a backward pass on a loss of targets
// sampled from the model (kept with ad's BackwardKeepGraph), then zero the
// parameters' gradients and run the backward pass of the real loss.
func (r *Recorder[T]) KeepCurvatureGrads() {
	for i := range r.Traces {
		t := &r.Traces[i]
		if t.Out.Grad == nil {
			t.CurvGrad = nil
			continue
		}
		t.CurvGrad = append(t.CurvGrad[:0], t.Out.Grad...)
		clear(t.Out.Grad)
	}
}
