package ad

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"testing"
)

func TestGradientsAccumulateIntoLeavesUntilZeroGrad(t *testing.T) {
	x := Param(New([]float64{1, 2, 3}, 3))
	Sum(Square(x)).Backward()
	Sum(Square(x)).Backward()
	for i, v := range x.Grad {
		if want := 4 * x.Data[i]; v != want {
			t.Fatalf("grad after two backward passes = %v, want %v at %d", x.Grad, want, i)
		}
	}
	x.ZeroGrad()
	Sum(x).Backward()
	for _, v := range x.Grad {
		if v != 1 {
			t.Fatalf("grad after ZeroGrad = %v, want ones", x.Grad)
		}
	}
}

func TestBackwardWithIsVectorJacobianProduct(t *testing.T) {
	w := Param(New([]float64{1, 2, 3, 4, 5, 6}, 2, 3))
	x := New([]float64{1, -1}, 1, 2)
	y := MatMul(x, w) // [1,3] = x·w
	y.BackwardWith(New([]float64{1, 0, 2}, 1, 3))
	// ∂⟨c, xw⟩/∂w = xᵀc
	want := []float64{1, 0, 2, -1, 0, -2}
	for i := range want {
		if w.Grad[i] != want[i] {
			t.Fatalf("grad %v, want %v", w.Grad, want)
		}
	}
}

func TestRetainGradKeepsIntermediateGradients(t *testing.T) {
	x := Param(New([]float64{0.5, -0.5}, 2))
	h := Tanh(x).RetainGrad()
	other := Exp(x) // not retained
	Sum(Add(Square(h), other)).Backward()
	for i := range h.Data {
		if math.Abs(h.Grad[i]-2*h.Data[i]) > 1e-15 {
			t.Fatalf("retained grad %v, want 2h = %v", h.Grad, h.Data)
		}
	}
	if other.Grad != nil {
		t.Fatal("an intermediate kept its gradient without RetainGrad")
	}
}

func TestBackwardReleasesGraph(t *testing.T) {
	x := Param(New([]float64{1}, 1))
	h := Exp(x)
	y := Sum(h)
	y.Backward()
	if !h.IsLeaf() || !y.IsLeaf() {
		t.Fatal("graph still attached after Backward")
	}
	y2 := Sum(Exp(x))
	y2.BackwardKeepGraph(nil)
	y2.BackwardKeepGraph(nil)
	if want := 3 * math.E; math.Abs(x.Grad[0]-want) > 1e-12 {
		t.Fatalf("grad after a kept graph run twice = %v, want %v", x.Grad[0], want)
	}
}

func TestNoGraphWithoutGradients(t *testing.T) {
	a := New([]float64{1, 2}, 2)
	y := Sum(Exp(Mul(a, a)))
	if y.RequiresGrad() || !y.IsLeaf() {
		t.Fatal("ops on constants recorded a graph")
	}
}

func TestSharedSubgraphVisitedOnce(t *testing.T) {
	// y = h + h with h = x²: the gradient must be 4x, which fails if the
	// backward of h runs twice or before both uses have contributed.
	x := Param(New([]float64{3}, 1))
	h := Square(x)
	Sum(Add(h, h)).Backward()
	if x.Grad[0] != 12 {
		t.Fatalf("grad %v, want 12", x.Grad[0])
	}
}

func TestDeepChainDoesNotOverflowStack(t *testing.T) {
	x := Param(New([]float64{1}, 1))
	y := x
	for range 200000 {
		y = AddScalar(y, 1e-6)
	}
	Sum(y).Backward()
	if x.Grad[0] != 1 {
		t.Fatalf("grad %v, want 1", x.Grad[0])
	}
}

