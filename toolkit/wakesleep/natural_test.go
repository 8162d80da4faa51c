package wakesleep

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// randomBlock returns inputs u [n, d+1] (last column 1) and Fisher weights
// c [n, out] of sigmoid units with random logits.
func randomBlock(rnd *rand.Rand, n, d, out int) (u, c *mat.Dense) {
	x := mat.NewDense(n, d, nil)
	x.Apply(func(_, _ int, _ float64) float64 { return rnd.NormFloat64() }, x)
	a := mat.NewDense(n, out, nil)
	a.Apply(func(_, _ int, _ float64) float64 { return 2 * rnd.NormFloat64() }, a)
	return withOnes(x), fisherWeights(a)
}

// explicitNatural returns (1+α)(F_j + αI)⁻¹g by forming F_j and solving
// with a general LU solve.
func explicitNatural(u, c *mat.Dense, j int, alpha float64, g []float64) []float64 {
	n, d1 := u.Dims()
	f := mat.NewDense(d1, d1, nil)
	for r := range n {
		row := u.RawRowView(r)
		for a := range d1 {
			for b := range d1 {
				f.Set(a, b, f.At(a, b)+c.At(r, j)*row[a]*row[b])
			}
		}
	}
	for a := range d1 {
		f.Set(a, a, f.At(a, a)+alpha)
	}
	var x mat.VecDense
	if err := x.SolveVec(f, mat.NewVecDense(d1, append([]float64(nil), g...))); err != nil {
		panic(err)
	}
	out := make([]float64, d1)
	for i := range out {
		out[i] = (1 + alpha) * x.AtVec(i)
	}
	return out
}

func relDiff(a, b []float64) float64 {
	d := make([]float64, len(a))
	floats.SubTo(d, a, b)
	return floats.Norm(d, 2) / math.Max(floats.Norm(b, 2), 1e-300)
}

// TestWoodburyMatchesDirect checks METHODS.md §3: the Woodbury and direct
// inverses of the damped Fisher blocks agree to 1e-10, and both agree with
// an explicit solve.
func TestWoodburyMatchesDirect(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 1))
	for _, tc := range []struct{ n, d int }{{8, 30}, {40, 12}, {20, 19}} {
		u, c := randomBlock(rnd, tc.n, tc.d, 3)
		for _, alpha := range []float64{1e-3, 0.1, 1, 30} {
			direct, err := factorBlocks(u, c, alpha, Direct)
			if err != nil {
				t.Fatal(err)
			}
			wood, err := factorBlocks(u, c, alpha, Woodbury)
			if err != nil {
				t.Fatal(err)
			}
			if !wood.woodbury || direct.woodbury {
				t.Fatal("factorBlocks ignored the requested inverse")
			}
			auto, _ := factorBlocks(u, c, alpha, Auto)
			if auto.woodbury != (tc.n < tc.d+1) {
				t.Errorf("N=%d d+1=%d: Auto chose Woodbury=%v", tc.n, tc.d+1, auto.woodbury)
			}
			for j := range 3 {
				g := make([]float64, tc.d+1)
				for i := range g {
					g[i] = rnd.NormFloat64()
				}
				gd, gw := append([]float64(nil), g...), append([]float64(nil), g...)
				direct.apply(j, gd)
				wood.apply(j, gw)
				if r := relDiff(gw, gd); r > 1e-10 {
					t.Errorf("N=%d d+1=%d α=%v unit %d: Woodbury and direct differ by %.3g (relative)", tc.n, tc.d+1, alpha, j, r)
				}
				// The explicit LU solve loses a few digits to the
				// condition number (up to ~1e5 for α = 1e-3).
				if r := relDiff(gd, explicitNatural(u, c, j, alpha, g)); r > 1e-8 {
					t.Errorf("N=%d d+1=%d α=%v unit %d: direct and explicit solves differ by %.3g", tc.n, tc.d+1, alpha, j, r)
				}
			}
			// The whole layer at once: Woodbury's batched products against
			// the direct solves unit by unit.
			gw := mat.NewDense(tc.d, 3, nil)
			for i := range tc.d {
				for j := range 3 {
					gw.Set(i, j, rnd.NormFloat64())
				}
			}
			gb := []float64{rnd.NormFloat64(), rnd.NormFloat64(), rnd.NormFloat64()}
			dw, db := mat.DenseCopyOf(gw), append([]float64(nil), gb...)
			wood.applyLayer(gw, gb)
			direct.applyLayer(dw, db)
			if r := relDiff(append(gw.RawMatrix().Data, gb...), append(dw.RawMatrix().Data, db...)); r > 1e-10 {
				t.Errorf("N=%d d+1=%d α=%v: layer through Woodbury and direct differ by %.3g (relative)", tc.n, tc.d+1, alpha, r)
			}
		}
	}
}

