// Package discretevae is the study of notebook 06: the discrete VAEs of
// Jang, Gu and Poole (2017) on binarised MNIST, the categorical VAE
// 784-512-256-(20×10) trained with every gradient estimator that applies
// (their Table 2's negative ELBOs), and the k-subset VAE of the I-MLE and
// AIMLE papers (a 20×20 code of 10-subsets). Every method trains the same
// network from the same initial weights on the same mini-batches; the
// negative ELBO is then measured on held-out test images with discrete
// latents, with its standard error over the images.
package discretevae

import (
	"errors"
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"time"

	"github.com/stochgrad/stochgrad/datasets"
	"github.com/stochgrad/stochgrad/estimators"
	"github.com/stochgrad/stochgrad/toolkit"
	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
	"github.com/stochgrad/stochgrad/toolkit/models"
	"github.com/stochgrad/stochgrad/toolkit/nn"
	"github.com/stochgrad/stochgrad/toolkit/optim"
	"github.com/stochgrad/stochgrad/toolkit/solvers"
	"github.com/stochgrad/stochgrad/viz"
	"gonum.org/v1/gonum/stat"
)

// Config is one training budget, the same for every method.
type Config struct {
	// Train is the number of training images (the first of MNIST's 50 000
	// after the split; zero means all) and Test the number of test images
	// on which the negative ELBO is measured (zero means all 10 000).
	Train, Test int
	// Epochs over the training images, in mini-batches of Batch (zero
	// means 100, Jang et al.'s), each dynamically binarised afresh.
	Epochs, Batch int
	// LR is Adam's learning rate; zero means 1e-3.
	LR float64
	// EvalSamples is the number of latent draws per test image for the
	// reconstruction term (and the subset KL); zero means 10.
	EvalSamples int
	// Hidden are the encoder's hidden widths (mirrored in the decoder);
	// nil means Jang et al.'s {512, 256}.
	Hidden []int
	// Methods are the names of the methods to run, from Categorical and
	// Subset; nil means all of both.
	Methods []string
	Seed    uint64
}

// Quick and Full are the notebook's two settings for the categorical rows.
// Quick trains each for 2 epochs on 4 000 images (80 steps of 100) and
// measures on 1 000 test images. Full is Jang et al.'s setting, batch 100
// and Adam 10⁻³ on all 50 000 images, for 20 epochs (the paper trains for
// about 100 000 steps, 200 epochs). Measured here, an epoch takes 35-50 s
// for the straight-through, relaxed, I-MLE and score-function rows and
// 250-280 s for REBAR and RELAX.
//
// QuickSubset and FullSubset are the same for the k-subset rows, whose
// Monte Carlo KL needs log q(z) of each drawn subset, a sum over its 10!
// orders (distributions.SubsetTopK.LogProb, exact by dynamic programming
// over 2^10 subsets of the subset): about 0.1 s per mini-batch of 100 with
// its gradient on one core, 55 ms on two, twice that for the score
// function, which also needs it for its own samples. QuickSubset trains 40 steps of 50 and measures on 300
// test images; FullSubset is Full's setting.
var (
	Quick       = Config{Train: 4000, Test: 1000, Epochs: 2, Methods: names(Categorical), Seed: 1}
	Full        = Config{Epochs: 20, Methods: names(Categorical), Seed: 1}
	QuickSubset = Config{Train: 2000, Test: 300, Epochs: 1, Batch: 50, Methods: names(Subset), Seed: 1}
	FullSubset  = Config{Epochs: 20, Methods: names(Subset), Seed: 1}
)

func names(ms []Method) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Name)
	}
	return out
}

// Method is one row of the table: a latent code and a gradient estimator,
// chosen by a value.
type Method struct {
	Name string
	// Key names the method in RESULT lines: lower case, no spaces.
	Key string
	// Subset says that the latent code is the 20×20 code of 10-subsets
	// (models.NewSubsetVAE) rather than 20 categoricals of 10 classes.
	Subset bool
	// Paper is the negative ELBO of Jang et al.'s Table 2, zero if the
	// paper has no such row.
	Paper float64
	// New returns a fresh estimator (estimators with state, such as
	// AIMLE's β or REBAR's η, start alike in every run) and the
	// parameters it trains besides the model's (REBAR's η and
	// temperature, RELAX's critic).
	New func(rnd *rand.Rand) (estimators.Estimator[float32], []*ad.Tensor[float32])
}

