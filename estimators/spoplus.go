package estimators

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/solvers"
)

// SPOPlusLoss is the SPO+ loss of Elmachtoub and Grigas (2022, "Smart
// 'Predict, then Optimize'"), a convex surrogate of the regret of deciding
// with predicted costs ĉ when the true costs are c. For a minimiser,
// with z*(c) = argmin_z ⟨c, z⟩,
//
//	ℓ(ĉ, c) = max_z ⟨c − 2ĉ, z⟩ + 2⟨ĉ, z*(c)⟩ − ⟨c, z*(c)⟩
//	        = ⟨2ĉ − c, z*(c) − z*(2ĉ − c)⟩ ≥ 0,
//	∇ĉ ℓ   = 2(z*(c) − z*(2ĉ − c)),
//
// a subgradient: ℓ is a maximum of functions affine in ĉ, hence convex, and
// the gradient is exact wherever z*(2ĉ − c) is unique. For a maximiser
// (Minimize false, θ̂ and θ scores, z*(θ) = argmax ⟨θ, z⟩) it is InferOpt.jl's
// SPOPlusLoss: ℓ = ⟨2θ̂ − θ, z*(2θ̂ − θ) − z*(θ)⟩ with gradient
// 2(z*(2θ̂ − θ) − z*(θ)), the same loss under θ = −c.
//
// Both properties need an exact solver: solvers.ShortestPath floors negative
// costs at zero, so with it ℓ is exact only while 2ĉ − c ≥ 0.
type SPOPlusLoss[T ad.Float] struct {
	Solver solvers.Solver[T]
	// Minimize says that Solver minimises ⟨c, z⟩ and the inputs are costs.
	Minimize bool
}

// Loss returns the per-instance losses, of shape [B], of the predictions
// pred ([B, ...], or one instance [D] giving [1]) against the true costs or
// scores truth of the same shape. Gradients flow to pred only. It makes two
// solver calls per instance and draws nothing: rnd, which the Loss
// interface passes, may be nil.
func (l SPOPlusLoss[T]) Loss(_ *rand.Rand, pred, truth *ad.Tensor[T]) *ad.Tensor[T] {
	if l.Solver == nil {
		panic("estimators: SPOPlusLoss.Loss: nil Solver")
	}
	if !slices.Equal(pred.Shape(), truth.Shape()) {
		panic(fmt.Sprintf("estimators: SPOPlusLoss.Loss: pred of shape %v, truth of shape %v", pred.Shape(), truth.Shape()))
	}
	b, d, _ := solverLayout("SPOPlusLoss.Loss", pred, 1)
	n := b * d
	zTrue := make([]T, n)
	solvers.Batch(l.Solver, zTrue, truth.Data, d)
	w := make([]T, n) // 2ĉ − c
	for i, v := range pred.Data {
		w[i] = 2*v - truth.Data[i]
	}
	zw := make([]T, n)
	solvers.Batch(l.Solver, zw, w, d)
	sgn := T(1)
	if l.Minimize {
		sgn = -1
	}
	loss, grad := make([]T, b), make([]T, n)
	for bi := range b {
		var s float64
		for j := bi * d; j < (bi+1)*d; j++ {
			dz := zw[j] - zTrue[j]
			s += float64(w[j]) * float64(dz)
			grad[j] = 2 * sgn * dz
		}
		loss[bi] = sgn * T(s)
	}
	return instanceLoss("SPOPlusLoss", loss, grad, pred)
}