// TestInverseErrors checks that α = 0 is refused by Woodbury and by a
// singular direct block, and that a negative α is refused.
func TestInverseErrors(t *testing.T) {
	rnd := rand.New(rand.NewPCG(2, 1))
	u, c := randomBlock(rnd, 5, 10, 2)
	if _, err := factorBlocks(u, c, 0, Woodbury); err == nil {
		t.Error("Woodbury with α = 0 accepted")
	}
	if _, err := factorBlocks(u, c, 0, Direct); err == nil {
		t.Error("singular Fisher block (N=5 < d+1=11, α = 0) accepted")
	}
	if _, err := factorBlocks(u, c, -1, Auto); err == nil {
		t.Error("α = −1 accepted")
	}
	if _, err := factorBlocks(u, c, 0, Auto); err == nil {
		t.Error("Auto with α = 0 and N < d+1 accepted")
	}
}

// TestNaturalStepIsNewton checks METHODS.md §3: for one sigmoid unit with
// α = 0 and the Fisher at the training inputs, a natural-gradient step with
// learning rate 1 on the mean log-likelihood is the IRLS (Newton) step of
// logistic regression, computed here as weighted least squares on the
// working response z = Xθ + (y − s)/(s(1 − s)).
func TestNaturalStepIsNewton(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 1))
	const n, d = 60, 4
	xs := mat.NewDense(n, d, nil)
	xs.Apply(func(_, _ int, _ float64) float64 { return rnd.NormFloat64() }, xs)
	x := withOnes(xs)
	theta := []float64{0.5, -1, 0.3, 0.8, -0.2}
	y := make([]float64, n)
	a := mat.NewDense(n, 1, nil)
	for i := range n {
		a.Set(i, 0, floats.Dot(x.RawRowView(i), theta))
		if rnd.Float64() < sigmoid(-0.3*a.At(i, 0)) {
			y[i] = 1
		}
	}
	// Gradient of the mean log-likelihood, as the trainer accumulates it.
	gw := mat.NewDense(d, 1, nil)
	gb := []float64{0}
	w := make([]float64, n)
	for i := range w {
		w[i] = 1 / float64(n)
	}
	addUnitGrads(gw, gb, xs, mat.NewDense(n, 1, y), a, w)
	bi, err := factorBlocks(x, fisherWeights(a), 0, Auto)
	if err != nil {
		t.Fatal(err)
	}
	bi.applyLayer(gw, gb)
	natural := append(append([]float64(nil), gw.RawMatrix().Data...), gb[0])
	for i := range natural {
		natural[i] += theta[i]
	}

	// IRLS: θ' = (XᵀSX)⁻¹XᵀSz.
	var xtsx mat.Dense
	sx := mat.NewDense(n, d+1, nil)
	z := mat.NewVecDense(n, nil)
	for i := range n {
		s := sigmoid(a.At(i, 0))
		v := s * (1 - s)
		for k := range d + 1 {
			sx.Set(i, k, v*x.At(i, k))
		}
		z.SetVec(i, a.At(i, 0)+(y[i]-s)/v)
	}
	xtsx.Mul(x.T(), sx)
	var rhs, newton mat.VecDense
	rhs.MulVec(sx.T(), z)
	if err := newton.SolveVec(&xtsx, &rhs); err != nil {
		t.Fatal(err)
	}
	if r := relDiff(natural, newton.RawVector().Data); r > 1e-10 {
		t.Errorf("natural step %v, IRLS step %v: relative difference %.3g", natural, newton.RawVector().Data, r)
	}
}

