package missingdata

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/stochgrad/stochgrad/datasets"
	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/missing"
	"github.com/stochgrad/stochgrad/toolkit/models"
	"github.com/stochgrad/stochgrad/toolkit/optim"
	"github.com/stochgrad/stochgrad/toolkit/vi"
	"github.com/stochgrad/stochgrad/viz"
)

// MNISTConfig is the sweep of a VAE fitted from binarised MNIST images with
// pixels missing completely at random.
type MNISTConfig struct {
	// Rates of missing pixels to sweep.
	Rates []float64
	// Train and Test are the numbers of images: the first of the training
	// and test sets of datasets.MNISTSplit, binarised once.
	Train, Test int
	// Hidden and Latent size the VAE: 784 → Hidden → 2·Latent and back,
	// ReLU. QHidden is the hidden width of VGI's conditionals.
	Hidden, Latent, QHidden int
	// Epochs of every fit, in minibatches of Batch images; VGI first warms
	// its conditionals up for Warmup epochs.
	Epochs, Batch, Warmup int
	// Chains per image and Dims univariate bounds per chain and update
	// for VGI.
	Chains, Dims int
	// QRate and WarmRate are the Adam learning rates of VGI's
	// conditionals during the fit and during the warm-up; zero means
	// Adam's default, 1e-3, at which every VAE learns. A QRate well below
	// the VAE's keeps Q from following the VAE's early, blurred
	// conditionals (measured at rate 0.75 with 500 images: at 1e-3 Q
	// collapses to the column marginals and VGI only matches mean
	// imputation; at 1e-4 it is 9 nats per image above it).
	QRate, WarmRate float64
	// Samples is the number of importance samples of the held-out
	// log-likelihood (vi.LogLikelihood).
	Samples int
	Seed    uint64
}

// QuickMNIST and FullMNIST are the notebook's two settings. Quick mode is
// a smoke-scale run: 500 images, 10 epochs, rates 50% and 75%. Full mode
// sweeps 25%-75% with 10 000 images and 200 epochs and 5 chains per image
// (the reference's num_imputed_copies for its VAE runs, which train for
// 5000 epochs on the 1965 Frey faces); an estimated several hours on two
// cores.
var (
	QuickMNIST = MNISTConfig{Rates: []float64{0.5, 0.75}, Train: 500, Test: 300, Hidden: 128, Latent: 16, QHidden: 64,
		Epochs: 10, Batch: 20, Warmup: 5, Chains: 1, Dims: 1, QRate: 1e-4, WarmRate: 1e-2, Samples: 50, Seed: 1}
	FullMNIST = MNISTConfig{Rates: []float64{0.25, 0.375, 0.5, 0.625, 0.75}, Train: 10000, Test: 2000, Hidden: 300, Latent: 20, QHidden: 200,
		Epochs: 200, Batch: 100, Warmup: 10, Chains: 5, Dims: 1, QRate: 1e-4, WarmRate: 1e-2, Samples: 1000, Seed: 1}
)

// MNISTMethods are the ways of fitting the VAE from incomplete images, in
// the order of MNISTRow.
var MNISTMethods = []string{"VGI", "mean imputation", "zero imputation"}

// MNISTRow is one rate of missing pixels: for each method of MNISTMethods
// the held-out log-likelihood per test image of the fitted VAE, the RMSE
// of its imputations of the missing training pixels (VGI: the chains'
// P(x_j = 1 | x_obs), Rao-Blackwellised; the baselines: the fitted VAE's
// reconstruction of the filled-in image), and the fitting time.
type MNISTRow struct {
	Rate             float64
	LogLik, LogLikSE []float64
	// LogLikDiffSE is the standard error of each method's held-out
	// log-likelihood minus VGI's, over the test images (paired).
	LogLikDiffSE      []float64
	RMSE, RMSESE      []float64
	Seconds           []float64
	ColumnMeansRMSE   float64 // the RMSE of filling in the column means
	ColumnMeansRMSESE float64
}

// MNISTResult is the sweep and its reference, the same VAE fitted to the
// complete images.
type MNISTResult struct {
	Rows                   []MNISTRow
	Complete, CompleteSE   float64 // held-out log-likelihood of the complete-data fit
	CompleteSeconds        float64
	Train, Test, Dimension int
}

