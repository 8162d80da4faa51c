// Package smcwake is the study of notebook 09: SMC-Wake (McNamara, Loper
// and Regier, AISTATS 2024) against reweighted wake-sleep and the ELBO, all
// fitting the same amortised encoder q(z | x) (a Gaussian, or a mixture of
// Gaussians on two moons), on the paper's problems: two moons (exact
// posterior on a grid), a high-dimensional Gaussian (closed-form
// posterior) and a binarised-MNIST latent-variable model (long-run SMC
// posterior); and the consistency of the SMC-Wake gradient estimators as
// the number of SMC runs grows.
package smcwake

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/stochgrad/stochgrad/datasets"
)

// GaussianConfig is the high-dimensional Gaussian: latent dimension D,
// observation dimension N, Points observations, noise Tau, and Moves
// random-walk steps per stage of its SMC (the reference: 100).
type GaussianConfig struct {
	D, N, Points, Moves int
	Tau                 float64
	Train               Training
}

// MoonsConfig is two moons: N training observations, SMC with Moves
// random-walk steps per stage, the first Eval observations scored on a
// Grid×Grid exact posterior.
type MoonsConfig struct {
	N, Moves, Eval, Grid int
	Train                Training
}

// MNISTConfig is the binarised-MNIST model: Images training images pooled
// by Pool (2 gives 14×14), a Latent-dimensional code, SMC with Moves
// random-walk steps per stage, the first Eval images scored against
// reference SMC posteriors of RefK particles.
type MNISTConfig struct {
	Images, Pool, Latent, Moves, Eval, RefK int
	Train                                   Training
}

// Config is one run of the whole study.
type Config struct {
	Gaussian    GaussianConfig
	Moons       MoonsConfig
	MNIST       MNISTConfig
	Consistency Consistency
	// NaiveK are the particle counts at which the naive estimator's bias
	// after one run is measured.
	NaiveK []int
	Seed   uint64
}

// Quick and Full are the notebook's settings. Full is closer to the
// paper's: its Gaussian (D = 25, n = 50, τ = 0.1, 10 points), two moons
// with K = 1000, MNIST at 28×28 with a 16-dimensional code; the paper's
// 50,000 steps at learning rate 10⁻⁴ are replaced by fewer steps at a
// larger rate.
var (
	Quick = Config{
		Gaussian: GaussianConfig{D: 10, N: 20, Points: 10, Moves: 20, Tau: 0.5,
			Train: Training{Steps: 1000, LR: 3e-3, Batch: 16, Particles: 100, Refresh: 10, Keep: 10, Samples: 10, Hidden: []int{64, 64}, EvalEvery: 100}},
		Moons: MoonsConfig{N: 32, Moves: 5, Eval: 4, Grid: 400,
			Train: Training{Steps: 1000, LR: 3e-3, Batch: 16, Particles: 300, Refresh: 10, Keep: 10, Samples: 10, Hidden: []int{64, 64}, Components: 8, EvalEvery: 100}},
		MNIST: MNISTConfig{Images: 40, Pool: 2, Latent: 4, Moves: 5, Eval: 8, RefK: 300,
			Train: Training{Steps: 400, LR: 3e-3, Batch: 16, Particles: 100, Refresh: 5, Keep: 10, Samples: 10, Hidden: []int{64}, EvalEvery: 50}},
		Consistency: Consistency{D: 5, N: 10, Tau: 0.5, K: 10, Moves: 2, Runs: []int{1, 4, 16, 64, 256}, Reps: 60, Shift: 0.5, Scale: 1.5, Seed: 1},
		NaiveK:      []int{10, 40, 160},
		Seed:        1,
	}
	Full = Config{
		Gaussian: GaussianConfig{D: 25, N: 50, Points: 10, Moves: 100, Tau: 0.1,
			Train: Training{Steps: 10000, LR: 1e-3, Batch: 32, Particles: 100, Refresh: 10, Keep: 10, Samples: 10, Hidden: []int{256, 256, 256}, EvalEvery: 500}},
		Moons: MoonsConfig{N: 256, Moves: 5, Eval: 16, Grid: 800,
			Train: Training{Steps: 10000, LR: 1e-3, Batch: 16, Particles: 1000, Refresh: 10, Keep: 10, Samples: 10, Hidden: []int{64, 64}, Components: 8, EvalEvery: 500}},
		MNIST: MNISTConfig{Images: 500, Pool: 1, Latent: 16, Moves: 5, Eval: 32, RefK: 1000,
			Train: Training{Steps: 5000, LR: 1e-3, Batch: 32, Particles: 100, Refresh: 5, Keep: 10, Samples: 10, Hidden: []int{64, 64}, EvalEvery: 250}},
		Consistency: Consistency{D: 5, N: 10, Tau: 0.5, K: 10, Moves: 2, Runs: []int{1, 4, 16, 64, 256, 1024}, Reps: 200, Shift: 0.5, Scale: 1.5, Seed: 1},
		NaiveK:      []int{10, 40, 160, 640},
		Seed:        1,
	}
)

// Row is one method's fit of one problem: its metrics at the end and over
// the steps (their names in Metrics of the problem), its wall time, the
// number of SMC runs (SMC-Wake), and q's component weights, means and
// standard deviations at the first evaluation observation.
type Row struct {
	Problem, Method string
	Final           []float64
	Trace           []Point
	Seconds         float64
	SMCRuns         int
	W               []float64
	Mu, SD          [][]float64
}

