// Package iwae is the study of notebook 05: the VAE against the
// importance-weighted autoencoder of Burda, Grosse and Salakhutdinov (2016)
// and the PIWAE, MIWAE and CIWAE objectives of Rainforth et al. (2018),
// with and without the doubly-reparameterised gradient of Tucker et al.
// (2019), on dynamically binarised MNIST, scored by the held-out
// log-likelihood estimated by importance sampling; and Rainforth et al.'s
// signal-to-noise study of the IWAE gradients on a linear-Gaussian model.
package iwae

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/stochgrad/stochgrad/datasets"
	"github.com/stochgrad/stochgrad/toolkit"
	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/models"
	"github.com/stochgrad/stochgrad/toolkit/optim"
	"github.com/stochgrad/stochgrad/toolkit/vi"
	"github.com/stochgrad/stochgrad/viz"
)

// Method is a training objective with its name.
type Method struct {
	Name      string
	Objective vi.Objective
}

// Methods returns the compared objectives at a budget of k draws per
// image (k even): the VAE (ELBO over k draws), IWAE(k), PIWAE(2, k/2),
// MIWAE(2, k/2) and CIWAE(k, β = 0.5), each but the VAE also with DReG for
// the inference network.
func Methods(k int) []Method {
	if k < 2 || k%2 != 0 {
		panic(fmt.Sprintf("iwae.Methods: k = %d, want an even number ≥ 2", k))
	}
	h := k / 2
	var ms []Method
	ms = append(ms, Method{fmt.Sprintf("VAE (k=%d)", k), vi.ELBO{K: k}})
	for _, m := range []Method{
		{fmt.Sprintf("IWAE (k=%d)", k), vi.IWAE{K: k}},
		{fmt.Sprintf("PIWAE (M=2, K=%d)", h), vi.PIWAE{M: 2, K: h}},
		{fmt.Sprintf("MIWAE (M=2, K=%d)", h), vi.MIWAE{M: 2, K: h}},
		{fmt.Sprintf("CIWAE (K=%d, β=0.5)", k), vi.CIWAE{K: k, Beta: 0.5}},
	} {
		ms = append(ms, m, Method{m.Name + " + DReG", vi.DReG{Objective: m.Objective}})
	}
	return ms
}

// Config is one comparison of training objectives on MNIST.
type Config struct {
	Methods []Method
	// Train is the number of training images used (the first of the
	// 50 000 of datasets.MNISTSplit); zero means all.
	Train int
	// Test is the number of test images scored; zero means all 10 000.
	Test int
	// Epochs caps the training epochs of each method; Minutes, when
	// positive, stops a method after the first epoch that ends past it.
	Epochs  int
	Minutes float64
	// Batch is the mini-batch size; zero means 20, the paper's.
	Batch int
	// PaperSchedule uses the IWAE paper's learning rates: 3^i epochs at
	// 0.001·10^(−i/7) for i = 0, …, 7 (3,280 epochs); otherwise the rate
	// is 0.001 throughout.
	PaperSchedule bool
	// EvalAt lists the epochs after which the held-out log-likelihood is
	// estimated (the last epoch always is); nil means the ends of the
	// paper's stages, 1, 4, 13, 40, ….
	EvalAt []int
	// EvalK is the number of importance samples of the held-out
	// log-likelihood; the paper uses 5000.
	EvalK int
	Seed  uint64
}

// Quick trains six objectives at k = 8 (VAE, IWAE with and without DReG,
// PIWAE, MIWAE, CIWAE) for 3 epochs on 1,200 training images and scores
// 200 test images with K = 200.
// Full trains each of eleven objectives for at most 30 minutes (up to the
// paper's 3,280 epochs) with the paper's schedule on all 50,000 images,
// about six hours in all, and scores the first 2,000 test images with
// K = 5000 (about 4 minutes per evaluation on 2 cores) after epochs 4 and
// 40 and at the end; its first three rows are Table 1's (VAE k=1, IWAE
// k=5, IWAE k=50), the others the quick mode's objectives at k = 8 with
// DReG throughout.
var (
	Quick = Config{Methods: quickMethods(), Train: 1200, Test: 200, Epochs: 3, EvalAt: []int{1}, EvalK: 200, Seed: 1}
	Full  = Config{
		Methods: append([]Method{
			{"VAE (k=1)", vi.ELBO{K: 1}}, {"IWAE (k=5)", vi.IWAE{K: 5}}, {"IWAE (k=50)", vi.IWAE{K: 50}},
		}, Methods(8)[1:]...),
		Test: 2000, Epochs: 3280, Minutes: 30, PaperSchedule: true, EvalAt: []int{4, 40}, EvalK: 5000, Seed: 1,
	}
)

