package models

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stochgrad/stochgrad/estimators"
	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
	"github.com/stochgrad/stochgrad/toolkit/nn"
	"github.com/stochgrad/stochgrad/toolkit/optim"
	"github.com/stochgrad/stochgrad/toolkit/solvers"
)

// exactNegELBO returns the batch mean of the negative ELBO of a categorical
// LatentVAE with 2 groups of 3 classes, the expectation over q enumerated
// over the 9 latents, as a graph through which the exact gradient flows.
func exactNegELBO(v *LatentVAE[float64], x *ad.Tensor[float64]) *ad.Tensor[float64] {
	n := x.Dim(0)
	lq := ad.LogSoftmax(v.Guide(x).(distributions.Categorical[float64]).Logits, -1) // [N, 2, 3]
	z := ad.Zeros[float64](9, n, 2, 3)
	for c := range 9 {
		for i := range n {
			z.Data[(c*n+i)*6+c/3], z.Data[(c*n+i)*6+3+c%3] = 1, 1
		}
	}
	rec := v.Reconstruction(x, z) // [9, N]
	var terms []*ad.Tensor[float64]
	for c := range 9 {
		lp := ad.Add(ad.Slice(ad.Slice(lq, 1, 0, 1), 2, c/3, c/3+1), ad.Slice(ad.Slice(lq, 1, 1, 2), 2, c%3, c%3+1)) // [N, 1, 1]
		terms = append(terms, ad.Sum(ad.Mul(ad.Exp(ad.Reshape(lp, n)), ad.Neg(ad.Reshape(ad.Slice(rec, 0, c, c+1), n)))))
	}
	recon := ad.MulScalar(ad.Sum(ad.Stack(0, terms...)), 1/float64(n))
	return ad.Add(recon, ad.Mean(v.KL(nil, x, 1)))
}

func smallCategoricalVAE(seed uint64) *LatentVAE[float64] {
	return NewCategoricalVAE[float64](rand.New(rand.NewPCG(seed, 1)), 8, 2, 3, []int{16})
}

var patterns = ad.New([]float64{
	1, 1, 1, 1, 0, 0, 0, 0,
	0, 0, 0, 0, 1, 1, 1, 1,
	1, 1, 0, 0, 1, 1, 0, 0,
	0, 0, 1, 1, 0, 0, 1, 1,
}, 4, 8)

// TestNegELBOScoreFunctionUnbiased checks the value and the gradient of
// NegELBO with the score function (leave-one-out baseline, per-example
// signals) against the exact negative ELBO by enumeration, by z-tests.
func TestNegELBOScoreFunctionUnbiased(t *testing.T) {
	v := smallCategoricalVAE(1)
	exact := exactNegELBO(v, patterns)
	exact.Backward()
	want := nnGrads(v)
	est := estimators.ScoreFunction[float64]{Samples: 3, Baseline: estimators.LeaveOneOut{}}
	rnd := rand.New(rand.NewPCG(2, 3))
	const reps = 1500
	vals := make([]float64, reps)
	gs := make([][]float64, reps)
	for r := range reps {
		loss, val := v.NegELBO(rnd, patterns, est, 1)
		loss.Backward()
		vals[r], gs[r] = val, nnGrads(v)
	}
	if m, se := meanSE(vals); math.Abs(m-exact.Item()) > zMax*se {
		t.Errorf("value %.5f ± %.2g, exact %.5f", m, se, exact.Item())
	}
	bad := 0
	for i := range want {
		col := make([]float64, reps)
		for r := range reps {
			col[r] = gs[r][i]
		}
		if m, se := meanSE(col); math.Abs(m-want[i]) > zMax*se+1e-12 {
			bad++
			t.Errorf("gradient %d: %.5g ± %.2g, exact %.5g", i, m, se, want[i])
			if bad > 5 {
				return
			}
		}
	}
}

func nnGrads(v *LatentVAE[float64]) []float64 {
	var out []float64
	for _, p := range v.Params() {
		if p.Grad == nil {
			out = append(out, make([]float64, p.Len())...)
		} else {
			out = append(out, p.Grad...)
		}
	}
	nn.ZeroGrad[float64](v)
	return out
}

