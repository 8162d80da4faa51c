package ad

import (
	"fmt"
	"math"
)

// reduceShapes returns the shape of a reduction over axes with the reduced
// dimensions kept as size 1, and with them dropped. No axes means all.
func reduceShapes(op string, shape []int, axes []int) (keep, drop []int) {
	reduced := make([]bool, len(shape))
	for _, a := range axes {
		reduced[axis(op, a, len(shape))] = true
	}
	keep, drop = make([]int, len(shape)), []int{}
	for i, d := range shape {
		if reduced[i] || len(axes) == 0 {
			keep[i] = 1
		} else {
			keep[i] = d
			drop = append(drop, d)
		}
	}
	return keep, drop
}

// sum reduces a over axes into shape keep.
func sum[T Float](op string, a *Tensor[T], axes []int, keepdims bool) *Tensor[T] {
	keep, drop := reduceShapes(op, a.shape, axes)
	shape := drop
	if keepdims {
		shape = keep
	}
	out := newOut(op, shape, true, a)
	reduceAdd(out.Data, keep, a.Data, a.shape)
	if !needsGrad(a) {
		return out
	}
	return record(out, op, func(g []T) {
		ga := a.grad()
		switch {
		case len(g) == 1:
			for i := range ga {
				ga[i] += g[0]
			}
		case trailing(keep, a.shape) > 0:
			k := trailing(keep, a.shape)
			for i, v := range g {
				run := ga[i*k : (i+1)*k]
				for j := range run {
					run[j] += v
				}
			}
		default:
			e := temp[T](len(ga))
			expandInto(e, g, keep, a.shape)
			addTo(ga, e)
			recycle(e)
		}
	}, a)
}

// Sum returns the sum of a over the given axes, dropping them; with no axes,
// the sum of all elements as a scalar.
func Sum[T Float](a *Tensor[T], axes ...int) *Tensor[T] { return sum("Sum", a, axes, false) }

// SumKeep is Sum keeping the reduced axes with size 1.
func SumKeep[T Float](a *Tensor[T], axes ...int) *Tensor[T] { return sum("SumKeep", a, axes, true) }

// Mean returns the mean of a over the given axes (all if none), dropping them.
func Mean[T Float](a *Tensor[T], axes ...int) *Tensor[T] {
	s := sum("Mean", a, axes, false)
	return MulScalar(s, T(len(s.Data))/T(len(a.Data)))
}

// MeanKeep is Mean keeping the reduced axes with size 1.
func MeanKeep[T Float](a *Tensor[T], axes ...int) *Tensor[T] {
	s := sum("MeanKeep", a, axes, true)
	return MulScalar(s, T(len(s.Data))/T(len(a.Data)))
}

// split returns the sizes of the dimensions before, at and after axis ax.
func split(shape []int, ax int) (outer, n, inner int) {
	outer, inner = 1, 1
	for _, d := range shape[:ax] {
		outer *= d
	}
	for _, d := range shape[ax+1:] {
		inner *= d
	}
	return outer, shape[ax], inner
}

func dropAxis(shape []int, ax int, keep bool) []int {
	out := append([]int(nil), shape...)
	if keep {
		out[ax] = 1
		return out
	}
	return append(out[:ax], out[ax+1:]...)
}

// maxAxis returns the maximum over one axis; the gradient goes to the first
// maximal element.
func maxAxis[T Float](op string, a *Tensor[T], ax int, keep bool) *Tensor[T] {
	ax = axis(op, ax, len(a.shape))
	outer, n, inner := split(a.shape, ax)
	if n == 0 {
		panic(fmt.Sprintf("ad.%s: empty axis %d of shape %v", op, ax, a.shape))
	}
	out := newOut(op, dropAxis(a.shape, ax, keep), false, a)
	arg := make([]int, outer*inner)
	for o := range outer {
		for k := range inner {
			best, bi := a.Data[o*n*inner+k], 0
			for j := 1; j < n; j++ {
				if v := a.Data[(o*n+j)*inner+k]; v > best || math.IsNaN(float64(v)) {
					best, bi = v, j
				}
			}
			out.Data[o*inner+k] = best
			arg[o*inner+k] = (o*n+bi)*inner + k
		}
	}
	if !needsGrad(a) {
		return out
	}
	return record(out, op, func(g []T) {
		ga := a.grad()
		for i, j := range arg {
			ga[j] += g[i]
		}
	}, a)
}

