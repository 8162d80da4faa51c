package imle

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/stochgrad/stochgrad/estimators"
	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/distributions"
)

func newTestProblem(t *testing.T, seed uint64, n, k int) *Problem {
	t.Helper()
	p, err := NewProblem(rand.New(rand.NewPCG(seed, 0)), n, k)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestSubsetProblemStates checks the enumeration: C(10, 5) = 252 distinct
// 5-hot vectors.
func TestSubsetProblemStates(t *testing.T) {
	p := newTestProblem(t, 1, 10, 5)
	if p.States() != 252 {
		t.Fatalf("%d states, want 252", p.States())
	}
	seen := map[int]bool{}
	for i := range p.States() {
		mask, ones := 0, 0
		for j, v := range p.State(i) {
			switch v {
			case 1:
				mask |= 1 << j
				ones++
			case 0:
			default:
				t.Fatalf("state %d has entry %v", i, v)
			}
		}
		if ones != 5 || seen[mask] {
			t.Fatalf("state %d: %d ones, repeated %v", i, ones, seen[mask])
		}
		seen[mask] = true
	}
	if _, err := NewProblem(rand.New(rand.NewPCG(1, 1)), 4, 5); err == nil {
		t.Error("k > n accepted")
	}
}

// TestSubsetExactGradient checks the closed-form gradient against central
// differences of the exact expected loss, and the marginals against their
// definition (they sum to k).
func TestSubsetExactGradient(t *testing.T) {
	p := newTestProblem(t, 2, 10, 5)
	g := p.Gradient(p.Theta)
	const h = 1e-5
	for j := range p.Theta {
		tp := append([]float64(nil), p.Theta...)
		tm := append([]float64(nil), p.Theta...)
		tp[j] += h
		tm[j] -= h
		num := (p.ExpectedLoss(tp) - p.ExpectedLoss(tm)) / (2 * h)
		if math.Abs(num-g[j]) > 1e-8 {
			t.Errorf("entry %d: gradient %v, central difference %v", j, g[j], num)
		}
	}
	s := 0.0
	for _, m := range p.Marginals(p.Theta) {
		s += m
	}
	if math.Abs(s-5) > 1e-12 {
		t.Errorf("marginals sum to %v, want 5", s)
	}
}

// TestSubsetFamily checks that the family's log-probabilities normalise,
// that their gradient gives the exact gradient of E[L] by autodiff, and
// that exact samples have the right marginals (z-test).
func TestSubsetFamily(t *testing.T) {
	p := newTestProblem(t, 3, 8, 3)
	th := ad.Param(ad.New(append([]float64(nil), p.Theta...), p.N))
	f := p.Family(th)
	states := ad.New(append([]float64(nil), p.states...), p.States(), p.N)
	probs := ad.Exp(f.LogProb(states))
	total := 0.0
	for _, v := range probs.Data {
		total += v
	}
	if math.Abs(total-1) > 1e-12 {
		t.Fatalf("probabilities sum to %v", total)
	}
	ad.Sum(ad.Mul(probs, ad.New(p.losses, p.States()))).Backward()
	want := p.Gradient(p.Theta)
	for j := range want {
		if math.Abs(th.Grad[j]-want[j]) > 1e-12 {
			t.Fatalf("autodiff gradient entry %d = %v, closed form %v", j, th.Grad[j], want[j])
		}
	}
	const n = 20000
	rnd := rand.New(rand.NewPCG(4, 4))
	count := make([]float64, p.N)
	for range n {
		for j, v := range f.Sample(rnd).Data {
			count[j] += v
		}
	}
	for j, m := range p.Marginals(p.Theta) {
		se := math.Sqrt(m * (1 - m) / n)
		if z := (count[j]/n - m) / se; math.Abs(z) > 4.5 {
			t.Errorf("item %d: sampled frequency %v, marginal %v (z = %.1f)", j, count[j]/n, m, z)
		}
	}
}

// TestSubsetScoreFunctionUnbiased checks the score-function estimator
// against the exact gradient: 40 independent estimates of 500 samples, a
// z-test on their mean.
func TestSubsetScoreFunctionUnbiased(t *testing.T) {
	p := newTestProblem(t, 5, 10, 5)
	const reps = 40
	rnd := rand.New(rand.NewPCG(6, 6))
	est := make([]float64, 0, reps*p.N)
	for range reps {
		est = append(est, p.Estimate(rnd, ScoreFunction(nil).New(500), p.Theta)...)
	}
	mean, se := colMeanSE(est, reps, p.N)
	for j, w := range p.Gradient(p.Theta) {
		if z := (mean[j] - w) / se[j]; math.Abs(z) > 4.5 {
			t.Errorf("entry %d: estimate %v ± %v, exact %v (z = %.1f)", j, mean[j], se[j], w, z)
		}
	}
}

func colMeanSE(x []float64, n, d int) (mean, se []float64) {
	mean, se = make([]float64, d), make([]float64, d)
	for i := range n {
		for j := range d {
			mean[j] += x[i*d+j] / float64(n)
		}
	}
	for i := range n {
		for j := range d {
			r := x[i*d+j] - mean[j]
			se[j] += r * r
		}
	}
	for j := range se {
		se[j] = math.Sqrt(se[j] / float64(n-1) / float64(n))
	}
	return mean, se
}

// TestSubsetIMLENoNoise checks the I-MLE plumbing on a case computed by
// hand: without noise every sample is z = topk(θ) with upstream gradient
// dy = 2(z − b), and the gradient is (topk(θ) − topk(θ − λ·dy))/λ for
// forward differences, (topk(θ + λ·dy) − topk(θ − λ·dy))/2λ for central
// ones.
func TestSubsetIMLENoNoise(t *testing.T) {
	p := newTestProblem(t, 7, 8, 3)
	const lambda = 0.7
	z := hot(p.N, topIndices(p.Theta, 3))
	dy := make([]float64, p.N)
	for j := range dy {
		dy[j] = 2 * (z[j] - p.B[j])
	}
	shifted := func(c float64) []float64 {
		x := make([]float64, p.N)
		for j := range x {
			x[j] = p.Theta[j] + c*lambda*dy[j]
		}
		return hot(p.N, topIndices(x, 3))
	}
	zr, zl := shifted(-1), shifted(1)
	nonzero := 0
	for _, d := range []estimators.Difference{estimators.Forward, estimators.Central} {
		g := p.Estimate(rand.New(rand.NewPCG(1, 1)), IMLE(3, lambda, d, zeroNoise{}).New(4), p.Theta)
		for j := range g {
			want := (z[j] - zr[j]) / lambda
			if d == estimators.Central {
				want = (zl[j] - zr[j]) / (2 * lambda)
			}
			if math.Abs(g[j]-want) > 1e-12 {
				t.Fatalf("%v entry %d: gradient %v, want %v", d, j, g[j], want)
			}
			if g[j] != 0 {
				nonzero++
			}
		}
	}
	if nonzero == 0 {
		t.Fatal("all gradients zero; λ too small for the test to show anything")
	}
}

func hot(n int, idx []int) []float64 {
	z := make([]float64, n)
	for _, i := range idx {
		z[i] = 1
	}
	return z
}

// TestSubsetStraightThroughNoNoise checks the straight-through estimate
// without noise: MAP(θ) forward, identity backward, so the gradient is
// exactly 2(z − b) at the top-k z of θ.
func TestSubsetStraightThroughNoNoise(t *testing.T) {
	p := newTestProblem(t, 9, 6, 2)
	// A noise of zeros makes the forward pass MAP(θ).
	g := p.Estimate(rand.New(rand.NewPCG(1, 1)), StraightThrough{K: 2, Noise: zeroNoise{}, Samples: 3}, p.Theta)
	z := make([]float64, p.N)
	best := topIndices(p.Theta, 2)
	for _, i := range best {
		z[i] = 1
	}
	for j := range g {
		if want := 2 * (z[j] - p.B[j]); math.Abs(g[j]-want) > 1e-12 {
			t.Fatalf("entry %d: gradient %v, want 2(z − b) = %v", j, g[j], want)
		}
	}
}

type zeroNoise struct{}

func (zeroNoise) Noise(_ *rand.Rand, shape ...int) *ad.Tensor[float64] {
	return ad.Zeros[float64](shape...)
}

var _ distributions.Noise[float64] = zeroNoise{}

func topIndices(x []float64, k int) []int {
	var idx []int
	used := make([]bool, len(x))
	for range k {
		b := -1
		for i, v := range x {
			if !used[i] && (b < 0 || v > x[b]) {
				b = i
			}
		}
		used[b] = true
		idx = append(idx, b)
	}
	return idx
}

// TestRelaxedTopK checks the relaxation: non-negative rows summing to k,
// the k-hot top-k indicator at a low temperature, and its gradient by
// finite differences.
func TestRelaxedTopK(t *testing.T) {
	rnd := rand.New(rand.NewPCG(2, 3))
	r := ad.Randn[float64](rnd, 3, 7)
	z := RelaxedTopK(r, 3, 0.7)
	for i := range 3 {
		s := 0.0
		for _, v := range z.Data[i*7 : (i+1)*7] {
			if v < 0 {
				t.Fatalf("entry %v < 0", v)
			}
			s += v
		}
		if math.Abs(s-3) > 1e-9 {
			t.Fatalf("row %d sums to %v, want 3", i, s)
		}
	}
	cold := RelaxedTopK(r, 3, 1e-3)
	for i := range 3 {
		hot := make([]float64, 7)
		for _, j := range topIndices(r.Data[i*7:(i+1)*7], 3) {
			hot[j] = 1
		}
		for j := range 7 {
			if math.Abs(cold.Data[i*7+j]-hot[j]) > 1e-6 {
				t.Fatalf("row %d at τ = 1e-3: %v, want %v", i, cold.Data[i*7:(i+1)*7], hot)
			}
		}
	}
	if _, err := ad.GradCheck(func(xs ...*ad.Tensor[float64]) *ad.Tensor[float64] { return RelaxedTopK(xs[0], 3, 0.7) }, r); err != nil {
		t.Error(err)
	}
}

// TestSubsetFidelitySmall runs a small fidelity experiment: shapes, and
// the score-function estimator, unbiased, closer to the exact gradient with
// 2000 samples than with 1.
func TestSubsetFidelitySmall(t *testing.T) {
	res, err := RunFidelity(FidelityConfig{Seeds: 4, Samples: []int{1, 2000}, WarmupSteps: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Names) != 7 || len(res.Mean) != 7 || len(res.Cosine[0]) != 2 || len(res.Cosine[0][0]) != 4 {
		t.Fatalf("result of shape names %d, mean %d", len(res.Names), len(res.Mean))
	}
	for e, name := range res.Names {
		for i := range res.Samples {
			if c := res.Mean[e][i]; !(c >= -1 && c <= 1) {
				t.Fatalf("%s: mean cosine %v", name, c)
			}
		}
	}
	if res.Names[0] != "SFE" || !(res.Mean[0][1] > 0.9 && res.Mean[0][1] > res.Mean[0][0]) {
		t.Errorf("%s: mean cosine %v with 1 sample, %v with 2000; want > 0.9 and rising", res.Names[0], res.Mean[0][0], res.Mean[0][1])
	}
}

// TestSubsetOptimisationSmall checks that the recorded gap starts at the
// exact gap of θ₀ and that I-MLE reduces it.
func TestSubsetOptimisationSmall(t *testing.T) {
	cfg := OptimisationConfig{Steps: 30, Repeats: 4, Runs: []Run{{Estimator: IMLE(5, 1, estimators.Forward, sumOfGammaNoise(5)), LearningRate: 0.5}}}
	res, err := RunOptimisation(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := newTestProblem(t, 0, 10, 5)
	if g0, want := res.Gap[0][0], p.ExpectedLoss(p.Theta)-p.MinLoss(); math.Abs(g0-want) > 1e-12 || res.GapStd[0][0] > 1e-12 {
		t.Fatalf("initial gap %v ± %v, want %v exactly", g0, res.GapStd[0][0], want)
	}
	if last := res.Gap[0][30]; !(last < res.Gap[0][0]/2) {
		t.Errorf("gap %v after 30 steps from %v", last, res.Gap[0][0])
	}
	best, gaps, err := TuneLearningRate(cfg, cfg.Runs[0], []float64{1e-4, 0.5})
	if err != nil || best != 0.5 || len(gaps) != 2 {
		t.Errorf("tuning: best %v, gaps %v, error %v; want 0.5 to beat 1e-4", best, gaps, err)
	}
}

// TestFidelityGivenProblems checks that given problems replace the seeds'
// and give the same results as the problems the seeds draw; and that AIMLE's
// β, readable on its target, moves during the warm-up.
func TestFidelityGivenProblems(t *testing.T) {
	cfg := FidelityConfig{Seeds: 2, Samples: []int{10}, WarmupSteps: 20}
	drawn, err := RunFidelity(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Problems = []*Problem{newTestProblem(t, 0, 10, 5), newTestProblem(t, 1, 10, 5)}
	given, err := RunFidelity(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(drawn.Cosine, given.Cosine) {
		t.Errorf("given problems: cosines %v, drawn %v", given.Cosine, drawn.Cosine)
	}
	if _, err := RunFidelity(FidelityConfig{Problems: []*Problem{}}); err == nil {
		t.Error("no problems: no error")
	}
	p := cfg.Problems[0]
	est := AIMLE(5, referenceTarget, estimators.Central, nil).New(10)
	target := Target(est)
	if Target(IMLE(5, 1, estimators.Central, nil).New(10)) != nil {
		t.Error("I-MLE has an adaptive target")
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		p.Estimate(rnd, est, p.Theta)
	}
	if !(target.Beta > 0) || referenceTarget.Beta != 0 || !(target.Lambda > 0) {
		t.Errorf("β after 20 calls %v (λ %v), reference's %v", target.Beta, target.Lambda, referenceTarget.Beta)
	}
}
