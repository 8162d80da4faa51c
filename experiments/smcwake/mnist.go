package smcwake

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"

	"github.com/stochgrad/stochgrad/datasets"
	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/smc"
)

// Decoder is the binarised-MNIST latent-variable model: z ~ N(0, I_D),
// x | z ~ Bernoulli(σ(W z + b)) pixel by pixel, with W and b fixed from the
// principal components of the training images (b the logits of the pixel
// means, column j of W the j-th principal direction scaled by 4√λ_j, the
// slope of the logit at 1/2), so that z is a standardised PCA code and its
// posterior is what the encoders must learn.
type Decoder struct {
	W *mat.Dense // pixels×D
	B []float64
}

// Binarised returns the first n images of im, each averaged over blocks
// of pool×pool pixels (pool 1 keeps them whole; 2 gives 14×14 images) and
// thresholded at 1/2, one row each.
func Binarised(im *datasets.Images, n, pool int) ([][]float64, error) {
	if n > im.N {
		return nil, fmt.Errorf("smcwake: %d images asked of a set of %d", n, im.N)
	}
	if pool < 1 || im.Rows%pool != 0 || im.Cols%pool != 0 {
		return nil, fmt.Errorf("smcwake: pool %d does not divide %d×%d images", pool, im.Rows, im.Cols)
	}
	d := im.Dim()
	r, c := im.Rows/pool, im.Cols/pool
	xs := make([][]float64, n)
	for i := range xs {
		px := im.Pixels[i*d : (i+1)*d]
		xs[i] = make([]float64, r*c)
		for a := range r {
			for b := range c {
				s := 0.0
				for u := range pool {
					for v := range pool {
						s += float64(px[(a*pool+u)*im.Cols+b*pool+v])
					}
				}
				if s/float64(pool*pool) > 0.5 {
					xs[i][a*c+b] = 1
				}
			}
		}
	}
	return xs, nil
}

// NewDecoder fits the decoder's W and b to the images xs with a d-dimensional
// latent.
func NewDecoder(xs [][]float64, d int) (*Decoder, error) {
	n, p := len(xs), len(xs[0])
	a := mat.NewDense(n, p, nil)
	for i, x := range xs {
		a.SetRow(i, x)
	}
	var pc stat.PC
	if !pc.PrincipalComponents(a, nil) {
		return nil, fmt.Errorf("smcwake: principal components of %d images failed", n)
	}
	var vecs mat.Dense
	pc.VectorsTo(&vecs)
	vars := pc.VarsTo(nil)
	dec := &Decoder{W: mat.NewDense(p, d, nil), B: make([]float64, p)}
	for j := range p {
		m := stat.Mean(mat.Col(nil, j, a), nil)
		m = math.Min(math.Max(m, 0.01), 0.99)
		dec.B[j] = math.Log(m / (1 - m))
		for c := range d {
			dec.W.Set(j, c, 4*math.Sqrt(vars[c])*vecs.At(j, c))
		}
	}
	return dec, nil
}

// Problem returns the decoder's problem on the images xs, with the given
// random-walk moves per stage of its SMC.
func (dec *Decoder) Problem(xs [][]float64, moves int) *Problem {
	p, d := dec.W.Dims()
	wt := ad.New(append([]float64(nil), mat.DenseCopyOf(dec.W.T()).RawMatrix().Data...), d, p)
	b := ad.New(append([]float64(nil), dec.B...), p)
	return &Problem{
		Name:  "MNIST",
		X:     xs,
		D:     d,
		Prior: drawNormal(d),
		Sampler: func(x []float64) smc.Sampler {
			return smc.Sampler{Prior: gaussianPrior{}, LogLik: dec.lik(x), Kernel: smc.RandomWalk{Steps: moves}}
		},
		LogJoint: func(x, z *ad.Tensor[float64]) *ad.Tensor[float64] {
			s, n := z.Dim(0), z.Dim(1)
			l := ad.Add(ad.MatMul(ad.Reshape(z, s*n, d), wt), b)
			ll := ad.Sum(ad.BernoulliLogLik(ad.Reshape(l, s, n, p), x), -1)
			return ad.Add(ll, stdNormalLogProb(z))
		},
	}
}

// lik is Σ_j log Bernoulli(x_j; σ(W z + b)_j) at every particle.
func (dec *Decoder) lik(x []float64) smc.Density {
	_, d := dec.W.Dims()
	return smc.DensityFunc(func(dst []float64, z smc.Particles) {
		var l mat.Dense
		l.Mul(mat.NewDense(z.K, d, z.X), dec.W.T())
		for k := range z.K {
			s := 0.0
			for j, v := range l.RawRowView(k) {
				v += dec.B[j]
				// x·v − log(1 + e^v), stably.
				s += x[j]*v - math.Max(v, 0) - math.Log1p(math.Exp(-math.Abs(v)))
			}
			dst[k] = s
		}
	})
}

// Reference is a long-run SMC posterior of one observation: its weighted
// particles.
type Reference struct {
	Z smc.Particles
	W []float64
}

// References runs the long SMC (k particles) for each observation.
func References(p *Problem, xs [][]float64, k int, seed uint64) ([]Reference, error) {
	rnd := rand.New(rand.NewPCG(seed, 51))
	refs := make([]Reference, len(xs))
	for i, x := range xs {
		st, _, err := p.Sampler(x).Run(rnd, p.Prior(rnd, k))
		if err != nil {
			return nil, fmt.Errorf("%w (reference posterior of %s observation %d)", err, p.Name, i)
		}
		w := make([]float64, k)
		for j, lw := range st.LogW {
			w[j] = math.Exp(lw)
		}
		refs[i] = Reference{Z: st.X, W: w}
	}
	return refs, nil
}

// ReferenceMetrics returns, averaged over the observations, the cross
// entropy −E_p log q(z | x) under the reference posteriors (KL(p ‖ q) up to
// the posterior's entropy, which is the same for every q) and the mean
// over coordinates of q's standard deviation over the posterior's.
func ReferenceMetrics(xs [][]float64, refs []Reference) func(*Encoder) []float64 {
	return func(e *Encoder) []float64 {
		var ce, ratio float64
		for i, x := range xs {
			r := refs[i]
			lq := e.LogQ(x, r.Z).Data
			for k, w := range r.W {
				ce -= w * lq[k]
			}
			_, sd := e.Moments(x)
			for j, s := range sd {
				var m, m2 float64
				for k, w := range r.W {
					v := r.Z.X[k*r.Z.D+j]
					m += w * v
					m2 += w * v * v
				}
				ratio += s / math.Sqrt(m2-m*m)
			}
		}
		n := float64(len(xs))
		return []float64{ce / n, ratio / (n * float64(len(refs[0].Z.Row(0))))}
	}
}
