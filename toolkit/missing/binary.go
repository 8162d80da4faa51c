package missing

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/nn"
	"github.com/stochgrad/stochgrad/toolkit/optim"
)

// BinaryConditional gives a Bernoulli q(x_j = 1 | x_{∖j}) for binary data:
// Logits gives for each row r of x ([M, D]) the logit of x_{dims[r]} = 1,
// shape [M], and AllLogits the logits of every dimension of every row,
// shape [M, D]; neither depends on x_j in the logit of x_j.
// BinaryConditionals (learned) and ModelConditionals (a model's own)
// implement it.
type BinaryConditional interface {
	Logits(x *ad.Tensor[float64], dims []int) *ad.Tensor[float64]
	AllLogits(x *ad.Tensor[float64]) *ad.Tensor[float64]
	Params() []*ad.Tensor[float64]
}

// BinaryConditionals is the amortised Bernoulli q_φ(x_j | x_{∖j}) of VGI for
// binary data, one hidden layer shared by all dimensions:
//
//	logit q_φ(x_j = 1 | x_{∖j}) = v_jᵀ relu(Wᵀx_{∖j} + c_j + b) + a_j,
//
// where x_{∖j} is x with x_j set to zero and c_j is the code of j (the
// weights a one-hot input of j would have). It is the one-layer network
// of Conditionals with ReLU units (cheaper than tanh in the Gibbs sweeps,
// where it is evaluated once per flip) and a head per dimension, and it is
// built so that the
// conditionals of all D dimensions of a row cost O(D·H) rather than
// O(D²·H): Wᵀx_{∖j} = Wᵀx − x_j·W_j. A Gibbs sweep updates Wᵀx by one row
// of W per flip, which is what makes scanning every missing pixel of an
// image affordable.
type BinaryConditionals struct {
	W    *ad.Tensor[float64] // [D, H] input weights
	Code *ad.Tensor[float64] // [D, H] c_j, the code of each dimension
	B    *ad.Tensor[float64] // [H]
	V    *ad.Tensor[float64] // [D, H] v_j, each dimension's output weights
	A    *ad.Tensor[float64] // [D] a_j, each dimension's output bias
}

// NewBinaryConditionals returns conditionals for d dimensions with h hidden
// units: W Glorot-uniform from rnd, the codes, biases and V zero, so that
// every conditional starts at σ(a_j) = ½ (SetMarginals starts them at the
// data's marginals instead). It panics unless d, h ≥ 1.
func NewBinaryConditionals(rnd *rand.Rand, d, h int) *BinaryConditionals {
	if d < 1 || h < 1 {
		panic(fmt.Sprintf("missing.NewBinaryConditionals: %d dimensions, %d hidden units", d, h))
	}
	w := ad.Zeros[float64](d, h)
	nn.GlorotUniform(rnd, w)
	return &BinaryConditionals{W: ad.Param(w), Code: ad.Param(ad.Zeros[float64](d, h)), B: ad.Param(ad.Zeros[float64](h)),
		V: ad.Param(ad.Zeros[float64](d, h)), A: ad.Param(ad.Zeros[float64](d))}
}

// SetMarginals sets each output bias a_j to the log-odds of the observed
// values of column j of data, (n₁ + ½)/(n₀ + ½): with V still zero every
// conditional is then the column's marginal, which is where the chains
// start (NewChains).
func (q *BinaryConditionals) SetMarginals(data *Data) {
	if data.D != q.A.Len() {
		panic(fmt.Sprintf("missing.BinaryConditionals.SetMarginals: data of %d columns for conditionals of %d", data.D, q.A.Len()))
	}
	n0, n1 := make([]float64, data.D), make([]float64, data.D)
	for i, o := range data.Observed {
		if o {
			n1[i%data.D] += data.X[i]
			n0[i%data.D] += 1 - data.X[i]
		}
	}
	for j := range q.A.Data {
		q.A.Data[j] = math.Log((n1[j] + 0.5) / (n0[j] + 0.5))
	}
}

