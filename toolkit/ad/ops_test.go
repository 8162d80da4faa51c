package ad

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

type T64 = Tensor[float64]

// in describes a random input: a shape and how its values are drawn.
type in struct {
	shape []int
	pos   bool // strictly positive values, in [0.5, 2]
}

func gen(rnd *rand.Rand, s in) *T64 {
	t := Zeros[float64](s.shape...)
	for i := range t.Data {
		if s.pos {
			t.Data[i] = 0.5 + 1.5*rnd.Float64()
		} else {
			t.Data[i] = rnd.NormFloat64()
		}
	}
	return t
}

func sh(s ...int) in  { return in{shape: s} }
func pos(s ...int) in { return in{shape: s, pos: true} }

// gradCases lists every differentiable op with inputs of typical and
// broadcast shapes. Each is checked against finite differences.
var gradCases = []struct {
	name string
	ins  []in
	f    func(x ...*T64) *T64
}{
	{"Add", []in{sh(3, 4), sh(3, 4)}, func(x ...*T64) *T64 { return Add(x[0], x[1]) }},
	{"Add/broadcast row", []in{sh(3, 4), sh(4)}, func(x ...*T64) *T64 { return Add(x[0], x[1]) }},
	{"Add/broadcast both", []in{sh(3, 1, 4), sh(2, 1)}, func(x ...*T64) *T64 { return Add(x[0], x[1]) }},
	{"Add/scalar", []in{sh(2, 3), sh()}, func(x ...*T64) *T64 { return Add(x[0], x[1]) }},
	{"Add/blocks", []in{sh(3, 16), sh(16)}, func(x ...*T64) *T64 { return Add(x[0], x[1]) }},
	{"Sub/blocks first small", []in{sh(1, 16), sh(3, 16)}, func(x ...*T64) *T64 { return Sub(x[0], x[1]) }},
	{"Mul/blocks", []in{sh(2, 3, 16), sh(3, 16)}, func(x ...*T64) *T64 { return Mul(x[0], x[1]) }},
	{"Div/blocks", []in{sh(20), pos(2, 20)}, func(x ...*T64) *T64 { return Div(x[0], x[1]) }},
	{"Div/blocks second small", []in{sh(2, 20), pos(20)}, func(x ...*T64) *T64 { return Div(x[0], x[1]) }},
	{"Pow/blocks", []in{pos(3, 16), sh(16)}, func(x ...*T64) *T64 { return Pow(x[0], x[1]) }},
	{"Maximum/blocks", []in{sh(16), sh(2, 16)}, func(x ...*T64) *T64 { return Maximum(x[0], x[1]) }},
	{"BCEWithLogits/blocks", []in{sh(3, 16), pos(16)}, func(x ...*T64) *T64 { return BCEWithLogits(x[0], MulScalar(x[1], 0.5)) }},
	{"Sub/broadcast", []in{sh(2, 3), sh(2, 1)}, func(x ...*T64) *T64 { return Sub(x[0], x[1]) }},
	{"Mul", []in{sh(2, 3), sh(2, 3)}, func(x ...*T64) *T64 { return Mul(x[0], x[1]) }},
	{"Mul/broadcast middle", []in{sh(2, 3, 4), sh(1, 3, 1)}, func(x ...*T64) *T64 { return Mul(x[0], x[1]) }},
	{"Mul/same input", []in{sh(5)}, func(x ...*T64) *T64 { return Mul(x[0], x[0]) }},
	{"Div", []in{sh(2, 3), pos(2, 3)}, func(x ...*T64) *T64 { return Div(x[0], x[1]) }},
	{"Div/broadcast", []in{sh(4), pos(3, 1)}, func(x ...*T64) *T64 { return Div(x[0], x[1]) }},
	{"Pow", []in{pos(2, 3), sh(2, 3)}, func(x ...*T64) *T64 { return Pow(x[0], x[1]) }},
	{"Maximum", []in{sh(2, 3), sh(3)}, func(x ...*T64) *T64 { return Maximum(x[0], x[1]) }},
	{"AddScalar", []in{sh(4)}, func(x ...*T64) *T64 { return AddScalar(x[0], 2.5) }},
	{"MulScalar", []in{sh(4)}, func(x ...*T64) *T64 { return MulScalar(x[0], -1.5) }},
	{"PowScalar", []in{pos(4)}, func(x ...*T64) *T64 { return PowScalar(x[0], 2.7) }},
	{"Square", []in{sh(4)}, func(x ...*T64) *T64 { return Square(x[0]) }},
	{"Neg", []in{sh(2, 2)}, func(x ...*T64) *T64 { return Neg(x[0]) }},
	{"Exp", []in{sh(2, 3)}, func(x ...*T64) *T64 { return Exp(x[0]) }},
	{"Log", []in{pos(2, 3)}, func(x ...*T64) *T64 { return Log(x[0]) }},
	{"Log1p", []in{pos(5)}, func(x ...*T64) *T64 { return Log1p(x[0]) }},
	{"Expm1", []in{sh(5)}, func(x ...*T64) *T64 { return Expm1(x[0]) }},
	{"Sqrt", []in{pos(5)}, func(x ...*T64) *T64 { return Sqrt(x[0]) }},
	{"Abs", []in{sh(6)}, func(x ...*T64) *T64 { return Abs(x[0]) }},
	{"Clamp", []in{sh(8)}, func(x ...*T64) *T64 { return Clamp(x[0], -0.5, 0.7) }},
	{"Sigmoid", []in{sh(6)}, func(x ...*T64) *T64 { return Sigmoid(x[0]) }},
	{"LogSigmoid", []in{sh(6)}, func(x ...*T64) *T64 { return LogSigmoid(x[0]) }},
	{"Softplus", []in{sh(6)}, func(x ...*T64) *T64 { return Softplus(x[0]) }},
	{"Tanh", []in{sh(6)}, func(x ...*T64) *T64 { return Tanh(x[0]) }},
	{"ReLU", []in{sh(6)}, func(x ...*T64) *T64 { return ReLU(x[0]) }},
	{"LeakyReLU", []in{sh(6)}, func(x ...*T64) *T64 { return LeakyReLU(x[0], 0.1) }},
	{"ELU", []in{sh(6)}, func(x ...*T64) *T64 { return ELU(x[0], 1.3) }},
	{"BCEWithLogits", []in{sh(2, 3), pos(2, 3)}, func(x ...*T64) *T64 { return BCEWithLogits(x[0], MulScalar(x[1], 0.5)) }},
	// Constant targets take the fused path that keeps σ(x) for backward.
	{"BCEWithLogits/data", []in{sh(2, 3)}, func(x ...*T64) *T64 { return BCEWithLogits(x[0], New([]float64{0, 1, 0.3, 1, 0, 0.5}, 2, 3)) }},
	{"BCEWithLogits/data-blocks", []in{sh(4, 2, 3)}, func(x ...*T64) *T64 { return BCEWithLogits(x[0], New([]float64{0, 1, 0.3, 1, 0, 0.5}, 2, 3)) }},
	{"BernoulliLogLik", []in{sh(4, 2, 3)}, func(x ...*T64) *T64 { return BernoulliLogLik(x[0], New([]float64{0, 1, 0.3, 1, 0, 0.5}, 2, 3)) }},
	{"BernoulliLogLik/targets", []in{sh(2, 3), pos(2, 3)}, func(x ...*T64) *T64 { return BernoulliLogLik(x[0], MulScalar(x[1], 0.5)) }},
	{"Where", []in{sh(4), sh(4)}, func(x ...*T64) *T64 { return Where([]bool{true, false, false, true}, x[0], x[1]) }},
	{"Sum/all", []in{sh(2, 3)}, func(x ...*T64) *T64 { return Sum(x[0]) }},
	{"Sum/axis", []in{sh(2, 3, 4)}, func(x ...*T64) *T64 { return Sum(x[0], 1) }},
	{"Sum/axes", []in{sh(2, 3, 4)}, func(x ...*T64) *T64 { return Sum(x[0], 0, -1) }},
	{"SumKeep", []in{sh(2, 3, 4)}, func(x ...*T64) *T64 { return SumKeep(x[0], 2) }},
	{"Sum/last", []in{sh(2, 3, 4)}, func(x ...*T64) *T64 { return Sum(x[0], -1) }},
	{"Sum/last2", []in{sh(2, 3, 4)}, func(x ...*T64) *T64 { return Sum(x[0], 1, 2) }},
	{"Add/trailing", []in{sh(2, 3, 4), sh(2, 1, 1)}, func(x ...*T64) *T64 { return Add(x[0], x[1]) }},
	{"Mean/all", []in{sh(2, 3)}, func(x ...*T64) *T64 { return Mean(x[0]) }},
	{"Mean/axis", []in{sh(2, 3)}, func(x ...*T64) *T64 { return Mean(x[0], 0) }},
	{"MeanKeep", []in{sh(2, 3)}, func(x ...*T64) *T64 { return MeanKeep(x[0], 1) }},
	{"Max/all", []in{sh(3, 4)}, func(x ...*T64) *T64 { return Max(x[0]) }},
	{"Max/axis", []in{sh(3, 4, 2)}, func(x ...*T64) *T64 { return Max(x[0], 1) }},
	{"Max/axes", []in{sh(3, 4, 2)}, func(x ...*T64) *T64 { return Max(x[0], 0, 2) }},
	{"MaxKeep", []in{sh(3, 4)}, func(x ...*T64) *T64 { return MaxKeep(x[0], 0) }},
	{"LogSumExp", []in{sh(3, 5)}, func(x ...*T64) *T64 { return LogSumExp(x[0], -1) }},
	{"LogSumExp/middle", []in{sh(2, 5, 3)}, func(x ...*T64) *T64 { return LogSumExp(x[0], 1) }},
	{"LogSumExpKeep", []in{sh(2, 5, 3)}, func(x ...*T64) *T64 { return LogSumExpKeep(x[0], 0) }},
	{"Softmax", []in{sh(3, 5)}, func(x ...*T64) *T64 { return Softmax(x[0], -1) }},
	{"Softmax/middle", []in{sh(2, 4, 3)}, func(x ...*T64) *T64 { return Softmax(x[0], 1) }},
	{"LogSoftmax", []in{sh(3, 5)}, func(x ...*T64) *T64 { return LogSoftmax(x[0], 1) }},
	{"LogSoftmax/first", []in{sh(4, 3)}, func(x ...*T64) *T64 { return LogSoftmax(x[0], 0) }},
	{"MatMul", []in{sh(3, 4), sh(4, 5)}, func(x ...*T64) *T64 { return MatMul(x[0], x[1]) }},
	{"MatMul/batch×matrix", []in{sh(2, 3, 4), sh(4, 5)}, func(x ...*T64) *T64 { return MatMul(x[0], x[1]) }},
	{"MatMul/batched", []in{sh(2, 3, 4), sh(2, 4, 5)}, func(x ...*T64) *T64 { return MatMul(x[0], x[1]) }},
	{"MatMul/matrix×batch", []in{sh(3, 4), sh(2, 4, 5)}, func(x ...*T64) *T64 { return MatMul(x[0], x[1]) }},
	{"Linear", []in{sh(4, 3), sh(3, 5), sh(5)}, func(x ...*T64) *T64 { return Linear(x[0], x[1], x[2]) }},
	{"Linear/batched no bias", []in{sh(2, 4, 3), sh(3, 5)}, func(x ...*T64) *T64 { return Linear(x[0], x[1], nil) }},
	{"Reshape", []in{sh(2, 3)}, func(x ...*T64) *T64 { return Mul(Reshape(x[0], 3, -1), Reshape(x[0], 3, 2)) }},
	{"Unsqueeze+Squeeze", []in{sh(2, 3)}, func(x ...*T64) *T64 { return Squeeze(Exp(Unsqueeze(x[0], 1)), 1) }},
	{"Permute", []in{sh(2, 3, 4)}, func(x ...*T64) *T64 { return Permute(x[0], 2, 0, 1) }},
	{"Transpose", []in{sh(3, 4)}, func(x ...*T64) *T64 { return Transpose(x[0]) }},
	{"Transpose/batched", []in{sh(2, 3, 4)}, func(x ...*T64) *T64 { return Transpose(x[0]) }},
	{"Slice", []in{sh(3, 5, 2)}, func(x ...*T64) *T64 { return Slice(x[0], 1, 1, 4) }},
	{"Concat", []in{sh(2, 3), sh(2, 1), sh(2, 2)}, func(x ...*T64) *T64 { return Concat(1, x[0], x[1], x[2]) }},
	{"Concat/axis0", []in{sh(1, 3), sh(2, 3)}, func(x ...*T64) *T64 { return Concat(0, x[0], x[1]) }},
	{"Stack", []in{sh(2, 3), sh(2, 3)}, func(x ...*T64) *T64 { return Stack(1, x[0], x[1]) }},
	{"Gather", []in{sh(3, 4)}, func(x ...*T64) *T64 { return Gather(x[0], 1, []int{0, 3, 3, 1, 2, 2}) }},
	{"Gather/axis0", []in{sh(3, 2)}, func(x ...*T64) *T64 { return Gather(x[0], 0, []int{2, 0, 1, 1}) }},
	{"ScatterAdd", []in{sh(3, 4), sh(3, 2)}, func(x ...*T64) *T64 { return ScatterAdd(x[0], 1, []int{0, 0, 3, 1, 2, 2}, x[1]) }},
	{"IndexSelect", []in{sh(4, 3)}, func(x ...*T64) *T64 { return IndexSelect(x[0], 0, []int{1, 3, 1, 0, 2}) }},
	{"IndexAdd", []in{sh(4, 3), sh(5, 3)}, func(x ...*T64) *T64 { return IndexAdd(x[0], 0, []int{1, 3, 1, 0, 2}, x[1]) }},
	{"StraightThrough", []in{sh(4), sh(4)}, func(x ...*T64) *T64 {
		// The value is the first input's, the gradient the second's.
		return Mul(StraightThrough(StopGradient(Exp(x[0])), Exp(x[0])), x[1])
	}},
	{"composite/MLP", []in{sh(4, 3), sh(3, 5), sh(5), sh(5, 2)}, func(x ...*T64) *T64 {
		h := Tanh(Add(MatMul(x[0], x[1]), x[2]))
		return LogSoftmax(MatMul(h, x[3]), 1)
	}},
}

