//go:build !amd64 || purego

package simd

const enabled = false

// Exp32 writes nothing: there is no kernel for this machine.
func Exp32(dst, src []float32) int { return 0 }

// Tanh32 writes nothing: there is no kernel for this machine.
func Tanh32(dst, src []float32) int { return 0 }

// BCE32 writes nothing: there is no kernel for this machine.
func BCE32(z, sig, x, t []float32, sign float32) int { return 0 }

// Adam32 writes nothing: there is no kernel for this machine.
func Adam32(d, g, m, v []float32, c *AdamConsts) int { return 0 }

// Exp64 writes nothing: there is no kernel for this machine.
func Exp64(dst, src []float64) int { return 0 }

// Finite32 checks nothing: there is no kernel for this machine.
func Finite32(x []float32) int { return 0 }

// Finite64 checks nothing: there is no kernel for this machine.
func Finite64(x []float64) int { return 0 }

// SGD32 writes nothing: there is no kernel for this machine.
func SGD32(d, g, b []float32, c *SGDConsts) int { return 0 }
