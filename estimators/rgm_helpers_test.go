package estimators

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// rgmZTol is the largest |z| accepted by the statistical tests: with a few
// hundred z-tests per run, a correct implementation fails one with
// probability about 1%, and the seeds are fixed.
const rgmZTol = 4

// rgmCheckZ fails unless got is within rgmZTol standard errors of want; a
// zero standard error demands equality to 1e-12.
func rgmCheckZ(t *testing.T, name string, got, se, want float64) {
	t.Helper()
	if se == 0 {
		if math.Abs(got-want) > 1e-12 {
			t.Errorf("%s: got %.6g with zero spread, want %.6g", name, got, want)
		}
		return
	}
	if z := (got - want) / se; math.Abs(z) > rgmZTol || math.IsNaN(z) {
		t.Errorf("%s: got %.6g ± %.2g, want %.6g (z = %.2f)", name, got, se, want, z)
	}
}

// rgmMeanSE returns the mean and standard error of each column of rows.
func rgmMeanSE(rows [][]float64) (mean, se []float64) {
	n := len(rows[0])
	mean, se = make([]float64, n), make([]float64, n)
	m := float64(len(rows))
	for _, r := range rows {
		for k, v := range r {
			mean[k] += v / m
		}
	}
	for _, r := range rows {
		for k, v := range r {
			se[k] += (v - mean[k]) * (v - mean[k])
		}
	}
	for k := range se {
		se[k] = math.Sqrt(se[k] / (m - 1) / m)
	}
	return mean, se
}

// rgmTotalVar returns Σ_k Var(column k) of rows.
func rgmTotalVar(rows [][]float64) float64 {
	_, se := rgmMeanSE(rows)
	m := float64(len(rows))
	v := 0.0
	for _, s := range se {
		v += s * s * m
	}
	return v
}

func rgmRandLogits(rnd *rand.Rand, n int, scale float64) []float64 {
	th := make([]float64, n)
	for i := range th {
		th[i] = scale * rnd.NormFloat64()
	}
	return th
}

func rgmSampleE(rnd *rand.Rand, theta []float64) []float64 {
	e := make([]float64, len(theta))
	for k := range e {
		e[k] = rgmStdExp(rnd) * math.Exp(-theta[k])
	}
	return e
}

func rgmKey(tr Trace) string { return fmt.Sprint(tr.Args()) }

// rgmSupport is the set of all traces of a structure with their indicators.
type rgmSupport struct {
	tr []Trace
	z  [][]float64
}

// rgmEnumTopK enumerates the traces of topKSubset{n, k}: the ordered k-tuples
// of distinct items, the candidates of each step being the items left.
func rgmEnumTopK(n, k int) rgmSupport {
	var s rgmSupport
	var rec func(steps []TraceStep, chosen []bool)
	rec = func(steps []TraceStep, chosen []bool) {
		if len(steps) == k {
			z := make([]float64, n)
			for i, c := range chosen {
				if c {
					z[i] = 1
				}
			}
			s.tr, s.z = append(s.tr, Trace{Steps: slices.Clone(steps)}), append(s.z, z)
			return
		}
		var cands []int
		for i, c := range chosen {
			if !c {
				cands = append(cands, i)
			}
		}
		for _, a := range cands {
			chosen[a] = true
			rec(append(slices.Clone(steps), TraceStep{Candidates: cands, Arg: a}), chosen)
			chosen[a] = false
		}
	}
	rec(nil, make([]bool, n))
	return s
}

