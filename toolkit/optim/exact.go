package optim

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// Exact is the preconditioner (C + λI)⁻¹ with an exact curvature matrix C
// over all the parameters, computed afresh at every step by Curvature and
// solved directly: with FisherGGN or EmpiricalFisher it gives the exact
// natural gradient, with Hessian the Newton update. C has a row and a
// column per scalar parameter, so Exact is for small networks, as the
// reference that K-FAC and FOOF approximate.
type Exact[T ad.Float] struct {
	// Curvature returns C for params, in the order of their entries taken
	// one tensor after the other. It may run forward and backward passes;
	// it must leave the gradients of params as it found them (the
	// functions of this package do).
	Curvature func(params []*ad.Tensor[T]) (*mat.SymDense, error)

	Damping float64 // λ > 0; zero means 1e-3
}

// Precondition replaces the gradients of every parameter of layers, taken
// together, by (C + λI)⁻¹ times them. A parameter without gradient counts
// with a zero gradient.
func (e *Exact[T]) Precondition(layers []Layer[T]) error {
	damping := e.Damping
	if damping == 0 {
		damping = 1e-3
	}
	if !(damping > 0) || math.IsInf(damping, 0) {
		return fmt.Errorf("optim: Exact: Damping = %v, want a positive number", e.Damping)
	}
	if e.Curvature == nil {
		return fmt.Errorf("optim: Exact needs a Curvature function")
	}
	var params []*ad.Tensor[T]
	for _, l := range layers {
		params = append(params, l.Params...)
	}
	c, err := e.Curvature(params)
	if err != nil {
		return fmt.Errorf("optim: Exact: %w", err)
	}
	g := flatGrad(params)
	if n, _ := c.Dims(); n != g.Len() {
		panic(fmt.Sprintf("optim.Exact: curvature of size %d for %d parameters", n, g.Len()))
	}
	d, err := SolveDamped(c, damping, g)
	if err != nil {
		return fmt.Errorf("optim: Exact: %w", err)
	}
	k := 0
	for _, p := range params {
		if p.Grad == nil {
			p.Grad = make([]T, p.Len())
		}
		for j := range p.Grad {
			p.Grad[j] = T(d.AtVec(k))
			k++
		}
	}
	return nil
}

// SolveDamped returns x with (C + λI)x = g: by Cholesky when C + λI is
// positive definite, by LU otherwise (a Newton step at a saddle).
func SolveDamped(c *mat.SymDense, damping float64, g *mat.VecDense) (*mat.VecDense, error) {
	n, _ := c.Dims()
	m := mat.NewSymDense(n, nil)
	m.CopySym(c)
	for i := range n {
		m.SetSym(i, i, m.At(i, i)+damping)
	}
	var x mat.VecDense
	var ch mat.Cholesky
	if ch.Factorize(m) {
		if err := ch.SolveVecTo(&x, g); err != nil {
			return nil, err
		}
		return &x, nil
	}
	if err := x.SolveVec(m, g); err != nil {
		return nil, fmt.Errorf("damped curvature of size %d is singular: %v", n, err)
	}
	return &x, nil
}

// flatGrad returns the gradients of params one after the other (zeros for
// a nil gradient).
func flatGrad[T ad.Float](params []*ad.Tensor[T]) *mat.VecDense {
	var v []float64
	for _, p := range params {
		if p.Grad == nil {
			v = append(v, make([]float64, p.Len())...)
			continue
		}
		for _, g := range p.Grad {
			v = append(v, float64(g))
		}
	}
	return mat.NewVecDense(len(v), v)
}

// withGrads runs f with the gradients of params set aside and zeroed, and
// puts them back afterwards.
func withGrads[T ad.Float](params []*ad.Tensor[T], f func()) {
	saved := make([][]T, len(params))
	for i, p := range params {
		saved[i] = p.Grad
		p.Grad = make([]T, p.Len())
	}
	defer func() {
		for i, p := range params {
			p.Grad = saved[i]
		}
	}()
	f()
}

// gradRow copies the gradients of params into row and zeroes them.
func gradRow[T ad.Float](params []*ad.Tensor[T], row []float64) {
	k := 0
	for _, p := range params {
		for j, g := range p.Grad {
			row[k] = float64(g)
			p.Grad[j] = 0
			k++
		}
	}
}

func count[T ad.Float](params []*ad.Tensor[T]) int {
	n := 0
	for _, p := range params {
		n += p.Len()
	}
	return n
}

