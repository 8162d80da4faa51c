package distributions

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// prefixes returns every ordered list of k distinct items of n.
func prefixes(n, k int) [][]int {
	if k == 0 {
		return [][]int{{}}
	}
	var out [][]int
	for _, p := range prefixes(n, k-1) {
		for j := range n {
			if !slices.Contains(p, j) {
				out = append(out, append(slices.Clone(p), j))
			}
		}
	}
	return out
}

// subsets returns every increasing list of k items of n.
func subsets(n, k int) [][]int {
	var out [][]int
	for _, p := range prefixes(n, k) {
		if slices.IsSorted(p) {
			out = append(out, p)
		}
	}
	return out
}

// khot returns the k-hot rows of the given subsets, [len(sets), n].
func khot[T ad.Float](sets [][]int, n int) *ad.Tensor[T] {
	x := ad.Zeros[T](len(sets), n)
	for i, s := range sets {
		for _, j := range s {
			x.Set(1, i, j)
		}
	}
	return x
}

// plackettLuce is the hand formula Π_s e^{l_{i_s}} / Σ_{j not yet chosen} e^{l_j}.
func plackettLuce(l []float64, order []int) float64 {
	p := 1.0
	chosen := map[int]bool{}
	for _, i := range order {
		z := 0.0
		for j := range l {
			if !chosen[j] {
				z += math.Exp(l[j])
			}
		}
		p *= math.Exp(l[i]) / z
		chosen[i] = true
	}
	return p
}

// inclusionExclusion is P(top-k set = S) = Σ_{T⊆S} (−1)^|T|·Z_c/(Z_c + Z_T),
// Z_c the total weight outside S and Z_T that of T: the integral over the
// Gumbel maximum of the items outside S (Kool et al., 2020).
func inclusionExclusion(l []float64, set []int) float64 {
	zc := 0.0
	for j := range l {
		if !slices.Contains(set, j) {
			zc += math.Exp(l[j])
		}
	}
	p := 0.0
	for mask := range 1 << len(set) {
		zt, sign := 0.0, 1.0
		for b, j := range set {
			if mask&(1<<b) != 0 {
				zt += math.Exp(l[j])
				sign = -sign
			}
		}
		p += sign * zc / (zc + zt)
	}
	return p
}

func TestSubsetTopK(t *testing.T) {
	t.Run("float64", testSubsetTopK[float64])
	t.Run("float32", testSubsetTopK[float32])
}

func testSubsetTopK[T ad.Float](t *testing.T) {
	l := []float64{0.4, -1.1, 1.5, 0.2, -0.3}
	n := len(l)
	d, err := NewSubsetTopK(vec[T](l...), 3)
	if err != nil {
		t.Fatal(err)
	}
	// Plackett-Luce against the hand formula; over all ordered prefixes of
	// length 3 (as 60 sample rows of the single batch row) the probabilities
	// sum to 1.
	all := prefixes(n, 3)
	lp := d.LogProbOrdered(all)
	if !sameShape(lp.Shape(), []int{len(all)}) {
		t.Fatalf("LogProbOrdered shape %v, want [%d]", lp.Shape(), len(all))
	}
	total := 0.0
	for i, o := range all {
		near(t, fmt.Sprintf("LogProbOrdered(%v)", o), float64(lp.Data[i]), math.Log(plackettLuce(l, o)), 10*tol[T]())
		total += math.Exp(float64(lp.Data[i]))
	}
	near(t, "Σ PL over ordered prefixes", total, 1, 10*tol[T]())

	// Unordered subsets: LogProb is the log-sum over the orders of each set,
	// agrees with the inclusion-exclusion formula, and sums to 1.
	sets := subsets(n, 3)
	lps := d.LogProb(khot[T](sets, n))
	total = 0.0
	for i, s := range sets {
		sum := 0.0
		for _, o := range prefixes(n, 3) {
			if sorted := slices.Sorted(slices.Values(o)); slices.Equal(sorted, s) {
				sum += plackettLuce(l, o)
			}
		}
		near(t, fmt.Sprintf("LogProb(%v) vs orders", s), float64(lps.Data[i]), math.Log(sum), 10*tol[T]())
		near(t, fmt.Sprintf("LogProb(%v) vs inclusion-exclusion", s), float64(lps.Data[i]), math.Log(inclusionExclusion(l, s)), 10*tol[T]())
		total += math.Exp(float64(lps.Data[i]))
	}
	near(t, "Σ P(subset)", total, 1, 10*tol[T]())

	// Sample is the set of SampleOrdered with the same draws.
	big := SubsetTopK[T]{tile[T](l, 50), 3}
	ord := big.SampleOrdered(newRand(40))
	kh := big.Sample(newRand(40))
	for r, o := range ord {
		for j := range n {
			if (kh.At(r, j) == 1) != slices.Contains(o, j) || kh.At(r, j) != 0 && kh.At(r, j) != 1 {
				t.Fatalf("row %d: Sample %v, SampleOrdered %v", r, kh.Data[r*n:(r+1)*n], o)
			}
		}
	}
}