// quickMethods are Methods(8) less the DReG variants of PIWAE, MIWAE and
// CIWAE.
func quickMethods() []Method {
	ms := Methods(8)
	return []Method{ms[0], ms[1], ms[2], ms[3], ms[5], ms[7]}
}

// Table1 holds the IWAE paper's held-out log-likelihoods for one
// stochastic layer after 3,280 epochs (Burda et al. 2016, Table 1), by
// method name as in Full.
var Table1 = map[string]float64{"VAE (k=1)": -86.76, "VAE (k=5)": -86.47, "VAE (k=50)": -86.35,
	"IWAE (k=5)": -85.54, "IWAE (k=50)": -84.78}

// Run is one method's training run.
type Run struct {
	Name string
	// Epochs after which the held-out log-likelihood LogLik (per image,
	// with its standard error over the test images LogLikSE) was
	// estimated, and the training time Seconds up to each.
	Epochs   []int
	LogLik   []float64
	LogLikSE []float64
	Seconds  []float64
	// ELBO and IWAE5 are the held-out ELBO (over 10 draws per image) and
	// IWAE(5) bound of the final model, per image.
	ELBO, IWAE5 float64
	// PerImage is the final held-out log-likelihood of each test image,
	// for paired comparisons between methods.
	PerImage []float64
}

// Final returns the last held-out log-likelihood and its standard error.
func (r Run) Final() (float64, float64) {
	return r.LogLik[len(r.LogLik)-1], r.LogLikSE[len(r.LogLikSE)-1]
}

// Data holds the training and test images of a comparison.
type Data struct {
	Train *datasets.Images
	// Test is binarised once, at a fixed seed.
	Test *ad.Tensor[float32]
}

