package estimators_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stochgrad/stochgrad/estimators"
	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
	"github.com/stochgrad/stochgrad/toolkit/solvers"
)

// Every estimator of the package is an Estimator and a Checker.
var (
	_ interface {
		estimators.Estimator[float64]
		estimators.Checker[float64]
	} = estimators.ScoreFunction[float64]{}
	_ estimators.Checker[float64] = estimators.Pathwise[float64]{}
	_ estimators.Checker[float64] = estimators.GumbelSoftmax[float64]{}
	_ estimators.Checker[float64] = estimators.BinaryConcrete[float64]{}
	_ estimators.Checker[float64] = estimators.StraightThrough[float64]{}
	_ estimators.Checker[float64] = estimators.VIMCO[float64]{}
	_ estimators.Checker[float64] = estimators.REBAR[float64]{}
	_ estimators.Checker[float64] = estimators.RELAX[float64]{}
	_ estimators.Checker[float64] = estimators.EReinforce[float64]{}
	_ estimators.Checker[float64] = estimators.TReinforce[float64]{}
	_ estimators.Checker[float64] = estimators.ThroughLayer[float64]{}

	_ estimators.Estimator[float64] = estimators.ScoreFunction[float64]{}
	_ estimators.Estimator[float64] = estimators.Pathwise[float64]{}
	_ estimators.Estimator[float64] = estimators.GumbelSoftmax[float64]{}
	_ estimators.Estimator[float64] = estimators.BinaryConcrete[float64]{}
	_ estimators.Estimator[float64] = estimators.StraightThrough[float64]{}
	_ estimators.Estimator[float64] = estimators.VIMCO[float64]{}
	_ estimators.Estimator[float64] = estimators.REBAR[float64]{}
	_ estimators.Estimator[float64] = estimators.RELAX[float64]{}
	_ estimators.Estimator[float64] = estimators.EReinforce[float64]{}
	_ estimators.Estimator[float64] = estimators.TReinforce[float64]{}
	_ estimators.Estimator[float64] = estimators.ThroughLayer[float64]{}

	_ estimators.Layer[float64] = estimators.IMLE[float64]{}
	_ estimators.Layer[float64] = estimators.PerturbedAdditive[float64]{}
	_ estimators.Layer[float64] = estimators.PerturbedMultiplicative[float64]{}
	_ estimators.Loss[float64]  = estimators.FenchelYoungLoss[float64]{}
	_ estimators.Loss[float64]  = estimators.SPOPlusLoss[float64]{}
)

// perExample is a minibatch of 3 independent examples, each with 4
// Bernoullis of its own and its own objective
// f_b(z) = (Σ_k c_bk z_bk − t_b)², with the exact gradient of Σ_b E[f_b] by
// enumerating each example's 16 states.
type perExample struct {
	logits []float64 // [3, 4]
	c, t   []float64
	exact  []float64
	value  float64
}

func newPerExample() perExample {
	p := perExample{
		logits: []float64{-1.0, 0.5, 1.2, -0.3, 0.8, -1.5, 0.1, 0.6, 0.0, 1.0, -0.7, 0.3},
		c:      []float64{1, -2, 0.5, 1.5, 2, 1, -1, 0.5, -0.5, 1.5, 2, -1},
		t:      []float64{0.5, 2, -1},
	}
	p.exact = make([]float64, 12)
	for b := range 3 {
		for s := range 16 {
			lp, f := 0.0, -p.t[b]
			for k := range 4 {
				l, z := p.logits[b*4+k], float64(s>>k&1)
				lp += z*l - math.Log1p(math.Exp(l))
				f += p.c[b*4+k] * z
			}
			f *= f
			q := math.Exp(lp)
			p.value += q * f
			for k := range 4 {
				z := float64(s >> k & 1)
				p.exact[b*4+k] += q * f * (z - 1/(1+math.Exp(-p.logits[b*4+k])))
			}
		}
	}
	return p
}

// f returns the per-example objective, [S, 3], or with summed the
// minibatch's total, [S].
func (p perExample) f(summed bool) estimators.Func[float64] {
	c, t := ad.New(p.c, 3, 4), ad.New(p.t, 3)
	return func(z *ad.Tensor[float64]) *ad.Tensor[float64] {
		v := ad.Square(ad.Sub(ad.Sum(ad.Mul(z, c), 2), t)) // [S, 3]
		if summed {
			return ad.Sum(v, 1)
		}
		return v
	}
}

