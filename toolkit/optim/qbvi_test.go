package optim

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// blr is a Bayesian linear regression y = Xw + N(0, noise²) with prior
// w ~ N(0, prior²I); its posterior is N(m, P⁻¹) with
// P = XᵀX/noise² + I/prior² and m = P⁻¹Xᵀy/noise².
type blr struct {
	x            *mat.Dense
	y            *mat.VecDense
	noise, prior float64
}

func newBLR(rnd *rand.Rand, n, d int) *blr {
	x := mat.NewDense(n, d, nil)
	y := mat.NewVecDense(n, nil)
	w := []float64{1, -0.5, 0.25, 2}[:d]
	for i := range n {
		s := 0.0
		for j := range d {
			v := rnd.NormFloat64()
			if j == 1 {
				v += 0.8 * x.At(i, 0) // correlated features: a non-diagonal posterior
			}
			x.Set(i, j, v)
			s += v * w[j]
		}
		y.SetVec(i, s+0.5*rnd.NormFloat64())
	}
	return &blr{x: x, y: y, noise: 0.5, prior: 2}
}

func (b *blr) logJoint(theta []float64) float64 {
	var r mat.VecDense
	r.MulVec(b.x, mat.NewVecDense(len(theta), theta))
	r.SubVec(&r, b.y)
	lp := -0.5 * mat.Dot(&r, &r) / (b.noise * b.noise)
	for _, t := range theta {
		lp -= 0.5 * t * t / (b.prior * b.prior)
	}
	return lp
}

func (b *blr) posterior() (*mat.VecDense, *mat.SymDense) {
	_, d := b.x.Dims()
	p := mat.NewSymDense(d, nil)
	p.SymOuterK(1/(b.noise*b.noise), b.x.T())
	for i := range d {
		p.SetSym(i, i, p.At(i, i)+1/(b.prior*b.prior))
	}
	var xty, m mat.VecDense
	xty.MulVec(b.x.T(), b.y)
	xty.ScaleVec(1/(b.noise*b.noise), &xty)
	var ch mat.Cholesky
	ch.Factorize(p)
	if err := ch.SolveVecTo(&m, &xty); err != nil {
		panic(err)
	}
	return &m, p
}

// TestQBVIRecoversBayesianLinearRegressionPosterior runs QBVI on a
// Bayesian linear regression and compares the average of its late
// iterates with the exact posterior: N(m, P⁻¹) for a full covariance, and
// for a diagonal one the optimal mean-field Gaussian, mean m and
// precisions Pᵢᵢ.
func TestQBVIRecoversBayesianLinearRegressionPosterior(t *testing.T) {
	const d, iters, avg = 3, 600, 300
	for _, diag := range []bool{false, true} {
		name := "full"
		if diag {
			name = "diagonal"
		}
		t.Run(name, func(t *testing.T) {
			rnd := rand.New(rand.NewPCG(1, 14))
			b := newBLR(rnd, 40, d)
			m, p := b.posterior()
			q := &QBVI{LogJoint: b.logJoint, LR: 0.2, Samples: 100, Diagonal: diag, Rand: rnd, Mean: make([]float64, d)}
			meanAvg := make([]float64, d)
			precAvg := mat.NewSymDense(d, nil)
			for it := range iters {
				if _, err := q.Step(); err != nil {
					t.Fatalf("iteration %d: %v", it, err)
				}
				if it >= iters-avg {
					for i := range d {
						meanAvg[i] += q.Mean[i] / avg
					}
					precAvg.AddSym(precAvg, scaledSym(q.Prec, 1.0/avg))
				}
			}
			for i := range d {
				sd := 1 / math.Sqrt(p.At(i, i))
				if z := (meanAvg[i] - m.AtVec(i)) / sd; math.Abs(z) > 0.03 {
					t.Errorf("mean %d = %v, want %v (off by %.3f posterior sd)", i, meanAvg[i], m.AtVec(i), z)
				}
				for j := i; j < d; j++ {
					want := p.At(i, j)
					if diag && i != j {
						want = 0
					}
					scale := math.Sqrt(p.At(i, i) * p.At(j, j))
					if r := (precAvg.At(i, j) - want) / scale; math.Abs(r) > 0.03 {
						t.Errorf("precision [%d,%d] = %v, want %v (off by %.3f of its scale)", i, j, precAvg.At(i, j), want, r)
					}
				}
			}
		})
	}
}

func scaledSym(a *mat.SymDense, s float64) *mat.SymDense {
	var b mat.SymDense
	b.ScaleSym(s, a)
	return &b
}

