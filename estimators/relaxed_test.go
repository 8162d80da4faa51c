package estimators_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stochgrad/stochgrad/estimators"
	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
)

var temperatures = []float64{2, 1, 0.5, 0.25, 0.1}

// tauRow is one temperature's measurements against the exact gradient of
// the discrete objective.
type tauRow struct {
	tau              float64
	bias, biasFloor  float64 // ‖mean − ∇‖ and its noise floor
	variance, varSE  float64
	biasSq, biasSqSE float64 // ‖mean − ∇‖² − Σse², unbiased for the squared bias
	stats            mcStats
}

func measureTemperatures(p gradProblem, m int, est func(tau float64) estimatorFunc) []tauRow {
	rows := make([]tauRow, len(temperatures))
	for i, tau := range temperatures {
		st := summarise(p.gradients(m, uint64(100+i), est(tau)))
		b, floor := st.biasNorm(p.exact)
		// SE of the squared-bias estimate Σ_j d_j², d_j ~ N(bias_j, se_j²):
		// Var = Σ 4·bias_j²·se_j² + 2·se_j⁴.
		v := 0.0
		for j, w := range p.exact {
			d := st.mean[j] - w
			v += 4*d*d*st.se[j]*st.se[j] + 2*math.Pow(st.se[j], 4)
		}
		rows[i] = tauRow{tau: tau, bias: b, biasFloor: floor, variance: st.trVar, varSE: st.trVarS,
			biasSq: b*b - floor*floor, biasSqSE: math.Sqrt(v), stats: st}
	}
	return rows
}

// requireTrends asserts, within four standard errors, that the squared
// bias never increases and the variance never decreases as τ falls, and
// that from the first to the last temperature the bias falls and the
// variance rises by more than four standard errors.
func requireTrends(t *testing.T, name string, rows []tauRow) {
	t.Helper()
	t.Logf("%s: τ, ‖bias‖ (noise floor), total variance", name)
	for _, r := range rows {
		t.Logf("  τ=%-5g ‖bias‖=%.4f (±%.4f)  variance=%.4g ± %.2g", r.tau, r.bias, r.biasFloor, r.variance, r.varSE)
	}
	for i := 1; i < len(rows); i++ {
		a, b := rows[i-1], rows[i]
		if d := b.biasSq - a.biasSq; d > 4*math.Hypot(a.biasSqSE, b.biasSqSE) {
			t.Errorf("%s: squared bias rises from τ=%g to τ=%g by %.3g (se %.2g)", name, a.tau, b.tau, d, math.Hypot(a.biasSqSE, b.biasSqSE))
		}
		if d := a.variance - b.variance; d > 4*math.Hypot(a.varSE, b.varSE) {
			t.Errorf("%s: variance falls from τ=%g to τ=%g by %.3g (se %.2g)", name, a.tau, b.tau, d, math.Hypot(a.varSE, b.varSE))
		}
	}
	first, last := rows[0], rows[len(rows)-1]
	if d := first.biasSq - last.biasSq; !(d > 4*math.Hypot(first.biasSqSE, last.biasSqSE)) {
		t.Errorf("%s: squared bias does not fall from τ=%g to τ=%g (%.3g, se %.2g)", name, first.tau, last.tau, d, math.Hypot(first.biasSqSE, last.biasSqSE))
	}
	if d := last.variance - first.variance; !(d > 4*math.Hypot(first.varSE, last.varSE)) {
		t.Errorf("%s: variance does not rise from τ=%g to τ=%g (%.3g, se %.2g)", name, first.tau, last.tau, d, math.Hypot(first.varSE, last.varSE))
	}
}

func TestGumbelSoftmaxTemperatureTrends(t *testing.T) {
	p := categoricalProblem()
	rows := measureTemperatures(p, 3000, func(tau float64) estimatorFunc {
		return func(rnd *rand.Rand, l *ad.Tensor[float64], f estimators.Func[float64]) estimators.Estimate[float64] {
			return estimators.GumbelSoftmax[float64]{Temperature: tau}.Estimate(rnd, distributions.Categorical[float64]{Logits: l}, f)
		}
	})
	requireTrends(t, "GumbelSoftmax", rows)
}

func TestBinaryConcreteTemperatureTrends(t *testing.T) {
	p := bernoulliProblem()
	rows := measureTemperatures(p, 3000, func(tau float64) estimatorFunc {
		return func(rnd *rand.Rand, l *ad.Tensor[float64], f estimators.Func[float64]) estimators.Estimate[float64] {
			return estimators.BinaryConcrete[float64]{Temperature: tau}.Estimate(rnd, distributions.Bernoulli[float64]{Logits: l}, f)
		}
	})
	requireTrends(t, "BinaryConcrete", rows)
}

