package vi

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
)

// Model is a latent-variable model p(x, z) with an inference network
// q(z | x).
type Model[T ad.Float] interface {
	// Guide returns q(z | x) for a batch x of N examples: a distribution
	// whose draws have shape [N, ...], one latent per example. It is a
	// distributions.RSampler for reparameterised gradients; any other
	// distribution is trained by the score function.
	Guide(x *ad.Tensor[T]) distributions.Distribution[T]
	// LogJoint returns log p(x, z) of shape [S, N] for the batch x and
	// draws z of shape [S, N, ...], differentiable in the model's
	// parameters and in z.
	LogJoint(x, z *ad.Tensor[T]) *ad.Tensor[T]
}

// Detacher is a distribution that returns itself with its parameters cut
// from the graph, as DReG needs for q. Normal is handled without it.
type Detacher[T ad.Float] interface {
	Detach() distributions.Distribution[T]
}

// Estimate is a Monte Carlo estimate of a bound over a batch.
type Estimate[T ad.Float] struct {
	// Bound holds the estimate of the bound for each example, in nats,
	// computed outside any graph.
	Bound []float64
	// Loss is a scalar surrogate to minimise: its gradient is minus the
	// gradient estimate of the batch mean of the bound. Its value is not
	// the bound.
	Loss *ad.Tensor[T]
}

// Mean returns the mean of Bound over the batch.
func (e Estimate[T]) Mean() float64 {
	s := 0.0
	for _, b := range e.Bound {
		s += b
	}
	return s / float64(len(e.Bound))
}

// Evaluate draws obj.Samples() latents per example of the batch x from
// m.Guide(x) and returns obj's estimate and the surrogate loss of its
// gradient.
//
// When q is reparameterised, the draws carry gradients and the loss
// differentiates the bound through them; a DReG objective replaces the
// inference network's gradient by the doubly-reparameterised one, and a
// GuideObjective (PIWAE) trains q on its Guide objective. When q is not
// reparameterised, the generative model's gradient is the same, and q's is
// the score function with VIMCO's leave-one-out baseline: each draw's
// learning signal is the objective minus the objective with that draw's
// log-weight replaced by the mean of the others. With a single draw there
// is no baseline.
func Evaluate[T ad.Float](rnd *rand.Rand, m Model[T], x *ad.Tensor[T], obj Objective) Estimate[T] {
	dreg := false
	if d, ok := obj.(DReG); ok {
		dreg, obj = true, d.Objective
		if obj == nil {
			panic("vi.Evaluate: DReG with a nil Objective")
		}
	}
	guideObj := obj
	if g, ok := obj.(GuideObjective); ok {
		guideObj = g.Guide()
		if guideObj.Samples() != obj.Samples() {
			panic(fmt.Sprintf("vi.Evaluate: %T draws %d samples but its guide objective %T draws %d", obj, obj.Samples(), guideObj, guideObj.Samples()))
		}
	}
	s := obj.Samples()
	if x.Rank() == 0 {
		panic(fmt.Sprintf("vi.Evaluate: data of shape %v; want a leading batch axis", x.Shape()))
	}
	n := x.Dim(0)
	q := m.Guide(x)
	rs, reparam := q.(distributions.RSampler[T])
	if dreg && !reparam {
		panic(fmt.Sprintf("vi.Evaluate: DReG needs a reparameterised guide; %T is not a distributions.RSampler", q))
	}

	zs := make([]*ad.Tensor[T], s)
	for i := range zs {
		if reparam {
			zs[i] = rs.RSample(rnd)
		} else {
			zs[i] = q.Sample(rnd)
		}
	}
	z := ad.Stack(0, zs...)
	if z.Rank() < 2 || z.Dim(1) != n {
		panic(fmt.Sprintf("vi.Evaluate: the guide's draws have shape %v for a batch of %d; want [%d, ...]", zs[0].Shape(), n, n))
	}

	// With a reparameterised q, z's gradient into log p is rescaled per draw
	// so that one pass through the model serves both networks: the model's
	// parameters get coefficient a (obj), the path through z coefficient c
	// (guide objective, or DReG). The ratios c/a are known only once the
	// log-weights are, so scaleGrad reads them at backward time.
	var ratio []float64
	zp := z
	if reparam {
		ratio = make([]float64, s*n)
		zp = scaleGrad(z, ratio)
	}
	logp := m.LogJoint(x, zp)
	if want := []int{s, n}; !slices.Equal(logp.Shape(), want) {
		panic(fmt.Sprintf("vi.Evaluate: LogJoint returned shape %v for draws of shape %v; want %v", logp.Shape(), z.Shape(), want))
	}
	logq := sumTrailing(q.LogProb(z), s, n)

	a := make([]float64, s*n) // ∂obj/∂lw: the generative model's coefficients
	c := make([]float64, s*n) // the inference network's coefficients
	b := make([]float64, s*n) // score-function learning signals (discrete q)
	bound := make([]float64, n)
	lw, ga, gc, dd := make([]float64, s), make([]float64, s), make([]float64, s), make([]float64, s)
	var diag []float64
	if dreg {
		diag = dd
	}
	for j := range n {
		for i := range s {
			lw[i] = float64(logp.Data[i*n+j]) - float64(logq.Data[i*n+j])
		}
		bound[j] = obj.Value(lw)
		obj.Grad(lw, ga, nil)
		guideObj.Grad(lw, gc, diag)
		for i := range s {
			a[i*n+j], c[i*n+j] = ga[i], gc[i]
			if dreg {
				// ∇_φ of the bound = E[Σ (a_s − ∂a_s/∂lw_s) ∂lw_s/∂z_s ∂z_s/∂φ]
				// with q's parameters held fixed in lw (Tucker et al. eq. 5,
				// generalised to any objective of the log-weights).
				c[i*n+j] = gc[i] - dd[i]
			}
		}
		if !reparam {
			base := guideObj.Value(lw)
			for i := range s {
				b[i*n+j] = base - leaveOneOut(guideObj, lw, i)
			}
		}
	}

	inv := 1 / float64(n)
	var sur *ad.Tensor[T]
	if reparam {
		for i := range ratio {
			switch {
			case c[i] == a[i]:
				ratio[i] = 1
			case a[i] != 0:
				ratio[i] = c[i] / a[i]
			default:
				// a underflowed where c did not: the draw has no weight for
				// the model and its path gradient is lost (exp(−745) scale).
				ratio[i] = 0
			}
		}
		lq := logq
		if dreg {
			lq = sumTrailing(detach(q).LogProb(z), s, n)
		}
		sur = ad.Sub(weighted(logp, a, inv), weighted(lq, c, inv))
	} else {
		for i := range b {
			b[i] -= c[i]
		}
		sur = ad.Add(weighted(logp, a, inv), weighted(logq, b, inv))
	}
	return Estimate[T]{Bound: bound, Loss: ad.Neg(sur)}
}

