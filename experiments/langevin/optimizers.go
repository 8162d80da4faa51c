package langevin

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/stochgrad/stochgrad/datasets"
	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/optim"
	"github.com/stochgrad/stochgrad/viz"
)

// OptConfig is the comparison of optimisers on an MNIST classifier.
type OptConfig struct {
	// Train and Test are the numbers of MNIST training and test images
	// used (the first ones of each official split); zero means all.
	Train, Test int
	// Widths of the network, 784 first and 10 last; InputDropout,
	// Dropout and BatchNorm as in Net.
	Widths                []int
	InputDropout, Dropout float64
	BatchNorm             bool
	Batch                 int
	// Epochs is the budget of each optimiser in effective epochs: passes
	// over the training set's worth of gradient evaluations.
	Epochs int
	// SGDLR is the learning rate of SGD with Nesterov momentum 0.9;
	// AdamLR Adam's.
	SGDLR, AdamLR float64
	// L, Gamma, InnerLR are Entropy-SGD's Langevin steps per outer step,
	// initial scope γ₀ (scoping γ₁ = 10⁻³, noise 10⁻⁴) and inner step
	// size η′. Its outer optimiser is SGD with Nesterov momentum 0.9 at
	// rate OuterLR/γ₀, so that a step moves x by OuterLR·(γ/γ₀)·(x − μ),
	// as the reference code's step lr·(x − μ) does at the start.
	L                       int
	Gamma, InnerLR, OuterLR float64
	Seed                    uint64
}

// Optimizers names the rows of RunOptimizers, in order.
var Optimizers = []string{"SGD (Nesterov)", "Adam", "Entropy-SGD"}

// Curve is one optimiser's test error against effective epochs.
type Curve struct {
	Method    string
	Epochs    []float64 // effective epochs at each evaluation
	TestError []float64 // percent
	Tested    int       // test images
	Seconds   float64
}

// Final returns the last test error.
func (c Curve) Final() float64 { return c.TestError[len(c.TestError)-1] }

// Best returns the lowest test error.
func (c Curve) Best() float64 {
	b := math.Inf(1)
	for _, e := range c.TestError {
		b = min(b, e)
	}
	return b
}

// EpochsTo returns the first effective epoch at which the test error is at
// most target percent, or NaN if it never is.
func (c Curve) EpochsTo(target float64) float64 {
	for i, e := range c.TestError {
		if e <= target {
			return c.Epochs[i]
		}
	}
	return math.NaN()
}

// Target returns the test error every curve reaches: the largest of their
// lowest errors.
func Target(cs []Curve) float64 {
	t := 0.0
	for _, c := range cs {
		t = max(t, c.Best())
	}
	return t
}

// RunOptimizers trains one network per optimiser from the same
// initialisation and on the same batches, and evaluates its test error
// after each effective epoch.
func RunOptimizers(cfg OptConfig) ([]Curve, error) {
	if err := checkWidths(cfg.Widths); err != nil {
		return nil, err
	}
	if cfg.Batch < 1 || cfg.Epochs < 1 || cfg.L < 1 {
		return nil, fmt.Errorf("langevin: invalid optimiser config %+v", cfg)
	}
	train, test, err := data(cfg.Train, cfg.Test)
	if err != nil {
		return nil, err
	}
	var out []Curve
	for m, name := range Optimizers {
		start := time.Now()
		c, err := trainOne(m, cfg, train, test)
		if err != nil {
			return nil, fmt.Errorf("langevin: %s: %w", name, err)
		}
		c.Seconds = time.Since(start).Seconds()
		out = append(out, c)
	}
	return out, nil
}

// trainOne trains with optimiser m and records its test error curve.
func trainOne(m int, cfg OptConfig, train, test *datasets.Images) (Curve, error) {
	net := NewNet(rand.New(rand.NewPCG(cfg.Seed, 1)), cfg.Widths, cfg.InputDropout, cfg.Dropout, cfg.BatchNorm)
	params := net.Params()
	batches := newStream(train, cfg.Batch, rand.New(rand.NewPCG(cfg.Seed, 2)))
	noise := rand.New(rand.NewPCG(cfg.Seed, 3)) // dropout masks
	grad := func() error {
		x, y := batches.next()
		for _, p := range params {
			p.ZeroGrad()
		}
		s := new(ad.Scope)
		defer s.Release()
		loss := NLL(net.Forward(ad.In(s, x), noise), y)
		if l := float64(loss.Item()); math.IsNaN(l) || math.IsInf(l, 0) {
			return fmt.Errorf("training loss is %v at batch %d", l, batches.n)
		}
		loss.Backward()
		return nil
	}
	var step func() error
	switch Optimizers[m] {
	case "SGD (Nesterov)":
		o := &optim.SGD[float32]{LR: float32(cfg.SGDLR), Momentum: 0.9, Nesterov: true}
		step = func() error {
			if err := grad(); err != nil {
				return err
			}
			return o.Step(params)
		}
	case "Adam":
		o := &optim.Adam[float32]{LR: float32(cfg.AdamLR)}
		step = func() error {
			if err := grad(); err != nil {
				return err
			}
			return o.Step(params)
		}
	default:
		o := &optim.EntropySGD[float32]{
			Base: &optim.SGD[float32]{LR: float32(cfg.OuterLR / cfg.Gamma), Momentum: 0.9, Nesterov: true},
			L:    cfg.L, InnerLR: float32(cfg.InnerLR), Noise: 1e-4, Gamma: float32(cfg.Gamma), Scoping: 1e-3,
			Rand: rand.New(rand.NewPCG(cfg.Seed, 4)),
		}
		step = func() error { return o.Step(params, grad) }
	}
	c := Curve{Method: Optimizers[m], Tested: test.N}
	per := batches.perEpoch()
	next := per
	for batches.n < cfg.Epochs*per {
		if err := step(); err != nil {
			return c, err
		}
		if batches.n >= next {
			c.Epochs = append(c.Epochs, float64(batches.n)/float64(per))
			c.TestError = append(c.TestError, errorRate(predict(net, test), test))
			next += per
		}
	}
	return c, nil
}

// ErrorFigure returns the test error of each optimiser against effective
// epochs.
func ErrorFigure(cs []Curve) viz.Line {
	f := viz.Line{Title: "test error against effective epochs (Entropy-SGD: L gradient steps per outer step)", XLabel: "effective epochs", YLabel: "test error (%)", LogY: true}
	for _, c := range cs {
		f.Series = append(f.Series, viz.Series{Name: c.Method, X: c.Epochs, Y: c.TestError})
	}
	return f
}
