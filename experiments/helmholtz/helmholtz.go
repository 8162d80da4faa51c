// Package helmholtz is the study of notebook 07: Helmholtz machines trained
// by wake-sleep (WS), reweighted wake-sleep (RWS), the bidirectional
// Helmholtz machine's reweighting (BiHM) and the natural versions NRWS and
// NBiHM of Várady, Volpi, Malagò and Ay, on the 5×5 bars toy (exact
// log-likelihoods, the 2¹⁵ hidden states enumerated) and on binarised MNIST
// (held-out log-likelihoods by importance sampling), against epochs and
// against wall time.
package helmholtz

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"

	"github.com/stochgrad/stochgrad/datasets"
	"github.com/stochgrad/stochgrad/toolkit"
	"github.com/stochgrad/stochgrad/toolkit/wakesleep"
	"github.com/stochgrad/stochgrad/viz"
)

// Config is one comparison of algorithms on one data set.
type Config struct {
	Algorithms []wakesleep.Algorithm
	// Sizes of the layers, visible first.
	Sizes []int
	// Train and Test images; Epochs of training, evaluated after every
	// EvalEvery epochs (and before training).
	Train, Test, Epochs, EvalEvery int
	// Batch, Samples (K) and the natural algorithms' damping α.
	Batch, Samples int
	Damping        float64
	// Every reuses the natural algorithms' Fisher inverses for that many
	// steps (the reference's k_step_update; 0 means every step).
	Every int
	// ImportanceSamples, for MNIST's held-out log-likelihood; zero means
	// exact enumeration (bars).
	ImportanceSamples int
	Seed              uint64
}

// The settings of the notebook. Bars: the reference's toy (5×5 images, 15
// hidden units), batch 10. MNIST: the reference's configuration (layers
// 200-100-10, batch 32, K = 5, SGD 0.01, α = 0.1) in full mode, a small
// slice of it in quick mode.
var (
	all = []wakesleep.Algorithm{wakesleep.WS, wakesleep.RWS, wakesleep.NRWS, wakesleep.BiHM, wakesleep.NBiHM}

	BarsQuick = Config{Algorithms: all, Sizes: []int{25, 15}, Train: 1000, Test: 200, Epochs: 12, EvalEvery: 2, Batch: 10, Damping: 0.1, Seed: 1}
	BarsFull  = Config{Algorithms: all, Sizes: []int{25, 15}, Train: 5000, Test: 1000, Epochs: 60, EvalEvery: 5, Batch: 10, Damping: 0.1, Seed: 1}

	MNISTQuick = Config{Algorithms: []wakesleep.Algorithm{wakesleep.RWS, wakesleep.NRWS}, Sizes: []int{784, 200, 100, 10},
		Train: 960, Test: 20, Epochs: 2, EvalEvery: 2, Batch: 32, Samples: 5, Damping: 0.1, Every: 10, ImportanceSamples: 200, Seed: 1}
	MNISTFull = Config{Algorithms: []wakesleep.Algorithm{wakesleep.WS, wakesleep.RWS, wakesleep.NRWS}, Sizes: []int{784, 200, 100, 10},
		Train: 50000, Test: 500, Epochs: 10, EvalEvery: 1, Batch: 32, Samples: 5, Damping: 0.1, Every: 10, ImportanceSamples: 5000, Seed: 1}
)

// Curve is one algorithm's held-out log-likelihood during training.
type Curve struct {
	Algorithm string
	Epoch     []int
	Seconds   []float64 // training time so far, evaluations excluded
	LogLik    []float64 // mean held-out log-likelihood per image
	LogLikSE  []float64
}

// Result is a comparison: the curves, and for bars the true model's
// held-out log-likelihood.
type Result struct {
	Data   string
	Truth  float64 // bars only; 0 for MNIST
	Curves []Curve
}

func (cfg Config) check() error {
	if cfg.Epochs < 1 || cfg.EvalEvery < 1 || len(cfg.Algorithms) == 0 || cfg.Train < 1 || cfg.Test < 1 || len(cfg.Sizes) < 2 {
		return fmt.Errorf("helmholtz: invalid config %+v", cfg)
	}
	return nil
}

// Bars runs the comparison on the bars toy.
func Bars(cfg Config) (Result, error) {
	if err := cfg.check(); err != nil {
		return Result{}, err
	}
	rnd := rand.New(rand.NewPCG(cfg.Seed, 0))
	im, _, err := datasets.Bars{}.Generate(cfg.Train+cfg.Test, rnd)
	if err != nil {
		return Result{}, err
	}
	train, test := im.Split(cfg.Test)
	xTrain, err := wakesleep.FromImages(train)
	if err != nil {
		return Result{}, err
	}
	xTest, err := wakesleep.FromImages(test)
	if err != nil {
		return Result{}, err
	}
	res := Result{Data: "bars"}
	var truth []float64
	for i := range test.N {
		v, err := datasets.Bars{}.LogProb(test.Image(i))
		if err != nil {
			return Result{}, err
		}
		truth = append(truth, v)
	}
	res.Truth = stat.Mean(truth, nil)
	res.Curves, err = run(cfg, xTrain, xTest)
	return res, err
}

