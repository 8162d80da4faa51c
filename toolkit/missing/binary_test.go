package missing

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/optim"
)

// bernoulliMixture is a mixture of K product-Bernoulli components, a model
// of binary vectors whose log p(x), conditionals and posteriors are exact
// by enumeration: the binary counterpart of factor analysis in these tests.
type bernoulliMixture struct {
	Logits *ad.Tensor[float64] // [K, D]
	LogW   *ad.Tensor[float64] // [K], unnormalised log mixing weights
}

func newMixture(rnd *rand.Rand, k, d int, scale float64) *bernoulliMixture {
	l := ad.Zeros[float64](k, d)
	for i := range l.Data {
		l.Data[i] = scale * rnd.NormFloat64()
	}
	w := ad.Zeros[float64](k)
	for i := range w.Data {
		w.Data[i] = 0.5 * rnd.NormFloat64()
	}
	return &bernoulliMixture{Logits: ad.Param(l), LogW: ad.Param(w)}
}

func (m *bernoulliMixture) Params() []*ad.Tensor[float64] {
	return []*ad.Tensor[float64]{m.Logits, m.LogW}
}

// LogProb returns log Σ_k w_k Π_d Bernoulli(x_d; σ(l_kd)).
func (m *bernoulliMixture) LogProb(x *ad.Tensor[float64]) *ad.Tensor[float64] {
	xl := ad.MatMul(x, ad.Transpose(m.Logits))           // [M, K]
	comp := ad.Sub(xl, ad.Sum(ad.Softplus(m.Logits), 1)) // log p(x | k)
	return ad.LogSumExp(ad.Add(comp, ad.LogSoftmax(m.LogW, 0)), 1)
}

// logMarginal returns log p(x_o) by enumerating the entries not observed.
func (m *bernoulliMixture) logMarginal(x []float64, observed []bool) float64 {
	var miss []int
	for j, o := range observed {
		if !o {
			miss = append(miss, j)
		}
	}
	n := 1 << len(miss)
	all := make([]float64, 0, n*len(x))
	for c := range n {
		row := append([]float64(nil), x...)
		for b, j := range miss {
			row[j] = float64(c >> b & 1)
		}
		all = append(all, row...)
	}
	lp := ad.Detach(m.LogProb(ad.New(all, n, len(x))))
	return ad.LogSumExp(lp, 0).Item()
}

// paired evaluates the mixture through LogProbPairs, which must not change
// the objective of an exact model.
type paired struct{ *bernoulliMixture }

func (p paired) LogProbPairs(a, b *ad.Tensor[float64]) (la, lb *ad.Tensor[float64]) {
	return p.LogProb(a), p.LogProb(b)
}

// opaque hides the concrete type of a BinaryConditional, so that the
// generic (unoptimised) code paths run.
type opaque struct{ BinaryConditional }

