package paths

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/stochgrad/stochgrad/datasets"
	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/nn"
	"github.com/stochgrad/stochgrad/toolkit/solvers"
	"gonum.org/v1/gonum/floats"
)

// DataConfig configures the synthetic shortest-path data of the
// predict-then-optimise literature (Elmachtoub and Grigas 2022; PyEPO's
// shortestpath.genData), on the vertex-cost grids of solvers.ShortestPath:
// a hidden 0/1 matrix B (V×p, entries Bernoulli(½)) maps features
// x ~ N(0, I_p) to vertex costs
//
//	c_v = (((B x)_v/√p + 3)^Degree + 1) / 3.5^Degree · u_v,
//	u_v ~ U[1 − NoiseHalfWidth, 1 + NoiseHalfWidth],
//
// and the label of an instance is its cheapest top-left to bottom-right
// path. Degree > 1 makes a linear cost model misspecified. Zero values mean
// the defaults in brackets.
type DataConfig struct {
	// Rows and Cols of the grid [5 and 5].
	Rows, Cols int
	// Features p per instance [5].
	Features int
	// Train and Test instances [1000 and 1000; 200 and 200 quick].
	Train, Test int
	// Degree of the cost polynomial [4].
	Degree int
	// NoiseHalfWidth of the multiplicative noise, in [0, 1) [0.5].
	NoiseHalfWidth float64
	// Quick selects the quick defaults.
	Quick bool
}

func (c DataConfig) withDefaults() DataConfig {
	if c.Rows == 0 {
		c.Rows = 5
	}
	if c.Cols == 0 {
		c.Cols = 5
	}
	if c.Features == 0 {
		c.Features = 5
	}
	if c.Train == 0 {
		c.Train = 1000
		if c.Quick {
			c.Train = 200
		}
	}
	if c.Test == 0 {
		c.Test = 1000
		if c.Quick {
			c.Test = 200
		}
	}
	if c.Degree == 0 {
		c.Degree = 4
	}
	if c.NoiseHalfWidth == 0 {
		c.NoiseHalfWidth = 0.5
	}
	return c
}

// Data is a set of shortest-path instances.
type Data struct {
	// Rows and Cols of the grid.
	Rows, Cols int
	// X holds the features, [N, p].
	X *ad.Tensor[float64]
	// Costs holds the true vertex costs, [N, Rows·Cols].
	Costs *ad.Tensor[float64]
	// Paths holds the 0/1 indicators of the optimal paths, [N, Rows·Cols].
	Paths *ad.Tensor[float64]
	// Optimal holds the optimal path costs, [N].
	Optimal []float64
}

// Len returns the number of instances.
func (d *Data) Len() int { return d.X.Dim(0) }

// Solver returns the shortest-path solver of the grid.
func (d *Data) Solver() solvers.ShortestPath[float64] {
	return solvers.ShortestPath[float64]{Rows: d.Rows, Cols: d.Cols}
}

// Subset returns the instances idx as a new Data.
func (d *Data) Subset(idx []int) *Data {
	return &Data{
		Rows: d.Rows, Cols: d.Cols,
		X:       ad.IndexSelect(d.X, 0, idx),
		Costs:   ad.IndexSelect(d.Costs, 0, idx),
		Paths:   ad.IndexSelect(d.Paths, 0, idx),
		Optimal: pick(d.Optimal, idx),
	}
}

func pick(x []float64, idx []int) []float64 {
	out := make([]float64, len(idx))
	for i, j := range idx {
		out[i] = x[j]
	}
	return out
}

