package estimators

// Recursive Gumbel-Max trick with stochastic invariants (Struminsky et al.,
// "Leveraging Recursive Gumbel-Max Trick for Approximate Inference in
// Combinatorial Spaces", NeurIPS 2021).
//
// A structure (a k-subset, a spanning tree, an arborescence) is computed by
// an algorithm that only takes argmins of exponential variables E_e ~
// Exp(λ_e), one per item or edge, and subtracts minima (the stochastic
// invariant: given min_A E = m and its argmin, the residuals E_e − m are again
// independent Exp(λ_e)). The execution trace T — the candidate set and the
// argmin of every step — has a closed-form probability
//
//	log p(T) = Σ_s [θ_{arg_s} − log Σ_{e∈A_s} exp θ_e],
//
// and E given T can be sampled exactly. This file holds what is common to all
// structures: the trace, its log-probability as a differentiable op, the
// conditional E | T reparameterised in the logits, and the scores the
// estimators use.
//
// Sign convention. Logits are log-rates, θ_e = log λ_e, so that a larger
// logit makes e more likely to be chosen, as for every other distribution in
// stochgrad: E_e = exp(−θ_e)·ε_e with ε_e ~ Exp(1), and −log E_e = θ_e + G_e
// with G_e standard Gumbel, so argmin E is argmax of Gumbel-perturbed logits.
// The reference implementation's logits are l = log E[E] = −θ.

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
	"github.com/stochgrad/stochgrad/toolkit/solvers"
)

// Structured is the distribution over structures of the recursive
// Gumbel-Max trick: with E_e ~ Exp(rate exp θ_e) for the logits θ, the
// structure is what the recursive argmin algorithm Structure computes on E
// (solvers.TopK, solvers.SpanningTree, solvers.Arborescence). Sample returns
// its 0/1 indicator, of the logits' shape. EReinforce, TReinforce and RELAX
// estimate gradients through it; it has no closed-form log-probability of
// the structure (only of the execution trace, TraceLogProb).
type Structured[T ad.Float] struct {
	// Logits are θ, log-rates: a larger logit makes an item more likely.
	// Any shape; the structure indexes its elements in row-major order.
	Logits *ad.Tensor[T]
	// Structure is the algorithm.
	Structure solvers.Tracer
}

// Sample draws one structure: one uniform per variable from rnd, in index
// order, as the estimators do.
func (d Structured[T]) Sample(rnd *rand.Rand) *ad.Tensor[T] {
	d.check("Structured.Sample")
	theta := rgmFloat64s(d.Logits.Data)
	e, z := make([]float64, len(theta)), make([]float64, len(theta))
	for k := range e {
		e[k] = rgmStdExp(rnd) * rgmExpNeg(theta[k])
	}
	d.Structure.Trace(z, e)
	out := make([]T, len(z))
	for i, v := range z {
		out[i] = T(v)
	}
	return ad.New(out, d.Logits.Shape()...)
}

func (d Structured[T]) check(op string) {
	if d.Logits == nil || d.Structure == nil {
		panic(fmt.Sprintf("estimators.%s: nil Logits or Structure", op))
	}
}

// structuredOf returns p as a Structured distribution.
func structuredOf[T ad.Float](op string, p distributions.Sampler[T]) (Structured[T], error) {
	switch d := p.(type) {
	case Structured[T]:
		if d.Logits != nil && d.Structure != nil {
			return d, nil
		}
	case *Structured[T]:
		if d != nil && d.Logits != nil && d.Structure != nil {
			return *d, nil
		}
	}
	return Structured[T]{}, unsupported(op, "%s is not an estimators.Structured with Logits and a Structure", typeName(p))
}

// Exponentials draws E_e ~ Exp(rate exp θ_e) for the logits θ, reparameterised
// as E = exp(−θ)·(−log U) with one uniform U per entry drawn from rnd in index
// order. The result has the logits' shape, and gradients flow to the logits
// (∂E/∂θ = −E).
func Exponentials[T ad.Float](rnd *rand.Rand, logits *ad.Tensor[T]) *ad.Tensor[T] {
	eps := make([]T, logits.Len())
	for i := range eps {
		eps[i] = T(rgmStdExp(rnd))
	}
	return ad.Mul(ad.Exp(ad.Neg(logits)), ad.New(eps, logits.Shape()...))
}

