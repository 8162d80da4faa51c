package smc

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Order is the order of weighting and moving within a stage.
type Order int

const (
	// StandardOrder weights the particles before they move (at γ_τ's
	// particles, with (τ'−τ)·log p(x|z)), resamples when the ESS is low and
	// then moves them with a kernel invariant for γ_τ'. Its evidence
	// estimate is unbiased.
	StandardOrder Order = iota
	// ReferenceOrder is the SMC-Wake reference code's ordering: resample
	// when 1/ΣW² ≤ ⌊K/2⌋, move with a kernel invariant for γ_τ', weight the
	// moved particles, and estimate the evidence by Π_t mean_i exp(log w_i)
	// with the log weights accumulated since the last resampling. Its
	// evidence estimate is biased (METHODS.md §4); it exists only to show
	// that.
	ReferenceOrder
)

// Sampler is likelihood-tempered SMC composed from separate values: the
// tempering rule (G_t), the resampler (R_t) and the Markov kernel (M_t).
// The zero values of its fields mean the documented defaults; Prior and
// LogLik are required.
type Sampler struct {
	// Prior is log p(z), LogLik is log p(x|z) for the data at hand. Both are
	// normalised when the evidence is to be the absolute p(x).
	Prior, LogLik Density
	// Tempering chooses the temperatures; nil means Adaptive{} (weighted
	// ESS held at K/2).
	Tempering Tempering
	// Resampler is used when the ESS falls below ResampleESS·K; nil means
	// Systematic{}.
	Resampler Resampler
	// Kernel moves the particles at each stage; nil means
	// RandomWalk{Steps: 5} with its adapted scale.
	Kernel Kernel
	// ResampleESS is the fraction of K below which the population is
	// resampled, in (0, 1]; zero means 0.5. ReferenceOrder ignores it.
	ResampleESS float64
	// MaxStages bounds the number of stages of Run; zero means 1000.
	MaxStages int
	// Order is the order of weighting and moving; the zero value is
	// StandardOrder.
	Order Order
}

// State is the population between stages.
type State struct {
	// X holds the particles.
	X Particles
	// LogW holds the normalised log weights of the particles.
	LogW []float64
	// LogLik holds log p(x|z_i) at the particles.
	LogLik []float64
	// Temperature is τ of the current target γ_τ.
	Temperature float64
	// LogZ is the running estimate of log Z_τ = log ∫ p(z) p(x|z)^τ dz.
	LogZ float64
	// Stage counts the stages done.
	Stage int

	// refLogW holds ReferenceOrder's log weights accumulated since the last
	// resampling.
	refLogW []float64
}

// Info records one stage, for diagnostics and figures.
type Info struct {
	Stage       int
	Temperature float64 // τ' reached at the end of the stage
	// ESS is the effective sample size after weighting, before resampling.
	ESS float64
	// LogZIncrement is the stage's log l_t; the sum over stages is log Ẑ.
	LogZIncrement float64
	Resampled     bool
	// Acceptance is the kernel's mean acceptance rate at this stage.
	Acceptance float64
}

// Init returns the state at temperature 0 for particles x drawn from the
// prior by the caller. The state owns x.
func (s Sampler) Init(x Particles) (*State, error) {
	x.check("smc.Sampler.Init")
	if s.Prior == nil || s.LogLik == nil {
		return nil, fmt.Errorf("smc: a Sampler needs a Prior and a LogLik")
	}
	st := &State{X: x, LogW: make([]float64, x.K), LogLik: make([]float64, x.K)}
	for i := range st.LogW {
		st.LogW[i] = -math.Log(float64(x.K))
	}
	if err := s.logLik(st); err != nil {
		return nil, err
	}
	if s.Order == ReferenceOrder {
		st.refLogW = make([]float64, x.K)
	}
	return st, nil
}

// logLik evaluates the log-likelihood at the particles and rejects NaN and
// +Inf; −Inf is a zero likelihood.
func (s Sampler) logLik(st *State) error {
	s.LogLik.LogDensity(st.LogLik, st.X)
	for i, v := range st.LogLik {
		if math.IsNaN(v) || math.IsInf(v, 1) {
			return fmt.Errorf("smc: stage %d: particle %d has log-likelihood %v (it must be finite or −Inf)", st.Stage, i, v)
		}
	}
	return nil
}

func (s Sampler) defaults() (Tempering, Resampler, Kernel, float64, error) {
	t, r, k, f := s.Tempering, s.Resampler, s.Kernel, s.ResampleESS
	if t == nil {
		t = Adaptive{}
	}
	if r == nil {
		r = Systematic{}
	}
	if k == nil {
		k = RandomWalk{Steps: 5}
	}
	if f == 0 {
		f = 0.5
	}
	if !(f > 0 && f <= 1) {
		return nil, nil, nil, 0, fmt.Errorf("smc: ResampleESS %g outside (0, 1]", s.ResampleESS)
	}
	if s.Order != StandardOrder && s.Order != ReferenceOrder {
		return nil, nil, nil, 0, fmt.Errorf("smc: unknown Order %d", s.Order)
	}
	return t, r, k, f, nil
}

