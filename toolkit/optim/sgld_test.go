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