func (p perExample) gradients(m int, est estimators.Estimator[float64], summed bool) ([][]float64, float64) {
	rnd := rand.New(rand.NewPCG(17, 1))
	out := make([][]float64, m)
	value := 0.0
	for i := range out {
		l := ad.Param(ad.New(append([]float64(nil), p.logits...), 3, 4))
		e := est.Estimate(rnd, distributions.Bernoulli[float64]{Logits: l}, p.f(summed))
		e.Surrogate.Backward()
		out[i] = append([]float64(nil), l.GradTensor().Data...)
		value += e.Value / float64(m)
	}
	return out, value
}

// With a per-example objective every example gets its own learning signal
// and its own leave-one-out baseline: the estimate of ∇ Σ_b E[f_b] stays
// unbiased, and its variance is far below that of the same estimator given
// the minibatch's total loss, which multiplies every example's score by the
// whole batch's loss.
func TestScoreFunctionPerExample(t *testing.T) {
	p := newPerExample()
	m := 4000
	est := estimators.ScoreFunction[float64]{Samples: 4, Baseline: estimators.LeaveOneOut{}}
	per, value := p.gradients(m, est, false)
	sPer := summarise(per)
	requireUnbiased(t, "per-example", sPer, p.exact)
	if math.Abs(value-p.value) > 0.05*p.value {
		t.Errorf("value %.4f, exact Σ_b E[f_b] %.4f", value, p.value)
	}
	total, _ := p.gradients(m, est, true)
	sTotal := summarise(total)
	requireUnbiased(t, "whole-batch signal", sTotal, p.exact)
	requireLowerVariance(t, "per-example", sPer, "whole-batch signal", sTotal)
	// A moving average and no baseline take per-example objectives too.
	for _, b := range []estimators.Baseline{nil, &estimators.MovingAverage{}} {
		g, _ := p.gradients(m, estimators.ScoreFunction[float64]{Samples: 2, Baseline: b}, false)
		requireUnbiased(t, fmt.Sprintf("per-example, baseline %T", b), summarise(g), p.exact)
	}
}

// A learned baseline may predict one value per example.
func TestLearnedBaselinePerExample(t *testing.T) {
	p := newPerExample()
	pred := ad.Param(ad.Zeros[float64](3))
	est := estimators.ScoreFunction[float64]{Samples: 2, Baseline: estimators.LearnedBaseline[float64]{Predict: func() *ad.Tensor[float64] { return pred }}}
	g, _ := p.gradients(3000, est, false)
	requireUnbiased(t, "learned per-example baseline", summarise(g), p.exact)
	// The squared error trains each prediction towards its example's mean
	// loss: the gradients point down from 0 towards E[f_b] > 0.
	for b, v := range pred.Grad {
		if !(v < 0) {
			t.Errorf("prediction %d: gradient %g, want < 0 (E[f] > 0)", b, v)
		}
	}
}

// The pathwise and relaxed estimators sum per-example objectives.
func TestPathwisePerExample(t *testing.T) {
	mu := ad.Param(ad.New([]float64{0.5, -1, 2}, 3))
	a := ad.New([]float64{1, 0, 1}, 3)
	est := estimators.Pathwise[float64]{Samples: 2000}
	e := est.Estimate(rand.New(rand.NewPCG(1, 2)), distributions.Normal[float64]{Mu: mu, Sigma: ad.Scalar(0.5)},
		func(z *ad.Tensor[float64]) *ad.Tensor[float64] { return ad.Square(ad.Sub(z, a)) }) // [S, 3]
	e.Surrogate.Backward()
	// E[(z_b − a_b)²] = (μ_b − a_b)² + σ², gradient 2(μ_b − a_b); the
	// estimate's standard error is 2σ/√S = 0.022.
	want := []float64{0.25 + 0.25, 1 + 0.25, 1 + 0.25}
	sum := 0.0
	for b := range 3 {
		sum += want[b]
		if g, w := mu.Grad[b], 2*(mu.Data[b]-a.Data[b]); math.Abs(g-w) > 4*2*0.5/math.Sqrt(2000) {
			t.Errorf("∂/∂μ_%d = %.4f, want %.4f", b, g, w)
		}
	}
	if math.Abs(e.Value-sum) > 0.1 {
		t.Errorf("value %.4f, want Σ_b E[f_b] = %.4f", e.Value, sum)
	}
}