// Params returns W, the codes, b, V and a.
func (q *BinaryConditionals) Params() []*ad.Tensor[float64] {
	return []*ad.Tensor[float64]{q.W, q.Code, q.B, q.V, q.A}
}

// Logits implements BinaryConditional, differentiable in the parameters.
func (q *BinaryConditionals) Logits(x *ad.Tensor[float64], dims []int) *ad.Tensor[float64] {
	m, d := x.Dim(0), x.Dim(1)
	if len(dims) != m || q.W.Dim(0) != d {
		panic(fmt.Sprintf("missing.BinaryConditionals.Logits: x of shape %v with %d dimensions for conditionals of %d", x.Shape(), len(dims), q.W.Dim(0)))
	}
	x0 := append([]float64(nil), x.Data...)
	for r, j := range dims {
		x0[r*d+j] = 0
	}
	h := ad.ReLU(ad.Add(ad.Linear(ad.New(x0, m, d), q.W, q.B), ad.IndexSelect(q.Code, 0, dims)))
	return ad.Add(ad.Sum(ad.Mul(h, ad.IndexSelect(q.V, 0, dims)), 1), ad.IndexSelect(q.A, 0, dims))
}

// AllLogits implements BinaryConditional, differentiable in the
// parameters, at the cost of M·D·H: Wᵀx_{∖j} = Wᵀx − x_j·W_j for all j at
// once, in one op.
func (q *BinaryConditionals) AllLogits(x *ad.Tensor[float64]) *ad.Tensor[float64] {
	m, d := x.Dim(0), x.Dim(1)
	if q.W.Dim(0) != d {
		panic(fmt.Sprintf("missing.BinaryConditionals.AllLogits: x of shape %v for conditionals of %d dimensions", x.Shape(), q.W.Dim(0)))
	}
	h := q.W.Dim(1)
	xc := ad.Detach(x)
	pre := ad.Detach(ad.Linear(xc, ad.Detach(q.W), ad.Detach(q.B))).Data // Wᵀx + b, [M, H]
	// act calls f with the pre-activation of unit k of head j for row r
	// wherever it is positive.
	act := func(r, j int, f func(k int, a float64)) {
		p, xj := pre[r*h:(r+1)*h], x.Data[r*d+j]
		w, c := q.W.Data[j*h:(j+1)*h], q.Code.Data[j*h:(j+1)*h]
		for k := range h {
			if a := p[k] - xj*w[k] + c[k]; a > 0 {
				f(k, a)
			}
		}
	}
	out := make([]float64, m*d)
	for r := range m {
		for j := range d {
			v, s := q.V.Data[j*h:(j+1)*h], q.A.Data[j]
			act(r, j, func(k int, a float64) { s += v[k] * a })
			out[r*d+j] = s
		}
	}
	return ad.Custom("missing.BinaryConditionals.AllLogits", ad.New(out, m, d), q.Params(), func(g *ad.Tensor[float64]) []*ad.Tensor[float64] {
		gw, gc, gb := make([]float64, d*h), make([]float64, d*h), make([]float64, h)
		gv, ga := make([]float64, d*h), make([]float64, d)
		gpre := make([]float64, m*h)
		for r := range m {
			for j := range d {
				gj := g.Data[r*d+j]
				if gj == 0 {
					continue
				}
				ga[j] += gj
				xj, v := x.Data[r*d+j], q.V.Data[j*h:(j+1)*h]
				act(r, j, func(k int, a float64) {
					gv[j*h+k] += gj * a
					gk := gj * v[k] // ∂/∂a
					gc[j*h+k] += gk
					gw[j*h+k] -= xj * gk
					gpre[r*h+k] += gk
				})
			}
		}
		for r := range m {
			for i := range d {
				if xi := x.Data[r*d+i]; xi != 0 {
					for k := range h {
						gw[i*h+k] += xi * gpre[r*h+k]
					}
				}
			}
			for k := range h {
				gb[k] += gpre[r*h+k]
			}
		}
		return []*ad.Tensor[float64]{ad.New(gw, d, h), ad.New(gc, d, h), ad.New(gb, h), ad.New(gv, d, h), ad.New(ga, d)}
	})
}

