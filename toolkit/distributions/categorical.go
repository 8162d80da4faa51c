package distributions

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/internal/mathx"
	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// Categorical is a batch of categorical distributions over K categories,
// with probabilities softmax(Logits) along the last axis. Its values are
// one-hot vectors, as torch's OneHotCategorical. A logit of −Inf is a
// category of probability zero; every row needs at least one finite logit.
type Categorical[T ad.Float] struct {
	Logits *ad.Tensor[T]
}

// NewCategorical returns a Categorical with the given logits of shape
// [...batch, K], K ≥ 1. Logits must not be NaN or +Inf, and each row needs a
// finite logit.
func NewCategorical[T ad.Float](logits *ad.Tensor[T]) (Categorical[T], error) {
	if err := checkEventLogits("NewCategorical", logits, true); err != nil {
		return Categorical[T]{}, err
	}
	return Categorical[T]{Logits: logits}, nil
}

// checkEventLogits validates logits whose last axis is an event: not nil, of
// rank ≥ 1 with a non-empty last axis, no NaN or +Inf, and −Inf only if
// negInf, with at least one finite logit per row.
func checkEventLogits[T ad.Float](fn string, logits *ad.Tensor[T], negInf bool) error {
	if logits == nil {
		return fmt.Errorf("distributions: %s: Logits is nil", fn)
	}
	if logits.Rank() == 0 || logits.Dim(-1) == 0 {
		return fmt.Errorf("distributions: %s: Logits of shape %v; the last axis holds the categories and must not be empty", fn, logits.Shape())
	}
	want := "finite"
	if negInf {
		want = "finite or −Inf"
	}
	if err := check(fn, "Logits", logits, func(v float64) bool {
		return finite(v) || negInf && math.IsInf(v, -1)
	}, want); err != nil {
		return err
	}
	n := logits.Dim(-1)
	for r := 0; r < logits.Len(); r += n {
		ok := false
		for _, v := range logits.Data[r : r+n] {
			ok = ok || finite(float64(v))
		}
		if !ok {
			return fmt.Errorf("distributions: %s: Logits row %d is all −Inf; at least one category needs a finite logit", fn, r/n)
		}
	}
	return nil
}

// Probs returns softmax(Logits) along the last axis.
func (d Categorical[T]) Probs() *ad.Tensor[T] { return ad.Softmax(d.Logits, -1) }

// SampleIndex returns one category per batch row (the batch axes flattened in
// row-major order). It draws one rnd.Float64 per row and inverts the
// cumulative distribution.
func (d Categorical[T]) SampleIndex(rnd *rand.Rand) []int {
	_, k := eventShape("Categorical.SampleIndex", d.Logits.Shape())
	rows := d.Logits.Len() / k
	out := make([]int, rows)
	w := make([]float64, k)
	for r := range rows {
		row := d.Logits.Data[r*k : (r+1)*k]
		m := math.Inf(-1)
		for _, v := range row {
			m = max(m, float64(v))
		}
		total := 0.0
		for j, v := range row {
			w[j] = math.Exp(float64(v) - m)
			total += w[j]
		}
		if !(total > 0) || math.IsInf(total, 1) {
			panic(fmt.Sprintf("distributions.Categorical.SampleIndex: row %d has no finite maximum logit (%v)", r, row))
		}
		// u < total, and acc reaches total exactly through the same sums, so
		// the loop always stops at a category of positive probability.
		u, acc := rnd.Float64()*total, 0.0
		for j := range k {
			if w[j] == 0 {
				continue
			}
			acc += w[j]
			out[r] = j
			if u < acc {
				break
			}
		}
	}
	return out
}

// Sample returns a one-hot tensor of the shape of Logits, drawing as
// SampleIndex. It belongs to the ad.Scope of Logits, if any.
func (d Categorical[T]) Sample(rnd *rand.Rand) *ad.Tensor[T] {
	idx := d.SampleIndex(rnd)
	k := d.Logits.Dim(-1)
	out := ad.Zeros[T](d.Logits.Shape()...)
	for r, j := range idx {
		out.Data[r*k+j] = 1
	}
	return ad.In(d.Logits.Scope(), out)
}

// LogProb returns Σ_k x_k·log p_k over the last axis for one-hot x of shape
// [...sample, ...batch, K]; the result has x's shape broadcast against the
// batch, without the last axis. Soft x (on the simplex) gives the
// cross-entropy form. It is −Inf only where x puts mass on a category whose
// logit is −Inf.
func (d Categorical[T]) LogProb(x *ad.Tensor[T]) *ad.Tensor[T] {
	k := d.Logits.Dim(-1)
	if x.Rank() == 0 || x.Dim(-1) != k {
		panic(fmt.Sprintf("distributions.Categorical.LogProb: x of shape %v for logits of shape %v", x.Shape(), d.Logits.Shape()))
	}
	lsm := ad.LogSoftmax(d.Logits, -1)
	for _, v := range lsm.Data {
		if math.IsInf(float64(v), -1) {
			// A category of probability zero: 0·(−Inf) must count as 0.
			return ad.Sum(mulZero("Categorical.LogProb", x, lsm), -1)
		}
	}
	// The engine's broadcasting product: x repeats over the logits' rows
	// without a copy.
	return ad.Sum(ad.Mul(x, lsm), -1)
}

// mulZero returns x·y elementwise, broadcasting, with 0·y = 0 even for
// infinite y.
func mulZero[T ad.Float](name string, x, y *ad.Tensor[T]) *ad.Tensor[T] {
	return binaryOp(name, x, y, func(x, y float64) (z, dx, dy float64) {
		if x == 0 {
			return 0, y, 0
		}
		return x * y, y, x
	})
}

// Entropy returns −Σ_k p_k·log p_k over the last axis; categories of
// probability zero contribute zero, and so does their gradient.
func (d Categorical[T]) Entropy() *ad.Tensor[T] {
	batch, k := eventShape("Categorical.Entropy", d.Logits.Shape())
	rows := d.Logits.Len() / k
	out := ad.Zeros[T](batch...)
	grad := make([]float64, d.Logits.Len()) // ∂H/∂l
	for r := range rows {
		row := d.Logits.Data[r*k : (r+1)*k]
		lse := mathx.LogSumExp(row)
		h := 0.0
		for _, v := range row {
			if lp := float64(v) - lse; !math.IsInf(lp, -1) {
				h -= math.Exp(lp) * lp
			}
		}
		out.Data[r] = T(h)
		for j, v := range row {
			// ∂H/∂l_j = −p_j·(log p_j + H)
			if lp := float64(v) - lse; !math.IsInf(lp, -1) {
				grad[r*k+j] = -math.Exp(lp) * (lp + h)
			}
		}
	}
	return ad.Custom("Categorical.Entropy", out, []*ad.Tensor[T]{d.Logits}, func(g *ad.Tensor[T]) []*ad.Tensor[T] {
		gl := ad.Zeros[T](d.Logits.Shape()...)
		for i := range gl.Data {
			gl.Data[i] = T(float64(g.Data[i/k]) * grad[i])
		}
		return []*ad.Tensor[T]{gl}
	})
}

// Mean returns the probabilities softmax(Logits), the mean of the one-hot
// values.
func (d Categorical[T]) Mean() *ad.Tensor[T] { return d.Probs() }
