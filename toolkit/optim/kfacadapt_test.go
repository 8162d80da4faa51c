package optim

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/nn"
)

// identityResidualProblem returns a linear layer 3 → 2 with data on which
// the empirical Fisher at the starting point is exactly the Hessian of the
// mean squared error, A ⊗ I: every input meets each residual √2·eₖ once.
func identityResidualProblem() (*nn.MLP[float64], *ad.Tensor[float64], *ad.Tensor[float64]) {
	const n, in, out = 6, 3, 2
	rnd := rand.New(rand.NewPCG(10, 12))
	net := nn.NewMLP[float64](rnd, []int{in, out}, nil)
	as := ad.Randn[float64](rnd, n, in)
	s := net.Forward(as)
	x, y := ad.Zeros[float64](n*out, in), ad.Zeros[float64](n*out, out)
	for j := range n {
		for k := range out {
			r := j*out + k
			copy(x.Data[r*in:], as.Data[j*in:(j+1)*in])
			copy(y.Data[r*out:], s.Data[j*out:(j+1)*out])
			y.Data[r*out+k] -= math.Sqrt(out)
		}
	}
	return net, x, y
}

// TestKFACStepDampingFollowsReductionRatio checks the Levenberg-Marquardt
// rule: ρ is the actual reduction over the one the exact quadratic model
// predicts; λ shrinks by ω₁ = (19/20)^T₁ when ρ > 3/4 (here the model is
// exact, ρ ≈ 1) and grows by 1/ω₁ when ρ < 1/4 (a loss that does not
// fall, or rises), only every T₁ steps.
func TestKFACStepDampingFollowsReductionRatio(t *testing.T) {
	const lambda = 1e-4
	for _, tc := range []struct {
		name  string
		every int
		loss  func(real func() float64) func() float64
		want  float64 // factor of λ after `every` steps
	}{
		{"model exact", 1, func(real func() float64) func() float64 { return real }, 19.0 / 20},
		{"no reduction", 1, func(func() float64) func() float64 { return func() float64 { return 1 } }, 20.0 / 19},
		{"loss rises", 1, func(func() float64) func() float64 {
			h := 0.0
			return func() float64 { h++; return h }
		}, 20.0 / 19},
		{"no reduction every 3", 3, func(func() float64) func() float64 { return func() float64 { return 1 } }, math.Pow(20.0/19, 3)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			net, x, y := identityResidualProblem()
			params := net.Params()
			real := func() float64 { return halfSquaredError(net.Forward(x), y).Item() }
			opt := &KFACStep[float64]{Rec: nn.Record(net), Loss: tc.loss(real), AdaptEvery: tc.every,
				KFAC: KFAC[float64]{Damping: lambda, InvEvery: 1}}
			for step := 1; step <= tc.every; step++ {
				f := EmpiricalFisher(params, x.Dim(0), func(i int) *ad.Tensor[float64] {
					return halfSquaredError(net.Forward(ad.Slice(x, 0, i, i+1)), ad.Slice(y, 0, i, i+1))
				})
				before, h0 := flatData(params), real()
				nn.ZeroGrad(net)
				halfSquaredError(net.Forward(x), y).Backward()
				g := flatGrad(params)
				if err := opt.Step(params); err != nil {
					t.Fatal(err)
				}
				if step < tc.every {
					if opt.KFAC.Damping != lambda {
						t.Fatalf("λ changed to %v at step %d of %d", opt.KFAC.Damping, step, tc.every)
					}
					continue
				}
				var d mat.VecDense
				d.SubVec(flatData(params), before)
				predicted := mat.Dot(g, &d) + 0.5*(mat.Inner(&d, f, &d)+lambda*mat.Dot(&d, &d))
				if tc.name == "model exact" {
					rho := (real() - h0) / predicted
					if math.Abs(opt.Rho-rho) > 1e-9 || !(rho > 0.75) {
						t.Errorf("ρ = %v, want %v from the exact model (> 3/4)", opt.Rho, rho)
					}
				}
			}
			if got := opt.KFAC.Damping / lambda; math.Abs(got-tc.want) > 1e-12 {
				t.Errorf("λ changed by a factor %v (ρ = %v), want %v", got, opt.Rho, tc.want)
			}
		})
	}
}

