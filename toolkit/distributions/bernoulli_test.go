package distributions

import (
	"math"
	"testing"

	"github.com/stochgrad/stochgrad/internal/mathx"
	"github.com/stochgrad/stochgrad/toolkit/ad"
)

func TestBernoulli(t *testing.T) {
	t.Run("float64", testBernoulli[float64])
	t.Run("float32", testBernoulli[float32])
}

func testBernoulli[T ad.Float](t *testing.T) {
	logits := []float64{-2, 0, 0.5, 3}
	d, err := NewBernoulli(vec[T](logits...))
	if err != nil {
		t.Fatal(err)
	}
	// Closed forms with p = 1/(1 + e^−l), for x ∈ {0, 1} and a soft x.
	for _, x := range []float64{0, 1, 0.3} {
		lp := d.LogProb(ad.Full(T(x), len(logits)))
		h := d.Entropy()
		for i, l := range logits {
			p := 1 / (1 + math.Exp(-l))
			near(t, "LogProb", float64(lp.Data[i]), x*math.Log(p)+(1-x)*math.Log(1-p), tol[T]())
			near(t, "Entropy", float64(h.Data[i]), -p*math.Log(p)-(1-p)*math.Log(1-p), tol[T]())
			near(t, "Probs", float64(d.Probs().Data[i]), p, tol[T]())
		}
	}
	// Sample means against Mean, −LogProb against Entropy.
	checkMoments[T](t, "Bernoulli", d, newRand(1), 20000)

	// Broadcasting: x of shape [S, 4] against logits [4].
	x := ad.Zeros[T](3, 4)
	x.Data[5] = 1
	lp := d.LogProb(x)
	if !sameShape(lp.Shape(), []int{3, 4}) {
		t.Fatalf("LogProb shape %v, want [3 4]", lp.Shape())
	}
	near(t, "LogProb[1,1]", float64(lp.At(1, 1)), -math.Log(2), tol[T]())
	near(t, "LogProb[2,3]", float64(lp.At(2, 3)), -math.Log1p(math.Exp(3)), tol[T]())
}

// TestBernoulliExtremes checks logits of ±1e4 and ±Inf (probabilities 0
// and 1): log-probabilities are finite except for impossible outcomes, and
// gradients are finite everywhere.
func TestBernoulliExtremes(t *testing.T) {
	t.Run("float64", testBernoulliExtremes[float64])
	t.Run("float32", testBernoulliExtremes[float32])
}

func testBernoulliExtremes[T ad.Float](t *testing.T) {
	inf := math.Inf(1)
	logits := []float64{-inf, -1e4, -30, 0, 30, 1e4, inf}
	for _, x := range []float64{0, 1} {
		l := ad.Param(vec[T](logits...))
		d, err := NewBernoulli(l)
		if err != nil {
			t.Fatal(err)
		}
		lp := d.LogProb(ad.Full(T(x), len(logits)))
		for i, li := range logits {
			// log p(x) = −softplus(−l) for x = 1 and −softplus(l) for x = 0.
			want := -softplus(-li)
			if x == 0 {
				want = -softplus(li)
			}
			if math.IsInf(want, -1) != (x == 1 && li == -inf || x == 0 && li == inf) {
				t.Fatalf("test expectation at l=%v x=%v is %v", li, x, want)
			}
			near(t, "LogProb", float64(lp.Data[i]), want, tol[T]())
		}
		ad.Sum(lp).Backward()
		for i, li := range logits {
			near(t, "∂LogProb/∂l", float64(l.Grad[i]), x-mathx.Sigmoid(li), tol[T]())
		}
	}
	l := ad.Param(vec[T](logits...))
	h := Bernoulli[T]{l}.Entropy()
	allFinite(t, "Entropy", h.Data)
	near(t, "Entropy(±Inf)", float64(h.Data[0])+float64(h.Data[6]), 0, 0)
	near(t, "Entropy(±1e4)", float64(h.Data[1])+float64(h.Data[5]), 0, 0)
	ad.Sum(h).Backward()
	allFinite(t, "∂Entropy/∂l", l.Grad)

	// Probabilities exactly 0 and 1.
	d, err := NewBernoulliProbs(vec[T](0, 0.25, 1))
	if err != nil {
		t.Fatal(err)
	}
	near(t, "Probs(0)", float64(d.Probs().Data[0]), 0, 0)
	near(t, "Probs(1)", float64(d.Probs().Data[2]), 1, 0)
	lp0, lp1 := d.LogProb(vec[T](0, 0, 0)), d.LogProb(vec[T](1, 1, 1))
	want0 := []float64{0, math.Log(0.75), math.Inf(-1)}
	want1 := []float64{math.Inf(-1), math.Log(0.25), 0}
	for i := range 3 {
		near(t, "LogProb(x=0)", float64(lp0.Data[i]), want0[i], tol[T]())
		near(t, "LogProb(x=1)", float64(lp1.Data[i]), want1[i], tol[T]())
	}
	rnd := newRand(2)
	for range 1000 {
		s := d.Sample(rnd)
		if s.Data[0] != 0 || s.Data[2] != 1 {
			t.Fatalf("Sample %v with probabilities 0 and 1", s.Data)
		}
	}
}

func TestBernoulliGrad(t *testing.T) {
	logits := vec[float64](-1.2, 0.3, 2)
	x := ad.New([]float64{0, 1, 1, 1, 0, 0.4}, 2, 3) // broadcast [2, 3] against [3], one soft value
	gradCheck(t, "LogProb", func(p ...*ad.Tensor[float64]) *ad.Tensor[float64] {
		return Bernoulli[float64]{p[0]}.LogProb(p[1])
	}, logits, x)
	gradCheck(t, "Entropy", func(p ...*ad.Tensor[float64]) *ad.Tensor[float64] {
		return Bernoulli[float64]{p[0]}.Entropy()
	}, logits)
	gradCheck(t, "Mean", func(p ...*ad.Tensor[float64]) *ad.Tensor[float64] {
		return Bernoulli[float64]{p[0]}.Mean()
	}, logits)
	gradCheck(t, "Probs via NewBernoulliProbs", func(p ...*ad.Tensor[float64]) *ad.Tensor[float64] {
		d, err := NewBernoulliProbs(p[0])
		if err != nil {
			t.Fatal(err)
		}
		return d.LogProb(vec[float64](1, 0, 1))
	}, vec[float64](0.2, 0.5, 0.9))
}

func TestBernoulliErrors(t *testing.T) {
	_, err := NewBernoulli(vec[float64](0, math.NaN()))
	wantErr(t, "NaN logit", err, "dist", "NewBernoulli", "Logits")
	_, err = NewBernoulli[float32](nil)
	wantErr(t, "nil logits", err, "dist", "Logits")
	_, err = NewBernoulliProbs(vec[float64](0.5, 1.5))
	wantErr(t, "p > 1", err, "dist", "NewBernoulliProbs", "p")
	_, err = NewBernoulliProbs(vec[float64](math.NaN()))
	wantErr(t, "NaN p", err, "dist", "p")
	if _, err := NewBernoulli(vec[float64](math.Inf(-1), math.Inf(1))); err != nil {
		t.Errorf("infinite logits rejected: %v", err)
	}
}
