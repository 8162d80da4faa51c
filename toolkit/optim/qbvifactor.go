package optim

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// baselineWeights returns the weight (hₖ − mean of the other h)/S of each
// draw in the score-function estimates, with the leave-one-out baseline,
// their sum, and the ELBO estimate mean(h). A draw of zero density weighs
// nothing.
func baselineWeights(h []float64) (w []float64, wsum, elbo float64, err error) {
	s := len(h)
	total := 0.0
	for _, v := range h {
		total += v
	}
	elbo = total / float64(s)
	if math.IsInf(elbo, -1) {
		return nil, 0, elbo, fmt.Errorf("optim: QBVI: the log joint is -Inf at every draw")
	}
	w = make([]float64, s)
	for k, v := range h {
		if math.IsInf(v, -1) {
			continue
		}
		w[k] = (v - (total-v)/float64(s-1)) / float64(s)
		wsum += w[k]
	}
	return w, wsum, elbo, nil
}

// initFactor sets the defaults of B, D and Mean and returns d.
func (q *QBVI) initFactor() int {
	d := len(q.D)
	switch {
	case q.D != nil:
	case q.B != nil:
		d, _ = q.B.Dims()
	default:
		d = len(q.Mean)
	}
	if q.B == nil {
		q.B = mat.NewDense(d, q.Factors, nil)
		for i := range d {
			for k := range q.Factors {
				q.B.Set(i, k, 0.01*q.Rand.NormFloat64())
			}
		}
	}
	if q.D == nil {
		q.D = make([]float64, d)
		for i := range q.D {
			q.D[i] = 0.1
		}
	}
	if q.Mean == nil {
		q.Mean = make([]float64, d)
	}
	if r, c := q.B.Dims(); r != d || c != q.Factors || len(q.Mean) != d {
		panic(fmt.Sprintf("optim.QBVI: B of %d×%d, D of length %d, Mean of length %d and Factors %d", r, c, len(q.D), len(q.Mean), q.Factors))
	}
	return d
}

// FactorCov returns BBᵀ + D², the covariance of the factor family.
func (q *QBVI) FactorCov() *mat.SymDense {
	d, _ := q.B.Dims()
	sigma := mat.NewSymDense(d, nil)
	sigma.SymOuterK(1, q.B)
	for i, v := range q.D {
		sigma.SetSym(i, i, sigma.At(i, i)+v*v)
	}
	return sigma
}

