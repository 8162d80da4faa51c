package wakesleep

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// enumerate returns a state whose rows are every configuration of the
// layers from..L (layers below from are left nil), first layer fastest.
func enumerate(m *Machine, from int) *state {
	L := m.Depth()
	bits := 0
	for _, s := range m.Sizes[from:] {
		bits += s
	}
	n := 1 << bits
	s := &state{h: make([]*mat.Dense, L+1)}
	for l := from; l <= L; l++ {
		s.h[l] = mat.NewDense(n, m.Sizes[l], nil)
	}
	for i := range n {
		b := i
		for l := from; l <= L; l++ {
			for j := range m.Sizes[l] {
				s.h[l].Set(i, j, float64(b&1))
				b >>= 1
			}
		}
	}
	return s
}

// withVisible returns s with every row's visible layer set to x.
func withVisible(s *state, x []float64) *state {
	n, _ := s.h[1].Dims()
	c := &state{h: append([]*mat.Dense(nil), s.h...)}
	c.h[0] = tile(mat.NewDense(1, len(x), x), n)
	return c
}

func jitter(m *Machine, rnd *rand.Rand, scale float64) {
	for _, p := range m.Params() {
		for i := range p.Data {
			p.Data[i] += scale * rnd.NormFloat64()
		}
	}
}

// TestLogLikelihoodEnumeration checks LogLikelihood against log Σ_h p(x, h)
// summed row by row, and that p(x) sums to 1 over all x, for both codings
// and 1 to 3 hidden layers.
func TestLogLikelihoodEnumeration(t *testing.T) {
	rnd := rand.New(rand.NewPCG(6, 1))
	for _, units := range []Units{ZeroOne, PlusMinusOne} {
		for _, sizes := range [][]int{{4, 3}, {4, 2, 2}, {3, 2, 2, 1}} {
			m, err := New(sizes, units, rnd)
			if err != nil {
				t.Fatal(err)
			}
			jitter(m, rnd, 1)
			all := enumerate(m, 0)
			m.fillP(all)
			joint := m.logP(all)
			ll, err := m.LogLikelihood(all.h[0])
			if err != nil {
				t.Fatal(err)
			}
			nx := 1 << sizes[0]
			total := math.Inf(-1)
			for xi := range nx {
				// Rows xi, xi+nx, … share the visible configuration xi.
				var terms []float64
				for r := xi; r < len(joint); r += nx {
					terms = append(terms, joint[r])
				}
				want := floats.LogSumExp(terms)
				if d := math.Abs(ll[xi] - want); d > 1e-12 {
					t.Errorf("%v %v: x#%d: LogLikelihood %v, sum over h %v", units, sizes, xi, ll[xi], want)
				}
				total = logAddExp(total, want)
			}
			if math.Abs(total) > 1e-12 {
				t.Errorf("%v %v: log Σ_x p(x) = %v, want 0", units, sizes, total)
			}
		}
	}
	big, _ := New([]int{2, 25}, ZeroOne, rnd)
	if _, err := big.LogLikelihood(mat.NewDense(1, 2, nil)); err == nil {
		t.Error("LogLikelihood enumerated 2^25 states")
	}
}

// TestImportanceLogLikelihood checks that exp of the K = 1 estimate is
// unbiased for p(x) (z-test) and that the K = 5000 estimate is within 5
// standard errors of the exact log p(x), the standard error by the delta
// method, sd(w)/(√K E[w]), from the K = 1 weights.
func TestImportanceLogLikelihood(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 1))
	m, err := New([]int{6, 3, 2}, PlusMinusOne, rnd)
	if err != nil {
		t.Fatal(err)
	}
	jitter(m, rnd, 0.7)
	x := m.Sample(3, rnd)
	exact, err := m.LogLikelihood(x)
	if err != nil {
		t.Fatal(err)
	}
	const reps = 20000
	rep := tile(x, 1)
	relSD := make([]float64, 3)
	for i := range 3 {
		xi := mat.NewDense(reps, 6, nil)
		for r := range reps {
			xi.SetRow(r, rep.RawRowView(i))
		}
		est := m.ImportanceLogLikelihood(xi, 1, rnd)
		var sum, sum2 float64
		for _, v := range est {
			p := math.Exp(v)
			sum += p
			sum2 += p * p
		}
		mean := sum / reps
		se := math.Sqrt((sum2/reps - mean*mean) / reps)
		relSD[i] = se * math.Sqrt(reps) / mean
		if z := (mean - math.Exp(exact[i])) / se; math.Abs(z) > 4 {
			t.Errorf("x#%d: mean importance weight %v, p(x) %v: z = %.2f", i, mean, math.Exp(exact[i]), z)
		}
	}
	const k = 5000
	est := m.ImportanceLogLikelihood(x, k, rnd)
	for i := range est {
		se := relSD[i] / math.Sqrt(k)
		if d := math.Abs(est[i] - exact[i]); d > 5*se {
			t.Errorf("x#%d: K=%d estimate %v, exact %v: %.1f standard errors (%.3g) apart", i, k, est[i], exact[i], d/se, se)
		}
	}
}
