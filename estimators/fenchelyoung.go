package estimators

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// FenchelYoungLayer is a prediction layer ŷ(θ) = ∇F(θ) with a Fenchel-Young
// loss, such as PerturbedAdditive and PerturbedMultiplicative.
type FenchelYoungLayer[T ad.Float] interface {
	// FenchelYoung returns, for each instance of theta (rows of dim
	// values) and target y of the same shape, an estimate of the loss
	// F(θ) − ⟨θ, y⟩ and of its gradient with respect to θ.
	FenchelYoung(rnd *rand.Rand, theta, y []T, dim int) (loss, grad []T)
}

// FenchelYoungLoss is the Fenchel-Young loss of a layer (Blondel, Martins
// and Niculae 2020; Berthet et al. 2020), InferOpt.jl's
// FenchelYoungLoss(layer): for the perturbed maximiser with
// F(θ) = E[max_z ⟨η(θ, Z), z⟩],
//
//	ℓ(θ; y) = F(θ) − ⟨θ, y⟩,     ∇θ ℓ = ŷ(θ) − y,
//
// which is convex in θ and, like InferOpt, leaves out the constant Ω(y)
// (Ω = F*, which is ≤ 0 on feasible points, so ℓ is at least the full
// Fenchel-Young loss and ℓ ≥ 0 for feasible y). No solver call is needed for
// the gradient beyond the perturbed forward samples.
//
// The perturbed layers estimate ℓ by mean_m ⟨η_m, y_m − y⟩ with
// y_m = MAP(η_m): this is ≥ 0 for every draw when y is feasible (each term
// compares the maximiser with y), and unbiased because E[η] = θ for both
// perturbations. The gradient is the derivative of that estimate at fixed
// noise: mean_m (y_m − y) = ŷ − y for PerturbedAdditive, and
// mean_m exp(εZ_m − ε²/2) ⊙ (y_m − y) for PerturbedMultiplicative.
type FenchelYoungLoss[T ad.Float] struct {
	Layer FenchelYoungLayer[T]
}

// Loss returns the per-instance losses, of shape [B], of the scores theta
// ([B, ...], or one instance [D] giving shape [1]) against the targets y of
// the same shape (0/1 indicators of feasible solutions). Gradients flow to
// theta only.
//
// Randomness: what the layer's FenchelYoung draws (for the perturbed
// layers, B·M·D standard normals).
func (l FenchelYoungLoss[T]) Loss(rnd *rand.Rand, theta, y *ad.Tensor[T]) *ad.Tensor[T] {
	if l.Layer == nil {
		panic("estimators: FenchelYoungLoss.Loss: nil Layer")
	}
	if !slices.Equal(theta.Shape(), y.Shape()) {
		panic(fmt.Sprintf("estimators: FenchelYoungLoss.Loss: theta of shape %v, y of shape %v", theta.Shape(), y.Shape()))
	}
	b, d, _ := solverLayout("FenchelYoungLoss.Loss", theta, 1)
	loss, grad := l.Layer.FenchelYoung(rnd, theta.Data, y.Data, d)
	if len(loss) != b || len(grad) != b*d {
		panic(fmt.Sprintf("estimators: FenchelYoungLoss.Loss: layer returned %d losses and %d gradients for %d instances of size %d", len(loss), len(grad), b, d))
	}
	return instanceLoss("FenchelYoungLoss", loss, grad, theta)
}

// instanceLoss records per-instance losses [B] whose gradient with respect to
// theta is grad (row b scaled by the cotangent of loss b).
func instanceLoss[T ad.Float](op string, loss, grad []T, theta *ad.Tensor[T]) *ad.Tensor[T] {
	b := len(loss)
	out := ad.New(loss, b)
	if !theta.RequiresGrad() {
		return out
	}
	d := len(grad) / max(b, 1)
	return ad.Custom(op, out, []*ad.Tensor[T]{theta}, func(g *ad.Tensor[T]) []*ad.Tensor[T] {
		gt := make([]T, len(grad))
		for bi, c := range g.Data {
			for j := range d {
				gt[bi*d+j] = c * grad[bi*d+j]
			}
		}
		return []*ad.Tensor[T]{ad.New(gt, theta.Shape()...)}
	})
}
