// Package rgm reproduces the toy experiments of Struminsky et al. (2021),
// Leveraging Recursive Gumbel-Max Trick for Approximate Inference in
// Combinatorial Spaces: Adam on the logits of a spanning tree, an
// arborescence or a top-k subset, minimising a black-box loss with each
// estimator of the recursive Gumbel-Max family, recording the loss and the
// variance of the gradient estimates.
package rgm

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/stochgrad/stochgrad/estimators"
	"github.com/stochgrad/stochgrad/toolkit"
	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/nn"
	"github.com/stochgrad/stochgrad/toolkit/optim"
	"github.com/stochgrad/stochgrad/toolkit/solvers"
	"github.com/stochgrad/stochgrad/viz"
	"gonum.org/v1/gonum/stat"
)

// Estimators returns the paper's estimators by sample size: E-REINFORCE
// and T-REINFORCE, each without and with a leave-one-out baseline ("+",
// which needs 2 samples), and RELAX with a critic of the given width
// (see NewCriticRELAX) over the given number of variables.
func Estimators(variables, hidden int, seed uint64) []toolkit.NamedEstimator {
	return []toolkit.NamedEstimator{
		{Name: "E-REINFORCE", New: func(s int) estimators.Estimator[float64] { return estimators.EReinforce[float64]{Samples: s} }},
		{Name: "T-REINFORCE", New: func(s int) estimators.Estimator[float64] { return estimators.TReinforce[float64]{Samples: s} }},
		{Name: "E-REINFORCE+", New: func(s int) estimators.Estimator[float64] {
			return estimators.EReinforce[float64]{Samples: s, LeaveOneOut: true}
		}},
		{Name: "T-REINFORCE+", New: func(s int) estimators.Estimator[float64] {
			return estimators.TReinforce[float64]{Samples: s, LeaveOneOut: true}
		}},
		{Name: "RELAX", New: func(s int) estimators.Estimator[float64] { return NewCriticRELAX(variables, hidden, seed, s) }},
	}
}

// CriticRELAX is RELAX whose residual is a ReLU network that the
// experiment trains alongside the logits, on RELAX's variance gradient.
type CriticRELAX struct {
	estimators.RELAX[float64]
	Net *nn.MLP[float64]
}

// Params returns the critic's parameters, for the optimiser.
func (c CriticRELAX) Params() []*ad.Tensor[float64] { return c.Net.Params() }

// NewCriticRELAX returns RELAX with samples samples and a fresh critic: an MLP
// from the variables through one hidden ReLU layer of the given width to
// one output, initialised from seed.
func NewCriticRELAX(variables, hidden int, seed uint64, samples int) CriticRELAX {
	net := nn.NewMLP(rand.New(rand.NewPCG(seed, 3)), []int{variables, hidden, 1}, ad.ReLU[float64])
	return CriticRELAX{RELAX: estimators.RELAX[float64]{Samples: samples, Residual: estimators.Critic(net)}, Net: net}
}

// Experiment is the toy experiment of the recursive Gumbel-Max paper:
// starting from zero logits, Adam minimises E[Loss(z)] over the structure
// with each estimator in turn, recording the loss and the variance of the
// gradient estimates. All estimators see the same random stream (common
// random numbers: each step and each evaluation estimate draws from a
// generator seeded from a stream that is the same for every estimator), and
// the evaluations have a stream of their own so that they do not change the
// training runs.
type Experiment struct {
	Structure solvers.Tracer
	// Variables is the number of logits (items or edges) of Structure.
	Variables int
	// Loss is the black-box objective, given indicators z of shape
	// [S, Structure.Len()].
	Loss estimators.Func[float64]
	// Estimators to run, in order, each built afresh for the run with
	// Samples samples; an estimator with Params() (CriticRELAX) has them
	// trained by the same Adam as the logits. Nil means
	// Estimators(Variables, Hidden, Seed).
	Estimators []toolkit.NamedEstimator
	// Iterations is the number of Adam steps, default 1000.
	Iterations int
	// Samples is the number of evaluations of Loss per step for every
	// estimator (the "+" variants need at least 2), default 2.
	Samples int
	// LearningRate is Adam's step size for the logits and the critic,
	// default 0.01 (the reference's).
	LearningRate float64
	// EvalEvery is the number of steps between evaluations, default
	// Iterations/50 (at least 1); step 0 is always evaluated.
	EvalEvery int
	// EvalSamples is the number of independent gradient estimates from
	// which each evaluation measures the variance, default 100.
	EvalSamples int
	// Hidden is the width of RELAX's critic, default 32.
	Hidden int
	// Seed seeds the random streams.
	Seed uint64
}

