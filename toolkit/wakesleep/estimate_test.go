package wakesleep

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// flat returns the gradients in the order of Machine.Params.
func flat(g *grads) []float64 {
	v := append([]float64(nil), g.prior...)
	for l := range g.pw {
		v = append(v, g.pw[l].RawMatrix().Data...)
		v = append(v, g.pb[l]...)
	}
	for l := range g.qw {
		v = append(v, g.qw[l].RawMatrix().Data...)
		v = append(v, g.qb[l]...)
	}
	return v
}

// rows returns the state made of the rows idx of s (h only).
func rows(s *state, idx []int) *state {
	r := &state{h: make([]*mat.Dense, len(s.h))}
	for l, h := range s.h {
		if h == nil {
			continue
		}
		_, c := h.Dims()
		r.h[l] = mat.NewDense(len(idx), c, nil)
		for i, k := range idx {
			r.h[l].SetRow(i, h.RawRowView(k))
		}
	}
	return r
}

// exactSleep returns the exact expectation of the sleep gradient,
// coefficient·E_{p(x,h)}[∇ log q(h | x)], by enumeration.
func exactSleep(tr *Trainer) []float64 {
	m := tr.Machine
	all := enumerate(m, 0)
	m.fillP(all)
	m.fillQ(all)
	lp := m.logP(all)
	w := make([]float64, len(lp))
	for i, v := range lp {
		w[i] = tr.sleep * math.Exp(v)
	}
	g := newGrads(m)
	m.addQ(g, all, w)
	return flat(g)
}

// exactWake returns the exact expectation of the wake gradients of the
// batch x with K samples, by enumerating every K-tuple of hidden states.
func exactWake(t *testing.T, tr *Trainer, x *mat.Dense) []float64 {
	m := tr.Machine
	k := tr.cfg.Samples
	b, _ := x.Dims()
	hidden := enumerate(m, 1)
	ns, _ := hidden.h[1].Dims()
	total := make([]float64, len(flat(newGrads(m))))
	idx := make([]int, k)
	for xi := range b {
		for tuple := range int(math.Pow(float64(ns), float64(k))) {
			c := tuple
			for i := range idx {
				idx[i] = c % ns
				c /= ns
			}
			s := withVisible(rows(hidden, idx), x.RawRowView(xi))
			m.fillP(s)
			m.fillQ(s)
			prob := math.Exp(floats.Sum(m.logQ(s)))
			w, err := tr.wakeWeights(s, 1, k)
			if err != nil {
				t.Fatal(err)
			}
			g := newGrads(m)
			tr.addWake(g, s, w, 1, k)
			floats.AddScaled(total, prob/float64(b), flat(g))
		}
	}
	return total
}

// zTest compares the mean of reps draws of est with want coordinate by
// coordinate. Coordinates that never vary must equal want to 1e-12.
func zTest(t *testing.T, name string, reps int, est func() []float64, want []float64) {
	t.Helper()
	sum := make([]float64, len(want))
	sum2 := make([]float64, len(want))
	for range reps {
		v := est()
		for i, x := range v {
			sum[i] += x
			sum2[i] += x * x
		}
	}
	worst := 0.0
	for i := range want {
		mean := sum[i] / float64(reps)
		se := math.Sqrt(math.Max(sum2[i]/float64(reps)-mean*mean, 0) / float64(reps))
		if se < 1e-12 {
			if math.Abs(mean-want[i]) > 1e-12 {
				t.Errorf("%s: coordinate %d is constant %v, want %v", name, i, mean, want[i])
			}
			continue
		}
		worst = math.Max(worst, math.Abs(mean-want[i])/se)
	}
	// 4.5 standard errors: P(|z| > 4.5) ≈ 7e-6 per coordinate, small for
	// the few dozen coordinates here.
	if worst > 4.5 {
		t.Errorf("%s: max |z| = %.2f over %d coordinates", name, worst, len(want))
	} else {
		t.Logf("%s: max |z| = %.2f over %d coordinates", name, worst, len(want))
	}
}

