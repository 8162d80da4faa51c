package estimators

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
)

// VIMCO is the variational inference for Monte Carlo objectives estimator
// (Mnih and Rezende 2016) of the gradient of the multi-sample objective
//
//	L = E_{z_1..z_K ~ q}[ log (1/K)·Σ_k w_k ],   log w_k = log p(x, z_k) − log q(z_k),
//
// for discrete (or any non-reparameterisable) q. Its estimate is
//
//	Σ_k (L̂ − L̂_{−k})·∇log q(z_k) + Σ_k w̃_k·∇log w_k,
//
// where L̂ = log (1/K)Σ_j w_j, w̃_k = w_k/Σ_j w_j, and L̂_{−k} is L̂ with w_k
// replaced by the geometric mean of the others, exp((1/(K−1))·Σ_{j≠k} log w_j):
// a per-sample baseline that does not depend on z_k, so the estimate is
// unbiased, and that makes each sample's learning signal measure its own
// contribution to the bound.
type VIMCO[T ad.Float] struct {
	// Samples is the number K ≥ 2 of samples. Zero means 5.
	Samples int
}

// Check reports whether p has a log-probability and Samples is valid.
func (v VIMCO[T]) Check(p distributions.Sampler[T]) error {
	if _, ok := p.(distributions.LogProber[T]); !ok {
		return unsupported("VIMCO", "%s has no LogProb", typeName(p))
	}
	return checkSamples("VIMCO", "Samples", v.Samples, 2)
}

// Estimate returns the estimate for the proposal q = p, which must have a
// LogProb. It draws K samples by K
// calls of q.Sample, in order, stacked along a new axis 0. logWeight
// receives them, of shape [K, sample shape...], and returns the log-weights
// log w, of shape [K] or [K, B...] for a batch of B independent bounds;
// it must compute log q(z) differentiably from q's parameters (the
// samples themselves are detached). q.LogProb(z) is summed over its axes
// beyond those of log w. The bound is summed over the batch, and Value is
// L̂ summed likewise.
func (v VIMCO[T]) Estimate(rnd *rand.Rand, p distributions.Sampler[T], logWeight Func[T]) Estimate[T] {
	const op = "VIMCO"
	must(v.Check(p))
	q := p.(distributions.Distribution[T])
	k := positiveOr(op, "Samples", v.Samples, 5)
	z := drawStack(rnd, q, k)
	lw := logWeight(z)
	if lw.Rank() == 0 || lw.Dim(0) != k {
		panic(fmt.Sprintf("estimators.VIMCO: log-weights of shape %v for %d samples (want [%d, ...])", lw.Shape(), k, k))
	}
	logq := q.LogProb(z)
	if logq.Rank() < lw.Rank() {
		panic(fmt.Sprintf("estimators.VIMCO: log q of shape %v for log-weights of shape %v", logq.Shape(), lw.Shape()))
	}
	if logq.Rank() > lw.Rank() {
		axes := make([]int, 0, logq.Rank()-lw.Rank())
		for a := lw.Rank(); a < logq.Rank(); a++ {
			axes = append(axes, a)
		}
		logq = ad.Sum(logq, axes...)
	}
	if !slices.Equal(logq.Shape(), lw.Shape()) {
		panic(fmt.Sprintf("estimators.VIMCO: log q of shape %v (after summing event axes) for log-weights of shape %v", logq.Shape(), lw.Shape()))
	}

	cols := lw.Len() / k
	signal := make([]T, lw.Len())
	a := make([]float64, k)
	value := 0.0
	for c := range cols {
		for j := range k {
			a[j] = float64(lw.Data[j*cols+c])
		}
		l := logMeanExp(a, -1, 0)
		value += l
		sum := 0.0
		for _, x := range a {
			sum += x
		}
		for j := range k {
			geo := (sum - a[j]) / float64(k-1)
			signal[j*cols+c] = T(l - logMeanExp(a, j, geo))
		}
	}
	// The weights' own dependence on the parameters: ∇ log (1/K)Σ w_k at
	// fixed z is Σ_k w̃_k ∇log w_k.
	bound := ad.Sum(ad.LogSumExp(lw, 0))
	sur := ad.Add(ad.Sum(ad.Mul(ad.New(signal, lw.Shape()...), logq)), bound)
	return Estimate[T]{Value: T(value), Surrogate: sur, Samples: k}
}

// logMeanExp returns log (1/K)·Σ_j exp(a_j), with a_skip replaced by repl
// when skip ≥ 0, computed stably.
func logMeanExp(a []float64, skip int, repl float64) float64 {
	at := func(j int) float64 {
		if j == skip {
			return repl
		}
		return a[j]
	}
	m := math.Inf(-1)
	for j := range a {
		m = max(m, at(j))
	}
	if math.IsInf(m, 0) {
		return m
	}
	s := 0.0
	for j := range a {
		s += math.Exp(at(j) - m)
	}
	return m + math.Log(s/float64(len(a)))
}
