package estimators

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
)

// RELAX is the RELAX estimator (Grathwohl, Choi, Wu, Roeder and Duvenaud
// 2018), one core for three families of distributions:
//
//   - distributions.Bernoulli: z = l + logistic noise, b = 1[z > 0];
//   - distributions.Categorical: z = l + Gumbel noise, b = one-hot argmax z;
//   - Structured (recursive Gumbel-Max, Struminsky et al. 2021): z = E, the
//     exponentials E_e = exp(−θ_e)·ε_e, b the structure the algorithm
//     computes on them, and "log p(b)" the log-probability of its execution
//     trace T, as the reference's RELAX does.
//
// The sample b = H(z) is a deterministic function of continuous noise, and
// z̃ ~ p(z | b) (p(E | T) for structures) is drawn reparameterised in the
// logits l with b fixed (the conditional sample of REBAR). For any control
// variate c of z the estimate
//
//	[f(b) − c(z̃)]·∇log p(b) + ∇c(z) − ∇c(z̃)
//
// is unbiased. Here c(z) = η·f(σ_λ(z)) + r(z): the objective at the
// Concrete relaxation σ_λ (σ(·/λ) or softmax(·/λ)) plus a learned
// residual r (Residual, for example an nn.MLP of z). With Residual nil this
// is REBAR. Structures have no relaxation: there c = r, Eta must be nil or
// zero, and r sees the exponentials of the variables that appear in the
// sample's trace (the others set to 0, as in the reference), so it adds no
// gradient to logits that cannot influence the structure.
//
// # Tuning the control variate
//
// η, λ and r's parameters are chosen, as in the papers, to minimise the
// estimator's variance, by gradient descent on mean_s ‖g_s‖² (g_s the
// estimate from sample s, with respect to the logits), whose expectation
// is the total variance plus a term that does not depend on them. Its
// gradient needs ∂g/∂φ, a mixed second derivative that the engine's single
// backward pass cannot give. We use instead, for a random sign vector ε
// (Hutchinson), ‖g‖² = E_ε⟨g, ε⟩², so that
//
//	∇_φ E‖g‖² = E[2·⟨g, ε⟩·∇_φ⟨g, ε⟩],
//	⟨g, ε⟩ = [f(b) − c(z̃)]·⟨∇log p(b), ε⟩ + D_ε c(z(l)) − D_ε c(z̃(l)),
//
// where the directional derivatives along ε in the logits are central
// differences, D_ε c(z(l)) ≈ [c(z(l+hε)) − c(z(l−hε))]/2h with the same
// noise (h = ∛(machine ε): error O(h²)), and ⟨∇log p(b), ε⟩ is in closed
// form. ∇_φ of this expression is first order, so one ordinary Backward
// gives an unbiased (up to O(h²)) estimate of the variance gradient for
// any critic, at the price of the extra noise of ε (⟨g, ε⟩² estimates
// ‖g‖² with a relative standard deviation of at most √2). Tuning is on
// when Eta or LogTemperature requires gradients or Residual is set.
//
// The Surrogate carries both gradients: Backward puts the estimate of
// ∇E[f] into the logits (and whatever produced them), mean ∇f(b) into f's
// own parameters if it has any, and the variance gradient into η, log λ
// and r's parameters (the leaves r's output depends on), nothing else. The
// critic's terms enter the Surrogate through ops whose backward takes, with
// ad.Grad, the gradient with respect to the logits or to φ alone, never
// writing into f's parameters; their graphs live until the Surrogate's
// Backward. One minimising optimizer over all of them
// reproduces the papers' training; when maximising, negate f rather than
// the Surrogate.
//
// # Draws and cost
//
// The estimate draws from rnd S·n uniforms for z (n the number of logits,
// row-major over [S, logits' shape]), then S·n for z̃, then, when tuning,
// S·n random signs (one rnd.Uint64 each). Each sample costs one evaluation
// of f at b and two at relaxed points, and when tuning five more, at
// perturbed points (none of the relaxed ones when η is a constant zero);
// each is differentiated once, in the Surrogate's Backward. Samples in the
// Estimate counts them. f and Residual are called with batches of these
// rows, so they must treat rows independently.
type RELAX[T ad.Float] struct {
	// Samples is the number S of samples. Zero means 1.
	Samples int
	// Eta is η, a one-element tensor; nil means 1. Make it an ad.Param leaf
	// to tune it; a constant zero drops the relaxed term from c.
	Eta *ad.Tensor[T]
	// LogTemperature is log λ, a one-element tensor; nil means λ = ½.
	LogTemperature *ad.Tensor[T]
	// Residual is r(z): it receives pre-activations of shape
	// [m, logits' shape...] and returns shape [m]. Nil means none.
	Residual Func[T]
}

