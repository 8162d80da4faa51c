// Package qbvi is the study of notebook 12: quasi black-box variational
// inference with natural gradients (Magris, Shabani & Iosifidis 2022)
// with full, diagonal and factor covariance, against plain black-box VI
// (the reparameterised ELBO gradient with Adam), on a Bayesian linear
// regression whose posterior is exact and on a Bayesian logistic
// regression of the UCI voting records whose reference posterior comes
// from a long SMC and HMC run.
package qbvi

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"

	"github.com/stochgrad/stochgrad/datasets"
	"github.com/stochgrad/stochgrad/toolkit/optim"
	"github.com/stochgrad/stochgrad/viz"
)

// Config is one comparison of the methods on one problem.
type Config struct {
	// Iters is the number of steps of every method; the metrics are
	// recorded every Record steps, the ELBO by EvalDraws draws where it
	// is not exact.
	Iters, Record, EvalDraws int
	// Repeats is the number of independent runs of each method, for the
	// standard errors.
	Repeats int
	// LR is QBVI's β and Samples its draws per step; Factors the rank of
	// its factor covariance.
	LR      float64
	Samples int
	Factors int
	// AdamLR and BBVISamples are the baseline's learning rate and draws
	// per step.
	AdamLR      float64
	BBVISamples int
	// LinearN and LinearD are the linear regression's rows and parameters.
	LinearN, LinearD int
	// Particles and Moves are the logistic reference's SMC particles and
	// its HMC moves at temperature 1; PriorVar its prior variance.
	Particles, Moves int
	PriorVar         float64
	Seed             uint64
}

// Quick and Full are the notebook's two settings. The reference code
// (Run_QBVI_logistic.m) runs 500 iterations of β = 0.08 with S = 25 draws,
// gradient clipping and momentum; without those, QBVI here needs more
// draws far from the posterior (S = 200 with β = 0.1; S = 50 or β = 0.2
// stall on the linear problem, the noise of G inflating the precision
// through the β²GΣG/2 term). Full runs 2000 steps and 10 runs of each
// method on the same problems, with a reference of 1000 particles and 200
// further HMC transitions.
var (
	Quick = Config{Iters: 400, Record: 20, EvalDraws: 200, Repeats: 3, LR: 0.1, Samples: 200, Factors: 2,
		AdamLR: 0.05, BBVISamples: 10, LinearN: 200, LinearD: 10, Particles: 200, Moves: 50, PriorVar: 1, Seed: 1}
	Full = Config{Iters: 2000, Record: 50, EvalDraws: 1000, Repeats: 10, LR: 0.1, Samples: 200, Factors: 2,
		AdamLR: 0.05, BBVISamples: 10, LinearN: 200, LinearD: 10, Particles: 1000, Moves: 200, PriorVar: 1, Seed: 1}
)

// Methods are the compared methods, in the order of Result.Traces.
var Methods = []string{"QBVI full", "QBVI diagonal", "QBVI factor", "BBVI full (Adam)", "BBVI diagonal (Adam)"}

// Trace is one method's run, averaged over the repeats: at each recorded
// iteration, the error of the mean (root mean square over the parameters
// of (μᵢ − mᵢ)/sdᵢ), the relative error of the covariance
// (‖Σ − Σ_ref‖_F/‖Σ_ref‖_F) and the ELBO. Final holds the same metrics of
// the average of the last quarter of the iterates, with their standard
// errors over the repeats, and KL the reference's log Z minus the final
// ELBO.
type Trace struct {
	Method                string
	Iter                  []float64
	MeanErr, CovErr, ELBO []float64
	Final                 Metrics
	FinalSE               Metrics
	Seconds               float64 // per run
}

// Metrics are the errors of a Gaussian approximation and its ELBO.
type Metrics struct {
	MeanErr, CovErr, ELBO, KL float64
}