// noLogProb is a distribution without LogProb, RSample or logits.
type noLogProb struct{}

func (noLogProb) Sample(*rand.Rand) *ad.Tensor[float64] { return ad.Zeros[float64](2) }

// Check reports every setting an estimator cannot run, wrapping
// ErrUnsupported, and Estimate panics with the same message.
func TestCheckUnsupported(t *testing.T) {
	l := ad.Param(ad.Zeros[float64](2, 3))
	bern := distributions.Bernoulli[float64]{Logits: l}
	cat := distributions.Categorical[float64]{Logits: l}
	tree := estimators.Structured[float64]{Logits: ad.Param(ad.Zeros[float64](6)), Structure: solvers.SpanningTree[float64]{N: 4}}
	normal := distributions.Normal[float64]{Mu: ad.Param(ad.Zeros[float64](2)), Sigma: ad.Scalar(1.0)}
	f := func(z *ad.Tensor[float64]) *ad.Tensor[float64] { return ad.Sum(ad.Reshape(z, z.Dim(0), -1), 1) }
	cases := []struct {
		name string
		est  estimators.Estimator[float64]
		p    distributions.Sampler[float64]
		want string
	}{
		{"score without LogProb", estimators.ScoreFunction[float64]{}, noLogProb{}, "no LogProb"},
		{"leave-one-out with one sample", estimators.ScoreFunction[float64]{Baseline: estimators.LeaveOneOut{}}, bern, "at least 2 samples"},
		{"pathwise on a Bernoulli", estimators.Pathwise[float64]{}, bern, "no RSample"},
		{"Gumbel-Softmax on a Bernoulli", estimators.GumbelSoftmax[float64]{}, bern, "not a distributions.Categorical"},
		{"binary Concrete on a categorical", estimators.BinaryConcrete[float64]{}, cat, "not a distributions.Bernoulli"},
		{"negative temperature", estimators.GumbelSoftmax[float64]{Temperature: -1}, cat, "Temperature"},
		{"straight-through without a mean", estimators.StraightThrough[float64]{}, noLogProb{}, "no Mean"},
		{"VIMCO with one sample", estimators.VIMCO[float64]{Samples: 1}, bern, "at least 2"},
		{"RELAX on a normal", estimators.RELAX[float64]{}, normal, "neither"},
		{"REBAR on a structure", estimators.REBAR[float64]{}, tree, "no relaxation"},
		{"RELAX with η on a structure", estimators.RELAX[float64]{Eta: ad.Scalar(1.0)}, tree, "Eta"},
		{"E-REINFORCE on a Bernoulli", estimators.EReinforce[float64]{}, bern, "estimators.Structured"},
		{"T-REINFORCE+ with one sample", estimators.TReinforce[float64]{LeaveOneOut: true}, tree, "Samples ≥ 2"},
		{"a layer-less ThroughLayer", estimators.ThroughLayer[float64]{}, bern, "nil Layer"},
	}
	for _, c := range cases {
		err := estimators.Check(c.est, c.p)
		if !errors.Is(err, estimators.ErrUnsupported) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Check = %v, want ErrUnsupported mentioning %q", c.name, err, c.want)
			continue
		}
		func() {
			defer func() {
				if r := recover(); r == nil || fmt.Sprint(r) != err.Error() {
					t.Errorf("%s: Estimate panicked with %v, want %q", c.name, r, err)
				}
			}()
			c.est.Estimate(rand.New(rand.NewPCG(1, 1)), c.p, f)
		}()
	}
	// The settings that run report nil.
	for _, c := range []struct {
		est estimators.Estimator[float64]
		p   distributions.Sampler[float64]
	}{
		{estimators.ScoreFunction[float64]{Samples: 2, Baseline: estimators.LeaveOneOut{}}, bern},
		{estimators.GumbelSoftmax[float64]{}, cat},
		{estimators.RELAX[float64]{}, tree},
		{estimators.TReinforce[float64]{Samples: 2, LeaveOneOut: true}, &tree},
		{estimators.EstimatorFunc[float64](nil), bern},
	} {
		if err := estimators.Check(c.est, c.p); err != nil {
			t.Errorf("%T: %v", c.est, err)
		}
	}
}

