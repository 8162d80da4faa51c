package wakesleep

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/stochgrad/stochgrad/internal/simd"
	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/nn"
)

// Units is the coding of binary units as inputs to their children.
type Units int

const (
	// ZeroOne codes a unit as 0 or 1.
	ZeroOne Units = iota
	// PlusMinusOne codes a unit as −1 or +1, with P(+1) = sigmoid(logit),
	// the default of the reference implementation (pm_one).
	PlusMinusOne
)

func (u Units) String() string {
	switch u {
	case ZeroOne:
		return "ZeroOne"
	case PlusMinusOne:
		return "PlusMinusOne"
	}
	return fmt.Sprintf("Units(%d)", int(u))
}

// Layer is a layer of conditionally independent Bernoulli units whose
// logits are u·W + B for the coded parents u.
type Layer struct {
	W *ad.Tensor[float64] // [in, out], toolkit/nn's layout
	B *ad.Tensor[float64] // [out]
}

func newLayer(in, out int, rnd *rand.Rand) Layer {
	l := Layer{W: ad.Param(ad.Zeros[float64](in, out)), B: ad.Param(ad.Zeros[float64](out))}
	nn.GlorotNormal(rnd, l.W)
	return l
}

// In returns the number of parents of each unit.
func (l Layer) In() int { return l.W.Dim(0) }

// Out returns the number of units.
func (l Layer) Out() int { return l.W.Dim(1) }

// logits returns u·W + B for coded parents u of shape [n, in].
func (l Layer) logits(u *mat.Dense) *mat.Dense {
	n, in := u.Dims()
	if in != l.In() {
		panic(fmt.Sprintf("wakesleep: Layer.logits: parents [%d, %d] for W of shape %v", n, in, l.W.Shape()))
	}
	a := mat.NewDense(n, l.Out(), nil)
	a.Mul(u, mat.NewDense(in, l.Out(), l.W.Data))
	raw := a.RawMatrix()
	for i := range n {
		row := raw.Data[i*raw.Stride : i*raw.Stride+raw.Cols]
		for j, b := range l.B.Data {
			row[j] += b
		}
	}
	return a
}

// Machine is a Helmholtz machine: a generative sigmoid belief net p and a
// recognition net q over layers 0 (visible) to L (top). A sigmoid belief
// net alone is a Machine whose Q is not trained.
type Machine struct {
	Units Units
	// Sizes holds the layer widths, Sizes[0] visible, Sizes[L] top.
	Sizes []int
	// Prior holds the logits of the top layer's factorised prior under p.
	Prior *ad.Tensor[float64]
	// P[l] gives layer l from layer l+1 under p, l = 0, …, L−1.
	P []Layer
	// Q[l] gives layer l+1 from layer l under q.
	Q []Layer
}

// New returns a Machine with layer widths sizes (visible first, then 1 to 3
// hidden layers from the bottom up), Glorot-normal weights and zero biases.
func New(sizes []int, units Units, rnd *rand.Rand) (*Machine, error) {
	if len(sizes) < 2 || len(sizes) > 4 {
		return nil, fmt.Errorf("wakesleep: New: %d layer sizes %v, want the visible size and 1 to 3 hidden sizes", len(sizes), sizes)
	}
	for i, s := range sizes {
		if s <= 0 {
			return nil, fmt.Errorf("wakesleep: New: sizes[%d] = %d, want > 0", i, s)
		}
	}
	if units != ZeroOne && units != PlusMinusOne {
		return nil, fmt.Errorf("wakesleep: New: unknown %v", units)
	}
	L := len(sizes) - 1
	m := &Machine{Units: units, Sizes: append([]int(nil), sizes...), Prior: ad.Param(ad.Zeros[float64](sizes[L]))}
	for l := range L {
		m.P = append(m.P, newLayer(sizes[l+1], sizes[l], rnd))
	}
	for l := range L {
		m.Q = append(m.Q, newLayer(sizes[l], sizes[l+1], rnd))
	}
	return m, nil
}

// Depth returns the number of hidden layers L.
func (m *Machine) Depth() int { return len(m.Sizes) - 1 }

