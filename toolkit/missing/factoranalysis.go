package missing

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// FactorAnalysis is the factor analysis model x = μ + W·z + ε with
// z ~ N(0, I_K) and ε ~ N(0, diag ψ): a Gaussian with mean μ and
// covariance C = W·Wᵀ + diag ψ, so that its marginal likelihood, its
// conditionals and the marginals of any subset of coordinates are exact.
// It is the model on which variational Gibbs inference is checked against
// closed forms (Simkus et al. 2023 use it the same way).
type FactorAnalysis struct {
	Mu     *ad.Tensor[float64] // [D]
	W      *ad.Tensor[float64] // [D, K]
	LogPsi *ad.Tensor[float64] // [D], log of the noise variances
}

// NewFactorAnalysis returns a model of d dimensions with k factors whose
// parameters are leaves for an optimizer: μ = 0, W with entries
// N(0, 1/k) drawn from rnd, ψ = 1. It panics unless 1 ≤ k ≤ d.
func NewFactorAnalysis(rnd *rand.Rand, d, k int) *FactorAnalysis {
	if k < 1 || k > d {
		panic(fmt.Sprintf("missing.NewFactorAnalysis: %d factors for %d dimensions; want 1 ≤ k ≤ d", k, d))
	}
	w := ad.Randn[float64](rnd, d, k)
	for i := range w.Data {
		w.Data[i] /= math.Sqrt(float64(k))
	}
	return &FactorAnalysis{Mu: ad.Param(ad.Zeros[float64](d)), W: ad.Param(w), LogPsi: ad.Param(ad.Zeros[float64](d))}
}

// Dim returns D.
func (m *FactorAnalysis) Dim() int { return m.Mu.Len() }

// Params returns μ, W and log ψ.
func (m *FactorAnalysis) Params() []*ad.Tensor[float64] {
	return []*ad.Tensor[float64]{m.Mu, m.W, m.LogPsi}
}

// Cov returns C = W·Wᵀ + diag ψ.
func (m *FactorAnalysis) Cov() *mat.SymDense {
	d, k := m.W.Dim(0), m.W.Dim(1)
	c := mat.NewSymDense(d, nil)
	w := mat.NewDense(d, k, m.W.Data)
	c.SymOuterK(1, w)
	for i := range d {
		c.SetSym(i, i, c.At(i, i)+math.Exp(m.LogPsi.Data[i]))
	}
	return c
}

// factor returns the Cholesky factor of C and C⁻¹, or an error if C is not
// positive definite (a diverged fit).
func (m *FactorAnalysis) factor() (*mat.Cholesky, *mat.SymDense, error) {
	var ch mat.Cholesky
	if !ch.Factorize(m.Cov()) {
		return nil, nil, fmt.Errorf("missing: FactorAnalysis: covariance W·Wᵀ + diag ψ is not positive definite")
	}
	var inv mat.SymDense
	if err := ch.InverseTo(&inv); err != nil {
		return nil, nil, fmt.Errorf("missing: FactorAnalysis: %w", err)
	}
	return &ch, &inv, nil
}

// LogProb returns log N(x_r; μ, C) for each row of x ([N, D]), shape [N],
// differentiable in x, μ, W and log ψ. It panics if the covariance is not
// positive definite (a diverged fit) or x has the wrong shape.
func (m *FactorAnalysis) LogProb(x *ad.Tensor[float64]) *ad.Tensor[float64] {
	d := m.Dim()
	if x.Rank() != 2 || x.Dim(1) != d {
		panic(fmt.Sprintf("missing.FactorAnalysis.LogProb: x of shape %v for %d dimensions", x.Shape(), d))
	}
	ch, inv, err := m.factor()
	if err != nil {
		panic(err.Error())
	}
	n := x.Dim(0)
	logdet := ch.LogDet()
	alpha := make([]float64, n*d) // C⁻¹(x_r − μ)
	out := make([]float64, n)
	delta := make([]float64, d)
	for r := range n {
		for i := range d {
			delta[i] = x.Data[r*d+i] - m.Mu.Data[i]
		}
		a := mat.NewVecDense(d, alpha[r*d:(r+1)*d])
		a.MulVec(inv, mat.NewVecDense(d, delta))
		q := mat.Dot(a, mat.NewVecDense(d, delta))
		out[r] = -0.5 * (float64(d)*math.Log(2*math.Pi) + logdet + q)
	}
	return ad.Custom("FactorAnalysis.LogProb", ad.New(out, n), []*ad.Tensor[float64]{x, m.Mu, m.W, m.LogPsi},
		func(g *ad.Tensor[float64]) []*ad.Tensor[float64] {
			gx, gmu := make([]float64, n*d), make([]float64, d)
			// G = ∂/∂C = Σ_r g_r·½(α_r α_rᵀ − C⁻¹).
			gc := mat.NewSymDense(d, nil)
			total := 0.0
			for r := range n {
				a := alpha[r*d : (r+1)*d]
				gr := g.Data[r]
				total += gr
				for i := range d {
					gx[r*d+i] = -gr * a[i]
					gmu[i] += gr * a[i]
				}
				gc.SymRankOne(gc, 0.5*gr, mat.NewVecDense(d, a))
			}
			for i := range d {
				for j := i; j < d; j++ {
					gc.SetSym(i, j, gc.At(i, j)-0.5*total*inv.At(i, j))
				}
			}
			k := m.W.Dim(1)
			var gw mat.Dense
			gw.Mul(gc, mat.NewDense(d, k, m.W.Data))
			gw.Scale(2, &gw)
			gpsi := make([]float64, d)
			for i := range d {
				gpsi[i] = gc.At(i, i) * math.Exp(m.LogPsi.Data[i])
			}
			return []*ad.Tensor[float64]{ad.New(gx, n, d), ad.New(gmu, d), ad.New(mat.DenseCopyOf(&gw).RawMatrix().Data, d, k), ad.New(gpsi, d)}
		})
}

