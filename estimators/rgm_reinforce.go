package estimators

import (
	"fmt"
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
	"github.com/stochgrad/stochgrad/toolkit/solvers"
)

// EReinforce is the score-function estimator with the score of the
// exponentials (E-REINFORCE): for each sample E ~ p(E; θ) it weights
// f(z(E)) by ∇θ log p(E) = 1 − λ⊙E. The surrogate differentiates
// log p(E) = Σ_e (θ_e − E_e·exp θ_e) with E held fixed, which is finite
// everywhere (the reference masks unused entries of log p with +∞ and relies
// on the gradient alone). Variables in no candidate set of the sample's
// trace get zero score: they do not influence z, so leaving them out keeps
// the estimator unbiased and lowers its variance.
//
// Samples is the number of independent draws, default 1. With LeaveOneOut
// (E-REINFORCE+) each sample's baseline is the mean of f over the others,
// g = 1/(S−1)·Σ_j (f_j − mean f)·score_j, which needs Samples ≥ 2.
//
// Estimate draws, for each sample in turn, one uniform per variable from rnd
// (in index order); EReinforce, TReinforce and RELAX over a Structured
// distribution see the same exponentials with equal seeds.
type EReinforce[T ad.Float] struct {
	Samples     int
	LeaveOneOut bool
}

// TReinforce is the score-function estimator with the score of the
// execution trace (T-REINFORCE): it weights f(z) by ∇θ log p(T), the
// gradient of TraceLogProb. It is the Rao-Blackwellisation of EReinforce,
// E[∇ log p(E) | T] = ∇ log p(T), so with the same f its variance is never
// larger. Samples and LeaveOneOut (T-REINFORCE+) are as for EReinforce, and
// so is the order of draws.
type TReinforce[T ad.Float] struct {
	Samples     int
	LeaveOneOut bool
}

// Check reports whether p is a Structured distribution and the settings
// are valid.
func (r EReinforce[T]) Check(p distributions.Sampler[T]) error {
	return rgmCheck("EReinforce", p, r.Samples, r.LeaveOneOut)
}

// Estimate returns the estimate of ∇θ E[f(z)] for a Structured
// distribution p; f receives z of shape [Samples, logits' shape...] and
// returns shape [Samples].
func (r EReinforce[T]) Estimate(rnd *rand.Rand, p distributions.Sampler[T], f Func[T]) Estimate[T] {
	const op = "EReinforce"
	must(r.Check(p))
	sp, _ := structuredOf(op, p)
	logits := sp.Logits
	d := rgmDraw(op, rnd, sp.Structure, logits, max(r.Samples, 1), false)
	fv, coef := rgmCoefficients(op, f, d, logits.Shape(), r.LeaveOneOut)
	s, n := len(d.e), len(d.theta)
	e, mask := make([]T, s*n), make([]T, s*n)
	for i := range s {
		used := d.tr[i].Used(n)
		for k := range n {
			e[i*n+k] = T(d.e[i][k])
			if used[k] {
				mask[i*n+k] = 1
			}
		}
	}
	// log p(E_i) = Σ_k mask·(θ_k − E_ik·exp θ_k), with E held fixed.
	theta := ad.Reshape(logits, 1, n)
	lp := ad.Sum(ad.Mul(ad.Sub(theta, ad.Mul(ad.New(e, s, n), ad.Exp(theta))), ad.New(mask, s, n)), 1)
	return Estimate[T]{Value: T(fv), Surrogate: ad.Sum(ad.Mul(lp, coef)), Samples: s}
}

// Check reports whether p is a Structured distribution and the settings
// are valid.
func (r TReinforce[T]) Check(p distributions.Sampler[T]) error {
	return rgmCheck("TReinforce", p, r.Samples, r.LeaveOneOut)
}

