package imle

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/estimators"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
	"gonum.org/v1/gonum/stat"
)

// SubsetFidelityConfig configures the gradient-fidelity experiment of the
// AIMLE paper (torch-adaptive-imle cli/gradient-samples-cli.py): for each
// seed, draw a problem (θ, b), compute the exact gradient of E_{p_θ}[L]
// and the cosine similarity to it of every estimator's estimate from S
// samples. Zero values mean the defaults in brackets.
type SubsetFidelityConfig struct {
	// N and K give the problem size [10 and 5].
	N, K int
	// Seeds is the number of problems [64, the reference's; 8 in quick
	// mode].
	Seeds int
	// Samples lists the numbers of samples S [1, 10, 100, 1000; 1, 10, 100
	// in quick mode].
	Samples []int
	// WarmupSteps is the number of calls to a stateful estimator (a
	// Resetter, i.e. AIMLE) at the same θ before the measured one [100].
	WarmupSteps int
	// Estimators are compared [DefaultSubsetEstimators()].
	Estimators []SubsetEstimator
	// Quick selects the quick defaults.
	Quick bool
}

// SubsetFidelity is the result of RunSubsetFidelity.
type SubsetFidelity struct {
	// Names of the estimators, in the order of the other fields.
	Names []string
	// Samples lists the numbers of samples.
	Samples []int
	// Cosine[e][i][s] is the cosine similarity between estimator e's
	// estimate with Samples[i] samples and the exact gradient, for seed s.
	Cosine [][][]float64
	// Mean and Std are the mean and standard deviation over seeds,
	// [e][i].
	Mean, Std [][]float64
}

func (c SubsetFidelityConfig) withDefaults() SubsetFidelityConfig {
	if c.N == 0 {
		c.N = 10
	}
	if c.K == 0 {
		c.K = 5
	}
	if c.Seeds == 0 {
		c.Seeds = 64
		if c.Quick {
			c.Seeds = 8
		}
	}
	if c.Samples == nil {
		c.Samples = []int{1, 10, 100, 1000}
		if c.Quick {
			c.Samples = []int{1, 10, 100}
		}
	}
	if c.WarmupSteps == 0 {
		c.WarmupSteps = 100
	}
	if c.Estimators == nil {
		c.Estimators = DefaultSubsetEstimators()
	}
	return c
}

// RunSubsetFidelity runs the gradient-fidelity experiment. Seed s draws its
// problem from rand.NewPCG(s, 0); every estimator at every S starts from
// rand.NewPCG(s, S), so estimators that draw alike see common random
// numbers.
func RunSubsetFidelity(cfg SubsetFidelityConfig) (*SubsetFidelity, error) {
	cfg = cfg.withDefaults()
	if cfg.Seeds < 1 || cfg.WarmupSteps < 0 {
		return nil, fmt.Errorf("imle: RunSubsetFidelity: Seeds = %d, WarmupSteps = %d; want Seeds ≥ 1, WarmupSteps ≥ 0", cfg.Seeds, cfg.WarmupSteps)
	}
	for _, s := range cfg.Samples {
		if s < 1 {
			return nil, fmt.Errorf("imle: RunSubsetFidelity: %d samples; want ≥ 1", s)
		}
	}
	res := &SubsetFidelity{Samples: cfg.Samples}
	ne, ns := len(cfg.Estimators), len(cfg.Samples)
	res.Cosine = make([][][]float64, ne)
	for e, est := range cfg.Estimators {
		res.Names = append(res.Names, est.Name())
		res.Cosine[e] = make([][]float64, ns)
		for i := range ns {
			res.Cosine[e][i] = make([]float64, cfg.Seeds)
		}
	}
	for seed := range cfg.Seeds {
		p, err := NewSubsetProblem(rand.New(rand.NewPCG(uint64(seed), 0)), cfg.N, cfg.K)
		if err != nil {
			return nil, err
		}
		truth := p.Gradient(p.Theta)
		for i, s := range cfg.Samples {
			for e, est := range cfg.Estimators {
				rnd := rand.New(rand.NewPCG(uint64(seed), uint64(s)))
				if r, ok := est.(Resetter); ok {
					r.Reset()
					for range cfg.WarmupSteps {
						est.Gradient(rnd, p, p.Theta, s)
					}
				}
				res.Cosine[e][i][seed] = CosineSimilarity(est.Gradient(rnd, p, p.Theta, s), truth)
			}
		}
	}
	res.Mean, res.Std = make([][]float64, ne), make([][]float64, ne)
	for e := range ne {
		res.Mean[e], res.Std[e] = make([]float64, ns), make([]float64, ns)
		for i := range ns {
			res.Mean[e][i], res.Std[e][i] = stat.PopMeanStdDev(res.Cosine[e][i], nil)
		}
	}
	return res, nil
}