// Metrics names the metrics of each problem, in the order of Row.Final.
var Metrics = map[string][]string{
	"Gaussian":  {"KL(p‖q)", "floor of KL(p‖q) over diagonal q", "sd(q)/sd(p)"},
	"two moons": {"KL(p‖q)", "sd(q)/sd(p)"},
	"MNIST":     {"−E_p log q", "sd(q)/sd(p)"},
}

// Result is the whole study.
type Result struct {
	Gaussian, Moons, MNIST []Row
	// MoonsX0 is the first evaluation observation of two moons, and
	// MoonsPosterior draws of θ from its exact posterior.
	MoonsX0        []float64
	MoonsPosterior [][]float64
	// MoonsReferenceKL is KL(exact ‖ reference) between the grid
	// posteriors of the exact likelihood and the reference code's (which
	// drops the −log(π r) Jacobian), averaged over the evaluation points.
	MoonsReferenceKL float64
	Consistency      []ConsistencyRow
	// NaiveK is the naive estimator after one run at each Config.NaiveK.
	NaiveK  []ConsistencyRow
	Seconds float64
}

// Run runs the study; mnist holds the MNIST training images.
func Run(cfg Config, mnist *datasets.Images) (Result, error) {
	start := time.Now()
	var res Result
	var err error
	if res.Gaussian, err = RunGaussian(cfg.Gaussian, cfg.Seed); err != nil {
		return res, err
	}
	if res, err = runMoons(res, cfg.Moons, cfg.Seed); err != nil {
		return res, err
	}
	if res.MNIST, err = RunMNIST(cfg.MNIST, mnist, cfg.Seed); err != nil {
		return res, err
	}
	if res.Consistency, err = RunConsistency(cfg.Consistency); err != nil {
		return res, err
	}
	if res.NaiveK, err = RunNaiveK(cfg.Consistency, cfg.NaiveK); err != nil {
		return res, err
	}
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

// fitAll fits the three methods concurrently (each has its own encoder
// and random stream, so the result does not depend on the scheduling).
func fitAll(p *Problem, t Training, seed uint64, metrics func() func(*Encoder) []float64, x0 []float64) ([]Row, error) {
	rows := make([]Row, len(Methods))
	errs := make([]error, len(Methods))
	var wg sync.WaitGroup
	for i, m := range Methods {
		wg.Go(func() {
			f, err := Fit(m, p, t, seed, metrics())
			if err != nil {
				errs[i] = err
				return
			}
			w, mu, sd := f.Encoder.Mixture(x0)
			rows[i] = Row{Problem: p.Name, Method: m.String(), Final: f.Final(), Trace: f.Trace, Seconds: f.Seconds, SMCRuns: f.SMCRuns, W: w, Mu: mu, SD: sd}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return rows, nil
}

// RunGaussian fits the encoders of the high-dimensional Gaussian.
func RunGaussian(c GaussianConfig, seed uint64) ([]Row, error) {
	g, p := NewGaussian(c.D, c.N, c.Points, c.Tau, c.Moves, seed)
	return fitAll(p, c.Train, seed, func() func(*Encoder) []float64 { return g.Metrics(p) }, p.X[0])
}

func runMoons(res Result, c MoonsConfig, seed uint64) (Result, error) {
	p := NewMoons(c.N, c.Moves, seed)
	if c.Eval > c.N || c.Eval < 1 {
		return res, fmt.Errorf("smcwake: two moons: %d evaluation points of %d", c.Eval, c.N)
	}
	xs := p.X[:c.Eval]
	grids := make([]MoonsGrid, len(xs))
	for i, x := range xs {
		grids[i] = NewMoonsGrid(x, c.Grid, true)
		res.MoonsReferenceKL += grids[i].KLTo(NewMoonsGrid(x, c.Grid, false)) / float64(len(xs))
	}
	res.MoonsX0 = xs[0]
	res.MoonsPosterior = grids[0].Sample(rand.New(rand.NewPCG(seed, 71)), 1000)
	var err error
	res.Moons, err = fitAll(p, c.Train, seed, func() func(*Encoder) []float64 { return MoonsMetrics(xs, grids) }, xs[0])
	return res, err
}

// RunMNIST fits the encoders of the binarised-MNIST model.
func RunMNIST(c MNISTConfig, im *datasets.Images, seed uint64) ([]Row, error) {
	xs, err := Binarised(im, c.Images, c.Pool)
	if err != nil {
		return nil, err
	}
	dec, err := NewDecoder(xs, c.Latent)
	if err != nil {
		return nil, err
	}
	p := dec.Problem(xs, c.Moves)
	if c.Eval > c.Images || c.Eval < 1 {
		return nil, fmt.Errorf("smcwake: MNIST: %d evaluation images of %d", c.Eval, c.Images)
	}
	refs, err := References(p, xs[:c.Eval], c.RefK, seed)
	if err != nil {
		return nil, err
	}
	return fitAll(p, c.Train, seed, func() func(*Encoder) []float64 { return ReferenceMetrics(xs[:c.Eval], refs) }, xs[0])
}
