package ad

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
)

// scribble overwrites every buffer the pool holds with a sentinel, so that a
// tensor still reading a recycled buffer shows it.
func scribble[T Float]() {
	p := poolOf[T]()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, bufs := range p.free {
		for _, b := range bufs {
			for i := range b {
				b[i] = 12345
			}
		}
	}
}

// pooled reports whether the pool holds the buffer whose first element is at p.
func pooled[T Float](p *T) bool {
	pl := poolOf[T]()
	pl.mu.Lock()
	defer pl.mu.Unlock()
	for _, bufs := range pl.free {
		for _, b := range bufs {
			if &b[0] == p {
				return true
			}
		}
	}
	return false
}

func TestIntermediateGradientIsRecycledAfterBackward(t *testing.T) {
	x := Param(Randn[float64](rand.New(rand.NewPCG(1, 1)), 7, 5))
	var seen *float64
	spy := Custom("spy", Tanh(x).Clone(), []*Tensor[float64]{x}, func(g *Tensor[float64]) []*Tensor[float64] {
		seen = &g.Data[0]
		return []*Tensor[float64]{g}
	})
	Sum(Exp(spy)).Backward()
	if seen == nil || !pooled(seen) {
		t.Fatal("the gradient Custom's backward received is not back in the engine's pool after Backward")
	}
	for i, v := range x.Grad {
		// Exp's kernel is within an ulp of math.Exp.
		if want := math.Exp(spy.Data[i]); math.Abs(v-want) > 3e-16*want {
			t.Fatalf("a cotangent returned as g itself: grad %v at %d, want %v", v, i, want)
		}
	}
}

// TestViewsNeverSeeRecycledBuffers keeps every kind of view across a
// Backward, then scribbles over everything the pool holds and runs more
// graphs of the same shapes: the views must keep their values.
func TestViewsNeverSeeRecycledBuffers(t *testing.T) {
	rnd := rand.New(rand.NewPCG(2, 2))
	x := Param(Randn[float64](rnd, 6, 4))
	w := Param(Randn[float64](rnd, 4, 4))
	h := Tanh(MatMul(x, w))
	r := Reshape(h, 24)
	sg := StopGradient(h)
	kept := Sigmoid(h).RetainGrad()
	loss := Sum(Mul(kept, Reshape(r, 6, 4)))
	loss.Backward()
	views := map[string]*Tensor[float64]{
		"Reshape":               r,
		"StopGradient":          sg,
		"GradTensor (leaf)":     x.GradTensor(),
		"GradTensor (retained)": kept.GradTensor(),
		"intermediate":          h,
	}
	want := map[string][]float64{}
	for name, v := range views {
		want[name] = slices.Clone(v.Data)
	}
	x2, w2 := Param(x.Clone()), Param(w.Clone()) // the views' leaves must not change
	for range 3 {
		scribble[float64]()
		y := Tanh(MatMul(x2, w2))
		Sum(Mul(Sigmoid(y), y)).Backward()
	}
	scribble[float64]()
	for name, v := range views {
		if !slices.Equal(v.Data, want[name]) {
			t.Errorf("%s view changed after its buffers could have been recycled:\n got %v\nwant %v", name, v.Data, want[name])
		}
	}
}

func TestCustomBackwardMayReturnTheCotangentItself(t *testing.T) {
	_, err := GradCheck(func(xs ...*Tensor[float64]) *Tensor[float64] {
		id := Custom("identity", xs[0].Clone(), xs[:1], func(g *Tensor[float64]) []*Tensor[float64] {
			return []*Tensor[float64]{g}
		})
		return Mul(Square(id), xs[1])
	}, New([]float64{0.3, -1.2, 2}, 3), New([]float64{1, 2, 3}, 3))
	if err != nil {
		t.Fatal(err)
	}
}