// TraceLogProb returns log p(T), the log-probability of the trace under the
// logits, as a scalar through which gradients flow to the logits: its
// gradient is the T-REINFORCE score Σ_s [onehot(arg_s) − softmax_{A_s}(θ)].
// logits may have any shape; the trace indexes its elements in row-major
// order.
func TraceLogProb[T ad.Float](logits *ad.Tensor[T], tr solvers.Trace) *ad.Tensor[T] {
	theta := rgmFloat64s(logits.Data)
	rgmCheckTrace("TraceLogProb", tr, len(theta))
	v := 0.0
	for _, st := range tr.Steps {
		v += theta[st.Arg] - rgmLogSumExp(theta, st.Candidates)
	}
	return ad.Custom("TraceLogProb", ad.Scalar(T(v)), []*ad.Tensor[T]{logits}, func(g *ad.Tensor[T]) []*ad.Tensor[T] {
		score := rgmScoreT(theta, tr)
		out := make([]T, len(score))
		for i, s := range score {
			out[i] = g.Data[0] * T(s)
		}
		return []*ad.Tensor[T]{ad.New(out, logits.Shape()...)}
	})
}

// TraceConditional draws E ~ p(E | T): exponentials for which the algorithm
// would have produced the trace tr. It is reparameterised in the logits (the
// trace held fixed), so gradients flow to them. It draws one uniform per
// variable from rnd in index order: the uniform of a step's argmin drives
// that step's minimum m_s ~ Exp(Σ_{A_s} λ), the others the fresh residuals
// of the variables that were never an argmin. The sample is
//
//	E_e = Σ_{s: e∈A_s} m_s + [e is no argmin]·Exp(λ_e).
func TraceConditional[T ad.Float](rnd *rand.Rand, logits *ad.Tensor[T], tr solvers.Trace) *ad.Tensor[T] {
	theta := rgmFloat64s(logits.Data)
	rgmCheckTrace("TraceConditional", tr, len(theta))
	eps := make([]float64, len(theta))
	for i := range eps {
		eps[i] = rgmStdExp(rnd)
	}
	var c rgmCond
	c.sample(theta, tr, eps)
	value := make([]T, len(theta))
	for i, v := range c.e {
		value[i] = T(v)
	}
	return ad.Custom("TraceConditional", ad.New(value, logits.Shape()...), []*ad.Tensor[T]{logits}, func(g *ad.Tensor[T]) []*ad.Tensor[T] {
		vjp := c.vjp(rgmFloat64s(g.Data))
		out := make([]T, len(vjp))
		for i, v := range vjp {
			out[i] = T(v)
		}
		return []*ad.Tensor[T]{ad.New(out, logits.Shape()...)}
	})
}

// rgmCond is a conditional sample E | T with what its derivatives in the
// logits need.
type rgmCond struct {
	theta []float64
	tr    solvers.Trace
	e     []float64 // the sample
	m     []float64 // minimum of each step
	lse   []float64 // log Σ_{A_s} λ of each step
	fresh []float64 // fresh residual of each variable, 0 for argmins
}

// sample fills c from standard exponentials eps (one per variable).
func (c *rgmCond) sample(theta []float64, tr solvers.Trace, eps []float64) {
	n := len(theta)
	c.theta, c.tr = theta, tr
	c.e = make([]float64, n)
	c.m = make([]float64, len(tr.Steps))
	c.lse = make([]float64, len(tr.Steps))
	c.fresh = make([]float64, n)
	isArg := make([]bool, n)
	for s, st := range tr.Steps {
		if isArg[st.Arg] {
			panic(fmt.Sprintf("estimators.TraceConditional: variable %d is the argmin of two steps", st.Arg))
		}
		isArg[st.Arg] = true
		c.lse[s] = rgmLogSumExp(theta, st.Candidates)
		c.m[s] = eps[st.Arg] * math.Exp(-c.lse[s])
		for _, k := range st.Candidates {
			c.e[k] += c.m[s]
		}
	}
	for k := range n {
		if !isArg[k] {
			c.fresh[k] = eps[k] * math.Exp(-theta[k])
			c.e[k] += c.fresh[k]
		}
	}
}

