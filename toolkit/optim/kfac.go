package optim

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/nn"
)

// Fisher selects the output gradients from which K-FAC builds its factor
// G = E[g gᵀ].
type Fisher int

const (
	// Empirical uses the gradients of the training loss, on the data's
	// targets (Trace.Out.Grad).
	Empirical Fisher = iota
	// Sampled uses the gradients of the loss on targets drawn from the
	// model's predictive distribution (Trace.CurvGrad, saved by
	// nn.Recorder.KeepCurvatureGrads), whose expectation is the true
	// Fisher, as Martens & Grosse (2015) recommend.
	Sampled
)

func (f Fisher) String() string {
	switch f {
	case Empirical:
		return "Empirical"
	case Sampled:
		return "Sampled"
	}
	return fmt.Sprintf("Fisher(%d)", int(f))
}

// KFAC is the Kronecker-factored approximate curvature preconditioner of
// Martens & Grosse (2015) for Linear layers. For a layer s = a·W + b it
// keeps exponential moving averages of
//
//	A = E[ā āᵀ]  (ā = (a, 1): the bias is the weight of a constant input)
//	G = E[g gᵀ]  (g = ∂ℓ/∂s for one example)
//
// and replaces the gradient of W̄ = (W; bᵀ) by
//
//	(A + πγ I)⁻¹ ∇W̄ (G + γ/π I)⁻¹,   π = √((tr A/dim A)/(tr G/dim G)),
//
// the paper's factored Tikhonov damping (section 6.3) with γ = Gamma, by
// default γ = √λ, λ = Damping.
// The moving averages take weight min(1 − 1/k, Decay) on the past at their
// k-th update, so the first step uses its own batch; the damped factors are
// inverted on the first step and then every InvEvery steps.
//
// The loss must be the mean over the N rows of the batch: g is then N times
// the row of Out.Grad. Parameters outside a traced Linear layer are left
// unchanged. The factors are kept in T; inversions run in float64.
// KFAC.Precondition with an SGD base is the plain K-FAC update; KFACStep
// adds the paper's adaptive damping, step size and momentum.
type KFAC[T ad.Float] struct {
	Damping  float64 // λ > 0; zero means 1e-3
	Decay    float64 // in [0, 1); zero means 0.95
	InvEvery int     // ≥ 1; zero means 20
	Fisher   Fisher  // targets of the output gradients; zero means Empirical

	// Gamma is γ > 0, the factored damping of the factors; zero means √λ,
	// tied to Damping. KFACStep adapts it when its GammaEvery is set.
	Gamma float64

	steps int
	st    map[*ad.Tensor[T]]*kron[T]
}

// kron is the state of one layer: its Kronecker factors, their damped
// inverses and scratch space.
type kron[T ad.Float] struct {
	din, dout  int // din = inputs + 1 for a bias
	updates    int
	a, g       []T // factor averages (upper triangles)
	ainv, ginv dampedInv[T]
	abar, gw   []T // scratch: augmented inputs [N, din], gradient [din, dout]
	tmp        []T
}

func kfacDefaults(damping, decay float64, invEvery int, who string) (float64, float64, int, error) {
	if damping == 0 {
		damping = 1e-3
	}
	if decay == 0 {
		decay = 0.95
	}
	if invEvery == 0 {
		invEvery = 20
	}
	switch {
	case !(damping > 0) || math.IsInf(damping, 0):
		return 0, 0, 0, fmt.Errorf("optim: %s: Damping = %v, want a positive number", who, damping)
	case !(decay >= 0 && decay < 1):
		return 0, 0, 0, fmt.Errorf("optim: %s: Decay = %v, want a value in [0, 1)", who, decay)
	case invEvery < 1:
		return 0, 0, 0, fmt.Errorf("optim: %s: InvEvery = %d, want ≥ 1", who, invEvery)
	}
	return damping, decay, invEvery, nil
}

// Precondition replaces the gradients of every traced Linear layer of
// layers by their K-FAC preconditioned values.
func (k *KFAC[T]) Precondition(layers []Layer[T]) error {
	return k.precondition(layers, true, false)
}

