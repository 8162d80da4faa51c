// Package smctempering is the study of notebook 08: likelihood-tempered
// SMC samplers (toolkit/smc) on models whose evidence and posterior are
// known exactly. It measures the evidence estimate Ẑ and the posterior
// means against the truth, draws the adaptive temperature and ESS
// schedules, compares the four resampling schemes, sets the SMC-Wake
// reference code's ordering (move, then weight) beside the standard one
// (weight, resample, move), and sweeps the moves per stage in 50
// dimensions, where too few moves leave log Ẑ far too low.
package smctempering

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/toolkit/smc"
	"gonum.org/v1/gonum/stat"
)

// Config is one run of the whole study.
type Config struct {
	// K particles and Runs independent runs per model for the accuracy
	// table, with Moves random-walk steps per stage.
	K, Runs, Moves int
	// OrderK are the particle counts of the ordering comparison on the 1-D
	// model, with OrderRuns runs each.
	OrderK    []int
	OrderRuns int
	// ResampleK particles and ResampleRuns runs per resampling scheme on
	// the 1-D model; OffspringReps resamplings of one weight vector for
	// the offspring variance.
	ResampleK, ResampleRuns, OffspringReps int
	// HighDim is the dimension of the moves-per-stage sweep, with HighDimK
	// particles, HighDimRuns runs and the moves per stage in HighDimMoves.
	HighDim, HighDimK, HighDimRuns int
	HighDimMoves                   []int
	Seed                           uint64
}

// Quick and Full are the notebook's two settings. Full is METHODS.md §4's:
// 4000 runs for the orderings, K = 1000 particles in 50 dimensions.
var (
	Quick = Config{K: 100, Runs: 500, Moves: 5, OrderK: []int{20, 100}, OrderRuns: 2000,
		ResampleK: 50, ResampleRuns: 2000, OffspringReps: 5000,
		HighDim: 50, HighDimK: 200, HighDimRuns: 10, HighDimMoves: []int{5, 50}, Seed: 1}
	Full = Config{K: 1000, Runs: 1000, Moves: 5, OrderK: []int{20, 100, 1000}, OrderRuns: 4000,
		ResampleK: 50, ResampleRuns: 4000, OffspringReps: 20000,
		HighDim: 50, HighDimK: 1000, HighDimRuns: 20, HighDimMoves: []int{5, 10, 20, 50, 100}, Seed: 1}
)

func (c Config) check() error {
	if c.K < 2 || c.Runs < 2 || c.Moves < 1 || len(c.OrderK) == 0 || c.OrderRuns < 2 ||
		c.ResampleK < 2 || c.ResampleRuns < 2 || c.OffspringReps < 2 ||
		c.HighDim < 1 || c.HighDimK < 2 || c.HighDimRuns < 2 || len(c.HighDimMoves) == 0 {
		return fmt.Errorf("smctempering: invalid config %+v", c)
	}
	return nil
}

// Summary is a model's sampler measured over independent runs: Ẑ/Z,
// log Ẑ − log Z, the Euclidean error of the weighted posterior mean and
// the mean over coordinates of the weighted posterior variance's relative
// error, each as a mean over runs with its standard error; and the mean
// number of stages.
type Summary struct {
	Model            string
	K, Runs, Moves   int
	ZRatio, ZRatioSE float64
	LogZErr, LogZSE  float64
	MeanErr, MeanSE  float64
	VarErr, VarSE    float64
	Stages           float64
}

// Trace is the record of one run, stage by stage.
type Trace struct {
	Model string // with its particles and moves
	K     int
	Infos []smc.Info
}

// OrderRow is the 1-D model under one ordering at K particles.
type OrderRow struct {
	Order                string
	K, Runs              int
	ZRatio, ZRatioSE     float64
	PostMean, PostMeanSE float64
}

// ResampleRow is one resampling scheme at one number of random-walk
// moves per stage: the mean over particles of the variance of the
// offspring counts for one fixed weight vector, and the variance of log Ẑ
// over runs on the 1-D model with its standard error.
type ResampleRow struct {
	Scheme             string
	Moves              int
	OffspringVar       float64
	LogZVar, LogZVarSE float64
	ZRatio, ZRatioSE   float64
}

// Result is the whole study.
type Result struct {
	Accuracy   []Summary
	Traces     []Trace
	Orders     []OrderRow
	Resampling []ResampleRow
	HighDim    []Summary
}

// Models are the accuracy table's models: the 1-D Gaussian, a 5-D
// conjugate Gaussian and the banana.
func Models() []Model { return []Model{Normal1D(), HighDim(5), Banana()} }

