package estimators_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stochgrad/stochgrad/estimators"
	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/solvers"
)

// bottomK is the minimiser over k-subsets: the k smallest entries.
func bottomK(k int) solvers.Solver[float64] {
	return solvers.Negate[float64](solvers.TopK[float64]{K: k})
}

// subsets returns all k-subsets of n as 0/1 vectors.
func subsets(n, k int) [][]float64 {
	var out [][]float64
	for mask := 0; mask < 1<<n; mask++ {
		z := make([]float64, n)
		c := 0
		for j := range n {
			if mask>>j&1 == 1 {
				z[j] = 1
				c++
			}
		}
		if c == k {
			out = append(out, z)
		}
	}
	return out
}

func dotf(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// TestSPOPlusDefinition checks the minimisation form against its
// definition max_z ⟨c − 2ĉ, z⟩ + 2⟨ĉ, z*(c)⟩ − ⟨c, z*(c)⟩, the maximum taken
// by enumerating all 2-subsets of 6, and ℓ ≥ 0.
func TestSPOPlusDefinition(t *testing.T) {
	const n, k = 6, 2
	rnd := rand.New(rand.NewPCG(1, 2))
	all := subsets(n, k)
	loss := estimators.SPOPlusLoss[float64]{Solver: bottomK(k), Minimize: true}
	for range 200 {
		pred, truth := ad.Randn[float64](rnd, 1, n), ad.Randn[float64](rnd, 1, n)
		zc := make([]float64, n)
		bottomK(k).Solve(zc, truth.Data)
		best := math.Inf(-1)
		for _, z := range all {
			best = max(best, dotf(axpy(truth.Data, -2, pred.Data), z))
		}
		want := best + 2*dotf(pred.Data, zc) - dotf(truth.Data, zc)
		got := loss.Loss(nil, pred, truth).Item()
		if math.Abs(got-want) > 1e-12 || got < 0 {
			t.Fatalf("SPO+ = %v, definition gives %v", got, want)
		}
	}
}

// spoFD checks the gradient of loss against central differences at
// random points, skipping points where a solution changes within ±h.
func spoFD(t *testing.T, name string, loss estimators.SPOPlusLoss[float64], gen func() (pred, truth *ad.Tensor[float64])) {
	t.Helper()
	const h = 1e-6
	checked, skipped := 0, 0
	for range 100 {
		pred, truth := gen()
		p := ad.Param(pred.Clone())
		ad.Sum(loss.Loss(nil, p, truth)).Backward()
		for i := range pred.Data {
			pp, pm := pred.Clone(), pred.Clone()
			pp.Data[i] += h
			pm.Data[i] -= h
			lp, lm, l0 := ad.Sum(loss.Loss(nil, pp, truth)).Item(), ad.Sum(loss.Loss(nil, pm, truth)).Item(), ad.Sum(loss.Loss(nil, pred, truth)).Item()
			// Piecewise linear: away from a kink the two one-sided
			// differences agree.
			if math.Abs((lp-l0)-(l0-lm)) > 1e-9 {
				skipped++
				continue
			}
			if num := (lp - lm) / (2 * h); math.Abs(num-p.Grad[i]) > 1e-6 {
				t.Fatalf("%s: entry %d: gradient %v, central difference %v", name, i, p.Grad[i], num)
			}
			checked++
		}
	}
	if skipped > checked/10 {
		t.Errorf("%s: %d degenerate points against %d checked", name, skipped, checked)
	}
}

// TestSPOPlusGradient checks the gradient 2(z*(c) − z*(2ĉ − c)) against
// finite differences: for a minimiser over subsets, for a maximiser over
// subsets, and for shortest paths with 2ĉ − c > 0 (where the solver is
// exact).
func TestSPOPlusGradient(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	spoFD(t, "bottom-k", estimators.SPOPlusLoss[float64]{Solver: bottomK(3), Minimize: true}, func() (*ad.Tensor[float64], *ad.Tensor[float64]) {
		return ad.Randn[float64](rnd, 2, 7), ad.Randn[float64](rnd, 2, 7)
	})
	spoFD(t, "top-k", estimators.SPOPlusLoss[float64]{Solver: solvers.TopK[float64]{K: 3}}, func() (*ad.Tensor[float64], *ad.Tensor[float64]) {
		return ad.Randn[float64](rnd, 2, 7), ad.Randn[float64](rnd, 2, 7)
	})
	spoFD(t, "shortest path", estimators.SPOPlusLoss[float64]{Solver: solvers.ShortestPath[float64]{Rows: 4, Cols: 4}, Minimize: true}, func() (*ad.Tensor[float64], *ad.Tensor[float64]) {
		c, chat := ad.Zeros[float64](2, 16), ad.Zeros[float64](2, 16)
		for i := range c.Data {
			c.Data[i] = 1 + rnd.Float64()
			chat.Data[i] = c.Data[i]*0.5 + 0.2 + 2*rnd.Float64() // 2ĉ − c ≥ 0.4
		}
		return chat, c
	})
}

// TestSPOPlusConvex checks convexity on segments: the loss along a
// segment lies below the chord, and is never negative.
func TestSPOPlusConvex(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 6))
	loss := estimators.SPOPlusLoss[float64]{Solver: bottomK(3), Minimize: true}
	for range 50 {
		a, b, c := ad.Randn[float64](rnd, 1, 8), ad.Randn[float64](rnd, 1, 8), ad.Randn[float64](rnd, 1, 8)
		la, lb := loss.Loss(nil, a, c).Item(), loss.Loss(nil, b, c).Item()
		for i := 1; i < 20; i++ {
			s := float64(i) / 20
			m := ad.New(axpy(scale(a.Data, 1-s), s, b.Data), 1, 8)
			lm := loss.Loss(nil, m, c).Item()
			if lm < 0 || lm > (1-s)*la+s*lb+1e-12 {
				t.Fatalf("ℓ(%.2f·a + %.2f·b) = %v, chord %v (ℓ(a) = %v, ℓ(b) = %v)", 1-s, s, lm, (1-s)*la+s*lb, la, lb)
			}
		}
	}
}

