package wakesleep

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/optim"
)

// Algorithm is a training algorithm for a Machine.
type Algorithm int

const (
	// RWS is reweighted wake-sleep (Bornschein & Bengio 2015): K samples
	// h ~ q(h | x) weighted by the self-normalised importance weights
	// w_k ∝ p(x, h_k)/q(h_k | x) give p's wake gradient and q's wake
	// gradient; q also learns from p's dreams (sleep).
	RWS Algorithm = iota
	// WS is wake-sleep (Hinton et al. 1995): p learns from q's samples,
	// unweighted, and q from p's dreams.
	WS
	// BiHM is the bidirectional Helmholtz machine's update (Bornschein et
	// al. 2016) as the reference implements it: RWS with weights
	// ∝ (p(x, h)/q(h | x))^{1/2} and no sleep phase.
	BiHM
	// NRWS is natural reweighted wake-sleep: RWS with every gradient
	// replaced by its damped natural gradient under the exact
	// block-diagonal Fisher matrix.
	NRWS
	// NWS is natural wake-sleep.
	NWS
	// NBiHM is the natural bidirectional Helmholtz machine.
	NBiHM
)

func (a Algorithm) String() string {
	switch a {
	case RWS:
		return "RWS"
	case WS:
		return "WS"
	case BiHM:
		return "BiHM"
	case NRWS:
		return "NRWS"
	case NWS:
		return "NWS"
	case NBiHM:
		return "NBiHM"
	}
	return fmt.Sprintf("Algorithm(%d)", int(a))
}

// Natural reports whether a uses natural gradients.
func (a Algorithm) Natural() bool { return a == NRWS || a == NWS || a == NBiHM }

// base returns the plain algorithm of a natural one.
func (a Algorithm) base() Algorithm {
	switch a {
	case NRWS:
		return RWS
	case NWS:
		return WS
	case NBiHM:
		return BiHM
	}
	return a
}

// QUpdate says where q's gradient comes from.
type QUpdate int

const (
	// QDefault is QSleep for WS, QWake for BiHM and QWakeSleep for RWS.
	QDefault QUpdate = iota
	// QWake uses the importance-weighted wake gradient only.
	QWake
	// QSleep uses the gradient on p's dreams only.
	QSleep
	// QWakeSleep averages the two, each with coefficient 1/2.
	QWakeSleep
)

// Config sets up a Trainer. The zero value trains by RWS with 5 samples,
// batches of 32, SGD with learning rate 0.01 and q learning from both
// phases.
type Config struct {
	Algorithm Algorithm
	// Samples is K, the number of samples from q per data point and, times
	// the batch size, the number of dreams from p; 0 means 5 (1 for WS and
	// NWS, whose samples are unweighted).
	Samples int
	// Batch is the mini-batch size of Epoch; 0 means 32.
	Batch int
	// Optimizer steps the parameters; nil means SGD with LR 0.01, the
	// reference's setting.
	Optimizer optim.Optimizer[float64]
	// Q selects q's update; QDefault means the algorithm's own.
	Q QUpdate
	// QBaseline subtracts 1/K from the weights of q's wake gradient, a
	// control variate (the reference's q_baseline).
	QBaseline bool
	// Damping is the schedule of α for the natural algorithms; nil means
	// Constant(0.1). (1+α)(F+αI)⁻¹g tends to g as α → ∞ and to the exact
	// natural gradient F⁻¹g as α → 0.
	Damping Schedule
	// Fallback is the α above which the natural algorithms use the plain
	// gradient, as the reference does; 0 means 10 (100 for NWS); +Inf
	// never falls back.
	Fallback float64
	// Every recomputes the Fisher inverses every Every steps and reuses
	// them in between (the reference's k_step_update); 0 means every step.
	Every int
	// Inverse chooses how the damped Fisher blocks are inverted; Auto
	// uses Woodbury when N < d+1.
	Inverse Inverse
}

// Trainer trains a Machine by one of the wake-sleep algorithms.
//
// A step draws K samples h ~ q(h | x) per data point and, when q learns in
// its sleep or the natural Fisher blocks are due, B·K dreams (x, h) ~ p.
// p's wake gradient is Σ_k w_k ∇ log p(x, h_k), averaged over the batch;
// q's is Σ_k (w_k − b) ∇ log q(h_k | x) (b = 1/K with QBaseline) in the
// wake and the mean of ∇ log q(h | x) over the dreams in the sleep. The
// natural algorithms precondition each unit's gradient by its own damped
// Fisher block: p's units estimated on the dreams, q's units on the data
// and q's samples (the same blocks for q's wake and sleep gradients), the
// prior's exactly. Unlike the reference, which alternates a wake step and
// a sleep step, one step applies the sum of all gradients.
//
// LogLikelihood and ImportanceLogLikelihood score p's marginal: for BiHM
// and NBiHM this is the generative network, not the bidirectional model
// p*(x) ∝ (p(x)q(x))^{1/2} of the paper.
type Trainer struct {
	Machine *Machine
	cfg     Config
	step    int
	wake    float64 // coefficient of q's wake gradient
	sleep   float64 // coefficient of q's sleep gradient
	invP    []*blockInverse
	invQ    []*blockInverse
}

