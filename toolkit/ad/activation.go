package ad

import (
	"fmt"
	"math"

	"github.com/stochgrad/stochgrad/internal/par"
	"github.com/stochgrad/stochgrad/internal/simd"
)

// sigmoid is the logistic function, computed without overflow.
func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// softplus is log(1 + eˣ), computed without overflow.
func softplus(x float64) float64 {
	return max(x, 0) + math.Log1p(math.Exp(-math.Abs(x)))
}

// Sigmoid returns 1/(1 + e⁻ᵃ).
func Sigmoid[T Float](a *Tensor[T]) *Tensor[T] {
	return unary("Sigmoid", a, func(y, x []T) {
		for i := range y {
			y[i] = sigmoidT(x[i])
		}
	}, func(ga, g, _, y []T) {
		for i := range ga {
			ga[i] += g[i] * y[i] * (1 - y[i])
		}
	})
}

// LogSigmoid returns log σ(a) = −softplus(−a), stable for large |a|.
func LogSigmoid[T Float](a *Tensor[T]) *Tensor[T] {
	return unary("LogSigmoid", a, func(y, x []T) {
		for i := range y {
			y[i] = -softplusT(-x[i])
		}
	}, func(ga, g, x, _ []T) {
		for i := range ga {
			ga[i] += g[i] * sigmoidT(-x[i])
		}
	})
}

// Softplus returns log(1 + eᵃ), stable for large |a|.
func Softplus[T Float](a *Tensor[T]) *Tensor[T] {
	return unary("Softplus", a, func(y, x []T) {
		for i := range y {
			y[i] = softplusT(x[i])
		}
	}, func(ga, g, x, _ []T) {
		for i := range ga {
			ga[i] += g[i] * sigmoidT(x[i])
		}
	})
}

// Tanh returns the hyperbolic tangent of a.
func Tanh[T Float](a *Tensor[T]) *Tensor[T] {
	return unary("Tanh", a, tanhSlice[T], func(ga, g, _, y []T) {
		for i := range ga {
			ga[i] += g[i] * (1 - y[i]*y[i])
		}
	})
}

// ReLU returns max(a, 0); its gradient at 0 is 0.
func ReLU[T Float](a *Tensor[T]) *Tensor[T] {
	return unary("ReLU", a, func(y, x []T) {
		for i, v := range x {
			y[i] = max(v, 0)
		}
	}, reluGrad[T])
}

// reluGrad adds g where x > 0 to ga. It selects with bit masks instead of a
// branch: on the signs of pre-activations a branch is mispredicted half the
// time, which made it the costliest elementwise op of an MLP step.
func reluGrad[T Float](ga, g, x, _ []T) {
	switch ga := any(ga).(type) {
	case []float32:
		g, x := any(g).([]float32)[:len(ga)], any(x).([]float32)[:len(ga)]
		for i := range ga {
			s := int32(math.Float32bits(x[i]))
			m := uint32((-s & ^s) >> 31) // all ones iff x > 0 (not ±0, not negative)
			ga[i] += math.Float32frombits(math.Float32bits(g[i]) & m)
		}
	case []float64:
		g, x := any(g).([]float64)[:len(ga)], any(x).([]float64)[:len(ga)]
		for i := range ga {
			s := int64(math.Float64bits(x[i]))
			m := uint64((-s & ^s) >> 63)
			ga[i] += math.Float64frombits(math.Float64bits(g[i]) & m)
		}
	}
}

// LeakyReLU returns a where a > 0 and slope·a elsewhere.
func LeakyReLU[T Float](a *Tensor[T], slope T) *Tensor[T] {
	return unary("LeakyReLU", a, func(y, x []T) {
		for i, v := range x {
			if v > 0 {
				y[i] = v
			} else {
				y[i] = slope * v
			}
		}
	}, func(ga, g, x, _ []T) {
		for i := range ga {
			if x[i] > 0 {
				ga[i] += g[i]
			} else {
				ga[i] += slope * g[i]
			}
		}
	})
}

