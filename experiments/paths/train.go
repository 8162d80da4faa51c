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

// Method is a way to train a cost model through the shortest-path solver:
// a named estimators.Loss of the predicted costs ĉ [B, V] and the batch's
// labels, whose gradient reaches the model. The training loss is its
// mean over the batch.
type Method struct {
	// Name labels the method in results and says its settings, so that a
	// Config encodes as JSON (for toolkit.Cached) with what New builds.
	Name string
	// New returns the loss on grids of rows × cols vertices.
	New func(rows, cols int) estimators.Loss[float64] `json:"-"`
	// Costs says whether the loss learns from the true costs (SPO+) rather
	// than from the labelled paths.
	Costs bool
}

// FenchelYoung learns from the labelled paths with the Fenchel-Young loss
// of a perturbed shortest path (Berthet et al. 2020; the InferOpt
// tutorial): estimators.PerturbedAdditive over
// solvers.Negate(ShortestPath) on the scores θ = −ĉ, so that the layer
// maximises ⟨θ, z⟩. Zero ε means 0.5, zero samples 5 (the InferOpt
// tutorial's). Its name is "PerturbedAdditive+FY (ε=…, S=…)".
func FenchelYoung(epsilon float64, samples int) Method {
	if epsilon == 0 {
		epsilon = 0.5
	}
	if samples == 0 {
		samples = 5
	}
	return Method{Name: fmt.Sprintf("PerturbedAdditive+FY (ε=%g, S=%d)", epsilon, samples), New: func(rows, cols int) estimators.Loss[float64] {
		sp := solvers.ShortestPath[float64]{Rows: rows, Cols: cols}
		layer := estimators.PerturbedAdditive[float64]{Solver: solvers.Negate[float64](sp), Epsilon: epsilon, Samples: samples}
		return negated{estimators.FenchelYoungLoss[float64]{Layer: layer}}
	}}
}

// negated is a Loss of the scores −θ.
type negated struct{ inner estimators.Loss[float64] }

func (n negated) Loss(rnd *rand.Rand, theta, y *ad.Tensor[float64]) *ad.Tensor[float64] {
	return n.inner.Loss(rnd, ad.Neg(theta), y)
}

// IMLE learns from the labelled paths with I-MLE (the Warcraft experiment
// of Niepert et al. 2021): perturb-and-MAP paths z from the predicted
// costs (solvers.ShortestPath as a minimiser), the Hamming loss
// Σ_v z_v(1 − y_v) + (1 − z_v)y_v against the label y, averaged over the
// samples, and the I-MLE gradient with target θ' = ĉ + λ·dy. Zero λ means
// 10, zero temperature 0.5, zero samples 1; the noise is Sum-of-Gamma with
// K = Rows + Cols − 1 and 10 iterations. Its name is "I-MLE (λ=…, τ=…)"
// with the number of samples and the difference when not the defaults.
func IMLE(lambda, temperature float64, samples int, d estimators.Difference) Method {
	if lambda == 0 {
		lambda = 10
	}
	if temperature == 0 {
		temperature = 0.5
	}
	name := fmt.Sprintf("I-MLE (λ=%g, τ=%g", lambda, temperature)
	if samples > 1 {
		name += fmt.Sprintf(", S=%d", samples)
	}
	if d != estimators.Forward {
		name += fmt.Sprintf(", %v", d)
	}
	return Method{Name: name + ")", New: func(rows, cols int) estimators.Loss[float64] {
		return Hamming{estimators.IMLE[float64]{Solver: solvers.ShortestPath[float64]{Rows: rows, Cols: cols}, Minimize: true,
			Noise: distributions.SumOfGamma[float64]{K: rows + cols - 1, Iterations: 10}, Temperature: temperature,
			Target: estimators.PerturbationTarget[float64]{Alpha: 1, Lambda: lambda}, Samples: samples, Difference: d}}
	}}
}

// Hamming is the Hamming loss of a layer's samples z against 0/1 labels
// y, per instance and averaged over the samples: z(1 − y) + (1 − z)y
// summed over the vertices.
type Hamming struct{ Layer estimators.Layer[float64] }

// Loss returns the losses of the B instances of theta [B, V] against y
// [B, V], shape [B].
func (h Hamming) Loss(rnd *rand.Rand, theta, y *ad.Tensor[float64]) *ad.Tensor[float64] {
	z := h.Layer.Apply(rnd, theta) // [B, S, V]
	b, s, v := z.Dim(0), z.Dim(1), z.Dim(2)
	yb := ad.Reshape(y, b, 1, v)
	// Hamming: z(1 − y) + (1 − z)y = z + y − 2zy for 0/1 vectors.
	ham := ad.Sub(ad.Add(z, yb), ad.MulScalar(ad.Mul(z, yb), 2))
	return ad.MulScalar(ad.Sum(ham, 1, 2), 1/float64(s))
}

