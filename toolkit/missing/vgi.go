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

// Model is a density over complete rows: LogProb returns log p_θ(x_r) for
// each row of x ([M, D]), shape [M], differentiable in x and in Params.
// FactorAnalysis implements it.
type Model interface {
	LogProb(x *ad.Tensor[float64]) *ad.Tensor[float64]
	Params() []*ad.Tensor[float64]
}

// Conditional gives a Gaussian q(x_j | x_{∖j}) for pairs of a row and a
// dimension: for each row r of x ([M, D]) and dims[r], the mean and log
// standard deviation of x_{dims[r]}, shape [M], never depending on
// x[r, dims[r]]. Conditionals (learned) and ExactConditionals implement it.
type Conditional interface {
	Forward(x *ad.Tensor[float64], dims []int) (mean, logStd *ad.Tensor[float64])
	Params() []*ad.Tensor[float64]
}

// Conditionals is the amortised q_φ(x_j | x_{∖j}) of VGI, Gaussian: one
// network reads x with x_j set to zero together with the one-hot code of j
// and returns the mean and log standard deviation of x_j. Zeroing the input
// rather than masking weights keeps x_j out of head j whatever the
// network's depth (the reference's masked variant leaks it when its mask is
// off, METHODS.md §5).
type Conditionals struct {
	Net *nn.MLP[float64] // 2D inputs, 2 outputs
}

// NewConditionals returns conditionals for d dimensions with the given
// hidden widths (nil means one layer of 64) and tanh activations.
func NewConditionals(rnd *rand.Rand, d int, hidden ...int) *Conditionals {
	if hidden == nil {
		hidden = []int{64}
	}
	widths := append(append([]int{2 * d}, hidden...), 2)
	return &Conditionals{Net: nn.NewMLP(rnd, widths, ad.Tanh[float64])}
}

// Params returns the network's parameters.
func (q *Conditionals) Params() []*ad.Tensor[float64] { return q.Net.Params() }

// Forward implements Conditional. The log standard deviation is clamped
// to [−7, 5].
func (q *Conditionals) Forward(x *ad.Tensor[float64], dims []int) (mean, logStd *ad.Tensor[float64]) {
	m, d := x.Dim(0), x.Dim(1)
	if len(dims) != m || q.Net.Widths()[0] != 2*d {
		panic(fmt.Sprintf("missing.Conditionals.Forward: x of shape %v with %d dimensions for a network of %d inputs", x.Shape(), len(dims), q.Net.Widths()[0]))
	}
	in := make([]float64, m*2*d)
	for r, j := range dims {
		copy(in[r*2*d:], x.Data[r*d:(r+1)*d])
		in[r*2*d+j] = 0
		in[r*2*d+d+j] = 1
	}
	out := q.Net.Forward(ad.New(in, m, 2*d))
	mean = ad.Reshape(ad.Slice(out, 1, 0, 1), m)
	logStd = ad.Clamp(ad.Reshape(ad.Slice(out, 1, 1, 2), m), -7, 5)
	return mean, logStd
}

// ExactConditionals are the exact conditionals of a factor analysis model:
// Gibbs sampling with them is the MCMC imputation VGI is compared with, and
// with them every univariate ELBO equals log p(x_{∖j}).
type ExactConditionals struct {
	Model *FactorAnalysis
}

// Params returns nothing: the exact conditionals are not trained.
func (ExactConditionals) Params() []*ad.Tensor[float64] { return nil }

// Forward implements Conditional, outside any graph.
func (e ExactConditionals) Forward(x *ad.Tensor[float64], dims []int) (mean, logStd *ad.Tensor[float64]) {
	_, prec, err := e.Model.factor()
	if err != nil {
		panic(err.Error())
	}
	m, d := x.Dim(0), x.Dim(1)
	mu, ls := make([]float64, m), make([]float64, m)
	for r, j := range dims {
		mean, v := conditional(prec, e.Model.Mu.Data, x.Data[r*d:(r+1)*d], j)
		mu[r], ls[r] = mean, 0.5*math.Log(v)
	}
	return ad.New(mu, m), ad.New(ls, m)
}

// VGI fits a Model from incomplete Data by variational Gibbs inference. The
// zero values of the settings are the reference's (METHODS.md §5).
type VGI struct {
	Model Model
	Q     Conditional
	// Chains is the number R of persistent imputations per row. Zero
	// means 1.
	Chains int
	// GibbsSteps is the number T of Gibbs updates per row before each
	// parameter update. Zero means 5.
	GibbsSteps int
	// Dims is the number of missing dimensions of a row whose univariate
	// ELBOs enter each update. Zero means 1 (the reference's l = −1).
	Dims int
	// EntropyWeight is c_H, the weight of q's entropy. Zero means 1.
	EntropyWeight float64
	// ModelOpt and QOpt update θ and φ. Nil means Adam with learning
	// rates 1e-2 and 1e-3, the factor-analysis configuration.
	ModelOpt, QOpt optim.Optimizer[float64]
}