// NewTrainer checks cfg and returns a Trainer of m.
func NewTrainer(m *Machine, cfg Config) (*Trainer, error) {
	if m == nil {
		return nil, errors.New("wakesleep: NewTrainer: nil Machine")
	}
	if cfg.Algorithm < RWS || cfg.Algorithm > NBiHM {
		return nil, fmt.Errorf("wakesleep: NewTrainer: unknown %v", cfg.Algorithm)
	}
	base := cfg.Algorithm.base()
	if cfg.Samples < 0 {
		return nil, fmt.Errorf("wakesleep: NewTrainer: Samples = %d, want ≥ 0", cfg.Samples)
	}
	if cfg.Samples == 0 {
		cfg.Samples = 5
		if base == WS {
			cfg.Samples = 1
		}
	}
	if cfg.Batch < 0 {
		return nil, fmt.Errorf("wakesleep: NewTrainer: Batch = %d, want ≥ 0", cfg.Batch)
	}
	if cfg.Batch == 0 {
		cfg.Batch = 32
	}
	if cfg.Optimizer == nil {
		cfg.Optimizer = &optim.SGD[float64]{LR: 0.01}
	}
	if cfg.Damping == nil {
		cfg.Damping = Constant(0.1)
	}
	if cfg.Fallback < 0 || math.IsNaN(cfg.Fallback) {
		return nil, fmt.Errorf("wakesleep: NewTrainer: Fallback = %v, want ≥ 0", cfg.Fallback)
	}
	if cfg.Fallback == 0 {
		cfg.Fallback = 10
		if base == WS {
			cfg.Fallback = 100
		}
	}
	if cfg.Every < 0 {
		return nil, fmt.Errorf("wakesleep: NewTrainer: Every = %d, want ≥ 0", cfg.Every)
	}
	if cfg.Inverse < Auto || cfg.Inverse > Woodbury {
		return nil, fmt.Errorf("wakesleep: NewTrainer: unknown Inverse %d", cfg.Inverse)
	}
	t := &Trainer{Machine: m, cfg: cfg}
	q := cfg.Q
	if q == QDefault {
		switch base {
		case WS:
			q = QSleep
		case BiHM:
			q = QWake
		default:
			q = QWakeSleep
		}
	}
	switch q {
	case QWake:
		t.wake = 1
	case QSleep:
		t.sleep = 1
	case QWakeSleep:
		t.wake, t.sleep = 0.5, 0.5
	default:
		return nil, fmt.Errorf("wakesleep: NewTrainer: unknown QUpdate %d", cfg.Q)
	}
	return t, nil
}

// Config returns the configuration with its defaults filled in.
func (t *Trainer) Config() Config { return t.cfg }

// Steps returns the number of steps taken.
func (t *Trainer) Steps() int { return t.step }

// grads holds an ascent direction for every parameter of a Machine.
type grads struct {
	prior []float64
	pw    []*mat.Dense
	pb    [][]float64
	qw    []*mat.Dense
	qb    [][]float64
}

func newGrads(m *Machine) *grads {
	g := &grads{prior: make([]float64, len(m.Prior.Data))}
	for _, l := range m.P {
		g.pw = append(g.pw, mat.NewDense(l.In(), l.Out(), nil))
		g.pb = append(g.pb, make([]float64, l.Out()))
	}
	for _, l := range m.Q {
		g.qw = append(g.qw, mat.NewDense(l.In(), l.Out(), nil))
		g.qb = append(g.qb, make([]float64, l.Out()))
	}
	return g
}

// addUnitGrads adds Σ_n w_n (h_n − s_n) u_nᵀ to gw and Σ_n w_n (h_n − s_n)
// to gb: the weighted gradient of the log-probabilities of the indicators
// h [N, out] under logits a given coded parents u [N, in].
func addUnitGrads(gw *mat.Dense, gb []float64, u, h, a *mat.Dense, w []float64) {
	n, out := h.Dims()
	d := mat.NewDense(n, out, nil)
	s := make([]float64, out)
	for i := range n {
		hr, dr := h.RawRowView(i), d.RawRowView(i)
		sigmoids(s, a.RawRowView(i))
		for j, sj := range s {
			v := w[i] * (hr[j] - sj)
			dr[j] = v
			gb[j] += v
		}
	}
	if u != nil {
		var t mat.Dense
		t.Mul(u.T(), d)
		gw.Add(gw, &t)
	}
}

