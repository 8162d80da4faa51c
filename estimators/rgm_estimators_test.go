package estimators

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// rgmProblem is a structure with logits, an objective, and its exact
// gradient.
type rgmProblem struct {
	name  string
	st    structure
	theta []float64
	f     Func[float64]
	value float64
	grad  []float64
}

// rgmProblems returns the three problems of the unbiasedness and variance
// tests, with exact gradients by enumeration: spanning trees of 4 nodes
// (96 traces), top-3 of 6 (120 traces) and arborescences of 4 nodes (the
// traces met in 50000 draws, complete since their probabilities sum to 1).
func rgmProblems(t *testing.T) []rgmProblem {
	rnd := rand.New(rand.NewPCG(3, 1))
	ps := []rgmProblem{
		{name: "kruskal4", st: kruskalTree{N: 4}},
		{name: "top3of6", st: topKSubset{N: 6, K: 3}},
		{name: "edmonds4", st: edmondsArborescence{N: 4}},
	}
	for i := range ps {
		p := &ps[i]
		n := p.st.Len()
		p.theta = rgmRandLogits(rnd, n, 0.5)
		var sup rgmSupport
		switch i {
		case 0:
			sup = rgmEnumKruskal(4)
			p.f = rgmQuadLoss(rnd, n)
		case 1:
			sup = rgmEnumTopK(6, 3)
			p.f = rgmQuadLoss(rnd, n)
		case 2:
			sup = rgmCollect(rand.New(rand.NewPCG(9, 9)), p.st, p.theta, 50000)
			quad, toy := rgmQuadLoss(rnd, n), RGMArborescenceLoss(4)
			p.f = func(z *ad.Tensor[float64]) *ad.Tensor[float64] { return ad.Add(quad(z), toy(z)) }
		}
		total := 0.0
		for _, q := range sup.probs(p.theta) {
			total += q
		}
		if math.Abs(total-1) > 1e-9 {
			t.Fatalf("%s: support has probability %.12f", p.name, total)
		}
		p.value, p.grad = sup.exact(p.theta, p.f)
	}
	return ps
}

// rgmEstimators returns the five estimators for a problem, with a fixed
// random critic for RELAX.
func rgmEstimators(st structure, plus int) []struct {
	name string
	est  rgmEst
} {
	critic, _ := rgmCritic[float64](rand.New(rand.NewPCG(4, 4)), st.Len(), 32)
	return []struct {
		name string
		est  rgmEst
	}{
		{"E-REINFORCE", onStructure[float64](st, EReinforce[float64]{})},
		{"T-REINFORCE", onStructure[float64](st, TReinforce[float64]{})},
		{fmt.Sprintf("E-REINFORCE+(%d)", plus), onStructure[float64](st, EReinforce[float64]{Samples: plus, LeaveOneOut: true})},
		{fmt.Sprintf("T-REINFORCE+(%d)", plus), onStructure[float64](st, TReinforce[float64]{Samples: plus, LeaveOneOut: true})},
		{"RELAX", onStructure[float64](st, RELAX[float64]{Residual: critic})},
	}
}

// rgmGradients returns the gradients of m estimates and their mean value.
func rgmGradients(rnd *rand.Rand, est rgmEst, theta []float64, f Func[float64], m int) ([][]float64, float64) {
	rows := make([][]float64, m)
	value := 0.0
	for i := range rows {
		leaf := ad.Param(ad.New(slices.Clone(theta), len(theta)))
		e := est(rnd, leaf, f)
		e.Surrogate.Backward()
		rows[i] = slices.Clone(leaf.GradTensor().Data)
		value += e.Value / float64(m)
	}
	return rows, value
}

