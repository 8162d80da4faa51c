//go:build openblas && cgo

package optim

import (
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/netlib/blas/netlib"
)

// With the tag openblas, under which toolkit/ad runs its products on
// OpenBLAS, the float64 linear algebra of gonum/mat behind the factor
// inversions of KFAC and FOOF and the solves of Exact runs on it too.
func init() { blas64.Use(netlib.Implementation{}) }