// addP adds the w-weighted gradient of log p(x, h) at the rows of s.
func (m *Machine) addP(g *grads, s *state, w []float64) {
	L := m.Depth()
	for l := range L {
		addUnitGrads(g.pw[l], g.pb[l], m.code(s.h[l+1]), s.h[l], s.pa[l], w)
	}
	addUnitGrads(nil, g.prior, nil, s.h[L], s.pa[L], w)
}

// addQ adds the w-weighted gradient of log q(h | x) at the rows of s.
func (m *Machine) addQ(g *grads, s *state, w []float64) {
	for l := range m.Q {
		addUnitGrads(g.qw[l], g.qb[l], m.code(s.h[l]), s.h[l+1], s.qa[l], w)
	}
}

// tile repeats each row of x k times: row b·k+i is x's row b.
func tile(x *mat.Dense, k int) *mat.Dense {
	b, c := x.Dims()
	t := mat.NewDense(b*k, c, nil)
	for i := range b {
		row := x.RawRowView(i)
		for j := range k {
			t.SetRow(i*k+j, row)
		}
	}
	return t
}

// wakeWeights returns the normalised weights of the K samples of each of
// the B data points of s (rows b·K+k), which has its logits filled: the
// softmax over k of τ(log p − log q), τ = 1 for RWS and 1/2 for BiHM, or
// 1/K for WS. It fails on a non-finite log-weight.
func (t *Trainer) wakeWeights(s *state, b, k int) ([]float64, error) {
	w := make([]float64, b*k)
	if t.cfg.Algorithm.base() == WS {
		for i := range w {
			w[i] = 1 / float64(k)
		}
		return w, nil
	}
	lp, lq := t.Machine.logP(s), t.Machine.logQ(s)
	tau := 1.0
	if t.cfg.Algorithm.base() == BiHM {
		tau = 0.5
	}
	for i := range w {
		w[i] = tau * (lp[i] - lq[i])
		if math.IsNaN(w[i]) || math.IsInf(w[i], 0) {
			return nil, fmt.Errorf("log-weight log p(x,h) − log q(h|x) = %v at sample %d", w[i], i)
		}
	}
	for i := range b {
		r := w[i*k : (i+1)*k]
		z := floats.LogSumExp(r)
		for j := range r {
			r[j] = math.Exp(r[j] - z)
		}
	}
	return w, nil
}

// addWake adds the wake gradients, averaged over the B data points, at
// the wake samples s (rows b·K+k, logits filled) with weights w.
func (t *Trainer) addWake(g *grads, s *state, w []float64, b, k int) {
	m := t.Machine
	wp := make([]float64, len(w))
	for i, v := range w {
		wp[i] = v / float64(b)
	}
	m.addP(g, s, wp)
	if t.wake == 0 {
		return
	}
	wq := make([]float64, len(w))
	for i, v := range w {
		if t.cfg.QBaseline {
			v -= 1 / float64(k)
		}
		wq[i] = t.wake * v / float64(b)
	}
	m.addQ(g, s, wq)
}

// addSleep adds the sleep gradient of q, averaged over the dreams s (all
// logits filled).
func (t *Trainer) addSleep(g *grads, s *state) {
	n, _ := s.h[0].Dims()
	w := make([]float64, n)
	for i := range w {
		w[i] = t.sleep / float64(n)
	}
	t.Machine.addQ(g, s, w)
}

// Info describes a training step.
type Info struct {
	Step      int     // index of the step, from 0
	Alpha     float64 // damping α of the schedule at this step
	Natural   bool    // whether natural gradients were used (not above Fallback)
	Refreshed bool    // whether the Fisher blocks were refactorised
	// ESS is the effective sample size 1/Σ_k w_k² of the normalised
	// importance weights, averaged over the batch: K when q matches the
	// posterior, near 1 when one sample takes all the weight.
	ESS float64
}