// Result is one problem's comparison.
type Result struct {
	Problem string
	Dim     int
	LogZ    float64
	Exact   bool
	// DiagOptimum is the KL of the best diagonal Gaussian where the
	// posterior is exact (½(Σ log Pᵢᵢ − log det P)), else zero.
	DiagOptimum float64
	// ReferenceSeconds is the time of the reference run (SMC and HMC).
	ReferenceSeconds float64
	Traces           []Trace
}

// RunLinear compares the methods on LinearProblem(cfg.LinearN,
// cfg.LinearD, cfg.Seed).
func RunLinear(cfg Config) (*Result, error) {
	return Run(LinearProblem(cfg.LinearN, cfg.LinearD, cfg.Seed), cfg)
}

// RunVote computes the reference posterior of the vote logistic
// regression (cfg.Particles, cfg.Moves) and compares the methods on it.
func RunVote(a *datasets.ARFF, cfg Config) (*Result, error) {
	p, err := VoteProblem(a, cfg.PriorVar)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if err := Reference(p, cfg.Particles, cfg.Moves, cfg.Seed); err != nil {
		return nil, err
	}
	secs := time.Since(start).Seconds()
	r, err := Run(p, cfg)
	if err != nil {
		return nil, err
	}
	r.ReferenceSeconds = secs
	return r, nil
}

// gauss is a Gaussian approximation.
type gauss struct {
	mean []float64
	cov  *mat.SymDense
}

// runner is one method's state: step takes one step, state returns q.
type runner struct {
	step  func() error
	state func() gauss
}

// newRunner returns method m on p with its own random stream.
func newRunner(m int, p *Problem, cfg Config, rnd *rand.Rand) runner {
	d := p.Dim()
	prec := mat.NewSymDense(d, nil)
	for i := range d {
		prec.SetSym(i, i, 100) // Σ = 0.01 I, as the reference code starts
	}
	switch m {
	case 0, 1:
		q := &optim.QBVI{LogJoint: p.LogJoint, LR: cfg.LR, Samples: cfg.Samples, Diagonal: m == 1, Rand: rnd, Mean: make([]float64, d), Prec: prec}
		return runner{
			step: func() error { _, err := q.Step(); return err },
			state: func() gauss {
				var ch mat.Cholesky
				ch.Factorize(q.Prec)
				cov := mat.NewSymDense(d, nil)
				if err := ch.InverseTo(cov); err != nil {
					panic(err)
				}
				return gauss{append([]float64(nil), q.Mean...), cov}
			},
		}
	case 2:
		q := &optim.QBVI{LogJoint: p.LogJoint, LR: cfg.LR, Samples: cfg.Samples, Factors: cfg.Factors, Rand: rnd, Mean: make([]float64, d)}
		return runner{
			step:  func() error { _, err := q.Step(); return err },
			state: func() gauss { return gauss{append([]float64(nil), q.Mean...), q.FactorCov()} },
		}
	default:
		scale := mat.NewTriDense(d, mat.Lower, nil)
		for i := range d {
			scale.SetTri(i, i, 0.1)
		}
		q := &optim.BBVI{LogJoint: p.LogJointGrad, Samples: cfg.BBVISamples, Diagonal: m == 4,
			Opt: &optim.Adam[float64]{LR: cfg.AdamLR}, Rand: rnd, Mean: make([]float64, d), Scale: scale}
		return runner{
			step:  func() error { _, err := q.Step(); return err },
			state: func() gauss { return gauss{append([]float64(nil), q.Mean...), q.Cov()} },
		}
	}
}

