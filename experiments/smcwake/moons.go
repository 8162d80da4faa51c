package smcwake

import (
	"math"
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/smc"
)

// The two-moons simulator of the SBI benchmark, as the paper uses it:
// θ ~ U[−1, 1]², a ~ U(−π/2, π/2), r ~ N(0.1, 0.01²),
// x = (r cos a + 0.25, r sin a) + (−|θ₁+θ₂|/√2, (−θ₁+θ₂)/√2).
const (
	moonsR, moonsSD = 0.1, 0.01
	// moonsCut is the width of the logistic cut that replaces the
	// likelihood's hard edge (cos a > 0) in the differentiable log joint
	// of the ELBO and RWS, whose Gaussian q puts mass where the exact
	// likelihood is zero.
	moonsCut = 5e-4
)

// SimulateMoons draws x given θ.
func SimulateMoons(rnd *rand.Rand, theta []float64) []float64 {
	a := math.Pi * (rnd.Float64() - 0.5)
	r := moonsR + moonsSD*rnd.NormFloat64()
	s := math.Abs(theta[0]+theta[1]) / math.Sqrt2
	return []float64{r*math.Cos(a) + 0.25 - s, r*math.Sin(a) + (theta[1]-theta[0])/math.Sqrt2}
}

// MoonsLogLik is log p(x | θ). With exact, it is the model's density: in
// the polar coordinates u = x − m(θ) − (0.25, 0) = (r cos a, r sin a),
// p(u) = N(r; 0.1, 0.01²)·(1/π)/r for u₁ > 0 and zero elsewhere, the 1/r
// being the Jacobian of the change to polar coordinates. Without it is the
// reference code's log N(r; 0.1, 0.01²), which drops −log(π r).
func MoonsLogLik(x, theta []float64, exact bool) float64 {
	ux := x[0] - 0.25 + math.Abs(theta[0]+theta[1])/math.Sqrt2
	uy := x[1] + (theta[0]-theta[1])/math.Sqrt2
	if ux <= 0 {
		return math.Inf(-1)
	}
	r := math.Hypot(ux, uy)
	d := (r - moonsR) / moonsSD
	ll := -0.5*d*d - math.Log(moonsSD*math.Sqrt(2*math.Pi))
	if exact {
		ll -= math.Log(math.Pi * r)
	}
	return ll
}

// The encoder's latent is η = atanh θ, so that every Gaussian q is a
// density on the prior's support; the prior of η is that of θ times
// |dθ/dη| = 1 − tanh² η.

// logSech2 returns log(1 − tanh² η) = 2(log 2 − |η| − log(1 + e^{−2|η|})).
func logSech2(eta float64) float64 {
	a := math.Abs(eta)
	return 2 * (math.Ln2 - a - math.Log1p(math.Exp(-2*a)))
}

// NewMoons returns the two-moons problem with n training observations
// simulated from θ of the prior, the SMC sampler of p(η | x) with the
// exact likelihood and the given random-walk moves per stage.
func NewMoons(n, moves int, seed uint64) *Problem {
	rnd := rand.New(rand.NewPCG(seed, 41))
	xs := make([][]float64, n)
	for i := range xs {
		xs[i] = SimulateMoons(rnd, []float64{2*rnd.Float64() - 1, 2*rnd.Float64() - 1})
	}
	prior := smc.DensityFunc(func(dst []float64, z smc.Particles) {
		for k := range z.K {
			e := z.Row(k)
			dst[k] = logSech2(e[0]) + logSech2(e[1]) - 2*math.Ln2
		}
	})
	return &Problem{
		Name: "two moons",
		X:    xs,
		D:    2,
		Prior: func(rnd *rand.Rand, k int) smc.Particles {
			p := smc.NewParticles(k, 2)
			for i := range p.X {
				p.X[i] = math.Atanh(2*rnd.Float64() - 1)
			}
			return p
		},
		Sampler: func(x []float64) smc.Sampler {
			lik := smc.DensityFunc(func(dst []float64, z smc.Particles) {
				for k := range z.K {
					e := z.Row(k)
					dst[k] = MoonsLogLik(x, []float64{math.Tanh(e[0]), math.Tanh(e[1])}, true)
				}
			})
			return smc.Sampler{Prior: prior, LogLik: lik, Kernel: smc.RandomWalk{Steps: moves}}
		},
		LogJoint: moonsLogJoint,
	}
}

