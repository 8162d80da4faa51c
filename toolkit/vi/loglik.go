package vi

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// LogLikelihood estimates log p(x) for each example of the batch x by
// importance sampling with the guide as proposal,
//
//	log p(x) ≈ log (1/K) Σ_k p(x, z_k) / q(z_k | x),  z_k ~ q(z | x),
//
// the IWAE(K) bound, which is a consistent estimate: its downward bias
// shrinks as 1/K. The IWAE paper reports held-out log-likelihoods with
// K = 5000. The draws are made chunk at a time, so that memory holds
// chunk·N latents and model outputs; chunk ≤ 0 picks about 8192/N. The
// sums are kept in float64 whatever T is.
//
// The model's forward passes record no graph (an ad.Scope with NoGrad);
// q(z | x) is computed once, outside it, so a model whose parameters do
// not require gradients (a float64 copy of a trained one, say) spares that
// graph too. Draws come from q.Sample, in order, chunk after chunk.
func LogLikelihood[T ad.Float](rnd *rand.Rand, m Model[T], x *ad.Tensor[T], samples, chunk int) []float64 {
	if samples < 1 {
		panic(fmt.Sprintf("vi.LogLikelihood: samples = %d, want ≥ 1", samples))
	}
	n := x.Dim(0)
	if chunk <= 0 {
		chunk = max(1, 8192/max(n, 1))
	}
	chunk = min(chunk, samples)
	q := m.Guide(x)
	// Running log-sum-exp per example: maximum and scaled sum.
	mx := make([]float64, n)
	sum := make([]float64, n)
	for j := range mx {
		mx[j] = math.Inf(-1)
	}
	zs := make([]*ad.Tensor[T], chunk)
	for done := 0; done < samples; done += chunk {
		c := min(chunk, samples-done)
		for i := range c {
			zs[i] = q.Sample(rnd)
		}
		// Each chunk's forward pass runs in a scope of its own without a
		// graph, whose storage the next chunk reuses.
		s := &ad.Scope{NoGrad: true}
		z := ad.In(s, ad.Stack(0, zs[:c]...))
		logp := m.LogJoint(ad.In(s, x), z)
		if want := []int{c, n}; !slices.Equal(logp.Shape(), want) {
			panic(fmt.Sprintf("vi.LogLikelihood: LogJoint returned shape %v for draws of shape %v; want %v", logp.Shape(), z.Shape(), want))
		}
		logq := sumTrailing(q.LogProb(z), c, n)
		for i := range c {
			for j := range n {
				lw := float64(logp.Data[i*n+j]) - float64(logq.Data[i*n+j])
				switch {
				case lw <= mx[j]:
					sum[j] += math.Exp(lw - mx[j])
				case math.IsInf(mx[j], -1):
					mx[j], sum[j] = lw, 1
				default:
					sum[j] = sum[j]*math.Exp(mx[j]-lw) + 1
					mx[j] = lw
				}
			}
		}
		s.Release()
	}
	out := make([]float64, n)
	for j := range out {
		out[j] = mx[j] + math.Log(sum[j]/float64(samples))
	}
	return out
}