// TestSubsetTopKFrequencies compares Gumbel-top-k draws with the
// probabilities: ordered pairs for n = 4, k = 2 against Plackett-Luce, and
// unordered pairs for n = 5, k = 2 against LogProb.
func TestSubsetTopKFrequencies(t *testing.T) {
	const draws = 40000
	l := []float64{1, 0.2, -0.5, 0.6}
	d := SubsetTopK[float64]{tile[float64](l, draws), 2}
	count := map[[2]int]int{}
	for _, o := range d.SampleOrdered(newRand(41)) {
		count[[2]int{o[0], o[1]}]++
	}
	all := prefixes(4, 2)
	lp := SubsetTopK[float64]{vec[float64](l...), 2}.LogProbOrdered(all)
	for i, o := range all {
		checkFreq(t, fmt.Sprintf("P(order %v)", o), count[[2]int{o[0], o[1]}], draws, math.Exp(lp.Data[i]))
	}

	l = []float64{0.3, -1, 1.2, 0, 0.5}
	d = SubsetTopK[float64]{tile[float64](l, draws), 2}
	x := d.Sample(newRand(42))
	sets := subsets(5, 2)
	lps := SubsetTopK[float64]{vec[float64](l...), 2}.LogProb(khot[float64](sets, 5))
	for i, s := range sets {
		c := 0
		for r := range draws {
			if x.At(r, s[0]) == 1 && x.At(r, s[1]) == 1 {
				c++
			}
		}
		checkFreq(t, fmt.Sprintf("P(set %v)", s), c, draws, math.Exp(lps.Data[i]))
	}
}

// TestSubsetTopKSpecial checks K = 1 against Categorical, K = n, values that
// are not k-hot, and batch broadcasting.
func TestSubsetTopKSpecial(t *testing.T) {
	l := vec[float64](0.3, -1, 1.2, 0)
	one := khot[float64]([][]int{{0}, {1}, {2}, {3}}, 4)
	a := SubsetTopK[float64]{l, 1}.LogProb(one)
	b := Categorical[float64]{l}.LogProb(one)
	c := SubsetTopK[float64]{l, 1}.LogProbOrdered([][]int{{0}, {1}, {2}, {3}})
	for i := range 4 {
		near(t, "K=1 LogProb vs Categorical", a.Data[i], b.Data[i], 1e-14)
		near(t, "K=1 LogProbOrdered vs Categorical", c.Data[i], b.Data[i], 1e-14)
	}
	near(t, "K=n LogProb", SubsetTopK[float64]{l, 4}.LogProb(ad.Ones[float64](4)).Item(), 0, 1e-14)

	bad := ad.New([]float64{1, 1, 0, 0, 1, 0, 0, 0, 1, 0.5, 1, 0}, 3, 4) // k-hot; one 1; soft
	lp := SubsetTopK[float64]{ad.Param(l.Clone()), 2}.LogProb(bad)
	if math.IsInf(lp.Data[0], 0) || !math.IsInf(lp.Data[1], -1) || !math.IsInf(lp.Data[2], -1) {
		t.Errorf("LogProb of non-k-hot rows = %v, want [finite −Inf −Inf]", lp.Data)
	}

	// Batch [2, 3] of n = 4, x with a sample axis of 2 → [2, 2, 3].
	rnd := newRand(43)
	logits := ad.Randn[float64](rnd, 2, 3, 4)
	d := SubsetTopK[float64]{logits, 2}
	x := ad.Concat(0, ad.Unsqueeze(d.Sample(rnd), 0), ad.Unsqueeze(d.Sample(rnd), 0))
	lp = d.LogProb(x)
	if !sameShape(lp.Shape(), []int{2, 2, 3}) {
		t.Fatalf("LogProb shape %v, want [2 2 3]", lp.Shape())
	}
	for s := range 2 {
		for r := range 6 {
			row := SubsetTopK[float64]{ad.New(logits.Data[r*4:r*4+4], 4), 2}
			want := row.LogProb(ad.New(x.Data[(s*6+r)*4:(s*6+r)*4+4], 4)).Item()
			near(t, "batched LogProb", lp.Data[s*6+r], want, 1e-14)
		}
	}
	ord := append(d.SampleOrdered(rnd), d.SampleOrdered(rnd)...)
	lo := d.LogProbOrdered(ord)
	if !sameShape(lo.Shape(), []int{2, 2, 3}) {
		t.Fatalf("LogProbOrdered shape %v, want [2 2 3]", lo.Shape())
	}
	for i, o := range ord {
		r := i % 6
		near(t, "batched LogProbOrdered", lo.Data[i], math.Log(plackettLuce(logits.Float64s()[r*4:r*4+4], o)), 1e-12)
	}
}

