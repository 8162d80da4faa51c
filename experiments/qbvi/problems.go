package qbvi

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/stochgrad/stochgrad/datasets"
	"github.com/stochgrad/stochgrad/toolkit/smc"
)

// Problem is a Bayesian regression whose posterior is to be approximated:
// its normalised log joint density log p(θ, y), with its gradient for
// BBVI, and the reference posterior's mean, covariance and log evidence.
type Problem struct {
	Name string
	// X holds one row of covariates per observation and Y the responses.
	X *mat.Dense
	Y []float64
	// Logistic says whether y ∈ {0, 1} follows a logistic regression;
	// otherwise y = Xθ + N(0, Noise²).
	Logistic bool
	Noise    float64
	// PriorVar is the variance of the prior N(0, PriorVar·I) on θ.
	PriorVar float64

	// Mean, Cov and LogZ describe the reference posterior: exact for the
	// linear regression, from SMC and HMC for the logistic one (Reference).
	Mean  []float64
	Cov   *mat.SymDense
	LogZ  float64
	Exact bool
}

// Dim is the number of parameters.
func (p *Problem) Dim() int { _, d := p.X.Dims(); return d }

// LogJoint returns log p(θ) + log p(y | θ), normalised.
func (p *Problem) LogJoint(theta []float64) float64 {
	return p.LogJointGrad(theta, nil)
}

// LogJointGrad is LogJoint, writing the gradient to grad unless it is nil.
func (p *Problem) LogJointGrad(theta, grad []float64) float64 {
	n, d := p.X.Dims()
	lp := -0.5 * float64(d) * math.Log(2*math.Pi*p.PriorVar)
	for j, t := range theta {
		lp -= 0.5 * t * t / p.PriorVar
		if grad != nil {
			grad[j] = -t / p.PriorVar
		}
	}
	if !p.Logistic {
		lp -= 0.5 * float64(n) * math.Log(2*math.Pi*p.Noise*p.Noise)
	}
	for i := range n {
		row := p.X.RawRowView(i)
		eta := 0.0
		for j, x := range row {
			eta += x * theta[j]
		}
		var r float64 // ∂ log p(yᵢ | θ)/∂ηᵢ
		if p.Logistic {
			// log σ(η) if y = 1, log σ(−η) if y = 0.
			s := eta
			if p.Y[i] == 0 {
				s = -eta
			}
			lp -= softplus(-s)
			if grad != nil {
				r = p.Y[i] - 1/(1+math.Exp(-eta))
			}
		} else {
			e := p.Y[i] - eta
			lp -= 0.5 * e * e / (p.Noise * p.Noise)
			r = e / (p.Noise * p.Noise)
		}
		if grad != nil {
			for j, x := range row {
				grad[j] += r * x
			}
		}
	}
	return lp
}

// softplus is log(1 + eˣ) without overflow.
func softplus(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}

// LinearProblem returns a Bayesian linear regression with n rows and d
// covariates drawn from a factor model of rank d − 2, x = Wz + 0.3ε, so
// that two directions of θ are weakly determined: the posterior covariance
// is close to a rank-2 matrix plus a small one, the case the factor
// covariance is made for. Noise 0.5, prior N(0, I); the posterior N(m, Σ)
// and the evidence are exact.
func LinearProblem(n, d int, seed uint64) *Problem {
	if d < 3 || n < 1 {
		panic(fmt.Sprintf("qbvi.LinearProblem: n = %d, d = %d, want n ≥ 1 and d ≥ 3", n, d))
	}
	rnd := rand.New(rand.NewPCG(seed, 12))
	k := d - 2
	w := mat.NewDense(d, k, nil)
	for i := range d {
		for j := range k {
			w.Set(i, j, rnd.NormFloat64())
		}
	}
	x := mat.NewDense(n, d, nil)
	y := make([]float64, n)
	beta := make([]float64, d)
	for j := range beta {
		beta[j] = rnd.NormFloat64()
	}
	z := make([]float64, k)
	for i := range n {
		for j := range z {
			z[j] = rnd.NormFloat64()
		}
		eta := 0.0
		for a := range d {
			v := 0.3 * rnd.NormFloat64()
			for j, zj := range z {
				v += w.At(a, j) * zj / math.Sqrt(float64(k))
			}
			x.Set(i, a, v)
			eta += v * beta[a]
		}
		y[i] = eta + 0.5*rnd.NormFloat64()
	}
	p := &Problem{Name: "linear regression", X: x, Y: y, Noise: 0.5, PriorVar: 1, Exact: true}
	// P = XᵀX/noise² + I/prior, m = P⁻¹Xᵀy/noise², and
	// log Z = log p(m, y) − log N(m; m, P⁻¹).
	prec := mat.NewSymDense(d, nil)
	prec.SymOuterK(1/(p.Noise*p.Noise), x.T())
	for i := range d {
		prec.SetSym(i, i, prec.At(i, i)+1/p.PriorVar)
	}
	var ch mat.Cholesky
	if !ch.Factorize(prec) {
		panic("qbvi.LinearProblem: posterior precision not positive definite")
	}
	var xty, m mat.VecDense
	xty.MulVec(x.T(), mat.NewVecDense(n, y))
	xty.ScaleVec(1/(p.Noise*p.Noise), &xty)
	if err := ch.SolveVecTo(&m, &xty); err != nil {
		panic(err)
	}
	p.Mean = m.RawVector().Data
	p.Cov = mat.NewSymDense(d, nil)
	if err := ch.InverseTo(p.Cov); err != nil {
		panic(err)
	}
	p.LogZ = p.LogJoint(p.Mean) + 0.5*float64(d)*math.Log(2*math.Pi) - 0.5*ch.LogDet()
	return p
}

