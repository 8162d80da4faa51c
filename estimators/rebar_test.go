package estimators_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stochgrad/stochgrad/estimators"
	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
)

func rebarFunc(r estimators.REBAR[float64], categorical bool) estimatorFunc {
	return func(rnd *rand.Rand, l *ad.Tensor[float64], f estimators.Func[float64]) estimators.Estimate[float64] {
		if categorical {
			return r.Estimate(rnd, distributions.Categorical[float64]{Logits: l}, f)
		}
		return r.Estimate(rnd, distributions.Bernoulli[float64]{Logits: l}, f)
	}
}

// TestREBARUnbiasedLowerVariance checks REBAR, at the default η = 1,
// λ = ½ and at other fixed values, against the exact gradient, and its
// variance against REINFORCE's with the same number of samples.
func TestREBARUnbiasedLowerVariance(t *testing.T) {
	const m = 4000
	for _, tc := range []struct {
		name        string
		p           gradProblem
		categorical bool
	}{
		{"bernoulli", bernoulliProblem(), false},
		{"categorical", categoricalProblem(), true},
	} {
		plain := summarise(tc.p.gradients(m, 20, scoreFunc(estimators.ScoreFunction[float64]{}, tc.categorical)))
		for _, r := range []struct {
			name string
			est  estimators.REBAR[float64]
		}{
			{"default", estimators.REBAR[float64]{}},
			{"η=0.7,λ=0.3", estimators.REBAR[float64]{Eta: ad.Scalar(0.7), LogTemperature: ad.Scalar(math.Log(0.3))}},
			{"2 samples", estimators.REBAR[float64]{Samples: 2}},
		} {
			st := summarise(tc.p.gradients(m, 21, rebarFunc(r.est, tc.categorical)))
			name := "REBAR/" + tc.name + "/" + r.name
			requireUnbiased(t, name, st, tc.p.exact)
			if r.est.Samples <= 1 {
				requireLowerVariance(t, name, st, "REINFORCE", plain)
			}
		}
	}
}

// TestConditionalNoise checks the conditional samples z̃ | b through what
// they must satisfy: H(z̃) = b always, and, b being drawn from p, z̃ has the
// unconditional law of z (logistic(l), or l + Gumbel per coordinate),
// tested on the CDF at several points. The samples are observed through a
// residual that records its inputs.
func TestConditionalNoise(t *testing.T) {
	const m = 20000
	for _, tc := range []struct {
		name        string
		logits      []float64
		shape       []int
		categorical bool
		cdf         func(x, l float64) float64
	}{
		{"bernoulli", []float64{-1.5, 0.2, 2.0}, []int{3}, false, func(x, l float64) float64 { return 1 / (1 + math.Exp(-(x - l))) }},
		{"categorical", []float64{0.5, -1.0, 1.5, 0.0}, []int{4}, true, func(x, l float64) float64 { return math.Exp(-math.Exp(-(x - l))) }},
	} {
		n := len(tc.logits)
		var hardRows, zt [][]float64
		rec := func(z *ad.Tensor[float64]) *ad.Tensor[float64] {
			// The residual sees [z, z̃] in the estimate.
			if z.Dim(0) == 2 {
				zt = append(zt, append([]float64(nil), z.Data[n:2*n]...))
			}
			return ad.Zeros[float64](z.Dim(0))
		}
		f := func(z *ad.Tensor[float64]) *ad.Tensor[float64] {
			if z.Dim(0) == 1 {
				hardRows = append(hardRows, append([]float64(nil), z.Data...))
			}
			return ad.Sum(z, 1)
		}
		rnd := rand.New(rand.NewPCG(4, 4))
		r := estimators.RELAX[float64]{Eta: ad.Scalar(0.0), Residual: rec}
		for range m {
			l := ad.New(append([]float64(nil), tc.logits...), tc.shape...)
			if tc.categorical {
				r.Estimate(rnd, distributions.Categorical[float64]{Logits: l}, f)
			} else {
				r.Estimate(rnd, distributions.Bernoulli[float64]{Logits: l}, f)
			}
		}
		// The tuning pass also calls the residual, with 5 rows: ignored.
		if len(zt) != m || len(hardRows) != m {
			t.Fatalf("%s: recorded %d conditional and %d hard samples", tc.name, len(zt), len(hardRows))
		}
		for i := range zt {
			b := hardRows[i]
			if tc.categorical {
				best := 0
				for j := range n {
					if zt[i][j] > zt[i][best] {
						best = j
					}
				}
				if b[best] != 1 {
					t.Fatalf("%s: argmax z̃ = %d for b = %v (z̃ %v)", tc.name, best, b, zt[i])
				}
			} else {
				for j := range n {
					if (zt[i][j] > 0) != (b[j] == 1) {
						t.Fatalf("%s: z̃ = %v for b = %v", tc.name, zt[i], b)
					}
				}
			}
		}
		for j, l := range tc.logits {
			for _, x := range []float64{l - 2, l - 0.5, l, l + 1, l + 3} {
				want := tc.cdf(x, l)
				count := 0.0
				for i := range zt {
					if zt[i][j] <= x {
						count++
					}
				}
				got := count / m
				if z := math.Abs(got-want) / math.Sqrt(want*(1-want)/m); z > 4 {
					t.Errorf("%s: coordinate %d: P(z̃ ≤ %.2f) = %.4f, want %.4f (|z| = %.1f)", tc.name, j, x, got, want, z)
				}
			}
		}
	}
}

func TestREBARPanics(t *testing.T) {
	f := func(z *ad.Tensor[float64]) *ad.Tensor[float64] { return ad.Sum(z, 1) }
	for name, fn := range map[string]func(){
		"eta shape": func() {
			estimators.REBAR[float64]{Eta: ad.New([]float64{1, 2}, 2)}.Estimate(rand.New(rand.NewPCG(1, 1)), distributions.Bernoulli[float64]{Logits: ad.New([]float64{0, 1}, 2)}, f)
		},
		"scalar categorical": func() {
			estimators.REBAR[float64]{}.Estimate(rand.New(rand.NewPCG(1, 1)), distributions.Categorical[float64]{Logits: ad.Scalar(1.0)}, f)
		},
		"negative samples": func() {
			estimators.REBAR[float64]{Samples: -2}.Estimate(rand.New(rand.NewPCG(1, 1)), distributions.Bernoulli[float64]{Logits: ad.New([]float64{0, 1}, 2)}, f)
		},
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
