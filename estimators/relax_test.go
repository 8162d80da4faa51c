package estimators_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stochgrad/stochgrad/estimators"
	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
)

// tanhResidual is a small learned residual r(z) = Σ_j w_j·tanh(z_j) + w₀
// over the flattened pre-activations.
type tanhResidual struct{ w, w0 *ad.Tensor[float64] }

func newTanhResidual(n int, scale float64) tanhResidual {
	w := make([]float64, n)
	for i := range w {
		w[i] = scale * math.Sin(float64(i+1))
	}
	return tanhResidual{w: ad.Param(ad.New(w, n)), w0: ad.Param(ad.Scalar(0.3))}
}

func (r tanhResidual) eval(z *ad.Tensor[float64]) *ad.Tensor[float64] {
	flat := ad.Reshape(z, z.Dim(0), -1)
	return ad.Add(ad.Sum(ad.Mul(ad.Tanh(flat), r.w), 1), r.w0)
}

func TestRELAXUnbiasedLowerVariance(t *testing.T) {
	const m = 4000
	for _, tc := range []struct {
		name        string
		p           gradProblem
		categorical bool
	}{
		{"bernoulli", bernoulliProblem(), false},
		{"categorical", categoricalProblem(), true},
	} {
		res := newTanhResidual(len(tc.p.logits), 0.3)
		r := estimators.RELAX[float64]{
			Eta:            ad.Param(ad.Scalar(0.9)),
			LogTemperature: ad.Param(ad.Scalar(math.Log(0.6))),
			Residual:       res.eval,
		}
		est := func(rnd *rand.Rand, l *ad.Tensor[float64], f estimators.Func[float64]) estimators.Estimate[float64] {
			if tc.categorical {
				return r.Estimate(rnd, distributions.Categorical[float64]{Logits: l}, f)
			}
			return r.Estimate(rnd, distributions.Bernoulli[float64]{Logits: l}, f)
		}
		st := summarise(tc.p.gradients(m, 30, est))
		requireUnbiased(t, "RELAX/"+tc.name, st, tc.p.exact)
		plain := summarise(tc.p.gradients(m, 31, scoreFunc(estimators.ScoreFunction[float64]{}, tc.categorical)))
		requireLowerVariance(t, "RELAX/"+tc.name, st, "REINFORCE", plain)
	}
}

// TestRELAXVarianceGradient checks the variance gradient that the
// Surrogate puts into η, log λ and the residual's parameters against
// central differences of ‖g‖², g the estimate for the same draws, over many
// seeds: the paired differences must average to zero (z-test), and the
// gradients must differ from zero (so that the test can fail).
func TestRELAXVarianceGradient(t *testing.T) {
	const m = 1500
	p := bernoulliProblem()
	eta0, lt0 := 0.3, math.Log(0.8)
	res0 := newTanhResidual(len(p.logits), 0.2)
	w0 := append([]float64(nil), res0.w.Data...)

	// grad returns g for the draws of seed at the given η, log λ and w.
	grad := func(seed uint64, eta, lt float64, w []float64, tune bool) (g []float64, est, ltp *ad.Tensor[float64], res tanhResidual) {
		res = tanhResidual{w: ad.Param(ad.New(append([]float64(nil), w...), len(w))), w0: ad.Param(ad.Scalar(0.3))}
		est, ltp = ad.Scalar(eta), ad.Scalar(lt)
		if tune {
			est, ltp = ad.Param(est), ad.Param(ltp)
		}
		r := estimators.RELAX[float64]{Eta: est, LogTemperature: ltp, Residual: res.eval}
		l := p.logitsParam()
		r.Estimate(rand.New(rand.NewPCG(seed, 3)), distributions.Bernoulli[float64]{Logits: l}, p.f).Surrogate.Backward()
		return l.Grad, est, ltp, res
	}
	sq := func(g []float64) float64 {
		s := 0.0
		for _, v := range g {
			s += v * v
		}
		return s
	}
	const h = 1e-4
	names := []string{"η", "log λ", "w₀", "w₄"}
	diffs := make([][]float64, m)
	fds := make([][]float64, m)
	for i := range m {
		seed := uint64(1000 + i)
		_, eta, lt, res := grad(seed, eta0, lt0, w0, true)
		got := []float64{eta.Grad[0], lt.Grad[0], res.w.Grad[0], res.w.Grad[4]}
		fd := make([]float64, 4)
		up, _, _, _ := grad(seed, eta0+h, lt0, w0, false)
		down, _, _, _ := grad(seed, eta0-h, lt0, w0, false)
		fd[0] = (sq(up) - sq(down)) / (2 * h)
		up, _, _, _ = grad(seed, eta0, lt0+h, w0, false)
		down, _, _, _ = grad(seed, eta0, lt0-h, w0, false)
		fd[1] = (sq(up) - sq(down)) / (2 * h)
		for k, j := range []int{0, 4} {
			wp, wm := append([]float64(nil), w0...), append([]float64(nil), w0...)
			wp[j] += h
			wm[j] -= h
			up, _, _, _ = grad(seed, eta0, lt0, wp, false)
			down, _, _, _ = grad(seed, eta0, lt0, wm, false)
			fd[2+k] = (sq(up) - sq(down)) / (2 * h)
		}
		diffs[i] = make([]float64, 4)
		for k := range fd {
			diffs[i][k] = got[k] - fd[k]
		}
		fds[i] = fd
	}
	d, f := summarise(diffs), summarise(fds)
	for k, name := range names {
		z := math.Abs(d.mean[k]) / d.se[k]
		zf := math.Abs(f.mean[k]) / f.se[k]
		t.Logf("∂E‖g‖²/∂%s: finite differences %.4g ± %.2g, estimator − finite differences %.3g ± %.2g", name, f.mean[k], f.se[k], d.mean[k], d.se[k])
		if z > 4 {
			t.Errorf("∂/∂%s: the variance gradient is biased: |z| = %.2f", name, z)
		}
		if zf < 4 {
			t.Errorf("∂/∂%s: the gradient is not distinguishable from zero (|z| = %.2f): the test cannot fail", name, zf)
		}
	}
}