// Estimate returns the estimate of ∇θ E[f(z)] for a Structured
// distribution p; f receives z of shape [Samples, logits' shape...] and
// returns shape [Samples].
func (r TReinforce[T]) Estimate(rnd *rand.Rand, p distributions.Sampler[T], f Func[T]) Estimate[T] {
	const op = "TReinforce"
	must(r.Check(p))
	sp, _ := structuredOf(op, p)
	logits := sp.Logits
	d := rgmDraw(op, rnd, sp.Structure, logits, max(r.Samples, 1), false)
	fv, coef := rgmCoefficients(op, f, d, logits.Shape(), r.LeaveOneOut)
	lps := make([]*ad.Tensor[T], len(d.tr))
	for i, tr := range d.tr {
		lps[i] = TraceLogProb(logits, tr)
	}
	return Estimate[T]{Value: T(fv), Surrogate: ad.Sum(ad.Mul(ad.Stack(0, lps...), coef)), Samples: len(d.tr)}
}

// rgmDraws holds S draws of a structure at logits theta.
type rgmDraws struct {
	theta []float64
	e, z  [][]float64 // exponentials and indicators
	tr    []solvers.Trace
	cond  []rgmCond // conditional samples E | T (RELAX only)
}

// rgmDraw draws S samples, one uniform per variable for each E, and then,
// if cond, a conditional sample E | T for each, again one uniform per
// variable. Drawing all the Es first gives every estimator of the family
// the same exponentials from the same seed.
func rgmDraw[T ad.Float](op string, rnd *rand.Rand, st solvers.Tracer, logits *ad.Tensor[T], s int, cond bool) rgmDraws {
	if st == nil {
		panic(fmt.Sprintf("estimators.%s: nil Structure", op))
	}
	n := logits.Len()
	d := rgmDraws{theta: rgmFloat64s(logits.Data)}
	for range s {
		e, z := make([]float64, n), make([]float64, n)
		for k := range e {
			e[k] = rgmStdExp(rnd) * rgmExpNeg(d.theta[k])
		}
		d.e, d.z, d.tr = append(d.e, e), append(d.z, z), append(d.tr, st.Trace(z, e))
	}
	if cond {
		eps := make([]float64, n)
		for _, tr := range d.tr {
			for k := range eps {
				eps[k] = rgmStdExp(rnd)
			}
			var c rgmCond
			c.sample(d.theta, tr, eps)
			d.cond = append(d.cond, c)
		}
	}
	return d
}

// rgmCoefficients evaluates f on the draws and returns the mean of f and the
// weight of each sample's score: f_i/S, or (f_i − mean f)/(S−1) with the
// leave-one-out baseline.
func rgmCoefficients[T ad.Float](op string, f Func[T], d rgmDraws, shape []int, loo bool) (float64, *ad.Tensor[T]) {
	fv := rgmEval(op, f, d, shape)
	s, mean := len(fv), rgmMean(fv)
	coef := make([]T, s)
	for i, v := range fv {
		if loo {
			coef[i] = T((v - mean) / float64(s-1))
		} else {
			coef[i] = T(v / float64(s))
		}
	}
	return mean, ad.New(coef, s)
}

// rgmEval calls f on the stacked indicators, of shape [S, shape...].
func rgmEval[T ad.Float](op string, f Func[T], d rgmDraws, shape []int) []float64 {
	s, n := len(d.z), len(d.theta)
	z := make([]T, s*n)
	for i, zi := range d.z {
		for k, v := range zi {
			z[i*n+k] = T(v)
		}
	}
	return rgmFloat64s(eval(op, f, ad.New(z, append([]int{s}, shape...)...)).Data)
}

// rgmCheck checks the distribution and the number of samples.
func rgmCheck[T ad.Float](op string, p distributions.Sampler[T], samples int, loo bool) error {
	if _, err := structuredOf(op, p); err != nil {
		return err
	}
	if samples < 0 {
		return unsupported(op, "Samples is %d; it must be ≥ 0 (0 means 1)", samples)
	}
	if loo && samples < 2 {
		return unsupported(op, "LeaveOneOut needs Samples ≥ 2 (each sample's baseline is the mean of the others), got %d", samples)
	}
	return nil
}

func rgmMean(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		m += x
	}
	return m / float64(len(v))
}