// Params returns the parameters: the prior, then W and B of each layer of
// P, then of Q.
func (m *Machine) Params() []*ad.Tensor[float64] {
	ps := []*ad.Tensor[float64]{m.Prior}
	for _, l := range m.P {
		ps = append(ps, l.W, l.B)
	}
	for _, l := range m.Q {
		ps = append(ps, l.W, l.B)
	}
	return ps
}

// Clone returns a deep copy of m.
func (m *Machine) Clone() *Machine {
	c := &Machine{Units: m.Units, Sizes: append([]int(nil), m.Sizes...), Prior: ad.Param(m.Prior.Clone())}
	cp := func(l Layer) Layer { return Layer{W: ad.Param(l.W.Clone()), B: ad.Param(l.B.Clone())} }
	for _, l := range m.P {
		c.P = append(c.P, cp(l))
	}
	for _, l := range m.Q {
		c.Q = append(c.Q, cp(l))
	}
	return c
}

// code returns the layer of indicators h as its children see it.
func (m *Machine) code(h *mat.Dense) *mat.Dense {
	if m.Units == ZeroOne {
		return h
	}
	r, c := h.Dims()
	u := mat.NewDense(r, c, nil)
	u.Apply(func(_, _ int, v float64) float64 { return 2*v - 1 }, h)
	return u
}

// priorLogits returns the prior's logits repeated over n rows.
func (m *Machine) priorLogits(n int) *mat.Dense {
	k := len(m.Prior.Data)
	a := mat.NewDense(n, k, nil)
	for i := range n {
		a.SetRow(i, m.Prior.Data)
	}
	return a
}

// state is a batch of configurations of all layers, as {0,1} indicators
// h[l] of shape [n, Sizes[l]], with the logits that p gives each layer
// (pa[l], l = 0..L, pa[L] the prior's) or that q gives layer l+1 (qa[l]).
type state struct {
	h      []*mat.Dense
	pa, qa []*mat.Dense
}

// sampleQ draws k samples h ~ q(h | x) for each row of x: row b·k+i of
// the state holds the i-th sample of x's row b. The first layer's logits
// are computed once per row of x.
func (m *Machine) sampleQ(x *mat.Dense, k int, rnd *rand.Rand) *state {
	checkVisible("sampleQ", m, x)
	s := &state{h: []*mat.Dense{tile(x, k)}}
	for l, q := range m.Q {
		var a *mat.Dense
		if l == 0 {
			a = tile(q.logits(m.code(x)), k)
		} else {
			a = q.logits(m.code(s.h[l]))
		}
		s.qa = append(s.qa, a)
		s.h = append(s.h, bernoulli(a, rnd))
	}
	return s
}

// sampleP draws n ancestral samples (x, h) ~ p.
func (m *Machine) sampleP(n int, rnd *rand.Rand) *state {
	L := m.Depth()
	s := &state{h: make([]*mat.Dense, L+1), pa: make([]*mat.Dense, L+1)}
	s.pa[L] = m.priorLogits(n)
	s.h[L] = bernoulli(s.pa[L], rnd)
	for l := L - 1; l >= 0; l-- {
		s.pa[l] = m.P[l].logits(m.code(s.h[l+1]))
		s.h[l] = bernoulli(s.pa[l], rnd)
	}
	return s
}

// fillP sets the logits of p at the configurations of s.
func (m *Machine) fillP(s *state) {
	L := m.Depth()
	n, _ := s.h[0].Dims()
	s.pa = make([]*mat.Dense, L+1)
	s.pa[L] = m.priorLogits(n)
	for l := range L {
		s.pa[l] = m.P[l].logits(m.code(s.h[l+1]))
	}
}

// fillQ sets the logits of q at the configurations of s.
func (m *Machine) fillQ(s *state) {
	s.qa = s.qa[:0]
	for l, q := range m.Q {
		s.qa = append(s.qa, q.logits(m.code(s.h[l])))
	}
}

// logP returns log p(x, h) for each row of s, whose pa must be filled.
func (m *Machine) logP(s *state) []float64 {
	n, _ := s.h[0].Dims()
	lp := make([]float64, n)
	for l := range s.h {
		addLogBernoulli(lp, s.h[l], s.pa[l])
	}
	return lp
}

