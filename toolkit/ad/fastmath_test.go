package ad

import (
	"math"
	"math/rand/v2"
	"testing"
)

// ulps returns |got − want| in units of the last place of float32 at want.
func ulps(got float32, want float64) float64 {
	if float64(got) == want {
		return 0
	}
	w := float32(want)
	ulp := float64(math.Nextafter32(abs32(w), float32(math.Inf(1))) - abs32(w))
	return math.Abs(float64(got)-want) / ulp
}

func TestFloat32ElementaryFunctionsAreAccurate(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 1))
	cases := []struct {
		name   string
		f      func(float32) float32
		ref    func(float64) float64
		lo, hi float64
		maxULP float64
	}{
		{"exp32", exp32, math.Exp, -100, 100, 2},
		{"log1p01", log1p01, math.Log1p, 0, 1, 2},
		{"tanh32", tanh32, math.Tanh, -12, 12, 3},
		{"sigmoidT", sigmoidT[float32], sigmoid, -90, 90, 3},
		{"softplusT", softplusT[float32], softplus, -90, 90, 3},
	}
	for _, c := range cases {
		worst, at := 0.0, 0.0
		for i := range 200000 {
			var x float32
			switch {
			case i < 10000: // dense near 0, where cancellation would show
				x = float32((rnd.Float64()*2 - 1) * 1e-3 * (c.hi - c.lo))
				x = min(max(x, float32(c.lo)), float32(c.hi))
			default:
				x = float32(c.lo + rnd.Float64()*(c.hi-c.lo))
			}
			want := c.ref(float64(x))
			if float32(want) == 0 || math.IsInf(float64(float32(want)), 0) {
				if got := c.f(x); got != float32(want) {
					t.Fatalf("%s(%v) = %v, want %v", c.name, x, got, float32(want))
				}
				continue
			}
			if e := ulps(c.f(x), want); e > worst {
				worst, at = e, float64(x)
			}
		}
		if worst > c.maxULP {
			t.Errorf("%s: error %.2f ulp at %v, want ≤ %v", c.name, worst, at, c.maxULP)
		}
	}
	for _, x := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0} {
		for name, f := range map[string]func(float32) float32{"exp32": exp32, "tanh32": tanh32} {
			want := map[string]func(float64) float64{"exp32": math.Exp, "tanh32": math.Tanh}[name](float64(x))
			got := f(x)
			if !(float64(got) == want || math.IsNaN(want) && got != got) {
				t.Errorf("%s(%v) = %v, want %v", name, x, got, want)
			}
		}
	}
}