// RunMNIST sweeps the rates. It returns an error if MNIST is not installed
// (run make setup) or a fit diverges.
func RunMNIST(cfg MNISTConfig) (*MNISTResult, error) {
	if len(cfg.Rates) == 0 || cfg.Train < 2 || cfg.Test < 1 || cfg.Hidden < 1 || cfg.Latent < 1 || cfg.QHidden < 1 ||
		cfg.Epochs < 1 || cfg.Batch < 1 || cfg.Warmup < 0 || cfg.Chains < 1 || cfg.Dims < 1 || cfg.Samples < 1 ||
		!(cfg.QRate >= 0) || !(cfg.WarmRate > 0) {
		return nil, fmt.Errorf("missingdata: invalid MNIST config %+v", cfg)
	}
	train, _, test, err := datasets.MNISTSplit(rand.New(rand.NewPCG(cfg.Seed, 0)))
	if err != nil {
		return nil, err
	}
	train = train.Subset(seq(min(cfg.Train, train.N))).Binarized(rand.New(rand.NewPCG(cfg.Seed, 1)))
	test = test.Subset(seq(min(cfg.Test, test.N))).Binarized(rand.New(rand.NewPCG(cfg.Seed, 2)))
	full, held := toFloat64(train.Pixels), ad.New(toFloat64(test.Pixels), test.N, test.Dim())
	d := train.Dim()
	res := &MNISTResult{Train: train.N, Test: test.N, Dimension: d}

	start := time.Now()
	vae := newVAE(cfg, d)
	if err := fitFilled(vae, full, train.N, cfg, 3); err != nil {
		return nil, fmt.Errorf("missingdata: complete data: %w", err)
	}
	res.CompleteSeconds = time.Since(start).Seconds()
	res.Complete, res.CompleteSE = meanSE(heldOutVAE(vae, held, cfg))

	for ri, rate := range cfg.Rates {
		rnd := rand.New(rand.NewPCG(cfg.Seed, 10+uint64(ri)))
		x := missing.MCAR(rnd, full, d, rate)
		row := MNISTRow{Rate: rate}
		var vgi []float64
		for m, name := range MNISTMethods {
			data, err := missing.NewData(x, train.N, d)
			if err != nil {
				return nil, err
			}
			start := time.Now()
			vae, imputed, err := fitMNIST(m, data, cfg, uint64(ri))
			if err != nil {
				return nil, fmt.Errorf("missingdata: rate %v, %s: %w", rate, name, err)
			}
			row.Seconds = append(row.Seconds, time.Since(start).Seconds())
			lls := heldOutVAE(vae, held, cfg)
			if m == 0 {
				vgi = lls
			}
			diff := make([]float64, len(lls))
			for i := range diff {
				diff[i] = lls[i] - vgi[i]
			}
			_, dse := meanSE(diff)
			ll, llse := meanSE(lls)
			rm, rmse := rmse(imputed, full)
			row.LogLik, row.LogLikSE, row.LogLikDiffSE = append(row.LogLik, ll), append(row.LogLikSE, llse), append(row.LogLikDiffSE, dse)
			row.RMSE, row.RMSESE = append(row.RMSE, rm), append(row.RMSESE, rmse)
		}
		means, err := missing.NewData(x, train.N, d)
		if err != nil {
			return nil, err
		}
		means.ImputeMean()
		row.ColumnMeansRMSE, row.ColumnMeansRMSESE = rmse(means, full)
		res.Rows = append(res.Rows, row)
	}
	return res, nil
}

func toFloat64(p []float32) []float64 {
	out := make([]float64, len(p))
	for i, v := range p {
		out[i] = float64(v)
	}
	return out
}

func newVAE(cfg MNISTConfig, d int) *models.VAE[float64] {
	return models.NewVAE[float64](rand.New(rand.NewPCG(cfg.Seed, 2)), []int{d, cfg.Hidden, cfg.Latent}, nil)
}

// fitMNIST fits a VAE by method m and returns it with its imputations.
func fitMNIST(m int, data *missing.Data, cfg MNISTConfig, seed uint64) (*models.VAE[float64], *missing.Data, error) {
	rnd := rand.New(rand.NewPCG(cfg.Seed, 200+seed))
	vae := newVAE(cfg, data.D)
	switch MNISTMethods[m] {
	case "VGI":
		q := missing.NewBinaryConditionals(rand.New(rand.NewPCG(cfg.Seed, 300+seed)), data.D, cfg.QHidden)
		q.SetMarginals(data)
		v := &missing.BinaryVGI{
			Model:    models.Bound[float64]{VAE: vae, Rand: rnd},
			Q:        q,
			Chains:   cfg.Chains,
			Dims:     cfg.Dims,
			Warmup:   cfg.Warmup,
			ModelOpt: &optim.Adam[float64]{LR: 1e-3},
			QOpt:     &optim.Adam[float64]{LR: cfg.QRate},
			WarmOpt:  &optim.Adam[float64]{LR: cfg.WarmRate},
		}
		_, ch, err := v.Fit(rnd, data, cfg.Epochs, cfg.Batch)
		if err != nil {
			return nil, nil, err
		}
		return vae, v.PosteriorMean(rnd, ch, 5), nil
	case "mean imputation":
		data.ImputeMean()
	default:
		for i, o := range data.Observed {
			if !o {
				data.X[i] = 0
			}
		}
	}
	if err := fitFilled(vae, data.X, data.N, cfg, 100+seed); err != nil {
		return nil, nil, err
	}
	return vae, reconstruct(vae, data), nil
}

