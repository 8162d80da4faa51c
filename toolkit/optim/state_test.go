package optim

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/nn"
)

// resumeRun trains a small MLP on noisy regression for steps steps, drawing
// the data from rnd, and returns its parameters' values.
type resumeRun[T ad.Float] struct {
	mlp *nn.MLP[T]
	opt Stateful[T]
	rnd *rand.Rand
	pcg *rand.PCG
}

func newResumeRun[T ad.Float](seed uint64, opt Stateful[T]) *resumeRun[T] {
	pcg := rand.NewPCG(seed, 99)
	rnd := rand.New(pcg)
	return &resumeRun[T]{mlp: nn.NewMLP[T](rnd, []int{3, 5, 2}, ad.Tanh[T]), opt: opt, rnd: rnd, pcg: pcg}
}

func (r *resumeRun[T]) train(t *testing.T, steps int) {
	t.Helper()
	for range steps {
		x := ad.Randn[T](r.rnd, 8, 3)
		y := ad.Randn[T](r.rnd, 8, 2)
		nn.ZeroGrad[T](r.mlp)
		ad.Mean(ad.Square(ad.Sub(r.mlp.Forward(x), y))).Backward()
		if err := r.opt.Step(r.mlp.Params()); err != nil {
			t.Fatal(err)
		}
	}
}

func (r *resumeRun[T]) values() []T {
	var out []T
	for _, p := range r.mlp.Params() {
		out = append(out, p.Data...)
	}
	return out
}

// TestResumeIsBitIdentical trains 7 steps, checkpoints parameters and
// optimizer state (and the random source), resumes in a fresh model and
// optimizer and trains 9 more: the result must equal 16 uninterrupted steps
// bit for bit. Resuming without the optimizer state must not.
func TestResumeIsBitIdentical(t *testing.T) {
	testResume[float32](t)
	testResume[float64](t)
}

func testResume[T ad.Float](t *testing.T) {
	opts := map[string]func() Stateful[T]{
		"Adam":         func() Stateful[T] { return &Adam[T]{LR: 0.05, WeightDecay: 0.1} },
		"SGD/momentum": func() Stateful[T] { return &SGD[T]{LR: 0.05, Momentum: 0.9} },
		"SGD/nesterov": func() Stateful[T] { return &SGD[T]{LR: 0.05, Momentum: 0.8, Nesterov: true, WeightDecay: 0.01} },
	}
	for name, mk := range opts {
		full := newResumeRun(1, mk())
		full.train(t, 16)

		first := newResumeRun(1, mk())
		first.train(t, 7)
		var ckpt bytes.Buffer
		if err := SaveCheckpoint(&ckpt, first.mlp.Params(), first.opt); err != nil {
			t.Fatal(err)
		}
		src, err := first.pcg.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		saved := ckpt.Bytes()

		resume := func(withState bool) []T {
			r := newResumeRun(2, mk()) // other initial weights, overwritten
			if withState {
				if err := LoadCheckpoint(bytes.NewReader(saved), r.mlp.Params(), r.opt); err != nil {
					t.Fatal(err)
				}
			} else if err := nn.Load(bytes.NewReader(saved), nn.ParamList[T](r.mlp.Params()), nn.ParamList[T](r.opt.State(r.mlp.Params()))); err != nil {
				t.Fatal(err)
			}
			if err := r.pcg.UnmarshalBinary(src); err != nil {
				t.Fatal(err)
			}
			r.train(t, 9)
			return r.values()
		}
		if got := resume(true); !slices.Equal(got, full.values()) {
			t.Errorf("%s %T: resumed run differs from the uninterrupted one", name, got[0])
		}
		if got := resume(false); slices.Equal(got, full.values()) {
			t.Errorf("%s %T: a run resumed without optimizer state matches; the test cannot tell", name, got[0])
		}
	}
}

func TestSetStateRejectsMismatch(t *testing.T) {
	p := []*ad.Tensor[float32]{ad.Param(ad.Zeros[float32](2, 3))}
	q := []*ad.Tensor[float32]{ad.Param(ad.Zeros[float32](4))}
	adam := &Adam[float32]{}
	if err := adam.SetState(q, adam.State(p)); err == nil {
		t.Error("Adam accepted the state of parameters of another shape")
	}
	st := adam.State(p)
	st[2].Data[1] = 0.5
	if err := adam.SetState(p, st); err == nil {
		t.Error("Adam accepted a fractional step count")
	}
	sgd := &SGD[float32]{Momentum: 0.5}
	if err := sgd.SetState(p, adam.State(p)); err == nil {
		t.Error("SGD accepted Adam's state")
	}
	// Step counts beyond float32's 2²⁴ survive.
	big := []float32{0, 0}
	stepCount(big, 1<<30+7)
	if n, err := readStepCount(big); err != nil || n != 1<<30+7 {
		t.Errorf("step count round trip: %d, %v", n, err)
	}
}