// History is the record of one estimator's run.
type History struct {
	Name string
	// Unsupported, when not nil, says why the estimator cannot run the
	// setting (estimators.ErrUnsupported: a leave-one-out baseline with
	// one sample); the record is then empty.
	Unsupported error
	// Loss holds, for every step, the estimate's Value: the mean of Loss
	// over that step's samples.
	Loss []float64
	// EvalIter holds the steps at which the evaluations ran (before the
	// step's update).
	EvalIter []int
	// EvalLoss is the mean of Loss over EvalSamples·Samples fresh draws.
	EvalLoss []float64
	// GradVar is the total variance Σ_k Var(ĝ_k) of one gradient estimate
	// (with Samples samples) at the current logits, from EvalSamples
	// independent estimates.
	GradVar []float64
	// Logits are the final logits.
	Logits []float64
}

// MeanGradVar returns the mean of GradVar over the run's evaluations and
// its standard error, treating the evaluations as independent (each uses
// fresh draws; the logits they are taken at drift slowly).
func (h History) MeanGradVar() (mean, se float64) {
	return meanSE(h.GradVar)
}

// FinalLoss returns the last evaluation's loss.
func (h History) FinalLoss() float64 { return h.EvalLoss[len(h.EvalLoss)-1] }

// SpanningTreeLoss returns the reference's spanning-tree toy objective
// on n nodes: the number of tree edges not incident to node 0, so that the
// star centred at 0 is the unique optimum (loss 0). The reference code
// indexes edges[:, 0, :] (the endpoints of the first edge) instead of the
// first endpoint of every edge, so what it optimises is not this documented
// objective; this is the documented one.
func SpanningTreeLoss(n int) estimators.Func[float64] {
	m := solvers.NumEdges(n)
	far := make([]bool, m) // edges not touching node 0
	for k := range far {
		u, _ := solvers.EdgeNodes(n, k)
		far[k] = u != 0
	}
	return func(z *ad.Tensor[float64]) *ad.Tensor[float64] {
		s := rows("SpanningTreeLoss", z, m)
		out := make([]float64, s)
		for i := range s {
			for k, f := range far {
				if f {
					out[i] += z.Data[i*m+k]
				}
			}
		}
		return ad.New(out, s)
	}
}

// ArborescenceLoss returns the reference's arborescence toy objective on
// n nodes: minus the largest out-degree, so that the star from the root is
// the optimum (loss −(n−1)).
func ArborescenceLoss(n int) estimators.Func[float64] {
	return func(z *ad.Tensor[float64]) *ad.Tensor[float64] {
		s := rows("ArborescenceLoss", z, n*n)
		out := make([]float64, s)
		for i := range s {
			best := 0.0
			for u := range n {
				deg := 0.0
				for v := range n {
					deg += z.Data[i*n*n+u*n+v]
				}
				best = max(best, deg)
			}
			out[i] = -best
		}
		return ad.New(out, s)
	}
}

// TopKLoss returns a top-k toy objective (the reference has none): with
// the chosen items' indices summing to σ and σ* the largest possible sum,
// the loss ((σ* − σ)/k)² is non-linear in z and is 0 only at the k
// highest-numbered items.
func TopKLoss(n, k int) estimators.Func[float64] {
	best := 0.0
	for i := n - k; i < n; i++ {
		best += float64(i)
	}
	return func(z *ad.Tensor[float64]) *ad.Tensor[float64] {
		s := rows("TopKLoss", z, n)
		out := make([]float64, s)
		for r := range s {
			sum := 0.0
			for i := range n {
				sum += float64(i) * z.Data[r*n+i]
			}
			d := (best - sum) / float64(k)
			out[r] = d * d
		}
		return ad.New(out, s)
	}
}

// SpanningTreeToy returns the reference's spanning-tree toy setting:
// n = 7, SpanningTreeLoss, Adam with learning rate 0.01 from zero
// logits, 50000 steps (2000 when quick). The reference drew one sample per
// step; here every estimator gets 2 so that the "+" variants can run at the
// same budget.
func SpanningTreeToy(quick bool) Experiment {
	x := Experiment{Structure: solvers.SpanningTree[float64]{N: 7}, Variables: 21, Loss: SpanningTreeLoss(7), Iterations: 50000, Samples: 2, EvalEvery: 500, EvalSamples: 100, Seed: 23}
	if quick {
		x.Iterations, x.EvalEvery = 2000, 100
	}
	return x
}

