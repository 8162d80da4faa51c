package missingdata

import (
	"math"
	"os"
	"testing"
)

// A small sweep runs on MNIST; at half the pixels missing every method
// gives finite numbers, zero imputation is the worst fit, and the
// complete-data fit beats VGI's.
func TestRunMNISTSmall(t *testing.T) {
	cfg := MNISTConfig{Rates: []float64{0.5}, Train: 300, Test: 200, Hidden: 64, Latent: 8, QHidden: 32,
		Epochs: 6, Batch: 30, Warmup: 2, Chains: 1, Dims: 1, QRate: 1e-4, WarmRate: 1e-2, Samples: 20, Seed: 1}
	res, err := RunMNIST(cfg)
	if err != nil {
		if os.Getenv("STOCHGRAD_REQUIRE_SETUP") == "" {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	t.Logf("complete data: %.2f ± %.2f (%.1f s)", res.Complete, res.CompleteSE, res.CompleteSeconds)
	for _, r := range res.Rows {
		t.Logf("rate %.2f: log-lik %v ± %v; RMSE %v (column means %.3f); seconds %v", r.Rate, r.LogLik, r.LogLikSE, r.RMSE, r.ColumnMeansRMSE, r.Seconds)
		for m := range MNISTMethods {
			if math.IsNaN(r.LogLik[m]) || math.IsNaN(r.RMSE[m]) {
				t.Errorf("%s: NaN", MNISTMethods[m])
			}
		}
		if !(r.LogLik[2] < r.LogLik[0] && r.LogLik[2] < r.LogLik[1]) {
			t.Errorf("zero imputation (%.2f) is not the worst fit (VGI %.2f, mean imputation %.2f)", r.LogLik[2], r.LogLik[0], r.LogLik[1])
		}
		if !(res.Complete > r.LogLik[0]) {
			t.Errorf("the complete-data fit (%.2f) is not above VGI's (%.2f)", res.Complete, r.LogLik[0])
		}
	}
	ll, rm := MNISTFigures(res)
	if len(ll.Series) != len(MNISTMethods)+1 || len(rm.Series) != len(MNISTMethods)+1 {
		t.Errorf("figures: %d and %d series", len(ll.Series), len(rm.Series))
	}
	if _, err := RunMNIST(MNISTConfig{}); err == nil {
		t.Error("empty config: no error")
	}
}