// metrics scores q against p's reference posterior; the ELBO is exact
// (log Z − KL) where the posterior is, else estimated by draws.
func metrics(q gauss, p *Problem, draws int, rnd *rand.Rand) (Metrics, error) {
	d := p.Dim()
	var m Metrics
	for i := range d {
		z := (q.mean[i] - p.Mean[i]) / math.Sqrt(p.Cov.At(i, i))
		m.MeanErr += z * z / float64(d)
	}
	m.MeanErr = math.Sqrt(m.MeanErr)
	var diff mat.Dense
	diff.Sub(q.cov, p.Cov)
	m.CovErr = mat.Norm(&diff, 2) / mat.Norm(p.Cov, 2)
	var ch mat.Cholesky
	if !ch.Factorize(q.cov) {
		return m, fmt.Errorf("qbvi: the covariance of q is not positive definite")
	}
	if p.Exact {
		m.KL = gaussKL(q, p)
		m.ELBO = p.LogZ - m.KL
		return m, nil
	}
	var l mat.TriDense
	ch.LTo(&l)
	z := mat.NewVecDense(d, nil)
	var dev mat.VecDense
	theta := make([]float64, d)
	total := 0.0
	for range draws {
		for i := range d {
			z.SetVec(i, rnd.NormFloat64())
		}
		dev.MulVec(&l, z)
		for i := range d {
			theta[i] = q.mean[i] + dev.AtVec(i)
		}
		total += p.LogJoint(theta)
	}
	entropy := 0.5*float64(d)*(1+math.Log(2*math.Pi)) + 0.5*ch.LogDet()
	m.ELBO = total/float64(draws) + entropy
	m.KL = p.LogZ - m.ELBO
	return m, nil
}

// gaussKL is KL(q ‖ N(p.Mean, p.Cov)).
func gaussKL(q gauss, p *Problem) float64 {
	d := p.Dim()
	var cp, cq mat.Cholesky
	cp.Factorize(p.Cov)
	cq.Factorize(q.cov)
	var ps mat.Dense
	if err := cp.SolveTo(&ps, q.cov); err != nil {
		panic(err)
	}
	diff := mat.NewVecDense(d, nil)
	for i := range d {
		diff.SetVec(i, q.mean[i]-p.Mean[i])
	}
	var sd mat.VecDense
	if err := cp.SolveVecTo(&sd, diff); err != nil {
		panic(err)
	}
	return 0.5 * (mat.Trace(&ps) + mat.Dot(diff, &sd) - float64(d) + cp.LogDet() - cq.LogDet())
}

