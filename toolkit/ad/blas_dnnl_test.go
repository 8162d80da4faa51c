//go:build openblas && dnnl && cgo

package ad

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/netlib/blas/netlib"
)

// BenchmarkSgemmBackends compares oneDNN with OpenBLAS on the products of
// an MLP step (batch 100, 784-512-256): forward x·W, and the backward
// products gᵀ-shaped dW = xᵀ·g and dx = g·Wᵀ.
func BenchmarkSgemmBackends(b *testing.B) {
	shapes := []struct {
		name    string
		tA, tB  bool
		m, n, k int
	}{
		{"fwd100x784x512", false, false, 100, 512, 784},
		{"dW784x100x512", true, false, 784, 512, 100},
		{"dx100x512x784", false, true, 100, 784, 512},
		{"fwd100x512x256", false, false, 100, 256, 512},
		{"sq512", false, false, 512, 512, 512},
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, s := range shapes {
		a := make([]float32, s.m*s.k)
		bb := make([]float32, s.k*s.n)
		c := make([]float32, s.m*s.n)
		for i := range a {
			a[i] = float32(rnd.NormFloat64())
		}
		for i := range bb {
			bb[i] = float32(rnd.NormFloat64())
		}
		lda, ldb := s.k, s.n
		if s.tA {
			lda = s.m
		}
		if s.tB {
			ldb = s.k
		}
		for _, name := range []string{"openblas", "dnnl"} {
			var impl interface {
				Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)
			}
			if name == "openblas" {
				impl = netlib.Implementation{}
			} else {
				impl = dnnl32{netlib.Implementation{}}
			}
			b.Run(fmt.Sprintf("%s/%s", s.name, name), func(b *testing.B) {
				for b.Loop() {
					impl.Sgemm(trans(s.tA), trans(s.tB), s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, s.n)
				}
				b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// TestDNNLSgemmMatchesOpenBLAS checks every transpose combination and
// strided operands against OpenBLAS.
func TestDNNLSgemmMatchesOpenBLAS(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	for _, tA := range []bool{false, true} {
		for _, tB := range []bool{false, true} {
			m, n, k := 7, 5, 9
			lda, ldb, ldc := k+2, n+1, n+3
			if tA {
				lda = m + 2
			}
			if tB {
				ldb = k + 1
			}
			ra, rb := m, k
			if tA {
				ra = k
			}
			if tB {
				rb = n
			}
			a := make([]float32, ra*lda)
			b := make([]float32, rb*ldb)
			for i := range a {
				a[i] = float32(rnd.NormFloat64())
			}
			for i := range b {
				b[i] = float32(rnd.NormFloat64())
			}
			want := make([]float32, m*ldc)
			for i := range want {
				want[i] = float32(rnd.NormFloat64())
			}
			got := append([]float32(nil), want...)
			netlib.Implementation{}.Sgemm(trans(tA), trans(tB), m, n, k, 1.5, a, lda, b, ldb, 0.5, want, ldc)
			dnnl32{netlib.Implementation{}}.Sgemm(trans(tA), trans(tB), m, n, k, 1.5, a, lda, b, ldb, 0.5, got, ldc)
			for i := range got {
				if d := got[i] - want[i]; d > 1e-4 || d < -1e-4 {
					t.Fatalf("tA=%v tB=%v: element %d: dnnl %g, openblas %g", tA, tB, i, got[i], want[i])
				}
			}
		}
	}
}