// Check reports whether p is a Bernoulli, categorical or Structured
// distribution and the settings are valid.
func (r RELAX[T]) Check(p distributions.Sampler[T]) error {
	_, err := r.family("RELAX", p)
	return err
}

// Estimate returns the estimate for p: a distributions.Bernoulli with
// logits of any shape, a distributions.Categorical with logits of shape
// [...batch, K], or a Structured distribution. f receives samples of shape
// [m, logits' shape...], discrete or (for the relaxed term of c) relaxed,
// and returns shape [m], or [m, batch...] for per-example objectives when
// the logits' leading axes are those examples (logits [B, ...] and f of
// shape [m, B]); the Residual then returns the same shape as f.
func (r RELAX[T]) Estimate(rnd *rand.Rand, p distributions.Sampler[T], f Func[T]) Estimate[T] {
	const op = "RELAX"
	fam, err := r.family(op, p)
	must(err)
	logits, _, _ := logitsOf(p)
	if sp, ok := fam.(*structureFamily[T]); ok {
		logits = sp.logits
	}
	return r.estimate(op, fam, rnd, logits, f)
}

// family returns the family of p, checking the settings.
func (r RELAX[T]) family(op string, p distributions.Sampler[T]) (family[T], error) {
	if err := checkSamples(op, "Samples", r.Samples, 1); err != nil {
		return nil, err
	}
	for _, t := range []struct {
		name string
		v    *ad.Tensor[T]
	}{{"Eta", r.Eta}, {"LogTemperature", r.LogTemperature}} {
		if t.v != nil && t.v.Len() != 1 {
			return nil, unsupported(op, "%s has shape %v; it must have one element", t.name, t.v.Shape())
		}
	}
	if l, bern, ok := logitsOf(p); ok {
		if bern {
			return bernoulliFamily[T]{}, nil
		}
		if l.Rank() == 0 || l.Dim(-1) == 0 {
			return nil, unsupported(op, "categorical logits of shape %v have no category axis", l.Shape())
		}
		return categoricalFamily[T]{}, nil
	}
	sp, err := structuredOf(op, p)
	if err != nil {
		return nil, unsupported(op, "%s is neither a Bernoulli, a Categorical nor a Structured distribution", typeName(p))
	}
	if r.Eta != nil && (r.Eta.RequiresGrad() || r.Eta.Item() != 0) {
		return nil, unsupported(op, "a Structured distribution has no relaxation: Eta must be nil or a constant zero")
	}
	return &structureFamily[T]{st: sp.Structure, logits: sp.Logits}, nil
}

// critic evaluates c(x) = η·f(σ_λ(x)) + r(x) on a batch of
// pre-activations x of shape [m, ...].
type critic[T ad.Float] struct {
	op          string
	fam         family[T]
	f, residual Func[T]
	eta, lambda *ad.Tensor[T]
	useF        bool
	evals       int   // rows of f evaluated so far
	cols        []int // f's shape per sample: [] or [batch...]
}

// relaxed returns η·f(σ_λ(x)), or nil when c has no relaxed term.
func (c *critic[T]) relaxed(x *ad.Tensor[T]) *ad.Tensor[T] {
	if !c.useF {
		return nil
	}
	c.evals += x.Dim(0)
	return ad.Mul(c.eta, c.check("the objective", evalFunc(c.op, c.f, c.fam.relax(x, c.lambda), x.Dim(0))))
}

// check panics unless v has f's shape per sample.
func (c *critic[T]) check(what string, v *ad.Tensor[T]) *ad.Tensor[T] {
	if !slices.Equal(v.Shape()[1:], c.cols) {
		panic(fmt.Sprintf("estimators.%s: %s returned shape %v for %d rows; the objective's shape per sample is %v", c.op, what, v.Shape(), v.Dim(0), c.cols))
	}
	return v
}

// resid returns r(x), or nil without a residual.
func (c *critic[T]) resid(x *ad.Tensor[T]) *ad.Tensor[T] {
	if c.residual == nil {
		return nil
	}
	return c.check("Residual", evalFunc(c.op, c.residual, c.fam.features(x), x.Dim(0)))
}

