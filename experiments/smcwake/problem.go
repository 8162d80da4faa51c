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

// Encoder is the amortised q(z | x) that every method fits: an MLP from x
// to a diagonal Gaussian N(μ(x), diag σ(x)²), or with Components > 1 to a
// mixture of that many diagonal Gaussians; log σ is clamped to [−10, 10]
// as in the reference.
type Encoder struct {
	Net        *nn.MLP[float64]
	D          int
	Components int
}

// NewEncoder returns an encoder from dx inputs through the hidden widths
// to a d-dimensional Gaussian, or a mixture of components > 1 of them.
func NewEncoder(rnd *rand.Rand, dx int, hidden []int, d, components int) *Encoder {
	out := 2 * d
	if components > 1 {
		out = components * (2*d + 1)
	}
	w := append(append([]int{dx}, hidden...), out)
	return &Encoder{Net: nn.NewMLP[float64](rnd, w, ad.ReLU[float64]), D: d, Components: max(components, 1)}
}

// Params returns the encoder's parameters.
func (e *Encoder) Params() []*ad.Tensor[float64] { return e.Net.Params() }

// Q returns q(z | x) for the batch x of shape [N, Dx]: a Normal of shape
// [N, D] (reparameterised) or a Mixture.
func (e *Encoder) Q(x *ad.Tensor[float64]) distributions.Distribution[float64] {
	out := e.Net.Forward(x)
	d, m := e.D, e.Components
	if m == 1 {
		mu := ad.Slice(out, 1, 0, d)
		logS := ad.Clamp(ad.Slice(out, 1, d, 2*d), -10, 10)
		return distributions.Normal[float64]{Mu: mu, Sigma: ad.Exp(logS)}
	}
	n := x.Dim(0)
	mu := ad.Reshape(ad.Slice(out, 1, m, m+m*d), n, m, d)
	logS := ad.Reshape(ad.Clamp(ad.Slice(out, 1, m+m*d, m+2*m*d), -10, 10), n, m, d)
	return Mixture{Logits: ad.Slice(out, 1, 0, m), Mu: mu, Sigma: ad.Exp(logS)}
}

// Mixture returns q's component weights, means and standard deviations at
// one observation, outside any graph.
func (e *Encoder) Mixture(x []float64) (w []float64, mu, sd [][]float64) {
	q := e.Q(ad.New(append([]float64(nil), x...), 1, len(x)))
	switch q := q.(type) {
	case distributions.Normal[float64]:
		return []float64{1}, [][]float64{append([]float64(nil), q.Mu.Data...)}, [][]float64{append([]float64(nil), q.Sigma.Data...)}
	case Mixture:
		w = softmax(q.Logits.Data)
		for c := range w {
			mu = append(mu, append([]float64(nil), q.Mu.Data[c*e.D:(c+1)*e.D]...))
			sd = append(sd, append([]float64(nil), q.Sigma.Data[c*e.D:(c+1)*e.D]...))
		}
		return w, mu, sd
	}
	panic(fmt.Sprintf("smcwake.Encoder.Mixture: unexpected %T", q))
}

// Moments returns the mean and standard deviations of a Gaussian encoder
// (one component) at one observation, outside any graph.
func (e *Encoder) Moments(x []float64) (mu, sd []float64) {
	if e.Components != 1 {
		panic(fmt.Sprintf("smcwake.Encoder.Moments: an encoder of %d components", e.Components))
	}
	_, m, s := e.Mixture(x)
	return m[0], s[0]
}

// LogQ returns log q(z_k | x) for the particles z, shape [K].
func (e *Encoder) LogQ(x []float64, z smc.Particles) *ad.Tensor[float64] {
	if z.D != e.D {
		panic(fmt.Sprintf("smcwake.Encoder.LogQ: particles of dimension %d for an encoder of %d", z.D, e.D))
	}
	q := e.Q(ad.New(append([]float64(nil), x...), 1, len(x)))
	if mix, ok := q.(Mixture); ok {
		return ad.Reshape(mix.LogProb(ad.New(z.X, z.K, 1, z.D)), z.K)
	}
	return ad.Sum(q.LogProb(ad.New(z.X, z.K, z.D)), 1)
}

// Mixture is a batch of mixtures of diagonal Gaussians: Logits [N, M] of
// the component weights, Mu and Sigma [N, M, D]. It is not
// reparameterised, so the ELBO trains it by the score function.
type Mixture struct {
	Logits, Mu, Sigma *ad.Tensor[float64]
}

// LogProb returns log Σ_c w_c N(z; μ_c, diag σ_c²) for z of shape
// [..., N, D], of shape [..., N].
func (q Mixture) LogProb(z *ad.Tensor[float64]) *ad.Tensor[float64] {
	lp := ad.Sum(distributions.Normal[float64]{Mu: q.Mu, Sigma: q.Sigma}.LogProb(ad.Unsqueeze(z, -2)), -1)
	return ad.LogSumExp(ad.Add(lp, ad.LogSoftmax(q.Logits, -1)), -1)
}

// Sample draws one z per example, shape [N, D], without gradients.
func (q Mixture) Sample(rnd *rand.Rand) *ad.Tensor[float64] {
	n, m, d := q.Mu.Dim(0), q.Mu.Dim(1), q.Mu.Dim(2)
	z := ad.Zeros[float64](n, d)
	for i := range n {
		w := softmax(q.Logits.Data[i*m : (i+1)*m])
		c := pick(rnd, w)
		for j := range d {
			k := (i*m+c)*d + j
			z.Data[i*d+j] = q.Mu.Data[k] + q.Sigma.Data[k]*rnd.NormFloat64()
		}
	}
	return z
}

func softmax(l []float64) []float64 {
	mx := math.Inf(-1)
	for _, v := range l {
		mx = math.Max(mx, v)
	}
	w := make([]float64, len(l))
	s := 0.0
	for i, v := range l {
		w[i] = math.Exp(v - mx)
		s += w[i]
	}
	for i := range w {
		w[i] /= s
	}
	return w
}

func pick(rnd *rand.Rand, w []float64) int {
	u := rnd.Float64()
	for c, v := range w {
		if u < v {
			return c
		}
		u -= v
	}
	return len(w) - 1
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
