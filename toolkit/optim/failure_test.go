package optim

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// twoParams returns a [2,2] and a [3] parameter with gradients set.
func twoParams[T ad.Float]() []*ad.Tensor[T] {
	a := ad.Param(ad.New([]T{1, 2, 3, 4}, 2, 2))
	b := ad.Param(ad.New([]T{-1, 0.5, 2}, 3))
	a.Grad = []T{0.1, -0.2, 0.3, -0.4}
	b.Grad = []T{0.5, 0.25, -1}
	return []*ad.Tensor[T]{a, b}
}

func snapshot[T ad.Float](ps []*ad.Tensor[T]) [][]T {
	out := make([][]T, len(ps))
	for i, p := range ps {
		out[i] = append([]T(nil), p.Data...)
	}
	return out
}

func checkNonFinite[T ad.Float](t *testing.T) {
	for _, name := range []string{"SGD/momentum", "Adam", "AdamW", "RMSprop/momentum"} {
		for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
			opt := goldenOptimizer[T](name)
			ps := twoParams[T]()
			// One good step first, so that there is state to protect.
			if err := opt.Step(ps); err != nil {
				t.Fatal(err)
			}
			before := snapshot(ps)
			ps[1].Grad[2] = T(bad)
			err := opt.Step(ps)
			var nf *NonFiniteError
			if !errors.As(err, &nf) {
				t.Fatalf("%s: gradient %v gave error %v, want a *NonFiniteError", name, bad, err)
			}
			if nf.Param != 1 || nf.Index != 2 || len(nf.Shape) != 1 || nf.Shape[0] != 3 || !(math.IsNaN(nf.Value) && math.IsNaN(bad) || nf.Value == bad) {
				t.Fatalf("%s: error %+v, want parameter 1 of shape [3], entry 2, value %v", name, nf, bad)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "optim: ") || !strings.Contains(msg, "parameter 1 (shape [3])") {
				t.Fatalf("%s: message %q does not name the parameter and its shape", name, msg)
			}
			for i := range ps {
				for k, v := range ps[i].Data {
					if v != before[i][k] {
						t.Fatalf("%s: parameter %d changed after a non-finite gradient", name, i)
					}
				}
			}
			// The state is untouched too: the next good step matches that of
			// a twin optimizer that never saw the bad gradient.
			twin := goldenOptimizer[T](name)
			tps := twoParams[T]()
			if err := twin.Step(tps); err != nil {
				t.Fatal(err)
			}
			ps[1].Grad[2] = tps[1].Grad[2]
			if err := errors.Join(opt.Step(ps), twin.Step(tps)); err != nil {
				t.Fatal(err)
			}
			for i := range ps {
				for k, v := range ps[i].Data {
					if v != tps[i].Data[k] {
						t.Fatalf("%s: after a rejected step, parameter %d = %v, the twin has %v", name, i, ps[i].Data, tps[i].Data)
					}
				}
			}
		}
	}
}

func TestNonFiniteGradientIsRejected(t *testing.T) {
	t.Run("float32", checkNonFinite[float32])
	t.Run("float64", checkNonFinite[float64])
}

func TestInvalidHyperparameters(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		opt  Optimizer[float64]
		want string
	}{
		{&SGD[float64]{LR: -1}, "SGD: LR = -1"},
		{&SGD[float64]{LR: nan}, "SGD: LR = NaN"},
		{&SGD[float64]{Momentum: 1}, "SGD: Momentum = 1"},
		{&SGD[float64]{Momentum: -0.1}, "SGD: Momentum = -0.1"},
		{&SGD[float64]{Nesterov: true}, "Nesterov needs Momentum > 0"},
		{&SGD[float64]{WeightDecay: -1}, "SGD: WeightDecay = -1"},
		{&Adam[float64]{LR: -1e-3}, "Adam: LR = -0.001"},
		{&Adam[float64]{Beta1: 1}, "Adam: Beta1 = 1"},
		{&Adam[float64]{Beta2: 1.5}, "Adam: Beta2 = 1.5"},
		{&Adam[float64]{Eps: -1}, "Adam: Eps = -1"},
		{&Adam[float64]{WeightDecay: math.Inf(1)}, "Adam: WeightDecay = +Inf"},
		{&Preconditioned[float64]{Base: &SGD[float64]{}, P: &RMS[float64]{Decay: 1}}, "RMS: Decay = 1"},
		{&Preconditioned[float64]{Base: &SGD[float64]{}}, "needs both Base and P"},
	} {
		ps := twoParams[float64]()
		before := snapshot(ps)
		err := tc.opt.Step(ps)
		if err == nil || !strings.HasPrefix(err.Error(), "optim: ") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want one containing %q", err, tc.want)
			continue
		}
		for i := range ps {
			for k, v := range ps[i].Data {
				if v != before[i][k] {
					t.Errorf("%q: parameters changed although the step was rejected", tc.want)
				}
			}
		}
	}
}

