package vi

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// WakeQ is the wake-phase update of the inference network in reweighted
// wake-sleep (Bornschein & Bengio 2015) for any amortised encoder: it
// draws S = samples latents per example from q(z | x) without gradients,
// gives them the self-normalised importance weights
// w̃_s ∝ p(x, z_s)/q(z_s | x), and returns the IWAE(S) bound of those draws
// and the surrogate −(1/N) Σ_n Σ_s w̃_ns log q(z_ns | x_n). The surrogate's
// gradient in q's parameters estimates −E_{p(z|x)} ∇ log q(z | x), the
// gradient of the inclusive KL(p(z | x) ‖ q(z | x)); the generative
// model's parameters get none.
//
// The estimate is biased for finite S (a ratio of two averages) and
// consistent as S grows; with S = 1 every weight is 1 and its expectation
// is zero. Since the draws come from q itself, a q narrower than the
// posterior sees only its own region and is pulled narrower still: the
// circularity that SMC-Wake (toolkit/smc) removes by sampling without q.
func WakeQ[T ad.Float](rnd *rand.Rand, m Model[T], x *ad.Tensor[T], samples int) Estimate[T] {
	if samples < 1 {
		panic(fmt.Sprintf("vi.WakeQ: %d samples; want at least 1", samples))
	}
	if x.Rank() == 0 {
		panic(fmt.Sprintf("vi.WakeQ: data of shape %v; want a leading batch axis", x.Shape()))
	}
	n := x.Dim(0)
	q := m.Guide(x)
	zs := make([]*ad.Tensor[T], samples)
	for i := range zs {
		zs[i] = ad.StopGradient(q.Sample(rnd))
	}
	z := ad.Stack(0, zs...)
	if z.Rank() < 2 || z.Dim(1) != n {
		panic(fmt.Sprintf("vi.WakeQ: the guide's draws have shape %v for a batch of %d; want [%d, ...]", zs[0].Shape(), n, n))
	}
	logp := m.LogJoint(ad.StopGradient(x), z)
	if want := []int{samples, n}; !slices.Equal(logp.Shape(), want) {
		panic(fmt.Sprintf("vi.WakeQ: LogJoint returned shape %v for draws of shape %v; want %v", logp.Shape(), z.Shape(), want))
	}
	logq := sumTrailing(q.LogProb(z), samples, n)

	w := make([]float64, samples*n)
	bound := make([]float64, n)
	lw := make([]float64, samples)
	for j := range n {
		for i := range samples {
			lw[i] = float64(logp.Data[i*n+j]) - float64(logq.Data[i*n+j])
		}
		bound[j] = logMeanExp(lw)
		lse := bound[j] + math.Log(float64(samples))
		for i, v := range lw {
			w[i*n+j] = math.Exp(v - lse)
		}
	}
	return Estimate[T]{Bound: bound, Loss: ad.Neg(weighted(logq, w, 1/float64(n)))}
}
