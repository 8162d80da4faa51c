package estimators_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stochgrad/stochgrad/estimators"
	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
	"github.com/stochgrad/stochgrad/toolkit/solvers"
)

// softmax returns exp(x)/Σexp(x).
func softmax(x []float64) []float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = max(m, v)
	}
	out := make([]float64, len(x))
	s := 0.0
	for i, v := range x {
		out[i] = math.Exp(v - m)
		s += out[i]
	}
	for i := range out {
		out[i] /= s
	}
	return out
}

// axpy returns x + a·y.
func axpy(x []float64, a float64, y []float64) []float64 {
	out := make([]float64, len(x))
	for i := range x {
		out[i] = x[i] + a*y[i]
	}
	return out
}

// softmaxJVP returns (diag p − p pᵀ)·v with p = softmax(theta): the exact
// gradient of ⟨v, E[argmax(θ + Gumbel)]⟩.
func softmaxJVP(theta, v []float64) []float64 {
	p := softmax(theta)
	dot := 0.0
	for i := range p {
		dot += p[i] * v[i]
	}
	out := make([]float64, len(p))
	for i := range p {
		out[i] = p[i] * (v[i] - dot)
	}
	return out
}

// expectedIMLE returns the exact expectation of the scaled I-MLE gradient
// on Argmax with standard Gumbel noise (τ = 1, α = 1), where
// E[MAP(θ' + ε)] = softmax(θ') exactly.
func expectedIMLE(theta, dy []float64, lambda float64, d estimators.Difference) []float64 {
	left := softmax(theta)
	h := 1.0
	if d == estimators.Central {
		left = softmax(axpy(theta, lambda, dy))
		h = 0.5
	}
	right := softmax(axpy(theta, -lambda, dy))
	out := make([]float64, len(theta))
	for i := range out {
		out[i] = h * (left[i] - right[i]) / lambda
	}
	return out
}

// repeatRows returns n copies of row as an [n, len(row)] tensor.
func repeatRows(row []float64, n int) *ad.Tensor[float64] {
	t := ad.Zeros[float64](n, len(row))
	for i := range n {
		copy(t.Data[i*len(row):], row)
	}
	return t
}