// VoteProblem returns the logistic regression of party (republican = 1)
// on the 16 votes of the UCI congressional voting records (Weka's
// vote.arff: 435 rows), each vote coded yes = 1, no = −1 and missing 0,
// with an intercept, under the prior N(0, priorVar·I). Its reference
// posterior is still to be computed by Reference.
func VoteProblem(a *datasets.ARFF, priorVar float64) (*Problem, error) {
	class := a.Column("Class")
	if class < 0 || len(a.Attributes) != 17 {
		return nil, fmt.Errorf("qbvi: %q is not the vote table (17 attributes with Class)", a.Relation)
	}
	if !(priorVar > 0) {
		return nil, fmt.Errorf("qbvi: prior variance %v, want > 0", priorVar)
	}
	n, d := len(a.Rows), len(a.Attributes)
	x := mat.NewDense(n, d, nil)
	y := make([]float64, n)
	for i, row := range a.Rows {
		x.Set(i, 0, 1)
		c := 1
		for j, at := range a.Attributes {
			v := row[j]
			if j == class {
				if math.IsNaN(v) {
					return nil, fmt.Errorf("qbvi: row %d has no class", i)
				}
				if at.Labels[int(v)] == "republican" {
					y[i] = 1
				}
				continue
			}
			switch {
			case math.IsNaN(v):
			case at.Labels[int(v)] == "y":
				x.Set(i, c, 1)
			default:
				x.Set(i, c, -1)
			}
			c++
		}
	}
	return &Problem{Name: "vote logistic regression", X: x, Y: y, Logistic: true, PriorVar: priorVar}, nil
}

// density is a Problem's prior or likelihood as an smc.GradDensity.
type density struct {
	p     *Problem
	prior bool
}

func (dn density) LogDensity(dst []float64, x smc.Particles) {
	dn.LogDensityGrad(dst, nil, x)
}

func (dn density) LogDensityGrad(dst, grad []float64, x smc.Particles) {
	d := x.D
	g := make([]float64, d)
	for i := range x.K {
		theta := x.Row(i)
		if dn.prior {
			dst[i] = -0.5 * float64(d) * math.Log(2*math.Pi*dn.p.PriorVar)
			for j, t := range theta {
				dst[i] -= 0.5 * t * t / dn.p.PriorVar
				g[j] = -t / dn.p.PriorVar
			}
		} else {
			dst[i] = dn.p.LogJointGrad(theta, g)
			// Remove the prior's part.
			for j, t := range theta {
				dst[i] += 0.5*t*t/dn.p.PriorVar + 0.5*math.Log(2*math.Pi*dn.p.PriorVar)
				g[j] += t / dn.p.PriorVar
			}
		}
		if grad != nil {
			copy(grad[i*d:(i+1)*d], g)
		}
	}
}

// Reference computes the reference posterior of p: likelihood-tempered
// SMC from the prior with 3 HMC transitions a stage (its evidence estimate
// is LogZ), then moves further HMC transitions (10 leapfrog steps each) at
// temperature 1, every particle after every transition adding to the mean
// and covariance.
func Reference(p *Problem, particles, moves int, seed uint64) error {
	if particles < 2 || moves < 1 {
		return fmt.Errorf("qbvi: reference with %d particles and %d moves, want ≥ 2 and ≥ 1", particles, moves)
	}
	rnd := rand.New(rand.NewPCG(seed, 13))
	d := p.Dim()
	x := smc.NewParticles(particles, d)
	for i := range x.X {
		x.X[i] = math.Sqrt(p.PriorVar) * rnd.NormFloat64()
	}
	prior, lik := density{p, true}, density{p, false}
	s := smc.Sampler{Prior: prior, LogLik: lik, Kernel: smc.HMC{Steps: 3}}
	st, _, err := s.Run(rnd, x)
	if err != nil {
		return fmt.Errorf("qbvi: reference SMC: %w", err)
	}
	p.LogZ = st.LogZ
	// Resample to equal weights, then keep moving.
	w := make([]float64, particles)
	for i, lw := range st.LogW {
		w[i] = math.Exp(lw)
	}
	idx := make([]int, particles)
	smc.Systematic{}.Resample(rnd, idx, w)
	y := smc.NewParticles(particles, d)
	for i, j := range idx {
		copy(y.Row(i), st.X.Row(j))
	}
	target := smc.Tempered{Prior: prior, LogLik: lik, Temperature: 1}
	kernel := smc.HMC{Steps: 1}
	mean := make([]float64, d)
	cov := mat.NewSymDense(d, nil)
	var n float64
	for range moves {
		if _, err := kernel.Move(rnd, y, target); err != nil {
			return fmt.Errorf("qbvi: reference HMC: %w", err)
		}
		for i := range particles {
			row := y.Row(i)
			n++
			for a := range d {
				mean[a] += row[a]
				for b := a; b < d; b++ {
					cov.SetSym(a, b, cov.At(a, b)+row[a]*row[b])
				}
			}
		}
	}
	for a := range d {
		mean[a] /= n
	}
	for a := range d {
		for b := a; b < d; b++ {
			cov.SetSym(a, b, cov.At(a, b)/n-mean[a]*mean[b])
		}
	}
	p.Mean, p.Cov = mean, cov
	return nil
}