// Step takes one training step on the batch x, [B, Sizes[0]] of {0,1}.
// It returns an error naming the step and the quantity if a log-weight
// or a gradient is not finite, and then leaves the parameters unchanged.
func (t *Trainer) Step(x *mat.Dense, rnd *rand.Rand) (Info, error) {
	checkVisible("Trainer.Step", t.Machine, x)
	alpha := t.cfg.Damping.At(t.step)
	info := Info{Step: t.step, Alpha: alpha}
	info.Natural = t.cfg.Algorithm.Natural() && alpha <= t.cfg.Fallback
	if info.Natural && (math.IsNaN(alpha) || alpha < 0 || math.IsInf(alpha, 0)) {
		return info, fmt.Errorf("wakesleep: %v step %d: damping α = %v, want a finite number ≥ 0", t.cfg.Algorithm, t.step, alpha)
	}
	info.Refreshed = info.Natural && (t.invP == nil || t.cfg.Every <= 1 || t.step%t.cfg.Every == 0)
	g, wake, dreams, w, err := t.estimate(x, info.Refreshed, rnd)
	if err != nil {
		return info, fmt.Errorf("wakesleep: %v step %d: %w", t.cfg.Algorithm, t.step, err)
	}
	b, _ := x.Dims()
	k := t.cfg.Samples
	for i := range b {
		r := w[i*k : (i+1)*k]
		info.ESS += 1 / floats.Dot(r, r) / float64(b)
	}
	if info.Natural {
		if info.Refreshed {
			if err := t.refresh(wake, dreams, alpha); err != nil {
				return info, fmt.Errorf("wakesleep: %v step %d: %w", t.cfg.Algorithm, t.step, err)
			}
		}
		t.precondition(g, alpha)
	}
	if err := t.cfg.Optimizer.Step(t.set(g)); err != nil {
		return info, fmt.Errorf("wakesleep: %v step %d: %w", t.cfg.Algorithm, t.step, err)
	}
	t.step++
	return info, nil
}

// estimate returns the plain gradient estimate on the batch x with the
// wake samples, their normalised weights and, if q learns in its sleep or dreams are asked for, the
// dreams it drew (B·K of them).
func (t *Trainer) estimate(x *mat.Dense, wantDreams bool, rnd *rand.Rand) (g *grads, wake, dreams *state, w []float64, err error) {
	m := t.Machine
	b, _ := x.Dims()
	k := t.cfg.Samples
	g = newGrads(m)
	wake = m.sampleQ(x, k, rnd)
	m.fillP(wake)
	w, err = t.wakeWeights(wake, b, k)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	t.addWake(g, wake, w, b, k)
	if t.sleep > 0 || wantDreams {
		dreams = m.sampleP(b*k, rnd)
	}
	if t.sleep > 0 {
		m.fillQ(dreams)
		t.addSleep(g, dreams)
	}
	return g, wake, dreams, w, nil
}

// refresh recomputes the factorised Fisher blocks: p's units from the
// dreams, q's units from the data and q's samples.
func (t *Trainer) refresh(wake, dreams *state, alpha float64) error {
	m := t.Machine
	t.invP = t.invP[:0]
	for l := range m.P {
		bi, err := factorBlocks(withOnes(m.code(dreams.h[l+1])), fisherWeights(dreams.pa[l]), alpha, t.cfg.Inverse)
		if err != nil {
			return fmt.Errorf("p layer %d: %w", l, err)
		}
		t.invP = append(t.invP, bi)
	}
	t.invQ = t.invQ[:0]
	for l := range m.Q {
		bi, err := factorBlocks(withOnes(m.code(wake.h[l])), fisherWeights(wake.qa[l]), alpha, t.cfg.Inverse)
		if err != nil {
			return fmt.Errorf("q layer %d: %w", l, err)
		}
		t.invQ = append(t.invQ, bi)
	}
	return nil
}

// precondition turns the gradients g into damped natural gradients.
func (t *Trainer) precondition(g *grads, alpha float64) {
	for l, bi := range t.invP {
		bi.applyLayer(g.pw[l], g.pb[l])
	}
	for l, bi := range t.invQ {
		bi.applyLayer(g.qw[l], g.qb[l])
	}
	naturalPrior(g.prior, t.Machine.Prior.Data, alpha)
}

// set stores −g, a descent direction, as the parameters' gradients and
// returns the parameters.
func (t *Trainer) set(g *grads) []*ad.Tensor[float64] {
	m := t.Machine
	neg := func(p *ad.Tensor[float64], v []float64) {
		if p.Grad == nil {
			p.Grad = make([]float64, p.Len())
		}
		for i, x := range v {
			p.Grad[i] = -x
		}
	}
	neg(m.Prior, g.prior)
	for l, ly := range m.P {
		neg(ly.W, g.pw[l].RawMatrix().Data)
		neg(ly.B, g.pb[l])
	}
	for l, ly := range m.Q {
		neg(ly.W, g.qw[l].RawMatrix().Data)
		neg(ly.B, g.qb[l])
	}
	return m.Params()
}

// Epoch shuffles the rows of data and takes one step per batch of
// Config.Batch rows (the last batch may be smaller).
func (t *Trainer) Epoch(data *mat.Dense, rnd *rand.Rand) error {
	n, c := data.Dims()
	perm := rnd.Perm(n)
	for start := 0; start < n; start += t.cfg.Batch {
		end := min(start+t.cfg.Batch, n)
		x := mat.NewDense(end-start, c, nil)
		for i := start; i < end; i++ {
			x.SetRow(i-start, data.RawRowView(perm[i]))
		}
		if _, err := t.Step(x, rnd); err != nil {
			return err
		}
	}
	return nil
}