// Every estimator's mean is the exact gradient (z-test per coordinate) and
// its values average to E[f]. Rao-Blackwellisation: with the same
// exponentials (common random numbers) T-REINFORCE's total variance is below
// E-REINFORCE's, and T-REINFORCE+'s below E-REINFORCE+'s; the other
// orderings are measured and logged only.
func TestRGMEstimatorsUnbiased(t *testing.T) {
	m := 10000
	if testing.Short() {
		m = 2000
	}
	for _, p := range rgmProblems(t) {
		vars := map[string]float64{}
		var line []string
		for _, e := range rgmEstimators(p.st, 3) {
			rows, value := rgmGradients(rand.New(rand.NewPCG(5, 1)), e.est, p.theta, p.f, m)
			mu, se := rgmMeanSE(rows)
			for k := range mu {
				rgmCheckZ(t, fmt.Sprintf("%s %s ∂/∂θ_%d", p.name, e.name, k), mu[k], se[k], p.grad[k])
			}
			if math.Abs(value-p.value) > 0.05*math.Abs(p.value)+0.05 {
				t.Errorf("%s %s: mean value %g, exact %g", p.name, e.name, value, p.value)
			}
			v := rgmTotalVar(rows)
			vars[e.name] = v
			line = append(line, fmt.Sprintf("%s %.4g", e.name, v))
		}
		t.Logf("%s: total variance of one estimate: %s", p.name, strings.Join(line, ", "))
		if a, b := vars["T-REINFORCE"], vars["E-REINFORCE"]; !(a < b) {
			t.Errorf("%s: Var T-REINFORCE %g ≥ Var E-REINFORCE %g", p.name, a, b)
		}
		if a, b := vars["T-REINFORCE+(3)"], vars["E-REINFORCE+(3)"]; !(a < b) {
			t.Errorf("%s: Var T-REINFORCE+ %g ≥ Var E-REINFORCE+ %g", p.name, a, b)
		}
	}
}

// The leave-one-out variants refuse a single sample.
func TestRGMLeaveOneOutNeedsTwoSamples(t *testing.T) {
	st := kruskalTree{N: 3}
	f := RGMSpanningTreeLoss(3)
	for _, est := range []rgmEst{
		onStructure[float64](st, EReinforce[float64]{LeaveOneOut: true}),
		onStructure[float64](st, TReinforce[float64]{Samples: 1, LeaveOneOut: true}),
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "LeaveOneOut needs Samples ≥ 2") {
					t.Errorf("panic %v, want the leave-one-out message", r)
				}
			}()
			est(rand.New(rand.NewPCG(1, 1)), ad.Zeros[float64](3), f)
		}()
	}
	// Two samples work and the value is the mean of f.
	e := onStructure[float64](st, TReinforce[float64]{Samples: 2, LeaveOneOut: true})(rand.New(rand.NewPCG(1, 1)), ad.Param(ad.Zeros[float64](3)), f)
	if e.Samples != 2 || e.Value < 0 || e.Value > 1 {
		t.Errorf("estimate %+v", e)
	}
}

// RELAX on a structure gives the logits the engine's gradient of its
// definition, (f − c(Ẽ))·log p(T) + c(E) − c(Ẽ), with E and Ẽ
// reparameterised (Exponentials, TraceConditional), the critic seeing the
// exponentials of the trace's variables, all drawn from the same seed: the
// critic's variance term adds nothing to the logits.
func TestRGMRELAXMatchesAutodiff(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 2))
	for _, c := range rgmCases(rnd) {
		n := c.st.Len()
		f := rgmQuadLoss(rnd, n)
		critic, params := rgmCritic[float64](rnd, n, 16)
		for seed := range uint64(5) {
			leaf := ad.Param(ad.New(slices.Clone(c.theta), n))
			est := RELAX[float64]{Residual: critic}.Estimate(rand.New(rand.NewPCG(seed, 0)), Structured[float64]{Logits: leaf, Structure: c.st}, f)
			est.Surrogate.Backward()
			got := leaf.GradTensor().Data

			r := rand.New(rand.NewPCG(seed, 0))
			th := ad.Param(ad.New(slices.Clone(c.theta), n))
			e := Exponentials(r, th)
			z := make([]float64, n)
			tr := c.st.Trace(z, e.Data)
			e2 := TraceConditional(r, th, tr)
			mask := make([]float64, n)
			for k, u := range tr.Used(n) {
				if u {
					mask[k] = 1
				}
			}
			mk := ad.New(mask, 1, n)
			c1 := critic(ad.Mul(ad.Reshape(e, 1, n), mk))
			c2 := critic(ad.Mul(ad.Reshape(e2, 1, n), mk))
			fz := f(ad.New(z, 1, n)).Data[0]
			sur := ad.Add(ad.MulScalar(TraceLogProb(th, tr), fz-c2.Data[0]), ad.Sum(ad.Sub(c1, c2)))
			sur.Backward()
			want := th.GradTensor().Data
			for k := range n {
				if d := math.Abs(got[k] - want[k]); d > 1e-9*max(1, math.Abs(want[k])) {
					t.Errorf("%s seed %d: ∂/∂θ_%d RELAX %.12g, engine %.12g", c.name, seed, k, got[k], want[k])
				}
			}
			for _, p := range params {
				p.ZeroGrad()
			}
		}
	}
}

