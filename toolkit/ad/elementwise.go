package ad

import (
	"math"

	"github.com/stochgrad/stochgrad/internal/par"
)

// unary applies f elementwise. df accumulates into ga the gradient given the
// output cotangent g, the input x and the output y. Both run on ranges of
// the slices, in parallel for large tensors.
func unary[T Float](op string, a *Tensor[T], f func(y, x []T), df func(ga, g, x, y []T)) *Tensor[T] {
	out := newOut(op, a.shape, false, a)
	x, y := a.Data, out.Data
	// The small case calls f directly: a closure handed to par.For
	// escapes to the heap, which would cost an allocation per op.
	if len(y) < par.Grain {
		f(y, x)
	} else {
		par.For(len(y), func(lo, hi int) { f(y[lo:hi], x[lo:hi]) })
	}
	if !needsGrad(a) {
		return out
	}
	return record(out, op, func(g []T) {
		ga := a.grad()
		if len(ga) < par.Grain {
			df(ga, g, x, y)
			return
		}
		par.For(len(ga), func(lo, hi int) { df(ga[lo:hi], g[lo:hi], x[lo:hi], y[lo:hi]) })
	}, a)
}

// chunk returns s[lo:hi], or nil for a nil s.
func chunk[T Float](s []T, lo, hi int) []T {
	if s == nil {
		return nil
	}
	return s[lo:hi]
}

// binary applies f elementwise to a and b broadcast to a common shape. df
// accumulates the gradients into ga and gb (each nil when not needed), which
// have the broadcast shape.
//
// When one operand repeats as a contiguous block of the other (a bias row
// added to a batch, say), f and df run block by block on the smaller
// operand's own storage: no broadcast copy, and its gradient accumulates
// across blocks without a temporary.
func binary[T Float](op string, a, b *Tensor[T], f func(z, x, y []T), df func(ga, gb, g, x, y, z []T)) *Tensor[T] {
	shape := broadcastShape(op, a.shape, b.shape)
	if n := blockLen(a, b, shape); n > 0 {
		return binaryBlocks(op, a, b, shape, n, f, df)
	}
	out := newOut(op, shape, false, a, b)
	x, y, z := expand(a.Data, a.shape, shape), expand(b.Data, b.shape, shape), out.Data
	if len(z) < par.Grain {
		f(z, x, y)
	} else {
		par.For(len(z), func(lo, hi int) { f(z[lo:hi], x[lo:hi], y[lo:hi]) })
	}
	if !needsGrad(a, b) {
		return out
	}
	return record(out, op, func(g []T) {
		ga := gradFor(a, shape)
		gb := gradFor(b, shape)
		if len(z) < par.Grain {
			df(ga, gb, g, x, y, z)
		} else {
			par.For(len(z), func(lo, hi int) {
				df(chunk(ga, lo, hi), chunk(gb, lo, hi), g[lo:hi], x[lo:hi], y[lo:hi], z[lo:hi])
			})
		}
		if ga != nil && !sameShape(a.shape, shape) {
			reduceAdd(a.grad(), a.shape, ga, shape)
			recycle(ga)
		}
		if gb != nil && !sameShape(b.shape, shape) {
			reduceAdd(b.grad(), b.shape, gb, shape)
			recycle(gb)
		}
	}, a, b)
}

// blockLen returns the length of the smaller operand when exactly one of a
// and b has the broadcast shape and the other repeats as a contiguous block
// of at least 16 elements; 0 otherwise.
func blockLen[T Float](a, b *Tensor[T], shape []int) int {
	small := b
	switch {
	case sameShape(a.shape, shape) && !sameShape(b.shape, shape):
	case sameShape(b.shape, shape) && !sameShape(a.shape, shape):
		small = a
	default:
		return 0
	}
	if n := len(small.Data); n >= 16 && isSuffix(small.shape, shape) {
		return n
	}
	return 0
}

// binaryBlocks is binary for an operand that repeats as blocks of n.
func binaryBlocks[T Float](op string, a, b *Tensor[T], shape []int, n int, f func(z, x, y []T), df func(ga, gb, g, x, y, z []T)) *Tensor[T] {
	out := newOut(op, shape, false, a, b)
	total := len(out.Data)
	// x and y of block o: the full operand's slice, or the repeated one whole.
	block := func(t *Tensor[T], o int) []T {
		if len(t.Data) == total {
			return t.Data[o : o+n]
		}
		return t.Data
	}
	blocks(total, n, false, func(lo, hi int) {
		for o := lo; o < hi; o += n {
			f(out.Data[o:o+n], block(a, o), block(b, o))
		}
	})
	if !needsGrad(a, b) {
		return out
	}
	return record(out, op, func(g []T) {
		var ga, gb []T
		if a.requiresGrad {
			ga = a.grad()
		}
		if b.requiresGrad {
			gb = b.grad()
		}
		// The repeated operand's gradient sums over blocks: split the
		// blocks across goroutines only when it needs none.
		shared := ga != nil && len(ga) < total || gb != nil && len(gb) < total
		blocks(total, n, shared, func(lo, hi int) {
			for o := lo; o < hi; o += n {
				gab, gbb := ga, gb
				if len(ga) == total {
					gab = ga[o : o+n]
				}
				if len(gb) == total {
					gbb = gb[o : o+n]
				}
				df(gab, gbb, g[o:o+n], block(a, o), block(b, o), out.Data[o:o+n])
			}
		})
	}, a, b)
}

