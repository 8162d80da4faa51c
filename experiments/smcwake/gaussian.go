package smcwake

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/smc"
)

// Gaussian is the paper's high-dimensional Gaussian model: z ~ N(0, I_D),
// x | z ~ N(A z, τ² I_n) with A = G + [0.01 I; 0] and G standard normal,
// whose posterior is N(m(x), Σ) with Σ = (I + AᵀA/τ²)⁻¹ and
// m(x) = Σ Aᵀ x/τ², the same Σ for every x.
type Gaussian struct {
	A   *mat.Dense // n×D
	Tau float64
	// Mean holds m(x) of each observation; Cov is Σ.
	Mean [][]float64
	Cov  *mat.SymDense
}

// NewGaussian draws A and the observations (from z of the prior) with
// seed; its SMC makes moves random-walk steps per stage.
func NewGaussian(d, n, points int, tau float64, moves int, seed uint64) (*Gaussian, *Problem) {
	rnd := rand.New(rand.NewPCG(seed, 31))
	a := mat.NewDense(n, d, nil)
	for i := range n {
		for j := range d {
			v := rnd.NormFloat64()
			if i == j {
				v += 0.01
			}
			a.Set(i, j, v)
		}
	}
	var prec mat.SymDense
	prec.SymOuterK(1/(tau*tau), a.T())
	for j := range d {
		prec.SetSym(j, j, prec.At(j, j)+1)
	}
	var ch mat.Cholesky
	if !ch.Factorize(&prec) {
		panic("smcwake: posterior precision not positive definite")
	}
	g := &Gaussian{A: a, Tau: tau, Cov: mat.NewSymDense(d, nil)}
	if err := ch.InverseTo(g.Cov); err != nil {
		panic(err)
	}
	xs := make([][]float64, points)
	for p := range xs {
		z := mat.NewVecDense(d, nil)
		for j := range d {
			z.SetVec(j, rnd.NormFloat64())
		}
		var x mat.VecDense
		x.MulVec(a, z)
		xs[p] = make([]float64, n)
		for i := range n {
			xs[p][i] = x.AtVec(i) + tau*rnd.NormFloat64()
		}
		var atx, m mat.VecDense
		atx.MulVec(a.T(), mat.NewVecDense(n, xs[p]))
		atx.ScaleVec(1/(tau*tau), &atx)
		m.MulVec(g.Cov, &atx)
		g.Mean = append(g.Mean, append([]float64(nil), m.RawVector().Data...))
	}
	at := ad.New(append([]float64(nil), mat.DenseCopyOf(a.T()).RawMatrix().Data...), d, n)
	pr := &Problem{
		Name:  "Gaussian",
		X:     xs,
		D:     d,
		Prior: drawNormal(d),
		LogJoint: func(x, z *ad.Tensor[float64]) *ad.Tensor[float64] {
			s, nb := z.Dim(0), z.Dim(1)
			az := ad.Reshape(ad.MatMul(ad.Reshape(z, s*nb, d), at), s, nb, n)
			r := ad.Sum(ad.Square(ad.Sub(az, x)), -1)
			c := -float64(n)*math.Log(tau) - 0.5*float64(n)*math.Log(2*math.Pi)
			return ad.Add(ad.AddScalar(ad.MulScalar(r, -0.5/(tau*tau)), c), stdNormalLogProb(z))
		},
	}
	pr.Sampler = func(x []float64) smc.Sampler {
		return smc.Sampler{Prior: gaussianPrior{}, LogLik: g.lik(x), Kernel: smc.RandomWalk{Steps: moves}}
	}
	return g, pr
}

// lik is log N(x; A z, τ² I) at every particle.
func (g *Gaussian) lik(x []float64) smc.Density {
	n, d := g.A.Dims()
	c := -float64(n)*math.Log(g.Tau) - 0.5*float64(n)*math.Log(2*math.Pi)
	return smc.DensityFunc(func(dst []float64, z smc.Particles) {
		zm := mat.NewDense(z.K, d, z.X)
		var az mat.Dense
		az.Mul(zm, g.A.T())
		for k := range z.K {
			s := 0.0
			for i, v := range az.RawRowView(k) {
				r := v - x[i]
				s += r * r
			}
			dst[k] = c - 0.5*s/(g.Tau*g.Tau)
		}
	})
}

// KL returns KL(p(z | x_i) ‖ q) for q = N(mu, diag sd²) and, as floor,
// the smallest KL any diagonal Gaussian reaches (q with the posterior's
// mean and marginal variances).
func (g *Gaussian) KL(i int, mu, sd []float64) (kl, floor float64) {
	d := len(mu)
	var ch mat.Cholesky
	ch.Factorize(g.Cov)
	logDetCov := ch.LogDet()
	for j := range d {
		v := sd[j] * sd[j]
		dm := mu[j] - g.Mean[i][j]
		kl += (g.Cov.At(j, j)+dm*dm)/v + math.Log(v)
		floor += math.Log(g.Cov.At(j, j))
	}
	kl = 0.5 * (kl - float64(d) - logDetCov)
	floor = 0.5 * (floor - logDetCov)
	return kl, floor
}

// Metrics returns, averaged over the observations, KL(p ‖ q), its floor
// and the mean over coordinates of q's standard deviation over the
// posterior's marginal one.
func (g *Gaussian) Metrics(p *Problem) func(*Encoder) []float64 {
	return func(e *Encoder) []float64 {
		var kl, floor, ratio float64
		for i, x := range p.X {
			mu, sd := e.Moments(x)
			k, f := g.KL(i, mu, sd)
			kl += k
			floor += f
			for j, s := range sd {
				ratio += s / math.Sqrt(g.Cov.At(j, j))
			}
		}
		n := float64(len(p.X))
		return []float64{kl / n, floor / n, ratio / (n * float64(p.D))}
	}
}