// Sizes of the codes: 20 categoricals of 10 classes (Jang et al.), and 20
// 10-subsets of 20 items (the I-MLE and AIMLE papers).
const (
	Groups  = 20
	Classes = 10
	Items   = 20
	SubsetK = 10
)

// annealed is Gumbel-Softmax with Jang et al.'s temperature schedule,
// τ = max(0.5, exp(−10⁻⁴·t)) updated every 500 steps.
type annealed struct {
	gs       estimators.GumbelSoftmax[float32]
	schedule estimators.Schedule
	step     int
}

func (a *annealed) Estimate(rnd *rand.Rand, p distributions.Sampler[float32], f estimators.Func[float32]) estimators.Estimate[float32] {
	a.gs.Temperature = float32(a.schedule.At(a.step))
	a.step++
	return a.gs.Estimate(rnd, p, f)
}

func jangSchedule() estimators.Schedule {
	return estimators.ExpDecay{Start: 1, Rate: 1e-4, Min: 0.5, Every: 500}
}

// perExampleCritic adapts a network to RELAX's Residual for per-example
// objectives: pre-activations [m, B, ...] give one row per sample and
// example, and the result has shape [m, B] like the objective's.
func perExampleCritic(net *nn.MLP[float32]) estimators.Func[float32] {
	return func(z *ad.Tensor[float32]) *ad.Tensor[float32] {
		m, b := z.Dim(0), z.Dim(1)
		return ad.Reshape(net.Forward(ad.Reshape(z, m*b, -1)), m, b)
	}
}

// imle returns I-MLE over a solver with the papers' discrete-VAE settings
// (central differences, τ = 1); with adaptive it is AIMLE with β₀ = 0,
// η = 10⁻³ and c nonzeros (METHODS.md §1), else λ = 1.
func imle(solver solvers.Solver[float32], noise distributions.Noise[float32], samples int, adaptive bool, c float32) estimators.Estimator[float32] {
	var target estimators.Target[float32]
	if adaptive {
		target = &estimators.AdaptiveTarget[float32]{UpdateStep: 1e-3, TargetNonZeros: c}
	}
	return estimators.ThroughLayer[float32]{Layer: estimators.IMLE[float32]{
		Solver: solver, Noise: noise, Target: target, Difference: estimators.Central, Samples: samples}}
}

func sumOfGamma() distributions.Noise[float32] {
	noise, err := distributions.NewSumOfGamma[float32](SubsetK, 10)
	if err != nil {
		panic(err) // constant arguments
	}
	return noise
}

func none(e estimators.Estimator[float32]) func(*rand.Rand) (estimators.Estimator[float32], []*ad.Tensor[float32]) {
	return func(*rand.Rand) (estimators.Estimator[float32], []*ad.Tensor[float32]) { return e, nil }
}

// Categorical are the rows of the categorical VAE, in the order of Jang et
// al.'s table where it has them. The score function draws 2 samples so that
// each has a leave-one-out baseline; every other estimator draws 1, as in
// the paper. MuProp (107.0 in the paper) is not implemented in stochgrad.
var Categorical = []Method{
	{Name: "score function (LOO, S=2)", Key: "sf_loo", Paper: 110.6,
		New: none(estimators.ScoreFunction[float32]{Samples: 2, Baseline: estimators.LeaveOneOut{}})},
	{Name: "straight-through", Key: "st", Paper: 110.9, New: none(estimators.StraightThrough[float32]{})},
	{Name: "Gumbel-Softmax", Key: "gumbel_softmax", Paper: 101.5,
		New: func(*rand.Rand) (estimators.Estimator[float32], []*ad.Tensor[float32]) {
			return &annealed{schedule: jangSchedule()}, nil
		}},
	{Name: "ST Gumbel-Softmax", Key: "st_gumbel_softmax", Paper: 107.8,
		New: func(*rand.Rand) (estimators.Estimator[float32], []*ad.Tensor[float32]) {
			return &annealed{gs: estimators.GumbelSoftmax[float32]{Hard: true}, schedule: jangSchedule()}, nil
		}},
	{Name: "REBAR", Key: "rebar",
		New: func(*rand.Rand) (estimators.Estimator[float32], []*ad.Tensor[float32]) {
			r := estimators.NewREBAR[float32](1)
			return r, []*ad.Tensor[float32]{r.Eta, r.LogTemperature}
		}},
	{Name: "RELAX", Key: "relax",
		New: func(rnd *rand.Rand) (estimators.Estimator[float32], []*ad.Tensor[float32]) {
			r := estimators.NewREBAR[float32](1)
			critic := nn.NewMLP[float32](rnd, []int{Groups * Classes, 64, 1}, nil)
			return estimators.RELAX[float32]{Eta: r.Eta, LogTemperature: r.LogTemperature, Residual: perExampleCritic(critic)},
				append([]*ad.Tensor[float32]{r.Eta, r.LogTemperature}, critic.Params()...)
		}},
	{Name: "I-MLE", Key: "imle",
		New: none(imle(solvers.Argmax[float32]{}, distributions.StandardGumbel[float32]{}, 1, false, 0))},
	{Name: "AIMLE", Key: "aimle",
		New: func(*rand.Rand) (estimators.Estimator[float32], []*ad.Tensor[float32]) {
			return imle(solvers.Argmax[float32]{}, distributions.StandardGumbel[float32]{}, 1, true, 1), nil
		}},
}