// ELU returns a where a > 0 and alpha·(eᵃ − 1) elsewhere.
func ELU[T Float](a *Tensor[T], alpha T) *Tensor[T] {
	return unary("ELU", a, func(y, x []T) {
		for i, v := range x {
			if v > 0 {
				y[i] = v
			} else {
				y[i] = alpha * T(math.Expm1(float64(v)))
			}
		}
	}, func(ga, g, x, y []T) {
		for i := range ga {
			if x[i] > 0 {
				ga[i] += g[i]
			} else {
				ga[i] += g[i] * (y[i] + alpha)
			}
		}
	})
}

// BCEWithLogits returns the elementwise binary cross-entropy
// −[t·log σ(x) + (1−t)·log(1−σ(x))] of logits x against targets t in [0,1],
// broadcasting, computed stably as max(x,0) − x·t + log(1 + e^−|x|).
// Infinite logits are allowed: a term whose coefficient (t or 1−t) is zero
// counts as zero, so the loss is +Inf only where t has mass on an outcome of
// probability zero. Gradients flow to both; the one to the logits, σ(x) − t,
// is finite everywhere, and a zero cotangent contributes nothing to either.
func BCEWithLogits[T Float](logits, targets *Tensor[T]) *Tensor[T] {
	return bce("BCEWithLogits", logits, targets, 1)
}

// BernoulliLogLik returns −BCEWithLogits(logits, x) as one op: the
// log-probability x·log σ(l) + (1−x)·log σ(−l) of x under independent
// Bernoulli variables with logits l, broadcasting.
func BernoulliLogLik[T Float](logits, x *Tensor[T]) *Tensor[T] {
	return bce("BernoulliLogLik", logits, x, -1)
}

// bce is sign·BCEWithLogits. When the targets need no gradient and have the
// logits' shape or repeat as blocks of it (data against a batch of samples
// of its likelihood), one pass computes the loss and keeps σ(x) for the
// backward pass, which then needs no exponential.
func bce[T Float](op string, logits, targets *Tensor[T], sign T) *Tensor[T] {
	shape := broadcastShape(op, logits.shape, targets.shape)
	n := len(targets.Data)
	if targets.requiresGrad || !sameShape(logits.shape, shape) || n == 0 ||
		!sameShape(targets.shape, shape) && !isSuffix(targets.shape, shape) {
		return bceGeneric(op, logits, targets, sign)
	}
	out := newOut(op, shape, false, logits, targets)
	grad := needsGrad(logits, targets)
	var sig []T
	if grad {
		sig = temp[T](len(out.Data))
	}
	x, t, z := logits.Data, targets.Data, out.Data
	run := func(lo, hi int) { bceRange(z, sig, x, t, sign, lo, hi) }
	if len(z) < par.Grain {
		run(0, len(z))
	} else {
		blocks(len(z), n, false, run)
	}
	if !grad {
		return out
	}
	return record(out, op, func(g []T) {
		ga := logits.grad()
		back := func(lo, hi int) {
			for o := lo; o < hi; o += n {
				gab, gb, sb := ga[o:o+n], g[o:o+n], sig[o:o+n]
				for i, s := range sb {
					gab[i] += sign * gb[i] * (s - t[i])
				}
			}
		}
		if len(ga) < par.Grain {
			back(0, len(ga))
		} else {
			blocks(len(ga), n, false, back)
		}
		recycle(sig)
	}, logits, targets)
}