// rgmEnumKruskal enumerates the traces of kruskalTree{n}: sequences of n−1
// edges each joining two components, the candidates being all such edges.
func rgmEnumKruskal(n int) rgmSupport {
	tree := kruskalTree{N: n}
	m := tree.Len()
	var s rgmSupport
	var rec func(steps []TraceStep, comp []int)
	rec = func(steps []TraceStep, comp []int) {
		if len(steps) == n-1 {
			z := make([]float64, m)
			for _, st := range steps {
				z[st.Arg] = 1
			}
			s.tr, s.z = append(s.tr, Trace{Steps: slices.Clone(steps)}), append(s.z, z)
			return
		}
		var cands []int
		for k := range m {
			if u, v := tree.Edge(k); comp[u] != comp[v] {
				cands = append(cands, k)
			}
		}
		for _, a := range cands {
			u, v := tree.Edge(a)
			next := slices.Clone(comp)
			for i, c := range next {
				if c == comp[v] {
					next[i] = comp[u]
				}
			}
			rec(append(slices.Clone(steps), TraceStep{Candidates: cands, Arg: a}), next)
		}
	}
	comp := make([]int, n)
	for i := range comp {
		comp[i] = i
	}
	rec(nil, comp)
	return s
}

// rgmCollect samples the structure draws times at theta and returns the
// distinct traces met. Whether they are all the traces is for the caller to
// check, by their probabilities summing to one.
func rgmCollect(rnd *rand.Rand, st structure, theta []float64, draws int) rgmSupport {
	var s rgmSupport
	seen := map[string]bool{}
	z := make([]float64, st.Len())
	for range draws {
		tr := st.Trace(z, rgmSampleE(rnd, theta))
		if k := rgmKey(tr); !seen[k] {
			seen[k] = true
			s.tr, s.z = append(s.tr, tr), append(s.z, slices.Clone(z))
		}
	}
	return s
}

// probs returns exp(log p(T)) of each trace.
func (s rgmSupport) probs(theta []float64) []float64 {
	p := make([]float64, len(s.tr))
	th := ad.New(slices.Clone(theta), len(theta))
	for i, tr := range s.tr {
		p[i] = math.Exp(TraceLogProb(th, tr).Item())
	}
	return p
}

// exact returns E[f(z)] and its gradient in theta, Σ_T f(z_T)·∇p(T), by
// differentiating Σ_T f(z_T)·exp(log p(T)) with the engine.
func (s rgmSupport) exact(theta []float64, f Func[float64]) (float64, []float64) {
	n := len(theta)
	zs := make([]float64, 0, len(s.z)*n)
	for _, z := range s.z {
		zs = append(zs, z...)
	}
	fv := f(ad.New(zs, len(s.z), n)).Data
	leaf := ad.Param(ad.New(slices.Clone(theta), n))
	terms := make([]*ad.Tensor[float64], len(s.tr))
	for i, tr := range s.tr {
		terms[i] = ad.MulScalar(ad.Exp(TraceLogProb(leaf, tr)), fv[i])
	}
	j := ad.Sum(ad.Stack(0, terms...))
	j.Backward()
	return j.Item(), leaf.GradTensor().Data
}

// rgmQuadLoss returns the non-linear objective f(z) = (c·z − 1)² with c
// uniform on [0, 1) from rnd.
func rgmQuadLoss(rnd *rand.Rand, n int) Func[float64] {
	c := make([]float64, n)
	for i := range c {
		c[i] = rnd.Float64()
	}
	return func(z *ad.Tensor[float64]) *ad.Tensor[float64] {
		s := z.Dim(0)
		out := make([]float64, s)
		for r := range s {
			d := -1.0
			for i, ci := range c {
				d += ci * z.Data[r*n+i]
			}
			out[r] = d * d
		}
		return ad.New(out, s)
	}
}

// rgmCase is a structure with test logits.
type rgmCase struct {
	name  string
	st    structure
	theta []float64
}

// rgmCases returns small instances of the three structures with random
// logits (spread 0.5, so every trace has a visible probability).
func rgmCases(rnd *rand.Rand) []rgmCase {
	return []rgmCase{
		{"top3of6", topKSubset{N: 6, K: 3}, rgmRandLogits(rnd, 6, 0.5)},
		{"kruskal5", kruskalTree{N: 5}, rgmRandLogits(rnd, 10, 0.5)},
		{"edmonds4", edmondsArborescence{N: 4}, rgmRandLogits(rnd, 16, 0.5)},
		{"edmonds5", edmondsArborescence{N: 5}, rgmRandLogits(rnd, 25, 0.5)},
	}
}
