package simd

import (
	"math"
	"testing"
)

// TestKernelsStopAtTheFirstBlockTheyCannotDo checks the contract the
// callers rely on: whole blocks of eight, up to the first block with a lane
// out of range, never the tail.
func TestKernelsStopAtTheFirstBlockTheyCannotDo(t *testing.T) {
	if !Enabled {
		t.Skip("no AVX2+FMA on this machine")
	}
	x := make([]float32, 43)
	for i := range x {
		x[i] = float32(i%7) - 3
	}
	dst, sig, tg := make([]float32, len(x)), make([]float32, len(x)), make([]float32, len(x))
	if n := Exp32(dst, x); n != 40 {
		t.Errorf("Exp on finite input wrote %d, want 40 (the tail is the caller's)", n)
	}
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	for _, c := range []struct {
		name string
		bad  float32
		f    func() int
	}{
		{"Exp32", 90, func() int { return Exp32(dst, x) }},
		{"Exp32", nan, func() int { return Exp32(dst, x) }},
		{"Tanh32", nan, func() int { return Tanh32(dst, x) }},
		{"BCE32", inf, func() int { return BCE32(dst, sig, x, tg, 1) }},
		{"BCE32", nan, func() int { return BCE32(dst, nil, x, tg, -1) }},
	} {
		saved := x[19]
		x[19] = c.bad
		if n := c.f(); n != 16 {
			t.Errorf("%s with %v at 19 wrote %d, want 16", c.name, c.bad, n)
		}
		x[19] = saved
	}
	if n := Tanh32(dst, x); n != 40 {
		t.Errorf("Tanh wrote %d, want 40", n)
	}
	d, m, v := make([]float32, 13), make([]float32, 13), make([]float32, 13)
	if n := Adam32(d, x[:13], m, v, &AdamConsts{Step: 1, B1: 0.9, B2: 0.999, C1: 0.1, C2: 0.001, Eps: 1e-8, InvBC2: 1}); n != 8 {
		t.Errorf("Adam on 13 wrote %d, want 8", n)
	}
}

// TestExp64 checks the float64 exponential against math.Exp lane by lane
// across its range, and that it leaves blocks with an out-of-range lane and
// the tail to the caller.
func TestExp64(t *testing.T) {
	if !Enabled {
		t.Skip("no AVX2+FMA on this machine")
	}
	x := make([]float64, 0, 40003)
	for i := range 40000 {
		x = append(x, -707.9+1416.8*float64(i)/39999)
	}
	x = append(x, 0, 1e-300, -1e-17)
	dst := make([]float64, len(x))
	if n := Exp64(dst, x); n != 40000 {
		t.Fatalf("wrote %d, want 40000", n)
	}
	var worst float64
	for i, v := range x[:40000] {
		want := math.Exp(v)
		ulp := math.Nextafter(want, math.Inf(1)) - want
		worst = max(worst, math.Abs(dst[i]-want)/ulp)
	}
	t.Logf("largest error %.2f ulp", worst)
	if worst > 2 {
		t.Errorf("largest error %g ulp, want ≤ 2", worst)
	}
	for _, bad := range []float64{709.5, -708.5, math.NaN(), math.Inf(-1)} {
		x[9] = bad
		if n := Exp64(dst, x[:16]); n != 8 {
			t.Errorf("with %v at 9 wrote %d, want 8", bad, n)
		}
	}
}
