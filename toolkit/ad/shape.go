package ad

import "fmt"

// Reshape returns a with a new shape of the same number of elements; one
// dimension may be −1 and is then inferred. The result shares a's storage.
func Reshape[T Float](a *Tensor[T], shape ...int) *Tensor[T] {
	shape = append([]int(nil), shape...)
	infer, n := -1, 1
	for i, d := range shape {
		switch {
		case d == -1 && infer < 0:
			infer = i
		case d < 0:
			panic(fmt.Sprintf("ad.Reshape: bad shape %v for %v", shape, a.shape))
		default:
			n *= d
		}
	}
	if infer >= 0 && n > 0 {
		shape[infer] = len(a.Data) / n
		n *= shape[infer]
	}
	if n != len(a.Data) {
		panic(fmt.Sprintf("ad.Reshape: cannot reshape %v (%d elements) to %v", a.shape, len(a.Data), shape))
	}
	out := view("Reshape", a.Data, shape, a)
	if !needsGrad(a) {
		return out
	}
	return record(out, "Reshape", func(g []T) { addTo(a.grad(), g) }, a)
}

// Flatten reshapes a to one dimension.
func Flatten[T Float](a *Tensor[T]) *Tensor[T] { return Reshape(a, len(a.Data)) }

// Unsqueeze inserts a dimension of size 1 at position ax (0 ≤ ax ≤ rank;
// negative counts from the end, −1 appending).
func Unsqueeze[T Float](a *Tensor[T], ax int) *Tensor[T] {
	if ax < 0 {
		ax += len(a.shape) + 1
	}
	if ax < 0 || ax > len(a.shape) {
		panic(fmt.Sprintf("ad.Unsqueeze: axis %d for shape %v", ax, a.shape))
	}
	shape := append(append(append([]int(nil), a.shape[:ax]...), 1), a.shape[ax:]...)
	return Reshape(a, shape...)
}

// Squeeze removes the dimension ax, which must have size 1.
func Squeeze[T Float](a *Tensor[T], ax int) *Tensor[T] {
	ax = axis("Squeeze", ax, len(a.shape))
	if a.shape[ax] != 1 {
		panic(fmt.Sprintf("ad.Squeeze: axis %d of shape %v is not 1", ax, a.shape))
	}
	return Reshape(a, dropAxis(a.shape, ax, false)...)
}

// Permute reorders the dimensions of a: dimension i of the result is
// dimension perm[i] of a.
func Permute[T Float](a *Tensor[T], perm ...int) *Tensor[T] {
	rank := len(a.shape)
	if len(perm) != rank {
		panic(fmt.Sprintf("ad.Permute: permutation %v for shape %v", perm, a.shape))
	}
	seen := make([]bool, rank)
	shape := make([]int, rank)
	for i, p := range perm {
		if p < 0 || p >= rank || seen[p] {
			panic(fmt.Sprintf("ad.Permute: %v is not a permutation for shape %v", perm, a.shape))
		}
		seen[p] = true
		shape[i] = a.shape[p]
	}
	src := rowStrides(a.shape)
	st := make([]int, rank) // stride in a of each output dimension
	for i, p := range perm {
		st[i] = src[p]
	}
	out := newOut("Permute", shape, false, a)
	walk(shape, st, func(o, i int) { out.Data[o] = a.Data[i] })
	if !needsGrad(a) {
		return out
	}
	return record(out, "Permute", func(g []T) {
		ga := a.grad()
		walk(shape, st, func(o, i int) { ga[i] += g[o] })
	}, a)
}

// Transpose swaps the last two dimensions of a.
func Transpose[T Float](a *Tensor[T]) *Tensor[T] {
	r := len(a.shape)
	if r < 2 {
		panic(fmt.Sprintf("ad.Transpose: shape %v has fewer than 2 dimensions", a.shape))
	}
	perm := make([]int, r)
	for i := range perm {
		perm[i] = i
	}
	perm[r-2], perm[r-1] = r-1, r-2
	return Permute(a, perm...)
}

func rowStrides(shape []int) []int {
	st := make([]int, len(shape))
	acc := 1
	for i := len(shape) - 1; i >= 0; i-- {
		st[i] = acc
		acc *= shape[i]
	}
	return st
}

// Slice returns the elements of a with index in [start, end) along axis ax.
func Slice[T Float](a *Tensor[T], ax, start, end int) *Tensor[T] {
	ax = axis("Slice", ax, len(a.shape))
	outer, n, inner := split(a.shape, ax)
	if start < 0 || end > n || start > end {
		panic(fmt.Sprintf("ad.Slice: [%d, %d) out of range for axis %d of shape %v", start, end, ax, a.shape))
	}
	m := end - start
	shape := append([]int(nil), a.shape...)
	shape[ax] = m
	out := newOut("Slice", shape, false, a)
	for o := range outer {
		copy(out.Data[o*m*inner:(o+1)*m*inner], a.Data[(o*n+start)*inner:(o*n+end)*inner])
	}
	if !needsGrad(a) {
		return out
	}
	return record(out, "Slice", func(g []T) {
		ga := a.grad()
		for o := range outer {
			addTo(ga[(o*n+start)*inner:(o*n+end)*inner], g[o*m*inner:(o+1)*m*inner])
		}
	}, a)
}

// Concat joins tensors along axis ax; their other dimensions must agree.
func Concat[T Float](ax int, ts ...*Tensor[T]) *Tensor[T] {
	if len(ts) == 0 {
		panic("ad.Concat: no tensors")
	}
	ax = axis("Concat", ax, len(ts[0].shape))
	shape := append([]int(nil), ts[0].shape...)
	shape[ax] = 0
	for _, t := range ts {
		if len(t.shape) != len(shape) {
			panic(fmt.Sprintf("ad.Concat: shapes %v and %v differ in rank", ts[0].shape, t.shape))
		}
		for i, d := range t.shape {
			if i != ax && d != shape[i] {
				panic(fmt.Sprintf("ad.Concat: shapes %v and %v differ outside axis %d", ts[0].shape, t.shape, ax))
			}
		}
		shape[ax] += t.shape[ax]
	}
	outer, n, inner := split(shape, ax)
	out := newOut("Concat", shape, false, ts...)
	off := 0 // offset of the current tensor along ax
	for _, t := range ts {
		m := t.shape[ax]
		for o := range outer {
			copy(out.Data[(o*n+off)*inner:(o*n+off+m)*inner], t.Data[o*m*inner:(o+1)*m*inner])
		}
		off += m
	}
	if !needsGrad(ts...) {
		return out
	}
	ins := append([]*Tensor[T](nil), ts...)
	return record(out, "Concat", func(g []T) {
		off := 0
		for _, t := range ins {
			m := t.shape[ax]
			if t.requiresGrad {
				gt := t.grad()
				for o := range outer {
					addTo(gt[o*m*inner:(o+1)*m*inner], g[(o*n+off)*inner:(o*n+off+m)*inner])
				}
			}
			off += m
		}
	}, ins...)
}

// Stack joins tensors of equal shape along a new axis ax.
func Stack[T Float](ax int, ts ...*Tensor[T]) *Tensor[T] {
	if len(ts) == 0 {
		panic("ad.Stack: no tensors")
	}
	us := make([]*Tensor[T], len(ts))
	for i, t := range ts {
		if !sameShape(t.shape, ts[0].shape) {
			panic(fmt.Sprintf("ad.Stack: shapes %v and %v differ", ts[0].shape, t.shape))
		}
		us[i] = Unsqueeze(t, ax)
	}
	if ax < 0 {
		ax += len(ts[0].shape) + 1
	}
	return Concat(ax, us...)
}
