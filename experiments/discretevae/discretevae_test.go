package discretevae

import (
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/stochgrad/stochgrad/datasets"
	"github.com/stochgrad/stochgrad/estimators"
	"github.com/stochgrad/stochgrad/toolkit/ad"
)

func mnistOrSkip(t *testing.T) {
	t.Helper()
	if _, err := datasets.MNIST("test"); err != nil {
		if os.Getenv("STOCHGRAD_REQUIRE_SETUP") == "" {
			t.Skip(err)
		}
		t.Fatal(err)
	}
}

// A small run of three categorical rows and two subset rows: every method
// moves the test negative ELBO below the untrained network's (measured
// falls of 165-190 nats from 546 for the categorical rows and 45 for the
// subset rows on this budget, against standard errors of 1-3), the rows
// of a kind share their initial weights, and the figures have a bar per
// row and a curve per row.
func TestRunSmall(t *testing.T) {
	t.Setenv("STOCHGRAD_CACHE", t.TempDir()) // runs are cached per method
	mnistOrSkip(t)
	cfg := Config{Train: 200, Test: 50, Epochs: 1, Batch: 20, LR: 3e-3, EvalSamples: 2, Hidden: []int{64},
		Methods: []string{"straight-through", "Gumbel-Softmax", "I-MLE"}, Seed: 2}
	rows, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	sub := cfg
	sub.Train, sub.Batch, sub.Test, sub.Methods = 20, 10, 20, []string{"subset: I-MLE", "subset: Gumbel-Softmax top-k"}
	srows, err := Run(sub)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range append(rows, srows...) {
		t.Logf("%-20s %.1f ± %.1f → %.1f ± %.1f; train %v; %.2f s per epoch", r.Method, r.Initial, r.InitialSE, r.NegELBO, r.NegELBOSE, r.Train, r.SecondsPerEpoch)
		if !(r.NegELBO < r.Initial-4*math.Hypot(r.NegELBOSE, r.InitialSE)) {
			t.Errorf("%s: test −ELBO %.1f ± %.1f, untrained %.1f ± %.1f: no fall", r.Method, r.NegELBO, r.NegELBOSE, r.Initial, r.InitialSE)
		}
		if len(r.Train) != 1 || len(r.PerImage) == 0 || r.SecondsPerEpoch <= 0 {
			t.Errorf("%s: incomplete row %+v", r.Method, r)
		}
	}
	if rows[0].Initial != rows[1].Initial || srows[0].Initial != srows[1].Initial {
		t.Errorf("rows start from different weights: %v and %v, %v and %v", rows[0].Initial, rows[1].Initial, srows[0].Initial, srows[1].Initial)
	}
	if d, se := PairedDifference(rows[0], rows[0]); d != 0 || se != 0 {
		t.Errorf("a row against itself: %v ± %v", d, se)
	}
	bars, curves := Figures(rows)
	if len(bars.Labels) != 3 || len(bars.Series) != 2 || len(curves.Series) != 3 {
		t.Errorf("figures: %d bars in %d series, %d curves", len(bars.Labels), len(bars.Series), len(curves.Series))
	}
	if _, err := Run(Config{}); err == nil {
		t.Error("zero epochs: no error")
	}
	if _, err := Run(Config{Epochs: 1, Methods: []string{"MuProp"}}); err == nil {
		t.Error("unknown method: no error")
	}
}

// Evaluate's negative ELBO of a categorical VAE (closed-form KL) agrees
// with the mean of NegELBO's unbiased value estimates on the same images,
// by a z-test.
func TestEvaluateMatchesNegELBO(t *testing.T) {
	mnistOrSkip(t)
	_, _, test, err := datasets.MNISTSplit(nil)
	if err != nil {
		t.Fatal(err)
	}
	test = test.Subset(seq(20)).Binarized(rand.New(rand.NewPCG(1, 1)))
	v := newModel(Config{Hidden: []int{32}, Seed: 3}, false)
	rnd := rand.New(rand.NewPCG(4, 4))
	m, se, _ := Evaluate(rnd, v, test, 400)
	x := ad.New(datasets.GatherBatch[float32](nil, test, seq(20), nil), 20, 784)
	vals := make([]float64, 400)
	for i := range vals {
		_, vals[i] = v.NegELBO(rnd, x, estimators.ScoreFunction[float32]{}, 1)
	}
	m2, se2 := meanSE(vals)
	t.Logf("Evaluate %.3f ± %.3f (over images), NegELBO %.3f ± %.3f (over draws)", m, se, m2, se2)
	// Evaluate's error from its 400 draws per image is far below its
	// spread over images; compare with NegELBO's Monte Carlo error, with
	// the draws of Evaluate as noisy as 400 NegELBO calls at most.
	if z := math.Abs(m-m2) / (math.Sqrt2 * se2); z > 4 {
		t.Errorf("Evaluate %.3f, NegELBO %.3f ± %.3f: z = %.1f", m, m2, se2, z)
	}
}
