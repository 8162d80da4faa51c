package kfacfoof

import (
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/nn"
	"github.com/stochgrad/stochgrad/toolkit/optim"
)

// GaussNewton must equal optim.FisherGGN, which differentiates every
// output of every row separately, with the Bernoulli Hessian diag(p(1−p)).
func TestGaussNewtonMatchesFisherGGN(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 1))
	net := nn.NewMLP[float64](rnd, []int{4, 3, 2, 4}, ad.Sigmoid[float64])
	net.Layers[1].B = nil // a layer without bias
	x := ad.Randn[float64](rnd, 5, 4)
	ps := net.Params()
	ps[0].Grad = []float64{1} // must come back untouched
	got := GaussNewton(net, x)
	if len(ps[0].Grad) != 1 || net.Hook != nil {
		t.Fatalf("gradients or hook not restored")
	}
	want := optim.FisherGGN(ps, func() *ad.Tensor[float64] { return net.Forward(x) }, func(row []float64, h *mat.SymDense) {
		for i, l := range row {
			for j := i; j < len(row); j++ {
				h.SetSym(i, j, 0)
			}
			p := 1 / (1 + math.Exp(-l))
			h.SetSym(i, i, p*(1-p))
		}
	})
	if !mat.EqualApprox(got, want, 1e-12) {
		t.Errorf("GaussNewton differs from FisherGGN:\n%v\n%v", mat.Formatted(got), mat.Formatted(want))
	}
}

// A tiny run of both problems: every method lowers the training loss from
// the untrained network's, and the curves have one point per evaluation.
func TestRunTiny(t *testing.T) {
	cfg := Config{
		Deep: Problem{Train: 200, Pool: 2, Widths: []int{196, 20, 5, 20, 196}, Batch: 20, Steps: 30, EvalEvery: 10,
			Eval: 200, Seeds: 2, Methods: deepMethods([]float64{0.1}, []float64{0.3}, []float64{1e-3}, []float64{0.01})},
		Small: Problem{Train: 200, Margin: 4, Pool: 4, Widths: []int{25, 4, 25}, Batch: 16, Steps: 30, EvalEvery: 10,
			Eval: 200, Seeds: 2, Float64: true, Methods: smallMethods([]float64{0.1, 0.3}, []float64{1})},
		Seed: 3,
	}
	res, err := Run(cfg)
	if err != nil {
		if os.Getenv("STOCHGRAD_REQUIRE_SETUP") == "" && res == nil {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	for _, cs := range [][]Curve{res.Deep, res.Small} {
		for _, c := range cs {
			t.Logf("%-14s lr %-5v loss %.2f → %.2f ± %.2f (squared error %.2f) in %.2f s", c.Method, c.LR, c.Loss[0], c.Final, c.FinalSE, c.FinalSq, c.Seconds[len(c.Seconds)-1])
			if len(c.Loss) != 4 || len(c.PerSeed) != 2 {
				t.Errorf("%s: %d points, %d seeds", c.Method, len(c.Loss), len(c.PerSeed))
			}
			if !(c.Final < c.Loss[0]) {
				t.Errorf("%s: loss %v did not fall from %v", c.Method, c.Final, c.Loss[0])
			}
		}
	}
	steps, secs, ablation := Figures(res)
	if len(steps.Series) != len(res.Deep) || len(secs.Series) != len(res.Deep) || len(ablation.Series) != len(res.Small) {
		t.Errorf("figures: %d, %d, %d series", len(steps.Series), len(secs.Series), len(ablation.Series))
	}
	if _, err := RunProblem(Problem{}, 1); err == nil {
		t.Error("empty problem: no error")
	}
}

func TestSecondsTo(t *testing.T) {
	c := Curve{Loss: []float64{10, 6, 2}, Seconds: []float64{0, 1, 3}}
	for _, tc := range []struct{ target, want float64 }{{10, 0}, {8, 0.5}, {6, 1}, {4, 2}, {1, math.Inf(1)}} {
		if got := SecondsTo(c, tc.target); got != tc.want {
			t.Errorf("SecondsTo(%v) = %v, want %v", tc.target, got, tc.want)
		}
	}
}
