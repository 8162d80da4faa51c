package distributions

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"sync"

	"github.com/stochgrad/stochgrad/internal/mathx"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// klKey is a pair of dynamic distribution types.
type klKey struct{ p, q reflect.Type }

var (
	klMu    sync.RWMutex
	klTable = make(map[klKey]any) // values are func(p, q Distribution[T]) *ad.Tensor[T]
)

// RegisterKL registers f as the closed-form KL(p ‖ q) for distributions p
// of type P and q of type Q, so that KL and ClosedFormKL use it. A later
// registration for the same pair replaces an earlier one. f returns one
// divergence per independent component, of the shape LogProb gives for a
// single draw, differentiable in the parameters of both distributions.
// The pairs of this package registered at start-up, for float32 and
// float64, are Normal–Normal, Bernoulli–Bernoulli and
// Categorical–Categorical.
func RegisterKL[T ad.Float, P, Q Distribution[T]](f func(p P, q Q) *ad.Tensor[T]) {
	key := klKey{reflect.TypeFor[P](), reflect.TypeFor[Q]()}
	klMu.Lock()
	defer klMu.Unlock()
	klTable[key] = func(p, q Distribution[T]) *ad.Tensor[T] { return f(p.(P), q.(Q)) }
}

// ClosedFormKL returns the registered closed-form KL(p ‖ q) and true, or nil
// and false when no closed form is registered for the pair of types.
func ClosedFormKL[T ad.Float](p, q Distribution[T]) (*ad.Tensor[T], bool) {
	klMu.RLock()
	f, ok := klTable[klKey{reflect.TypeOf(p), reflect.TypeOf(q)}]
	klMu.RUnlock()
	if !ok {
		return nil, false
	}
	return f.(func(p, q Distribution[T]) *ad.Tensor[T])(p, q), true
}

// KL returns KL(p ‖ q) = E_p[log p(z) − log q(z)], one value per
// independent component (elementwise for Normal and Bernoulli, one per row
// for Categorical): the registered closed form when there is one (rnd and
// samples are then unused), and otherwise MonteCarloKL with the given
// number of samples.
func KL[T ad.Float](rnd *rand.Rand, p, q Distribution[T], samples int) *ad.Tensor[T] {
	if kl, ok := ClosedFormKL(p, q); ok {
		return kl
	}
	return MonteCarloKL(rnd, p, q, samples)
}

// MonteCarloKL returns the average of log p(zᵢ) − log q(zᵢ) over samples
// draws zᵢ from p: an unbiased estimate of KL(p ‖ q) whose gradient is an
// unbiased estimate of the gradient of the divergence. When p is an
// RSampler the draws are reparameterised and the gradient flows through
// them; otherwise the draws carry no gradient and a score-function term
// with the leave-one-out baseline (for samples ≥ 2) is added, whose value
// is zero. It panics if samples < 1.
func MonteCarloKL[T ad.Float](rnd *rand.Rand, p, q Distribution[T], samples int) *ad.Tensor[T] {
	if samples < 1 {
		panic(fmt.Sprintf("distributions.MonteCarloKL: samples = %d, want ≥ 1", samples))
	}
	rs, reparam := p.(RSampler[T])
	fs := make([]*ad.Tensor[T], samples)
	lps := make([]*ad.Tensor[T], samples)
	for i := range fs {
		var z *ad.Tensor[T]
		if reparam {
			z = rs.RSample(rnd)
		} else {
			z = p.Sample(rnd)
		}
		lps[i] = p.LogProb(z)
		fs[i] = ad.Sub(lps[i], q.LogProb(z))
	}
	f := ad.Stack(0, fs...)
	kl := ad.Mean(f, 0)
	if reparam {
		return kl
	}
	// Score-function term: (f − b)·∇log p(z), b the mean of the other draws;
	// its value is zero because log p − stop(log p) is.
	lp := ad.Stack(0, lps...)
	coef := ad.StopGradient(f)
	if samples > 1 {
		n := T(samples)
		sum := ad.SumKeep(coef, 0)
		coef = ad.Sub(coef, ad.MulScalar(ad.Sub(sum, coef), 1/(n-1)))
	}
	score := ad.Mean(ad.Mul(coef, ad.Sub(lp, ad.StopGradient(lp))), 0)
	return ad.Add(kl, score)
}

