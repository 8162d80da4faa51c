// Package vec32 holds AVX2+FMA kernels over float32 slices for the
// elementary functions that dominate a model's elementwise work: the
// exponential, tanh and the fused binary cross-entropy with logits. They
// compute eight lanes at a time with the Cephes polynomials of toolkit/ad's
// scalar exp32, log1p01 and tanh32, and agree with them to a unit in the
// last place or two.
//
// Each kernel works through its input in blocks of eight and stops at the
// first block holding a lane outside its range (or a NaN), or when fewer
// than eight elements remain; it returns how many elements it wrote, a
// multiple of eight. The caller finishes that block in scalar code and
// calls again. Without AVX2 and FMA (or with the tag purego, or off amd64)
// Enabled is false and the kernels write nothing.
//
// The assembly lives in a package of its own because a package that uses
// cgo, as toolkit/ad does with the tag openblas, cannot hold Go assembly.
package vec32

// Enabled reports whether the kernels run on this machine. Tests turn it
// off to exercise the scalar paths.
var Enabled = enabled