// TestFactorFisher checks the closed-form Fisher of the factor covariance
// in (B, log D) against ½ tr(P ∂_aΣ P ∂_bΣ) with ∂Σ by central
// differences.
func TestFactorFisher(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 5))
	const d, p = 4, 2
	q := &QBVI{Factors: p, B: mat.NewDense(d, p, nil), D: make([]float64, d)}
	for i := range d {
		for k := range p {
			q.B.Set(i, k, rnd.NormFloat64())
		}
		q.D[i] = 0.5 + rnd.Float64()
	}
	var ch mat.Cholesky
	ch.Factorize(q.FactorCov())
	var prec mat.SymDense
	if err := ch.InverseTo(&prec); err != nil {
		t.Fatal(err)
	}
	f := factorFisher(&prec, q.B, q.D)
	logD := make([]float64, d)
	for i, v := range q.D {
		logD[i] = math.Log(v)
	}
	n := d*p + d
	param := func(a int) *float64 {
		if a < d*p {
			return &q.B.RawMatrix().Data[(a/p)*q.B.RawMatrix().Stride+a%p]
		}
		return &logD[a-d*p]
	}
	cov := func() *mat.SymDense {
		for i, v := range logD {
			q.D[i] = math.Exp(v)
		}
		return q.FactorCov()
	}
	const h = 1e-6
	deriv := make([]*mat.Dense, n)
	for a := range n {
		v := param(a)
		old := *v
		*v = old + h
		hi := cov()
		*v = old - h
		lo := cov()
		*v = old
		var ds mat.Dense
		ds.Sub(hi, lo)
		ds.Scale(1/(2*h), &ds)
		deriv[a] = &ds
	}
	for a := range n {
		for b := range n {
			var l, r, lr mat.Dense
			l.Mul(&prec, deriv[a])
			r.Mul(&prec, deriv[b])
			lr.Mul(&l, &r)
			want := 0.5 * mat.Trace(&lr)
			if got := f.At(a, b); math.Abs(got-want) > 1e-6*(1+math.Abs(want)) {
				t.Errorf("F[%d,%d] = %v, want %v", a, b, got, want)
			}
		}
	}
}

