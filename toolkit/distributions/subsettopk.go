package distributions

import (
	"cmp"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"

	"github.com/stochgrad/stochgrad/internal/par"
	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// SubsetTopK is the Gumbel-top-k distribution over ordered and unordered
// subsets of K of the n items of the last axis: perturb the logits with
// independent standard Gumbel noise and take the K largest, in decreasing
// order (Vieira, 2014; Kool, van Hoof and Welling, 2019). The ordered draw
// follows the Plackett-Luce model, that is sampling K items one by one
// without replacement with probabilities softmax(Logits) renormalised over
// the items not yet chosen. Values are k-hot vectors.
//
// Entropy and mean (the inclusion probabilities) have no closed form: both
// sum over all C(n, K) subsets. They are not provided.
type SubsetTopK[T ad.Float] struct {
	// Logits has shape [...batch, n]; it must be finite.
	Logits *ad.Tensor[T]
	// K is the subset size, 1 ≤ K ≤ n.
	K int
}

// NewSubsetTopK returns a SubsetTopK with finite logits of shape
// [...batch, n] and 1 ≤ k ≤ n.
func NewSubsetTopK[T ad.Float](logits *ad.Tensor[T], k int) (SubsetTopK[T], error) {
	if err := checkEventLogits("NewSubsetTopK", logits, false); err != nil {
		return SubsetTopK[T]{}, err
	}
	if n := logits.Dim(-1); k < 1 || k > n {
		return SubsetTopK[T]{}, fmt.Errorf("distributions: NewSubsetTopK: K is %d; it must be in [1, %d], the number of items", k, n)
	}
	return SubsetTopK[T]{Logits: logits, K: k}, nil
}

// size returns the number of batch rows and of items, panicking if K is out
// of range.
func (d SubsetTopK[T]) size(op string) (rows, n int) {
	_, n = eventShape(op, d.Logits.Shape())
	if d.K < 1 || d.K > n {
		panic(fmt.Sprintf("distributions.%s: K = %d outside [1, %d]", op, d.K, n))
	}
	return d.Logits.Len() / n, n
}

// SampleOrdered returns, for each batch row (the batch axes flattened in
// row-major order), the K indices with the largest perturbed logits
// Logits + g in decreasing order; ties go to the lower index. It draws g as
// StandardGumbel.Noise: one rnd.ExpFloat64 per logit in row-major order.
func (d SubsetTopK[T]) SampleOrdered(rnd *rand.Rand) [][]int {
	rows, n := d.size("SubsetTopK.SampleOrdered")
	out := make([][]int, rows)
	key := make([]float64, n)
	idx := make([]int, n)
	for r := range rows {
		for j, l := range d.Logits.Data[r*n : (r+1)*n] {
			key[j] = float64(l) + standardGumbel(rnd)
			idx[j] = j
		}
		slices.SortFunc(idx, func(a, b int) int {
			if c := cmp.Compare(key[b], key[a]); c != 0 {
				return c
			}
			return cmp.Compare(a, b)
		})
		out[r] = slices.Clone(idx[:d.K])
	}
	return out
}

// Sample returns a k-hot tensor of the shape of Logits, drawing as
// SampleOrdered.
func (d SubsetTopK[T]) Sample(rnd *rand.Rand) *ad.Tensor[T] {
	n := d.Logits.Dim(-1)
	out := ad.Zeros[T](d.Logits.Shape()...)
	for r, row := range d.SampleOrdered(rnd) {
		for _, j := range row {
			out.Data[r*n+j] = 1
		}
	}
	return out
}

// LogProbOrdered returns the Plackett-Luce log-probability of ordered
// prefixes,
//
//	Σ_s [ l_{i_s} − logsumexp_{j ∉ {i_1..i_{s−1}}} l_j ],
//
// the probability that the first m items drawn are i_1, ..., i_m in that
// order; for m = K it is the probability of SampleOrdered's result. order
// holds one prefix per batch row, all of the same length m in [1, n], of
// distinct indices; S·rows prefixes (S sample rows of all batch rows, in
// row-major order) give a result of shape [S, ...batch]. It is built from ad
// ops and differentiable in Logits.
func (d SubsetTopK[T]) LogProbOrdered(order [][]int) *ad.Tensor[T] {
	const op = "SubsetTopK.LogProbOrdered"
	batch, n := eventShape(op, d.Logits.Shape())
	rows := d.Logits.Len() / n
	if rows == 0 || len(order) == 0 || len(order)%rows != 0 {
		panic(fmt.Sprintf("distributions.%s: %d prefixes for %d batch rows", op, len(order), rows))
	}
	s, m := len(order)/rows, len(order[0])
	if m < 1 || m > n {
		panic(fmt.Sprintf("distributions.%s: prefix length %d outside [1, %d]", op, m, n))
	}
	idx := make([]int, 0, len(order)*m)
	mask := ad.Zeros[T](len(order), m, n) // −Inf on the items already chosen before each step
	seen := make([]bool, n)
	for r, pre := range order {
		if len(pre) != m {
			panic(fmt.Sprintf("distributions.%s: prefix %d has length %d, prefix 0 has length %d", op, r, len(pre), m))
		}
		clear(seen)
		for t, j := range pre {
			if j < 0 || j >= n || seen[j] {
				panic(fmt.Sprintf("distributions.%s: prefix %d = %v is not a list of distinct indices in [0, %d)", op, r, pre, n))
			}
			seen[j] = true
			for u := t + 1; u < m; u++ {
				mask.Data[(r*m+u)*n+j] = T(math.Inf(-1))
			}
		}
		idx = append(idx, pre...)
	}
	l := ad.Reshape(d.Logits, 1, rows, n)
	if s > 1 {
		l = broadcastTo(l, []int{s, rows, n})
	}
	l = ad.Reshape(l, s*rows, n)
	chosen := ad.Gather(l, 1, idx)                                     // [s·rows, m]
	norm := ad.LogSumExp(ad.Add(ad.Reshape(l, s*rows, 1, n), mask), 2) // [s·rows, m]
	shape := batch
	if s > 1 {
		shape = append([]int{s}, batch...)
	}
	// Subtract step by step before summing: at logits of 1e4 the terms are
	// small while their partial sums would lose float32 precision.
	return ad.Reshape(ad.Sum(ad.Sub(chosen, norm), 1), shape...)
}

// maxSubsetK bounds K in LogProb, whose cost grows as 2^K.
const maxSubsetK = 20

// LogProb returns the log-probability that the unordered top-K set is the
// set of ones of the k-hot x, that is the log of the sum of the
// Plackett-Luce probabilities of its K! orders. It is computed exactly by
// dynamic programming over the subsets of the set, in O(2^K·K) time per row
// (about 10⁴ multiply-adds for K = 10), with its gradient by the matching
// backward pass when the logits need one; K must be at most 20 (use
// LogProbOrdered beyond). x of shape [...sample, ...batch, n] broadcasts
// against the logits and the result drops the last axis. Rows of x that
// are not k-hot (entries other than 0 and 1, or a number of ones other
// than K) are impossible: −Inf, with no gradient.
func (d SubsetTopK[T]) LogProb(x *ad.Tensor[T]) *ad.Tensor[T] {
	const op = "SubsetTopK.LogProb"
	_, n := d.size(op)
	if d.K > maxSubsetK {
		panic(fmt.Sprintf("distributions.%s: K = %d > %d: the exact subset probability costs 2^K; use LogProbOrdered", op, d.K, maxSubsetK))
	}
	if x.Rank() == 0 || x.Dim(-1) != n {
		panic(fmt.Sprintf("distributions.%s: x of shape %v for logits of shape %v", op, x.Shape(), d.Logits.Shape()))
	}
	shape := broadcastShape(op, x.Shape(), d.Logits.Shape())
	l, xb := broadcastTo(d.Logits, shape), broadcastTo(stop(x), shape)
	rows := len(xb.Data) / n
	out := ad.Zeros[T](shape[:len(shape)-1]...)
	var grad []float64
	if l.RequiresGrad() {
		grad = make([]float64, len(xb.Data))
	}
	// Rows are independent: a mini-batch of a 20×20 code has thousands,
	// about 3·2^K·K operations each, shared among the CPUs.
	par.ForCost(rows, 3*d.K<<d.K, func(lo, hi int) {
		dp := newSubsetDP(d.K, n)
		row := make([]float64, n)
		in := make([]int, 0, n)
		for r := lo; r < hi; r++ {
			in = in[:0]
			ok := true
			for j, v := range xb.Data[r*n : (r+1)*n] {
				switch v {
				case 1:
					in = append(in, j)
				case 0:
				default:
					ok = false
				}
			}
			if !ok || len(in) != d.K {
				out.Data[r] = T(math.Inf(-1))
				continue
			}
			for j, v := range l.Data[r*n : (r+1)*n] {
				row[j] = float64(v)
			}
			var g []float64
			if grad != nil {
				g = grad[r*n : (r+1)*n]
			}
			out.Data[r] = T(dp.logProb(row, in, g))
		}
	})
	return ad.Custom(op, out, []*ad.Tensor[T]{l}, func(g *ad.Tensor[T]) []*ad.Tensor[T] {
		gl := ad.Zeros[T](shape...)
		for i := range gl.Data {
			if gi := g.Data[i/n]; gi != 0 {
				gl.Data[i] = T(float64(gi) * grad[i])
			}
		}
		return []*ad.Tensor[T]{gl}
	})
}

// subsetDP holds the work arrays of the subset dynamic programme for sets of
// size k among n items, the messages indexed by bit masks over the set's
// members.
type subsetDP struct {
	k        int
	f, b, d  []float64
	a, ga, t []float64
	inSet    []bool
}

func newSubsetDP(k, n int) *subsetDP {
	size := 1 << k
	return &subsetDP{k: k, f: make([]float64, size), b: make([]float64, size), d: make([]float64, size),
		a: make([]float64, k), ga: make([]float64, k), t: make([]float64, k), inSet: make([]bool, n)}
}

// Bounds of the linear-space programme: every weight e^{l−max} is at least
// e^−linearSpread, so that no normaliser underflows, and a result below
// e^minLinearLogP is recomputed in log space. Paths are products of ratios
// at most 1, so a path that underflows on the way would have contributed
// less than 10^−300 to a result of at least e^−460 ≈ 10^−200: the linear
// result is as accurate as the log-space one wherever it is used.
const (
	linearSpread  = 500
	minLinearLogP = -460
)

// logProb returns log P(top-k set = in) for logits l and, if grad is not
// nil, writes its gradient with respect to l into grad.
//
// With w_i = e^{l_i} the weights, a_i those of the members, R the total
// weight of the other items and D(Q) = R + Σ_{j ∉ Q} a_j the weight left
// after the members in Q have been drawn, the forward message f(Q) = P(the
// first |Q| draws are Q) obeys f(Q) = Σ_{i∈Q} f(Q∖i)·a_i/D(Q∖i), and
// P(in) = f(all). The backward message b(Q) = Σ_{i∉Q} a_i/D(Q)·b(Q∪i),
// b(all) = 1, sums the paths from Q to the full set. The edge Q → Q∪i is
// used with probability μ = f(Q)·a_i/D(Q)·b(Q∪i)/P and Q is passed with
// probability ν = f(Q)·b(Q)/P; the gradient of the edge's log-weight
// l_i − log D(Q) is the indicator of i minus the softmax over the items
// left, so ∂log P/∂l_i = Σ_Q f(Q)·a_i/D(Q)·(b(Q∪i) − b(Q))/P for a member
// and −Σ_Q ν(Q)·w_j/D(Q) for another item j. The messages are computed
// with weights relative to the largest logit, without logarithms or
// exponentials inside the loops; rows whose logits spread too far, or
// whose probability is too small for that, go to logProbLogSpace.
func (p *subsetDP) logProb(l []float64, in []int, grad []float64) float64 {
	top, bottom := math.Inf(-1), math.Inf(1)
	for _, v := range l {
		top, bottom = max(top, v), min(bottom, v)
	}
	if grad == nil && top == bottom {
		// Equal logits, as a uniform prior's: every set has probability
		// 1/C(n, k).
		n, k := float64(len(l)), float64(p.k)
		a, _ := math.Lgamma(n + 1)
		b, _ := math.Lgamma(k + 1)
		c, _ := math.Lgamma(n - k + 1)
		return -(a - b - c)
	}
	for _, v := range l {
		if v < top-linearSpread {
			return p.logProbLogSpace(l, in, grad)
		}
	}
	// Fixed-size arrays indexed by i&31 and messages indexed by masks &full
	// let the compiler drop the bounds checks of the inner loops.
	var a, t, ga [32]float64
	full := 1<<p.k - 1
	clear(p.inSet)
	for i, j := range in {
		a[i&31] = math.Exp(l[j] - top)
		p.inSet[j] = true
	}
	rest := 0.0
	for j, v := range l {
		if !p.inSet[j] {
			rest += math.Exp(v - top)
		}
	}
	// D from the full set down, adding one member at a time; then d holds
	// 1/D(Q). D(all) = R is zero when K = n, and never used then.
	d, b := p.d[:full+1], p.b[:full+1]
	d[full] = rest
	for q := full - 1; q >= 0; q-- {
		i := bits.TrailingZeros(uint(^q)) & 31
		d[q] = d[(q|1<<i)&full] + a[i]
	}
	for q := range d {
		d[q] = 1 / d[q]
	}
	// Forward messages in increasing order of the masks, every subset of Q
	// coming before Q; b holds f(Q)/D(Q), the factor of Q's outgoing
	// edges, and prob = f(all).
	b[0] = d[0]
	prob := 1.0
	for q := 1; q <= full; q++ {
		s := 0.0
		for r := q; r != 0; r &= r - 1 {
			i := bits.TrailingZeros(uint(r)) & 31
			s += b[(q&^(1<<i))&full] * a[i]
		}
		b[q], prob = s*d[q], s
	}
	if !(prob > 0) || math.Log(prob) < minLinearLogP {
		return p.logProbLogSpace(l, in, grad)
	}
	if grad == nil {
		return math.Log(prob)
	}
	// Backward messages and the gradient in one pass from the full set
	// down (b(Q) needs only the b of larger sets), b now overwriting the
	// forward factors; t holds a_i·b(Q∪i) for the members i left.
	gRest := 0.0
	b[full] = 1
	for q := full - 1; q >= 0; q-- {
		c := b[q] / prob // f(Q)/D(Q)/P
		s := 0.0
		for r := full &^ q; r != 0; r &= r - 1 {
			i := bits.TrailingZeros(uint(r)) & 31
			t[i] = a[i] * b[(q|1<<i)&full]
			s += t[i]
		}
		bq := s * d[q]
		b[q] = bq
		if c == 0 {
			continue
		}
		for r := full &^ q; r != 0; r &= r - 1 {
			i := bits.TrailingZeros(uint(r)) & 31
			ga[i] += c * (t[i] - a[i]*bq)
		}
		gRest -= c * bq
	}
	for j, v := range l {
		if !p.inSet[j] {
			grad[j] = gRest * math.Exp(v-top)
		}
	}
	for i, j := range in {
		grad[j] = ga[i&31]
	}
	return math.Log(prob)
}

// logProbLogSpace is logProb with every message kept in log space: slower
// (a logarithm and an exponential per term), but stable for logits that
// spread over thousands of nats.
func (p *subsetDP) logProbLogSpace(l []float64, in []int, grad []float64) float64 {
	k, full := p.k, 1<<p.k-1
	clear(p.inSet)
	for i, j := range in {
		p.a[i] = l[j]
		p.inSet[j] = true
	}
	// L: logsumexp of the logits outside the set (−Inf if there are none).
	rest := math.Inf(-1)
	for j, v := range l {
		if !p.inSet[j] {
			rest = lseAdd(rest, v)
		}
	}
	for q := range full + 1 {
		s := rest
		for i := range k {
			if q&(1<<i) == 0 {
				s = lseAdd(s, p.a[i])
			}
		}
		p.d[q] = s
	}
	p.f[0] = 0
	for q := 1; q <= full; q++ {
		s := math.Inf(-1)
		for i := range k {
			if q&(1<<i) != 0 {
				prev := q &^ (1 << i)
				s = lseAdd(s, p.f[prev]+p.a[i]-p.d[prev])
			}
		}
		p.f[q] = s
	}
	logP := p.f[full]
	if grad == nil {
		return logP
	}
	p.b[full] = 0
	for q := full - 1; q >= 0; q-- {
		s := math.Inf(-1)
		for i := range k {
			if q&(1<<i) == 0 {
				s = lseAdd(s, p.a[i]-p.d[q]+p.b[q|1<<i])
			}
		}
		p.b[q] = s
	}
	ga := p.ga[:k]
	clear(ga)
	gRest := 0.0
	for q := range full {
		nu := math.Exp(p.f[q] + p.b[q] - logP) // probability that the draws pass through Q
		for i := range k {
			if q&(1<<i) == 0 {
				ga[i] += math.Exp(p.f[q]+p.a[i]-p.d[q]+p.b[q|1<<i]-logP) - nu*math.Exp(p.a[i]-p.d[q])
			}
		}
		if !math.IsInf(rest, -1) {
			gRest -= nu * math.Exp(rest-p.d[q])
		}
	}
	for j, v := range l {
		if !p.inSet[j] {
			grad[j] = gRest * math.Exp(v-rest)
		}
	}
	for i, j := range in {
		grad[j] = ga[i]
	}
	return logP
}

// lseAdd returns log(eᵃ + eᵇ), stable, with −Inf as the empty sum.
func lseAdd(a, b float64) float64 {
	if a < b {
		a, b = b, a
	}
	if math.IsInf(b, -1) {
		return a
	}
	return a + math.Log1p(math.Exp(b-a))
}
