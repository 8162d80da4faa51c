package smc

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/optim"
)

// TestWakeFitsConjugateEncoder fits q(z|x) = N(a·x + b, e^{2c}) by SMC-Wake
// to 20 observations of the 1-D model of METHODS.md §4 (prior N(0, 1),
// noise σ = 0.5), whose exact posterior N(0.8·x, 0.2) is in the family, and
// checks that the inclusive KL averaged over the data, computed in closed
// form, falls from its initial value to below 1% of it.
func TestWakeFitsConjugateEncoder(t *testing.T) {
	const n, sigma = 20, 0.5
	rnd := rand.New(rand.NewPCG(61, 62))
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = rnd.NormFloat64() + sigma*rnd.NormFloat64()
	}
	a := ad.Param(ad.New([]float64{0}, 1))
	b := ad.Param(ad.New([]float64{0.5}, 1))
	c := ad.Param(ad.New([]float64{0}, 1))
	kl := func() float64 { // mean over data of KL(N(0.8x, 0.2) || q)
		var s float64
		for _, x := range xs {
			m, v := 0.8*x, 0.2
			mu, s2 := a.Data[0]*x+b.Data[0], math.Exp(2*c.Data[0])
			s += 0.5*math.Log(s2/v) + (v+(m-mu)*(m-mu))/(2*s2) - 0.5
		}
		return s / n
	}
	w := Wake{
		N: n,
		Sampler: func(i int) Sampler {
			m := normal1D{x: xs[i], sigma: sigma}
			return Sampler{Prior: m.prior(), LogLik: m.lik(), Kernel: RandomWalk{Steps: 5, StepSize: 0.3}}
		},
		Prior: func(rnd *rand.Rand, k int) Particles {
			x := NewParticles(k, 1)
			for i := range x.X {
				x.X[i] = rnd.NormFloat64()
			}
			return x
		},
		LogQ: func(i int, z Particles) *ad.Tensor[float64] {
			mu := ad.Add(ad.MulScalar(a, xs[i]), b)
			d := ad.Div(ad.Sub(ad.New(z.X, z.K), mu), ad.Exp(c))
			return ad.Sub(ad.MulScalar(ad.Square(d), -0.5), c)
		},
		Params:    []*ad.Tensor[float64]{a, b, c},
		Optimizer: &optim.Adam[float64]{LR: 0.05},
		Estimator: WakeA{Subsample: 10},
		Particles: 50,
	}
	kl0 := kl()
	for range 500 {
		if _, err := w.Step(rnd); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("inclusive KL %.4f → %.5f; a = %.3f (0.8), b = %.3f (0), s² = %.3f (0.2)", kl0, kl(), a.Data[0], b.Data[0], math.Exp(2*c.Data[0]))
	if kl() > 0.01*kl0 {
		t.Errorf("inclusive KL %.4f after fitting, from %.4f", kl(), kl0)
	}
}

func TestWakeRejectsIncompleteSettings(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 1))
	if _, err := (&Wake{}).Step(rnd); err == nil {
		t.Error("Wake without a sampler: no error")
	}
	if err := (&Runs{}).Add(rnd, Run{LogZ: math.NaN()}); err == nil {
		t.Error("run with log Ẑ = NaN: no error")
	}
}