// moonsLogJoint is log p(x, η) on tensors with the likelihood's edge
// made a logistic cut of width moonsCut.
func moonsLogJoint(x, eta *ad.Tensor[float64]) *ad.Tensor[float64] {
	th := ad.Tanh(eta)
	t1, t2 := ad.Slice(th, 2, 0, 1), ad.Slice(th, 2, 1, 2)
	x1, x2 := ad.Slice(x, 1, 0, 1), ad.Slice(x, 1, 1, 2)
	ux := ad.Add(ad.AddScalar(x1, -0.25), ad.MulScalar(ad.Abs(ad.Add(t1, t2)), 1/math.Sqrt2))
	uy := ad.Add(x2, ad.MulScalar(ad.Sub(t1, t2), 1/math.Sqrt2))
	r := ad.Sqrt(ad.AddScalar(ad.Add(ad.Square(ux), ad.Square(uy)), 1e-12))
	d := ad.MulScalar(ad.AddScalar(r, -moonsR), 1/moonsSD)
	ll := ad.Sub(ad.MulScalar(ad.Square(d), -0.5), ad.Log(r))
	ll = ad.Add(ad.AddScalar(ll, -math.Log(moonsSD*math.Sqrt(2*math.Pi))-math.Log(math.Pi)), ad.LogSigmoid(ad.MulScalar(ux, 1/moonsCut)))
	// log p(η) = Σ 2(log 2 − |η| − softplus(−2|η|)) − 2 log 2.
	a := ad.Abs(eta)
	lp := ad.Sum(ad.MulScalar(ad.Add(a, ad.Softplus(ad.MulScalar(a, -2))), -2), -1)
	lp = ad.AddScalar(lp, 2*math.Ln2)
	return ad.Add(ad.Sum(ll, -1), lp)
}

// MoonsGrid is the exact posterior p(θ | x) ∝ p(x | θ) on [−1, 1]², on a
// grid of n×n cell centres.
type MoonsGrid struct {
	N int
	// P holds the normalised cell probabilities, row i for θ₁, column j
	// for θ₂.
	P []float64
}

// NewMoonsGrid computes the grid posterior for x.
func NewMoonsGrid(x []float64, n int, exact bool) MoonsGrid {
	g := MoonsGrid{N: n, P: make([]float64, n*n)}
	lp := make([]float64, n*n)
	mx := math.Inf(-1)
	for i := range n {
		for j := range n {
			v := MoonsLogLik(x, []float64{g.centre(i), g.centre(j)}, exact)
			lp[i*n+j] = v
			mx = math.Max(mx, v)
		}
	}
	s := 0.0
	for k, v := range lp {
		g.P[k] = math.Exp(v - mx)
		s += g.P[k]
	}
	for k := range g.P {
		g.P[k] /= s
	}
	return g
}

func (g MoonsGrid) centre(i int) float64 { return -1 + (float64(i)+0.5)*2/float64(g.N) }

// KL returns KL(p ‖ q) for q the mixture Σ_c w_c N(mu_c, diag sd_c²) on
// η = atanh θ, by the grid: Σ P_c (log(P_c/h²) − log q_θ(θ_c)) with
// q_θ(θ) = q(atanh θ)/Π(1 − θ²).
func (g MoonsGrid) KL(w []float64, mu, sd [][]float64) float64 {
	h2 := math.Pow(2/float64(g.N), 2)
	kl := 0.0
	for i := range g.N {
		for j := range g.N {
			p := g.P[i*g.N+j]
			if p < 1e-12 { // far from the ring: a negligible share of the KL
				continue
			}
			kl += p * (math.Log(p/h2) - logQTheta([]float64{g.centre(i), g.centre(j)}, w, mu, sd))
		}
	}
	return kl
}

