package ad

import (
	"math"
	"sync"
)

// The engine allocates every buffer it owns here: forward outputs, the
// gradients of intermediate tensors and the temporaries of backward passes.
// Buffers it knows are dead come back through recycle and serve later
// requests of the same length, so a training loop stops churning the Go heap
// once its shapes have been seen.
//
// A buffer is known dead when:
//   - it held the gradient of an intermediate tensor (not a leaf, not
//     RetainGrad) whose op's backward has run, or it was a temporary of a
//     backward pass;
//   - it held the output of an op inside a Scope that was released.
//
// Leaf gradients, retained gradients, and the outputs of ops outside a Scope
// are plain heap memory that the engine never takes back: anything a user
// can still reach (through Data, Grad, GradTensor, Reshape or StopGradient
// views) is never recycled.

// poolBytes bounds the memory that the pool of each element type keeps.
const poolBytes = 256 << 20

// pool holds dead buffers of one element type, by length.
type pool[T Float] struct {
	mu    sync.Mutex
	free  map[int][][]T
	bytes int
}

var (
	pool32 pool[float32]
	pool64 pool[float64]
)

func poolOf[T Float]() *pool[T] {
	var z T
	if _, ok := any(z).(float32); ok {
		return any(&pool32).(*pool[T])
	}
	return any(&pool64).(*pool[T])
}

func elemSize[T Float]() int {
	var z T
	if _, ok := any(z).(float32); ok {
		return 4
	}
	return 8
}

// get returns a buffer of length n from the pool, or a new one. Its contents
// are arbitrary unless zero is set.
func (p *pool[T]) get(n int, zero bool) []T {
	if n == 0 {
		return []T{}
	}
	p.mu.Lock()
	if l := p.free[n]; len(l) > 0 {
		b := l[len(l)-1]
		l[len(l)-1] = nil
		p.free[n] = l[:len(l)-1]
		p.bytes -= n * elemSize[T]()
		p.mu.Unlock()
		if zero {
			clear(b)
		}
		return b
	}
	p.mu.Unlock()
	return make([]T, n)
}

// put returns b to the pool; with the build tag adpoison its contents become
// NaN first, so that any read through a stale reference shows.
func (p *pool[T]) put(b []T) {
	n := len(b)
	if n == 0 || cap(b) != n {
		return
	}
	if poison {
		nan := T(math.NaN())
		for i := range b {
			b[i] = nan
		}
	}
	size := n * elemSize[T]()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bytes+size > poolBytes {
		return // let the garbage collector have it
	}
	if p.free == nil {
		p.free = make(map[int][][]T)
	}
	p.free[n] = append(p.free[n], b)
	p.bytes += size
}

// temp returns a zeroed buffer of length n for a backward pass, which gives
// it back with recycle once done.
func temp[T Float](n int) []T { return poolOf[T]().get(n, true) }

// recycle returns a buffer the engine knows is dead to the pool.
func recycle[T Float](b []T) { poolOf[T]().put(b) }

// newOut returns the output tensor of op with the given shape, in the scope
// of the inputs, and storage that op must write in full (zeroed if zero is
// set). Inside a Scope the storage comes from the pool and goes back on
// Release; outside, from the heap. It panics if an input has been released.
func newOut[T Float](op string, shape []int, zero bool, inputs ...*Tensor[T]) *Tensor[T] {
	n := numel(op, shape)
	s := scopeOf(op, inputs...)
	if s == nil {
		return &Tensor[T]{Data: make([]T, n), shape: shape}
	}
	out := &Tensor[T]{Data: poolOf[T]().get(n, zero), shape: shape, scope: s, owned: true}
	s.track(out)
	return out
}

// view returns a tensor of the given shape that shares data, in the scope of
// the inputs: released with them, but never recycling data itself.
func view[T Float](op string, data []T, shape []int, inputs ...*Tensor[T]) *Tensor[T] {
	s := scopeOf(op, inputs...)
	out := &Tensor[T]{Data: data, shape: shape, scope: s}
	if s != nil {
		s.track(out)
	}
	return out
}