func TestBinaryConditionalsLogits(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	const d, h, m = 6, 5, 7
	q := NewBinaryConditionals(rnd, d, h)
	for _, p := range q.Params() {
		for i := range p.Data {
			p.Data[i] = rnd.NormFloat64()
		}
	}
	x := ad.Zeros[float64](m, d)
	dims := make([]int, m)
	for i := range x.Data {
		x.Data[i] = float64(rnd.IntN(2))
	}
	for r := range dims {
		dims[r] = rnd.IntN(d)
	}
	l := ad.Detach(q.Logits(x, dims))
	// Flipping x_j leaves q(x_j | x_{∖j}) unchanged; flipping another entry
	// changes it (unless every hidden unit is off).
	depends := 0
	for r, j := range dims {
		row := x.Data[r*d : (r+1)*d]
		flip := append([]float64(nil), row...)
		flip[j] = 1 - flip[j]
		if got := q.Logits(ad.New(flip, 1, d), []int{j}).Data[0]; math.Abs(got-l.Data[r]) > 1e-12 {
			t.Errorf("row %d: logit of x_%d moved from %v to %v when x_%d flipped", r, j, l.Data[r], got, j)
		}
		other := append([]float64(nil), row...)
		other[(j+1)%d] = 1 - other[(j+1)%d]
		if got := q.Logits(ad.New(other, 1, d), []int{j}).Data[0]; got != l.Data[r] {
			depends++
		}
		// The incremental evaluation of Gibbs sweeps agrees.
		p := make([]float64, 1)
		probs(q, row, []int{j}, p)
		if math.Abs(p[0]-sigmoid(l.Data[r])) > 1e-12 {
			t.Errorf("row %d: incremental q(x_%d = 1) %v, Logits gives %v", r, j, p[0], sigmoid(l.Data[r]))
		}
	}
	if depends == 0 {
		t.Error("no logit depends on the other entries of its row")
	}
	// AllLogits agrees with Logits, for the learned and the exact
	// conditionals.
	mix := newMixture(rnd, 2, d, 1)
	for _, c := range []BinaryConditional{q, ModelConditionals{mix}} {
		all := ad.Detach(c.AllLogits(x))
		for r := range m {
			for j := range d {
				one := c.Logits(ad.New(x.Data[r*d:(r+1)*d], 1, d), []int{j}).Data[0]
				if math.Abs(all.Data[r*d+j]-one) > 1e-12 {
					t.Errorf("%T, row %d: AllLogits gives x_%d %v, Logits %v", c, r, j, all.Data[r*d+j], one)
				}
			}
		}
	}
	for name, f := range map[string]func(q *BinaryConditionals) *ad.Tensor[float64]{
		"Logits":    func(q *BinaryConditionals) *ad.Tensor[float64] { return q.Logits(x, dims) },
		"AllLogits": func(q *BinaryConditionals) *ad.Tensor[float64] { return q.AllLogits(x) },
	} {
		worst, err := ad.GradCheck(func(ps ...*ad.Tensor[float64]) *ad.Tensor[float64] {
			return f(&BinaryConditionals{W: ps[0], Code: ps[1], B: ps[2], V: ps[3], A: ps[4]})
		}, q.Params()...)
		if err != nil {
			t.Fatalf("%s: gradient check: %v (worst %g)", name, err, worst)
		}
	}
}

// New conditionals are the data's marginals after SetMarginals, whatever
// the other entries of the row.
func TestBinaryConditionalsSetMarginals(t *testing.T) {
	rnd := rand.New(rand.NewPCG(2, 3))
	nan := math.NaN()
	data, err := NewData([]float64{1, 0, nan, 1, 1, 0, 0, nan, 1, 0, 1, 0}, 4, 3)
	if err != nil {
		t.Fatal(err)
	}
	q := NewBinaryConditionals(rnd, 3, 4)
	q.SetMarginals(data)
	want := []float64{2.5 / 5, 2.5 / 4, 1.5 / 4} // (n₁ + ½)/(n + 1)
	for _, x := range [][]float64{{0, 0, 0}, {1, 1, 1}, {0, 1, 0}} {
		l := q.AllLogits(ad.New(x, 1, 3))
		for j, w := range want {
			if p := sigmoid(l.Data[j]); math.Abs(p-w) > 1e-12 {
				t.Errorf("x = %v: q(x_%d = 1) = %v, want %v", x, j, p, w)
			}
		}
	}
}

// The incremental sweep of BinaryConditionals draws exactly what the
// generic sweep through Logits draws from the same random numbers.
func TestBinarySweepMatchesGeneric(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	const d = 9
	q := NewBinaryConditionals(rnd, d, 4)
	for _, p := range q.Params() {
		for i := range p.Data {
			p.Data[i] = rnd.NormFloat64()
		}
	}
	x := make([]float64, d)
	for i := range x {
		x[i] = float64(rnd.IntN(2))
	}
	y := append([]float64(nil), x...)
	order := []int{3, 0, 8, 3, 5, 1, 1, 7}
	for s := range 20 {
		sweep(q, rand.New(rand.NewPCG(uint64(s), 5)), x, order)
		sweep(opaque{q}, rand.New(rand.NewPCG(uint64(s), 5)), y, order)
		for i := range x {
			if x[i] != y[i] {
				t.Fatalf("sweep %d: incremental %v, generic %v", s, x, y)
			}
		}
	}
}