// logQ returns log q(h | x) for each row of s, whose qa must be filled.
func (m *Machine) logQ(s *state) []float64 {
	n, _ := s.h[0].Dims()
	lq := make([]float64, n)
	for l := range s.qa {
		addLogBernoulli(lq, s.h[l+1], s.qa[l])
	}
	return lq
}

// Sample draws n ancestral samples from p and returns their visible
// layer, [n, Sizes[0]] of {0,1}.
func (m *Machine) Sample(n int, rnd *rand.Rand) *mat.Dense {
	return m.sampleP(n, rnd).h[0]
}

func checkVisible(op string, m *Machine, x *mat.Dense) {
	if _, c := x.Dims(); c != m.Sizes[0] {
		r, _ := x.Dims()
		panic(fmt.Sprintf("wakesleep: %s: data [%d, %d] for visible size %d", op, r, c, m.Sizes[0]))
	}
}

// bernoulli draws {0,1} indicators with P(1) = sigmoid(a).
func bernoulli(a *mat.Dense, rnd *rand.Rand) *mat.Dense {
	r, c := a.Dims()
	h := mat.NewDense(r, c, nil)
	p := make([]float64, c)
	for i := range r {
		sigmoids(p, a.RawRowView(i))
		row := h.RawRowView(i)
		for j, pj := range p {
			if rnd.Float64() < pj {
				row[j] = 1
			}
		}
	}
	return h
}

func sigmoid(a float64) float64 {
	if a >= 0 {
		return 1 / (1 + math.Exp(-a))
	}
	e := math.Exp(a)
	return e / (1 + e)
}

// sigmoids sets dst[i] = sigmoid(src[i]) with the exponentials taken four
// at a time (simd.ExpFloat64s), within an ulp or two of sigmoid's. dst must
// not overlap src.
func sigmoids(dst, src []float64) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = -math.Abs(v)
	}
	simd.ExpFloat64s(dst, dst)
	for i, v := range src {
		if e := dst[i]; v >= 0 {
			dst[i] = 1 / (1 + e)
		} else {
			dst[i] = e / (1 + e)
		}
	}
}

// softplus returns log(1 + exp(a)) without overflow.
func softplus(a float64) float64 {
	if a > 0 {
		return a + math.Log1p(math.Exp(-a))
	}
	return math.Log1p(math.Exp(a))
}

// addLogBernoulli adds to dst[i] the log-probability of the indicators of
// row i of h under logits a: h·a − softplus(a), summed over the row.
func addLogBernoulli(dst []float64, h, a *mat.Dense) {
	_, c := a.Dims()
	e := make([]float64, c)
	for i := range dst {
		hrow, arow := h.RawRowView(i), a.RawRowView(i)
		// softplus(v) = max(v, 0) + log(1 + e^−|v|), the exponentials in
		// bulk.
		for j, v := range arow {
			e[j] = -math.Abs(v)
		}
		simd.ExpFloat64s(e, e)
		var s float64
		for j, v := range arow {
			s += hrow[j]*v - max(v, 0)
		}
		dst[i] += s - sumLog1p(e)
	}
}

// logChunk factors in (1, 2] multiply to at most 2^1000, within float64's
// range.
const logChunk = 1000

// sumLog1p returns Σ log(1 + e_j) for e_j in [0, 1] as the log of the
// product of the 1 + e_j, one logarithm per logChunk factors: a log1p per
// element took a third of the time of an MNIST-sized log-likelihood. Each
// factor is rounded once, an error of at most 1.2e-16 in its log, as for
// log1p term by term.
func sumLog1p(e []float64) float64 {
	var s float64
	for lo := 0; lo < len(e); lo += logChunk {
		// Four products in turn, for the multiplier's latency.
		p0, p1, p2, p3 := 1.0, 1.0, 1.0, 1.0
		c := e[lo:min(lo+logChunk, len(e))]
		j := 0
		for ; j+4 <= len(c); j += 4 {
			p0 *= 1 + c[j]
			p1 *= 1 + c[j+1]
			p2 *= 1 + c[j+2]
			p3 *= 1 + c[j+3]
		}
		for ; j < len(c); j++ {
			p0 *= 1 + c[j]
		}
		s += math.Log(p0 * p1 * p2 * p3)
	}
	return s
}