// TestTrainingLoopDoesNotGrowMemory runs 10,000 steps of a small model and
// checks that the live heap stays flat: Backward must release each graph.
func TestTrainingLoopDoesNotGrowMemory(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 1))
	w1 := Param(MulScalar(Randn[float32](rnd, 16, 32), 0.2))
	w2 := Param(MulScalar(Randn[float32](rnd, 32, 1), 0.2))
	x := Randn[float32](rnd, 8, 16)
	tgt := Full[float32](1, 8, 1)
	step := func() {
		loss := Sum(BCEWithLogits(MatMul(ReLU(MatMul(x, w1)), w2), tgt))
		loss.Backward()
		for _, p := range []*Tensor[float32]{w1, w2} {
			for i, g := range p.Grad {
				p.Data[i] -= 1e-3 * g
			}
			p.ZeroGrad()
		}
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	for range 1000 {
		step()
	}
	before := heap()
	for range 9000 {
		step()
	}
	after := heap()
	// One step allocates about 10 KiB; a leaked graph per step would add
	// at least that much 9000 times (90 MB). Allow 256 KiB of noise.
	if after > before+256<<10 {
		t.Fatalf("heap grew from %d to %d bytes over 9000 steps", before, after)
	}
}

// topK writes the indicator of the k largest entries of theta into z.
func topK(z, theta []float64, k int) {
	idx := make([]int, len(theta))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return theta[idx[a]] > theta[idx[b]] })
	for i := range z {
		z[i] = 0
	}
	for _, i := range idx[:k] {
		z[i] = 1
	}
}

// TestCustomOpIMLETopK builds the shape of I-MLE as a custom op: the forward
// pass runs top-k on the scores, the backward pass runs top-k again on scores
// moved against the incoming gradient, θ' = θ − λ·∂L/∂z, and returns
// (z − z')/λ. Gradient descent through it must find the target subset.
func TestCustomOpIMLETopK(t *testing.T) {
	const n, k, lambda = 8, 3, 2.0
	target := []float64{0, 1, 0, 0, 1, 0, 1, 0}
	theta := Param(New([]float64{0.9, 0.1, 0.8, 0.7, -0.3, 0.2, 0.0, 0.5}, n))
	calls := 0
	layer := func(th *T64) *T64 {
		z := Zeros[float64](n)
		topK(z.Data, th.Data, k)
		return Custom("IMLETopK", z, []*T64{th}, func(g *T64) []*T64 {
			calls++
			pert := make([]float64, n)
			for i := range pert {
				pert[i] = th.Data[i] - lambda*g.Data[i]
			}
			zp := make([]float64, n)
			topK(zp, pert, k)
			grad := Zeros[float64](n)
			for i := range grad.Data {
				grad.Data[i] = (z.Data[i] - zp[i]) / lambda
			}
			return []*T64{grad}
		})
	}
	loss := func() float64 {
		z := layer(theta)
		l := Sum(Square(Sub(z, New(target, n))))
		l.Backward()
		return l.Item()
	}
	first := loss()
	for range 20 {
		for i, g := range theta.Grad {
			theta.Data[i] -= 0.5 * g
		}
		theta.ZeroGrad()
		if loss() == 0 {
			break
		}
	}
	if first != 6 {
		t.Fatalf("initial loss %v, want 6 (disjoint subsets)", first)
	}
	z := Zeros[float64](n)
	topK(z.Data, theta.Data, k)
	for i := range z.Data {
		if z.Data[i] != target[i] {
			t.Fatalf("after training top-k = %v, want %v (after %d backward calls)", z.Data, target, calls)
		}
	}
	if calls == 0 {
		t.Fatal("custom backward never ran")
	}
}

func TestFloat32MatchesFloat64(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	x64 := Randn[float64](rnd, 5, 7)
	w64 := Param(Randn[float64](rnd, 7, 3))
	x32, w32 := Convert[float32](x64), Param(Convert[float32](w64))
	Sum(LogSoftmax(Tanh(MatMul(x64, w64)), 1)).Backward()
	Sum(LogSoftmax(Tanh(MatMul(x32, w32)), 1)).Backward()
	for i := range w64.Grad {
		if d := math.Abs(float64(w32.Grad[i]) - w64.Grad[i]); d > 1e-5*max(1, math.Abs(w64.Grad[i])) {
			t.Fatalf("float32 grad %v differs from float64 %v at %d", w32.Grad[i], w64.Grad[i], i)
		}
	}
}
