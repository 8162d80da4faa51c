package toolkit

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/nn"
	"github.com/stochgrad/stochgrad/toolkit/optim"
	"github.com/stochgrad/stochgrad/viz"
)

// Fit is a training loop: each step computes Loss, back-propagates it and
// lets Optimizer update Model's parameters, while a live chart and progress
// bar (viz.Live) show the loss. A NaN or infinite loss, gradient or updated
// parameter stops the loop with an error naming the step and the quantity,
// and the parameters and the optimizer's state are restored from the last
// good checkpoint; the checkpoint file only ever receives finite
// parameters. With a Checkpoint file and Resume, a run that was killed
// continues from its last checkpoint and ends as an uninterrupted one would.
// The zero values of the checkpoint fields keep checkpoints in memory only.
type Fit[T ad.Float] struct {
	// Title labels the progress view.
	Title string
	// Steps is the number of optimisation steps; it must be positive.
	Steps int
	// Model holds the parameters to train.
	Model nn.Module[T]
	// Optimizer updates them; nil means Adam with its defaults.
	Optimizer optim.Optimizer[T]
	// Loss returns the scalar to minimise at a step (counted from 1).
	Loss func(step int) *ad.Tensor[T]
	// Objective, used instead of Loss, returns at each step the scalar to
	// back-propagate and the value to record, show and check: for a
	// gradient estimator, its Surrogate (whose own value means nothing)
	// and its Value, est.Surrogate, float64(est.Value).
	Objective func(step int) (surrogate *ad.Tensor[T], value float64)
	// Checkpoint is a file that receives, every CheckpointEvery steps and
	// at the end, everything a resumed run needs: the parameters, the
	// optimizer's state (optim.Stateful: Adam's moments and step counts,
	// SGD's momentum), the steps done and their history, and the state of
	// Sources. LoadFitted reads the parameters back. Empty means
	// checkpoints are kept in memory only, to restore after a NaN.
	Checkpoint string
	// CheckpointEvery is the checkpoint interval; zero means Steps/10.
	CheckpointEvery int
	// Resume, with a Checkpoint that exists, continues the run it holds:
	// a run stopped after any checkpoint and resumed ends bit-identical to
	// an uninterrupted one, provided Loss draws its randomness from
	// Sources or from its step and keeps no other state across steps. A
	// checkpoint that is damaged or was written by another model, another
	// optimizer type or with more steps is an error; a missing one starts
	// afresh. Resume needs an optim.Stateful optimizer.
	Resume bool
	// Sources are the random sources Loss or Objective draws from, such as
	// the *rand.PCG under their *rand.Rand; checkpoints save their state
	// and Resume restores it.
	Sources []Source
	// Quiet turns the progress view off.
	Quiet bool
}

// History is what a Fit run records: the loss at every step.
type History struct {
	Loss []float64
}

// Last returns the mean loss over the last n steps (all if fewer).
func (h History) Last(n int) float64 {
	n = min(n, len(h.Loss))
	if n == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, v := range h.Loss[len(h.Loss)-n:] {
		s += v
	}
	return s / float64(n)
}

// Run trains. On error the history holds the steps completed before it.
func (f *Fit[T]) Run() (History, error) {
	var h History
	if f.Steps <= 0 || f.Model == nil || (f.Loss == nil) == (f.Objective == nil) {
		return h, fmt.Errorf("toolkit: Fit needs Steps > 0 (got %d), a Model, and a Loss or an Objective (not both)", f.Steps)
	}
	opt := f.Optimizer
	if opt == nil {
		opt = &optim.Adam[T]{}
	}
	every := f.CheckpointEvery
	if every <= 0 {
		every = max(1, f.Steps/10)
	}
	if f.Checkpoint != "" {
		if err := os.MkdirAll(filepath.Dir(f.Checkpoint), 0o755); err != nil {
			return h, fmt.Errorf("toolkit: %s: checkpoint directory: %w", f.name(), err)
		}
	}
	params := nn.Collect(f.Model)
	stateful, _ := opt.(optim.Stateful[T])
	start := 0
	if f.Resume && f.Checkpoint != "" {
		if stateful == nil {
			return h, fmt.Errorf("toolkit: %s: Resume needs an optimizer that implements optim.Stateful; %T does not", f.name(), opt)
		}
		var err error
		start, h, err = f.resume(params, stateful)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return History{}, fmt.Errorf("toolkit: %s: cannot resume from checkpoint %s: %w (delete it to start afresh)", f.name(), f.Checkpoint, err)
		}
	}
	good := snapshot(params)
	var goodState [][]T
	if stateful != nil {
		goodState = snapshot(stateful.State(params))
	}
	var live *viz.Live
	if !f.Quiet {
		live = &viz.Live{Title: f.Title, Steps: f.Steps}
		defer live.Done()
		for i, v := range h.Loss {
			live.Step(i+1, v)
		}
	}
	fail := func(step int, err error) (History, error) {
		restore(params, good)
		for _, p := range params {
			p.ZeroGrad()
		}
		if stateful != nil {
			state := stateful.State(params)
			restore(state, goodState)
			if err := stateful.SetState(params, state); err != nil {
				panic(err) // a state of these very parameters
			}
		}
		return h, fmt.Errorf("toolkit: %s step %d: %w (parameters restored to the last good checkpoint)", f.name(), step, err)
	}
	for step := start + 1; step <= f.Steps; step++ {
		var (
			loss *ad.Tensor[T]
			v    float64
			what = "loss"
		)
		if f.Objective != nil {
			loss, v = f.Objective(step)
			what = "objective"
		} else {
			loss = f.Loss(step)
			v = float64(loss.Item())
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fail(step, fmt.Errorf("%s is %v", what, v))
		}
		loss.Backward()
		if err := opt.Step(params); err != nil {
			var nf *optim.NonFiniteError
			if errors.As(err, &nf) {
				return fail(step, err)
			}
			return h, fmt.Errorf("toolkit: %s step %d: %w", f.name(), step, err)
		}
		for _, p := range params {
			p.ZeroGrad()
		}
		// An update can overflow with finite gradients; such parameters
		// must never reach the checkpoint file.
		if err := checkFinite(params); err != nil {
			return fail(step, err)
		}
		h.Loss = append(h.Loss, v)
		if live != nil {
			live.Step(step, v)
		}
		if step%every == 0 || step == f.Steps {
			good = snapshot(params)
			if stateful != nil {
				goodState = snapshot(stateful.State(params))
			}
			if f.Checkpoint != "" {
				if err := f.save(step, params, opt, h); err != nil {
					return h, fmt.Errorf("toolkit: %s step %d: checkpoint: %w", f.name(), step, err)
				}
			}
		}
	}
	return h, nil
}

func (f *Fit[T]) name() string {
	if f.Title == "" {
		return "Fit"
	}
	return fmt.Sprintf("Fit %q", f.Title)
}

// checkFinite returns an error naming the first parameter value that is
// NaN or infinite.
func checkFinite[T ad.Float](ps []*ad.Tensor[T]) error {
	for i, p := range ps {
		for k, v := range p.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("parameter %d (shape %v) is %v at entry %d after the update", i, p.Shape(), v, k)
			}
		}
	}
	return nil
}

func snapshot[T ad.Float](ps []*ad.Tensor[T]) [][]T {
	out := make([][]T, len(ps))
	for i, p := range ps {
		out[i] = append([]T(nil), p.Data...)
	}
	return out
}

func restore[T ad.Float](ps []*ad.Tensor[T], s [][]T) {
	for i, p := range ps {
		copy(p.Data, s[i])
	}
}
