package optim

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// QBVI is quasi black-box variational inference with natural gradients
// (Magris, Shabani & Iosifidis, 2022) for a Gaussian posterior
// q = N(μ, Σ) over a vector θ. It needs only evaluations of the log joint
// density h̄(θ) = log p(θ) + log p(y | θ), no gradients of the model: with
// h = h̄ − log q and S draws θₛ ~ q, the ELBO's gradients are estimated by
//
//	∇_μ L = E[Σ⁻¹(θ−μ) h],   ∇_Σ L = ½ E[(Σ⁻¹(θ−μ)(θ−μ)ᵀΣ⁻¹ − Σ⁻¹) h],
//
// with a leave-one-out mean of h as control variate, and each Step takes
// the natural-gradient step on the precision and the mean,
//
//	Σ⁻¹ ← Σ⁻¹ + βG + (β²/2) G Σ G,   G = −2∇_Σ L,
//	μ   ← μ + β Σ ∇_μ L,
//
// the second-order term (Lin, Schmidt & Khan, 2020) keeping Σ⁻¹ positive
// definite. With Diagonal set, Σ is diagonal and only the diagonal of G is
// used: the mean-field Gaussian.
//
// With Factors = p > 0, Σ = BBᵀ + D² with B of size d×p and D diagonal,
// the factor covariance of Ong, Nott & Smith (2018). The same estimate of
// ∇_Σ L gives the gradients in ψ = (B, log D) by the chain rule,
// ∇_B L = 2∇_Σ L B and ∇_{log D} L = 2 diag(∇_Σ L) D², and the step is the
// natural gradient in ψ (log D keeps D positive, as the reference code's
// exponential update of the diagonal precision does):
//
//	ψ ← ψ + β (F + λI)⁻¹ ∇_ψ L,
//
// with F the Fisher information of N(μ, Σ) restricted to ψ,
// F_ab = ½ tr(Σ⁻¹ ∂_aΣ Σ⁻¹ ∂_bΣ), in closed form. F is singular (B and BQ
// give one Σ for any orthogonal Q), hence the damping λ, relative to F's
// mean diagonal. The mean takes the same step as above with the current
// Σ, and the whole step is shortened to a local KL of at most MaxKL. The
// cost is O((dp)³) per step: the exact Fisher of the factor manifold, for
// models of tens of parameters.
type QBVI struct {
	// LogJoint returns log p(θ) + log p(y | θ) up to a constant. It must
	// not keep theta.
	LogJoint func(theta []float64) float64

	LR       float64    // β in (0, 1]; zero means 0.1
	Samples  int        // S ≥ 2 draws per Step; zero means 100
	Diagonal bool       // a diagonal covariance
	Rand     *rand.Rand // required

	// Mean is μ and Prec is Σ⁻¹, the variational parameters. Set them
	// before the first Step (nil Prec means the identity, nil Mean
	// zeros of Prec's dimension); Step updates them. With Diagonal, the
	// off-diagonal entries of Prec are ignored and kept at zero.
	Mean []float64
	Prec *mat.SymDense

	// Factors, when positive, is the number p of columns of B: the
	// covariance is then BBᵀ + D², and B and D are the variational
	// parameters in place of Prec. The step in B, in covariance
	// coordinates, overshoots when BBᵀ is much larger than the posterior's
	// covariance and is stable from below, so start small: nil D means
	// 0.1 (the reference code starts at variance 0.01) and nil B entries
	// 0.01·N(0, 1) drawn from Rand (at B = 0 the gradient in B vanishes);
	// nil Mean means zeros of D's length or, without D, of B's rows.
	Factors int
	B       *mat.Dense
	D       []float64
	// Damping is λ/mean(diag F) of the factor step; zero means 1e-3.
	Damping float64
	// MaxKL caps the factor step's local KL divergence,
	// ½β²(δ_μᵀΣ⁻¹δ_μ + δ_ψᵀFδ_ψ), by shortening it (a trust region in
	// place of the reference code's clipping of the natural gradient);
	// zero means 0.1.
	MaxKL float64
}