func TestScopeGivesTheSameGradients(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 3))
	w := Param(Randn[float32](rnd, 5, 3))
	b := Param(Randn[float32](rnd, 3))
	x := Randn[float32](rnd, 8, 5)
	step := func(x *Tensor[float32]) float32 {
		loss := Sum(Softplus(Linear(x, w, b)))
		loss.Backward()
		return loss.Item()
	}
	want := step(x)
	wantW, wantB := slices.Clone(w.Grad), slices.Clone(b.Grad)
	for range 3 {
		w.ZeroGrad()
		b.ZeroGrad()
		s := new(Scope)
		got := step(In(s, x))
		s.Release()
		scribble[float32]()
		if got != want || !slices.Equal(w.Grad, wantW) || !slices.Equal(b.Grad, wantB) {
			t.Fatalf("step in a Scope: loss %v, grads %v %v; want %v, %v %v", got, w.Grad, b.Grad, want, wantW, wantB)
		}
	}
	if x.Data == nil || x.released {
		t.Fatal("Release touched the tensor given to In")
	}
}

func TestReleasedTensorsPanicOnUse(t *testing.T) {
	w := Param(Ones[float64](2, 2))
	s := new(Scope)
	x := In(s, Full[float64](0.5, 3, 2))
	h := Tanh(MatMul(x, w))
	sum := Sum(h)
	kept := Sum(h).Clone()
	views := map[string]*Tensor[float64]{
		"In":           x,
		"op output":    h,
		"Reshape":      Reshape(h, 6),
		"StopGradient": StopGradient(h),
		"Custom":       Custom("c", h.Clone(), []*Tensor[float64]{h}, func(g *Tensor[float64]) []*Tensor[float64] { return []*Tensor[float64]{g} }),
	}
	s.Release()
	scribble[float64]()
	if kept.Item() != 6*math.Tanh(1) {
		t.Fatalf("a clone taken before Release changed: %v", kept.Item())
	}
	mustPanic := func(what string, f func()) {
		t.Helper()
		defer func() {
			r := recover()
			if r == nil {
				t.Errorf("%s on a released tensor did not panic", what)
			} else if msg, _ := r.(string); !strings.Contains(msg, "released") {
				t.Errorf("%s panicked with %v, want a message saying the Scope was released", what, r)
			}
		}()
		f()
	}
	for name, v := range views {
		if v.Data != nil {
			t.Errorf("%s: Data still reachable after Release", name)
		}
		mustPanic(name+": Add", func() { Add(v, v) })
		mustPanic(name+": Exp", func() { Exp(v) })
		mustPanic(name+": Reshape", func() { Reshape(v, -1) })
		mustPanic(name+": StopGradient", func() { StopGradient(v) })
		mustPanic(name+": Clone", func() { v.Clone() })
		mustPanic(name+": At", func() { v.At(0, 0) })
	}
	mustPanic("Backward", func() { sum.Backward() })
	mustPanic("Item", func() { sum.Item() })
	mustPanic("In", func() { In(s, Ones[float64](1)) })
}

func TestNoGradScopeRecordsNothing(t *testing.T) {
	rnd := rand.New(rand.NewPCG(4, 4))
	w := Param(Randn[float64](rnd, 4, 3))
	x := Randn[float64](rnd, 2, 4)
	want := LogSumExp(Tanh(MatMul(x, w)), -1)
	eval := &Scope{NoGrad: true}
	defer eval.Release()
	got := LogSumExp(Tanh(MatMul(In(eval, x), w)), -1)
	if got.RequiresGrad() || !got.IsLeaf() {
		t.Fatalf("output in a NoGrad scope: RequiresGrad %v, op %q; want no graph", got.RequiresGrad(), got.Op())
	}
	if !slices.Equal(got.Data, want.Data) {
		t.Fatalf("NoGrad values %v, want %v", got.Data, want.Data)
	}
	// Backward from a NoGrad output has nothing to differentiate: it says
	// so rather than doing nothing silently.
	func() {
		defer func() {
			if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "depends on no tensor") {
				t.Errorf("Backward from a NoGrad output: panic %v, want the no-parameter message", r)
			}
		}()
		Sum(got).Backward()
	}()
	if w.Grad != nil {
		t.Fatal("Backward from a NoGrad output reached a parameter")
	}
	// A parameter-only computation still records: it does not read the scope.
	if !Sum(w).RequiresGrad() {
		t.Fatal("an op on parameters alone stopped recording")
	}
}