// ArborescenceToy returns the reference's arborescence toy setting:
// n = 10 rooted at 0, ArborescenceLoss, 3 samples per step, Adam with
// learning rate 0.01 from zero logits, 15000 steps (2000 when quick).
func ArborescenceToy(quick bool) Experiment {
	x := Experiment{Structure: solvers.Arborescence[float64]{N: 10}, Variables: 100, Loss: ArborescenceLoss(10), Iterations: 15000, Samples: 3, EvalEvery: 500, EvalSamples: 100, Seed: 23}
	if quick {
		x.Iterations, x.EvalEvery = 2000, 100
	}
	return x
}

// TopKToy returns a top-k toy setting in the same style: top-3 of 10
// items, TopKLoss, 2 samples per step, 10000 steps (1000 when quick).
func TopKToy(quick bool) Experiment {
	x := Experiment{Structure: solvers.TopK[float64]{K: 3}, Variables: 10, Loss: TopKLoss(10, 3), Iterations: 10000, Samples: 2, EvalEvery: 250, EvalSamples: 100, Seed: 23}
	if quick {
		x.Iterations, x.EvalEvery = 1000, 50
	}
	return x
}

// Toy is one of the notebook's settings with its names.
type Toy struct {
	// Name is for titles, Key for RESULT lines.
	Name, Key string
	Experiment
}

// Toys returns the notebook's three settings: the spanning tree, the
// arborescence and the top-k subset, quick or full.
func Toys(quick bool) []Toy {
	return []Toy{
		{"spanning tree (7 nodes)", "spanning_tree", SpanningTreeToy(quick)},
		{"arborescence (10 nodes)", "arborescence", ArborescenceToy(quick)},
		{"top-3 subset of 10", "topk", TopKToy(quick)},
	}
}

// Run runs the experiment and returns one history per estimator, in the
// order of Estimators. An estimator that cannot run the setting gets a
// history whose Unsupported says why. Run stops with an error at the first
// non-finite loss or logit.
func (x Experiment) Run() ([]History, error) {
	if x.Structure == nil || x.Loss == nil || x.Variables < 1 {
		return nil, errors.New("rgm: Experiment needs a Structure, its number of Variables and a Loss")
	}
	iters, samples, lr := orDefault(x.Iterations, 1000), orDefault(x.Samples, 2), x.LearningRate
	if lr == 0 {
		lr = 0.01
	}
	every := orDefault(x.EvalEvery, max(1, iters/50))
	evals := orDefault(x.EvalSamples, 100)
	if iters < 0 || samples < 1 || lr < 0 || math.IsNaN(lr) || every < 1 || evals < 2 || x.Hidden < 0 {
		return nil, fmt.Errorf("rgm: Experiment: invalid settings (Iterations %d, Samples %d, LearningRate %g, EvalEvery %d, EvalSamples %d, Hidden %d)", iters, samples, lr, every, evals, x.Hidden)
	}
	ests := x.Estimators
	if ests == nil {
		ests = Estimators(x.Variables, orDefault(x.Hidden, 32), x.Seed)
	}
	out := make([]History, 0, len(ests))
	for _, e := range ests {
		if e.New == nil {
			return out, fmt.Errorf("rgm: Experiment: estimator %q has a nil New", e.Name)
		}
		h, err := x.run(e.Name, e.New(samples), iters, lr, every, evals)
		if err != nil {
			return out, err
		}
		out = append(out, h)
	}
	return out, nil
}

func (x Experiment) run(name string, est estimators.Estimator[float64], iters int, lr float64, every, evals int) (History, error) {
	logits := ad.Param(ad.Zeros[float64](x.Variables))
	h := History{Name: name}
	if err := estimators.Check(est, x.dist(logits)); err != nil {
		if errors.Is(err, estimators.ErrUnsupported) {
			h.Unsupported = err
			return h, nil
		}
		return h, fmt.Errorf("rgm: Experiment: %s: %w", name, err)
	}
	params := []*ad.Tensor[float64]{logits}
	if t, ok := est.(interface{ Params() []*ad.Tensor[float64] }); ok {
		params = append(params, t.Params()...)
	}
	rnd := rand.New(rand.NewPCG(x.Seed, 1))
	evalRnd := rand.New(rand.NewPCG(x.Seed, 2))
	opt := &optim.Adam[float64]{LR: lr}
	h.Loss = make([]float64, 0, iters)
	for it := range iters {
		if it%every == 0 {
			loss, v := x.evaluate(evalRnd, est, logits, evals)
			for _, p := range params[1:] {
				p.ZeroGrad() // the evaluations' critic gradients are not for training
			}
			h.EvalIter, h.EvalLoss, h.GradVar = append(h.EvalIter, it), append(h.EvalLoss, loss), append(h.GradVar, v)
		}
		for _, p := range params {
			p.ZeroGrad()
		}
		e := est.Estimate(substream(rnd), x.dist(logits), x.Loss)
		if math.IsNaN(e.Value) || math.IsInf(e.Value, 0) {
			return h, fmt.Errorf("rgm: Experiment: %s step %d: loss is %g", name, it, e.Value)
		}
		e.Surrogate.Backward()
		if err := opt.Step(params); err != nil {
			return h, fmt.Errorf("rgm: Experiment: %s step %d: %w", name, it, err)
		}
		for _, v := range logits.Data {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return h, fmt.Errorf("rgm: Experiment: %s step %d: non-finite logit %g", name, it, v)
			}
		}
		h.Loss = append(h.Loss, e.Value)
	}
	h.Logits = slices.Clone(logits.Data)
	return h, nil
}

