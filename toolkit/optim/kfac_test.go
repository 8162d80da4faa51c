package optim

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/nn"
)

// halfSquaredError returns the mean over rows of ½‖s − y‖².
func halfSquaredError(s, y *ad.Tensor[float64]) *ad.Tensor[float64] {
	return ad.MulScalar(ad.Mean(ad.Sum(ad.Square(ad.Sub(s, y)), 1)), 0.5)
}

// grads returns copies of the gradients of params, one after the other.
func grads(params []*ad.Tensor[float64]) []float64 {
	var g []float64
	for _, p := range params {
		g = append(g, p.Grad...)
	}
	return g
}

func closeSlices(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	scale := 0.0
	for _, w := range want {
		scale = max(scale, math.Abs(w))
	}
	for i := range got {
		if d := math.Abs(got[i] - want[i]); !(d <= tol*scale) {
			t.Fatalf("%s: entry %d is %v, want %v (|diff| %.3g > %.3g)\ngot  %v\nwant %v", what, i, got[i], want[i], d, tol*scale, got, want)
		}
	}
}

// kroneckerProblem returns the inputs and targets of a one-layer model on
// which the empirical Fisher is exactly A ⊗ G: every input aⱼ meets every
// residual gₖ once (N = n·m rows, yⱼₖ = s(aⱼ) − gₖ), so the per-example
// gradients āⱼ ⊗ gₖ average to (1/n Σ āāᵀ) ⊗ (1/m Σ ggᵀ).
func kroneckerProblem(rnd *rand.Rand, l *nn.Linear[float64], n, m int) (x, y *ad.Tensor[float64]) {
	in, out := l.In(), l.Out()
	as := ad.Randn[float64](rnd, n, in)
	gs := ad.Randn[float64](rnd, m, out)
	s := l.Forward(as)
	x, y = ad.Zeros[float64](n*m, in), ad.Zeros[float64](n*m, out)
	for j := range n {
		for k := range m {
			r := j*m + k
			copy(x.Data[r*in:], as.Data[j*in:(j+1)*in])
			for c := range out {
				y.Data[r*out+c] = s.Data[j*out+c] - gs.Data[k*out+c]
			}
		}
	}
	return x, y
}

func TestKFACEqualsExactNaturalGradientWhenFisherIsKronecker(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 12))
	m := nn.NewMLP[float64](rnd, []int{3, 2}, nil)
	copy(m.Layers[0].B.Data, ad.Randn[float64](rnd, 2).Data) // a non-zero bias
	rec := nn.Record(m)
	params := m.Params()
	x, y := kroneckerProblem(rnd, m.Layers[0], 5, 4)

	halfSquaredError(m.Forward(x), y).Backward()
	grad := grads(params)
	// K-FAC's damping enters as √λ per factor: 1e-16 leaves 1e-8.
	kfac := &KFAC[float64]{Damping: 1e-16}
	if err := kfac.Precondition(Layers(params, rec.Traces)); err != nil {
		t.Fatal(err)
	}
	got := grads(params)

	for _, p := range params {
		copy(p.Grad, grad[:p.Len()])
		grad = grad[p.Len():]
	}
	fisher := func(ps []*ad.Tensor[float64]) (*mat.SymDense, error) {
		return EmpiricalFisher(ps, x.Dim(0), func(i int) *ad.Tensor[float64] {
			return halfSquaredError(m.Forward(ad.Slice(x, 0, i, i+1)), ad.Slice(y, 0, i, i+1))
		}), nil
	}
	exact := &Exact[float64]{Curvature: fisher, Damping: 1e-14}
	if err := exact.Precondition(Layers(params, nil)); err != nil {
		t.Fatal(err)
	}
	closeSlices(t, "K-FAC vs exact natural gradient", got, grads(params), 1e-6)
}

