// Package simd holds AVX2+FMA kernels over float32 (and float64) slices for the
// elementwise work that dominates a model's training step: the
// exponential, tanh, the fused binary cross-entropy with logits, the Adam
// and SGD updates, and the scan for NaNs and infinities in gradients. They
// compute eight lanes at a time; the elementary functions use the Cephes
// polynomials of toolkit/ad's scalar exp32, log1p01 and tanh32 and agree
// with them to a unit in the last place or two, and the updates match
// their scalar loops to the bit.
//
// Each kernel works through its input in blocks of eight (four for
// float64) and stops at the first block holding a lane outside its range (or
// a NaN), or when fewer than a block's worth remain; it returns how many
// elements it wrote, a multiple of the block. The caller finishes that block in scalar code and
// calls again. Without AVX2 and FMA (or with the tag purego, or off amd64)
// Enabled is false and the kernels write nothing.
//
// The assembly lives in a package of its own because a package that uses
// cgo, as toolkit/ad does with the tag openblas, cannot hold Go assembly.
package simd

import "math"

// The kernels carry their element type in their names (Exp32), so that
// float64 twins can join them.

// Enabled reports whether the kernels run on this machine. Tests turn it
// off to exercise the scalar paths.
var Enabled = enabled

// AdamConsts are the constants of one Adam step over a parameter, in the
// layout the Adam kernel reads.
type AdamConsts struct {
	Step, B1, B2, C1, C2, Eps, InvBC2 float32
}

// SGDConsts are the constants of one SGD step over a parameter, in the
// layout the SGD kernel reads.
type SGDConsts struct {
	LR, Mu, WD float32
}

// ExpFloat64s sets dst[i] = e^src[i] for every i: four lanes at a time by
// Exp64 where it can, math.Exp for the blocks it leaves. dst may be src.
func ExpFloat64s(dst, src []float64) {
	dst = dst[:len(src)]
	for i := 0; i < len(src); {
		if Enabled {
			i += Exp64(dst[i:], src[i:])
		}
		for end := min(i+4, len(src)); i < end; i++ {
			dst[i] = math.Exp(src[i])
		}
	}
}
