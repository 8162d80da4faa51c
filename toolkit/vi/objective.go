package vi

import (
	"fmt"
	"math"
)

// Objective is a Monte Carlo objective of Samples() log-weights per example,
// log w_s = log p(x, z_s) − log q(z_s | x) for independent draws z_s from q.
type Objective interface {
	// Samples returns S, the number of draws per example.
	Samples() int
	// Value returns the objective at the log-weights lw (len S).
	Value(lw []float64) float64
	// Grad writes ∂Value/∂lw_s into grad and, when diag is not nil, the
	// second derivatives ∂²Value/∂lw_s² into diag, which DReG needs.
	Grad(lw, grad, diag []float64)
}

// GuideObjective is an Objective that trains the inference network on
// another objective over the same draws (PIWAE).
type GuideObjective interface {
	Objective
	// Guide returns the objective whose gradient trains q; it draws as
	// many samples as the receiver.
	Guide() Objective
}

// ELBO is the evidence lower bound E_q[log p(x, z) − log q(z | x)]
// estimated by the mean of K log-weights. The zero value is the
// single-sample ELBO.
type ELBO struct {
	K int // draws per example; zero means 1
}

// IWAE is the importance-weighted bound log (1/K) Σ_k w_k of Burda et al.
// (2016); IWAE with K = 1 is the ELBO. It rises to log p(x) as K grows.
type IWAE struct {
	K int // draws per example, ≥ 1
}

// MIWAE is the average of M independent IWAE(K) bounds over M·K draws
// (Rainforth et al. 2018, "multiply importance weighted").
type MIWAE struct {
	M, K int // ≥ 1 each
}

// CIWAE is the convex combination β·ELBO + (1−β)·IWAE(K) of the two bounds
// on the same K draws (Rainforth et al. 2018, "combination importance
// weighted").
type CIWAE struct {
	K    int     // draws per example, ≥ 1
	Beta float64 // weight of the ELBO, in [0, 1]
}

// PIWAE is the "partially importance weighted" scheme of Rainforth et al.
// (2018): the generative model is trained on IWAE(M·K) and the inference
// network on MIWAE(M, K), over the same M·K draws. Its value is the IWAE(M·K)
// bound.
type PIWAE struct {
	M, K int // ≥ 1 each
}

// DReG asks for the doubly-reparameterised gradient of Tucker et al. (2019)
// for the inference network: the score-function part of the pathwise
// gradient, whose variance grows with K, is replaced by its reparameterised
// equivalent, so that the gradient of q keeps its signal-to-noise ratio as K
// grows. The gradient of the generative model and the value are those of
// Objective; only the inference network's gradient changes, and it is
// unbiased for the same quantity. DReG needs a reparameterised q.
type DReG struct {
	Objective
}

func (o ELBO) k() int {
	if o.K == 0 {
		return 1
	}
	if o.K < 0 {
		panic(fmt.Sprintf("vi.ELBO: K = %d, want ≥ 1 (or 0 for 1)", o.K))
	}
	return o.K
}

// Samples returns K (1 for the zero value).
func (o ELBO) Samples() int { return o.k() }

// Value returns the mean of lw.
func (o ELBO) Value(lw []float64) float64 {
	s := 0.0
	for _, v := range lw {
		s += v
	}
	return s / float64(len(lw))
}

// Grad writes 1/K into grad and 0 into diag.
func (o ELBO) Grad(lw, grad, diag []float64) {
	for i := range lw {
		grad[i] = 1 / float64(len(lw))
		if diag != nil {
			diag[i] = 0
		}
	}
}

func checkK(name string, m, k int) {
	if m < 1 || k < 1 {
		panic(fmt.Sprintf("vi.%s: M = %d, K = %d, want both ≥ 1", name, m, k))
	}
}

// Samples returns K.
func (o IWAE) Samples() int { checkK("IWAE", 1, o.K); return o.K }

// Value returns log (1/K) Σ exp(lw_k).
func (o IWAE) Value(lw []float64) float64 { return logMeanExp(lw) }

// Grad writes the normalised weights w̃_k = w_k / Σ w into grad and
// w̃_k − w̃_k² into diag.
func (o IWAE) Grad(lw, grad, diag []float64) { iwaeGrad(lw, 1, grad, diag) }

// Samples returns M·K.
func (o MIWAE) Samples() int { checkK("MIWAE", o.M, o.K); return o.M * o.K }

// Value returns the mean over the M groups of K consecutive log-weights of
// their IWAE(K) bounds.
func (o MIWAE) Value(lw []float64) float64 {
	s := 0.0
	for m := range o.M {
		s += logMeanExp(lw[m*o.K : (m+1)*o.K])
	}
	return s / float64(o.M)
}

// Grad writes each group's normalised weights divided by M.
func (o MIWAE) Grad(lw, grad, diag []float64) {
	for m := range o.M {
		var d []float64
		if diag != nil {
			d = diag[m*o.K : (m+1)*o.K]
		}
		iwaeGrad(lw[m*o.K:(m+1)*o.K], 1/float64(o.M), grad[m*o.K:(m+1)*o.K], d)
	}
}

func (o CIWAE) check() {
	checkK("CIWAE", 1, o.K)
	if !(o.Beta >= 0 && o.Beta <= 1) {
		panic(fmt.Sprintf("vi.CIWAE: Beta = %v, want a value in [0, 1]", o.Beta))
	}
}

// Samples returns K.
func (o CIWAE) Samples() int { o.check(); return o.K }

// Value returns β·mean(lw) + (1−β)·log mean(exp(lw)).
func (o CIWAE) Value(lw []float64) float64 {
	return o.Beta*ELBO{}.Value(lw) + (1-o.Beta)*logMeanExp(lw)
}

// Grad writes β/K + (1−β)·w̃_k into grad and (1−β)(w̃_k − w̃_k²) into diag.
func (o CIWAE) Grad(lw, grad, diag []float64) {
	iwaeGrad(lw, 1-o.Beta, grad, diag)
	for i := range grad {
		grad[i] += o.Beta / float64(len(lw))
	}
}

// Samples returns M·K.
func (o PIWAE) Samples() int { checkK("PIWAE", o.M, o.K); return o.M * o.K }

// Value returns the IWAE(M·K) bound.
func (o PIWAE) Value(lw []float64) float64 { return logMeanExp(lw) }

// Grad is IWAE(M·K)'s, which trains the generative model.
func (o PIWAE) Grad(lw, grad, diag []float64) { iwaeGrad(lw, 1, grad, diag) }

// Guide returns MIWAE(M, K), which trains the inference network.
func (o PIWAE) Guide() Objective { return MIWAE(o) }

// iwaeGrad writes scale·w̃ into grad and scale·(w̃ − w̃²) into diag (if not
// nil), with w̃ = softmax(lw).
func iwaeGrad(lw []float64, scale float64, grad, diag []float64) {
	m := math.Inf(-1)
	for _, v := range lw {
		m = max(m, v)
	}
	s := 0.0
	for i, v := range lw {
		grad[i] = math.Exp(v - m)
		s += grad[i]
	}
	for i := range grad {
		w := grad[i] / s
		grad[i] = scale * w
		if diag != nil {
			diag[i] = scale * (w - w*w)
		}
	}
}

// logMeanExp returns log (1/n) Σ exp(v_i), −Inf if all are −Inf.
func logMeanExp(v []float64) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		m = max(m, x)
	}
	if math.IsInf(m, 0) {
		return m
	}
	s := 0.0
	for _, x := range v {
		s += math.Exp(x - m)
	}
	return m + math.Log(s/float64(len(v)))
}
