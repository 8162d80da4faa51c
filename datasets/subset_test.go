package datasets

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestSubsetRegression(t *testing.T) {
	var s SubsetRegression
	dim, k, err := s.Size()
	if err != nil || dim != 10 || k != 5 {
		t.Fatalf("zero value: Dim %d K %d err %v, want 10 5", dim, k, err)
	}
	const n = 5000
	theta, b, err := s.Generate(n, rand.New(rand.NewPCG(7, 8)))
	if err != nil {
		t.Fatal(err)
	}
	if len(theta) != n*10 || len(b) != n*10 {
		t.Fatalf("shapes %d %d, want %d", len(theta), len(b), n*10)
	}
	// θ and b are standard normal: mean 0 (variance 1) and second moment 1
	// (variance of x² is 2).
	for name, xs := range map[string][]float64{"theta": theta, "b": b} {
		checkMean(t, name, xs, 0, 1)
		sq := make([]float64, len(xs))
		for i, x := range xs {
			sq[i] = x * x
		}
		checkMean(t, name+"²", sq, 1, 2)
	}
	// θ and b are independent: E[θ_j b_j] = 0 with variance 1.
	prod := make([]float64, len(theta))
	for i := range theta {
		prod[i] = theta[i] * b[i]
	}
	checkMean(t, "theta·b", prod, 0, 1)

	// Determinism, and a shorter run is a prefix of a longer one.
	t2, b2, _ := s.Generate(100, rand.New(rand.NewPCG(7, 8)))
	if !slices.Equal(t2, theta[:1000]) || !slices.Equal(b2, b[:1000]) {
		t.Error("not deterministic / not prefix-stable for a fixed seed")
	}

	// AbsTarget: b = |N(0,1)| has mean √(2/π) and variance 1 − 2/π; θ is
	// drawn identically.
	ta, ba, err := SubsetRegression{AbsTarget: true}.Generate(n, rand.New(rand.NewPCG(7, 8)))
	if err != nil {
		t.Fatal(err)
	}
	for i := range ba {
		if ba[i] != math.Abs(b[i]) {
			t.Fatalf("AbsTarget: b[%d] = %v, want |%v|", i, ba[i], b[i])
		}
	}
	if !slices.Equal(ta, theta) {
		t.Error("AbsTarget changed θ")
	}
	checkMean(t, "|b|", ba, math.Sqrt(2/math.Pi), 1-2/math.Pi)

	if d, k, err := (SubsetRegression{Dim: 3}).Size(); err != nil || d != 3 || k != 3 {
		t.Errorf("Dim 3: %d %d %v, want K defaulting to 3", d, k, err)
	}
	for _, bad := range []SubsetRegression{{Dim: 4, K: 5}, {Dim: -1}, {K: -2}} {
		if _, _, err := bad.Generate(1, rand.New(rand.NewPCG(1, 1))); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}
