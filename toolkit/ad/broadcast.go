package ad

import "fmt"

// broadcastShape returns the NumPy broadcast of shapes a and b.
func broadcastShape(op string, a, b []int) []int {
	if sameShape(a, b) {
		return a
	}
	n := max(len(a), len(b))
	out := make([]int, n)
	for i := range n {
		da, db := 1, 1
		if j := i - (n - len(a)); j >= 0 {
			da = a[j]
		}
		if j := i - (n - len(b)); j >= 0 {
			db = b[j]
		}
		switch {
		case da == db, db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			panic(fmt.Sprintf("ad.%s: shapes %v and %v do not broadcast", op, a, b))
		}
	}
	return out
}

// strides returns, for each dimension of out, the stride of a row-major
// array of shape s broadcast (right-aligned) to out: 0 where s has size 1.
func strides(s, out []int) []int {
	st := make([]int, len(out))
	acc := 1
	for i := len(s) - 1; i >= 0; i-- {
		j := i + len(out) - len(s)
		if s[i] != 1 {
			st[j] = acc
		}
		acc *= s[i]
	}
	return st
}

// isSuffix reports whether s equals the trailing dimensions of out, ignoring
// leading ones in s: then s repeats as a contiguous block.
func isSuffix(s, out []int) bool {
	for len(s) > 0 && s[0] == 1 {
		s = s[1:]
	}
	if len(s) > len(out) {
		return false
	}
	return sameShape(s, out[len(out)-len(s):])
}

// trailing returns the product of the trailing dimensions of out that s
// reduces to 1 when s keeps every dimension before them, as a sum over the
// last axes does; 0 otherwise. Each element of s then spans a contiguous
// run of that many elements of out.
func trailing(s, out []int) int {
	if len(s) != len(out) {
		return 0
	}
	p := len(s)
	for p > 0 && s[p-1] == 1 {
		p--
	}
	if p == len(s) || !sameShape(s[:p], out[:p]) {
		return 0
	}
	return numel("trailing", out[p:])
}

// walk calls f(o, i) for every flat offset o of out and the matching offset
// i in a broadcast operand with strides st.
func walk(out, st []int, f func(o, i int)) {
	n := numel("walk", out)
	if n == 0 {
		return
	}
	rank := len(out)
	if rank == 0 {
		f(0, 0)
		return
	}
	idx := make([]int, rank)
	inner, sInner := out[rank-1], st[rank-1]
	off := 0
	for o := 0; o < n; o += inner {
		for k, i := 0, off; k < inner; k, i = k+1, i+sInner {
			f(o+k, i)
		}
		// advance the odometer over all but the last dimension
		for d := rank - 2; d >= 0; d-- {
			idx[d]++
			off += st[d]
			if idx[d] < out[d] {
				break
			}
			off -= st[d] * idx[d]
			idx[d] = 0
		}
	}
}

// expand returns the values of a (of shape s) broadcast to shape out. It
// returns a's own slice when no broadcasting is needed.
func expand[T Float](a []T, s, out []int) []T {
	if sameShape(s, out) {
		return a
	}
	dst := make([]T, numel("expand", out))
	expandInto(dst, a, s, out)
	return dst
}

// expandInto writes a (of shape s) broadcast to shape out into dst.
func expandInto[T Float](dst, a []T, s, out []int) {
	switch {
	case len(a) == 1:
		for i := range dst {
			dst[i] = a[0]
		}
	case isSuffix(s, out):
		for o := 0; o < len(dst); o += len(a) {
			copy(dst[o:], a)
		}
	case trailing(s, out) > 0:
		k := trailing(s, out)
		for i, v := range a {
			run := dst[i*k : (i+1)*k]
			for j := range run {
				run[j] = v
			}
		}
	default:
		walk(out, strides(s, out), func(o, i int) { dst[o] = a[i] })
	}
}

// reduceAdd adds src (of shape out) into dst (of shape s, which broadcasts to
// out), summing over the broadcast dimensions: the adjoint of expand.
func reduceAdd[T Float](dst []T, s []int, src []T, out []int) {
	switch {
	case sameShape(s, out):
		addTo(dst, src)
	case len(dst) == 1:
		var sum T
		for _, v := range src {
			sum += v
		}
		dst[0] += sum
	case isSuffix(s, out):
		for o := 0; o < len(src); o += len(dst) {
			addTo(dst, src[o:o+len(dst)])
		}
	case trailing(s, out) > 0:
		k := trailing(s, out)
		for i := range dst {
			var sum T
			for _, v := range src[i*k : (i+1)*k] {
				sum += v
			}
			dst[i] += sum
		}
	default:
		walk(out, strides(s, out), func(o, i int) { dst[i] += src[o] })
	}
}