// Run runs the study.
func Run(cfg Config) (Result, error) {
	if err := cfg.check(); err != nil {
		return Result{}, err
	}
	rnd := rand.New(rand.NewPCG(cfg.Seed, 8))
	var res Result
	for _, m := range Models() {
		s := smc.Sampler{Prior: m.Prior, LogLik: m.LogLik, Kernel: smc.RandomWalk{Steps: cfg.Moves}}
		sum, err := Measure(rnd, s, m, cfg.K, cfg.Runs)
		if err != nil {
			return res, err
		}
		sum.Moves = cfg.Moves
		res.Accuracy = append(res.Accuracy, sum)
		_, infos, err := s.Run(rnd, m.draw(rnd, cfg.K))
		if err != nil {
			return res, err
		}
		res.Traces = append(res.Traces, Trace{Model: fmt.Sprintf("%s, K=%d", m.Name, cfg.K), K: cfg.K, Infos: infos})
	}
	var err error
	if res.Orders, err = Orders(rnd, cfg.OrderK, cfg.OrderRuns); err != nil {
		return res, err
	}
	if res.Resampling, err = Resampling(rnd, cfg.ResampleK, cfg.ResampleRuns, cfg.OffspringReps); err != nil {
		return res, err
	}
	hd := HighDim(cfg.HighDim)
	for _, n := range cfg.HighDimMoves {
		s := smc.Sampler{Prior: hd.Prior, LogLik: hd.LogLik, Kernel: smc.RandomWalk{Steps: n}}
		sum, err := Measure(rnd, s, hd, cfg.HighDimK, cfg.HighDimRuns)
		if err != nil {
			return res, err
		}
		sum.Moves = n
		res.HighDim = append(res.HighDim, sum)
	}
	// The 50-D schedule, with the most moves per stage of the sweep.
	n := cfg.HighDimMoves[len(cfg.HighDimMoves)-1]
	s := smc.Sampler{Prior: hd.Prior, LogLik: hd.LogLik, Kernel: smc.RandomWalk{Steps: n}}
	_, infos, err := s.Run(rnd, hd.draw(rnd, cfg.HighDimK))
	if err != nil {
		return res, err
	}
	res.Traces = append(res.Traces, Trace{Model: fmt.Sprintf("%s, K=%d, %d moves", hd.Name, cfg.HighDimK, n), K: cfg.HighDimK, Infos: infos})
	return res, nil
}

// Measure runs s from n independent prior populations of k particles and
// compares each with m's exact answers.
func Measure(rnd *rand.Rand, s smc.Sampler, m Model, k, n int) (Summary, error) {
	var ratio, lerr, merr, verr, stages []float64
	for range n {
		st, infos, err := s.Run(rnd, m.draw(rnd, k))
		if err != nil {
			return Summary{}, fmt.Errorf("smctempering: %s: %w", m.Name, err)
		}
		lerr = append(lerr, st.LogZ-m.LogZ)
		ratio = append(ratio, math.Exp(st.LogZ-m.LogZ))
		mu, v := moments(st)
		var e2, ve float64
		for j := range mu {
			e2 += (mu[j] - m.Mean[j]) * (mu[j] - m.Mean[j])
			ve += (v[j] - m.Var[j]) / m.Var[j] / float64(m.Dim)
		}
		merr = append(merr, math.Sqrt(e2))
		verr = append(verr, ve)
		stages = append(stages, float64(len(infos)))
	}
	sum := Summary{Model: m.Name, K: k, Runs: n}
	sum.ZRatio, sum.ZRatioSE = meanSE(ratio)
	sum.LogZErr, sum.LogZSE = meanSE(lerr)
	sum.MeanErr, sum.MeanSE = meanSE(merr)
	sum.VarErr, sum.VarSE = meanSE(verr)
	sum.Stages, _ = meanSE(stages)
	return sum, nil
}

// moments returns the weighted mean and variance of each coordinate of
// the final population.
func moments(st *smc.State) (mean, variance []float64) {
	d := st.X.D
	mean, variance = make([]float64, d), make([]float64, d)
	for i, lw := range st.LogW {
		w := math.Exp(lw)
		for j, v := range st.X.Row(i) {
			mean[j] += w * v
			variance[j] += w * v * v
		}
	}
	for j := range variance {
		variance[j] -= mean[j] * mean[j]
	}
	return mean, variance
}

// Orders runs the 1-D model of METHODS.md §4 in both orderings at each
// particle count, with that note's settings: 5 random-walk steps of sd 0.3
// per stage and multinomial resampling. The reference ordering chooses δ
// from the incremental weights alone, as the reference code does; the
// standard ordering holds the weighted ESS at K/2.
func Orders(rnd *rand.Rand, ks []int, runs int) ([]OrderRow, error) {
	m := Normal1D()
	std := smc.Sampler{Prior: m.Prior, LogLik: m.LogLik, Kernel: smc.RandomWalk{Steps: 5, StepSize: 0.3}, Resampler: smc.Multinomial{}}
	ref := std
	ref.Order = smc.ReferenceOrder
	ref.Tempering = smc.Adaptive{Criterion: smc.IncrementalESS}
	var rows []OrderRow
	for _, k := range ks {
		for _, o := range []struct {
			name string
			s    smc.Sampler
		}{{"standard", std}, {"reference", ref}} {
			var ratio, mean []float64
			for range runs {
				st, _, err := o.s.Run(rnd, m.draw(rnd, k))
				if err != nil {
					return nil, fmt.Errorf("smctempering: %s ordering, K=%d: %w", o.name, k, err)
				}
				ratio = append(ratio, math.Exp(st.LogZ-m.LogZ))
				mu, _ := moments(st)
				mean = append(mean, mu[0])
			}
			r := OrderRow{Order: o.name, K: k, Runs: runs}
			r.ZRatio, r.ZRatioSE = meanSE(ratio)
			r.PostMean, r.PostMeanSE = meanSE(mean)
			rows = append(rows, r)
		}
	}
	return rows, nil
}

