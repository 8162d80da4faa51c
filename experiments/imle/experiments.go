package imle

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/estimators"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
	"gonum.org/v1/gonum/stat"
)

// FidelityConfig configures the gradient-fidelity experiment of the
// AIMLE paper (torch-adaptive-imle cli/gradient-samples-cli.py): for each
// seed, draw a problem (θ, b), compute the exact gradient of E_{p_θ}[L]
// and the cosine similarity to it of every estimator's estimate from S
// samples. Zero values mean the defaults in brackets.
type FidelityConfig struct {
	// N and K give the problem size [10 and 5].
	N, K int
	// Seeds is the number of problems [64, the reference's; 8 in quick
	// mode].
	Seeds int
	// Samples lists the numbers of samples S [1, 10, 100, 1000; 1, 10, 100
	// in quick mode].
	Samples []int
	// WarmupSteps is the number of calls to a Stateful estimator (AIMLE)
	// at the same θ before the measured one [100].
	WarmupSteps int
	// Estimators are compared [DefaultEstimators(K)].
	Estimators []Estimator
	// Problems, when not nil, are the problems to measure on instead of
	// Seeds problems drawn with N and K: problem s plays the part of seed s.
	Problems []*Problem
	// Quick selects the quick defaults.
	Quick bool
}

// Fidelity is the result of RunFidelity.
type Fidelity struct {
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

func (c FidelityConfig) withDefaults() FidelityConfig {
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
		c.Estimators = DefaultEstimators(c.K)
	}
	return c
}