// Subset are the rows of the k-subset VAE: the score function, Xie and
// Ermon's Gumbel-Softmax top-k relaxation at τ = 1 (the default of the
// reference implementations), and I-MLE and AIMLE over top-k with
// Sum-of-Gamma noise.
var Subset = []Method{
	{Name: "subset: score function (LOO, S=2)", Key: "subset_sf_loo", Subset: true,
		New: none(estimators.ScoreFunction[float32]{Samples: 2, Baseline: estimators.LeaveOneOut{}})},
	{Name: "subset: Gumbel-Softmax top-k", Key: "subset_gumbel_softmax_topk", Subset: true,
		New: none(estimators.GumbelSoftmaxTopK[float32]{Temperature: 1})},
	{Name: "subset: I-MLE", Key: "subset_imle", Subset: true,
		New: none(imle(solvers.TopK[float32]{K: SubsetK}, sumOfGamma(), 1, false, 0))},
	{Name: "subset: AIMLE", Key: "subset_aimle", Subset: true,
		New: func(*rand.Rand) (estimators.Estimator[float32], []*ad.Tensor[float32]) {
			return imle(solvers.TopK[float32]{K: SubsetK}, sumOfGamma(), 1, true, SubsetK), nil
		}},
}

// Row is one method's result.
type Row struct {
	Method, Key string
	Subset      bool
	Paper       float64
	// Initial is the untrained model's test negative ELBO and NegELBO the
	// trained one's, in nats per image, each with its standard error over
	// the test images; PerImage holds the trained model's per-image values
	// so that methods can be compared pairwise.
	Initial, InitialSE float64
	NegELBO, NegELBOSE float64
	PerImage           []float64
	// Train is the mean training negative ELBO estimate of each epoch
	// (for Gumbel-Softmax that of the relaxed objective).
	Train []float64
	// LastSteps and LastStepsSE are the mean and standard error of the
	// training estimates over the last tenth of the steps.
	LastSteps, LastStepsSE float64
	// SecondsPerEpoch is the wall time of one epoch over the training
	// images, and SecondsPer50k the same scaled to MNIST's 50 000.
	SecondsPerEpoch, SecondsPer50k float64
}

// byName finds the method.
func byName(name string) (Method, bool) {
	for _, m := range append(append([]Method(nil), Categorical...), Subset...) {
		if m.Name == name {
			return m, true
		}
	}
	return Method{}, false
}

