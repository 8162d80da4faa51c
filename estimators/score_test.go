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

// gradProblem is a small objective E_{z~p(l)}[f(z)] whose gradient with
// respect to the logits l is exact, by enumeration of every state.
type gradProblem struct {
	logits []float64
	shape  []int
	// f works on binary/one-hot and on relaxed inputs, differentiably.
	f     estimators.Func[float64]
	exact []float64
	value float64
}

// logitsParam returns a fresh leaf holding the problem's logits.
func (p gradProblem) logitsParam() *ad.Tensor[float64] {
	return ad.Param(ad.New(append([]float64(nil), p.logits...), p.shape...))
}

// column returns z[:, i] of a [S, n] tensor as shape [S].
func column(z *ad.Tensor[float64], i int) *ad.Tensor[float64] {
	return ad.Reshape(ad.Slice(z, 1, i, i+1), z.Dim(0))
}

// bernoulliProblem is 8 independent Bernoullis with
// f(z) = Σ (z_i − t_i)² + 2·z0·z1·z2 − 1.5·z3·z6 + z4·z5·z7 (256 states).
func bernoulliProblem() gradProblem {
	const n = 8
	logits := []float64{-1.2, 0.4, 1.5, -0.3, 0.8, -2.0, 0.1, 1.0}
	target := ad.New([]float64{0.45, 0.9, 0.2, 0.6, 0.05, 0.7, 0.35, 0.5}, n)
	f := func(z *ad.Tensor[float64]) *ad.Tensor[float64] {
		v := ad.Sum(ad.Square(ad.Sub(z, target)), 1)
		v = ad.Add(v, ad.MulScalar(ad.Mul(ad.Mul(column(z, 0), column(z, 1)), column(z, 2)), 2))
		v = ad.Sub(v, ad.MulScalar(ad.Mul(column(z, 3), column(z, 6)), 1.5))
		return ad.Add(v, ad.Mul(ad.Mul(column(z, 4), column(z, 5)), column(z, 7)))
	}
	states := ad.Zeros[float64](1<<n, n)
	for s := range 1 << n {
		for i := range n {
			states.Data[s*n+i] = float64(s >> i & 1)
		}
	}
	fv := f(states).Data
	p := make([]float64, n)
	for i, l := range logits {
		p[i] = 1 / (1 + math.Exp(-l))
	}
	g := make([]float64, n)
	value := 0.0
	for s := range 1 << n {
		prob := 1.0
		for i := range n {
			if states.Data[s*n+i] == 1 {
				prob *= p[i]
			} else {
				prob *= 1 - p[i]
			}
		}
		value += prob * fv[s]
		for i := range n {
			g[i] += prob * fv[s] * (states.Data[s*n+i] - p[i])
		}
	}
	return gradProblem{logits: logits, shape: []int{n}, f: f, exact: g, value: value}
}

// categoricalProblem is two independent categoricals over 10 with
// f(z) = (⟨z_1, c_1⟩ + ⟨z_2, c_2⟩)² (100 states).
func categoricalProblem() gradProblem {
	const k = 10
	logits := []float64{
		0.5, -1.0, 0.2, 1.3, -0.4, 0.0, 0.9, -1.5, 0.3, -0.2,
		-0.6, 0.8, 0.1, -0.3, 1.1, -1.2, 0.4, 0.0, -0.8, 0.6,
	}
	cs := []float64{
		1.0, -0.5, 2.0, 0.3, -1.5, 0.8, -0.2, 1.2, -0.9, 0.4,
		-0.7, 1.4, 0.2, -1.1, 0.6, 0.9, -0.3, 1.7, 0.5, -1.3,
	}
	c := ad.New(cs, 2, k)
	f := func(z *ad.Tensor[float64]) *ad.Tensor[float64] {
		return ad.Square(ad.Sum(ad.Mul(z, c), 1, 2))
	}
	probs := make([]float64, 2*k)
	for r := range 2 {
		m, s := math.Inf(-1), 0.0
		for _, l := range logits[r*k : (r+1)*k] {
			m = max(m, l)
		}
		for j, l := range logits[r*k : (r+1)*k] {
			probs[r*k+j] = math.Exp(l - m)
			s += probs[r*k+j]
		}
		for j := range k {
			probs[r*k+j] /= s
		}
	}
	g := make([]float64, 2*k)
	value := 0.0
	for i := range k {
		for j := range k {
			v := cs[i] + cs[k+j]
			fv, prob := v*v, probs[i]*probs[k+j]
			value += prob * fv
			for q := range 2 * k {
				ind := 0.0
				if q == i || q == k+j {
					ind = 1
				}
				g[q] += prob * fv * (ind - probs[q])
			}
		}
	}
	return gradProblem{logits: logits, shape: []int{2, k}, f: f, exact: g, value: value}
}