// TestNaturalGradientIsReparameterisationInvariant checks METHODS.md §3:
// with the exact Fisher (α = 0), replacing the inputs u by Mu for an
// invertible M, and θ by M⁻ᵀθ so that the logits stay, changes the
// natural step to M⁻ᵀΔ, so the change of every logit is the same.
func TestNaturalGradientIsReparameterisationInvariant(t *testing.T) {
	rnd := rand.New(rand.NewPCG(4, 1))
	const n, d = 50, 5
	u, c := randomBlock(rnd, n, d, 2)
	m := mat.NewDense(d+1, d+1, nil)
	m.Apply(func(_, _ int, _ float64) float64 { return rnd.NormFloat64() }, m)
	var um mat.Dense
	um.Mul(u, m.T()) // rows M u_n
	plain, err := factorBlocks(u, c, 0, Direct)
	if err != nil {
		t.Fatal(err)
	}
	moved, err := factorBlocks(&um, c, 0, Direct)
	if err != nil {
		t.Fatal(err)
	}
	for j := range 2 {
		// The gradient is a combination of the inputs: g = Uᵀr, g' = M g.
		r := make([]float64, n)
		for i := range r {
			r[i] = rnd.NormFloat64()
		}
		var g, gm mat.VecDense
		g.MulVec(u.T(), mat.NewVecDense(n, r))
		gm.MulVec(m, &g)
		delta := append([]float64(nil), g.RawVector().Data...)
		deltaM := append([]float64(nil), gm.RawVector().Data...)
		plain.apply(j, delta)
		moved.apply(j, deltaM)
		// Change of the logits at every input: U Δ against (UMᵀ) Δ'.
		var da, dam mat.VecDense
		da.MulVec(u, mat.NewVecDense(d+1, delta))
		dam.MulVec(&um, mat.NewVecDense(d+1, deltaM))
		if rd := relDiff(dam.RawVector().Data, da.RawVector().Data); rd > 1e-9 {
			t.Errorf("unit %d: logit changes differ by %.3g (relative) under reparameterisation", j, rd)
		}
	}
}

// TestFisherCrossBlocksVanish checks METHODS.md §3: the empirical Fisher
// blocks between different units of p, E[(h_i − s_i)(h_j − s_j) u_i u_jᵀ],
// are 0 within their standard errors, while each unit's own block,
// estimated from the scores, matches E[s(1 − s) u uᵀ] on the same samples.
func TestFisherCrossBlocksVanish(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 1))
	mach, err := New([]int{3, 2, 2}, PlusMinusOne, rnd)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range mach.Params() {
		for i := range p.Data {
			p.Data[i] += 0.5 * rnd.NormFloat64()
		}
	}
	const n = 40000
	s := mach.sampleP(n, rnd)
	// Scores of every unit of p (7 units), each over its own inputs.
	type unit struct{ scores [][]float64 }
	var units []unit
	L := mach.Depth()
	var fisher [][][]float64 // per unit, s(1−s) u uᵀ per sample, flattened
	for l := 0; l <= L; l++ {
		var u *mat.Dense
		if l < L {
			u = withOnes(mach.code(s.h[l+1]))
		} else {
			u = mat.NewDense(n, 1, nil)
			for i := range n {
				u.Set(i, 0, 1)
			}
		}
		_, d1 := u.Dims()
		for j := range mach.Sizes[l] {
			sc := make([][]float64, n)
			fi := make([][]float64, n)
			for i := range n {
				p := sigmoid(s.pa[l].At(i, j))
				e := s.h[l].At(i, j) - p
				row := u.RawRowView(i)
				sc[i] = make([]float64, d1)
				fi[i] = make([]float64, d1*d1)
				for a := range d1 {
					sc[i][a] = e * row[a]
					for b := range d1 {
						fi[i][a*d1+b] = p * (1 - p) * row[a] * row[b]
					}
				}
			}
			units = append(units, unit{sc})
			fisher = append(fisher, fi)
		}
	}
	maxCross, maxOwn, entries := 0.0, 0.0, 0
	for i := range units {
		for j := range units {
			for a := range units[i].scores[0] {
				for b := range units[j].scores[0] {
					var sum, sum2 float64
					for k := range n {
						v := units[i].scores[k][a] * units[j].scores[k][b]
						if i == j {
							v -= fisher[i][k][a*len(units[i].scores[0])+b]
						}
						sum += v
						sum2 += v * v
					}
					mean := sum / n
					se := math.Sqrt((sum2/n - mean*mean) / n)
					z := math.Abs(mean) / se
					if i == j {
						maxOwn = math.Max(maxOwn, z)
					} else {
						maxCross = math.Max(maxCross, z)
						entries++
					}
				}
			}
		}
	}
	// 5 standard errors: P(|z| > 5) ≈ 6e-7 per entry, small for a few
	// hundred entries.
	t.Logf("%d cross-unit entries: max |z| = %.2f; own blocks: max |z| = %.2f", entries, maxCross, maxOwn)
	if maxCross > 5 {
		t.Errorf("a cross-unit Fisher entry is %.2f standard errors from 0", maxCross)
	}
	if maxOwn > 5 {
		t.Errorf("a unit's Fisher block is %.2f standard errors from E[s(1−s)uuᵀ]", maxOwn)
	}
}

