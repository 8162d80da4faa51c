package estimators_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stochgrad/stochgrad/estimators"
	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/solvers"
)

// randomKHot returns b random k-hot rows of length n.
func randomKHot(rnd *rand.Rand, b, n, k int) *ad.Tensor[float64] {
	y := ad.Zeros[float64](b, n)
	for i := range b {
		for _, j := range rnd.Perm(n)[:k] {
			y.Data[i*n+j] = 1
		}
	}
	return y
}

var fyLayers = map[string]estimators.FenchelYoungLayer[float64]{
	"additive":       estimators.PerturbedAdditive[float64]{Solver: solvers.TopK[float64]{K: 3}, Epsilon: 0.8, Samples: 4},
	"multiplicative": estimators.PerturbedMultiplicative[float64]{Solver: solvers.TopK[float64]{K: 3}, Epsilon: 0.8, Samples: 4},
}

// TestFenchelYoungNonNegative checks ℓ ≥ 0 for every draw on random
// scores and random feasible targets.
func TestFenchelYoungNonNegative(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 1))
	for name, layer := range fyLayers {
		loss := estimators.FenchelYoungLoss[float64]{Layer: layer}
		th := ad.Randn[float64](rnd, 200, 8)
		y := randomKHot(rnd, 200, 8, 3)
		l := loss.Loss(rnd, th, y)
		positive := 0
		for i, v := range l.Data {
			if v < 0 {
				t.Fatalf("%s: instance %d: loss %v < 0", name, i, v)
			}
			if v > 0 {
				positive++
			}
		}
		if positive == 0 {
			t.Fatalf("%s: every loss is 0", name)
		}
	}
}

// TestFenchelYoungGradient checks that the gradient of the additive loss
// is ŷ(θ) − y, with ŷ from PerturbedAdditive.Apply on the same draws, and
// that for both layers it is the derivative of the loss estimate at fixed
// noise (central differences at points where no sample changes state).
func TestFenchelYoungGradient(t *testing.T) {
	rnd := rand.New(rand.NewPCG(2, 2))
	const b, n = 20, 8
	theta := ad.Randn[float64](rnd, b, n)
	y := randomKHot(rnd, b, n, 3)

	add := fyLayers["additive"].(estimators.PerturbedAdditive[float64])
	th := ad.Param(theta.Clone())
	ad.Sum(estimators.FenchelYoungLoss[float64]{Layer: add}.Loss(rand.New(rand.NewPCG(9, 9)), th, y)).Backward()
	yhat := add.Apply(rand.New(rand.NewPCG(9, 9)), theta.Clone())
	for i := range th.Grad {
		if want := yhat.Data[i] - y.Data[i]; math.Abs(th.Grad[i]-want) > 1e-12 {
			t.Fatalf("additive: gradient entry %d = %v, ŷ − y = %v", i, th.Grad[i], want)
		}
	}

	for name, layer := range fyLayers {
		loss := estimators.FenchelYoungLoss[float64]{Layer: layer}
		th := ad.Param(theta.Clone())
		ad.Sum(loss.Loss(rand.New(rand.NewPCG(9, 9)), th, y)).Backward()
		const h = 1e-6
		value := func(x *ad.Tensor[float64]) float64 {
			return ad.Sum(loss.Loss(rand.New(rand.NewPCG(9, 9)), x, y)).Item()
		}
		checked := 0
		for i := range theta.Data {
			tp, tm := theta.Clone(), theta.Clone()
			tp.Data[i] += h
			tm.Data[i] -= h
			num := (value(tp) - value(tm)) / (2 * h)
			if math.Abs(num-th.Grad[i]) > 1e-6 {
				// A sample changing state within ±h makes the difference
				// quotient jump; those points are degenerate, not errors,
				// but they must be rare.
				continue
			}
			checked++
		}
		t.Logf("%s: gradient matches central differences at %d of %d entries", name, checked, len(theta.Data))
		if checked < len(theta.Data)*9/10 {
			t.Errorf("%s: gradient matches central differences at only %d of %d entries", name, checked, len(theta.Data))
		}
	}
}

// TestFenchelYoungUnbiased checks the value of the additive loss on the
// 2-D Argmax, where F(θ) = E max(θ₁ + εZ₁, θ₂ + εZ₂) has the closed form
// θ₁Φ(δ/s) + θ₂Φ(−δ/s) + sφ(δ/s), δ = θ₁ − θ₂, s = ε√2.
func TestFenchelYoungUnbiased(t *testing.T) {
	const n, eps = 200000, 0.6
	theta := []float64{0.4, 0.1}
	target := []float64{0, 1}
	s := eps * math.Sqrt2
	d := theta[0] - theta[1]
	f := theta[0]*normCDF(d/s) + theta[1]*normCDF(-d/s) + s*normPDF(d/s)
	want := f - theta[1]
	loss := estimators.FenchelYoungLoss[float64]{Layer: estimators.PerturbedAdditive[float64]{Solver: solvers.Argmax[float64]{}, Epsilon: eps}}
	l := loss.Loss(rand.New(rand.NewPCG(3, 4)), repeatRows(theta, n), repeatRows(target, n))
	mean, se := meanSE(l.Data, n, 1)
	zCheck(t, "F(θ) − ⟨θ, y⟩", mean, se, []float64{want})
}
