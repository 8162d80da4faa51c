package optim

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/nn"
)

func symData(m *mat.SymDense) []float64 {
	n, _ := m.Dims()
	var v []float64
	for i := range n {
		for j := range n {
			v = append(v, m.At(i, j))
		}
	}
	return v
}

// TestHessianOfKnownFunction checks the finite-difference Hessian on
// f(x) = Σ xᵢ³ + x₀x₁, whose Hessian is diag(6xᵢ) + the x₀x₁ coupling.
func TestHessianOfKnownFunction(t *testing.T) {
	x := ad.Param(ad.New([]float64{0.5, -1, 2}, 3))
	f := func() *ad.Tensor[float64] {
		return ad.Add(ad.Sum(ad.Mul(ad.Square(x), x)), ad.Mul(ad.Slice(x, 0, 0, 1), ad.Slice(x, 0, 1, 2)))
	}
	h := Hessian([]*ad.Tensor[float64]{x}, f, 0)
	want := []float64{3, 1, 0, 1, -6, 0, 0, 0, 12}
	closeSlices(t, "Hessian", symData(h), want, 1e-7)
	if x.Data[0] != 0.5 || x.Grad != nil {
		t.Errorf("Hessian left x at %v with gradient %v", x.Data, x.Grad)
	}
}

// TestGaussNewtonIsHessianOfLinearLeastSquares: for a linear model under
// squared error the Gauss-Newton matrix is the Hessian.
func TestGaussNewtonIsHessianOfLinearLeastSquares(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 15))
	net := nn.NewMLP[float64](rnd, []int{3, 2}, nil)
	x, y := ad.Randn[float64](rnd, 6, 3), ad.Randn[float64](rnd, 6, 2)
	ps := net.Params()
	ggn := FisherGGN(ps, func() *ad.Tensor[float64] { return net.Forward(x) }, SquaredErrorHessian)
	hess := Hessian(ps, func() *ad.Tensor[float64] { return halfSquaredError(net.Forward(x), y) }, 0)
	closeSlices(t, "Gauss-Newton vs Hessian", symData(ggn), symData(hess), 1e-7)
}

// TestFisherGGNOfSoftmaxIsTheFisher compares FisherGGN with
// SoftmaxHessian against the Fisher of a softmax classifier computed by
// enumerating the classes: (1/N) Σᵢ Σ_y p(y|xᵢ) ∇log p ∇log pᵀ.
func TestFisherGGNOfSoftmaxIsTheFisher(t *testing.T) {
	const n, k = 5, 3
	rnd := rand.New(rand.NewPCG(2, 15))
	net := nn.NewMLP[float64](rnd, []int{2, 4, k}, ad.Tanh[float64])
	x := ad.Randn[float64](rnd, n, 2)
	ps := net.Params()
	ggn := FisherGGN(ps, func() *ad.Tensor[float64] { return net.Forward(x) }, SoftmaxHessian)

	d := count(ps)
	want := mat.NewSymDense(d, nil)
	row := make([]float64, d)
	for i := range n {
		xi := ad.Slice(x, 0, i, i+1)
		logp := ad.LogSoftmax(net.Forward(xi), 1)
		for c := range k {
			p := math.Exp(logp.Data[c])
			withGrads(ps, func() {
				ad.Slice(ad.LogSoftmax(net.Forward(xi), 1), 1, c, c+1).Backward()
				gradRow(ps, row)
			})
			want.SymRankOne(want, p/n, mat.NewVecDense(d, row))
		}
	}
	closeSlices(t, "FisherGGN(SoftmaxHessian) vs enumerated Fisher", symData(ggn), symData(want), 1e-10)
}
