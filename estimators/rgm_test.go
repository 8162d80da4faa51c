package estimators

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// Re-running the algorithm on a conditional sample E' ~ p(E | T) gives T
// back, exactly.
func TestRGMConditionalReproducesTrace(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 1))
	draws := 20000
	if testing.Short() {
		draws = 2000
	}
	for _, c := range rgmCases(rnd) {
		n := c.st.Len()
		th := ad.New(c.theta, n)
		z, z2 := make([]float64, n), make([]float64, n)
		bad := 0
		for range draws {
			tr := c.st.Trace(z, rgmSampleE(rnd, c.theta))
			e2 := TraceConditional(rnd, th, tr)
			tr2 := c.st.Trace(z2, e2.Data)
			if !tr.Equal(tr2) || !slices.Equal(z, z2) {
				bad++
			}
		}
		if bad != 0 {
			t.Errorf("%s: %d of %d conditional samples changed the trace", c.name, bad, draws)
		}
	}
}

// T ~ p(T) and E' ~ p(E | T) make E' ~ p(E): each λ_e·E'_e is a standard
// exponential (mean 1, P(> 1) = 1/e) and pairs are uncorrelated
// (E[λ_a E'_a λ_b E'_b] = 1).
func TestRGMConditionalMarginal(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	draws := 40000
	if testing.Short() {
		draws = 5000
	}
	for _, c := range rgmCases(rnd)[:3] {
		n := c.st.Len()
		th := ad.New(c.theta, n)
		z := make([]float64, n)
		var mean, tail, pair [][]float64
		for range draws {
			tr := c.st.Trace(z, rgmSampleE(rnd, c.theta))
			e2 := TraceConditional(rnd, th, tr).Data
			m, tl, pr := make([]float64, n), make([]float64, n), make([]float64, n)
			for k := range n {
				m[k] = math.Exp(c.theta[k]) * e2[k]
				if m[k] > 1 {
					tl[k] = 1
				}
			}
			for k := range n {
				pr[k] = m[k] * m[(k+1)%n]
			}
			mean, tail, pair = append(mean, m), append(tail, tl), append(pair, pr)
		}
		mu, se := rgmMeanSE(mean)
		tm, tse := rgmMeanSE(tail)
		pm, pse := rgmMeanSE(pair)
		for k := range n {
			rgmCheckZ(t, fmt.Sprintf("%s: E[λE'_%d]", c.name, k), mu[k], se[k], 1)
			rgmCheckZ(t, fmt.Sprintf("%s: P(λE'_%d > 1)", c.name, k), tm[k], tse[k], math.Exp(-1))
			rgmCheckZ(t, fmt.Sprintf("%s: E[λE'_%d λE'_%d]", c.name, k, (k+1)%n), pm[k], pse[k], 1)
		}
	}
}

// Rao-Blackwell identity: E over E | T of the exponential score 1 − λ_e E_e
// is ∂ log p(T)/∂θ_e, the gradient of TraceLogProb.
func TestRGMRaoBlackwell(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 3))
	draws := 20000
	if testing.Short() {
		draws = 3000
	}
	for _, c := range rgmCases(rnd) {
		n := c.st.Len()
		th := ad.New(c.theta, n)
		z := make([]float64, n)
		for rep := range 3 {
			tr := c.st.Trace(z, rgmSampleE(rnd, c.theta))
			leaf := ad.Param(ad.New(slices.Clone(c.theta), n))
			TraceLogProb(leaf, tr).Backward()
			want := leaf.GradTensor().Data
			rows := make([][]float64, draws)
			for i := range rows {
				e2 := TraceConditional(rnd, th, tr).Data
				rows[i] = make([]float64, n)
				for k := range n {
					rows[i][k] = 1 - math.Exp(c.theta[k])*e2[k]
				}
			}
			used := tr.Used(n)
			mu, se := rgmMeanSE(rows)
			for k := range n {
				if used[k] {
					rgmCheckZ(t, fmt.Sprintf("%s trace %d: E[1 − λE_%d | T]", c.name, rep, k), mu[k], se[k], want[k])
				} else if want[k] != 0 {
					t.Errorf("%s: unused variable %d has score %g", c.name, k, want[k])
				}
			}
		}
	}
}

