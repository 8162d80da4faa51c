package vi

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
	"gonum.org/v1/gonum/mat"
)

// The tests draw from fixed seeds and accept |z| < zMax.
const zMax = 4.5

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x71)) }

// linGauss is the linear-Gaussian latent model
//
//	p(z) = N(0, I_L),  p(x | z) = N(z·W + B, σ² I_D),
//	q(z | x) = N(x·A + C, diag exp(2·LogS)),
//
// whose marginal p(x) = N(B, WᵀW + σ²I) is known in closed form.
type linGauss struct {
	W, B      *ad.Tensor[float64] // generative model θ: [L, D], [D]
	A, C, Log *ad.Tensor[float64] // inference network φ: [D, L], [L], [L]
	Sigma     float64
}

func newLinGauss(rnd *rand.Rand, l, d int) *linGauss {
	r := func(scale float64, shape ...int) *ad.Tensor[float64] {
		t := ad.Randn[float64](rnd, shape...)
		for i := range t.Data {
			t.Data[i] *= scale
		}
		return ad.Param(t)
	}
	return &linGauss{W: r(1, l, d), B: r(0.5, d), A: r(0.4, d, l), C: r(0.3, l), Log: r(0.3, l), Sigma: 0.8}
}

func (m *linGauss) theta() []*ad.Tensor[float64] { return []*ad.Tensor[float64]{m.W, m.B} }
func (m *linGauss) phi() []*ad.Tensor[float64]   { return []*ad.Tensor[float64]{m.A, m.C, m.Log} }

func (m *linGauss) Guide(x *ad.Tensor[float64]) distributions.Distribution[float64] {
	mu := ad.Add(ad.MatMul(x, m.A), m.C)
	return distributions.Normal[float64]{Mu: mu, Sigma: ad.Exp(m.Log)}
}

func (m *linGauss) LogJoint(x, z *ad.Tensor[float64]) *ad.Tensor[float64] {
	lik := distributions.Normal[float64]{Mu: ad.Linear(z, m.W, m.B), Sigma: ad.Scalar(m.Sigma)}.LogProb(x)
	prior := distributions.Normal[float64]{Mu: ad.Scalar(0.0), Sigma: ad.Scalar(1.0)}.LogProb(z)
	return ad.Add(ad.Sum(lik, -1), ad.Sum(prior, -1))
}

// logMarginal returns log p(x) = log N(x; B, WᵀW + σ²I).
func (m *linGauss) logMarginal(x []float64) float64 {
	l, d := m.W.Dim(0), m.W.Dim(1)
	w := mat.NewDense(l, d, m.W.Data)
	var cov mat.SymDense
	cov.SymOuterK(1, w.T())
	for i := range d {
		cov.SetSym(i, i, cov.At(i, i)+m.Sigma*m.Sigma)
	}
	var ch mat.Cholesky
	if !ch.Factorize(&cov) {
		panic("covariance not positive definite")
	}
	r := mat.NewVecDense(d, nil)
	for i := range d {
		r.SetVec(i, x[i]-m.B.Data[i])
	}
	var s mat.VecDense
	if err := ch.SolveVecTo(&s, r); err != nil {
		panic(err)
	}
	return -0.5*(float64(d)*math.Log(2*math.Pi)+ch.LogDet()) - 0.5*mat.Dot(r, &s)
}

// exactELBO returns E_q[log p(x, z) − log q(z | x)] for one example x [1, D]
// in closed form, as a graph through which the exact gradient flows.
func (m *linGauss) exactELBO(x *ad.Tensor[float64]) *ad.Tensor[float64] {
	l, d := m.W.Dim(0), m.W.Dim(1)
	mu := ad.Add(ad.MatMul(x, m.A), m.C) // [1, L]
	s2 := ad.Exp(ad.MulScalar(m.Log, 2)) // [L]
	resid := ad.Sub(x, ad.Linear(mu, m.W, m.B))
	// E‖x − zW − B‖² = ‖x − μW − B‖² + Σ_l s_l² Σ_d W_ld².
	spread := ad.Sum(ad.Mul(ad.Unsqueeze(s2, 1), ad.Square(m.W)))
	lik := ad.AddScalar(ad.MulScalar(ad.Add(ad.Sum(ad.Square(resid)), spread), -0.5/(m.Sigma*m.Sigma)),
		-0.5*float64(d)*math.Log(2*math.Pi*m.Sigma*m.Sigma))
	prior := ad.AddScalar(ad.MulScalar(ad.Add(ad.Sum(ad.Square(mu)), ad.Sum(s2)), -0.5), -0.5*float64(l)*math.Log(2*math.Pi))
	ent := ad.AddScalar(ad.Sum(m.Log), 0.5*float64(l)*(1+math.Log(2*math.Pi)))
	return ad.Add(ad.Add(lik, prior), ent)
}

// repeatRows returns n copies of the row x as an [n, len(x)] tensor.
func repeatRows(x []float64, n int) *ad.Tensor[float64] {
	t := ad.Zeros[float64](n, len(x))
	for i := range n {
		copy(t.Data[i*len(x):], x)
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

// checkMean fails unless the mean of xs is within zMax standard errors of
// want.
func checkMean(t *testing.T, name string, xs []float64, want float64) {
	t.Helper()
	m, se := meanSE(xs)
	if z := (m - want) / se; !(math.Abs(z) < zMax) {
		t.Errorf("%s: mean %.6g, want %.6g (SE %.3g, z = %.2f)", name, m, want, se, z)
	}
}

// grads returns copies of the gradients of ps, flattened, and zeroes them.
func grads(ps []*ad.Tensor[float64]) []float64 {
	var out []float64
	for _, p := range ps {
		if p.Grad == nil {
			out = append(out, make([]float64, p.Len())...)
		} else {
			out = append(out, p.Grad...)
		}
		p.ZeroGrad()
	}
	return out
}