// TestFloat32OpsMatchFloat64 runs the ops with float32 kernels in both
// precisions: values and gradients must agree to float32 accuracy.
func TestFloat32OpsMatchFloat64(t *testing.T) {
	rnd := rand.New(rand.NewPCG(2, 2))
	x64 := Randn[float64](rnd, 40, 25)
	for i := range x64.Data {
		x64.Data[i] *= 6
	}
	tg64 := Randn[float64](rnd, 40, 25)
	for i := range tg64.Data {
		tg64.Data[i] = float64(rnd.IntN(2))
	}
	ops := map[string]func(x, t any) any{}
	add := func(name string, f32 func(x, t *Tensor[float32]) *Tensor[float32], f64 func(x, t *Tensor[float64]) *Tensor[float64]) {
		ops[name] = func(x, t any) any {
			if x, ok := x.(*Tensor[float32]); ok {
				return f32(x, t.(*Tensor[float32]))
			}
			return f64(x.(*Tensor[float64]), t.(*Tensor[float64]))
		}
	}
	add("Exp", func(x, _ *Tensor[float32]) *Tensor[float32] { return Exp(MulScalar(x, 0.1)) }, func(x, _ *Tensor[float64]) *Tensor[float64] { return Exp(MulScalar(x, 0.1)) })
	add("Sigmoid", func(x, _ *Tensor[float32]) *Tensor[float32] { return Sigmoid(x) }, func(x, _ *Tensor[float64]) *Tensor[float64] { return Sigmoid(x) })
	add("LogSigmoid", func(x, _ *Tensor[float32]) *Tensor[float32] { return LogSigmoid(x) }, func(x, _ *Tensor[float64]) *Tensor[float64] { return LogSigmoid(x) })
	add("Softplus", func(x, _ *Tensor[float32]) *Tensor[float32] { return Softplus(x) }, func(x, _ *Tensor[float64]) *Tensor[float64] { return Softplus(x) })
	add("Tanh", func(x, _ *Tensor[float32]) *Tensor[float32] { return Tanh(x) }, func(x, _ *Tensor[float64]) *Tensor[float64] { return Tanh(x) })
	add("BCEWithLogits", BCEWithLogits[float32], BCEWithLogits[float64])
	add("Softmax", func(x, _ *Tensor[float32]) *Tensor[float32] { return Softmax(x, -1) }, func(x, _ *Tensor[float64]) *Tensor[float64] { return Softmax(x, -1) })
	add("LogSoftmax", func(x, _ *Tensor[float32]) *Tensor[float32] { return LogSoftmax(x, -1) }, func(x, _ *Tensor[float64]) *Tensor[float64] { return LogSoftmax(x, -1) })
	add("LogSumExp", func(x, _ *Tensor[float32]) *Tensor[float32] { return LogSumExp(x, -1) }, func(x, _ *Tensor[float64]) *Tensor[float64] { return LogSumExp(x, -1) })
	for name, op := range ops {
		a64 := Param(x64.Clone())
		a32 := Param(Convert[float32](x64))
		y64 := op(a64, tg64).(*Tensor[float64])
		y32 := op(a32, Convert[float32](tg64)).(*Tensor[float32])
		cot := Randn[float64](rnd, y64.Shape()...)
		y64.BackwardWith(cot)
		y32.BackwardWith(Convert[float32](cot))
		close := func(what string, got []float32, want []float64) {
			for i, w := range want {
				if d := math.Abs(float64(got[i]) - w); d > 2e-6*max(1, math.Abs(w)) {
					t.Fatalf("%s %s at %d: float32 %v, float64 %v", name, what, i, got[i], w)
				}
			}
		}
		close("value", y32.Data, y64.Data)
		close("gradient", a32.Grad, a64.Grad)
	}
}

// TestLargeOpsSplitAcrossCPUsAgreeWithSmallOnes checks the parallel paths of
// ops on tensors of par.Grain elements and more against the same ops row by
// row, which run serially.
func TestLargeOpsSplitAcrossCPUsAgreeWithSmallOnes(t *testing.T) {
	const rows, cols = 300, 784 // 235,200 elements
	rnd := rand.New(rand.NewPCG(3, 3))
	x := Param(Randn[float32](rnd, rows, cols))
	data := Zeros[float32](cols)
	for i := range data.Data {
		data.Data[i] = float32(rnd.IntN(2))
	}
	ops := map[string]func(x *Tensor[float32]) *Tensor[float32]{
		"BernoulliLogLik": func(x *Tensor[float32]) *Tensor[float32] { return BernoulliLogLik(x, data) },
		"Tanh":            Tanh[float32],
		"Mul":             func(x *Tensor[float32]) *Tensor[float32] { return Mul(x, Exp(x)) },
		"Add/blocks":      func(x *Tensor[float32]) *Tensor[float32] { return Add(x, data) },
	}
	for name, op := range ops {
		x.ZeroGrad()
		y := op(x)
		y.BackwardWith(Ones[float32](rows, cols))
		big, bigGrad := y.Data, append([]float32(nil), x.Grad...)
		for r := range rows {
			xr := Param(New(append([]float32(nil), x.Data[r*cols:(r+1)*cols]...), 1, cols))
			yr := op(xr)
			yr.BackwardWith(Ones[float32](1, cols))
			for j := range cols {
				if yr.Data[j] != big[r*cols+j] || xr.Grad[j] != bigGrad[r*cols+j] {
					t.Fatalf("%s row %d col %d: large op %v (grad %v), row alone %v (grad %v)", name, r, j, big[r*cols+j], bigGrad[r*cols+j], yr.Data[j], xr.Grad[j])
				}
			}
		}
	}
}
