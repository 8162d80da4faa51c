package vi

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
)

// TestObjectiveDerivatives checks every objective's Grad against central
// finite differences of its Value, and diag against those of Grad.
func TestObjectiveDerivatives(t *testing.T) {
	rnd := newRand(1)
	for _, obj := range []Objective{ELBO{}, ELBO{K: 4}, IWAE{K: 5}, MIWAE{M: 2, K: 3}, CIWAE{K: 4, Beta: 0.3}, PIWAE{M: 3, K: 2}} {
		s := obj.Samples()
		lw := make([]float64, s)
		for i := range lw {
			lw[i] = 3 * rnd.NormFloat64()
		}
		g, d := make([]float64, s), make([]float64, s)
		obj.Grad(lw, g, d)
		const h = 1e-5
		gp, gm := make([]float64, s), make([]float64, s)
		for i := range lw {
			keep := lw[i]
			lw[i] = keep + h
			vp := obj.Value(lw)
			obj.Grad(lw, gp, nil)
			lw[i] = keep - h
			vm := obj.Value(lw)
			obj.Grad(lw, gm, nil)
			lw[i] = keep
			if fd := (vp - vm) / (2 * h); math.Abs(fd-g[i]) > 1e-7 {
				t.Errorf("%T: ∂Value/∂lw[%d] = %.9g, finite difference %.9g", obj, i, g[i], fd)
			}
			if fd := (gp[i] - gm[i]) / (2 * h); math.Abs(fd-d[i]) > 1e-7 {
				t.Errorf("%T: ∂²Value/∂lw[%d]² = %.9g, finite difference %.9g", obj, i, d[i], fd)
			}
		}
	}
	if v := (MIWAE{M: 2, K: 2}).Value([]float64{0, 0, math.Log(3), math.Log(5)}); math.Abs(v-0.5*math.Log(4)) > 1e-15 {
		t.Errorf("MIWAE value %v, want the mean of log 1 and log 4", v)
	}
}

// TestELBOUnbiased checks that the ELBO's value and gradient, plain and with
// DReG (which for the ELBO is "sticking the landing"), are unbiased for the
// closed-form ELBO of the linear-Gaussian model and its exact gradient.
func TestELBOUnbiased(t *testing.T) {
	m := newLinGauss(newRand(2), 2, 3)
	row := []float64{0.5, -1, 1.5}
	exact := m.exactELBO(ad.New(append([]float64(nil), row...), 1, 3))
	exact.Backward()
	params := append(m.theta(), m.phi()...)
	want := grads(params)
	if lp := m.logMarginal(row); !(exact.Item() < lp) {
		t.Fatalf("closed-form ELBO %v is not below log p(x) = %v", exact.Item(), lp)
	}
	for _, obj := range []Objective{ELBO{}, DReG{ELBO{K: 2}}} {
		rnd := newRand(3)
		const reps, batch = 400, 20
		x := repeatRows(row, batch)
		vals := make([]float64, reps)
		gs := make([][]float64, reps)
		for r := range reps {
			e := Evaluate[float64](rnd, m, x, obj)
			vals[r] = e.Mean()
			ad.Neg(e.Loss).Backward()
			gs[r] = grads(params)
		}
		checkMean(t, fmt.Sprintf("%T value", obj), vals, exact.Item())
		for i := range want {
			col := make([]float64, reps)
			for r := range reps {
				col[r] = gs[r][i]
			}
			checkMean(t, fmt.Sprintf("%v gradient %d", obj, i), col, want[i])
		}
	}
}

