package paths

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/stochgrad/stochgrad/estimators"
	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
	"github.com/stochgrad/stochgrad/toolkit/optim"
	"github.com/stochgrad/stochgrad/toolkit/solvers"
)

// PathMethod is a way to train a cost model through the shortest-path
// solver: it turns the predicted costs of a batch into a scalar loss whose
// gradient reaches the model.
type PathMethod interface {
	// Name labels the method in results.
	Name() string
	// Loss returns the mean training loss of predicted costs pred [B, V]
	// for the instances batch.
	Loss(rnd *rand.Rand, batch *PathData, pred *ad.Tensor[float64]) *ad.Tensor[float64]
}

// PathFenchelYoung learns from the labelled paths with the Fenchel-Young
// loss of a perturbed shortest path (Berthet et al. 2020; the InferOpt
// tutorial): estimators.PerturbedAdditive over solvers.Negate(ShortestPath)
// on the scores θ = −ĉ, so that the layer maximises ⟨θ, z⟩.
type PathFenchelYoung struct {
	// Epsilon is the noise scale ε; zero means 0.5.
	Epsilon float64
	// Samples per instance; zero means 5 (the InferOpt tutorial's).
	Samples int
}

// Name returns "PerturbedAdditive+FY".
func (PathFenchelYoung) Name() string { return "PerturbedAdditive+FY" }

// Loss returns the mean Fenchel-Young loss of −pred against the paths.
func (m PathFenchelYoung) Loss(rnd *rand.Rand, batch *PathData, pred *ad.Tensor[float64]) *ad.Tensor[float64] {
	eps, s := m.Epsilon, m.Samples
	if eps == 0 {
		eps = 0.5
	}
	if s == 0 {
		s = 5
	}
	layer := estimators.PerturbedAdditive[float64]{Solver: solvers.Negate[float64](batch.Solver()), Epsilon: eps, Samples: s}
	return ad.Mean(estimators.FenchelYoungLoss[float64]{Layer: layer}.Loss(rnd, ad.Neg(pred), batch.Paths))
}

// PathIMLE learns from the labelled paths with I-MLE (the Warcraft
// experiment of Niepert et al. 2021): perturb-and-MAP paths z from the
// predicted costs (solvers.ShortestPath as a minimiser), the Hamming loss
// Σ_v z_v(1 − y_v) + (1 − z_v)y_v against the label y, and the I-MLE
// gradient with target θ' = ĉ + λ·dy.
type PathIMLE struct {
	// Lambda is λ; zero means 10.
	Lambda float64
	// Temperature of the noise; zero means 0.5.
	Temperature float64
	// Samples per instance; zero means 1.
	Samples int
	// Noise is ε; nil means Sum-of-Gamma noise with K = Rows + Cols − 1
	// and 10 iterations.
	Noise distributions.Noise[float64]
	// Difference is Forward or Central.
	Difference estimators.Difference
}

// Name returns "I-MLE".
func (PathIMLE) Name() string { return "I-MLE" }

// Loss returns the mean Hamming loss of the sampled paths.
func (m PathIMLE) Loss(rnd *rand.Rand, batch *PathData, pred *ad.Tensor[float64]) *ad.Tensor[float64] {
	lambda, tau := m.Lambda, m.Temperature
	if lambda == 0 {
		lambda = 10
	}
	if tau == 0 {
		tau = 0.5
	}
	noise := m.Noise
	if noise == nil {
		noise = distributions.SumOfGamma[float64]{K: batch.Rows + batch.Cols - 1, Iterations: 10}
	}
	layer := estimators.IMLE[float64]{Solver: batch.Solver(), Minimize: true, Noise: noise, Temperature: tau,
		Target: estimators.PerturbationTarget[float64]{Alpha: 1, Lambda: lambda}, Samples: m.Samples, Difference: m.Difference}
	z := layer.Apply(rnd, pred) // [B, S, V]
	b, v := batch.Len(), batch.Rows*batch.Cols
	s := z.Dim(1)
	y := ad.Reshape(batch.Paths, b, 1, v)
	// Hamming: z(1 − y) + (1 − z)y = z + y − 2zy for 0/1 vectors.
	ham := ad.Sub(ad.Add(z, y), ad.MulScalar(ad.Mul(z, y), 2))
	return ad.MulScalar(ad.Sum(ham), 1/float64(b*s))
}

// PathSPOPlus learns from the true costs with the SPO+ loss (Elmachtoub
// and Grigas 2022): estimators.SPOPlusLoss with ShortestPath as a
// minimiser.
type PathSPOPlus struct{}

// Name returns "SPO+".
func (PathSPOPlus) Name() string { return "SPO+" }

// Loss returns the mean SPO+ loss of pred against the true costs.
func (PathSPOPlus) Loss(_ *rand.Rand, batch *PathData, pred *ad.Tensor[float64]) *ad.Tensor[float64] {
	return ad.Mean(estimators.SPOPlusLoss[float64]{Solver: batch.Solver(), Minimize: true}.Loss(nil, pred, batch.Costs))
}

