package optim

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// TestSGLDSamplesGaussian runs many independent SGLD chains on a
// correlated two-dimensional Gaussian and checks their mean and covariance
// after burn-in against the exact stationary law of the discretised chain,
// mean μ and covariance (P − (LR/2)P²)⁻¹, with z-tests on standard errors.
func TestSGLDSamplesGaussian(t *testing.T) {
	const chains, steps, lr = 20000, 300, 0.05
	mu := []float64{1, -2}
	prec := mat.NewSymDense(2, []float64{2, 0.8, 0.8, 1})
	rnd := rand.New(rand.NewPCG(1, 13))
	theta := ad.Param(ad.Zeros[float64](chains, 2))
	opt := &SGLD[float64]{LR: lr, Rand: rnd}
	for range steps {
		// ∇U(θ) = P(θ − μ), chain by chain.
		if theta.Grad == nil {
			theta.Grad = make([]float64, theta.Len())
		}
		for c := range chains {
			d0, d1 := theta.Data[2*c]-mu[0], theta.Data[2*c+1]-mu[1]
			theta.Grad[2*c] = prec.At(0, 0)*d0 + prec.At(0, 1)*d1
			theta.Grad[2*c+1] = prec.At(1, 0)*d0 + prec.At(1, 1)*d1
		}
		if err := opt.Step([]*ad.Tensor[float64]{theta}); err != nil {
			t.Fatal(err)
		}
	}
	// Stationary covariance of θ ← θ − LR·P(θ−μ) + √(2LR)ξ.
	var p2, m mat.SymDense
	p2.SymOuterK(1, prec) // P·P for symmetric P
	m.ScaleSym(-lr/2, &p2)
	m.AddSym(&m, prec)
	var cov mat.SymDense
	var ch mat.Cholesky
	if !ch.Factorize(&m) {
		t.Fatal("stationary precision not positive definite")
	}
	if err := ch.InverseTo(&cov); err != nil {
		t.Fatal(err)
	}
	x := mat.NewDense(chains, 2, theta.Data)
	for i := range 2 {
		mean := mat.Sum(x.ColView(i)) / chains
		se := math.Sqrt(cov.At(i, i) / chains)
		if z := (mean - mu[i]) / se; math.Abs(z) > 4 {
			t.Errorf("mean %d = %v, want %v ± %.3g (z = %.1f)", i, mean, mu[i], se, z)
		}
	}
	for i := range 2 {
		for j := i; j < 2; j++ {
			s := 0.0
			for c := range chains {
				s += (x.At(c, i) - mu[i]) * (x.At(c, j) - mu[j])
			}
			s /= chains
			se := math.Sqrt((cov.At(i, i)*cov.At(j, j) + cov.At(i, j)*cov.At(i, j)) / chains)
			if z := (s - cov.At(i, j)) / se; math.Abs(z) > 4 {
				t.Errorf("covariance [%d,%d] = %v, want %v ± %.3g (z = %.1f)", i, j, s, cov.At(i, j), se, z)
			}
		}
	}
}

func TestSGLDRejectsBadParameters(t *testing.T) {
	p := ad.Param(ad.Zeros[float64](2))
	p.Grad = []float64{1, 1}
	for _, o := range []*SGLD[float64]{{LR: -1, Rand: rand.New(rand.NewPCG(1, 1))}, {Temperature: -1, Rand: rand.New(rand.NewPCG(1, 1))}, {}} {
		if err := o.Step([]*ad.Tensor[float64]{p}); err == nil {
			t.Errorf("SGLD %+v: no error", o)
		}
	}
	if p.Data[0] != 0 {
		t.Errorf("a rejected step moved the parameter to %v", p.Data)
	}
}

// TestEntropySGDStepsAlongLocalEntropy checks Entropy-SGD on a quadratic
// f(x) = ½ a x², whose Gibbs measure around x has mean γx/(a+γ): one step
// with SGD at rate η must move x to x − ηγa x/(a+γ), and scoping must
// raise γ to γ₀(1+γ₁) for the next.
func TestEntropySGDStepsAlongLocalEntropy(t *testing.T) {
	const a, gamma0, scoping, eta, x0 = 2.0, 0.5, 0.1, 0.3, 1.5
	x := ad.Param(ad.New([]float64{x0}, 1))
	grad := func() error {
		x.Grad = []float64{a * x.Data[0]}
		return nil
	}
	o := &EntropySGD[float64]{
		Base: &SGD[float64]{LR: eta}, L: 200, InnerLR: 0.1, Noise: 1e-9,
		Gamma: gamma0, Scoping: scoping, Rand: rand.New(rand.NewPCG(2, 13)),
	}
	want := x0
	for step := range 2 {
		g := gamma0 * math.Pow(1+scoping, float64(step))
		if s := o.Scope(); math.Abs(s-g) > 1e-15 {
			t.Fatalf("step %d: scope %v, want %v", step, s, g)
		}
		if err := o.Step([]*ad.Tensor[float64]{x}, grad); err != nil {
			t.Fatal(err)
		}
		want -= eta * g * a * want / (a + g)
		if d := math.Abs(x.Data[0] - want); d > 1e-6 {
			t.Fatalf("step %d: x = %v, want %v", step, x.Data[0], want)
		}
	}
}

