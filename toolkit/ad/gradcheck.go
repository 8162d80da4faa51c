package ad

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// GradCheckTol is the largest error GradCheck accepts.
const GradCheckTol = 1e-6

// GradCheck compares the gradients that Backward computes for f at xs with
// central finite differences, in float64. For a non-scalar output it checks
// the vector-Jacobian product with a fixed pseudo-random cotangent c, that
// is the gradient of ⟨c, f(x)⟩. The error of each entry is
// |analytic − numeric| / max(1, |analytic|, |numeric|): relative for large
// gradients, absolute for small ones. GradCheck returns the largest error and
// a non-nil error naming the input and entry if it exceeds GradCheckTol. The
// xs are not modified; f must be deterministic.
func GradCheck(f func(xs ...*Tensor[float64]) *Tensor[float64], xs ...*Tensor[float64]) (float64, error) {
	const h = 1e-5
	leaves := make([]*Tensor[float64], len(xs))
	for i, x := range xs {
		leaves[i] = Param(x.Clone())
	}
	y := f(leaves...)
	rnd := rand.New(rand.NewPCG(1, 2))
	cot := make([]float64, len(y.Data))
	for i := range cot {
		cot[i] = rnd.Float64()*2 - 1
	}
	y.BackwardWith(New(cot, y.shape...))

	// obj evaluates ⟨c, f(x)⟩ without building a graph.
	consts := make([]*Tensor[float64], len(xs))
	for i, x := range xs {
		consts[i] = x.Clone()
	}
	obj := func() float64 {
		v := f(consts...)
		s := 0.0
		for i, c := range cot {
			s += c * v.Data[i]
		}
		return s
	}
	worst := 0.0
	for i, x := range consts {
		analytic := leaves[i].Grad
		if analytic == nil {
			analytic = make([]float64, len(x.Data))
		}
		for j := range x.Data {
			orig := x.Data[j]
			x.Data[j] = orig + h
			fp := obj()
			x.Data[j] = orig - h
			fm := obj()
			x.Data[j] = orig
			num := (fp - fm) / (2 * h)
			e := math.Abs(analytic[j]-num) / max(1, math.Abs(analytic[j]), math.Abs(num))
			if math.IsNaN(e) {
				return math.NaN(), fmt.Errorf("ad: gradient check: input %d entry %d: analytic %g, numeric %g", i, j, analytic[j], num)
			}
			if e > worst {
				worst = e
			}
			if e > GradCheckTol {
				return worst, fmt.Errorf("ad: gradient check: input %d entry %d: analytic %.10g, numeric %.10g (error %.2g)", i, j, analytic[j], num, e)
			}
		}
	}
	return worst, nil
}
