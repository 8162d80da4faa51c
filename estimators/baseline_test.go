package estimators_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stochgrad/stochgrad/estimators"
	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
)

func TestLeaveOneOutValues(t *testing.T) {
	f := []float64{1, 2, 6}
	dst := make([]float64, 3)
	estimators.LeaveOneOut{}.Baselines(dst, f, len(f))
	want := []float64{4, 3.5, 1.5}
	for i := range want {
		if dst[i] != want[i] {
			t.Fatalf("LeaveOneOut %v, want %v", dst, want)
		}
	}
}

func TestMovingAverageValues(t *testing.T) {
	m := &estimators.MovingAverage{Decay: 0.5}
	dst := make([]float64, 2)
	var got []float64
	for _, f := range [][]float64{{2, 4}, {6, 6}, {0, 2}} {
		m.Baselines(dst, f, len(f))
		got = append(got, dst[0])
	}
	// 0 (no past), then the first mean 3, then 0.5·3 + 0.5·6.
	want := []float64{0, 3, 4.5}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("MovingAverage gave %v, want %v", got, want)
		}
	}
	if m.Count != 3 || m.Value != 0.5*4.5+0.5*1 {
		t.Errorf("state Value %v Count %d", m.Value, m.Count)
	}
}

func TestBaselinePanics(t *testing.T) {
	for name, fn := range map[string]func(){
		"decay 1": func() {
			(&estimators.MovingAverage{Decay: 1}).Baselines(make([]float64, 1), []float64{1}, len([]float64{1}))
		},
		"decay < 0": func() {
			(&estimators.MovingAverage{Decay: -0.1}).Baselines(make([]float64, 1), []float64{1}, len([]float64{1}))
		},
		"length": func() { estimators.NoBaseline{}.Baselines(make([]float64, 2), []float64{1}, len([]float64{1})) },
		"nil predict": func() {
			estimators.LearnedBaseline[float64]{}.Baselines(make([]float64, 1), []float64{1}, len([]float64{1}))
		},
		"loo one value": func() { estimators.LeaveOneOut{}.Baselines(make([]float64, 1), []float64{1}, len([]float64{1})) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			fn()
		}()
	}
}

// TestBaselinesUnbiasedLowerVariance checks each baseline on the Bernoulli
// problem at S = 4: unbiased by the z-test, and with a total variance below
// plain REINFORCE's by more than four standard errors.
func TestBaselinesUnbiasedLowerVariance(t *testing.T) {
	const m, samples = 4000, 4
	p := bernoulliProblem()
	plain := summarise(p.gradients(m, 10, scoreFunc(estimators.ScoreFunction[float64]{Samples: samples}, false)))
	requireUnbiased(t, "REINFORCE", plain, p.exact)

	// A learned scalar baseline, trained by the Surrogate's squared error
	// with plain SGD as the estimates are drawn.
	b := ad.Param(ad.Scalar(0.0))
	learned := estimators.ScoreFunction[float64]{Samples: samples, Baseline: estimators.LearnedBaseline[float64]{
		Predict: func() *ad.Tensor[float64] { return b },
	}}
	learnedFunc := func(rnd *rand.Rand, l *ad.Tensor[float64], f estimators.Func[float64]) estimators.Estimate[float64] {
		// Step on the gradient left by the previous estimate's Backward.
		if b.Grad != nil {
			b.Data[0] -= 0.05 * b.Grad[0]
			b.ZeroGrad()
		}
		return learned.Estimate(rnd, distributions.Bernoulli[float64]{Logits: l}, f)
	}

	for _, tc := range []struct {
		name string
		est  estimatorFunc
	}{
		{"LeaveOneOut", scoreFunc(estimators.ScoreFunction[float64]{Samples: samples, Baseline: estimators.LeaveOneOut{}}, false)},
		{"MovingAverage", scoreFunc(estimators.ScoreFunction[float64]{Samples: samples, Baseline: &estimators.MovingAverage{Decay: 0.95}}, false)},
		{"LearnedBaseline", learnedFunc},
	} {
		st := summarise(p.gradients(m, 11, tc.est))
		requireUnbiased(t, tc.name, st, p.exact)
		requireLowerVariance(t, tc.name, st, "REINFORCE", plain)
	}
	// The learned baseline has converged to E[f] within its SGD noise: the
	// step is b ← 0.9·b + 0.1·f̄, so at stationarity Var b = 0.01·Var(f̄)/0.19.
	f2 := func(z *ad.Tensor[float64]) *ad.Tensor[float64] { return ad.Square(p.f(z)) }
	varF := enumBernoulli(f2, p.logits) - p.value*p.value
	sd := math.Sqrt(0.01 / 0.19 * varF / samples)
	if math.Abs(b.Data[0]-p.value) > 5*sd {
		t.Errorf("learned baseline %v, E[f] = %v (stationary sd %.3g)", b.Data[0], p.value, sd)
	}
}