// blocks calls f on ranges of whole blocks of n that cover [0, total), in
// parallel for large totals unless serial is set.
func blocks(total, n int, serial bool, f func(lo, hi int)) {
	if serial {
		f(0, total)
		return
	}
	par.For(total, func(lo, hi int) {
		lo, hi = lo/n*n, hi/n*n
		if hi > total-n {
			hi = total
		}
		if lo < hi {
			f(lo, hi)
		}
	})
}

// gradFor returns the buffer into which a binary op accumulates t's gradient
// at the broadcast shape: t's own gradient when t is not broadcast, a
// temporary to recycle otherwise, nil when t needs none.
func gradFor[T Float](t *Tensor[T], shape []int) []T {
	if !t.requiresGrad {
		return nil
	}
	if sameShape(t.shape, shape) {
		return t.grad()
	}
	return temp[T](numel("grad", shape))
}

// Add returns a + b, broadcasting.
func Add[T Float](a, b *Tensor[T]) *Tensor[T] {
	return binary("Add", a, b, func(z, x, y []T) {
		for i := range z {
			z[i] = x[i] + y[i]
		}
	}, func(ga, gb, g, _, _, _ []T) {
		if ga != nil {
			addTo(ga, g)
		}
		if gb != nil {
			addTo(gb, g)
		}
	})
}

// Sub returns a − b, broadcasting.
func Sub[T Float](a, b *Tensor[T]) *Tensor[T] {
	return binary("Sub", a, b, func(z, x, y []T) {
		for i := range z {
			z[i] = x[i] - y[i]
		}
	}, func(ga, gb, g, _, _, _ []T) {
		if ga != nil {
			addTo(ga, g)
		}
		for i := range gb {
			gb[i] -= g[i]
		}
	})
}

// Mul returns a ⊙ b, broadcasting.
func Mul[T Float](a, b *Tensor[T]) *Tensor[T] {
	return binary("Mul", a, b, func(z, x, y []T) {
		for i := range z {
			z[i] = x[i] * y[i]
		}
	}, func(ga, gb, g, x, y, _ []T) {
		for i := range ga {
			ga[i] += g[i] * y[i]
		}
		for i := range gb {
			gb[i] += g[i] * x[i]
		}
	})
}

// Div returns a / b, broadcasting.
func Div[T Float](a, b *Tensor[T]) *Tensor[T] {
	return binary("Div", a, b, func(z, x, y []T) {
		for i := range z {
			z[i] = x[i] / y[i]
		}
	}, func(ga, gb, g, _, y, z []T) {
		for i := range ga {
			ga[i] += g[i] / y[i]
		}
		for i := range gb {
			gb[i] -= g[i] * z[i] / y[i]
		}
	})
}

// Pow returns a raised to b elementwise, broadcasting. The gradient with
// respect to b needs a > 0.
func Pow[T Float](a, b *Tensor[T]) *Tensor[T] {
	return binary("Pow", a, b, func(z, x, y []T) {
		for i := range z {
			z[i] = T(math.Pow(float64(x[i]), float64(y[i])))
		}
	}, func(ga, gb, g, x, y, z []T) {
		for i := range ga {
			if y[i] != 0 {
				ga[i] += g[i] * y[i] * T(math.Pow(float64(x[i]), float64(y[i]-1)))
			}
		}
		for i := range gb {
			if x[i] > 0 {
				gb[i] += g[i] * z[i] * T(math.Log(float64(x[i])))
			}
		}
	})
}

// Maximum returns the elementwise maximum of a and b, broadcasting; ties send
// the gradient to a.
func Maximum[T Float](a, b *Tensor[T]) *Tensor[T] {
	return binary("Maximum", a, b, func(z, x, y []T) {
		for i := range z {
			z[i] = max(x[i], y[i])
		}
	}, func(ga, gb, g, x, y, _ []T) {
		for i := range g {
			if x[i] >= y[i] {
				if ga != nil {
					ga[i] += g[i]
				}
			} else if gb != nil {
				gb[i] += g[i]
			}
		}
	})
}