// stepFactor is Step for the factor covariance.
func (q *QBVI) stepFactor(beta float64, s int) (float64, error) {
	if q.Rand == nil || q.LogJoint == nil {
		return 0, fmt.Errorf("optim: QBVI needs LogJoint and Rand")
	}
	if q.B == nil && q.D == nil && q.Mean == nil {
		return 0, fmt.Errorf("optim: QBVI needs Mean, B or D to know the dimension")
	}
	damping, maxKL := q.Damping, q.MaxKL
	if damping == 0 {
		damping = 1e-3
	}
	if maxKL == 0 {
		maxKL = 0.1
	}
	d, p := q.initFactor(), q.Factors
	sigma := q.FactorCov()
	var ch mat.Cholesky
	if !ch.Factorize(sigma) {
		return 0, fmt.Errorf("optim: QBVI: BBᵀ + D² is not positive definite")
	}
	var prec mat.SymDense
	if err := ch.InverseTo(&prec); err != nil {
		return 0, fmt.Errorf("optim: QBVI: %v", err)
	}
	logdet := ch.LogDet()

	scores := mat.NewDense(s, d, nil) // Σ⁻¹(θ−μ)
	h := make([]float64, s)
	theta := make([]float64, d)
	dev := mat.NewVecDense(d, nil)
	var sc mat.VecDense
	for k := range s {
		for i := range d {
			v := q.D[i] * q.Rand.NormFloat64()
			dev.SetVec(i, v)
		}
		for j := range p {
			z := q.Rand.NormFloat64()
			for i := range d {
				dev.SetVec(i, dev.AtVec(i)+q.B.At(i, j)*z)
			}
		}
		for i := range d {
			theta[i] = q.Mean[i] + dev.AtVec(i)
		}
		sc.MulVec(&prec, dev)
		scores.SetRow(k, sc.RawVector().Data)
		lj := q.LogJoint(theta)
		if math.IsNaN(lj) || math.IsInf(lj, 1) {
			return 0, fmt.Errorf("optim: QBVI: LogJoint = %v at draw %d", lj, k)
		}
		logq := -0.5*logdet - 0.5*float64(d)*math.Log(2*math.Pi) - 0.5*mat.Dot(dev, &sc)
		h[k] = lj - logq
	}
	w, wsum, elbo, err := baselineWeights(h)
	if err != nil {
		return elbo, err
	}

	// ∇_μ L and ∇_Σ L = ½ Σₖ wₖ(sₖsₖᵀ − Σ⁻¹).
	gmu := mat.NewVecDense(d, nil)
	gsig := mat.NewSymDense(d, nil)
	for k := range s {
		sk := mat.NewVecDense(d, scores.RawRowView(k))
		gmu.AddScaledVec(gmu, w[k], sk)
		gsig.SymRankOne(gsig, 0.5*w[k], sk)
	}
	for i := range d {
		for j := i; j < d; j++ {
			gsig.SetSym(i, j, gsig.At(i, j)-0.5*wsum*prec.At(i, j))
		}
	}

	// ∇_B L = 2∇_Σ L B, ∇_{log D} L = 2 diag(∇_Σ L) D².
	n := d*p + d
	grad := mat.NewVecDense(n, nil)
	var gb mat.Dense
	gb.Mul(gsig, q.B)
	for i := range d {
		for k := range p {
			grad.SetVec(i*p+k, 2*gb.At(i, k))
		}
		grad.SetVec(d*p+i, 2*gsig.At(i, i)*q.D[i]*q.D[i])
	}

	f := factorFisher(&prec, q.B, q.D)
	tr := 0.0
	for i := range n {
		tr += f.At(i, i)
	}
	lambda := damping * tr / float64(n)
	for i := range n {
		f.SetSym(i, i, f.At(i, i)+lambda)
	}
	var fch mat.Cholesky
	if !fch.Factorize(f) {
		return 0, fmt.Errorf("optim: QBVI: the damped Fisher of the factor covariance is not positive definite")
	}
	var step, mstep mat.VecDense
	if err := fch.SolveVecTo(&step, grad); err != nil {
		return 0, fmt.Errorf("optim: QBVI: %v", err)
	}
	mstep.MulVec(sigma, gmu)
	// The local KL of the step, ½β²(δ_μᵀΣ⁻¹δ_μ + δ_ψᵀFδ_ψ), is capped at
	// maxKL: far from the posterior the estimate of ∇_Σ L is large and
	// noisy, and an uncapped step overshoots.
	var fstep mat.VecDense
	fstep.MulVec(f, &step)
	kl := 0.5 * beta * beta * (mat.Dot(gmu, &mstep) + mat.Dot(&step, &fstep))
	if kl > maxKL {
		beta *= math.Sqrt(maxKL / kl)
	}
	for i := range d {
		q.Mean[i] += beta * mstep.AtVec(i)
		for k := range p {
			q.B.Set(i, k, q.B.At(i, k)+beta*step.AtVec(i*p+k))
		}
		q.D[i] *= math.Exp(beta * step.AtVec(d*p+i))
	}
	return elbo, nil
}

// factorFisher returns the Fisher information of N(μ, BBᵀ + D²) in
// ψ = (B row by row, then log D): with P = Σ⁻¹, PB = P·B and M = BᵀPB,
//
//	F[B_ik, B_jl]         = P_ij M_kl + (PB)_jk (PB)_il
//	F[B_ik, log D_j]      = 2 D_j² P_ij (PB)_jk
//	F[log D_i, log D_j]   = 2 D_i² D_j² P_ij²
//
// from F_ab = ½ tr(P ∂_aΣ P ∂_bΣ) with ∂Σ/∂B_ik = e_i b_kᵀ + b_k e_iᵀ
// and ∂Σ/∂log D_i = 2D_i² e_i e_iᵀ.
func factorFisher(prec *mat.SymDense, b *mat.Dense, dg []float64) *mat.SymDense {
	d, p := b.Dims()
	var pb, m mat.Dense
	pb.Mul(prec, b)
	m.Mul(b.T(), &pb)
	n := d*p + d
	f := mat.NewSymDense(n, nil)
	for i := range d {
		for k := range p {
			a := i*p + k
			for j := range d {
				for l := range p {
					if c := j*p + l; c >= a {
						f.SetSym(a, c, prec.At(i, j)*m.At(k, l)+pb.At(j, k)*pb.At(i, l))
					}
				}
				f.SetSym(a, d*p+j, 2*dg[j]*dg[j]*prec.At(i, j)*pb.At(j, k))
			}
		}
		for j := i; j < d; j++ {
			pij := prec.At(i, j)
			f.SetSym(d*p+i, d*p+j, 2*dg[i]*dg[i]*dg[j]*dg[j]*pij*pij)
		}
	}
	return f
}
