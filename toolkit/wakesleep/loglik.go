package wakesleep

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// MaxEnumerated is the largest total number of hidden units for which
// LogLikelihood enumerates the hidden states.
const MaxEnumerated = 24

// LogLikelihood returns the exact log p(x) under p of each row of x,
// [n, Sizes[0]] of {0,1}, by summing p(x, h) over all 2^H hidden states
// (H the total number of hidden units). It fails if H > MaxEnumerated.
func (m *Machine) LogLikelihood(x *mat.Dense) ([]float64, error) {
	checkVisible("LogLikelihood", m, x)
	L := m.Depth()
	H := 0
	for _, s := range m.Sizes[1:] {
		H += s
	}
	if H > MaxEnumerated {
		return nil, fmt.Errorf("wakesleep: LogLikelihood: %d hidden units, at most %d can be enumerated; use ImportanceLogLikelihood", H, MaxEnumerated)
	}
	n, d := x.Dims()
	total := 1 << H
	chunk := min(total, 4096)
	// Per data point, log p(x) = logsumexp_h [log p(h) + x·a(h) − Σ softplus(a(h))]
	// with a(h) the visible logits: one matrix product per chunk of states.
	ll := make([]float64, n)
	for i := range ll {
		ll[i] = math.Inf(-1)
	}
	block := mat.NewDense(n, chunk, nil)
	for start := 0; start < total; start += chunk {
		s := &state{h: make([]*mat.Dense, L+1)}
		for l := 1; l <= L; l++ {
			s.h[l] = mat.NewDense(chunk, m.Sizes[l], nil)
		}
		for i := range chunk {
			bits := start + i
			for l := 1; l <= L; l++ {
				for j := range m.Sizes[l] {
					s.h[l].Set(i, j, float64(bits&1))
					bits >>= 1
				}
			}
		}
		s.h[0] = mat.NewDense(chunk, d, nil) // placeholder; fillP needs its row count
		m.fillP(s)
		logPrior := make([]float64, chunk) // log p(h)
		for l := 1; l <= L; l++ {
			addLogBernoulli(logPrior, s.h[l], s.pa[l])
		}
		a := s.pa[0] // [chunk, d]
		for i := range chunk {
			for _, v := range a.RawRowView(i) {
				logPrior[i] -= softplus(v)
			}
		}
		block.Mul(x, a.T())
		for r := range n {
			row := block.RawRowView(r)
			floats.Add(row, logPrior)
			ll[r] = logAddExp(ll[r], floats.LogSumExp(row))
		}
	}
	return ll, nil
}

// ImportanceLogLikelihood estimates log p(x) of each row of x by
// importance sampling with q as the proposal,
// log (1/K) Σ_k p(x, h_k)/q(h_k | x), h_k ~ q(h | x), in float64 and in
// batches of the K samples. The estimate is a lower bound in expectation
// that tightens as K grows.
func (m *Machine) ImportanceLogLikelihood(x *mat.Dense, k int, rnd *rand.Rand) []float64 {
	checkVisible("ImportanceLogLikelihood", m, x)
	if k <= 0 {
		panic(fmt.Sprintf("wakesleep: ImportanceLogLikelihood: K = %d, want > 0", k))
	}
	n, _ := x.Dims()
	const rows = 2048 // samples per batch
	per := max(1, min(k, rows))
	ll := make([]float64, n)
	lw := make([]float64, 0, k)
	for r := range n {
		lw = lw[:0]
		xr := x.Slice(r, r+1, 0, m.Sizes[0]).(*mat.Dense)
		for done := 0; done < k; done += per {
			c := min(per, k-done)
			s := m.sampleQ(xr, c, rnd)
			m.fillP(s)
			lp, lq := m.logP(s), m.logQ(s)
			for i := range lp {
				lw = append(lw, lp[i]-lq[i])
			}
		}
		ll[r] = floats.LogSumExp(lw) - math.Log(float64(k))
	}
	return ll
}

// logAddExp returns log(exp(a) + exp(b)).
func logAddExp(a, b float64) float64 {
	if a < b {
		a, b = b, a
	}
	if math.IsInf(b, -1) {
		return a
	}
	return a + math.Log1p(math.Exp(b-a))
}
