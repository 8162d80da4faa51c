package helmholtz

import (
	"reflect"
	"testing"

	"github.com/stochgrad/stochgrad/toolkit/wakesleep"
)

// A short bars run raises the exact held-out log-likelihood with RWS and
// NRWS, towards the true model's, and draws its figures.
func TestBarsShort(t *testing.T) {
	t.Setenv("STOCHGRAD_CACHE", t.TempDir()) // runs are cached per method
	cfg := Config{Algorithms: []wakesleep.Algorithm{wakesleep.RWS, wakesleep.NRWS}, Sizes: []int{25, 15},
		Train: 400, Test: 100, Epochs: 3, EvalEvery: 3, Batch: 10, Damping: 0.1, Seed: 2}
	r, err := Bars(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range r.Curves {
		first, last := c.LogLik[0], c.LogLik[len(c.LogLik)-1]
		t.Logf("%s: %.3f → %.3f (truth %.3f) in %.2f s", c.Algorithm, first, last, r.Truth, c.Seconds[len(c.Seconds)-1])
		if !(last > first+2) || !(last < r.Truth+4*c.LogLikSE[len(c.LogLikSE)-1]) {
			t.Errorf("%s: %.3f → %.3f, want a rise of 2 nats and no more than the truth %.3f", c.Algorithm, first, last, r.Truth)
		}
	}
	e, s := r.Figures()
	if len(e.Series) != 3 || len(s.Series) != 2 {
		t.Errorf("figures: %d and %d series", len(e.Series), len(s.Series))
	}
	if _, err := Bars(Config{}); err == nil {
		t.Error("empty config: no error")
	}
}

// A comparison that gains an algorithm reuses the cached curve of the one
// it already ran (equal training seconds, which a rerun would not give)
// and trains only the new one, so that a stopped full run resumes.
func TestBarsResumesPerAlgorithm(t *testing.T) {
	t.Setenv("STOCHGRAD_CACHE", t.TempDir())
	cfg := Config{Algorithms: []wakesleep.Algorithm{wakesleep.WS}, Sizes: []int{25, 15},
		Train: 200, Test: 50, Epochs: 2, EvalEvery: 1, Batch: 10, Damping: 0.1, Seed: 3}
	first, err := Bars(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Algorithms = append(cfg.Algorithms, wakesleep.RWS)
	second, err := Bars(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(second.Curves) != 2 {
		t.Fatalf("%d curves, want 2", len(second.Curves))
	}
	a, b := first.Curves[0], second.Curves[0]
	if !reflect.DeepEqual(a, b) {
		t.Errorf("WS curve recomputed: %+v then %+v", a, b)
	}
	if second.Curves[1].Algorithm != wakesleep.RWS.String() {
		t.Errorf("second curve %q, want RWS", second.Curves[1].Algorithm)
	}
}
