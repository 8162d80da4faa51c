package ad

import (
	"strings"
	"testing"
)

// TestMisusePanics pins the engine misuses that used to return numbers
// silently (issue 8, item 4 and Mean's message): each now panics with a
// message naming the op the caller used.
func TestMisusePanics(t *testing.T) {
	released := func() {
		x := Param(New([]float64{1, 2}, 2))
		y := Sum(Square(x))
		y.Backward()
		y.Backward() // the graph is gone: this pass would add nothing
	}
	sharedReleased := func() {
		x := Param(New([]float64{1, 2}, 2))
		h := Exp(x)
		Sum(h).Backward()
		Sum(Square(h)).Backward() // would reach x only partly
	}
	cases := []struct {
		name, want string
		f          func()
	}{
		{"Zeros overflow", "ad.Zeros: shape [4294967296 4294967296] has more elements than an int can count", func() { Zeros[float32](1<<32, 1<<32) }},
		{"New overflow", "ad.New: shape [4294967296 4294967296 0 4294967296]", func() { New[float32](nil, 1<<32, 1<<32, 0, 1<<32) }},
		{"Backward twice", "ad.Backward: the graph of this output (shape []) was released by an earlier Backward", released},
		{"Backward through a released intermediate", "ad.Backward: input 0 (shape [2]) of Square was computed in a graph an earlier Backward released", sharedReleased},
		{"Backward without parameters", "ad.Backward: the output of shape [] depends on no tensor that requires a gradient", func() { Sum(New([]float64{1, 2}, 2)).Backward() }},
		{"Mean bad axis", "ad.Mean: axis 2 out of range for rank 2", func() { Mean(Zeros[float64](2, 3), 2) }},
		{"MeanKeep bad axis", "ad.MeanKeep: axis -3 out of range for rank 2", func() { MeanKeep(Zeros[float64](2, 3), -3) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				msg, _ := recover().(string)
				if !strings.HasPrefix(msg, c.want) {
					t.Errorf("panic %q, want prefix %q", msg, c.want)
				}
			}()
			c.f()
		})
	}
}

// TestBackwardKeepGraphThenBackward checks that keeping the graph still
// allows the passes the released-graph check must not refuse.
func TestBackwardKeepGraphThenBackward(t *testing.T) {
	x := Param(New([]float64{3}, 1))
	y := Sum(Square(x))
	y.BackwardKeepGraph(nil)
	y.Backward()
	if x.Grad[0] != 12 {
		t.Fatalf("grad after two passes %v, want 12", x.Grad[0])
	}
	// A new graph from the same leaf is fine after a release.
	x.ZeroGrad()
	Sum(Square(x)).Backward()
	if x.Grad[0] != 6 {
		t.Fatalf("grad of a fresh graph %v, want 6", x.Grad[0])
	}
}
