package estimators

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// TraceRELAX is the RELAX estimator (Grathwohl et al. 2018) over execution
// traces. For each sample it draws E ~ p(E; θ) reparameterised, runs the
// algorithm to get T, draws Ẽ ~ p(E | T) reparameterised in θ with T fixed
// (TraceConditional), and returns
//
//	g = (f(z) − c(Ẽ))·∇θ log p(T) + ∇θ c(E) − ∇θ c(Ẽ),
//
// unbiased for any critic c. The critic sees the exponentials of the
// variables that appear in the trace (the others set to 0), so it adds no
// gradient to unused logits.
//
// The critic is trained, as in the reference, by minimising the mean over
// samples of ‖g‖², whose expectation is the estimator's total variance plus
// a term that does not depend on the critic. This needs ∂g/∂φ, a mixed
// second derivative that the engine's single backward pass cannot give, so
// it is computed here in closed form for the one-hidden-layer ReLU critic
// TraceCritic by the chain rule:
//
//	∂‖g‖²/∂φ = 2·[−(g·∇log p(T))·∂c(Ẽ)/∂φ + ∂⟨J_E g, ∇c(E)⟩/∂φ − ∂⟨J_Ẽ g, ∇c(Ẽ)⟩/∂φ],
//
// where J_E = ∂E/∂θ and J_Ẽ = ∂Ẽ/∂θ (Jacobian-vector products of the
// reparameterisations; the ReLU's second derivative is zero almost
// everywhere, as in PyTorch's double backward). The Surrogate carries both
// gradients: Backward puts the estimate of ∇θ E[f] into the logits and the
// gradient of mean ‖g‖² into the critic's parameters, so one optimizer over
// both reproduces the reference's training. Samples is the number of
// independent draws, default 1; the average of their g is the estimate.
// RELAX takes no leave-one-out baseline (the reference forbids it).
//
// Estimate draws one uniform per variable for each sample's E, sample by
// sample (as EReinforce and TReinforce do, so all three see the same
// exponentials from the same seed), and then one per variable for each
// sample's Ẽ (as TraceConditional does).
type TraceRELAX[T ad.Float] struct {
	Structure Structure
	Samples   int
	Critic    *TraceCritic[T]
}

// TraceCritic is RELAX's control variate c(E), the reference's
// flatten → Linear(Hidden) → ReLU → Linear(1):
// c(x) = W2·relu(W1 x + B1) + B2. Its parameters are leaves (ad.Param) for an
// optimizer.
type TraceCritic[T ad.Float] struct {
	W1 *ad.Tensor[T] // [hidden, inputs]
	B1 *ad.Tensor[T] // [hidden]
	W2 *ad.Tensor[T] // [hidden]
	B2 *ad.Tensor[T] // [1]
}

// NewTraceCritic returns a critic for inputs variables with the given
// hidden width (0 means 32, the reference's), initialised as PyTorch's
// Linear: uniform on ±1/√fan_in, drawn from rnd in the order W1, B1, W2, B2.
func NewTraceCritic[T ad.Float](rnd *rand.Rand, inputs, hidden int) (*TraceCritic[T], error) {
	if hidden == 0 {
		hidden = 32
	}
	if inputs < 1 || hidden < 1 {
		return nil, fmt.Errorf("estimators: NewTraceCritic needs inputs ≥ 1 and hidden ≥ 1, got %d and %d", inputs, hidden)
	}
	uni := func(fanIn int, shape ...int) *ad.Tensor[T] {
		b := 1 / math.Sqrt(float64(fanIn))
		t := ad.Zeros[T](shape...)
		for i := range t.Data {
			t.Data[i] = T(b * (2*rnd.Float64() - 1))
		}
		return ad.Param(t)
	}
	return &TraceCritic[T]{
		W1: uni(inputs, hidden, inputs),
		B1: uni(inputs, hidden),
		W2: uni(hidden, hidden),
		B2: uni(hidden, 1),
	}, nil
}