// precondition is Precondition; update folds the batch into the factors
// and counts a step, reinvert inverts the damped factors whatever the
// schedule (KFACStep's trials of γ do both, then neither).
func (k *KFAC[T]) precondition(layers []Layer[T], update, reinvert bool) error {
	damping, decay, invEvery, err := kfacDefaults(k.Damping, k.Decay, k.InvEvery, "KFAC")
	if err != nil {
		return err
	}
	if k.Fisher != Empirical && k.Fisher != Sampled {
		return fmt.Errorf("optim: KFAC: Fisher = %v, want Empirical or Sampled", k.Fisher)
	}
	gamma := k.Gamma
	if gamma == 0 {
		gamma = math.Sqrt(damping)
	}
	if !(gamma > 0) || math.IsInf(gamma, 0) {
		return fmt.Errorf("optim: KFAC: Gamma = %v, want a positive number", k.Gamma)
	}
	invert := reinvert
	if update {
		invert = invert || k.steps%invEvery == 0
		k.steps++
	}
	for i := range layers {
		l := &layers[i]
		if l.Trace == nil {
			continue
		}
		s, err := layerState(&k.st, l, "KFAC")
		if err != nil {
			return err
		}
		if s == nil {
			continue
		}
		if update {
			gs, err := curvGrads(l.Trace, k.Fisher, "KFAC")
			if err != nil {
				return err
			}
			eps := s.weight(decay)
			s.updateA(l.Trace, eps)
			s.updateG(gs, eps)
		}
		if invert || s.ainv.inv == nil {
			pi := factorRatio(s.a, s.din, s.g, s.dout)
			if err := s.ainv.update(s.a, s.din, pi*gamma); err != nil {
				return fmt.Errorf("optim: KFAC: layer %d: factor A: %w", i, err)
			}
			if err := s.ginv.update(s.g, s.dout, gamma/pi); err != nil {
				return fmt.Errorf("optim: KFAC: layer %d: factor G: %w", i, err)
			}
		}
		s.loadGrad(l)
		// ∇W̄ ← A⁻¹ ∇W̄ G⁻¹
		ad.Gemm(false, false, s.din, s.dout, s.din, s.ainv.inv, s.din, s.gw, s.dout, 0, s.tmp, s.dout)
		ad.Gemm(false, false, s.din, s.dout, s.dout, s.tmp, s.dout, s.ginv.inv, s.dout, 0, s.gw, s.dout)
		s.storeGrad(l)
	}
	return nil
}

// FOOF is the preconditioner of Benzing (2022), "gradient descent on
// neurons": for each Linear layer it replaces the gradient of W̄ = (W; bᵀ)
// by
//
//	(A + λI)⁻¹ ∇W̄,   A = E[ā āᵀ], ā = (a, 1),
//
// the input-side factor of K-FAC alone, with λ = Damping. The average of A
// and its inversion schedule are those of KFAC.
type FOOF[T ad.Float] struct {
	Damping  float64 // λ > 0; zero means 1e-3
	Decay    float64 // in [0, 1); zero means 0.95
	InvEvery int     // ≥ 1; zero means 20

	steps int
	st    map[*ad.Tensor[T]]*kron[T]
}

// Precondition replaces the gradients of every traced Linear layer of
// layers by their FOOF preconditioned values.
func (f *FOOF[T]) Precondition(layers []Layer[T]) error {
	damping, decay, invEvery, err := kfacDefaults(f.Damping, f.Decay, f.InvEvery, "FOOF")
	if err != nil {
		return err
	}
	invert := f.steps%invEvery == 0
	f.steps++
	for i := range layers {
		l := &layers[i]
		if l.Trace == nil {
			continue
		}
		s, err := layerState(&f.st, l, "FOOF")
		if err != nil {
			return err
		}
		if s == nil {
			continue
		}
		s.updateA(l.Trace, s.weight(decay))
		if invert || s.ainv.inv == nil {
			if err := s.ainv.update(s.a, s.din, damping); err != nil {
				return fmt.Errorf("optim: FOOF: layer %d: %w", i, err)
			}
		}
		s.loadGrad(l)
		ad.Gemm(false, false, s.din, s.dout, s.din, s.ainv.inv, s.din, s.gw, s.dout, 0, s.tmp, s.dout)
		copy(s.gw, s.tmp)
		s.storeGrad(l)
	}
	return nil
}

// layerState checks that l is a whole traced Linear layer and returns its
// state, nil for a layer without gradient.
func layerState[T ad.Float](m *map[*ad.Tensor[T]]*kron[T], l *Layer[T], who string) (*kron[T], error) {
	lin, tr := l.Trace.Layer, l.Trace
	want := lin.Params()
	if len(l.Params) != len(want) || l.Params[0] != want[0] || len(want) == 2 && l.Params[1] != want[1] {
		return nil, fmt.Errorf("optim: %s: a traced layer of shape %v must be trained whole (its weights and bias)", who, lin.W.Shape())
	}
	if lin.W.Grad == nil {
		return nil, nil
	}
	in, out := lin.In(), lin.Out()
	n := tr.In.Len() / in
	if tr.In.Len() != n*in || tr.Out.Len() != n*out {
		panic(fmt.Sprintf("optim.%s: trace of a layer %d → %d has input shape %v and output shape %v", who, in, out, tr.In.Shape(), tr.Out.Shape()))
	}
	din := in
	if lin.B != nil {
		din++
	}
	return state(m, lin.W, func() *kron[T] {
		return &kron[T]{
			din: din, dout: out,
			a:  make([]T, din*din), // g only for K-FAC, made by updateG
			gw: make([]T, din*out), tmp: make([]T, din*out),
		}
	}), nil
}