// Chains are VGI's persistent imputations: R completed copies of every
// row of the data.
type Chains struct {
	Data *Data
	R    int
	X    []float64 // [N·R, D]: copy r of row i is row i·R + r
}

// NewChains starts R chains per row from the empirical marginals of the
// observed values.
func (v *VGI) NewChains(rnd *rand.Rand, data *Data) *Chains {
	return newChains(rnd, data, v.chains())
}

// newChains starts r chains per row from the empirical marginals of the
// observed values.
func newChains(rnd *rand.Rand, data *Data, r int) *Chains {
	c := &Chains{Data: data, R: r, X: make([]float64, 0, data.N*r*data.D)}
	for i := range data.N {
		row := data.X[i*data.D : (i+1)*data.D]
		for range r {
			c.X = append(c.X, row...)
		}
	}
	tmp := &Data{N: data.N * r, D: data.D, X: c.X, Observed: make([]bool, 0, data.N*r*data.D)}
	for i := range data.N {
		for range r {
			tmp.Observed = append(tmp.Observed, data.Observed[i*data.D:(i+1)*data.D]...)
		}
	}
	tmp.ImputeEmpirical(rnd)
	return c
}

// Imputed returns the data with each missing entry replaced by its mean
// over the chains.
func (c *Chains) Imputed() *Data {
	d := c.Data
	out := &Data{N: d.N, D: d.D, X: append([]float64(nil), d.X...), Observed: d.Observed}
	for i := range d.N {
		for j := range d.D {
			if d.Observed[i*d.D+j] {
				continue
			}
			s := 0.0
			for r := range c.R {
				s += c.X[(i*c.R+r)*d.D+j]
			}
			out.X[i*d.D+j] = s / float64(c.R)
		}
	}
	return out
}

func (v *VGI) chains() int { return max(v.Chains, 1) }

func (v *VGI) check() error {
	switch {
	case v.Model == nil || v.Q == nil:
		return errors.New("missing: VGI needs a Model and a Q")
	case v.Chains < 0 || v.GibbsSteps < 0 || v.Dims < 0 || v.EntropyWeight < 0:
		return fmt.Errorf("missing: VGI: Chains %d, GibbsSteps %d, Dims %d, EntropyWeight %v; none may be negative", v.Chains, v.GibbsSteps, v.Dims, v.EntropyWeight)
	}
	return nil
}

// Impute runs T random-scan Gibbs updates on every chain of the given
// rows: each update draws one missing dimension of the copy uniformly and
// replaces it by a draw from Q. Nothing is recorded for gradients.
func (v *VGI) Impute(rnd *rand.Rand, c *Chains, rows []int) {
	d := c.Data.D
	steps := v.GibbsSteps
	if steps == 0 {
		steps = 5
	}
	var idx, dims []int
	var miss [][]int
	for _, i := range rows {
		m := c.Data.missingDims(i)
		if len(m) == 0 {
			continue
		}
		for r := range c.R {
			idx = append(idx, i*c.R+r)
			miss = append(miss, m)
		}
	}
	if len(idx) == 0 {
		return
	}
	x := ad.Zeros[float64](len(idx), d)
	dims = make([]int, len(idx))
	for range steps {
		for k, row := range idx {
			copy(x.Data[k*d:(k+1)*d], c.X[row*d:(row+1)*d])
			dims[k] = miss[k][rnd.IntN(len(miss[k]))]
		}
		mean, logStd := v.Q.Forward(x, dims)
		for k, row := range idx {
			c.X[row*d+dims[k]] = mean.Data[k] + math.Exp(logStd.Data[k])*rnd.NormFloat64()
		}
	}
}

