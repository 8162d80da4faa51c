package toolkit

import (
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stochgrad/stochgrad/estimators"
	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
	"github.com/stochgrad/stochgrad/toolkit/nn"
	"github.com/stochgrad/stochgrad/toolkit/optim"
)

func TestFitMinimisesAndCheckpoints(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 1))
	x := ad.Randn[float64](rnd, 64, 3)
	wTrue := ad.New([]float64{1, -2, 0.5}, 3, 1)
	y := ad.MatMul(x, wTrue)
	lin := nn.NewLinear[float64](rnd, 3, 1)
	ckpt := filepath.Join(t.TempDir(), "new", "dir", "lin.ckpt")
	f := Fit[float64]{
		Steps: 300, Model: lin, Quiet: true, Checkpoint: ckpt,
		Optimizer: &optim.Adam[float64]{LR: 0.05},
		Loss:      func(int) *ad.Tensor[float64] { return ad.Mean(ad.Square(ad.Sub(lin.Forward(x), y))) },
	}
	h, err := f.Run()
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Loss) != 300 || h.Last(10) > 1e-3*h.Loss[0] {
		t.Fatalf("loss %v → %v over %d steps", h.Loss[0], h.Last(10), len(h.Loss))
	}
	saved := nn.NewLinear[float64](rnd, 3, 1)
	if err := LoadFitted(ckpt, saved); err != nil {
		t.Fatal(err)
	}
	for i, v := range saved.W.Data {
		if v != lin.W.Data[i] {
			t.Fatal("the final checkpoint does not hold the final parameters")
		}
	}
}

// TestFitStopsOnNaN checks that a NaN stops training with an error naming
// the step and the quantity, and that the parameters come back from the last
// good checkpoint rather than staying corrupt.
func TestFitStopsOnNaN(t *testing.T) {
	for _, where := range []string{"loss", "gradient"} {
		w := ad.Param(ad.New([]float64{1, 2}, 2))
		f := Fit[float64]{
			Steps: 20, Model: nn.ParamList[float64]{w}, Quiet: true, CheckpointEvery: 5,
			Optimizer: &optim.SGD[float64]{LR: 0.1},
			Loss: func(step int) *ad.Tensor[float64] {
				if step == 8 {
					if where == "loss" {
						return ad.MulScalar(ad.Sum(w), math.NaN())
					}
					return ad.Sum(ad.Sqrt(ad.MulScalar(w, 0))) // value 0, gradient 0·∞ = NaN
				}
				return ad.Sum(ad.Square(w))
			},
		}
		h, err := f.Run()
		if err == nil || !strings.Contains(err.Error(), "step 8") {
			t.Fatalf("%s: error %v, want one naming step 8", where, err)
		}
		if len(h.Loss) != 7 {
			t.Fatalf("%s: history has %d steps, want 7", where, len(h.Loss))
		}
		// The last checkpoint was after step 5: w = (1, 2)·0.8⁵.
		for i, v := range w.Data {
			if want := float64(i+1) * math.Pow(0.8, 5); math.Abs(v-want) > 1e-12 {
				t.Fatalf("%s: w = %v after restore, want the step-5 values", where, w.Data)
			}
		}
	}
}

func TestCachedComputesOnce(t *testing.T) {
	t.Setenv("STOCHGRAD_CACHE", t.TempDir())
	calls := 0
	compute := func() ([]float64, error) { calls++; return []float64{1, 2.5}, nil }
	for range 2 {
		v, err := Cached("sweep/τ", map[string]int{"n": 3}, compute)
		if err != nil || len(v) != 2 || v[1] != 2.5 {
			t.Fatalf("Cached = %v, %v", v, err)
		}
	}
	if calls != 1 {
		t.Fatalf("computed %d times, want 1", calls)
	}
	if _, err := Cached("sweep/τ", map[string]int{"n": 4}, compute); err != nil || calls != 2 {
		t.Fatal("other settings must be another entry")
	}
	// A corrupt entry is recomputed.
	cacheLog = io.Discard
	t.Cleanup(func() { cacheLog = os.Stderr })
	files, _ := filepath.Glob(filepath.Join(CacheDir(), "*", "*.json"))
	for _, f := range files {
		os.WriteFile(f, []byte("{not json"), 0o644)
	}
	if _, err := Cached("sweep/τ", map[string]int{"n": 4}, compute); err != nil || calls != 3 {
		t.Fatalf("corrupt entry: err %v, calls %d", err, calls)
	}
	if err := Uncache("sweep/τ"); err != nil {
		t.Fatal(err)
	}
	if files, _ := filepath.Glob(filepath.Join(CacheDir(), "*", "*.json")); len(files) != 0 {
		t.Fatalf("Uncache left %v", files)
	}
}

