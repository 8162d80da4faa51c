package estimators

import (
	"fmt"
	"math"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// AdaptiveTarget is the target of Adaptive I-MLE (Minervini, Franceschi and
// Niepert 2023; EdinburghNLP/torch-adaptive-imle's
// AdaptiveTargetDistribution): θ' = θ − λ·dy with the step
//
//	λ = β·‖θ̄‖/‖dy‖     (Frobenius norms over the whole batch; λ = 0 if dy = 0)
//
// where θ̄ is θ repeated for each of the S samples, as dy is ([B, S, D]), so
// that ‖θ̄‖ = √S·‖θ‖ and the per-sample step does not shrink as S grows.
// λ is computed once per backward pass and used both to perturb and to
// divide: the reference perturbs with this λ but divides by one computed
// from the un-repeated θ, which made its gradients √S times too large. β is
// adapted after each pass so that the gradients keep about TargetNonZeros
// non-zero entries per instance and sample:
//
//	n_t = nnz(differences) / (B·S)
//	ḡ_t = Decay·ḡ_{t−1} + (1 − Decay)·n_t,    ḡ_0 = 1
//	u_t = Momentum·u_{t−1} + UpdateStep·(+1 if ḡ_t < TargetNonZeros else −1)
//	β  ← max(β + u_t, 0)
//
// The pass in which β changes uses the β from before the change. The
// differences are divided by λ (by 1 when λ = 0, when they are all zero).
// Use it with IMLE{Difference: Central}, the papers' setting.
//
// An AdaptiveTarget holds state and must be used through a pointer; it is
// not safe for concurrent use. The zero value starts from β = 0, the
// starting point the repository README recommends (its library default is
// 1), with the library's other defaults.
type AdaptiveTarget[T ad.Float] struct {
	// Beta is β: set it to the starting value; it changes after every
	// backward pass and is never negative.
	Beta T
	// UpdateStep is the step η of β. Zero means 1e-4 (the library
	// default; the discrete VAE and NRI experiments use 1e-3).
	UpdateStep T
	// Momentum is μ, the weight of the previous update. Zero means none.
	Momentum T
	// TargetNonZeros is c, the wanted average number of non-zero gradient
	// entries per instance and sample. Zero means 1.
	TargetNonZeros T
	// Decay is the weight of the past in the moving average ḡ. Zero means
	// 0.9.
	Decay T

	// Lambda is the step λ of the last backward pass, and LambdaBeta the
	// β it was computed from (β changes after the pass): read them to
	// follow the adaptation. Both start at zero.
	Lambda, LambdaBeta T

	started  bool
	nonZeros T // ḡ
	update   T // u_{t−1}
}

// Perturbation returns α = 1 and λ = β·‖θ̄‖/‖dy‖ (0 if dy is zero), θ̄
// being θ repeated len(dy)/len(theta) times. It
// panics if the configuration is invalid (negative Beta, UpdateStep,
// Momentum or TargetNonZeros; Decay outside [0, 1)).
func (t *AdaptiveTarget[T]) Perturbation(theta, dy []T) (alpha, lambda T) {
	t.check()
	nd := frobenius(dy)
	t.Lambda, t.LambdaBeta = 0, t.Beta
	if nd == 0 || t.Beta == 0 {
		return 1, 0
	}
	repeats := float64(len(dy)) / float64(max(len(theta), 1))
	t.Lambda = T(float64(t.Beta) * frobenius(theta) * math.Sqrt(repeats) / nd)
	return 1, t.Lambda
}

// Scale updates β from the density of diff and returns 1/λ (1 if λ = 0).
func (t *AdaptiveTarget[T]) Scale(diff []T, rows int, lambda T) T {
	step, c, decay := t.defaults()
	if !t.started {
		t.started, t.nonZeros = true, 1
	}
	nnz := 0
	for _, v := range diff {
		if v != 0 {
			nnz++
		}
	}
	n := T(nnz) / T(max(rows, 1))
	t.nonZeros = decay*t.nonZeros + (1-decay)*n
	u := -step
	if t.nonZeros < c {
		u = step
	}
	t.update = t.Momentum*t.update + u
	t.Beta = max(t.Beta+t.update, 0)
	if lambda == 0 {
		return 1
	}
	return 1 / lambda
}

// NonZeros returns the moving average ḡ of the number of non-zero gradient
// entries per instance and sample (1 before the first backward pass).
func (t *AdaptiveTarget[T]) NonZeros() T {
	if !t.started {
		return 1
	}
	return t.nonZeros
}

func (t *AdaptiveTarget[T]) defaults() (step, c, decay T) {
	step, c, decay = t.UpdateStep, t.TargetNonZeros, t.Decay
	if step == 0 {
		step = 1e-4
	}
	if c == 0 {
		c = 1
	}
	if decay == 0 {
		decay = 0.9
	}
	return step, c, decay
}

func (t *AdaptiveTarget[T]) check() {
	bad := func(v T) bool { return !(v >= 0) || math.IsInf(float64(v), 0) }
	if bad(t.Beta) || bad(t.UpdateStep) || bad(t.Momentum) || bad(t.TargetNonZeros) || !(t.Decay >= 0 && t.Decay < 1) {
		panic(fmt.Sprintf("estimators: AdaptiveTarget: Beta = %v, UpdateStep = %v, Momentum = %v, TargetNonZeros = %v, Decay = %v; want finite values ≥ 0 and Decay < 1",
			t.Beta, t.UpdateStep, t.Momentum, t.TargetNonZeros, t.Decay))
	}
}

// frobenius returns the Euclidean norm of v, computed in float64 without
// overflow for float32 inputs.
func frobenius[T ad.Float](v []T) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}
