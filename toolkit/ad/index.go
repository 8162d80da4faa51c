package ad

import "fmt"

// Gather picks elements of a along axis ax, as torch.gather: with a viewed as
// [outer, n, inner] and idx as [outer, m, inner], the result has a's shape
// with dimension ax replaced by m, and
//
//	out[o, j, k] = a[o, idx[o, j, k], k].
func Gather[T Float](a *Tensor[T], ax int, idx []int) *Tensor[T] {
	ax = axis("Gather", ax, len(a.shape))
	outer, n, inner := split(a.shape, ax)
	m := gatherWidth("Gather", a.shape, ax, outer*inner, len(idx))
	shape := append([]int(nil), a.shape...)
	shape[ax] = m
	out := newOut("Gather", shape, false, a)
	for o := range outer {
		for j := range m {
			for k := range inner {
				p := (o*m+j)*inner + k
				out.Data[p] = a.Data[(o*n+checkIndex("Gather", idx[p], n))*inner+k]
			}
		}
	}
	if !needsGrad(a) {
		return out
	}
	return record(out, "Gather", func(g []T) {
		scatterAdd(a.grad(), g, idx, outer, n, m, inner)
	}, a)
}

// ScatterAdd returns a copy of a to which src is added at the positions idx
// along axis ax, as torch.scatter_add: src and idx have a's shape with
// dimension ax replaced by m, and
//
//	out[o, idx[o, j, k], k] += src[o, j, k].
func ScatterAdd[T Float](a *Tensor[T], ax int, idx []int, src *Tensor[T]) *Tensor[T] {
	ax = axis("ScatterAdd", ax, len(a.shape))
	outer, n, inner := split(a.shape, ax)
	m := gatherWidth("ScatterAdd", a.shape, ax, outer*inner, len(idx))
	if len(src.Data) != len(idx) || len(src.shape) != len(a.shape) || src.shape[ax] != m {
		panic(fmt.Sprintf("ad.ScatterAdd: source of shape %v with %d indices into shape %v along axis %d", src.shape, len(idx), a.shape, ax))
	}
	out := newOut("ScatterAdd", a.shape, false, a, src)
	copy(out.Data, a.Data)
	for _, i := range idx {
		checkIndex("ScatterAdd", i, n)
	}
	scatterAdd(out.Data, src.Data, idx, outer, n, m, inner)
	if !needsGrad(a, src) {
		return out
	}
	return record(out, "ScatterAdd", func(g []T) {
		if a.requiresGrad {
			addTo(a.grad(), g)
		}
		if src.requiresGrad {
			gs := src.grad()
			for o := range outer {
				for j := range m {
					for k := range inner {
						p := (o*m+j)*inner + k
						gs[p] += g[(o*n+idx[p])*inner+k]
					}
				}
			}
		}
	}, a, src)
}

func scatterAdd[T Float](dst, src []T, idx []int, outer, n, m, inner int) {
	for o := range outer {
		for j := range m {
			for k := range inner {
				p := (o*m+j)*inner + k
				dst[(o*n+idx[p])*inner+k] += src[p]
			}
		}
	}
}

func gatherWidth(op string, shape []int, ax, rest, nidx int) int {
	if rest == 0 || nidx%rest != 0 {
		panic(fmt.Sprintf("ad.%s: %d indices do not fit shape %v along axis %d", op, nidx, shape, ax))
	}
	return nidx / rest
}

func checkIndex(op string, i, n int) int {
	if i < 0 || i >= n {
		panic(fmt.Sprintf("ad.%s: index %d out of range [0, %d)", op, i, n))
	}
	return i
}

// IndexSelect returns the slices of a at positions idx along axis ax, in
// that order (repeats allowed): out[o, j, k] = a[o, idx[j], k]. With an edge
// list it gathers node features onto edges.
func IndexSelect[T Float](a *Tensor[T], ax int, idx []int) *Tensor[T] {
	ax = axis("IndexSelect", ax, len(a.shape))
	outer, n, inner := split(a.shape, ax)
	m := len(idx)
	for _, i := range idx {
		checkIndex("IndexSelect", i, n)
	}
	shape := append([]int(nil), a.shape...)
	shape[ax] = m
	out := newOut("IndexSelect", shape, false, a)
	for o := range outer {
		for j, i := range idx {
			copy(out.Data[(o*m+j)*inner:(o*m+j+1)*inner], a.Data[(o*n+i)*inner:(o*n+i+1)*inner])
		}
	}
	if !needsGrad(a) {
		return out
	}
	return record(out, "IndexSelect", func(g []T) {
		indexAdd(a.grad(), g, idx, outer, n, inner)
	}, a)
}

// IndexAdd returns a copy of a with the slices of src added at positions idx
// along axis ax: out[o, idx[j], k] += src[o, j, k]. With an edge list it sums
// messages into their receiving nodes.
func IndexAdd[T Float](a *Tensor[T], ax int, idx []int, src *Tensor[T]) *Tensor[T] {
	ax = axis("IndexAdd", ax, len(a.shape))
	outer, n, inner := split(a.shape, ax)
	want := append([]int(nil), a.shape...)
	want[ax] = len(idx)
	if !sameShape(src.shape, want) {
		panic(fmt.Sprintf("ad.IndexAdd: source of shape %v for %d indices into shape %v along axis %d", src.shape, len(idx), a.shape, ax))
	}
	for _, i := range idx {
		checkIndex("IndexAdd", i, n)
	}
	out := newOut("IndexAdd", a.shape, false, a, src)
	copy(out.Data, a.Data)
	indexAdd(out.Data, src.Data, idx, outer, n, inner)
	if !needsGrad(a, src) {
		return out
	}
	m := len(idx)
	return record(out, "IndexAdd", func(g []T) {
		if a.requiresGrad {
			addTo(a.grad(), g)
		}
		if src.requiresGrad {
			gs := src.grad()
			for o := range outer {
				for j, i := range idx {
					addTo(gs[(o*m+j)*inner:(o*m+j+1)*inner], g[(o*n+i)*inner:(o*n+i+1)*inner])
				}
			}
		}
	}, a, src)
}

func indexAdd[T Float](dst, src []T, idx []int, outer, n, inner int) {
	m := len(idx)
	for o := range outer {
		for j, i := range idx {
			addTo(dst[(o*n+i)*inner:(o*n+i+1)*inner], src[(o*m+j)*inner:(o*m+j+1)*inner])
		}
	}
}

// OneHot returns a [len(idx), n] tensor with a one at column idx[i] of row i.
func OneHot[T Float](idx []int, n int) *Tensor[T] {
	out := Zeros[T](len(idx), n)
	for i, j := range idx {
		out.Data[i*n+checkIndex("OneHot", j, n)] = 1
	}
	return out
}