// SubsetRun is one estimator in the optimisation experiment with its
// learning rate.
type SubsetRun struct {
	Estimator SubsetEstimator
	// LearningRate of SGD with momentum.
	LearningRate float64
	// Steps overrides SubsetOptimisationConfig.Steps when positive (the
	// reference runs the score function for 10 times as many steps).
	Steps int
}

// SubsetOptimisationConfig configures the optimisation experiment of the
// I-MLE paper (torch-adaptive-imle cli/synth-cli.py toy_exp_v2): minimise
// E_{p_θ}[‖z − b‖²] over θ by SGD with momentum from θ₀, one sample per
// step, and record the exact optimality gap E_{p_θ}[L] − min_z L(z) before
// every step. Zero values mean the defaults in brackets.
type SubsetOptimisationConfig struct {
	// N and K give the problem size [10 and 5].
	N, K int
	// Seed draws the one problem (θ₀, b) from rand.NewPCG(Seed, 0) [0].
	Seed uint64
	// Steps is the number of SGD steps [100].
	Steps int
	// Repeats is the number of independent runs per estimator [100, the
	// reference's; 10 in quick mode].
	Repeats int
	// Momentum of SGD [0.9]; set a negative value for none.
	Momentum float64
	// Samples per step [1].
	Samples int
	// Runs are the estimators with their learning rates
	// [DefaultSubsetRuns()].
	Runs []SubsetRun
	// Quick selects the quick defaults.
	Quick bool
}

// SubsetOptimisation is the result of RunSubsetOptimisation.
type SubsetOptimisation struct {
	Names []string
	// MinLoss is min_z L(z).
	MinLoss float64
	// Gap[r][t] is the mean over repeats of E_{p_θt}[L] − MinLoss for run
	// r before step t; GapStd its standard deviation. The last entry is
	// after the last step.
	Gap, GapStd [][]float64
}

// DefaultSubsetRuns returns the estimators of the optimisation experiment:
// the score function (for 1000 steps, as the reference), straight-through,
// Gumbel-softmax (τ = 0.5), I-MLE (forward, λ = 1) and AIMLE (central),
// with Sum-of-Gamma noise (K = 5, 10 iterations) for the perturb-and-MAP
// ones. The learning rates are the best of a grid search over {0.001,
// 0.002, 0.005, …, 1, 2, 5} with SubsetTuneLearningRate (final gap after
// 100 steps, 20 repeats, the 5-of-10 problem of seed 0): final gaps 0.32,
// 0.44, 0.38, 0.28 and 0.43.
func DefaultSubsetRuns() []SubsetRun {
	return defaultSubsetRuns(5)
}

func defaultSubsetRuns(k int) []SubsetRun {
	sog := sumOfGammaNoise(k)
	return []SubsetRun{
		{Estimator: SubsetScoreFunction{}, LearningRate: 0.005, Steps: 1000},
		{Estimator: SubsetStraightThrough{Noise: sog}, LearningRate: 2},
		{Estimator: SubsetGumbelSoftmax{}, LearningRate: 0.05},
		{Estimator: SubsetIMLE{Lambda: 1, Noise: sog}, LearningRate: 0.5},
		{Estimator: &SubsetAIMLE{Difference: estimators.Central, Noise: sog}, LearningRate: 2},
	}
}

func (c SubsetOptimisationConfig) withDefaults() SubsetOptimisationConfig {
	if c.N == 0 {
		c.N = 10
	}
	if c.K == 0 {
		c.K = 5
	}
	if c.Steps == 0 {
		c.Steps = 100
	}
	if c.Repeats == 0 {
		c.Repeats = 100
		if c.Quick {
			c.Repeats = 10
		}
	}
	switch {
	case c.Momentum == 0:
		c.Momentum = 0.9
	case c.Momentum < 0:
		c.Momentum = 0
	}
	if c.Samples == 0 {
		c.Samples = 1
	}
	if c.Runs == nil {
		c.Runs = defaultSubsetRuns(c.K)
	}
	return c
}