// Each univariate bound equals log p(x_{∖j}) (enumerated) minus
// KL(q ‖ p(x_j | x_{∖j})): exactly log p(x_{∖j}) with the model's own
// conditionals, lower with any other q.
func TestBinaryUnivariateBound(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 6))
	const d = 5
	m := newMixture(rnd, 3, d, 2)
	learned := NewBinaryConditionals(rnd, d, 4)
	for _, p := range learned.Params() {
		for i := range p.Data {
			p.Data[i] = rnd.NormFloat64()
		}
	}
	for trial := range 10 {
		x := make([]float64, d)
		for i := range x {
			x[i] = float64(rnd.IntN(2))
		}
		j := trial % d
		x[j] = math.NaN()
		data, err := NewData(append(append([]float64(nil), x...), 0, 1, 1, 0, 1), 2, d) // a complete second row

		if err != nil {
			t.Fatal(err)
		}
		x[j] = 0
		obs := []bool{true, true, true, true, true}
		obs[j] = false
		want := m.logMarginal(x, obs)
		for _, q := range []BinaryConditional{ModelConditionals{m}, learned} {
			v := &BinaryVGI{Model: m, Q: q}
			c, err := v.NewChains(rnd, data)
			if err != nil {
				t.Fatal(err)
			}
			got := -v.Objective(rnd, c, []int{0}).Item()
			if p := -(&BinaryVGI{Model: paired{m}, Q: q}).Objective(rnd, c, []int{0}).Item(); p != got {
				t.Errorf("trial %d: the paired evaluation gives %v, the plain one %v", trial, p, got)
			}
			// KL(q ‖ p(x_j | x_∖j)) between two Bernoullis.
			a := sigmoid(q.Logits(ad.New(x, 1, d), []int{j}).Data[0])
			b := sigmoid(ModelConditionals{m}.Logits(ad.New(x, 1, d), []int{j}).Data[0])
			kl := a*math.Log(a/b) + (1-a)*math.Log((1-a)/(1-b))
			if math.Abs(got-(want-kl)) > 1e-10 {
				t.Errorf("trial %d, %T: bound %v, log p(x_∖%d) − KL = %v − %v", trial, q, got, j, want, kl)
			}
		}
	}
}

// Gibbs sweeps with the exact conditionals reach p(x_mis | x_obs): the
// frequencies of the 8 completions of three missing entries over 2000
// independent chains after 10 sweeps agree with enumeration (z-test per
// completion, |z| < 4).
func TestBinaryGibbsReachesPosterior(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 8))
	const d = 6
	m := newMixture(rnd, 3, d, 2.5)
	nan := math.NaN()
	row := []float64{1, nan, 0, nan, nan, 1}
	data, err := NewData(append(append([]float64(nil), row...), 0, 1, 1, 0, 1, 0), 2, d) // a complete second row
	if err != nil {
		t.Fatal(err)
	}
	const chains = 2000
	v := &BinaryVGI{Model: m, Q: ModelConditionals{m}, Chains: chains, Sweeps: 10}
	c, err := v.NewChains(rnd, data)
	if err != nil {
		t.Fatal(err)
	}
	v.Impute(rnd, c, []int{0})
	count := make([]float64, 8)
	for r := range chains {
		x := c.X[r*d : (r+1)*d]
		count[int(x[1])+2*int(x[3])+4*int(x[4])]++
	}
	full := append([]float64(nil), row...)
	obs := []bool{true, false, true, false, false, true}
	logZ := m.logMarginal([]float64{1, 0, 0, 0, 0, 1}, obs)
	for k := range 8 {
		full[1], full[3], full[4] = float64(k&1), float64(k>>1&1), float64(k>>2&1)
		p := math.Exp(ad.Detach(m.LogProb(ad.New(full, 1, d))).Data[0] - logZ)
		f := count[k] / chains
		z := (f - p) / math.Sqrt(p*(1-p)/chains)
		if math.Abs(z) > 4 {
			t.Errorf("completion %03b: frequency %.4f, exact %.4f (z = %.1f)", k, f, p, z)
		}
	}
}

