package estimators_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stochgrad/stochgrad/estimators"
	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
)

// topK returns the k-hot top k of a row.
func topK(row []float64, k int) []float64 {
	idx := make([]int, len(row))
	for j := range idx {
		idx[j] = j
	}
	slices.SortFunc(idx, func(a, b int) int { return -cmpFloat(row[a], row[b]) })
	out := make([]float64, len(row))
	for _, j := range idx[:k] {
		out[j] = 1
	}
	return out
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestRelaxedTopKForward(t *testing.T) {
	rnd := rand.New(rand.NewPCG(60, 1))
	const rows, n = 40, 7
	keys := ad.Randn[float64](rnd, rows, n)
	for j := range keys.Data {
		keys.Data[j] *= 3
	}
	for _, k := range []int{1, 3, 7} {
		for _, tau := range []float64{5, 1, 0.3, 0.05} {
			y := estimators.RelaxedTopK(keys, k, tau)
			for r := range rows {
				s := 0.0
				for _, v := range y.Data[r*n : (r+1)*n] {
					if !(v >= 0) {
						t.Fatalf("k=%d τ=%g: row %d = %v has a negative entry", k, tau, r, y.Data[r*n:(r+1)*n])
					}
					s += v
				}
				if math.Abs(s-float64(k)) > 1e-12 {
					t.Fatalf("k=%d τ=%g: row %d sums to %v", k, tau, r, s)
				}
			}
			if k == 1 { // Gumbel-Softmax
				sm := ad.Softmax(ad.MulScalar(keys, 1/tau), 1)
				for i, v := range y.Data {
					if math.Abs(v-sm.Data[i]) > 1e-15 {
						t.Fatalf("k=1 τ=%g: %v, softmax %v", tau, v, sm.Data[i])
					}
				}
			}
		}
	}
	// Entries above 1 where τ is not small against the gaps: the mass the
	// first softmax leaves on the top key is spread again by the second.
	y := estimators.RelaxedTopK(ad.New([]float64{20, 0, 0}, 3), 2, 1)
	for i, want := range []float64{1.5, 0.25, 0.25} {
		if math.Abs(y.Data[i]-want) > 1e-8 {
			t.Errorf("RelaxedTopK((20, 0, 0), 2, 1) = %v, want (1.5, 0.25, 0.25)", y.Data)
		}
	}
}

func TestRelaxedTopKLimit(t *testing.T) {
	// Keys at least 0.04 apart: at τ = 10⁻³ the relaxation is the k-hot
	// top k within 10⁻⁹ (at τ = 10⁻² a gap is only 4τ, not yet enough).
	rnd := rand.New(rand.NewPCG(61, 1))
	const rows, n, k = 30, 9, 4
	keys := ad.Zeros[float64](rows, n)
	for r := range rows {
		for j, p := range rnd.Perm(n) {
			keys.Data[r*n+j] = 0.05*float64(p) + 0.01*rnd.Float64()
		}
	}
	for _, tau := range []float64{1, 0.1, 0.01, 1e-3} {
		y := estimators.RelaxedTopK(keys, k, tau)
		dist := 0.0
		for r := range rows {
			hard := topK(keys.Data[r*n:(r+1)*n], k)
			for j, v := range y.Data[r*n : (r+1)*n] {
				dist = max(dist, math.Abs(v-hard[j]))
			}
		}
		t.Logf("τ = %g: max |y − top-k| = %.3g", tau, dist)
		if tau == 1e-3 && dist > 1e-9 {
			t.Errorf("τ = 10⁻³: distance to the top k %.3g, want < 1e-9", dist)
		}
	}
}

func TestRelaxedTopKGradCheck(t *testing.T) {
	rnd := rand.New(rand.NewPCG(62, 1))
	keys := ad.Randn[float64](rnd, 3, 6)
	for _, k := range []int{1, 2, 4} {
		for _, tau := range []float64{2, 0.5} {
			if e, err := ad.GradCheck(func(xs ...*ad.Tensor[float64]) *ad.Tensor[float64] {
				return estimators.RelaxedTopK(xs[0], k, tau)
			}, keys); err != nil {
				t.Errorf("k=%d τ=%g: %v (error %.3g)", k, tau, err, e)
			}
		}
	}
	// The estimator's surrogate, with the noise fixed by the seed (not
	// with Hard: the straight-through gradient is not the derivative of
	// its forward, which is piecewise constant).
	w := ad.Randn[float64](rnd, 3, 6)
	f := func(z *ad.Tensor[float64]) *ad.Tensor[float64] {
		return ad.Sum(ad.Square(ad.Sum(ad.Mul(z, w), 2)), 1)
	}
	if e, err := ad.GradCheck(func(xs ...*ad.Tensor[float64]) *ad.Tensor[float64] {
		est := estimators.GumbelSoftmaxTopK[float64]{Temperature: 0.7, Samples: 2}
		return est.Estimate(rand.New(rand.NewPCG(1, 2)), distributions.SubsetTopK[float64]{Logits: xs[0], K: 3}, f).Surrogate
	}, keys); err != nil {
		t.Errorf("surrogate: %v (error %.3g)", err, e)
	}
}

func TestGumbelSoftmaxTopKSamples(t *testing.T) {
	l := ad.Param(ad.Randn[float64](rand.New(rand.NewPCG(63, 1)), 4, 2, 6))
	d := distributions.SubsetTopK[float64]{Logits: l, K: 3}
	// With Hard, f sees the SubsetTopK's own draws from the same generator.
	var got []float64
	e := estimators.GumbelSoftmaxTopK[float64]{Hard: true, Samples: 3}.Estimate(rand.New(rand.NewPCG(5, 6)), d, func(z *ad.Tensor[float64]) *ad.Tensor[float64] {
		if !slices.Equal(z.Shape(), []int{3, 4, 2, 6}) {
			t.Fatalf("samples of shape %v, want [3 4 2 6]", z.Shape())
		}
		got = slices.Clone(z.Data)
		return ad.Sum(ad.Square(z), 2, 3)
	})
	rnd := rand.New(rand.NewPCG(5, 6))
	var want []float64
	for range 3 {
		want = append(want, d.Sample(rnd).Data...)
	}
	if !slices.Equal(got, want) {
		t.Errorf("hard samples differ from SubsetTopK.Sample's")
	}
	e.Surrogate.Backward()
	if e.Samples != 3 || l.Grad == nil {
		t.Errorf("Samples %d, gradient %v", e.Samples, l.Grad)
	}

	var zero distributions.Sampler[float64] = distributions.Categorical[float64]{Logits: l}
	if err := estimators.Check[float64](estimators.GumbelSoftmaxTopK[float64]{}, zero); !errors.Is(err, estimators.ErrUnsupported) {
		t.Errorf("Check on a categorical: %v", err)
	}
	if err := estimators.Check[float64](estimators.GumbelSoftmaxTopK[float64]{Temperature: -1}, d); !errors.Is(err, estimators.ErrUnsupported) {
		t.Errorf("Check with τ = −1: %v", err)
	}
	if err := estimators.Check[float64](estimators.GumbelSoftmaxTopK[float64]{}, &d); err != nil {
		t.Errorf("Check on a *SubsetTopK: %v", err)
	}
}

// subsetProblem is two 2-subsets of 5 items with
// f(z) = (⟨z_1, c_1⟩ + ⟨z_2, c_2⟩)² + ⟨z_1, z_2⟩ (100 states); its exact
// gradient sums f(S)·∇P(S) over the states, P by SubsetTopK.LogProb.
func subsetProblem() gradProblem {
	const n, k = 5, 2
	logits := []float64{0.5, -1.0, 1.2, 0.1, -0.4, -0.6, 0.8, 0.0, 1.1, -1.2}
	c := ad.New([]float64{1.0, -0.5, 2.0, 0.3, -1.5, -0.7, 1.4, 0.2, -1.1, 0.6}, 2, n)
	f := func(z *ad.Tensor[float64]) *ad.Tensor[float64] {
		s := z.Dim(0)
		v := ad.Square(ad.Sum(ad.Mul(z, c), 1, 2))
		a, b := ad.Slice(z, 1, 0, 1), ad.Slice(z, 1, 1, 2)
		return ad.Add(v, ad.Reshape(ad.Sum(ad.Mul(a, b), 1, 2), s))
	}
	var sets [][]float64
	for m := range 1 << n {
		if bitsSet(m) == k {
			row := make([]float64, n)
			for j := range n {
				row[j] = float64(m >> j & 1)
			}
			sets = append(sets, row)
		}
	}
	var states []float64
	for _, a := range sets {
		for _, b := range sets {
			states = append(append(states, a...), b...)
		}
	}
	z := ad.New(states, len(states)/(2*n), 2, n)
	l := ad.Param(ad.New(slices.Clone(logits), 2, n))
	lp := ad.Sum(distributions.SubsetTopK[float64]{Logits: l, K: k}.LogProb(z), 1)
	fv := f(z)
	mean := ad.Sum(ad.Mul(ad.Exp(lp), fv))
	mean.Backward()
	return gradProblem{logits: logits, shape: []int{2, n}, f: f, exact: slices.Clone(l.Grad), value: mean.Item()}
}

func bitsSet(m int) int {
	c := 0
	for ; m != 0; m &= m - 1 {
		c++
	}
	return c
}

func TestGumbelSoftmaxTopKTemperatureTrends(t *testing.T) {
	p := subsetProblem()
	rows := measureTemperatures(p, 6000, func(tau float64) estimatorFunc {
		return func(rnd *rand.Rand, l *ad.Tensor[float64], f estimators.Func[float64]) estimators.Estimate[float64] {
			return estimators.GumbelSoftmaxTopK[float64]{Temperature: tau}.Estimate(rnd, distributions.SubsetTopK[float64]{Logits: l, K: 2}, f)
		}
	})
	requireTrends(t, "GumbelSoftmaxTopK", rows)
	// At τ = 1 the bias is far above the noise.
	if r := rows[1]; r.bias < 10*r.biasFloor {
		t.Errorf("τ = 1: ‖bias‖ = %.3g, not clearly above the noise floor %.3g", r.bias, r.biasFloor)
	}
}
