package estimators

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/solvers"
)

// weight returns Σ e over the indicator z.
func rgmWeight(z, e []float64) float64 {
	w := 0.0
	for k, v := range z {
		w += v * e[k]
	}
	return w
}

// rgmMinTree returns the weight of the minimum spanning tree of the complete
// graph on n nodes by trying every set of n−1 edges.
func rgmMinTree(n int, e []float64) float64 {
	tree := kruskalTree{N: n}
	m := tree.Len()
	best := math.Inf(1)
	var rec func(k int, chosen []int)
	rec = func(k int, chosen []int) {
		if len(chosen) == n-1 {
			comp := make([]int, n)
			for i := range comp {
				comp[i] = i
			}
			w := 0.0
			for _, c := range chosen {
				u, v := tree.Edge(c)
				if comp[u] == comp[v] {
					return
				}
				from := comp[v]
				for i := range comp {
					if comp[i] == from {
						comp[i] = comp[u]
					}
				}
				w += e[c]
			}
			best = min(best, w)
			return
		}
		for c := k; c < m; c++ {
			rec(c+1, append(chosen, c))
		}
	}
	rec(0, nil)
	return best
}

// rgmArborescences returns every arborescence of the complete digraph on n
// nodes rooted at root, as indicators.
func rgmArborescences(n, root int) [][]float64 {
	var out [][]float64
	par := make([]int, n)
	var rec func(j int)
	rec = func(j int) {
		if j == n {
			for v := range n { // every node must reach the root
				u, steps := v, 0
				for u != root && steps <= n {
					u, steps = par[u], steps+1
				}
				if u != root {
					return
				}
			}
			z := make([]float64, n*n)
			for v := range n {
				if v != root {
					z[par[v]*n+v] = 1
				}
			}
			out = append(out, z)
			return
		}
		if j == root {
			rec(j + 1)
			return
		}
		for i := range n {
			if i != j {
				par[j] = i
				rec(j + 1)
			}
		}
	}
	rec(0)
	return out
}

// Each structure is the optimum it should be: the k smallest, the minimum
// spanning tree, the minimum arborescence (by exhaustive search), and the
// same as the maximum-weight solvers of toolkit/solvers on −E.
func TestRGMStructuresAreOptimal(t *testing.T) {
	rnd := rand.New(rand.NewPCG(2, 1))
	for rep := range 200 {
		// Top-k.
		{
			n, k := 7, 3
			e := rgmSampleE(rnd, rgmRandLogits(rnd, n, 1))
			z := make([]float64, n)
			tr := topKSubset{N: n, K: k}.Trace(z, e)
			sorted := slices.Clone(e)
			slices.Sort(sorted)
			want := make([]float64, n)
			solvers.TopK[float64]{K: k}.Solve(want, rgmNeg(e))
			for s, st := range tr.Steps {
				if e[st.Arg] != sorted[s] {
					t.Fatalf("top-k rep %d: step %d took %g, want the %d-th smallest %g", rep, s, e[st.Arg], s+1, sorted[s])
				}
			}
			if !slices.Equal(z, want) {
				t.Fatalf("top-k rep %d: indicator %v, solvers.TopK %v", rep, z, want)
			}
		}
		// Spanning tree.
		for _, n := range []int{2, 4, 6} {
			st := kruskalTree{N: n}
			e := rgmSampleE(rnd, rgmRandLogits(rnd, st.Len(), 1))
			z := make([]float64, st.Len())
			tr := st.Trace(z, e)
			if len(tr.Steps) != n-1 {
				t.Fatalf("kruskal n=%d: %d steps", n, len(tr.Steps))
			}
			if w, best := rgmWeight(z, e), rgmMinTree(n, e); math.Abs(w-best) > 1e-12 {
				t.Fatalf("kruskal n=%d rep %d: tree weight %g, minimum %g", n, rep, w, best)
			}
			want := make([]float64, st.Len())
			solvers.SpanningTree[float64]{N: n}.Solve(want, rgmNeg(e))
			if !slices.Equal(z, want) {
				t.Fatalf("kruskal n=%d rep %d: indicator %v, solvers.SpanningTree %v", n, rep, z, want)
			}
		}
		// Arborescence, with several roots.
		for _, n := range []int{2, 3, 4, 5} {
			root := rep % n
			st := edmondsArborescence{N: n, Root: root}
			e := rgmSampleE(rnd, rgmRandLogits(rnd, n*n, 1))
			z := make([]float64, n*n)
			st.Trace(z, e)
			best := math.Inf(1)
			found := false
			for _, a := range rgmArborescences(n, root) {
				best = min(best, rgmWeight(a, e))
				found = found || slices.Equal(a, z)
			}
			if !found {
				t.Fatalf("edmonds n=%d root %d rep %d: %v is not an arborescence", n, root, rep, z)
			}
			if w := rgmWeight(z, e); math.Abs(w-best) > 1e-12 {
				t.Fatalf("edmonds n=%d root %d rep %d: weight %g, minimum %g", n, root, rep, w, best)
			}
			want := make([]float64, n*n)
			solvers.Arborescence[float64]{N: n, Root: root}.Solve(want, rgmNeg(e))
			if !slices.Equal(z, want) {
				t.Fatalf("edmonds n=%d root %d rep %d: indicator %v, solvers.Arborescence %v", n, root, rep, z, want)
			}
		}
	}
}