func TestFOOFIsKFACWithIdentityOutputFactor(t *testing.T) {
	const n, in, out = 6, 4, 3
	rnd := rand.New(rand.NewPCG(2, 12))
	m := nn.NewMLP[float64](rnd, []int{in, out}, nil)
	rec := nn.Record(m)
	params := m.Params()
	x := ad.Randn[float64](rnd, n, in)
	// Output gradients cᵢ = Q e_{i mod 3}/√(2n), Q orthogonal, so that
	// G = N Σ cᵢcᵢᵀ = Q Qᵀ = I.
	var q mat.QR
	q.Factorize(mat.NewDense(out, out, ad.Randn[float64](rnd, out, out).Data))
	var qm mat.Dense
	q.QTo(&qm)
	cot := ad.Zeros[float64](n, out)
	for i := range n {
		for c := range out {
			cot.Data[i*out+c] = qm.At(c, i%out) / math.Sqrt(2*n)
		}
	}
	run := func(p Preconditioner[float64]) []float64 {
		nn.ZeroGrad(m)
		m.Forward(x).BackwardWith(cot)
		if err := p.Precondition(Layers(params, rec.Traces)); err != nil {
			t.Fatal(err)
		}
		return grads(params)
	}
	const lambda = 0.01
	kfac := run(&KFAC[float64]{Damping: lambda})
	// With G = I, K-FAC's factored damping gives
	// (A + π√λ I)⁻¹ ∇ / (1 + √λ/π), π = √(tr A/dim A).
	trA := 0.0
	for _, v := range x.Data {
		trA += v * v / n
	}
	trA++ // the bias input
	pi := math.Sqrt(trA / (in + 1))
	for i := range kfac {
		kfac[i] *= 1 + math.Sqrt(lambda)/pi
	}
	foof := run(&FOOF[float64]{Damping: pi * math.Sqrt(lambda)})
	closeSlices(t, "K-FAC with G = I vs FOOF", kfac, foof, 1e-10)
}

// TestNaturalGradientInvariantToInputReparameterisation checks that the
// exact natural gradient, and K-FAC, give the same function-space step
// when the inputs x of the first layer are replaced by x·M and its weights
// by M⁻¹W: the step on W is then M⁻¹ times the original one.
func TestNaturalGradientInvariantToInputReparameterisation(t *testing.T) {
	const n, in = 20, 3
	rnd := rand.New(rand.NewPCG(3, 12))
	x := ad.Randn[float64](rnd, n, in)
	y := ad.Randn[float64](rnd, n, 2)
	mm := mat.NewDense(in, in, ad.Randn[float64](rnd, in, in).Data)
	var minv mat.Dense
	if err := minv.Inverse(mm); err != nil {
		t.Fatal(err)
	}
	netA := nn.NewMLP[float64](rnd, []int{in, 4, 2}, ad.Tanh[float64])
	for _, p := range netA.Params() {
		copy(p.Data, ad.Randn[float64](rnd, p.Len()).Data)
	}
	netB := nn.NewMLP[float64](rnd, []int{in, 4, 2}, ad.Tanh[float64])
	for i, p := range netB.Params() {
		copy(p.Data, netA.Params()[i].Data)
	}
	w := netB.Layers[0].W
	var mw mat.Dense
	mw.Mul(&minv, mat.NewDense(in, 4, w.Data))
	copy(w.Data, mw.RawMatrix().Data)
	var xm mat.Dense
	xm.Mul(mat.NewDense(n, in, x.Data), mm)
	xB := ad.New(append([]float64(nil), xm.RawMatrix().Data...), n, in)

	for _, tc := range []struct {
		name string
		p    func(net *nn.MLP[float64], x *ad.Tensor[float64]) Preconditioner[float64]
	}{
		{"natural gradient", func(net *nn.MLP[float64], x *ad.Tensor[float64]) Preconditioner[float64] {
			return &Exact[float64]{Damping: 1e-12, Curvature: func(ps []*ad.Tensor[float64]) (*mat.SymDense, error) {
				return FisherGGN(ps, func() *ad.Tensor[float64] { return net.Forward(x) }, SquaredErrorHessian), nil
			}}
		}},
		{"K-FAC", func(*nn.MLP[float64], *ad.Tensor[float64]) Preconditioner[float64] {
			return &KFAC[float64]{Damping: 1e-20}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			step := func(net *nn.MLP[float64], x *ad.Tensor[float64]) [][]float64 {
				rec := nn.Record(net)
				nn.ZeroGrad(net)
				halfSquaredError(net.Forward(x), y).Backward()
				if err := tc.p(net, x).Precondition(Layers(net.Params(), rec.Traces)); err != nil {
					t.Fatal(err)
				}
				var g [][]float64
				for _, p := range net.Params() {
					g = append(g, append([]float64(nil), p.Grad...))
				}
				return g
			}
			gA, gB := step(netA, x), step(netB, xB)
			// Map B's first-layer step back: ΔW_A = M ΔW_B.
			var back mat.Dense
			back.Mul(mm, mat.NewDense(in, 4, gB[0]))
			gB[0] = back.RawMatrix().Data
			for i := range gA {
				closeSlices(t, tc.name+" step of parameter "+string(rune('0'+i)), gB[i], gA[i], 1e-6)
			}
		})
	}
}