func TestSubsetTopKGrad(t *testing.T) {
	rnd := newRand(44)
	logits := ad.Randn[float64](rnd, 2, 5)
	for _, k := range []int{1, 3, 5} {
		d := SubsetTopK[float64]{logits, k}
		ord := append(append(d.SampleOrdered(rnd), d.SampleOrdered(rnd)...), d.SampleOrdered(rnd)...)
		x := ad.Concat(0, ad.Unsqueeze(d.Sample(rnd), 0), ad.Unsqueeze(d.Sample(rnd), 0))
		gradCheck(t, fmt.Sprintf("LogProbOrdered K=%d", k), func(p ...*ad.Tensor[float64]) *ad.Tensor[float64] {
			return SubsetTopK[float64]{p[0], k}.LogProbOrdered(ord)
		}, logits)
		gradCheck(t, fmt.Sprintf("LogProb K=%d", k), func(p ...*ad.Tensor[float64]) *ad.Tensor[float64] {
			return SubsetTopK[float64]{p[0], k}.LogProb(x)
		}, logits)
	}
}

// TestSubsetTopKLinearSpace checks the linear-space programme of LogProb,
// with its gradient, against the sum over the orders of each set (K ≤ 5)
// and against the log-space programme it falls back to, on n = 8 items and
// every K; the closed form for equal logits; and rows of tiny probability,
// which take the fallback.
func TestSubsetTopKLinearSpace(t *testing.T) {
	rnd := newRand(47)
	const n = 8
	l := ad.Randn[float64](rnd, n)
	for j := range l.Data {
		l.Data[j] *= 2
	}
	for k := 1; k <= n; k++ {
		sets := subsets(n, k)
		lg := ad.Param(l.Clone())
		lp := SubsetTopK[float64]{lg, k}.LogProb(khot[float64](sets, n))
		frozen := SubsetTopK[float64]{l, k}.LogProb(khot[float64](sets, n))
		sum := map[string]float64{}
		if k <= 5 { // beyond, the orders are too many for a quick test
			for _, o := range prefixes(n, k) {
				sum[fmt.Sprint(slices.Sorted(slices.Values(o)))] += plackettLuce(l.Data, o)
			}
		}
		dp := newSubsetDP(k, n)
		g, gl := make([]float64, n), make([]float64, n)
		for i, s := range sets {
			if k <= 5 {
				near(t, fmt.Sprintf("K=%d LogProb(%v) vs orders", k, s), lp.Data[i], math.Log(sum[fmt.Sprint(s)]), 1e-12)
			}
			near(t, fmt.Sprintf("K=%d LogProb(%v) without gradient", k, s), frozen.Data[i], lp.Data[i], 1e-14)
			a, b := dp.logProb(l.Data, s, g), dp.logProbLogSpace(l.Data, s, gl)
			near(t, fmt.Sprintf("K=%d linear vs log space (%v)", k, s), a, b, 1e-12)
			for j := range n {
				near(t, fmt.Sprintf("K=%d ∂/∂l_%d linear vs log space (%v)", k, j, s), g[j], gl[j], 1e-11)
			}
		}
		if k == 4 {
			gradCheck(t, "LogProb K=4 of 8", func(p ...*ad.Tensor[float64]) *ad.Tensor[float64] {
				return SubsetTopK[float64]{p[0], k}.LogProb(khot[float64](sets[:20], n))
			}, l)
		}
	}

	// Equal logits (a uniform prior's, without gradient): 1/C(n, k), as the
	// programme gives.
	for k := 1; k <= n; k++ {
		sets := subsets(n, k)
		last := min(3, len(sets)) - 1
		flat := SubsetTopK[float64]{ad.Full(0.3, n), k}.LogProb(khot[float64](sets[:last+1], n))
		dp := newSubsetDP(k, n)
		want := dp.logProb(ad.Full(0.3, n).Data, sets[last], make([]float64, n))
		near(t, fmt.Sprintf("K=%d equal logits vs C(n, k)", k), flat.Data[0], -math.Log(float64(len(sets))), 1e-13)
		near(t, fmt.Sprintf("K=%d equal logits vs the programme", k), flat.Data[last], want, 1e-13)
	}

	// Three items 400 nats below the others: the set of them has
	// probability about e^−1200, below the linear programme's range.
	low := []float64{0, 0.5, -400, -400.2, -399.9, 1}
	dp := newSubsetDP(3, len(low))
	g, gl := make([]float64, len(low)), make([]float64, len(low))
	got := dp.logProb(low, []int{2, 3, 4}, g)
	if got > -1100 || math.IsInf(got, 0) {
		t.Fatalf("log P of the three low items = %v, want finite, about −1200", got)
	}
	near(t, "tiny set", got, dp.logProbLogSpace(low, []int{2, 3, 4}, gl), 1e-9)
	for j := range low {
		near(t, fmt.Sprintf("tiny set ∂/∂l_%d", j), g[j], gl[j], 1e-9)
	}
}

