package paths

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/stochgrad/stochgrad/toolkit/solvers"
	"github.com/stochgrad/stochgrad/viz"
)

// TestPathCurves checks the average over repeats.
func TestPathCurves(t *testing.T) {
	rep := func(r0, r1 float64) []Run {
		return []Run{{Name: "FY", Test: []Metrics{{Regret: r0}, {Regret: r1}}}}
	}
	l := Curves("regret", "regret", [][]Run{rep(0.2, 0.1), rep(0.4, 0.05)}, func(m Metrics) float64 { return m.Regret })
	if len(l.Series) != 1 || l.Series[0].Name != "FY" {
		t.Fatalf("series %+v", l.Series)
	}
	if got := l.Series[0].Y; len(got) != 2 || abs(got[0]-0.3) > 1e-15 || abs(got[1]-0.075) > 1e-15 {
		t.Errorf("mean curve %v, want [0.3 0.075]", got)
	}
}

// TestPathTrainingLoss checks the relative loss averaged over repeats and
// its epochs counted from 1.
func TestPathTrainingLoss(t *testing.T) {
	runs := [][]Run{{{Name: "SPO+", TrainLoss: []float64{2, 1}}}, {{Name: "SPO+", TrainLoss: []float64{4, 1}}}}
	l := TrainingLoss("loss", runs)
	if len(l.Series) != 1 || !reflect.DeepEqual(l.Series[0].X, []float64{1, 2}) {
		t.Fatalf("series %+v", l.Series)
	}
	if got := l.Series[0].Y; got[0] != 1 || abs(got[1]-0.375) > 1e-15 {
		t.Errorf("relative loss %v, want [1 0.375]", got)
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// TestPathOrder checks the walk along a solver's path: consecutive
// vertices are 8-neighbours, every marked vertex is visited once, the ends
// are the corners; and a broken path is an error.
func TestPathOrder(t *testing.T) {
	const rows, cols = 4, 6
	costs := []float64{
		1, 9, 9, 9, 9, 9,
		9, 1, 1, 9, 9, 9,
		9, 9, 9, 1, 9, 9,
		9, 9, 9, 9, 1, 1,
	}
	z := make([]float64, rows*cols)
	solvers.ShortestPath[float64]{Rows: rows, Cols: cols}.Solve(z, costs)
	order, err := pathOrder(rows, cols, z)
	if err != nil {
		t.Fatal(err)
	}
	want := []int{0, 7, 8, 15, 22, 23}
	if !reflect.DeepEqual(order, want) {
		t.Errorf("order %v, want %v", order, want)
	}
	z[15] = 0
	if _, err := pathOrder(rows, cols, z); err == nil {
		t.Error("broken path accepted")
	}
}

// TestPathMap checks the ECharts option (the heatmap plus one line series
// per path, at grid coordinates) and that the static image renders.
func TestPathMap(t *testing.T) {
	z := []float64{1, 0, 0, 0, 1, 0, 0, 0, 1}
	m := Map{Title: "map", Rows: 3, Cols: 3, Costs: []float64{1, 2, 3, 4, 5, 6, 7, 8, 9},
		Paths: []GridPath{{"true", z}, {"predicted", z}}}
	opt, err := m.Option()
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(opt)
	if err != nil {
		t.Fatal(err)
	}
	var parsed struct {
		Series []struct {
			Type string
			Name string
			Data json.RawMessage
		}
	}
	if err := json.Unmarshal(b, &parsed); err != nil {
		t.Fatal(err)
	}
	if len(parsed.Series) != 3 || parsed.Series[0].Type != "heatmap" || parsed.Series[2].Type != "line" || parsed.Series[2].Name != "predicted" {
		t.Fatalf("series %+v", parsed.Series)
	}
	var data [][]float64
	if err := json.Unmarshal(parsed.Series[1].Data, &data); err != nil {
		t.Fatal(err)
	}
	if want := [][]float64{{0, 0}, {1, 1}, {2, 2}}; !reflect.DeepEqual(data, want) {
		t.Errorf("true path data %v, want %v", data, want)
	}
	var png bytes.Buffer
	if err := viz.Render(&png, m, "png", 0, 0); err != nil || !bytes.HasPrefix(png.Bytes(), []byte("\x89PNG")) {
		t.Errorf("render: %v (%d bytes)", err, png.Len())
	}
	if !strings.Contains(m.String(), "3×3") {
		t.Errorf("summary %q", m.String())
	}
	m.Paths[1].Z = []float64{0, 0, 0, 0, 1, 0, 0, 0, 1}
	if _, err := m.Option(); err == nil {
		t.Error("path without the start corner accepted")
	}
}

func TestFinalAndMeanMetrics(t *testing.T) {
	rep := func(r0, r1 float64) []Run { return []Run{{Name: "FY", Test: []Metrics{{Regret: r0}, {Regret: r1}}}} }
	b, a, se := Final([][]Run{rep(0.2, 0.1), rep(0.4, 0.3)}, 0, func(m Metrics) float64 { return m.Regret })
	if abs(b-0.3) > 1e-15 || abs(a-0.2) > 1e-15 || abs(se-0.1) > 1e-15 {
		t.Errorf("before %v, after %v ± %v; want 0.3, 0.2 ± 0.1", b, a, se)
	}
	if m := MeanMetrics([]Metrics{{Regret: 1, Accuracy: 0.5, Hamming: 2}, {Regret: 3, Accuracy: 1, Hamming: 0}}); m != (Metrics{Regret: 2, Accuracy: 0.75, Hamming: 1}) {
		t.Errorf("mean %+v", m)
	}
}