func TestPick(t *testing.T) {
	t.Setenv("STOCHGRAD_QUICK", "1")
	if Pick(1, 2) != 1 || !Quick() {
		t.Fatal("quick mode not seen")
	}
	t.Setenv("STOCHGRAD_QUICK", "")
	if Pick(1, 2) != 2 {
		t.Fatal("full mode not seen")
	}
}

// With an Objective, Fit back-propagates the estimator's surrogate but
// records and checks its value: REINFORCE trains Bernoulli logits towards
// the target pattern, and the history is the objective's value, not the
// surrogate's.
func TestFitObjective(t *testing.T) {
	logits := ad.Param(ad.Zeros[float64](4))
	target := ad.New([]float64{1, 0, 1, 1}, 4)
	rnd := rand.New(rand.NewPCG(2, 2))
	est := estimators.ScoreFunction[float64]{Samples: 8, Baseline: estimators.LeaveOneOut{}}
	var surrogates []float64
	f := Fit[float64]{
		Steps: 300, Model: nn.ParamList[float64]{logits}, Quiet: true, Optimizer: &optim.Adam[float64]{LR: 0.1},
		Objective: func(int) (*ad.Tensor[float64], float64) {
			e := est.Estimate(rnd, distributions.Bernoulli[float64]{Logits: logits}, func(z *ad.Tensor[float64]) *ad.Tensor[float64] {
				return ad.Sum(ad.Square(ad.Sub(z, target)), 1)
			})
			surrogates = append(surrogates, e.Surrogate.Item())
			return e.Surrogate, e.Value
		},
	}
	h, err := f.Run()
	if err != nil {
		t.Fatal(err)
	}
	// E‖z − t‖² starts at 4·½ = 2 (each coordinate wrong with
	// probability ½; the first value, a mean of 8 draws, has SD 0.35) and
	// falls towards 0.
	if math.Abs(h.Loss[0]-2) > 4*0.354 || h.Last(20) > 0.1 {
		t.Errorf("objective %.3f → %.3f, want from about 2 to below 0.1", h.Loss[0], h.Last(20))
	}
	if h.Loss[5] == surrogates[5] {
		t.Errorf("the history holds the surrogate's value")
	}
	// Both or neither is an error.
	f.Loss = func(int) *ad.Tensor[float64] { return ad.Sum(logits) }
	if _, err := f.Run(); err == nil {
		t.Error("Loss and Objective together: no error")
	}
	f.Loss, f.Objective = nil, nil
	if _, err := f.Run(); err == nil {
		t.Error("neither Loss nor Objective: no error")
	}
	// A non-finite value stops the fit, naming it.
	f.Objective = func(int) (*ad.Tensor[float64], float64) { return ad.Sum(logits), math.NaN() }
	if _, err := f.Run(); err == nil || !strings.Contains(err.Error(), "objective is NaN") {
		t.Errorf("NaN objective: %v", err)
	}
}

// TestFitNeverCheckpointsNonFiniteParameters reproduces issue 8, item 6: an
// update that overflows with finite loss and gradient used to be written to
// the checkpoint file, overwriting the last good parameters.
func TestFitNeverCheckpointsNonFiniteParameters(t *testing.T) {
	w := ad.Param(ad.New([]float64{1}, 1))
	ckpt := filepath.Join(t.TempDir(), "w.ckpt")
	f := Fit[float64]{
		Steps: 5, Model: nn.ParamList[float64]{w}, Quiet: true, Checkpoint: ckpt, CheckpointEvery: 1,
		// ∂loss/∂w = 1: w = 1 − max after step 1, −Inf after step 2.
		Optimizer: &optim.SGD[float64]{LR: math.MaxFloat64},
		Loss:      func(int) *ad.Tensor[float64] { return ad.Sum(w) },
	}
	_, err := f.Run()
	if err == nil || !strings.Contains(err.Error(), "step 2") || !strings.Contains(err.Error(), "parameter 0 (shape [1]) is -Inf") {
		t.Fatalf("error %v, want one naming step 2 and the infinite parameter", err)
	}
	want := 1 - math.MaxFloat64
	if w.Data[0] != want {
		t.Errorf("w = %v after restore, want the step-1 value %v", w.Data[0], want)
	}
	saved := ad.Param(ad.New([]float64{0}, 1))
	if err := LoadFitted(ckpt, nn.ParamList[float64]{saved}); err != nil {
		t.Fatal(err)
	}
	if saved.Data[0] != want {
		t.Errorf("checkpoint file holds %v, want the last finite parameters %v", saved.Data[0], want)
	}
}