// SPOPlus learns from the true costs with the SPO+ loss (Elmachtoub and
// Grigas 2022): estimators.SPOPlusLoss with ShortestPath as a minimiser.
// Its name is "SPO+".
func SPOPlus() Method {
	return Method{Name: "SPO+", Costs: true, New: func(rows, cols int) estimators.Loss[float64] {
		return estimators.SPOPlusLoss[float64]{Solver: solvers.ShortestPath[float64]{Rows: rows, Cols: cols}, Minimize: true}
	}}
}

// DefaultMethods returns FenchelYoung, IMLE and SPOPlus with their default
// settings.
func DefaultMethods() []Method {
	return []Method{FenchelYoung(0, 0), IMLE(0, 0, 0, estimators.Forward), SPOPlus()}
}

// batchLoss returns the mean training loss of the method on the batch.
func batchLoss(l estimators.Loss[float64], m Method, rnd *rand.Rand, batch *Data, pred *ad.Tensor[float64]) *ad.Tensor[float64] {
	y := batch.Paths
	if m.Costs {
		y = batch.Costs
	}
	return ad.Mean(l.Loss(rnd, pred, y))
}

// Config configures RunExperiment. Zero values mean the
// defaults in brackets.
type Config struct {
	// Data configures the data set (its Quick follows Quick).
	Data DataConfig
	// Hidden units of the cost model [0: linear].
	Hidden int
	// Epochs of training [30; 10 quick].
	Epochs int
	// BatchSize [32].
	BatchSize int
	// LearningRate of Adam [0.01].
	LearningRate float64
	// Methods to train [DefaultMethods()].
	Methods []Method
	// Seed of the data (rand.NewPCG(Seed, 0)) and of each method's model
	// initialisation and noise (rand.NewPCG(Seed, 1 + i)) [0].
	Seed uint64
	// Quick selects the quick defaults.
	Quick bool
}

// Run is the learning curve of one method.
type Run struct {
	Name string
	// TrainLoss[e] is the mean training loss during epoch e+1.
	TrainLoss []float64
	// Test[e] holds the test metrics after e epochs (Test[0] before
	// training).
	Test []Metrics
	// Seconds of training, evaluation excluded.
	Seconds float64
}

func (c Config) withDefaults() Config {
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
		c.Methods = DefaultMethods()
	}
	return c
}

// RunExperiment generates the data and trains one cost model per
// method with Adam, recording the test metrics after every epoch. The models
// of all methods start from the same initial weights. It returns an error
// naming the method and epoch if a loss or gradient becomes NaN or
// infinite.
func RunExperiment(cfg Config) ([]Run, error) {
	cfg = cfg.withDefaults()
	if cfg.Epochs < 1 || cfg.BatchSize < 1 || !(cfg.LearningRate > 0) || cfg.Hidden < 0 {
		return nil, fmt.Errorf("paths: RunExperiment: Epochs = %d, BatchSize = %d, LearningRate = %v, Hidden = %d; want positive values",
			cfg.Epochs, cfg.BatchSize, cfg.LearningRate, cfg.Hidden)
	}
	train, test, err := GenerateData(rand.New(rand.NewPCG(cfg.Seed, 0)), cfg.Data)
	if err != nil {
		return nil, err
	}
	var runs []Run
	for i, method := range cfg.Methods {
		rnd := rand.New(rand.NewPCG(cfg.Seed, uint64(1+i)))
		model := NewCostModel(rand.New(rand.NewPCG(cfg.Seed, 1<<32)), train.X.Dim(1), train.Rows*train.Cols, cfg.Hidden)
		run, err := fit(method, model, train, test, cfg, rnd)
		if err != nil {
			return nil, err
		}
		runs = append(runs, run)
	}
	return runs, nil
}

func fit(method Method, model *CostModel, train, test *Data, cfg Config, rnd *rand.Rand) (Run, error) {
	if method.New == nil {
		return Run{}, fmt.Errorf("paths: RunExperiment: method %q has a nil New", method.Name)
	}
	run := Run{Name: method.Name}
	l := method.New(train.Rows, train.Cols)
	run.Test = append(run.Test, Evaluate(test, model.Forward(test.X)))
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
			loss := batchLoss(l, method, rnd, batch, model.Forward(batch.X))
			total += loss.Item()
			batches++
			loss.Backward()
			if err := opt.Step(params); err != nil {
				return run, fmt.Errorf("paths: RunExperiment: %s, epoch %d: %w", method.Name, epoch, err)
			}
		}
		elapsed += time.Since(start)
		avg := total / float64(batches)
		if avg != avg || avg > 1e300 || avg < -1e300 {
			return run, fmt.Errorf("paths: RunExperiment: %s, epoch %d: training loss %v", method.Name, epoch, avg)
		}
		run.TrainLoss = append(run.TrainLoss, avg)
		run.Test = append(run.Test, Evaluate(test, model.Forward(test.X)))
	}
	run.Seconds = elapsed.Seconds()
	return run, nil
}