// rowState is Wᵀx + b for one row, kept up to date as its entries change.
type rowState struct {
	q   *BinaryConditionals
	pre []float64
	h   int
}

func (q *BinaryConditionals) state(x []float64) *rowState {
	d, h := q.W.Dim(0), q.W.Dim(1)
	s := &rowState{q: q, pre: append([]float64(nil), q.B.Data...), h: h}
	for i := range d {
		if x[i] != 0 {
			w := q.W.Data[i*h : (i+1)*h]
			for k := range h {
				s.pre[k] += x[i] * w[k]
			}
		}
	}
	return s
}

// logit returns logit q(x_j = 1 | x_{∖j}) for the row whose x_j is xj.
func (s *rowState) logit(j int, xj float64) float64 {
	h := s.h
	w, c, v := s.q.W.Data[j*h:(j+1)*h], s.q.Code.Data[j*h:(j+1)*h], s.q.V.Data[j*h:(j+1)*h]
	out := s.q.A.Data[j]
	for k := range h {
		if a := s.pre[k] - xj*w[k] + c[k]; a > 0 {
			out += v[k] * a
		}
	}
	return out
}

// set records that x_j changed by delta.
func (s *rowState) set(j int, delta float64) {
	if delta == 0 {
		return
	}
	w := s.q.W.Data[j*s.h : (j+1)*s.h]
	for k := range s.pre {
		s.pre[k] += delta * w[k]
	}
}

// sweep runs one Gibbs update of each dimension of order on the row x, in
// that order: x_j becomes 1 if a uniform from rnd falls below
// q(x_j = 1 | x_{∖j}), else 0.
func sweep(q BinaryConditional, rnd *rand.Rand, x []float64, order []int) {
	if bq, ok := q.(*BinaryConditionals); ok {
		s := bq.state(x)
		for _, j := range order {
			v := draw(rnd, s.logit(j, x[j]))
			s.set(j, v-x[j])
			x[j] = v
		}
		return
	}
	t := ad.New(x, 1, len(x)) // shares x
	for _, j := range order {
		x[j] = draw(rnd, q.Logits(t, []int{j}).Data[0])
	}
}

func draw(rnd *rand.Rand, logit float64) float64 {
	if rnd.Float64() < sigmoid(logit) {
		return 1
	}
	return 0
}

func sigmoid(l float64) float64 {
	if l >= 0 {
		return 1 / (1 + math.Exp(-l))
	}
	e := math.Exp(l)
	return e / (1 + e)
}

// probs writes q(x_j = 1 | x_{∖j}) of the row x for each j of dims to out.
func probs(q BinaryConditional, x []float64, dims []int, out []float64) {
	if bq, ok := q.(*BinaryConditionals); ok {
		s := bq.state(x)
		for k, j := range dims {
			out[k] = sigmoid(s.logit(j, x[j]))
		}
		return
	}
	d := len(x)
	rep := make([]float64, 0, len(dims)*d)
	for range dims {
		rep = append(rep, x...)
	}
	l := q.Logits(ad.New(rep, len(dims), d), dims)
	for k := range dims {
		out[k] = sigmoid(l.Data[k])
	}
}

// ModelConditionals are the exact conditionals of a model over binary
// vectors whose LogProb is exact: logit p(x_j = 1 | x_{∖j}) =
// log p(x^(j←1)) − log p(x^(j←0)). Gibbs sampling with them is MCMC
// imputation under the model; with them every univariate ELBO of BinaryVGI
// equals log p(x_{∖j}).
type ModelConditionals struct {
	Model Model
}

// Params returns nothing: the model's conditionals are not trained here.
func (ModelConditionals) Params() []*ad.Tensor[float64] { return nil }