// MNIST runs the comparison on MNIST binarised at a seed (one Bernoulli
// draw per pixel).
func MNIST(cfg Config) (Result, error) {
	if err := cfg.check(); err != nil {
		return Result{}, err
	}
	tr, err := datasets.MNIST(datasets.Train)
	if err != nil {
		return Result{}, err
	}
	te, err := datasets.MNIST(datasets.Test)
	if err != nil {
		return Result{}, err
	}
	if cfg.Train > tr.N || cfg.Test > te.N {
		return Result{}, fmt.Errorf("helmholtz: %d training and %d test images asked, MNIST has %d and %d", cfg.Train, cfg.Test, tr.N, te.N)
	}
	rnd := rand.New(rand.NewPCG(cfg.Seed, 0))
	bin := func(im *datasets.Images, n int) (*mat.Dense, error) {
		sub := im.Subset(rnd.Perm(im.N)[:n])
		datasets.BinarizeStochastic(sub.Pixels, sub.Pixels, rnd)
		return wakesleep.FromImages(sub)
	}
	xTrain, err := bin(tr, cfg.Train)
	if err != nil {
		return Result{}, err
	}
	xTest, err := bin(te, cfg.Test)
	if err != nil {
		return Result{}, err
	}
	curves, err := run(cfg, xTrain, xTest)
	return Result{Data: "MNIST", Curves: curves}, err
}

// run trains one machine per algorithm from the same initial weights and
// records the curves.
func run(cfg Config, xTrain, xTest *mat.Dense) ([]Curve, error) {
	var out []Curve
	for _, a := range cfg.Algorithms {
		// Each algorithm's curve is cached on its own, so that a full-mode
		// comparison (hours) that is stopped resumes at the algorithm it
		// was training.
		one := cfg
		one.Algorithms = []wakesleep.Algorithm{a}
		c, err := toolkit.Cached("helmholtz-curve", one, func() (Curve, error) { return curve(cfg, a, xTrain, xTest) })
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// curve trains one machine with algorithm a from cfg's initial weights and
// records its held-out log-likelihood.
func curve(cfg Config, a wakesleep.Algorithm, xTrain, xTest *mat.Dense) (Curve, error) {
	m, err := wakesleep.New(cfg.Sizes, wakesleep.PlusMinusOne, rand.New(rand.NewPCG(cfg.Seed, 1)))
	if err != nil {
		return Curve{}, err
	}
	tr, err := wakesleep.NewTrainer(m, wakesleep.Config{Algorithm: a, Batch: cfg.Batch, Samples: cfg.Samples, Damping: wakesleep.Constant(cfg.Damping), Every: cfg.Every})
	if err != nil {
		return Curve{}, err
	}
	rnd := rand.New(rand.NewPCG(cfg.Seed, 2))
	evalRnd := rand.New(rand.NewPCG(cfg.Seed, 3))
	c := Curve{Algorithm: a.String()}
	eval := func(epoch int, seconds float64) error {
		var ll []float64
		if cfg.ImportanceSamples > 0 {
			ll, err = m.ImportanceLogLikelihood(xTest, cfg.ImportanceSamples, evalRnd)
		} else {
			ll, err = m.LogLikelihood(xTest)
		}
		if err != nil {
			return err
		}
		mean, sd := stat.MeanStdDev(ll, nil)
		c.Epoch, c.Seconds = append(c.Epoch, epoch), append(c.Seconds, seconds)
		c.LogLik, c.LogLikSE = append(c.LogLik, mean), append(c.LogLikSE, sd/math.Sqrt(float64(len(ll))))
		return nil
	}
	if err := eval(0, 0); err != nil {
		return Curve{}, err
	}
	elapsed := 0.0
	for e := 1; e <= cfg.Epochs; e++ {
		start := time.Now()
		if err := tr.Epoch(xTrain, rnd); err != nil {
			return Curve{}, fmt.Errorf("helmholtz: %v epoch %d: %w", a, e, err)
		}
		elapsed += time.Since(start).Seconds()
		if e%cfg.EvalEvery == 0 || e == cfg.Epochs {
			if err := eval(e, elapsed); err != nil {
				return Curve{}, err
			}
		}
	}
	return c, nil
}

// Final returns the curve's last held-out log-likelihood and its standard
// error.
func (c Curve) Final() (float64, float64) {
	return c.LogLik[len(c.LogLik)-1], c.LogLikSE[len(c.LogLikSE)-1]
}

// Figures draws the held-out log-likelihood against epochs and against
// seconds of training, with the true model's for bars.
func (r Result) Figures() (byEpoch, bySeconds viz.Line) {
	byEpoch = viz.Line{Title: r.Data + ": held-out log-likelihood against epochs", XLabel: "epoch", YLabel: "mean log p(x)"}
	bySeconds = viz.Line{Title: r.Data + ": held-out log-likelihood against training time", XLabel: "seconds", YLabel: "mean log p(x)"}
	for _, c := range r.Curves {
		e := viz.Series{Name: c.Algorithm}
		s := viz.Series{Name: c.Algorithm}
		for i := range c.Epoch {
			e.X, e.Y = append(e.X, float64(c.Epoch[i])), append(e.Y, c.LogLik[i])
			s.X, s.Y = append(s.X, c.Seconds[i]), append(s.Y, c.LogLik[i])
		}
		byEpoch.Series, bySeconds.Series = append(byEpoch.Series, e), append(bySeconds.Series, s)
	}
	if r.Truth != 0 {
		c := r.Curves[0]
		t := viz.Series{Name: "true model"}
		for _, ep := range c.Epoch {
			t.X, t.Y = append(t.X, float64(ep)), append(t.Y, r.Truth)
		}
		byEpoch.Series = append(byEpoch.Series, t)
	}
	return byEpoch, bySeconds
}
