package smc_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/smc"
)

// A conjugate model: z ~ N(0, 1), x | z ~ N(z, 0.5²), observed x = 2. The
// evidence is N(2; 0, 1.25), log Z = −2.63, and the posterior N(1.6, 0.2).
func ExampleSampler() {
	prior := smc.AD(func(z *ad.Tensor[float64]) *ad.Tensor[float64] {
		return ad.AddScalar(ad.MulScalar(ad.Sum(ad.Square(z), 1), -0.5), -0.5*math.Log(2*math.Pi))
	})
	lik := smc.AD(func(z *ad.Tensor[float64]) *ad.Tensor[float64] {
		r := ad.MulScalar(ad.AddScalar(z, -2), 1/0.5)
		return ad.AddScalar(ad.MulScalar(ad.Sum(ad.Square(r), 1), -0.5), -math.Log(0.5)-0.5*math.Log(2*math.Pi))
	})
	s := smc.Sampler{
		Prior:     prior,
		LogLik:    lik,
		Tempering: smc.Adaptive{Fraction: 0.5},
		Resampler: smc.Systematic{},
		Kernel:    smc.MALA{Steps: 5},
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	x := smc.NewParticles(5000, 1)
	for i := range x.X {
		x.X[i] = rnd.NormFloat64()
	}
	st, infos, err := s.Run(rnd, x)
	if err != nil {
		fmt.Println(err)
		return
	}
	var mean float64
	for i, lw := range st.LogW {
		mean += math.Exp(lw) * st.X.X[i]
	}
	last := infos[len(infos)-1]
	fmt.Printf("final temperature %v after %d stages\n", last.Temperature, len(infos))
	fmt.Printf("log Z ≈ %.1f, posterior mean ≈ %.1f\n", st.LogZ, mean)
	// Output:
	// final temperature 1 after 3 stages
	// log Z ≈ -2.6, posterior mean ≈ 1.6
}