func init() {
	registerBuiltinKL[float32]()
	registerBuiltinKL[float64]()
}

func registerBuiltinKL[T ad.Float]() {
	RegisterKL(klNormal[T])
	RegisterKL(klBernoulli[T])
	RegisterKL(klCategorical[T])
}

// klNormal is log(σq/σp) + (σp² + (μp − μq)²)/(2σq²) − ½ elementwise.
func klNormal[T ad.Float](p, q Normal[T]) *ad.Tensor[T] {
	r := ad.Div(p.Sigma, q.Sigma)
	d := ad.Div(ad.Sub(p.Mu, q.Mu), q.Sigma)
	kl := ad.AddScalar(ad.Sub(ad.MulScalar(ad.Add(ad.Square(r), ad.Square(d)), 0.5), ad.Log(r)), -0.5)
	return broadcastTo(kl, broadcastShape("KL(Normal‖Normal)", p.shape(), q.shape()))
}

// klBernoulli is σ(a)(log σ(a) − log σ(b)) + σ(−a)(log σ(−a) − log σ(−b))
// elementwise for logits a of p and b of q. A term of probability zero
// counts as zero, so infinite logits are allowed; the divergence is +Inf
// where p puts mass on an outcome q excludes.
func klBernoulli[T ad.Float](p, q Bernoulli[T]) *ad.Tensor[T] {
	return binaryOp("KL(Bernoulli‖Bernoulli)", p.Logits, q.Logits, func(a, b float64) (kl, da, db float64) {
		s1, s0 := mathx.Sigmoid(a), mathx.Sigmoid(-a)
		if s1 > 0 {
			kl += s1 * (-softplus(-a) + softplus(-b))
		}
		if s0 > 0 {
			kl += s0 * (-softplus(a) + softplus(b))
		}
		// ∂/∂a = σ(a)σ(−a)(a − b), ∂/∂b = σ(b) − σ(a).
		if s1*s0 > 0 {
			da = s1 * s0 * (a - b)
		}
		return kl, da, mathx.Sigmoid(b) - s1
	})
}

// klCategorical is Σ_k p_k(log p_k − log q_k) over the last axis; a
// category of probability zero under p contributes zero.
func klCategorical[T ad.Float](p, q Categorical[T]) *ad.Tensor[T] {
	shape := broadcastShape("KL(Categorical‖Categorical)", p.Logits.Shape(), q.Logits.Shape())
	a, b := broadcastTo(p.Logits, shape), broadcastTo(q.Logits, shape)
	batch, k := eventShape("KL(Categorical‖Categorical)", shape)
	rows := a.Len() / k
	out := ad.Zeros[T](batch...)
	ga, gb := make([]float64, a.Len()), make([]float64, a.Len())
	for r := range rows {
		ra, rb := a.Data[r*k:(r+1)*k], b.Data[r*k:(r+1)*k]
		la, lb := mathx.LogSumExp(ra), mathx.LogSumExp(rb)
		kl := 0.0
		for j := range k {
			if lp := float64(ra[j]) - la; !math.IsInf(lp, -1) {
				kl += math.Exp(lp) * (lp - (float64(rb[j]) - lb))
			}
		}
		out.Data[r] = T(kl)
		for j := range k {
			pj, qj := 0.0, math.Exp(float64(rb[j])-lb)
			if lp := float64(ra[j]) - la; !math.IsInf(lp, -1) {
				pj = math.Exp(lp)
				ga[r*k+j] = pj * (lp - (float64(rb[j]) - lb) - kl)
			}
			gb[r*k+j] = qj - pj
		}
	}
	return ad.Custom("KL(Categorical‖Categorical)", out, []*ad.Tensor[T]{a, b}, func(g *ad.Tensor[T]) []*ad.Tensor[T] {
		da, db := ad.Zeros[T](shape...), ad.Zeros[T](shape...)
		for i := range da.Data {
			gi := float64(g.Data[i/k])
			da.Data[i], db.Data[i] = T(gi*ga[i]), T(gi*gb[i])
		}
		return []*ad.Tensor[T]{da, db}
	})
}
