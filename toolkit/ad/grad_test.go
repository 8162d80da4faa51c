package ad

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

// gradModel is a small graph: h = tanh(W·x + b), out = Σ h² · exp(s) with
// leaves W, b, s and the input x also a leaf.
func gradModel(rnd *rand.Rand) (w, b, s, x *Tensor[float64], h, out func() (*Tensor[float64], *Tensor[float64])) {
	w = Param(Randn[float64](rnd, 3, 4))
	b = Param(Randn[float64](rnd, 3))
	s = Param(Scalar(0.3))
	x = Param(Randn[float64](rnd, 4))
	f := func() (*Tensor[float64], *Tensor[float64]) {
		hid := Tanh(Add(Reshape(MatMul(w, Reshape(x, 4, 1)), 3), b))
		return hid, Mul(Sum(Mul(hid, hid)), Exp(s))
	}
	return w, b, s, x, f, f
}

func closeSlices(a, b []float64, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > tol*(1+math.Abs(b[i])) {
			return false
		}
	}
	return true
}

// TestGradMatchesBackward compares Grad with respect to leaves with the
// gradients Backward accumulates, and checks that Grad leaves every Grad
// as it was.
func TestGradMatchesBackward(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	w, b, s, x, _, f := gradModel(rnd)
	_, out := f()
	out.Backward()
	want := [][]float64{slices.Clone(w.Grad), slices.Clone(b.Grad), slices.Clone(s.Grad), slices.Clone(x.Grad)}
	w.Grad[0] = 42 // marks: Grad must not touch them
	b.Grad = nil
	before := slices.Clone(w.Grad)

	_, out = f()
	gs := Grad(out, nil, x, w, s, w)
	for i, k := range []int{3, 0, 2, 0} {
		if !closeSlices(gs[i].Data, want[k], 1e-12) {
			t.Errorf("Grad %d = %v, Backward gave %v", i, gs[i].Data, want[k])
		}
	}
	if !slices.Equal(w.Grad, before) || b.Grad != nil {
		t.Errorf("Grad changed leaves' Grad: W %v (was %v), b %v (was nil)", w.Grad, before, b.Grad)
	}
	// The graph is kept: Backward through it still works.
	out.Backward()
	if !closeSlices(x.Grad, []float64{2 * want[3][0], 2 * want[3][1], 2 * want[3][2], 2 * want[3][3]}, 1e-12) {
		t.Errorf("Backward after Grad: x.Grad %v, want twice %v", x.Grad, want[3])
	}
}

// TestGradComputedTarget takes the gradient with respect to an
// intermediate tensor: 2h·exp(s), without running the ops above h, whose
// graph a later Backward then uses.
func TestGradComputedTarget(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	w, _, s, _, _, f := gradModel(rnd)
	h, out := f()
	cot := Scalar(1.5)
	g := Grad(out, cot, h)[0]
	for i, v := range h.Data {
		if want := 1.5 * 2 * v * math.Exp(s.Item()); math.Abs(g.Data[i]-want) > 1e-12 {
			t.Errorf("∂out/∂h[%d] = %v, want %v", i, g.Data[i], want)
		}
	}
	if w.Grad != nil || s.Grad != nil || h.Grad != nil {
		t.Errorf("Grad wrote gradients: W %v, s %v, h %v", w.Grad, s.Grad, h.Grad)
	}
	out.Backward()
	if w.Grad == nil || s.Grad == nil {
		t.Errorf("Backward after Grad reached no leaf")
	}
	// A tensor out does not depend on gets zeros; out itself the cotangent.
	_, out2 := f()
	other := Param(Ones[float64](2))
	gs := Grad(out2, cot, other, out2)
	if !slices.Equal(gs[0].Data, []float64{0, 0}) || gs[1].Item() != 1.5 {
		t.Errorf("Grad w.r.t. an unrelated tensor and the output: %v %v", gs[0].Data, gs[1].Data)
	}
}

