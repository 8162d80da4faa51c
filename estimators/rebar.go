package estimators

import (
	"math"
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
)

// REBAR is the REBAR estimator (Tucker, Mnih, Maddison, Lawson and
// Sohl-Dickstein 2017) for Bernoulli and categorical variables: RELAX with
// the control variate c(z) = η·f(σ_λ(z)), the objective at the Concrete
// relaxation of the sample's logistic (or Gumbel) pre-activation z, where
// σ_λ is σ(·/λ) or softmax(·/λ). With the conditional sample z̃ ~ p(z | b)
// the estimate
//
//	[f(b) − η·f(σ_λ(z̃))]·∇log p(b) + η·∇f(σ_λ(z)) − η·∇f(σ_λ(z̃))
//
// is unbiased for any η and λ; f must accept relaxed inputs and be
// differentiable there. See RELAX for how η and λ are tuned to minimise
// the variance, the order of the draws and the cost.
type REBAR[T ad.Float] struct {
	// Samples is the number S of samples. Zero means 1.
	Samples int
	// Eta is η, a one-element tensor; nil means 1. Make it an ad.Param
	// leaf to tune it.
	Eta *ad.Tensor[T]
	// LogTemperature is log λ, a one-element tensor; nil means λ = ½.
	// Make it an ad.Param leaf to tune it.
	LogTemperature *ad.Tensor[T]
}

// NewREBAR returns a REBAR whose η (1) and log λ (log ½) are fresh
// parameters, for tuning by the variance gradient that the Surrogate
// carries.
func NewREBAR[T ad.Float](samples int) REBAR[T] {
	return REBAR[T]{
		Samples:        samples,
		Eta:            ad.Param(ad.Scalar(T(1))),
		LogTemperature: ad.Param(ad.Scalar(T(math.Log(0.5)))),
	}
}

func (r REBAR[T]) relax() RELAX[T] {
	return RELAX[T]{Samples: r.Samples, Eta: r.Eta, LogTemperature: r.LogTemperature}
}

// Check reports whether p is a Bernoulli or categorical distribution and
// the settings are valid.
func (r REBAR[T]) Check(p distributions.Sampler[T]) error {
	if _, err := structuredOf("REBAR", p); err == nil {
		return unsupported("REBAR", "a Structured distribution has no relaxation; use RELAX with a Residual")
	}
	return r.relax().Check(p)
}

// Estimate returns the estimate for a distributions.Bernoulli with logits
// of any shape or a distributions.Categorical with logits of shape
// [...batch, K]; f receives samples of shape [S, logits' shape...],
// discrete or relaxed, and returns shape [S].
func (r REBAR[T]) Estimate(rnd *rand.Rand, p distributions.Sampler[T], f Func[T]) Estimate[T] {
	must(r.Check(p))
	return r.relax().Estimate(rnd, p, f)
}

// family is a discrete distribution written as a deterministic function of
// continuous noise, b = H(z), z = z(l, u), with the conditional
// z̃ = z̃(l, b, v) ~ p(z | b): all that REBAR and RELAX need. Tensors of
// logits here have the sample axis first, [S, logits' shape...], and the
// noise slices their length.
type family[T ad.Float] interface {
	// z returns the pre-activation, differentiable in l.
	z(l *ad.Tensor[T], u []float64) *ad.Tensor[T]
	// hard returns b = H(z).
	hard(z *ad.Tensor[T]) *ad.Tensor[T]
	// cond returns z̃ given b, differentiable in l.
	cond(l, b *ad.Tensor[T], v []float64) *ad.Tensor[T]
	// relax returns σ_λ(x).
	relax(x, lambda *ad.Tensor[T]) *ad.Tensor[T]
	// logProb returns log p(b) for the unbroadcast logits, as dist does.
	logProb(logits, b *ad.Tensor[T]) *ad.Tensor[T]
	// score returns ∇_l log p(b) at the broadcast logits l.
	score(l, b *ad.Tensor[T]) []float64
	// features returns what the residual critic sees of the
	// pre-activations x, [m, logits' shape...].
	features(x *ad.Tensor[T]) *ad.Tensor[T]
	// defaultEta is η when Eta is nil.
	defaultEta() T
}

// bernoulliFamily: z = l + log u − log(1−u) (logistic), b = 1[z > 0].
type bernoulliFamily[T ad.Float] struct{}

func (bernoulliFamily[T]) z(l *ad.Tensor[T], u []float64) *ad.Tensor[T] {
	noise := ad.Zeros[T](l.Shape()...)
	for i, x := range u {
		noise.Data[i] = T(math.Log(x) - math.Log1p(-x))
	}
	return ad.Add(l, noise)
}

func (bernoulliFamily[T]) hard(z *ad.Tensor[T]) *ad.Tensor[T] {
	b := ad.Zeros[T](z.Shape()...)
	for i, v := range z.Data {
		if v > 0 {
			b.Data[i] = 1
		}
	}
	return b
}

