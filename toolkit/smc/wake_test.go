package smc

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// gaussQ is a fixed encoder q(z|x) = N(z; μ, s²) with parameters μ and
// log s, whose score has a closed-form posterior expectation under the
// Gaussian posterior N(m, v): E ∂_μ log q = (m−μ)/s² and
// E ∂_{log s} log q = (v + (m−μ)²)/s² − 1.
type gaussQ struct{ mu, logS *ad.Tensor[float64] }

func (q gaussQ) logProb(z Particles) *ad.Tensor[float64] {
	x := ad.New(z.X, z.K)
	s := ad.Exp(q.logS)
	d := ad.Div(ad.Sub(x, q.mu), s)
	return ad.Sub(ad.MulScalar(ad.Square(d), -0.5), q.logS)
}

func (q gaussQ) exact(m, v float64) (dmu, dlogs float64) {
	mu, s2 := q.mu.Data[0], math.Exp(2*q.logS.Data[0])
	return (m - mu) / s2, (v+(m-mu)*(m-mu))/s2 - 1
}

// TestWakeAConvergesToPosteriorScore runs M = 800 SMC runs of K = 10
// particles on the 1-D model of METHODS.md §4 and checks that estimator (a),
// through WakeLoss and toolkit/ad, gives −E_post ∇ log q for a fixed
// Gaussian q within 4 standard errors of the ratio estimator (delta method
// over runs). The running evidence estimate is z-tested against Z too.
func TestWakeAConvergesToPosteriorScore(t *testing.T) {
	m := normal1D{x: 2, sigma: 0.5}
	s := Sampler{Prior: m.prior(), LogLik: m.lik(), Kernel: RandomWalk{Steps: 5, StepSize: 0.3}}
	rnd := rand.New(rand.NewPCG(41, 42))
	q := gaussQ{mu: ad.Param(ad.New([]float64{0.5}, 1)), logS: ad.Param(ad.New([]float64{math.Log(0.8)}, 1))}
	var rs Runs
	const runs, k = 800, 10
	x := NewParticles(k, 1)
	var zs []float64   // Ẑ_m/Z
	var g [2][]float64 // each run's own weighted ∂_μ log q and ∂_{log s} log q
	for range runs {
		for i := range x.X {
			x.X[i] = rnd.NormFloat64()
		}
		st, _, err := s.Run(rnd, x)
		if err != nil {
			t.Fatal(err)
		}
		if err := rs.Add(rnd, RunOf(st)); err != nil {
			t.Fatal(err)
		}
		zs = append(zs, math.Exp(st.LogZ-m.logZ()))
		var gmu, gls float64
		for i, lw := range st.LogW {
			d := st.X.X[i] - 0.5
			gmu += math.Exp(lw) * d / 0.64
			gls += math.Exp(lw) * (d*d/0.64 - 1)
		}
		g[0] = append(g[0], gmu)
		g[1] = append(g[1], gls)
	}
	z, w := WakeA{}.Weighted(rnd, &rs)
	WakeLoss(q.logProb(z), w).Backward()
	dmu, dlogs := q.exact(1.6, 0.2)
	gotMu, gotLogS := -q.mu.Grad[0], -q.logS.Grad[0]

	// Standard errors of the ratio estimators Σ Ẑ_m g_m / Σ Ẑ_m.
	var sz float64
	for _, v := range zs {
		sz += v
	}
	for c, got := range []float64{gotMu, gotLogS} {
		var v float64
		for i := range zs {
			d := zs[i] * (g[c][i] - got)
			v += d * d
		}
		se := math.Sqrt(v) / sz
		// Two routes to the same number: WakeLoss through toolkit/ad, and
		// the ratio of the runs' own estimates.
		var byHand float64
		for i := range zs {
			byHand += zs[i] * g[c][i] / sz
		}
		if math.Abs(byHand-got) > 1e-9*(1+math.Abs(got)) {
			t.Errorf("estimator (a) through ad %.10f, by hand %.10f", got, byHand)
		}
		want := []float64{dmu, dlogs}[c]
		name := []string{"∂μ", "∂log s"}[c]
		t.Logf("%s: estimate %.4f ± %.4f, exact %.4f", name, got, se, want)
		if zv := (got - want) / se; math.Abs(zv) > 4 {
			t.Errorf("estimator (a) %s = %.4f ± %.4f, want %.4f (z = %.1f)", name, got, se, want, zv)
		}
	}

	mean, zse := meanSE(zs)
	if zv := (math.Exp(rs.LogEvidence()-m.logZ()) - 1) / zse; math.Abs(zv) > 4 || math.Abs(mean-math.Exp(rs.LogEvidence()-m.logZ())) > 1e-9 {
		t.Errorf("running evidence %.4f of Z, mean of runs %.4f ± %.4f", math.Exp(rs.LogEvidence()-m.logZ()), mean, zse)
	}
}

