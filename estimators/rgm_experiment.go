package estimators

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/nn"
	"github.com/stochgrad/stochgrad/toolkit/solvers"
)

// RGMEstimator names an estimator of the recursive Gumbel-Max family for
// RGMExperiment.
type RGMEstimator int

const (
	RGMEReinforce     RGMEstimator = iota // E-REINFORCE (EReinforce)
	RGMTReinforce                         // T-REINFORCE (TReinforce)
	RGMEReinforcePlus                     // E-REINFORCE+ (EReinforce with LeaveOneOut)
	RGMTReinforcePlus                     // T-REINFORCE+ (TReinforce with LeaveOneOut)
	RGMRELAX                              // RELAX (TraceRELAX with a trained TraceCritic)
)

// RGMEstimators lists every RGMEstimator in order.
var RGMEstimators = []RGMEstimator{RGMEReinforce, RGMTReinforce, RGMEReinforcePlus, RGMTReinforcePlus, RGMRELAX}

// String returns the estimator's name as in the paper.
func (k RGMEstimator) String() string {
	switch k {
	case RGMEReinforce:
		return "E-REINFORCE"
	case RGMTReinforce:
		return "T-REINFORCE"
	case RGMEReinforcePlus:
		return "E-REINFORCE+"
	case RGMTReinforcePlus:
		return "T-REINFORCE+"
	case RGMRELAX:
		return "RELAX"
	}
	return fmt.Sprintf("RGMEstimator(%d)", int(k))
}

