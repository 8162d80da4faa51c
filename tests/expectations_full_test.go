package tests

import (
	"slices"
	"testing"
)

// TestFullExpectationsTable checks FullExpectations as TestExpectationsTable
// checks Expectations, and that both tables list the same notebooks with
// the same result names: a notebook prints the same RESULT lines in both
// modes.
func TestFullExpectationsTable(t *testing.T) {
	for nb, exps := range FullExpectations {
		for _, err := range checkExpectations(nb, exps) {
			t.Error(err)
		}
		quick, ok := Expectations[nb]
		if !ok {
			t.Errorf("tests/expectations_full.go lists %s, which has no quick-mode expectations", nb)
			continue
		}
		if q, f := names(quick), names(exps); !slices.Equal(q, f) {
			t.Errorf("%s: quick-mode results %v, full-mode results %v: want the same names", nb, q, f)
		}
	}
	for nb := range Expectations {
		if _, ok := FullExpectations[nb]; !ok {
			t.Errorf("%s has quick-mode expectations but none for full mode: add them to tests/expectations_full.go", nb)
		}
	}
}

// names returns the sorted names of exps.
func names(exps []Expectation) []string {
	ns := make([]string, len(exps))
	for i, e := range exps {
		ns[i] = e.Name
	}
	slices.Sort(ns)
	return ns
}
