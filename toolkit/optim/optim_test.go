package optim

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stochgrad/stochgrad/internal/simd"
	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// golden holds the parameters after each of three steps on
// f(p) = Σ c·p²/2 + b·p from p0, computed by PyTorch 1.13 in float64 with
// testdata/golden.py.
var (
	goldenP0 = []float64{1.0, -2.0, 1.5, 0.5}
	goldenC  = []float64{1.0, 3.0, -0.5, -0.5}
	goldenB  = []float64{0.5, -1.0, 0.25, 0.25}
	golden   = map[string][3][4]float64{
		"SGD":                {{0.85, -1.3, 1.55, 0.5}, {0.715, -0.8099999999999999, 1.6025, 0.5}, {0.5935, -0.46699999999999997, 1.6576250000000001, 0.5}},
		"SGD/momentum":       {{0.85, -1.3, 1.55, 0.5}, {0.58, -0.18000000000000005, 1.6475, 0.5}, {0.22899999999999993, 0.9820000000000001, 1.792625, 0.5}},
		"SGD/nesterov":       {{0.715, -0.6699999999999998, 1.595, 0.5}, {0.36265, 0.4689000000000002, 1.739525, 0.5}, {-0.009018500000000049, 1.145737, 1.938077375, 0.5}},
		"SGD/momentum+decay": {{0.84, -1.28, 1.535, 0.495}, {0.6175999999999999, -0.4232, 1.5889, 0.4873}, {0.3884639999999999, 0.23639199999999996, 1.654406, 0.47794200000000003}},
		"Adam":               {{0.9000000006666666, -1.9000000001428572, 1.599999998, 0.5}, {0.8002390629683902, -1.8001380979770532, 1.7001347728295533, 0.5}, {0.7009028715453671, -1.7005152894782904, 1.8004900494585931, 0.5}},
		"Adam/betas+eps":     {{0.950033311125916, -1.9500071418368805, 1.5499001996007984, 0.5}, {0.9001641272287029, -1.9000747225399213, 1.5999169056411215, 0.5}, {0.8504605161022236, -1.8502440593315965, 1.6501184465514682, 0.5}},
		"AdamW":              {{0.8900000006666666, -1.8800000001428572, 1.5849999979999998, 0.495}, {0.7813706462795685, -1.7613723563690087, 1.6692793490418996, 0.415636738483027}, {0.6743071523449007, -1.644229210262519, 1.752924931293202, 0.3443093113979365}},
		"RMSprop":            {{0.9000000066666662, -1.9000000014285714, 1.599999980000004, 0.5}, {0.8315851209971206, -1.8306731685726125, 1.6741619542641821, 0.5}, {0.7768515051692546, -1.7747183602998706, 1.736421652523269, 0.5}},
		"RMSprop/momentum":   {{0.9683772240649828, -1.9683772235411734, 1.531622774601684, 0.5}, {0.91720810741953, -1.9171240159892176, 1.5833600576884879, 0.5}, {0.8525011550235125, -1.852139003455957, 1.6498987194856036, 0.5}},
	}
)

// goldenOptimizer returns the optimizer of testdata/golden.py named name.
func goldenOptimizer[T ad.Float](name string) Optimizer[T] {
	switch name {
	case "SGD":
		return &SGD[T]{LR: 0.1}
	case "SGD/momentum":
		return &SGD[T]{LR: 0.1, Momentum: 0.9}
	case "SGD/nesterov":
		return &SGD[T]{LR: 0.1, Momentum: 0.9, Nesterov: true}
	case "SGD/momentum+decay":
		return &SGD[T]{LR: 0.1, Momentum: 0.5, WeightDecay: 0.1}
	case "Adam":
		return &Adam[T]{LR: 0.1}
	case "Adam/betas+eps":
		return &Adam[T]{LR: 0.05, Beta1: 0.8, Beta2: 0.99, Eps: 1e-3}
	case "AdamW":
		return &Adam[T]{LR: 0.1, WeightDecay: 0.1}
	case "RMSprop":
		return &Preconditioned[T]{Base: &SGD[T]{LR: 0.01}, P: &RMS[T]{Decay: 0.99, Eps: 1e-8}}
	case "RMSprop/momentum":
		return &Preconditioned[T]{Base: &SGD[T]{LR: 0.01, Momentum: 0.9}, P: &RMS[T]{Decay: 0.9}}
	}
	panic("unknown optimizer " + name)
}

// setQuadraticGrad sets p.Grad to the gradient c⊙p + b of Σ c·p²/2 + b·p.
func setQuadraticGrad[T ad.Float](p *ad.Tensor[T], c, b []float64) {
	if p.Grad == nil {
		p.Grad = make([]T, p.Len())
	}
	for k := range p.Grad {
		p.Grad[k] = T(c[k])*p.Data[k] + T(b[k])
	}
}

