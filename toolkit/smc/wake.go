package smc

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// This file holds SMC-Wake (McNamara, Loper and Regier, AISTATS 2024):
// fitting an amortised encoder q(z|x) by the inclusive KL, whose gradient
// −E_{p(z|x)} ∇ log q(z|x) is estimated from likelihood-tempered SMC runs
// started from the prior, so that the samples never depend on q.

// Run is what SMC-Wake keeps of one SMC run for one data point: the final
// particles, their normalised log weights and the evidence estimate log Ẑ.
type Run struct {
	X    Particles
	LogW []float64
	LogZ float64
}

// RunOf returns a copy of the Run of a finished sampler state, so that the
// caller may reuse the state's particles for the next run.
func RunOf(st *State) Run {
	return Run{X: st.X.Clone(), LogW: append([]float64(nil), st.LogW...), LogZ: st.LogZ}
}

// Runs holds the SMC runs of one data point across the iterations of
// SMC-Wake, with the running estimate of its normalising constant.
type Runs struct {
	// Keep, when positive, stores only Keep particles of each run, drawn in
	// proportion to their weights (the reference keeps 10 for estimator
	// (b)); zero stores every particle.
	Keep int
	// PIMH, when true, keeps a single run that each new run replaces with
	// probability min(1, Ẑ_new/Ẑ_kept): particle-independent
	// Metropolis-Hastings over runs, whose kept run is asymptotically an
	// exact draw of the SMC's extended target.
	PIMH bool

	runs    []Run
	n       int     // runs added, including those PIMH discarded
	logSumZ float64 // log Σ_m Ẑ_m over every run added
}

// Add stores run r, or under PIMH decides whether r replaces the kept run.
func (rs *Runs) Add(rnd *rand.Rand, r Run) error {
	if math.IsNaN(r.LogZ) || math.IsInf(r.LogZ, 1) {
		return fmt.Errorf("smc: run %d has evidence estimate log Ẑ = %v", rs.n, r.LogZ)
	}
	if rs.Keep < 0 {
		return fmt.Errorf("smc: Runs.Keep %d must be ≥ 0", rs.Keep)
	}
	if rs.n == 0 {
		rs.logSumZ = r.LogZ
	} else {
		rs.logSumZ = logAddExp(rs.logSumZ, r.LogZ)
	}
	rs.n++
	if rs.Keep > 0 {
		r = keep(rnd, r, rs.Keep)
	}
	switch {
	case !rs.PIMH:
		rs.runs = append(rs.runs, r)
	case len(rs.runs) == 0 || math.Log(rnd.Float64()) < r.LogZ-rs.runs[0].LogZ:
		rs.runs = append(rs.runs[:0], r)
	}
	return nil
}

// keep returns n particles of r drawn in proportion to its weights, with
// equal weights.
func keep(rnd *rand.Rand, r Run, n int) Run {
	idx := make([]int, n)
	Multinomial{}.Resample(rnd, idx, expWeights(r.LogW))
	x := NewParticles(n, r.X.D)
	gather(x, r.X, idx)
	lw := make([]float64, n)
	for i := range lw {
		lw[i] = -math.Log(float64(n))
	}
	return Run{X: x, LogW: lw, LogZ: r.LogZ}
}

// Len returns the number of runs added.
func (rs *Runs) Len() int { return rs.n }

// LogEvidence returns log((1/M) Σ_m Ẑ_m) over the M runs added: the
// running estimate of log p(x), whose exponential is unbiased for p(x).
func (rs *Runs) LogEvidence() float64 {
	return rs.logSumZ - math.Log(float64(rs.n))
}

// Stored returns the runs kept (one under PIMH).
func (rs *Runs) Stored() []Run { return rs.runs }

// WakeEstimator chooses weighted particles from a data point's runs so that
// Σ_j w_j ∇ log q(z_j|x) estimates E_{p(z|x)} ∇ log q(z|x). WakeLoss turns
// them into a loss to differentiate.
type WakeEstimator interface {
	Weighted(rnd *rand.Rand, rs *Runs) (Particles, []float64)
}

// Naive uses the newest run alone, Σ_k W_M^k ∇ log q(z_M^k): biased for a
// finite number of particles. Under PIMH the newest run is the kept one,
// and this is the PIMH estimator.
type Naive struct{}

// Weighted implements WakeEstimator.
func (Naive) Weighted(_ *rand.Rand, rs *Runs) (Particles, []float64) {
	r := newest("Naive", rs)
	return r.X, expWeights(r.LogW)
}

