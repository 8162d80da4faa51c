//go:build openblas && !dnnl && cgo

package ad

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/netlib/blas/netlib"
)

// float32Impl is OpenBLAS unless the tag dnnl asks for oneDNN
// (blas_dnnl.go).
func float32Impl() blas.Float32 { return netlib.Implementation{} }
