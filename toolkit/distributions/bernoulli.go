package distributions

import (
	"math"
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/internal/mathx"
	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// Bernoulli is a tensor of independent Bernoulli variables with
// P(x=1) = σ(Logits). Infinite logits are allowed: −Inf is probability 0 and
// +Inf probability 1.
type Bernoulli[T ad.Float] struct {
	Logits *ad.Tensor[T]
}

// NewBernoulli returns a Bernoulli with the given logits, which must not be
// NaN.
func NewBernoulli[T ad.Float](logits *ad.Tensor[T]) (Bernoulli[T], error) {
	if err := check("NewBernoulli", "Logits", logits, notNaN, "a number (±Inf allowed)"); err != nil {
		return Bernoulli[T]{}, err
	}
	return Bernoulli[T]{Logits: logits}, nil
}

// NewBernoulliProbs returns a Bernoulli with P(x=1) = p, each in [0, 1]. Its
// Logits are log p − log(1−p), differentiable in p inside (0, 1); at p = 0
// or 1 they are ∓Inf and their derivative with respect to p is infinite, so
// differentiate with respect to logits there.
func NewBernoulliProbs[T ad.Float](p *ad.Tensor[T]) (Bernoulli[T], error) {
	if err := check("NewBernoulliProbs", "p", p, func(v float64) bool { return v >= 0 && v <= 1 }, "in [0, 1]"); err != nil {
		return Bernoulli[T]{}, err
	}
	return Bernoulli[T]{Logits: ad.Sub(ad.Log(p), ad.Log1p(ad.Neg(p)))}, nil
}

// Probs returns σ(Logits), the probabilities of ones.
func (d Bernoulli[T]) Probs() *ad.Tensor[T] { return ad.Sigmoid(d.Logits) }

// Sample returns a tensor of zeros and ones of the shape of Logits. It draws
// one rnd.Float64 per element in row-major order. It belongs to the
// ad.Scope of Logits, if any.
func (d Bernoulli[T]) Sample(rnd *rand.Rand) *ad.Tensor[T] {
	out := ad.Zeros[T](d.Logits.Shape()...)
	for i, l := range d.Logits.Data {
		if rnd.Float64() < mathx.Sigmoid(float64(l)) {
			out.Data[i] = 1
		}
	}
	return ad.In(d.Logits.Scope(), out)
}

// LogProb returns x·log σ(l) + (1−x)·log σ(−l) elementwise, with x broadcast
// against Logits. For x in {0, 1} it is the Bernoulli log-probability; other
// x in [0, 1] give the negative binary cross-entropy, as torch's log_prob
// does without validation. A term whose coefficient is zero counts as zero,
// so the result is −Inf only where x has mass on an outcome of probability
// zero (x > 0 at logit −Inf, or x < 1 at +Inf). The gradient with respect to
// the logits, x − σ(l), is finite everywhere.
//
// It is ad.BernoulliLogLik, the fused loop behind ad.BCEWithLogits, so that
// a likelihood written with LogProb costs what the loss written by hand
// does.
func (d Bernoulli[T]) LogProb(x *ad.Tensor[T]) *ad.Tensor[T] {
	return ad.BernoulliLogLik(d.Logits, x)
}

// Entropy returns −p·log p − (1−p)·log(1−p) elementwise, p = σ(Logits); it
// is 0 at infinite logits.
func (d Bernoulli[T]) Entropy() *ad.Tensor[T] {
	return unaryOp("Bernoulli.Entropy", d.Logits, func(l float64) (h, dh float64) {
		a := math.Abs(l)
		if math.IsInf(a, 1) {
			return 0, 0
		}
		// With a = |l|: H = softplus(−a) + a·σ(−a); dH/dl = −l·σ(l)·σ(−l).
		e := math.Exp(-a)
		return math.Log1p(e) + a*e/(1+e), -l * e / ((1 + e) * (1 + e))
	})
}

// Mean returns the probabilities σ(Logits).
func (d Bernoulli[T]) Mean() *ad.Tensor[T] { return d.Probs() }
