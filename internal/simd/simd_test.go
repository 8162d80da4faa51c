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

// TestFinite checks that the finiteness scans stop at the block holding the
// first infinity or NaN, in any lane, pass large finite values, subnormals
// and signed zeros, and leave the tail to the caller.
func TestFinite(t *testing.T) {
	if !Enabled {
		t.Skip("no AVX2+FMA on this machine")
	}
	x32 := make([]float32, 43)
	x64 := make([]float64, 43)
	for i := range x32 {
		x32[i] = []float32{0, float32(math.Copysign(0, -1)), math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32, 1.5}[i%6]
		x64[i] = []float64{0, math.Copysign(0, -1), math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64, 1.5}[i%6]
	}
	if n := Finite32(x32); n != 40 {
		t.Errorf("Finite32 on finite input: %d, want 40", n)
	}
	if n := Finite64(x64); n != 40 {
		t.Errorf("Finite64 on finite input: %d, want 40", n)
	}
	for _, bad := range []float64{math.Inf(1), math.Inf(-1), math.NaN()} {
		for _, at := range []int{0, 7, 19, 39} {
			s32, s64 := x32[at], x64[at]
			x32[at], x64[at] = float32(bad), bad
			if n, want := Finite32(x32), at/8*8; n != want {
				t.Errorf("Finite32 with %v at %d: %d, want %d", bad, at, n, want)
			}
			if n, want := Finite64(x64), at/4*4; n != want {
				t.Errorf("Finite64 with %v at %d: %d, want %d", bad, at, n, want)
			}
			x32[at], x64[at] = s32, s64
		}
	}
	// Past the last whole block nothing is looked at.
	x32[41], x64[42] = float32(math.NaN()), math.NaN()
	if n := Finite32(x32); n != 40 {
		t.Errorf("Finite32 with NaN in the tail: %d, want 40", n)
	}
	if n := Finite64(x64); n != 40 {
		t.Errorf("Finite64 with NaN in the tail: %d, want 40", n)
	}
}

// TestSGD32 checks the SGD kernel against the scalar loops to the bit, with
// and without momentum and weight decay, and that it leaves the tail.
func TestSGD32(t *testing.T) {
	if !Enabled {
		t.Skip("no AVX2+FMA on this machine")
	}
	const n = 1003
	mk := func(seed int) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(math.Sin(float64(i*seed+1))) * float32(math.Exp(float64(i%13-6)))
		}
		return x
	}
	for _, c := range []SGDConsts{{LR: 0.1}, {LR: 3e-3, Mu: 0.9}, {LR: 0.05, Mu: 0.5, WD: 1e-2}} {
		g := mk(3)
		d, b := mk(5), mk(7)
		wantD, wantB := append([]float32(nil), d...), append([]float32(nil), b...)
		for k := range n / 8 * 8 {
			if c.Mu == 0 {
				wantD[k] -= c.LR * g[k]
				continue
			}
			wantB[k] = c.Mu*wantB[k] + g[k] + c.WD*wantD[k]
			wantD[k] -= c.LR * wantB[k]
		}
		var bb []float32
		if c.Mu != 0 {
			bb = b
		}
		if got := SGD32(d, g, bb, &c); got != n/8*8 {
			t.Errorf("%+v: wrote %d, want %d", c, got, n/8*8)
		}
		for k := range n {
			if math.Float32bits(d[k]) != math.Float32bits(wantD[k]) || math.Float32bits(b[k]) != math.Float32bits(wantB[k]) {
				t.Fatalf("%+v: element %d: d %v b %v, want %v %v", c, k, d[k], b[k], wantD[k], wantB[k])
			}
		}
	}
}
