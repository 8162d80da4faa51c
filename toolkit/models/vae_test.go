package models

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/nn"
	"github.com/stochgrad/stochgrad/toolkit/optim"
)

func TestNewVAEMirrorsWidths(t *testing.T) {
	v := NewVAE[float32](rand.New(rand.NewPCG(1, 2)), []int{784, 512, 256, 20}, nil)
	if got := v.Encoder.Widths(); !equal(got, []int{784, 512, 256, 40}) {
		t.Fatalf("encoder widths %v, want [784 512 256 40]", got)
	}
	if got := v.Decoder.Widths(); !equal(got, []int{20, 256, 512, 784}) {
		t.Fatalf("decoder widths %v, want [20 256 512 784]", got)
	}
	if v.Dim() != 784 || v.Latent() != 20 {
		t.Fatalf("Dim, Latent = %d, %d, want 784, 20", v.Dim(), v.Latent())
	}
	want := (784*512 + 512 + 512*256 + 256 + 256*40 + 40) + (20*256 + 256 + 256*512 + 512 + 512*784 + 784)
	if n := nn.Count(v); n != want {
		t.Fatalf("%d parameters, want %d", n, want)
	}
	if s := v.Sample(rand.New(rand.NewPCG(3, 4)), 5); !equal(s.Shape(), []int{5, 784}) || s.RequiresGrad() {
		t.Fatalf("Sample: shape %v, requires grad %v; want [5 784] outside the graph", s.Shape(), s.RequiresGrad())
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestELBOMatchesQuadrature checks the ELBO estimator of a VAE with a
// one-dimensional latent against its definition, computed without the
// estimator: by quadrature,
//
//	E_q[log p(x, z) − log q(z | x)] = ∫ q(z|x) (log p(x|z) + log N(z; 0, 1) − log q(z|x)) dz,
//
// with log p(x|z) from the decoder at each node. This exercises the
// reparameterisation, the analytic KL and the Bernoulli likelihood at once.
// The Monte Carlo mean of 20 000 estimates must lie within 4 standard
// errors; quadrature also gives log p(x), which must bound it from above.
func TestELBOMatchesQuadrature(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 6))
	v := NewVAE[float64](rnd, []int{3, 4, 1}, ad.Tanh)
	for _, p := range v.Params() {
		for i := range p.Data {
			p.Data[i] = rnd.NormFloat64() // larger weights: a posterior far from the prior
		}
	}
	xs := [][]float64{{0, 1, 1}, {1, 0, 0}, {1, 1, 1}, {0, 0.5, 1}}
	const reps = 20000
	x := ad.Zeros[float64](reps*len(xs), 3)
	for r := range reps {
		for i, row := range xs {
			copy(x.Data[(r*len(xs)+i)*3:], row)
		}
	}
	elbo := v.ELBO(rnd, x).Data

	for i, row := range xs {
		xi := ad.New(append([]float64(nil), row...), 1, 3)
		mu, logVar := v.Encode(xi)
		m, s := mu.Data[0], math.Exp(0.5*logVar.Data[0])
		logLik := func(z float64) float64 {
			logits := v.Decode(ad.New([]float64{z}, 1, 1)).Data
			ll := 0.0
			for d, l := range logits {
				// log σ(l) = −log(1 + e^−l), log(1 − σ(l)) = −log(1 + e^l)
				ll += -row[d]*math.Log1p(math.Exp(-l)) - (1-row[d])*math.Log1p(math.Exp(l))
			}
			return ll
		}
		logNormal := func(z, m, s float64) float64 {
			return -0.5*((z-m)/s)*((z-m)/s) - math.Log(s) - 0.5*math.Log(2*math.Pi)
		}
		// Simpson's rule over μ ± 12σ (for the ELBO) and over ±12 (for p(x)).
		want := simpson(func(z float64) float64 {
			lq := logNormal(z, m, s)
			return math.Exp(lq) * (logLik(z) + logNormal(z, 0, 1) - lq)
		}, m-12*s, m+12*s, 4000)
		logPx := math.Log(simpson(func(z float64) float64 {
			return math.Exp(logLik(z) + logNormal(z, 0, 1))
		}, -12, 12, 4000))

		var sum, sum2 float64
		for r := range reps {
			e := elbo[r*len(xs)+i]
			sum += e
			sum2 += e * e
		}
		mean := sum / reps
		se := math.Sqrt((sum2/reps - mean*mean) / reps)
		if math.Abs(mean-want) > 4*se {
			t.Errorf("x = %v: mean ELBO estimate %.5f ± %.5f, quadrature gives %.5f", row, mean, se, want)
		}
		if want > logPx {
			t.Errorf("x = %v: ELBO %.5f above log p(x) = %.5f", row, want, logPx)
		}
		t.Logf("x = %v: ELBO %.4f (estimate %.4f ± %.4f), log p(x) %.4f, σ of q %.3f", row, want, mean, se, logPx, s)
	}
}

