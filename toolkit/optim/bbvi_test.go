package optim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"

	"github.com/stochgrad/stochgrad/toolkit/ad"
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

// recorder is an Optimizer that keeps copies of the gradients it is given
// and moves nothing, so that every Step estimates at the same q.
type recorder struct{ grads [][]float64 }

func (r *recorder) Step(params []*ad.Tensor[float64]) error {
	var g []float64
	for _, p := range params {
		g = append(g, p.Grad...)
	}
	r.grads = append(r.grads, g)
	return nil
}

// TestBBVIGradientUnbiased checks BBVI's one-sample gradient and ELBO
// estimates against their closed forms on a Gaussian log joint
// h̄(θ) = −½(θ−m)ᵀA(θ−m), where with Σ = LLᵀ
//
//	ELBO = −½[tr(AΣ) + (μ−m)ᵀA(μ−m)] + Σᵢ log Lᵢᵢ + d/2 (1 + log 2π),
//	∇_μ = −A(μ−m),  ∇_Lᵢⱼ = −(AL)ᵢⱼ (i > j),  ∇_log Lᵢᵢ = 1 − (AL)ᵢᵢLᵢᵢ,
//
// for a full and a diagonal L: a z-test of each coordinate's mean over
// 200 000 steps, whose standard error is measured.
func TestBBVIGradientUnbiased(t *testing.T) {
	const d, steps = 3, 200000
	a := mat.NewSymDense(d, []float64{2, 0.6, -0.3, 0.6, 1.5, 0.4, -0.3, 0.4, 1})
	m := []float64{0.5, -1, 2}
	logJoint := func(theta, grad []float64) float64 {
		r := make([]float64, d)
		for i := range d {
			r[i] = theta[i] - m[i]
		}
		v := 0.0
		for i := range d {
			for j := range d {
				grad[i] -= a.At(i, j) * r[j]
				v -= 0.5 * r[i] * a.At(i, j) * r[j]
			}
		}
		return v
	}
	for _, diagonal := range []bool{false, true} {
		mu := []float64{0.2, 0.3, -0.4}
		l := mat.NewTriDense(d, mat.Lower, []float64{0.8, 0, 0, 0.3, 1.2, 0, -0.5, 0.2, 0.6})
		if diagonal {
			for i := range d {
				for j := range i {
					l.SetTri(i, j, 0)
				}
			}
		}
		// The exact ELBO and its gradients in the optimizer's coordinates:
		// μ, then L row-major with log Lᵢᵢ on the diagonal.
		var al, sigma mat.Dense
		al.Mul(a, l)
		sigma.Mul(l, l.T())
		elbo := 0.5 * float64(d) * (1 + math.Log(2*math.Pi))
		want := make([]float64, d+d*d)
		for i := range d {
			elbo += math.Log(l.At(i, i))
			for j := range d {
				elbo -= 0.5 * (a.At(i, j)*sigma.At(j, i) + (mu[i]-m[i])*a.At(i, j)*(mu[j]-m[j]))
				want[i] -= a.At(i, j) * (mu[j] - m[j])
			}
			for j := 0; j < i && !diagonal; j++ {
				want[d+i*d+j] = -al.At(i, j)
			}
			want[d+i*d+i] = 1 - al.At(i, i)*l.At(i, i)
		}
		rec := &recorder{}
		b := &BBVI{LogJoint: logJoint, Samples: 1, Diagonal: diagonal, Opt: rec, Rand: rand.New(rand.NewPCG(7, 8)),
			Mean: append([]float64(nil), mu...), Scale: l}
		elbos := make([]float64, steps)
		for s := range steps {
			v, err := b.Step()
			if err != nil {
				t.Fatal(err)
			}
			elbos[s] = v
		}
		check := func(name string, xs []float64, want float64) {
			mean, sd := stat.MeanStdDev(xs, nil)
			se := sd / math.Sqrt(float64(len(xs)))
			if se == 0 {
				if mean != want {
					t.Errorf("diagonal=%v %s: constant %v, want %v", diagonal, name, mean, want)
				}
				return
			}
			if z := (mean - want) / se; math.Abs(z) > 4.5 {
				t.Errorf("diagonal=%v %s: mean %.5f ± %.5f, want %.5f (z = %.1f)", diagonal, name, mean, se, want, z)
			}
		}
		check("ELBO", elbos, elbo)
		col := make([]float64, steps)
		for k := range want {
			for s, g := range rec.grads {
				col[s] = -g[k] // the optimizer receives −∇ELBO
			}
			check(fmt.Sprintf("gradient %d", k), col, want[k])
		}
	}
}