func TestGradCheck(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 11))
	for _, c := range gradCases {
		t.Run(c.name, func(t *testing.T) {
			xs := make([]*T64, len(c.ins))
			for i, s := range c.ins {
				xs[i] = gen(rnd, s)
			}
			worst, err := GradCheck(c.f, xs...)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("max error %.2g", worst)
		})
	}
}

// TestGradCheckDetectsWrongGradient makes sure the checker can fail.
func TestGradCheckDetectsWrongGradient(t *testing.T) {
	wrong := func(x ...*T64) *T64 {
		a := x[0]
		v := Zeros[float64](a.shape...)
		for i, u := range a.Data {
			v.Data[i] = u * u
		}
		return Custom("wrongSquare", v, []*T64{a}, func(g *T64) []*T64 {
			return []*T64{Mul(g, a)} // should be 2·a·g
		})
	}
	if _, err := GradCheck(wrong, New([]float64{0.3, -1.2, 2}, 3)); err == nil {
		t.Fatal("GradCheck accepted a gradient off by a factor of 2")
	}
}

func TestForwardValues(t *testing.T) {
	a := New([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	b := New([]float64{10, 20, 30}, 3)
	check := func(name string, got *T64, want []float64, shape ...int) {
		t.Helper()
		if !sameShape(got.Shape(), shape) {
			t.Fatalf("%s: shape %v, want %v", name, got.Shape(), shape)
		}
		for i := range want {
			if math.Abs(got.Data[i]-want[i]) > 1e-12*max(1, math.Abs(want[i])) {
				t.Fatalf("%s: %v, want %v", name, got.Data, want)
			}
		}
	}
	check("Add", Add(a, b), []float64{11, 22, 33, 14, 25, 36}, 2, 3)
	check("Sum axis 0", Sum(a, 0), []float64{5, 7, 9}, 3)
	check("Sum axis 1 keep", SumKeep(a, 1), []float64{6, 15}, 2, 1)
	check("Sum all", Sum(a), []float64{21})
	check("Mean", Mean(a, 1), []float64{2, 5}, 2)
	check("Max", Max(a, 0), []float64{4, 5, 6}, 3)
	check("Transpose", Transpose(a), []float64{1, 4, 2, 5, 3, 6}, 3, 2)
	check("Linear", Linear(a, New([]float64{1, 0, 0, 1, 1, 1}, 3, 2), New([]float64{10, 20}, 2)), []float64{14, 25, 20, 31}, 2, 2)
	check("MatMul", MatMul(a, New([]float64{1, 0, 0, 1, 1, 1}, 3, 2)), []float64{4, 5, 10, 11}, 2, 2)
	check("Slice", Slice(a, 1, 1, 3), []float64{2, 3, 5, 6}, 2, 2)
	check("Concat", Concat(0, a, Reshape(b, 1, 3)), []float64{1, 2, 3, 4, 5, 6, 10, 20, 30}, 3, 3)
	check("Stack", Stack(0, b, b), []float64{10, 20, 30, 10, 20, 30}, 2, 3)
	check("Gather", Gather(a, 1, []int{2, 0, 1, 1}), []float64{3, 1, 5, 5}, 2, 2)
	check("ScatterAdd", ScatterAdd(Zeros[float64](2, 3), 1, []int{2, 2, 0, 1}, Ones[float64](2, 2)), []float64{0, 0, 2, 1, 1, 0}, 2, 3)
	check("IndexSelect", IndexSelect(a, 0, []int{1, 1, 0}), []float64{4, 5, 6, 4, 5, 6, 1, 2, 3}, 3, 3)
	check("IndexAdd", IndexAdd(Zeros[float64](2, 3), 0, []int{1, 1}, a), []float64{0, 0, 0, 5, 7, 9}, 2, 3)
	check("OneHot", OneHot[float64]([]int{2, 0}, 3), []float64{0, 0, 1, 1, 0, 0}, 2, 3)
	check("Permute", Permute(Reshape(a, 1, 2, 3), 2, 0, 1), []float64{1, 4, 2, 5, 3, 6}, 3, 1, 2)
	lse := LogSumExp(New([]float64{1000, 1000, -1e4}, 3), 0).Item()
	if math.Abs(lse-(1000+math.Log(2))) > 1e-9 {
		t.Fatalf("LogSumExp overflowed: %v", lse)
	}
	if v := LogSumExp(New([]float64{math.Inf(-1), math.Inf(-1)}, 2), 0).Item(); !math.IsInf(v, -1) {
		t.Fatalf("LogSumExp of −∞ = %v", v)
	}
}

// TestStability checks the ops that must stay finite at extreme inputs.
func TestStability(t *testing.T) {
	x := Param(New([]float64{-1e4, -50, 0, 50, 1e4}, 5))
	for _, f := range []func(*T64) *T64{Sigmoid[float64], LogSigmoid[float64], Softplus[float64], func(x *T64) *T64 { return BCEWithLogits(x, Full(0.3, 5)) }, func(x *T64) *T64 { return LogSoftmax(x, 0) }, func(x *T64) *T64 { return Softmax(x, 0) }} {
		y := f(x)
		Sum(y).Backward()
		for i, v := range append(y.Data, x.Grad...) {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("%s: non-finite value at %d: %v (grad %v)", y.Op(), i, y.Data, x.Grad)
			}
		}
		x.ZeroGrad()
	}
}

func TestShapeMismatchPanicsNamingOpAndShapes(t *testing.T) {
	cases := []struct {
		want string
		f    func()
	}{
		{"ad.Add: shapes [2 3] and [4] do not broadcast", func() { Add(Zeros[float64](2, 3), Zeros[float64](4)) }},
		{"ad.MatMul: shapes [2 3] and [4 5] do not multiply", func() { MatMul(Zeros[float64](2, 3), Zeros[float64](4, 5)) }},
		{"ad.Linear: shapes [2 3] · [4 5] + [5] do not fit", func() { Linear(Zeros[float64](2, 3), Zeros[float64](4, 5), Zeros[float64](5)) }},
		{"ad.Reshape: cannot reshape [2 3]", func() { Reshape(Zeros[float64](2, 3), 4, 2) }},
		{"ad.Concat: shapes [2 3] and [3 3] differ outside axis 1", func() { Concat(1, Zeros[float64](2, 3), Zeros[float64](3, 3)) }},
		{"ad.New: 3 values for shape [2 2]", func() { New([]float64{1, 2, 3}, 2, 2) }},
		{"ad.Backward: output of shape [2] is not a scalar", func() { Param(Zeros[float64](2)).Backward() }},
		{"ad.Gather: index 5 out of range [0, 3)", func() { Gather(Zeros[float64](2, 3), 1, []int{5, 0}) }},
	}
	for _, c := range cases {
		func() {
			defer func() {
				r := recover()
				msg, _ := r.(string)
				if !strings.HasPrefix(msg, c.want) {
					t.Errorf("panic %q, want prefix %q", r, c.want)
				}
			}()
			c.f()
		}()
	}
}

// TestReLUGradAtSpecialValues pins the bit-mask selection of ReLU's
// gradient: 1 for positive inputs (denormals and +Inf included), 0 for
// zeros of either sign, negatives and -Inf.
func TestReLUGradAtSpecialValues(t *testing.T) {
	xs := []float64{2, 5e-324, math.Inf(1), 0, math.Copysign(0, -1), -3, -5e-324, math.Inf(-1)}
	want := []float64{1, 1, 1, 0, 0, 0, 0, 0}
	x64 := Param(New(append([]float64(nil), xs...), len(xs)))
	Sum(ReLU(x64)).Backward()
	x32 := Param(Convert[float32](New(append([]float64(nil), xs...), len(xs))))
	x32.Data[1] = math.SmallestNonzeroFloat32
	x32.Data[6] = -math.SmallestNonzeroFloat32
	Sum(ReLU(x32)).Backward()
	for i := range xs {
		if x64.Grad[i] != want[i] || float64(x32.Grad[i]) != want[i] {
			t.Errorf("ReLU'(%v) = %v (float64), %v (float32), want %v", xs[i], x64.Grad[i], x32.Grad[i], want[i])
		}
	}
}

func TestBCEWithLogitsAtInfiniteLogits(t *testing.T) {
	t.Run("targets with gradient", func(t *testing.T) { testBCEInf(t, true) })
	t.Run("data targets", func(t *testing.T) { testBCEInf(t, false) })
}

func testBCEInf(t *testing.T, targetGrad bool) {
	inf := math.Inf(1)
	x := Param(New([]float64{inf, inf, -inf, -inf, inf, math.NaN()}, 6))
	tg := New([]float64{1, 0.5, 0, 1, 0, 1}, 6)
	if targetGrad {
		Param(tg)
	}
	z := BCEWithLogits(x, tg)
	want := []float64{0, inf, 0, inf, inf}
	for i, w := range want {
		if z.Data[i] != w {
			t.Fatalf("BCEWithLogits at infinite logits = %v, want %v", z.Data, want)
		}
	}
	if !math.IsNaN(z.Data[5]) {
		t.Fatalf("BCEWithLogits of a NaN logit = %v, want NaN", z.Data[5])
	}
	// Only the finite losses get a cotangent: the others contribute nothing.
	z.BackwardWith(New([]float64{1, 0, 1, 0, 0, 0}, 6))
	for i := range 5 {
		if x.Grad[i] != 0 {
			t.Fatalf("gradient to the logits %v, want σ(x) − t = 0 where the cotangent is 1 and 0 elsewhere", x.Grad)
		}
	}
	for _, i := range []int{1, 3, 4} {
		if targetGrad && tg.Grad[i] != 0 {
			t.Fatalf("gradient to the targets %v: a zero cotangent must contribute 0, not 0·∞", tg.Grad)
		}
	}
}
