package estimators_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stochgrad/stochgrad/estimators"
	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
)

// vimcoModel is a tiny discrete latent model: two data points, each with
// three binary latents, log p(x_b, z) = ⟨A_b, z⟩ + B_b·z0·z1·z2 + C_b, and
// q(z | x_b) a product of Bernoullis with logits φ_b.
type vimcoModel struct {
	a       [2][3]float64
	b, c    [2]float64
	logits  []float64 // φ, [2, 3]
	samples int       // K
}

func newVIMCOModel() vimcoModel {
	return vimcoModel{
		a:       [2][3]float64{{1.2, -0.8, 0.3}, {-0.5, 0.9, -1.4}},
		b:       [2]float64{2.0, -1.0},
		c:       [2]float64{-3.0, -2.0},
		logits:  []float64{0.3, -0.6, 1.1, -0.2, 0.7, -1.3},
		samples: 3,
	}
}

// logJoint returns log p(x_b, z) for z of shape [K, 2, 3] as [K, 2].
func (m vimcoModel) logJoint(z *ad.Tensor[float64]) *ad.Tensor[float64] {
	k := z.Dim(0)
	out := ad.Zeros[float64](k, 2)
	for s := range k {
		for b := range 2 {
			zz := z.Data[(s*2+b)*3 : (s*2+b+1)*3]
			v := m.c[b] + m.b[b]*zz[0]*zz[1]*zz[2]
			for i := range 3 {
				v += m.a[b][i] * zz[i]
			}
			out.Data[s*2+b] = v
		}
	}
	return out
}

// objective returns the exact multi-sample bound Σ_b E[log (1/K)Σ_k w_k]
// at the logits φ, by enumeration of the 8^K tuples of latents.
func (m vimcoModel) objective(phi []float64) float64 {
	total := 0.0
	for b := range 2 {
		logq := make([]float64, 8) // log q(z | x_b) per state
		logw := make([]float64, 8)
		for s := range 8 {
			lj := m.c[b]
			z := [3]float64{float64(s & 1), float64(s >> 1 & 1), float64(s >> 2 & 1)}
			lj += m.b[b] * z[0] * z[1] * z[2]
			for i := range 3 {
				lj += m.a[b][i] * z[i]
				l := phi[b*3+i]
				if z[i] == 1 {
					logq[s] -= math.Log1p(math.Exp(-l))
				} else {
					logq[s] -= math.Log1p(math.Exp(l))
				}
			}
			logw[s] = lj - logq[s]
		}
		k := m.samples
		idx := make([]int, k)
		for t := range int(math.Pow(8, float64(k))) {
			r := t
			lq, mx := 0.0, math.Inf(-1)
			for j := range k {
				idx[j] = r % 8
				r /= 8
				lq += logq[idx[j]]
				mx = max(mx, logw[idx[j]])
			}
			se := 0.0
			for j := range k {
				se += math.Exp(logw[idx[j]] - mx)
			}
			total += math.Exp(lq) * (mx + math.Log(se/float64(k)))
		}
	}
	return total
}

// exactGradient returns ∇φ of the bound by central differences of the
// enumerated objective (error O(h²) ≈ 1e-10).
func (m vimcoModel) exactGradient() []float64 {
	g := make([]float64, len(m.logits))
	phi := append([]float64(nil), m.logits...)
	for i := range phi {
		const h = 1e-5
		orig := phi[i]
		phi[i] = orig + h
		up := m.objective(phi)
		phi[i] = orig - h
		down := m.objective(phi)
		phi[i] = orig
		g[i] = (up - down) / (2 * h)
	}
	return g
}

// vimcoGradients returns m independent gradient estimates from est, which
// gets the proposal and the log-weight function.
func (m vimcoModel) gradients(n int, seed uint64, est func(rnd *rand.Rand, q distributions.Bernoulli[float64], logw estimators.Func[float64]) estimators.Estimate[float64]) ([][]float64, []float64) {
	rnd := rand.New(rand.NewPCG(seed, 77))
	out := make([][]float64, n)
	values := make([]float64, n)
	for i := range out {
		phi := ad.Param(ad.New(append([]float64(nil), m.logits...), 2, 3))
		q := distributions.Bernoulli[float64]{Logits: phi}
		logw := func(z *ad.Tensor[float64]) *ad.Tensor[float64] {
			return ad.Sub(m.logJoint(z), ad.Sum(q.LogProb(z), -1))
		}
		e := est(rnd, q, logw)
		e.Surrogate.Backward()
		out[i] = append([]float64(nil), phi.Grad...)
		values[i] = e.Value
	}
	return out, values
}

