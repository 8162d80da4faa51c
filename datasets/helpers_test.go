package datasets

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// zTol is the number of standard errors a statistical check allows. Each
// test draws from a fixed seed, so a check either always passes or always
// fails; 4.5 standard errors keeps the chance that a correct implementation
// meets an unlucky seed below 1e-5 per check.
const zTol = 4.5

// checkMean fails if the sample mean of xs is further than zTol standard
// errors from want, the standard error coming from the exact variance
// wantVar when it is known (> 0) or else from the sample variance.
func checkMean(t *testing.T, name string, xs []float64, want, wantVar float64) {
	t.Helper()
	n := float64(len(xs))
	var s float64
	for _, x := range xs {
		s += x
	}
	m := s / n
	v := wantVar
	if v <= 0 {
		var ss float64
		for _, x := range xs {
			ss += (x - m) * (x - m)
		}
		v = ss / (n - 1)
	}
	se := math.Sqrt(v / n)
	if math.Abs(m-want) > zTol*se {
		t.Errorf("%s: mean %.6g, want %.6g ± %.3g (%.1f standard errors of %.3g)", name, m, want, zTol*se, zTol, se)
	}
}

// mustPanic fails unless f panics with a message containing msg.
func mustPanic(t *testing.T, msg string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Errorf("no panic, want one mentioning %q", msg)
			return
		}
		if s := fmt.Sprint(r); !strings.Contains(s, msg) {
			t.Errorf("panic %q does not mention %q", s, msg)
		}
	}()
	f()
}
