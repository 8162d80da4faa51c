package vi

import (
	"math"
	"testing"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"gonum.org/v1/gonum/mat"
)

// posterior returns the mean and the marginal variances of p(z | x) for
// the linear-Gaussian model: precision I + W Wᵀ/σ², mean P⁻¹ W (x − B)/σ².
func (m *linGauss) posterior(x []float64) (mean, vars []float64) {
	l, d := m.W.Dim(0), m.W.Dim(1)
	w := mat.NewDense(l, d, m.W.Data)
	var p mat.SymDense
	p.SymOuterK(1/(m.Sigma*m.Sigma), w)
	for i := range l {
		p.SetSym(i, i, p.At(i, i)+1)
	}
	var ch mat.Cholesky
	if !ch.Factorize(&p) {
		panic("posterior precision not positive definite")
	}
	var cov mat.SymDense
	if err := ch.InverseTo(&cov); err != nil {
		panic(err)
	}
	r := mat.NewVecDense(d, nil)
	for i := range d {
		r.SetVec(i, (x[i]-m.B.Data[i])/(m.Sigma*m.Sigma))
	}
	var wr, mu mat.VecDense
	wr.MulVec(w, r)
	mu.MulVec(&cov, &wr)
	for i := range l {
		mean = append(mean, mu.AtVec(i))
		vars = append(vars, cov.At(i, i))
	}
	return mean, vars
}

// wakeQGrads returns, over reps calls of WakeQ with the given samples on
// one example x, the gradient of the surrogate with respect to q's offset C
// and log-scale Log, one slice per coordinate.
func wakeQGrads(m *linGauss, x []float64, samples, reps int) (dc, dlog [][]float64) {
	l := m.C.Len()
	dc, dlog = make([][]float64, l), make([][]float64, l)
	rnd := newRand(9)
	xt := repeatRows(x, 1)
	for range reps {
		for _, p := range m.phi() {
			p.ZeroGrad()
		}
		WakeQ(rnd, m, xt, samples).Loss.Backward()
		for i := range l {
			dc[i] = append(dc[i], m.C.Grad[i])
			dlog[i] = append(dlog[i], m.Log.Grad[i])
		}
	}
	return dc, dlog
}

// TestWakeQConvergesToPosteriorScore checks that with many draws the
// surrogate's gradient is −E_post ∇ log q, in closed form for a Gaussian q
// and the linear-Gaussian posterior: ∂_C = −(m − μ)/s², ∂_Log =
// −((v + (m − μ)²)/s² − 1). The self-normalised bias at S = 4000 is far
// below the standard error of 400 repetitions.
func TestWakeQConvergesToPosteriorScore(t *testing.T) {
	m := newLinGauss(newRand(5), 2, 3)
	x := []float64{0.3, -0.5, 0.8}
	post, vars := m.posterior(x)
	mu := ad.Add(ad.MatMul(repeatRows(x, 1), m.A), m.C).Data
	dc, dlog := wakeQGrads(m, x, 4000, 400)
	for i := range post {
		s2 := math.Exp(2 * m.Log.Data[i])
		d := post[i] - mu[i]
		checkMean(t, "∂C", dc[i], -d/s2)
		checkMean(t, "∂Log", dlog[i], -((vars[i]+d*d)/s2 - 1))
	}
}

// TestWakeQOneSampleHasZeroMean checks the bias of the smallest S: with one
// draw its weight is 1 and the gradient is the score of q at its own draw,
// whose expectation is zero whatever the posterior.
func TestWakeQOneSampleHasZeroMean(t *testing.T) {
	m := newLinGauss(newRand(6), 2, 3)
	dc, dlog := wakeQGrads(m, []float64{1, 0.2, -0.4}, 1, 4000)
	for i := range dc {
		checkMean(t, "∂C", dc[i], 0)
		checkMean(t, "∂Log", dlog[i], 0)
	}
}

// TestWakeQBound checks that the returned bound is the IWAE bound: it
// rises towards log p(x) with the number of draws.
func TestWakeQBound(t *testing.T) {
	m := newLinGauss(newRand(7), 2, 3)
	x := []float64{0.1, 0.4, -0.2}
	rnd := newRand(8)
	var b1, b100 []float64
	for range 300 {
		b1 = append(b1, WakeQ(rnd, m, repeatRows(x, 1), 1).Bound[0])
		b100 = append(b100, WakeQ(rnd, m, repeatRows(x, 1), 100).Bound[0])
	}
	lp := m.logMarginal(x)
	m1, _ := meanSE(b1)
	m100, se100 := meanSE(b100)
	if !(m1 < m100 && m100 < lp+zMax*se100) {
		t.Errorf("bounds: S=1 %.4f, S=100 %.4f, log p(x) %.4f", m1, m100, lp)
	}
}
