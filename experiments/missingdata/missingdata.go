// Package missingdata is the study of notebook 10: variational Gibbs
// inference (Simkus, Rhodes and Gutmann, JMLR 2023) against mean
// imputation and MCMC imputation when fitting a factor analysis model from
// data with values missing completely at random, as the missingness rate
// grows; VGI on a real table with missing values (Weka's labor data); and
// a VAE fitted from binarised MNIST with pixels missing at random, by VGI
// against mean and zero imputation (mnist.go).
package missingdata

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"gonum.org/v1/gonum/stat"

	"github.com/stochgrad/stochgrad/datasets"
	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/missing"
	"github.com/stochgrad/stochgrad/toolkit/optim"
	"github.com/stochgrad/stochgrad/viz"
)

// Config is one sweep over missingness rates.
type Config struct {
	// Rates of missing values to sweep.
	Rates []float64
	// Train and Test rows drawn from the true model (D = 8, K = 3).
	Train, Test int
	// Epochs of VGI and of MCMC imputation, in batches of Batch rows
	// (zero means 32); mean imputation takes as many full-batch steps as
	// they take minibatch steps.
	Epochs, Batch int
	// Chains per row for VGI and MCMC imputation.
	Chains int
	Seed   uint64
}

// Quick and Full are the notebook's two settings.
var (
	Quick = Config{Rates: []float64{0.2, 0.5}, Train: 500, Test: 2000, Epochs: 60, Chains: 4, Seed: 1}
	Full  = Config{Rates: []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7}, Train: 2000, Test: 5000, Epochs: 100, Chains: 8, Seed: 1}
)

// Method names, in the order of Row.
var Methods = []string{"VGI", "MCMC imputation", "mean imputation"}

// Row is one missingness rate: for each method (in the order of Methods),
// the held-out log-likelihood per test row of the fitted model, the RMSE
// of its imputations of the training data, and its fitting time.
type Row struct {
	Rate    float64
	Truth   float64 // held-out log-likelihood of the true model
	LogLik  []float64
	RMSE    []float64
	Seconds []float64
	// LogLikSE and RMSESE are the standard errors of LogLik (over the test
	// rows) and RMSE (over the imputed values, by the delta method).
	LogLikSE, RMSESE []float64
}

// trueModel is the factor analysis model the data come from: D = 8, K = 3,
// loadings and noise drawn once from seed 7.
func trueModel() *missing.FactorAnalysis {
	rnd := rand.New(rand.NewPCG(7, 7))
	m := missing.NewFactorAnalysis(rnd, 8, 3)
	for i := range m.Mu.Data {
		m.Mu.Data[i] = rnd.NormFloat64()
		m.LogPsi.Data[i] = math.Log(0.1 + 0.4*rnd.Float64())
	}
	return m
}

