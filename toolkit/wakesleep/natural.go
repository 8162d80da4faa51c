package wakesleep

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"
)

// Schedule gives the damping α at a training step (0-based).
type Schedule interface {
	At(step int) float64
}

// Constant is the schedule that keeps α fixed.
type Constant float64

// At returns the constant.
func (c Constant) At(int) float64 { return float64(c) }

// Exponential decays α from Start by the factor Rate every Every steps,
// never below Min: α = max(Min, Start·Rate^⌊step/Every⌋).
type Exponential struct {
	Start float64 // α at step 0
	Rate  float64 // factor per period, in (0, 1]
	Every int     // steps per period; 0 means 1
	Min   float64 // floor, ≥ 0
}

// At returns the damping at step.
func (e Exponential) At(step int) float64 {
	every := max(e.Every, 1)
	return math.Max(e.Min, e.Start*math.Pow(e.Rate, float64(step/every)))
}

// Inverse chooses how each damped Fisher block is inverted.
type Inverse int

const (
	// Auto uses Woodbury when there are fewer samples than parameters per
	// unit (N < d+1) and the direct inverse otherwise.
	Auto Inverse = iota
	// Direct solves with the Cholesky factor of the (d+1)×(d+1) block.
	Direct
	// Woodbury solves through the N×N matrix αI + D·U·Uᵀ·D of the Woodbury
	// identity; it needs α > 0.
	Woodbury
)

// blockInverse holds the factorised damped Fisher blocks of the units of
// one layer, F_j + αI with F_j = Σ_n c_nj u_n u_nᵀ, so that they can be
// applied to gradients for several steps (the reference's k-step reuse).
type blockInverse struct {
	alpha    float64
	woodbury bool
	u        *mat.Dense          // [N, d+1] rows u_n = [parents; 1] (Woodbury)
	sc       *mat.Dense          // [N, out] √c_nj (Woodbury)
	chol     []blas64.Triangular // per unit, the Cholesky factor of F_j+αI (direct) or αI+D_j U Uᵀ D_j (Woodbury)
}

// withOnes returns [u, 1], the inputs of the units including the bias.
func withOnes(u *mat.Dense) *mat.Dense {
	n, d := u.Dims()
	v := mat.NewDense(n, d+1, nil)
	v.Slice(0, n, 0, d).(*mat.Dense).Copy(u)
	for i := range n {
		v.Set(i, d, 1)
	}
	return v
}

// fisherWeights returns c_nj = s_nj(1 − s_nj)/N for the logits a [N, out].
func fisherWeights(a *mat.Dense) *mat.Dense {
	n, out := a.Dims()
	c := mat.NewDense(n, out, nil)
	for i := range n {
		row := c.RawRowView(i)
		sigmoids(row, a.RawRowView(i))
		for j, s := range row {
			row[j] = s * (1 - s) / float64(n)
		}
	}
	return c
}

// maxCond bounds the condition number of the damped Fisher blocks (and
// Woodbury inner matrices) that factorBlocks accepts: beyond it a float64
// solve keeps fewer than three digits.
const maxCond = 1e13

// factor overwrites the upper triangle of the symmetric a by its Cholesky
// factor U, A = UᵀU. It reports false if A is not positive definite or if
// (max u_ii / min u_ii)², a lower bound of its condition number (cheaper
// than LAPACK's estimate), exceeds maxCond.
func factor(a blas64.Symmetric) (blas64.Triangular, bool) {
	t, ok := lapack64.Potrf(a)
	if !ok {
		return t, false
	}
	lo, hi := math.Inf(1), 0.0
	for i := range t.N {
		d := t.Data[i*t.Stride+i]
		lo, hi = math.Min(lo, d), math.Max(hi, d)
	}
	return t, hi*hi <= maxCond*lo*lo
}

// factorBlocks factorises the damped Fisher blocks F_j + αI of every unit,
// with F_j = Σ_n c_nj u_n u_nᵀ for u [N, d+1] and c [N, out]. It fails if
// a block is singular (α = 0 with too few distinct samples) or if
// Woodbury is asked for with α = 0.
func factorBlocks(u, c *mat.Dense, alpha float64, how Inverse) (*blockInverse, error) {
	n, d1 := u.Dims()
	_, out := c.Dims()
	if !(alpha >= 0) || math.IsInf(alpha, 0) {
		return nil, fmt.Errorf("wakesleep: damping α = %v, want a finite number ≥ 0", alpha)
	}
	woodbury := how == Woodbury || (how == Auto && n < d1 && alpha > 0)
	if woodbury && alpha == 0 {
		return nil, fmt.Errorf("wakesleep: Woodbury inverse needs damping α > 0")
	}
	bi := &blockInverse{alpha: alpha, woodbury: woodbury, chol: make([]blas64.Triangular, out)}
	if woodbury {
		sc := mat.NewDense(n, out, nil)
		sc.Apply(func(_, _ int, v float64) float64 { return math.Sqrt(v) }, c)
		bi.u, bi.sc = u, sc
		var g mat.SymDense
		g.SymOuterK(1, u) // U Uᵀ, shared by the units of the layer
		gr := g.RawSymmetric()
		col := make([]float64, n)
		for j := range out {
			ir := mat.NewSymDense(n, nil).RawSymmetric()
			mat.Col(col, j, sc)
			for a := range n {
				grow := gr.Data[a*gr.Stride : a*gr.Stride+n]
				irow := ir.Data[a*ir.Stride : a*ir.Stride+n]
				for b := a; b < n; b++ {
					irow[b] = col[a] * grow[b] * col[b]
				}
				irow[a] += alpha
			}
			var ok bool
			if bi.chol[j], ok = factor(ir); !ok {
				return nil, fmt.Errorf("wakesleep: Woodbury inner matrix of unit %d is singular (α = %v)", j, alpha)
			}
		}
		return bi, nil
	}
	scaled := mat.NewDense(n, d1, nil)
	for j := range out {
		block := mat.NewSymDense(d1, nil)
		for r := range n {
			s := math.Sqrt(c.At(r, j))
			sr, ur := scaled.RawRowView(r), u.RawRowView(r)
			for k, v := range ur {
				sr[k] = s * v
			}
		}
		block.SymOuterK(1, scaled.T())
		for k := range d1 {
			block.SetSym(k, k, block.At(k, k)+alpha)
		}
		var ok bool
		if bi.chol[j], ok = factor(block.RawSymmetric()); !ok {
			return nil, fmt.Errorf("wakesleep: Fisher block of unit %d is singular (α = %v, %d samples for %d parameters); use α > 0", j, alpha, n, d1)
		}
	}
	return bi, nil
}

