package smcwake

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"

	"github.com/stochgrad/stochgrad/toolkit/smc"
)

// Consistency is the setting of the consistency study: on one observation
// of a Gaussian model, a fixed q = N(m + Shift, (Scale·σ_post)²) whose
// posterior score E_p ∇ log q is known in closed form, and Reps
// independent sequences of SMC runs (K particles, Moves random-walk steps
// per stage) whose estimates are read after each number of runs in Runs.
type Consistency struct {
	D, N         int
	Tau          float64
	K, Moves     int
	Runs         []int
	Reps         int
	Shift, Scale float64
	Seed         uint64
}

// Estimators of the consistency study, in the order of its rows.
var Estimators = []string{"naive", "(a)", "(b)", "PIMH"}

// ConsistencyRow is one estimator after M runs of K particles: the norm of its bias,
// ‖E ĝ − g‖, its root-mean-square error, and the bias's noise floor
// √(tr Var ĝ / Reps), each relative to ‖g‖.
type ConsistencyRow struct {
	Estimator         string
	K, M              int
	Bias, RMSE, Floor float64
}

// RunConsistency runs the study.
func RunConsistency(c Consistency) ([]ConsistencyRow, error) {
	if c.D < 1 || c.N < c.D || c.K < 2 || c.Moves < 1 || c.Reps < 2 || len(c.Runs) == 0 || c.Runs[0] < 1 || !(c.Scale > 0) {
		return nil, fmt.Errorf("smcwake: invalid consistency setting %+v", c)
	}
	for i := 1; i < len(c.Runs); i++ {
		if c.Runs[i] <= c.Runs[i-1] {
			return nil, fmt.Errorf("smcwake: consistency run counts %v not increasing", c.Runs)
		}
	}
	g, p := NewGaussian(c.D, c.N, 1, c.Tau, c.Moves, c.Seed)
	x, m := p.X[0], g.Mean[0]
	mu, s := make([]float64, c.D), make([]float64, c.D)
	exact := make([]float64, 2*c.D)
	for j := range c.D {
		sp := math.Sqrt(g.Cov.At(j, j))
		mu[j], s[j] = m[j]+c.Shift*sp, c.Scale*sp
		d := m[j] - mu[j]
		exact[j] = d / (s[j] * s[j])
		exact[c.D+j] = (g.Cov.At(j, j)+d*d)/(s[j]*s[j]) - 1
	}
	sampler := p.Sampler(x)
	score := func(z smc.Particles, w []float64) []float64 {
		out := make([]float64, 2*c.D)
		for k, wk := range w {
			for j, v := range z.Row(k) {
				d := (v - mu[j]) / s[j]
				out[j] += wk * d / s[j]
				out[c.D+j] += wk * (d*d - 1)
			}
		}
		return out
	}
	mmax := c.Runs[len(c.Runs)-1]
	// est[e][r][i] is estimator e's ĝ in replicate r after c.Runs[i] runs.
	est := make([][][][]float64, len(Estimators))
	for e := range est {
		est[e] = make([][][]float64, c.Reps)
	}
	// Each replicate has its own stream, so that they run concurrently
	// with the same result.
	errs := make([]error, c.Reps)
	rep := func(r int) error {
		rnd := rand.New(rand.NewPCG(c.Seed, 61+uint64(r)))
		var all, pimh smc.Runs
		pimh.PIMH = true
		next := 0
		for mm := 1; mm <= mmax; mm++ {
			st, _, err := sampler.Run(rnd, p.Prior(rnd, c.K))
			if err != nil {
				return err
			}
			run := smc.RunOf(st)
			if err := all.Add(rnd, run); err != nil {
				return err
			}
			if err := pimh.Add(rnd, run); err != nil {
				return err
			}
			if mm != c.Runs[next] {
				continue
			}
			next++
			for e, est1 := range []smc.WakeEstimator{smc.Naive{}, smc.WakeA{}, smc.WakeB{Resample: 10}, smc.Naive{}} {
				rs := &all
				if e == 3 {
					rs = &pimh
				}
				z, w := est1.Weighted(rnd, rs)
				est[e][r] = append(est[e][r], score(z, w))
			}
		}
		return nil
	}
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for k := range workers {
		wg.Go(func() {
			for r := k; r < c.Reps; r += workers {
				errs[r] = rep(r)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	norm := 0.0
	for _, v := range exact {
		norm += v * v
	}
	norm = math.Sqrt(norm)
	var rows []ConsistencyRow
	for e, name := range Estimators {
		for i, mm := range c.Runs {
			var bias2, mse, vr float64
			for j := range exact {
				var mean, m2 float64
				for r := range c.Reps {
					v := est[e][r][i][j]
					mean += v
					m2 += v * v
					mse += (v - exact[j]) * (v - exact[j])
				}
				n := float64(c.Reps)
				mean /= n
				bias2 += (mean - exact[j]) * (mean - exact[j])
				vr += (m2/n - mean*mean) * n / (n - 1)
			}
			rows = append(rows, ConsistencyRow{Estimator: name, K: c.K, M: mm,
				Bias: math.Sqrt(bias2) / norm, RMSE: math.Sqrt(mse/float64(c.Reps)) / norm, Floor: math.Sqrt(vr/float64(c.Reps)) / norm})
		}
	}
	return rows, nil
}

// RunNaiveK measures the naive estimator after a single run at each number
// of particles in ks, the other settings as in c: its bias falls with K,
// the only way it can fall.
func RunNaiveK(c Consistency, ks []int) ([]ConsistencyRow, error) {
	var rows []ConsistencyRow
	for _, k := range ks {
		ck := c
		ck.K, ck.Runs = k, []int{1}
		r, err := RunConsistency(ck)
		if err != nil {
			return nil, err
		}
		rows = append(rows, Find(r, "naive", 1))
	}
	return rows, nil
}