// AddScalar returns a + c.
func AddScalar[T Float](a *Tensor[T], c T) *Tensor[T] {
	return unary("AddScalar", a, func(y, x []T) {
		for i := range y {
			y[i] = x[i] + c
		}
	}, func(ga, g, _, _ []T) { addTo(ga, g) })
}

// MulScalar returns c·a.
func MulScalar[T Float](a *Tensor[T], c T) *Tensor[T] {
	return unary("MulScalar", a, func(y, x []T) {
		for i := range y {
			y[i] = c * x[i]
		}
	}, func(ga, g, _, _ []T) {
		for i := range ga {
			ga[i] += c * g[i]
		}
	})
}

// PowScalar returns a raised to the constant power p.
func PowScalar[T Float](a *Tensor[T], p T) *Tensor[T] {
	return unary("PowScalar", a, func(y, x []T) {
		for i := range y {
			y[i] = T(math.Pow(float64(x[i]), float64(p)))
		}
	}, func(ga, g, x, _ []T) {
		for i := range ga {
			if p != 0 {
				ga[i] += g[i] * p * T(math.Pow(float64(x[i]), float64(p-1)))
			}
		}
	})
}

// Square returns a².
func Square[T Float](a *Tensor[T]) *Tensor[T] {
	return unary("Square", a, func(y, x []T) {
		for i := range y {
			y[i] = x[i] * x[i]
		}
	}, func(ga, g, x, _ []T) {
		for i := range ga {
			ga[i] += 2 * g[i] * x[i]
		}
	})
}

// Neg returns −a.
func Neg[T Float](a *Tensor[T]) *Tensor[T] {
	return unary("Neg", a, func(y, x []T) {
		for i := range y {
			y[i] = -x[i]
		}
	}, func(ga, g, _, _ []T) {
		for i := range ga {
			ga[i] -= g[i]
		}
	})
}

// Exp returns eᵃ.
func Exp[T Float](a *Tensor[T]) *Tensor[T] {
	return unary("Exp", a, expSlice[T], func(ga, g, _, y []T) {
		for i := range ga {
			ga[i] += g[i] * y[i]
		}
	})
}

// Log returns the natural logarithm of a.
func Log[T Float](a *Tensor[T]) *Tensor[T] {
	return unary("Log", a, func(y, x []T) {
		for i := range y {
			y[i] = T(math.Log(float64(x[i])))
		}
	}, func(ga, g, x, _ []T) {
		for i := range ga {
			ga[i] += g[i] / x[i]
		}
	})
}

// Log1p returns log(1 + a), accurate for small a.
func Log1p[T Float](a *Tensor[T]) *Tensor[T] {
	return unary("Log1p", a, func(y, x []T) {
		for i := range y {
			y[i] = T(math.Log1p(float64(x[i])))
		}
	}, func(ga, g, x, _ []T) {
		for i := range ga {
			ga[i] += g[i] / (1 + x[i])
		}
	})
}

// Expm1 returns eᵃ − 1, accurate for small a.
func Expm1[T Float](a *Tensor[T]) *Tensor[T] {
	return unary("Expm1", a, func(y, x []T) {
		for i := range y {
			y[i] = T(math.Expm1(float64(x[i])))
		}
	}, func(ga, g, _, y []T) {
		for i := range ga {
			ga[i] += g[i] * (y[i] + 1)
		}
	})
}

// Sqrt returns √a.
func Sqrt[T Float](a *Tensor[T]) *Tensor[T] {
	return unary("Sqrt", a, func(y, x []T) {
		for i := range y {
			y[i] = T(math.Sqrt(float64(x[i])))
		}
	}, func(ga, g, _, y []T) {
		for i := range ga {
			ga[i] += g[i] / (2 * y[i])
		}
	})
}

// Abs returns |a|; its gradient at 0 is 0.
func Abs[T Float](a *Tensor[T]) *Tensor[T] {
	return unary("Abs", a, func(y, x []T) {
		for i := range y {
			y[i] = T(math.Abs(float64(x[i])))
		}
	}, func(ga, g, x, _ []T) {
		for i := range ga {
			switch {
			case x[i] > 0:
				ga[i] += g[i]
			case x[i] < 0:
				ga[i] -= g[i]
			}
		}
	})
}

// Clamp limits a to [lo, hi]; the gradient is zero where a is outside.
func Clamp[T Float](a *Tensor[T], lo, hi T) *Tensor[T] {
	if lo > hi {
		panic("ad.Clamp: lo > hi")
	}
	return unary("Clamp", a, func(y, x []T) {
		for i := range y {
			y[i] = min(max(x[i], lo), hi)
		}
	}, func(ga, g, x, _ []T) {
		for i := range ga {
			if x[i] >= lo && x[i] <= hi {
				ga[i] += g[i]
			}
		}
	})
}