func TestNilGradientIsSkipped(t *testing.T) {
	ps := twoParams[float64]()
	ps[0].Grad = nil
	before := snapshot(ps)
	if err := (&Adam[float64]{}).Step(ps); err != nil {
		t.Fatal(err)
	}
	for k, v := range ps[0].Data {
		if v != before[0][k] {
			t.Fatal("a parameter without gradient changed")
		}
	}
	if ps[1].Data[0] == before[1][0] {
		t.Fatal("the parameter with a gradient did not change")
	}
}

func TestClipGradNorm(t *testing.T) {
	a := ad.Param(ad.New([]float32{3, 0}, 2))
	b := ad.Param(ad.New([]float32{0}, 1))
	a.Grad, b.Grad = []float32{3, 0}, []float32{4}
	ps := []*ad.Tensor[float32]{a, b}

	// Below the threshold nothing changes.
	norm, err := ClipGradNorm(ps, 10)
	if err != nil || norm != 5 || a.Grad[0] != 3 || b.Grad[0] != 4 {
		t.Fatalf("ClipGradNorm(max 10) = %v, %v with grads %v %v; want 5 and no change", norm, err, a.Grad, b.Grad)
	}
	// Above it, the gradients are scaled by 1/5 together.
	norm, err = ClipGradNorm(ps, 1)
	if err != nil || norm != 5 || math.Abs(float64(a.Grad[0])-0.6) > 1e-7 || math.Abs(float64(b.Grad[0])-0.8) > 1e-7 {
		t.Fatalf("ClipGradNorm(max 1) = %v, %v with grads %v %v; want 5 and (0.6, 0) (0.8)", norm, err, a.Grad, b.Grad)
	}
	if n := GradNorm(ps); math.Abs(n-1) > 1e-7 {
		t.Fatalf("norm after clipping %v, want 1", n)
	}

	for _, bad := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		if _, err := ClipGradNorm(ps, bad); err == nil {
			t.Errorf("ClipGradNorm accepted maxNorm %v", bad)
		}
	}
	b.Grad[0] = float32(math.Inf(1))
	var nf *NonFiniteError
	if _, err := ClipGradNorm(ps, 1); !errors.As(err, &nf) || nf.Param != 1 {
		t.Fatalf("ClipGradNorm of an infinite gradient: %v", err)
	}
	if math.Abs(float64(a.Grad[0])-0.6) > 1e-7 {
		t.Fatal("ClipGradNorm changed gradients although one is infinite")
	}
}

func TestGradNormDoesNotOverflow(t *testing.T) {
	// float32 squares of 1e30 overflow; the norm is computed in float64 with
	// scaling, and float64 squares of 1e200 would overflow too.
	p := ad.Param(ad.New([]float64{0, 0}, 2))
	p.Grad = []float64{3e200, 4e200}
	if n := GradNorm([]*ad.Tensor[float64]{p}); math.Abs(n/5e200-1) > 1e-15 {
		t.Fatalf("GradNorm = %v, want 5e200", n)
	}
}

func TestIdentityPreconditionerChangesNothing(t *testing.T) {
	plain := &SGD[float32]{LR: 0.1, Momentum: 0.9}
	wrapped := &Preconditioned[float32]{Base: &SGD[float32]{LR: 0.1, Momentum: 0.9}, P: Identity[float32]{}}
	p := ad.Param(ad.New(toT[float32](goldenP0), 4))
	q := ad.Param(ad.New(toT[float32](goldenP0), 4))
	for range 4 {
		setQuadraticGrad(p, goldenC, goldenB)
		setQuadraticGrad(q, goldenC, goldenB)
		if err := errors.Join(plain.Step([]*ad.Tensor[float32]{p}), wrapped.Step([]*ad.Tensor[float32]{q})); err != nil {
			t.Fatal(err)
		}
	}
	for k := range p.Data {
		if p.Data[k] != q.Data[k] {
			t.Fatalf("SGD gives %v, SGD after Identity gives %v", p.Data, q.Data)
		}
	}
}
