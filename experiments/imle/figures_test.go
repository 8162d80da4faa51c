package imle

import (
	"reflect"
	"testing"
)

// TestSubsetFigures checks that the fidelity and optimisation figures
// carry the results' numbers: one series per estimator at the sample
// sizes, and the long run thinned to every 10th point.
func TestSubsetFigures(t *testing.T) {
	f := &Fidelity{Names: []string{"a", "b"}, Samples: []int{1, 10}, Mean: [][]float64{{0.1, 0.2}, {0.3, 0.4}}}
	l := FidelityFigure("fidelity", f)
	if !l.LogX || len(l.Series) != 2 || !reflect.DeepEqual(l.Series[1].Y, []float64{0.3, 0.4}) || !reflect.DeepEqual(l.Series[0].X, []float64{1, 10}) {
		t.Errorf("fidelity figure %+v", l)
	}
	long := make([]float64, 31)
	for i := range long {
		long[i] = float64(i)
	}
	o := &Optimisation{Names: []string{"SFE", "STE"}, Gap: [][]float64{long, {5, 4, 3, 2}}}
	l = OptimisationFigure("gap", o)
	if len(l.Series) != 2 || l.Series[0].Name != "SFE (steps ×10)" || l.Series[1].Name != "STE" {
		t.Fatalf("series %q, %q", l.Series[0].Name, l.Series[1].Name)
	}
	if want := []float64{0, 10, 20, 30}; !reflect.DeepEqual(l.Series[0].Y, want) {
		t.Errorf("thinned SFE %v, want %v", l.Series[0].Y, want)
	}
	if want := []float64{5, 4, 3, 2}; !reflect.DeepEqual(l.Series[1].Y, want) {
		t.Errorf("STE %v, want %v", l.Series[1].Y, want)
	}
}