// meanSE returns the per-column mean and standard error of an [n, d]
// matrix of independent rows.
func meanSE(x []float64, n, d int) (mean, se []float64) {
	mean, se = make([]float64, d), make([]float64, d)
	for i := range n {
		for j := range d {
			mean[j] += x[i*d+j]
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	for i := range n {
		for j := range d {
			r := x[i*d+j] - mean[j]
			se[j] += r * r
		}
	}
	for j := range se {
		se[j] = math.Sqrt(se[j] / float64(n-1) / float64(n))
	}
	return mean, se
}

var (
	testTheta = []float64{0.5, -0.3, 1.2, 0.1}
	testDy    = []float64{0.4, -1.1, 0.3, 0.8}
)

// imleRowGradients returns one I-MLE gradient per independent sample: n
// copies of theta, one sample each, the same dy on every row.
func imleRowGradients(m estimators.IMLE[float64], rnd *rand.Rand, theta, dy []float64, n int) []float64 {
	th := ad.Param(repeatRows(theta, n))
	z := m.Apply(rnd, th)
	s := max(m.Samples, 1)
	z.BackwardWith(ad.Reshape(repeatRows(dy, n*s), n, s, len(dy)))
	return th.Grad
}

// TestIMLEArgmaxGumbelUnbiased checks the estimator against its exact
// expectation: with Gumbel noise on Argmax, E[MAP(θ'+ε)] = softmax(θ'), so
// E[g] is known in closed form for every λ. A z-test with 200000 samples
// per difference.
func TestIMLEArgmaxGumbelUnbiased(t *testing.T) {
	const n = 200000
	for _, diff := range []estimators.Difference{estimators.Forward, estimators.Central} {
		for _, lambda := range []float64{0.05, 0.5} {
			rnd := rand.New(rand.NewPCG(7, uint64(diff)))
			m := estimators.IMLE[float64]{
				Solver:     solvers.Argmax[float64]{},
				Noise:      distributions.StandardGumbel[float64]{},
				Target:     estimators.PerturbationTarget[float64]{Alpha: 1, Lambda: lambda},
				Difference: diff,
			}
			g := imleRowGradients(m, rnd, testTheta, testDy, n)
			mean, se := meanSE(g, n, len(testTheta))
			want := expectedIMLE(testTheta, testDy, lambda, diff)
			for j := range want {
				if z := (mean[j] - want[j]) / se[j]; math.Abs(z) > 4.5 {
					t.Errorf("%v λ=%v: entry %d: estimate %.5f ± %.5f, exact expectation %.5f (z = %.1f)", diff, lambda, j, mean[j], se[j], want[j], z)
				}
			}
			t.Logf("%v λ=%v: estimate %.4f, exact E[g] %.4f, limit (diag p − ppᵀ)dy %.4f", diff, lambda, mean, want, softmaxJVP(testTheta, testDy))
		}
	}
}

// TestIMLEBiasOrder checks that the bias of E[g] against the true gradient
// (diag p − ppᵀ)dy is O(λ) for forward and O(λ²) for central differences:
// halving λ halves the forward error and quarters the central one.
func TestIMLEBiasOrder(t *testing.T) {
	truth := softmaxJVP(testTheta, testDy)
	errAt := func(lambda float64, d estimators.Difference) float64 {
		e := expectedIMLE(testTheta, testDy, lambda, d)
		s := 0.0
		for i := range e {
			s += (e[i] - truth[i]) * (e[i] - truth[i])
		}
		return math.Sqrt(s)
	}
	for _, c := range []struct {
		d      estimators.Difference
		ratio  float64
		lambda float64
	}{{estimators.Forward, 2, 0.05}, {estimators.Central, 4, 0.05}} {
		e1, e2 := errAt(c.lambda, c.d), errAt(c.lambda/2, c.d)
		r := e1 / e2
		t.Logf("%v: error %.3g at λ=%v, %.3g at λ=%v, ratio %.3f", c.d, e1, c.lambda, e2, c.lambda/2, r)
		if math.Abs(r-c.ratio) > 0.05*c.ratio {
			t.Errorf("%v: error ratio when halving λ = %.3f, want ≈ %v", c.d, r, c.ratio)
		}
	}
	// For the record, Monte Carlo estimates at λ = 0.05 (the setting of
	// METHODS.md's example); TestIMLEArgmaxGumbelUnbiased tests them.
	const n = 400000
	for _, d := range []estimators.Difference{estimators.Forward, estimators.Central} {
		m := estimators.IMLE[float64]{Solver: solvers.Argmax[float64]{}, Noise: distributions.StandardGumbel[float64]{},
			Target: estimators.PerturbationTarget[float64]{Alpha: 1, Lambda: 0.05}, Difference: d}
		mean, se := meanSE(imleRowGradients(m, rand.New(rand.NewPCG(11, 12)), testTheta, testDy, n), n, 4)
		t.Logf("Monte Carlo %v λ=0.05: %.4f (se ≤ %.4f); exact %.4f", d, mean, slicesMax(se), truth)
	}
}

func slicesMax(x []float64) float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = max(m, v)
	}
	return m
}

// TestIMLEZero checks that λ = 0 or dy = 0 give exactly zero gradients.
func TestIMLEZero(t *testing.T) {
	for _, d := range []estimators.Difference{estimators.Forward, estimators.Central} {
		for _, c := range []struct {
			name   string
			lambda float64
			dy     []float64
		}{{"λ=0", 0, testDy}, {"dy=0", 1, make([]float64, 4)}} {
			m := estimators.IMLE[float64]{Solver: solvers.TopK[float64]{K: 2}, Noise: distributions.SumOfGamma[float64]{K: 2},
				Target: estimators.PerturbationTarget[float64]{Alpha: 1, Lambda: c.lambda}, Difference: d, Samples: 5}
			g := imleRowGradients(m, rand.New(rand.NewPCG(1, 1)), testTheta, c.dy, 50)
			for i, v := range g {
				if v != 0 {
					t.Fatalf("%v %s: gradient entry %d = %v, want exactly 0", d, c.name, i, v)
				}
			}
		}
	}
}