// TestIWAERisesToLogLikelihood checks that E[IWAE(K)] rises with K towards
// the closed-form log p(x): at K = 1 it is the closed-form ELBO; it grows
// from K to 10K up to K = 100; and from K = 100 its gap to log p(x) is the delta-method bias
// ρ/(2K), ρ = Var_q(w)/p(x)², up to O(1/K²).
func TestIWAERisesToLogLikelihood(t *testing.T) {
	m := newLinGauss(newRand(4), 2, 3)
	row := []float64{1, 0.5, -0.5}
	logp := m.logMarginal(row)
	elbo := m.exactELBO(ad.New(append([]float64(nil), row...), 1, 3)).Item()
	// ρ from draws of q: E_q[(w/p)²] − 1.
	rnd := newRand(5)
	w := LogLikelihood[float64](rnd, m, repeatRows(row, 200000), 1, 0)
	ratio := make([]float64, len(w))
	for i, lw := range w {
		ratio[i] = math.Exp(2 * (lw - logp))
	}
	m2, _ := meanSE(ratio)
	rho := m2 - 1

	prevMean, prevSE := math.Inf(-1), 0.0
	for _, k := range []int{1, 10, 100, 1000} {
		n := max(200, 200000/k)
		est := LogLikelihood[float64](rnd, m, repeatRows(row, n), k, 64)
		mean, se := meanSE(est)
		t.Logf("K = %4d: E[IWAE] = %.5f ± %.5f, log p(x) − E = %.5f, ρ/2K = %.5f", k, mean, se, logp-mean, rho/(2*float64(k)))
		if k == 1 {
			checkMean(t, "IWAE(1) = ELBO", est, elbo)
		}
		if z := (mean - prevMean) / math.Hypot(se, prevSE); k <= 100 && !(z > zMax) {
			t.Errorf("K = %d: E[IWAE] = %.5f does not rise significantly above %.5f (z = %.2f)", k, mean, prevMean, z)
		}
		if k >= 100 {
			bias := rho / (2 * float64(k))
			if z := (mean - (logp - bias)) / se; !(math.Abs(z) < zMax+bias*bias/se) {
				t.Errorf("K = %d: E[IWAE] = %.6f, want log p(x) − ρ/2K = %.6f (SE %.2g, z = %.2f)", k, mean, logp-bias, se, z)
			}
		}
		prevMean, prevSE = mean, se
	}
	// Evaluate and LogLikelihood compute the same bound from the same draws.
	x := repeatRows(row, 7)
	a := Evaluate[float64](newRand(6), m, x, IWAE{K: 9}).Bound
	b := LogLikelihood[float64](newRand(6), m, x, 9, 4)
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-12 {
			t.Fatalf("Evaluate(IWAE) %v and LogLikelihood %v differ on the same draws", a[i], b[i])
		}
	}
}

// gradsOf returns the gradients of θ and φ of the bound's loss, and the
// bound, at a fixed seed.
func gradsOf(m *linGauss, x *ad.Tensor[float64], obj Objective, seed uint64) (theta, phi []float64, bound []float64) {
	e := Evaluate[float64](newRand(seed), m, x, obj)
	e.Loss.Backward()
	return grads(m.theta()), grads(m.phi()), e.Bound
}

func close(t *testing.T, name string, got, want []float64, tol float64) {
	t.Helper()
	for i := range want {
		if math.Abs(got[i]-want[i]) > tol*max(1, math.Abs(want[i])) {
			t.Errorf("%s[%d] = %.12g, want %.12g", name, i, got[i], want[i])
			return
		}
	}
}

// TestGradientRouting checks with common random numbers what each variant
// changes: DReG keeps IWAE's value and generative-model gradient; PIWAE has
// IWAE(M·K)'s value and generative gradient and MIWAE(M, K)'s inference
// gradient; CIWAE is the convex combination of ELBO and IWAE in value and
// gradient.
func TestGradientRouting(t *testing.T) {
	m := newLinGauss(newRand(7), 2, 3)
	x := ad.New([]float64{1, 0.5, -0.5, 0, 2, 1}, 2, 3)
	const tol = 1e-10

	th, ph, b := gradsOf(m, x, IWAE{K: 6}, 1)
	thD, phD, bD := gradsOf(m, x, DReG{IWAE{K: 6}}, 1)
	close(t, "DReG bound", bD, b, tol)
	close(t, "DReG θ-gradient", thD, th, tol)
	same := true
	for i := range ph {
		same = same && math.Abs(ph[i]-phD[i]) < 1e-8
	}
	if same {
		t.Error("DReG left the inference network's gradient unchanged")
	}

	thP, phP, bP := gradsOf(m, x, PIWAE{M: 2, K: 3}, 1)
	_, phM, _ := gradsOf(m, x, MIWAE{M: 2, K: 3}, 1)
	close(t, "PIWAE bound", bP, b, tol)
	close(t, "PIWAE θ-gradient", thP, th, tol)
	close(t, "PIWAE φ-gradient", phP, phM, tol)
	thPD, phPD, _ := gradsOf(m, x, DReG{PIWAE{M: 2, K: 3}}, 1)
	_, phMD, _ := gradsOf(m, x, DReG{MIWAE{M: 2, K: 3}}, 1)
	close(t, "DReG PIWAE θ-gradient", thPD, th, tol)
	close(t, "DReG PIWAE φ-gradient", phPD, phMD, tol)

	const beta = 0.3
	thC, phC, bC := gradsOf(m, x, CIWAE{K: 6, Beta: beta}, 1)
	thE, phE, bE := gradsOf(m, x, ELBO{K: 6}, 1)
	mix := func(a, b []float64) []float64 {
		out := make([]float64, len(a))
		for i := range a {
			out[i] = beta*a[i] + (1-beta)*b[i]
		}
		return out
	}
	close(t, "CIWAE bound", bC, mix(bE, b), tol)
	close(t, "CIWAE θ-gradient", thC, mix(thE, th), tol)
	close(t, "CIWAE φ-gradient", phC, mix(phE, ph), tol)
}

