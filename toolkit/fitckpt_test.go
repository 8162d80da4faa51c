package toolkit

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/nn"
	"github.com/stochgrad/stochgrad/toolkit/optim"
)

// resumable is a small regression fit whose data are drawn at every step
// from a random source that checkpoints keep.
type resumable[T ad.Float] struct {
	mlp *nn.MLP[T]
	pcg *rand.PCG
	fit Fit[T]
}

// newResumable builds the fit; init seeds the initial weights, which a
// resumed run overwrites, and seed the data source, which it restores.
func newResumable[T ad.Float](init, seed uint64, steps int, ckpt string, crashAt int) *resumable[T] {
	r := &resumable[T]{mlp: nn.NewMLP[T](rand.New(rand.NewPCG(init, 1)), []int{3, 6, 2}, ad.Tanh[T]), pcg: rand.NewPCG(seed, 2)}
	rnd := rand.New(r.pcg)
	r.fit = Fit[T]{
		Steps: steps, Model: r.mlp, Quiet: true, Optimizer: &optim.Adam[T]{LR: 0.05},
		Checkpoint: ckpt, CheckpointEvery: 10, Resume: true, Sources: []Source{r.pcg},
		Loss: func(step int) *ad.Tensor[T] {
			if step == crashAt {
				panic("killed")
			}
			x := ad.Randn[T](rnd, 8, 3)
			y := ad.Tanh(ad.Sum(x, 1))
			return ad.Mean(ad.Square(ad.Sub(ad.Sum(r.mlp.Forward(x), 1), y)))
		},
	}
	return r
}

func (r *resumable[T]) values() []T {
	var out []T
	for _, p := range nn.Collect[T](r.mlp) {
		out = append(out, p.Data...)
	}
	return out
}

// runCrashing runs r until its Loss panics.
func runCrashing[T ad.Float](t *testing.T, r *resumable[T]) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Fatal("the run did not crash")
		}
	}()
	r.fit.Run()
}

// TestFitResumeIsBitIdentical trains 40 steps straight, and 40 steps that
// crash at step 27 and resume, in a fresh model, optimizer and source,
// from the checkpoint of step 20: parameters and history must be equal bit
// for bit. Resuming the parameters alone must not be.
func TestFitResumeIsBitIdentical(t *testing.T) {
	testFitResume[float32](t)
	testFitResume[float64](t)
}

func testFitResume[T ad.Float](t *testing.T) {
	dir := t.TempDir()
	straight := newResumable[T](1, 7, 40, "", 0)
	hs, err := straight.fit.Run()
	if err != nil {
		t.Fatal(err)
	}

	ckpt := filepath.Join(dir, "sub", "run.ckpt")
	runCrashing(t, newResumable[T](1, 7, 40, ckpt, 27))
	resumed := newResumable[T](2, 99, 40, ckpt, 0)
	calls := 0
	loss := resumed.fit.Loss
	resumed.fit.Loss = func(step int) *ad.Tensor[T] { calls++; return loss(step) }
	hr, err := resumed.fit.Run()
	if err != nil {
		t.Fatal(err)
	}
	if calls != 20 {
		t.Errorf("%T: the resumed run took %d steps, want 20", hr.Loss[0], calls)
	}
	if !slices.Equal(resumed.values(), straight.values()) {
		t.Errorf("%T: resumed parameters differ from the uninterrupted run's", hr.Loss[0])
	}
	if !slices.Equal(hr.Loss, hs.Loss) {
		t.Errorf("%T: resumed history differs from the uninterrupted run's", hr.Loss[0])
	}

	// A finished run resumes to itself without a step.
	again := newResumable[T](3, 3, 40, ckpt, 1)
	if h, err := again.fit.Run(); err != nil || !slices.Equal(again.values(), straight.values()) || len(h.Loss) != 40 {
		t.Errorf("%T: resuming a finished run: %v", hr.Loss[0], err)
	}

	// The parameters of step 20 with a fresh optimizer and the right data
	// source do not give the same result: the test sees the state.
	ckpt2 := filepath.Join(dir, "run2.ckpt")
	runCrashing(t, newResumable[T](1, 7, 40, ckpt2, 21))
	partial := newResumable[T](2, 7, 20, "", 0)
	if err := LoadFitted(ckpt2, nn.Module[T](partial.mlp)); err != nil {
		t.Fatal(err)
	}
	for range 20 { // bring the data source to step 20
		ad.Randn[T](rand.New(partial.pcg), 8, 3)
	}
	if _, err := partial.fit.Run(); err != nil {
		t.Fatal(err)
	}
	if slices.Equal(partial.values(), straight.values()) {
		t.Errorf("%T: a fresh optimizer from the checkpoint's parameters matches: the test cannot tell", hr.Loss[0])
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*", "*partial*")); len(m) > 0 {
		t.Errorf("temporary files left: %v", m)
	}
}

