package models

import (
	"fmt"
	"math"

	"github.com/stochgrad/stochgrad/internal/par"
	"github.com/stochgrad/stochgrad/internal/simd"
	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// bernoulliLogLik returns Σ_d log Bernoulli(x_d; σ(l_d)) = Σ_d x_d·l_d −
// softplus(l_d) over the last axis, for logits l [..., N, D] and data
// x [N, D] in [0, 1] (grey levels give the negative cross-entropy), summed
// in float64. It is one op: where ad.BCEWithLogits and ad.Sum would write
// an [..., N, D] tensor and reduce it, it keeps only the gradient x − σ(l)
// and only when l needs one (held-out evaluation with thousands of draws
// per image needs none), and it sums in float64 whatever T is. No gradient
// flows to x.
func bernoulliLogLik[T ad.Float](logits, x *ad.Tensor[T]) *ad.Tensor[T] {
	if x.Rank() != 2 || logits.Rank() < 2 || logits.Dim(-1) != x.Dim(1) || logits.Dim(-2) != x.Dim(0) {
		panic(fmt.Sprintf("models: Bernoulli log-likelihood of data %v under logits %v; want [N D] and [... N D]", x.Shape(), logits.Shape()))
	}
	d := x.Dim(1)
	rows, nx := logits.Len()/d, x.Dim(0)
	out := ad.Zeros[T](logits.Shape()[:logits.Rank()-1]...)
	var grad []T
	if logits.RequiresGrad() {
		grad = make([]T, logits.Len())
	}
	// Rows are independent: split them across the CPUs when they are many
	// (held-out evaluation has thousands of draws per image).
	par.For(rows*d, func(lo, hi int) {
		exps := make([]float64, d) // e^−|l| of a row, vectorised
		for r := (lo + d - 1) / d; r*d < hi; r++ {
			xr := x.Data[(r%nx)*d : (r%nx+1)*d]
			lr := logits.Data[r*d : (r+1)*d]
			for j, l := range lr {
				exps[j] = -math.Abs(float64(l))
			}
			simd.ExpFloat64s(exps, exps)
			// Σ log(1 + e_j) is taken as the log of the product of the
			// factors 1 + e_j ∈ (1, 2], one logarithm per prodTerms terms
			// instead of one per pixel; the rounding error is the same as
			// that of summing the logarithms.
			s, prod := 0.0, 1.0
			for j, l := range lr {
				v := float64(l)
				e := exps[j]
				s += float64(xr[j])*v - max(v, 0)
				prod *= 1 + e
				if j%prodTerms == prodTerms-1 {
					s -= math.Log(prod)
					prod = 1
				}
				if grad != nil {
					sig := 1 / (1 + e) // σ(|v|)
					if v < 0 {
						sig = e / (1 + e)
					}
					grad[r*d+j] = T(float64(xr[j]) - sig)
				}
			}
			s -= math.Log(prod)
			out.Data[r] = T(s)
		}
	})
	return ad.Custom("models.BernoulliLogLik", out, []*ad.Tensor[T]{logits}, func(g *ad.Tensor[T]) []*ad.Tensor[T] {
		gl := ad.Zeros[T](logits.Shape()...)
		for i := range gl.Data {
			gl.Data[i] = g.Data[i/d] * grad[i]
		}
		return []*ad.Tensor[T]{gl}
	})
}

// prodTerms is the number of factors in (1, 2] bernoulliLogLik multiplies
// before it takes a logarithm: their product stays below 2¹⁰²⁴.
const prodTerms = 1000
