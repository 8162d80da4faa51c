// Package kfacfoof is the study of notebook 11: K-FAC (Martens & Grosse
// 2015) against FOOF (Benzing 2022), Adam and SGD with momentum on the
// MNIST deep autoencoder, against steps and wall time; and Benzing's
// ablation on an autoencoder small enough for the exact natural gradient
// (the Gauss-Newton update of its Bernoulli likelihood, which is its
// Fisher): does K-FAC beat the exact second-order update it is said to
// approximate, and does FOOF match K-FAC?
package kfacfoof

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"

	"github.com/stochgrad/stochgrad/datasets"
	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/nn"
	"github.com/stochgrad/stochgrad/toolkit/optim"
	"github.com/stochgrad/stochgrad/viz"
)

// Kinds of optimizer a Method runs.
const (
	KFAC      = "K-FAC"       // optim.KFACStep: adaptive λ and γ, quadratic-model step size and momentum
	KFACSGD   = "K-FAC (SGD)" // the K-FAC preconditioner under SGD with momentum, as FOOF runs
	FOOF      = "FOOF"        // the FOOF preconditioner under SGD with momentum
	Exact     = "exact NG"    // the exact natural gradient (Gauss-Newton) under SGD with momentum
	Adam      = "Adam"
	SGDMoment = "SGD+momentum"
)

// Method is one optimizer with its hyperparameters. Where LRs or Dampings
// hold more than one value, each pair is run on the first seed and the
// one with the lowest final training loss is kept for all seeds.
type Method struct {
	Kind     string
	LRs      []float64 // learning rates to choose from (not used by KFAC)
	Momentum float64   // of SGD, for every kind but KFAC and Adam
	Dampings []float64 // λ of the preconditioner to choose from (KFAC: its initial value)
}

// Problem is an autoencoder trained on MNIST images with the summed
// Bernoulli cross-entropy of the reconstruction (mean over a batch).
type Problem struct {
	Train int // training images, the first of the 60 000; zero means all
	// Margin pixels are cut from every side of the images and the rest
	// averaged over Pool×Pool blocks (zero means 1).
	Margin, Pool int
	Widths       []int // of the autoencoder, the image size first and last
	Batch        int
	Steps        int
	// EvalEvery steps the training loss is measured on the first Eval
	// training images (outside the timing).
	EvalEvery, Eval int
	Seeds           int
	Float64         bool // train in float64 (the exact update needs it); else float32
	Methods         []Method
}

// Config is the notebook's study: the deep autoencoder and the small one
// on which the exact update is computed.
type Config struct {
	Deep, Small Problem
	Seed        uint64
}

// Quick and Full are the notebook's two settings. Full is the paper's
// autoencoder, 784-1000-500-250-30-250-500-1000-784, on all 60 000
// images with batches of 500 (Martens & Grosse grow the batch during
// training; a fixed batch is used here) for 2000 steps, 2 seeds.
// Quick is a narrower and shallower network on 2000 digits averaged over
// 2×2 pixel blocks (14×14), 200 steps, 3 seeds; at 28×28 with
// 784-200-100-50-10-…-784 it took 195 s of CPU, too much for quick mode.
// The learning rates of SGD, Adam and the preconditioners under SGD are
// chosen from a grid on the first seed in both.
var (
	Quick = Config{
		Deep: Problem{Train: 2000, Pool: 2, Widths: []int{196, 64, 16, 64, 196}, Batch: 100, Steps: 200, EvalEvery: 20, Eval: 1000, Seeds: 3,
			Methods: deepMethods([]float64{0.3, 1, 3}, []float64{0.3, 1, 3}, []float64{3e-3, 1e-2, 3e-2}, []float64{0.1, 0.3, 1})},
		Small: Problem{Train: 1000, Margin: 4, Pool: 4, Widths: []int{25, 8, 3, 8, 25}, Batch: 32, Steps: 100, EvalEvery: 10,
			Eval: 1000, Seeds: 3, Float64: true, Methods: smallMethods([]float64{0.1, 0.3, 1}, []float64{0.01, 0.1, 1})},
		Seed: 1,
	}
	Full = Config{
		Deep: Problem{Widths: []int{784, 1000, 500, 250, 30, 250, 500, 1000, 784}, Batch: 500, Steps: 2000, EvalEvery: 100, Eval: 10000, Seeds: 2,
			Methods: deepMethods([]float64{0.03, 0.1, 0.3}, []float64{0.1, 0.3, 1}, []float64{3e-4, 1e-3, 3e-3}, []float64{3e-3, 0.01, 0.03})},
		Small: Problem{Train: 10000, Margin: 4, Pool: 4, Widths: []int{25, 8, 3, 8, 25}, Batch: 32, Steps: 1000, EvalEvery: 50,
			Eval: 10000, Seeds: 5, Float64: true, Methods: smallMethods([]float64{0.03, 0.1, 0.3, 1, 3}, []float64{0.01, 0.1, 1, 10})},
		Seed: 1,
	}
)