// Run trains every method of cfg and measures it.
func Run(cfg Config) ([]Row, error) {
	if cfg.Epochs < 1 || cfg.Train < 0 || cfg.Test < 0 {
		return nil, fmt.Errorf("discretevae: invalid config %+v: want Epochs ≥ 1 and Train, Test ≥ 0", cfg)
	}
	names := cfg.Methods
	if names == nil {
		for _, m := range append(append([]Method(nil), Categorical...), Subset...) {
			names = append(names, m.Name)
		}
	}
	var methods []Method
	for _, n := range names {
		m, ok := byName(n)
		if !ok {
			return nil, fmt.Errorf("discretevae: no method %q", n)
		}
		methods = append(methods, m)
	}
	train, _, test, err := datasets.MNISTSplit(rand.New(rand.NewPCG(cfg.Seed, 0)))
	if err != nil {
		return nil, err
	}
	if cfg.Train > 0 && cfg.Train < train.N {
		train = train.Subset(seq(cfg.Train))
	}
	if cfg.Test > 0 && cfg.Test < test.N {
		test = test.Subset(seq(cfg.Test))
	}
	test = test.Binarized(rand.New(rand.NewPCG(cfg.Seed, 1)))
	var rows []Row
	// The untrained network's measurement is the same for every row of a
	// kind (same weights, same draws): made once.
	initial := map[bool][2]float64{}
	for _, m := range methods {
		// Each row is cached on its own, so that a full-mode table (hours)
		// that is stopped resumes at the row it was training.
		one := cfg
		one.Methods = []string{m.Name}
		r, err := toolkit.Cached("discretevae-row", one, func() (Row, error) { return runOne(cfg, m, train, test, initial) })
		if err != nil {
			return nil, fmt.Errorf("discretevae: %s: %w", m.Name, err)
		}
		rows = append(rows, r)
	}
	return rows, nil
}

