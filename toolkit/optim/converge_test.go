package optim

import (
	"math"
	"testing"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// quadratic is f(x) = ½ Σ aᵢ(xᵢ − cᵢ)² with curvatures from mu to L spaced
// geometrically.
type quadratic struct{ a, c []float64 }

func newQuadratic(d int, mu, L float64) quadratic {
	q := quadratic{a: make([]float64, d), c: make([]float64, d)}
	for i := range d {
		q.a[i] = mu * math.Pow(L/mu, float64(i)/float64(d-1))
		q.c[i] = 2 * math.Sin(float64(3*i+1)) // fixed targets in [−2, 2]
	}
	return q
}

// run takes steps of opt from x = 0, computing the gradient with the
// engine, and returns the final distance to the minimiser, the initial
// distance and the largest coordinate error.
func run[T ad.Float](t *testing.T, q quadratic, opt Optimizer[T], steps int) (dist, dist0, worst float64) {
	t.Helper()
	x := ad.Param(ad.Zeros[T](len(q.a)))
	a, c := ad.New(toT[T](q.a), len(q.a)), ad.New(toT[T](q.c), len(q.c))
	for range steps {
		x.ZeroGrad()
		ad.MulScalar(ad.Sum(ad.Mul(a, ad.Square(ad.Sub(x, c)))), 0.5).Backward()
		if err := opt.Step([]*ad.Tensor[T]{x}); err != nil {
			t.Fatal(err)
		}
	}
	for i, v := range x.Data {
		e := float64(v) - q.c[i]
		dist += e * e
		dist0 += q.c[i] * q.c[i]
		worst = max(worst, math.Abs(e))
	}
	return math.Sqrt(dist), math.Sqrt(dist0), worst
}

// checkConvergence compares each optimizer with the rate theory gives on a
// quadratic of condition number κ = L/μ = 100.
func checkConvergence[T ad.Float](t *testing.T, floor float64) {
	const mu, L, steps = 1.0, 100.0, 300
	q := newQuadratic(10, mu, L)
	kappa := L / mu

	// Gradient descent with LR = 2/(L+μ) contracts every coordinate by
	// |1 − LR·aᵢ| ≤ (κ−1)/(κ+1) per step.
	dist, dist0, _ := run(t, q, &SGD[T]{LR: T(2 / (L + mu))}, steps)
	bound := math.Pow((kappa-1)/(kappa+1), steps)
	if dist > (bound+floor)*dist0 {
		t.Errorf("SGD: distance %.3g after %d steps, theory bounds it by %.3g", dist, steps, bound*dist0)
	}
	t.Logf("SGD: distance %.3g (bound %.3g)", dist, bound*dist0)

	// Heavy ball with LR = 4/(√L+√μ)² and Momentum ((√κ−1)/(√κ+1))²
	// converges at rate ρ = (√κ−1)/(√κ+1) = 9/11, up to a factor k from
	// the double eigenvalue at the extreme curvatures: k·ρᵏ ≈ 2e-24 here,
	// so what remains is rounding, a few ulps of |c| (floor).
	sk := math.Sqrt(kappa)
	hb := &SGD[T]{LR: T(4 / ((math.Sqrt(L) + math.Sqrt(mu)) * (math.Sqrt(L) + math.Sqrt(mu)))), Momentum: T(((sk - 1) / (sk + 1)) * ((sk - 1) / (sk + 1)))}
	dist, dist0, _ = run(t, q, hb, steps)
	rho := (sk - 1) / (sk + 1)
	if bound := 4 * steps * math.Pow(rho, steps); dist > (bound+floor)*dist0 {
		t.Errorf("SGD with momentum: distance %.3g after %d steps, want below %.3g", dist, steps, (bound+floor)*dist0)
	}
	t.Logf("SGD with momentum: distance %.3g", dist)

	// Adam moves each coordinate by at most about LR per step (Kingma & Ba
	// §2.1), so with LR = 0.01 it needs at least max|c|/LR = 200 steps; with
	// 2000 it must end within LR of the minimiser in every coordinate,
	// where it hovers at a constant LR.
	const lr = 0.01
	_, _, worst := run(t, q, &Adam[T]{LR: lr}, 2000)
	if worst > lr {
		t.Errorf("Adam: largest coordinate error %.3g after 2000 steps, want ≤ LR = %g", worst, lr)
	}
	t.Logf("Adam: largest coordinate error %.3g", worst)
}

func TestConvergenceOnQuadratic(t *testing.T) {
	t.Run("float64", func(t *testing.T) { checkConvergence[float64](t, 1e-12) })
	t.Run("float32", func(t *testing.T) { checkConvergence[float32](t, 1e-5) })
}
