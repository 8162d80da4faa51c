package smcwake

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/optim"
	"github.com/stochgrad/stochgrad/toolkit/smc"
	"github.com/stochgrad/stochgrad/toolkit/vi"
)

// Method is a way of fitting the encoder.
type Method int

const (
	// SMCWake descends the inclusive KL with SMC runs from the prior
	// (toolkit/smc Wake, estimator (a) or (b): see Training.Keep).
	SMCWake Method = iota
	// RWS descends the inclusive KL with self-normalised importance
	// sampling from q itself (vi.WakeQ).
	RWS
	// ELBO ascends the evidence lower bound, the exclusive KL, with
	// reparameterised draws (vi.Evaluate).
	ELBO
)

// Methods lists the methods in the order of the result tables.
var Methods = []Method{SMCWake, RWS, ELBO}

func (m Method) String() string {
	switch m {
	case SMCWake:
		return "SMC-Wake"
	case RWS:
		return "RWS"
	case ELBO:
		return "ELBO"
	}
	return fmt.Sprintf("Method(%d)", int(m))
}

// Training is how one encoder is fitted.
type Training struct {
	// Steps gradient steps of Adam with learning rate LR and the gradient
	// norm clipped at 1, on minibatches of Batch observations.
	Steps int
	LR    float64
	Batch int
	// Particles K of each SMC run and Refresh steps between runs
	// (SMC-Wake); Samples draws from q per observation (RWS and ELBO).
	Particles, Refresh, Samples int
	// Keep, when positive, stores Keep particles of each SMC run drawn by
	// their weights, and SMC-Wake then uses every run with its evidence
	// share: estimator (b) of the paper, with the reference's 10. Zero
	// stores every particle and uses estimator (a) with the reference's
	// subsample of 10 runs.
	Keep int
	// Hidden are the encoder's hidden widths; Components > 1 makes q a
	// mixture of that many Gaussians (zero or one: a Gaussian).
	Hidden     []int
	Components int
	// EvalEvery steps the trace records the metrics.
	EvalEvery int
}

// Point is the metrics of an encoder at one step of its fit.
type Point struct {
	Step    int
	Metrics []float64
}

// Fitted is one method's fit of an encoder.
type Fitted struct {
	Method  Method
	Encoder *Encoder
	Trace   []Point
	Seconds float64
	// SMCRuns counts the SMC runs of SMC-Wake.
	SMCRuns int
}

// Fit fits a fresh encoder (seeded by seed, the same for every method) to
// p by method m, calling metrics every t.EvalEvery steps and at the end.
func Fit(m Method, p *Problem, t Training, seed uint64, metrics func(*Encoder) []float64) (Fitted, error) {
	if t.Steps < 1 || t.Batch < 1 || !(t.LR > 0) || t.EvalEvery < 1 || (m != SMCWake && t.Samples < 1) {
		return Fitted{}, fmt.Errorf("smcwake: invalid training %+v", t)
	}
	enc := NewEncoder(rand.New(rand.NewPCG(seed, 1)), len(p.X[0]), t.Hidden, p.D, t.Components)
	rnd := rand.New(rand.NewPCG(seed, 2+uint64(m)))
	f := Fitted{Method: m, Encoder: enc}
	start := time.Now()
	params := enc.Params()
	opt := &optim.Adam[float64]{LR: t.LR}
	var step func() error
	switch m {
	case SMCWake:
		w := &smc.Wake{
			N:         len(p.X),
			Sampler:   func(i int) smc.Sampler { return p.Sampler(p.X[i]) },
			Prior:     p.Prior,
			LogQ:      func(i int, z smc.Particles) *ad.Tensor[float64] { return enc.LogQ(p.X[i], z) },
			Params:    params,
			Optimizer: opt,
			Estimator: smc.WakeA{Subsample: 10},
			Keep:      t.Keep,
			Particles: t.Particles,
			Refresh:   t.Refresh,
			Batch:     t.Batch,
		}
		if t.Keep > 0 {
			w.Estimator = smc.WakeA{}
		}
		step = func() error {
			info, err := w.Step(rnd)
			if info.Refreshed >= 0 {
				f.SMCRuns++
			}
			return err
		}
	case RWS, ELBO:
		mod := model{enc: enc, p: p}
		idx := make([]int, t.Batch)
		n := 0
		step = func() error {
			for i := range idx {
				idx[i] = rnd.IntN(len(p.X))
			}
			x := rows(p.X, idx)
			var e vi.Estimate[float64]
			if m == RWS {
				e = vi.WakeQ(rnd, mod, x, t.Samples)
			} else {
				e = vi.Evaluate(rnd, mod, x, vi.ELBO{K: t.Samples})
			}
			for _, q := range params {
				q.ZeroGrad()
			}
			if v := e.Loss.Item(); math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("smcwake: %v step %d: loss %v", m, n, v)
			}
			e.Loss.Backward()
			n++
			if _, err := optim.ClipGradNorm(params, 1); err != nil {
				return fmt.Errorf("%w (%v step %d)", err, m, n)
			}
			return opt.Step(params)
		}
	default:
		return f, fmt.Errorf("smcwake: unknown method %d", int(m))
	}
	for s := range t.Steps {
		if s%t.EvalEvery == 0 {
			f.Trace = append(f.Trace, Point{Step: s, Metrics: metrics(enc)})
		}
		if err := step(); err != nil {
			return f, fmt.Errorf("%w (fitting %s by %v)", err, p.Name, m)
		}
	}
	f.Trace = append(f.Trace, Point{Step: t.Steps, Metrics: metrics(enc)})
	f.Seconds = time.Since(start).Seconds()
	return f, nil
}

// Final returns the metrics at the end of the fit.
func (f Fitted) Final() []float64 { return f.Trace[len(f.Trace)-1].Metrics }
