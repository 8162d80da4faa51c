package models_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/models"
	"github.com/stochgrad/stochgrad/toolkit/optim"
	"github.com/stochgrad/stochgrad/toolkit/vi"
)

// Train a small VAE on two 8-pixel patterns with the IWAE(5) bound and the
// doubly-reparameterised gradient, and estimate its log-likelihood by
// importance sampling.
func ExampleStackedVAE() {
	rnd := rand.New(rand.NewPCG(1, 2))
	x := ad.New([]float64{
		1, 1, 1, 1, 0, 0, 0, 0,
		0, 0, 0, 0, 1, 1, 1, 1,
		1, 1, 1, 1, 0, 0, 0, 0,
		0, 0, 0, 0, 1, 1, 1, 1,
	}, 4, 8)
	vae := models.NewStackedVAE[float64](rnd, 8, []models.StochasticLayer{{Hidden: []int{16}, Units: 2}}, ad.Tanh)
	opt := &optim.Adam[float64]{LR: 0.01}
	logLik := func() float64 {
		ll := vi.LogLikelihood(rnd, models.ConvertStackedVAE(vae, ad.Tanh[float64]), x, 1000, 0)
		return (ll[0] + ll[1] + ll[2] + ll[3]) / 4
	}
	fmt.Printf("log p(x) before: %.1f nats\n", logLik())
	for range 300 {
		est := vi.Evaluate(rnd, vae, x, vi.DReG{Objective: vi.IWAE{K: 5}})
		for _, p := range vae.Params() {
			p.ZeroGrad()
		}
		est.Loss.Backward()
		if err := opt.Step(vae.Params()); err != nil {
			fmt.Println(err)
			return
		}
	}
	// Two equally likely patterns: log p(x) is at best log ½ ≈ −0.7 nats.
	fmt.Printf("log p(x) after: %.1f nats\n", logLik())
	// Output:
	// log p(x) before: -5.4 nats
	// log p(x) after: -0.9 nats
}
