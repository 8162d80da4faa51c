package wakesleep

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"

	"github.com/stochgrad/stochgrad/toolkit/optim"
)

func paramVector(m *Machine) []float64 {
	var v []float64
	for _, p := range m.Params() {
		v = append(v, p.Data...)
	}
	return v
}

// stepOnce takes one step of cfg on a copy of m from a fixed seed and
// returns the parameter change.
func stepOnce(t *testing.T, m *Machine, cfg Config, x *mat.Dense, seed uint64) []float64 {
	t.Helper()
	c := m.Clone()
	tr, err := NewTrainer(c, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Step(x, rand.New(rand.NewPCG(seed, 1))); err != nil {
		t.Fatal(err)
	}
	d := paramVector(c)
	floats.Sub(d, paramVector(m))
	return d
}

// TestLargeDampingIsRWS checks METHODS.md §3: as α → ∞ the damped natural
// gradient (1+α)(F+αI)⁻¹g tends to g, so NRWS (and NBiHM, NWS) steps
// become RWS (BiHM, WS) steps; above Fallback they are RWS steps exactly.
func TestLargeDampingIsRWS(t *testing.T) {
	rnd := rand.New(rand.NewPCG(10, 1))
	m, err := New([]int{8, 4, 3}, PlusMinusOne, rnd)
	if err != nil {
		t.Fatal(err)
	}
	jitter(m, rnd, 0.5)
	x := m.Sample(4, rnd)
	for _, pair := range [][2]Algorithm{{NRWS, RWS}, {NBiHM, BiHM}, {NWS, WS}} {
		plain := stepOnce(t, m, Config{Algorithm: pair[1]}, x, 7)
		for _, inv := range []Inverse{Direct, Woodbury} {
			nat := stepOnce(t, m, Config{Algorithm: pair[0], Damping: Constant(1e8), Fallback: math.Inf(1), Inverse: inv}, x, 7)
			// (1+α)(F+αI)⁻¹ = I − (F − I)/α + O(α⁻²), and ‖F‖ ≤ d+1 here.
			if r := relDiff(nat, plain); r > 1e-6 {
				t.Errorf("%v (inverse %d) with α = 1e8: step differs from %v's by %.3g (relative)", pair[0], inv, pair[1], r)
			}
			if r := relDiff(nat, plain); r == 0 {
				t.Errorf("%v (inverse %d) with α = 1e8 fell back to the plain gradient", pair[0], inv)
			}
		}
		fallback := stepOnce(t, m, Config{Algorithm: pair[0], Damping: Constant(200)}, x, 7)
		if !floats.Equal(fallback, plain) {
			t.Errorf("%v above Fallback: step is not %v's", pair[0], pair[1])
		}
	}
	// Small α changes the step.
	nat := stepOnce(t, m, Config{Algorithm: NRWS, Damping: Constant(0.01)}, x, 7)
	if r := relDiff(nat, stepOnce(t, m, Config{Algorithm: RWS}, x, 7)); r < 0.1 {
		t.Errorf("NRWS with α = 0.01 is within %.3g of RWS", r)
	}
}

// toPlusMinus returns the ±1-coded machine equal in distribution to the
// {0,1}-coded m: u = (u' + 1)/2, so W' = W/2 and B' = B + colsum(W)/2.
func toPlusMinus(m *Machine) *Machine {
	c := m.Clone()
	c.Units = PlusMinusOne
	conv := func(l Layer) {
		in, out := l.In(), l.Out()
		for j := range out {
			for i := range in {
				l.B.Data[j] += l.W.Data[i*out+j] / 2
			}
		}
		for i := range l.W.Data {
			l.W.Data[i] /= 2
		}
	}
	for _, l := range c.P {
		conv(l)
	}
	for _, l := range c.Q {
		conv(l)
	}
	return c
}

// TestNaturalStepIsCodingInvariant checks METHODS.md §3's invariance to an
// invertible linear reparameterisation of u on whole machines: ±1 units
// are {0,1} units with u' = 2u − 1, so with α = 0 a natural step of the
// {0,1} machine, converted, is the natural step of the ±1 machine, while
// plain steps differ.
func TestNaturalStepIsCodingInvariant(t *testing.T) {
	rnd := rand.New(rand.NewPCG(11, 1))
	m01, err := New([]int{4, 3, 2}, ZeroOne, rnd)
	if err != nil {
		t.Fatal(err)
	}
	jitter(m01, rnd, 0.5)
	mpm := toPlusMinus(m01)
	x := m01.Sample(40, rnd) // N = 200 samples, so that α = 0 leaves no block singular
	for _, alg := range []Algorithm{NRWS, NBiHM, RWS} {
		cfg := Config{Algorithm: alg, Damping: Constant(0), Inverse: Direct, Optimizer: &optim.SGD[float64]{LR: 0.5}}
		a, b := m01.Clone(), mpm.Clone()
		for _, mm := range []*Machine{a, b} {
			tr, err := NewTrainer(mm, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := tr.Step(x, rand.New(rand.NewPCG(3, 3))); err != nil {
				t.Fatal(err)
			}
		}
		d := relDiff(paramVector(toPlusMinus(a)), paramVector(b))
		switch {
		case alg.Natural() && d > 1e-9:
			t.Errorf("%v: {0,1} and ±1 machines differ by %.3g after one natural step", alg, d)
		case !alg.Natural() && d < 1e-3:
			t.Errorf("%v: plain step is invariant too (%.3g); the test cannot tell", alg, d)
		}
	}
}

// TestEveryReusesInverses checks the k-step reuse: with Every = 3 the
// Fisher blocks are refactorised at steps 0, 3, 6, … only.
func TestEveryReusesInverses(t *testing.T) {
	rnd := rand.New(rand.NewPCG(12, 1))
	m, _ := New([]int{6, 3}, ZeroOne, rnd)
	x := m.Sample(4, rnd)
	tr, err := NewTrainer(m, Config{Algorithm: NRWS, Every: 3})
	if err != nil {
		t.Fatal(err)
	}
	var prev *blockInverse
	for step := range 7 {
		if err := tr.Step(x, rnd); err != nil {
			t.Fatal(err)
		}
		fresh := tr.invQ[0] != prev
		if want := step%3 == 0; fresh != want {
			t.Errorf("step %d: refactorised %v, want %v", step, fresh, want)
		}
		prev = tr.invQ[0]
	}
}

func TestConfigErrors(t *testing.T) {
	rnd := rand.New(rand.NewPCG(13, 1))
	m, _ := New([]int{4, 2}, ZeroOne, rnd)
	for name, cfg := range map[string]Config{
		"Samples":   {Samples: -1},
		"Batch":     {Batch: -2},
		"Fallback":  {Fallback: -1},
		"Every":     {Every: -1},
		"Algorithm": {Algorithm: Algorithm(42)},
		"Q":         {Q: QUpdate(9)},
		"Inverse":   {Inverse: Inverse(7)},
	} {
		if _, err := NewTrainer(m, cfg); err == nil {
			t.Errorf("%s: invalid config accepted", name)
		}
	}
	for _, sizes := range [][]int{{4}, {4, 2, 2, 2, 2}, {4, 0}} {
		if _, err := New(sizes, ZeroOne, rnd); err == nil {
			t.Errorf("New(%v) accepted", sizes)
		}
	}
	if _, err := New([]int{4, 2}, Units(5), rnd); err == nil {
		t.Error("unknown Units accepted")
	}
	tr, _ := NewTrainer(m, Config{Algorithm: NRWS, Damping: Constant(-1)})
	if err := tr.Step(m.Sample(2, rnd), rnd); err == nil || !strings.Contains(err.Error(), "α") {
		t.Errorf("negative damping: error %v", err)
	}
}

// TestNonFiniteStops checks that a NaN stops training with an error that
// names the step and the quantity, leaving the parameters unchanged.
func TestNonFiniteStops(t *testing.T) {
	rnd := rand.New(rand.NewPCG(14, 1))
	m, _ := New([]int{4, 2}, ZeroOne, rnd)
	x := m.Sample(3, rnd)
	tr, _ := NewTrainer(m, Config{})
	for range 2 {
		if err := tr.Step(x, rnd); err != nil {
			t.Fatal(err)
		}
	}
	m.P[0].W.Data[0] = math.NaN()
	before := paramVector(m)
	err := tr.Step(x, rnd)
	if err == nil || !strings.Contains(err.Error(), "step 2") || !strings.Contains(err.Error(), "log-weight") {
		t.Errorf("NaN weight: error %v, want one naming step 2 and the log-weight", err)
	}
	after := paramVector(m)
	for i := range before {
		if before[i] != after[i] && !(math.IsNaN(before[i]) && math.IsNaN(after[i])) {
			t.Fatal("parameters changed by a failed step")
		}
	}
}

// TestBarsTraining trains RWS and NRWS on the 5×5 bars toy with 15 hidden
// units and checks, on held-out images with the exact log-likelihood (2^15
// states enumerated), that both raise it and that NRWS is not behind RWS
// after any epoch. Differences are paired over the test images, with
// their standard errors.
func TestBarsTraining(t *testing.T) {
	if testing.Short() {
		t.Skip("trains two Helmholtz machines")
	}
	rnd := rand.New(rand.NewPCG(15, 1))
	train := barsData(t, 600, rnd)
	test := barsData(t, 200, rnd)
	const epochs = 3
	start, err := New([]int{25, 15}, PlusMinusOne, rand.New(rand.NewPCG(16, 1)))
	if err != nil {
		t.Fatal(err)
	}
	ll0, _ := start.LogLikelihood(test)
	curves := map[Algorithm][][]float64{}
	for _, alg := range []Algorithm{RWS, NRWS} {
		m := start.Clone()
		tr, err := NewTrainer(m, Config{Algorithm: alg, Batch: 10})
		if err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(17, 1))
		for range epochs {
			if err := tr.Epoch(train, r); err != nil {
				t.Fatal(err)
			}
			ll, err := m.LogLikelihood(test)
			if err != nil {
				t.Fatal(err)
			}
			curves[alg] = append(curves[alg], ll)
		}
	}
	paired := func(a, b []float64) (mean, se float64) {
		d := make([]float64, len(a))
		floats.SubTo(d, a, b)
		mean, sd := stat.MeanStdDev(d, nil)
		return mean, sd / math.Sqrt(float64(len(d)))
	}
	for _, alg := range []Algorithm{RWS, NRWS} {
		gain, se := paired(curves[alg][epochs-1], ll0)
		t.Logf("%v: test log-likelihood %.3f → %.3f nats (gain %.3f ± %.3f)", alg, stat.Mean(ll0, nil), stat.Mean(curves[alg][epochs-1], nil), gain, se)
		if gain < 3*se {
			t.Errorf("%v: log-likelihood gain %.3f is within 3 standard errors (%.3f) of 0", alg, gain, se)
		}
	}
	for e := range epochs {
		lead, se := paired(curves[NRWS][e], curves[RWS][e])
		t.Logf("epoch %d: NRWS − RWS = %.3f ± %.3f nats", e+1, lead, se)
		if lead < -3*se {
			t.Errorf("epoch %d: NRWS behind RWS by %.3f nats (standard error %.3f)", e+1, -lead, se)
		}
	}
}
