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

// TestBernoulliLogLikLarge checks the product of factors and the split
// across CPUs: rows longer than prodTerms and enough of them for par.For,
// logits from −60 to 60, against Σ x·l − max(l, 0) − log1p(e^−|l|) summed
// term by term.
func TestBernoulliLogLikLarge(t *testing.T) {
	const s, n, d = 20, 3, 2500
	rnd := rand.New(rand.NewPCG(3, 4))
	logits := ad.Zeros[float64](s, n, d)
	for i := range logits.Data {
		logits.Data[i] = 120*rnd.Float64() - 60
	}
	x := ad.Zeros[float64](n, d)
	for i := range x.Data {
		x.Data[i] = float64(rnd.IntN(2))
	}
	got := bernoulliLogLik(logits, x)
	for r := range s * n {
		want := 0.0
		for j := range d {
			l, xv := logits.Data[r*d+j], x.Data[(r%n)*d+j]
			want += xv*l - max(l, 0) - math.Log1p(math.Exp(-math.Abs(l)))
		}
		if math.Abs(got.Data[r]-want) > 1e-12*math.Abs(want) {
			t.Fatalf("row %d: %v, want %v", r, got.Data[r], want)
		}
	}
}
