package kfacfoof

import (
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/nn"
)

// GaussNewton returns the Gauss-Newton matrix
//
//	(1/N) Σᵢ Jᵢᵀ diag(pᵢ ⊙ (1 − pᵢ)) Jᵢ,   pᵢ = σ(net(xᵢ)),
//
// of the summed Bernoulli cross-entropy of the logits net(x) over the
// rows of x, which is the Fisher of the Bernoulli model: the curvature of
// the exact natural gradient, over net.Params() in their order. It is
// optim.FisherGGN with the per-layer structure of an MLP used to save
// work: a backward pass of the whole batch per output unit c gives, at
// every layer, the rows gᵢ of ∂(√hᵢ꜀ sᵢ꜀)/∂s (the examples do not
// interact), and the row of Jᵢ for c is then āᵢ ⊗ gᵢ layer by layer. That
// is K backward passes instead of N·K. It leaves the gradients and the
// hook of net as it found them.
func GaussNewton(net *nn.MLP[float64], x *ad.Tensor[float64]) *mat.SymDense {
	params := net.Params()
	saved := make([][]float64, len(params))
	d := 0
	for i, p := range params {
		saved[i], p.Grad = p.Grad, nil
		d += p.Len()
	}
	hook := net.Hook
	defer func() {
		net.Hook = hook
		for i, p := range params {
			p.Grad = saved[i]
		}
	}()
	rec := nn.Record(net)
	out := net.Forward(x)
	n, k := out.Dim(0), out.Dim(1)
	b := mat.NewDense(n*k, d, nil) // the rows √hᵢ꜀ Jᵢ꜀
	cot := ad.Zeros[float64](n, k)
	for c := range k {
		clear(cot.Data)
		for i := range n {
			p := 1 / (1 + math.Exp(-out.Data[i*k+c]))
			cot.Data[i*k+c] = math.Sqrt(p * (1 - p))
		}
		for _, tr := range rec.Traces {
			clear(tr.Out.Grad)
		}
		out.BackwardKeepGraph(cot)
		for i := range n {
			row := b.RawRowView(i*k + c)
			for _, tr := range rec.Traces {
				in, o := tr.Layer.In(), tr.Layer.Out()
				a, g := tr.In.Data[i*in:(i+1)*in], tr.Out.Grad[i*o:(i+1)*o]
				for r, ar := range a {
					w := row[r*o : (r+1)*o]
					for q, gq := range g {
						w[q] = ar * gq
					}
				}
				row = row[in*o:]
				if tr.Layer.B != nil {
					copy(row, g)
					row = row[o:]
				}
			}
		}
	}
	var f mat.SymDense
	f.SymOuterK(1/float64(n), b.T())
	return &f
}