// TestWakeEstimatorsWeights checks the weights of (b) and (c) and PIMH's
// acceptance rule against their definitions on hand-made runs.
func TestWakeEstimatorsWeights(t *testing.T) {
	rnd := rand.New(rand.NewPCG(51, 52))
	mk := func(logZ float64, xs ...float64) Run {
		x := NewParticles(len(xs), 1)
		copy(x.X, xs)
		lw := make([]float64, len(xs))
		for i := range lw {
			lw[i] = math.Log(float64(i+1) / float64(len(xs)*(len(xs)+1)/2))
		}
		return Run{X: x, LogW: lw, LogZ: logZ}
	}
	var rs Runs
	for _, r := range []Run{mk(0, 1, 2, 3), mk(math.Log(3), -1, 5), mk(math.Log(0.5), 4, 0, 2, 7)} {
		if err := rs.Add(rnd, r); err != nil {
			t.Fatal(err)
		}
	}
	dot := func(x Particles, w []float64) float64 {
		var s float64
		for i, v := range x.X {
			s += w[i] * v
		}
		return s
	}
	a := dot(WakeA{}.Weighted(rnd, &rs))
	// By hand: shares 1/4.5, 3/4.5, 0.5/4.5 of the runs' weighted means.
	want := (1*(1*1+2*2+3*3)/6.0 + 3*(-1*1+5*2)/3.0 + 0.5*(4*1+0*2+2*3+7*4)/10.0) / 4.5
	if math.Abs(a-want) > 1e-12 {
		t.Errorf("estimator (a) %.6f, want %.6f", a, want)
	}
	c := WakeC{}
	_, wc := c.Weighted(rnd, &rs)
	if sum := wc[0] + wc[1] + wc[2] + wc[3]; math.Abs(sum-0.5/4.5) > 1e-12 {
		t.Errorf("estimator (c) weights sum to %.6f, want the newest run's share %.6f", sum, 0.5/4.5)
	}
	// (b) resamples within each run: its mean over draws is (a).
	const draws = 4000
	var mb, mb2 float64
	for range draws {
		v := dot(WakeB{Resample: 3}.Weighted(rnd, &rs))
		mb += v
		mb2 += v * v
	}
	mb /= draws
	se := math.Sqrt((mb2/draws - mb*mb) / draws)
	if z := (mb - a) / se; math.Abs(z) > 4 {
		t.Errorf("estimator (b) averages %.4f ± %.4f over draws, want (a) = %.4f", mb, se, a)
	}

	// PIMH replaces a run of Ẑ = 1 by one of Ẑ = 0.3 with probability 0.3.
	const tries = 4000
	replaced := 0
	for range tries {
		p := Runs{PIMH: true}
		_ = p.Add(rnd, mk(0, 1))
		_ = p.Add(rnd, mk(math.Log(0.3), 2))
		if len(p.Stored()) != 1 {
			t.Fatalf("PIMH keeps %d runs", len(p.Stored()))
		}
		if p.Stored()[0].X.X[0] == 2 {
			replaced++
		}
	}
	f := float64(replaced) / tries
	if z := (f - 0.3) / math.Sqrt(0.3*0.7/tries); math.Abs(z) > 4 {
		t.Errorf("PIMH replaced %.4f of the time, want 0.3 (z = %.1f)", f, z)
	}
}

// TestNaiveBiasedWakeAConsistent shows which estimator is consistent: at
// K = 5 particles the naive estimator (the newest run alone), averaged over
// M = 3000 runs, misses the posterior mean 1.6 of METHODS.md §4's model by
// more than 4 standard errors (it converges to the SMC's finite-K bias,
// not to E_post), while estimator (a) over the same runs is within 4
// standard errors of the ratio estimator.
func TestNaiveBiasedWakeAConsistent(t *testing.T) {
	m := normal1D{x: 2, sigma: 0.5}
	s := Sampler{Prior: m.prior(), LogLik: m.lik(), Kernel: RandomWalk{Steps: 5, StepSize: 0.3}}
	rnd := rand.New(rand.NewPCG(71, 72))
	const k, runs = 5, 3000
	var rs Runs
	var naive, zs []float64
	x := NewParticles(k, 1)
	dot := func(z Particles, w []float64) float64 {
		var v float64
		for i := range w {
			v += w[i] * z.X[i]
		}
		return v
	}
	for range runs {
		for i := range x.X {
			x.X[i] = rnd.NormFloat64()
		}
		st, _, err := s.Run(rnd, x)
		if err != nil {
			t.Fatal(err)
		}
		if err := rs.Add(rnd, RunOf(st)); err != nil {
			t.Fatal(err)
		}
		naive = append(naive, dot(Naive{}.Weighted(rnd, &rs)))
		zs = append(zs, math.Exp(st.LogZ-m.logZ()))
	}
	nm, nse := meanSE(naive)
	a := dot(WakeA{}.Weighted(rnd, &rs))
	var sz, v float64
	for _, z := range zs {
		sz += z
	}
	for i, z := range zs {
		d := z * (naive[i] - a) // naive[i] is run i's own weighted mean
		v += d * d
	}
	ase := math.Sqrt(v) / sz
	t.Logf("K=%d, M=%d: naive %.4f ± %.4f, (a) %.4f ± %.4f, exact 1.6", k, runs, nm, nse, a, ase)
	if math.Abs(nm-1.6) < 4*nse {
		t.Errorf("naive estimator %.4f ± %.4f shows no bias against 1.6", nm, nse)
	}
	if z := (a - 1.6) / ase; math.Abs(z) > 4 {
		t.Errorf("estimator (a) %.4f ± %.4f, want 1.6 (z = %.1f)", a, ase, z)
	}
}
