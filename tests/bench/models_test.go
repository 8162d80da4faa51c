package bench

import (
	"flag"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stochgrad/stochgrad/datasets"
	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
	"github.com/stochgrad/stochgrad/toolkit/nn"
	"github.com/stochgrad/stochgrad/toolkit/optim"
)

// The models of these benchmarks are written on the engine, nn and
// distributions as a user would write them, one Scope per training step;
// torch_models.py holds their PyTorch twins.

var epochSteps = flag.Int("bench.steps", 0, "training steps per epoch benchmark (0: a full MNIST epoch)")

var mnist = sync.OnceValues(func() (*datasets.Images, error) {
	im, err := datasets.MNIST(datasets.Train)
	if err != nil {
		return nil, err
	}
	datasets.BinarizeThreshold(im.Pixels, im.Pixels, 0.5)
	return im, nil
})

func loadMNIST(b *testing.B) *datasets.Images {
	im, err := mnist()
	if err != nil {
		b.Skip(err)
	}
	return im
}

// model is a training step on a batch [n, 784] of MNIST.
type model interface {
	step(x *ad.Tensor[float32], rnd *rand.Rand) *ad.Tensor[float32]
	params() []*ad.Tensor[float32]
}

// epoch trains m for one epoch (or -bench.steps steps) with Adam and
// returns the mean loss.
func epoch(m model, opt *optim.Adam[float32], im *datasets.Images, batch int, rnd *rand.Rand) float64 {
	var x []float32
	total, n := 0.0, 0
	for idx := range datasets.Batches(im.N, batch, rnd) {
		if len(idx) < batch || *epochSteps > 0 && n == *epochSteps {
			break
		}
		x = datasets.GatherRows(x, im.Pixels, im.Dim(), idx)
		total += trainStep(m, opt, x, batch, rnd)
		n++
	}
	return total / float64(n)
}

func trainStep(m model, opt *optim.Adam[float32], x []float32, batch int, rnd *rand.Rand) float64 {
	s := new(ad.Scope)
	defer s.Release()
	loss := m.step(ad.In(s, ad.New(x, batch, 784)), rnd)
	loss.Backward()
	ps := m.params()
	if err := opt.Step(ps); err != nil {
		panic(err)
	}
	for _, p := range ps {
		p.ZeroGrad()
	}
	return float64(loss.Item())
}

func mlpParams(ms ...*nn.MLP[float32]) []*ad.Tensor[float32] {
	var ps []*ad.Tensor[float32]
	for _, m := range ms {
		for _, l := range m.Layers {
			ps = append(ps, l.Params()...)
		}
	}
	return ps
}

func bernoulliLogLik(logits, x *ad.Tensor[float32]) *ad.Tensor[float32] {
	return distributions.Bernoulli[float32]{Logits: logits}.LogProb(x)
}

// gaussVAE is the VAE 784-512-256-20 with ReLU, a diagonal Gaussian
// posterior, a standard normal prior and a Bernoulli likelihood.
type gaussVAE struct{ enc, dec *nn.MLP[float32] }

func newGaussVAE(rnd *rand.Rand) *gaussVAE {
	return &gaussVAE{
		enc: nn.NewMLP[float32](rnd, []int{784, 512, 256, 40}, nil),
		dec: nn.NewMLP[float32](rnd, []int{20, 256, 512, 784}, nil),
	}
}

func (m *gaussVAE) params() []*ad.Tensor[float32] { return mlpParams(m.enc, m.dec) }

// step returns the negative ELBO per example.
func (m *gaussVAE) step(x *ad.Tensor[float32], rnd *rand.Rand) *ad.Tensor[float32] {
	n := x.Dim(0)
	h := m.enc.Forward(x)
	mu, logvar := ad.Slice(h, 1, 0, 20), ad.Slice(h, 1, 20, 40)
	z := ad.Add(mu, ad.Mul(ad.Exp(ad.MulScalar(logvar, 0.5)), ad.Randn[float32](rnd, n, 20)))
	rec := ad.Sum(bernoulliLogLik(m.dec.Forward(z), x))
	// KL(q ‖ N(0, I)) = −½·Σ(1 + log σ² − μ² − σ²)
	kl := ad.MulScalar(ad.Sum(ad.Sub(ad.Sub(ad.AddScalar(logvar, 1), ad.Square(mu)), ad.Exp(logvar))), -0.5)
	return ad.MulScalar(ad.Sub(kl, rec), 1/float32(n))
}

// catVAE is the categorical VAE of Jang et al. (2017), 784-512-256-(20×10)
// with ReLU, a uniform prior and a Bernoulli likelihood, trained with
// Gumbel-Softmax (temperature 1) or, with samples > 0, the score function
// with a leave-one-out baseline over that many samples.
type catVAE struct {
	enc, dec *nn.MLP[float32]
	samples  int
}

func newCatVAE(rnd *rand.Rand, samples int) *catVAE {
	return &catVAE{
		enc:     nn.NewMLP[float32](rnd, []int{784, 512, 256, 200}, nil),
		dec:     nn.NewMLP[float32](rnd, []int{200, 256, 512, 784}, nil),
		samples: samples,
	}
}

func (m *catVAE) params() []*ad.Tensor[float32] { return mlpParams(m.enc, m.dec) }