// Without missing values the objective is the negative mean log-likelihood.
func TestBinaryCompleteDataIsLikelihood(t *testing.T) {
	rnd := rand.New(rand.NewPCG(9, 10))
	const n, d = 12, 4
	m := newMixture(rnd, 2, d, 1)
	x := make([]float64, n*d)
	for i := range x {
		x[i] = float64(rnd.IntN(2))
	}
	data, err := NewData(x, n, d)
	if err != nil {
		t.Fatal(err)
	}
	v := &BinaryVGI{Model: m, Q: NewBinaryConditionals(rnd, d, 3), Chains: 3}
	c, err := v.NewChains(rnd, data)
	if err != nil {
		t.Fatal(err)
	}
	rows := []int{0, 3, 5, 11}
	want := 0.0
	for _, r := range rows {
		want -= ad.Detach(m.LogProb(ad.New(x[r*d:(r+1)*d], 1, d))).Data[0] / float64(len(rows))
	}
	if got := v.Objective(rnd, c, rows).Item(); math.Abs(got-want) > 1e-12 {
		t.Errorf("objective %v, −mean log p(x) %v", got, want)
	}
}

// VGI fits a mixture of Bernoullis from data with 40% of the entries
// missing: its held-out log-likelihood beats the same model fitted to the
// zero-imputed data by more than a nat per row, its imputations beat the
// column means, and its learned conditionals are close to the fitted
// model's (the imputations of the exact-conditional Gibbs chain under the
// fitted model differ from Q's by less than the column means do).
func TestBinaryVGIFitsMixture(t *testing.T) {
	rnd := rand.New(rand.NewPCG(11, 12))
	const n, d, test = 400, 12, 2000
	truth := newMixture(rnd, 3, d, 3)
	sample := func(k int) []float64 {
		w := ad.Softmax(ad.Detach(truth.LogW), 0).Data
		out := make([]float64, 0, k*d)
		for range k {
			c, u := 0, rnd.Float64()
			for c < len(w)-1 && u > w[c] {
				u -= w[c]
				c++
			}
			for j := range d {
				out = append(out, draw(rnd, truth.Logits.Data[c*d+j]))
			}
		}
		return out
	}
	full, held := sample(n), sample(test)
	x := MCAR(rnd, full, d, 0.4)
	heldOut := func(m *bernoulliMixture) float64 {
		return ad.Mean(ad.Detach(m.LogProb(ad.New(held, test, d)))).Item()
	}
	data, err := NewData(x, n, d)
	if err != nil {
		t.Fatal(err)
	}
	model := newMixture(rand.New(rand.NewPCG(1, 1)), 3, d, 0.1)
	v := &BinaryVGI{Model: model, Q: NewBinaryConditionals(rand.New(rand.NewPCG(2, 2)), d, 32), Chains: 2, Dims: 3, Warmup: 10,
		ModelOpt: &optim.Adam[float64]{LR: 3e-2}, QOpt: &optim.Adam[float64]{LR: 1e-2}}
	_, c, err := v.Fit(rnd, data, 40, 32)
	if err != nil {
		t.Fatal(err)
	}
	imputed := v.PosteriorMean(rnd, c, 20)

	zero, err := NewData(x, n, d)
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range zero.Observed {
		if !o {
			zero.X[i] = 0
		}
	}
	base := newMixture(rand.New(rand.NewPCG(1, 1)), 3, d, 0.1)
	opt := &optim.Adam[float64]{LR: 3e-2}
	for range 600 {
		ad.Neg(ad.Mean(base.LogProb(ad.New(zero.X, n, d)))).Backward()
		if err := opt.Step(base.Params()); err != nil {
			t.Fatal(err)
		}
		for _, p := range base.Params() {
			p.ZeroGrad()
		}
	}
	means, err := NewData(x, n, d)
	if err != nil {
		t.Fatal(err)
	}
	means.ImputeMean()
	llv, llz, llt := heldOut(model), heldOut(base), heldOut(truth)
	rv, rm := imputed.RMSE(full), means.RMSE(full)
	t.Logf("held-out log-likelihood: truth %.3f, VGI %.3f, zero imputation %.3f; imputation RMSE: VGI %.3f, column means %.3f", llt, llv, llz, rv, rm)
	if !(llv > llz+1) {
		t.Errorf("VGI's held-out log-likelihood %.3f not a nat above zero imputation's %.3f", llv, llz)
	}
	if !(rv < rm) {
		t.Errorf("VGI's imputation RMSE %.3f not below the column means' %.3f", rv, rm)
	}
	exact := (&BinaryVGI{Model: model, Q: ModelConditionals{model}, Chains: 2}).PosteriorMean(rnd, c, 20)
	gap := 0.0
	for i, o := range data.Observed {
		if !o {
			gap += (exact.X[i] - imputed.X[i]) * (exact.X[i] - imputed.X[i])
		}
	}
	gap = math.Sqrt(gap / (data.Rate() * float64(n*d)))
	if !(gap < rm) {
		t.Errorf("Q's imputations differ from the fitted model's by %.3f RMS, more than the column means' error %.3f", gap, rm)
	}
}