// TestConcurrentBackwardSharingParameters runs Backward on separate graphs
// that share parameters from several goroutines; run it with -race. The
// gradients must add up to those of the same graphs run one after another.
func TestConcurrentBackwardSharingParameters(t *testing.T) {
	const workers = 8
	rnd := rand.New(rand.NewPCG(5, 5))
	w1 := Param(Randn[float64](rnd, 6, 16))
	b1 := Param(Randn[float64](rnd, 16))
	w2 := Param(Randn[float64](rnd, 16, 1))
	xs := make([]*Tensor[float64], workers)
	for i := range xs {
		xs[i] = Randn[float64](rnd, 10, 6)
	}
	loss := func(x *Tensor[float64]) *Tensor[float64] {
		h := Tanh(Linear(x, w1, b1))
		return Sum(Square(MatMul(Mul(h, h), w2)))
	}
	params := []*Tensor[float64]{w1, b1, w2}
	for _, x := range xs {
		loss(x).Backward()
	}
	var want [][]float64
	for _, p := range params {
		want = append(want, slices.Clone(p.Grad))
		p.ZeroGrad()
	}
	var wg sync.WaitGroup
	for _, x := range xs {
		wg.Go(func() {
			s := new(Scope)
			defer s.Release()
			for range 5 {
				loss(In(s, x)).Backward()
			}
		})
	}
	wg.Wait()
	for i, p := range params {
		for k, g := range p.Grad {
			if d := math.Abs(g - 5*want[i][k]); d > 1e-9*max(1, math.Abs(g)) {
				t.Fatalf("parameter %d entry %d: concurrent gradient %v, sequential %v", i, k, g, 5*want[i][k])
			}
		}
	}
}

func TestBackwardOnAGraphInUsePanics(t *testing.T) {
	x := Param(Ones[float64](3))
	h := Exp(x)
	y := Sum(h)
	h.node.owner.Store(calls.Add(1)) // as if another Backward held h
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "another Backward") {
			t.Fatalf("Backward through a node another call holds: recovered %v, want a panic", r)
		}
	}()
	y.Backward()
}

func TestBackwardThroughAReleasedScopePanics(t *testing.T) {
	w := Param(Ones[float64](2))
	a, b := new(Scope), new(Scope)
	x := Mul(In(a, Ones[float64](2)), w)
	y := Mul(In(b, Full[float64](2, 2)), x) // belongs to b, reads a's x
	a.Release()
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "released") {
			t.Fatalf("Backward through a tensor of a released Scope: recovered %v, want a panic", r)
		}
	}()
	Sum(y).Backward()
}

func TestAPanickingBackwardLeavesTheGraphUsable(t *testing.T) {
	x := Param(Ones[float64](2))
	fail := true
	y := Custom("flaky", Exp(x).Clone(), []*Tensor[float64]{x}, func(g *Tensor[float64]) []*Tensor[float64] {
		if fail {
			panic("flaky backward")
		}
		return []*Tensor[float64]{g}
	})
	loss := Sum(Square(y))
	func() {
		defer func() { recover() }()
		loss.BackwardKeepGraph(nil)
	}()
	fail = false
	loss.Backward() // must not report the graph as busy
	if x.Grad == nil {
		t.Fatal("no gradient after the retried Backward")
	}
}

func TestInWithTheScopeOfAnotherTensor(t *testing.T) {
	x := Ones[float64](2)
	if In(x.Scope(), x) != x {
		t.Fatal("In(nil, x) must return x itself")
	}
	s := new(Scope)
	y := Exp(In(s, x))
	sample := In(y.Scope(), Ones[float64](2))
	if y.Scope() != s || sample.Scope() != s || Add(sample, x).Scope() != s {
		t.Fatal("tensors do not report the Scope they were computed in")
	}
}