// TestKFACStepMinimisesTheExactQuadraticModel checks the step size and
// momentum of KFACStep against the empirical Fisher of the mini-batch
// computed example by example: the update must be δ = αΔ + μδ₀ with (α, μ)
// minimising ∇ᵀδ + ½δᵀ(F + λI)δ.
func TestKFACStepMinimisesTheExactQuadraticModel(t *testing.T) {
	for _, fisher := range []Fisher{Empirical, Sampled} {
		t.Run(fisher.String(), func(t *testing.T) { testQuadraticModel(t, fisher) })
	}
}

// testQuadraticModel checks KFACStep's update over three steps against F
// computed example by example, on the data's targets (Empirical) or on
// targets drawn from the model's N(s, I) (Sampled).
func testQuadraticModel(t *testing.T, fisher Fisher) {
	const n = 8
	rnd := rand.New(rand.NewPCG(4, 12))
	net := nn.NewMLP[float64](rnd, []int{3, 4, 2}, ad.Tanh[float64])
	params := net.Params()
	rec := nn.Record(net)
	x, y := ad.Randn[float64](rnd, n, 3), ad.Randn[float64](rnd, n, 2)
	opt := &KFACStep[float64]{Rec: rec, KFAC: KFAC[float64]{Damping: 0.1, Fisher: fisher}}
	var prev *mat.VecDense
	for step := range 3 {
		before := flatData(params)
		ycurv := y
		if fisher == Sampled {
			ycurv = ad.Add(net.Forward(x), ad.Randn[float64](rnd, n, 2))
			ycurv = ad.New(ycurv.Data, n, 2)
		}
		f := EmpiricalFisher(params, n, func(i int) *ad.Tensor[float64] {
			return halfSquaredError(net.Forward(ad.Slice(x, 0, i, i+1)), ad.Slice(ycurv, 0, i, i+1))
		})
		nn.ZeroGrad(net)
		out := net.Forward(x)
		if fisher == Sampled {
			halfSquaredError(out, ycurv).BackwardKeepGraph(nil)
			rec.KeepCurvatureGrads()
			nn.ZeroGrad(net)
		}
		halfSquaredError(out, y).Backward()
		g := flatGrad(params)
		if err := opt.Step(params); err != nil {
			t.Fatal(err)
		}
		delta := flatGrad(params) // the preconditioned gradient, −Δ
		delta.ScaleVec(-1, delta)
		var moved mat.VecDense
		moved.SubVec(flatData(params), before)

		lambda := 0.1
		quad := func(u, v *mat.VecDense) float64 { return mat.Inner(u, f, v) + lambda*mat.Dot(u, v) }
		var want mat.VecDense
		if prev == nil {
			alpha := -mat.Dot(g, delta) / quad(delta, delta)
			want.ScaleVec(alpha, delta)
		} else {
			m := mat.NewSymDense(2, []float64{quad(delta, delta), quad(delta, prev), quad(delta, prev), quad(prev, prev)})
			var am mat.VecDense
			if err := am.SolveVec(m, mat.NewVecDense(2, []float64{-mat.Dot(g, delta), -mat.Dot(g, prev)})); err != nil {
				t.Fatal(err)
			}
			want.ScaleVec(am.AtVec(0), delta)
			want.AddScaledVec(&want, am.AtVec(1), prev)
		}
		closeSlices(t, "update of step "+string(rune('1'+step)), moved.RawVector().Data, want.RawVector().Data, 1e-9)
		prev = &moved
	}
}

func flatData(params []*ad.Tensor[float64]) *mat.VecDense {
	var v []float64
	for _, p := range params {
		v = append(v, p.Data...)
	}
	return mat.NewVecDense(len(v), v)
}