// Logits implements BinaryConditional, outside any graph.
func (e ModelConditionals) Logits(x *ad.Tensor[float64], dims []int) *ad.Tensor[float64] {
	m, d := x.Dim(0), x.Dim(1)
	if len(dims) != m {
		panic(fmt.Sprintf("missing.ModelConditionals.Logits: x of shape %v with %d dimensions", x.Shape(), len(dims)))
	}
	both := make([]float64, 2*m*d)
	for r, j := range dims {
		copy(both[r*d:], x.Data[r*d:(r+1)*d])
		copy(both[(m+r)*d:], x.Data[r*d:(r+1)*d])
		both[r*d+j], both[(m+r)*d+j] = 1, 0
	}
	lp := ad.Detach(e.Model.LogProb(ad.New(both, 2*m, d)))
	out := make([]float64, m)
	for r := range out {
		out[r] = lp.Data[r] - lp.Data[m+r]
	}
	return ad.New(out, m)
}

// AllLogits implements BinaryConditional, outside any graph, by 2·D
// evaluations of the model per row.
func (e ModelConditionals) AllLogits(x *ad.Tensor[float64]) *ad.Tensor[float64] {
	m, d := x.Dim(0), x.Dim(1)
	rep := make([]float64, 0, m*d*d)
	dims := make([]int, 0, m*d)
	for r := range m {
		for j := range d {
			rep = append(rep, x.Data[r*d:(r+1)*d]...)
			dims = append(dims, j)
		}
	}
	return ad.Reshape(e.Logits(ad.New(rep, m*d, d), dims), m, d)
}

// PairedModel is a Model whose LogProb is a random estimate (a VAE's ELBO,
// say) that can evaluate two sets of rows with the same randomness in row
// r of both: BinaryVGI then takes the difference log p(x^(j←1)) −
// log p(x^(j←0)), which is what trains Q, without the noise of two
// independent estimates. models.Bound implements it.
type PairedModel interface {
	Model
	LogProbPairs(a, b *ad.Tensor[float64]) (la, lb *ad.Tensor[float64])
}

// BinaryVGI fits a Model of binary vectors from incomplete Data by
// variational Gibbs inference with Bernoulli conditionals. The expectation
// over q(x_j | x_{∖j}) in each univariate bound
//
//	Σ_{v∈{0,1}} q(x_j = v | x_{∖j}) log p_θ(x^(j←v)) + H[q(x_j | x_{∖j})] ≤ log p_θ(x_{∖j})
//
// is a sum over the two values, so it is exact and needs no
// reparameterisation (VGI uses one Gaussian draw for continuous x_j). The
// zero values of the settings follow the reference (METHODS.md §5) except
// Sweeps.
type BinaryVGI struct {
	Model Model
	Q     BinaryConditional
	// Chains is the number R of persistent imputations per row. Zero
	// means 1.
	Chains int
	// Sweeps is the number of random-scan Gibbs sweeps over each copy's
	// missing dimensions before each update. Zero means 1. (The reference
	// updates T = 5 dimensions per row and update, which leaves most of
	// the hundreds of missing pixels of an image untouched for epochs.)
	Sweeps int
	// Dims is the number of missing dimensions of a copy whose univariate
	// bounds enter each update, two evaluations of the model each. Zero
	// means 1 (the reference's l = −1).
	Dims int
	// EntropyWeight is c_H, the weight of q's entropy. Zero means 1.
	EntropyWeight float64
	// Warmup is the number of epochs Fit first trains Q alone on the
	// pseudo-likelihood of the observed values (Warm), imputing the
	// chains with Q before each step as Step does: the reference's
	// optional warm-up, which fits Q to the pre-imputed data only, made
	// iterative so that Q learns from completions of its own rather than
	// from rows whose missing half is noise.
	Warmup int
	// ModelOpt and QOpt update θ and φ. Nil means Adam with learning rate
	// 1e-3 for both.
	ModelOpt, QOpt optim.Optimizer[float64]
	// WarmOpt updates φ during the warm-up. Nil means QOpt. A faster
	// warm-up and a slower QOpt let the model learn from Q's imputations
	// before Q is pulled towards the model's early, blurred conditionals.
	WarmOpt optim.Optimizer[float64]
}