// TestDiscreteVAEsTrainWithEveryEstimator trains the categorical VAE and
// the k-subset VAE on four patterns with each estimator that applies, each
// chosen by a value, and checks that the exact (categorical) or estimated
// (subset) negative ELBO falls by more than half a nat in 400 Adam steps
// (from about 5.8; its minimum is log 4 ≈ 1.4, four equally likely
// patterns). The score function without any baseline is too slow for
// that and is left out.
func TestDiscreteVAEsTrainWithEveryEstimator(t *testing.T) {
	imle := func(target estimators.Target[float64]) estimators.Estimator[float64] {
		return estimators.ThroughLayer[float64]{Layer: estimators.IMLE[float64]{
			Solver: solvers.Argmax[float64]{}, Noise: distributions.StandardGumbel[float64]{}, Target: target, Difference: estimators.Central}}
	}
	cat := []estimators.Estimator[float64]{
		estimators.ScoreFunction[float64]{Baseline: &estimators.MovingAverage{}},
		estimators.ScoreFunction[float64]{Samples: 4, Baseline: estimators.LeaveOneOut{}},
		estimators.StraightThrough[float64]{},
		estimators.GumbelSoftmax[float64]{Temperature: 0.5},
		estimators.GumbelSoftmax[float64]{Temperature: 0.5, Hard: true},
		estimators.NewREBAR[float64](1),
		estimators.RELAX[float64]{},
		imle(nil),
		imle(&estimators.AdaptiveTarget[float64]{Beta: 1, UpdateStep: 1e-3}),
	}
	for _, est := range cat {
		v := smallCategoricalVAE(4)
		before := exactNegELBO(v, patterns).Item()
		nn.ZeroGrad[float64](v)
		train(t, v, est)
		after := exactNegELBO(v, patterns).Item()
		nn.ZeroGrad[float64](v)
		t.Logf("categorical VAE, %T: −ELBO %.3f → %.3f", est, before, after)
		if !(after < before-0.5) {
			t.Errorf("categorical VAE with %#v: −ELBO %.3f → %.3f, want a fall", est, before, after)
		}
	}

	topk := func(target estimators.Target[float64]) estimators.Estimator[float64] {
		noise, err := distributions.NewSumOfGamma[float64](2, 10)
		if err != nil {
			t.Fatal(err)
		}
		return estimators.ThroughLayer[float64]{Layer: estimators.IMLE[float64]{
			Solver: solvers.TopK[float64]{K: 2}, Noise: noise, Target: target, Difference: estimators.Central}}
	}
	for _, est := range []estimators.Estimator[float64]{
		estimators.ScoreFunction[float64]{Samples: 4, Baseline: estimators.LeaveOneOut{}},
		topk(nil),
		topk(&estimators.AdaptiveTarget[float64]{Beta: 1, UpdateStep: 1e-3}),
		estimators.GumbelSoftmaxTopK[float64]{Temperature: 0.5},
	} {
		v := NewSubsetVAE[float64](rand.New(rand.NewPCG(5, 1)), 8, 2, 4, 2, []int{16})
		value := func() float64 {
			s := 0.0
			rnd := rand.New(rand.NewPCG(6, 6))
			for range 200 {
				_, val := v.NegELBO(rnd, patterns, estimators.ScoreFunction[float64]{}, 1)
				s += val / 200
			}
			nn.ZeroGrad[float64](v)
			return s
		}
		before := value()
		train(t, v, est)
		after := value()
		t.Logf("subset VAE, %T: −ELBO %.3f → %.3f", est, before, after)
		if !(after < before-0.5) {
			t.Errorf("subset VAE with %#v: −ELBO %.3f → %.3f, want a fall", est, before, after)
		}
	}
}

func train(t *testing.T, v *LatentVAE[float64], est estimators.Estimator[float64]) {
	t.Helper()
	if err := estimators.Check(est, v.Guide(patterns)); err != nil && fmt.Sprintf("%T", est) != "estimators.ThroughLayer[float64]" {
		t.Fatalf("%T cannot run on the posterior: %v", est, err)
	}
	rnd := rand.New(rand.NewPCG(7, 8))
	opt := &optim.Adam[float64]{LR: 0.01}
	for range 400 {
		nn.ZeroGrad[float64](v)
		loss, _ := v.NegELBO(rnd, patterns, est, 2)
		loss.Backward()
		if err := opt.Step(v.Params()); err != nil {
			t.Fatal(err)
		}
	}
}
