package datasets

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// GridShortestPaths generates the synthetic shortest-path data of PyEPO
// (Tang & Khalil, pkg/pyepo/data/shortestpath.py, genData), after Smart
// "Predict, then Optimize" (Elmachtoub & Grigas 2022): features x ~ N(0, I_p)
// map to costs through a fixed random matrix B with Bernoulli(0.5) entries,
//
//	c_j = [ ((B x)_j / √p + 3)^Degree + 1 ] / 3.5^Degree · ε_j,
//	ε_j ~ U[1 − NoiseHalfWidth, 1 + NoiseHalfWidth].
//
// This follows PyEPO's code, where the +1 is inside the rescaling by
// 3.5^Degree; the SPO paper prints it outside. Draws follow PyEPO's order:
// B first, then all features, then all noise.
//
// Unlike PyEPO, whose costs sit on the edges of a grid graph, the costs here
// are one per vertex of a Rows×Cols grid (row-major), the convention of the
// Warcraft shortest-path benchmark used by I-MLE, InferOpt.jl and the
// blackbox-differentiation papers: a path goes from the top-left to the
// bottom-right vertex moving to any of the 8 neighbours, and its cost is the
// sum of the costs of its vertices, both ends included. (InferOpt.jl's
// tutorial also puts costs on vertices, but counts only arrival vertices
// and moves right or down.) The formula is applied per vertex unchanged.
//
// For even Degree every cost is at least 1/3.5^Degree > 0. For odd Degree a
// cost is negative when (B x)_j / √p < −4, as in PyEPO; with p = 5 that is a
// 4σ event at worst (probability ≤ 3.2e-5 per vertex), so solvers that need
// non-negative costs should use an even Degree or check.
//
// The zero value gives PyEPO's defaults (Degree 1, no noise) on the 5×5 grid
// with p = 5 features of PyEPO's examples and of
// DecisionFocusedLearningBenchmarks.jl.
type GridShortestPaths struct {
	Rows, Cols int // grid size; 0 means 5
	Features   int // p; 0 means 5
	Degree     int // polynomial degree, > 0; 0 means 1

	// NoiseHalfWidth is the half-width ε̄ of the multiplicative noise, in
	// [0, 1); 0 means noiseless.
	NoiseHalfWidth float64
}

// ShortestPaths is a generated data set of GridShortestPaths.
type ShortestPaths struct {
	N          int // number of instances
	Features   int // p
	Rows, Cols int
	Degree     int
	X          []float64 // features, row-major [N, Features]
	Costs      []float64 // vertex costs, row-major [N, Rows*Cols], each row a row-major grid
	// B is the fixed 0/1 matrix mapping features to costs, row-major
	// [Rows*Cols, Features].
	B []float64
}

func (g GridShortestPaths) withDefaults() (GridShortestPaths, error) {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&g.Rows, 5)
	def(&g.Cols, 5)
	def(&g.Features, 5)
	def(&g.Degree, 1)
	switch {
	case g.Rows < 0 || g.Cols < 0:
		return g, fmt.Errorf("datasets: GridShortestPaths: grid %d×%d: want positive sizes", g.Rows, g.Cols)
	case g.Features < 0:
		return g, fmt.Errorf("datasets: GridShortestPaths: Features=%d: want > 0", g.Features)
	case g.Degree < 0:
		return g, fmt.Errorf("datasets: GridShortestPaths: Degree=%d: want > 0", g.Degree)
	case !(g.NoiseHalfWidth >= 0 && g.NoiseHalfWidth < 1):
		return g, fmt.Errorf("datasets: GridShortestPaths: NoiseHalfWidth=%v: want 0 <= NoiseHalfWidth < 1", g.NoiseHalfWidth)
	}
	return g, nil
}

// Generate draws B and n instances.
func (g GridShortestPaths) Generate(n int, rnd *rand.Rand) (*ShortestPaths, error) {
	g, err := g.withDefaults()
	if err != nil {
		return nil, err
	}
	if n < 0 {
		return nil, fmt.Errorf("datasets: GridShortestPaths.Generate: n=%d < 0", n)
	}
	d, p := g.Rows*g.Cols, g.Features
	sp := &ShortestPaths{
		N: n, Features: p, Rows: g.Rows, Cols: g.Cols, Degree: g.Degree,
		X:     make([]float64, n*p),
		Costs: make([]float64, n*d),
		B:     make([]float64, d*p),
	}
	for i := range sp.B {
		if rnd.Uint64()&1 == 1 {
			sp.B[i] = 1
		}
	}
	for i := range sp.X {
		sp.X[i] = rnd.NormFloat64()
	}
	scale := 1 / math.Sqrt(float64(p))
	norm := math.Pow(3.5, float64(g.Degree))
	for i := range n {
		x := sp.X[i*p : (i+1)*p]
		c := sp.Costs[i*d : (i+1)*d]
		for j := range c {
			var bx float64
			for k, b := range sp.B[j*p : (j+1)*p] {
				bx += b * x[k]
			}
			c[j] = (math.Pow(bx*scale+3, float64(g.Degree)) + 1) / norm
		}
	}
	if w := g.NoiseHalfWidth; w > 0 {
		for i := range sp.Costs {
			sp.Costs[i] *= 1 - w + 2*w*rnd.Float64()
		}
	}
	return sp, nil
}

// Subset returns a copy of the instances at the given indices, sharing B.
func (sp *ShortestPaths) Subset(idx []int) *ShortestPaths {
	out := *sp
	out.N = len(idx)
	out.X = GatherRows(nil, sp.X, sp.Features, idx)
	out.Costs = GatherRows(nil, sp.Costs, sp.Rows*sp.Cols, idx)
	return &out
}