func (v *BinaryVGI) check() error {
	switch {
	case v.Model == nil || v.Q == nil:
		return errors.New("missing: BinaryVGI needs a Model and a Q")
	case v.Chains < 0 || v.Sweeps < 0 || v.Dims < 0 || v.EntropyWeight < 0 || v.Warmup < 0:
		return fmt.Errorf("missing: BinaryVGI: Chains %d, Sweeps %d, Dims %d, EntropyWeight %v, Warmup %d; none may be negative", v.Chains, v.Sweeps, v.Dims, v.EntropyWeight, v.Warmup)
	}
	return nil
}

// NewChains starts R chains per row from the empirical marginals of the
// observed values. It returns an error unless every entry of data is 0 or
// 1 where observed.
func (v *BinaryVGI) NewChains(rnd *rand.Rand, data *Data) (*Chains, error) {
	for i, o := range data.Observed {
		if o && data.X[i] != 0 && data.X[i] != 1 {
			return nil, fmt.Errorf("missing: BinaryVGI: row %d, column %d holds %v; the data must be binary", i/data.D, i%data.D, data.X[i])
		}
	}
	return newChains(rnd, data, max(v.Chains, 1)), nil
}

// Impute runs Sweeps random-scan Gibbs sweeps with Q over the missing
// dimensions of every chain of the given rows. Nothing is recorded for
// gradients. Randomness: per copy and sweep, a permutation of its missing
// dimensions, then one uniform per update.
func (v *BinaryVGI) Impute(rnd *rand.Rand, c *Chains, rows []int) {
	d := c.Data.D
	for _, i := range rows {
		m := c.Data.missingDims(i)
		if len(m) == 0 {
			continue
		}
		order := make([]int, len(m))
		for r := range c.R {
			x := c.X[(i*c.R+r)*d : (i*c.R+r+1)*d]
			for range max(v.Sweeps, 1) {
				for k, p := range rnd.Perm(len(m)) {
					order[k] = m[p]
				}
				sweep(v.Q, rnd, x, order)
			}
		}
	}
}

// Objective returns the negative VGI objective of the given rows, averaged
// over them (each row's chains weigh 1/R): for a copy with missing values,
// minus the mean over Dims of its missing dimensions j of the univariate
// bound Σ_v q(x_j = v | x_{∖j}) log p_θ(x^(j←v)) + c_H·H[q(x_j | x_{∖j})];
// for a complete row, −log p_θ(x). Its gradient trains θ and φ. A
// PairedModel evaluates x^(j←1) and x^(j←0) with common random numbers.
// Randomness: the choice of dimensions, then whatever the Model draws.
func (v *BinaryVGI) Objective(rnd *rand.Rand, c *Chains, rows []int) *ad.Tensor[float64] {
	d := c.Data.D
	want := max(v.Dims, 1)
	ch := v.EntropyWeight
	if ch == 0 {
		ch = 1
	}
	var complete, base, weights []float64
	var dims []int
	nComplete := 0
	for _, i := range rows {
		m := c.Data.missingDims(i)
		for r := range c.R {
			row := c.X[(i*c.R+r)*d : (i*c.R+r+1)*d]
			if len(m) == 0 {
				complete = append(complete, row...)
				nComplete++
				continue
			}
			k := min(want, len(m))
			for _, p := range rnd.Perm(len(m))[:k] {
				base = append(base, row...)
				dims = append(dims, m[p])
				weights = append(weights, 1/float64(c.R*k))
			}
		}
	}
	scale := -1 / float64(len(rows))
	var terms []*ad.Tensor[float64]
	if nComplete > 0 {
		lp := v.Model.LogProb(ad.New(complete, nComplete, d))
		terms = append(terms, ad.MulScalar(ad.Sum(lp), scale/float64(c.R)))
	}
	if nu := len(dims); nu > 0 {
		logit := v.Q.Logits(ad.New(base, nu, d), dims)
		both := make([]float64, 0, 2*nu*d) // x^(j←1) then x^(j←0)
		both = append(both, base...)
		both = append(both, base...)
		for r, j := range dims {
			both[r*d+j], both[(nu+r)*d+j] = 1, 0
		}
		var lp1, lp0 *ad.Tensor[float64]
		if pm, ok := v.Model.(PairedModel); ok {
			lp1, lp0 = pm.LogProbPairs(ad.New(both[:nu*d], nu, d), ad.New(both[nu*d:], nu, d))
		} else {
			lp := v.Model.LogProb(ad.New(both, 2*nu, d))
			lp1, lp0 = ad.Slice(lp, 0, 0, nu), ad.Slice(lp, 0, nu, 2*nu)
		}
		q1, q0 := ad.Sigmoid(logit), ad.Sigmoid(ad.Neg(logit))
		h := ad.Neg(ad.Add(ad.Mul(q1, ad.LogSigmoid(logit)), ad.Mul(q0, ad.LogSigmoid(ad.Neg(logit)))))
		bound := ad.Add(ad.Add(ad.Mul(q1, lp1), ad.Mul(q0, lp0)), ad.MulScalar(h, ch))
		terms = append(terms, ad.MulScalar(ad.Sum(ad.Mul(bound, ad.New(weights, nu))), scale))
	}
	return sumTerms(terms)
}

