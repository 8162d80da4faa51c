package imle

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/gonum/stat"
)

// Estimator returns the index of the estimator called name in f, or -1.
func (f *Fidelity) Estimator(name string) int {
	return slices.Index(f.Names, name)
}

// SamplesToReach returns the number of samples at which estimator e's mean
// cosine similarity first reaches level, interpolated linearly in log S
// between the two sample sizes around the first crossing (the x axis of
// the fidelity figure is log S). It returns Samples[0] if the first mean
// already reaches level, and +Inf if no mean does: a biased estimator may
// never reach a level however many samples it draws. It panics if e is out
// of range.
func (f *Fidelity) SamplesToReach(e int, level float64) float64 {
	if e < 0 || e >= len(f.Mean) {
		panic(fmt.Sprintf("imle: Fidelity.SamplesToReach: estimator %d of %d", e, len(f.Mean)))
	}
	m := f.Mean[e]
	for i, v := range m {
		if v < level {
			continue
		}
		if i == 0 {
			return float64(f.Samples[0])
		}
		lo, hi := math.Log(float64(f.Samples[i-1])), math.Log(float64(f.Samples[i]))
		t := (level - m[i-1]) / (v - m[i-1])
		return math.Exp(lo + t*(hi-lo))
	}
	return math.Inf(1)
}

// MeanSE returns the mean over problems of estimator e's cosine
// similarity at Samples[i] and its standard error.
func (f *Fidelity) MeanSE(e, i int) (mean, se float64) {
	x := f.Cosine[e][i]
	mean, std := stat.MeanStdDev(x, nil)
	return mean, std / math.Sqrt(float64(len(x)))
}

// String returns each estimator's mean cosine ± its standard error at
// every number of samples, as a table.
func (f *Fidelity) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-26s", "cosine (± s.e.)")
	for _, s := range f.Samples {
		fmt.Fprintf(&b, "%16s", fmt.Sprintf("S = %d", s))
	}
	fmt.Fprintln(&b)
	for e, name := range f.Names {
		fmt.Fprintf(&b, "%-26s", name)
		for i := range f.Samples {
			m, se := f.MeanSE(e, i)
			fmt.Fprintf(&b, "%16s", fmt.Sprintf("%.3f ± %.3f", m, se))
		}
		fmt.Fprintln(&b)
	}
	return b.String()
}
