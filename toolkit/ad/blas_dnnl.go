//go:build openblas && dnnl && cgo

package ad

/*
#cgo LDFLAGS: -ldnnl
#include <oneapi/dnnl/dnnl.h>
*/
import "C"

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/netlib/blas/netlib"
)

// With the tags openblas and dnnl, the engine's float32 matrix products run
// on oneDNN's dnnl_sgemm (Debian libdnnl-dev, which PyTorch's CPU build also
// links); float64 stays on OpenBLAS, as oneDNN has no double-precision gemm.
// On the engine's shapes oneDNN took about two thirds of OpenBLAS's time on
// a quiet machine and degraded far less under load (BenchmarkSgemmBackends).
//
// It is not the default because it is unsafe under Go's CPU profiler:
// SIGPROF lands on oneDNN's OpenMP worker threads, which Go did not
// create, and Go's handler for a signal on such a thread is not safe
// against an interrupted malloc there; a profiled K-FAC benchmark aborts
// with glibc's "corrupted size vs. prev_size" in most runs. Build with it
// for speed, never with -cpuprofile or pprof.
func float32Impl() blas.Float32 { return dnnl32{netlib.Implementation{}} }

// dnnl32 runs single-precision matrix products on dnnl_sgemm and leaves
// every other routine to the embedded implementation.
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
