package distributions

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

func TestCategorical(t *testing.T) {
	t.Run("float64", testCategorical[float64])
	t.Run("float32", testCategorical[float32])
}

func testCategorical[T ad.Float](t *testing.T) {
	// Two batch rows of K = 4; the second has an impossible category.
	rows := [][]float64{{0.5, -1, 2, 0}, {1, math.Inf(-1), 0, -0.5}}
	logits := ad.Zeros[T](2, 4)
	for r, row := range rows {
		for j, v := range row {
			logits.Set(T(v), r, j)
		}
	}
	d, err := NewCategorical(logits)
	if err != nil {
		t.Fatal(err)
	}
	probs := make([][]float64, 2)
	for r, row := range rows {
		z := 0.0
		for _, v := range row {
			z += math.Exp(v)
		}
		h := 0.0
		for _, v := range row {
			p := math.Exp(v) / z
			probs[r] = append(probs[r], p)
			if p > 0 {
				h -= p * math.Log(p)
			}
		}
		near(t, "Entropy", float64(d.Entropy().Data[r]), h, tol[T]())
	}
	// LogProb of every one-hot value, with a leading sample axis of 4.
	x := ad.Zeros[T](4, 2, 4)
	for s := range 4 {
		x.Set(1, s, 0, s)
		x.Set(1, s, 1, s)
	}
	lp := d.LogProb(x)
	if !sameShape(lp.Shape(), []int{4, 2}) {
		t.Fatalf("LogProb shape %v, want [4 2]", lp.Shape())
	}
	for s := range 4 {
		for r := range 2 {
			near(t, fmt.Sprintf("LogProb[%d,%d]", s, r), float64(lp.At(s, r)), math.Log(probs[r][s]), tol[T]())
			near(t, "Probs", float64(d.Probs().At(r, s)), probs[r][s], tol[T]())
		}
	}

	// Frequencies of SampleIndex against softmax, per category.
	const n = 40000
	big, err := NewCategorical(tile[T](rows[0], n))
	if err != nil {
		t.Fatal(err)
	}
	counts := make([]int, 4)
	for _, j := range big.SampleIndex(newRand(3)) {
		counts[j]++
	}
	for j, c := range counts {
		checkFreq(t, fmt.Sprintf("P(category %d)", j), c, n, probs[0][j])
	}
	checkMoments[T](t, "Categorical", d, newRand(4), 20000)

	// Sample is the one-hot of SampleIndex with the same draws.
	idx := d.SampleIndex(newRand(5))
	oh := d.Sample(newRand(5))
	for r, j := range idx {
		for k := range 4 {
			if want := T(0); k == j && oh.At(r, k) != 1 || k != j && oh.At(r, k) != want {
				t.Fatalf("Sample row %d = %v, SampleIndex %d", r, oh.Data[r*4:r*4+4], j)
			}
		}
	}
}

// TestCategoricalBernoulli checks that a two-category Categorical with
// logits (0, l) is Bernoulli(l).
func TestCategoricalBernoulli(t *testing.T) {
	ls := []float64{-3, -0.2, 0, 1.7}
	cat := Categorical[float64]{ad.Zeros[float64](len(ls), 2)}
	for i, l := range ls {
		cat.Logits.Set(l, i, 1)
	}
	ber := Bernoulli[float64]{vec[float64](ls...)}
	for _, b := range []float64{0, 1} {
		x := ad.Zeros[float64](len(ls), 2)
		for i := range ls {
			x.Set(1, i, int(b))
		}
		lc, lb := cat.LogProb(x), ber.LogProb(ad.Full(b, len(ls)))
		for i := range ls {
			near(t, "LogProb", lc.Data[i], lb.Data[i], 1e-12)
		}
	}
	for i := range ls {
		near(t, "Entropy", cat.Entropy().Data[i], ber.Entropy().Data[i], 1e-12)
		near(t, "Mean", cat.Mean().At(i, 1), ber.Mean().Data[i], 1e-12)
	}
}

func TestCategoricalExtremes(t *testing.T) {
	t.Run("float64", testCategoricalExtremes[float64])
	t.Run("float32", testCategoricalExtremes[float32])
}