// ThroughLayer gives the layer's own gradient: I-MLE over top-k on the
// logits of a SubsetTopK distribution, per example for batched logits.
func TestThroughLayerIMLE(t *testing.T) {
	layer := estimators.IMLE[float64]{Solver: solvers.TopK[float64]{K: 2}, Noise: distributions.StandardGumbel[float64]{}, Samples: 3}
	theta := []float64{0.3, -0.2, 1.0, 0.5, -1.0, 0.1, 0.7, 0.2}
	b := ad.New([]float64{1, 0, 1, 0, 0, 1, 1, 0}, 2, 4)
	f := func(z *ad.Tensor[float64]) *ad.Tensor[float64] { // [S, 2, 4] → [S, 2]
		return ad.Sum(ad.Square(ad.Sub(z, b)), 2)
	}
	l1 := ad.Param(ad.New(append([]float64(nil), theta...), 2, 4))
	e := estimators.ThroughLayer[float64]{Layer: layer}.Estimate(rand.New(rand.NewPCG(4, 4)),
		distributions.SubsetTopK[float64]{Logits: l1, K: 2}, f)
	if e.Samples != 3 || e.Surrogate.Len() != 1 {
		t.Fatalf("estimate %+v", e)
	}
	e.Surrogate.Backward()

	l2 := ad.Param(ad.New(append([]float64(nil), theta...), 2, 4))
	z := layer.Apply(rand.New(rand.NewPCG(4, 4)), l2)            // [2, 3, 4]
	loss := ad.Sum(ad.Square(ad.Sub(z, ad.Reshape(b, 2, 1, 4)))) // each sample's own dy, as the layer wants
	loss.Backward()
	if math.Abs(loss.Item()/3-e.Value) > 1e-12 {
		t.Errorf("value %g, direct mean %g", e.Value, loss.Item()/3)
	}
	for i := range theta {
		if l1.Grad[i] != l2.Grad[i] {
			t.Errorf("∂/∂θ_%d: through the estimator %g, directly %g", i, l1.Grad[i], l2.Grad[i])
		}
	}
}

// A new estimator is a few lines: here the score function with the
// sample mean of the others as baseline, written as an EstimatorFunc, agrees
// with the library's leave-one-out score function on common random
// numbers.
func ExampleEstimatorFunc() {
	mine := estimators.EstimatorFunc[float64](func(rnd *rand.Rand, p distributions.Sampler[float64], f estimators.Func[float64]) estimators.Estimate[float64] {
		const s = 4
		zs := make([]*ad.Tensor[float64], s)
		for i := range zs {
			zs[i] = p.Sample(rnd)
		}
		z := ad.Stack(0, zs...)
		fz := f(z).Data
		sum := fz[0] + fz[1] + fz[2] + fz[3]
		w := make([]float64, s)
		for i, v := range fz {
			w[i] = (v - (sum-v)/(s-1)) / s
		}
		logp := ad.Sum(p.(distributions.LogProber[float64]).LogProb(z), 1)
		return estimators.Estimate[float64]{Value: sum / s, Surrogate: ad.Sum(ad.Mul(ad.New(w, s), logp)), Samples: s}
	})
	lib := estimators.ScoreFunction[float64]{Samples: 4, Baseline: estimators.LeaveOneOut{}}
	f := func(z *ad.Tensor[float64]) *ad.Tensor[float64] { return ad.Sum(ad.Square(ad.AddScalar(z, -0.3)), 1) }
	for _, est := range []estimators.Estimator[float64]{mine, lib} {
		l := ad.Param(ad.New([]float64{0.5, -1, 2}, 3))
		est.Estimate(rand.New(rand.NewPCG(1, 1)), distributions.Bernoulli[float64]{Logits: l}, f).Surrogate.Backward()
		fmt.Printf("%.6f\n", l.Grad)
	}
	// Output:
	// [0.266667 0.200000 0.200000]
	// [0.266667 0.200000 0.200000]
}