// estimatorFunc runs one estimator on fresh logits and returns its Estimate.
type estimatorFunc func(rnd *rand.Rand, logits *ad.Tensor[float64], f estimators.Func[float64]) estimators.Estimate[float64]

// gradients returns m independent estimates of the gradient with respect to
// the logits, drawn in sequence from one generator seeded with seed.
func (p gradProblem) gradients(m int, seed uint64, est estimatorFunc) [][]float64 {
	rnd := rand.New(rand.NewPCG(seed, 0x5eed))
	out := make([][]float64, m)
	for i := range out {
		l := p.logitsParam()
		e := est(rnd, l, p.f)
		e.Surrogate.Backward()
		out[i] = append([]float64(nil), l.GradTensor().Data...)
	}
	return out
}

// mcStats summarises independent estimates: per-coordinate mean and
// standard error, and the total variance (trace of the covariance) with its
// standard error.
type mcStats struct {
	mean, se      []float64
	trVar, trVarS float64
}

func summarise(g [][]float64) mcStats {
	m, d := len(g), len(g[0])
	st := mcStats{mean: make([]float64, d), se: make([]float64, d)}
	for _, x := range g {
		for j, v := range x {
			st.mean[j] += v / float64(m)
		}
	}
	sq := make([]float64, m) // ‖g_i − ḡ‖²
	for i, x := range g {
		for j, v := range x {
			dv := v - st.mean[j]
			st.se[j] += dv * dv
			sq[i] += dv * dv
		}
	}
	for j := range st.se {
		st.se[j] = math.Sqrt(st.se[j] / float64(m-1) / float64(m))
	}
	for _, v := range sq {
		st.trVar += v / float64(m-1)
	}
	ss := 0.0
	for _, v := range sq {
		dv := v*float64(m)/float64(m-1) - st.trVar
		ss += dv * dv
	}
	st.trVarS = math.Sqrt(ss / float64(m-1) / float64(m))
	return st
}

// maxZ returns the largest |mean − want|/se over the coordinates.
func (s mcStats) maxZ(want []float64) float64 {
	z := 0.0
	for j, w := range want {
		z = max(z, math.Abs(s.mean[j]-w)/s.se[j])
	}
	return z
}

// biasNorm returns ‖mean − want‖ and the noise floor √(Σ se²) it carries.
func (s mcStats) biasNorm(want []float64) (norm, floor float64) {
	for j, w := range want {
		d := s.mean[j] - w
		norm += d * d
		floor += s.se[j] * s.se[j]
	}
	return math.Sqrt(norm), math.Sqrt(floor)
}

// requireUnbiased fails unless every coordinate passes a z-test at |z| < 4.
func requireUnbiased(t *testing.T, name string, s mcStats, exact []float64) {
	t.Helper()
	if z := s.maxZ(exact); z >= 4 || math.IsNaN(z) {
		t.Errorf("%s: biased: max |z| = %.2f ≥ 4\nmean  %.4f\nexact %.4f\nse    %.4f", name, z, s.mean, exact, s.se)
	} else {
		t.Logf("%s: max |z| = %.2f, total variance %.4g ± %.2g", name, z, s.trVar, s.trVarS)
	}
}

// requireLowerVariance fails unless a's total variance is below b's by
// more than four standard errors of the difference.
func requireLowerVariance(t *testing.T, nameA string, a mcStats, nameB string, b mcStats) {
	t.Helper()
	se := math.Hypot(a.trVarS, b.trVarS)
	if !(b.trVar-a.trVar > 4*se) {
		t.Errorf("%s variance %.4g ± %.2g is not below %s's %.4g ± %.2g", nameA, a.trVar, a.trVarS, nameB, b.trVar, b.trVarS)
		return
	}
	t.Logf("variance ratio %s/%s = %.3g (%.4g vs %.4g)", nameB, nameA, b.trVar/a.trVar, b.trVar, a.trVar)
}