// Step takes one natural-gradient step and returns the Monte Carlo
// estimate of the ELBO, E_q[h̄ − log q], at the parameters it started
// from. It returns an error, changing nothing, if a hyperparameter is
// invalid or LogJoint returns a NaN or +Inf.
func (q *QBVI) Step() (float64, error) {
	beta, s := q.LR, q.Samples
	if beta == 0 {
		beta = 0.1
	}
	if s == 0 {
		s = 100
	}
	switch {
	case !(beta > 0 && beta <= 1):
		return 0, fmt.Errorf("optim: QBVI: LR = %v, want a value in (0, 1]", q.LR)
	case s < 2:
		return 0, fmt.Errorf("optim: QBVI: Samples = %d, want ≥ 2", q.Samples)
	case q.LogJoint == nil || q.Rand == nil:
		return 0, fmt.Errorf("optim: QBVI needs LogJoint and Rand")
	case q.Factors < 0 || (q.Factors > 0 && q.Diagonal):
		return 0, fmt.Errorf("optim: QBVI: Factors = %d with Diagonal %v, want Factors ≥ 0 and not both", q.Factors, q.Diagonal)
	case !(q.Damping >= 0) || math.IsInf(q.Damping, 0):
		return 0, fmt.Errorf("optim: QBVI: Damping = %v, want a finite number ≥ 0", q.Damping)
	case !(q.MaxKL >= 0) || math.IsInf(q.MaxKL, 0):
		return 0, fmt.Errorf("optim: QBVI: MaxKL = %v, want a finite number ≥ 0", q.MaxKL)
	case q.Factors > 0:
		return q.stepFactor(beta, s)
	case q.Prec == nil && q.Mean == nil:
		return 0, fmt.Errorf("optim: QBVI needs Mean or Prec to know the dimension")
	}
	if q.Prec == nil {
		q.Prec = mat.NewSymDense(len(q.Mean), nil)
		for i := range q.Mean {
			q.Prec.SetSym(i, i, 1)
		}
	}
	d, _ := q.Prec.Dims()
	if q.Mean == nil {
		q.Mean = make([]float64, d)
	}
	if len(q.Mean) != d {
		panic(fmt.Sprintf("optim.QBVI: Mean of length %d and Prec of size %d", len(q.Mean), d))
	}
	prec := mat.NewSymDense(d, nil)
	prec.CopySym(q.Prec)
	if q.Diagonal {
		for i := range d {
			for j := i + 1; j < d; j++ {
				prec.SetSym(i, j, 0)
			}
		}
	}
	var ch mat.Cholesky
	if !ch.Factorize(prec) {
		return 0, fmt.Errorf("optim: QBVI: Prec is not positive definite")
	}
	var l mat.TriDense
	ch.LTo(&l) // Σ⁻¹ = L Lᵀ, so θ = μ + L⁻ᵀz has covariance Σ
	logdet := ch.LogDet()

	thetas := mat.NewDense(s, d, nil)
	scores := mat.NewDense(s, d, nil) // Σ⁻¹(θ−μ) = L z
	h := make([]float64, s)
	z := mat.NewVecDense(d, nil)
	var dev, sc mat.VecDense
	for k := range s {
		for i := range d {
			z.SetVec(i, q.Rand.NormFloat64())
		}
		if err := dev.SolveVec(l.T(), z); err != nil {
			return 0, fmt.Errorf("optim: QBVI: %v", err)
		}
		sc.MulVec(&l, z)
		row := thetas.RawRowView(k)
		for i := range d {
			row[i] = q.Mean[i] + dev.AtVec(i)
		}
		scores.SetRow(k, sc.RawVector().Data)
		lj := q.LogJoint(row)
		if math.IsNaN(lj) || math.IsInf(lj, 1) {
			return 0, fmt.Errorf("optim: QBVI: LogJoint = %v at draw %d", lj, k)
		}
		logq := 0.5*logdet - 0.5*float64(d)*math.Log(2*math.Pi) - 0.5*mat.Dot(z, z)
		h[k] = lj - logq
	}
	w, wsum, elbo, err := baselineWeights(h)
	if err != nil {
		return elbo, err
	}

	// Gradient estimates with the leave-one-out baseline.
	gmu := make([]float64, d)
	gsig := mat.NewSymDense(d, nil) // ∇_Σ L, without its Σ⁻¹ term
	for k := range s {
		sk := scores.RawRowView(k)
		for i := range d {
			gmu[i] += w[k] * sk[i]
			for j := i; j < d; j++ {
				if i == j || !q.Diagonal {
					gsig.SetSym(i, j, gsig.At(i, j)+0.5*w[k]*sk[i]*sk[j])
				}
			}
		}
	}
	// ∇_Σ L = ½ Σₖ wₖ(sₖsₖᵀ − Σ⁻¹): the Σ⁻¹ term needs Σₖ wₖ, which the
	// baseline makes zero only on average.
	g := mat.NewSymDense(d, nil) // G = −2∇_Σ L
	for i := range d {
		for j := i; j < d; j++ {
			if i != j && q.Diagonal {
				continue
			}
			g.SetSym(i, j, -2*(gsig.At(i, j)-0.5*wsum*prec.At(i, j)))
		}
	}
	var sigma mat.SymDense
	if err := ch.InverseTo(&sigma); err != nil {
		return 0, fmt.Errorf("optim: QBVI: %v", err)
	}
	next := mat.NewSymDense(d, nil)
	if q.Diagonal {
		for i := range d {
			gi, p := g.At(i, i), prec.At(i, i)
			next.SetSym(i, i, p+beta*gi+beta*beta/2*gi*gi/p)
		}
	} else {
		var gs, gsg mat.Dense
		gs.Mul(g, &sigma)
		gsg.Mul(&gs, g)
		for i := range d {
			for j := i; j < d; j++ {
				next.SetSym(i, j, prec.At(i, j)+beta*g.At(i, j)+beta*beta/4*(gsg.At(i, j)+gsg.At(j, i)))
			}
		}
	}
	var nch mat.Cholesky
	if !nch.Factorize(next) {
		return 0, fmt.Errorf("optim: QBVI: updated precision is not positive definite")
	}
	var step mat.VecDense
	if err := nch.SolveVecTo(&step, mat.NewVecDense(d, gmu)); err != nil {
		return 0, fmt.Errorf("optim: QBVI: %v", err)
	}
	for i := range d {
		q.Mean[i] += beta * step.AtVec(i)
	}
	q.Prec.CopySym(next)
	return elbo, nil
}
