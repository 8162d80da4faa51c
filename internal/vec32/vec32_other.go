//go:build !amd64 || purego

package vec32

const enabled = false

// Exp writes nothing: there is no kernel for this machine.
func Exp(dst, src []float32) int { return 0 }

// Tanh writes nothing: there is no kernel for this machine.
func Tanh(dst, src []float32) int { return 0 }

// BCE writes nothing: there is no kernel for this machine.
func BCE(z, sig, x, t []float32, sign float32) int { return 0 }

// Adam writes nothing: there is no kernel for this machine.
func Adam(d, g, m, v []float32, c *AdamConsts) int { return 0 }