// Max returns the maximum of a over the given axes (all if none), dropping
// them. The gradient flows to one maximal element.
func Max[T Float](a *Tensor[T], axes ...int) *Tensor[T] {
	if len(axes) == 0 {
		return maxAxis("Max", Reshape(a, len(a.Data)), 0, false)
	}
	return maxAxes("Max", a, axes, false)
}

// MaxKeep is Max keeping the reduced axes with size 1.
func MaxKeep[T Float](a *Tensor[T], axes ...int) *Tensor[T] {
	if len(axes) == 0 {
		keep, _ := reduceShapes("MaxKeep", a.shape, nil)
		return Reshape(Max(a), keep...)
	}
	return maxAxes("MaxKeep", a, axes, true)
}

func maxAxes[T Float](op string, a *Tensor[T], axes []int, keep bool) *Tensor[T] {
	// Reduce the highest axes first so that the remaining indices stay valid.
	norm := make([]int, len(axes))
	for i, ax := range axes {
		norm[i] = axis(op, ax, len(a.shape))
	}
	for i := 1; i < len(norm); i++ {
		for j := i; j > 0 && norm[j] > norm[j-1]; j-- {
			norm[j], norm[j-1] = norm[j-1], norm[j]
		}
	}
	out := a
	for _, ax := range norm {
		out = maxAxis(op, out, ax, keep)
	}
	return out
}

// LogSumExp returns log Σ exp(a) over one axis, dropping it, computed stably.
func LogSumExp[T Float](a *Tensor[T], ax int) *Tensor[T] { return logSumExp("LogSumExp", a, ax, false) }

// LogSumExpKeep is LogSumExp keeping the axis with size 1.
func LogSumExpKeep[T Float](a *Tensor[T], ax int) *Tensor[T] {
	return logSumExp("LogSumExpKeep", a, ax, true)
}

func logSumExp[T Float](op string, a *Tensor[T], ax int, keep bool) *Tensor[T] {
	ax = axis(op, ax, len(a.shape))
	outer, n, inner := split(a.shape, ax)
	out := newOut(op, dropAxis(a.shape, ax, keep), false, a)
	lseRows(out.Data, a.Data, outer, n, inner)
	if !needsGrad(a) {
		return out
	}
	return record(out, op, func(g []T) {
		ga := a.grad()
		if inner == 1 {
			for o := range outer {
				l, gl := out.Data[o], g[o]
				row, gr := a.Data[o*n:(o+1)*n], ga[o*n:(o+1)*n]
				for j, v := range row {
					gr[j] += gl * expT(v-l)
				}
			}
			return
		}
		for o := range outer {
			for k := range inner {
				lse, gk := float64(out.Data[o*inner+k]), g[o*inner+k]
				for j := range n {
					i := (o*n+j)*inner + k
					ga[i] += gk * T(math.Exp(float64(a.Data[i])-lse))
				}
			}
		}
	}, a)
}

// lseRows writes into dst the log-sum-exp over the middle axis of x viewed as
// [outer, n, inner]. An axis of −∞ entries gives −∞.
func lseRows[T Float](dst, x []T, outer, n, inner int) {
	if inner == 1 {
		for o := range outer {
			dst[o] = lse(x[o*n : (o+1)*n])
		}
		return
	}
	for o := range outer {
		for k := range inner {
			m := math.Inf(-1)
			for j := range n {
				m = max(m, float64(x[(o*n+j)*inner+k]))
			}
			if math.IsInf(m, 0) {
				dst[o*inner+k] = T(m)
				continue
			}
			s := 0.0
			for j := range n {
				s += math.Exp(float64(x[(o*n+j)*inner+k]) - m)
			}
			dst[o*inner+k] = T(m + math.Log(s))
		}
	}
}

