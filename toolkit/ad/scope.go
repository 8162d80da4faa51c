package ad

import (
	"fmt"
	"sync"
)

// Scope is a region of computation: the tensors put into it with In, and
// every tensor an op computes from one of them, belong to it. An op whose
// inputs belong to no scope (parameters alone, say) computes outside it.
//
// A Scope is an arena for one training step: its outputs take their storage
// from the engine's pool, and Release gives all of it back at once and makes
// every tensor of the scope unusable, so that using one afterwards panics
// instead of reading recycled memory. Clone what must outlive the step (a
// loss value to log, a sample to keep).
//
//	s := new(ad.Scope)
//	loss := model.Loss(ad.In(s, batch))
//	loss.Backward()
//	opt.Step(params)
//	total += float64(loss.Item())
//	s.Release()
//
// With NoGrad set it is also an inference mode, like torch.no_grad: ops on
// its tensors record no graph, their outputs require no gradient and keep
// no inputs alive, so that evaluation and held-out likelihoods cost only
// their forward pass.
//
// The zero value is a Scope that records gradients. A Scope may be used from
// several goroutines. It holds every tensor of the scope until Release, so a
// long evaluation loop should use one Scope per batch.
type Scope struct {
	// NoGrad turns off graph recording for the scope's ops.
	NoGrad bool

	mu       sync.Mutex
	tensors  []releaser
	released bool
}

type releaser interface{ release() }

// In returns a view of x (sharing its storage) that belongs to s, so that
// ops on it compute inside s. Gradients flow through the view to x unless s
// is NoGrad. The view is released with s; x itself is not. With a nil s,
// In returns x, so that code may pass on the Scope of another tensor
// (t.Scope()) whether or not it has one: a distribution puts its samples
// into the Scope of its parameters this way.
func In[T Float](s *Scope, x *Tensor[T]) *Tensor[T] {
	x.live("In")
	if s == nil {
		return x
	}
	s.mu.Lock()
	released := s.released
	s.mu.Unlock()
	if released {
		panic("ad.In: Scope already released")
	}
	out := &Tensor[T]{Data: x.Data, shape: x.shape, scope: s}
	s.track(out)
	if s.NoGrad || !x.requiresGrad {
		return out
	}
	return record(out, "In", func(g []T) { addTo(x.grad(), g) }, x)
}

// Scope returns the Scope t belongs to, or nil.
func (t *Tensor[T]) Scope() *Scope { return t.scope }

// Release gives the storage of the scope's outputs back to the engine and
// makes every tensor of the scope unusable: ops, Item, At and Backward on
// them panic, and their Data and Grad are nil. Release is idempotent; a
// released Scope may not be used again.
func (s *Scope) Release() {
	s.mu.Lock()
	ts := s.tensors
	s.tensors, s.released = nil, true
	s.mu.Unlock()
	for _, t := range ts {
		t.release()
	}
}

// track records t as a tensor of s.
func (s *Scope) track(t releaser) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.released {
		panic("ad: op on a Scope that has been released")
	}
	s.tensors = append(s.tensors, t)
}

// release recycles t's storage if its scope owns it and makes t unusable.
func (t *Tensor[T]) release() {
	if t.owned {
		recycle(t.Data)
	}
	t.Data, t.Grad, t.node, t.owned, t.released = nil, nil, nil, false, true
}

// scopeOf returns the scope of the first input that has one, and panics
// naming op if an input has been released.
func scopeOf[T Float](op string, inputs ...*Tensor[T]) *Scope {
	var s *Scope
	for _, t := range inputs {
		if t == nil {
			continue
		}
		t.live(op)
		if s == nil {
			s = t.scope
		}
	}
	return s
}

// live panics naming op if t has been released with its Scope.
func (t *Tensor[T]) live(op string) {
	if t.released {
		panic(fmt.Sprintf("ad.%s: tensor of shape %v used after its Scope was released; Clone values that must outlive the Scope", op, t.shape))
	}
}