// TestKFACStepTrains checks that K-FAC with its adaptive damping fits a
// small regression network far faster than the loss it starts from, and
// that the damping adapts.
func TestKFACStepTrains(t *testing.T) {
	const n = 64
	rnd := rand.New(rand.NewPCG(5, 12))
	teacher := nn.NewMLP[float64](rnd, []int{4, 8, 3}, ad.Tanh[float64])
	x := ad.Randn[float64](rnd, n, 4)
	y := teacher.Forward(x)
	y = ad.New(y.Data, n, 3) // a constant target
	net := nn.NewMLP[float64](rnd, []int{4, 8, 3}, ad.Tanh[float64])
	params := net.Params()
	loss := func() float64 { return halfSquaredError(net.Forward(x), y).Item() }
	opt := &KFACStep[float64]{Rec: nn.Record(net), Loss: loss, KFAC: KFAC[float64]{Damping: 1, InvEvery: 1}}
	h0 := loss()
	for range 50 {
		nn.ZeroGrad(net)
		halfSquaredError(net.Forward(x), y).Backward()
		if err := opt.Step(params); err != nil {
			t.Fatal(err)
		}
	}
	if h := loss(); !(h < 1e-2*h0) {
		t.Errorf("loss %v after 50 K-FAC steps from %v, want below 1%% of it", h, h0)
	}
	if opt.KFAC.Damping == 1 {
		t.Errorf("damping never adapted (ρ = %v)", opt.Rho)
	}
}

// TestKFACSampledFisherUsesModelTargets checks the sampled-Fisher
// plumbing: with targets drawn from the model's own Gaussian N(s, I), the
// output factor G is the identity up to its standard error.
func TestKFACSampledFisherUsesModelTargets(t *testing.T) {
	const n, out = 4000, 2
	rnd := rand.New(rand.NewPCG(6, 12))
	net := nn.NewMLP[float64](rnd, []int{3, out}, nil)
	rec := nn.Record(net)
	x := ad.Randn[float64](rnd, n, 3)
	y := ad.Randn[float64](rnd, n, out) // data targets: their gradients are not what G sees
	for i := range y.Data {
		y.Data[i] = 10 + 3*y.Data[i]
	}
	s := net.Forward(x)
	ys := ad.Add(ad.StopGradient(s), ad.Randn[float64](rnd, n, out))
	halfSquaredError(s, ys).BackwardKeepGraph(nil)
	rec.KeepCurvatureGrads()
	nn.ZeroGrad(net)
	halfSquaredError(s, y).Backward()
	k := &KFAC[float64]{Fisher: Sampled}
	if err := k.Precondition(Layers(net.Params(), rec.Traces)); err != nil {
		t.Fatal(err)
	}
	g := k.st[net.Layers[0].W].g
	for a := range out {
		for b := range out {
			want, se := 0.0, 1/math.Sqrt(n)
			if a == b {
				want, se = 1, math.Sqrt(2.0/n)
			}
			v := g[min(a, b)*out+max(a, b)] // the upper triangle
			if z := (v - want) / se; math.Abs(z) > 4 {
				t.Errorf("G[%d,%d] = %v, want %v ± %.3g (z = %.1f)", a, b, v, want, se, z)
			}
		}
	}
	if err := (&KFAC[float64]{Fisher: Sampled}).Precondition(Layers(net.Params(), []nn.Trace[float64]{{Layer: net.Layers[0], In: x, Out: s}})); err == nil {
		t.Error("Sampled Fisher without sampled gradients: no error")
	}
}