// Conditional returns the mean and variance of x_j given the other
// coordinates of x (which must have D values; x_j itself is ignored).
func (m *FactorAnalysis) Conditional(x []float64, j int) (mean, variance float64, err error) {
	_, inv, err := m.factor()
	if err != nil {
		return 0, 0, err
	}
	mean, variance = conditional(inv, m.Mu.Data, x, j)
	return mean, variance, nil
}

// conditional is x_j | x_{−j} under N(μ, P⁻¹): variance 1/P_jj and mean
// μ_j − Σ_{k≠j} P_jk (x_k − μ_k)/P_jj.
func conditional(prec mat.Symmetric, mu, x []float64, j int) (mean, variance float64) {
	pjj := prec.At(j, j)
	s := 0.0
	for k, v := range x {
		if k != j {
			s += prec.At(j, k) * (v - mu[k])
		}
	}
	return mu[j] - s/pjj, 1 / pjj
}

// Posterior returns the exact distribution of the coordinates of x that
// are not observed given those that are: their indices, mean and
// covariance, C_mm − C_mo C_oo⁻¹ C_om around μ_m + C_mo C_oo⁻¹ (x_o − μ_o).
func (m *FactorAnalysis) Posterior(x []float64, observed []bool) (idx []int, mean []float64, cov *mat.SymDense, err error) {
	d := m.Dim()
	if len(x) != d || len(observed) != d {
		panic(fmt.Sprintf("missing.FactorAnalysis.Posterior: %d values and %d flags for %d dimensions", len(x), len(observed), d))
	}
	c := m.Cov()
	var obs []int
	for i, o := range observed {
		if o {
			obs = append(obs, i)
		} else {
			idx = append(idx, i)
		}
	}
	nm, no := len(idx), len(obs)
	if nm == 0 {
		return nil, nil, nil, nil
	}
	cmm := mat.NewSymDense(nm, nil)
	for a, i := range idx {
		for b, j := range idx {
			cmm.SetSym(a, b, c.At(i, j))
		}
	}
	mean = make([]float64, nm)
	for a, i := range idx {
		mean[a] = m.Mu.Data[i]
	}
	if no == 0 {
		return idx, mean, cmm, nil
	}
	coo := mat.NewSymDense(no, nil)
	cmo := mat.NewDense(nm, no, nil)
	delta := make([]float64, no)
	for a, i := range obs {
		delta[a] = x[i] - m.Mu.Data[i]
		for b, j := range obs {
			coo.SetSym(a, b, c.At(i, j))
		}
		for b, j := range idx {
			cmo.Set(b, a, c.At(j, i))
		}
	}
	var ch mat.Cholesky
	if !ch.Factorize(coo) {
		return nil, nil, nil, fmt.Errorf("missing: FactorAnalysis.Posterior: observed covariance is not positive definite")
	}
	var sol mat.VecDense
	if err := ch.SolveVecTo(&sol, mat.NewVecDense(no, delta)); err != nil {
		return nil, nil, nil, err
	}
	var shift mat.VecDense
	shift.MulVec(cmo, &sol)
	for a := range mean {
		mean[a] += shift.AtVec(a)
	}
	var k mat.Dense // C_oo⁻¹ C_om
	if err := ch.SolveTo(&k, cmo.T()); err != nil {
		return nil, nil, nil, err
	}
	var red mat.Dense
	red.Mul(cmo, &k)
	for a := range nm {
		for b := a; b < nm; b++ {
			cmm.SetSym(a, b, cmm.At(a, b)-red.At(a, b))
		}
	}
	return idx, mean, cmm, nil
}

// MarginalLogProb returns log p(x_o), the log-density of the observed
// coordinates of x under their marginal N(μ_o, C_oo): the held-out
// log-likelihood of an incomplete row.
func (m *FactorAnalysis) MarginalLogProb(x []float64, observed []bool) (float64, error) {
	c := m.Cov()
	var obs []int
	for i, o := range observed {
		if o {
			obs = append(obs, i)
		}
	}
	no := len(obs)
	if no == 0 {
		return 0, nil
	}
	coo := mat.NewSymDense(no, nil)
	delta := mat.NewVecDense(no, nil)
	for a, i := range obs {
		delta.SetVec(a, x[i]-m.Mu.Data[i])
		for b, j := range obs {
			coo.SetSym(a, b, c.At(i, j))
		}
	}
	var ch mat.Cholesky
	if !ch.Factorize(coo) {
		return 0, fmt.Errorf("missing: FactorAnalysis.MarginalLogProb: observed covariance is not positive definite")
	}
	var sol mat.VecDense
	if err := ch.SolveVecTo(&sol, delta); err != nil {
		return 0, err
	}
	return -0.5 * (float64(no)*math.Log(2*math.Pi) + ch.LogDet() + mat.Dot(delta, &sol)), nil
}

// Sample draws n rows from the model, [n, D] row-major, from rnd.
func (m *FactorAnalysis) Sample(rnd *rand.Rand, n int) []float64 {
	d, k := m.W.Dim(0), m.W.Dim(1)
	out := make([]float64, n*d)
	z := make([]float64, k)
	for r := range n {
		for i := range z {
			z[i] = rnd.NormFloat64()
		}
		for i := range d {
			v := m.Mu.Data[i] + math.Exp(0.5*m.LogPsi.Data[i])*rnd.NormFloat64()
			for j, zj := range z {
				v += m.W.Data[i*k+j] * zj
			}
			out[r*d+i] = v
		}
	}
	return out
}