// dist is the structure's distribution at the logits.
func (x Experiment) dist(logits *ad.Tensor[float64]) estimators.Structured[float64] {
	return estimators.Structured[float64]{Logits: logits, Structure: x.Structure}
}

// evaluate returns the mean loss and the total variance of evals
// independent gradient estimates at the logits.
func (x Experiment) evaluate(rnd *rand.Rand, est estimators.Estimator[float64], logits *ad.Tensor[float64], evals int) (loss, variance float64) {
	n := logits.Len()
	sum, sq := make([]float64, n), make([]float64, n)
	for range evals {
		leaf := ad.Param(logits.Clone())
		e := est.Estimate(substream(rnd), x.dist(leaf), x.Loss)
		e.Surrogate.Backward()
		loss += e.Value / float64(evals)
		g := leaf.GradTensor().Data
		for i, v := range g {
			sum[i] += v
			sq[i] += v * v
		}
	}
	m := float64(evals)
	for i := range sum {
		variance += (sq[i] - sum[i]*sum[i]/m) / (m - 1)
	}
	return loss, variance
}

// substream returns a generator seeded from rnd. Every estimate gets its
// own, so that estimators that draw different amounts (RELAX draws its
// conditional samples too) still see the same exponentials at every step.
func substream(rnd *rand.Rand) *rand.Rand {
	return rand.New(rand.NewPCG(rnd.Uint64(), rnd.Uint64()))
}

// rows checks that z holds rows of m entries and returns their number.
func rows(op string, z *ad.Tensor[float64], m int) int {
	if z.Rank() < 1 || z.Len() != z.Dim(0)*m {
		panic(fmt.Sprintf("rgm.%s: indicators of shape %v, want [S, %d]", op, z.Shape(), m))
	}
	return z.Dim(0)
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// meanSE returns the mean of v and its standard error.
func meanSE(v []float64) (mean, se float64) {
	mean, std := stat.MeanStdDev(v, nil)
	return mean, std / math.Sqrt(float64(len(v)))
}

// Figure draws one quantity of every run against the step: GradVar
// (variance true) or EvalLoss, one series per supported estimator.
func Figure(title string, hs []History, variance bool) viz.Line {
	l := viz.Line{Title: title, XLabel: "step", YLabel: "E f(X)"}
	if variance {
		l.YLabel, l.LogY = "Σ Var(ĝ)", true
	}
	for _, h := range hs {
		if h.Unsupported != nil {
			continue
		}
		x := make([]float64, len(h.EvalIter))
		for i, it := range h.EvalIter {
			x[i] = float64(it)
		}
		y := h.EvalLoss
		if variance {
			y = h.GradVar
		}
		l.Series = append(l.Series, viz.Series{Name: h.Name, X: x, Y: y})
	}
	return l
}

// VarianceRatio returns a's mean gradient variance over b's (MeanGradVar)
// and its standard error by the delta method, the two means taken as
// independent: their evaluations draw from the same stream, which
// correlates them positively, so the error is if anything overstated.
func VarianceRatio(a, b History) (ratio, se float64) {
	ma, sa := a.MeanGradVar()
	mb, sb := b.MeanGradVar()
	ratio = ma / mb
	return ratio, ratio * math.Hypot(sa/ma, sb/mb)
}

// Find returns the history of the named estimator, or false.
func Find(hs []History, name string) (History, bool) {
	for _, h := range hs {
		if h.Name == name {
			return h, true
		}
	}
	return History{}, false
}
