package ad

import (
	"fmt"
	"sync/atomic"
)

// epoch stamps topological sorts so that each one visits a tensor once
// without a map.
var epoch atomic.Uint64

// record attaches a backward closure to out when any input requires a
// gradient. Ops call it only after checking needsGrad, so no closure is
// built for computations without gradients.
func record[T Float](out *Tensor[T], op string, backward func(g []T), inputs ...*Tensor[T]) *Tensor[T] {
	out.requiresGrad = true
	out.node = &node[T]{op: op, inputs: inputs, backward: backward}
	return out
}

// needsGrad reports whether any of ts requires a gradient.
func needsGrad[T Float](ts ...*Tensor[T]) bool {
	for _, t := range ts {
		if t.requiresGrad {
			return true
		}
	}
	return false
}

// grad returns t's gradient buffer, allocating zeros on first use.
func (t *Tensor[T]) grad() []T {
	if t.Grad == nil {
		t.Grad = make([]T, len(t.Data))
	}
	return t.Grad
}

// Backward computes the gradient of the scalar t with respect to every leaf
// that requires a gradient, adds it to the leaves' Grad, and releases the
// graph. It panics if t has more than one element: use BackwardWith for a
// vector-Jacobian product.
func (t *Tensor[T]) Backward() {
	if len(t.Data) != 1 {
		panic(fmt.Sprintf("ad.Backward: output of shape %v is not a scalar; use BackwardWith", t.shape))
	}
	backward(t, []T{1}, false)
}

// BackwardWith propagates the cotangent cot (of t's shape) backwards: every
// leaf x that requires a gradient gets cotᵀ·∂t/∂x added to x.Grad. The graph
// is released afterwards.
func (t *Tensor[T]) BackwardWith(cot *Tensor[T]) {
	if !sameShape(cot.shape, t.shape) {
		panic(fmt.Sprintf("ad.BackwardWith: cotangent shape %v for output shape %v", cot.shape, t.shape))
	}
	backward(t, cot.Data, false)
}

// BackwardKeepGraph is BackwardWith that keeps the graph, so that Backward
// may run through it again (for example from another output sharing it).
// A nil cot means ones.
func (t *Tensor[T]) BackwardKeepGraph(cot *Tensor[T]) {
	var c []T
	if cot == nil {
		c = make([]T, len(t.Data))
		for i := range c {
			c[i] = 1
		}
	} else {
		if !sameShape(cot.shape, t.shape) {
			panic(fmt.Sprintf("ad.BackwardKeepGraph: cotangent shape %v for output shape %v", cot.shape, t.shape))
		}
		c = cot.Data
	}
	backward(t, c, true)
}

func backward[T Float](root *Tensor[T], cot []T, keep bool) {
	if !root.requiresGrad {
		panic(fmt.Sprintf("ad.Backward: the output of shape %v depends on no tensor that requires a gradient: make the parameters with ad.Param", root.shape))
	}
	order := topo(root)
	g := root.grad()
	for i, v := range cot {
		g[i] += v
	}
	for i := len(order) - 1; i >= 0; i-- {
		t := order[i]
		n := t.node
		if n == nil {
			continue // a leaf: its Grad is the result
		}
		if t.Grad != nil {
			n.backward(t.Grad)
		}
		if !t.retainGrad {
			t.Grad = nil
		}
		if !keep {
			t.node = nil // release the graph: closures and inputs become garbage
			t.released = true
		}
	}
}

// topo returns the tensors that require gradients and lead to root, inputs
// before the tensors computed from them.
func topo[T Float](root *Tensor[T]) []*Tensor[T] {
	stamp := epoch.Add(1)
	type frame struct {
		t *Tensor[T]
		i int
	}
	var order []*Tensor[T]
	if root.released {
		panic(fmt.Sprintf("ad.Backward: the graph of this output (shape %v) was released by an earlier Backward; call BackwardKeepGraph for all but the last pass", root.shape))
	}
	stack := []frame{{t: root}}
	root.mark = stamp
	for len(stack) > 0 {
		f := &stack[len(stack)-1]
		if n := f.t.node; n != nil && f.i < len(n.inputs) {
			in := n.inputs[f.i]
			f.i++
			if in.requiresGrad && in.mark != stamp {
				if in.released {
					panic(fmt.Sprintf("ad.Backward: input %d (shape %v) of %s was computed in a graph an earlier Backward released, so no gradient can flow through it; call BackwardKeepGraph for all but the last pass", f.i-1, in.shape, n.op))
				}
				in.mark = stamp
				stack = append(stack, frame{t: in})
			}
			continue
		}
		order = append(order, f.t)
		stack = stack[:len(stack)-1]
	}
	return order
}

// StopGradient returns a tensor with a's values through which no gradient
// flows. It shares a's storage.
func StopGradient[T Float](a *Tensor[T]) *Tensor[T] {
	return &Tensor[T]{Data: a.Data, shape: a.shape}
}

// Detach is StopGradient.
func Detach[T Float](a *Tensor[T]) *Tensor[T] { return StopGradient(a) }

// StraightThrough returns a tensor with the value of hard whose gradient flows
// unchanged to soft, as in hard + (soft − stop(soft)). It is the
// straight-through estimator's building block.
func StraightThrough[T Float](hard, soft *Tensor[T]) *Tensor[T] {
	if !sameShape(hard.shape, soft.shape) {
		panic(fmt.Sprintf("ad.StraightThrough: shapes %v and %v differ", hard.shape, soft.shape))
	}
	out := &Tensor[T]{Data: append([]T(nil), hard.Data...), shape: hard.shape}
	if !soft.requiresGrad {
		return out
	}
	return record(out, "StraightThrough", func(g []T) {
		addTo(soft.grad(), g)
	}, soft)
}

// Custom records an op whose forward and backward are arbitrary Go code.
// value is the op's output, computed by the caller from the inputs' Data (it
// must not be part of a graph). backward receives the cotangent of the output
// and returns one cotangent per input, each of that input's shape; a nil
// entry means no gradient for that input. backward may run any code, for
// example call a combinatorial solver on perturbed inputs, as I-MLE does.
func Custom[T Float](name string, value *Tensor[T], inputs []*Tensor[T], backward func(g *Tensor[T]) []*Tensor[T]) *Tensor[T] {
	if value.node != nil {
		panic(fmt.Sprintf("ad.Custom(%s): value must be computed outside the graph", name))
	}
	out := &Tensor[T]{Data: value.Data, shape: value.shape}
	if !needsGrad(inputs...) {
		return out
	}
	ins := append([]*Tensor[T](nil), inputs...)
	return record(out, name, func(g []T) {
		gs := backward(&Tensor[T]{Data: g, shape: out.shape})
		if len(gs) != len(ins) {
			panic(fmt.Sprintf("ad.Custom(%s): backward returned %d cotangents for %d inputs", name, len(gs), len(ins)))
		}
		for i, gi := range gs {
			if gi == nil || !ins[i].requiresGrad {
				continue
			}
			if !sameShape(gi.shape, ins[i].shape) {
				panic(fmt.Sprintf("ad.Custom(%s): cotangent %d has shape %v, input has shape %v", name, i, gi.shape, ins[i].shape))
			}
			addTo(ins[i].grad(), gi.Data)
		}
	}, ins...)
}

// addTo adds src to dst elementwise.
func addTo[T Float](dst, src []T) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] += v
	}
}
