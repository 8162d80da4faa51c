package optim

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// logJointGrad is blr's log joint with its gradient
// −Xᵀ(Xθ − y)/noise² − θ/prior².
func (b *blr) logJointGrad(theta, grad []float64) float64 {
	t := mat.NewVecDense(len(theta), theta)
	var r, g mat.VecDense
	r.MulVec(b.x, t)
	r.SubVec(&r, b.y)
	g.MulVec(b.x.T(), &r)
	for i := range grad {
		grad[i] = -g.AtVec(i)/(b.noise*b.noise) - theta[i]/(b.prior*b.prior)
	}
	return b.logJoint(theta)
}

// TestBBVIRecoversBayesianLinearRegressionPosterior runs BBVI with Adam on
// the Bayesian linear regression of the QBVI test and compares the late
// iterates' averages with the exact posterior (full) and the optimal
// mean-field Gaussian (diagonal), as there.
func TestBBVIRecoversBayesianLinearRegressionPosterior(t *testing.T) {
	const d, iters, avg = 3, 3000, 1000
	for _, diag := range []bool{false, true} {
		name := "full"
		if diag {
			name = "diagonal"
		}
		t.Run(name, func(t *testing.T) {
			rnd := rand.New(rand.NewPCG(1, 14))
			b := newBLR(rnd, 40, d)
			m, p := b.posterior()
			var sigma mat.SymDense
			var ch mat.Cholesky
			ch.Factorize(p)
			if err := ch.InverseTo(&sigma); err != nil {
				t.Fatal(err)
			}
			scale := mat.NewTriDense(d, mat.Lower, nil)
			for i := range d {
				scale.SetTri(i, i, 0.1)
			}
			q := &BBVI{LogJoint: b.logJointGrad, Samples: 10, Diagonal: diag, Rand: rnd, Mean: make([]float64, d), Scale: scale}
			meanAvg := make([]float64, d)
			covAvg := mat.NewSymDense(d, nil)
			for it := range iters {
				if _, err := q.Step(); err != nil {
					t.Fatalf("iteration %d: %v", it, err)
				}
				if it >= iters-avg {
					for i := range d {
						meanAvg[i] += q.Mean[i] / avg
					}
					covAvg.AddSym(covAvg, scaledSym(q.Cov(), 1.0/avg))
				}
			}
			for i := range d {
				sd := math.Sqrt(sigma.At(i, i))
				if z := (meanAvg[i] - m.AtVec(i)) / sd; math.Abs(z) > 0.1 {
					t.Errorf("mean %d = %v, want %v (off by %.3f posterior sd)", i, meanAvg[i], m.AtVec(i), z)
				}
				for j := i; j < d; j++ {
					want := sigma.At(i, j)
					if diag {
						want = 0
						if i == j {
							want = 1 / p.At(i, i)
						}
					}
					sc := math.Sqrt(sigma.At(i, i) * sigma.At(j, j))
					if r := (covAvg.At(i, j) - want) / sc; math.Abs(r) > 0.1 {
						t.Errorf("covariance [%d,%d] = %v, want %v (off by %.3f of its scale)", i, j, covAvg.At(i, j), want, r)
					}
				}
			}
		})
	}
}

func TestBBVIRejectsInvalidSettings(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 1))
	lj := func(_, _ []float64) float64 { return 0 }
	for _, q := range []*BBVI{
		{LogJoint: lj, Rand: rnd, Mean: []float64{0}, Samples: -1},
		{LogJoint: lj, Mean: []float64{0}},
		{LogJoint: lj, Rand: rnd},
		{LogJoint: func(_, _ []float64) float64 { return math.NaN() }, Rand: rnd, Mean: []float64{0}},
	} {
		if _, err := q.Step(); err == nil {
			t.Errorf("%+v: no error", q)
		}
	}
}
