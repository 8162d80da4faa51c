package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

func TestMLPForwardMatchesLayerByLayer(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 6))
	m := NewMLP[float64](rnd, []int{3, 5, 4, 2}, nil)
	if got := m.Widths(); !equalShape(got, []int{3, 5, 4, 2}) {
		t.Fatalf("Widths = %v", got)
	}
	for _, l := range m.Layers {
		for i := range l.B.Data {
			l.B.Data[i] = rnd.NormFloat64()
		}
	}
	x := ad.Randn[float64](rnd, 6, 3)
	h := x.Data
	for i, l := range m.Layers {
		h = affine(h, 6, l.W.Data, l.B.Data, l.In(), l.Out())
		if i < len(m.Layers)-1 {
			for k := range h {
				h[k] = max(h[k], 0) // the zero value of Activation is ReLU
			}
		}
	}
	y := m.Forward(x)
	if !equalShape(y.Shape(), []int{6, 2}) {
		t.Fatalf("output shape %v, want [6 2]", y.Shape())
	}
	negative := false
	for i, v := range y.Data {
		if math.Abs(v-h[i]) > 1e-13 {
			t.Fatalf("output %d = %v, want %v", i, v, h[i])
		}
		negative = negative || v < 0
	}
	if !negative {
		t.Fatal("no negative output among 12: is an activation applied after the last layer?")
	}

	// Output, when set, follows the last layer.
	m.Output = ad.Sigmoid[float64]
	for i, v := range m.Forward(x).Data {
		if want := 1 / (1 + math.Exp(-h[i])); math.Abs(v-want) > 1e-13 {
			t.Fatalf("with Output = Sigmoid, output %d = %v, want %v", i, v, want)
		}
	}
}

func TestMLPHookSeesEveryLayer(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 8))
	m := NewMLP[float32](rnd, []int{4, 3, 2}, ad.Tanh[float32])
	var calls []string
	m.Hook = func(i int, in, out *ad.Tensor[float32]) {
		calls = append(calls, fmt.Sprint(i, in.Shape(), out.Shape()))
	}
	m.Forward(ad.Zeros[float32](5, 4))
	want := []string{"0 [5 4] [5 3]", "1 [5 3] [5 2]"}
	if strings.Join(calls, ";") != strings.Join(want, ";") {
		t.Fatalf("hook calls %q, want %q", calls, want)
	}
}

// TestMLPHookRecordsWhatKFACNeeds checks the seam Kronecker-factored
// preconditioners use: through the hook they keep each layer's input a and,
// with RetainGrad, the gradient g of its pre-activation, from which the
// weight gradient is aᵀg (summed over the rows).
func TestMLPHookRecordsWhatKFACNeeds(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 5))
	m := NewMLP[float64](rnd, []int{4, 3, 2}, ad.Tanh[float64])
	ins := make([]*ad.Tensor[float64], 2)
	outs := make([]*ad.Tensor[float64], 2)
	m.Hook = func(i int, in, out *ad.Tensor[float64]) {
		ins[i], outs[i] = in, out.RetainGrad()
	}
	ad.Sum(ad.Square(m.Forward(ad.Randn[float64](rnd, 5, 4)))).Backward()
	for i, l := range m.Layers {
		a, g := ins[i], outs[i]
		if g.Grad == nil {
			t.Fatalf("layer %d: the pre-activation kept no gradient", i)
		}
		in, out := l.In(), l.Out()
		for j := range in {
			for k := range out {
				s := 0.0
				for r := range 5 {
					s += a.Data[r*in+j] * g.Grad[r*out+k]
				}
				if d := l.W.Grad[j*out+k] - s; math.Abs(d) > 1e-12 {
					t.Fatalf("layer %d: ∂/∂W[%d,%d] = %v, aᵀg gives %v", i, j, k, l.W.Grad[j*out+k], s)
				}
			}
		}
	}
}

// TestMLPGradCheck checks the gradient of every parameter and of the input
// of a three-layer MLP against finite differences, for smooth activations
// (a ReLU kink within the finite-difference step would make the check
// meaningless, not wrong).
func TestMLPGradCheck(t *testing.T) {
	for _, tc := range []struct {
		name string
		act  Activation[float64]
	}{
		{"Tanh", ad.Tanh[float64]},
		{"ELU", ELU(1.0)},
		{"Softplus", ad.Softplus[float64]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rnd := rand.New(rand.NewPCG(9, 10))
			m := NewMLP[float64](rnd, []int{3, 5, 4, 2}, tc.act)
			for _, l := range m.Layers {
				for i := range l.B.Data {
					l.B.Data[i] = 0.5 * rnd.NormFloat64()
				}
			}
			xs := append([]*ad.Tensor[float64]{ad.Randn[float64](rnd, 2, 6, 3)}, m.Params()...)
			worst, err := ad.GradCheck(func(xs ...*ad.Tensor[float64]) *ad.Tensor[float64] {
				for i, l := range m.Layers {
					l.W, l.B = xs[1+2*i], xs[2+2*i]
				}
				return ad.Sum(ad.Square(m.Forward(xs[0])))
			}, xs...)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("largest error %.2g", worst)
		})
	}
}
