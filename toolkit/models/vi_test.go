package models

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
	"github.com/stochgrad/stochgrad/toolkit/nn"
	"github.com/stochgrad/stochgrad/toolkit/vi"
)

// Compile-time checks: the VAEs are vi.Models.
var (
	_ vi.Model[float32] = (*VAE[float32])(nil)
	_ vi.Model[float32] = (*StackedVAE[float32])(nil)
	_ vi.Model[float32] = (*LatentVAE[float32])(nil)
)

const zMax = 4.5

func rows(row []float64, n int) *ad.Tensor[float64] {
	t := ad.Zeros[float64](n, len(row))
	for i := range n {
		copy(t.Data[i*len(row):], row)
	}
	return t
}

func meanSE(xs []float64) (mean, se float64) {
	n := float64(len(xs))
	for _, x := range xs {
		mean += x
	}
	mean /= n
	v := 0.0
	for _, x := range xs {
		v += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(v / (n - 1) / n)
}

// checkConsistent checks vi.LogLikelihood with k draws against the exact
// log p(x) of one example: its mean over n independent estimates must be
// log p(x) − ρ/(2k) within zMax standard errors, where ρ = Var_q(w)/p(x)²
// (estimated from one-draw estimates) gives the delta-method bias, and the
// ρ/(2k) term is itself allowed as slack for the O(1/k²) remainder and the
// estimate of ρ. A wrong LogJoint or guide density moves the mean by O(1).
func checkConsistent(t *testing.T, name string, m vi.Model[float64], row []float64, logp float64, k, n int) {
	t.Helper()
	rnd := rand.New(rand.NewPCG(11, 12))
	one := vi.LogLikelihood(rnd, m, rows(row, 20000), 1, 0)
	ratio := make([]float64, len(one))
	for i, lw := range one {
		ratio[i] = math.Exp(2 * (lw - logp))
	}
	m2, _ := meanSE(ratio)
	bias := (m2 - 1) / (2 * float64(k))
	est := vi.LogLikelihood(rnd, m, rows(row, n), k, 100)
	mean, se := meanSE(est)
	t.Logf("%s: log p(x) = %.5f, E[IWAE(%d)] = %.5f ± %.5f, ρ/2K = %.5f", name, logp, k, mean, se, bias)
	if d := mean - (logp - bias); !(math.Abs(d) < zMax*se+bias) {
		t.Errorf("%s: E[IWAE(%d)] = %.5f, want log p(x) − ρ/2K = %.5f (SE %.2g)", name, k, mean, logp-bias, se)
	}
}

// perturb replaces every parameter by a standard normal draw times scale,
// for posteriors far from the prior.
func perturb(rnd *rand.Rand, scale float64, ps []*ad.Tensor[float64]) {
	for _, p := range ps {
		for i := range p.Data {
			p.Data[i] = scale * rnd.NormFloat64()
		}
	}
}

func TestVAEHeldOutMatchesQuadrature(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	v := NewVAE[float64](rnd, []int{3, 4, 1}, ad.Tanh)
	perturb(rnd, 0.7, v.Params())
	row := []float64{0, 1, 1}
	const g = 4001
	z := ad.Zeros[float64](g, 1, 1)
	for i := range g {
		z.Data[i] = -12 + 24*float64(i)/(g-1)
	}
	lp := v.LogJoint(ad.New(append([]float64(nil), row...), 1, 3), z).Data
	logp := math.Log(simpson(func(zz float64) float64 { return math.Exp(lp[int(math.Round((zz+12)/24*(g-1)))]) }, -12, 12, g-1))
	checkConsistent(t, "VAE", ConvertVAE[float64](v, ad.Tanh), row, logp, 200, 2000)
}

// TestStackedVAE checks the IWAE paper's architectures and, on a small
// two-layer model, the held-out estimate against log p(x) by quadrature
// over (z₁, z₂), which tests LogJoint and the guide's density together.
func TestStackedVAE(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	one := NewIWAEVAE[float32](rnd, 1)
	if got := one.Up[0].Widths(); !equal(got, []int{784, 200, 200, 100}) || !equal(one.Down[0].Widths(), []int{50, 200, 200, 784}) {
		t.Fatalf("one stochastic layer: widths %v and %v", got, one.Down[0].Widths())
	}
	two := NewIWAEVAE[float32](rnd, 2)
	if !equal(two.Up[1].Widths(), []int{100, 50, 50, 100}) || !equal(two.Down[1].Widths(), []int{50, 50, 50, 200}) || two.Latent() != 150 {
		t.Fatalf("two stochastic layers: widths %v, %v, latent %d", two.Up[1].Widths(), two.Down[1].Widths(), two.Latent())
	}

	v := NewStackedVAE[float64](rnd, 3, []StochasticLayer{{Hidden: []int{3}, Units: 1}, {Hidden: []int{2}, Units: 1}}, ad.Tanh)
	perturb(rnd, 0.4, v.Params())
	row := []float64{1, 0, 1}
	const g, lim = 601, 10.0
	z := ad.Zeros[float64](g*g, 1, 2)
	at := func(i int) float64 { return -lim + 2*lim*float64(i)/(g-1) }
	for i := range g {
		for j := range g {
			z.Data[2*(i*g+j)], z.Data[2*(i*g+j)+1] = at(i), at(j)
		}
	}
	lp := v.LogJoint(ad.New(append([]float64(nil), row...), 1, 3), z).Data
	h := 2 * lim / (g - 1)
	w := func(i int) float64 { // Simpson weights
		switch {
		case i == 0 || i == g-1:
			return 1
		case i%2 == 1:
			return 4
		}
		return 2
	}
	s := 0.0
	for i := range g {
		for j := range g {
			s += w(i) * w(j) * math.Exp(lp[i*g+j])
		}
	}
	logp := math.Log(s * h * h / 9)
	checkConsistent(t, "two-layer StackedVAE", ConvertStackedVAE[float64](v, ad.Tanh), row, logp, 200, 2000)

	// DReG runs through the stacked guide and keeps the generative gradient.
	x := rows(row, 4)
	down := func() []*ad.Tensor[float64] {
		var ps []*ad.Tensor[float64]
		for _, m := range v.Down {
			ps = append(ps, m.Params()...)
		}
		return ps
	}
	gradOf := func(obj vi.Objective) (theta, all []float64) {
		nn.ZeroGrad[float64](v)
		vi.Evaluate(rand.New(rand.NewPCG(5, 6)), v, x, obj).Loss.Backward()
		for _, p := range down() {
			theta = append(theta, p.Grad...)
		}
		for _, p := range v.Params() {
			all = append(all, p.Grad...)
		}
		return theta, all
	}
	th, all := gradOf(vi.IWAE{K: 4})
	thD, allD := gradOf(vi.DReG{Objective: vi.IWAE{K: 4}})
	for i := range th {
		if math.Abs(th[i]-thD[i]) > 1e-10*max(1, math.Abs(th[i])) {
			t.Fatalf("DReG changed the generative gradient: %v vs %v", thD[i], th[i])
		}
	}
	differ := false
	for i := range all {
		differ = differ || math.Abs(all[i]-allD[i]) > 1e-8
	}
	if !differ {
		t.Fatal("DReG left the inference gradient unchanged")
	}
}

// enumerate returns log p(x) = log Σ_z p(x, z) over the given latents
// [C, 1, ...].
func enumerate(m vi.Model[float64], row []float64, z *ad.Tensor[float64]) float64 {
	lp := m.LogJoint(ad.New(append([]float64(nil), row...), 1, len(row)), z).Data
	mx := math.Inf(-1)
	for _, v := range lp {
		mx = max(mx, v)
	}
	s := 0.0
	for _, v := range lp {
		s += math.Exp(v - mx)
	}
	return mx + math.Log(s)
}

func TestCategoricalVAE(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 8))
	jang := NewCategoricalVAE[float32](rnd, 784, 20, 10, nil)
	if !equal(jang.Encoder.Widths(), []int{784, 512, 256, 200}) || !equal(jang.Decoder.Widths(), []int{200, 256, 512, 784}) {
		t.Fatalf("widths %v and %v, want Jang et al.'s 784-512-256-200 and mirror", jang.Encoder.Widths(), jang.Decoder.Widths())
	}
	v := NewCategoricalVAE[float64](rnd, 4, 2, 3, []int{5})
	perturb(rnd, 0.5, v.Params())
	row := []float64{1, 0, 0, 1}
	// All 9 latents: one-hot pairs [9, 1, 2, 3].
	z := ad.Zeros[float64](9, 1, 2, 3)
	for a := range 3 {
		for b := range 3 {
			z.Data[(3*a+b)*6+a], z.Data[(3*a+b)*6+3+b] = 1, 1
		}
	}
	checkConsistent(t, "categorical VAE", v, row, enumerate(v, row, z), 100, 2000)

	// The closed-form KL to the uniform prior is Σ_g log 3 − H(q_g).
	x := ad.New(append([]float64(nil), row...), 1, 4)
	kl := v.KL(rnd, x, 1)
	h := ad.Sum(v.Guide(x).(distributions.Categorical[float64]).Entropy())
	if want := 2*math.Log(3) - h.Item(); math.Abs(kl.Item()-want) > 1e-12 {
		t.Fatalf("KL to the uniform prior %v, want 2 log 3 − H = %v", kl.Item(), want)
	}
}

