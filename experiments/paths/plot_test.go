package paths

import (
	"math"
	"reflect"
	"testing"
)

// TestTrainPathModel checks that TrainModel reproduces
// RunExperiment's run of the same method exactly, and that the
// returned model's test metrics are the run's last ones.
func TestTrainPathModel(t *testing.T) {
	cfg := Config{Data: DataConfig{Train: 100, Test: 50}, Epochs: 2, Seed: 3}
	runs, err := RunExperiment(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := range runs {
		model, test, run, err := TrainModel(cfg, i)
		if err != nil {
			t.Fatal(err)
		}
		run.Seconds, runs[i].Seconds = 0, 0
		if !reflect.DeepEqual(run, runs[i]) {
			t.Errorf("method %d: run %+v, RunExperiment's %+v", i, run, runs[i])
		}
		if got, want := Evaluate(test, model.Forward(test.X)), run.Test[len(run.Test)-1]; got != want {
			t.Errorf("method %d: trained model's metrics %+v, run's last %+v", i, got, want)
		}
	}
	if _, _, _, err := TrainModel(cfg, 3); err == nil {
		t.Error("method 3 of 3 accepted")
	}
}

// TestPathOracle checks the oracle exactly where it is known: without
// noise the mean costs are the costs, so its regret is 0 and its accuracy
// 1; with the default noise its regret is positive and below the
// untrained model's.
func TestPathOracle(t *testing.T) {
	cfg := Config{Data: DataConfig{Train: 20, Test: 100, NoiseHalfWidth: math.SmallestNonzeroFloat64}}
	m, err := Oracle(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if m.Regret != 0 || m.Accuracy != 1 || m.Hamming != 0 {
		t.Errorf("noise-free oracle %+v, want regret 0, accuracy 1, Hamming 0", m)
	}
	cfg.Data.NoiseHalfWidth = 0 // the default, 0.5
	cfg.Epochs = 1
	m, err = Oracle(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, test, run, err := TrainModel(cfg, 0)
	if err != nil {
		t.Fatal(err)
	}
	if test.Len() != 100 {
		t.Fatalf("%d test instances, want 100", test.Len())
	}
	if !(m.Regret > 0 && m.Regret < run.Test[0].Regret && m.Accuracy < 1) {
		t.Errorf("oracle %+v with noise; untrained model's regret %v", m, run.Test[0].Regret)
	}
}
