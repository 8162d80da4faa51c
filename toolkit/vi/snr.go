package vi

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// GradientSNR returns the signal-to-noise ratio |E[g]| / sd(g) of every
// entry g of the gradient estimates of obj's bound with respect to params,
// over reps independent estimates on the batch x, flattened in the order
// of params: the quantity Rainforth et al. (2018) show falls as 1/√K for
// the inference network's IWAE gradient and rises as √K for the
// generative model's. The gradients of params are zeroed before and after.
// It panics if reps < 2.
func GradientSNR[T ad.Float](rnd *rand.Rand, m Model[T], x *ad.Tensor[T], obj Objective, params []*ad.Tensor[T], reps int) []float64 {
	if reps < 2 {
		panic(fmt.Sprintf("vi.GradientSNR: reps = %d, want ≥ 2", reps))
	}
	size := 0
	for _, p := range params {
		size += p.Len()
		p.ZeroGrad()
	}
	sum, sum2 := make([]float64, size), make([]float64, size)
	for range reps {
		Evaluate(rnd, m, x, obj).Loss.Backward()
		k := 0
		for _, p := range params {
			for i := range p.Len() {
				var g float64
				if p.Grad != nil {
					g = float64(p.Grad[i])
				}
				sum[k] += g
				sum2[k] += g * g
				k++
			}
			p.ZeroGrad()
		}
	}
	out := make([]float64, size)
	n := float64(reps)
	for k := range out {
		mean := sum[k] / n
		v := (sum2[k] - n*mean*mean) / (n - 1)
		out[k] = math.Abs(mean) / math.Sqrt(max(v, 0))
	}
	return out
}