// TestFitResumeRejectsBadCheckpoints checks that a damaged checkpoint, or
// one of another model, optimizer or run length, is an error that says so
// and leaves the parameters alone.
func TestFitResumeRejectsBadCheckpoints(t *testing.T) {
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "run.ckpt")
	if _, err := newResumable[float64](1, 7, 20, ckpt, 0).fit.Run(); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		data   []byte
		change func(*resumable[float64])
		want   string
	}{
		{"flipped byte", flip(good, len(good)/2), nil, "checksum mismatch"},
		{"truncated", good[:len(good)-9], nil, "checksum mismatch"},
		{"header only", good[:12], nil, "truncated"},
		{"not a checkpoint", []byte("SGNNCKPT and more"), nil, "not a toolkit.Fit checkpoint"},
		{"other model", good, func(r *resumable[float64]) {
			r.mlp = nn.NewMLP[float64](rand.New(rand.NewPCG(1, 1)), []int{3, 7, 2}, ad.Tanh[float64])
			r.fit.Model = r.mlp
		}, "shape [3 7]"},
		{"other optimizer", good, func(r *resumable[float64]) { r.fit.Optimizer = &optim.SGD[float64]{LR: 0.1} }, "optimizer *optim.Adam[float64]"},
		{"fewer steps", good, func(r *resumable[float64]) { r.fit.Steps = 10 }, "beyond this Fit's 10 steps"},
		{"no sources", good, func(r *resumable[float64]) { r.fit.Sources = nil }, "1 random sources, this Fit has 0"},
	}
	for _, c := range cases {
		path := filepath.Join(dir, "bad.ckpt")
		if err := os.WriteFile(path, c.data, 0o644); err != nil {
			t.Fatal(err)
		}
		r := newResumable[float64](5, 5, 30, path, 0)
		if c.change != nil {
			c.change(r)
		}
		before := r.values()
		_, err := r.fit.Run()
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "delete it to start afresh") {
			t.Errorf("%s: error %v, want one saying %q", c.name, err, c.want)
		}
		if !slices.Equal(r.values(), before) {
			t.Errorf("%s: parameters changed", c.name)
		}
	}
	// Resume needs an optimizer whose state can be saved.
	r := newResumable[float64](5, 5, 30, ckpt, 0)
	r.fit.Optimizer = &optim.Preconditioned[float64]{Base: &optim.SGD[float64]{LR: 0.1}, P: &optim.RMS[float64]{}}
	if _, err := r.fit.Run(); err == nil || !strings.Contains(err.Error(), "optim.Stateful") {
		t.Errorf("non-stateful optimizer: %v", err)
	}
	// A missing checkpoint starts afresh.
	r = newResumable[float64](5, 5, 3, filepath.Join(dir, "new.ckpt"), 0)
	if h, err := r.fit.Run(); err != nil || len(h.Loss) != 3 {
		t.Errorf("missing checkpoint: %v", err)
	}
	if err := LoadFitted(filepath.Join(dir, "none.ckpt"), nn.Module[float64](r.mlp)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadFitted of a missing file: %v", err)
	}
}

func flip(b []byte, i int) []byte {
	c := slices.Clone(b)
	c[i] ^= 0x10
	return c
}

func TestCheckpointFile(t *testing.T) {
	t.Setenv("STOCHGRAD_CACHE", t.TempDir())
	f := func() (int, error) { return 1, nil }
	g := func() (int, error) { return 2, nil }
	a, err := CheckpointFile("train", 1, f)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := CheckpointFile("train", 2, f)
	c, _ := CheckpointFile("train", 1, g)
	if a == b || a == c || !strings.HasPrefix(a, CacheDir()) {
		t.Errorf("paths %q, %q, %q: want distinct ones under the cache", a, b, c)
	}
	if err := os.MkdirAll(filepath.Dir(a), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(a, nil, 0o644)
	if err := Uncache("train"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(a); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Uncache left the checkpoint: %v", err)
	}
}

// TestFitNaNRestoresOptimizerState checks that after a NaN the optimizer's
// state, like the parameters, is that of the last good checkpoint, so that
// training can go on from there.
func TestFitNaNRestoresOptimizerState(t *testing.T) {
	run := func(steps, nanAt int) ([]float64, []*ad.Tensor[float64], error) {
		w := ad.Param(ad.New([]float64{1, -2}, 2))
		adam := &optim.Adam[float64]{LR: 0.1}
		f := Fit[float64]{
			Steps: steps, Model: nn.ParamList[float64]{w}, Quiet: true, CheckpointEvery: 5, Optimizer: adam,
			Loss: func(step int) *ad.Tensor[float64] {
				if step == nanAt {
					return ad.MulScalar(ad.Sum(w), math.NaN())
				}
				return ad.Sum(ad.Square(ad.AddScalar(w, float64(step))))
			},
		}
		_, err := f.Run()
		return w.Data, adam.State([]*ad.Tensor[float64]{w}), err
	}
	w5, s5, err := run(5, 0)
	if err != nil {
		t.Fatal(err)
	}
	w, s, err := run(20, 8)
	if err == nil {
		t.Fatal("no error at the NaN")
	}
	if !slices.Equal(w, w5) {
		t.Errorf("parameters %v, want those of step 5 %v", w, w5)
	}
	for i := range s {
		if !slices.Equal(s[i].Data, s5[i].Data) {
			t.Errorf("optimizer state %d is %v, want that of step 5 %v", i, s[i].Data, s5[i].Data)
		}
	}
}