// The empirical frequency of each trace and of each structure matches
// exp(TraceLogProb): top-2 of 4 and spanning trees of 4 nodes against an
// independent enumeration of the traces, arborescences of 3 and 4 nodes
// against the traces met (checked complete by their probabilities summing
// to one).
func TestRGMTraceFrequencies(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 4))
	draws := 100000
	if testing.Short() {
		draws = 20000
	}
	type problem struct {
		name    string
		st      structure
		support func(theta []float64) rgmSupport
		structs int // number of distinct structures expected
	}
	problems := []problem{
		{"top2of4", topKSubset{N: 4, K: 2}, func([]float64) rgmSupport { return rgmEnumTopK(4, 2) }, 6},
		{"kruskal4", kruskalTree{N: 4}, func([]float64) rgmSupport { return rgmEnumKruskal(4) }, 16},
		{"edmonds3", edmondsArborescence{N: 3}, func(th []float64) rgmSupport {
			return rgmCollect(rand.New(rand.NewPCG(9, 9)), edmondsArborescence{N: 3}, th, 50000)
		}, 3},
		{"edmonds4", edmondsArborescence{N: 4}, func(th []float64) rgmSupport {
			return rgmCollect(rand.New(rand.NewPCG(9, 9)), edmondsArborescence{N: 4}, th, 50000)
		}, 16},
	}
	for _, pb := range problems {
		n := pb.st.Len()
		theta := rgmRandLogits(rnd, n, 0.4)
		sup := pb.support(theta)
		p := sup.probs(theta)
		total := 0.0
		for _, v := range p {
			total += v
		}
		if math.Abs(total-1) > 1e-9 {
			t.Errorf("%s: trace probabilities sum to %.12f over %d traces", pb.name, total, len(p))
		}
		// Structure probabilities, summed over the traces that give them.
		sp := map[string]float64{}
		for i, z := range sup.z {
			sp[fmt.Sprint(z)] += p[i]
		}
		if len(sp) != pb.structs {
			t.Errorf("%s: %d distinct structures, want %d", pb.name, len(sp), pb.structs)
		}
		index := map[string]int{}
		for i, tr := range sup.tr {
			index[rgmKey(tr)] = i
		}
		counts := make([]float64, len(sup.tr))
		scounts := map[string]float64{}
		z := make([]float64, n)
		for range draws {
			tr := pb.st.Trace(z, rgmSampleE(rnd, theta))
			i, ok := index[rgmKey(tr)]
			if !ok {
				t.Fatalf("%s: sampled trace %v is not in the support", pb.name, tr.Args())
			}
			if !tr.Equal(sup.tr[i]) || !slices.Equal(z, sup.z[i]) {
				t.Fatalf("%s: trace %v differs from the enumerated one", pb.name, tr.Args())
			}
			counts[i]++
			scounts[fmt.Sprint(z)]++
		}
		m := float64(draws)
		for i, c := range counts {
			rgmCheckZ(t, fmt.Sprintf("%s: frequency of trace %v", pb.name, sup.tr[i].Args()), c/m, math.Sqrt(p[i]*(1-p[i])/m), p[i])
		}
		for k, q := range sp {
			rgmCheckZ(t, fmt.Sprintf("%s: frequency of structure %s", pb.name, k), scounts[k]/m, math.Sqrt(q*(1-q)/m), q)
		}
		t.Logf("%s: %d traces, %d structures, %d draws", pb.name, len(sup.tr), len(sp), draws)
	}
}

// TraceLogProb, TraceConditional and Exponentials have the gradients that
// finite differences give.
func TestRGMGradCheck(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 5))
	for _, c := range rgmCases(rnd) {
		n := c.st.Len()
		z := make([]float64, n)
		tr := c.st.Trace(z, rgmSampleE(rnd, c.theta))
		x := ad.New(slices.Clone(c.theta), n)
		if e, err := ad.GradCheck(func(xs ...*ad.Tensor[float64]) *ad.Tensor[float64] {
			return TraceLogProb(xs[0], tr)
		}, x); err != nil {
			t.Errorf("%s: TraceLogProb: %v (error %g)", c.name, err, e)
		}
		if e, err := ad.GradCheck(func(xs ...*ad.Tensor[float64]) *ad.Tensor[float64] {
			return TraceConditional(rand.New(rand.NewPCG(7, 8)), xs[0], tr)
		}, x); err != nil {
			t.Errorf("%s: TraceConditional: %v (error %g)", c.name, err, e)
		}
		if e, err := ad.GradCheck(func(xs ...*ad.Tensor[float64]) *ad.Tensor[float64] {
			return Exponentials(rand.New(rand.NewPCG(7, 8)), xs[0])
		}, x); err != nil {
			t.Errorf("%s: Exponentials: %v (error %g)", c.name, err, e)
		}
	}
}

// The JVP of the conditional sample agrees with its VJP: ⟨v, J d⟩ = ⟨Jᵀv, d⟩.
func TestRGMConditionalJVP(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 6))
	for _, c := range rgmCases(rnd) {
		n := c.st.Len()
		z := make([]float64, n)
		tr := c.st.Trace(z, rgmSampleE(rnd, c.theta))
		eps := rgmSampleE(rnd, make([]float64, n))
		var cd rgmCond
		cd.sample(c.theta, tr, eps)
		v, d := rgmRandLogits(rnd, n, 1), rgmRandLogits(rnd, n, 1)
		jd, jv := cd.jvp(d), cd.vjp(v)
		a, b := 0.0, 0.0
		for k := range n {
			a += v[k] * jd[k]
			b += jv[k] * d[k]
		}
		if math.Abs(a-b) > 1e-12*max(1, math.Abs(a)) {
			t.Errorf("%s: ⟨v, J d⟩ = %.15g, ⟨Jᵀv, d⟩ = %.15g", c.name, a, b)
		}
	}
}

// TraceLogProb works in float32 and agrees with float64.
func TestRGMFloat32(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 7))
	for _, c := range rgmCases(rnd) {
		n := c.st.Len()
		z := make([]float64, n)
		tr := c.st.Trace(z, rgmSampleE(rnd, c.theta))
		th32 := ad.Param(ad.Convert[float32](ad.New(c.theta, n)))
		th64 := ad.Param(ad.New(slices.Clone(c.theta), n))
		lp32, lp64 := TraceLogProb(th32, tr), TraceLogProb(th64, tr)
		lp32.Backward()
		lp64.Backward()
		if d := math.Abs(float64(lp32.Item()) - lp64.Item()); d > 1e-5 {
			t.Errorf("%s: float32 log p %g, float64 %g", c.name, lp32.Item(), lp64.Item())
		}
		for k := range n {
			if d := math.Abs(float64(th32.Grad[k]) - th64.Grad[k]); d > 1e-5 {
				t.Errorf("%s: float32 score %g, float64 %g at %d", c.name, th32.Grad[k], th64.Grad[k], k)
			}
		}
	}
}

// Trace indexes outside the logits panic with a message naming the op.
func TestRGMTracePanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "TraceLogProb") {
			t.Errorf("panic %v, want one naming TraceLogProb", r)
		}
	}()
	TraceLogProb(ad.Zeros[float64](3), Trace{Steps: []TraceStep{{Candidates: []int{0, 5}, Arg: 5}}})
}