// cond draws z̃ | b by inverting the logistic CDF on the part of (0, 1)
// that gives b: with p = σ(l), u' = 1 − p + v·p if b = 1 and u' = v·(1−p)
// if b = 0, and z̃ = l + logit(u'). Simplified with log σ(±l):
//
//	b = 1: z̃ = log(1 − (1−v)·p) − log(1−v) − log σ(−l)
//	b = 0: z̃ = log v + log σ(l) − log(1 − v·(1−p))
func (bernoulliFamily[T]) cond(l, b *ad.Tensor[T], v []float64) *ad.Tensor[T] {
	shape := l.Shape()
	p, q := ad.Sigmoid(l), ad.Sigmoid(ad.Neg(l))
	oneMinusV, logV, log1mV := ad.Zeros[T](shape...), ad.Zeros[T](shape...), ad.Zeros[T](shape...)
	vt := ad.Zeros[T](shape...)
	for i, x := range v {
		vt.Data[i] = T(x)
		oneMinusV.Data[i] = T(1 - x)
		logV.Data[i] = T(math.Log(x))
		log1mV.Data[i] = T(math.Log1p(-x))
	}
	one := ad.Sub(ad.Sub(ad.Log1p(ad.Neg(ad.Mul(oneMinusV, p))), log1mV), ad.LogSigmoid(ad.Neg(l)))
	zero := ad.Sub(ad.Add(logV, ad.LogSigmoid(l)), ad.Log1p(ad.Neg(ad.Mul(vt, q))))
	mask := make([]bool, b.Len())
	for i, x := range b.Data {
		mask[i] = x == 1
	}
	return ad.Where(mask, one, zero)
}

func (bernoulliFamily[T]) features(x *ad.Tensor[T]) *ad.Tensor[T] { return x }
func (bernoulliFamily[T]) defaultEta() T                          { return 1 }

func (bernoulliFamily[T]) relax(x, lambda *ad.Tensor[T]) *ad.Tensor[T] {
	return ad.Sigmoid(ad.Div(x, lambda))
}

func (bernoulliFamily[T]) logProb(logits, b *ad.Tensor[T]) *ad.Tensor[T] {
	return distributions.Bernoulli[T]{Logits: logits}.LogProb(b)
}

func (bernoulliFamily[T]) score(l, b *ad.Tensor[T]) []float64 {
	g := make([]float64, l.Len())
	for i, x := range l.Data {
		g[i] = float64(b.Data[i]) - sigmoid(float64(x))
	}
	return g
}

// categoricalFamily: z = l + g with g = −log(−log u) standard Gumbel,
// b = one-hot argmax z over the last axis.
type categoricalFamily[T ad.Float] struct{}

func (categoricalFamily[T]) z(l *ad.Tensor[T], u []float64) *ad.Tensor[T] {
	noise := ad.Zeros[T](l.Shape()...)
	for i, x := range u {
		noise.Data[i] = T(-math.Log(-math.Log(x)))
	}
	return ad.Add(l, noise)
}

func (categoricalFamily[T]) hard(z *ad.Tensor[T]) *ad.Tensor[T] { return oneHotArgmax(z) }

// cond draws z̃ | b as in Tucker et al.'s appendix, for unnormalised logits:
// the maximum is a Gumbel with location logsumexp(l),
// z̃_b = logsumexp(l) − log(−log v_b), and every other coordinate is a
// Gumbel with location l_k truncated below it,
// z̃_k = −log(exp(−z̃_b) + exp(log(−log v_k) − l_k)).
func (categoricalFamily[T]) cond(l, b *ad.Tensor[T], v []float64) *ad.Tensor[T] {
	shape := l.Shape()
	k := l.Dim(-1)
	rowShape := append(append([]int(nil), shape[:len(shape)-1]...), 1)
	gb := ad.Zeros[T](rowShape...) // −log(−log v_b) per row
	a := ad.Zeros[T](shape...)     // log(−log v_k)
	mask := make([]bool, len(v))
	for i, x := range v {
		a.Data[i] = T(math.Log(-math.Log(x)))
		if b.Data[i] == 1 {
			mask[i] = true
			gb.Data[i/k] = T(-math.Log(-math.Log(x)))
		}
	}
	zeros := ad.Zeros[T](shape...)
	top := ad.Add(ad.Add(ad.LogSumExpKeep(l, -1), gb), zeros) // broadcast over the row
	rest := ad.Neg(ad.LogSumExp(ad.Stack(-1, ad.Neg(top), ad.Sub(a, l)), -1))
	return ad.Where(mask, top, rest)
}

func (categoricalFamily[T]) features(x *ad.Tensor[T]) *ad.Tensor[T] { return x }
func (categoricalFamily[T]) defaultEta() T                          { return 1 }

func (categoricalFamily[T]) relax(x, lambda *ad.Tensor[T]) *ad.Tensor[T] {
	return ad.Softmax(ad.Div(x, lambda), -1)
}

func (categoricalFamily[T]) logProb(logits, b *ad.Tensor[T]) *ad.Tensor[T] {
	return distributions.Categorical[T]{Logits: logits}.LogProb(b)
}

func (categoricalFamily[T]) score(l, b *ad.Tensor[T]) []float64 {
	k := l.Dim(-1)
	g := make([]float64, l.Len())
	for r := 0; r < len(g); r += k {
		row := l.Data[r : r+k]
		m := math.Inf(-1)
		for _, x := range row {
			m = max(m, float64(x))
		}
		s := 0.0
		for _, x := range row {
			s += math.Exp(float64(x) - m)
		}
		for j, x := range row {
			g[r+j] = float64(b.Data[r+j]) - math.Exp(float64(x)-m)/s
		}
	}
	return g
}

// sigmoid is the logistic function, computed without overflow.
func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}
