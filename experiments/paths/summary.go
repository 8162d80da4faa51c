package paths

import (
	"math"

	"gonum.org/v1/gonum/stat"
)

// Final returns, for method m of runs (runs[r] the runs of repeat r, the
// methods in the same order), the mean over repeats of metric before
// training and after the last epoch, and the standard error of the latter.
func Final(runs [][]Run, m int, metric func(Metrics) float64) (before, after, se float64) {
	x := make([]float64, len(runs))
	for r, rep := range runs {
		t := rep[m].Test
		before += metric(t[0]) / float64(len(runs))
		x[r] = metric(t[len(t)-1])
	}
	after, std := stat.MeanStdDev(x, nil)
	return before, after, std / math.Sqrt(float64(len(x)))
}

// MeanMetrics returns the mean of ms, metric by metric.
func MeanMetrics(ms []Metrics) (mean Metrics) {
	n := float64(len(ms))
	for _, m := range ms {
		mean.Regret += m.Regret / n
		mean.Accuracy += m.Accuracy / n
		mean.Hamming += m.Hamming / n
	}
	return mean
}
