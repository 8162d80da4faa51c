package estimators

import (
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
)

// ThroughLayer is the estimator of a Layer: f is evaluated at z =
// Layer.Apply(θ) and differentiated through the layer's backward pass (the
// I-MLE, Adaptive I-MLE or perturbed-optimizer gradient), θ being the
// logits of p. Each sample passes the layer its own ∂f/∂z_s (the layer
// averages over its samples), so I-MLE's step λ keeps its meaning whatever
// the number of samples. It lets layers join comparisons of estimators; the layer
// decides the number of samples (IMLE.Samples, PerturbedAdditive.Samples).
//
// p must carry logits: distributions.Bernoulli, distributions.Categorical,
// distributions.SubsetTopK (the usual pairing with I-MLE over solvers.TopK)
// or Structured. Logits of shape [D] give f samples of shape [S, D]; logits
// of shape [B, D] give [S, B, D] (the layer's [B, S, D] with the sample axis
// moved first), so f may return per-example values [S, B]. With
// PerturbedAdditive and PerturbedMultiplicative, which return the mean of
// their samples, S is 1.
type ThroughLayer[T ad.Float] struct {
	Layer Layer[T]
}

// Check reports whether p has logits the layer can take.
func (t ThroughLayer[T]) Check(p distributions.Sampler[T]) error {
	const op = "ThroughLayer"
	if t.Layer == nil {
		return unsupported(op, "nil Layer")
	}
	l := layerLogits(p)
	if l == nil {
		return unsupported(op, "%s carries no logits", typeName(p))
	}
	if l.Rank() != 1 && l.Rank() != 2 {
		return unsupported(op, "logits of shape %v; they must be [D] or [B, D]", l.Shape())
	}
	return nil
}

// Estimate returns the estimate for p's logits. Randomness: whatever the
// layer's Apply draws.
func (t ThroughLayer[T]) Estimate(rnd *rand.Rand, p distributions.Sampler[T], f Func[T]) Estimate[T] {
	const op = "ThroughLayer"
	must(t.Check(p))
	theta := layerLogits(p)
	z := t.Layer.Apply(rnd, theta)
	switch {
	case theta.Rank() == 1 && z.Rank() == 1: // the mean of the samples
		z = ad.Reshape(z, 1, -1)
	case theta.Rank() == 2 && z.Rank() == 2:
		z = ad.Reshape(z, 1, z.Dim(0), z.Dim(1))
	case theta.Rank() == 2:
		z = ad.Permute(z, 1, 0, 2)
	}
	n := z.Dim(0)
	// The layers' backward passes average over their samples themselves
	// (IMLE's g = mean_s (z_s − z'_s)/λ), taking each sample's incoming
	// gradient dy_s = ∂f/∂z_s at its own scale, the scale λ refers to: so
	// the surrogate sums f over the samples, and only Value averages.
	fz := evalFunc(op, f, z, n)
	return Estimate[T]{Value: sampleMeanValue(fz), Surrogate: ad.Sum(fz), Samples: n}
}

// layerLogits returns the logits of p, or nil.
func layerLogits[T ad.Float](p distributions.Sampler[T]) *ad.Tensor[T] {
	if l, _, ok := logitsOf(p); ok {
		return l
	}
	switch d := p.(type) {
	case distributions.SubsetTopK[T]:
		return d.Logits
	case *distributions.SubsetTopK[T]:
		if d != nil {
			return d.Logits
		}
	case Structured[T]:
		return d.Logits
	case *Structured[T]:
		if d != nil {
			return d.Logits
		}
	}
	return nil
}