func TestStraightThroughBiasDetected(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    gradProblem
		est  estimatorFunc
	}{
		{"StraightThrough/bernoulli", bernoulliProblem(), func(rnd *rand.Rand, l *ad.Tensor[float64], f estimators.Func[float64]) estimators.Estimate[float64] {
			return estimators.StraightThrough[float64]{}.Estimate(rnd, distributions.Bernoulli[float64]{Logits: l}, f)
		}},
		{"StraightThrough/categorical", categoricalProblem(), func(rnd *rand.Rand, l *ad.Tensor[float64], f estimators.Func[float64]) estimators.Estimate[float64] {
			return estimators.StraightThrough[float64]{}.Estimate(rnd, distributions.Categorical[float64]{Logits: l}, f)
		}},
		{"GumbelSoftmax{Hard}/τ=0.5", categoricalProblem(), func(rnd *rand.Rand, l *ad.Tensor[float64], f estimators.Func[float64]) estimators.Estimate[float64] {
			return estimators.GumbelSoftmax[float64]{Temperature: 0.5, Hard: true}.Estimate(rnd, distributions.Categorical[float64]{Logits: l}, f)
		}},
		{"BinaryConcrete{Hard}/τ=0.5", bernoulliProblem(), func(rnd *rand.Rand, l *ad.Tensor[float64], f estimators.Func[float64]) estimators.Estimate[float64] {
			return estimators.BinaryConcrete[float64]{Temperature: 0.5, Hard: true}.Estimate(rnd, distributions.Bernoulli[float64]{Logits: l}, f)
		}},
	} {
		st := summarise(tc.p.gradients(3000, 7, tc.est))
		z := st.maxZ(tc.p.exact)
		b, floor := st.biasNorm(tc.p.exact)
		if z < 4 {
			t.Errorf("%s: bias not detected: max |z| = %.2f", tc.name, z)
			continue
		}
		t.Logf("%s: ‖bias‖ = %.3f (noise floor %.3f), max |z| = %.1f", tc.name, b, floor, z)
	}
}

func TestStraightThroughExactOnLinear(t *testing.T) {
	// For linear f(z) = ⟨c, z⟩ the straight-through gradient is exact in
	// every draw: c ⊙ σ'(l) for Bernoulli, J_softmax(l)ᵀc for categorical.
	c := []float64{1.5, -0.5, 2.0}
	ct := ad.New(c, 3)
	f := func(z *ad.Tensor[float64]) *ad.Tensor[float64] { return ad.Sum(ad.Mul(z, ct), 1) }
	logits := []float64{0.3, -1.2, 0.8}
	rnd := rand.New(rand.NewPCG(1, 2))
	for trial := range 5 {
		l := ad.Param(ad.New(append([]float64(nil), logits...), 3))
		estimators.StraightThrough[float64]{Samples: 1 + trial}.Estimate(rnd, distributions.Bernoulli[float64]{Logits: l}, f).Surrogate.Backward()
		for i, x := range logits {
			p := 1 / (1 + math.Exp(-x))
			if want := c[i] * p * (1 - p); math.Abs(l.Grad[i]-want) > 1e-12 {
				t.Fatalf("Bernoulli: gradient %v, want %v at %d", l.Grad[i], want, i)
			}
		}
		l = ad.Param(ad.New(append([]float64(nil), logits...), 3))
		estimators.StraightThrough[float64]{Samples: 1 + trial}.Estimate(rnd, distributions.Categorical[float64]{Logits: l}, f).Surrogate.Backward()
		p := make([]float64, 3)
		s, dot := 0.0, 0.0
		for i, x := range logits {
			p[i] = math.Exp(x)
			s += p[i]
		}
		for i := range p {
			p[i] /= s
			dot += p[i] * c[i]
		}
		for i := range p {
			if want := p[i] * (c[i] - dot); math.Abs(l.Grad[i]-want) > 1e-12 {
				t.Fatalf("Categorical: gradient %v, want %v at %d", l.Grad[i], want, i)
			}
		}
	}
}

