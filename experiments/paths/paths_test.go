package paths

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stochgrad/stochgrad/estimators"
	"github.com/stochgrad/stochgrad/toolkit/ad"
	"gonum.org/v1/gonum/floats"
)

func smallData(t *testing.T) (train, test *Data) {
	t.Helper()
	train, test, err := GenerateData(rand.New(rand.NewPCG(1, 2)), DataConfig{Rows: 4, Cols: 5, Train: 64, Test: 40})
	if err != nil {
		t.Fatal(err)
	}
	return train, test
}

// TestGeneratePathData checks shapes, positive costs, and that each label
// is a path from the first to the last vertex whose cost is Optimal.
func TestGeneratePathData(t *testing.T) {
	train, test := smallData(t)
	if train.Len() != 64 || test.Len() != 40 || train.X.Dim(1) != 5 || train.Costs.Dim(1) != 20 {
		t.Fatalf("shapes %v %v %v", train.X.Shape(), train.Costs.Shape(), test.X.Shape())
	}
	for i := range train.Len() {
		c := train.Costs.Data[i*20 : (i+1)*20]
		z := train.Paths.Data[i*20 : (i+1)*20]
		for _, v := range c {
			if !(v > 0) {
				t.Fatalf("instance %d: cost %v", i, v)
			}
		}
		if z[0] != 1 || z[19] != 1 {
			t.Fatalf("instance %d: path %v misses an end", i, z)
		}
		if got := floats.Dot(c, z); math.Abs(got-train.Optimal[i]) > 1e-12 {
			t.Fatalf("instance %d: path cost %v, Optimal %v", i, got, train.Optimal[i])
		}
	}
	if _, _, err := GenerateData(rand.New(rand.NewPCG(1, 1)), DataConfig{NoiseHalfWidth: 1}); err == nil {
		t.Error("NoiseHalfWidth = 1 accepted")
	}
}

// TestEvaluatePaths checks the metrics at the true costs (regret 0,
// accuracy 1, Hamming 0) and at constant costs, where the regret is the
// relative excess cost of the straight diagonal path, computed here.
func TestEvaluatePaths(t *testing.T) {
	_, test := smallData(t)
	m := Evaluate(test, test.Costs)
	if m.Regret != 0 || m.Accuracy != 1 || m.Hamming != 0 {
		t.Fatalf("metrics at the true costs: %+v", m)
	}
	flat := ad.Ones[float64](test.Len(), 20)
	m = Evaluate(test, flat)
	z := make([]float64, 20)
	test.Solver().Solve(z, flat.Data[:20])
	excess, opt := 0.0, 0.0
	for i := range test.Len() {
		excess += floats.Dot(test.Costs.Data[i*20:(i+1)*20], z) - test.Optimal[i]
		opt += test.Optimal[i]
	}
	if want := excess / opt; math.Abs(m.Regret-want) > 1e-12 || !(m.Regret > 0) {
		t.Fatalf("regret at constant costs %v, want %v > 0", m.Regret, want)
	}
}

// TestPathMethods checks each method's loss on a batch: finite, with a
// gradient reaching the model, and SPO+ zero at the true costs.
func TestPathMethods(t *testing.T) {
	train, _ := smallData(t)
	batch := train.Subset([]int{0, 1, 2, 3, 4, 5, 6, 7})
	for _, method := range DefaultMethods() {
		model := NewCostModel(rand.New(rand.NewPCG(3, 3)), 5, 20, 8)
		loss := batchLoss(method.New(train.Rows, train.Cols), method, rand.New(rand.NewPCG(4, 4)), batch, model.Forward(batch.X))
		v := loss.Item()
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("%s: loss %v", method.Name, v)
		}
		loss.Backward()
		norm := 0.0
		for _, p := range model.Params() {
			for _, g := range p.Grad {
				norm += g * g
			}
		}
		if !(norm > 0) {
			t.Errorf("%s: no gradient reaches the model", method.Name)
		}
	}
	spo := SPOPlus()
	if l := batchLoss(spo.New(train.Rows, train.Cols), spo, nil, batch, batch.Costs).Item(); l != 0 {
		t.Errorf("SPO+ at the true costs = %v, want 0", l)
	}
}

// TestPathExperimentLearns trains every default method briefly: each must
// lower the test regret from its initial value.
func TestPathExperimentLearns(t *testing.T) {
	if testing.Short() {
		t.Skip("trains three models")
	}
	runs, err := RunExperiment(Config{Data: DataConfig{Train: 300, Test: 200}, Epochs: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 3 {
		t.Fatalf("%d runs", len(runs))
	}
	for _, r := range runs {
		first, last := r.Test[0], r.Test[len(r.Test)-1]
		t.Logf("%s: regret %.4f → %.4f, accuracy %.3f → %.3f, Hamming %.3f → %.3f", r.Name, first.Regret, last.Regret, first.Accuracy, last.Accuracy, first.Hamming, last.Hamming)
		if len(r.Test) != 6 || len(r.TrainLoss) != 5 {
			t.Fatalf("%s: %d evaluations, %d losses", r.Name, len(r.Test), len(r.TrainLoss))
		}
		if !(last.Regret < 0.75*first.Regret) {
			t.Errorf("%s: regret %v after training, %v before", r.Name, last.Regret, first.Regret)
		}
	}
}

// A Config encodes as JSON, the key of toolkit.Cached, with the methods'
// settings in their names.
func TestConfigEncodes(t *testing.T) {
	b, err := json.Marshal(Config{Methods: []Method{FenchelYoung(1, 5), IMLE(0, 0, 2, estimators.Central), SPOPlus()}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"PerturbedAdditive+FY (ε=1, S=5)", "I-MLE (λ=10, τ=0.5, S=2, Central)", "SPO+"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s: no %q", b, want)
		}
	}
}