func scale(x []float64, a float64) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = a * v
	}
	return out
}

// TestSPOPlusSigns checks that the minimisation form on costs equals the
// maximisation form on negated costs with the negated solver, and that
// the loss vanishes when the prediction is the truth.
func TestSPOPlusSigns(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 8))
	sp := solvers.ShortestPath[float64]{Rows: 3, Cols: 5}
	minLoss := estimators.SPOPlusLoss[float64]{Solver: sp, Minimize: true}
	maxLoss := estimators.SPOPlusLoss[float64]{Solver: solvers.Negate[float64](sp)}
	c, chat := ad.Zeros[float64](4, 15), ad.Zeros[float64](4, 15)
	for i := range c.Data {
		c.Data[i], chat.Data[i] = 1+rnd.Float64(), 1+rnd.Float64()
	}
	p1, p2 := ad.Param(chat.Clone()), ad.Param(ad.New(scale(chat.Data, -1), 4, 15))
	l1 := minLoss.Loss(nil, p1, c)
	l2 := maxLoss.Loss(nil, p2, ad.New(scale(c.Data, -1), 4, 15))
	for i := range l1.Data {
		if math.Abs(l1.Data[i]-l2.Data[i]) > 1e-12 {
			t.Fatalf("instance %d: min form %v, max form %v", i, l1.Data[i], l2.Data[i])
		}
	}
	ad.Sum(l1).Backward()
	ad.Sum(l2).Backward()
	for i := range p1.Grad {
		if p1.Grad[i] != -p2.Grad[i] {
			t.Fatalf("entry %d: gradients %v and %v, want negatives", i, p1.Grad[i], p2.Grad[i])
		}
	}
	for i, v := range minLoss.Loss(nil, c, c).Data {
		if v != 0 {
			t.Fatalf("instance %d: ℓ(c, c) = %v, want 0", i, v)
		}
	}
}