func rgmNeg(e []float64) []float64 {
	out := make([]float64, len(e))
	for i, v := range e {
		out[i] = -v
	}
	return out
}

// The Chu-Liu/Edmonds trace through contractions, on graphs built so that
// the cheapest incoming edges form cycles: one contraction (N = 4), a
// contraction of a contracted cycle (N = 5), and a tie. The conditional
// samples of these traces reproduce them.
func TestRGMEdmondsContraction(t *testing.T) {
	cases := []struct {
		n     int
		edges map[[2]int]float64 // others weigh 20
		steps []TraceStep
		tree  [][2]int
	}{
		{
			n:     4,
			edges: map[[2]int]float64{{1, 2}: 0.1, {2, 3}: 0.1, {3, 1}: 0.1, {0, 1}: 5, {0, 2}: 6, {0, 3}: 1.5},
			steps: []TraceStep{
				{Candidates: []int{1, 9, 13}, Arg: 13},
				{Candidates: []int{2, 6, 14}, Arg: 6},
				{Candidates: []int{3, 7, 11}, Arg: 11},
				{Candidates: []int{1, 2, 3}, Arg: 3}, // the cycle {1,2,3}, entered from the root only
			},
			tree: [][2]int{{0, 3}, {3, 1}, {1, 2}},
		},
		{
			n: 5,
			edges: map[[2]int]float64{{1, 2}: 1, {2, 1}: 1, {1, 3}: 1, {0, 4}: 1, {3, 1}: 2, {0, 1}: 10, {0, 2}: 10,
				{0, 3}: 5, {4, 3}: 3, {4, 2}: 4.5},
			steps: []TraceStep{
				{Candidates: []int{1, 11, 16, 21}, Arg: 11},
				{Candidates: []int{2, 7, 17, 22}, Arg: 7},
				{Candidates: []int{3, 8, 13, 23}, Arg: 8},
				{Candidates: []int{4, 9, 14, 19}, Arg: 4},
				{Candidates: []int{1, 16, 21, 2, 17, 22}, Arg: 16}, // the cycle {1,2}
				{Candidates: []int{1, 21, 2, 22, 3, 23}, Arg: 23},  // the cycle {{1,2},3}
			},
			tree: [][2]int{{0, 4}, {4, 3}, {3, 1}, {1, 2}},
		},
		{
			// An exact tie (as float32 draws produce): 3→2 weighs as much as
			// 1→2, which wins on index. The cycle {1,2} then enters by 3→2 at
			// reduced weight exactly 0; the step is still taken, where the
			// reference's test "reduced weight != 0" would drop it.
			n:     4,
			edges: map[[2]int]float64{{1, 2}: 1, {2, 1}: 1, {3, 2}: 1, {0, 3}: 1},
			steps: []TraceStep{
				{Candidates: []int{1, 9, 13}, Arg: 9},
				{Candidates: []int{2, 6, 14}, Arg: 6},
				{Candidates: []int{3, 7, 11}, Arg: 3},
				{Candidates: []int{1, 13, 2, 14}, Arg: 14},
			},
			tree: [][2]int{{0, 3}, {3, 2}, {2, 1}},
		},
	}
	rnd := rand.New(rand.NewPCG(2, 2))
	for _, c := range cases {
		n := c.n
		e := make([]float64, n*n)
		for i := range e {
			e[i] = 20
		}
		for k, w := range c.edges {
			e[k[0]*n+k[1]] = w
		}
		st := edmondsArborescence{N: n}
		z := make([]float64, n*n)
		tr := st.Trace(z, e)
		if want := (Trace{Steps: c.steps}); !tr.Equal(want) {
			t.Errorf("n=%d: trace %v, want %v", n, tr, want)
		}
		want := make([]float64, n*n)
		for _, ed := range c.tree {
			want[ed[0]*n+ed[1]] = 1
		}
		if !slices.Equal(z, want) {
			t.Errorf("n=%d: arborescence %v, want %v", n, z, want)
		}
		// Conditional samples at uniform logits reproduce the trace.
		th := ad.Zeros[float64](n * n)
		z2 := make([]float64, n*n)
		for range 2000 {
			if tr2 := st.Trace(z2, TraceConditional(rnd, th, tr).Data); !tr2.Equal(tr) || !slices.Equal(z2, z) {
				t.Fatalf("n=%d: conditional sample gave trace %v", n, tr2.Args())
			}
		}
	}
}