func TestSchedules(t *testing.T) {
	if got := (Constant(0.3)).At(1000); got != 0.3 {
		t.Errorf("Constant(0.3).At(1000) = %v", got)
	}
	e := Exponential{Start: 1, Rate: 0.5, Every: 10, Min: 0.1}
	for _, tc := range []struct {
		step int
		want float64
	}{{0, 1}, {9, 1}, {10, 0.5}, {25, 0.25}, {100, 0.1}} {
		if got := e.At(tc.step); got != tc.want {
			t.Errorf("Exponential.At(%d) = %v, want %v", tc.step, got, tc.want)
		}
	}
}

// TestSigmoidsMatchSigmoid checks the bulk sigmoid, whose exponentials come
// four at a time from the AVX2 kernel, against the scalar one across the
// range, at the extremes, on a tail shorter than a block, and on NaN.
func TestSigmoidsMatchSigmoid(t *testing.T) {
	src := []float64{0, math.Copysign(0, -1), 1e-300, -1e-300, 745, -745, 800, -800, math.Inf(1), math.Inf(-1), math.NaN()}
	for i := range 2001 {
		src = append(src, -40+0.04*float64(i))
	}
	dst := make([]float64, len(src))
	sigmoids(dst, src)
	for i, v := range src {
		want := sigmoid(v)
		if math.IsNaN(want) != math.IsNaN(dst[i]) || math.Abs(dst[i]-want) > 4e-16*math.Abs(want) {
			t.Errorf("sigmoids(%v) = %v, sigmoid %v", v, dst[i], want)
		}
	}
}

// TestSumLog1pMatchesLog1p compares the logarithm of products with log1p
// term by term, on rows longer and shorter than a chunk, with factors from
// 1 (e = 0, an underflowed exponential) to 2.
func TestSumLog1pMatchesLog1p(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 5))
	for _, n := range []int{0, 1, 3, 4, 5, 784, logChunk, logChunk + 1, 2500} {
		for _, scale := range []float64{0, 1e-300, 1e-20, 1e-8, 0.5, 1} {
			e := make([]float64, n)
			// The reference sums the log1p terms with compensation
			// (Neumaier), so that its own rounding stays far below the
			// tolerance.
			var want, comp float64
			for j := range e {
				e[j] = scale * rnd.Float64()
				if j%7 == 0 {
					e[j] = scale
				}
				v := math.Log1p(e[j])
				t := want + v
				if math.Abs(want) >= math.Abs(v) {
					comp += (want - t) + v
				} else {
					comp += (v - t) + want
				}
				want = t
			}
			want += comp
			got := sumLog1p(e)
			// Rounding 1+e and each product costs ≤ 1.2e-16 per factor,
			// relative in the product, so absolute in its log.
			if tol := 2.5e-16*float64(n) + 4e-16*want; math.Abs(got-want) > tol {
				t.Errorf("n=%d scale=%g: sumLog1p = %.17g, Σ log1p = %.17g, off by %.3g > %.3g", n, scale, got, want, got-want, tol)
			}
		}
	}
	if !math.IsNaN(sumLog1p([]float64{0.5, math.NaN(), 0.1})) {
		t.Errorf("sumLog1p with a NaN is not NaN")
	}
}
