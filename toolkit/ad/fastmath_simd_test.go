package ad

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stochgrad/stochgrad/internal/simd"
)

// kernelInputs mixes ordinary values with the kernels' edge cases (range
// limits, non-finite values) so that blocks of eight with and without a
// lane the kernel must leave to scalar code both occur, at every offset.
func kernelInputs(rnd *rand.Rand, n int, scale float64) []float32 {
	special := []float32{0, float32(math.Copysign(0, -1)), -87, 88, -87.5, 88.5, -104, 89,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 1e-30, -1e-30,
		float32(math.Sqrt2 - 1), 0.4142135, 0.4142136}
	x := make([]float32, n)
	for i := range x {
		if rnd.IntN(40) == 0 {
			x[i] = special[rnd.IntN(len(special))]
			continue
		}
		x[i] = float32(scale * (2*rnd.Float64() - 1))
	}
	return x
}

// TestExpSliceMatchesScalar checks the vector exponential, with and
// without the AVX2 kernel, lane by lane against exp32 and math.Exp.
func TestExpSliceMatchesScalar(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, scale := range []float64{1, 20, 100} {
		x := kernelInputs(rnd, 10007, scale)
		for _, vector := range []bool{true, false} {
			saved := simd.Enabled
			simd.Enabled = simd.Enabled && vector
			y := make([]float32, len(x))
			expSlice(y, x)
			simd.Enabled = saved
			for i, v := range x {
				if d := ulps(y[i], float64(exp32(v))); d > 1 && v == v {
					t.Fatalf("scale %g vector %v: exp(%g) = %g, exp32 %g (%g ulp)", scale, vector, v, y[i], exp32(v), d)
				}
				if d := ulps(y[i], math.Exp(float64(v))); d > 3 && math.Exp(float64(v)) > 0x1p-126 && !math.IsInf(math.Exp(float64(v)), 0) {
					t.Fatalf("scale %g: exp(%g) = %g, math.Exp %g (%g ulp)", scale, v, y[i], math.Exp(float64(v)), d)
				}
			}
		}
	}
}

// TestTanhSliceMatchesScalar checks the vector tanh, with and without the
// AVX2 kernel, lane by lane against tanh32 and math.Tanh.
func TestTanhSliceMatchesScalar(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 8))
	for _, scale := range []float64{0.7, 3, 12, 100} {
		x := kernelInputs(rnd, 10007, scale)
		x = append(x, 0.625, -0.625, 0.6249999, 9, -9, 9.000001)
		for _, vector := range []bool{true, false} {
			saved := simd.Enabled
			simd.Enabled = simd.Enabled && vector
			y := make([]float32, len(x))
			tanhSlice(y, x)
			simd.Enabled = saved
			for i, v := range x {
				if d := ulps(y[i], float64(tanh32(v))); d > 2 || (y[i] != y[i]) != (v != v) {
					t.Fatalf("scale %g vector %v: tanh(%g) = %g, tanh32 %g (%g ulp)", scale, vector, v, y[i], tanh32(v), d)
				}
				if d := ulps(y[i], math.Tanh(float64(v))); d > 3 && v == v {
					t.Fatalf("scale %g: tanh(%g) = %g, math.Tanh %g (%g ulp)", scale, v, y[i], math.Tanh(float64(v)), d)
				}
			}
		}
	}
}

// TestBCEKernelMatchesScalar checks the fused cross-entropy, loss and
// sigmoid, of the vector path against the scalar loop, with repeating
// targets as a VAE's decoder sees them.
func TestBCEKernelMatchesScalar(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	const n, reps = 787, 5 // n not a multiple of 8: every block offset occurs
	for _, scale := range []float64{3, 30, 120} {
		x := kernelInputs(rnd, n*reps, scale)
		tg := make([]float32, n)
		for i := range tg {
			switch rnd.IntN(3) {
			case 0:
				tg[i] = 0
			case 1:
				tg[i] = 1
			default:
				tg[i] = rnd.Float32()
			}
		}
		for _, sign := range []float32{1, -1} {
			z, sig := make([]float32, len(x)), make([]float32, len(x))
			bceRange(z, sig, x, tg, sign, 0, len(x))
			zNoSig := make([]float32, len(x))
			bceRange(zNoSig, nil, x, tg, sign, 0, len(x))
			wz, ws := make([]float32, len(x)), make([]float32, len(x))
			for o := 0; o < len(x); o += n {
				bceBlock(wz[o:o+n], ws[o:o+n], x[o:o+n], tg, sign, nil)
			}
			for i := range x {
				// The loss is a sum of terms of either sign: compare it
				// against its own scale, the largest term.
				tol := 4e-7 * float64(max(1, abs32(x[i])))
				if d := math.Abs(float64(z[i] - wz[i])); d > tol || z[i] != zNoSig[i] && !(z[i] != z[i]) {
					t.Fatalf("scale %g sign %g: bce(%g, %g) = %g (without σ %g), scalar %g", scale, sign, x[i], tg[i%n], z[i], zNoSig[i], wz[i])
				}
				if d := math.Abs(float64(sig[i] - ws[i])); d > 2e-7 || ulps(sig[i], float64(ws[i])) > 2 && ws[i] > 1e-30 {
					t.Fatalf("scale %g: σ(%g) = %g, scalar %g", scale, x[i], sig[i], ws[i])
				}
			}
		}
	}
}

// TestBCEFloat64MatchesDefinition checks the float64 cross-entropy, whose
// exponentials come four at a time, against softplus(x) − x·t and σ(x)
// computed with package math, with and without σ kept.
func TestBCEFloat64MatchesDefinition(t *testing.T) {
	rnd := rand.New(rand.NewPCG(9, 10))
	const n, reps = 37, 4
	x := make([]float64, n*reps)
	for i, v := range kernelInputs(rnd, len(x), 50) {
		x[i] = float64(v)
	}
	tg := make([]float64, n)
	for i := range tg {
		tg[i] = rnd.Float64()
	}
	z, sig, zOnly := make([]float64, len(x)), make([]float64, len(x)), make([]float64, len(x))
	bceRange(z, sig, x, tg, -1, 0, len(x))
	bceRange(zOnly, nil, x, tg, -1, 0, len(x))
	for i, v := range x {
		if v-v != 0 {
			continue
		}
		want := -(max(v, 0) + math.Log1p(math.Exp(-math.Abs(v))) - v*tg[i%n])
		if math.Abs(z[i]-want) > 1e-15*max(1, math.Abs(v)) || zOnly[i] != z[i] {
			t.Fatalf("bce(%g, %g) = %g (without σ %g), want %g", v, tg[i%n], z[i], zOnly[i], want)
		}
		if s := 1 / (1 + math.Exp(-v)); math.Abs(sig[i]-s) > 1e-16 {
			t.Fatalf("σ(%g) = %g, want %g", v, sig[i], s)
		}
	}
}
