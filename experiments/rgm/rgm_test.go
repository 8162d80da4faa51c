package rgm

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/stochgrad/stochgrad/estimators"
	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/solvers"
)

// The toy objectives compute what their documentation says.
func TestToyLosses(t *testing.T) {
	// Spanning trees on 4 nodes: the star at 0 costs 0, the path 1-2-3-0
	// costs 2 (edges (1,2) and (2,3) miss node 0).
	star, path := make([]float64, 6), make([]float64, 6)
	for k := range 6 {
		u, v := solvers.EdgeNodes(4, k)
		if u == 0 {
			star[k] = 1
		}
		if (u == 1 && v == 2) || (u == 2 && v == 3) || (u == 0 && v == 3) {
			path[k] = 1
		}
	}
	if got := SpanningTreeLoss(4)(ad.New(append(star, path...), 2, 6)).Data; !slices.Equal(got, []float64{0, 2}) {
		t.Errorf("spanning-tree loss of star and path: %v, want [0 2]", got)
	}
	// Arborescences on 3 nodes: 0→1, 0→2 has out-degree 2; 0→1→2 has 1.
	a := []float64{0, 1, 1, 0, 0, 0, 0, 0, 0}
	b := []float64{0, 1, 0, 0, 0, 1, 0, 0, 0}
	if got := ArborescenceLoss(3)(ad.New(append(a, b...), 2, 9)).Data; !slices.Equal(got, []float64{-2, -1}) {
		t.Errorf("arborescence loss: %v, want [-2 -1]", got)
	}
	// Top-2 of 4: {2,3} is optimal; {0,1} has index sum 1, σ* = 5: (4/2)² = 4.
	if got := TopKLoss(4, 2)(ad.New([]float64{0, 0, 1, 1, 1, 1, 0, 0}, 2, 4)).Data; !slices.Equal(got, []float64{0, 4}) {
		t.Errorf("top-k loss: %v, want [0 4]", got)
	}
}

// A short run of each toy lowers the loss with every estimator, repeats bit
// for bit, and gives all estimators the same first draws.
func TestExperiment(t *testing.T) {
	const iters = 400
	for _, x := range []Experiment{SpanningTreeToy(true), TopKToy(true), ArborescenceToy(true)} {
		x.Iterations, x.EvalEvery, x.EvalSamples, x.LearningRate = iters, iters/4, 20, 0.05
		if _, ok := x.Structure.(solvers.Arborescence[float64]); ok {
			x.Structure, x.Variables, x.Loss = solvers.Arborescence[float64]{N: 6}, 36, ArborescenceLoss(6)
		}
		hs, err := x.Run()
		if err != nil {
			t.Fatal(err)
		}
		if len(hs) != 5 {
			t.Fatalf("%d histories", len(hs))
		}
		for _, h := range hs {
			if len(h.Loss) != iters || len(h.EvalIter) != 4 || len(h.GradVar) != 4 || len(h.EvalLoss) != 4 || len(h.Logits) != x.Variables {
				t.Fatalf("%v: history lengths %d %d %d %d %d", h.Name, len(h.Loss), len(h.EvalIter), len(h.GradVar), len(h.EvalLoss), len(h.Logits))
			}
			if h.Loss[0] != hs[0].Loss[0] || h.EvalLoss[0] != hs[0].EvalLoss[0] {
				t.Errorf("%v: first loss %g, eval %g; %v had %g, %g (common random numbers)", h.Name, h.Loss[0], h.EvalLoss[0], hs[0].Name, hs[0].Loss[0], hs[0].EvalLoss[0])
			}
			// The mean training loss of the last quarter is below that of the
			// first steps by more than its noise allows.
			first, last := h.Loss[:iters/4], h.Loss[3*iters/4:]
			a, sa := meanSE(first)
			b, sb := meanSE(last)
			if z := (a - b) / math.Hypot(sa, sb); !(z > 3) {
				t.Errorf("%T %v: loss %.3g ± %.2g in the first quarter, %.3g ± %.2g in the last (z = %.2f)", x.Structure, h.Name, a, sa, b, sb, z)
			}
			for _, v := range h.GradVar {
				if !(v >= 0) {
					t.Errorf("%v: gradient variance %g", h.Name, v)
				}
			}
		}
		again, _ := x.Run()
		for i := range hs {
			if !slices.Equal(hs[i].Loss, again[i].Loss) || !slices.Equal(hs[i].GradVar, again[i].GradVar) {
				t.Errorf("%v: a second run differs", hs[i].Name)
			}
		}
	}
}

// Invalid settings are rejected with an error before anything runs.
func TestExperimentErrors(t *testing.T) {
	x := SpanningTreeToy(true)
	// At one sample the "+" variants cannot run: reported, not a panic.
	x.Samples, x.Iterations, x.EvalEvery = 1, 3, 1
	hs, err := x.Run()
	if err != nil || len(hs) != 5 {
		t.Fatalf("Samples 1: %d histories, %v", len(hs), err)
	}
	for _, h := range hs {
		plus := strings.HasSuffix(h.Name, "+")
		if plus != (h.Unsupported != nil) || plus && !errors.Is(h.Unsupported, estimators.ErrUnsupported) || !plus && len(h.Loss) != 3 {
			t.Errorf("Samples 1: %s: %d steps, unsupported %v", h.Name, len(h.Loss), h.Unsupported)
		}
	}
	if f := Figure("variance", hs, true); len(f.Series) != 3 || !f.LogY {
		t.Errorf("figure of the supported runs: %d series", len(f.Series))
	}
	x.Variables = 0
	if _, err := x.Run(); err == nil || !strings.Contains(err.Error(), "Variables") {
		t.Errorf("no variables: %v", err)
	}
	x = TopKToy(true)
	x.LearningRate = -1
	if _, err := x.Run(); err == nil {
		t.Error("negative learning rate accepted")
	}
	// A loss that blows up stops the run with an error naming the step.
	x = TopKToy(true)
	x.Estimators, x.Iterations = Estimators(10, 32, 1)[:1], 10
	calls := 0
	x.Loss = func(z *ad.Tensor[float64]) *ad.Tensor[float64] {
		calls++
		out := ad.Zeros[float64](z.Dim(0))
		if calls > 30 {
			out.Data[0] = math.NaN()
		}
		return out
	}
	if _, err := x.Run(); err == nil || !strings.Contains(err.Error(), "step") {
		t.Errorf("NaN loss: %v", err)
	}
}

// VarianceRatio's standard error follows the delta method.
func TestVarianceRatio(t *testing.T) {
	a := History{Name: "a", GradVar: []float64{1, 3}} // mean 2, SE 1
	b := History{Name: "b", GradVar: []float64{4, 4}} // mean 4, SE 0
	r, se := VarianceRatio(a, b)
	if r != 0.5 || math.Abs(se-0.25) > 1e-15 {
		t.Errorf("ratio %v ± %v, want 0.5 ± 0.25", r, se)
	}
	if h, ok := Find([]History{a, b}, "b"); !ok || h.Name != "b" {
		t.Error("Find b failed")
	}
	if _, ok := Find([]History{a}, "c"); ok {
		t.Error("Find c succeeded")
	}
}