// Schemes are the resamplers compared, by name.
var Schemes = []struct {
	Name string
	R    smc.Resampler
}{{"multinomial", smc.Multinomial{}}, {"residual", smc.Residual{}}, {"stratified", smc.Stratified{}}, {"systematic", smc.Systematic{}}}

// ResampleMoves are the random-walk moves per stage of the resampling
// comparison: with one move the resampling noise shows in log Ẑ, with five
// the moves wash it out.
var ResampleMoves = []int{1, 5}

// Resampling compares the schemes: the offspring variance on the weights
// of the first adaptive stage of the 1-D model (k prior particles
// weighted to ESS k/2), and the variance of log Ẑ over runs of the
// standard sampler with each scheme, k particles, resampling at every
// stage (temperatures chosen to hold the ESS at 0.7·K) and ResampleMoves
// random-walk moves per stage with the adapted scale.
func Resampling(rnd *rand.Rand, k, runs, reps int) ([]ResampleRow, error) {
	m := Normal1D()
	x := m.draw(rnd, k)
	logW := make([]float64, k)
	ll := make([]float64, k)
	for i := range logW {
		logW[i] = -math.Log(float64(k))
	}
	m.LogLik.LogDensity(ll, x)
	tau, err := smc.Adaptive{}.Next(0, logW, ll)
	if err != nil {
		return nil, err
	}
	w := make([]float64, k)
	var s float64
	for i, l := range ll {
		w[i] = math.Exp(tau * l)
		s += w[i]
	}
	for i := range w {
		w[i] /= s
	}
	var rows []ResampleRow
	for _, moves := range ResampleMoves {
		for _, sc := range Schemes {
			r := ResampleRow{Scheme: sc.Name, Moves: moves, OffspringVar: OffspringVariance(rnd, sc.R, w, reps)}
			smp := smc.Sampler{Prior: m.Prior, LogLik: m.LogLik, Kernel: smc.RandomWalk{Steps: moves}, Resampler: sc.R,
				ResampleESS: 1, Tempering: smc.Adaptive{Fraction: 0.7}}
			var lz, ratio []float64
			for range runs {
				st, _, err := smp.Run(rnd, m.draw(rnd, k))
				if err != nil {
					return nil, fmt.Errorf("smctempering: %s resampling: %w", sc.Name, err)
				}
				lz = append(lz, st.LogZ-m.LogZ)
				ratio = append(ratio, math.Exp(st.LogZ-m.LogZ))
			}
			r.LogZVar, r.LogZVarSE = varSE(lz)
			r.ZRatio, r.ZRatioSE = meanSE(ratio)
			rows = append(rows, r)
		}
	}
	return rows, nil
}

// OffspringVariance returns the mean over particles of the variance of
// particle i's number of offspring when r resamples len(w) offspring from
// the normalised weights w, estimated from reps resamplings.
func OffspringVariance(rnd *rand.Rand, r smc.Resampler, w []float64, reps int) float64 {
	k := len(w)
	idx := make([]int, k)
	n := make([]float64, k)
	s, s2 := make([]float64, k), make([]float64, k)
	for range reps {
		clear(n)
		r.Resample(rnd, idx, w)
		for _, j := range idx {
			n[j]++
		}
		for i, v := range n {
			s[i] += v
			s2[i] += v * v
		}
	}
	var total float64
	fr := float64(reps)
	for i := range s {
		m := s[i] / fr
		total += (s2[i]/fr - m*m) * fr / (fr - 1)
	}
	return total / float64(k)
}

// meanSE returns the mean of v and its standard error.
func meanSE(v []float64) (mean, se float64) {
	mean, sd := stat.MeanStdDev(v, nil)
	return mean, stat.StdErr(sd, float64(len(v)))
}

// varSE returns the sample variance of v and its standard error
// √((m₄ − m₂²)/n), from the central moments m₂ and m₄.
func varSE(v []float64) (variance, se float64) {
	m2, m4 := stat.Moment(2, v, nil), stat.Moment(4, v, nil)
	return stat.Variance(v, nil), math.Sqrt(math.Max(m4-m2*m2, 0) / float64(len(v)))
}
