package smc

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/optim"
)

// Wake fits an amortised encoder q(z|x) by SMC-Wake: every Refresh steps it
// runs one likelihood-tempered SMC from the prior for a random data point
// and stores it; every step it descends WakeLoss on a minibatch of the
// points that have runs. The zero values of the optional fields mean the
// reference's settings.
type Wake struct {
	// N is the number of data points; required.
	N int
	// Sampler returns the sampler for data point i (its LogLik is
	// log p(x_i|z)); required.
	Sampler func(i int) Sampler
	// Prior draws k particles from the prior; required.
	Prior func(rnd *rand.Rand, k int) Particles
	// LogQ returns the encoder's log q(z_j|x_i) for the particles z, shape
	// [z.K], differentiable in Params; required.
	LogQ func(i int, z Particles) *ad.Tensor[float64]
	// Params are the encoder's parameters; required.
	Params []*ad.Tensor[float64]

	// Optimizer steps Params; nil means Adam with learning rate 1e-4.
	Optimizer optim.Optimizer[float64]
	// Estimator turns a point's runs into weighted particles; nil means
	// WakeA{}.
	Estimator WakeEstimator
	// Particles is K for each SMC run; zero means 100.
	Particles int
	// Refresh is the number of gradient steps between SMC runs; zero
	// means 1.
	Refresh int
	// Batch is the number of data points per gradient step, drawn with
	// replacement from those with runs; zero means 16.
	Batch int
	// Clip is the bound on the gradient's norm; zero means 1.
	Clip float64
	// Keep and PIMH configure every point's Runs.
	Keep int
	PIMH bool

	runs  []Runs
	seen  []int
	steps int
}

// WakeInfo records one step of Wake.
type WakeInfo struct {
	Step int
	// Loss is the surrogate's value averaged over the minibatch.
	Loss float64
	// GradNorm is the gradient norm before clipping.
	GradNorm float64
	// Refreshed is the data point that got a new SMC run, or −1.
	Refreshed int
	// SMC records the stages of that run.
	SMC []Info
}

// Runs returns the runs of data point i (nil before its first run).
func (w *Wake) Runs(i int) *Runs {
	if w.runs == nil || w.runs[i].n == 0 {
		return nil
	}
	return &w.runs[i]
}

func (w *Wake) check() error {
	if w.N <= 0 || w.Sampler == nil || w.Prior == nil || w.LogQ == nil || len(w.Params) == 0 {
		return fmt.Errorf("smc: Wake needs N > 0, Sampler, Prior, LogQ and Params")
	}
	if w.Particles < 0 || w.Refresh < 0 || w.Batch < 0 || w.Clip < 0 || w.Keep < 0 {
		return fmt.Errorf("smc: Wake settings must be ≥ 0: Particles %d, Refresh %d, Batch %d, Clip %g, Keep %d",
			w.Particles, w.Refresh, w.Batch, w.Clip, w.Keep)
	}
	if w.runs == nil {
		w.runs = make([]Runs, w.N)
		for i := range w.runs {
			w.runs[i] = Runs{Keep: w.Keep, PIMH: w.PIMH}
		}
		if w.Optimizer == nil {
			w.Optimizer = &optim.Adam[float64]{LR: 1e-4}
		}
	}
	return nil
}

// AddRun runs one SMC for data point i and stores it.
func (w *Wake) AddRun(rnd *rand.Rand, i int) ([]Info, error) {
	if err := w.check(); err != nil {
		return nil, err
	}
	k := w.Particles
	if k == 0 {
		k = 100
	}
	st, infos, err := w.Sampler(i).Run(rnd, w.Prior(rnd, k))
	if err != nil {
		return infos, fmt.Errorf("%w (SMC-Wake run for data point %d)", err, i)
	}
	if w.runs[i].n == 0 {
		w.seen = append(w.seen, i)
	}
	return infos, w.runs[i].Add(rnd, RunOf(st))
}

// Step does one step of SMC-Wake.
func (w *Wake) Step(rnd *rand.Rand) (WakeInfo, error) {
	if err := w.check(); err != nil {
		return WakeInfo{}, err
	}
	refresh, batch, clip := max(w.Refresh, 1), w.Batch, w.Clip
	if batch == 0 {
		batch = 16
	}
	if clip == 0 {
		clip = 1
	}
	est := w.Estimator
	if est == nil {
		est = WakeA{}
	}
	info := WakeInfo{Step: w.steps, Refreshed: -1}
	if w.steps%refresh == 0 || len(w.seen) == 0 {
		i := rnd.IntN(w.N)
		var err error
		if info.SMC, err = w.AddRun(rnd, i); err != nil {
			return info, fmt.Errorf("%w (SMC-Wake step %d)", err, w.steps)
		}
		info.Refreshed = i
	}
	w.steps++
	var loss *ad.Tensor[float64]
	for range batch {
		i := w.seen[rnd.IntN(len(w.seen))]
		z, wt := est.Weighted(rnd, &w.runs[i])
		l := WakeLoss(w.LogQ(i, z), wt)
		if loss == nil {
			loss = l
		} else {
			loss = ad.Add(loss, l)
		}
	}
	loss = ad.MulScalar(loss, 1/float64(batch))
	info.Loss = loss.Item()
	if math.IsNaN(info.Loss) || math.IsInf(info.Loss, 0) {
		return info, fmt.Errorf("smc: SMC-Wake step %d: loss is %v", info.Step, info.Loss)
	}
	for _, p := range w.Params {
		p.ZeroGrad()
	}
	loss.Backward()
	var err error
	if info.GradNorm, err = optim.ClipGradNorm(w.Params, clip); err != nil {
		return info, fmt.Errorf("%w (SMC-Wake step %d)", err, info.Step)
	}
	if err := w.Optimizer.Step(w.Params); err != nil {
		return info, fmt.Errorf("%w (SMC-Wake step %d)", err, info.Step)
	}
	return info, nil
}
