package nn

import (
	"math/rand/v2"
	"testing"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

func TestRecorderKeepsTheLatestPass(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 9))
	m := NewMLP[float64](rnd, []int{3, 4, 2}, ad.Tanh[float64])
	rec := Record(m)
	m.Forward(ad.Randn[float64](rnd, 7, 3))
	x := ad.Randn[float64](rnd, 5, 3)
	ad.Sum(m.Forward(x)).Backward()
	if len(rec.Traces) != 2 {
		t.Fatalf("%d traces after two passes through 2 layers, want 2", len(rec.Traces))
	}
	for i, tr := range rec.Traces {
		if tr.Layer != m.Layers[i] {
			t.Errorf("trace %d is of another layer", i)
		}
		if tr.In.Dim(0) != 5 || tr.Out.Dim(0) != 5 {
			t.Errorf("trace %d holds %d and %d rows, want the last pass's 5", i, tr.In.Dim(0), tr.Out.Dim(0))
		}
		if tr.Out.Grad == nil {
			t.Errorf("trace %d kept no output gradient", i)
		}
	}
	if rec.Traces[0].In != x {
		t.Error("the first layer's input is not the network's input")
	}
	g := append([]float64(nil), rec.Traces[1].Out.Grad...)
	rec.KeepCurvatureGrads()
	for i, v := range rec.Traces[1].CurvGrad {
		if v != g[i] || rec.Traces[1].Out.Grad[i] != 0 {
			t.Fatalf("KeepCurvatureGrads: CurvGrad[%d] = %v, Out.Grad[%d] = %v; want %v and 0", i, v, i, rec.Traces[1].Out.Grad[i], g[i])
		}
	}
}