// deepMethods are the deep autoencoder's rows: K-FAC with the paper's
// initial λ = 150 or with λ = 1 (better in short runs), K-FAC and FOOF under SGD with the same damping, Adam
// and SGD with momentum 0.9, given their learning rates to choose from.
func deepMethods(kfac, foof, adam, sgd []float64) []Method {
	return []Method{
		{Kind: KFAC, Dampings: []float64{1, 150}},
		{Kind: KFACSGD, LRs: kfac, Momentum: 0.9, Dampings: []float64{1}},
		{Kind: FOOF, LRs: foof, Momentum: 0.9, Dampings: []float64{1}},
		{Kind: Adam, LRs: adam},
		{Kind: SGDMoment, LRs: sgd, Momentum: 0.9},
	}
}

// smallMethods are Benzing's ablation: the exact natural gradient, K-FAC
// and FOOF, each under SGD with momentum 0.9 with the same learning
// rates and dampings to choose from; K-FAC as the full algorithm for
// reference.
func smallMethods(lrs, dampings []float64) []Method {
	return []Method{
		{Kind: Exact, LRs: lrs, Momentum: 0.9, Dampings: dampings},
		{Kind: KFACSGD, LRs: lrs, Momentum: 0.9, Dampings: dampings},
		{Kind: FOOF, LRs: lrs, Momentum: 0.9, Dampings: dampings},
		{Kind: KFAC, Dampings: []float64{1, 150}},
	}
}

// Curve is one method's training loss (mean over seeds) at the
// evaluation steps, with the mean training time to reach each.
type Curve struct {
	Method  string
	LR      float64 // the learning rate kept (zero for KFAC)
	Damping float64 // the damping kept
	Steps   []float64
	Seconds []float64
	Loss    []float64 // summed cross-entropy per image, mean over the seeds
	// Final and FinalSE are the last loss's mean over seeds and its
	// standard error; FinalSq is the squared reconstruction error per image
	// (the paper's measure), mean over the seeds.
	Final, FinalSE, FinalSq float64
	PerSeed                 []float64 // the final loss of each seed
}

// Result holds the curves of both problems, in the order of their methods.
type Result struct {
	Deep, Small []Curve
}

// Run trains every method of both problems.
func Run(cfg Config) (*Result, error) {
	deep, err := RunProblem(cfg.Deep, cfg.Seed)
	if err != nil {
		return nil, err
	}
	small, err := RunProblem(cfg.Small, cfg.Seed+1)
	if err != nil {
		return nil, err
	}
	return &Result{Deep: deep, Small: small}, nil
}

// RunProblem trains every method of p for p.Seeds seeds.
func RunProblem(p Problem, seed uint64) ([]Curve, error) {
	if p.Batch < 1 || p.Steps < 1 || p.EvalEvery < 1 || p.Seeds < 1 || len(p.Widths) < 2 || len(p.Methods) == 0 {
		return nil, fmt.Errorf("kfacfoof: invalid problem %+v", p)
	}
	im, err := images(p)
	if err != nil {
		return nil, err
	}
	if w := p.Widths; w[0] != im.Dim() || w[len(w)-1] != im.Dim() {
		return nil, fmt.Errorf("kfacfoof: widths %v for images of %d pixels", w, im.Dim())
	}
	var curves []Curve
	for _, m := range p.Methods {
		var c Curve
		var err error
		if p.Float64 {
			c, err = runMethod[float64](p, im, m, seed)
		} else {
			c, err = runMethod[float32](p, im, m, seed)
		}
		if err != nil {
			return nil, fmt.Errorf("kfacfoof: %s: %w", m.Kind, err)
		}
		curves = append(curves, c)
	}
	return curves, nil
}