// RunSubsetOptimisation runs the optimisation experiment. Repeat r of run
// i draws from rand.NewPCG(r, i).
func RunSubsetOptimisation(cfg SubsetOptimisationConfig) (*SubsetOptimisation, error) {
	cfg = cfg.withDefaults()
	if cfg.Steps < 1 || cfg.Repeats < 1 || cfg.Samples < 1 || cfg.Momentum >= 1 {
		return nil, fmt.Errorf("imle: RunSubsetOptimisation: Steps = %d, Repeats = %d, Samples = %d, Momentum = %v; want positive counts and Momentum < 1",
			cfg.Steps, cfg.Repeats, cfg.Samples, cfg.Momentum)
	}
	p, err := NewSubsetProblem(rand.New(rand.NewPCG(cfg.Seed, 0)), cfg.N, cfg.K)
	if err != nil {
		return nil, err
	}
	res := &SubsetOptimisation{MinLoss: p.MinLoss()}
	for i, run := range cfg.Runs {
		if !(run.LearningRate > 0) {
			return nil, fmt.Errorf("imle: RunSubsetOptimisation: %s has learning rate %v; want > 0", run.Estimator.Name(), run.LearningRate)
		}
		steps := cfg.Steps
		if run.Steps > 0 {
			steps = run.Steps
		}
		curves := make([][]float64, cfg.Repeats)
		for r := range cfg.Repeats {
			curves[r] = subsetDescent(p, run, steps, cfg.Momentum, cfg.Samples, rand.New(rand.NewPCG(uint64(r), uint64(i))))
		}
		mean, std := make([]float64, steps+1), make([]float64, steps+1)
		col := make([]float64, cfg.Repeats)
		for t := range mean {
			for r := range curves {
				col[r] = curves[r][t] - res.MinLoss
			}
			mean[t], std[t] = stat.PopMeanStdDev(col, nil)
		}
		res.Names = append(res.Names, run.Estimator.Name())
		res.Gap, res.GapStd = append(res.Gap, mean), append(res.GapStd, std)
	}
	return res, nil
}

// subsetDescent runs SGD with momentum (PyTorch's convention) from θ₀ and
// returns the exact expected loss before every step and after the last.
func subsetDescent(p *SubsetProblem, run SubsetRun, steps int, momentum float64, samples int, rnd *rand.Rand) []float64 {
	if r, ok := run.Estimator.(Resetter); ok {
		r.Reset()
	}
	theta := append([]float64(nil), p.Theta...)
	buf := make([]float64, p.N)
	out := make([]float64, 0, steps+1)
	for t := range steps {
		out = append(out, p.ExpectedLoss(theta))
		g := run.Estimator.Gradient(rnd, p, theta, samples)
		for j := range theta {
			if t == 0 {
				buf[j] = g[j]
			} else {
				buf[j] = momentum*buf[j] + g[j]
			}
			theta[j] -= run.LearningRate * buf[j]
		}
	}
	return append(out, p.ExpectedLoss(theta))
}

// SubsetTuneLearningRate returns, among grid, the learning rate with the
// smallest mean final gap of run's estimator in the optimisation experiment
// cfg (cfg.Runs is ignored), and the gaps.
func SubsetTuneLearningRate(cfg SubsetOptimisationConfig, run SubsetRun, grid []float64) (best float64, gaps []float64, err error) {
	bestGap := math.Inf(1)
	for _, lr := range grid {
		c := cfg
		r := run
		r.LearningRate = lr
		c.Runs = []SubsetRun{r}
		res, err := RunSubsetOptimisation(c)
		if err != nil {
			return 0, nil, err
		}
		g := res.Gap[0][len(res.Gap[0])-1]
		gaps = append(gaps, g)
		if g < bestGap {
			best, bestGap = lr, g
		}
	}
	return best, gaps, nil
}

// sumOfGammaNoise is the I-MLE paper's noise for k-subsets.
func sumOfGammaNoise(k int) distributions.Noise[float64] {
	return distributions.SumOfGamma[float64]{K: k, Iterations: 10}
}
