//go:build openblas && cgo

package optim

import (
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/netlib/blas/netlib"
)

// With the tag openblas, under which toolkit/ad runs its products on
// OpenBLAS, the factor updates of KFAC and FOOF and the float64 linear
// algebra of gonum/mat behind their inversions and the solves of Exact run
// on it too.
func init() {
	blas32.Use(netlib.Implementation{})
	blas64.Use(netlib.Implementation{})
}