// TestKFACFloat32MatchesFloat64 runs K-FAC (a layer without bias included)
// and FOOF through Preconditioned in both precisions on the same network.
func TestKFACFloat32MatchesFloat64(t *testing.T) {
	run := func(p Preconditioner[float64], q Preconditioner[float32]) {
		rnd := rand.New(rand.NewPCG(7, 12))
		n64 := nn.NewMLP[float64](rnd, []int{5, 6, 3}, ad.Tanh[float64])
		n64.Layers[1].B = nil
		x64, y64 := ad.Randn[float64](rnd, 16, 5), ad.Randn[float64](rnd, 16, 3)
		n32 := &nn.MLP[float32]{Activation: ad.Tanh[float32]}
		for _, l := range n64.Layers {
			l32 := &nn.Linear[float32]{W: ad.Param(ad.Convert[float32](l.W))}
			if l.B != nil {
				l32.B = ad.Param(ad.Convert[float32](l.B))
			}
			n32.Layers = append(n32.Layers, l32)
		}
		x32, y32 := ad.Convert[float32](x64), ad.Convert[float32](y64)
		o64 := &Preconditioned[float64]{Base: &SGD[float64]{LR: 0.1}, P: p, Rec: nn.Record(n64)}
		o32 := &Preconditioned[float32]{Base: &SGD[float32]{LR: 0.1}, P: q, Rec: nn.Record(n32)}
		for range 3 {
			nn.ZeroGrad(n64)
			halfSquaredError(n64.Forward(x64), y64).Backward()
			if err := o64.Step(n64.Params()); err != nil {
				t.Fatal(err)
			}
			nn.ZeroGrad(n32)
			d := ad.Sub(n32.Forward(x32), y32)
			ad.MulScalar(ad.Mean(ad.Sum(ad.Square(d), 1)), 0.5).Backward()
			if err := o32.Step(n32.Params()); err != nil {
				t.Fatal(err)
			}
		}
		for i, p := range n64.Params() {
			closeSlices(t, "parameter "+string(rune('0'+i)), ad.Convert[float64](n32.Params()[i]).Data, p.Data, 1e-4)
		}
	}
	run(&KFAC[float64]{Damping: 0.01, InvEvery: 2}, &KFAC[float32]{Damping: 0.01, InvEvery: 2})
	run(&FOOF[float64]{Damping: 0.01}, &FOOF[float32]{Damping: 0.01})
}

func TestSecondOrderRejectInvalidParameters(t *testing.T) {
	rnd := rand.New(rand.NewPCG(8, 12))
	net := nn.NewMLP[float64](rnd, []int{2, 2}, nil)
	rec := nn.Record(net)
	halfSquaredError(net.Forward(ad.Randn[float64](rnd, 4, 2)), ad.Zeros[float64](4, 2)).Backward()
	layers := Layers(net.Params(), rec.Traces)
	for _, tc := range []struct {
		p    Preconditioner[float64]
		want string
	}{
		{&KFAC[float64]{Damping: -1}, "Damping = -1"},
		{&KFAC[float64]{Decay: 1}, "Decay = 1"},
		{&KFAC[float64]{InvEvery: -2}, "InvEvery = -2"},
		{&KFAC[float64]{Fisher: 7}, "Fisher = Fisher(7)"},
		{&FOOF[float64]{Damping: math.Inf(1)}, "Damping = +Inf"},
		{&Exact[float64]{}, "needs a Curvature"},
		{&KFAC[float64]{}, "trained whole"},
	} {
		ls := layers
		if tc.want == "trained whole" {
			ls = []Layer[float64]{{Params: net.Params()[:1], Trace: layers[0].Trace}}
		}
		err := tc.p.Precondition(ls)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%T: error %v, want one saying %q", tc.p, err, tc.want)
		}
	}
	if _, err := (&QBVI{LogJoint: func([]float64) float64 { return 0 }, Rand: rnd, Mean: []float64{0}, LR: 2}).Step(); err == nil {
		t.Error("QBVI with LR 2: no error")
	}
	if err := (&KFACStep[float64]{}).Step(net.Params()); err == nil {
		t.Error("KFACStep without recorder: no error")
	}
}

func TestKFACStepAtAStationaryPointStaysPut(t *testing.T) {
	rnd := rand.New(rand.NewPCG(9, 12))
	net := nn.NewMLP[float64](rnd, []int{2, 2}, nil)
	x := ad.Randn[float64](rnd, 4, 2)
	y := ad.New(append([]float64(nil), net.Forward(x).Data...), 4, 2) // a perfect fit
	opt := &KFACStep[float64]{Rec: nn.Record(net)}
	before := flatData(net.Params())
	halfSquaredError(net.Forward(x), y).Backward()
	if err := opt.Step(net.Params()); err != nil {
		t.Fatal(err)
	}
	closeSlices(t, "parameters", flatData(net.Params()).RawVector().Data, before.RawVector().Data, 0)
}