// lowRankBLR returns a Bayesian linear regression whose posterior
// covariance is exactly BBᵀ + D² for the given B and D: the design is
// X = Q Lᵀ with Q orthonormal columns and LLᵀ = noise²(Σ⁻¹ − I/prior²),
// the prior variance chosen so that this is positive definite.
func lowRankBLR(rnd *rand.Rand, n int, b *mat.Dense, dg []float64) (*blr, *mat.SymDense) {
	d, _ := b.Dims()
	q := &QBVI{B: b, D: dg}
	sigma := q.FactorCov()
	var ch mat.Cholesky
	ch.Factorize(sigma)
	var prec mat.SymDense
	if err := ch.InverseTo(&prec); err != nil {
		panic(err)
	}
	var eig mat.EigenSym
	eig.Factorize(&prec, false)
	priorPrec := 0.5 * eig.Values(nil)[0]
	const noise = 0.5
	a := mat.NewSymDense(d, nil)
	for i := range d {
		for j := i; j < d; j++ {
			v := prec.At(i, j)
			if i == j {
				v -= priorPrec
			}
			a.SetSym(i, j, noise*noise*v)
		}
	}
	var ca mat.Cholesky
	ca.Factorize(a)
	var l mat.TriDense
	ca.LTo(&l)
	g := mat.NewDense(n, d, nil)
	for i := range n {
		for j := range d {
			g.Set(i, j, rnd.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(g)
	var qfull mat.Dense
	qr.QTo(&qfull)
	x := mat.NewDense(n, d, nil)
	x.Mul(qfull.Slice(0, n, 0, d), l.T())
	y := mat.NewVecDense(n, nil)
	for i := range n {
		y.SetVec(i, 2*rnd.NormFloat64())
	}
	return &blr{x: x, y: y, noise: noise, prior: 1 / math.Sqrt(priorPrec)}, sigma
}

// gaussKL is KL(N(mu, s) ‖ N(m, P⁻¹)).
func gaussKL(mu []float64, s *mat.SymDense, m *mat.VecDense, p *mat.SymDense) float64 {
	d := len(mu)
	var ps mat.Dense
	ps.Mul(p, s)
	diff := mat.NewVecDense(d, nil)
	for i := range d {
		diff.SetVec(i, mu[i]-m.AtVec(i))
	}
	var cs, cp mat.Cholesky
	cs.Factorize(s)
	cp.Factorize(p)
	return 0.5 * (mat.Trace(&ps) + mat.Inner(diff, p, diff) - float64(d) - cp.LogDet() - cs.LogDet())
}

// runFactor runs QBVI with a factor covariance and returns the averages of
// the mean and of BBᵀ + D² over the last avg of iters iterations.
func runFactor(t *testing.T, rnd *rand.Rand, logJoint func([]float64) float64, d, p, iters, avg int) ([]float64, *mat.SymDense) {
	t.Helper()
	q := &QBVI{LogJoint: logJoint, LR: 0.2, Samples: 100, Factors: p, Rand: rnd, Mean: make([]float64, d)}
	meanAvg := make([]float64, d)
	covAvg := mat.NewSymDense(d, nil)
	for it := range iters {
		if _, err := q.Step(); err != nil {
			t.Fatalf("iteration %d: %v", it, err)
		}
		if it >= iters-avg {
			for i := range d {
				meanAvg[i] += q.Mean[i] / float64(avg)
			}
			covAvg.AddSym(covAvg, scaledSym(q.FactorCov(), 1/float64(avg)))
		}
	}
	return meanAvg, covAvg
}

// TestQBVIFactorRecoversLowRankPosterior runs the factor family on a
// Bayesian linear regression whose posterior covariance is exactly
// BBᵀ + D² with B of rank 2, so that the family holds the posterior, and
// compares the average of the late iterates with it.
func TestQBVIFactorRecoversLowRankPosterior(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 21))
	const d, p = 5, 2
	b := mat.NewDense(d, p, nil)
	dg := make([]float64, d)
	for i := range d {
		for k := range p {
			b.Set(i, k, 0.6*rnd.NormFloat64())
		}
		dg[i] = 0.2 + 0.1*float64(i)
	}
	model, sigma := lowRankBLR(rnd, 60, b, dg)
	m, prec := model.posterior()
	mean, cov := runFactor(t, rnd, model.logJoint, d, p, 800, 400)
	for i := range d {
		sd := math.Sqrt(sigma.At(i, i))
		if z := (mean[i] - m.AtVec(i)) / sd; math.Abs(z) > 0.05 {
			t.Errorf("mean %d = %v, want %v (off by %.3f posterior sd)", i, mean[i], m.AtVec(i), z)
		}
		for j := i; j < d; j++ {
			scale := math.Sqrt(sigma.At(i, i) * sigma.At(j, j))
			if r := (cov.At(i, j) - sigma.At(i, j)) / scale; math.Abs(r) > 0.05 {
				t.Errorf("covariance [%d,%d] = %v, want %v (off by %.3f of its scale)", i, j, cov.At(i, j), sigma.At(i, j), r)
			}
		}
	}
	if kl := gaussKL(mean, cov, m, prec); kl > 0.01 {
		t.Errorf("KL(q ‖ posterior) = %v, want ≈ 0", kl)
	}
}

// TestQBVIFactorELBOAboveDiagonal checks on a posterior that no factor
// family holds that the factor fit's exact KL to the posterior (log Z
// minus its ELBO) is no larger than that of the best diagonal Gaussian,
// ½(Σᵢ log Pᵢᵢ − log det P).
func TestQBVIFactorELBOAboveDiagonal(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 15))
	const d = 4
	model := newBLR(rnd, 40, d)
	m, prec := model.posterior()
	var cp mat.Cholesky
	cp.Factorize(prec)
	diagKL := -cp.LogDet()
	for i := range d {
		diagKL += math.Log(prec.At(i, i))
	}
	diagKL /= 2
	mean, cov := runFactor(t, rnd, model.logJoint, d, 1, 600, 300)
	kl := gaussKL(mean, cov, m, prec)
	t.Logf("KL: factor (p = 1) %.4f, best diagonal %.4f", kl, diagKL)
	if kl > diagKL {
		t.Errorf("factor KL %v above the best diagonal's %v", kl, diagKL)
	}
}

func TestQBVIFactorRejectsInvalidSettings(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 1))
	lj := func([]float64) float64 { return 0 }
	for _, q := range []*QBVI{
		{LogJoint: lj, Rand: rnd, Mean: []float64{0, 0}, Factors: 1, Diagonal: true},
		{LogJoint: lj, Rand: rnd, Mean: []float64{0, 0}, Factors: -1},
		{LogJoint: lj, Rand: rnd, Mean: []float64{0, 0}, Factors: 1, Damping: -1},
		{LogJoint: lj, Rand: rnd, Mean: []float64{0, 0}, Factors: 1, MaxKL: math.Inf(1)},
	} {
		if _, err := q.Step(); err == nil {
			t.Errorf("Factors %d, Diagonal %v, Damping %v, MaxKL %v: no error", q.Factors, q.Diagonal, q.Damping, q.MaxKL)
		}
	}
}
