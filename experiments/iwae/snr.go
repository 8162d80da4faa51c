package iwae

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
	"github.com/stochgrad/stochgrad/toolkit/vi"
	"github.com/stochgrad/stochgrad/viz"
)

// LinearGaussian is the linear-Gaussian latent model of the signal-to-noise
// study,
//
//	p(z) = N(0, I_L),  p(x | z) = N(z·W + B, σ² I_D),
//	q(z | x) = N(x·A + C, diag exp(2·LogS)),
//
// a vi.Model whose generative parameters are W and B and whose inference
// network's are A, C and LogS.
type LinearGaussian struct {
	W, B       *ad.Tensor[float64] // [L, D], [D]
	A, C, LogS *ad.Tensor[float64] // [D, L], [L], [L]
	Sigma      float64
}

// NewLinearGaussian returns the model of Rainforth et al.'s figure 1 in d
// dimensions: W = I, B standard normal and σ = 1, so that the posterior is
// N((x − B)/2, I/2), and q's parameters set to that posterior's,
// A = I/2, C = −B/2, S = 1/√2, each then perturbed by N(0, perturb²), as
// Rainforth et al. do, so that q is close to but not at its optimum.
func NewLinearGaussian(rnd *rand.Rand, d int, perturb float64) *LinearGaussian {
	m := &LinearGaussian{W: ad.Zeros[float64](d, d), B: ad.Randn[float64](rnd, d),
		A: ad.Zeros[float64](d, d), C: ad.Zeros[float64](d), LogS: ad.Zeros[float64](d), Sigma: 1}
	for i := range d {
		m.W.Data[i*d+i] = 1
		m.A.Data[i*d+i] = 0.5
		m.C.Data[i] = -m.B.Data[i] / 2
		m.LogS.Data[i] = 0.5 * math.Log(0.5)
	}
	for _, p := range m.Inference() {
		for i := range p.Data {
			p.Data[i] += perturb * rnd.NormFloat64()
		}
	}
	for _, p := range append(m.Generative(), m.Inference()...) {
		ad.Param(p)
	}
	return m
}

// Generative returns θ = (W, B).
func (m *LinearGaussian) Generative() []*ad.Tensor[float64] {
	return []*ad.Tensor[float64]{m.W, m.B}
}

// Inference returns φ = (A, C, LogS).
func (m *LinearGaussian) Inference() []*ad.Tensor[float64] {
	return []*ad.Tensor[float64]{m.A, m.C, m.LogS}
}

// Guide returns q(z | x).
func (m *LinearGaussian) Guide(x *ad.Tensor[float64]) distributions.Distribution[float64] {
	return distributions.Normal[float64]{Mu: ad.Add(ad.MatMul(x, m.A), m.C), Sigma: ad.Exp(m.LogS)}
}

// LogJoint returns log p(x, z) of shape [S, N] for x [N, D], z [S, N, L].
func (m *LinearGaussian) LogJoint(x, z *ad.Tensor[float64]) *ad.Tensor[float64] {
	lik := distributions.Normal[float64]{Mu: ad.Linear(z, m.W, m.B), Sigma: ad.Scalar(m.Sigma)}.LogProb(x)
	prior := distributions.Normal[float64]{Mu: ad.Scalar(0.0), Sigma: ad.Scalar(1.0)}.LogProb(z)
	return ad.Add(ad.Sum(lik, -1), ad.Sum(prior, -1))
}

// SNRConfig is the signal-to-noise study.
type SNRConfig struct {
	// Ks are the numbers of importance samples.
	Ks []int
	// Reps is the number of gradient estimates per K.
	Reps int
	// Copies is the number of copies of the data point in the batch: each
	// estimate averages Copies independent ones, which multiplies every
	// SNR by √Copies and lifts it clear of the estimation floor 1/√Reps;
	// the SNRs reported are divided by √Copies again.
	Copies int
	// Dim is the model's dimension (of x and of z).
	Dim int
	// Perturb is the standard deviation of the perturbation of q's
	// parameters away from the exact posterior's.
	Perturb float64
	Seed    uint64
}

// SNRQuick and SNRFull are the notebook's two settings. K = 1 is left out:
// there DReG is the "sticking the landing" gradient, whose variance
// vanishes as q nears the posterior, a spike that is not the trend in K.
var (
	SNRQuick = SNRConfig{Ks: []int{3, 10, 30, 100, 300}, Reps: 400, Copies: 16, Dim: 5, Perturb: 0.1, Seed: 1}
	SNRFull  = SNRConfig{Ks: []int{3, 10, 30, 100, 300, 1000, 3000}, Reps: 2000, Copies: 64, Dim: 5, Perturb: 0.1, Seed: 1}
)

