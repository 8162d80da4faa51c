package imle

import (
	"math"
	"strings"
	"testing"
)

// TestSamplesToReach checks the interpolation in log S against values
// worked out by hand, and the two ends.
func TestSamplesToReach(t *testing.T) {
	f := &Fidelity{
		Names:   []string{"a", "b"},
		Samples: []int{1, 10, 100},
		Mean:    [][]float64{{0.2, 0.6, 0.8}, {0.1, 0.3, 0.5}},
	}
	if got := f.Estimator("b"); got != 1 {
		t.Errorf("Estimator(b) = %d, want 1", got)
	}
	if got := f.Estimator("c"); got != -1 {
		t.Errorf("Estimator(c) = %d, want -1", got)
	}
	for _, c := range []struct {
		e     int
		level float64
		want  float64
	}{
		{0, 0.1, 1},                   // already reached at S = 1
		{0, 0.4, math.Sqrt(10)},       // halfway between 1 and 10 in log S
		{0, 0.6, 10},                  // exactly at a grid point
		{0, 0.75, math.Pow(10, 1.75)}, // three quarters between 10 and 100
		{1, 0.5, 100},                 // reached at the last point
		{1, 0.6, math.Inf(1)},         // never reached
	} {
		got := f.SamplesToReach(c.e, c.level)
		if math.IsInf(c.want, 1) {
			if !math.IsInf(got, 1) {
				t.Errorf("SamplesToReach(%d, %v) = %v, want +Inf", c.e, c.level, got)
			}
			continue
		}
		if math.Abs(got-c.want) > 1e-9*c.want {
			t.Errorf("SamplesToReach(%d, %v) = %v, want %v", c.e, c.level, got, c.want)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("estimator out of range did not panic")
		}
	}()
	f.SamplesToReach(2, 0.5)
}

func TestFidelityTable(t *testing.T) {
	f := &Fidelity{Names: []string{"a"}, Samples: []int{10}, Cosine: [][][]float64{{{0.5, 0.7}}}}
	m, se := f.MeanSE(0, 0)
	if math.Abs(m-0.6) > 1e-15 || math.Abs(se-0.1) > 1e-15 {
		t.Errorf("mean %v ± %v, want 0.6 ± 0.1", m, se)
	}
	if s := f.String(); !strings.Contains(s, "S = 10") || !strings.Contains(s, "0.600 ± 0.100") {
		t.Errorf("table\n%s", s)
	}
}
