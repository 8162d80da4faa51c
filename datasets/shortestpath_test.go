package datasets

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// gaussMoment returns E[(z+3)^n] for z ~ N(0, s2), expanding the binomial
// with the Gaussian moments E[z^k] = s^k (k−1)!! for even k.
func gaussMoment(n int, s2 float64) float64 {
	var sum float64
	binom := 1.0 // C(n, k)
	for k := 0; k <= n; k++ {
		if k > 0 {
			binom = binom * float64(n-k+1) / float64(k)
		}
		if k%2 == 1 {
			continue
		}
		dfact := 1.0
		for j := k - 1; j > 1; j -= 2 {
			dfact *= float64(j)
		}
		sum += binom * math.Pow(3, float64(n-k)) * math.Pow(s2, float64(k)/2) * dfact
	}
	return sum
}

func TestGaussMoment(t *testing.T) {
	// E[(z+3)^2] = 9 + s²; E[(z+3)^4] = 81 + 54 s² + 3 s⁴.
	for _, s2 := range []float64{0, 0.4, 1} {
		if got, want := gaussMoment(2, s2), 9+s2; math.Abs(got-want) > 1e-12 {
			t.Errorf("n=2 s2=%v: %v, want %v", s2, got, want)
		}
		if got, want := gaussMoment(4, s2), 81+54*s2+3*s2*s2; math.Abs(got-want) > 1e-10 {
			t.Errorf("n=4 s2=%v: %v, want %v", s2, got, want)
		}
	}
}

func TestGridShortestPathsShapesAndFormula(t *testing.T) {
	var g GridShortestPaths
	sp, err := g.Generate(200, rand.New(rand.NewPCG(9, 10)))
	if err != nil {
		t.Fatal(err)
	}
	if sp.N != 200 || sp.Features != 5 || sp.Rows != 5 || sp.Cols != 5 || sp.Degree != 1 ||
		len(sp.X) != 200*5 || len(sp.Costs) != 200*25 || len(sp.B) != 25*5 {
		t.Fatalf("defaults: N=%d p=%d %d×%d deg %d, len X %d Costs %d B %d",
			sp.N, sp.Features, sp.Rows, sp.Cols, sp.Degree, len(sp.X), len(sp.Costs), len(sp.B))
	}
	for _, b := range sp.B {
		if b != 0 && b != 1 {
			t.Fatalf("B entry %v is not 0/1", b)
		}
	}

	// Without noise the costs are exactly PyEPO's formula of the returned
	// X and B; with noise they are that times a factor in [1-w, 1+w].
	for _, deg := range []int{1, 2, 3, 6} {
		for _, w := range []float64{0, 0.5} {
			g := GridShortestPaths{Rows: 3, Cols: 4, Features: 7, Degree: deg, NoiseHalfWidth: w}
			sp, err := g.Generate(300, rand.New(rand.NewPCG(uint64(deg), 11)))
			if err != nil {
				t.Fatal(err)
			}
			if len(sp.Costs) != 300*12 || len(sp.X) != 300*7 || len(sp.B) != 12*7 {
				t.Fatalf("3×4 grid, p=7: len Costs %d X %d B %d", len(sp.Costs), len(sp.X), len(sp.B))
			}
			var ratios []float64
			for i := range 300 {
				for j := range 12 {
					var bx float64
					for k := range 7 {
						bx += sp.B[j*7+k] * sp.X[i*7+k]
					}
					want := (math.Pow(bx/math.Sqrt(7)+3, float64(deg)) + 1) / math.Pow(3.5, float64(deg))
					got := sp.Costs[i*12+j]
					if w == 0 {
						if math.Abs(got-want) > 1e-12*math.Abs(want) {
							t.Fatalf("deg %d: cost[%d,%d] = %v, want %v", deg, i, j, got, want)
						}
						continue
					}
					r := got / want
					if r < 1-w || r > 1+w {
						t.Fatalf("deg %d w %v: noise factor %v outside [1-w, 1+w]", deg, w, r)
					}
					ratios = append(ratios, r)
				}
			}
			if w > 0 {
				checkMean(t, "noise factor", ratios, 1, w*w/3)
			}
		}
	}
}