func TestSubsetTopKExtremes(t *testing.T) {
	t.Run("float64", testSubsetTopKExtremes[float64])
	t.Run("float32", testSubsetTopKExtremes[float32])
}

func testSubsetTopKExtremes[T ad.Float](t *testing.T) {
	l := []float64{1e4, -1e4, 0, 5, -1e4}
	sets := subsets(5, 3)
	lg := ad.Param(vec[T](l...))
	lp := SubsetTopK[T]{lg, 3}.LogProb(khot[T](sets, 5))
	allFinite(t, "LogProb", lp.Data)
	// The set {0, 2, 3} has probability 1 up to e^−1e4.
	near(t, "LogProb({0,2,3})", float64(lp.Data[slices.IndexFunc(sets, func(s []int) bool { return slices.Equal(s, []int{0, 2, 3}) })]), 0, tol[T]())
	ad.Sum(lp).Backward()
	allFinite(t, "∂LogProb/∂l", lg.Grad)

	lg = ad.Param(vec[T](l...))
	all := prefixes(5, 3)
	lo := SubsetTopK[T]{lg, 3}.LogProbOrdered(all)
	allFinite(t, "LogProbOrdered", lo.Data)
	for i, o := range all {
		// Hand formula in logs: each step's normaliser is dominated by the
		// largest logit left.
		want, chosen := 0.0, map[int]bool{}
		for _, j := range o {
			z := math.Inf(-1)
			for m := range l {
				if !chosen[m] {
					z = lseAdd(z, l[m])
				}
			}
			want += l[j] - z
			chosen[j] = true
		}
		near(t, fmt.Sprintf("LogProbOrdered(%v)", o), float64(lo.Data[i]), want, tol[T]())
	}
	ad.Sum(lo).Backward()
	allFinite(t, "∂LogProbOrdered/∂l", lg.Grad)
	rnd := newRand(45)
	for _, o := range (SubsetTopK[T]{tile[T](l, 100), 3}).SampleOrdered(rnd) {
		// Item 0 comes first with probability 1 − e^−9995 and the set is
		// {0, 2, 3} with probability 1 − 2e^−9995; 3 before 2 is likely only.
		if o[0] != 0 || !slices.Equal(slices.Sorted(slices.Values(o)), []int{0, 2, 3}) {
			t.Fatalf("SampleOrdered %v with logits %v", o, l)
		}
	}
}

func TestSubsetTopKErrors(t *testing.T) {
	l := vec[float64](0, 1, 2)
	_, err := NewSubsetTopK(l, 0)
	wantErr(t, "K = 0", err, "dist", "NewSubsetTopK", "K")
	_, err = NewSubsetTopK(l, 4)
	wantErr(t, "K > n", err, "dist", "K", "[1, 3]")
	_, err = NewSubsetTopK(vec[float64](0, math.NaN()), 1)
	wantErr(t, "NaN", err, "dist", "Logits")
	_, err = NewSubsetTopK(vec[float64](0, math.Inf(-1)), 1)
	wantErr(t, "−Inf", err, "dist", "Logits")
	wantPanic(t, "literal K = 0", "distributions.SubsetTopK", func() { SubsetTopK[float64]{Logits: l}.Sample(newRand(1)) })
	d := SubsetTopK[float64]{l, 2}
	wantPanic(t, "repeated index", "distinct", func() { d.LogProbOrdered([][]int{{1, 1}}) })
	wantPanic(t, "ragged", "length", func() { d.LogProbOrdered([][]int{{1, 2}, {0}}) })
	wantPanic(t, "rows", "prefixes", func() { SubsetTopK[float64]{ad.Zeros[float64](2, 3), 1}.LogProbOrdered([][]int{{0}, {1}, {2}}) })
}