func TestVIMCOUnbiased(t *testing.T) {
	m := newVIMCOModel()
	exact := m.exactGradient()
	v := estimators.VIMCO[float64]{Samples: m.samples}
	g, values := m.gradients(6000, 1, func(rnd *rand.Rand, q distributions.Bernoulli[float64], logw estimators.Func[float64]) estimators.Estimate[float64] {
		return v.Estimate(rnd, q, logw)
	})
	st := summarise(g)
	requireUnbiased(t, "VIMCO", st, exact)

	// Value is an unbiased estimate of the bound.
	mv, sv := 0.0, 0.0
	for _, x := range values {
		mv += x / float64(len(values))
	}
	for _, x := range values {
		sv += (x - mv) * (x - mv) / float64(len(values)-1)
	}
	want := m.objective(m.logits)
	if z := math.Abs(mv-want) / math.Sqrt(sv/float64(len(values))); z > 4 {
		t.Errorf("mean Value %v, bound %v: |z| = %.2f", mv, want, z)
	}

	// The naive multi-sample score function (every sample's learning signal
	// is L̂ itself) is also unbiased, and noisier.
	naive, _ := m.gradients(6000, 2, func(rnd *rand.Rand, q distributions.Bernoulli[float64], logw estimators.Func[float64]) estimators.Estimate[float64] {
		zs := make([]*ad.Tensor[float64], m.samples)
		for i := range zs {
			zs[i] = q.Sample(rnd)
		}
		z := ad.Stack(0, zs...)
		lw := logw(z)
		logq := ad.Sum(q.LogProb(z), -1)
		lse := ad.LogSumExp(lw, 0)
		sig := ad.Zeros[float64](lw.Shape()...)
		for i := range sig.Data {
			sig.Data[i] = lse.Data[i%2] - math.Log(float64(m.samples))
		}
		sur := ad.Add(ad.Sum(ad.Mul(sig, logq)), ad.Sum(lse))
		return estimators.Estimate[float64]{Surrogate: sur}
	})
	ns := summarise(naive)
	requireUnbiased(t, "naive multi-sample score function", ns, exact)
	requireLowerVariance(t, "VIMCO", st, "naive", ns)
}

func TestVIMCOBiasedVariantRejected(t *testing.T) {
	// Using the geometric mean of all K samples (the sample itself
	// included) as the baseline biases the estimate; the test detects it.
	m := newVIMCOModel()
	exact := m.exactGradient()
	g, _ := m.gradients(6000, 3, func(rnd *rand.Rand, q distributions.Bernoulli[float64], logw estimators.Func[float64]) estimators.Estimate[float64] {
		zs := make([]*ad.Tensor[float64], m.samples)
		for i := range zs {
			zs[i] = q.Sample(rnd)
		}
		z := ad.Stack(0, zs...)
		lw := logw(z)
		logq := ad.Sum(q.LogProb(z), -1)
		lse := ad.LogSumExp(lw, 0)
		k := m.samples
		sig := ad.Zeros[float64](lw.Shape()...)
		for c := range 2 {
			geo := 0.0
			for j := range k {
				geo += lw.Data[j*2+c] / float64(k)
			}
			for j := range k {
				// L̂ − log((Σ_{i≠j} w_i + exp(geo))/K) with geo including j.
				mx := geo
				for i := range k {
					mx = max(mx, lw.Data[i*2+c])
				}
				s := math.Exp(geo - mx)
				for i := range k {
					if i != j {
						s += math.Exp(lw.Data[i*2+c] - mx)
					}
				}
				sig.Data[j*2+c] = lse.Data[c] - (mx + math.Log(s))
			}
		}
		sur := ad.Add(ad.Sum(ad.Mul(sig, logq)), ad.Sum(lse))
		return estimators.Estimate[float64]{Surrogate: sur}
	})
	z := summarise(g).maxZ(exact)
	if z < 4 {
		t.Fatalf("biased VIMCO variant not detected: max |z| = %.2f", z)
	}
	t.Logf("biased variant: max |z| = %.1f", z)
}

func TestVIMCOPanics(t *testing.T) {
	q := distributions.Bernoulli[float64]{Logits: ad.New([]float64{0, 1}, 2)}
	logw := func(z *ad.Tensor[float64]) *ad.Tensor[float64] { return ad.Sum(z, 1) }
	for name, fn := range map[string]func(){
		"one sample": func() { estimators.VIMCO[float64]{Samples: 1}.Estimate(rand.New(rand.NewPCG(1, 1)), q, logw) },
		"bad shape": func() {
			estimators.VIMCO[float64]{}.Estimate(rand.New(rand.NewPCG(1, 1)), q, func(z *ad.Tensor[float64]) *ad.Tensor[float64] { return ad.Sum(z) })
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