// TestRELAXGradientRouting checks that the Surrogate gives f's own
// parameters exactly mean ∇f(b), and the logits the same estimate with and
// without tuning: nothing leaks between the estimate and the variance
// gradient.
func TestRELAXGradientRouting(t *testing.T) {
	p := bernoulliProblem()
	for _, tune := range []bool{false, true} {
		psi := ad.Param(ad.Scalar(0.7))
		var hardSums []float64
		f := func(z *ad.Tensor[float64]) *ad.Tensor[float64] {
			s := ad.Sum(z, 1)
			binary := true
			for _, v := range z.Data {
				binary = binary && (v == 0 || v == 1)
			}
			if binary {
				hardSums = append(hardSums, s.Data...)
			}
			return ad.Add(p.f(z), ad.Mul(psi, ad.Square(s)))
		}
		eta := ad.Scalar(1.0)
		if tune {
			eta = ad.Param(eta)
		}
		l := p.logitsParam()
		res := newTanhResidual(len(p.logits), 0.2)
		e := estimators.RELAX[float64]{Samples: 3, Eta: eta, Residual: res.eval}.Estimate(rand.New(rand.NewPCG(8, 8)), distributions.Bernoulli[float64]{Logits: l}, f)
		e.Surrogate.Backward()
		want := 0.0
		for _, s := range hardSums[:3] {
			want += s * s / 3
		}
		if math.Abs(psi.Grad[0]-want) > 1e-9*max(1, want) {
			t.Errorf("tune=%v: ∂/∂ψ = %.12g, want mean ‖b‖₁² = %.12g", tune, psi.Grad[0], want)
		}
		if tune && eta.Grad == nil {
			t.Errorf("η received no gradient")
		}
	}
	// The logits' gradient does not depend on tuning (the tuning draws come
	// after the estimate's).
	run := func(tune bool) []float64 {
		eta, lt := ad.Scalar(0.8), ad.Scalar(-0.5)
		if tune {
			eta, lt = ad.Param(eta), ad.Param(lt)
		}
		l := p.logitsParam()
		estimators.REBAR[float64]{Samples: 2, Eta: eta, LogTemperature: lt}.Estimate(rand.New(rand.NewPCG(9, 9)), distributions.Bernoulli[float64]{Logits: l}, p.f).Surrogate.Backward()
		return l.Grad
	}
	a, b := run(false), run(true)
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-12*max(1, math.Abs(a[i])) {
			t.Fatalf("logits' gradient changes with tuning: %v vs %v", a, b)
		}
	}
}

