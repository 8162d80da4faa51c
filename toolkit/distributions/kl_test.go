package distributions

import (
	"math"
	"testing"

	"github.com/stochgrad/stochgrad/internal/mathx"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// simpson integrates f over [a, b] with Simpson's rule on n (even) intervals.
func simpson(f func(float64) float64, a, b float64, n int) float64 {
	h := (b - a) / float64(n)
	s := f(a) + f(b)
	for i := 1; i < n; i++ {
		w := 2.0
		if i%2 == 1 {
			w = 4
		}
		s += w * f(a+float64(i)*h)
	}
	return s * h / 3
}

func normalLogPDF(x, mu, sigma float64) float64 {
	z := (x - mu) / sigma
	return -0.5*z*z - math.Log(sigma) - 0.5*math.Log(2*math.Pi)
}

// TestKLNormalMatchesQuadrature checks the closed form against
// ∫ p(x)(log p(x) − log q(x)) dx by Simpson's rule over ±15σ of p.
func TestKLNormalMatchesQuadrature(t *testing.T) {
	mp := []float64{0, 1.5, -2, 0.3}
	sp := []float64{1, 0.4, 2.5, 1}
	mq := []float64{0, -0.5, 1, 0.3}
	sq := []float64{1, 1.3, 0.7, 1}
	p := Normal[float64]{ad.New(mp, 4), ad.New(sp, 4)}
	q := Normal[float64]{ad.New(mq, 4), ad.New(sq, 4)}
	kl, ok := ClosedFormKL[float64](p, q)
	if !ok || !sameShape(kl.Shape(), []int{4}) {
		t.Fatalf("closed form found %v, shape %v; want one of shape [4]", ok, kl)
	}
	for i := range mp {
		want := simpson(func(x float64) float64 {
			lp := normalLogPDF(x, mp[i], sp[i])
			return math.Exp(lp) * (lp - normalLogPDF(x, mq[i], sq[i]))
		}, mp[i]-15*sp[i], mp[i]+15*sp[i], 40000)
		near(t, "KL(Normal‖Normal)", kl.Data[i], want, 1e-9)
	}
	// Broadcasting: a scalar prior against a batch.
	prior := Normal[float64]{ad.Scalar(0.0), ad.Scalar(1.0)}
	if b, _ := ClosedFormKL[float64](p, prior); !sameShape(b.Shape(), []int{4}) {
		t.Fatalf("KL against a scalar prior has shape %v, want [4]", b.Shape())
	}
	gradCheck(t, "KL(Normal‖Normal)", func(xs ...*ad.Tensor[float64]) *ad.Tensor[float64] {
		return klNormal(Normal[float64]{xs[0], xs[1]}, Normal[float64]{xs[2], xs[3]})
	}, ad.New(mp, 4), ad.New(sp, 4), ad.New(mq, 4), ad.New(sq, 4))
	// float32 agrees with float64.
	p32 := Normal[float32]{ad.Convert[float32](p.Mu), ad.Convert[float32](p.Sigma)}
	q32 := Normal[float32]{ad.Convert[float32](q.Mu), ad.Convert[float32](q.Sigma)}
	kl32, ok := ClosedFormKL[float32](p32, q32)
	if !ok {
		t.Fatal("no float32 Normal–Normal KL registered")
	}
	for i := range mp {
		near(t, "KL(Normal‖Normal) float32", float64(kl32.Data[i]), kl.Data[i], 1e-5)
	}
}

// TestKLBernoulliMatchesEnumeration checks the closed form against the sum
// over {0, 1}, including infinite logits.
func TestKLBernoulliMatchesEnumeration(t *testing.T) {
	inf := math.Inf(1)
	a := []float64{0, 2, -3, 1, inf, -inf, 0.5, 3}
	b := []float64{0, -1, 1, 1, 0.7, -2, inf, -inf}
	kl, ok := ClosedFormKL[float64](Bernoulli[float64]{ad.New(a, 8)}, Bernoulli[float64]{ad.New(b, 8)})
	if !ok {
		t.Fatal("no Bernoulli–Bernoulli KL registered")
	}
	for i := range a {
		p1, q1 := mathx.Sigmoid(a[i]), mathx.Sigmoid(b[i])
		want := 0.0
		for _, pq := range [][2]float64{{p1, q1}, {1 - p1, 1 - q1}} {
			if pq[0] > 0 {
				want += pq[0] * math.Log(pq[0]/pq[1])
			}
		}
		near(t, "KL(Bernoulli‖Bernoulli)", kl.Data[i], want, 1e-12)
	}
	gradCheck(t, "KL(Bernoulli‖Bernoulli)", func(xs ...*ad.Tensor[float64]) *ad.Tensor[float64] {
		return klBernoulli(Bernoulli[float64]{xs[0]}, Bernoulli[float64]{xs[1]})
	}, ad.New(a[:4], 4), ad.New(b[:4], 4))
}

// TestKLCategoricalMatchesEnumeration checks the closed form against the
// sum over categories, with a category of probability zero under p.
func TestKLCategoricalMatchesEnumeration(t *testing.T) {
	a := []float64{0.2, -1, 1.5, math.Inf(-1), 0, 0.3}
	b := []float64{1, 0, -0.5, 0.4, 2, -1}
	kl, ok := ClosedFormKL[float64](Categorical[float64]{ad.New(a, 2, 3)}, Categorical[float64]{ad.New(b, 2, 3)})
	if !ok || !sameShape(kl.Shape(), []int{2}) {
		t.Fatalf("closed form found %v, shape %v; want one of shape [2]", ok, kl)
	}
	for r := range 2 {
		la, lb := mathx.LogSumExp(a[3*r:3*r+3]), mathx.LogSumExp(b[3*r:3*r+3])
		want := 0.0
		for j := 3 * r; j < 3*r+3; j++ {
			if p := math.Exp(a[j] - la); p > 0 {
				want += p * (a[j] - la - b[j] + lb)
			}
		}
		near(t, "KL(Categorical‖Categorical)", kl.Data[r], want, 1e-12)
	}
	a[3] = -0.8
	gradCheck(t, "KL(Categorical‖Categorical)", func(xs ...*ad.Tensor[float64]) *ad.Tensor[float64] {
		return klCategorical(Categorical[float64]{xs[0]}, Categorical[float64]{xs[1]})
	}, ad.New(a, 2, 3), ad.New(b, 2, 3))
}

// TestMonteCarloKLReparameterised checks the Monte Carlo fallback for a
// pair without a closed form, KL(Normal ‖ Gumbel), against quadrature by a
// z-test over independent one-sample estimates.
func TestMonteCarloKLReparameterised(t *testing.T) {
	const n = 20000
	mu, sigma, loc, scale := 0.3, 0.8, 0.1, 1.2
	p := Normal[float64]{ad.Full(mu, n), ad.Full(sigma, n)}
	q := Gumbel[float64]{Loc: ad.Scalar(loc), Scale: ad.Scalar(scale)}
	if _, ok := ClosedFormKL[float64](p, q); ok {
		t.Fatal("a closed form for Normal–Gumbel is registered; this test needs a pair without one")
	}
	kl := KL[float64](newRand(1), p, q, 1)
	want := simpson(func(x float64) float64 {
		lp := normalLogPDF(x, mu, sigma)
		z := (x - loc) / scale
		return math.Exp(lp) * (lp + z + math.Exp(-z) + math.Log(scale))
	}, mu-15*sigma, mu+15*sigma, 40000)
	checkMean(t, "Monte Carlo KL(Normal‖Gumbel)", kl.Data, want)
	// Against a closed form: KL(Normal‖Normal) through MonteCarloKL.
	pn := Normal[float64]{ad.Full(0.5, n), ad.Full(0.7, n)}
	qn := Normal[float64]{ad.Scalar(-0.2), ad.Scalar(1.1)}
	exact, _ := ClosedFormKL[float64](pn, qn)
	checkMean(t, "Monte Carlo KL(Normal‖Normal)", MonteCarloKL[float64](newRand(2), pn, qn, 2).Data, exact.Data[0])
}

// TestMonteCarloKLScoreGradient checks that the Monte Carlo KL of discrete
// distributions, drawn without reparameterisation, has the exact gradient
// in expectation: each entry of a batch of equal logits gets an independent
// estimate, compared with the closed form's gradient by a z-test.
func TestMonteCarloKLScoreGradient(t *testing.T) {
	const n = 20000
	for _, samples := range []int{1, 3} {
		a := ad.Param(ad.Full(0.7, n))
		q := Bernoulli[float64]{ad.Scalar(-0.4)}
		ad.Sum(MonteCarloKL[float64](newRand(3), Bernoulli[float64]{a}, q, samples)).Backward()
		s1, s0 := mathx.Sigmoid(0.7), mathx.Sigmoid(-0.7)
		checkMean(t, "Bernoulli Monte Carlo KL gradient", a.Grad, s1*s0*(0.7+0.4))

		la := []float64{0.3, -0.6, 1.1}
		lb := ad.New([]float64{-0.2, 0.5, 0.1}, 3)
		exactA := ad.Param(ad.New(la, 3))
		ad.Sum(klCategorical(Categorical[float64]{exactA}, Categorical[float64]{lb})).Backward()
		logits := ad.Zeros[float64](n, 3)
		for r := range n {
			copy(logits.Data[3*r:], la)
		}
		logits = ad.Param(logits)
		ad.Sum(MonteCarloKL[float64](newRand(4), Categorical[float64]{logits}, Categorical[float64]{lb}, samples)).Backward()
		for j := range 3 {
			g := make([]float64, n)
			for r := range n {
				g[r] = logits.Grad[3*r+j]
			}
			checkMean(t, "Categorical Monte Carlo KL gradient", g, exactA.Grad[j])
		}
	}
}

type tagged struct{ Normal[float64] }

func TestRegisterKL(t *testing.T) {
	RegisterKL(func(p tagged, q Normal[float64]) *ad.Tensor[float64] { return ad.Scalar(42.0) })
	p := tagged{Normal[float64]{ad.Scalar(0.0), ad.Scalar(1.0)}}
	if kl, ok := ClosedFormKL[float64](p, p.Normal); !ok || kl.Item() != 42 {
		t.Fatalf("registered KL not used: %v %v", kl, ok)
	}
	if _, ok := ClosedFormKL[float64](p.Normal, p); ok {
		t.Fatal("a KL registered for (P, Q) must not serve (Q, P)")
	}
	wantPanic(t, "MonteCarloKL", "samples = 0", func() { MonteCarloKL[float64](newRand(1), p, p, 0) })
}
