package distributions

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// RelaxedOneHotCategorical is the Concrete (Gumbel-Softmax) distribution
// (Maddison, Mnih and Teh, 2017; Jang, Gu and Poole, 2017) on the simplex
// over the last axis: x = softmax((Logits + g)/Temperature) with g standard
// Gumbel noise, a reparameterisable relaxation of Categorical(Logits). Its
// argmax is distributed exactly as the categorical at any temperature, and
// as the temperature goes to 0 its draws tend to one-hot vectors.
//
// Entropy and mean have no closed form and are not provided.
type RelaxedOneHotCategorical[T ad.Float] struct {
	Logits *ad.Tensor[T]
	// Temperature must be finite and > 0.
	Temperature T
}

// NewRelaxedOneHotCategorical returns a RelaxedOneHotCategorical with finite
// logits of shape [...batch, K], K ≥ 1, and a finite positive temperature.
func NewRelaxedOneHotCategorical[T ad.Float](logits *ad.Tensor[T], temperature T) (RelaxedOneHotCategorical[T], error) {
	if err := checkEventLogits("NewRelaxedOneHotCategorical", logits, false); err != nil {
		return RelaxedOneHotCategorical[T]{}, err
	}
	if err := checkTemperature("NewRelaxedOneHotCategorical", temperature); err != nil {
		return RelaxedOneHotCategorical[T]{}, err
	}
	return RelaxedOneHotCategorical[T]{Logits: logits, Temperature: temperature}, nil
}

// RSample returns softmax((Logits + g)/Temperature) along the last axis, of
// the shape of Logits; gradients flow to Logits. It draws g as
// StandardGumbel.Noise, one rnd.ExpFloat64 per element in row-major order,
// so its argmax equals, draw for draw, the Gumbel-max sample
// argmax(Logits + g). Components may underflow to exactly 0 at low
// temperatures.
func (d RelaxedOneHotCategorical[T]) RSample(rnd *rand.Rand) *ad.Tensor[T] {
	mustTemperature("RelaxedOneHotCategorical.RSample", d.Temperature)
	eventShape("RelaxedOneHotCategorical.RSample", d.Logits.Shape())
	g := StandardGumbel[T]{}.Noise(rnd, d.Logits.Shape()...)
	return ad.Softmax(ad.MulScalar(ad.Add(d.Logits, g), 1/d.Temperature), -1)
}

// Sample is RSample without gradients.
func (d RelaxedOneHotCategorical[T]) Sample(rnd *rand.Rand) *ad.Tensor[T] {
	return RelaxedOneHotCategorical[T]{stop(d.Logits), d.Temperature}.RSample(rnd)
}

// LogProb returns the Concrete log-density of x on the simplex, with respect
// to the Lebesgue measure on its first K−1 coordinates: with λ the
// temperature and l the logits,
//
//	log p(x) = log (K−1)! + (K−1)·log λ + Σ_k (l_k − (λ+1)·log x_k)
//	           − K·logsumexp_k(l_k − λ·log x_k),
//
// torch's RelaxedOneHotCategorical.log_prob. x of shape
// [...sample, ...batch, K] broadcasts against the logits; the result drops
// the last axis. x is assumed to sum to 1 (this is not checked). The result
// is −Inf for rows with a component outside (0, 1], including components
// that underflowed to 0 in a draw; no gradient flows from those rows.
func (d RelaxedOneHotCategorical[T]) LogProb(x *ad.Tensor[T]) *ad.Tensor[T] {
	mustTemperature("RelaxedOneHotCategorical.LogProb", d.Temperature)
	k := d.Logits.Dim(-1)
	if x.Rank() == 0 || x.Dim(-1) != k {
		panic(fmt.Sprintf("distributions.RelaxedOneHotCategorical.LogProb: x of shape %v for logits of shape %v", x.Shape(), d.Logits.Shape()))
	}
	shape := broadcastShape("RelaxedOneHotCategorical.LogProb", x.Shape(), d.Logits.Shape())
	xb := broadcastTo(x, shape)
	rows := len(xb.Data) / k
	rowIn, in := make([]bool, rows), make([]bool, len(xb.Data))
	for r := range rows {
		ok := true
		for _, v := range xb.Data[r*k : (r+1)*k] {
			ok = ok && v > 0 && v <= 1
		}
		rowIn[r] = ok
		for j := range k {
			in[r*k+j] = ok
		}
	}
	// Evaluate invalid rows at the centre of the simplex, then discard them.
	xs := ad.Where(in, xb, ad.Full(T(1/float64(k)), shape...))
	logX := ad.Log(xs)
	score := ad.Sub(d.Logits, ad.MulScalar(logX, d.Temperature))
	kf, lam := float64(k), float64(d.Temperature)
	lgK, _ := math.Lgamma(kf)
	lp := ad.Sub(ad.Sum(ad.Sub(score, logX), -1), ad.MulScalar(ad.LogSumExp(score, -1), T(kf)))
	lp = ad.AddScalar(lp, T(lgK+(kf-1)*math.Log(lam)))
	return ad.Where(rowIn, lp, ad.Full(T(math.Inf(-1)), lp.Shape()...))
}