func seq(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

func newModel(cfg Config, subset bool) *models.LatentVAE[float32] {
	rnd := rand.New(rand.NewPCG(cfg.Seed, 2))
	if subset {
		return models.NewSubsetVAE[float32](rnd, 784, Groups, Items, SubsetK, cfg.Hidden)
	}
	return models.NewCategoricalVAE[float32](rnd, 784, Groups, Classes, cfg.Hidden)
}

// module trains the model's parameters and the estimator's own.
type module struct {
	v     *models.LatentVAE[float32]
	extra []*ad.Tensor[float32]
}

func (m module) Params() []*ad.Tensor[float32] { return append(m.v.Params(), m.extra...) }

// runOne trains the method from the common initial weights on the common
// sequence of mini-batches and measures it; initial holds the untrained
// network's test negative ELBO and its standard error by kind of code.
func runOne(cfg Config, m Method, train, test *datasets.Images, initial map[bool][2]float64) (Row, error) {
	batch := cfg.Batch
	if batch == 0 {
		batch = 100
	}
	lr := cfg.LR
	if lr == 0 {
		lr = 1e-3
	}
	v := newModel(cfg, m.Subset)
	row := Row{Method: m.Name, Key: m.Key, Subset: m.Subset, Paper: m.Paper}
	init, ok := initial[m.Subset]
	if !ok {
		init[0], init[1], _ = Evaluate(rand.New(rand.NewPCG(cfg.Seed, 3)), v, test, cfg.EvalSamples)
		initial[m.Subset] = init
	}
	row.Initial, row.InitialSE = init[0], init[1]
	est, extra := m.New(rand.New(rand.NewPCG(cfg.Seed, 4)))
	var buf []float32
	// The same shuffles, binarisations and estimator draws for every method.
	data := rand.New(rand.NewPCG(cfg.Seed, 5))
	rnd := rand.New(rand.NewPCG(cfg.Seed, 6))
	perEpoch := (train.N + batch - 1) / batch
	next, stop := iter.Pull2(epochs(train, batch, &buf, data, cfg.Epochs))
	defer stop()
	fit := toolkit.Fit[float32]{
		Title: m.Name, Steps: cfg.Epochs * perEpoch, Model: module{v, extra}, Quiet: true,
		Optimizer: &optim.Adam[float32]{LR: float32(lr)},
		Objective: func(int) (*ad.Tensor[float32], float64) {
			idx, px, _ := next()
			return v.NegELBO(rnd, ad.New(px, len(idx), train.Dim()), est, 1)
		},
	}
	start := time.Now()
	h, err := fit.Run()
	if err != nil {
		return row, err
	}
	elapsed := time.Since(start).Seconds()
	row.SecondsPerEpoch = elapsed / float64(cfg.Epochs)
	row.SecondsPer50k = row.SecondsPerEpoch * 50000 / float64(train.N)
	for e := range cfg.Epochs {
		row.Train = append(row.Train, stat.Mean(h.Loss[e*perEpoch:(e+1)*perEpoch], nil))
	}
	last := h.Loss[len(h.Loss)-max(1, len(h.Loss)/10):]
	row.LastSteps, row.LastStepsSE = meanSE(last)
	row.NegELBO, row.NegELBOSE, row.PerImage = Evaluate(rand.New(rand.NewPCG(cfg.Seed, 7)), v, test, cfg.EvalSamples)
	if math.IsNaN(row.NegELBO) {
		return row, errors.New("test negative ELBO is NaN")
	}
	return row, nil
}

// epochs yields the mini-batches of the given number of epochs.
func epochs(im *datasets.Images, batch int, buf *[]float32, rnd *rand.Rand, n int) iter.Seq2[[]int, []float32] {
	return func(yield func([]int, []float32) bool) {
		for range n {
			for idx, px := range datasets.MiniBatches(im, batch, buf, rnd, rnd) {
				if !yield(idx, px) {
					return
				}
			}
		}
	}
}

// Evaluate returns the negative ELBO of v on the binary images im, in nats
// per image, with its standard error over the images and the per-image
// values: the reconstruction term averaged over samples discrete draws
// from q(z | x) per image (zero means 10), plus the KL in closed form for
// categorical codes or estimated from as many draws for subsets.
func Evaluate(rnd *rand.Rand, v *models.LatentVAE[float32], im *datasets.Images, samples int) (m, se float64, per []float64) {
	if samples == 0 {
		samples = 10
	}
	const chunk = 250
	var buf []float32
	for lo := 0; lo < im.N; lo += chunk {
		idx := seq(min(chunk, im.N-lo))
		for i := range idx {
			idx[i] += lo
		}
		buf = datasets.GatherBatch(buf, im, idx, nil)
		// No graph: the subset KL's log q(z) then skips its gradient.
		scope := &ad.Scope{NoGrad: true}
		x := ad.In(scope, ad.New(buf, len(idx), im.Dim()))
		q := v.Guide(x)
		zs := make([]*ad.Tensor[float32], samples)
		for s := range zs {
			zs[s] = q.Sample(rnd)
		}
		rec := v.Reconstruction(x, ad.Stack(0, zs...))
		kl := v.KL(rnd, x, samples)
		n := len(idx)
		for i := range n {
			r := 0.0
			for s := range samples {
				r += float64(rec.Data[s*n+i])
			}
			per = append(per, -r/float64(samples)+float64(kl.Data[i]))
		}
		scope.Release()
	}
	m, se = meanSE(per)
	return m, se, per
}

// meanSE returns the mean of x and its standard error (zero for fewer
// than two values, so that results stay JSON-encodable).
func meanSE(x []float64) (m, se float64) {
	if len(x) < 2 {
		return stat.Mean(x, nil), 0
	}
	m, sd := stat.MeanStdDev(x, nil)
	return m, sd / math.Sqrt(float64(len(x)))
}

// PairedDifference returns the mean of a's per-image values minus b's and
// its standard error: the two models are measured on the same images, so
// the difference is far more precise than either value.
func PairedDifference(a, b Row) (d, se float64) {
	if len(a.PerImage) != len(b.PerImage) {
		panic(fmt.Sprintf("discretevae.PairedDifference: %d and %d images", len(a.PerImage), len(b.PerImage)))
	}
	diff := make([]float64, len(a.PerImage))
	for i := range diff {
		diff[i] = a.PerImage[i] - b.PerImage[i]
	}
	return meanSE(diff)
}

// Figures returns the test negative ELBO of each row beside Jang et al.'s
// (a bar chart), and each row's training negative ELBO estimate per epoch.
func Figures(rows []Row) (table viz.Bar, curves viz.Line) {
	table = viz.Bar{Title: "test negative ELBO on binarised MNIST (nats per image)", YLabel: "−ELBO"}
	ours, paper := viz.Series{Name: "stochgrad (this run)"}, viz.Series{Name: "Jang et al. 2017, Table 2"}
	curves = viz.Line{Title: "training negative ELBO estimate per epoch", XLabel: "epoch", YLabel: "−ELBO (nats per image)"}
	for _, r := range rows {
		table.Labels = append(table.Labels, r.Method)
		ours.Y = append(ours.Y, r.NegELBO)
		p := math.NaN() // a gap
		if r.Paper != 0 {
			p = r.Paper
		}
		paper.Y = append(paper.Y, p)
		s := viz.Series{Name: r.Method}
		for e, v := range r.Train {
			s.X, s.Y = append(s.X, float64(e+1)), append(s.Y, v)
		}
		curves.Series = append(curves.Series, s)
	}
	table.Series = []viz.Series{ours, paper}
	return table, curves
}