// bceRange writes sign·BCE into z[lo:hi] and, unless sig is nil, σ(x) into
// sig[lo:hi]; t repeats with its own length, lo a multiple of it.
func bceRange[T Float](z, sig, x, t []T, sign T, lo, hi int) {
	n := len(t)
	var buf []T
	for o := lo; o < hi; o += n {
		var sb []T
		if sig != nil {
			sb = sig[o : o+n]
		}
		if !is32[T]() {
			// The exponentials of a block, four lanes at a time, land
			// where σ will (or in a scratch buffer), each read before σ
			// overwrites it.
			e := sb
			if e == nil {
				if buf == nil {
					buf = temp[T](n)
				}
				e = buf
			}
			xb := x[o : o+n]
			for i, v := range xb {
				e[i] = -abs(v)
			}
			expSlice(e, e)
			bceBlock(z[o:o+n], sb, xb, t, sign, e)
			continue
		}
		z32, s32, x32, t32 := f32(z[o:o+n]), f32(sb), f32(x[o:o+n]), f32(t)
		for i := 0; i < n; {
			if simd.Enabled {
				i += simd.BCE32(z32[i:], chunk(s32, i, n), x32[i:], t32[i:], float32(sign))
			}
			// A block with a non-finite logit, or the tail.
			end := min(i+8, n)
			bceBlock(z32[i:end], chunk(s32, i, end), x32[i:end], t32[i:end], float32(sign), nil)
			i = end
		}
	}
	if buf != nil {
		recycle(buf)
	}
}

// bceBlock is bceRange's scalar loop over one block of logits x with
// targets t, given e^−|x| in exps unless exps is nil.
func bceBlock[T Float](z, sig, x, t []T, sign T, exps []T) {
	for i, v := range x {
		if v-v != 0 { // ±Inf or NaN
			z[i] = sign * bceInf(v, t[i])
			if sig != nil {
				sig[i] = sigmoidT(v)
			}
			continue
		}
		var e T
		if exps != nil {
			e = exps[i]
		} else {
			e = expT(-abs(v))
		}
		z[i] = sign * (max(v, 0) - v*t[i] + log1pT(e))
		if sig != nil {
			s := 1 / (1 + e)
			if v < 0 {
				s = e * s
			}
			sig[i] = s
		}
	}
}

// bceGeneric is bce through binary, for targets that need a gradient or
// broadcast other than as blocks.
func bceGeneric[T Float](op string, logits, targets *Tensor[T], sign T) *Tensor[T] {
	return binary(op, logits, targets, func(z, x, t []T) {
		t = t[:len(z)]
		x = x[:len(z)]
		for i, v := range x {
			if v-v != 0 { // ±Inf (NaN propagates either way)
				z[i] = sign * bceInf(v, t[i])
				continue
			}
			z[i] = sign * (softplusT(v) - v*t[i]) // max(v,0) + log(1 + e^−|v|) − v·t
		}
	}, func(ga, gb, g, x, t, _ []T) {
		for i := range ga {
			ga[i] += sign * g[i] * (sigmoidT(x[i]) - t[i])
		}
		for i := range gb {
			if g[i] != 0 {
				gb[i] -= sign * g[i] * x[i]
			}
		}
	})
}

// bceInf is the binary cross-entropy at an infinite logit x: zero where the
// target puts no mass on the impossible outcome, +Inf otherwise.
func bceInf[T Float](x, t T) T {
	if x != x {
		return x
	}
	if x > 0 && t == 1 || x < 0 && t == 0 {
		return 0
	}
	return T(math.Inf(1))
}

// Where returns a where cond is true and b elsewhere; a, b and cond have the
// same number of elements and a and b the same shape.
func Where[T Float](cond []bool, a, b *Tensor[T]) *Tensor[T] {
	if !sameShape(a.shape, b.shape) || len(cond) != len(a.Data) {
		panic(fmt.Sprintf("ad.Where: condition of length %d with shapes %v and %v", len(cond), a.shape, b.shape))
	}
	out := newOut("Where", a.shape, false, a, b)
	for i, c := range cond {
		if c {
			out.Data[i] = a.Data[i]
		} else {
			out.Data[i] = b.Data[i]
		}
	}
	if !needsGrad(a, b) {
		return out
	}
	return record(out, "Where", func(g []T) {
		for i, c := range cond {
			if c && a.requiresGrad {
				a.grad()[i] += g[i]
			} else if !c && b.requiresGrad {
				b.grad()[i] += g[i]
			}
		}
	}, a, b)
}
