package optim

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// BBVI is plain black-box variational inference for a Gaussian posterior
// q = N(μ, LLᵀ) over a vector θ: the reparameterised gradient of the ELBO
// (Kingma & Welling 2014; Titsias & Lázaro-Gredilla 2014), with θ = μ + Lε,
//
//	∇_μ L = E[∇h̄(θ)],   ∇_L L = tril E[∇h̄(θ) εᵀ] + diag(1/Lᵢᵢ),
//
// h̄ the log joint, followed by an ordinary optimizer step (Adam by
// default) on μ, the strict lower triangle of L and log Lᵢᵢ. It is the
// baseline natural-gradient methods such as QBVI are compared with; unlike
// QBVI it needs the gradient of the log joint. With Diagonal set, L is
// diagonal: the mean-field Gaussian.
type BBVI struct {
	// LogJoint returns log p(θ) + log p(y | θ) up to a constant and writes
	// its gradient in θ to grad. It must not keep theta or grad.
	LogJoint func(theta, grad []float64) float64

	Samples  int                // draws per Step, ≥ 1; zero means 10
	Diagonal bool               // a diagonal covariance
	Opt      Optimizer[float64] // nil means Adam with LR 0.01
	Rand     *rand.Rand         // required

	// Mean is μ and Scale is L, lower triangular with a positive diagonal.
	// Set them before the first Step (nil Scale means the identity, nil
	// Mean zeros of Scale's size); Step updates them.
	Mean  []float64
	Scale *mat.TriDense

	mu, l *ad.Tensor[float64] // μ, and L with log Lᵢᵢ on its diagonal, row-major d×d
}

// Step takes one optimizer step on a Monte Carlo estimate of the ELBO's
// gradient and returns the ELBO estimate, E_q[h̄] + H[q], at the
// parameters it started from. It returns an error, changing nothing, if
// a hyperparameter is invalid or the log joint or its gradient is not
// finite.
func (b *BBVI) Step() (float64, error) {
	s := b.Samples
	if s == 0 {
		s = 10
	}
	switch {
	case s < 1:
		return 0, fmt.Errorf("optim: BBVI: Samples = %d, want ≥ 1", b.Samples)
	case b.LogJoint == nil || b.Rand == nil:
		return 0, fmt.Errorf("optim: BBVI needs LogJoint and Rand")
	case b.Mean == nil && b.Scale == nil:
		return 0, fmt.Errorf("optim: BBVI needs Mean or Scale to know the dimension")
	}
	if b.Opt == nil {
		b.Opt = &Adam[float64]{LR: 0.01}
	}
	b.init()
	d := len(b.Mean)
	ld := b.l.Data
	lmat := func(i, j int) float64 {
		if i == j {
			return math.Exp(ld[i*d+i])
		}
		return ld[i*d+j]
	}
	gmu, gl := make([]float64, d), make([]float64, d*d)
	eps, theta, g := make([]float64, d), make([]float64, d), make([]float64, d)
	total := 0.0
	for k := range s {
		for i := range d {
			eps[i] = b.Rand.NormFloat64()
		}
		for i := range d {
			theta[i] = b.mu.Data[i]
			for j := 0; j <= i; j++ {
				if j == i || !b.Diagonal {
					theta[i] += lmat(i, j) * eps[j]
				}
			}
		}
		clear(g)
		lj := b.LogJoint(theta, g)
		if math.IsNaN(lj) || math.IsInf(lj, 0) {
			return 0, fmt.Errorf("optim: BBVI: LogJoint = %v at draw %d", lj, k)
		}
		total += lj
		for i := range d {
			if math.IsNaN(g[i]) || math.IsInf(g[i], 0) {
				return 0, fmt.Errorf("optim: BBVI: gradient %d of LogJoint = %v at draw %d", i, g[i], k)
			}
			gmu[i] += g[i] / float64(s)
			for j := 0; j <= i; j++ {
				switch {
				case j == i:
					gl[i*d+i] += g[i] * eps[i] * lmat(i, i) / float64(s) // through log Lᵢᵢ
				case !b.Diagonal:
					gl[i*d+j] += g[i] * eps[j] / float64(s)
				}
			}
		}
	}
	entropy := 0.5 * float64(d) * (1 + math.Log(2*math.Pi))
	for i := range d {
		entropy += ld[i*d+i]
		gl[i*d+i]++ // ∂H/∂log Lᵢᵢ
	}
	// The optimizer minimises: its gradients are those of −ELBO.
	b.mu.Grad, b.l.Grad = gmu, gl
	for i := range gmu {
		gmu[i] = -gmu[i]
	}
	for i := range gl {
		gl[i] = -gl[i]
	}
	if err := b.Opt.Step([]*ad.Tensor[float64]{b.mu, b.l}); err != nil {
		return 0, err
	}
	copy(b.Mean, b.mu.Data)
	for i := range d {
		for j := 0; j <= i; j++ {
			b.Scale.SetTri(i, j, lmat(i, j))
		}
	}
	return total/float64(s) + entropy, nil
}

// init builds the optimizer's parameter tensors from Mean and Scale on the
// first Step.
func (b *BBVI) init() {
	if b.mu != nil {
		return
	}
	if b.Scale == nil {
		b.Scale = mat.NewTriDense(len(b.Mean), mat.Lower, nil)
		for i := range b.Mean {
			b.Scale.SetTri(i, i, 1)
		}
	}
	d, _ := b.Scale.Dims()
	if b.Mean == nil {
		b.Mean = make([]float64, d)
	}
	if len(b.Mean) != d {
		panic(fmt.Sprintf("optim.BBVI: Mean of length %d and Scale of size %d", len(b.Mean), d))
	}
	l := make([]float64, d*d)
	for i := range d {
		for j := 0; j < i; j++ {
			if !b.Diagonal {
				l[i*d+j] = b.Scale.At(i, j)
			}
		}
		if v := b.Scale.At(i, i); v > 0 {
			l[i*d+i] = math.Log(v)
		} else {
			panic(fmt.Sprintf("optim.BBVI: Scale[%d,%d] = %v, want a positive diagonal", i, i, v))
		}
	}
	b.mu = ad.Param(ad.New(append([]float64(nil), b.Mean...), d))
	b.l = ad.Param(ad.New(l, d, d))
}

// Cov returns Σ = LLᵀ.
func (b *BBVI) Cov() *mat.SymDense {
	d, _ := b.Scale.Dims()
	s := mat.NewSymDense(d, nil)
	s.SymOuterK(1, b.Scale)
	return s
}
