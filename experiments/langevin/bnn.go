package langevin

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"gonum.org/v1/gonum/stat"

	"github.com/stochgrad/stochgrad/datasets"
	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/optim"
	"github.com/stochgrad/stochgrad/viz"
)

// BNNConfig is the comparison of samplers on a Bayesian neural network
// classifier of MNIST: a ReLU network of the given widths whose weights
// and biases have independent N(0, PriorSD²) priors.
type BNNConfig struct {
	Train, Test int // MNIST images used; zero means all
	Widths      []int
	PriorSD     float64
	Batch       int
	// WarmEpochs of Adam (rate 10⁻³) give every chain the same start, a
	// point estimate that is also the baseline.
	WarmEpochs int
	// Gradients is each chain's budget of mini-batch gradients; a
	// structured step with one gradient per group costs one per layer.
	Gradients int
	// LR is the Langevin step size on the potential U = −log p(θ | data)
	// (its mini-batch estimate scaled to the whole training set).
	LR float64
	// Thin is the number of gradients between kept samples; the first
	// BurnIn fraction of the budget is discarded.
	Thin   int
	BurnIn float64
	// Pool and Dropout configure structured SGLD (its dropout row uses
	// Dropout; the exact row uses one gradient per layer).
	Pool    int
	Dropout float64
	// Bins is the number of equal-width confidence bins of the
	// calibration error.
	Bins int
	Seed uint64
}

// Samplers names the rows of RunSamplers, in order.
var Samplers = []string{"point estimate (Adam)", "SGLD", "structured SGLD (layers)", "structured SGLD (dropout)"}

// Posterior is one row: the posterior predictive of a sampler (for the
// point estimate, its own predictive) on the test images.
type Posterior struct {
	Method string
	// LogLik is the mean log predictive probability of the true label,
	// with its standard error over test images; PointLogLik the values.
	LogLik, LogLikSE float64
	PointLogLik      []float64
	Error            float64 // percent
	ECE              float64 // expected calibration error, in [0, 1]
	Reliability      []Bin
	Samples          int
	Gradients        int
	Seconds          float64
	// Trace is the test log-likelihood of the running predictive against
	// the gradients spent, at each kept sample.
	TraceGradients, TraceLogLik []float64
}

// Bin is one confidence bin of a reliability diagram.
type Bin struct {
	Confidence, Accuracy float64 // means over the bin
	Count                int
}

// RunSamplers warms a network up with Adam and runs each sampler from it.
func RunSamplers(cfg BNNConfig) ([]Posterior, error) {
	if err := checkWidths(cfg.Widths); err != nil {
		return nil, err
	}
	if cfg.Batch < 1 || cfg.Gradients < 1 || cfg.Thin < 1 || !(cfg.PriorSD > 0) || !(cfg.LR > 0) || cfg.Bins < 1 || !(cfg.BurnIn >= 0 && cfg.BurnIn < 1) {
		return nil, fmt.Errorf("langevin: invalid sampler config %+v", cfg)
	}
	train, test, err := data(cfg.Train, cfg.Test)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	net := NewNet(rand.New(rand.NewPCG(cfg.Seed, 11)), cfg.Widths, 0, 0, false)
	batches := newStream(train, cfg.Batch, rand.New(rand.NewPCG(cfg.Seed, 12)))
	adam := &optim.Adam[float32]{LR: 1e-3}
	for batches.n < cfg.WarmEpochs*batches.perEpoch() {
		if err := potentialGrad(net, batches, cfg.PriorSD)(); err != nil {
			return nil, fmt.Errorf("langevin: warm-up: %w", err)
		}
		if err := adam.Step(net.Params()); err != nil {
			return nil, fmt.Errorf("langevin: warm-up: %w", err)
		}
	}
	warm := snapshot(net)
	point := newPredictive(test, cfg.Bins)
	point.add(predict(net, test))
	rows := []Posterior{point.result(Samplers[0], batches.n, time.Since(start).Seconds())}
	for m := 1; m < len(Samplers); m++ {
		restore(net, warm)
		start := time.Now()
		p, err := sample(m, net, train, test, cfg)
		if err != nil {
			return nil, fmt.Errorf("langevin: %s: %w", Samplers[m], err)
		}
		p.Seconds = time.Since(start).Seconds()
		rows = append(rows, p)
	}
	return rows, nil
}

