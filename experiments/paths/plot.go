package paths

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// TrainPathModel trains the cost model of cfg.Methods[i] as
// RunPathExperiment(cfg) does, from the same data, initial weights and
// random stream, so that its PathRun equals the i-th one there, and returns
// the trained model with the test instances: for figures of individual
// predictions.
func TrainPathModel(cfg PathExperimentConfig, i int) (*PathCostModel, *PathData, PathRun, error) {
	cfg = cfg.withDefaults()
	if i < 0 || i >= len(cfg.Methods) {
		return nil, nil, PathRun{}, fmt.Errorf("paths: TrainPathModel: method %d of %d", i, len(cfg.Methods))
	}
	if cfg.Epochs < 1 || cfg.BatchSize < 1 || !(cfg.LearningRate > 0) || cfg.Hidden < 0 {
		return nil, nil, PathRun{}, fmt.Errorf("paths: TrainPathModel: Epochs = %d, BatchSize = %d, LearningRate = %v, Hidden = %d; want positive values",
			cfg.Epochs, cfg.BatchSize, cfg.LearningRate, cfg.Hidden)
	}
	train, test, err := GeneratePathData(rand.New(rand.NewPCG(cfg.Seed, 0)), cfg.Data)
	if err != nil {
		return nil, nil, PathRun{}, err
	}
	model := NewPathCostModel(rand.New(rand.NewPCG(cfg.Seed, 1<<32)), train.X.Dim(1), train.Rows*train.Cols, cfg.Hidden)
	run, err := trainPaths(cfg.Methods[i], model, train, test, cfg, rand.New(rand.NewPCG(cfg.Seed, uint64(1+i))))
	if err != nil {
		return nil, nil, PathRun{}, err
	}
	return model, test, run, nil
}

// PathOracle returns the metrics, on the test instances that
// RunPathExperiment(cfg) generates, of the noise-free costs E[c | x]: the
// cost polynomial of the features without the multiplicative noise. Their
// shortest path minimises the expected cost given x, so the oracle's regret
// is, on average, the least any cost model can reach; its accuracy is below
// 1 because the noise moves the optimal path. It regenerates the data
// with the noise half-width set to the smallest positive float64, which
// draws the same random numbers (so the same B and features) and leaves
// every cost equal to its mean.
func PathOracle(cfg PathExperimentConfig) (PathMetrics, error) {
	cfg = cfg.withDefaults()
	_, test, err := GeneratePathData(rand.New(rand.NewPCG(cfg.Seed, 0)), cfg.Data)
	if err != nil {
		return PathMetrics{}, err
	}
	clean := cfg.Data
	clean.NoiseHalfWidth = math.SmallestNonzeroFloat64
	_, mean, err := GeneratePathData(rand.New(rand.NewPCG(cfg.Seed, 0)), clean)
	if err != nil {
		return PathMetrics{}, err
	}
	if !slices.Equal(test.X.Data, mean.X.Data) {
		// GeneratePathData's draws would then depend on the noise level.
		panic("paths: PathOracle: the noise-free data set has other features")
	}
	return EvaluatePaths(test, mean.Costs), nil
}
