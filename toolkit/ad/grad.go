package ad

import (
	"fmt"
	"slices"
)

// Grad returns the gradients of out with respect to each tensor of wrt,
// contracted with the cotangent cot (of out's shape; nil means ones), as
// torch.autograd.grad does. The tensors of wrt may be leaves or computed
// tensors; one that out does not depend on gets zeros.
//
// Unlike Backward, Grad adds nothing to any tensor's Grad: the gradients it
// computes on the way for other leaves are dropped. It runs only the ops on
// a path from out to a tensor of wrt, not those above (how the tensors of
// wrt were computed), and keeps the graph, so that Grad or Backward may run
// through it again. It may run inside a Custom op's backward, on another
// graph, and concurrently with Backward calls on other graphs that share
// its leaves, which then see none of its gradients.
func Grad[T Float](out, cot *Tensor[T], wrt ...*Tensor[T]) []*Tensor[T] {
	out.live("Grad")
	g := make([]T, len(out.Data))
	if cot == nil {
		for i := range g {
			g[i] = 1
		}
	} else {
		if !sameShape(cot.shape, out.shape) {
			panic(fmt.Sprintf("ad.Grad: cotangent shape %v for output shape %v", cot.shape, out.shape))
		}
		copy(g, cot.Data)
	}
	res := make([]*Tensor[T], len(wrt))
	target := map[*Tensor[T]]int{} // the first index of each tensor in wrt
	for i, w := range wrt {
		w.live("Grad")
		res[i] = Zeros[T](w.shape...)
		if _, ok := target[w]; !ok {
			target[w] = i
		}
	}
	if i, ok := target[out]; ok {
		addTo(res[i].Data, g)
	}
	if out.requiresGrad && out.node != nil {
		if _, ok := target[out]; !ok {
			gradThrough(out, g, target, res)
		}
	}
	for i, w := range wrt {
		if j := target[w]; j != i {
			copy(res[i].Data, res[j].Data)
		}
	}
	return res
}

// gradThrough runs the ops from root down to the targets, with the leaves'
// gradients redirected, and writes the targets' gradients into res. The
// tensors on the way keep the Grad they had (RetainGrad's included).
func gradThrough[T Float](root *Tensor[T], g []T, target map[*Tensor[T]]int, res []*Tensor[T]) {
	call := calls.Add(1)
	order := topoTo(root, call, target)
	if len(order) == 0 {
		return
	}
	redirect := &leafRedirect[T]{want: map[*Tensor[T]][]T{}}
	// Computed targets collect their gradient in Grad as any intermediate
	// does; it is moved to res at the end.
	var aside []savedGrad[T]
	for t, i := range target {
		if t.node == nil {
			redirect.want[t] = res[i].Data
		} else {
			aside = append(aside, savedGrad[T]{t, t.Grad})
			t.Grad = nil
		}
	}
	// So do the tensors on the path and the computed inputs off it, which
	// the ops on it write to as well.
	put := map[*Tensor[T]]bool{}
	for _, t := range order {
		for _, u := range append([]*Tensor[T]{t}, t.node.inputs...) {
			if _, isTarget := target[u]; put[u] || isTarget || u.node == nil {
				continue
			}
			put[u] = true
			aside = append(aside, savedGrad[T]{u, u.Grad})
			u.Grad = nil
		}
	}
	defer func() {
		for _, a := range aside {
			if a.t.Grad != nil {
				if i, ok := target[a.t]; ok {
					addTo(res[i].Data, a.t.Grad)
				}
				recycle(a.t.Grad)
			}
			a.t.Grad = a.grad
		}
		unclaim(order, call)
	}()
	addTo(root.grad(), g)
	for i := len(order) - 1; i >= 0; i-- {
		t := order[i]
		if t.Grad == nil {
			continue
		}
		runNode(t.node, t.Grad, redirect)
		recycle(t.Grad)
		t.Grad = nil
	}
}

// topoTo is topo restricted to the computed tensors on a path from root to
// a target; targets themselves are not descended into. The nodes topo
// claims off those paths are given back at once.
func topoTo[T Float](root *Tensor[T], call uint64, target map[*Tensor[T]]int) []*Tensor[T] {
	isTarget := func(t *Tensor[T]) bool { _, ok := target[t]; return ok }
	leads := map[*Tensor[T]]bool{}
	var order, off []*Tensor[T]
	for _, t := range topo(root, call, "Grad", isTarget) { // inputs first
		if slices.ContainsFunc(t.node.inputs, func(in *Tensor[T]) bool { return in.requiresGrad && (isTarget(in) || leads[in]) }) {
			leads[t] = true
			order = append(order, t)
		} else {
			off = append(off, t)
		}
	}
	unclaim(off, call)
	return order
}

// leafRedirect is where, during a Grad call, ops write the gradients of
// leaves: the result buffers of the leaves Grad was asked for (want) and
// scratch buffers for the others, swapped into the leaves' Grad under their
// locks for the duration of one op.
type leafRedirect[T Float] struct {
	want  map[*Tensor[T]][]T
	saved []savedGrad[T]
}

type savedGrad[T Float] struct {
	t    *Tensor[T]
	grad []T
}

// swapIn puts the redirect's buffers in the Grad of the leaves among ts,
// whose locks the caller holds. A nil redirect does nothing.
func (r *leafRedirect[T]) swapIn(ts ...*Tensor[T]) {
	if r == nil {
		return
	}
	r.saved = r.saved[:0]
	for _, t := range ts {
		if t.node != nil || !t.requiresGrad || slices.ContainsFunc(r.saved, func(s savedGrad[T]) bool { return s.t == t }) {
			continue
		}
		r.saved = append(r.saved, savedGrad[T]{t, t.Grad})
		if buf, ok := r.want[t]; ok {
			t.Grad = buf
		} else {
			t.Grad = temp[T](len(t.Data))
		}
	}
}

// swapOut gives the leaves of the last swapIn their own Grad back.
func (r *leafRedirect[T]) swapOut() {
	if r == nil {
		return
	}
	for _, s := range r.saved {
		if _, ok := r.want[s.t]; !ok {
			recycle(s.t.Grad)
		}
		s.t.Grad = s.grad
	}
	r.saved = r.saved[:0]
}

// Leaves returns the leaves that require a gradient and that t was
// computed from, each once, in the order a depth-first walk of the graph
// meets them: for example the parameters of a closure's computation.
func Leaves[T Float](t *Tensor[T]) []*Tensor[T] {
	var out []*Tensor[T]
	seen := map[*Tensor[T]]bool{}
	stack := []*Tensor[T]{t}
	for len(stack) > 0 {
		u := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[u] || !u.requiresGrad {
			continue
		}
		seen[u] = true
		if u.node == nil {
			out = append(out, u)
			continue
		}
		for i := len(u.node.inputs) - 1; i >= 0; i-- {
			stack = append(stack, u.node.inputs[i])
		}
	}
	return out
}