// fitFilled trains the VAE by the ELBO on the n rows of x for cfg.Epochs
// epochs with Adam.
func fitFilled(vae *models.VAE[float64], x []float64, n int, cfg MNISTConfig, seed uint64) error {
	rnd := rand.New(rand.NewPCG(cfg.Seed, 400+seed))
	d := vae.Dim()
	opt := &optim.Adam[float64]{LR: 1e-3}
	batch := make([]float64, 0, cfg.Batch*d)
	for e := range cfg.Epochs {
		perm := rnd.Perm(n)
		for s := 0; s < n; s += cfg.Batch {
			batch = batch[:0]
			rows := perm[s:min(s+cfg.Batch, n)]
			for _, i := range rows {
				batch = append(batch, x[i*d:(i+1)*d]...)
			}
			loss := ad.Neg(ad.Mean(vae.ELBO(rnd, ad.New(batch, len(rows), d))))
			if v := loss.Item(); math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("epoch %d, step %d: negative ELBO is %v", e, s/cfg.Batch, v)
			}
			loss.Backward()
			if err := opt.Step(vae.Params()); err != nil {
				return fmt.Errorf("epoch %d, step %d: %w", e, s/cfg.Batch, err)
			}
			for _, p := range vae.Params() {
				p.ZeroGrad()
			}
		}
	}
	return nil
}

// reconstruct returns the data with each missing entry replaced by the
// VAE's reconstruction of its filled-in row, σ(decoder(μ(x))).
func reconstruct(vae *models.VAE[float64], data *missing.Data) *missing.Data {
	ev := models.ConvertVAE[float64](vae, nil)
	mu, _ := ev.Encode(ad.New(data.X, data.N, data.D))
	p := ad.Sigmoid(ev.Decode(mu))
	out := &missing.Data{N: data.N, D: data.D, X: append([]float64(nil), data.X...), Observed: data.Observed}
	for i, o := range data.Observed {
		if !o {
			out.X[i] = p.Data[i]
		}
	}
	return out
}

// heldOutVAE returns the importance-sampled log-likelihood of each test
// image.
func heldOutVAE(vae *models.VAE[float64], test *ad.Tensor[float64], cfg MNISTConfig) []float64 {
	ev := models.ConvertVAE[float64](vae, nil)
	return vi.LogLikelihood(rand.New(rand.NewPCG(cfg.Seed, 500)), ev, test, cfg.Samples, 0)
}

func seq(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// MNISTFigures returns the held-out log-likelihood and the imputation error
// against the rate of missing pixels.
func MNISTFigures(r *MNISTResult) (loglik, rmse viz.Line) {
	loglik = viz.Line{Title: "VAE on binarised MNIST: held-out log-likelihood against the rate of missing pixels", XLabel: "rate of missing pixels", YLabel: "log p(x) per test image (nats)"}
	rmse = viz.Line{Title: "VAE on binarised MNIST: imputation error against the rate of missing pixels", XLabel: "rate of missing pixels", YLabel: "RMSE of the imputed pixels"}
	complete := viz.Series{Name: "complete data"}
	means := viz.Series{Name: "column means"}
	for m, name := range MNISTMethods {
		ls, rs := viz.Series{Name: name}, viz.Series{Name: name}
		for _, row := range r.Rows {
			ls.X, ls.Y = append(ls.X, row.Rate), append(ls.Y, row.LogLik[m])
			rs.X, rs.Y = append(rs.X, row.Rate), append(rs.Y, row.RMSE[m])
		}
		loglik.Series, rmse.Series = append(loglik.Series, ls), append(rmse.Series, rs)
	}
	for _, row := range r.Rows {
		complete.X, complete.Y = append(complete.X, row.Rate), append(complete.Y, r.Complete)
		means.X, means.Y = append(means.X, row.Rate), append(means.Y, row.ColumnMeansRMSE)
	}
	loglik.Series = append(loglik.Series, complete)
	rmse.Series = append(rmse.Series, means)
	return loglik, rmse
}
