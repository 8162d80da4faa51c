package ad

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// The BLAS implementations behind matrix products: gonum's pure Go by
// default, replaced by OpenBLAS when built with the tag openblas.
var (
	impl32  blas.Float32 = gonum.Implementation{}
	impl64  blas.Float64 = gonum.Implementation{}
	backend              = "gonum"
)

// Backend names the BLAS implementation in use: "gonum" or "openblas"
// (whose float32 products run on oneDNN with the tag dnnl).
func Backend() string { return backend }

func trans(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}

// gemm computes c = op(a)·op(b) + beta·c for row-major matrices, op(a) being
// m×k and op(b) k×n.
func gemm[T Float](tA, tB bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		for i := range m {
			row := c[i*ldc : i*ldc+n]
			if beta == 0 {
				clear(row) // c may hold anything, NaN included
				continue
			}
			for j := range row {
				row[j] *= beta
			}
		}
		return
	}
	switch a := any(a).(type) {
	case []float32:
		impl32.Sgemm(trans(tA), trans(tB), m, n, k, 1, a, lda, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
	case []float64:
		impl64.Dgemm(trans(tA), trans(tB), m, n, k, 1, a, lda, any(b).([]float64), ldb, float64(beta), any(c).([]float64), ldc)
	}
}

// Gemm exposes the engine's raw BLAS call, c = op(a)·op(b) + beta·c on
// row-major slices, for benchmarks and for code that manages its own buffers.
func Gemm[T Float](tA, tB bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	gemm(tA, tB, m, n, k, a, lda, b, ldb, beta, c, ldc)
}