func toT[T ad.Float](v []float64) []T {
	out := make([]T, len(v))
	for i, x := range v {
		out[i] = T(x)
	}
	return out
}

// checkGolden runs every golden case in type T. tol bounds the absolute
// error on parameters of order one.
func checkGolden[T ad.Float](t *testing.T, tol float64) {
	for name, want := range golden {
		t.Run(name, func(t *testing.T) {
			opt := goldenOptimizer[T](name)
			p := ad.Param(ad.New(toT[T](goldenP0), 4))
			for step := range 3 {
				setQuadraticGrad(p, goldenC, goldenB)
				if err := opt.Step([]*ad.Tensor[T]{p}); err != nil {
					t.Fatal(err)
				}
				for k, v := range p.Data {
					if d := math.Abs(float64(v) - want[step][k]); d > tol {
						t.Fatalf("step %d: p[%d] = %.17g, PyTorch has %.17g (error %.2g > %.2g)", step+1, k, v, want[step][k], d, tol)
					}
				}
			}
		})
	}
}

// TestAgainstPyTorch: in float64 the updates agree with PyTorch to a few
// ulps. In float32 each step costs about ten roundings of relative size
// 2⁻²⁴ ≈ 6e-8 on values of order one, so three steps stay within 2e-6.
func TestAgainstPyTorch(t *testing.T) {
	t.Run("float64", func(t *testing.T) { checkGolden[float64](t, 1e-14) })
	t.Run("float32", func(t *testing.T) { checkGolden[float32](t, 2e-6) })
}

// TestSGDMomentumByHand follows three steps of heavy-ball momentum
// (LR 0.1, Momentum 0.9) with fixed gradients, computed by hand:
//
//	b₁ = g₁ = (0.5, −1)            θ₁ = (1, −2) − 0.1·b₁ = (0.95, −1.9)
//	b₂ = 0.9·b₁ + (0.25, 0.5) = (0.7, −0.4)     θ₂ = (0.88, −1.86)
//	b₃ = 0.9·b₂ + (−1, 2) = (−0.37, 1.64)       θ₃ = (0.917, −2.024)
func TestSGDMomentumByHand(t *testing.T) {
	grads := [][]float64{{0.5, -1}, {0.25, 0.5}, {-1, 2}}
	want := [][]float64{{0.95, -1.9}, {0.88, -1.86}, {0.917, -2.024}}
	byHand(t, &SGD[float64]{LR: 0.1, Momentum: 0.9}, []float64{1, -2}, grads, want, 1e-15)
}

// TestAdamByHand follows three Adam steps (LR 0.1, defaults otherwise) on
// a scalar with gradients 0.5, −0.2, 0.1:
//
//	t=1: m = 0.05,   v = 2.5e-4,     m̂ = 0.5,      v̂ = 0.25,      θ = 1 − 0.1·0.5/(0.5+1e-8)
//	t=2: m = 0.025,  v = 2.8975e-4,  m̂ = 0.025/0.19,  v̂ = 2.8975e-4/0.001999
//	t=3: m = 0.0325, v = 2.9946025e-4, m̂ = 0.0325/0.271, v̂ = 2.9946025e-4/0.002997001
func TestAdamByHand(t *testing.T) {
	grads := [][]float64{{0.5}, {-0.2}, {0.1}}
	want := [][]float64{{0.9000000019999999}, {0.8654394181165107}, {0.8275002408356955}}
	byHand(t, &Adam[float64]{LR: 0.1}, []float64{1}, grads, want, 1e-15)
}

func byHand(t *testing.T, opt Optimizer[float64], p0 []float64, grads, want [][]float64, tol float64) {
	t.Helper()
	p := ad.Param(ad.New(append([]float64(nil), p0...), len(p0)))
	for step, g := range grads {
		p.Grad = append([]float64(nil), g...)
		if err := opt.Step([]*ad.Tensor[float64]{p}); err != nil {
			t.Fatal(err)
		}
		for k, v := range p.Data {
			if math.Abs(v-want[step][k]) > tol {
				t.Fatalf("step %d: θ[%d] = %.17g, want %.17g", step+1, k, v, want[step][k])
			}
		}
	}
}

