package ad

import (
	"math"
	"unsafe"

	"github.com/stochgrad/stochgrad/internal/simd"
)

// float32 data gets float32 elementary functions here: the float64 routines
// of package math cost several times as much, and ops such as the binary
// cross-entropy of a VAE's decoder spend most of their time in them. The
// polynomials are Cephes's expf, logf and tanhf (S. L. Moshier), accurate to
// a few units in the last place of a float32.

// is32 reports whether T is float32. It is fixed for each instantiation, so
// the branch it guards compiles away.
func is32[T Float]() bool {
	var z T
	return unsafe.Sizeof(z) == 4
}

// expT returns eˣ in T's precision.
func expT[T Float](x T) T {
	if is32[T]() {
		return T(exp32(float32(x)))
	}
	return T(math.Exp(float64(x)))
}

// sigmoidT is the logistic function in T's precision, without overflow.
func sigmoidT[T Float](x T) T {
	if !is32[T]() {
		return T(sigmoid(float64(x)))
	}
	e := exp32(-abs32(float32(x)))
	if x >= 0 {
		return T(1 / (1 + e))
	}
	return T(e / (1 + e))
}

// softplusT is log(1 + eˣ) in T's precision, without overflow.
func softplusT[T Float](x T) T {
	if !is32[T]() {
		return T(softplus(float64(x)))
	}
	v := float32(x)
	return T(max(v, 0) + log1p01(exp32(-abs32(v))))
}

// log1pT returns log(1 + e) for e in [0, 1] in T's precision.
func log1pT[T Float](e T) T {
	if is32[T]() {
		return T(log1p01(float32(e)))
	}
	return T(math.Log1p(float64(e)))
}

// expSlice sets y[i] = eˣ⁽ⁱ⁾, eight float32 lanes at a time where the CPU
// has AVX2 and FMA (internal/simd).
func expSlice[T Float](y, x []T) {
	if !is32[T]() {
		simd.ExpFloat64s(f64(y), f64(x))
		return
	}
	map32(f32(y[:len(x)]), f32(x), simd.Exp32, exp32)
}

// map32 sets y[i] = f(x[i]) by the kernel where simd has one for this CPU,
// and by scalar f for the blocks of eight the kernel leaves (a lane outside
// its range) and the tail.
func map32(y, x []float32, kernel func(dst, src []float32) int, f func(float32) float32) {
	for i := 0; i < len(x); {
		if simd.Enabled {
			i += kernel(y[i:], x[i:])
		}
		for end := min(i+8, len(x)); i < end; i++ {
			y[i] = f(x[i])
		}
	}
}

// tanhSlice sets y[i] = tanh x[i], eight float32 lanes at a time where the
// CPU has AVX2 and FMA.
func tanhSlice[T Float](y, x []T) {
	if !is32[T]() {
		for i, v := range x {
			y[i] = T(math.Tanh(float64(v)))
		}
		return
	}
	map32(f32(y[:len(x)]), f32(x), simd.Tanh32, tanh32)
}

// f64 views a []T that holds float64 as []float64.
func f64[T Float](s []T) []float64 {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*float64)(unsafe.Pointer(&s[0])), len(s))
}

// f32 views a []T that holds float32 as []float32.
func f32[T Float](s []T) []float32 {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&s[0])), len(s))
}

func abs32(x float32) float32 { return math.Float32frombits(math.Float32bits(x) &^ (1 << 31)) }

// exp32 returns eˣ. Outside the range where the result is a normal float32
// (and for NaN) it defers to math.Exp.
func exp32(x float32) float32 {
	if !(x > -87 && x < 88) {
		return float32(math.Exp(float64(x)))
	}
	// x = k·ln 2 + r with |r| ≤ ln 2 / 2, ln 2 split in two parts so that
	// k·ln2hi is exact.
	t := x * math.Log2E
	k := int32(t + 0.5)
	if t+0.5 < 0 {
		k = int32(t - 0.5)
	}
	fk := float32(k)
	r := x - fk*0.693359375 - fk*-2.12194440e-4
	z := r * r
	p := ((((((1.9875691500e-4*r+1.3981999507e-3)*r+8.3334519073e-3)*r+4.1665795894e-2)*r+1.6666665459e-1)*r+5.0000001201e-1)*z + r) + 1
	return p * math.Float32frombits(uint32(k+127)<<23)
}

// log1p01 returns log(1 + e) for e in [0, 1].
func log1p01(e float32) float32 {
	// log(1+e) = k·ln 2 + log(1+x) with x in [√½ − 1, √2 − 1].
	x, k := e, float32(0)
	if e > math.Sqrt2-1 {
		x, k = (e-1)*0.5, 1
	}
	z := x * x
	y := (((((((((7.0376836292e-2*x-1.1514610310e-1)*x+1.1676998740e-1)*x-1.2420140846e-1)*x+1.4249322787e-1)*x-1.6668057665e-1)*x+2.0000714765e-1)*x-2.4999993993e-1)*x+3.3333331174e-1)*x)*z - 0.5*z
	return x + (y + k*-2.12194440e-4) + k*0.693359375
}

// tanh32 returns tanh x.
func tanh32(x float32) float32 {
	a := abs32(x)
	switch {
	case a < 0.625:
		z := x * x
		return ((((-5.70498872745e-3*z+2.06390887954e-2)*z-5.37397155531e-2)*z+1.33314422036e-1)*z-3.33332819422e-1)*z*x + x
	case a > 9: // tanh rounds to ±1; also catches ±Inf
		return math.Float32frombits(math.Float32bits(1) | math.Float32bits(x)&(1<<31))
	case x != x:
		return x
	}
	y := 1 - 2/(exp32(2*a)+1)
	if x < 0 {
		return -y
	}
	return y
}

// abs returns |x| in T's precision.
func abs[T Float](x T) T {
	if x < 0 {
		return -x
	}
	return x
}