// Params returns W1, B1, W2, B2.
func (c *TraceCritic[T]) Params() []*ad.Tensor[T] { return []*ad.Tensor[T]{c.W1, c.B1, c.W2, c.B2} }

// Inputs returns the number of inputs.
func (c *TraceCritic[T]) Inputs() int { return c.W1.Dim(1) }

// Forward returns c(x) for a batch x of shape [B, inputs] (result [B]) or a
// single x of shape [inputs] (result a scalar), differentiable in x and in
// the parameters.
func (c *TraceCritic[T]) Forward(x *ad.Tensor[T]) *ad.Tensor[T] {
	in, h := c.Inputs(), c.W1.Dim(0)
	single := x.Rank() == 1
	if single {
		x = ad.Reshape(x, 1, in)
	}
	if x.Rank() != 2 || x.Dim(1) != in {
		panic(fmt.Sprintf("estimators.TraceCritic.Forward: input of shape %v for %d inputs", x.Shape(), in))
	}
	a := ad.ReLU(ad.Add(ad.MatMul(x, ad.Transpose(c.W1)), c.B1))
	out := ad.Add(ad.Reshape(ad.MatMul(a, ad.Reshape(c.W2, h, 1)), x.Dim(0)), c.B2)
	if single {
		return ad.Reshape(out)
	}
	return out
}

// Estimate returns the RELAX estimate for the logits, which may have any
// shape of Structure.Len() elements; f receives z of shape
// [Samples, logits' shape...].
func (r TraceRELAX[T]) Estimate(rnd *rand.Rand, logits *ad.Tensor[T], f Func[T]) Estimate[T] {
	o := r.compute(rnd, logits, f)
	c := r.Critic
	params := c.Params()
	grads := [][]float64{o.gW1, o.gB1, o.gW2, o.gB2}
	critic := ad.Custom("TraceRELAXCriticLoss", ad.Scalar(T(o.loss)), params, func(g *ad.Tensor[T]) []*ad.Tensor[T] {
		out := make([]*ad.Tensor[T], len(params))
		for i, p := range params {
			v := make([]T, len(grads[i]))
			for k, x := range grads[i] {
				v[k] = g.Data[0] * T(x)
			}
			out[i] = ad.New(v, p.Shape()...)
		}
		return out
	})
	g := make([]T, len(o.g))
	for k, v := range o.g {
		g[k] = T(v)
	}
	sur := ad.Add(ad.Sum(ad.Mul(ad.New(g, logits.Shape()...), logits)), critic)
	return Estimate[T]{Value: T(o.value), Surrogate: sur, Samples: o.samples}
}

// rgmRELAXOut is one RELAX evaluation: the mean estimate, the critic's loss
// mean ‖g_i‖² and its gradient in the critic's parameters.
type rgmRELAXOut struct {
	g                  []float64 // mean estimate
	value, loss        float64
	gW1, gB1, gW2, gB2 []float64
	samples            int
}