// potentialGrad returns the function that sets the gradients of net's
// parameters to a mini-batch estimate of ∇U, U(θ) = −Σᵢ log p(yᵢ | xᵢ, θ)
// + ‖θ‖²/(2σ²) over the whole training set.
func potentialGrad(net *Net, batches *stream, priorSD float64) func() error {
	params := net.Params()
	n := float32(batches.im.N)
	prec := float32(1 / (priorSD * priorSD))
	return func() error {
		x, y := batches.next()
		for _, p := range params {
			p.ZeroGrad()
		}
		s := new(ad.Scope)
		defer s.Release()
		loss := NLL(net.Forward(ad.In(s, x), nil), y)
		if l := float64(loss.Item()); math.IsNaN(l) || math.IsInf(l, 0) {
			return fmt.Errorf("log-likelihood is %v at batch %d", -l, batches.n)
		}
		ad.MulScalar(loss, n).Backward()
		for _, p := range params {
			for k, v := range p.Data {
				p.Grad[k] += prec * v
			}
		}
		return nil
	}
}

// sample runs sampler m from net's current state.
func sample(m int, net *Net, train, test *datasets.Images, cfg BNNConfig) (Posterior, error) {
	params := net.Params()
	batches := newStream(train, cfg.Batch, rand.New(rand.NewPCG(cfg.Seed, 20+uint64(m))))
	grad := potentialGrad(net, batches, cfg.PriorSD)
	sgld := optim.SGLD[float32]{LR: float32(cfg.LR), Rand: rand.New(rand.NewPCG(cfg.Seed, 30+uint64(m)))}
	var step func() error
	switch Samplers[m] {
	case "SGLD":
		step = func() error {
			if err := grad(); err != nil {
				return err
			}
			return sgld.Step(params)
		}
	default:
		o := &optim.StructuredSGLD[float32]{SGLD: sgld, Pool: cfg.Pool}
		for _, l := range net.Layers {
			o.Groups = append(o.Groups, l.Params())
		}
		if Samplers[m] == "structured SGLD (dropout)" {
			o.Dropout = cfg.Dropout
		}
		step = func() error { return o.Step(params, grad) }
	}
	pred := newPredictive(test, cfg.Bins)
	burn := int(cfg.BurnIn * float64(cfg.Gradients))
	next := burn + cfg.Thin
	for batches.n < cfg.Gradients {
		if err := step(); err != nil {
			return Posterior{}, err
		}
		if batches.n >= next {
			pred.add(predict(net, test))
			pred.trace(batches.n)
			next += cfg.Thin
		}
	}
	if pred.samples == 0 {
		return Posterior{}, fmt.Errorf("no sample kept: %d gradients, burn-in %d, thinning %d", cfg.Gradients, burn, cfg.Thin)
	}
	return pred.result(Samplers[m], batches.n, 0), nil
}

// predictive accumulates the posterior predictive over samples.
type predictive struct {
	test    *datasets.Images
	bins    int
	sum     []float64
	samples int
	tg, tl  []float64
}

func newPredictive(test *datasets.Images, bins int) *predictive {
	return &predictive{test: test, bins: bins, sum: make([]float64, test.N*10)}
}

func (p *predictive) add(probs []float64) {
	for i, v := range probs {
		p.sum[i] += v
	}
	p.samples++
}

func (p *predictive) probs() []float64 {
	out := make([]float64, len(p.sum))
	for i, v := range p.sum {
		out[i] = v / float64(p.samples)
	}
	return out
}

func (p *predictive) trace(gradients int) {
	ll, _ := logLik(p.probs(), p.test)
	p.tg, p.tl = append(p.tg, float64(gradients)), append(p.tl, mean(ll))
}

func (p *predictive) result(name string, gradients int, seconds float64) Posterior {
	probs := p.probs()
	ll, se := logLik(probs, p.test)
	ece, rel := Calibration(probs, p.test.Labels, p.bins)
	return Posterior{Method: name, LogLik: mean(ll), LogLikSE: se, PointLogLik: ll, Error: errorRate(probs, p.test),
		ECE: ece, Reliability: rel, Samples: p.samples, Gradients: gradients, Seconds: seconds, TraceGradients: p.tg, TraceLogLik: p.tl}
}

