package models_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/models"
	"github.com/stochgrad/stochgrad/toolkit/nn"
	"github.com/stochgrad/stochgrad/toolkit/optim"
)

// Train a small VAE on two repeated 8-pixel patterns.
func ExampleVAE() {
	rnd := rand.New(rand.NewPCG(1, 2))
	x := ad.New([]float64{
		1, 1, 1, 1, 0, 0, 0, 0,
		0, 0, 0, 0, 1, 1, 1, 1,
		1, 1, 1, 1, 0, 0, 0, 0,
		0, 0, 0, 0, 1, 1, 1, 1,
	}, 4, 8)
	vae := models.NewVAE[float64](rnd, []int{8, 16, 2}, nil) // 8 → 16 → (μ, log σ²) of 2
	opt := &optim.Adam[float64]{LR: 0.01}
	loss := func() *ad.Tensor[float64] { return ad.Neg(ad.Mean(vae.ELBO(rnd, x))) }

	fmt.Printf("−ELBO before: %.1f nats\n", loss().Item())
	for range 300 {
		nn.ZeroGrad(vae)
		l := loss()
		l.Backward()
		if err := opt.Step(vae.Params()); err != nil {
			fmt.Println(err)
			return
		}
	}
	// Two equally likely patterns: log p(x) is at best log ½ ≈ −0.7 nats.
	fmt.Printf("−ELBO after: %.1f nats\n", loss().Item())
	// Output:
	// −ELBO before: 6.7 nats
	// −ELBO after: 1.1 nats
}
