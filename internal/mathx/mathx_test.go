package mathx

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/floats"
)

func TestSigmoid(t *testing.T) {
	for _, x := range []float64{-800, -30, -1, 0, 0.5, 30, 800} {
		want := 1 / (1 + math.Exp(-x)) // exact enough here; overflows to 0 at −800
		if got := Sigmoid(x); math.Abs(got-want) > 1e-15 || math.IsNaN(got) {
			t.Errorf("Sigmoid(%v) = %v, want %v", x, got, want)
		}
	}
	if got := Sigmoid(-800); got != 0 {
		t.Errorf("Sigmoid(-800) = %v, want 0", got)
	}
}

func TestLogSumExp(t *testing.T) {
	for _, v := range [][]float64{{0}, {1, 2, 3}, {-1000, -1000}, {1000, 999}, {math.Inf(-1), 0}} {
		if got, want := LogSumExp(v), floats.LogSumExp(v); math.Abs(got-want) > 1e-12 {
			t.Errorf("LogSumExp(%v) = %v, gonum %v", v, got, want)
		}
	}
	if got := LogSumExp([]float32{1000, 1000}); math.Abs(got-(1000+math.Ln2)) > 1e-12 {
		t.Errorf("float32: %v, want 1000 + ln 2", got)
	}
	if got := LogSumExp([]float64{math.Inf(-1)}); !math.IsInf(got, -1) {
		t.Errorf("all −Inf: %v", got)
	}
	if got := LogSumExp[float64](nil); !math.IsInf(got, -1) {
		t.Errorf("empty: %v", got)
	}
}