// TestDReGUnbiased checks that the DReG gradient of the inference network
// equals IWAE's in expectation (two-sample z-test, independent draws), for
// IWAE and for MIWAE.
func TestDReGUnbiased(t *testing.T) {
	m := newLinGauss(newRand(8), 2, 3)
	x := repeatRows([]float64{1, 0.5, -0.5}, 10)
	for _, obj := range []Objective{IWAE{K: 5}, MIWAE{M: 2, K: 3}} {
		const reps = 1500
		var a, b [][]float64
		for r := range reps {
			_, p, _ := gradsOf(m, x, obj, uint64(2*r+100))
			_, q, _ := gradsOf(m, x, DReG{obj}, uint64(2*r+101))
			a, b = append(a, p), append(b, q)
		}
		var ratio float64
		for i := range a[0] {
			ca, cb := make([]float64, reps), make([]float64, reps)
			for r := range reps {
				ca[r], cb[r] = a[r][i], b[r][i]
			}
			ma, sa := meanSE(ca)
			mb, sb := meanSE(cb)
			if z := (ma - mb) / math.Hypot(sa, sb); !(math.Abs(z) < zMax) {
				t.Errorf("%T φ-gradient %d: IWAE %.5g ± %.2g, DReG %.5g ± %.2g (z = %.2f)", obj, i, ma, sa, mb, sb, z)
			}
			ratio += sb / sa / float64(len(a[0]))
		}
		t.Logf("%T: mean ratio of DReG to plain standard errors of the φ-gradient: %.2f", obj, ratio)
	}
}

// catModel has a categorical latent: p(z) = Cat(softmax(Pi)),
// p(x | z) = N(z·Mu, 1), q(z | x) = Cat(softmax(x·A + C)).
type catModel struct{ Pi, Mu, A, C *ad.Tensor[float64] }

func (m *catModel) Guide(x *ad.Tensor[float64]) distributions.Distribution[float64] {
	return distributions.Categorical[float64]{Logits: ad.Add(ad.MatMul(x, m.A), m.C)}
}

func (m *catModel) LogJoint(x, z *ad.Tensor[float64]) *ad.Tensor[float64] {
	prior := distributions.Categorical[float64]{Logits: m.Pi}.LogProb(z)
	lik := distributions.Normal[float64]{Mu: ad.MatMul(ad.Reshape(z, -1, z.Dim(-1)), m.Mu), Sigma: ad.Scalar(1.0)}
	ll := ad.Reshape(ad.Sum(lik.LogProb(ad.Reshape(ad.Add(ad.Zeros[float64](z.Dim(0), z.Dim(1), x.Dim(1)), x), -1, x.Dim(1))), -1), z.Dim(0), z.Dim(1))
	return ad.Add(prior, ll)
}

// exactIWAE2 returns E[IWAE(2)] for one example by enumerating the 3×3
// pairs of latents, as a graph through which the exact gradient flows.
func (m *catModel) exactIWAE2(row []float64) *ad.Tensor[float64] {
	x := ad.New(append([]float64(nil), row...), 1, len(row))
	lq := ad.Reshape(ad.LogSoftmax(ad.Add(ad.MatMul(x, m.A), m.C), -1), 3)
	var terms []*ad.Tensor[float64]
	lw := make([]*ad.Tensor[float64], 3)
	for j := range 3 {
		z := ad.OneHot[float64]([]int{j}, 3) // [1, 3]
		lpj := m.LogJoint(x, ad.Reshape(z, 1, 1, 3))
		lw[j] = ad.Sub(ad.Reshape(lpj, 1), ad.Slice(lq, 0, j, j+1))
	}
	for i := range 3 {
		for j := range 3 {
			pair := ad.Concat(0, lw[i], lw[j])
			val := ad.AddScalar(ad.LogSumExp(pair, 0), -math.Log(2))
			prob := ad.Exp(ad.Add(ad.Slice(lq, 0, i, i+1), ad.Slice(lq, 0, j, j+1)))
			terms = append(terms, ad.Mul(ad.Reshape(prob, 1), ad.Reshape(val, 1)))
		}
	}
	return ad.Sum(ad.Concat(0, terms...))
}