// Step advances st by one stage and reports it.
func (s Sampler) Step(rnd *rand.Rand, st *State) (Info, error) {
	if st.Temperature >= 1 {
		return Info{}, fmt.Errorf("smc: stage %d: the sampler is already at temperature 1", st.Stage)
	}
	if s.Order == ReferenceOrder {
		return s.referenceStep(rnd, st)
	}
	temper, resampler, kernel, frac, err := s.defaults()
	if err != nil {
		return Info{}, err
	}
	st.Stage++
	info := Info{Stage: st.Stage}
	next, err := temper.Next(st.Temperature, st.LogW, st.LogLik)
	if err != nil {
		return info, fmt.Errorf("%w (stage %d)", err, st.Stage)
	}
	delta := next - st.Temperature
	for i, l := range st.LogLik {
		st.LogW[i] += delta * l // δ > 0, so a zero likelihood stays a zero weight
	}
	inc, err := weigh(st)
	if err != nil {
		return info, err
	}
	info.LogZIncrement = inc
	info.Temperature = next
	st.LogZ += inc
	st.Temperature = next
	info.ESS = ESS(st.LogW)
	if info.ESS < frac*float64(st.X.K) {
		resample(rnd, resampler, st)
		info.Resampled = true
	}
	target := Tempered{Prior: s.Prior, LogLik: s.LogLik, Temperature: next}
	if info.Acceptance, err = kernel.Move(rnd, st.X, target); err != nil {
		return info, err
	}
	return info, s.logLik(st)
}

// referenceStep is a stage in ReferenceOrder.
func (s Sampler) referenceStep(rnd *rand.Rand, st *State) (Info, error) {
	temper, resampler, kernel, _, err := s.defaults()
	if err != nil {
		return Info{}, err
	}
	st.Stage++
	info := Info{Stage: st.Stage}
	k := st.X.K
	if st.refLogW == nil { // a state made by a StandardOrder sampler
		st.refLogW = append([]float64(nil), st.LogW...)
	}
	if ESS(st.LogW) <= math.Floor(float64(k)/2) {
		resample(rnd, resampler, st)
		clear(st.refLogW)
		info.Resampled = true
	}
	next, err := temper.Next(st.Temperature, st.LogW, st.LogLik)
	if err != nil {
		return info, fmt.Errorf("%w (stage %d)", err, st.Stage)
	}
	delta := next - st.Temperature
	target := Tempered{Prior: s.Prior, LogLik: s.LogLik, Temperature: next}
	if info.Acceptance, err = kernel.Move(rnd, st.X, target); err != nil {
		return info, err
	}
	if err := s.logLik(st); err != nil {
		return info, err
	}
	for i, l := range st.LogLik {
		st.refLogW[i] += delta * l
	}
	copy(st.LogW, st.refLogW)
	lse, err := weigh(st)
	if err != nil {
		return info, err
	}
	// The reference's l_t: the mean of the accumulated weights, which is
	// the stage's increment only when the previous stage resampled.
	info.LogZIncrement = lse - math.Log(float64(k))
	st.LogZ += info.LogZIncrement
	st.Temperature = next
	info.Temperature = next
	info.ESS = ESS(st.LogW)
	return info, nil
}

// weigh normalises st.LogW and returns the log of their sum.
func weigh(st *State) (float64, error) {
	lse := normalise(st.LogW)
	if math.IsNaN(lse) || math.IsInf(lse, 0) {
		return 0, fmt.Errorf("smc: stage %d: the weights sum to %v (every particle has zero likelihood, or an overflow)", st.Stage, math.Exp(lse))
	}
	return lse, nil
}

// resample replaces the population by a resampled one with equal weights.
func resample(rnd *rand.Rand, r Resampler, st *State) {
	k := st.X.K
	w := make([]float64, k)
	for i, lw := range st.LogW {
		w[i] = math.Exp(lw)
	}
	idx := make([]int, k)
	r.Resample(rnd, idx, w)
	src := st.X.Clone()
	gather(st.X, src, idx)
	ll := append([]float64(nil), st.LogLik...)
	for i, j := range idx {
		st.LogLik[i] = ll[j]
		st.LogW[i] = -math.Log(float64(k))
	}
}

// Run runs stages from the prior particles x until the temperature is 1
// and returns the final state and the record of every stage.
func (s Sampler) Run(rnd *rand.Rand, x Particles) (*State, []Info, error) {
	st, err := s.Init(x)
	if err != nil {
		return nil, nil, err
	}
	maxStages := s.MaxStages
	if maxStages < 0 {
		return nil, nil, fmt.Errorf("smc: MaxStages %d must be ≥ 0", maxStages)
	}
	if maxStages == 0 {
		maxStages = 1000
	}
	var infos []Info
	for st.Temperature < 1 {
		if st.Stage == maxStages {
			return st, infos, fmt.Errorf("%w: stage %d reached MaxStages at temperature %g (ESS %.1f of %d)",
				ErrStuck, st.Stage, st.Temperature, ESS(st.LogW), st.X.K)
		}
		info, err := s.Step(rnd, st)
		if err != nil {
			return st, infos, err
		}
		infos = append(infos, info)
	}
	return st, infos, nil
}