// TestREBARTuningReducesVariance tunes η and λ by SGD on the variance
// gradient, from a poor start (η = ½, λ = 2), and checks that the variance
// falls by more than four standard errors.
func TestREBARTuningReducesVariance(t *testing.T) {
	p := bernoulliProblem()
	r := estimators.REBAR[float64]{Eta: ad.Param(ad.Scalar(0.5)), LogTemperature: ad.Param(ad.Scalar(math.Log(2)))}
	rnd := rand.New(rand.NewPCG(12, 12))
	for range 1000 {
		l := p.logitsParam()
		r.Estimate(rnd, distributions.Bernoulli[float64]{Logits: l}, p.f).Surrogate.Backward()
		for _, q := range []*ad.Tensor[float64]{r.Eta, r.LogTemperature} {
			q.Data[0] -= 0.002 * max(-50, min(50, q.Grad[0]))
			q.ZeroGrad()
		}
	}
	t.Logf("tuned η = %.3f, λ = %.3f", r.Eta.Data[0], math.Exp(r.LogTemperature.Data[0]))
	fixed := func(eta, lt float64) estimatorFunc {
		return rebarFunc(estimators.REBAR[float64]{Eta: ad.Scalar(eta), LogTemperature: ad.Scalar(lt)}, false)
	}
	before := summarise(p.gradients(3000, 40, fixed(0.5, math.Log(2))))
	after := summarise(p.gradients(3000, 41, fixed(r.Eta.Data[0], r.LogTemperature.Data[0])))
	requireUnbiased(t, "tuned REBAR", after, p.exact)
	requireLowerVariance(t, "tuned REBAR", after, "REBAR at η=½, λ=2", before)
}

// TestRELAXFloat32AndExtremeLogits runs REBAR with tuning in float32
// against float64 on the same draws, and at logits of ±1e4.
func TestRELAXFloat32AndExtremeLogits(t *testing.T) {
	logits := []float64{0.3, -1.1, 2.0, 0.0, -0.4, 1.2}
	target := []float64{0.2, 0.9, 0.5, 0.1, 0.7, 0.4}
	grad64 := func(cat bool) []float64 {
		tt := ad.New(target, 2, 3)
		f := func(z *ad.Tensor[float64]) *ad.Tensor[float64] {
			return ad.Square(ad.Sum(ad.Mul(ad.Square(ad.Sub(z, tt)), tt), 1, 2))
		}
		l := ad.Param(ad.New(append([]float64(nil), logits...), 2, 3))
		r := estimators.NewREBAR[float64](2)
		if cat {
			r.Estimate(rand.New(rand.NewPCG(5, 5)), distributions.Categorical[float64]{Logits: l}, f).Surrogate.Backward()
		} else {
			r.Estimate(rand.New(rand.NewPCG(5, 5)), distributions.Bernoulli[float64]{Logits: l}, f).Surrogate.Backward()
		}
		return l.Grad
	}
	grad32 := func(cat bool) []float32 {
		t32 := make([]float32, len(target))
		l32 := make([]float32, len(logits))
		for i := range target {
			t32[i], l32[i] = float32(target[i]), float32(logits[i])
		}
		tt := ad.New(t32, 2, 3)
		f := func(z *ad.Tensor[float32]) *ad.Tensor[float32] {
			return ad.Square(ad.Sum(ad.Mul(ad.Square(ad.Sub(z, tt)), tt), 1, 2))
		}
		l := ad.Param(ad.New(l32, 2, 3))
		r := estimators.NewREBAR[float32](2)
		if cat {
			r.Estimate(rand.New(rand.NewPCG(5, 5)), distributions.Categorical[float32]{Logits: l}, f).Surrogate.Backward()
		} else {
			r.Estimate(rand.New(rand.NewPCG(5, 5)), distributions.Bernoulli[float32]{Logits: l}, f).Surrogate.Backward()
		}
		return l.Grad
	}
	for _, cat := range []bool{false, true} {
		a, b := grad64(cat), grad32(cat)
		for i := range a {
			if math.Abs(a[i]-float64(b[i])) > 1e-4*max(1, math.Abs(a[i])) {
				t.Errorf("categorical=%v: float32 gradient %v, float64 %v", cat, b, a)
				break
			}
		}
	}

	extreme := []float64{1e4, -1e4, 0.5, -1e4, 1e4, -0.5}
	f := func(z *ad.Tensor[float64]) *ad.Tensor[float64] { return ad.Sum(ad.Square(z), 1, 2) }
	for _, cat := range []bool{false, true} {
		l := ad.Param(ad.New(append([]float64(nil), extreme...), 2, 3))
		r := estimators.NewREBAR[float64](3)
		var e estimators.Estimate[float64]
		if cat {
			e = r.Estimate(rand.New(rand.NewPCG(6, 6)), distributions.Categorical[float64]{Logits: l}, f)
		} else {
			e = r.Estimate(rand.New(rand.NewPCG(6, 6)), distributions.Bernoulli[float64]{Logits: l}, f)
		}
		e.Surrogate.Backward()
		for _, v := range append(append([]float64{e.Value}, l.Grad...), r.Eta.Grad[0], r.LogTemperature.Grad[0]) {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("categorical=%v: non-finite at logits ±1e4: value %v, gradient %v, η %v, log λ %v", cat, e.Value, l.Grad, r.Eta.Grad, r.LogTemperature.Grad)
			}
		}
	}
}
