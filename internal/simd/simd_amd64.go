//go:build !purego

package simd

import "golang.org/x/sys/cpu"

var enabled = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// Exp32 sets dst[i] = eˢʳᶜ⁽ⁱ⁾ for src in (−87, 88), the range where the result
// is a normal float32. len(dst) must be at least len(src).
//
//go:noescape
func Exp32(dst, src []float32) int

// Tanh32 sets dst[i] = tanh src[i] for src not NaN. len(dst) must be at least
// len(src).
//
//go:noescape
func Tanh32(dst, src []float32) int

// BCE32 sets z[i] = sign·(max(x, 0) − x·t + log(1 + e^−|x|)), the binary
// cross-entropy of logits x[i] against targets t[i], and, unless sig is
// nil, sig[i] = σ(x[i]), for finite x. z, t and a non-nil sig must be at
// least as long as x.
//
//go:noescape
func BCE32(z, sig, x, t []float32, sign float32) int

// Adam32 updates the first and second moments m, v from gradients g and
// steps the parameters d, all of g's length at least, as the scalar loop
//
//	m = B1·m + C1·g; v = B2·v + C2·g·g; d −= Step·m / (√v·InvBC2 + Eps)
//
// does, to the bit (no fused multiply-adds). It stops only at the tail.
//
//go:noescape
func Adam32(d, g, m, v []float32, c *AdamConsts) int

// Exp64 sets dst[i] = eˢʳᶜ⁽ⁱ⁾ for src in (−708, 709), the range where the
// result is a normal float64, within a unit or two in the last place of
// math.Exp, four lanes at a time. len(dst) must be at least len(src).
//
//go:noescape
func Exp64(dst, src []float64) int

// Finite32 returns how many leading elements of x, a multiple of eight, it
// found finite: it stops at the first block of eight holding an infinity or
// a NaN, or at the tail.
//
//go:noescape
func Finite32(x []float32) int

// Finite64 is Finite32 for float64, in blocks of four.
//
//go:noescape
func Finite64(x []float64) int

// SGD32 steps the parameters d by their gradients g as the scalar loops
//
//	d −= LR·g                                  (b empty)
//	b = Mu·b + g + WD·d; d −= LR·b             (b as long as g)
//
// do, to the bit (no fused multiply-adds). It stops only at the tail.
//
//go:noescape
func SGD32(d, g, b []float32, c *SGDConsts) int