// TestStructuredSGLDSamplesTheFactorisedPosterior runs structured SGLD
// with one group per coordinate on a correlated Gaussian: its chains must
// sample the mean-field posterior, the coordinates uncorrelated, with mean
// μ and, for the discretised chain whose other coordinate is drawn from
// the pool, variances Vₖ = (2 + LR·P₁₂²V₋ₖ)/(Pₖₖ(2 − LR·Pₖₖ)), close to
// 1/Pₖₖ rather than the exact marginals (P⁻¹)ₖₖ. The chains start at μ
// and the pool spans 2,000 steps, about 100 autocorrelation times, which
// leaves a dependence between the coordinates of order 1/100 of their
// scale, below the test's resolution.
func TestStructuredSGLDSamplesTheFactorisedPosterior(t *testing.T) {
	const chains, steps, lr = 1000, 4000, 0.05
	mu := [2]float64{1, -2}
	p := [2][2]float64{{2, 0.8}, {0.8, 1}}
	rnd := rand.New(rand.NewPCG(3, 13))
	th := [2]*ad.Tensor[float64]{ad.Param(ad.Full(mu[0], chains)), ad.Param(ad.Full(mu[1], chains))}
	params := th[:]
	grad := func() error {
		for k := range 2 {
			if th[k].Grad == nil {
				th[k].Grad = make([]float64, chains)
			}
			for c := range chains {
				th[k].Grad[c] = p[k][0]*(th[0].Data[c]-mu[0]) + p[k][1]*(th[1].Data[c]-mu[1])
			}
		}
		return nil
	}
	o := &StructuredSGLD[float64]{SGLD: SGLD[float64]{LR: lr, Rand: rnd}, Pool: 2000}
	for range steps {
		if err := o.Step(params, grad); err != nil {
			t.Fatal(err)
		}
	}
	a := func(k int) float64 { return 2 / (p[k][k] * (2 - lr*p[k][k])) }
	b := func(k int) float64 { return lr * p[0][1] * p[0][1] / (p[k][k] * (2 - lr*p[k][k])) }
	v0 := (a(0) + b(0)*a(1)) / (1 - b(0)*b(1))
	v := [2]float64{v0, a(1) + b(1)*v0}
	var m, s [2]float64
	cov := 0.0
	for c := range chains {
		for k := range 2 {
			d := th[k].Data[c] - mu[k]
			m[k] += d / chains
			s[k] += d * d / chains
		}
		cov += (th[0].Data[c] - mu[0]) * (th[1].Data[c] - mu[1]) / chains
	}
	for k := range 2 {
		if z := m[k] / math.Sqrt(v[k]/chains); math.Abs(z) > 4 {
			t.Errorf("mean %d off μ by %v (z = %.1f)", k, m[k], z)
		}
		if z := (s[k] - v[k]) / (v[k] * math.Sqrt(2.0/chains)); math.Abs(z) > 4 {
			t.Errorf("variance %d = %v, want %v (z = %.1f; the exact marginal is %v)", k, s[k], v[k], z, p[1-k][1-k]/(p[0][0]*p[1][1]-p[0][1]*p[0][1]))
		}
	}
	if z := cov / math.Sqrt(v[0]*v[1]/chains); math.Abs(z) > 4 {
		t.Errorf("covariance %v, want 0 (z = %.1f)", cov, z)
	}
}

func TestStructuredSGLDRejectsBadParameters(t *testing.T) {
	a, b := ad.Param(ad.Zeros[float64](1)), ad.Param(ad.Zeros[float64](1))
	grad := func() error { a.Grad, b.Grad = []float64{1}, []float64{1}; return nil }
	rnd := rand.New(rand.NewPCG(1, 1))
	for _, o := range []*StructuredSGLD[float64]{
		{SGLD: SGLD[float64]{Rand: rnd}, Dropout: 1},
		{SGLD: SGLD[float64]{Rand: rnd}, Pool: -1},
		{SGLD: SGLD[float64]{Rand: rnd}, Groups: [][]*ad.Tensor[float64]{{a}}},
		{SGLD: SGLD[float64]{Rand: rnd}, Groups: [][]*ad.Tensor[float64]{{a, b}, {b}}},
		{},
	} {
		if err := o.Step([]*ad.Tensor[float64]{a, b}, grad); err == nil {
			t.Errorf("StructuredSGLD %+v: no error", o)
		}
	}
	if a.Data[0] != 0 || b.Data[0] != 0 {
		t.Errorf("a rejected step moved the parameters to %v, %v", a.Data, b.Data)
	}
}