// EmpiricalFisher returns (1/n) Σᵢ ∇ℓᵢ ∇ℓᵢᵀ over params, ℓᵢ = loss(i) being
// the scalar loss of example i < n. It runs n backward passes.
func EmpiricalFisher[T ad.Float](params []*ad.Tensor[T], n int, loss func(i int) *ad.Tensor[T]) *mat.SymDense {
	d := count(params)
	f := mat.NewSymDense(d, nil)
	row := make([]float64, d)
	withGrads(params, func() {
		for i := range n {
			loss(i).Backward()
			gradRow(params, row)
			f.SymRankOne(f, 1/float64(n), mat.NewVecDense(d, row))
		}
	})
	return f
}

// FisherGGN returns the generalised Gauss-Newton matrix
//
//	(1/N) Σᵢ Jᵢᵀ Hᵢ Jᵢ
//
// of a loss that is the mean over the N rows of output() (shape [N, K]) of
// a per-row loss: Jᵢ is the Jacobian of row i with respect to params and
// Hᵢ, filled in by hess from the row's values, the Hessian of the per-row
// loss with respect to it. When the per-row loss is the negative
// log-likelihood of an exponential family whose natural parameter is the
// row (SquaredErrorHessian, SoftmaxHessian), this is the Fisher
// information matrix. It runs N·K backward passes.
func FisherGGN[T ad.Float](params []*ad.Tensor[T], output func() *ad.Tensor[T], hess func(row []float64, h *mat.SymDense)) *mat.SymDense {
	d := count(params)
	f := mat.NewSymDense(d, nil)
	withGrads(params, func() {
		out := output()
		if out.Rank() != 2 {
			panic(fmt.Sprintf("optim.FisherGGN: output of shape %v, want [N, K]", out.Shape()))
		}
		n, k := out.Dim(0), out.Dim(1)
		jac := mat.NewDense(k, d, nil)
		h := mat.NewSymDense(k, nil)
		row := make([]float64, k)
		var hj, jhj mat.Dense
		for i := range n {
			for c := range k {
				cot := ad.Zeros[T](n, k)
				cot.Data[i*k+c] = 1
				out.BackwardKeepGraph(cot)
				gradRow(params, jac.RawRowView(c))
			}
			for c := range k {
				row[c] = float64(out.Data[i*k+c])
			}
			hess(row, h)
			hj.Mul(h, jac)
			jhj.Mul(jac.T(), &hj)
			for a := range d {
				for b := a; b < d; b++ {
					f.SetSym(a, b, f.At(a, b)+jhj.At(a, b)/float64(n))
				}
			}
		}
	})
	return f
}

// SquaredErrorHessian fills h with the identity: the Hessian of ½‖y − s‖²
// with respect to s, for FisherGGN.
func SquaredErrorHessian(row []float64, h *mat.SymDense) {
	for i := range row {
		for j := i; j < len(row); j++ {
			h.SetSym(i, j, 0)
		}
		h.SetSym(i, i, 1)
	}
}

// SoftmaxHessian fills h with diag(p) − p pᵀ, p = softmax(row): the Hessian
// of the cross-entropy of logits row, for FisherGGN.
func SoftmaxHessian(row []float64, h *mat.SymDense) {
	mx := math.Inf(-1)
	for _, v := range row {
		mx = max(mx, v)
	}
	p := make([]float64, len(row))
	var z float64
	for i, v := range row {
		p[i] = math.Exp(v - mx)
		z += p[i]
	}
	for i := range p {
		p[i] /= z
	}
	for i := range p {
		for j := i; j < len(p); j++ {
			v := -p[i] * p[j]
			if i == j {
				v += p[i]
			}
			h.SetSym(i, j, v)
		}
	}
}

// Hessian returns the Hessian of loss() with respect to params by central
// differences of the engine's exact gradient, with step eps·max(1, |θⱼ|)
// (zero eps means 1e-4), symmetrised. It runs 2·len(θ) backward passes
// and puts every parameter back. Use float64 tensors.
func Hessian[T ad.Float](params []*ad.Tensor[T], loss func() *ad.Tensor[T], eps float64) *mat.SymDense {
	if eps == 0 {
		eps = 1e-4
	}
	d := count(params)
	hd := mat.NewDense(d, d, nil)
	plus, minus := make([]float64, d), make([]float64, d)
	withGrads(params, func() {
		k := 0
		for _, p := range params {
			for j := range p.Data {
				x := p.Data[j]
				h := eps * max(1, math.Abs(float64(x)))
				p.Data[j] = x + T(h)
				loss().Backward()
				gradRow(params, plus)
				p.Data[j] = x - T(h)
				loss().Backward()
				gradRow(params, minus)
				p.Data[j] = x
				for r := range d {
					hd.Set(r, k, (plus[r]-minus[r])/(2*h))
				}
				k++
			}
		}
	})
	hs := mat.NewSymDense(d, nil)
	for a := range d {
		for b := a; b < d; b++ {
			hs.SetSym(a, b, 0.5*(hd.At(a, b)+hd.At(b, a)))
		}
	}
	return hs
}