// vjp returns vᵀ·∂E/∂θ. With p_s(k) = λ_k/Σ_{A_s}λ, ∂m_s/∂θ_k = −m_s p_s(k)
// for k in A_s, and ∂fresh_k/∂θ_k = −fresh_k.
func (c *rgmCond) vjp(v []float64) []float64 {
	out := make([]float64, len(c.theta))
	for k, f := range c.fresh {
		out[k] = -f * v[k]
	}
	for s, st := range c.tr.Steps {
		vs := 0.0
		for _, e := range st.Candidates {
			vs += v[e]
		}
		for _, k := range st.Candidates {
			out[k] -= c.m[s] * math.Exp(c.theta[k]-c.lse[s]) * vs
		}
	}
	return out
}

// jvp returns ∂E/∂θ·d, the change of the sample along the direction d.
func (c *rgmCond) jvp(d []float64) []float64 {
	out := make([]float64, len(c.theta))
	for k, f := range c.fresh {
		out[k] = -f * d[k]
	}
	for s, st := range c.tr.Steps {
		dm := 0.0
		for _, k := range st.Candidates {
			dm -= math.Exp(c.theta[k]-c.lse[s]) * d[k]
		}
		dm *= c.m[s]
		for _, e := range st.Candidates {
			out[e] += dm
		}
	}
	return out
}

// rgmScoreT returns ∇θ log p(T).
func rgmScoreT(theta []float64, tr solvers.Trace) []float64 {
	g := make([]float64, len(theta))
	for _, st := range tr.Steps {
		lse := rgmLogSumExp(theta, st.Candidates)
		g[st.Arg]++
		for _, k := range st.Candidates {
			g[k] -= math.Exp(theta[k] - lse)
		}
	}
	return g
}

// rgmLogSumExp returns log Σ_{k∈idx} exp θ_k.
func rgmLogSumExp(theta []float64, idx []int) float64 {
	m := math.Inf(-1)
	for _, k := range idx {
		m = max(m, theta[k])
	}
	if math.IsInf(m, 0) {
		return m
	}
	s := 0.0
	for _, k := range idx {
		s += math.Exp(theta[k] - m)
	}
	return m + math.Log(s)
}

// rgmStdExp draws a standard exponential as −log U from one rnd.Uint64, U
// uniform on the open interval (0, 1) as RELAX's uniforms are, so that all
// the estimators of a structure see the same exponentials from one seed.
func rgmStdExp(rnd *rand.Rand) float64 {
	return -math.Log((float64(rnd.Uint64()>>11) + 0.5) / (1 << 53))
}

// rgmCheckTrace panics if tr indexes outside n variables.
func rgmCheckTrace(op string, tr solvers.Trace, n int) {
	for s, st := range tr.Steps {
		if len(st.Candidates) == 0 {
			panic(fmt.Sprintf("estimators.%s: step %d has no candidates", op, s))
		}
		for _, k := range st.Candidates {
			if k < 0 || k >= n {
				panic(fmt.Sprintf("estimators.%s: step %d indexes variable %d of %d logits", op, s, k, n))
			}
		}
		if st.Arg < 0 || st.Arg >= n {
			panic(fmt.Sprintf("estimators.%s: step %d has argmin %d of %d logits", op, s, st.Arg, n))
		}
	}
}

func rgmFloat64s[T ad.Float](v []T) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// rgmExpNeg returns exp(−θ), the mean 1/λ of an exponential with logit θ.
func rgmExpNeg(theta float64) float64 { return math.Exp(-theta) }