func scoreFunc(s estimators.ScoreFunction[float64], categorical bool) estimatorFunc {
	return func(rnd *rand.Rand, l *ad.Tensor[float64], f estimators.Func[float64]) estimators.Estimate[float64] {
		if categorical {
			return s.Estimate(rnd, distributions.Categorical[float64]{Logits: l}, f)
		}
		return s.Estimate(rnd, distributions.Bernoulli[float64]{Logits: l}, f)
	}
}

func TestExactGradientsByFiniteDifferences(t *testing.T) {
	// The enumerated gradients are what the tests rely on: check them
	// against central differences of the enumerated value, computed
	// through dist's log-probabilities.
	for _, tc := range []struct {
		name  string
		p     gradProblem
		value func(f estimators.Func[float64], logits []float64) float64
	}{
		{"bernoulli", bernoulliProblem(), enumBernoulli},
		{"categorical", categoricalProblem(), enumCategorical},
	} {
		p := tc.p
		if v := tc.value(p.f, p.logits); math.Abs(v-p.value) > 1e-12 {
			t.Errorf("%s: value %v, enumerated through dist %v", tc.name, p.value, v)
		}
		for i := range p.logits {
			const h = 1e-6
			orig := p.logits[i]
			p.logits[i] = orig + h
			up := tc.value(p.f, p.logits)
			p.logits[i] = orig - h
			down := tc.value(p.f, p.logits)
			p.logits[i] = orig
			if num := (up - down) / (2 * h); math.Abs(num-p.exact[i]) > 1e-7 {
				t.Errorf("%s: exact gradient %d = %.9f, finite difference %.9f", tc.name, i, p.exact[i], num)
			}
		}
	}
}

func enumBernoulli(f estimators.Func[float64], logits []float64) float64 {
	n := len(logits)
	states := ad.Zeros[float64](1<<n, n)
	for s := range 1 << n {
		for i := range n {
			states.Data[s*n+i] = float64(s >> i & 1)
		}
	}
	lp := distributions.Bernoulli[float64]{Logits: ad.New(append([]float64(nil), logits...), n)}.LogProb(states)
	fv := f(states).Data
	v := 0.0
	for s := range 1 << n {
		l := 0.0
		for i := range n {
			l += lp.Data[s*n+i]
		}
		v += math.Exp(l) * fv[s]
	}
	return v
}

func enumCategorical(f estimators.Func[float64], logits []float64) float64 {
	const k = 10
	states := ad.Zeros[float64](k*k, 2, k)
	for i := range k {
		for j := range k {
			states.Data[(i*k+j)*2*k+i] = 1
			states.Data[(i*k+j)*2*k+k+j] = 1
		}
	}
	lp := distributions.Categorical[float64]{Logits: ad.New(append([]float64(nil), logits...), 2, k)}.LogProb(states)
	fv := f(states).Data
	v := 0.0
	for s := range k * k {
		v += math.Exp(lp.Data[2*s]+lp.Data[2*s+1]) * fv[s]
	}
	return v
}

func TestScoreFunctionUnbiased(t *testing.T) {
	for _, tc := range []struct {
		name        string
		p           gradProblem
		categorical bool
		samples, m  int
	}{
		{"bernoulli/S=1", bernoulliProblem(), false, 1, 20000},
		{"bernoulli/S=4", bernoulliProblem(), false, 4, 5000},
		{"categorical/S=1", categoricalProblem(), true, 1, 20000},
		{"categorical/S=3", categoricalProblem(), true, 3, 5000},
	} {
		s := estimators.ScoreFunction[float64]{Samples: tc.samples}
		g := tc.p.gradients(tc.m, 1, scoreFunc(s, tc.categorical))
		requireUnbiased(t, tc.name, summarise(g), tc.p.exact)
	}
}

// selfMean is a wrong baseline for the tests: the mean of all samples,
// including the sample itself, which biases the estimate by a factor
// (S−1)/S.
type selfMean struct{}

func (selfMean) Baselines(dst, f []float64, _ int) {
	m := 0.0
	for _, v := range f {
		m += v / float64(len(f))
	}
	for i := range dst {
		dst[i] = m
	}
}

func TestScoreFunctionBiasedBaselineRejected(t *testing.T) {
	// The z-test must be able to fail: a baseline that includes the sample
	// itself halves the gradient at S = 2.
	p := bernoulliProblem()
	s := estimators.ScoreFunction[float64]{Samples: 2, Baseline: selfMean{}}
	st := summarise(p.gradients(5000, 2, scoreFunc(s, false)))
	z := st.maxZ(p.exact)
	if z < 4 {
		t.Fatalf("biased baseline not detected: max |z| = %.2f", z)
	}
	t.Logf("biased baseline: max |z| = %.1f", z)
	// And it is the predicted bias: E = (1 − 1/S)·∇.
	half := make([]float64, len(p.exact))
	for i, v := range p.exact {
		half[i] = v / 2
	}
	requireUnbiased(t, "selfMean against ∇/2", st, half)
}