func (r TraceRELAX[T]) compute(rnd *rand.Rand, logits *ad.Tensor[T], f Func[T]) (o rgmRELAXOut) {
	const op = "TraceRELAX"
	if r.Critic == nil {
		panic("estimators.TraceRELAX: nil Critic; make one with NewTraceCritic")
	}
	if r.Structure != nil && r.Critic.Inputs() != r.Structure.Len() {
		panic(fmt.Sprintf("estimators.TraceRELAX: critic with %d inputs for a structure of %d variables", r.Critic.Inputs(), r.Structure.Len()))
	}
	d := rgmDraw(op, rnd, r.Structure, logits, rgmSamples(op, r.Samples, false), true)
	fv := rgmEval(op, f, d, logits.Shape())
	n, s := len(d.theta), len(fv)
	c := rgmHandCritic{
		w1: rgmFloat64s(r.Critic.W1.Data), b1: rgmFloat64s(r.Critic.B1.Data),
		w2: rgmFloat64s(r.Critic.W2.Data), b2: float64(r.Critic.B2.Data[0]),
		in: n,
	}
	hid := len(c.b1)
	o.samples, o.value = s, rgmMean(fv)
	o.g = make([]float64, n)
	o.gW1, o.gB1, o.gW2, o.gB2 = make([]float64, hid*n), make([]float64, hid), make([]float64, hid), make([]float64, 1)
	for i := range s {
		used := d.tr[i].Used(n)
		x1, x2 := make([]float64, n), make([]float64, n)
		for k := range n {
			if used[k] {
				x1[k], x2[k] = d.e[i][k], d.cond[i].e[k]
			}
		}
		_, _, d1 := c.forward(x1)
		c2, a2, d2 := c.forward(x2)
		v1, v2 := c.gradX(d1), c.gradX(d2)
		for k := range n {
			if !used[k] {
				v2[k] = 0
			}
		}
		score := rgmScoreT(d.theta, d.tr[i])
		back2 := d.cond[i].vjp(v2)
		g := make([]float64, n)
		for k := range n {
			g[k] = (fv[i]-c2)*score[k] - x1[k]*v1[k] - back2[k]
		}
		// Critic gradient of ‖g‖², see the type's comment.
		u1, u2 := make([]float64, n), d.cond[i].jvp(g)
		rs, gg := 0.0, 0.0
		for k := range n {
			u1[k] = -x1[k] * g[k]
			if !used[k] {
				u2[k] = 0
			}
			rs += g[k] * score[k]
			gg += g[k] * g[k]
		}
		w1u1, w1u2 := c.matVec(u1), c.matVec(u2)
		sc := 2 / float64(s)
		for h := range hid {
			// w2_h·relu'(pre-activation_h) at E and at Ẽ.
			gate1, gate2 := c.w2[h]*d1[h], c.w2[h]*d2[h]
			o.gW2[h] += sc * (-rs*a2[h] + d1[h]*w1u1[h] - d2[h]*w1u2[h])
			o.gB1[h] += sc * (-rs * gate2)
			row := o.gW1[h*n : (h+1)*n]
			for k := range n {
				row[k] += sc * (-rs*gate2*x2[k] + gate1*u1[k] - gate2*u2[k])
			}
		}
		o.gB2[0] += sc * (-rs)
		o.loss += gg / float64(s)
		for k := range n {
			o.g[k] += g[k] / float64(s)
		}
	}
	return o
}

// rgmHandCritic is TraceCritic in float64 with its derivatives by hand.
type rgmHandCritic struct {
	w1, b1, w2 []float64
	b2         float64
	in         int
}

// forward returns c(x), the hidden activations and the ReLU's derivative
// (1 where the pre-activation is positive).
func (c rgmHandCritic) forward(x []float64) (out float64, act, on []float64) {
	hid := len(c.b1)
	act, on = make([]float64, hid), make([]float64, hid)
	out = c.b2
	for h := range hid {
		pre := c.b1[h]
		row := c.w1[h*c.in : (h+1)*c.in]
		for k, v := range x {
			pre += row[k] * v
		}
		if pre > 0 {
			act[h], on[h] = pre, 1
			out += c.w2[h] * pre
		}
	}
	return out, act, on
}

// gradX returns ∇x c = W1ᵀ(w2 ⊙ on).
func (c rgmHandCritic) gradX(on []float64) []float64 {
	g := make([]float64, c.in)
	for h, a := range on {
		if a == 0 {
			continue
		}
		row := c.w1[h*c.in : (h+1)*c.in]
		for k, w := range row {
			g[k] += c.w2[h] * w
		}
	}
	return g
}

// matVec returns W1 u.
func (c rgmHandCritic) matVec(u []float64) []float64 {
	out := make([]float64, len(c.b1))
	for h := range out {
		row := c.w1[h*c.in : (h+1)*c.in]
		for k, w := range row {
			out[h] += w * u[k]
		}
	}
	return out
}
