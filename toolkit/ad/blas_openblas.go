//go:build openblas && cgo

package ad

/*
#cgo LDFLAGS: -lopenblas
*/
import "C"

import "gonum.org/v1/netlib/blas/netlib"

// With the tag openblas the engine's matrix products run on OpenBLAS
// (Debian libopenblas-dev) through gonum's netlib cgo binding.
func init() {
	impl32 = netlib.Implementation{}
	impl64 = netlib.Implementation{}
	backend = "openblas"
}