// TestGradPrunes checks that Grad runs only the ops between out and the
// targets: a side branch keeps its graph, its retained gradient and its
// owner, and a Custom op on the path is differentiated without leaking.
func TestGradPrunes(t *testing.T) {
	a := Param(New([]float64{1, 2}, 2))
	c := Param(New([]float64{3, -1}, 2))
	side := Exp(c).RetainGrad()
	side.Grad = []float64{7, 7}
	calls := 0
	sq := Custom("square", New([]float64{a.Data[0] * a.Data[0], a.Data[1] * a.Data[1]}, 2), []*Tensor[float64]{a},
		func(g *Tensor[float64]) []*Tensor[float64] {
			calls++
			return []*Tensor[float64]{New([]float64{2 * a.Data[0] * g.Data[0], 2 * a.Data[1] * g.Data[1]}, 2)}
		})
	out := Sum(Mul(sq, side))
	g := Grad(out, nil, a)[0]
	want := []float64{2 * 1 * math.Exp(3), 2 * 2 * math.Exp(-1)}
	if !closeSlices(g.Data, want, 1e-12) || calls != 1 {
		t.Errorf("∂out/∂a = %v (custom backward called %d times), want %v once", g.Data, calls, want)
	}
	if a.Grad != nil || c.Grad != nil || !slices.Equal(side.Grad, []float64{7, 7}) {
		t.Errorf("Grad wrote gradients: a %v, c %v, side %v", a.Grad, c.Grad, side.Grad)
	}
	if side.node == nil || side.node.owner.Load() != 0 || out.node.owner.Load() != 0 {
		t.Errorf("a node is released or still claimed after Grad")
	}
}

// TestGradInsideCustom is the pattern of RELAX: a Custom op whose backward
// differentiates another graph with Grad, with respect to the first
// graph's parameters.
func TestGradInsideCustom(t *testing.T) {
	p := Param(Scalar(0.7))
	inner := Mul(Exp(p), Scalar(3.0)) // d/dp = 3e^p
	outer := Custom("via Grad", Scalar(0.0), []*Tensor[float64]{p}, func(g *Tensor[float64]) []*Tensor[float64] {
		d := Grad(inner, nil, p)[0]
		return []*Tensor[float64]{MulScalar(d, g.Item())}
	})
	MulScalar(outer, 2).Backward()
	if want := 2 * 3 * math.Exp(0.7); math.Abs(p.Grad[0]-want) > 1e-12 {
		t.Errorf("p.Grad = %v, want %v", p.Grad, want)
	}
}

// TestGradConcurrentWithBackward runs Grad on one graph and Backward on
// another from two goroutines, both through the same parameter: the
// parameter's Grad must be exactly Backward's.
func TestGradConcurrentWithBackward(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 6))
	w := Param(Randn[float64](rnd, 8, 8))
	x := Randn[float64](rnd, 8, 1)
	build := func() *Tensor[float64] {
		h := x
		for range 20 {
			h = Tanh(MatMul(w, h))
		}
		return Sum(h)
	}
	ref := build()
	ref.Backward()
	want := slices.Clone(w.Grad)
	for range 20 {
		w.ZeroGrad()
		a, b := build(), build()
		var wg sync.WaitGroup
		wg.Go(func() { Grad(a, nil, w) })
		wg.Go(func() { b.Backward() })
		wg.Wait()
		if !slices.Equal(w.Grad, want) {
			t.Fatalf("W.Grad with a concurrent Grad differs from Backward's alone")
		}
	}
}

func TestLeaves(t *testing.T) {
	a, b := Param(Scalar(1.0)), Param(Scalar(2.0))
	c := Scalar(3.0) // a constant: not a leaf that requires a gradient
	out := Add(Mul(a, b), Mul(Exp(a), c))
	got := Leaves(out)
	if len(got) != 2 || got[0] != a || got[1] != b {
		t.Errorf("Leaves = %v, want [a b]", got)
	}
	if l := Leaves(a); len(l) != 1 || l[0] != a {
		t.Errorf("Leaves of a leaf = %v", l)
	}
}