// curvGrads returns the output gradients of a trace that the Fisher of
// kind f is built from.
func curvGrads[T ad.Float](tr *nn.Trace[T], f Fisher, who string) ([]T, error) {
	in, out := tr.Layer.In(), tr.Layer.Out()
	gs := tr.Out.Grad
	if f == Sampled {
		gs = tr.CurvGrad
		if gs == nil {
			return nil, fmt.Errorf("optim: %s: Fisher is Sampled but layer %d → %d has no sampled gradients: call nn.Recorder.KeepCurvatureGrads after a backward pass on sampled targets", who, in, out)
		}
	} else if gs == nil {
		return nil, fmt.Errorf("optim: %s: layer %d → %d has no output gradient: run the backward pass after the traced forward pass", who, in, out)
	}
	if len(gs) != tr.Out.Len() {
		panic(fmt.Sprintf("optim.%s: %d output gradients for a layer output of shape %v", who, len(gs), tr.Out.Shape()))
	}
	return gs, nil
}

// weight counts an update and returns the weight of the past in it.
func (s *kron[T]) weight(decay float64) T {
	s.updates++
	return T(min(1-1/float64(s.updates), decay))
}

// updateA folds the batch's E[ā āᵀ] into the average of A with weight eps
// on the past.
func (s *kron[T]) updateA(tr *nn.Trace[T], eps T) {
	in := tr.Layer.In()
	n := tr.In.Len() / in
	x := augment(s.abar, tr.In.Data, n, in, s.din)
	if s.din != in {
		s.abar = x // keep the buffer; without a bias x is the input itself
	}
	ema(s.a, x, n, s.din, eps, 1/T(n))
}

// updateG folds the batch's E[g gᵀ] into the average of G, g being N times
// a row of the gradients gs of the batch-mean loss.
func (s *kron[T]) updateG(gs []T, eps T) {
	if s.g == nil {
		s.g = make([]T, s.dout*s.dout)
	}
	n := len(gs) / s.dout
	ema(s.g, gs, n, s.dout, eps, T(n))
}

// ema sets the upper triangle of f to that of eps·f + (1−eps)·scale·xᵀx
// for x of n rows of d, in one rank-n update.
func ema[T ad.Float](f, x []T, n, d int, eps, scale T) {
	switch f := any(f).(type) {
	case []float32:
		blas32.Implementation().Ssyrk(blas.Upper, blas.Trans, d, n, float32((1-eps)*scale), any(x).([]float32), d, float32(eps), f, d)
	case []float64:
		blas64.Implementation().Dsyrk(blas.Upper, blas.Trans, d, n, float64((1-eps)*scale), any(x).([]float64), d, float64(eps), f, d)
	}
}

// loadGrad packs ∇W̄ = (∇W; ∇bᵀ) into s.gw.
func (s *kron[T]) loadGrad(l *Layer[T]) {
	w := l.Params[0]
	copy(s.gw, w.Grad)
	if len(l.Params) == 2 {
		b := s.gw[len(w.Grad):]
		if g := l.Params[1].Grad; g != nil {
			copy(b, g)
		} else {
			clear(b)
		}
	}
}

// storeGrad unpacks s.gw into the gradients of the layer.
func (s *kron[T]) storeGrad(l *Layer[T]) {
	w := l.Params[0]
	copy(w.Grad, s.gw)
	if len(l.Params) == 2 {
		b := l.Params[1]
		if b.Grad == nil {
			b.Grad = make([]T, b.Len())
		}
		copy(b.Grad, s.gw[len(w.Grad):])
	}
}

// factorRatio returns π = √((tr A/dA)/(tr G/dG)), the split of the damping
// between the two factors that minimises the norm of the error it makes
// (Martens & Grosse 2015, section 6.3); 1 if a trace vanishes.
func factorRatio[T ad.Float](a []T, da int, g []T, dg int) float64 {
	var ta, tg float64
	for i := range da {
		ta += float64(a[i*da+i])
	}
	for i := range dg {
		tg += float64(g[i*dg+i])
	}
	if !(ta > 0 && tg > 0) {
		return 1
	}
	return math.Sqrt((ta / float64(da)) / (tg / float64(dg)))
}

// dampedInv holds the inverse of a damped factor, (F + damp·I)⁻¹, with the
// float64 work space that computes it, kept from one inversion to the next.
type dampedInv[T ad.Float] struct {
	inv    []T // the d×d inverse, both triangles
	m, out mat.SymDense
	ch     mat.Cholesky
}

// update sets inv to (F + damp·I)⁻¹ for the symmetric d×d matrix whose
// upper triangle f holds.
func (v *dampedInv[T]) update(f []T, d int, damp float64) error {
	if v.m.IsEmpty() {
		v.m.ReuseAsSym(d)
		v.inv = make([]T, d*d)
	}
	raw := v.m.RawSymmetric()
	for i := range d {
		row := raw.Data[i*raw.Stride:]
		for j := i; j < d; j++ {
			row[j] = float64(f[i*d+j]) // the upper triangle, kept by ema
		}
		row[i] += damp
	}
	if !v.ch.Factorize(&v.m) {
		return fmt.Errorf("damped factor of size %d is not positive definite (damping %v)", d, damp)
	}
	if err := v.ch.InverseTo(&v.out); err != nil {
		return err
	}
	out := v.out.RawSymmetric()
	for i := range d {
		for j := i; j < d; j++ {
			x := T(out.Data[i*out.Stride+j])
			v.inv[i*d+j], v.inv[j*d+i] = x, x
		}
	}
	return nil
}