// TestIMLEScaling checks Unscaled against the scaled target: the same
// noise gives gradients that differ by the factor λ exactly.
func TestIMLEScaling(t *testing.T) {
	const lambda = 4.0 // a power of two: the comparison is exact
	run := func(unscaled bool) []float64 {
		m := estimators.IMLE[float64]{Solver: solvers.TopK[float64]{K: 2}, Noise: distributions.StandardGumbel[float64]{}, Samples: 3,
			Target: estimators.PerturbationTarget[float64]{Alpha: 1, Lambda: lambda, Unscaled: unscaled}}
		return imleRowGradients(m, rand.New(rand.NewPCG(5, 6)), testTheta, testDy, 20)
	}
	scaled, raw := run(false), run(true)
	nonzero := 0
	for i := range raw {
		if raw[i] != lambda*scaled[i] {
			t.Fatalf("entry %d: unscaled %v, λ·scaled %v", i, raw[i], lambda*scaled[i])
		}
		if raw[i] != 0 {
			nonzero++
		}
	}
	if nonzero == 0 {
		t.Fatal("all gradients are zero; the comparison shows nothing")
	}
}

// TestIMLEMinimize checks the sign handling for minimisers: I-MLE with
// ShortestPath and Minimize on costs c equals I-MLE with
// Negate(ShortestPath) on −c, samples equal and gradients negated, noise
// included.
func TestIMLEMinimize(t *testing.T) {
	const rows, cols, b = 4, 5, 6
	rnd := rand.New(rand.NewPCG(3, 3))
	costs := ad.Zeros[float64](b, rows*cols)
	for i := range costs.Data {
		costs.Data[i] = 1 + 4*rnd.Float64()
	}
	neg := ad.Zeros[float64](b, rows*cols)
	for i, v := range costs.Data {
		neg.Data[i] = -v
	}
	dy := ad.Randn[float64](rnd, b, 2, rows*cols)
	sp := solvers.ShortestPath[float64]{Rows: rows, Cols: cols}
	for _, d := range []estimators.Difference{estimators.Forward, estimators.Central} {
		mMin := estimators.IMLE[float64]{Solver: sp, Minimize: true, Noise: distributions.StandardGumbel[float64]{}, Samples: 2, Temperature: 0.5,
			Target: estimators.PerturbationTarget[float64]{Alpha: 1, Lambda: 2}, Difference: d}
		mMax := mMin
		mMax.Solver, mMax.Minimize = solvers.Negate[float64](sp), false
		c, n := ad.Param(costs.Clone()), ad.Param(neg.Clone())
		zMin := mMin.Apply(rand.New(rand.NewPCG(9, 9)), c)
		zMax := mMax.Apply(rand.New(rand.NewPCG(9, 9)), n)
		for i := range zMin.Data {
			if zMin.Data[i] != zMax.Data[i] {
				t.Fatalf("%v: sample entry %d differs: %v and %v", d, i, zMin.Data[i], zMax.Data[i])
			}
		}
		zMin.BackwardWith(dy)
		zMax.BackwardWith(dy)
		nonzero := 0
		for i := range c.Grad {
			if c.Grad[i] != -n.Grad[i] {
				t.Fatalf("%v: gradient entry %d: %v with Minimize, %v with Negate (want the negative)", d, i, c.Grad[i], n.Grad[i])
			}
			if c.Grad[i] != 0 {
				nonzero++
			}
		}
		if nonzero == 0 {
			t.Fatalf("%v: all gradients zero; the comparison shows nothing", d)
		}
	}
}