func TestBinaryBadInput(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 1))
	m := newMixture(rnd, 2, 2, 1)
	grey, _ := NewData([]float64{1, math.NaN(), 0.5, 1}, 2, 2)
	v := &BinaryVGI{Model: m, Q: NewBinaryConditionals(rnd, 2, 2)}
	if _, _, err := v.Fit(rnd, grey, 1, 1); err == nil || !strings.Contains(err.Error(), "row 1, column 0") {
		t.Errorf("grey data: %v", err)
	}
	data, _ := NewData([]float64{1, math.NaN(), 0, 1}, 2, 2)
	if _, _, err := (&BinaryVGI{}).Fit(rnd, data, 1, 1); err == nil {
		t.Error("BinaryVGI without a model: no error")
	}
	if _, _, err := (&BinaryVGI{Model: m, Q: v.Q, Sweeps: -1}).Fit(rnd, data, 1, 1); err == nil {
		t.Error("negative Sweeps: no error")
	}
	m.LogW.Data[0] = math.NaN()
	if _, _, err := v.Fit(rnd, data, 1, 2); err == nil || !strings.Contains(err.Error(), "epoch 0, step 0") || !strings.Contains(err.Error(), "objective is NaN") {
		t.Errorf("a NaN mixing weight: %v", err)
	}
}

// counting counts its steps and takes them with plain gradient descent.
type counting struct{ steps int }

func (c *counting) Step(params []*ad.Tensor[float64]) error {
	c.steps++
	return (&optim.SGD[float64]{LR: 1e-2}).Step(params)
}

// The warm-up steps with WarmOpt and only on Q; the fit then steps with
// ModelOpt and QOpt, once per minibatch each.
func TestBinaryVGIWarmOpt(t *testing.T) {
	rnd := rand.New(rand.NewPCG(13, 14))
	const n, d = 20, 4
	x := make([]float64, n*d)
	for i := range x {
		x[i] = float64(rnd.IntN(2))
	}
	data, err := NewData(MCAR(rnd, x, d, 0.3), n, d)
	if err != nil {
		t.Fatal(err)
	}
	warm, qo, mo := &counting{}, &counting{}, &counting{}
	m := newMixture(rnd, 2, d, 1)
	v := &BinaryVGI{Model: m, Q: NewBinaryConditionals(rnd, d, 3), Warmup: 2, WarmOpt: warm, QOpt: qo, ModelOpt: mo}
	before := append([]float64(nil), m.Logits.Data...)
	if _, _, err := v.Fit(rnd, data, 0, 5); err != nil {
		t.Fatal(err)
	}
	for i, w := range before {
		if m.Logits.Data[i] != w {
			t.Fatal("the warm-up changed the model")
		}
	}
	if warm.steps != 8 || qo.steps != 0 || mo.steps != 0 {
		t.Errorf("warm-up of 2 epochs in 4 batches: %d, %d and %d steps of WarmOpt, QOpt and ModelOpt; want 8, 0, 0", warm.steps, qo.steps, mo.steps)
	}
	v.Warmup = 0
	if _, _, err := v.Fit(rnd, data, 3, 5); err != nil {
		t.Fatal(err)
	}
	if warm.steps != 8 || qo.steps != 12 || mo.steps != 12 {
		t.Errorf("3 epochs in 4 batches: %d, %d and %d steps of WarmOpt, QOpt and ModelOpt; want 8, 12, 12", warm.steps, qo.steps, mo.steps)
	}
}
