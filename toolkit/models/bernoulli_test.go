package models

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// TestBernoulliLogLik checks the fused op against ad.BCEWithLogits summed,
// with broadcasting over a leading sample axis and grey-level data, and
// its gradient against finite differences.
func TestBernoulliLogLik(t *testing.T) {
	rnd := rand.New(rand.NewPCG(15, 16))
	logits := ad.Randn[float64](rnd, 3, 2, 4)
	for i := range logits.Data {
		logits.Data[i] *= 4
	}
	x := ad.New([]float64{1, 0, 0.3, 1, 0, 0, 1, 0.9}, 2, 4)
	got := bernoulliLogLik(logits, x)
	want := ad.Neg(ad.Sum(ad.BCEWithLogits(logits, x), -1))
	for i := range want.Data {
		if math.Abs(got.Data[i]-want.Data[i]) > 1e-12 {
			t.Fatalf("log-likelihood %v, want %v", got.Data, want.Data)
		}
	}
	if _, err := ad.GradCheck(func(xs ...*ad.Tensor[float64]) *ad.Tensor[float64] {
		return bernoulliLogLik(xs[0], x)
	}, logits); err != nil {
		t.Error(err)
	}
}
