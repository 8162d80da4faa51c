package ad

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// calls numbers Backward calls; a node visited by a call holds its number
// until the call ends, so that each call keeps its traversal state to itself.
var calls atomic.Uint64

// Parameters' gradients are written under one of these locks (chosen by
// Tensor.leaf), so that Backward calls on separate graphs that share
// parameters may run from several goroutines: their contributions add up.
var (
	leafLocks [64]sync.Mutex
	leaves    atomic.Uint64
)

// node records how a tensor was computed.
type node[T Float] struct {
	op       string
	inputs   []*Tensor[T]
	backward func(g []T) // accumulates the output cotangent g into the inputs' gradients
	// custom, for a Custom op, runs user code and returns the inputs'
	// cotangents, which the engine adds (backward is nil then).
	custom func(g []T) []*Tensor[T]
	owner  atomic.Uint64
}

// record attaches a backward closure to out when any input requires a
// gradient. Ops call it only after checking needsGrad, so no closure is
// built for computations without gradients.
func record[T Float](out *Tensor[T], op string, backward func(g []T), inputs ...*Tensor[T]) *Tensor[T] {
	out.requiresGrad = true
	out.node = &node[T]{op: op, inputs: inputs, backward: backward}
	return out
}

// needsGrad reports whether an op on ts must record its backward: some
// input requires a gradient and none belongs to a NoGrad Scope.
func needsGrad[T Float](ts ...*Tensor[T]) bool {
	need := false
	for _, t := range ts {
		if t.scope != nil && t.scope.NoGrad {
			return false
		}
		need = need || t.requiresGrad
	}
	return need
}

// grad returns t's gradient buffer, zeros on first use. An intermediate
// tensor's comes from the engine's pool and goes back once its op's backward
// has run (unless RetainGrad); a leaf's is its own.
func (t *Tensor[T]) grad() []T {
	if t.Grad == nil {
		if t.node != nil {
			t.Grad = temp[T](len(t.Data))
		} else {
			t.Grad = make([]T, len(t.Data))
		}
	}
	return t.Grad
}

// Backward computes the gradient of the scalar t with respect to every leaf
// that requires a gradient, adds it to the leaves' Grad, and releases the
// graph. It panics if t has more than one element: use BackwardWith for a
// vector-Jacobian product.
//
// Backward calls on separate graphs may run concurrently, also when the
// graphs share leaves (parameters): each leaf's gradient is accumulated
// under a lock, so the contributions add up. Two calls that reach the same
// intermediate tensor at the same time panic.
func (t *Tensor[T]) Backward() {
	t.live("Backward")
	if len(t.Data) != 1 {
		panic(fmt.Sprintf("ad.Backward: output of shape %v is not a scalar; use BackwardWith", t.shape))
	}
	backward(t, []T{1}, false)
}

// BackwardWith propagates the cotangent cot (of t's shape) backwards: every
// leaf x that requires a gradient gets cotᵀ·∂t/∂x added to x.Grad. The graph
// is released afterwards.
func (t *Tensor[T]) BackwardWith(cot *Tensor[T]) {
	t.live("BackwardWith")
	if !sameShape(cot.shape, t.shape) {
		panic(fmt.Sprintf("ad.BackwardWith: cotangent shape %v for output shape %v", cot.shape, t.shape))
	}
	backward(t, cot.Data, false)
}

// BackwardKeepGraph is BackwardWith that keeps the graph, so that Backward
// may run through it again (for example from another output sharing it).
// A nil cot means ones.
func (t *Tensor[T]) BackwardKeepGraph(cot *Tensor[T]) {
	t.live("BackwardKeepGraph")
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
	call := calls.Add(1)
	order := topo(root, call, "Backward", nil)
	if root.node == nil {
		lockLeaves(root)
		addTo(root.grad(), cot)
		unlockLeaves(root)
		return
	}
	defer func() {
		if r := recover(); r != nil {
			unclaim(order, call) // so that the graph does not look busy forever
			panic(r)
		}
	}()
	addTo(root.grad(), cot)
	for i := len(order) - 1; i >= 0; i-- {
		t := order[i]
		n := t.node
		if t.Grad != nil {
			runNode(n, t.Grad, nil)
			if !t.retainGrad {
				// Every op that reads t has run its backward: t's
				// gradient is dead.
				recycle(t.Grad)
				t.Grad = nil
			}
		}
		if !keep {
			t.node = nil // release the graph: closures and inputs become garbage
			t.graphGone = true
		}
		n.owner.Store(0)
	}
}