// TestKFACStepGammaPicksTheBestOfThree checks the greedy adaptation of γ
// against three K-FAC steps with γ fixed at ω₂γ₀, γ₀/ω₂ and γ₀: the
// adaptive step must take the one whose update has the lowest value of the
// quadratic model, computed here from the exact Fisher, and keep its γ.
func TestKFACStepGammaPicksTheBestOfThree(t *testing.T) {
	const n, lambda = 8, 0.05
	setup := func() (*nn.MLP[float64], *ad.Tensor[float64], *ad.Tensor[float64]) {
		rnd := rand.New(rand.NewPCG(11, 12))
		net := nn.NewMLP[float64](rnd, []int{3, 4, 2}, ad.Tanh[float64])
		return net, ad.Randn[float64](rnd, n, 3), ad.Randn[float64](rnd, n, 2)
	}
	// step takes one step of opt from the set-up state and returns the
	// update and its value of the quadratic model.
	step := func(opt *KFACStep[float64]) (*mat.VecDense, float64) {
		net, x, y := setup()
		params := net.Params()
		opt.Rec = nn.Record(net)
		f := EmpiricalFisher(params, n, func(i int) *ad.Tensor[float64] {
			return halfSquaredError(net.Forward(ad.Slice(x, 0, i, i+1)), ad.Slice(y, 0, i, i+1))
		})
		before := flatData(params)
		halfSquaredError(net.Forward(x), y).Backward()
		g := flatGrad(params)
		if err := opt.Step(params); err != nil {
			t.Fatal(err)
		}
		var d mat.VecDense
		d.SubVec(flatData(params), before)
		return &d, mat.Dot(g, &d) + 0.5*(mat.Inner(&d, f, &d)+lambda*mat.Dot(&d, &d))
	}
	w := math.Sqrt(19.0 / 20) // ω₂ for T₂ = 1
	picks := map[int]bool{}
	for _, g0 := range []float64{1e-3, 0.3, 0.35, 0.38, 30} {
		trials := []float64{g0 * w, g0 / w, g0}
		best, bestM := -1, math.Inf(1)
		var want *mat.VecDense
		for i, gamma := range trials {
			d, m := step(&KFACStep[float64]{KFAC: KFAC[float64]{Damping: lambda, Gamma: gamma}})
			if m < bestM {
				best, bestM, want = i, m, d
			}
		}
		opt := &KFACStep[float64]{KFAC: KFAC[float64]{Damping: lambda, Gamma: g0}, GammaEvery: 1}
		got, m := step(opt)
		if opt.KFAC.Gamma != trials[best] {
			t.Errorf("γ₀ = %v: kept γ = %v, want %v", g0, opt.KFAC.Gamma, trials[best])
		}
		picks[best] = true
		t.Logf("γ₀ = %v: M = %.6g, best of three %v (γ = %v)", g0, m, bestM, trials[best])
		closeSlices(t, "adaptive update", got.RawVector().Data, want.RawVector().Data, 1e-9)
	}
	if len(picks) < 3 {
		t.Errorf("only trials %v won: the test does not tell every choice apart", picks)
	}
}

func TestKFACGammaRejectsInvalidValues(t *testing.T) {
	net, x, y := identityResidualProblem()
	rec := nn.Record(net)
	halfSquaredError(net.Forward(x), y).Backward()
	if err := (&KFAC[float64]{Gamma: -1}).Precondition(Layers(net.Params(), rec.Traces)); err == nil || !strings.Contains(err.Error(), "Gamma = -1") {
		t.Errorf("KFAC with Gamma −1: error %v", err)
	}
	if err := (&KFACStep[float64]{Rec: rec, GammaEvery: -2}).Step(net.Params()); err == nil || !strings.Contains(err.Error(), "GammaEvery = -2") {
		t.Errorf("KFACStep with GammaEvery −2: error %v", err)
	}
}