func TestScoreFunctionValueAndParameters(t *testing.T) {
	// f with a parameter of its own: f(z) = w·Σz. Its gradient must be the
	// pathwise mean_s Σz_s, and Value the mean of f.
	rnd := rand.New(rand.NewPCG(3, 4))
	w := ad.Param(ad.Scalar(1.5))
	var sums []float64
	f := func(z *ad.Tensor[float64]) *ad.Tensor[float64] {
		s := ad.Sum(z, 1)
		sums = s.Float64s()
		return ad.Mul(w, s)
	}
	l := ad.Param(ad.New([]float64{0.3, -0.2, 1.0}, 3))
	e := estimators.ScoreFunction[float64]{Samples: 5, Baseline: estimators.LeaveOneOut{}}.Estimate(rnd, distributions.Bernoulli[float64]{Logits: l}, f)
	e.Surrogate.Backward()
	m := 0.0
	for _, v := range sums {
		m += v / 5
	}
	if math.Abs(w.Grad[0]-m) > 1e-12 {
		t.Errorf("∂/∂w = %v, want mean Σz = %v", w.Grad[0], m)
	}
	if math.Abs(e.Value-1.5*m) > 1e-12 || e.Samples != 5 {
		t.Errorf("Value %v, Samples %d; want %v, 5", e.Value, e.Samples, 1.5*m)
	}
}

func TestScoreFunctionPanics(t *testing.T) {
	l := ad.New([]float64{0, 1}, 2)
	d := distributions.Bernoulli[float64]{Logits: l}
	good := func(z *ad.Tensor[float64]) *ad.Tensor[float64] { return ad.Sum(z, 1) }
	for name, fn := range map[string]func(){
		"negative samples": func() {
			estimators.ScoreFunction[float64]{Samples: -1}.Estimate(rand.New(rand.NewPCG(1, 1)), d, good)
		},
		"wrong shape": func() {
			estimators.ScoreFunction[float64]{Samples: 2}.Estimate(rand.New(rand.NewPCG(1, 1)), d, func(z *ad.Tensor[float64]) *ad.Tensor[float64] { return ad.Sum(z) })
		},
		"leave-one-out with one sample": func() {
			estimators.ScoreFunction[float64]{Baseline: estimators.LeaveOneOut{}}.Estimate(rand.New(rand.NewPCG(1, 1)), d, good)
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

func TestScoreFunctionCommonRandomNumbers(t *testing.T) {
	// Equal seeds give equal estimates, bit for bit, in float32 too.
	run := func() []float32 {
		rnd := rand.New(rand.NewPCG(9, 9))
		l := ad.Param(ad.New([]float32{0.2, -0.7, 1.1}, 3))
		e := estimators.ScoreFunction[float32]{Samples: 3}.Estimate(rnd, distributions.Bernoulli[float32]{Logits: l},
			func(z *ad.Tensor[float32]) *ad.Tensor[float32] { return ad.Sum(ad.Square(z), 1) })
		e.Surrogate.Backward()
		return l.Grad
	}
	a, b := run(), run()
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("runs differ: %v vs %v", a, b)
		}
	}
}

// The gradient of E[(z − 0.3)²] for z ~ Bernoulli(σ(l)) at l = 0 is
// σ'(0)·(0.7² − 0.3²) = 0.1; the average of many REINFORCE estimates with a
// leave-one-out baseline recovers it.
func ExampleScoreFunction() {
	rnd := rand.New(rand.NewPCG(1, 2))
	f := func(z *ad.Tensor[float64]) *ad.Tensor[float64] {
		return ad.Sum(ad.Square(ad.AddScalar(z, -0.3)), 1)
	}
	est := estimators.ScoreFunction[float64]{Samples: 4, Baseline: estimators.LeaveOneOut{}}
	sum := 0.0
	const n = 20000
	for range n {
		l := ad.Param(ad.New([]float64{0}, 1))
		e := est.Estimate(rnd, distributions.Bernoulli[float64]{Logits: l}, f)
		e.Surrogate.Backward()
		sum += l.Grad[0]
	}
	fmt.Printf("%.2f\n", sum/n)
	// Output: 0.10
}