// simpson integrates f over [a, b] with n (even) intervals.
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

// TestELBOGradCheck differentiates the summed ELBO of a 6-4-2 VAE (encoder
// 6 → 4 → 4, decoder 2 → 4 → 6) with respect to every parameter, with the
// noise ε fixed by reseeding, against finite differences. Tanh keeps the
// function smooth where finite differences are taken.
func TestELBOGradCheck(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 8))
	v := NewVAE[float64](rnd, []int{6, 4, 2}, ad.Tanh)
	for _, l := range append(v.Encoder.Layers, v.Decoder.Layers...) {
		for i := range l.B.Data {
			l.B.Data[i] = 0.3 * rnd.NormFloat64()
		}
	}
	x := ad.Zeros[float64](5, 6)
	for i := range x.Data {
		x.Data[i] = float64(rnd.IntN(2))
	}
	layers := append(append([]*nn.Linear[float64](nil), v.Encoder.Layers...), v.Decoder.Layers...)
	worst, err := ad.GradCheck(func(ps ...*ad.Tensor[float64]) *ad.Tensor[float64] {
		for i, l := range layers {
			l.W, l.B = ps[2*i], ps[2*i+1]
		}
		return ad.Sum(v.ELBO(rand.New(rand.NewPCG(9, 10)), x))
	}, v.Params()...)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("largest relative error %.2g", worst)
}

func TestELBORejectsBadData(t *testing.T) {
	v := NewVAE[float32](rand.New(rand.NewPCG(1, 1)), []int{4, 3, 2}, nil)
	for _, tc := range []struct {
		x    *ad.Tensor[float32]
		want string
	}{
		{ad.Full[float32](255, 2, 4), "outside [0, 1]"},
		{ad.Zeros[float32](2, 5), "shape [2 5]"},
		{ad.Zeros[float32](4), "shape [4]"},
	} {
		func() {
			defer func() {
				msg, _ := recover().(string)
				if !strings.Contains(msg, "models.VAE.ELBO") || !strings.Contains(msg, tc.want) {
					t.Errorf("panic %q, want it to mention %q", msg, tc.want)
				}
			}()
			v.ELBO(rand.New(rand.NewPCG(1, 1)), tc.x)
		}()
	}
}

// mixture holds binary data drawn from a mixture of Bernoulli prototypes.
type mixture struct {
	protos [][]float64 // pixel probabilities, 0.05 or 0.95
}

func newMixture(rnd *rand.Rand, k, d int) mixture {
	m := mixture{protos: make([][]float64, k)}
	for i := range m.protos {
		m.protos[i] = make([]float64, d)
		for j := range m.protos[i] {
			m.protos[i][j] = 0.05
			if rnd.IntN(2) == 1 {
				m.protos[i][j] = 0.95
			}
		}
	}
	return m
}

// draw returns n rows, each from a uniformly chosen prototype.
func (m mixture) draw(rnd *rand.Rand, n int) *ad.Tensor[float32] {
	d := len(m.protos[0])
	x := ad.Zeros[float32](n, d)
	for r := range n {
		p := m.protos[rnd.IntN(len(m.protos))]
		for j := range d {
			if rnd.Float64() < p[j] {
				x.Data[r*d+j] = 1
			}
		}
	}
	return x
}

// entropy returns the binary entropy of p in nats.
func entropy(p float64) float64 {
	if p <= 0 || p >= 1 {
		return 0
	}
	return -p*math.Log(p) - (1-p)*math.Log(1-p)
}

// independentEntropy returns Σ_d H(p̂_d), the mean negative log-likelihood
// of x under the independent-pixel model fitted to x by maximum likelihood:
// the best any decoder that ignores z can do on x.
func independentEntropy(x *ad.Tensor[float32]) float64 {
	n, d := x.Dim(0), x.Dim(1)
	h := 0.0
	for j := range d {
		ones := 0.0
		for r := range n {
			ones += float64(x.Data[r*d+j])
		}
		h += entropy(ones / float64(n))
	}
	return h
}

// negELBO returns the mean negative ELBO over the rows of x, evaluated in
// batches.
func negELBO(v *VAE[float32], rnd *rand.Rand, x *ad.Tensor[float32]) float64 {
	n, d := x.Dim(0), x.Dim(1)
	sum := 0.0
	for lo := 0; lo < n; lo += 500 {
		hi := min(lo+500, n)
		for _, e := range v.ELBO(rnd, ad.New(x.Data[lo*d:hi*d], hi-lo, d)).Data {
			sum -= float64(e)
		}
	}
	return sum / float64(n)
}