// leaveOneOut returns obj at lw with lw[i] replaced by the mean of the
// others (0 when there are none), restoring lw.
func leaveOneOut(obj Objective, lw []float64, i int) float64 {
	if len(lw) == 1 {
		return 0
	}
	keep := lw[i]
	s := 0.0
	for k, v := range lw {
		if k != i {
			s += v
		}
	}
	lw[i] = s / float64(len(lw)-1)
	v := obj.Value(lw)
	lw[i] = keep
	return v
}

// weighted returns Σ w_i·t_i·scale over all elements of t, w outside the
// graph.
func weighted[T ad.Float](t *ad.Tensor[T], w []float64, scale float64) *ad.Tensor[T] {
	wt := ad.Zeros[T](t.Shape()...)
	for i, v := range w {
		wt.Data[i] = T(v * scale)
	}
	return ad.Sum(ad.Mul(t, wt))
}

// sumTrailing sums t, of shape [S, N, ...], over its axes after the first
// two, returning [S, N].
func sumTrailing[T ad.Float](t *ad.Tensor[T], s, n int) *ad.Tensor[T] {
	if t.Rank() < 2 || t.Dim(0) != s || t.Dim(1) != n {
		panic(fmt.Sprintf("vi: the guide's log-probability of draws [%d, %d, ...] has shape %v", s, n, t.Shape()))
	}
	if t.Rank() == 2 {
		return t
	}
	return ad.Sum(ad.Reshape(t, s, n, t.Len()/(s*n)), 2)
}

// detach returns q with its parameters cut from the graph.
func detach[T ad.Float](q distributions.Distribution[T]) distributions.Distribution[T] {
	switch d := q.(type) {
	case distributions.Normal[T]:
		return distributions.Normal[T]{Mu: ad.StopGradient(d.Mu), Sigma: ad.StopGradient(d.Sigma)}
	case *distributions.Normal[T]:
		return distributions.Normal[T]{Mu: ad.StopGradient(d.Mu), Sigma: ad.StopGradient(d.Sigma)}
	case Detacher[T]:
		return d.Detach()
	}
	panic(fmt.Sprintf("vi.Evaluate: DReG cannot detach the parameters of %T; implement vi.Detacher", q))
}

// scaleGrad returns z unchanged, with the gradient reaching z through it
// multiplied by ratio[i] on the elements of draw-and-example i (z has shape
// [S, N, ...] and len(ratio) == S·N). ratio is read when the gradient is
// computed, not when scaleGrad is called.
func scaleGrad[T ad.Float](z *ad.Tensor[T], ratio []float64) *ad.Tensor[T] {
	rows := len(ratio)
	if rows == 0 || z.Len()%rows != 0 {
		panic(fmt.Sprintf("vi: scaleGrad: %d ratios for a tensor of shape %v", rows, z.Shape()))
	}
	width := z.Len() / rows
	return ad.Custom("vi.scaleGrad", ad.StopGradient(z).Clone(), []*ad.Tensor[T]{z}, func(g *ad.Tensor[T]) []*ad.Tensor[T] {
		gz := ad.Zeros[T](z.Shape()...)
		for i, v := range g.Data {
			gz.Data[i] = T(float64(v) * ratio[i/width])
		}
		return []*ad.Tensor[T]{gz}
	})
}