// Run compares the methods on p, whose reference posterior is set.
func Run(p *Problem, cfg Config) (*Result, error) {
	if cfg.Iters < 4 || cfg.Record < 1 || cfg.Repeats < 1 || cfg.EvalDraws < 1 {
		return nil, fmt.Errorf("qbvi: invalid config %+v", cfg)
	}
	if p.Mean == nil || p.Cov == nil {
		return nil, fmt.Errorf("qbvi: %s has no reference posterior (run Reference)", p.Name)
	}
	res := &Result{Problem: p.Name, Dim: p.Dim(), LogZ: p.LogZ, Exact: p.Exact}
	if p.Exact {
		var ch mat.Cholesky
		ch.Factorize(p.Cov)
		res.DiagOptimum = ch.LogDet()
		for i := range p.Dim() {
			// The best diagonal Gaussian has precisions Pᵢᵢ.
			var e mat.VecDense
			ei := mat.NewVecDense(p.Dim(), nil)
			ei.SetVec(i, 1)
			if err := ch.SolveVecTo(&e, ei); err != nil {
				return nil, err
			}
			res.DiagOptimum += math.Log(e.AtVec(i))
		}
		res.DiagOptimum /= 2
	}
	tail := cfg.Iters / 4
	for m, name := range Methods {
		tr := Trace{Method: name}
		finals := make([][]float64, 4)
		for rep := range cfg.Repeats {
			rnd := rand.New(rand.NewPCG(cfg.Seed, uint64(100*m+rep)))
			r := newRunner(m, p, cfg, rnd)
			avg := gauss{make([]float64, p.Dim()), mat.NewSymDense(p.Dim(), nil)}
			start := time.Now()
			k := 0
			for it := 1; it <= cfg.Iters; it++ {
				if err := r.step(); err != nil {
					return nil, fmt.Errorf("qbvi: %s, run %d, step %d: %w", name, rep, it, err)
				}
				if it > cfg.Iters-tail || it%cfg.Record == 0 {
					q := r.state()
					if it > cfg.Iters-tail {
						for i, v := range q.mean {
							avg.mean[i] += v / float64(tail)
						}
						avg.cov.AddSym(avg.cov, scaled(q.cov, 1/float64(tail)))
					}
					if it%cfg.Record == 0 {
						mt, err := metrics(q, p, cfg.EvalDraws, rnd)
						if err != nil {
							return nil, fmt.Errorf("qbvi: %s, run %d, step %d: %w", name, rep, it, err)
						}
						if rep == 0 {
							tr.Iter = append(tr.Iter, float64(it))
							tr.MeanErr, tr.CovErr, tr.ELBO = append(tr.MeanErr, 0), append(tr.CovErr, 0), append(tr.ELBO, 0)
						}
						f := 1 / float64(cfg.Repeats)
						tr.MeanErr[k] += f * mt.MeanErr
						tr.CovErr[k] += f * mt.CovErr
						tr.ELBO[k] += f * mt.ELBO
						k++
					}
				}
			}
			tr.Seconds += time.Since(start).Seconds() / float64(cfg.Repeats)
			mt, err := metrics(avg, p, 10*cfg.EvalDraws, rnd)
			if err != nil {
				return nil, fmt.Errorf("qbvi: %s, run %d, final: %w", name, rep, err)
			}
			for j, v := range []float64{mt.MeanErr, mt.CovErr, mt.ELBO, mt.KL} {
				finals[j] = append(finals[j], v)
			}
		}
		mean, se := make([]float64, 4), make([]float64, 4)
		for j, xs := range finals {
			mean[j] = stat.Mean(xs, nil)
			if len(xs) > 1 {
				se[j] = stat.StdErr(stat.StdDev(xs, nil), float64(len(xs)))
			}
		}
		tr.Final = Metrics{mean[0], mean[1], mean[2], mean[3]}
		tr.FinalSE = Metrics{se[0], se[1], se[2], se[3]}
		res.Traces = append(res.Traces, tr)
	}
	return res, nil
}

func scaled(a *mat.SymDense, s float64) *mat.SymDense {
	var b mat.SymDense
	b.ScaleSym(s, a)
	return &b
}

// Figures draws the mean error, the covariance error and the ELBO's gap
// to the log evidence, log Z − ELBO = KL(q ‖ posterior), against the
// iterations, one series a method, on log axes. A gap estimated at or
// below zero (by the noise of a Monte Carlo ELBO) is left out.
func Figures(r *Result) (mean, cov, gap viz.Line) {
	mean = viz.Line{Title: r.Problem + ": error of the mean", XLabel: "iteration", YLabel: "RMS of (μᵢ − mᵢ)/sdᵢ", LogY: true}
	cov = viz.Line{Title: r.Problem + ": error of the covariance", XLabel: "iteration", YLabel: "‖Σ − Σ_ref‖/‖Σ_ref‖", LogY: true}
	gap = viz.Line{Title: r.Problem + ": log Z − ELBO", XLabel: "iteration", YLabel: "KL(q ‖ posterior)", LogY: true}
	for _, t := range r.Traces {
		mean.Series = append(mean.Series, viz.Series{Name: t.Method, X: t.Iter, Y: t.MeanErr})
		cov.Series = append(cov.Series, viz.Series{Name: t.Method, X: t.Iter, Y: t.CovErr})
		kl := make([]float64, len(t.ELBO))
		for i, e := range t.ELBO {
			kl[i] = r.LogZ - e
			if !(kl[i] > 0) {
				kl[i] = math.NaN()
			}
		}
		gap.Series = append(gap.Series, viz.Series{Name: t.Method, X: t.Iter, Y: kl})
	}
	return mean, cov, gap
}