// TestVAETrainsOnBernoulliMixture is the end-to-end proof of the stack
// (ad, nn, optim, models): a float32 VAE trained with Adam on 1000 vectors
// from a mixture of 10 Bernoulli prototypes with pixel probabilities 0.05
// and 0.95.
//
// Two reference points, in nats per vector:
//   - the independent-pixel entropy Σ_d H(p̂_d) of the data, the best mean
//     negative log-likelihood of any model without a latent (≈ 490 at
//     D = 784). Since −ELBO ≥ −log p(x), falling below it proves that the
//     decoder uses z;
//   - the entropy of the generating process, H(X) ≤ log 10 + D·H(0.05)
//     (≈ 158 at D = 784), which no model can beat on fresh data.
//
// The criterion is that −ELBO, on the training data and on 500 fresh
// vectors, ends below the midpoint of the two: the VAE has recovered more
// than half of the structure the latent can explain. The estimates average
// one-sample ELBOs over ≥ 500 vectors; their standard error (≈ 0.5 nats) is
// negligible beside the margins.
func TestVAETrainsOnBernoulliMixture(t *testing.T) {
	for _, tc := range []struct {
		name   string
		widths []int
		epochs int
		long   bool
	}{
		{"784-64-32-10", []int{784, 64, 32, 10}, 15, false},
		{"784-512-256-20", []int{784, 512, 256, 20}, 10, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.long && testing.Short() {
				t.Skip("full-width VAE training skipped in -short mode")
			}
			start := time.Now()
			rnd := rand.New(rand.NewPCG(2024, 1))
			mix := newMixture(rnd, 10, 784)
			train, fresh := mix.draw(rnd, 1000), mix.draw(rnd, 500)
			baseline := independentEntropy(train)
			bound := math.Log(10) + 784*entropy(0.05)
			target := (baseline + bound) / 2

			v := NewVAE[float32](rnd, tc.widths, nil)
			opt := &optim.Adam[float32]{}
			params := v.Params()
			const batch = 100
			curve := []float64{negELBO(v, rnd, train)}
			for epoch := range tc.epochs {
				perm := rnd.Perm(train.Dim(0))
				for lo := 0; lo < len(perm); lo += batch {
					x := ad.IndexSelect(train, 0, perm[lo:lo+batch])
					nn.ZeroGrad(v)
					ad.Neg(ad.Mean(v.ELBO(rnd, x))).Backward()
					if err := opt.Step(params); err != nil {
						t.Fatalf("epoch %d: %v", epoch+1, err)
					}
				}
				curve = append(curve, negELBO(v, rnd, train))
			}
			last := curve[len(curve)-1]
			held := negELBO(v, rnd, fresh)
			t.Logf("−ELBO per epoch (nats): %.1f", curve)
			t.Logf("final −ELBO: train %.1f, fresh %.1f; independent-pixel entropy %.1f, H(X) ≤ %.1f, target < %.1f; %v",
				last, held, baseline, bound, target, time.Since(start).Round(time.Millisecond))
			if curve[0] < baseline {
				t.Errorf("untrained −ELBO %.1f is already below the independent-pixel entropy %.1f", curve[0], baseline)
			}
			if last > target || held > target {
				t.Errorf("−ELBO after %d epochs: train %.1f, fresh %.1f; want both below %.1f", tc.epochs, last, held, target)
			}
		})
	}
}

// Bound is the VAE's single-sample ELBO under another name: the same draws
// give the same values, LogProbPairs uses one draw for both rows of a
// pair, and gradients reach every parameter.
func TestBoundIsTheELBO(t *testing.T) {
	v := NewVAE[float64](rand.New(rand.NewPCG(1, 1)), []int{5, 4, 2}, ad.Tanh)
	x := ad.New([]float64{0, 1, 1, 0, 1, 1, 1, 0, 0, 0}, 2, 5)
	want := ad.Detach(v.ELBO(rand.New(rand.NewPCG(2, 2)), x))
	b := Bound[float64]{VAE: v, Rand: rand.New(rand.NewPCG(2, 2))}
	got := b.LogProb(x)
	for i := range want.Data {
		if got.Data[i] != want.Data[i] {
			t.Fatalf("LogProb %v, ELBO %v", got.Data, want.Data)
		}
	}
	// The pairs share their noise: each half is the ELBO at the draws that
	// LogProb of the first would make.
	y := ad.New([]float64{1, 1, 0, 0, 1, 0, 0, 1, 1, 1}, 2, 5)
	la, ly := Bound[float64]{VAE: v, Rand: rand.New(rand.NewPCG(2, 2))}.LogProbPairs(x, y)
	wy := ad.Detach(v.ELBO(rand.New(rand.NewPCG(2, 2)), y))
	for i := range want.Data {
		if la.Data[i] != want.Data[i] || ly.Data[i] != wy.Data[i] {
			t.Fatalf("LogProbPairs %v, %v; ELBOs at the same draws %v, %v", la.Data, ly.Data, want.Data, wy.Data)
		}
	}
	ad.Sum(got).Backward()
	for k, p := range b.Params() {
		if p.Grad == nil {
			t.Errorf("parameter %d (shape %v) has no gradient", k, p.Shape())
		}
	}
}
