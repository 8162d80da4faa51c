package estimators

import (
	"fmt"
	"math"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/nn"
	"github.com/stochgrad/stochgrad/toolkit/solvers"
)

// structureFamily is RELAX's view of a Structured distribution: the
// pre-activation is the exponentials E, the sample the structure computed on
// them, and its traces (one per sample, set by hard) give log p(T), its
// score and the conditional E | T.
type structureFamily[T ad.Float] struct {
	st     solvers.Tracer
	logits *ad.Tensor[T]
	tr     []solvers.Trace
	used   []T // per sample, 1 where a variable is in some candidate set
}

// z returns E = exp(−l)·(−log u), differentiable in l.
func (f *structureFamily[T]) z(l *ad.Tensor[T], u []float64) *ad.Tensor[T] {
	eps := make([]T, len(u))
	for i, x := range u {
		eps[i] = T(-math.Log(x))
	}
	return ad.Mul(ad.Exp(ad.Neg(l)), ad.New(eps, l.Shape()...))
}

// hard runs the algorithm on each sample's exponentials and keeps the
// traces for the other methods.
func (f *structureFamily[T]) hard(z *ad.Tensor[T]) *ad.Tensor[T] {
	n := f.logits.Len()
	s := z.Len() / n
	f.tr, f.used = make([]solvers.Trace, s), make([]T, s*n)
	b := ad.Zeros[T](z.Shape()...)
	zi := make([]float64, n)
	for i := range s {
		f.tr[i] = f.st.Trace(zi, rgmFloat64s(z.Data[i*n:(i+1)*n]))
		for k, v := range zi {
			b.Data[i*n+k] = T(v)
		}
		for k, u := range f.tr[i].Used(n) {
			if u {
				f.used[i*n+k] = 1
			}
		}
	}
	return b
}

// cond draws E | T for each sample from the uniforms v, reparameterised in
// l (the traces held fixed).
func (f *structureFamily[T]) cond(l, _ *ad.Tensor[T], v []float64) *ad.Tensor[T] {
	n := f.logits.Len()
	conds := make([]rgmCond, len(f.tr))
	val := make([]T, l.Len())
	eps := make([]float64, n)
	for i, tr := range f.tr {
		for k := range eps {
			eps[k] = -math.Log(v[i*n+k])
		}
		conds[i].sample(rgmFloat64s(l.Data[i*n:(i+1)*n]), tr, eps)
		for k, e := range conds[i].e {
			val[i*n+k] = T(e)
		}
	}
	return ad.Custom("RELAX.TraceConditional", ad.New(val, l.Shape()...), []*ad.Tensor[T]{l}, func(g *ad.Tensor[T]) []*ad.Tensor[T] {
		out := make([]T, l.Len())
		for i := range conds {
			for k, x := range conds[i].vjp(rgmFloat64s(g.Data[i*n : (i+1)*n])) {
				out[i*n+k] = T(x)
			}
		}
		return []*ad.Tensor[T]{ad.New(out, l.Shape()...)}
	})
}

func (f *structureFamily[T]) relax(_, _ *ad.Tensor[T]) *ad.Tensor[T] {
	panic("estimators.RELAX: a Structured distribution has no relaxation")
}

// logProb returns log p(T_s) for each sample, [S].
func (f *structureFamily[T]) logProb(logits, _ *ad.Tensor[T]) *ad.Tensor[T] {
	lps := make([]*ad.Tensor[T], len(f.tr))
	for i, tr := range f.tr {
		lps[i] = TraceLogProb(logits, tr)
	}
	return ad.Stack(0, lps...)
}

// score returns ∇ log p(T_s) at each sample's logits.
func (f *structureFamily[T]) score(l, _ *ad.Tensor[T]) []float64 {
	n := f.logits.Len()
	g := make([]float64, 0, l.Len())
	for i, tr := range f.tr {
		g = append(g, rgmScoreT(rgmFloat64s(l.Data[i*n:(i+1)*n]), tr)...)
	}
	return g
}

// features masks the variables outside every candidate set of the
// sample's trace: x holds blocks of S rows in sample order.
func (f *structureFamily[T]) features(x *ad.Tensor[T]) *ad.Tensor[T] {
	blocks := x.Len() / len(f.used)
	mask := make([]T, 0, x.Len())
	for range blocks {
		mask = append(mask, f.used...)
	}
	return ad.Mul(x, ad.New(mask, x.Shape()...))
}

func (f *structureFamily[T]) defaultEta() T { return 0 }

// Critic adapts a network to RELAX's Residual: each sample, of any shape, is
// flattened into one row of m's input, and m's single output is the
// sample's value. The reference's critic for structures is
// nn.NewMLP(rnd, []int{n, 32, 1}, ad.ReLU).
func Critic[T ad.Float](m *nn.MLP[T]) Func[T] {
	return func(x *ad.Tensor[T]) *ad.Tensor[T] {
		rows := x.Dim(0)
		out := m.Forward(ad.Reshape(x, rows, -1))
		if out.Len() != rows {
			panic(fmt.Sprintf("estimators.Critic: network output of shape %v for %d samples (want one value each)", out.Shape(), rows))
		}
		return ad.Reshape(out, rows)
	}
}