// Warm returns minus the pseudo-log-likelihood of the observed values
// under Q, averaged over the given rows: for each copy, the mean over its
// observed dimensions j of log q(x_j | x_{∖j}) at the chain's current
// values (AllLogits). Its gradient trains φ alone; it is the reference's
// warm-up of the conditionals as regressors of the observed data.
func (v *BinaryVGI) Warm(c *Chains, rows []int) *ad.Tensor[float64] {
	d := c.Data.D
	x := make([]float64, 0, len(rows)*c.R*d)
	weights := make([]float64, 0, len(rows)*c.R*d)
	for _, i := range rows {
		obs := c.Data.Observed[i*d : (i+1)*d]
		n := 0
		for _, o := range obs {
			if o {
				n++
			}
		}
		for r := range c.R {
			x = append(x, c.X[(i*c.R+r)*d:(i*c.R+r+1)*d]...)
			for _, o := range obs {
				w := 0.0
				if o {
					w = 1 / float64(c.R*n)
				}
				weights = append(weights, w)
			}
		}
	}
	m := len(rows) * c.R
	xt := ad.New(x, m, d)
	nll := ad.BCEWithLogits(v.Q.AllLogits(xt), xt)
	return ad.MulScalar(ad.Sum(ad.Mul(nll, ad.New(weights, m, d))), 1/float64(len(rows)))
}

// Step imputes the given rows' chains (Impute) and takes one optimizer
// step for θ and one for φ on their Objective. It returns the objective's
// value, or an error naming the quantity if it is not finite (the
// parameters are then left unchanged).
func (v *BinaryVGI) Step(rnd *rand.Rand, c *Chains, rows []int) (float64, error) {
	if err := v.check(); err != nil {
		return 0, err
	}
	v.Impute(rnd, c, rows)
	if v.ModelOpt == nil {
		v.ModelOpt = &optim.Adam[float64]{LR: 1e-3}
	}
	if v.QOpt == nil {
		v.QOpt = &optim.Adam[float64]{LR: 1e-3}
	}
	return descend("BinaryVGI", v.Objective(rnd, c, rows),
		update{"model", v.Model.Params(), v.ModelOpt}, update{"conditionals", v.Q.Params(), v.QOpt})
}