// SNRCurve is the signal-to-noise ratio of one gradient against K: the
// root mean square over the parameters' entries of |E g| / sd(g), each
// squared ratio corrected for its upward bias 1/Reps, and the
// least-squares slope of its logarithm against log K with the slope's
// standard error.
type SNRCurve struct {
	Name           string
	K              []int
	SNR            []float64
	Slope, SlopeSE float64
}

// SNR measures, on one data point of a fixed random linear-Gaussian model,
// the signal-to-noise ratios of Rainforth et al. (2018, figure 1): the
// IWAE(K) gradient of the inference network and of the generative
// network, and the inference network's DReG gradient.
func SNR(cfg SNRConfig) ([]SNRCurve, error) {
	if len(cfg.Ks) < 3 || cfg.Reps < 2 || cfg.Copies < 1 || cfg.Dim < 1 || !(cfg.Perturb > 0) {
		return nil, fmt.Errorf("iwae: invalid SNR config %+v (want at least 3 values of K and 2 repetitions)", cfg)
	}
	rnd := rand.New(rand.NewPCG(cfg.Seed, 4))
	m := NewLinearGaussian(rnd, cfg.Dim, cfg.Perturb)
	// One draw x ~ N(B, 2I) from the model, repeated.
	x := ad.Zeros[float64](cfg.Copies, cfg.Dim)
	for j := range cfg.Dim {
		v := m.B.Data[j] + math.Sqrt2*rnd.NormFloat64()
		for i := range cfg.Copies {
			x.Data[i*cfg.Dim+j] = v
		}
	}
	curves := []SNRCurve{{Name: "IWAE, inference network"}, {Name: "IWAE, generative network"}, {Name: "DReG, inference network"}}
	for _, k := range cfg.Ks {
		for i := range curves {
			var obj vi.Objective = vi.IWAE{K: k}
			ps := m.Inference()
			switch i {
			case 1:
				ps = m.Generative()
			case 2:
				obj = vi.DReG{Objective: obj}
			}
			s := vi.GradientSNR(rand.New(rand.NewPCG(cfg.Seed, uint64(1000*k+i))), m, x, obj, ps, cfg.Reps)
			ms := 0.0
			for _, v := range s {
				ms += v*v - 1/float64(cfg.Reps)
			}
			ms /= float64(len(s))
			if !(ms > 0) {
				return nil, fmt.Errorf("iwae: %s at K = %d: the SNR is below its estimation floor; raise Reps or Copies", curves[i].Name, k)
			}
			curves[i].K = append(curves[i].K, k)
			curves[i].SNR = append(curves[i].SNR, math.Sqrt(ms/float64(cfg.Copies)))
		}
	}
	for i := range curves {
		curves[i].Slope, curves[i].SlopeSE = logLogSlope(curves[i].K, curves[i].SNR)
	}
	return curves, nil
}

// logLogSlope returns the least-squares slope of log y on log k and its
// standard error from the residuals.
func logLogSlope(k []int, y []float64) (slope, se float64) {
	n := float64(len(k))
	var mx, my float64
	for i := range k {
		mx += math.Log(float64(k[i]))
		my += math.Log(y[i])
	}
	mx, my = mx/n, my/n
	var sxx, sxy float64
	for i := range k {
		dx := math.Log(float64(k[i])) - mx
		sxx += dx * dx
		sxy += dx * (math.Log(y[i]) - my)
	}
	slope = sxy / sxx
	var rss float64
	for i := range k {
		r := math.Log(y[i]) - my - slope*(math.Log(float64(k[i]))-mx)
		rss += r * r
	}
	return slope, math.Sqrt(rss / (n - 2) / sxx)
}

// SNRFigure plots the curves on log-log axes.
func SNRFigure(curves []SNRCurve) viz.Line {
	f := viz.Line{Title: "gradient signal-to-noise ratio against the number of importance samples", XLabel: "K", YLabel: "SNR (root mean square over parameters)", LogX: true, LogY: true}
	for _, c := range curves {
		s := viz.Series{Name: fmt.Sprintf("%s (slope %.2f ± %.2f)", c.Name, c.Slope, c.SlopeSE)}
		for i, k := range c.K {
			s.X, s.Y = append(s.X, float64(k)), append(s.Y, c.SNR[i])
		}
		f.Series = append(f.Series, s)
	}
	return f
}
