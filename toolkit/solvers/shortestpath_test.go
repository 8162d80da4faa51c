package solvers_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stochgrad/stochgrad/toolkit/solvers"
)

// kingNeighbours calls f for each of the up to 8 neighbours of v.
func kingNeighbours(rows, cols, v int, f func(w int)) {
	r, c := v/cols, v%cols
	for dr := -1; dr <= 1; dr++ {
		for dc := -1; dc <= 1; dc++ {
			if (dr != 0 || dc != 0) && r+dr >= 0 && r+dr < rows && c+dc >= 0 && c+dc < cols {
				f((r+dr)*cols + c + dc)
			}
		}
	}
}

// floored returns the cost of the vertex set z with costs floored at 0, the
// objective ShortestPath documents.
func floored[T solvers.Float](cost, z []T) float64 {
	var s float64
	for i := range cost {
		s += max(float64(cost[i]), 0) * float64(z[i])
	}
	return s
}

// simplePaths enumerates every simple path from the top-left to the
// bottom-right vertex and returns their number and the least floored cost.
func simplePaths[T solvers.Float](rows, cols int, cost []T) (count int, best float64) {
	n := rows * cols
	on := make([]bool, n)
	best = math.Inf(1)
	var walk func(v int, c float64)
	walk = func(v int, c float64) {
		c += max(float64(cost[v]), 0)
		if v == n-1 {
			count++
			best = min(best, c)
			return
		}
		on[v] = true
		kingNeighbours(rows, cols, v, func(w int) {
			if !on[w] {
				walk(w, c)
			}
		})
		on[v] = false
	}
	walk(0, 0)
	return count, best
}

// checkPath fails unless z is the 0/1 indicator of the vertex set of a
// simple path from the top-left to the bottom-right vertex, found by a
// search for an ordering of the marked vertices.
func checkPath[T solvers.Float](t *testing.T, rows, cols int, z []T) {
	t.Helper()
	n := rows * cols
	ones := checkBinary(t, z)
	if z[0] != 1 || z[n-1] != 1 {
		t.Fatalf("%d×%d: path misses an end: z = %v", rows, cols, z)
	}
	on := make([]bool, n)
	var walk func(v, left int) bool
	walk = func(v, left int) bool {
		if v == n-1 {
			return left == 0
		}
		on[v] = true
		found := false
		kingNeighbours(rows, cols, v, func(w int) {
			if !found && !on[w] && z[w] == 1 {
				found = walk(w, left-1)
			}
		})
		on[v] = false
		return found
	}
	if !walk(0, ones-1) {
		t.Fatalf("%d×%d: z = %v is not a simple path", rows, cols, z)
	}
}

// bellmanFord returns the least floored cost of a path, by relaxing every
// edge n times.
func bellmanFord[T solvers.Float](rows, cols int, cost []T) float64 {
	n := rows * cols
	d := make([]float64, n)
	for i := range d {
		d[i] = math.Inf(1)
	}
	d[0] = max(float64(cost[0]), 0)
	for range n {
		for u := range n {
			kingNeighbours(rows, cols, u, func(v int) {
				d[v] = min(d[v], d[u]+max(float64(cost[v]), 0))
			})
		}
	}
	return d[n-1]
}

func TestShortestPath(t *testing.T) {
	t.Run("float32", testShortestPath[float32])
	t.Run("float64", testShortestPath[float64])
}