// The critic's gradient that RELAX's Surrogate carries on a structure is,
// at fixed random numbers, the gradient of ⟨g, ε⟩² in the critic's
// parameters, g being the estimate (one sample) and ε the Hutchinson signs
// drawn after the uniforms of E and Ẽ: its expectation over ε is ∇‖g‖², the
// variance gradient.
func TestRGMRELAXCriticGradient(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 3))
	for _, c := range rgmCases(rnd)[:3] {
		n := c.st.Len()
		f := rgmQuadLoss(rnd, n)
		critic, params := rgmCritic[float64](rnd, n, 6)
		r := RELAX[float64]{Residual: critic}
		estimate := func() ([]float64, float64) { // the estimate and ⟨g, ε⟩²
			leaf := ad.Param(ad.New(slices.Clone(c.theta), n))
			src := rand.New(rand.NewPCG(8, 8))
			r.Estimate(src, Structured[float64]{Logits: leaf, Structure: c.st}, f).Surrogate.Backward()
			signs := rand.New(rand.NewPCG(8, 8))
			for range 2 * n {
				signs.Uint64()
			}
			dot := 0.0
			for _, g := range leaf.GradTensor().Data {
				dot += g * (float64(signs.Uint64()>>63)*2 - 1)
			}
			return leaf.GradTensor().Data, dot * dot
		}
		for _, p := range params {
			p.ZeroGrad()
		}
		estimate()
		grads := make([][]float64, len(params))
		for i, p := range params {
			grads[i] = slices.Clone(p.GradTensor().Data)
		}
		const h = 1e-5
		worst := 0.0
		for i, p := range params {
			for k := range grads[i] {
				v := p.Data[k]
				p.Data[k] = v + h
				_, qp := estimate()
				p.Data[k] = v - h
				_, qm := estimate()
				p.Data[k] = v
				num := (qp - qm) / (2 * h)
				e := math.Abs(num-grads[i][k]) / max(1, math.Abs(num))
				worst = max(worst, e)
				if e > 1e-4 {
					t.Errorf("%s: parameter %d entry %d: gradient %.10g, finite difference of ⟨g, ε⟩² %.10g", c.name, i, k, grads[i][k], num)
				}
			}
		}
		t.Logf("%s: critic gradient worst relative error %.2g", c.name, worst)
	}
}

// The estimators run in float32 and give the float64 gradient to float32
// precision from the same seed.
func TestRGMEstimatorsFloat32(t *testing.T) {
	st := edmondsArborescence{N: 4}
	rnd := rand.New(rand.NewPCG(3, 4))
	theta := rgmRandLogits(rnd, 16, 0.5)
	f64 := RGMArborescenceLoss(4)
	f32 := func(z *ad.Tensor[float32]) *ad.Tensor[float32] {
		return ad.Convert[float32](f64(ad.Convert[float64](z)))
	}
	c64, _ := rgmCritic[float64](rand.New(rand.NewPCG(1, 1)), 16, 32)
	c32, _ := rgmCritic[float32](rand.New(rand.NewPCG(1, 1)), 16, 32)
	ests64 := []rgmEst{
		onStructure[float64](st, EReinforce[float64]{Samples: 2, LeaveOneOut: true}),
		onStructure[float64](st, TReinforce[float64]{Samples: 2}),
		onStructure[float64](st, RELAX[float64]{Residual: c64}),
	}
	ests32 := []func(*rand.Rand, *ad.Tensor[float32], Func[float32]) Estimate[float32]{
		onStructure[float32](st, EReinforce[float32]{Samples: 2, LeaveOneOut: true}),
		onStructure[float32](st, TReinforce[float32]{Samples: 2}),
		onStructure[float32](st, RELAX[float32]{Residual: c32}),
	}
	for i := range ests64 {
		l64 := ad.Param(ad.New(slices.Clone(theta), 4, 4))
		l32 := ad.Param(ad.Convert[float32](ad.New(theta, 4, 4)))
		e64 := ests64[i](rand.New(rand.NewPCG(2, 2)), l64, f64)
		e32 := ests32[i](rand.New(rand.NewPCG(2, 2)), l32, f32)
		e64.Surrogate.Backward()
		e32.Surrogate.Backward()
		if float64(e32.Value) != e64.Value {
			t.Errorf("estimator %d: value %g (float32), %g (float64)", i, e32.Value, e64.Value)
		}
		for k := range 16 {
			if d := math.Abs(float64(l32.Grad[k]) - l64.Grad[k]); d > 1e-4*max(1, math.Abs(l64.Grad[k])) {
				t.Errorf("estimator %d: ∂/∂θ_%d %g (float32), %g (float64)", i, k, l32.Grad[k], l64.Grad[k])
			}
		}
	}
}
