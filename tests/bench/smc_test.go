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
// torch_smc_tempered.py. It also reports the stages per run and the
// mean error of log Ẑ.
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
	// The weights use only the likelihood, whose constant is omitted, so
	// the evidence estimated is E_prior e^{−|z−x|²/2} = 2^{−D/2} e^{−D/4}.
	logZ := -0.5*smcDims*math.Ln2 - smcDims/4.0
	stages, logZErr := 0, 0.0
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
		logZErr += st.LogZ - logZ
	}
	b.ReportMetric(float64(stages)/float64(b.N), "stages/op")
	// log Ẑ − log Z, a check on the run: about −1.7 here, below 0 since
	// five random-walk moves per stage mix imperfectly in 50 dimensions.
	b.ReportMetric(logZErr/float64(b.N), "logZ-error")
}