// tinyMachine is a 3-2-1 Helmholtz machine with non-trivial parameters.
func tinyMachine(t *testing.T, units Units, rnd *rand.Rand) *Machine {
	t.Helper()
	m, err := New([]int{3, 2, 1}, units, rnd)
	if err != nil {
		t.Fatal(err)
	}
	jitter(m, rnd, 0.8)
	return m
}

// TestGradientEstimatorsAgainstEnumeration checks the gradient estimate of
// every algorithm against its exact expectation, computed by enumerating
// the hidden states (and, for the weighted algorithms, every K-tuple of
// them): the weighted wake gradients are biased for ∇ log p(x), but their
// expectation at fixed K is a number the estimator must hit.
func TestGradientEstimatorsAgainstEnumeration(t *testing.T) {
	rnd := rand.New(rand.NewPCG(8, 1))
	for _, tc := range []struct {
		name  string
		units Units
		cfg   Config
	}{
		{"WS", ZeroOne, Config{Algorithm: WS}},
		{"WS K=2", PlusMinusOne, Config{Algorithm: WS, Samples: 2}},
		{"RWS K=2", ZeroOne, Config{Algorithm: RWS, Samples: 2}},
		{"RWS K=3 baseline", PlusMinusOne, Config{Algorithm: RWS, Samples: 3, QBaseline: true}},
		{"RWS K=2 wake-q", PlusMinusOne, Config{Algorithm: RWS, Samples: 2, Q: QWake}},
		{"BiHM K=2", PlusMinusOne, Config{Algorithm: BiHM, Samples: 2}},
	} {
		m := tinyMachine(t, tc.units, rnd)
		tr, err := NewTrainer(m, tc.cfg)
		if err != nil {
			t.Fatal(err)
		}
		x := m.Sample(2, rnd)
		want := exactWake(t, tr, x)
		if tr.sleep > 0 {
			floats.Add(want, exactSleep(tr))
		}
		zTest(t, tc.name, 4000, func() []float64 {
			g, _, _, err := tr.estimate(x, false, rnd)
			if err != nil {
				t.Fatal(err)
			}
			return flat(g)
		}, want)
	}
}

// TestRWSBiasVanishes checks the bias that reweighted wake-sleep's paper
// predicts: the expectation of p's wake gradient at K samples tends to the
// exact ∇θ log p(x) = E_{p(h|x)}[∇θ log p(x, h)] as K grows, monotonically
// on this model.
func TestRWSBiasVanishes(t *testing.T) {
	rnd := rand.New(rand.NewPCG(9, 1))
	m := tinyMachine(t, PlusMinusOne, rnd)
	x := m.Sample(1, rnd)
	// Exact gradient of log p(x) by the posterior over the 8 hidden states.
	s := withVisible(enumerate(m, 1), x.RawRowView(0))
	m.fillP(s)
	lp := m.logP(s)
	z := floats.LogSumExp(lp)
	post := make([]float64, len(lp))
	for i, v := range lp {
		post[i] = math.Exp(v - z)
	}
	g := newGrads(m)
	m.addP(g, s, post)
	exact := flat(g)
	np := len(g.prior)
	for l := range g.pw {
		np += len(g.pw[l].RawMatrix().Data) + len(g.pb[l])
	}
	prev := math.Inf(1)
	for k := 1; k <= 4; k++ {
		tr, err := NewTrainer(m, Config{Algorithm: RWS, Samples: k, Q: QWake})
		if err != nil {
			t.Fatal(err)
		}
		got := exactWake(t, tr, x)[:np]
		d := make([]float64, np)
		floats.SubTo(d, got, exact[:np])
		bias := floats.Norm(d, 2)
		t.Logf("K=%d: ‖E[wake-p gradient] − ∇ log p(x)‖ = %.4g", k, bias)
		if !(bias < prev) {
			t.Errorf("K=%d: bias %.4g did not fall (K−1: %.4g)", k, bias, prev)
		}
		prev = bias
	}
}