// lse returns log Σ exp(row) in row's own type; −Inf for an empty row or
// one of −Inf entries.
func lse[T Float](row []T) T {
	m := T(math.Inf(-1))
	for _, v := range row {
		m = max(m, v)
	}
	if m-m != 0 { // ±Inf or NaN
		return m
	}
	var s T
	for _, v := range row {
		s += expT(v - m)
	}
	return m + T(math.Log(float64(s)))
}

// softmaxRow writes softmax(row) into dst with one exponential per entry.
func softmaxRow[T Float](dst, row []T) {
	m := T(math.Inf(-1))
	for _, v := range row {
		m = max(m, v)
	}
	dst = dst[:len(row)]
	for j, v := range row {
		dst[j] = v - m
	}
	expSlice(dst, dst)
	var s T
	for _, e := range dst {
		s += e
	}
	inv := 1 / s
	for j := range dst {
		dst[j] *= inv
	}
}

// Softmax returns exp(a) normalised to sum to one along axis ax.
func Softmax[T Float](a *Tensor[T], ax int) *Tensor[T] {
	ax = axis("Softmax", ax, len(a.shape))
	outer, n, inner := split(a.shape, ax)
	out := newOut("Softmax", a.shape, false, a)
	if inner == 1 {
		for o := range outer {
			softmaxRow(out.Data[o*n:(o+1)*n], a.Data[o*n:(o+1)*n])
		}
	} else {
		logSoftmaxRows(out.Data, a.Data, outer, n, inner)
		for i, v := range out.Data {
			out.Data[i] = T(math.Exp(float64(v)))
		}
	}
	if !needsGrad(a) {
		return out
	}
	y := out.Data
	return record(out, "Softmax", func(g []T) {
		ga := a.grad()
		if inner == 1 {
			for o := range outer {
				yr, gr, gar := y[o*n:(o+1)*n], g[o*n:(o+1)*n], ga[o*n:(o+1)*n]
				var dot T
				for j, v := range yr {
					dot += gr[j] * v
				}
				for j, v := range yr {
					gar[j] += v * (gr[j] - dot)
				}
			}
			return
		}
		for o := range outer {
			for k := range inner {
				var dot T
				for j := range n {
					i := (o*n+j)*inner + k
					dot += g[i] * y[i]
				}
				for j := range n {
					i := (o*n+j)*inner + k
					ga[i] += y[i] * (g[i] - dot)
				}
			}
		}
	}, a)
}

// LogSoftmax returns a − logsumexp(a) along axis ax.
func LogSoftmax[T Float](a *Tensor[T], ax int) *Tensor[T] {
	ax = axis("LogSoftmax", ax, len(a.shape))
	outer, n, inner := split(a.shape, ax)
	out := newOut("LogSoftmax", a.shape, false, a)
	logSoftmaxRows(out.Data, a.Data, outer, n, inner)
	if !needsGrad(a) {
		return out
	}
	y := out.Data
	return record(out, "LogSoftmax", func(g []T) {
		ga := a.grad()
		if inner == 1 {
			for o := range outer {
				yr, gr, gar := y[o*n:(o+1)*n], g[o*n:(o+1)*n], ga[o*n:(o+1)*n]
				var s T
				for _, v := range gr {
					s += v
				}
				for j, v := range yr {
					gar[j] += gr[j] - expT(v)*s
				}
			}
			return
		}
		for o := range outer {
			for k := range inner {
				var s T
				for j := range n {
					s += g[(o*n+j)*inner+k]
				}
				for j := range n {
					i := (o*n+j)*inner + k
					ga[i] += g[i] - T(math.Exp(float64(y[i])))*s
				}
			}
		}
	}, a)
}

// logSoftmaxRows writes into dst x − logsumexp(x) over the middle axis of x
// viewed as [outer, n, inner].
func logSoftmaxRows[T Float](dst, x []T, outer, n, inner int) {
	if inner == 1 {
		for o := range outer {
			row, l := x[o*n:(o+1)*n], lse(x[o*n:(o+1)*n])
			for j, v := range row {
				dst[o*n+j] = v - l
			}
		}
		return
	}
	lse := make([]T, outer*inner)
	lseRows(lse, x, outer, n, inner)
	for o := range outer {
		for j := range n {
			for k := range inner {
				i := (o*n+j)*inner + k
				dst[i] = x[i] - lse[o*inner+k]
			}
		}
	}
}