func TestSubsetVAE(t *testing.T) {
	rnd := rand.New(rand.NewPCG(9, 10))
	v := NewSubsetVAE[float64](rnd, 3, 1, 4, 2, []int{5})
	perturb(rnd, 0.5, v.Params())
	row := []float64{0, 1, 1}
	// The 6 two-subsets of 4 items: [6, 1, 1, 4].
	z := ad.Zeros[float64](6, 1, 1, 4)
	c := 0
	for a := range 4 {
		for b := a + 1; b < 4; b++ {
			z.Data[4*c+a], z.Data[4*c+b] = 1, 1
			c++
		}
	}
	checkConsistent(t, "subset VAE", v, row, enumerate(v, row, z), 50, 2000)
}

// TestLatentVAEWithGaussianLatent builds the Gaussian VAE as a LatentVAE
// (same networks, a Normal posterior and prior) and checks that the two
// agree on log p(x, z), on log q(z | x) and, through distributions.KL, on
// the analytic KL of VAE.ELBOTerms.
func TestLatentVAEWithGaussianLatent(t *testing.T) {
	rnd := rand.New(rand.NewPCG(13, 14))
	v := NewVAE[float64](rnd, []int{5, 4, 2}, ad.Tanh)
	g := &LatentVAE[float64]{
		Encoder: v.Encoder, Decoder: v.Decoder, Latent: []int{2},
		Posterior: func(h *ad.Tensor[float64]) distributions.Distribution[float64] { return gaussian(h) },
		Prior:     distributions.Normal[float64]{Mu: ad.Scalar(0.0), Sigma: ad.Scalar(1.0)},
	}
	x := ad.New([]float64{1, 0, 1, 1, 0, 0, 0, 1, 1, 1}, 2, 5)
	z := ad.Randn[float64](rnd, 3, 2, 2)
	a, b := v.LogJoint(x, z).Data, g.LogJoint(x, z).Data
	qa, qb := v.Guide(x).LogProb(z).Data, g.Guide(x).LogProb(z).Data
	_, kl := v.ELBOTerms(rnd, x)
	klg := g.KL(rnd, x, 1).Data
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-12 {
			t.Fatalf("log p(x, z): VAE %v, LatentVAE %v", a, b)
		}
	}
	for i := range qa {
		if math.Abs(qa[i]-qb[i]) > 1e-12 {
			t.Fatalf("log q(z | x): VAE %v, LatentVAE %v", qa, qb)
		}
	}
	for i := range klg {
		if math.Abs(kl.Data[i]-klg[i]) > 1e-12 {
			t.Fatalf("KL: VAE %v, LatentVAE %v", kl.Data, klg)
		}
	}
}

// TestHeldOutWithGradientModel checks vi.LogLikelihood on a model whose
// parameters require gradients (its forward passes run in a NoGrad scope):
// it returns what the float64 copy without gradients returns from the same
// draws, whatever the chunk size.
func TestHeldOutWithGradientModel(t *testing.T) {
	rnd := rand.New(rand.NewPCG(21, 22))
	vae := NewVAE[float64](rnd, []int{12, 8, 3}, ad.Tanh[float64])
	x := ad.Zeros[float64](5, 12)
	for i := range x.Data {
		x.Data[i] = float64(rnd.IntN(2))
	}
	a := vi.LogLikelihood(rand.New(rand.NewPCG(1, 1)), vae, x, 40, 7)
	b := vi.LogLikelihood(rand.New(rand.NewPCG(1, 1)), ConvertVAE(vae, ad.Tanh[float64]), x, 40, 40)
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-12*math.Abs(b[i]) {
			t.Fatalf("image %d: %v with gradients and chunks of 7, %v without and one chunk", i, a[i], b[i])
		}
	}
}
