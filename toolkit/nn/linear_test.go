package nn

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// affine computes x·W + b row by row without the engine.
func affine(x []float64, rows int, w, b []float64, in, out int) []float64 {
	y := make([]float64, rows*out)
	for r := range rows {
		for j := range out {
			s := b[j]
			for k := range in {
				s += x[r*in+k] * w[k*out+j]
			}
			y[r*out+j] = s
		}
	}
	return y
}

func TestLinearForwardShapesAndValues(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 1))
	l := NewLinear[float64](rnd, 4, 3)
	for i := range l.B.Data {
		l.B.Data[i] = rnd.NormFloat64() // a zero bias would hide a missing add
	}
	for _, shape := range [][]int{{4}, {5, 4}, {2, 5, 4}, {2, 3, 1, 4}} {
		x := ad.Randn[float64](rnd, shape...)
		y := l.Forward(x)
		want := append(append([]int(nil), shape[:len(shape)-1]...), 3)
		if !equalShape(y.Shape(), want) {
			t.Fatalf("Forward of %v: shape %v, want %v", shape, y.Shape(), want)
		}
		ref := affine(x.Data, x.Len()/4, l.W.Data, l.B.Data, 4, 3)
		for i, v := range y.Data {
			if math.Abs(v-ref[i]) > 1e-14*max(1, math.Abs(ref[i])) {
				t.Fatalf("Forward of %v: element %d = %v, want %v", shape, i, v, ref[i])
			}
		}
	}
	if l.In() != 4 || l.Out() != 3 {
		t.Fatalf("In, Out = %d, %d, want 4, 3", l.In(), l.Out())
	}
	if b := NewLinear[float32](rnd, 7, 2).B; b.Len() != 2 || b.Data[0] != 0 || !b.RequiresGrad() {
		t.Fatalf("NewLinear bias %v (requires grad %v), want two zeros that require a gradient", b, b.RequiresGrad())
	}
}

func TestLinearWithoutBias(t *testing.T) {
	l := &Linear[float64]{W: ad.Param(ad.New([]float64{1, 2, 3, 4}, 2, 2))}
	y := l.Forward(ad.New([]float64{1, 1}, 1, 2))
	if y.Data[0] != 4 || y.Data[1] != 6 {
		t.Fatalf("x·W = %v, want [4 6]", y.Data)
	}
	if len(l.Params()) != 1 {
		t.Fatalf("Params of a bias-free layer: %d tensors, want 1", len(l.Params()))
	}
}

func TestLinearPanicsOnWrongInputWidth(t *testing.T) {
	l := NewLinear[float32](rand.New(rand.NewPCG(1, 2)), 4, 3)
	defer func() {
		msg, _ := recover().(string)
		if !strings.Contains(msg, "nn.Linear.Forward") || !strings.Contains(msg, "[2 5]") || !strings.Contains(msg, "[4 3]") {
			t.Fatalf("panic %q does not name the op and both shapes", msg)
		}
	}()
	l.Forward(ad.Zeros[float32](2, 5))
}

func TestLinearGradients(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	// Batched input [B, N, in] exercises the folded MatMul and the bias
	// broadcast over two leading dimensions.
	_, err := ad.GradCheck(func(xs ...*ad.Tensor[float64]) *ad.Tensor[float64] {
		l := &Linear[float64]{W: xs[1], B: xs[2]}
		return l.Forward(xs[0])
	}, ad.Randn[float64](rnd, 2, 3, 4), ad.Randn[float64](rnd, 4, 5), ad.Randn[float64](rnd, 5))
	if err != nil {
		t.Fatal(err)
	}
}