// Fit starts the chains from the empirical marginals, trains Q alone for
// Warmup epochs (Impute, then a step on Warm), then runs epochs of Step
// over the data in shuffled minibatches of the given size. It returns the
// mean objective of each epoch after the warm-up and the chains. It stops
// at the first error, naming the epoch and step.
func (v *BinaryVGI) Fit(rnd *rand.Rand, data *Data, epochs, batch int) ([]float64, *Chains, error) {
	if err := v.check(); err != nil {
		return nil, nil, err
	}
	if epochs < 0 || batch < 1 {
		return nil, nil, fmt.Errorf("missing: BinaryVGI.Fit: %d epochs in batches of %d", epochs, batch)
	}
	c, err := v.NewChains(rnd, data)
	if err != nil {
		return nil, nil, err
	}
	if v.QOpt == nil {
		v.QOpt = &optim.Adam[float64]{LR: 1e-3}
	}
	warm := v.WarmOpt
	if warm == nil {
		warm = v.QOpt
	}
	if _, err := runEpochs(rnd, data.N, v.Warmup, batch, func(rows []int) (float64, error) {
		v.Impute(rnd, c, rows)
		return descend("BinaryVGI warm-up", v.Warm(c, rows), update{"conditionals", v.Q.Params(), warm})
	}); err != nil {
		return nil, c, fmt.Errorf("warm-up: %w", err)
	}
	hist, err := runEpochs(rnd, data.N, epochs, batch, func(rows []int) (float64, error) { return v.Step(rnd, c, rows) })
	return hist, c, err
}

// PosteriorMean continues the chains for the given number of rounds of
// Impute over every row and returns the data with each missing entry
// replaced by the average over chains and rounds of q(x_j = 1 | x_{∖j}) at
// the chain's values: the Rao-Blackwellised estimate of P(x_j = 1 | x_obs)
// under Q's Gibbs chain.
func (v *BinaryVGI) PosteriorMean(rnd *rand.Rand, c *Chains, rounds int) *Data {
	d := c.Data
	all := make([]int, d.N)
	for i := range all {
		all[i] = i
	}
	sum := make([]float64, len(d.X))
	p := make([]float64, d.D)
	for range max(rounds, 1) {
		v.Impute(rnd, c, all)
		for i := range d.N {
			m := d.missingDims(i)
			for r := range c.R {
				probs(v.Q, c.X[(i*c.R+r)*d.D:(i*c.R+r+1)*d.D], m, p)
				for k, j := range m {
					sum[i*d.D+j] += p[k]
				}
			}
		}
	}
	out := &Data{N: d.N, D: d.D, X: append([]float64(nil), d.X...), Observed: d.Observed}
	n := float64(max(rounds, 1) * c.R)
	for i, o := range d.Observed {
		if !o {
			out.X[i] = sum[i] / n
		}
	}
	return out
}

// update is one optimizer step on a set of parameters.
type update struct {
	name   string
	params []*ad.Tensor[float64]
	opt    optim.Optimizer[float64]
}

// descend backpropagates loss and takes each update's step, zeroing the
// gradients after. It returns loss's value, or an error if it is not finite
// (then nothing changes) or an optimizer refuses its step.
func descend(method string, loss *ad.Tensor[float64], updates ...update) (float64, error) {
	val := loss.Item()
	if math.IsNaN(val) || math.IsInf(val, 0) {
		return val, fmt.Errorf("missing: %s: objective is %v", method, val)
	}
	if loss.RequiresGrad() {
		loss.Backward()
	}
	for _, u := range updates {
		defer zero(u.params)
	}
	for _, u := range updates {
		if err := u.opt.Step(u.params); err != nil {
			return val, fmt.Errorf("missing: %s: %s update: %w", method, u.name, err)
		}
	}
	return val, nil
}

// sumTerms adds the terms, or returns 0 if there are none.
func sumTerms(terms []*ad.Tensor[float64]) *ad.Tensor[float64] {
	if len(terms) == 0 {
		return ad.Scalar(0.0)
	}
	out := terms[0]
	for _, t := range terms[1:] {
		out = ad.Add(out, t)
	}
	return out
}