// KLTo returns KL(g ‖ o) between two grid posteriors.
func (g MoonsGrid) KLTo(o MoonsGrid) float64 {
	kl := 0.0
	for k, p := range g.P {
		if p > 0 {
			kl += p * math.Log(p/o.P[k])
		}
	}
	return kl
}

// Sample draws n values of θ from the grid posterior (uniform within a
// cell).
func (g MoonsGrid) Sample(rnd *rand.Rand, n int) [][]float64 {
	cdf := make([]float64, len(g.P))
	s := 0.0
	for k, p := range g.P {
		s += p
		cdf[k] = s
	}
	h := 2 / float64(g.N)
	out := make([][]float64, n)
	for m := range out {
		u := rnd.Float64() * s
		lo, hi := 0, len(cdf)-1
		for lo < hi {
			mid := (lo + hi) / 2
			if cdf[mid] < u {
				lo = mid + 1
			} else {
				hi = mid
			}
		}
		i, j := lo/g.N, lo%g.N
		out[m] = []float64{g.centre(i) + h*(rnd.Float64()-0.5), g.centre(j) + h*(rnd.Float64()-0.5)}
	}
	return out
}

func logQTheta(theta, w []float64, mu, sd [][]float64) float64 {
	lq := math.Inf(-1)
	jac := 0.0
	for _, t := range theta {
		jac -= math.Log1p(-t * t)
	}
	for c, wc := range w {
		s := math.Log(wc)
		for j, t := range theta {
			d := (math.Atanh(t) - mu[c][j]) / sd[c][j]
			s += -0.5*d*d - math.Log(sd[c][j]) - 0.5*math.Log(2*math.Pi)
		}
		if s > lq {
			lq, s = s, lq
		}
		if !math.IsInf(s, -1) {
			lq += math.Log1p(math.Exp(s - lq))
		}
	}
	return lq + jac
}

// drawTheta draws θ = tanh η from the mixture.
func drawTheta(rnd *rand.Rand, w []float64, mu, sd [][]float64) []float64 {
	c := pick(rnd, w)
	return []float64{math.Tanh(mu[c][0] + sd[c][0]*rnd.NormFloat64()), math.Tanh(mu[c][1] + sd[c][1]*rnd.NormFloat64())}
}

// MoonsMetrics returns, averaged over the evaluation observations, the
// inclusive KL(p ‖ q) on their grids and the mean of q's standard
// deviation of θ over the posterior's (q's by 2000 draws).
func MoonsMetrics(xs [][]float64, grids []MoonsGrid) func(*Encoder) []float64 {
	return func(e *Encoder) []float64 {
		var kl, ratio float64
		rnd := rand.New(rand.NewPCG(5, 5))
		for i, x := range xs {
			w, mu, sd := e.Mixture(x)
			kl += grids[i].KL(w, mu, sd)
			ratio += sdRatio(rnd, grids[i], w, mu, sd)
		}
		n := float64(len(xs))
		return []float64{kl / n, ratio / n}
	}
}

// sdRatio is the mean over θ's coordinates of q's standard deviation over
// the grid posterior's.
func sdRatio(rnd *rand.Rand, g MoonsGrid, w []float64, mu, sd [][]float64) float64 {
	var pm, p2 [2]float64
	for i := range g.N {
		for j := range g.N {
			p := g.P[i*g.N+j]
			for c, t := range []float64{g.centre(i), g.centre(j)} {
				pm[c] += p * t
				p2[c] += p * t * t
			}
		}
	}
	var qm, q2 [2]float64
	const n = 2000
	for range n {
		for c, t := range drawTheta(rnd, w, mu, sd) {
			qm[c] += t / n
			q2[c] += t * t / n
		}
	}
	r := 0.0
	for c := range 2 {
		r += math.Sqrt((q2[c]-qm[c]*qm[c])/(p2[c]-pm[c]*pm[c])) / 2
	}
	return r
}
