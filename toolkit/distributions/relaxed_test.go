package distributions

import (
	"fmt"
	"math"
	"testing"

	"github.com/stochgrad/stochgrad/internal/mathx"
	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// relaxedTol is the relative tolerance of the Concrete log-densities against
// the hand formulas: they chain about ten ops, each rounding to T, and the
// hand formulas raise x to powers.
func relaxedTol[T ad.Float]() float64 {
	if tol[T]() > 1e-9 {
		return 1e-5 // float32
	}
	return 1e-10
}

// binaryConcrete is log(λ·α·x^(−λ−1)·(1−x)^(−λ−1) / (α·x^(−λ) + (1−x)^(−λ))²),
// the density of Maddison et al. (2017), written as printed.
func binaryConcrete(l, lam, x float64) float64 {
	a := math.Exp(l)
	num := lam * a * math.Pow(x, -lam-1) * math.Pow(1-x, -lam-1)
	den := a*math.Pow(x, -lam) + math.Pow(1-x, -lam)
	return math.Log(num / (den * den))
}

// concrete is log((K−1)!·λ^(K−1)·Π_k(α_k·x_k^(−λ−1)) / (Σ_k α_k·x_k^(−λ))^K).
func concrete(l []float64, lam float64, x []float64) float64 {
	k := float64(len(l))
	fact := 1.0
	for i := 2; i < len(l); i++ {
		fact *= float64(i)
	}
	prod, sum := 1.0, 0.0
	for i := range l {
		prod *= math.Exp(l[i]) * math.Pow(x[i], -lam-1)
		sum += math.Exp(l[i]) * math.Pow(x[i], -lam)
	}
	return math.Log(fact * math.Pow(lam, k-1) * prod / math.Pow(sum, k))
}

func TestRelaxedBernoulli(t *testing.T) {
	t.Run("float64", testRelaxedBernoulli[float64])
	t.Run("float32", testRelaxedBernoulli[float32])
}

func testRelaxedBernoulli[T ad.Float](t *testing.T) {
	logits := []float64{-1, 0.3, 2}
	for _, lam := range []float64{0.2, 0.7, 2} {
		d, err := NewRelaxedBernoulli(vec[T](logits...), T(lam))
		if err != nil {
			t.Fatal(err)
		}
		x := ad.New([]T{0.01, 0.5, 0.9, 0.3, 0.999, 0.6}, 2, 3)
		lp := d.LogProb(x)
		for i, v := range x.Data {
			near(t, fmt.Sprintf("LogProb(λ=%g)", lam), float64(lp.Data[i]), binaryConcrete(logits[i%3], lam, float64(v)), relaxedTol[T]())
		}
		// P(x > ½) = σ(l) at every temperature.
		const n = 20000
		counts := make([]int, 3)
		rnd := newRand(30)
		for range n {
			for i, v := range d.Sample(rnd).Data {
				if v > 0.5 {
					counts[i]++
				}
			}
		}
		for i, l := range logits {
			checkFreq(t, fmt.Sprintf("P(x > ½), l = %g, λ = %g", l, lam), counts[i], n, mathx.Sigmoid(l))
		}
	}
	// At λ = 0.01 the draws are near 0 or 1: x ∈ (ε, 1−ε) needs
	// |l + L| < λ·log((1−ε)/ε), of probability at most λ·log((1−ε)/ε)/2 since
	// the logistic density is at most ¼.
	const n, lam, eps = 20000, 0.01, 1e-3
	d := RelaxedBernoulli[T]{tile[T]([]float64{0.4}, n), lam}
	mid := 0
	for _, v := range d.Sample(newRand(31)).Data {
		if v > eps && v < 1-eps {
			mid++
		}
	}
	bound := lam * math.Log((1-eps)/eps) / 2
	if f := float64(mid) / n; f > bound+zMax*math.Sqrt(bound*(1-bound)/n) {
		t.Errorf("λ = %g: %.4f of the draws are in (ε, 1−ε), bound %.4f", lam, f, bound)
	}
}

// TestRelaxedBernoulliNormalised integrates the density over (0, 1) in the
// logit y = log x − log(1−x), where dx = σ(y)·σ(−y)·dy, by the trapezoid
// rule; the tails beyond the range hold less than 1e-7.
func TestRelaxedBernoulliNormalised(t *testing.T) {
	const lo, hi, h = -80.0, 36.0, 0.01
	n := int((hi-lo)/h) + 1
	x := ad.Zeros[float64](n)
	for i := range n {
		x.Data[i] = mathx.Sigmoid(lo + float64(i)*h)
	}
	for _, c := range []struct{ l, lam float64 }{{0.7, 0.5}, {-1.3, 1.5}, {2, 1}} {
		lp := RelaxedBernoulli[float64]{ad.Scalar(c.l), c.lam}.LogProb(x)
		total := 0.0
		for i, v := range lp.Data {
			w := h
			if i == 0 || i == n-1 {
				w /= 2
			}
			total += w * math.Exp(v) * x.Data[i] * (1 - x.Data[i])
		}
		near(t, fmt.Sprintf("∫p (l=%g, λ=%g)", c.l, c.lam), total, 1, 1e-6)
	}
}

func TestRelaxedOneHotCategorical(t *testing.T) {
	t.Run("float64", testRelaxedOneHot[float64])
	t.Run("float32", testRelaxedOneHot[float32])
}

func testRelaxedOneHot[T ad.Float](t *testing.T) {
	logits := []float64{0.5, -1, 2, 0}
	points := [][]float64{{0.25, 0.25, 0.25, 0.25}, {0.7, 0.1, 0.15, 0.05}, {0.001, 0.002, 0.99, 0.007}}
	for _, lam := range []float64{0.3, 1, 2.5} {
		d, err := NewRelaxedOneHotCategorical(vec[T](logits...), T(lam))
		if err != nil {
			t.Fatal(err)
		}
		x := ad.Zeros[T](len(points), 4)
		for i, p := range points {
			for j, v := range p {
				x.Set(T(v), i, j)
			}
		}
		lp := d.LogProb(x)
		for i, p := range points {
			near(t, fmt.Sprintf("LogProb(λ=%g)", lam), float64(lp.Data[i]), concrete(logits, lam, p), relaxedTol[T]())
		}
	}

	// The argmax is the Gumbel-max draw: the same as SubsetTopK with K = 1
	// on the same draws, and distributed as softmax(logits).
	const n = 20000
	rows := tile[T](logits, n)
	soft := RelaxedOneHotCategorical[T]{rows, 0.05}.Sample(newRand(32))
	top := SubsetTopK[T]{rows, 1}.SampleOrdered(newRand(32))
	counts := make([]int, 4)
	for r := range n {
		j := argmax(soft.Data[r*4 : r*4+4])
		if j != top[r][0] {
			t.Fatalf("row %d: argmax %d of %v, Gumbel-max %d", r, j, soft.Data[r*4:r*4+4], top[r][0])
		}
		counts[j]++
	}
	p := Categorical[float64]{vec[float64](logits...)}.Probs().Data
	for j := range 4 {
		checkFreq(t, fmt.Sprintf("P(argmax = %d)", j), counts[j], n, p[j])
	}

	// At λ → 0 the draws become one-hot: max_k x_k < 1 − ε needs the gap Δ
	// between the two largest perturbed logits below δ = λ·log((K−1)(1−ε)/ε),
	// and P(Δ < δ) ≤ C(K,2)·δ/2 as each difference of two Gumbels has
	// density at most ¼.
	const lam, eps = 1e-3, 1e-3
	soft = RelaxedOneHotCategorical[T]{rows, lam}.Sample(newRand(33))
	off := 0
	for r := range n {
		if m := soft.Data[r*4+argmax(soft.Data[r*4:r*4+4])]; float64(m) < 1-eps {
			off++
		}
	}
	bound := 6 * lam * math.Log(3*(1-eps)/eps) / 2
	if f := float64(off) / n; f > bound+zMax*math.Sqrt(bound*(1-bound)/n) {
		t.Errorf("λ = %g: %.4f of the draws have max < 1−ε, bound %.4f", lam, f, bound)
	}
}

func argmax[T ad.Float](v []T) int {
	best := 0
	for j := range v {
		if v[j] > v[best] {
			best = j
		}
	}
	return best
}

// TestRelaxedOneHotNormalised integrates the K = 3 density over the simplex
// in the coordinates y ∈ ℝ², x = softmax(y₁, y₂, 0), where the Jacobian of
// (x₁, x₂) is x₁·x₂·x₃, by the trapezoid rule on [−R, R]²; with λ = 1 the
// tails beyond R = 40 hold about e^−40.
func TestRelaxedOneHotNormalised(t *testing.T) {
	const r, h = 40.0, 0.1
	n := int(2*r/h) + 1
	for _, logits := range [][]float64{{0.3, -0.5, 0.8}, {2, 0, -1}} {
		d := RelaxedOneHotCategorical[float64]{vec[float64](logits...), 1}
		total := 0.0
		x := ad.Zeros[float64](n, 3)
		for i := range n {
			y1 := -r + float64(i)*h
			for j := range n {
				y2 := -r + float64(j)*h
				m := max(y1, y2, 0)
				e1, e2, e3 := math.Exp(y1-m), math.Exp(y2-m), math.Exp(-m)
				s := e1 + e2 + e3
				x.Set(e1/s, j, 0)
				x.Set(e2/s, j, 1)
				x.Set(e3/s, j, 2)
			}
			lp := d.LogProb(x)
			for j := range n {
				w := h * h
				if i == 0 || i == n-1 {
					w /= 2
				}
				if j == 0 || j == n-1 {
					w /= 2
				}
				total += w * math.Exp(lp.Data[j]) * x.At(j, 0) * x.At(j, 1) * x.At(j, 2)
			}
		}
		near(t, fmt.Sprintf("∫p (logits %v)", logits), total, 1, 1e-6)
	}
}

// TestRelaxedOneHotBinary checks that the Concrete with K = 2 and logits
// (a, b) at (1−x, x) is the binary Concrete with logit b − a at x.
func TestRelaxedOneHotBinary(t *testing.T) {
	for _, lam := range []float64{0.4, 1.3} {
		cat := RelaxedOneHotCategorical[float64]{vec[float64](0.2, -0.9), lam}
		ber := RelaxedBernoulli[float64]{ad.Scalar(-1.1), lam}
		for _, x := range []float64{0.02, 0.3, 0.5, 0.97} {
			near(t, "LogProb", cat.LogProb(vec[float64](1-x, x)).Item(), ber.LogProb(ad.Scalar(x)).Item(), 1e-12)
		}
	}
}

func TestRelaxedGrad(t *testing.T) {
	rnd := newRand(34)
	logits := ad.Randn[float64](rnd, 2, 3)
	x := ad.New([]float64{0.2, 0.5, 0.7, 0.9, 0.05, 0.4, 0.3, 0.6, 0.1, 0.8, 0.35, 0.55}, 2, 2, 3)
	gradCheck(t, "RelaxedBernoulli.LogProb", func(p ...*ad.Tensor[float64]) *ad.Tensor[float64] {
		return RelaxedBernoulli[float64]{p[0], 0.6}.LogProb(p[1])
	}, logits, x)
	gradCheck(t, "RelaxedBernoulli.RSample", func(p ...*ad.Tensor[float64]) *ad.Tensor[float64] {
		return RelaxedBernoulli[float64]{p[0], 0.6}.RSample(newRand(35))
	}, logits)
	simplex := Categorical[float64]{ad.Randn[float64](rnd, 4, 2, 3)}.Probs()
	gradCheck(t, "RelaxedOneHotCategorical.LogProb", func(p ...*ad.Tensor[float64]) *ad.Tensor[float64] {
		return RelaxedOneHotCategorical[float64]{p[0], 0.6}.LogProb(p[1])
	}, logits, simplex)
	gradCheck(t, "RelaxedOneHotCategorical.RSample", func(p ...*ad.Tensor[float64]) *ad.Tensor[float64] {
		return RelaxedOneHotCategorical[float64]{p[0], 0.6}.RSample(newRand(36))
	}, logits)
}

func TestRelaxedExtremes(t *testing.T) {
	t.Run("float64", testRelaxedExtremes[float64])
	t.Run("float32", testRelaxedExtremes[float32])
}

func testRelaxedExtremes[T ad.Float](t *testing.T) {
	l := ad.Param(vec[T](-1e4, 1e4, 0))
	rb := RelaxedBernoulli[T]{l, 0.5}
	lp := rb.LogProb(vec[T](0.3, 0.3, 0.3))
	allFinite(t, "RelaxedBernoulli.LogProb", lp.Data)
	near(t, "RelaxedBernoulli.LogProb(l=1e4)", float64(lp.Data[1]), binaryConcreteLog(1e4, 0.5, 0.3), relaxedTol[T]())
	ad.Sum(lp).Backward()
	allFinite(t, "∂RelaxedBernoulli.LogProb/∂l", l.Grad)

	l.ZeroGrad()
	s := rb.RSample(newRand(37))
	allFinite(t, "RelaxedBernoulli.RSample", s.Data)
	if s.Data[0] != 0 || s.Data[1] != 1 {
		t.Errorf("RSample at logits ∓1e4 = %v, want 0 and 1", s.Data[:2])
	}
	ad.Sum(s).Backward()
	allFinite(t, "∂RSample/∂l", l.Grad)
	// The rounded draws are outside the open support: −Inf, no gradient.
	l.ZeroGrad()
	lp = rb.LogProb(ad.Detach(s)) // s's graph went with the Backward above
	if !math.IsInf(float64(lp.Data[0]), -1) || !math.IsInf(float64(lp.Data[1]), -1) {
		t.Errorf("LogProb at 0 and 1 = %v, want −Inf", lp.Data[:2])
	}
	ad.Sum(lp).Backward()
	allFinite(t, "∂LogProb/∂l at 0 and 1", l.Grad)

	lc := ad.Param(vec[T](1e4, -1e4, 0))
	rc := RelaxedOneHotCategorical[T]{lc, 0.5}
	lpc := rc.LogProb(vec[T](0.2, 0.3, 0.5))
	allFinite(t, "RelaxedOneHotCategorical.LogProb", lpc.Data)
	near(t, "RelaxedOneHotCategorical.LogProb", float64(lpc.Item()), concreteLog([]float64{1e4, -1e4, 0}, 0.5, []float64{0.2, 0.3, 0.5}), relaxedTol[T]())
	lpc.Backward()
	allFinite(t, "∂RelaxedOneHotCategorical.LogProb/∂l", lc.Grad)
	lc.ZeroGrad()
	sc := rc.RSample(newRand(38))
	allFinite(t, "RelaxedOneHotCategorical.RSample", sc.Data)
	ad.Sum(ad.Mul(sc, vec[T](1, 2, 3))).Backward()
	allFinite(t, "∂RSample/∂l", lc.Grad)
}

// binaryConcreteLog is binaryConcrete in logarithms, for logits too large
// for exp: log λ + l − (λ+1)·(log x + log(1−x)) − 2·log(e^(l − λ log x) + e^(−λ log(1−x))).
func binaryConcreteLog(l, lam, x float64) float64 {
	a, b := l-lam*math.Log(x), -lam*math.Log1p(-x)
	return math.Log(lam) + l - (lam+1)*(math.Log(x)+math.Log1p(-x)) - 2*lseAdd(a, b)
}

// concreteLog is concrete in logarithms, for logits too large for exp.
func concreteLog(l []float64, lam float64, x []float64) float64 {
	k := float64(len(l))
	lg, _ := math.Lgamma(k)
	s, m := lg+(k-1)*math.Log(lam), math.Inf(-1)
	for i := range l {
		s += l[i] - (lam+1)*math.Log(x[i])
		m = lseAdd(m, l[i]-lam*math.Log(x[i]))
	}
	return s - k*m
}

func TestRelaxedErrors(t *testing.T) {
	for _, lam := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		_, err := NewRelaxedBernoulli(vec[float64](0), lam)
		wantErr(t, fmt.Sprintf("RelaxedBernoulli λ=%v", lam), err, "dist", "NewRelaxedBernoulli", "Temperature")
		_, err = NewRelaxedOneHotCategorical(vec[float64](0, 1), lam)
		wantErr(t, fmt.Sprintf("RelaxedOneHotCategorical λ=%v", lam), err, "dist", "NewRelaxedOneHotCategorical", "Temperature")
	}
	_, err := NewRelaxedBernoulli(vec[float64](math.NaN()), 1)
	wantErr(t, "NaN logit", err, "dist", "Logits")
	_, err = NewRelaxedOneHotCategorical(vec[float64](0, math.Inf(-1)), 1)
	wantErr(t, "−Inf logit", err, "dist", "Logits")
	wantPanic(t, "literal with zero temperature", "Temperature", func() {
		RelaxedBernoulli[float64]{Logits: vec[float64](0)}.RSample(newRand(1))
	})
	wantPanic(t, "literal with zero temperature", "Temperature", func() {
		RelaxedOneHotCategorical[float64]{Logits: vec[float64](0, 1)}.LogProb(vec[float64](0.5, 0.5))
	})
}