// topo returns the computed tensors that require gradients and lead to
// root, inputs before the tensors computed from them; leaves are left out,
// and so are, with what they were computed from, the inputs for which stop
// (if not nil) is true. It claims each node for the call numbered call, and
// panics if another call holds one. op names the caller in messages.
func topo[T Float](root *Tensor[T], call uint64, op string, stop func(*Tensor[T]) bool) []*Tensor[T] {
	if root.graphGone {
		panic(fmt.Sprintf("ad.%s: the graph of this output (shape %v) was released by an earlier Backward; call BackwardKeepGraph for all but the last pass", op, root.shape))
	}
	if root.node == nil {
		return nil
	}
	type frame struct {
		t *Tensor[T]
		i int
	}
	claim := func(t *Tensor[T]) bool {
		n := t.node
		if n.owner.CompareAndSwap(0, call) {
			return true
		}
		if n.owner.Load() == call {
			return false
		}
		panic(fmt.Sprintf("ad.%s: the graph through %s (shape %v) is being differentiated by another Backward or Grad call; graphs differentiated concurrently may share leaves, not computed tensors", op, n.op, t.shape))
	}
	var order []*Tensor[T]
	claim(root)
	stack := []frame{{t: root}}
	defer func() {
		if r := recover(); r != nil {
			unclaim(order, call)
			for _, f := range stack {
				unclaim([]*Tensor[T]{f.t}, call)
			}
			panic(r)
		}
	}()
	for len(stack) > 0 {
		f := &stack[len(stack)-1]
		if n := f.t.node; f.i < len(n.inputs) {
			in := n.inputs[f.i]
			f.i++
			// A graph that mixes Scopes may reach a tensor of one
			// released before the other: its backward would read
			// recycled memory.
			in.live(op)
			if stop != nil && stop(in) {
				continue
			}
			if in.graphGone {
				panic(fmt.Sprintf("ad.%s: input %d (shape %v) of %s was computed in a graph an earlier Backward released, so no gradient can flow through it; call BackwardKeepGraph for all but the last pass", op, f.i-1, in.shape, n.op))
			}
			if in.requiresGrad && in.node != nil && claim(in) {
				stack = append(stack, frame{t: in})
			}
			continue
		}
		order = append(order, f.t)
		stack = stack[:len(stack)-1]
	}
	return order
}

// unclaim gives back the nodes of ts that the call numbered call holds.
func unclaim[T Float](ts []*Tensor[T], call uint64) {
	for _, t := range ts {
		if n := t.node; n != nil {
			n.owner.CompareAndSwap(call, 0)
		}
	}
}

// lockLeaves takes the locks of the leaves among ts that require a
// gradient, in stripe order so that concurrent calls cannot deadlock.
func lockLeaves[T Float](ts ...*Tensor[T]) {
	var held uint64
	for _, t := range ts {
		if t.node == nil && t.requiresGrad {
			held |= 1 << t.leaf
		}
	}
	for i := range leafLocks {
		if held&(1<<i) != 0 {
			leafLocks[i].Lock()
		}
	}
}

// unlockLeaves undoes lockLeaves(ts...).
func unlockLeaves[T Float](ts ...*Tensor[T]) {
	var held uint64
	for _, t := range ts {
		if t.node == nil && t.requiresGrad {
			held |= 1 << t.leaf
		}
	}
	for i := range leafLocks {
		if held&(1<<i) != 0 {
			leafLocks[i].Unlock()
		}
	}
}

// StopGradient returns a tensor with a's values through which no gradient
// flows. It shares a's storage.
func StopGradient[T Float](a *Tensor[T]) *Tensor[T] {
	return view("StopGradient", a.Data, a.shape, a)
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
	out := newOut("StraightThrough", hard.shape, false, hard, soft)
	copy(out.Data, hard.Data)
	if !needsGrad(hard, soft) || !soft.requiresGrad {
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
//
// The cotangent g lives only for the duration of the call: its storage is
// the engine's, recycled as soon as backward returns, so Clone it to keep
// it. backward may return g itself (or a view of it) as a cotangent: the
// engine adds the returned cotangents into the inputs' gradients before it
// recycles g.
func Custom[T Float](name string, value *Tensor[T], inputs []*Tensor[T], backward func(g *Tensor[T]) []*Tensor[T]) *Tensor[T] {
	if value.node != nil {
		panic(fmt.Sprintf("ad.Custom(%s): value must be computed outside the graph", name))
	}
	ins := append([]*Tensor[T](nil), inputs...)
	out := view(name, value.Data, value.shape, append([]*Tensor[T]{value}, ins...)...)
	if !needsGrad(ins...) {
		return out
	}
	record(out, name, nil, ins...)
	out.node.custom = func(g []T) []*Tensor[T] {
		gs := backward(&Tensor[T]{Data: g, shape: out.shape})
		if len(gs) != len(ins) {
			panic(fmt.Sprintf("ad.Custom(%s): backward returned %d cotangents for %d inputs", name, len(gs), len(ins)))
		}
		for i, gi := range gs {
			if gi != nil && ins[i].requiresGrad && !sameShape(gi.shape, ins[i].shape) {
				panic(fmt.Sprintf("ad.Custom(%s): cotangent %d has shape %v, input has shape %v", name, i, gi.shape, ins[i].shape))
			}
		}
		return gs
	}
	return out
}

// runNode runs the backward of node n for the output cotangent g. Leaves'
// gradients are written under their locks; with a non-nil redirect (Grad)
// they go to redirect's buffers instead, never to the leaves.
func runNode[T Float](n *node[T], g []T, redirect *leafRedirect[T]) {
	if n.custom != nil {
		// User code runs without locks: it may differentiate other graphs.
		gs := n.custom(g)
		for i, gi := range gs {
			in := n.inputs[i]
			if gi == nil || !in.requiresGrad {
				continue
			}
			lockLeaves(in)
			redirect.swapIn(in)
			addTo(in.grad(), gi.Data)
			redirect.swapOut()
			unlockLeaves(in)
		}
		return
	}
	lockLeaves(n.inputs...)
	redirect.swapIn(n.inputs...)
	n.backward(g)
	redirect.swapOut()
	unlockLeaves(n.inputs...)
}

// addTo adds src to dst elementwise.
func addTo[T Float](dst, src []T) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] += v
	}
}