// logLik returns log probs[i, yᵢ] for every test image and the standard
// error of their mean.
func logLik(probs []float64, im *datasets.Images) ([]float64, float64) {
	ll := make([]float64, im.N)
	for i := range ll {
		ll[i] = math.Log(max(probs[i*10+int(im.Labels[i])], 1e-300))
	}
	_, sd := stat.MeanStdDev(ll, nil)
	return ll, sd / math.Sqrt(float64(len(ll)))
}

func mean(v []float64) float64 { return stat.Mean(v, nil) }

// Calibration returns the expected calibration error of class
// probabilities probs, [N×10], against labels, with equal-width bins of the
// top probability (Guo et al., 2017),
//
//	ECE = Σ_b (n_b/N)·|accuracy_b − confidence_b|,
//
// and the bins of the reliability diagram.
func Calibration(probs []float64, labels []uint8, bins int) (float64, []Bin) {
	n := len(labels)
	if len(probs) != 10*n || bins < 1 {
		panic(fmt.Sprintf("langevin: Calibration: %d probabilities for %d labels, %d bins", len(probs), n, bins))
	}
	bs := make([]Bin, bins)
	for i := range n {
		k := argmax(probs[i*10 : (i+1)*10])
		c := probs[i*10+k]
		b := min(int(c*float64(bins)), bins-1)
		bs[b].Confidence += c
		if k == int(labels[i]) {
			bs[b].Accuracy++
		}
		bs[b].Count++
	}
	ece := 0.0
	for b := range bs {
		if bs[b].Count == 0 {
			continue
		}
		bs[b].Confidence /= float64(bs[b].Count)
		bs[b].Accuracy /= float64(bs[b].Count)
		ece += float64(bs[b].Count) / float64(n) * math.Abs(bs[b].Accuracy-bs[b].Confidence)
	}
	return ece, bs
}

// ReliabilityFigure returns the reliability diagram of each row: accuracy
// against confidence over the non-empty bins, beside the diagonal of a
// calibrated predictor.
func ReliabilityFigure(rows []Posterior) viz.Line {
	f := viz.Line{Title: "reliability diagram: accuracy against confidence per bin (test images)", XLabel: "mean confidence in the bin", YLabel: "accuracy in the bin"}
	f.Series = append(f.Series, viz.Series{Name: "calibrated", X: []float64{0, 1}, Y: []float64{0, 1}})
	for _, r := range rows {
		s := viz.Series{Name: r.Method}
		for _, b := range r.Reliability {
			if b.Count > 0 {
				s.X, s.Y = append(s.X, b.Confidence), append(s.Y, b.Accuracy)
			}
		}
		f.Series = append(f.Series, s)
	}
	return f
}

// TraceFigure returns each sampler's test log-likelihood of the running
// posterior predictive against the gradients spent after warm-up, with the
// point estimate as a level.
func TraceFigure(rows []Posterior) viz.Line {
	f := viz.Line{Title: "test log-likelihood of the posterior predictive as samples accumulate", XLabel: "mini-batch gradients after warm-up", YLabel: "mean log p(y | x, data)"}
	var last float64
	for _, r := range rows[1:] {
		f.Series = append(f.Series, viz.Series{Name: r.Method, X: r.TraceGradients, Y: r.TraceLogLik})
		if n := len(r.TraceGradients); n > 0 {
			last = max(last, r.TraceGradients[n-1])
		}
	}
	f.Series = append(f.Series, viz.Series{Name: rows[0].Method, X: []float64{0, last}, Y: []float64{rows[0].LogLik, rows[0].LogLik}})
	return f
}

// PairedSE returns the mean of a.PointLogLik − b.PointLogLik and its
// standard error over test images.
func PairedSE(a, b Posterior) (diff, se float64) {
	d := make([]float64, len(a.PointLogLik))
	for i := range d {
		d[i] = a.PointLogLik[i] - b.PointLogLik[i]
	}
	m, sd := stat.MeanStdDev(d, nil)
	return m, sd / math.Sqrt(float64(len(d)))
}

// snapshot copies the parameter values of net.
func snapshot(net *Net) [][]float32 {
	var s [][]float32
	for _, p := range net.Params() {
		s = append(s, append([]float32(nil), p.Data...))
	}
	return s
}

// restore sets net's parameters to a snapshot.
func restore(net *Net, s [][]float32) {
	for i, p := range net.Params() {
		copy(p.Data, s[i])
	}
}