// RunFidelity runs the gradient-fidelity experiment. Seed s draws its
// problem from rand.NewPCG(s, 0) (unless Problems are given); every
// estimator at every S starts from rand.NewPCG(s, S), so estimators that
// draw alike see common random numbers.
func RunFidelity(cfg FidelityConfig) (*Fidelity, error) {
	if cfg.Problems != nil {
		cfg.Seeds = len(cfg.Problems)
		if cfg.Seeds == 0 {
			return nil, fmt.Errorf("imle: RunFidelity: no Problems")
		}
	}
	cfg = cfg.withDefaults()
	if cfg.Seeds < 1 || cfg.WarmupSteps < 0 {
		return nil, fmt.Errorf("imle: RunFidelity: Seeds = %d, WarmupSteps = %d; want Seeds ≥ 1, WarmupSteps ≥ 0", cfg.Seeds, cfg.WarmupSteps)
	}
	for _, s := range cfg.Samples {
		if s < 1 {
			return nil, fmt.Errorf("imle: RunFidelity: %d samples; want ≥ 1", s)
		}
	}
	res := &Fidelity{Samples: cfg.Samples}
	ne, ns := len(cfg.Estimators), len(cfg.Samples)
	res.Cosine = make([][][]float64, ne)
	for e, est := range cfg.Estimators {
		if est.New == nil {
			return nil, fmt.Errorf("imle: RunFidelity: estimator %q has a nil New", est.Name)
		}
		res.Names = append(res.Names, est.Name)
		res.Cosine[e] = make([][]float64, ns)
		for i := range ns {
			res.Cosine[e][i] = make([]float64, cfg.Seeds)
		}
	}
	for seed := range cfg.Seeds {
		var p *Problem
		if cfg.Problems != nil {
			p = cfg.Problems[seed]
		} else {
			var err error
			if p, err = NewProblem(rand.New(rand.NewPCG(uint64(seed), 0)), cfg.N, cfg.K); err != nil {
				return nil, err
			}
		}
		truth := p.Gradient(p.Theta)
		for i, s := range cfg.Samples {
			for e, est := range cfg.Estimators {
				rnd := rand.New(rand.NewPCG(uint64(seed), uint64(s)))
				g := est.New(s)
				if est.Stateful {
					for range cfg.WarmupSteps {
						p.Estimate(rnd, g, p.Theta)
					}
				}
				res.Cosine[e][i][seed] = CosineSimilarity(p.Estimate(rnd, g, p.Theta), truth)
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

// Run is one estimator in the optimisation experiment with its
// learning rate.
type Run struct {
	Estimator Estimator
	// LearningRate of SGD with momentum.
	LearningRate float64
	// Steps overrides OptimisationConfig.Steps when positive (the
	// reference runs the score function for 10 times as many steps).
	Steps int
}

// OptimisationConfig configures the optimisation experiment of the
// I-MLE paper (torch-adaptive-imle cli/synth-cli.py toy_exp_v2): minimise
// E_{p_θ}[‖z − b‖²] over θ by SGD with momentum from θ₀, one sample per
// step, and record the exact optimality gap E_{p_θ}[L] − min_z L(z) before
// every step. Zero values mean the defaults in brackets.
type OptimisationConfig struct {
	// N and K give the problem size [10 and 5].
	N, K int
	// Seed draws the one problem (θ₀, b) from rand.NewPCG(Seed, 0) [0].
	Seed uint64
	// Problem, when not nil, is the problem instead of the one Seed draws.
	Problem *Problem
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
	// [DefaultRuns()].
	Runs []Run
	// Quick selects the quick defaults.
	Quick bool
}

// Optimisation is the result of RunOptimisation.
type Optimisation struct {
	Names []string
	// MinLoss is min_z L(z).
	MinLoss float64
	// Gap[r][t] is the mean over repeats of E_{p_θt}[L] − MinLoss for run
	// r before step t; GapStd its standard deviation. The last entry is
	// after the last step.
	Gap, GapStd [][]float64
}

// DefaultRuns returns the estimators of the optimisation experiment:
// the score function (for 1000 steps, as the reference), straight-through,
// Gumbel-softmax (τ = 0.5), I-MLE (forward, λ = 1) and AIMLE (central),
// with Sum-of-Gamma noise (K = 5, 10 iterations) for the perturb-and-MAP
// ones. The learning rates are the best of a grid search over {0.001,
// 0.002, 0.005, …, 1, 2, 5} with TuneLearningRate (final gap after
// 100 steps, 20 repeats, the 5-of-10 problem of seed 0): final gaps 0.32,
// 0.44, 0.38, 0.28 and 0.43.
func DefaultRuns() []Run {
	return defaultRuns(5)
}

func defaultRuns(k int) []Run {
	sog := sumOfGammaNoise(k)
	return []Run{
		{Estimator: ScoreFunction(nil), LearningRate: 0.005, Steps: 1000},
		{Estimator: Estimator{Name: "STE", New: func(s int) estimators.Estimator[float64] { return StraightThrough{K: k, Noise: sog, Samples: s} }}, LearningRate: 2},
		{Estimator: Estimator{Name: "Gumbel-softmax", New: func(s int) estimators.Estimator[float64] { return GumbelSoftmax{K: k, Samples: s} }}, LearningRate: 0.05},
		{Estimator: IMLE(k, 1, estimators.Forward, sog), LearningRate: 0.5},
		{Estimator: AIMLE(k, referenceTarget, estimators.Central, sog), LearningRate: 2},
	}
}

func (c OptimisationConfig) withDefaults() OptimisationConfig {
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
		c.Runs = defaultRuns(c.K)
	}
	return c
}

// RunOptimisation runs the optimisation experiment. Repeat r of run
// i draws from rand.NewPCG(r, i).
func RunOptimisation(cfg OptimisationConfig) (*Optimisation, error) {
	cfg = cfg.withDefaults()
	if cfg.Steps < 1 || cfg.Repeats < 1 || cfg.Samples < 1 || cfg.Momentum >= 1 {
		return nil, fmt.Errorf("imle: RunOptimisation: Steps = %d, Repeats = %d, Samples = %d, Momentum = %v; want positive counts and Momentum < 1",
			cfg.Steps, cfg.Repeats, cfg.Samples, cfg.Momentum)
	}
	p := cfg.Problem
	if p == nil {
		var err error
		if p, err = NewProblem(rand.New(rand.NewPCG(cfg.Seed, 0)), cfg.N, cfg.K); err != nil {
			return nil, err
		}
	}
	res := &Optimisation{MinLoss: p.MinLoss()}
	for i, run := range cfg.Runs {
		if !(run.LearningRate > 0) || run.Estimator.New == nil {
			return nil, fmt.Errorf("imle: RunOptimisation: %s has learning rate %v (want > 0) or a nil New", run.Estimator.Name, run.LearningRate)
		}
		steps := cfg.Steps
		if run.Steps > 0 {
			steps = run.Steps
		}
		curves := make([][]float64, cfg.Repeats)
		for r := range cfg.Repeats {
			curves[r] = descent(p, run, steps, cfg.Momentum, cfg.Samples, rand.New(rand.NewPCG(uint64(r), uint64(i))))
		}
		mean, std := make([]float64, steps+1), make([]float64, steps+1)
		col := make([]float64, cfg.Repeats)
		for t := range mean {
			for r := range curves {
				col[r] = curves[r][t] - res.MinLoss
			}
			mean[t], std[t] = stat.PopMeanStdDev(col, nil)
		}
		res.Names = append(res.Names, run.Estimator.Name)
		res.Gap, res.GapStd = append(res.Gap, mean), append(res.GapStd, std)
	}
	return res, nil
}

// descent runs SGD with momentum (PyTorch's convention) from θ₀ and
// returns the exact expected loss before every step and after the last.
func descent(p *Problem, run Run, steps int, momentum float64, samples int, rnd *rand.Rand) []float64 {
	est := run.Estimator.New(samples)
	theta := append([]float64(nil), p.Theta...)
	buf := make([]float64, p.N)
	out := make([]float64, 0, steps+1)
	for t := range steps {
		out = append(out, p.ExpectedLoss(theta))
		g := p.Estimate(rnd, est, theta)
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

// TuneLearningRate returns, among grid, the learning rate with the
// smallest mean final gap of run's estimator in the optimisation experiment
// cfg (cfg.Runs is ignored), and the gaps.
func TuneLearningRate(cfg OptimisationConfig, run Run, grid []float64) (best float64, gaps []float64, err error) {
	bestGap := math.Inf(1)
	for _, lr := range grid {
		c := cfg
		r := run
		r.LearningRate = lr
		c.Runs = []Run{r}
		res, err := RunOptimisation(c)
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
