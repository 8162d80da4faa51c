package estimators

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
	"github.com/stochgrad/stochgrad/toolkit/solvers"
)

// GumbelSoftmaxTopK is the Gumbel-Softmax top-k estimator for k-subsets
// (Xie and Ermon 2019), the relaxed baseline of the k-subset experiments
// of the I-MLE and AIMLE papers: the k-hot sample of a
// distributions.SubsetTopK, the top k of the perturbed logits l + g, g
// standard Gumbel, is replaced by its relaxation RelaxedTopK(l + g, k, τ),
// and the gradient is the pathwise gradient of mean_s f(y_s). It is biased
// for the discrete objective; the bias vanishes and the variance grows as
// τ → 0.
//
// With Hard set it is the straight-through version: f sees the k-hot top k
// of l + g, a draw of the SubsetTopK, and the gradient flows as if it had
// seen the relaxation.
type GumbelSoftmaxTopK[T ad.Float] struct {
	// Temperature τ > 0. Zero means 1.
	Temperature T
	// Hard evaluates f at k-hot samples (straight-through).
	Hard bool
	// Samples is the number S of samples. Zero means 1.
	Samples int
}

// Check reports whether p is a distributions.SubsetTopK and the settings
// are valid.
func (g GumbelSoftmaxTopK[T]) Check(p distributions.Sampler[T]) error {
	const op = "GumbelSoftmaxTopK"
	if _, _, ok := subsetOf(p); !ok {
		return unsupported(op, "%s is not a distributions.SubsetTopK with logits", typeName(p))
	}
	if !(g.Temperature >= 0) || math.IsInf(float64(g.Temperature), 1) {
		return unsupported(op, "Temperature is %v; it must be finite and > 0 (0 means 1)", g.Temperature)
	}
	return checkSamples(op, "Samples", g.Samples, 1)
}

// Estimate returns the estimate for a distributions.SubsetTopK with logits
// of shape [...batch, n]; f receives the relaxed (or, with Hard, k-hot)
// samples of shape [S, ...batch, n], differentiable in the logits, and
// returns shape [S] or [S, batch...]. Value is the mean of f at the points
// where it was evaluated: an estimate of the relaxed objective, or with
// Hard of the discrete one. Each sample draws its Gumbel noise as
// distributions.StandardGumbel.Noise of the logits' shape, as
// SubsetTopK.Sample does, so that with Hard the samples are the
// SubsetTopK's draws from the same generator.
func (g GumbelSoftmaxTopK[T]) Estimate(rnd *rand.Rand, p distributions.Sampler[T], f Func[T]) Estimate[T] {
	const op = "GumbelSoftmaxTopK"
	must(g.Check(p))
	logits, k, _ := subsetOf(p)
	tau := temperatureOr(op, g.Temperature)
	n := max(g.Samples, 1)
	ys := make([]*ad.Tensor[T], n)
	for s := range ys {
		keys := ad.Add(logits, distributions.StandardGumbel[T]{}.Noise(rnd, logits.Shape()...))
		ys[s] = RelaxedTopK(keys, k, tau)
		if g.Hard {
			ys[s] = ad.StraightThrough(topKHot(keys, k), ys[s])
		}
	}
	return pathwiseEstimate(op, f, ad.Stack(0, ys...), n)
}

// RelaxedTopK returns Xie and Ermon's (2019) continuous relaxation of the
// k-hot top k of keys along the last axis: k successive softmaxes at
// temperature τ, each after lowering the keys by the mass already taken,
//
//	a¹ = softmax(keys/τ),  keysʲ⁺¹ = keysʲ + log(1 − aʲ),  aʲ⁺¹ = softmax(keysʲ⁺¹/τ),
//
// summed, y = Σ_j aʲ. Each row of y is nonnegative and sums to k, and as
// τ → 0 it tends to the k-hot top k of the keys (distinct keys). For τ
// that is not small against the gaps between keys, entries may exceed 1:
// keys (20, 0, 0) with k = 2 and τ = 1 give y ≈ (1.5, 0.25, 0.25). As the
// reference implementations, 1 − aʲ is floored at the smallest normal
// float32, 2⁻¹²⁶, where the gradient stops.
func RelaxedTopK[T ad.Float](keys *ad.Tensor[T], k int, tau T) *ad.Tensor[T] {
	n := keys.Dim(-1)
	if k < 1 || k > n {
		panic(fmt.Sprintf("estimators.RelaxedTopK: k = %d outside [1, %d] for keys of shape %v", k, n, keys.Shape()))
	}
	if !(tau > 0) || math.IsInf(float64(tau), 1) {
		panic(fmt.Sprintf("estimators.RelaxedTopK: temperature %v; it must be finite and > 0", tau))
	}
	const tiny = 0x1p-126 // the smallest normal float32, the references' floor
	axis := keys.Rank() - 1
	a := ad.Softmax(ad.MulScalar(keys, 1/tau), axis)
	y := a
	for range k - 1 {
		keys = ad.Add(keys, ad.Log(ad.Clamp(ad.AddScalar(ad.Neg(a), 1), tiny, 1)))
		a = ad.Softmax(ad.MulScalar(keys, 1/tau), axis)
		y = ad.Add(y, a)
	}
	return y
}

// topKHot returns the k-hot top k of t along its last axis, ties going to
// the lower index as in distributions.SubsetTopK.SampleOrdered.
func topKHot[T ad.Float](t *ad.Tensor[T], k int) *ad.Tensor[T] {
	n := t.Dim(-1)
	out := ad.Zeros[T](t.Shape()...)
	for r := 0; r < t.Len(); r += n {
		solvers.TopK[T]{K: k}.Solve(out.Data[r:r+n], t.Data[r:r+n])
	}
	return out
}

// subsetOf returns the logits and subset size of a SubsetTopK (value or
// pointer).
func subsetOf[T ad.Float](p distributions.Sampler[T]) (l *ad.Tensor[T], k int, ok bool) {
	switch d := p.(type) {
	case distributions.SubsetTopK[T]:
		return d.Logits, d.K, d.Logits != nil
	case *distributions.SubsetTopK[T]:
		if d != nil {
			return d.Logits, d.K, d.Logits != nil
		}
	}
	return nil, 0, false
}