func ExampleSubsetTopK() {
	// Choose 2 of 4 items by Gumbel-top-k.
	logits := ad.New([]float64{2, 1, 0, -1}, 4)
	d, err := NewSubsetTopK(logits, 2)
	if err != nil {
		panic(err)
	}
	// Plackett-Luce probability of drawing item 0 first, then item 1.
	lp := d.LogProbOrdered([][]int{{0, 1}})
	fmt.Printf("P(0 then 1) = %.4f\n", math.Exp(lp.Item()))
	// Probability of the unordered set {0, 1} (either order).
	x := ad.New([]float64{1, 1, 0, 0}, 4)
	fmt.Printf("P({0, 1})   = %.4f\n", math.Exp(d.LogProb(x).Item()))

	rnd := rand.New(rand.NewPCG(1, 2))
	fmt.Println("ordered draw:", d.SampleOrdered(rnd)[0])
	fmt.Println("k-hot draw:  ", d.Sample(rnd).Data)
	// Output:
	// P(0 then 1) = 0.4284
	// P({0, 1})   = 0.6282
	// ordered draw: [1 2]
	// k-hot draw:   [1 1 0 0]
}

// BenchmarkSubsetTopKLogProb measures LogProb and its gradient on the k-subset
// VAE's code: a mini-batch of 100 examples of 20 groups of 10-subsets of 20
// items, on one CPU and on all.
func BenchmarkSubsetTopKLogProb(b *testing.B) {
	rnd := newRand(46)
	logits := ad.Param(ad.Randn[float32](rnd, 100, 20, 20))
	d := SubsetTopK[float32]{logits, 10}
	x := d.Sample(rnd)
	for _, procs := range []int{1, runtime.NumCPU()} {
		b.Run(fmt.Sprintf("forward/procs=%d", procs), func(b *testing.B) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			frozen := SubsetTopK[float32]{logits.Clone(), 10}
			for b.Loop() {
				frozen.LogProb(x)
			}
		})
		b.Run(fmt.Sprintf("gradient/procs=%d", procs), func(b *testing.B) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			for b.Loop() {
				ad.Sum(d.LogProb(x)).Backward()
			}
		})
	}
}

// TestSubsetTopKRowsInParallel checks that a batch large enough to be
// shared among goroutines (a mini-batch of a 20×20 code of 10-subsets)
// gives, row by row, the values and gradients of single-row calls, which
// run on one goroutine; impossible rows among them stay −Inf.
func TestSubsetTopKRowsInParallel(t *testing.T) {
	rnd := newRand(48)
	const rows, n, k = 60, 20, 10
	l := ad.Randn[float64](rnd, rows, n)
	x := SubsetTopK[float64]{l, k}.Sample(rnd)
	x.Data[3*n] = 1 - x.Data[3*n] // row 3 is not k-hot
	lg := ad.Param(l.Clone())
	lp := SubsetTopK[float64]{lg, k}.LogProb(x)
	ad.Sum(ad.Where(finiteMask(lp), lp, ad.Zeros[float64](rows))).Backward()
	for r := range rows {
		lr := ad.Param(ad.New(slices.Clone(l.Data[r*n:(r+1)*n]), n))
		one := SubsetTopK[float64]{lr, k}.LogProb(ad.New(x.Data[r*n:(r+1)*n], n))
		if r == 3 {
			if !math.IsInf(lp.Data[r], -1) {
				t.Errorf("row 3, not k-hot: log p = %v, want −Inf", lp.Data[r])
			}
			continue
		}
		one.Backward()
		if lp.Data[r] != one.Item() {
			t.Errorf("row %d: log p %v in the batch, %v alone", r, lp.Data[r], one.Item())
		}
		if !slices.Equal(lg.Grad[r*n:(r+1)*n], lr.Grad) {
			t.Errorf("row %d: gradient %v in the batch, %v alone", r, lg.Grad[r*n:(r+1)*n], lr.Grad)
		}
	}
}

// finiteMask marks the finite entries of t.
func finiteMask(t *ad.Tensor[float64]) []bool {
	m := make([]bool, t.Len())
	for i, v := range t.Data {
		m[i] = !math.IsInf(v, 0) && !math.IsNaN(v)
	}
	return m
}