func TestHardSamplesAreDiscrete(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 6))
	l := ad.Param(ad.New([]float64{0.1, 2, -1, 0.5, 0.5, 0.5}, 2, 3))
	check := func(name string, want func(row []float64) bool) estimators.Func[float64] {
		return func(z *ad.Tensor[float64]) *ad.Tensor[float64] {
			for r := 0; r < z.Len(); r += 3 {
				if !want(z.Data[r : r+3]) {
					t.Errorf("%s: row %v", name, z.Data[r:r+3])
				}
			}
			return ad.Sum(z, 1, 2)
		}
	}
	oneHot := func(row []float64) bool {
		s := 0.0
		for _, v := range row {
			if v != 0 && v != 1 {
				return false
			}
			s += v
		}
		return s == 1
	}
	binary := func(row []float64) bool {
		for _, v := range row {
			if v != 0 && v != 1 {
				return false
			}
		}
		return true
	}
	e := estimators.GumbelSoftmax[float64]{Temperature: 0.7, Hard: true, Samples: 4}.Estimate(rnd, distributions.Categorical[float64]{Logits: l}, check("GumbelSoftmax", oneHot))
	e.Surrogate.Backward()
	if e.Samples != 4 || l.Grad == nil {
		t.Errorf("Samples %d, gradient %v", e.Samples, l.Grad)
	}
	estimators.BinaryConcrete[float64]{Temperature: 0.7, Hard: true, Samples: 4}.Estimate(rnd, distributions.Bernoulli[float64]{Logits: l}, check("BinaryConcrete", binary))
	// Same seed: the hard sample is the argmax of the soft one.
	var soft, hard []float64
	estimators.GumbelSoftmax[float64]{Temperature: 0.7}.Estimate(rand.New(rand.NewPCG(1, 1)), distributions.Categorical[float64]{Logits: l}, func(z *ad.Tensor[float64]) *ad.Tensor[float64] {
		soft = append([]float64(nil), z.Data...)
		return ad.Sum(z, 1, 2)
	})
	estimators.GumbelSoftmax[float64]{Temperature: 0.7, Hard: true}.Estimate(rand.New(rand.NewPCG(1, 1)), distributions.Categorical[float64]{Logits: l}, func(z *ad.Tensor[float64]) *ad.Tensor[float64] {
		hard = append([]float64(nil), z.Data...)
		return ad.Sum(z, 1, 2)
	})
	for r := 0; r < len(soft); r += 3 {
		best := r
		for j := r; j < r+3; j++ {
			if soft[j] > soft[best] {
				best = j
			}
		}
		if hard[best] != 1 {
			t.Errorf("hard %v is not the argmax of soft %v", hard, soft)
		}
	}
}

func TestSchedules(t *testing.T) {
	e := estimators.ExpDecay{Rate: 1e-4, Every: 500}
	for _, tc := range []struct {
		step int
		want float64
	}{
		{0, 1}, {499, 1}, {500, math.Exp(-0.05)}, {1999, math.Exp(-0.15)}, {100000, 0.5},
	} {
		if got := e.At(tc.step); math.Abs(got-tc.want) > 1e-15 {
			t.Errorf("ExpDecay.At(%d) = %v, want %v", tc.step, got, tc.want)
		}
	}
	if got := (estimators.ExpDecay{Start: 2, Rate: 0.1, Min: 0.1}).At(10); math.Abs(got-2*math.Exp(-1)) > 1e-15 {
		t.Errorf("ExpDecay{2, 0.1, 0.1}.At(10) = %v", got)
	}
	if got := estimators.Constant(0.3).At(12345); got != 0.3 {
		t.Errorf("Constant.At = %v", got)
	}
	for name, fn := range map[string]func(){
		"negative step": func() { e.At(-1) },
		"negative rate": func() { estimators.ExpDecay{Rate: -1}.At(1) },
		"min > start":   func() { estimators.ExpDecay{Start: 0.3}.At(1) },
		"negative tau": func() {
			estimators.GumbelSoftmax[float64]{Temperature: -1}.Estimate(rand.New(rand.NewPCG(1, 1)), distributions.Categorical[float64]{Logits: ad.New([]float64{0, 1}, 2)},
				func(z *ad.Tensor[float64]) *ad.Tensor[float64] { return ad.Sum(z, 1) })
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

// Jang et al.'s schedule: τ = max(0.5, exp(−10⁻⁴·t)), updated every 500 steps.
func ExampleExpDecay() {
	s := estimators.ExpDecay{Rate: 1e-4, Every: 500}
	for _, step := range []int{0, 499, 500, 5000, 10000} {
		fmt.Printf("step %5d: τ = %.4f\n", step, s.At(step))
	}
	// Output:
	// step     0: τ = 1.0000
	// step   499: τ = 1.0000
	// step   500: τ = 0.9512
	// step  5000: τ = 0.6065
	// step 10000: τ = 0.5000
}
