package estimators_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stochgrad/stochgrad/estimators"
	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/solvers"
)

func normCDF(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }
func normPDF(x float64) float64 { return math.Exp(-x*x/2) / math.Sqrt(2*math.Pi) }

// gaussArgmaxProbs returns P(argmax(θ + εZ) = i), Z ~ N(0, I), by
// numerical integration of ∫ φ(t) Π_{j≠i} Φ((θ_i − θ_j)/ε + t) dt with
// Simpson's rule on [−12, 12] (error far below 1e-10 for these smooth
// integrands).
func gaussArgmaxProbs(theta []float64, eps float64) []float64 {
	const n = 4000 // even
	a, b := -12.0, 12.0
	h := (b - a) / n
	p := make([]float64, len(theta))
	for i := range theta {
		s := 0.0
		for k := 0; k <= n; k++ {
			t := a + float64(k)*h
			f := normPDF(t)
			for j := range theta {
				if j != i {
					f *= normCDF((theta[i]-theta[j])/eps + t)
				}
			}
			w := 2.0
			switch {
			case k == 0 || k == n:
				w = 1
			case k%2 == 1:
				w = 4
			}
			s += w * f
		}
		p[i] = s * h / 3
	}
	return p
}

// gaussArgmaxVJP returns Σ_i dy_i ∂p_i/∂θ by central differences of the
// integral (step 1e-4: truncation error ~1e-9).
func gaussArgmaxVJP(theta, dy []float64, eps float64) []float64 {
	const h = 1e-4
	out := make([]float64, len(theta))
	for k := range theta {
		tp := append([]float64(nil), theta...)
		tm := append([]float64(nil), theta...)
		tp[k] += h
		tm[k] -= h
		pp, pm := gaussArgmaxProbs(tp, eps), gaussArgmaxProbs(tm, eps)
		for i := range dy {
			out[k] += dy[i] * (pp[i] - pm[i]) / (2 * h)
		}
	}
	return out
}

// zCheck fails t if some |mean − want| exceeds 4.5 standard errors.
func zCheck(t *testing.T, what string, mean, se, want []float64) {
	t.Helper()
	for j := range want {
		if z := (mean[j] - want[j]) / se[j]; math.Abs(z) > 4.5 {
			t.Errorf("%s: entry %d: estimate %.5f ± %.5f, exact %.5f (z = %.1f)", what, j, mean[j], se[j], want[j], z)
		}
	}
	t.Logf("%s: estimate %.4f (se ≤ %.4f), exact %.4f", what, mean, slicesMax(se), want)
}

// TestPerturbedAdditiveExact compares the perturbed Argmax in 3 dimensions
// with the exact E[MAP(θ + εZ)] and its Jacobian, computed by numerical
// integration: value and vector-Jacobian product, z-tests over 200000
// independent samples.
func TestPerturbedAdditiveExact(t *testing.T) {
	const n, eps = 200000, 0.7
	theta := []float64{0.3, -0.2, 0.5}
	dy := []float64{1, -0.5, 0.2}
	p := estimators.PerturbedAdditive[float64]{Solver: solvers.Argmax[float64]{}, Epsilon: eps}
	th := ad.Param(repeatRows(theta, n))
	y := p.Apply(rand.New(rand.NewPCG(1, 2)), th)
	mean, se := meanSE(y.Data, n, 3)
	zCheck(t, "E[MAP(θ+εZ)]", mean, se, gaussArgmaxProbs(theta, eps))
	y.BackwardWith(repeatRows(dy, n))
	mean, se = meanSE(th.Grad, n, 3)
	zCheck(t, "dyᵀ∂ŷ/∂θ", mean, se, gaussArgmaxVJP(theta, dy, eps))
}