// LoadData loads MNIST's split and takes cfg's subsets.
func LoadData(cfg Config) (*Data, error) {
	train, _, test, err := datasets.MNISTSplit(rand.New(rand.NewPCG(cfg.Seed, 1)))
	if err != nil {
		return nil, err
	}
	if cfg.Train > 0 && cfg.Train < train.N {
		train = train.Subset(seq(cfg.Train))
	}
	if cfg.Test > 0 && cfg.Test < test.N {
		test = test.Subset(seq(cfg.Test))
	}
	test = test.Binarized(rand.New(rand.NewPCG(cfg.Seed, 2)))
	px := datasets.GatherBatch[float32](nil, test, seq(test.N), nil)
	return &Data{Train: train, Test: ad.New(px, test.N, test.Dim())}, nil
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// Compare trains every method of cfg from the same initial weights and
// returns their runs, in order.
func Compare(cfg Config) ([]Run, error) {
	if len(cfg.Methods) == 0 || cfg.Epochs < 1 || cfg.EvalK < 1 || cfg.Batch < 0 || cfg.Minutes < 0 {
		return nil, fmt.Errorf("iwae: invalid config %+v", cfg)
	}
	data, err := LoadData(cfg)
	if err != nil {
		return nil, err
	}
	var runs []Run
	for i, m := range cfg.Methods {
		// Each method's run is cached on its own, so that a full-mode
		// comparison (hours) that is stopped resumes at the method it was
		// training rather than from the start.
		one := cfg
		one.Methods = cfg.Methods[i : i+1]
		key := struct {
			Config Config
			Index  int
		}{one, i}
		r, err := toolkit.Cached("iwae-run", key, func() (Run, error) { return Train(cfg, m, data, uint64(i)) })
		if err != nil {
			return nil, err
		}
		runs = append(runs, r)
	}
	return runs, nil
}

// stageEnds are the epochs at which the paper's learning-rate stages end.
func stageEnds() []int {
	var ends []int
	n, p := 0, 1
	for range 8 {
		n += p
		p *= 3
		ends = append(ends, n)
	}
	return ends
}

// learningRate returns the rate of the given epoch (counted from 0).
func learningRate(cfg Config, epoch int) float32 {
	if !cfg.PaperSchedule {
		return 1e-3
	}
	for i, end := range stageEnds() {
		if epoch < end {
			return float32(1e-3 * math.Pow(10, -float64(i)/7))
		}
	}
	return float32(1e-3 * math.Pow(10, -1))
}

// Train trains the IWAE paper's one-layer model (784-200-200-50, tanh) on
// data.Train, binarised afresh each epoch, with Adam (ε = 10⁻⁴ as in the
// paper) on m's objective, and estimates the held-out log-likelihood of
// data.Test by importance sampling at cfg's evaluation epochs (with a
// float32 copy of the model; the sums are float64). The initial
// weights depend on cfg.Seed only, so all methods start alike; run seeds
// the draws.
func Train(cfg Config, m Method, data *Data, run uint64) (Run, error) {
	batch := cfg.Batch
	if batch == 0 {
		batch = 20
	}
	vae := models.NewIWAEVAE[float32](rand.New(rand.NewPCG(cfg.Seed, 3)), 1)
	rnd := rand.New(rand.NewPCG(cfg.Seed, 100+run))
	opt := &optim.Adam[float32]{Eps: 1e-4}
	evalAt := map[int]bool{}
	points := cfg.EvalAt
	if points == nil {
		points = stageEnds()
	}
	for _, e := range points {
		evalAt[e] = true
	}
	out := Run{Name: m.Name}
	var buf []float32
	start := time.Now()
	var train time.Duration
	step := 0
	for epoch := range cfg.Epochs {
		t0 := time.Now()
		opt.LR = learningRate(cfg, epoch)
		for idx, px := range datasets.MiniBatches(data.Train, batch, &buf, rnd, rnd) {
			step++
			x := ad.New(px, len(idx), data.Train.Dim())
			e := vi.Evaluate(rnd, vae, x, m.Objective)
			if v := e.Mean(); math.IsNaN(v) || math.IsInf(v, 0) {
				return out, fmt.Errorf("iwae: %s: the bound is %v at step %d (epoch %d)", m.Name, v, step, epoch+1)
			}
			for _, p := range vae.Params() {
				p.ZeroGrad()
			}
			e.Loss.Backward()
			if err := opt.Step(vae.Params()); err != nil {
				return out, fmt.Errorf("iwae: %s: step %d (epoch %d): %w", m.Name, step, epoch+1, err)
			}
		}
		train += time.Since(t0)
		over := cfg.Minutes > 0 && time.Since(start).Minutes() > cfg.Minutes
		last := epoch == cfg.Epochs-1 || over
		if !evalAt[epoch+1] && !last {
			continue
		}
		eval := models.ConvertStackedVAE(vae, ad.Tanh[float32])
		erd := rand.New(rand.NewPCG(cfg.Seed, 200+uint64(epoch)))
		ll := vi.LogLikelihood(erd, eval, data.Test, cfg.EvalK, 0)
		mean, se := meanSE(ll)
		out.Epochs = append(out.Epochs, epoch+1)
		out.LogLik, out.LogLikSE = append(out.LogLik, mean), append(out.LogLikSE, se)
		out.Seconds = append(out.Seconds, train.Seconds())
		if last {
			out.PerImage = ll
			out.ELBO = vi.Evaluate(erd, eval, data.Test, vi.ELBO{K: 10}).Mean()
			out.IWAE5 = vi.Evaluate(erd, eval, data.Test, vi.IWAE{K: 5}).Mean()
			break
		}
	}
	return out, nil
}

// meanSE returns the mean of v and its standard error.
func meanSE(v []float64) (mean, se float64) {
	n := float64(len(v))
	for _, x := range v {
		mean += x
	}
	mean /= n
	for _, x := range v {
		se += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(se / (n - 1) / n)
}

// PairedDiff returns the mean of a.PerImage − b.PerImage and its standard
// error: the difference of two runs' held-out log-likelihoods on the same
// test images.
func PairedDiff(a, b Run) (float64, float64) {
	d := make([]float64, len(a.PerImage))
	for i := range d {
		d[i] = a.PerImage[i] - b.PerImage[i]
	}
	return meanSE(d)
}

// Figure returns the held-out log-likelihood against training epochs.
func Figure(runs []Run) viz.Line {
	f := viz.Line{Title: "held-out log-likelihood (importance sampling) against epochs", XLabel: "epoch", YLabel: "log p(x) per test image (nats)"}
	for _, r := range runs {
		s := viz.Series{Name: r.Name}
		for i, e := range r.Epochs {
			s.X, s.Y = append(s.X, float64(e)), append(s.Y, r.LogLik[i])
		}
		f.Series = append(f.Series, s)
	}
	return f
}