// RGMExperiment is the toy experiment of the recursive Gumbel-Max paper:
// starting from zero logits, Adam minimises E[Loss(z)] over the structure
// with each estimator in turn, recording the loss and the variance of the
// gradient estimates. All estimators see the same random stream (common
// random numbers: each step and each evaluation estimate draws from a
// generator seeded from a stream that is the same for every estimator), and
// the evaluations have a stream of their own so that they do not change the
// training runs.
type RGMExperiment struct {
	Structure solvers.Tracer
	// Variables is the number of logits (items or edges) of Structure.
	Variables int
	// Loss is the black-box objective, given indicators z of shape
	// [S, Structure.Len()].
	Loss Func[float64]
	// Estimators to run, in order; nil means RGMEstimators (all five).
	Estimators []RGMEstimator
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

// RGMHistory is the record of one estimator's run.
type RGMHistory struct {
	Estimator RGMEstimator
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

// RGMSpanningTreeLoss returns the reference's spanning-tree toy objective
// on n nodes: the number of tree edges not incident to node 0, so that the
// star centred at 0 is the unique optimum (loss 0). The reference code
// indexes edges[:, 0, :] (the endpoints of the first edge) instead of the
// first endpoint of every edge, so what it optimises is not this documented
// objective; this is the documented one.
func RGMSpanningTreeLoss(n int) Func[float64] {
	m := solvers.NumEdges(n)
	far := make([]bool, m) // edges not touching node 0
	for k := range far {
		u, _ := solvers.EdgeNodes(n, k)
		far[k] = u != 0
	}
	return func(z *ad.Tensor[float64]) *ad.Tensor[float64] {
		s := rgmRows("RGMSpanningTreeLoss", z, m)
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

// RGMArborescenceLoss returns the reference's arborescence toy objective on
// n nodes: minus the largest out-degree, so that the star from the root is
// the optimum (loss −(n−1)).
func RGMArborescenceLoss(n int) Func[float64] {
	return func(z *ad.Tensor[float64]) *ad.Tensor[float64] {
		s := rgmRows("RGMArborescenceLoss", z, n*n)
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

// RGMTopKLoss returns a top-k toy objective (the reference has none): with
// the chosen items' indices summing to σ and σ* the largest possible sum,
// the loss ((σ* − σ)/k)² is non-linear in z and is 0 only at the k
// highest-numbered items.
func RGMTopKLoss(n, k int) Func[float64] {
	best := 0.0
	for i := n - k; i < n; i++ {
		best += float64(i)
	}
	return func(z *ad.Tensor[float64]) *ad.Tensor[float64] {
		s := rgmRows("RGMTopKLoss", z, n)
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

// RGMSpanningTreeToy returns the reference's spanning-tree toy setting:
// n = 7, RGMSpanningTreeLoss, Adam with learning rate 0.01 from zero
// logits, 50000 steps (2000 when quick). The reference drew one sample per
// step; here every estimator gets 2 so that the "+" variants can run at the
// same budget.
func RGMSpanningTreeToy(quick bool) RGMExperiment {
	x := RGMExperiment{Structure: solvers.SpanningTree[float64]{N: 7}, Variables: 21, Loss: RGMSpanningTreeLoss(7), Iterations: 50000, Samples: 2, EvalEvery: 500, EvalSamples: 100, Seed: 23}
	if quick {
		x.Iterations, x.EvalEvery = 2000, 100
	}
	return x
}

// RGMArborescenceToy returns the reference's arborescence toy setting:
// n = 10 rooted at 0, RGMArborescenceLoss, 3 samples per step, Adam with
// learning rate 0.01 from zero logits, 15000 steps (2000 when quick).
func RGMArborescenceToy(quick bool) RGMExperiment {
	x := RGMExperiment{Structure: solvers.Arborescence[float64]{N: 10}, Variables: 100, Loss: RGMArborescenceLoss(10), Iterations: 15000, Samples: 3, EvalEvery: 500, EvalSamples: 100, Seed: 23}
	if quick {
		x.Iterations, x.EvalEvery = 2000, 100
	}
	return x
}

// RGMTopKToy returns a top-k toy setting in the same style: top-3 of 10
// items, RGMTopKLoss, 2 samples per step, 10000 steps (1000 when quick).
func RGMTopKToy(quick bool) RGMExperiment {
	x := RGMExperiment{Structure: solvers.TopK[float64]{K: 3}, Variables: 10, Loss: RGMTopKLoss(10, 3), Iterations: 10000, Samples: 2, EvalEvery: 250, EvalSamples: 100, Seed: 23}
	if quick {
		x.Iterations, x.EvalEvery = 1000, 50
	}
	return x
}

// Run runs the experiment and returns one history per estimator, in the
// order of Estimators. It stops with an error at the first non-finite loss
// or logit.
func (x RGMExperiment) Run() ([]RGMHistory, error) {
	if x.Structure == nil || x.Loss == nil || x.Variables < 1 {
		return nil, errors.New("estimators: RGMExperiment needs a Structure, its number of Variables and a Loss")
	}
	ests := x.Estimators
	if ests == nil {
		ests = RGMEstimators
	}
	iters, samples, lr := rgmDefault(x.Iterations, 1000), rgmDefault(x.Samples, 2), x.LearningRate
	if lr == 0 {
		lr = 0.01
	}
	every := rgmDefault(x.EvalEvery, max(1, iters/50))
	evals := rgmDefault(x.EvalSamples, 100)
	if iters < 0 || samples < 1 || lr < 0 || math.IsNaN(lr) || every < 1 || evals < 2 || x.Hidden < 0 {
		return nil, fmt.Errorf("estimators: RGMExperiment: invalid settings (Iterations %d, Samples %d, LearningRate %g, EvalEvery %d, EvalSamples %d, Hidden %d)", iters, samples, lr, every, evals, x.Hidden)
	}
	for _, k := range ests {
		if k < RGMEReinforce || k > RGMRELAX {
			return nil, fmt.Errorf("estimators: RGMExperiment: unknown estimator %v", k)
		}
		if (k == RGMEReinforcePlus || k == RGMTReinforcePlus) && samples < 2 {
			return nil, fmt.Errorf("estimators: RGMExperiment: %v needs Samples ≥ 2 (leave-one-out baseline), got %d", k, samples)
		}
	}
	out := make([]RGMHistory, 0, len(ests))
	for _, k := range ests {
		h, err := x.run(k, iters, samples, lr, every, evals)
		if err != nil {
			return out, err
		}
		out = append(out, h)
	}
	return out, nil
}

// rgmEstimatorFunc is an estimator at the logits of a structure.
type rgmEstimatorFunc func(rnd *rand.Rand, logits *ad.Tensor[float64], f Func[float64]) Estimate[float64]

func structured(st solvers.Tracer, e Estimator[float64]) rgmEstimatorFunc {
	return func(rnd *rand.Rand, logits *ad.Tensor[float64], f Func[float64]) Estimate[float64] {
		return e.Estimate(rnd, Structured[float64]{Logits: logits, Structure: st}, f)
	}
}

func (x RGMExperiment) run(k RGMEstimator, iters, samples int, lr float64, every, evals int) (RGMHistory, error) {
	n := x.Variables
	logits := ad.Param(ad.Zeros[float64](n))
	params := []*ad.Tensor[float64]{logits}
	var est rgmEstimatorFunc
	switch k {
	case RGMEReinforce, RGMEReinforcePlus:
		est = structured(x.Structure, EReinforce[float64]{Samples: samples, LeaveOneOut: k == RGMEReinforcePlus})
	case RGMTReinforce, RGMTReinforcePlus:
		est = structured(x.Structure, TReinforce[float64]{Samples: samples, LeaveOneOut: k == RGMTReinforcePlus})
	case RGMRELAX:
		critic := nn.NewMLP(rand.New(rand.NewPCG(x.Seed, 3)), []int{n, rgmDefault(x.Hidden, 32), 1}, ad.ReLU[float64])
		params = append(params, critic.Params()...)
		est = structured(x.Structure, RELAX[float64]{Samples: samples, Residual: Critic(critic)})
	}
	rnd := rand.New(rand.NewPCG(x.Seed, 1))
	evalRnd := rand.New(rand.NewPCG(x.Seed, 2))
	opt := rgmNewAdam(params, lr)
	h := RGMHistory{Estimator: k, Loss: make([]float64, 0, iters)}
	for it := range iters {
		if it%every == 0 {
			loss, v := rgmEvaluate(evalRnd, est, logits, x.Loss, evals)
			for _, p := range params[1:] {
				p.ZeroGrad() // the evaluations' critic gradients are not for training
			}
			h.EvalIter, h.EvalLoss, h.GradVar = append(h.EvalIter, it), append(h.EvalLoss, loss), append(h.GradVar, v)
		}
		for _, p := range params {
			p.ZeroGrad()
		}
		e := est(rgmSubstream(rnd), logits, x.Loss)
		if math.IsNaN(e.Value) || math.IsInf(e.Value, 0) {
			return h, fmt.Errorf("estimators: RGMExperiment: %v step %d: loss is %g", k, it, e.Value)
		}
		e.Surrogate.Backward()
		opt.step()
		for _, v := range logits.Data {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return h, fmt.Errorf("estimators: RGMExperiment: %v step %d: non-finite logit %g", k, it, v)
			}
		}
		h.Loss = append(h.Loss, e.Value)
	}
	h.Logits = slices.Clone(logits.Data)
	return h, nil
}

// rgmEvaluate returns the mean loss and the total variance of evals
// independent gradient estimates at the logits.
func rgmEvaluate(rnd *rand.Rand, est rgmEstimatorFunc, logits *ad.Tensor[float64], f Func[float64], evals int) (loss, variance float64) {
	n := logits.Len()
	sum, sq := make([]float64, n), make([]float64, n)
	for range evals {
		leaf := ad.Param(logits.Clone())
		e := est(rgmSubstream(rnd), leaf, f)
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

// rgmSubstream returns a generator seeded from rnd. Every estimate gets its
// own, so that estimators that draw different amounts (RELAX draws its
// conditional samples too) still see the same exponentials at every step.
func rgmSubstream(rnd *rand.Rand) *rand.Rand {
	return rand.New(rand.NewPCG(rnd.Uint64(), rnd.Uint64()))
}

// rgmAdam is Adam (Kingma and Ba) with the usual β = (0.9, 0.999), ε = 1e-8.
type rgmAdam struct {
	params []*ad.Tensor[float64]
	m, v   [][]float64
	lr     float64
	t      int
}

func rgmNewAdam(params []*ad.Tensor[float64], lr float64) *rgmAdam {
	a := &rgmAdam{params: params, lr: lr}
	for _, p := range params {
		a.m, a.v = append(a.m, make([]float64, p.Len())), append(a.v, make([]float64, p.Len()))
	}
	return a
}

func (a *rgmAdam) step() {
	const b1, b2, eps = 0.9, 0.999, 1e-8
	a.t++
	c1, c2 := 1-math.Pow(b1, float64(a.t)), 1-math.Pow(b2, float64(a.t))
	for i, p := range a.params {
		if p.Grad == nil {
			continue
		}
		m, v := a.m[i], a.v[i]
		for k, g := range p.Grad {
			m[k] = b1*m[k] + (1-b1)*g
			v[k] = b2*v[k] + (1-b2)*g*g
			p.Data[k] -= a.lr * (m[k] / c1) / (math.Sqrt(v[k]/c2) + eps)
		}
	}
}

// rgmRows checks that z holds rows of m entries and returns their number.
func rgmRows(op string, z *ad.Tensor[float64], m int) int {
	if z.Rank() < 1 || z.Len() != z.Dim(0)*m {
		panic(fmt.Sprintf("estimators.%s: indicators of shape %v, want [S, %d]", op, z.Shape(), m))
	}
	return z.Dim(0)
}

func rgmDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}