// images loads the first p.Train MNIST training images, pooled.
func images(p Problem) (*datasets.Images, error) {
	im, err := datasets.MNIST(datasets.Train)
	if err != nil {
		return nil, err
	}
	if p.Train > 0 && p.Train < im.N {
		im = im.Subset(seq(p.Train))
	}
	if p.Pool > 1 || p.Margin > 0 {
		im = Shrink(im, p.Margin, max(p.Pool, 1))
	}
	return im, nil
}

// Shrink returns im with margin pixels cut from every side and the rest
// averaged over k×k blocks (the remaining sides must be multiples of k).
func Shrink(im *datasets.Images, margin, k int) *datasets.Images {
	rows, cols := im.Rows-2*margin, im.Cols-2*margin
	if k < 1 || rows < k || cols < k || rows%k != 0 || cols%k != 0 {
		panic(fmt.Sprintf("kfacfoof.Shrink: %d×%d images less a margin of %d in %d×%d blocks", im.Rows, im.Cols, margin, k, k))
	}
	r, c := rows/k, cols/k
	out := &datasets.Images{N: im.N, Rows: r, Cols: c, Pixels: make([]float32, im.N*r*c), Labels: im.Labels}
	for n := range im.N {
		src, dst := im.Pixels[n*im.Dim():], out.Pixels[n*r*c:]
		for i := range rows {
			for j := range cols {
				dst[(i/k)*c+j/k] += src[(i+margin)*im.Cols+j+margin] / float32(k*k)
			}
		}
	}
	return out
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// errDiverged marks a run whose loss or gradients became NaN or infinite.
var errDiverged = errors.New("diverged")

// run is one training run: the loss at each evaluation, the training time
// to reach it, and the final squared error.
type run struct {
	loss, seconds []float64
	sq            float64
}

// runMethod chooses m's learning rate and damping on the first seed and
// runs the other seeds with them.
func runMethod[T ad.Float](p Problem, im *datasets.Images, m Method, seed uint64) (Curve, error) {
	lrs, dampings := m.LRs, m.Dampings
	if m.Kind == KFAC || len(lrs) == 0 {
		lrs = []float64{0}
	}
	if len(dampings) == 0 {
		dampings = []float64{0}
	}
	var best run
	lr, damping := math.NaN(), 0.0
	for _, l := range lrs {
		for _, d := range dampings {
			r, err := trainOnce[T](p, im, m, l, d, seed, 0)
			if errors.Is(err, errDiverged) && len(lrs)*len(dampings) > 1 {
				continue // too large a step: the grid has other choices
			}
			if err != nil {
				return Curve{}, fmt.Errorf("learning rate %v, damping %v: %w", l, d, err)
			}
			if final := r.loss[len(r.loss)-1]; math.IsNaN(lr) || final < best.loss[len(best.loss)-1] {
				best, lr, damping = r, l, d
			}
		}
	}
	if math.IsNaN(lr) {
		return Curve{}, fmt.Errorf("every learning rate of %v and damping of %v diverged", lrs, dampings)
	}
	runs := []run{best}
	for s := 1; s < p.Seeds; s++ {
		r, err := trainOnce[T](p, im, m, lr, damping, seed, uint64(s))
		if err != nil {
			return Curve{}, fmt.Errorf("learning rate %v, damping %v, seed %d: %w", lr, damping, s, err)
		}
		runs = append(runs, r)
	}
	c := Curve{Method: m.Kind, LR: lr, Damping: damping}
	for k := range best.loss {
		var l, t []float64
		for _, r := range runs {
			l, t = append(l, r.loss[k]), append(t, r.seconds[k])
		}
		c.Steps = append(c.Steps, float64(min(k*p.EvalEvery, p.Steps)))
		c.Loss, c.Seconds = append(c.Loss, stat.Mean(l, nil)), append(c.Seconds, stat.Mean(t, nil))
	}
	var sq []float64
	for _, r := range runs {
		c.PerSeed = append(c.PerSeed, r.loss[len(r.loss)-1])
		sq = append(sq, r.sq)
	}
	c.Final, c.FinalSq = stat.Mean(c.PerSeed, nil), stat.Mean(sq, nil)
	if n := len(runs); n > 1 {
		c.FinalSE = stat.StdDev(c.PerSeed, nil) / math.Sqrt(float64(n))
	}
	return c, nil
}

// loss is the batch mean of the summed Bernoulli cross-entropy of the
// reconstruction logits of x.
func loss[T ad.Float](logits, x *ad.Tensor[T]) *ad.Tensor[T] {
	return ad.Mean(ad.Sum(ad.BCEWithLogits(logits, x), 1))
}

// trainOnce trains a fresh autoencoder (initialised from seed and rep) by
// m at learning rate lr and damping.
func trainOnce[T ad.Float](p Problem, im *datasets.Images, m Method, lr, damping float64, seed, rep uint64) (run, error) {
	rnd := rand.New(rand.NewPCG(seed, 1000+rep))
	net := nn.NewMLP[T](rnd, p.Widths, ad.Sigmoid[T])
	params := net.Params()
	var xb *ad.Tensor[T] // the current batch, read by K-FAC's loss and the exact curvature
	opt, rec, err := newOptimizer(net, m, lr, damping, func() *ad.Tensor[T] { return xb })
	if err != nil {
		return run{}, err
	}
	eval := evalSet[T](im, p.Eval)
	var r run
	record := func(elapsed time.Duration) error {
		l, sq := evaluate(net, eval)
		if math.IsNaN(l) || math.IsInf(l, 0) {
			return fmt.Errorf("%w: training loss %v after %.0f s", errDiverged, l, elapsed.Seconds())
		}
		r.loss, r.seconds, r.sq = append(r.loss, l), append(r.seconds, elapsed.Seconds()), sq
		return nil
	}
	if err := record(0); err != nil {
		return run{}, err
	}
	var elapsed time.Duration
	var buf []T
	sampled := m.Kind == KFAC || m.Kind == KFACSGD
	var perm []int
	for step := 1; step <= p.Steps; step++ {
		start := time.Now()
		if len(perm) < p.Batch {
			perm = rnd.Perm(im.N)
		}
		idx := perm[:p.Batch]
		perm = perm[p.Batch:]
		buf = datasets.GatherBatch(buf, im, idx, nil)
		xb = ad.New(slices.Clone(buf), p.Batch, im.Dim())
		nn.ZeroGrad(net)
		logits := net.Forward(xb)
		if sampled {
			// Targets drawn from the model: K-FAC's G is then the true
			// Fisher's factor, as Martens & Grosse recommend.
			loss(logits, sample(rnd, logits)).BackwardKeepGraph(nil)
			rec.KeepCurvatureGrads()
			nn.ZeroGrad(net)
		}
		loss(logits, xb).Backward()
		if err := opt.Step(params); err != nil {
			var nf *optim.NonFiniteError
			if errors.As(err, &nf) {
				err = fmt.Errorf("%w: %w", errDiverged, err)
			}
			return run{}, fmt.Errorf("step %d: %w", step, err)
		}
		elapsed += time.Since(start)
		if step%p.EvalEvery == 0 || step == p.Steps {
			if err := record(elapsed); err != nil {
				return run{}, fmt.Errorf("step %d: %w", step, err)
			}
		}
	}
	return r, nil
}

// sample draws Bernoulli targets with the probabilities σ(logits).
func sample[T ad.Float](rnd *rand.Rand, logits *ad.Tensor[T]) *ad.Tensor[T] {
	y := ad.Zeros[T](logits.Shape()...)
	for i, l := range logits.Data {
		if rnd.Float64()*(1+math.Exp(-float64(l))) < 1 {
			y.Data[i] = 1
		}
	}
	return y
}

// newOptimizer builds m's optimizer for net; batch returns the current
// training batch. The recorder is nil for Adam and SGD.
func newOptimizer[T ad.Float](net *nn.MLP[T], m Method, lr, damping float64, batch func() *ad.Tensor[T]) (optim.Optimizer[T], *nn.Recorder[T], error) {
	sgd := &optim.SGD[T]{LR: T(lr), Momentum: T(m.Momentum)}
	switch m.Kind {
	case KFAC:
		rec := nn.Record(net)
		return &optim.KFACStep[T]{
			Rec:        rec,
			KFAC:       optim.KFAC[T]{Damping: damping, Decay: 0.95, InvEvery: 20, Fisher: optim.Sampled},
			AdaptEvery: 5, GammaEvery: 20,
			Loss: func() float64 { l, _ := evaluate(net, batch()); return l },
		}, rec, nil
	case KFACSGD:
		rec := nn.Record(net)
		return &optim.Preconditioned[T]{Base: sgd, P: &optim.KFAC[T]{Damping: damping, InvEvery: 20, Fisher: optim.Sampled}, Rec: rec}, rec, nil
	case FOOF:
		rec := nn.Record(net)
		return &optim.Preconditioned[T]{Base: sgd, P: &optim.FOOF[T]{Damping: damping, InvEvery: 20}, Rec: rec}, rec, nil
	case Exact:
		n64, ok := any(net).(*nn.MLP[float64])
		if !ok {
			return nil, nil, fmt.Errorf("the exact update needs float64 (set Problem.Float64)")
		}
		curv := func([]*ad.Tensor[float64]) (*mat.SymDense, error) {
			return GaussNewton(n64, any(batch()).(*ad.Tensor[float64])), nil
		}
		p := any(&optim.Exact[float64]{Curvature: curv, Damping: damping}).(optim.Preconditioner[T])
		return &optim.Preconditioned[T]{Base: sgd, P: p}, nil, nil
	case Adam:
		return &optim.Adam[T]{LR: T(lr)}, nil, nil
	case SGDMoment:
		return sgd, nil, nil
	}
	return nil, nil, fmt.Errorf("unknown method kind %q", m.Kind)
}

// evalSet returns the first n images of im (all if n is zero or more).
func evalSet[T ad.Float](im *datasets.Images, n int) *ad.Tensor[T] {
	if n <= 0 || n > im.N {
		n = im.N
	}
	return ad.New(datasets.GatherBatch[T](nil, im, seq(n), nil), n, im.Dim())
}

// evaluate returns the mean summed cross-entropy and the mean summed
// squared error of the reconstructions σ(logits) of x, per image.
func evaluate[T ad.Float](net *nn.MLP[T], x *ad.Tensor[T]) (ce, sq float64) {
	hook := net.Hook
	net.Hook = nil // an evaluation pass must not replace the recorded training pass
	defer func() { net.Hook = hook }()
	s := &ad.Scope{NoGrad: true}
	defer s.Release()
	logits := net.Forward(ad.In(s, x))
	ce = float64(loss(logits, x).Item())
	for i, l := range logits.Data {
		d := 1/(1+math.Exp(-float64(l))) - float64(x.Data[i])
		sq += d * d
	}
	return ce, sq / float64(x.Dim(0))
}

// Figures draws the deep autoencoder's training loss against steps and
// against seconds, and the small problem's against steps.
func Figures(r *Result) (steps, seconds, ablation viz.Line) {
	steps = viz.Line{Title: "deep autoencoder: training loss against steps", XLabel: "step", YLabel: "cross-entropy per image", LogY: true}
	seconds = viz.Line{Title: "deep autoencoder: training loss against wall time", XLabel: "seconds of training", YLabel: "cross-entropy per image", LogY: true}
	ablation = viz.Line{Title: "small autoencoder: exact natural gradient, K-FAC and FOOF", XLabel: "step", YLabel: "cross-entropy per image", LogY: true}
	for _, c := range r.Deep {
		steps.Series = append(steps.Series, viz.Series{Name: c.Method, X: c.Steps, Y: c.Loss})
		seconds.Series = append(seconds.Series, viz.Series{Name: c.Method, X: c.Seconds, Y: c.Loss})
	}
	for _, c := range r.Small {
		ablation.Series = append(ablation.Series, viz.Series{Name: c.Method, X: c.Steps, Y: c.Loss})
	}
	return steps, seconds, ablation
}

// Find returns the curve of the method kind in cs; it panics if there is
// none.
func Find(cs []Curve, kind string) Curve {
	for _, c := range cs {
		if c.Method == kind {
			return c
		}
	}
	panic(fmt.Sprintf("kfacfoof.Find: no curve of %q", kind))
}

// SecondsTo returns the training time at which c's loss first reaches
// target, interpolated linearly between evaluations, and +Inf if it never
// does.
func SecondsTo(c Curve, target float64) float64 {
	for k, l := range c.Loss {
		if l > target {
			continue
		}
		if k == 0 {
			return 0
		}
		f := (c.Loss[k-1] - target) / (c.Loss[k-1] - l)
		return c.Seconds[k-1] + f*(c.Seconds[k]-c.Seconds[k-1])
	}
	return math.Inf(1)
}
