package distributions

import (
	"math"
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// RelaxedBernoulli is the binary Concrete distribution (Maddison, Mnih and
// Teh, 2017; Jang, Gu and Poole, 2017): x = σ((Logits + L)/Temperature) with
// L standard logistic noise, a reparameterisable relaxation of
// Bernoulli(σ(Logits)) on the open interval (0, 1). As the temperature goes
// to 0 its draws tend to Bernoulli draws; at any temperature
// P(x > ½) = σ(Logits).
//
// Entropy and mean have no closed form and are not provided.
type RelaxedBernoulli[T ad.Float] struct {
	Logits *ad.Tensor[T]
	// Temperature must be finite and > 0.
	Temperature T
}

// NewRelaxedBernoulli returns a RelaxedBernoulli with finite logits and a
// finite positive temperature.
func NewRelaxedBernoulli[T ad.Float](logits *ad.Tensor[T], temperature T) (RelaxedBernoulli[T], error) {
	if err := check("NewRelaxedBernoulli", "Logits", logits, finite, "finite"); err != nil {
		return RelaxedBernoulli[T]{}, err
	}
	if err := checkTemperature("NewRelaxedBernoulli", temperature); err != nil {
		return RelaxedBernoulli[T]{}, err
	}
	return RelaxedBernoulli[T]{Logits: logits, Temperature: temperature}, nil
}

// RSample returns σ((Logits + L)/Temperature) of the shape of Logits, with L
// = log u − log(1−u) logistic noise; gradients flow to Logits. It draws one
// rnd.Uint64 (a uniform u in the open interval (0, 1)) per element in
// row-major order. At large |Logits|/Temperature, and at low temperatures in
// float32, draws round to exactly 0 or 1.
func (d RelaxedBernoulli[T]) RSample(rnd *rand.Rand) *ad.Tensor[T] {
	mustTemperature("RelaxedBernoulli.RSample", d.Temperature)
	noise := ad.Zeros[T](d.Logits.Shape()...)
	for i := range noise.Data {
		u := uniformOpen(rnd)
		noise.Data[i] = T(math.Log(u) - math.Log1p(-u))
	}
	return ad.Sigmoid(ad.MulScalar(ad.Add(d.Logits, noise), 1/d.Temperature))
}

// Sample is RSample without gradients.
func (d RelaxedBernoulli[T]) Sample(rnd *rand.Rand) *ad.Tensor[T] {
	return RelaxedBernoulli[T]{stop(d.Logits), d.Temperature}.RSample(rnd)
}

// LogProb returns the binary Concrete log-density, elementwise with x
// broadcast against Logits: with λ the temperature, α = e^Logits and
// y = log x − log(1−x),
//
//	log p(x) = log(λ·α·x^(−λ−1)·(1−x)^(−λ−1) / (α·x^(−λ) + (1−x)^(−λ))²)
//	         = log λ + d − 2·softplus(d) − log x − log(1−x),  d = Logits − λ·y,
//
// torch's RelaxedBernoulli.log_prob. It is −Inf outside the open interval
// (0, 1), including at exactly 0 and 1, where draws that rounded there land;
// no gradient flows from those points.
func (d RelaxedBernoulli[T]) LogProb(x *ad.Tensor[T]) *ad.Tensor[T] {
	mustTemperature("RelaxedBernoulli.LogProb", d.Temperature)
	shape := broadcastShape("RelaxedBernoulli.LogProb", x.Shape(), d.Logits.Shape())
	xb := broadcastTo(x, shape)
	in := make([]bool, len(xb.Data))
	for i, v := range xb.Data {
		in[i] = v > 0 && v < 1
	}
	// Evaluate at a safe point outside the support so that neither values nor
	// gradients there are NaN; Where then discards them.
	xs := ad.Where(in, xb, ad.Full(T(0.5), shape...))
	logX, log1mX := ad.Log(xs), ad.Log1p(ad.Neg(xs))
	diff := ad.Sub(d.Logits, ad.MulScalar(ad.Sub(logX, log1mX), d.Temperature))
	lp := ad.Sub(ad.Sub(diff, ad.MulScalar(ad.Softplus(diff), 2)), ad.Add(logX, log1mX))
	lp = ad.AddScalar(lp, T(math.Log(float64(d.Temperature))))
	return ad.Where(in, lp, ad.Full(T(math.Inf(-1)), shape...))
}