func testCategoricalExtremes[T ad.Float](t *testing.T) {
	row := []float64{1e4, -1e4, 0, math.Inf(-1)}
	for k := range 4 {
		l := ad.Param(tile[T](row, 1))
		d := Categorical[T]{l}
		x := ad.Zeros[T](1, 4)
		x.Data[k] = 1
		lp := d.LogProb(x)
		want := []float64{0, -2e4, -1e4, math.Inf(-1)}[k]
		near(t, fmt.Sprintf("LogProb(category %d)", k), float64(lp.Data[0]), want, tol[T]())
		lp.Backward()
		allFinite(t, "∂LogProb/∂l", l.Grad)
	}
	l := ad.Param(tile[T](row, 1))
	h := Categorical[T]{l}.Entropy()
	near(t, "Entropy", float64(h.Data[0]), 0, 0)
	h.Backward()
	allFinite(t, "∂Entropy/∂l", l.Grad)
	rnd := newRand(6)
	d := Categorical[T]{tile[T](row, 1000)}
	for _, j := range d.SampleIndex(rnd) {
		if j != 0 {
			t.Fatalf("SampleIndex drew %d with logits %v", j, row)
		}
	}
}

func TestCategoricalGrad(t *testing.T) {
	rnd := newRand(7)
	logits := ad.Randn[float64](rnd, 2, 3)
	x := ad.Zeros[float64](4, 2, 3)
	for i := range 8 {
		x.Data[i*3+rnd.IntN(3)] = 1
	}
	gradCheck(t, "LogProb", func(p ...*ad.Tensor[float64]) *ad.Tensor[float64] {
		return Categorical[float64]{p[0]}.LogProb(x)
	}, logits)
	gradCheck(t, "Entropy", func(p ...*ad.Tensor[float64]) *ad.Tensor[float64] {
		return Categorical[float64]{p[0]}.Entropy()
	}, logits)
	gradCheck(t, "Mean", func(p ...*ad.Tensor[float64]) *ad.Tensor[float64] {
		return Categorical[float64]{p[0]}.Mean()
	}, logits)
	// With an impossible category: its gradient must be zero, the others exact.
	masked := ad.New([]float64{0.3, math.Inf(-1), -0.4, 1.1}, 4)
	gradCheck(t, "Entropy with −Inf (finite entries)", func(p ...*ad.Tensor[float64]) *ad.Tensor[float64] {
		l := ad.Concat(0, ad.Slice(p[0], 0, 0, 1), ad.Slice(masked, 0, 1, 2), ad.Slice(p[0], 0, 1, 3))
		return Categorical[float64]{l}.Entropy()
	}, ad.New([]float64{0.3, -0.4, 1.1}, 3))
}

func TestCategoricalErrors(t *testing.T) {
	_, err := NewCategorical(vec[float64](0, math.NaN()))
	wantErr(t, "NaN", err, "dist", "NewCategorical", "Logits")
	_, err = NewCategorical(vec[float64](0, math.Inf(1)))
	wantErr(t, "+Inf", err, "dist", "Logits")
	_, err = NewCategorical(ad.New([]float64{0, 1, math.Inf(-1), math.Inf(-1)}, 2, 2))
	wantErr(t, "row of −Inf", err, "dist", "row 1")
	_, err = NewCategorical(ad.Scalar(1.0))
	wantErr(t, "scalar", err, "dist", "Logits")
	wantPanic(t, "LogProb with wrong K", "Categorical.LogProb", func() {
		Categorical[float64]{vec[float64](0, 1, 2)}.LogProb(vec[float64](0, 1))
	})
}

func ExampleCategorical() {
	// Three categories with probabilities 0.1, 0.3 and 0.6.
	logits := ad.New([]float64{math.Log(0.1), math.Log(0.3), math.Log(0.6)}, 3)
	d, err := NewCategorical(logits)
	if err != nil {
		panic(err)
	}
	fmt.Printf("probabilities %.2f\n", d.Probs().Data)
	fmt.Printf("entropy %.4f nats\n", d.Entropy().Item())

	// LogProb takes one-hot values; here a batch of two.
	x := ad.New([]float64{1, 0, 0, 0, 0, 1}, 2, 3)
	fmt.Printf("log p %.4f\n", d.LogProb(x).Data)

	// Sample frequencies approach the probabilities.
	rnd := rand.New(rand.NewPCG(1, 2))
	counts := make([]int, 3)
	for range 10000 {
		counts[d.SampleIndex(rnd)[0]]++
	}
	fmt.Println("counts of 10000 draws", counts)
	// Output:
	// probabilities [0.10 0.30 0.60]
	// entropy 0.8979 nats
	// log p [-2.3026 -0.5108]
	// counts of 10000 draws [965 3052 5983]
}
