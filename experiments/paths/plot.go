package paths

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// TrainModel trains the cost model of cfg.Methods[i] as
// RunExperiment(cfg) does, from the same data, initial weights and
// random stream, so that its Run equals the i-th one there, and returns
// the trained model with the test instances: for figures of individual
// predictions.
func TrainModel(cfg Config, i int) (*CostModel, *Data, Run, error) {
	cfg = cfg.withDefaults()
	if i < 0 || i >= len(cfg.Methods) {
		return nil, nil, Run{}, fmt.Errorf("paths: TrainModel: method %d of %d", i, len(cfg.Methods))
	}
	if cfg.Epochs < 1 || cfg.BatchSize < 1 || !(cfg.LearningRate > 0) || cfg.Hidden < 0 {
		return nil, nil, Run{}, fmt.Errorf("paths: TrainModel: Epochs = %d, BatchSize = %d, LearningRate = %v, Hidden = %d; want positive values",
			cfg.Epochs, cfg.BatchSize, cfg.LearningRate, cfg.Hidden)
	}
	train, test, err := GenerateData(rand.New(rand.NewPCG(cfg.Seed, 0)), cfg.Data)
	if err != nil {
		return nil, nil, Run{}, err
	}
	model := NewCostModel(rand.New(rand.NewPCG(cfg.Seed, 1<<32)), train.X.Dim(1), train.Rows*train.Cols, cfg.Hidden)
	run, err := fit(cfg.Methods[i], model, train, test, cfg, rand.New(rand.NewPCG(cfg.Seed, uint64(1+i))))
	if err != nil {
		return nil, nil, Run{}, err
	}
	return model, test, run, nil
}

// Oracle returns the metrics, on the test instances that
// RunExperiment(cfg) generates, of the noise-free costs E[c | x]: the
// cost polynomial of the features without the multiplicative noise. Their
// shortest path minimises the expected cost given x, so the oracle's regret
// is, on average, the least any cost model can reach; its accuracy is below
// 1 because the noise moves the optimal path. It regenerates the data
// with the noise half-width set to the smallest positive float64, which
// draws the same random numbers (so the same B and features) and leaves
// every cost equal to its mean.
func Oracle(cfg Config) (Metrics, error) {
	cfg = cfg.withDefaults()
	_, test, err := GenerateData(rand.New(rand.NewPCG(cfg.Seed, 0)), cfg.Data)
	if err != nil {
		return Metrics{}, err
	}
	clean := cfg.Data
	clean.NoiseHalfWidth = math.SmallestNonzeroFloat64
	_, mean, err := GenerateData(rand.New(rand.NewPCG(cfg.Seed, 0)), clean)
	if err != nil {
		return Metrics{}, err
	}
	if !slices.Equal(test.X.Data, mean.X.Data) {
		// GenerateData's draws would then depend on the noise level.
		panic("paths: Oracle: the noise-free data set has other features")
	}
	return Evaluate(test, mean.Costs), nil
}