// perExampleResidual is r_b(z) = Σ_k w_bk·tanh(z_bk) for each example b, of
// shape [S, 3].
func perExampleResidual(w *ad.Tensor[float64]) estimators.Func[float64] {
	return func(z *ad.Tensor[float64]) *ad.Tensor[float64] {
		return ad.Sum(ad.Mul(ad.Tanh(z), w), 2)
	}
}

// REBAR and RELAX take per-example objectives: unbiased for ∇ Σ_b E[f_b],
// with lower variance than the score function with a per-example
// leave-one-out baseline at the same number of samples.
func TestRELAXPerExample(t *testing.T) {
	p := newPerExample()
	m := 3000
	w := ad.Param(ad.New([]float64{0.2, -0.1, 0.3, 0.1, 0.2, 0.1, -0.2, 0.1, 0.0, 0.3, 0.1, -0.1}, 3, 4))
	sf, _ := p.gradients(m, estimators.ScoreFunction[float64]{Samples: 2, Baseline: estimators.LeaveOneOut{}}, false)
	sSF := summarise(sf)
	for _, c := range []struct {
		name string
		est  estimators.Estimator[float64]
	}{
		{"REBAR", estimators.REBAR[float64]{Samples: 2, Eta: ad.Scalar(1.0), LogTemperature: ad.Scalar(math.Log(0.5))}},
		{"RELAX", estimators.RELAX[float64]{Samples: 2, Eta: ad.Param(ad.Scalar(1.0)), Residual: perExampleResidual(w)}},
	} {
		g, value := p.gradients(m, c.est, false)
		st := summarise(g)
		requireUnbiased(t, c.name+" per-example", st, p.exact)
		if math.Abs(value-p.value) > 0.05*p.value {
			t.Errorf("%s: value %.4f, exact %.4f", c.name, value, p.value)
		}
		requireLowerVariance(t, c.name+" per-example", st, "leave-one-out score function", sSF)
	}
}

// With per-example objectives the critic's gradient is still, at fixed
// random numbers, the gradient of ⟨g, ε⟩² in its parameters, g being the
// whole minibatch's estimate: the examples share the sample's Hutchinson
// signs.
func TestRELAXPerExampleCriticGradient(t *testing.T) {
	p := newPerExample()
	w := ad.Param(ad.New([]float64{0.2, -0.1, 0.3, 0.1, 0.2, 0.1, -0.2, 0.1, 0.0, 0.3, 0.1, -0.1}, 3, 4))
	eta := ad.Param(ad.Scalar(0.7))
	r := estimators.RELAX[float64]{Eta: eta, Residual: perExampleResidual(w)}
	q := func() float64 { // ⟨g, ε⟩² at the draws of seed (8, 8)
		l := ad.Param(ad.New(append([]float64(nil), p.logits...), 3, 4))
		r.Estimate(rand.New(rand.NewPCG(8, 8)), distributions.Bernoulli[float64]{Logits: l}, p.f(false)).Surrogate.Backward()
		signs := rand.New(rand.NewPCG(8, 8))
		for range 2 * 12 {
			signs.Uint64()
		}
		dot := 0.0
		for _, g := range l.Grad {
			dot += g * (float64(signs.Uint64()>>63)*2 - 1)
		}
		return dot * dot
	}
	w.ZeroGrad()
	eta.ZeroGrad()
	q()
	got := append(append([]float64(nil), eta.Grad...), w.Grad...)
	params := []*ad.Tensor[float64]{eta, w}
	const h = 1e-5
	k := 0
	for _, prm := range params {
		for i := range prm.Data {
			v := prm.Data[i]
			prm.Data[i] = v + h
			qp := q()
			prm.Data[i] = v - h
			qm := q()
			prm.Data[i] = v
			num := (qp - qm) / (2 * h)
			if math.Abs(num-got[k]) > 1e-4*max(1, math.Abs(num)) {
				t.Errorf("parameter %d: variance gradient %.8g, finite difference of ⟨g, ε⟩² %.8g", k, got[k], num)
			}
			k++
		}
	}
}