// sumOrZero returns a + b where nil is zero, and zeros of m rows of
// shape cols if both are.
func sumOrZero[T ad.Float](a, b *ad.Tensor[T], m int, cols []int) *ad.Tensor[T] {
	switch {
	case a == nil && b == nil:
		return ad.Zeros[T](append([]int{m}, cols...)...)
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return ad.Add(a, b)
}

func (r RELAX[T]) estimate(op string, fam family[T], rnd *rand.Rand, logits *ad.Tensor[T], f Func[T]) Estimate[T] {
	n := positiveOr(op, "Samples", r.Samples, 1)
	shape := append([]int{n}, logits.Shape()...)
	l := ad.Add(logits, ad.Zeros[T](shape...)) // [S, ...], gradients summed back into logits
	size := l.Len()
	u, v := openUniforms(rnd, size), openUniforms(rnd, size)

	b := fam.hard(fam.z(ad.StopGradient(l), u))
	fb := evalFunc(op, f, b, n)
	logp := reduceTo(op, fam.logProb(logits, b), fb.Shape())
	cols := fb.Shape()[1:]
	if !slices.Equal(logits.Shape()[:min(len(cols), logits.Rank())], cols) {
		panic(fmt.Sprintf("estimators.%s: per-example objective of shape %v for logits of shape %v: the logits' leading axes must be the examples", op, fb.Shape(), logits.Shape()))
	}

	c := &critic[T]{op: op, fam: fam, f: f, residual: r.Residual, evals: n, cols: cols}
	c.eta = oneElement(op, "Eta", r.Eta, fam.defaultEta())
	c.lambda = ad.Scalar(T(0.5))
	if r.LogTemperature != nil {
		c.lambda = ad.Exp(oneElement(op, "LogTemperature", r.LogTemperature, 0))
	}
	c.useF = c.eta.RequiresGrad() || c.eta.Item() != 0

	// The estimate's pathwise part, ∇_l [c(z) − c(z̃)], must reach l and
	// nothing else, not φ nor f's own parameters: c is evaluated at a copy
	// lh of l, and the Surrogate carries an op whose backward takes the
	// gradient with respect to lh alone (ad.Grad) and passes it to l.
	lh := ad.Param(ad.New(slices.Clone(l.Data), l.Shape()...))
	zh, zth := c.fam.z(lh, u), c.fam.cond(lh, b, v)
	x1 := ad.Concat(0, zh, zth)
	c1 := sumOrZero(c.relaxed(x1), c.resid(x1), 2*n, cols)
	part := func(t *ad.Tensor[T], i int) *ad.Tensor[T] { return ad.Slice(t, 0, i*n, (i+1)*n) }
	fv := fb.Float64s()
	m := len(fv) // n rows of the examples
	coef := make([]T, m)
	for i := range coef {
		coef[i] = T(fv[i] - float64(c1.Data[m+i]))
	}
	sur := sampleMean(ad.Mul(ad.New(coef, fb.Shape()...), logp))
	if diff := sampleMean(ad.Sub(part(c1, 0), part(c1, 1))); diff.RequiresGrad() {
		sur = ad.Add(sur, ad.Custom(op+" pathwise", ad.Scalar(T(0)), []*ad.Tensor[T]{l}, func(g *ad.Tensor[T]) []*ad.Tensor[T] {
			return ad.Grad(diff, g, lh)
		}))
	}
	sur = addPathwise(sur, fb)

	if c.eta.RequiresGrad() || c.lambda.RequiresGrad() || r.Residual != nil {
		if v := r.variance(c, rnd, l, b, u, v, ad.StopGradient(zth), fv); v != nil {
			sur = ad.Add(sur, v)
		}
	}
	return Estimate[T]{Value: sampleMeanValue(fb), Surrogate: sur, Samples: c.evals}
}

// variance returns a scalar whose gradient with respect to φ (η, log λ and
// the residual's parameters) estimates ∇_φ mean_s ‖g_s‖², and whose
// gradient with respect to anything else is zero up to rounding.
func (r RELAX[T]) variance(c *critic[T], rnd *rand.Rand, l, b *ad.Tensor[T], u, v []float64, ztd *ad.Tensor[T], fb []float64) *ad.Tensor[T] {
	n := l.Dim(0)
	size := l.Len()
	per := size / n
	ncols := len(fb) / n // examples; each owns per/ncols consecutive logits
	eps := make([]float64, size)
	for i := range eps {
		eps[i] = float64(rnd.Uint64()>>63)*2 - 1
	}
	h := fdStep[T]()
	lc := ad.StopGradient(l)
	score := c.fam.score(lc, b)
	a := make([]float64, n*ncols) // ⟨∇log p_e(b_s), ε_s⟩ for each example e
	lp, lm := ad.Zeros[T](l.Shape()...), ad.Zeros[T](l.Shape()...)
	for i, e := range eps {
		a[i/(per/ncols)] += score[i] * e
		lp.Data[i] = lc.Data[i] + T(h*e)
		lm.Data[i] = lc.Data[i] - T(h*e)
	}
	x := ad.Concat(0, ztd, c.fam.z(lp, u), c.fam.z(lm, u), c.fam.cond(lp, b, v), c.fam.cond(lm, b, v))

	// directional returns, for each sample and example, the terms of
	// ⟨g_s, ε_s⟩ other than f_e(b_s)·a_se, for critic values cv.
	shape := append([]int{n}, c.cols...)
	aNeg := make([]T, len(a))
	for i := range aNeg {
		aNeg[i] = T(-a[i])
	}
	directional := func(cv *ad.Tensor[T]) *ad.Tensor[T] {
		part := func(i int) *ad.Tensor[T] { return ad.Slice(cv, 0, i*n, (i+1)*n) }
		fd := ad.Add(ad.Sub(part(1), part(2)), ad.Sub(part(4), part(3)))
		return ad.Add(ad.Mul(ad.New(aNeg, shape...), part(0)), ad.MulScalar(fd, T(1/(2*h))))
	}
	res := c.resid(x)
	w := directional(sumOrZero(c.relaxed(x), res, 5*n, c.cols))
	// coef_s = 2⟨g_s, ε_s⟩/S, the same for every example of sample s.
	coef := make([]T, len(a))
	for s := range n {
		dot := 0.0
		for e := range ncols {
			i := s*ncols + e
			dot += fb[i]*a[i] + float64(w.Data[i])
		}
		for e := range ncols {
			coef[s*ncols+e] = T(2 * dot / float64(n))
		}
	}
	loss := ad.Sum(ad.Mul(ad.New(coef, shape...), w))

	// loss reaches f's own parameters too: only φ may receive its
	// gradient, so the Surrogate carries an op whose backward takes the
	// gradient with respect to φ alone. φ is η and log λ as given (they
	// may be computed from other parameters) and the residual's leaves.
	var phi []*ad.Tensor[T]
	for _, t := range []*ad.Tensor[T]{r.Eta, r.LogTemperature} {
		if t != nil && t.RequiresGrad() {
			phi = append(phi, t)
		}
	}
	if res != nil {
		for _, t := range ad.Leaves(res) {
			if !slices.Contains(phi, t) {
				phi = append(phi, t)
			}
		}
	}
	if len(phi) == 0 || !loss.RequiresGrad() {
		return nil
	}
	return ad.Custom(c.op+" variance", ad.Scalar(T(0)), phi, func(g *ad.Tensor[T]) []*ad.Tensor[T] {
		return ad.Grad(loss, g, phi...)
	})
}

// oneElement returns t reshaped to a scalar, or the constant def if t is
// nil; it panics if t has more than one element.
func oneElement[T ad.Float](op, field string, t *ad.Tensor[T], def T) *ad.Tensor[T] {
	if t == nil {
		return ad.Scalar(def)
	}
	if t.Len() != 1 {
		panic(fmt.Sprintf("estimators.%s: %s has shape %v; it must have one element", op, field, t.Shape()))
	}
	return ad.Reshape(t)
}

// openUniforms returns n uniforms in the open interval (0, 1), one
// rnd.Uint64 each.
func openUniforms(rnd *rand.Rand, n int) []float64 {
	u := make([]float64, n)
	for i := range u {
		u[i] = (float64(rnd.Uint64()>>11) + 0.5) / (1 << 53)
	}
	return u
}

// fdStep returns ∛ of the machine epsilon of T, the step of a central
// difference with the smallest total error.
func fdStep[T ad.Float]() float64 {
	if float64(T(math.Pi)) != math.Pi {
		return math.Cbrt(0x1p-23)
	}
	return math.Cbrt(0x1p-52)
}
