//go:build openblas && cgo

package wakesleep

/*
#cgo LDFLAGS: -lopenblas
*/
import "C"

import (
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/netlib/blas/netlib"
)

// With the tag openblas, gonum's float64 BLAS, which this package's
// matrix products and Fisher factorisations run on, is OpenBLAS, as the
// engine's is (toolkit/ad).
func init() { blas64.Use(netlib.Implementation{}) }