// DefaultPathMethods returns PerturbedAdditive+FY, I-MLE and SPO+ with
// their default settings.
func DefaultPathMethods() []PathMethod {
	return []PathMethod{PathFenchelYoung{}, PathIMLE{}, PathSPOPlus{}}
}

// PathExperimentConfig configures RunPathExperiment. Zero values mean the
// defaults in brackets.
type PathExperimentConfig struct {
	// Data configures the data set (its Quick follows Quick).
	Data PathDataConfig
	// Hidden units of the cost model [0: linear].
	Hidden int
	// Epochs of training [30; 10 quick].
	Epochs int
	// BatchSize [32].
	BatchSize int
	// LearningRate of Adam [0.01].
	LearningRate float64
	// Methods to train [DefaultPathMethods()].
	Methods []PathMethod
	// Seed of the data (rand.NewPCG(Seed, 0)) and of each method's model
	// initialisation and noise (rand.NewPCG(Seed, 1 + i)) [0].
	Seed uint64
	// Quick selects the quick defaults.
	Quick bool
}

// PathRun is the learning curve of one method.
type PathRun struct {
	Name string
	// TrainLoss[e] is the mean training loss during epoch e+1.
	TrainLoss []float64
	// Test[e] holds the test metrics after e epochs (Test[0] before
	// training).
	Test []PathMetrics
	// Seconds of training, evaluation excluded.
	Seconds float64
}

func (c PathExperimentConfig) withDefaults() PathExperimentConfig {
	c.Data.Quick = c.Data.Quick || c.Quick
	if c.Epochs == 0 {
		c.Epochs = 30
		if c.Quick {
			c.Epochs = 10
		}
	}
	if c.BatchSize == 0 {
		c.BatchSize = 32
	}
	if c.LearningRate == 0 {
		c.LearningRate = 0.01
	}
	if c.Methods == nil {
		c.Methods = DefaultPathMethods()
	}
	return c
}

// RunPathExperiment generates the data and trains one cost model per
// method with Adam, recording the test metrics after every epoch. The models
// of all methods start from the same initial weights. It returns an error
// naming the method and epoch if a loss or gradient becomes NaN or
// infinite.
func RunPathExperiment(cfg PathExperimentConfig) ([]PathRun, error) {
	cfg = cfg.withDefaults()
	if cfg.Epochs < 1 || cfg.BatchSize < 1 || !(cfg.LearningRate > 0) || cfg.Hidden < 0 {
		return nil, fmt.Errorf("paths: RunPathExperiment: Epochs = %d, BatchSize = %d, LearningRate = %v, Hidden = %d; want positive values",
			cfg.Epochs, cfg.BatchSize, cfg.LearningRate, cfg.Hidden)
	}
	train, test, err := GeneratePathData(rand.New(rand.NewPCG(cfg.Seed, 0)), cfg.Data)
	if err != nil {
		return nil, err
	}
	var runs []PathRun
	for i, method := range cfg.Methods {
		rnd := rand.New(rand.NewPCG(cfg.Seed, uint64(1+i)))
		model := NewPathCostModel(rand.New(rand.NewPCG(cfg.Seed, 1<<32)), train.X.Dim(1), train.Rows*train.Cols, cfg.Hidden)
		run, err := trainPaths(method, model, train, test, cfg, rnd)
		if err != nil {
			return nil, err
		}
		runs = append(runs, run)
	}
	return runs, nil
}

func trainPaths(method PathMethod, model *PathCostModel, train, test *PathData, cfg PathExperimentConfig, rnd *rand.Rand) (PathRun, error) {
	run := PathRun{Name: method.Name()}
	run.Test = append(run.Test, EvaluatePaths(test, model.Forward(test.X)))
	opt := &optim.Adam[float64]{LR: cfg.LearningRate}
	params := model.Params()
	n := train.Len()
	var elapsed time.Duration
	for epoch := 1; epoch <= cfg.Epochs; epoch++ {
		start := time.Now()
		perm := rnd.Perm(n)
		total, batches := 0.0, 0
		for lo := 0; lo < n; lo += cfg.BatchSize {
			batch := train.Subset(perm[lo:min(lo+cfg.BatchSize, n)])
			for _, p := range params {
				p.ZeroGrad()
			}
			loss := method.Loss(rnd, batch, model.Forward(batch.X))
			total += loss.Item()
			batches++
			loss.Backward()
			if err := opt.Step(params); err != nil {
				return run, fmt.Errorf("paths: RunPathExperiment: %s, epoch %d: %w", method.Name(), epoch, err)
			}
		}
		elapsed += time.Since(start)
		avg := total / float64(batches)
		if avg != avg || avg > 1e300 || avg < -1e300 {
			return run, fmt.Errorf("paths: RunPathExperiment: %s, epoch %d: training loss %v", method.Name(), epoch, avg)
		}
		run.TrainLoss = append(run.TrainLoss, avg)
		run.Test = append(run.Test, EvaluatePaths(test, model.Forward(test.X)))
	}
	run.Seconds = elapsed.Seconds()
	return run, nil
}
