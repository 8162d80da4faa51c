package smctempering

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/toolkit/smc"
)

// Model is a Bayesian model with one fixed observation whose evidence and
// posterior moments are known exactly (in closed form or by quadrature).
// Its prior is N(0, I_Dim), so that the first particles are standard
// normal draws.
type Model struct {
	Name          string
	Dim           int
	Prior, LogLik smc.Density
	// LogZ is log p(x); Mean and Var are the posterior mean and variance
	// of each coordinate.
	LogZ      float64
	Mean, Var []float64
}

// draw returns k particles from the prior N(0, I).
func (m Model) draw(rnd *rand.Rand, k int) smc.Particles {
	x := smc.NewParticles(k, m.Dim)
	for i := range x.X {
		x.X[i] = rnd.NormFloat64()
	}
	return x
}

var log2Pi = math.Log(2 * math.Pi)

// stdNormal is the normalised log density of N(0, I).
var stdNormal = smc.DensityFunc(func(dst []float64, z smc.Particles) {
	for i := range z.K {
		var s float64
		for _, v := range z.Row(i) {
			s += v * v
		}
		dst[i] = -0.5*s - 0.5*float64(z.D)*log2Pi
	}
})

// Isotropic is the conjugate Gaussian model z ~ N(0, I_d), x | z ~
// N(z, σ²I_d), observed at x. Its evidence is N(x; 0, (1+σ²)I) and its
// posterior N(x/(1+σ²), σ²/(1+σ²)·I). With d = 1, σ = 0.5 and x = 2 it is
// the 1-D check of METHODS.md §4 (log Z = −2.63, posterior N(1.6, 0.2)).
func Isotropic(x []float64, sigma float64) Model {
	if len(x) == 0 || !(sigma > 0) {
		panic(fmt.Sprintf("smctempering.Isotropic: %d observations, σ = %g", len(x), sigma))
	}
	d := len(x)
	s2 := sigma * sigma
	m := Model{Name: fmt.Sprintf("Gaussian d=%d", d), Dim: d, Prior: stdNormal, Mean: make([]float64, d), Var: make([]float64, d)}
	for j, v := range x {
		m.LogZ += -0.5*v*v/(1+s2) - 0.5*math.Log(1+s2) - 0.5*log2Pi
		m.Mean[j] = v / (1 + s2)
		m.Var[j] = s2 / (1 + s2)
	}
	c := -float64(d) * (math.Log(sigma) + 0.5*log2Pi)
	m.LogLik = smc.DensityFunc(func(dst []float64, z smc.Particles) {
		for i := range z.K {
			var s float64
			for j, v := range z.Row(i) {
				r := (x[j] - v) / sigma
				s += r * r
			}
			dst[i] = c - 0.5*s
		}
	})
	return m
}

// Normal1D is Isotropic at x = 2, σ = 0.5: METHODS.md §4's 1-D model.
func Normal1D() Model {
	m := Isotropic([]float64{2}, 0.5)
	m.Name = "Gaussian 1-D"
	return m
}

// HighDim is Isotropic in d dimensions with x drawn from the model with
// σ = 0.5 (seed fixed, so the problem is the same in every run).
func HighDim(d int) Model {
	rnd := rand.New(rand.NewPCG(11, uint64(d)))
	x := make([]float64, d)
	for j := range x {
		x[j] = rnd.NormFloat64() + 0.5*rnd.NormFloat64()
	}
	return Isotropic(x, 0.5)
}

// Banana is a 2-D model with a curved posterior: z ~ N(0, I_2) and one
// observation y = 1 of z₂ + z₁² with noise σ = 0.3, so that the posterior
// lies along the parabola z₂ = 1 − z₁². Its evidence and posterior moments
// come from Quadrature on a 1201² grid over [−8, 8]².
func Banana() Model {
	const y, sigma = 1.0, 0.3
	c := -math.Log(sigma) - 0.5*log2Pi
	ll := func(z1, z2 float64) float64 {
		r := (y - z2 - z1*z1) / sigma
		return c - 0.5*r*r
	}
	q := Quadrature(func(z1, z2 float64) float64 {
		return ll(z1, z2) - 0.5*(z1*z1+z2*z2) - log2Pi
	}, -8, 8, 1201)
	return Model{
		Name: "banana 2-D", Dim: 2, Prior: stdNormal,
		LogLik: smc.DensityFunc(func(dst []float64, z smc.Particles) {
			for i := range z.K {
				dst[i] = ll(z.X[2*i], z.X[2*i+1])
			}
		}),
		LogZ: q.LogZ, Mean: q.Mean[:], Var: q.Var[:],
	}
}

// Integral2D is the result of Quadrature: log ∫ f and the mean and
// variance of each coordinate under f/∫f.
type Integral2D struct {
	LogZ      float64
	Mean, Var [2]float64
}

// Quadrature integrates exp(logf) over the square [lo, hi]² by the
// trapezoidal rule on an n×n grid, in log space (the sum is scaled by the
// largest value). The integrand must be negligible on the square's border.
func Quadrature(logf func(z1, z2 float64) float64, lo, hi float64, n int) Integral2D {
	if n < 3 || !(hi > lo) {
		panic(fmt.Sprintf("smctempering.Quadrature: %d points on [%g, %g]", n, lo, hi))
	}
	h := (hi - lo) / float64(n-1)
	lv := make([]float64, n*n)
	mx := math.Inf(-1)
	for i := range n {
		for j := range n {
			v := logf(lo+float64(i)*h, lo+float64(j)*h)
			lv[i*n+j] = v
			mx = math.Max(mx, v)
		}
	}
	edge := func(i int) float64 {
		if i == 0 || i == n-1 {
			return 0.5
		}
		return 1
	}
	var s, m1, m2, s1, s2 float64
	for i := range n {
		z1 := lo + float64(i)*h
		for j := range n {
			z2 := lo + float64(j)*h
			w := edge(i) * edge(j) * math.Exp(lv[i*n+j]-mx)
			s += w
			m1 += w * z1
			m2 += w * z2
			s1 += w * z1 * z1
			s2 += w * z2 * z2
		}
	}
	var r Integral2D
	r.LogZ = mx + math.Log(s*h*h)
	r.Mean = [2]float64{m1 / s, m2 / s}
	r.Var = [2]float64{s1/s - r.Mean[0]*r.Mean[0], s2/s - r.Mean[1]*r.Mean[1]}
	return r
}
