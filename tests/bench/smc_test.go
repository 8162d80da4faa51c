package bench

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stochgrad/stochgrad/toolkit/smc"
)

// Sizes of BenchmarkTemperedSMC and its twin torch_smc_tempered.py.
const smcParticles, smcDims, smcMoves = 1000, 50, 5

// BenchmarkTemperedSMC is one run of adaptive likelihood-tempered SMC in
// float64 from the prior to the posterior: 1,000 particles in 50
// dimensions, prior N(0, I), a Gaussian likelihood N(x; z, I) with x_j = 1,
// the next temperature by bisection on the weighted ESS (K/2), systematic
// resampling, and 5 random-walk Metropolis moves per stage whose scale is
// 2.38/√D times each dimension's particle spread. Its PyTorch twin is
// torch_smc_tempered.py.
func BenchmarkTemperedSMC(b *testing.B) {
	prior := smc.DensityFunc(func(dst []float64, z smc.Particles) {
		for i := range z.K {
			var s float64
			for _, v := range z.Row(i) {
				s += v * v
			}
			dst[i] = -0.5 * s
		}
	})
	lik := smc.DensityFunc(func(dst []float64, z smc.Particles) {
		for i := range z.K {
			var s float64
			for _, v := range z.Row(i) {
				s += (v - 1) * (v - 1)
			}
			dst[i] = -0.5 * s
		}
	})
	s := smc.Sampler{Prior: prior, LogLik: lik, Resampler: smc.Systematic{}, Kernel: smc.RandomWalk{Steps: smcMoves}}
	rnd := rand.New(rand.NewPCG(1, 2))
	x := smc.NewParticles(smcParticles, smcDims)
	stages := 0
	b.ReportAllocs()
	for b.Loop() {
		for i := range x.X {
			x.X[i] = rnd.NormFloat64()
		}
		st, infos, err := s.Run(rnd, x)
		if err != nil {
			b.Fatal(err)
		}
		if st.Temperature != 1 || math.IsNaN(st.LogZ) {
			b.Fatalf("run ended at temperature %g with log Z %g", st.Temperature, st.LogZ)
		}
		stages += len(infos)
	}
	b.ReportMetric(float64(stages)/float64(b.N), "stages/op")
}