// TestPerturbedSamplesAverage checks that Samples = M on one instance is
// the mean of M one-sample instances: both draw the same normals in the
// same order.
func TestPerturbedSamplesAverage(t *testing.T) {
	const m = 7
	theta := []float64{0.3, -0.2, 0.5, 0.1}
	dy := []float64{1, -0.5, 0.2, 0.3}
	for _, mult := range []bool{false, true} {
		apply := func(samples int, th *ad.Tensor[float64]) *ad.Tensor[float64] {
			if mult {
				return estimators.PerturbedMultiplicative[float64]{Solver: solvers.TopK[float64]{K: 2}, Epsilon: 0.5, Samples: samples}.Apply(rand.New(rand.NewPCG(4, 4)), th)
			}
			return estimators.PerturbedAdditive[float64]{Solver: solvers.TopK[float64]{K: 2}, Epsilon: 0.5, Samples: samples}.Apply(rand.New(rand.NewPCG(4, 4)), th)
		}
		one := ad.Param(ad.New(append([]float64(nil), theta...), 1, 4))
		yOne := apply(m, one)
		yOne.BackwardWith(ad.New(dy, 1, 4))
		many := ad.Param(repeatRows(theta, m))
		yMany := apply(1, many)
		yMany.BackwardWith(repeatRows(dy, m))
		ym, _ := meanSE(yMany.Data, m, 4)
		gm, _ := meanSE(many.Grad, m, 4)
		for j := range 4 {
			if math.Abs(yOne.Data[j]-ym[j]) > 1e-12 || math.Abs(one.Grad[j]-gm[j]) > 1e-12 {
				t.Fatalf("multiplicative=%v entry %d: M samples give value %v grad %v; mean of rows %v %v", mult, j, yOne.Data[j], one.Grad[j], ym[j], gm[j])
			}
		}
	}
}

// TestPerturbedMultiplicativeExact compares the multiplicative perturbed
// Argmax in 2 dimensions with its closed form: for θ > 0,
// P(argmax = 1) = Φ((log θ₁ − log θ₂)/(ε√2)).
func TestPerturbedMultiplicativeExact(t *testing.T) {
	const n, eps = 200000, 0.5
	theta := []float64{1.3, 0.9}
	dy := []float64{0.8, -0.4}
	s := eps * math.Sqrt2
	u := (math.Log(theta[0]) - math.Log(theta[1])) / s
	p1 := normCDF(u)
	dp1 := []float64{normPDF(u) / (s * theta[0]), -normPDF(u) / (s * theta[1])}
	want := []float64{(dy[0] - dy[1]) * dp1[0], (dy[0] - dy[1]) * dp1[1]}

	p := estimators.PerturbedMultiplicative[float64]{Solver: solvers.Argmax[float64]{}, Epsilon: eps}
	th := ad.Param(repeatRows(theta, n))
	y := p.Apply(rand.New(rand.NewPCG(2, 3)), th)
	mean, se := meanSE(y.Data, n, 2)
	zCheck(t, "E[MAP(θ⊙exp(εZ−ε²/2))]", mean, se, []float64{p1, 1 - p1})
	y.BackwardWith(repeatRows(dy, n))
	mean, se = meanSE(th.Grad, n, 2)
	zCheck(t, "dyᵀ∂ŷ/∂θ (multiplicative)", mean, se, want)
}

// TestPerturbedPanics checks the rejection of invalid parameters.
func TestPerturbedPanics(t *testing.T) {
	th := ad.New([]float64{1, 2}, 1, 2)
	for name, f := range map[string]func(){
		"negative Epsilon": func() {
			estimators.PerturbedAdditive[float64]{Solver: solvers.Argmax[float64]{}, Epsilon: -1}.Apply(rand.New(rand.NewPCG(1, 1)), th)
		},
		"negative Samples": func() {
			estimators.PerturbedMultiplicative[float64]{Solver: solvers.Argmax[float64]{}, Samples: -2}.Apply(rand.New(rand.NewPCG(1, 1)), th)
		},
		"nil Solver": func() { estimators.PerturbedAdditive[float64]{}.Apply(rand.New(rand.NewPCG(1, 1)), th) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}