func (m *catVAE) step(x *ad.Tensor[float32], rnd *rand.Rand) *ad.Tensor[float32] {
	n := x.Dim(0)
	logits := ad.Reshape(m.enc.Forward(x), n, 20, 10)
	// KL(q ‖ uniform) = Σ q·(log q + log 10)
	kl := ad.Sum(ad.Mul(ad.Softmax(logits, -1), ad.AddScalar(ad.LogSoftmax(logits, -1), float32(math.Log(10)))))
	if m.samples == 0 {
		z := distributions.RelaxedOneHotCategorical[float32]{Logits: logits, Temperature: 1}.RSample(rnd)
		rec := ad.Sum(bernoulliLogLik(m.dec.Forward(ad.Reshape(z, n, 200)), x))
		return ad.MulScalar(ad.Sub(kl, rec), 1/float32(n))
	}
	s := m.samples
	q := distributions.Categorical[float32]{Logits: logits}
	zs := make([]*ad.Tensor[float32], s)
	for i := range zs {
		zs[i] = q.Sample(rnd)
	}
	z := ad.Stack(0, zs...)          // [S, n, 20, 10]
	logq := ad.Sum(q.LogProb(z), -1) // [S, n]
	dec := ad.Reshape(m.dec.Forward(ad.Reshape(z, s*n, 200)), s, n, 784)
	f := ad.Sum(bernoulliLogLik(dec, x), -1) // [S, n]
	// Leave-one-out baseline: the mean of the other samples' f.
	fd := ad.StopGradient(f)
	adv := ad.Sub(fd, ad.MulScalar(ad.Sub(ad.SumKeep(fd, 0), fd), 1/float32(s-1)))
	obj := ad.Sum(ad.Add(f, ad.Mul(adv, logq)))
	return ad.Sub(ad.MulScalar(kl, 1/float32(n)), ad.MulScalar(obj, 1/float32(s*n)))
}

// iwae is the IWAE of Burda et al. (2016) with K samples, 784-200-200-50
// with tanh, a diagonal Gaussian posterior and a Bernoulli likelihood.
type iwae struct {
	enc, dec *nn.MLP[float32]
	k        int
}

func newIWAE(rnd *rand.Rand, k int) *iwae {
	return &iwae{
		enc: nn.NewMLP(rnd, []int{784, 200, 200, 100}, ad.Tanh[float32]),
		dec: nn.NewMLP(rnd, []int{50, 200, 200, 784}, ad.Tanh[float32]),
		k:   k,
	}
}

func (m *iwae) params() []*ad.Tensor[float32] { return mlpParams(m.enc, m.dec) }

// step returns the negative IWAE bound per example.
func (m *iwae) step(x *ad.Tensor[float32], rnd *rand.Rand) *ad.Tensor[float32] {
	n := x.Dim(0)
	h := m.enc.Forward(x)
	q := distributions.Normal[float32]{Mu: ad.Slice(h, 1, 0, 50), Sigma: ad.Exp(ad.Slice(h, 1, 50, 100))}
	z := q.RSample(rnd) // [n, 50] per draw; K draws below
	zs := make([]*ad.Tensor[float32], m.k)
	zs[0] = z
	for i := 1; i < m.k; i++ {
		zs[i] = q.RSample(rnd)
	}
	zk := ad.Stack(0, zs...) // [K, n, 50]
	prior := distributions.Normal[float32]{Mu: ad.Zeros[float32](50), Sigma: ad.Ones[float32](50)}
	logw := ad.Sub(ad.Add(
		ad.Sum(bernoulliLogLik(m.dec.Forward(zk), x), -1),
		ad.Sum(prior.LogProb(zk), -1)),
		ad.Sum(q.LogProb(zk), -1)) // [K, n]
	bound := ad.AddScalar(ad.LogSumExp(logw, 0), -float32(math.Log(float64(m.k))))
	return ad.MulScalar(ad.Sum(bound), -1/float32(n))
}

func benchEpoch(b *testing.B, m model, batch int) {
	im := loadMNIST(b)
	rnd := rand.New(rand.NewPCG(7, 8))
	var opt optim.Adam[float32]
	b.ReportAllocs()
	var loss float64
	for b.Loop() {
		loss = epoch(m, &opt, im, batch, rnd)
	}
	b.ReportMetric(loss, "loss")
}

// BenchmarkVAEEpoch is one MNIST epoch (60k, batch 100, Adam) of the
// Gaussian VAE 784-512-256-20.
func BenchmarkVAEEpoch(b *testing.B) {
	benchEpoch(b, newGaussVAE(rand.New(rand.NewPCG(1, 1))), 100)
}

// BenchmarkCatVAEEpoch is one MNIST epoch of the categorical VAE
// 784-512-256-(20×10), with Gumbel-Softmax and with the score function and
// a leave-one-out baseline over 4 samples.
func BenchmarkCatVAEEpoch(b *testing.B) {
	b.Run("gumbel", func(b *testing.B) { benchEpoch(b, newCatVAE(rand.New(rand.NewPCG(1, 2)), 0), 100) })
	b.Run("score", func(b *testing.B) { benchEpoch(b, newCatVAE(rand.New(rand.NewPCG(1, 3)), 4), 100) })
}

// BenchmarkIWAEStep is one Adam step of an IWAE with K = 50 on a batch of
// 20 MNIST digits.
func BenchmarkIWAEStep(b *testing.B) {
	im := loadMNIST(b)
	rnd := rand.New(rand.NewPCG(9, 10))
	m := newIWAE(rnd, 50)
	var opt optim.Adam[float32]
	const batch = 20
	x := make([]float32, 0, batch*784)
	x = append(x, im.Pixels[:batch*784]...)
	trainStep(m, &opt, x, batch, rnd) // warm up, as the PyTorch twin does
	b.ReportAllocs()
	for b.Loop() {
		trainStep(m, &opt, x, batch, rnd)
	}
}
