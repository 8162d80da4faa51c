package ad

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// Float is the element type of a Tensor.
type Float interface {
	float32 | float64
}

// Tensor is a dense row-major array of any rank that can take part in
// automatic differentiation.
//
// Data holds the values; ops treat it as read-only, so an optimizer may update
// the Data of a leaf in place between steps. Grad holds the accumulated
// gradient of the last Backward calls for leaves that require one (and for
// intermediates marked with RetainGrad); it is nil until a gradient arrives.
type Tensor[T Float] struct {
	Data []T
	Grad []T

	shape        []int
	requiresGrad bool
	retainGrad   bool
	graphGone    bool // computed by an op whose graph a Backward released
	node         *node[T]
	scope        *Scope // the Scope the tensor belongs to, if any
	owned        bool   // Data comes from the pool and goes back when scope is released
	released     bool   // scope has been released: the tensor is unusable
	leaf         uint32 // lock stripe of a parameter's gradient (see Param)
}

// New returns a tensor of the given shape that uses data as its storage.
// A tensor with no shape is a scalar. New panics if len(data) does not
// match the shape.
func New[T Float](data []T, shape ...int) *Tensor[T] {
	n := numel("New", shape)
	if len(data) != n {
		panic(fmt.Sprintf("ad.New: %d values for shape %v (needs %d)", len(data), shape, n))
	}
	return &Tensor[T]{Data: data, shape: append([]int(nil), shape...)}
}

// Zeros returns a tensor of zeros.
func Zeros[T Float](shape ...int) *Tensor[T] {
	return &Tensor[T]{Data: make([]T, numel("Zeros", shape)), shape: append([]int(nil), shape...)}
}

// Full returns a tensor with every element equal to v.
func Full[T Float](v T, shape ...int) *Tensor[T] {
	t := Zeros[T](shape...)
	for i := range t.Data {
		t.Data[i] = v
	}
	return t
}

// Ones returns a tensor of ones.
func Ones[T Float](shape ...int) *Tensor[T] { return Full(T(1), shape...) }

// Scalar returns a rank-0 tensor holding v.
func Scalar[T Float](v T) *Tensor[T] { return &Tensor[T]{Data: []T{v}} }

// Randn returns a tensor of independent standard normal draws from rnd.
func Randn[T Float](rnd *rand.Rand, shape ...int) *Tensor[T] {
	t := Zeros[T](shape...)
	for i := range t.Data {
		t.Data[i] = T(rnd.NormFloat64())
	}
	return t
}

// Param marks t as a leaf that requires a gradient and returns it.
func Param[T Float](t *Tensor[T]) *Tensor[T] {
	t.live("Param")
	if !t.requiresGrad {
		t.requiresGrad = true
		t.leaf = uint32(leaves.Add(1) % uint64(len(leafLocks)))
	}
	return t
}

// Shape returns the tensor's shape. The caller must not modify it.
func (t *Tensor[T]) Shape() []int { return t.shape }

// Rank returns the number of dimensions.
func (t *Tensor[T]) Rank() int { return len(t.shape) }

// Dim returns the size of dimension i; negative i counts from the end.
func (t *Tensor[T]) Dim(i int) int { return t.shape[axis("Dim", i, len(t.shape))] }

// Len returns the number of elements.
func (t *Tensor[T]) Len() int { return len(t.Data) }

// Item returns the value of a one-element tensor.
func (t *Tensor[T]) Item() T {
	t.live("Item")
	if len(t.Data) != 1 {
		panic(fmt.Sprintf("ad.Item: tensor of shape %v has %d elements, not 1", t.shape, len(t.Data)))
	}
	return t.Data[0]
}

// At returns the element at the given index.
func (t *Tensor[T]) At(idx ...int) T {
	t.live("At")
	return t.Data[offset("At", t.shape, idx)]
}

// Set sets the element at the given index. It is meant for building inputs,
// not for changing tensors that already took part in a computation.
func (t *Tensor[T]) Set(v T, idx ...int) {
	t.live("Set")
	t.Data[offset("Set", t.shape, idx)] = v
}