// apply overwrites g, the gradient of unit j's d+1 parameters, by the
// damped natural gradient (1+α)(F_j + αI)⁻¹ g.
func (bi *blockInverse) apply(j int, g []float64) {
	if !bi.woodbury {
		cholSolve(bi.chol[j], g)
		floats.Scale(1+bi.alpha, g)
		return
	}
	gv := mat.NewVecDense(len(g), g)
	// (F+αI)⁻¹g = (g − Ũᵀ(αI + ŨŨᵀ)⁻¹Ũg)/α with Ũ = D_j U.
	n, _ := bi.u.Dims()
	var t mat.VecDense
	t.MulVec(bi.u, gv)
	for a := range n {
		t.SetVec(a, t.AtVec(a)*bi.sc.At(a, j))
	}
	r := t.RawVector().Data
	cholSolve(bi.chol[j], r)
	for a := range n {
		r[a] *= bi.sc.At(a, j)
	}
	var back mat.VecDense
	back.MulVec(bi.u.T(), &t)
	f := (1 + bi.alpha) / bi.alpha
	for i := range g {
		g[i] = f * (g[i] - back.AtVec(i))
	}
}

// applyLayer replaces the gradient of every unit of a layer, weights gw
// [in, out] and biases gb [out], by its damped natural gradient.
func (bi *blockInverse) applyLayer(gw *mat.Dense, gb []float64) {
	if bi.woodbury {
		bi.applyLayerWoodbury(gw, gb)
		return
	}
	in, out := gw.Dims()
	g := make([]float64, in+1)
	for j := range out {
		for i := range in {
			g[i] = gw.At(i, j)
		}
		g[in] = gb[j]
		bi.apply(j, g)
		for i := range in {
			gw.Set(i, j, g[i])
		}
		gb[j] = g[in]
	}
}

// applyLayerWoodbury is applyLayer through Woodbury's identity with the
// layer's units together: the projections on the shared samples U, Ũ g for
// every unit and their way back, are two matrix products over the layer
// instead of two matrix-vector products per unit; only the N×N solves stay
// per unit.
func (bi *blockInverse) applyLayerWoodbury(gw *mat.Dense, gb []float64) {
	in, out := gw.Dims()
	n, _ := bi.u.Dims()
	// G [d+1, out]: column j is unit j's gradient, its bias last.
	g := mat.NewDense(in+1, out, nil)
	g.Slice(0, in, 0, out).(*mat.Dense).Copy(gw)
	g.SetRow(in, gb)
	var t mat.Dense
	t.Mul(bi.u, g) // [N, out]
	tr := t.RawMatrix()
	col := make([]float64, n)
	for j := range out {
		for a := range n {
			col[a] = tr.Data[a*tr.Stride+j] * bi.sc.At(a, j)
		}
		cholSolve(bi.chol[j], col)
		for a := range n {
			tr.Data[a*tr.Stride+j] = col[a] * bi.sc.At(a, j)
		}
	}
	var back mat.Dense
	back.Mul(bi.u.T(), &t) // [d+1, out]
	f := (1 + bi.alpha) / bi.alpha
	g.Sub(g, &back)
	g.Scale(f, g)
	gw.Copy(g.Slice(0, in, 0, out))
	mat.Row(gb, in, g)
}

// naturalPrior replaces the gradient g of the prior's logits a by
// (1+α) g/(α + s(1−s)): the prior's Fisher is exact and diagonal.
func naturalPrior(g, a []float64, alpha float64) {
	for j := range g {
		s := sigmoid(a[j])
		g[j] *= (1 + alpha) / (alpha + s*(1-s))
	}
}

// cholSolve overwrites x by A⁻¹x for A = UᵀU, with two triangular solves
// on the vector (mat.Cholesky.SolveVecTo goes through a one-column matrix
// solve, several times slower).
func cholSolve(u blas64.Triangular, x []float64) {
	v := blas64.Vector{N: len(x), Inc: 1, Data: x}
	blas64.Trsv(blas.Trans, u, v)
	blas64.Trsv(blas.NoTrans, u, v)
}