// Run sweeps the rates.
func Run(cfg Config) ([]Row, error) {
	if len(cfg.Rates) == 0 || cfg.Train < 1 || cfg.Test < 1 || cfg.Epochs < 1 || cfg.Chains < 1 {
		return nil, fmt.Errorf("missingdata: invalid config %+v", cfg)
	}
	truth := trueModel()
	d := truth.Dim()
	var rows []Row
	for ri, rate := range cfg.Rates {
		rnd := rand.New(rand.NewPCG(cfg.Seed, uint64(ri)))
		full := truth.Sample(rnd, cfg.Train)
		test := truth.Sample(rnd, cfg.Test)
		x := missing.MCAR(rnd, full, d, rate)
		row := Row{Rate: rate}
		row.Truth, _ = heldOut(truth, test, cfg.Test)
		for m := range Methods {
			data, err := missing.NewData(x, cfg.Train, d)
			if err != nil {
				return nil, err
			}
			start := time.Now()
			model, imputed, err := fit(m, data, cfg, uint64(ri))
			if err != nil {
				return nil, fmt.Errorf("missingdata: rate %v, %s: %w", rate, Methods[m], err)
			}
			row.Seconds = append(row.Seconds, time.Since(start).Seconds())
			ll, llse := heldOut(model, test, cfg.Test)
			rm, rmse := rmse(imputed, full)
			row.LogLik, row.LogLikSE = append(row.LogLik, ll), append(row.LogLikSE, llse)
			row.RMSE, row.RMSESE = append(row.RMSE, rm), append(row.RMSESE, rmse)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// fit fits a K = 3 model by method m and returns it with its imputations.
func fit(m int, data *missing.Data, cfg Config, seed uint64) (*missing.FactorAnalysis, *missing.Data, error) {
	model := missing.NewFactorAnalysis(rand.New(rand.NewPCG(cfg.Seed, 100+seed)), data.D, 3)
	return fitWith(m, model, data, Config{Epochs: cfg.Epochs, Batch: cfg.Batch, Chains: cfg.Chains, Seed: cfg.Seed + 1000*seed})
}

// fitWith fits model by method m.
func fitWith(m int, model *missing.FactorAnalysis, data *missing.Data, cfg Config) (*missing.FactorAnalysis, *missing.Data, error) {
	seed := cfg.Seed
	rnd := rand.New(rand.NewPCG(cfg.Seed, 200+seed))
	batch := cfg.Batch
	if batch == 0 {
		batch = 32
	}
	steps := cfg.Epochs * ((data.N + batch - 1) / batch)
	switch Methods[m] {
	case "VGI":
		v := &missing.VGI{Model: model, Q: missing.NewConditionals(rand.New(rand.NewPCG(cfg.Seed, 300+seed)), data.D, 64),
			Chains: cfg.Chains, Dims: data.D, QOpt: &optim.Adam[float64]{LR: 1e-2}}
		_, ch, err := v.Fit(rnd, data, cfg.Epochs, batch)
		if err != nil {
			return nil, nil, err
		}
		return model, v.PosteriorMean(rnd, ch, 20), nil
	case "MCMC imputation":
		// Gibbs with the current model's exact conditionals and a step on
		// the completed data: stochastic EM, VGI's objective with q exact.
		v := &missing.VGI{Model: model, Q: missing.ExactConditionals{Model: model}, Chains: cfg.Chains, Dims: data.D}
		_, ch, err := v.Fit(rnd, data, cfg.Epochs, batch)
		if err != nil {
			return nil, nil, err
		}
		return model, v.PosteriorMean(rnd, ch, 20), nil
	default:
		data.ImputeMean()
		opt := &optim.Adam[float64]{LR: 1e-2}
		x := ad.New(data.X, data.N, data.D)
		for range steps {
			ad.Neg(ad.Mean(model.LogProb(x))).Backward()
			if err := opt.Step(model.Params()); err != nil {
				return nil, nil, err
			}
			for _, p := range model.Params() {
				p.ZeroGrad()
			}
		}
		return model, data, nil
	}
}

// heldOut returns the mean log-likelihood of the n rows of x and its
// standard error.
func heldOut(m *missing.FactorAnalysis, x []float64, n int) (mean, se float64) {
	return meanSE(m.LogProb(ad.New(x, n, m.Dim())).Data)
}

// rmse returns the RMSE of the imputed values against the truth and its
// standard error by the delta method, SE(√m) = SE(m)/(2√m).
func rmse(imputed *missing.Data, truth []float64) (float64, float64) {
	var sq []float64
	for i, o := range imputed.Observed {
		if !o {
			e := imputed.X[i] - truth[i]
			sq = append(sq, e*e)
		}
	}
	m, se := meanSE(sq)
	r := math.Sqrt(m)
	return r, se / (2 * r)
}

// meanSE returns the mean of v and its standard error.
func meanSE(v []float64) (mean, se float64) {
	mean, sd := stat.MeanStdDev(v, nil)
	return mean, sd / math.Sqrt(float64(len(v)))
}

// Figures returns the held-out log-likelihood and the imputation error
// against the rate of missing values.
func Figures(rows []Row) (loglik, rmse viz.Line) {
	loglik = viz.Line{Title: "held-out log-likelihood per row against the rate of missing values", XLabel: "rate of missing values", YLabel: "log p(x) per row"}
	rmse = viz.Line{Title: "imputation error against the rate of missing values", XLabel: "rate of missing values", YLabel: "RMSE of the imputed values"}
	truth := viz.Series{Name: "true model"}
	for m, name := range Methods {
		ls, rs := viz.Series{Name: name}, viz.Series{Name: name}
		for _, r := range rows {
			ls.X, ls.Y = append(ls.X, r.Rate), append(ls.Y, r.LogLik[m])
			rs.X, rs.Y = append(rs.X, r.Rate), append(rs.Y, r.RMSE[m])
		}
		loglik.Series, rmse.Series = append(loglik.Series, ls), append(rmse.Series, rs)
	}
	for _, r := range rows {
		truth.X, truth.Y = append(truth.X, r.Rate), append(truth.Y, r.Truth)
	}
	loglik.Series = append(loglik.Series, truth)
	return loglik, rmse
}

// Table is a table with missing values: the numeric columns of an ARFF
// file, standardised by their observed means and deviations.
type Table struct {
	Name    string
	Columns []string
	Data    *missing.Data
}

// NumericTable reads the numeric attributes of an ARFF table.
func NumericTable(a *datasets.ARFF) (*Table, error) {
	var cols []int
	t := &Table{Name: a.Relation}
	for j, at := range a.Attributes {
		if at.Kind == datasets.Numeric {
			cols = append(cols, j)
			t.Columns = append(t.Columns, at.Name)
		}
	}
	if len(cols) < 2 {
		return nil, errors.New("missingdata: the table has fewer than two numeric columns")
	}
	x := make([]float64, 0, len(a.Rows)*len(cols))
	for _, row := range a.Rows {
		for _, j := range cols {
			x = append(x, row[j])
		}
	}
	d := len(cols)
	for j := range d {
		s, s2, n := 0.0, 0.0, 0.0
		for r := range a.Rows {
			if v := x[r*d+j]; !math.IsNaN(v) {
				s, s2, n = s+v, s2+v*v, n+1
			}
		}
		if n < 2 {
			return nil, fmt.Errorf("missingdata: column %q has %v observed values", t.Columns[j], n)
		}
		mean := s / n
		sd := math.Sqrt(max(s2/n-mean*mean, 1e-12))
		for r := range a.Rows {
			x[r*d+j] = (x[r*d+j] - mean) / sd
		}
	}
	data, err := missing.NewData(x, len(a.Rows), d)
	if err != nil {
		return nil, err
	}
	t.Data = data
	return t, nil
}

// TableRow is one method on a real table: the RMSE of its imputations of
// held-out observed values and their log-likelihood under the fitted
// model given the rest of their row, per held-out value.
type TableRow struct {
	Method              string
	RMSE, RMSESE        float64
	CondLogLik          float64
	HeldOut, Dimensions int
}

// RunTable hides a fraction of the observed values of the table (one
// uniform per value from seed), fits a factor analysis model with k factors
// by each method, and scores the hidden values.
func RunTable(t *Table, k int, hide float64, epochs int, seed uint64) ([]TableRow, error) {
	d := t.Data
	rnd := rand.New(rand.NewPCG(seed, 0))
	x := append([]float64(nil), d.X...)
	var hidden []int
	for i, o := range d.Observed {
		if !o {
			x[i] = math.NaN()
			continue
		}
		if rnd.Float64() < hide {
			hidden = append(hidden, i)
			x[i] = math.NaN()
		}
	}
	if len(hidden) == 0 {
		return nil, errors.New("missingdata: no value hidden")
	}
	cfg := Config{Epochs: epochs, Chains: 8, Seed: seed}
	var out []TableRow
	for m, name := range Methods {
		data, err := missing.NewData(x, d.N, d.D)
		if err != nil {
			return nil, err
		}
		model := missing.NewFactorAnalysis(rand.New(rand.NewPCG(seed, 1)), d.D, k)
		_, imputed, err := fitWith(m, model, data, cfg)
		if err != nil {
			return nil, fmt.Errorf("missingdata: %s: %w", name, err)
		}
		row := TableRow{Method: name, HeldOut: len(hidden), Dimensions: d.D}
		sq := make([]float64, len(hidden))
		for k, i := range hidden {
			e := imputed.X[i] - d.X[i]
			sq[k] = e * e
		}
		m2, se := meanSE(sq)
		row.RMSE = math.Sqrt(m2)
		row.RMSESE = se / (2 * row.RMSE)
		// log p(hidden | visible) row by row, exactly.
		for r := range d.N {
			var full, vis []bool
			any := false
			for j := range d.D {
				i := r*d.D + j
				o := d.Observed[i]
				h := o && math.IsNaN(x[i])
				full = append(full, o)
				vis = append(vis, o && !h)
				any = any || h
			}
			if !any {
				continue
			}
			a, err := model.MarginalLogProb(d.X[r*d.D:(r+1)*d.D], full)
			if err != nil {
				return nil, err
			}
			b, err := model.MarginalLogProb(d.X[r*d.D:(r+1)*d.D], vis)
			if err != nil {
				return nil, err
			}
			row.CondLogLik += (a - b) / float64(len(hidden))
		}
		out = append(out, row)
	}
	return out, nil
}
