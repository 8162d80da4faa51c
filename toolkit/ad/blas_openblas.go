//go:build openblas && cgo

package ad

/*
#cgo LDFLAGS: -lopenblas
*/
import "C"

import (
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/netlib/blas/netlib"
)

// With the tag openblas the engine's matrix products run on OpenBLAS
// (Debian libopenblas-dev) through gonum's netlib cgo binding, and so does
// gonum's own BLAS (blas32, blas64), which gonum/mat and the packages that
// use it directly (the K-FAC factors and inversions of toolkit/optim, the
// Fisher blocks of toolkit/wakesleep) run on. Every such package imports
// this one, so one switch serves them all. With the tag dnnl as well, the
// engine's own float32 products go to oneDNN (blas_dnnl.go).
func init() {
	impl32 = float32Impl()
	impl64 = netlib.Implementation{}
	backend = "openblas"
	blas32.Use(netlib.Implementation{})
	blas64.Use(netlib.Implementation{})
}