// TestDiscreteGuideUnbiased checks that with a categorical q, which is
// trained by the score function with VIMCO's baseline, the IWAE(2) value
// and gradient are unbiased for their exact values by enumeration.
func TestDiscreteGuideUnbiased(t *testing.T) {
	rnd := newRand(9)
	r := func(shape ...int) *ad.Tensor[float64] { return ad.Param(ad.Randn[float64](rnd, shape...)) }
	m := &catModel{Pi: r(3), Mu: r(3, 2), A: r(2, 3), C: r(3)}
	params := []*ad.Tensor[float64]{m.Pi, m.Mu, m.A, m.C}
	row := []float64{0.7, -0.4}
	exact := m.exactIWAE2(row)
	exact.Backward()
	want := grads(params)
	const reps, batch = 600, 20
	x := repeatRows(row, batch)
	vals := make([]float64, reps)
	gs := make([][]float64, reps)
	for i := range reps {
		e := Evaluate[float64](rnd, m, x, IWAE{K: 2})
		vals[i] = e.Mean()
		e.Loss.Backward()
		gs[i] = grads(params)
	}
	checkMean(t, "discrete IWAE(2) value", vals, exact.Item())
	for i := range want {
		col := make([]float64, reps)
		for k := range reps {
			col[k] = -gs[k][i]
		}
		checkMean(t, fmt.Sprintf("discrete IWAE(2) gradient %d", i), col, want[i])
	}
}

// TestScaleGrad checks the op behind the gradient routing: the value is z,
// and the gradient reaching z is multiplied per row by the ratio read at
// backward time.
func TestScaleGrad(t *testing.T) {
	z := ad.Param(ad.New([]float64{1, 2, 3, 4, 5, 6}, 3, 1, 2))
	ratio := make([]float64, 3)
	y := scaleGrad(z, ratio)
	copy(ratio, []float64{0.5, 2, -1})
	for i, v := range y.Data {
		if v != z.Data[i] {
			t.Fatalf("value %v, want %v", y.Data, z.Data)
		}
	}
	ad.Sum(ad.Square(y)).Backward()
	want := []float64{1, 2, 12, 16, -10, -12}
	close(t, "scaled gradient", z.Grad, want, 0)
}

func TestInvalidObjectivesPanic(t *testing.T) {
	cm := &catModel{Pi: ad.Zeros[float64](3), Mu: ad.Zeros[float64](3, 2), A: ad.Zeros[float64](2, 3), C: ad.Zeros[float64](3)}
	x := ad.Zeros[float64](1, 2)
	for _, c := range []struct {
		msg string
		f   func()
	}{
		{"DReG needs a reparameterised guide", func() { Evaluate[float64](newRand(1), cm, x, DReG{IWAE{K: 2}}) }},
		{"Beta = 2", func() { CIWAE{K: 2, Beta: 2}.Samples() }},
		{"K = 0", func() { IWAE{}.Samples() }},
		{"samples = 0", func() { LogLikelihood[float64](newRand(1), cm, x, 0, 0) }},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), c.msg) {
					t.Errorf("panic %v, want one mentioning %q", r, c.msg)
				}
			}()
			c.f()
		}()
	}
}

// TestGradientSNRTrends checks the trends of Rainforth et al. (2018) on the
// linear-Gaussian model: from K = 1 to K = 64 the signal-to-noise ratio of
// IWAE's inference-network gradient falls and that of its generative
// gradient rises (as 1/√K and √K, a factor 8), while DReG's inference
// gradient does not fall. The test asks only for the direction, with the
// median over parameter entries and 300 estimates per setting.
func TestGradientSNRTrends(t *testing.T) {
	m := newLinGauss(newRand(10), 2, 3)
	x := ad.New([]float64{1, 0.5, -0.5}, 1, 3)
	snr := func(obj Objective, ps []*ad.Tensor[float64]) float64 {
		s := GradientSNR[float64](newRand(11), m, x, obj, ps, 300)
		slices.Sort(s)
		return s[len(s)/2]
	}
	inf1, inf64 := snr(IWAE{K: 1}, m.phi()), snr(IWAE{K: 64}, m.phi())
	gen1, gen64 := snr(IWAE{K: 1}, m.theta()), snr(IWAE{K: 64}, m.theta())
	dreg1, dreg64 := snr(DReG{IWAE{K: 1}}, m.phi()), snr(DReG{IWAE{K: 64}}, m.phi())
	t.Logf("median SNR K=1 → 64: inference %.3g → %.3g, generative %.3g → %.3g, DReG inference %.3g → %.3g", inf1, inf64, gen1, gen64, dreg1, dreg64)
	if !(inf64 < inf1) || !(gen64 > gen1) || !(dreg64 > inf64) || !(dreg64 >= dreg1/2) {
		t.Errorf("SNR trends against Rainforth et al.: inference %.3g → %.3g (want a fall), generative %.3g → %.3g (want a rise), DReG %.3g → %.3g (want no fall)", inf1, inf64, gen1, gen64, dreg1, dreg64)
	}
}
