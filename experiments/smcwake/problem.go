package smcwake

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
	"github.com/stochgrad/stochgrad/toolkit/nn"
	"github.com/stochgrad/stochgrad/toolkit/smc"
)

// Problem is a latent-variable model with fixed parameters and the
// observations an encoder is amortised over.
type Problem struct {
	Name string
	// X holds the training observations, one per row.
	X [][]float64
	// D is the dimension of the latent z.
	D int
	// Sampler returns the likelihood-tempered SMC sampler of p(z | x).
	Sampler func(x []float64) smc.Sampler
	// Prior draws k particles from p(z).
	Prior func(rnd *rand.Rand, k int) smc.Particles
	// LogJoint is log p(x, z) on tensors, x of shape [N, Dx] and z of
	// shape [S, N, D], returning [S, N]; the ELBO and RWS use it.
	LogJoint func(x, z *ad.Tensor[float64]) *ad.Tensor[float64]
}

// Encoder is the amortised Gaussian q(z | x) = N(μ(x), diag σ(x)²) that
// every method fits: an MLP from x to μ and log σ (clamped to [−10, 10] as
// in the reference).
type Encoder struct {
	Net *nn.MLP[float64]
	D   int
}

// NewEncoder returns an encoder from dx inputs through the hidden widths
// to a d-dimensional Gaussian.
func NewEncoder(rnd *rand.Rand, dx int, hidden []int, d int) *Encoder {
	w := append(append([]int{dx}, hidden...), 2*d)
	return &Encoder{Net: nn.NewMLP[float64](rnd, w, ad.ReLU[float64]), D: d}
}

// Params returns the encoder's parameters.
func (e *Encoder) Params() []*ad.Tensor[float64] { return e.Net.Params() }

// Q returns q(z | x) for the batch x of shape [N, Dx]: a Normal of shape
// [N, D].
func (e *Encoder) Q(x *ad.Tensor[float64]) distributions.Normal[float64] {
	out := e.Net.Forward(x)
	mu := ad.Slice(out, 1, 0, e.D)
	logS := ad.Clamp(ad.Slice(out, 1, e.D, 2*e.D), -10, 10)
	return distributions.Normal[float64]{Mu: mu, Sigma: ad.Exp(logS)}
}

// Moments returns q's mean and standard deviations at one observation,
// outside any graph.
func (e *Encoder) Moments(x []float64) (mu, sd []float64) {
	q := e.Q(ad.New(append([]float64(nil), x...), 1, len(x)))
	mu = append(mu, q.Mu.Data...)
	sd = append(sd, q.Sigma.Data...)
	return mu, sd
}

// LogQ returns log q(z_k | x) for the particles z, shape [K].
func (e *Encoder) LogQ(x []float64, z smc.Particles) *ad.Tensor[float64] {
	if z.D != e.D {
		panic(fmt.Sprintf("smcwake.Encoder.LogQ: particles of dimension %d for an encoder of %d", z.D, e.D))
	}
	q := e.Q(ad.New(append([]float64(nil), x...), 1, len(x)))
	return ad.Sum(q.LogProb(ad.New(z.X, z.K, z.D)), 1)
}

// model adapts an encoder and a problem to vi.Model.
type model struct {
	enc *Encoder
	p   *Problem
}

func (m model) Guide(x *ad.Tensor[float64]) distributions.Distribution[float64] { return m.enc.Q(x) }

func (m model) LogJoint(x, z *ad.Tensor[float64]) *ad.Tensor[float64] { return m.p.LogJoint(x, z) }

// rows returns the observations idx of p as an [N, Dx] tensor.
func rows(xs [][]float64, idx []int) *ad.Tensor[float64] {
	dx := len(xs[0])
	t := ad.Zeros[float64](len(idx), dx)
	for r, i := range idx {
		copy(t.Data[r*dx:], xs[i])
	}
	return t
}

// stdNormalLogProb returns Σ_d log N(z_d; 0, 1) over the last axis.
func stdNormalLogProb(z *ad.Tensor[float64]) *ad.Tensor[float64] {
	d := z.Dim(z.Rank() - 1)
	return ad.AddScalar(ad.MulScalar(ad.Sum(ad.Square(z), -1), -0.5), -0.5*float64(d)*math.Log(2*math.Pi))
}

// gaussianPrior is N(0, I_D) as an SMC density and a sampler.
type gaussianPrior struct{}

func (gaussianPrior) LogDensity(dst []float64, x smc.Particles) {
	c := -0.5 * float64(x.D) * math.Log(2*math.Pi)
	for i := range x.K {
		s := 0.0
		for _, v := range x.Row(i) {
			s += v * v
		}
		dst[i] = c - 0.5*s
	}
}

func drawNormal(d int) func(rnd *rand.Rand, k int) smc.Particles {
	return func(rnd *rand.Rand, k int) smc.Particles {
		p := smc.NewParticles(k, d)
		for i := range p.X {
			p.X[i] = rnd.NormFloat64()
		}
		return p
	}
}