// TestIMLEMinimizeDirection checks the sign on a case worked by hand: on a
// 3×3 grid whose middle vertex is expensive, a loss that rewards the middle
// vertex (dy = −1 there) must get a positive gradient on its cost, so that
// gradient descent makes it cheaper.
func TestIMLEMinimizeDirection(t *testing.T) {
	costs := []float64{1, 1, 1, 1, 3, 1, 1, 1, 1}
	th := ad.Param(ad.New(append([]float64(nil), costs...), 1, 9))
	m := estimators.IMLE[float64]{Solver: solvers.ShortestPath[float64]{Rows: 3, Cols: 3}, Minimize: true,
		Target: estimators.PerturbationTarget[float64]{Alpha: 1, Lambda: 5}}
	z := m.Apply(nil, th)
	if z.Data[4] != 0 {
		t.Fatalf("the shortest path goes through the expensive middle vertex: %v", z.Data)
	}
	dy := make([]float64, 9)
	dy[4] = -1
	z.BackwardWith(ad.New(dy, 1, 1, 9))
	// θ' = θ + λ·dy makes the middle vertex cost −2: the path takes it.
	if g := th.Grad[4]; !(g > 0) {
		t.Fatalf("gradient on the middle cost = %v, want > 0 (gradients %v)", g, th.Grad)
	}
	if g := th.Grad[4]; g != 1.0/5 {
		t.Fatalf("gradient on the middle cost = %v, want 1/λ = 0.2", g)
	}
}

// TestIMLEShapes checks output shapes, the forward value without noise and
// that a theta without gradient gives a plain tensor.
func TestIMLEShapes(t *testing.T) {
	m := estimators.IMLE[float32]{Solver: solvers.TopK[float32]{K: 2}, Samples: 3}
	th := ad.Param(ad.New([]float32{3, 1, 2, 0, 0, 5, 1, 4}, 2, 2, 2))
	z := m.Apply(nil, th)
	if got, want := z.Shape(), []int{2, 3, 2, 2}; !equalInts(got, want) {
		t.Fatalf("shape %v, want %v", got, want)
	}
	want := []float32{1, 0, 1, 0, 0, 1, 0, 1}
	for s := range 3 {
		for i := range 4 {
			if z.Data[s*4+i] != want[i] || z.Data[12+s*4+i] != want[4+i] {
				t.Fatalf("samples %v, want each row of %v (no noise)", z.Data, want)
			}
		}
	}
	v := m.Apply(nil, ad.New([]float32{1, 2, 3}, 3))
	if got := v.Shape(); !equalInts(got, []int{3, 3}) || v.RequiresGrad() {
		t.Fatalf("rank-1 theta: shape %v requiresGrad %v, want [3 3] false", got, v.RequiresGrad())
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestIMLEPanics checks that invalid configurations are rejected.
func TestIMLEPanics(t *testing.T) {
	th := ad.Param(ad.New([]float64{1, 2, 3}, 1, 3))
	cases := map[string]func(){
		"negative Lambda": func() {
			m := estimators.IMLE[float64]{Solver: solvers.Argmax[float64]{}, Target: estimators.PerturbationTarget[float64]{Alpha: 1, Lambda: -1}}
			m.Apply(nil, th)
		},
		"negative Samples": func() { estimators.IMLE[float64]{Solver: solvers.Argmax[float64]{}, Samples: -1}.Apply(nil, th) },
		"negative Temperature": func() {
			estimators.IMLE[float64]{Solver: solvers.Argmax[float64]{}, Temperature: -1}.Apply(nil, th)
		},
		"nil Solver":         func() { estimators.IMLE[float64]{}.Apply(nil, th) },
		"unknown Difference": func() { estimators.IMLE[float64]{Solver: solvers.Argmax[float64]{}, Difference: 7}.Apply(nil, th) },
	}
	for name, f := range cases {
		func() {
			defer func() {
				r := recover()
				if r == nil {
					t.Errorf("%s: no panic", name)
					return
				}
				if msg, _ := r.(string); !strings.HasPrefix(msg, "estimators: ") {
					t.Errorf("%s: panic %v does not name the package", name, r)
				}
			}()
			f()
		}()
	}
}
