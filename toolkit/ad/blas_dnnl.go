//go:build openblas && cgo

package ad

/*
#cgo LDFLAGS: -ldnnl
#include <oneapi/dnnl/dnnl.h>
*/
import "C"

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
)

// dnnl32 runs single-precision matrix products on oneDNN's dnnl_sgemm
// (Debian libdnnl-dev), which PyTorch's CPU build also links, and leaves
// every other level-3 and level-1/2 routine to the embedded implementation.
// On the engine's shapes it takes about two thirds of OpenBLAS's time in
// float32 (BenchmarkSgemmBackends); oneDNN has no double-precision gemm, so
// float64 stays on OpenBLAS.
type dnnl32 struct{ blas.Float32 }

func dnnlTrans(t blas.Transpose) C.char {
	if t == blas.NoTrans {
		return 'N'
	}
	return 'T'
}

// Sgemm computes c = alpha·op(a)·op(b) + beta·c on row-major matrices.
func (d dnnl32) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 || k == 0 {
		d.Float32.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	// Bounds are checked here because oneDNN would read past the slices.
	rowsA, colsA := m, k
	if tA != blas.NoTrans {
		rowsA, colsA = k, m
	}
	rowsB, colsB := k, n
	if tB != blas.NoTrans {
		rowsB, colsB = n, k
	}
	if lda < colsA || ldb < colsB || ldc < n ||
		len(a) < (rowsA-1)*lda+colsA || len(b) < (rowsB-1)*ldb+colsB || len(c) < (m-1)*ldc+n {
		panic(fmt.Sprintf("ad: sgemm: slices too short for %d×%d·%d×%d", m, k, k, n))
	}
	st := C.dnnl_sgemm(dnnlTrans(tA), dnnlTrans(tB), C.dnnl_dim_t(m), C.dnnl_dim_t(n), C.dnnl_dim_t(k),
		C.float(alpha), (*C.float)(&a[0]), C.dnnl_dim_t(lda), (*C.float)(&b[0]), C.dnnl_dim_t(ldb),
		C.float(beta), (*C.float)(&c[0]), C.dnnl_dim_t(ldc))
	if st != C.dnnl_success {
		panic(fmt.Sprintf("ad: dnnl_sgemm failed with status %d on %d×%d·%d×%d", int(st), m, k, k, n))
	}
}