// Objective returns the negative VGI objective of the given rows, averaged
// over them (each row's chains weigh 1/R): for a copy with missing values,
// minus the mean over Dims of its missing dimensions j of the univariate
// ELBO log p_θ(x^(j)) + c_H·H[q(x_j | x_{∖j})], x^(j) the copy with x_j drawn
// from q reparameterised; for a complete row, −log p_θ(x). Its gradient
// trains θ and φ. Randomness: the choice of dimensions, then one standard
// normal per selected dimension.
func (v *VGI) Objective(rnd *rand.Rand, c *Chains, rows []int) *ad.Tensor[float64] {
	d := c.Data.D
	want := max(v.Dims, 1)
	ch := v.EntropyWeight
	if ch == 0 {
		ch = 1
	}
	var complete, base, onehot, noise, weights []float64
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
				j := m[p]
				b := append([]float64(nil), row...)
				b[j] = 0
				e := make([]float64, d)
				e[j] = 1
				base, onehot = append(base, b...), append(onehot, e...)
				dims = append(dims, j)
				noise = append(noise, rnd.NormFloat64())
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
		b := ad.New(base, nu, d)
		mean, logStd := v.Q.Forward(b, dims)
		xj := ad.Add(mean, ad.Mul(ad.Exp(logStd), ad.New(noise, nu)))
		x := ad.Add(b, ad.Mul(ad.New(onehot, nu, d), ad.Reshape(xj, nu, 1)))
		h := ad.AddScalar(logStd, 0.5*math.Log(2*math.Pi*math.E))
		elbo := ad.Add(v.Model.LogProb(x), ad.MulScalar(h, ch))
		terms = append(terms, ad.MulScalar(ad.Sum(ad.Mul(elbo, ad.New(weights, nu))), scale))
	}
	return sumTerms(terms)
}

// Step imputes the given rows' chains (Impute) and takes one optimizer
// step for θ and one for φ on their Objective. It returns the objective's
// value, or an error naming the quantity if it or a gradient is not
// finite (the parameters are then left unchanged).
func (v *VGI) Step(rnd *rand.Rand, c *Chains, rows []int) (float64, error) {
	if err := v.check(); err != nil {
		return 0, err
	}
	for k, p := range v.Model.Params() {
		for _, x := range p.Data {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return math.NaN(), fmt.Errorf("missing: VGI: model parameter %d (shape %v) holds %v", k, p.Shape(), x)
			}
		}
	}
	v.Impute(rnd, c, rows)
	if v.ModelOpt == nil {
		v.ModelOpt = &optim.Adam[float64]{LR: 1e-2}
	}
	if v.QOpt == nil {
		v.QOpt = &optim.Adam[float64]{LR: 1e-3}
	}
	return descend("VGI", v.Objective(rnd, c, rows),
		update{"model", v.Model.Params(), v.ModelOpt}, update{"conditionals", v.Q.Params(), v.QOpt})
}

// Fit runs epochs over the data in shuffled minibatches of the given size,
// starting the chains from the empirical marginals. It returns the mean
// objective of each epoch and the chains. It stops at the first error,
// naming the epoch and step.
func (v *VGI) Fit(rnd *rand.Rand, data *Data, epochs, batch int) ([]float64, *Chains, error) {
	if err := v.check(); err != nil {
		return nil, nil, err
	}
	if epochs < 0 || batch < 1 {
		return nil, nil, fmt.Errorf("missing: VGI.Fit: %d epochs in batches of %d", epochs, batch)
	}
	c := v.NewChains(rnd, data)
	hist, err := runEpochs(rnd, data.N, epochs, batch, func(rows []int) (float64, error) { return v.Step(rnd, c, rows) })
	return hist, c, err
}

// epochs_ runs step over the n rows in shuffled minibatches for the given
// number of epochs and returns the mean of step's values in each epoch,
// stopping at the first error, which it prefixes with the epoch and step.
func runEpochs(rnd *rand.Rand, n, epochs, batch int, step func(rows []int) (float64, error)) ([]float64, error) {
	hist := make([]float64, 0, epochs)
	for e := range epochs {
		perm := rnd.Perm(n)
		sum, steps := 0.0, 0
		for s := 0; s < n; s += batch {
			l, err := step(perm[s:min(s+batch, n)])
			if err != nil {
				return hist, fmt.Errorf("epoch %d, step %d: %w", e, steps, err)
			}
			sum += l
			steps++
		}
		hist = append(hist, sum/float64(steps))
	}
	return hist, nil
}

func zero(ps []*ad.Tensor[float64]) {
	for _, p := range ps {
		p.ZeroGrad()
	}
}

// PosteriorMean continues the chains for the given number of rounds of
// Impute over every row and returns the data with each missing entry
// replaced by its average over the chains and rounds: the estimate of
// E[x_m | x_o] under Q's Gibbs chain, which is what an imputation should
// report rather than one draw.
func (v *VGI) PosteriorMean(rnd *rand.Rand, c *Chains, rounds int) *Data {
	d := c.Data
	all := make([]int, d.N)
	for i := range all {
		all[i] = i
	}
	sum := make([]float64, len(d.X))
	for range max(rounds, 1) {
		v.Impute(rnd, c, all)
		for i := range d.N {
			for r := range c.R {
				for j := range d.D {
					sum[i*d.D+j] += c.X[(i*c.R+r)*d.D+j]
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