func TestGridShortestPathsStatistics(t *testing.T) {
	const n = 20000
	for _, c := range []GridShortestPaths{{Degree: 2, NoiseHalfWidth: 0.5}, {Degree: 4}, {Degree: 1, NoiseHalfWidth: 0.2}} {
		sp, err := c.Generate(n, rand.New(rand.NewPCG(12, 13)))
		if err != nil {
			t.Fatal(err)
		}
		p, d, deg := sp.Features, sp.Rows*sp.Cols, float64(sp.Degree)
		checkMean(t, "features", sp.X, 0, 1)

		// Positivity holds exactly for even degrees: c ≥ (1-w)/3.5^deg.
		if sp.Degree%2 == 0 {
			floor := (1 - c.NoiseHalfWidth) / math.Pow(3.5, deg)
			for i, v := range sp.Costs {
				if !(v >= floor) {
					t.Fatalf("deg %d: cost %d = %v below %v", sp.Degree, i, v, floor)
				}
			}
		}

		// Per vertex, given B: z = (Bx)_j/√p ~ N(0, m_j/p) with m_j the
		// ones in row j of B, and the noise is independent with mean 1 and
		// second moment 1 + w²/3. The exact mean and variance of the cost
		// give the standard error of its sample mean.
		w := c.NoiseHalfWidth
		norm := math.Pow(3.5, deg)
		for j := range d {
			m := 0.0
			for k := range p {
				m += sp.B[j*p+k]
			}
			s2 := m / float64(p)
			mean := (gaussMoment(sp.Degree, s2) + 1) / norm
			second := (1 + w*w/3) * (gaussMoment(2*sp.Degree, s2) + 2*gaussMoment(sp.Degree, s2) + 1) / (norm * norm)
			xs := make([]float64, n)
			for i := range n {
				xs[i] = sp.Costs[i*d+j]
			}
			if m == 0 && w == 0 {
				// A zero row of B: the cost is the constant 4^deg/3.5^deg.
				for _, x := range xs {
					if math.Abs(x-mean) > 1e-12 {
						t.Fatalf("constant vertex cost %v, want %v", x, mean)
					}
				}
				continue
			}
			checkMean(t, "vertex cost", xs, mean, second-mean*mean)
		}
	}
	// B is Bernoulli(½), pooled over seeds for a usable sample.
	var bs []float64
	for seed := range uint64(40) {
		sp, _ := GridShortestPaths{}.Generate(0, rand.New(rand.NewPCG(seed, 99)))
		bs = append(bs, sp.B...)
	}
	checkMean(t, "B entries", bs, 0.5, 0.25)
}

func TestGridShortestPathsDeterministic(t *testing.T) {
	g := GridShortestPaths{Degree: 2, NoiseHalfWidth: 0.3}
	a, _ := g.Generate(50, rand.New(rand.NewPCG(1, 2)))
	b, _ := g.Generate(50, rand.New(rand.NewPCG(1, 2)))
	c, _ := g.Generate(50, rand.New(rand.NewPCG(1, 3)))
	if !slices.Equal(a.X, b.X) || !slices.Equal(a.Costs, b.Costs) || !slices.Equal(a.B, b.B) {
		t.Error("same seed, different data")
	}
	if slices.Equal(a.Costs, c.Costs) {
		t.Error("different seeds, same costs")
	}
	sub := a.Subset([]int{49, 0})
	if sub.N != 2 || !slices.Equal(sub.X[:5], a.X[49*5:50*5]) || !slices.Equal(sub.Costs[25:], a.Costs[:25]) || &sub.B[0] != &a.B[0] {
		t.Error("Subset rows or shared B wrong")
	}
}

func TestGridShortestPathsInvalid(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, g := range []GridShortestPaths{
		{Rows: -1}, {Cols: -2}, {Features: -1}, {Degree: -1},
		{NoiseHalfWidth: -0.1}, {NoiseHalfWidth: 1}, {NoiseHalfWidth: math.NaN()},
	} {
		if _, err := g.Generate(1, rnd); err == nil {
			t.Errorf("%+v: no error", g)
		}
	}
	if _, err := (GridShortestPaths{}).Generate(-1, rnd); err == nil {
		t.Error("n = -1: no error")
	}
}