// WakeA is estimator (a): every run, weighted by its share of the evidence
// estimates, Σ_m (Ẑ_m/Σ_m' Ẑ_m') Σ_k W_m^k ∇ log q(z_m^k). It is
// consistent as the number of runs grows at a fixed number of particles,
// since E[Ẑ Σ_k W^k f(z^k)] = Z·E_post f.
type WakeA struct {
	// Subsample, when positive, draws that many runs from their evidence
	// shares and averages them, as the reference does with 10; zero uses
	// every run with its exact share.
	Subsample int
}

// Weighted implements WakeEstimator.
func (e WakeA) Weighted(rnd *rand.Rand, rs *Runs) (Particles, []float64) {
	runs := rs.Stored()
	if len(runs) == 0 {
		panic("smc.WakeA: no runs")
	}
	share := shares(runs)
	if e.Subsample > 0 {
		idx := make([]int, e.Subsample)
		Multinomial{}.Resample(rnd, idx, share)
		picked := make([]Run, len(idx))
		for i, j := range idx {
			picked[i] = runs[j]
		}
		runs = picked
		share = make([]float64, len(idx))
		for i := range share {
			share[i] = 1 / float64(len(idx))
		}
	}
	return stack(runs, share)
}

// WakeB is estimator (b): from every run, Resample particles drawn in
// proportion to its weights, weighted by the run's evidence share. With
// Runs.Keep set the draws happen once, when a run is stored, and this is
// WakeA on the kept particles.
type WakeB struct {
	// Resample is the number of particles drawn per run; zero means 10.
	Resample int
}

// Weighted implements WakeEstimator.
func (e WakeB) Weighted(rnd *rand.Rand, rs *Runs) (Particles, []float64) {
	runs := rs.Stored()
	if len(runs) == 0 {
		panic("smc.WakeB: no runs")
	}
	n := e.Resample
	if n <= 0 {
		n = 10
	}
	kept := make([]Run, len(runs))
	for i, r := range runs {
		kept[i] = keep(rnd, r, n)
	}
	return stack(kept, shares(runs))
}

// WakeC is estimator (c): the newest run alone, scaled by its share of the
// evidence estimates Ẑ_M/Σ_m Ẑ_m, a factor that shrinks like 1/M.
type WakeC struct{}

// Weighted implements WakeEstimator.
func (WakeC) Weighted(_ *rand.Rand, rs *Runs) (Particles, []float64) {
	r := newest("WakeC", rs)
	w := expWeights(r.LogW)
	floats.Scale(math.Exp(r.LogZ-rs.logSumZ), w)
	return r.X, w
}

// WakeLoss returns −Σ_j w_j log q(z_j|x), the surrogate whose gradient
// with respect to the encoder's parameters is the negated estimate of
// E_post ∇ log q: minimising it descends the inclusive KL. logq holds the
// encoder's log densities of the weighted particles, in their order.
func WakeLoss(logq *ad.Tensor[float64], w []float64) *ad.Tensor[float64] {
	if logq.Len() != len(w) {
		panic(fmt.Sprintf("smc.WakeLoss: %d log densities for %d weights", logq.Len(), len(w)))
	}
	return ad.Neg(ad.Sum(ad.Mul(ad.Reshape(logq, len(w)), ad.New(append([]float64(nil), w...), len(w)))))
}

func newest(op string, rs *Runs) Run {
	if len(rs.runs) == 0 {
		panic(fmt.Sprintf("smc.%s: no runs", op))
	}
	return rs.runs[len(rs.runs)-1]
}

// shares returns Ẑ_m/Σ_m' Ẑ_m' over runs.
func shares(runs []Run) []float64 {
	lz := make([]float64, len(runs))
	for i, r := range runs {
		lz[i] = r.LogZ
	}
	normalise(lz)
	return expWeights(lz)
}

// stack puts the particles of runs into one population, each weighted by
// its run's share times its weight within the run.
func stack(runs []Run, share []float64) (Particles, []float64) {
	k := 0
	for _, r := range runs {
		k += r.X.K
	}
	x := NewParticles(k, runs[0].X.D)
	w := make([]float64, 0, k)
	off := 0
	for m, r := range runs {
		copy(x.X[off:], r.X.X)
		off += len(r.X.X)
		for _, lw := range r.LogW {
			w = append(w, share[m]*math.Exp(lw))
		}
	}
	return x, w
}

func expWeights(logw []float64) []float64 {
	w := make([]float64, len(logw))
	for i, v := range logw {
		w[i] = math.Exp(v)
	}
	return w
}

func logAddExp(a, b float64) float64 {
	if a < b {
		a, b = b, a
	}
	if math.IsInf(b, -1) {
		return a
	}
	return a + math.Log1p(math.Exp(b-a))
}
