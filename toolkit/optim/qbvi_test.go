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
