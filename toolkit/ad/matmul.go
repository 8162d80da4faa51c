package ad

import "fmt"

// MatMul returns the matrix product of a and b. Supported shapes:
//
//	[M,K]   × [K,N]   → [M,N]
//	[B,M,K] × [K,N]   → [B,M,N]   (one product over B·M rows)
//	[B,M,K] × [B,K,N] → [B,M,N]   (batched)
//	[M,K]   × [B,K,N] → [B,M,N]
func MatMul[T Float](a, b *Tensor[T]) *Tensor[T] {
	ra, rb := len(a.shape), len(b.shape)
	bad := func() { panic(fmt.Sprintf("ad.MatMul: shapes %v and %v do not multiply", a.shape, b.shape)) }
	if ra < 2 || ra > 3 || rb < 2 || rb > 3 {
		bad()
	}
	if a.shape[ra-1] != b.shape[rb-2] {
		bad()
	}
	k, n := b.shape[rb-2], b.shape[rb-1]
	if rb == 2 {
		// Fold any batch dimension of a into its rows: one GEMM.
		m := len(a.Data) / max(k, 1)
		if k == 0 {
			m = numel("MatMul", a.shape[:ra-1])
		}
		shape := append(append([]int(nil), a.shape[:ra-1]...), n)
		out := newOut("MatMul", shape, false, a, b)
		gemm(false, false, m, n, k, a.Data, k, b.Data, n, 0, out.Data, n)
		if !needsGrad(a, b) {
			return out
		}
		return record(out, "MatMul", func(g []T) {
			if a.requiresGrad {
				gemm(false, true, m, k, n, g, n, b.Data, n, 1, a.grad(), k)
			}
			if b.requiresGrad {
				gemm(true, false, k, n, m, a.Data, k, g, n, 1, b.grad(), n)
			}
		}, a, b)
	}
	batch := b.shape[0]
	if ra == 3 && a.shape[0] != batch {
		bad()
	}
	m := a.shape[ra-2]
	out := newOut("MatMul", []int{batch, m, n}, false, a, b)
	sa := m * k // stride of a between batches; 0 when a is shared
	if ra == 2 {
		sa = 0
	}
	for i := range batch {
		gemm(false, false, m, n, k, a.Data[i*sa:], k, b.Data[i*k*n:], n, 0, out.Data[i*m*n:], n)
	}
	if !needsGrad(a, b) {
		return out
	}
	return record(out, "MatMul", func(g []T) {
		for i := range batch {
			gi := g[i*m*n:]
			if a.requiresGrad {
				gemm(false, true, m, k, n, gi, n, b.Data[i*k*n:], n, 1, a.grad()[i*sa:], k)
			}
			if b.requiresGrad {
				gemm(true, false, k, n, m, a.Data[i*sa:], k, gi, n, 1, b.grad()[i*k*n:], n)
			}
		}
	}, a, b)
}

// Linear returns x·w + b for x of shape [..., in], w [in, out] and b [out]
// (nil for no bias), as one op: the bias is written into the output and a
// single GEMM accumulates onto it, and the backward pass sums the bias
// gradient straight from the output's, with no broadcast copies.
func Linear[T Float](x, w, b *Tensor[T]) *Tensor[T] {
	rx := len(x.shape)
	if rx < 1 || len(w.shape) != 2 || x.shape[rx-1] != w.shape[0] || b != nil && (len(b.shape) != 1 || b.shape[0] != w.shape[1]) {
		var bs []int
		if b != nil {
			bs = b.shape
		}
		panic(fmt.Sprintf("ad.Linear: shapes %v · %v + %v do not fit", x.shape, w.shape, bs))
	}
	k, n := w.shape[0], w.shape[1]
	m := numel("Linear", x.shape[:rx-1])
	shape := append(append([]int(nil), x.shape[:rx-1]...), n)
	out := newOut("Linear", shape, false, x, w, b)
	var beta T
	if b != nil {
		for i := range m {
			copy(out.Data[i*n:(i+1)*n], b.Data)
		}
		beta = 1
	}
	gemm(false, false, m, n, k, x.Data, k, w.Data, n, beta, out.Data, n)
	inputs := []*Tensor[T]{x, w}
	if b != nil {
		inputs = append(inputs, b)
	}
	if !needsGrad(inputs...) {
		return out
	}
	return record(out, "Linear", func(g []T) {
		if x.requiresGrad {
			gemm(false, true, m, k, n, g, n, w.Data, n, 1, x.grad(), k)
		}
		if w.requiresGrad {
			gemm(true, false, k, n, m, x.Data, k, g, n, 1, w.grad(), n)
		}
		if b != nil && b.requiresGrad {
			gb := b.grad()
			for i := range m {
				addTo(gb, g[i*n:(i+1)*n])
			}
		}
	}, inputs...)
}