// testShortestPath compares ShortestPath with the enumeration of all simple
// paths on small grids, and with Bellman-Ford on larger ones, for positive,
// tied and negative costs.
func testShortestPath[T solvers.Float](t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 8))
	kinds := []struct {
		name    string
		ties    bool
		lo, hi  int
		shifted bool // normal costs + 3, all positive in practice
	}{
		{"positive", false, 0, 0, true},
		{"ties", true, 0, 3, false},
		{"negative", false, 0, 0, false},
		{"negative-ties", true, -3, 3, false},
	}
	for _, k := range kinds {
		cost := func(n int) []T {
			c := randScores[T](rnd, n, k.ties, k.lo, k.hi)
			if k.shifted {
				for i := range c {
					c[i] += 3
				}
			}
			return c
		}
		for _, g := range [][2]int{{1, 1}, {1, 4}, {4, 1}, {2, 2}, {3, 3}, {3, 4}, {4, 3}} {
			rows, cols := g[0], g[1]
			for range 40 {
				c := cost(rows * cols)
				z := make([]T, len(c))
				solvers.ShortestPath[T]{Rows: rows, Cols: cols}.Solve(z, c)
				checkPath(t, rows, cols, z)
				_, best := simplePaths(rows, cols, c)
				if got := floored(c, z); math.Abs(got-best) > objTol(c, len(c)) {
					t.Fatalf("%s %d×%d costs %v: path cost %v, enumeration %v (z = %v)", k.name, rows, cols, c, got, best, z)
				}
			}
		}
		for _, g := range [][2]int{{6, 9}, {12, 12}} {
			rows, cols := g[0], g[1]
			for range 10 {
				c := cost(rows * cols)
				z := make([]T, len(c))
				solvers.ShortestPath[T]{Rows: rows, Cols: cols}.Solve(z, c)
				checkPath(t, rows, cols, z)
				if got, best := floored(c, z), bellmanFord(rows, cols, c); math.Abs(got-best) > objTol(c, len(c)) {
					t.Fatalf("%s %d×%d: path cost %v, Bellman-Ford %v", k.name, rows, cols, got, best)
				}
			}
		}
	}
}

func TestShortestPathEnumerationSize(t *testing.T) {
	// Guards the brute-force reference: it must see many paths.
	for _, c := range []struct{ rows, cols, min int }{{2, 2, 5}, {3, 3, 100}, {3, 4, 1000}} {
		n, _ := simplePaths(c.rows, c.cols, make([]float64, c.rows*c.cols))
		if n < c.min {
			t.Errorf("%d×%d grid: %d simple paths, want at least %d", c.rows, c.cols, n, c.min)
		}
	}
}

// TestShortestPathNegativeCost pins the documented behaviour: negative
// costs are floored at 0. The true cheapest simple path runs through the
// −10 corner (cost 1+1−10+1+1 = −6), but with that corner floored to 0 it
// costs 4, more than the diagonal's 3, which is what Solve returns.
func TestShortestPathNegativeCost(t *testing.T) {
	cost := []float64{
		1, 1, -10,
		1, 1, 1,
		1, 1, 1,
	}
	z := make([]float64, 9)
	solvers.ShortestPath[float64]{Rows: 3, Cols: 3}.Solve(z, cost)
	if want := []float64{1, 0, 0, 0, 1, 0, 0, 0, 1}; !equal(z, want) {
		t.Errorf("z = %v, want the diagonal %v", z, want)
	}
	// All costs negative: every path has floored cost 0; one is returned.
	for i := range cost {
		cost[i] = -1
	}
	solvers.ShortestPath[float64]{Rows: 3, Cols: 3}.Solve(z, cost)
	checkPath(t, 3, 3, z)
}

func TestShortestPathInf(t *testing.T) {
	inf := float32(math.Inf(1))
	cost := []float32{
		1, inf, inf, inf,
		inf, inf, inf, inf,
		inf, inf, inf, 1,
	}
	z := make([]float32, len(cost))
	solvers.ShortestPath[float32]{Rows: 3, Cols: 4}.Solve(z, cost)
	checkPath(t, 3, 4, z)
	// One finite detour is cheaper than any infinite route.
	cost[5], cost[6] = 2, 2
	solvers.ShortestPath[float32]{Rows: 3, Cols: 4}.Solve(z, cost)
	if want := []float32{1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1}; !equal(z, want) {
		t.Errorf("z = %v, want %v", z, want)
	}
}