// GenerateData draws the data set with datasets.GridShortestPaths, in
// PyEPO's order (the hidden B, then the features of every instance, then
// the noise of every instance), and labels each instance with its
// shortest path: the first Train instances are the training set, the
// next Test the test set.
func GenerateData(rnd *rand.Rand, cfg DataConfig) (train, test *Data, err error) {
	cfg = cfg.withDefaults()
	if cfg.Train < 1 || cfg.Test < 1 || cfg.Degree < 1 || cfg.Rows < 1 || cfg.Cols < 1 || cfg.Features < 1 {
		return nil, nil, fmt.Errorf("paths: GenerateData: invalid configuration %+v: want positive sizes and Degree", cfg)
	}
	g := datasets.GridShortestPaths{Rows: cfg.Rows, Cols: cfg.Cols, Features: cfg.Features, Degree: cfg.Degree, NoiseHalfWidth: cfg.NoiseHalfWidth}
	sp, err := g.Generate(cfg.Train+cfg.Test, rnd)
	if err != nil {
		return nil, nil, fmt.Errorf("paths: GenerateData: %w", err)
	}
	v, p := cfg.Rows*cfg.Cols, cfg.Features
	part := func(lo, hi int) *Data {
		n := hi - lo
		d := &Data{Rows: cfg.Rows, Cols: cfg.Cols, X: ad.New(slices.Clone(sp.X[lo*p:hi*p]), n, p),
			Costs: ad.New(slices.Clone(sp.Costs[lo*v:hi*v]), n, v), Paths: ad.Zeros[float64](n, v), Optimal: make([]float64, n)}
		solver := d.Solver()
		for i := range n {
			c, z := d.Costs.Data[i*v:(i+1)*v], d.Paths.Data[i*v:(i+1)*v]
			solver.Solve(z, c)
			d.Optimal[i] = floats.Dot(c, z)
		}
		return d
	}
	return part(0, cfg.Train), part(cfg.Train, cfg.Train+cfg.Test), nil
}

// CostModel predicts vertex costs from features: ĉ = softplus(f(x))
// with f a linear map x·W + b (hidden = 0), the model class of Elmachtoub
// and Grigas, or an MLP with one hidden ReLU layer. The softplus keeps the
// predicted costs positive: solvers.ShortestPath floors negative costs at
// zero, which would make the decision, the perturbed layers and SPO+ see a
// different problem from the linear one they assume (with a plain linear
// output SPO+ drifts to negative loss values on this data).
type CostModel struct {
	Net nn.Module[float64]
	fwd func(*ad.Tensor[float64]) *ad.Tensor[float64]
}

// NewCostModel returns a model from features p to v vertex costs with
// hidden units (0 for linear), initialised from rnd as nn does.
func NewCostModel(rnd *rand.Rand, features, vertices, hidden int) *CostModel {
	if hidden == 0 {
		l := nn.NewLinear[float64](rnd, features, vertices)
		return &CostModel{Net: l, fwd: l.Forward}
	}
	m := nn.NewMLP[float64](rnd, []int{features, hidden, vertices}, nil)
	return &CostModel{Net: m, fwd: m.Forward}
}

// Forward returns the predicted costs [N, V], all positive, for features
// x [N, p].
func (m *CostModel) Forward(x *ad.Tensor[float64]) *ad.Tensor[float64] {
	return ad.Softplus(m.fwd(x))
}

// Params returns the trainable tensors.
func (m *CostModel) Params() []*ad.Tensor[float64] { return m.Net.Params() }

// Metrics are decision-quality metrics of predicted costs on a data
// set.
type Metrics struct {
	// Regret is the normalised regret Σ_i (c_iᵀẑ_i − c_iᵀz*_i) / Σ_i c_iᵀz*_i,
	// ẑ_i the shortest path under the predicted costs (PyEPO's definition).
	Regret float64
	// Accuracy is the fraction of instances whose predicted path is optimal
	// under the true costs (ties count as optimal).
	Accuracy float64
	// Hamming is the mean fraction of vertices on which ẑ_i and the
	// labelled path differ (InferOpt's normalised Hamming distance).
	Hamming float64
}

// Evaluate returns the metrics of predicted costs pred [N, V] on d.
func Evaluate(d *Data, pred *ad.Tensor[float64]) Metrics {
	n, v := d.Len(), d.Rows*d.Cols
	if pred.Len() != n*v {
		panic(fmt.Sprintf("paths: Evaluate: predictions of shape %v for %d instances of %d vertices", pred.Shape(), n, v))
	}
	z := make([]float64, n*v)
	solvers.Batch(d.Solver(), z, pred.Data, v)
	var m Metrics
	regret, opt := 0.0, 0.0
	for i := range n {
		c := d.Costs.Data[i*v : (i+1)*v]
		cost := floats.Dot(c, z[i*v:(i+1)*v])
		regret += cost - d.Optimal[i]
		opt += d.Optimal[i]
		if cost-d.Optimal[i] <= 1e-9*math.Abs(d.Optimal[i]) {
			m.Accuracy++
		}
		diff := 0
		for k := range v {
			if z[i*v+k] != d.Paths.Data[i*v+k] {
				diff++
			}
		}
		m.Hamming += float64(diff) / float64(v)
	}
	m.Regret = regret / opt
	m.Accuracy /= float64(n)
	m.Hamming /= float64(n)
	return m
}
