package langevin

import (
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

func skipWithoutData(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		if os.Getenv("STOCHGRAD_REQUIRE_SETUP") == "" {
			t.Skip(err)
		}
		t.Fatal(err)
	}
}

// Each optimiser learns a small network beyond chance (90% error, below 50%) in
// two effective epochs, and Entropy-SGD's evaluations fall on whole outer
// steps, within L batches after each epoch.
func TestRunOptimizersSmall(t *testing.T) {
	cfg := OptConfig{Train: 1000, Test: 500, Widths: []int{784, 32, 10}, Batch: 50, Epochs: 2, L: 5,
		SGDLR: 0.05, AdamLR: 1e-3, Gamma: 0.03, InnerLR: 0.1, OuterLR: 0.1, Seed: 1}
	cs, err := RunOptimizers(cfg)
	skipWithoutData(t, err)
	for _, c := range cs {
		t.Logf("%-16s epochs %v test error %v", c.Method, c.Epochs, c.TestError)
		if len(c.Epochs) != 2 {
			t.Fatalf("%s: %d evaluations, want 2", c.Method, len(c.Epochs))
		}
		for i, e := range c.Epochs {
			if e < float64(i+1) || e > float64(i+1)+float64(cfg.L)/20 {
				t.Errorf("%s: evaluation %d at %v effective epochs", c.Method, i, e)
			}
		}
		if !(c.Final() < 50) {
			t.Errorf("%s: test error %v%%", c.Method, c.Final())
		}
	}
	if tg := Target(cs); math.IsNaN(cs[0].EpochsTo(tg)) || !math.IsNaN(cs[0].EpochsTo(-1)) {
		t.Errorf("EpochsTo: %v to the common target %v", cs[0].EpochsTo(tg), tg)
	}
	if f := ErrorFigure(cs); len(f.Series) != 3 {
		t.Errorf("figure with %d series", len(f.Series))
	}
	if _, err := RunOptimizers(OptConfig{Widths: []int{784, 10}}); err == nil {
		t.Error("zero batch: no error")
	}
}

// Every sampler's predictive beats chance (log 0.1) by half, keeps samples,
// and its reliability bins count every test image.
func TestRunSamplersSmall(t *testing.T) {
	cfg := BNNConfig{Train: 1000, Test: 500, Widths: []int{784, 32, 10}, PriorSD: 1, Batch: 50, WarmEpochs: 3,
		Gradients: 200, LR: 2e-5, Thin: 20, BurnIn: 0.25, Pool: 20, Dropout: 0.5, Bins: 10, Seed: 1}
	rows, err := RunSamplers(cfg)
	skipWithoutData(t, err)
	for _, r := range rows {
		t.Logf("%-28s log-lik %.3f ± %.3f, error %.1f%%, ECE %.3f, %d samples", r.Method, r.LogLik, r.LogLikSE, r.Error, r.ECE, r.Samples)
		if !(r.LogLik > math.Log(0.1)/2) {
			t.Errorf("%s: test log-likelihood %v", r.Method, r.LogLik)
		}
		if r.Samples < 1 {
			t.Errorf("%s: %d samples", r.Method, r.Samples)
		}
		n := 0
		for _, b := range r.Reliability {
			n += b.Count
		}
		if n != cfg.Test {
			t.Errorf("%s: bins count %d images, want %d", r.Method, n, cfg.Test)
		}
	}
	if d, se := PairedSE(rows[1], rows[1]); d != 0 || se != 0 {
		t.Errorf("PairedSE of a row with itself: %v ± %v", d, se)
	}
	if f := ReliabilityFigure(rows); len(f.Series) != len(rows)+1 {
		t.Errorf("reliability figure with %d series", len(f.Series))
	}
}