// RequiresGrad reports whether gradients flow to t.
func (t *Tensor[T]) RequiresGrad() bool { return t.requiresGrad }

// IsLeaf reports whether t was not computed by a recorded op.
func (t *Tensor[T]) IsLeaf() bool { return t.node == nil }

// Op returns the name of the op that computed t, or "" for a leaf.
func (t *Tensor[T]) Op() string {
	if t.node == nil {
		return ""
	}
	return t.node.op
}

// RetainGrad asks Backward to keep t's gradient in t.Grad although t is not a
// leaf. K-FAC and several estimators need a layer's output gradients.
func (t *Tensor[T]) RetainGrad() *Tensor[T] {
	t.retainGrad = true
	return t
}

// ZeroGrad sets the accumulated gradient to zero. It keeps the buffer, so a
// training loop does not allocate a parameter-sized gradient every step.
func (t *Tensor[T]) ZeroGrad() { clear(t.Grad) }

// GradTensor returns the gradient as a tensor of t's shape (zeros if no
// gradient has arrived). It shares storage with t.Grad, which the engine
// never recycles: only the gradients of leaves and of RetainGrad tensors
// outlive Backward.
func (t *Tensor[T]) GradTensor() *Tensor[T] {
	t.live("GradTensor")
	if t.Grad == nil {
		return Zeros[T](t.shape...)
	}
	return &Tensor[T]{Data: t.Grad, shape: t.shape}
}

// Clone returns a copy of t's values that is not part of any graph.
func (t *Tensor[T]) Clone() *Tensor[T] {
	t.live("Clone")
	return &Tensor[T]{Data: append([]T(nil), t.Data...), shape: append([]int(nil), t.shape...)}
}

// String formats small tensors in full and large ones by shape.
func (t *Tensor[T]) String() string {
	if t.released {
		return fmt.Sprintf("Tensor%v(released)", t.shape)
	}
	if len(t.Data) > 64 {
		return fmt.Sprintf("Tensor%v[%d elements]", t.shape, len(t.Data))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Tensor%v", t.shape)
	b.WriteString(fmt.Sprint(t.Data))
	return b.String()
}

// Float64s returns the values converted to float64.
func (t *Tensor[T]) Float64s() []float64 {
	t.live("Float64s")
	out := make([]float64, len(t.Data))
	for i, v := range t.Data {
		out[i] = float64(v)
	}
	return out
}

// Convert returns a copy of t with element type U, outside any graph.
func Convert[U, T Float](t *Tensor[T]) *Tensor[U] {
	t.live("Convert")
	out := make([]U, len(t.Data))
	for i, v := range t.Data {
		out[i] = U(v)
	}
	return &Tensor[U]{Data: out, shape: append([]int(nil), t.shape...)}
}

// numel returns the number of elements of shape, panicking on negative sizes
// and on shapes with more elements than an int can count.
func numel(op string, shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 0 {
			panic(fmt.Sprintf("ad.%s: negative dimension in shape %v", op, shape))
		}
		if d != 0 && n > math.MaxInt/d {
			panic(fmt.Sprintf("ad.%s: shape %v has more elements than an int can count", op, shape))
		}
		n *= d
	}
	return n
}

// axis normalises a possibly negative axis for a tensor of the given rank.
func axis(op string, a, rank int) int {
	n := a
	if n < 0 {
		n += rank
	}
	if n < 0 || n >= rank {
		panic(fmt.Sprintf("ad.%s: axis %d out of range for rank %d", op, a, rank))
	}
	return n
}

// offset returns the flat offset of idx in a row-major array of the given shape.
func offset(op string, shape, idx []int) int {
	if len(idx) != len(shape) {
		panic(fmt.Sprintf("ad.%s: index %v for shape %v", op, idx, shape))
	}
	off := 0
	for i, d := range shape {
		if idx[i] < 0 || idx[i] >= d {
			panic(fmt.Sprintf("ad.%s: index %v out of range for shape %v", op, idx, shape))
		}
		off = off*d + idx[i]
	}
	return off
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