// TestAdamZeroValueIsDefaults checks that Adam{} behaves exactly as Adam
// with the documented defaults written out.
func TestAdamZeroValueIsDefaults(t *testing.T) {
	a := &Adam[float32]{}
	b := &Adam[float32]{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
	pa := ad.Param(ad.New(toT[float32](goldenP0), 4))
	pb := ad.Param(ad.New(toT[float32](goldenP0), 4))
	for range 5 {
		setQuadraticGrad(pa, goldenC, goldenB)
		setQuadraticGrad(pb, goldenC, goldenB)
		if err := errors.Join(a.Step([]*ad.Tensor[float32]{pa}), b.Step([]*ad.Tensor[float32]{pb})); err != nil {
			t.Fatal(err)
		}
	}
	for k := range pa.Data {
		if pa.Data[k] != pb.Data[k] {
			t.Fatalf("Adam{} gives %v, explicit defaults give %v", pa.Data, pb.Data)
		}
	}
	// Five steps of about LR each: the first coordinate moved by ≈ 5e-3.
	if d := float64(pa.Data[0]) - goldenP0[0]; math.Abs(d+5e-3) > 1e-4 {
		t.Fatalf("Adam{} moved θ₀ by %v in five steps, want ≈ −5e-3", d)
	}
}

func TestSGDZeroLRIsDefault(t *testing.T) {
	p := ad.Param(ad.New([]float64{1}, 1))
	p.Grad = []float64{2}
	if err := (&SGD[float64]{}).Step([]*ad.Tensor[float64]{p}); err != nil {
		t.Fatal(err)
	}
	if p.Data[0] != 1-0.01*2 {
		t.Fatalf("SGD{} step gives %v, want 1 − 0.01·2", p.Data[0])
	}
}

// TestVectorPathsMatchScalar runs float32 Adam (with weight decay) and SGD
// (plain, with momentum, with momentum and weight decay) with and without
// the AVX2 kernels of internal/simd on a length that leaves a scalar tail,
// and wants the same bits.
func TestVectorPathsMatchScalar(t *testing.T) {
	for _, c := range []struct {
		name string
		opt  func() Optimizer[float32]
	}{
		{"Adam", func() Optimizer[float32] { return &Adam[float32]{LR: 0.01, WeightDecay: 0.1} }},
		{"SGD", func() Optimizer[float32] { return &SGD[float32]{LR: 0.05} }},
		{"SGD momentum", func() Optimizer[float32] { return &SGD[float32]{LR: 0.01, Momentum: 0.9} }},
		{"SGD momentum decay", func() Optimizer[float32] { return &SGD[float32]{LR: 0.02, Momentum: 0.5, WeightDecay: 0.1} }},
	} {
		run := func(vector bool) []float32 {
			saved := simd.Enabled
			simd.Enabled = simd.Enabled && vector
			defer func() { simd.Enabled = saved }()
			rnd := rand.New(rand.NewPCG(11, 12))
			p := ad.Param(ad.Randn[float32](rnd, 1003))
			p.Grad = make([]float32, p.Len())
			opt := c.opt()
			for range 5 {
				for i := range p.Grad {
					p.Grad[i] = float32(rnd.NormFloat64())
				}
				if err := opt.Step([]*ad.Tensor[float32]{p}); err != nil {
					t.Fatal(err)
				}
			}
			return p.Data
		}
		vec, scalar := run(true), run(false)
		for i := range vec {
			if math.Float32bits(vec[i]) != math.Float32bits(scalar[i]) {
				t.Fatalf("%s: element %d: vector %v, scalar %v", c.name, i, vec[i], scalar[i])
			}
		}
	}
}

// TestCheckFiniteFindsEveryPosition puts a NaN or an infinity at each
// position of float32 and float64 gradients, with the AVX2 scan on and off,
// and wants the error to name that element.
func TestCheckFiniteFindsEveryPosition(t *testing.T) {
	for _, vector := range []bool{true, false} {
		saved := simd.Enabled
		simd.Enabled = simd.Enabled && vector
		p32 := ad.Param(ad.Zeros[float32](37))
		p64 := ad.Param(ad.Zeros[float64](37))
		p32.Grad, p64.Grad = make([]float32, 37), make([]float64, 37)
		for i := range 37 {
			bad := []float64{math.NaN(), math.Inf(1), math.Inf(-1)}[i%3]
			p32.Grad[i], p64.Grad[i] = float32(bad), bad
			var e32, e64 *NonFiniteError
			if err := CheckFinite([]*ad.Tensor[float32]{p32}); !errors.As(err, &e32) || e32.Index != i {
				t.Errorf("vector %v, float32, bad at %d: %v", vector, i, err)
			}
			if err := CheckFinite([]*ad.Tensor[float64]{ad.Param(ad.Zeros[float64](3)), p64}); !errors.As(err, &e64) || e64.Index != i || e64.Param != 1 {
				t.Errorf("vector %v, float64, bad at %d: %v", vector, i, err)
			}
			p32.Grad[i], p64.Grad[i] = math.MaxFloat32, -math.MaxFloat64
		}
		if err := CheckFinite([]*ad.Tensor[float32]{p32}); err != nil {
			t.Errorf("vector %v: finite float32 gradients: %v", vector, err)
		}
		simd.Enabled = saved
	}
}