// Calibration on a hand-made predictor: two images at confidence 0.95, one
// right; two at 0.55, both right. Bins of width 0.1: |0.5 − 0.95|·2/4 +
// |1 − 0.55|·2/4 = 0.45.
func TestCalibration(t *testing.T) {
	probs := make([]float64, 40)
	set := func(i, k int, c float64) {
		for j := range 10 {
			probs[i*10+j] = (1 - c) / 9
		}
		probs[i*10+k] = c
	}
	set(0, 3, 0.95)
	set(1, 4, 0.95)
	set(2, 5, 0.55)
	set(3, 6, 0.55)
	ece, bins := Calibration(probs, []uint8{3, 0, 5, 6}, 10)
	if math.Abs(ece-0.45) > 1e-12 {
		t.Errorf("ECE = %v, want 0.45", ece)
	}
	if bins[9].Count != 2 || bins[5].Count != 2 || math.Abs(bins[9].Accuracy-0.5) > 1e-12 || math.Abs(bins[5].Confidence-0.55) > 1e-12 {
		t.Errorf("bins %+v", bins)
	}
}

// In training, batch normalisation gives each feature mean 0 and variance 1
// (gain 1, shift 0); in evaluation, after many identical batches, its
// running statistics reproduce the same output.
func TestBatchNorm(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	h := ad.Randn[float32](rnd, 64, 3)
	for i := range h.Data {
		h.Data[i] = 2*h.Data[i] + float32(i%3)
	}
	b := newBatchNorm(3)
	var y *ad.Tensor[float32]
	for range 200 {
		y = b.forward(h, true)
	}
	for j := range 3 {
		m, v := 0.0, 0.0
		for i := range 64 {
			m += float64(y.At(i, j)) / 64
		}
		for i := range 64 {
			d := float64(y.At(i, j)) - m
			v += d * d / 64
		}
		if math.Abs(m) > 1e-5 || math.Abs(v-1) > 1e-3 {
			t.Errorf("feature %d: mean %v, variance %v", j, m, v)
		}
	}
	// The running variance is the unbiased one: eval output is the training
	// output scaled by √((n−1)/n).
	e := b.forward(h, false)
	s := math.Sqrt(63.0 / 64)
	for i := range e.Data {
		if d := float64(e.Data[i]) - s*float64(y.Data[i]); math.Abs(d) > 1e-3 {
			t.Fatalf("eval output %v, want %v", e.Data[i], s*float64(y.Data[i]))
		}
	}
}

// Dropout keeps each unit with probability 1 − p and rescales by 1/(1 − p),
// so the mask has mean 1 (z-test).
func TestDropoutMask(t *testing.T) {
	const n, p = 100000, 0.3
	m := dropoutMask(rand.New(rand.NewPCG(3, 4)), []int{n}, p)
	s := 0.0
	for _, v := range m.Data {
		s += float64(v)
	}
	se := math.Sqrt(p/(1-p)) / math.Sqrt(n) // sd of the mask is √(p/(1−p))
	if z := (s/n - 1) / se; math.Abs(z) > 4 {
		t.Errorf("mask mean %v (z = %.1f)", s/n, z)
	}
}

// Full mode's network, with batch normalisation and dropout, trains with
// every optimiser (here tiny: three epochs on 1 000 images) to well below
// chance.
func TestRunOptimizersBatchNormDropout(t *testing.T) {
	cfg := OptConfig{Train: 1000, Test: 500, Widths: []int{784, 32, 32, 10}, InputDropout: 0.2, Dropout: 0.5, BatchNorm: true,
		Batch: 50, Epochs: 3, L: 5, SGDLR: 0.05, AdamLR: 1e-3, Gamma: 0.03, InnerLR: 0.3, OuterLR: 0.3, Seed: 1}
	cs, err := RunOptimizers(cfg)
	skipWithoutData(t, err)
	for _, c := range cs {
		t.Logf("%-16s test error %v", c.Method, c.TestError)
		if !(c.Final() < 60) {
			t.Errorf("%s: test error %v%%", c.Method, c.Final())
		}
	}
}
