package paths

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/nn"
	"github.com/stochgrad/stochgrad/toolkit/solvers"
	"gonum.org/v1/gonum/floats"
)

// PathDataConfig configures the synthetic shortest-path data of the
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
type PathDataConfig struct {
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

func (c PathDataConfig) withDefaults() PathDataConfig {
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

// PathData is a set of shortest-path instances.
type PathData struct {
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
func (d *PathData) Len() int { return d.X.Dim(0) }

// Solver returns the shortest-path solver of the grid.
func (d *PathData) Solver() solvers.ShortestPath[float64] {
	return solvers.ShortestPath[float64]{Rows: d.Rows, Cols: d.Cols}
}

// Subset returns the instances idx as a new PathData.
func (d *PathData) Subset(idx []int) *PathData {
	return &PathData{
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

// GeneratePathData draws the hidden B, then the training and the test
// instances (features, then noise, instance by instance), from rnd.
func GeneratePathData(rnd *rand.Rand, cfg PathDataConfig) (train, test *PathData, err error) {
	cfg = cfg.withDefaults()
	if cfg.Rows < 1 || cfg.Cols < 1 || cfg.Features < 1 || cfg.Train < 1 || cfg.Test < 1 || cfg.Degree < 1 || !(cfg.NoiseHalfWidth >= 0 && cfg.NoiseHalfWidth < 1) {
		return nil, nil, fmt.Errorf("paths: GeneratePathData: invalid configuration %+v: want positive sizes and Degree, NoiseHalfWidth in [0, 1)", cfg)
	}
	v, p := cfg.Rows*cfg.Cols, cfg.Features
	b := make([]float64, v*p)
	for i := range b {
		if rnd.IntN(2) == 1 {
			b[i] = 1
		}
	}
	gen := func(n int) *PathData {
		d := &PathData{Rows: cfg.Rows, Cols: cfg.Cols, X: ad.Zeros[float64](n, p), Costs: ad.Zeros[float64](n, v),
			Paths: ad.Zeros[float64](n, v), Optimal: make([]float64, n)}
		scale := math.Pow(3.5, float64(cfg.Degree))
		sp := d.Solver()
		for i := range n {
			x := d.X.Data[i*p : (i+1)*p]
			for j := range x {
				x[j] = rnd.NormFloat64()
			}
			c := d.Costs.Data[i*v : (i+1)*v]
			for k := range c {
				s := 0.0
				for j, xj := range x {
					s += b[k*p+j] * xj
				}
				c[k] = (math.Pow(s/math.Sqrt(float64(p))+3, float64(cfg.Degree)) + 1) / scale
				c[k] *= 1 - cfg.NoiseHalfWidth + 2*cfg.NoiseHalfWidth*rnd.Float64()
			}
			z := d.Paths.Data[i*v : (i+1)*v]
			sp.Solve(z, c)
			d.Optimal[i] = floats.Dot(c, z)
		}
		return d
	}
	return gen(cfg.Train), gen(cfg.Test), nil
}

// PathCostModel predicts vertex costs from features: ĉ = softplus(f(x))
// with f a linear map x·W + b (hidden = 0), the model class of Elmachtoub
// and Grigas, or an MLP with one hidden ReLU layer. The softplus keeps the
// predicted costs positive: solvers.ShortestPath floors negative costs at
// zero, which would make the decision, the perturbed layers and SPO+ see a
// different problem from the linear one they assume (with a plain linear
// output SPO+ drifts to negative loss values on this data).
type PathCostModel struct {
	Net nn.Module[float64]
	fwd func(*ad.Tensor[float64]) *ad.Tensor[float64]
}

// NewPathCostModel returns a model from features p to v vertex costs with
// hidden units (0 for linear), initialised from rnd as nn does.
func NewPathCostModel(rnd *rand.Rand, features, vertices, hidden int) *PathCostModel {
	if hidden == 0 {
		l := nn.NewLinear[float64](rnd, features, vertices)
		return &PathCostModel{Net: l, fwd: l.Forward}
	}
	m := nn.NewMLP[float64](rnd, []int{features, hidden, vertices}, nil)
	return &PathCostModel{Net: m, fwd: m.Forward}
}

// Forward returns the predicted costs [N, V], all positive, for features
// x [N, p].
func (m *PathCostModel) Forward(x *ad.Tensor[float64]) *ad.Tensor[float64] {
	return ad.Softplus(m.fwd(x))
}

// Params returns the trainable tensors.
func (m *PathCostModel) Params() []*ad.Tensor[float64] { return m.Net.Params() }

// PathMetrics are decision-quality metrics of predicted costs on a data
// set.
type PathMetrics struct {
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

// EvaluatePaths returns the metrics of predicted costs pred [N, V] on d.
func EvaluatePaths(d *PathData, pred *ad.Tensor[float64]) PathMetrics {
	n, v := d.Len(), d.Rows*d.Cols
	if pred.Len() != n*v {
		panic(fmt.Sprintf("paths: EvaluatePaths: predictions of shape %v for %d instances of %d vertices", pred.Shape(), n, v))
	}
	z := make([]float64, n*v)
	solvers.Batch(d.Solver(), z, pred.Data, v)
	var m PathMetrics
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