// Each structure's trace has the documented shape: top-k and Kruskal steps
// shrink their candidates one argmin (or one component merge) at a time,
// and every arborescence step's candidates enter one supernode.
func TestRGMTraceShapes(t *testing.T) {
	rnd := rand.New(rand.NewPCG(2, 3))
	z := make([]float64, 6)
	tr := topKSubset{N: 6, K: 4}.Trace(z, rgmSampleE(rnd, make([]float64, 6)))
	for s, st := range tr.Steps {
		if len(st.Candidates) != 6-s {
			t.Errorf("top-k step %d: %d candidates", s, len(st.Candidates))
		}
	}
	if got := fmt.Sprint(tr.Used(6)); got != "[true true true true true true]" {
		t.Errorf("top-k used %s", got)
	}
	// Kruskal on 4 nodes: 6, then 5, then 4 (two pairs) or 3 (a path) candidates.
	kt := kruskalTree{N: 4}
	z = make([]float64, 6)
	for range 100 {
		tr := kt.Trace(z, rgmSampleE(rnd, make([]float64, 6)))
		a, b, c := len(tr.Steps[0].Candidates), len(tr.Steps[1].Candidates), len(tr.Steps[2].Candidates)
		if a != 6 || b != 5 || (c != 4 && c != 3) {
			t.Fatalf("kruskal candidate counts %d %d %d", a, b, c)
		}
	}
	// Arborescence: diagonal and edges into the root are never used.
	n := 5
	z = make([]float64, n*n)
	used := edmondsArborescence{N: n}.Trace(z, rgmSampleE(rnd, make([]float64, n*n))).Used(n * n)
	for i := range n {
		for j := range n {
			if want := i != j && j != 0; used[i*n+j] != want {
				t.Errorf("edmonds: edge %d→%d used %v", i, j, used[i*n+j])
			}
		}
	}
}

// Invalid sizes panic in Trace, naming the solver.
func TestRGMStructureErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		run  func()
	}{
		{"TopK.Trace", func() { solvers.TopK[float64]{K: 4}.Trace(make([]float64, 3), make([]float64, 3)) }},
		{"SpanningTree.Trace", func() { solvers.SpanningTree[float64]{}.Trace(nil, nil) }},
		{"SpanningTree.Trace", func() { solvers.SpanningTree[float64]{N: 4}.Trace(make([]float64, 6), make([]float64, 5)) }},
		{"Arborescence.Trace", func() { solvers.Arborescence[float64]{N: 3, Root: 3}.Trace(make([]float64, 9), make([]float64, 9)) }},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), c.name) {
					t.Errorf("panic %v, want one naming %s", r, c.name)
				}
			}()
			c.run()
		}()
	}
	// A valid root other than 0 runs.
	solvers.Arborescence[float64]{N: 4, Root: 1}.Trace(make([]float64, 16), make([]float64, 16))
}

// Example_kruskalTrace runs Kruskal's algorithm on fixed exponentials and
// prints the trace and its log-probability under uniform logits.
func Example_kruskalTrace() {
	tree := kruskalTree{N: 3} // edges (0,1), (0,2), (1,2)
	e := []float64{0.7, 0.2, 0.5}
	z := make([]float64, tree.Len())
	tr := tree.Trace(z, e)
	for _, st := range tr.Steps {
		u, v := tree.Edge(st.Arg)
		fmt.Printf("took (%d,%d) among %d edges\n", u, v, len(st.Candidates))
	}
	fmt.Println("tree:", z)
	// p(T) = 1/3 · 1/2 at equal rates.
	fmt.Printf("p(T) = %.4f\n", math.Exp(TraceLogProb(ad.Zeros[float64](3), tr).Item()))
	// Output:
	// took (0,2) among 3 edges
	// took (1,2) among 2 edges
	// tree: [0 1 1]
	// p(T) = 0.1667
}