func TestShortestPathShape(t *testing.T) {
	rnd := rand.New(rand.NewPCG(9, 10))
	c := randScores[float64](rnd, 12, false, 0, 0)
	want := make([]float64, 12)
	solvers.ShortestPath[float64]{Rows: 3, Cols: 4}.Solve(want, c)
	for _, s := range []solvers.ShortestPath[float64]{{Rows: 3}, {Cols: 4}} {
		z := make([]float64, 12)
		s.Solve(z, c)
		if !equal(z, want) {
			t.Errorf("%+v: z = %v, want the 3×4 path %v", s, z, want)
		}
	}
	c = randScores[float64](rnd, 16, false, 0, 0)
	want = make([]float64, 16)
	solvers.ShortestPath[float64]{Rows: 4, Cols: 4}.Solve(want, c)
	z := make([]float64, 16)
	solvers.ShortestPath[float64]{}.Solve(z, c)
	if !equal(z, want) {
		t.Errorf("zero value on 16 costs: z = %v, want the 4×4 path %v", z, want)
	}

	for _, s := range []solvers.ShortestPath[float64]{{}, {Rows: 5}, {Cols: 5}, {Rows: 3, Cols: 3}, {Rows: -3, Cols: -4}} {
		mustPanic(t, fmt.Sprintf("ShortestPath.Solve: grid Rows = %d, Cols = %d does not fit len(theta) = 12", s.Rows, s.Cols), func() {
			s.Solve(make([]float64, 12), make([]float64, 12))
		})
	}
	mustPanic(t, "ShortestPath.Solve: len(dst) = 3, len(theta) = 4", func() {
		solvers.ShortestPath[float64]{}.Solve(make([]float64, 3), make([]float64, 4))
	})
}

// TestShortestPathNegate checks the maximiser adapter: Negate(ShortestPath)
// on θ = −cost returns the shortest path of cost, so it maximises <θ, z>.
func TestShortestPathNegate(t *testing.T) {
	rnd := rand.New(rand.NewPCG(11, 12))
	sp := solvers.ShortestPath[float32]{Rows: 5, Cols: 6}
	longest := solvers.Negate[float32](sp)
	for range 20 {
		cost := randScores[float32](rnd, 30, false, 0, 0)
		theta := make([]float32, 30)
		for i := range cost {
			theta[i] = -cost[i]
		}
		want, z := make([]float32, 30), make([]float32, 30)
		sp.Solve(want, cost)
		longest.Solve(z, theta)
		if !equal(z, want) {
			t.Fatalf("Negate(sp) on −cost = %v, sp on cost = %v", z, want)
		}
	}
}

func ExampleShortestPath() {
	// Vertex costs of a 4×5 map; the path pays for every vertex it visits,
	// both ends included, and may move diagonally.
	cost := []float64{
		1, 9, 1, 1, 1,
		1, 9, 1, 9, 1,
		1, 9, 1, 9, 1,
		1, 1, 9, 9, 1,
	}
	z := make([]float64, len(cost))
	solvers.ShortestPath[float64]{Rows: 4, Cols: 5}.Solve(z, cost)
	for r := range 4 {
		fmt.Println(z[r*5 : (r+1)*5])
	}

	// Estimators maximise <θ, z>: with θ = −cost the adapted solver finds
	// the same path.
	theta := make([]float64, len(cost))
	for i, c := range cost {
		theta[i] = -c
	}
	solvers.Negate[float64](solvers.ShortestPath[float64]{Rows: 4, Cols: 5}).Solve(z, theta)
	var total float64
	for i := range z {
		total -= theta[i] * z[i]
	}
	fmt.Println("path cost:", total)
	// Output:
	// [1 0 0 1 0]
	// [1 0 1 0 1]
	// [1 0 1 0 1]
	// [0 1 0 0 1]
	// path cost: 10
}

func benchmarkShortestPath(b *testing.B, rows, cols int) {
	rnd := rand.New(rand.NewPCG(1, 2))
	thetas := make([][]float32, 64)
	for i := range thetas {
		thetas[i] = randScores[float32](rnd, rows*cols, false, 0, 0)
		for j := range thetas[i] {
			thetas[i][j] = float32(math.Exp(float64(thetas[i][j])))
		}
	}
	z := make([]float32, rows*cols)
	var s solvers.Solver[float32] = solvers.ShortestPath[float32]{Rows: rows, Cols: cols}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s.Solve(z, thetas[i%len(thetas)])
	}
}

func BenchmarkShortestPath(b *testing.B) {
	b.Run("12x12", func(b *testing.B) { benchmarkShortestPath(b, 12, 12) })
	b.Run("30x30", func(b *testing.B) { benchmarkShortestPath(b, 30, 30) })
}
