package solvers_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stochgrad/stochgrad/toolkit/solvers"
)

// randScores returns n scores: standard normal, or with ties small integers
// in [lo, hi], which makes ties between optima frequent.
func randScores[T solvers.Float](rnd *rand.Rand, n int, ties bool, lo, hi int) []T {
	s := make([]T, n)
	for i := range s {
		if ties {
			s[i] = T(lo + rnd.IntN(hi-lo+1))
		} else {
			s[i] = T(rnd.NormFloat64())
		}
	}
	return s
}

// dot returns <theta, z> in float64.
func dot[T solvers.Float](theta, z []T) float64 {
	var s float64
	for i := range theta {
		s += float64(theta[i]) * float64(z[i])
	}
	return s
}

// objTol is the tolerance for comparing two float64 sums of at most n terms
// taken from theta in different orders: each sum is within n·ε·Σ|θ| of the
// exact value (ε = 2⁻⁵³), so two of them are within 2n·ε·Σ|θ|. Integer
// scores give exact sums and a zero tolerance would do; this bound holds for
// both.
func objTol[T solvers.Float](theta []T, n int) float64 {
	var abs float64
	for _, t := range theta {
		abs += math.Abs(float64(t))
	}
	return 2 * float64(n) * 0x1p-53 * abs
}

// checkBinary fails unless every entry of z is 0 or 1 and returns the
// number of ones.
func checkBinary[T solvers.Float](t *testing.T, z []T) int {
	t.Helper()
	ones := 0
	for i, v := range z {
		switch v {
		case 0:
		case 1:
			ones++
		default:
			t.Fatalf("z[%d] = %v, want 0 or 1 (z = %v)", i, v, z)
		}
	}
	return ones
}

// mustPanic fails unless f panics with a message containing want.
func mustPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Fatalf("no panic, want one containing %q", want)
		}
		msg, _ := r.(string)
		if !strings.Contains(msg, want) {
			t.Fatalf("panic %q, want one containing %q", r, want)
		}
	}()
	f()
}
