package optim

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/stochgrad/stochgrad/internal/simd"
	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/nn"
)

// Optimizer updates parameters in place from their gradients.
type Optimizer[T ad.Float] interface {
	// Step updates params from their Grad. A parameter whose Grad is nil
	// received no gradient and is left alone. Step returns an error, and
	// changes nothing, if a gradient holds a NaN or an infinity
	// (*NonFiniteError) or if a hyperparameter is invalid.
	Step(params []*ad.Tensor[T]) error
}

// Preconditioner transforms gradients in place before an optimizer step,
// g ← P⁻¹g for some curvature estimate P: a diagonal scaling (RMS),
// Kronecker factors per layer (KFAC, FOOF), a full Fisher or Hessian
// (Exact). It sees the parameters grouped by layer, with the inputs and
// output gradients of each Linear layer that toolkit/nn recorded, and may
// keep state per layer.
type Preconditioner[T ad.Float] interface {
	// Precondition replaces the Grad of each parameter of layers that has
	// one by its preconditioned value.
	Precondition(layers []Layer[T]) error
}

// Preconditioned is the optimizer that preconditions the gradients with P
// and then steps with Base. Rec, when set, is the recorder of the model's
// forward pass (nn.Record), which lets P see each Linear layer whole;
// without it every parameter is a layer of its own.
type Preconditioned[T ad.Float] struct {
	Base Optimizer[T]
	P    Preconditioner[T]
	Rec  *nn.Recorder[T]
}

// Step checks the raw gradients, preconditions them and steps with Base.
// The gradients are checked first so that a NaN never reaches the
// preconditioner's state.
func (o *Preconditioned[T]) Step(params []*ad.Tensor[T]) error {
	if o.Base == nil || o.P == nil {
		return fmt.Errorf("optim: Preconditioned needs both Base and P (have Base %v, P %v)", o.Base != nil, o.P != nil)
	}
	if err := CheckFinite(params); err != nil {
		return err
	}
	var traces []nn.Trace[T]
	if o.Rec != nil {
		traces = o.Rec.Traces
	}
	if err := o.P.Precondition(Layers(params, traces)); err != nil {
		return err
	}
	return o.Base.Step(params)
}

// NonFiniteError reports a NaN or an infinity in a gradient.
type NonFiniteError struct {
	Param int     // index of the parameter in the slice given to Step
	Shape []int   // its shape
	Index int     // flat index of the first bad entry
	Value float64 // the bad entry
}

func (e *NonFiniteError) Error() string {
	return fmt.Sprintf("optim: gradient of parameter %d (shape %v) is %v at entry %d; parameters not updated", e.Param, e.Shape, e.Value, e.Index)
}

// CheckFinite returns a *NonFiniteError for the first gradient entry of
// params that is NaN or infinite, and nil if there is none.
func CheckFinite[T ad.Float](params []*ad.Tensor[T]) error {
	for i, p := range params {
		if p.Grad == nil {
			continue
		}
		if len(p.Grad) != p.Len() {
			panic(fmt.Sprintf("optim: parameter %d of shape %v has a gradient of length %d", i, p.Shape(), len(p.Grad)))
		}
		if k := firstNonFinite(p.Grad); k >= 0 {
			return &NonFiniteError{Param: i, Shape: append([]int(nil), p.Shape()...), Index: k, Value: float64(p.Grad[k])}
		}
	}
	return nil
}

// firstNonFinite returns the index of the first NaN or infinity in x, or −1.
// The AVX2 scan skips the finite blocks; the loop finds the element.
func firstNonFinite[T ad.Float](x []T) int {
	for k := 0; k < len(x); {
		if simd.Enabled {
			if unsafe.Sizeof(x[0]) == 4 {
				k += simd.Finite32(f32(x[k:]))
			} else {
				k += simd.Finite64(f64(x[k:]))
			}
		}
		for end := min(k+8, len(x)); k < end; k++ {
			// g − g is 0 for finite g and NaN for NaN and ±Inf.
			if d := x[k] - x[k]; d != d {
				return k
			}
		}
	}
	return -1
}

// GradNorm returns the Euclidean norm of all the gradients of params taken
// together, computed in float64 (nil gradients count as zero).
func GradNorm[T ad.Float](params []*ad.Tensor[T]) float64 {
	// Scaled sum of squares, as in BLAS nrm2, so that float64 does not
	// overflow on huge gradients.
	scale, ssq := 0.0, 1.0
	for _, p := range params {
		for _, g := range p.Grad {
			v := math.Abs(float64(g))
			if v == 0 {
				continue
			}
			if scale < v {
				ssq = 1 + ssq*(scale/v)*(scale/v)
				scale = v
			} else {
				ssq += (v / scale) * (v / scale)
			}
		}
	}
	return scale * math.Sqrt(ssq)
}

// ClipGradNorm rescales the gradients of params, if their global norm
// exceeds maxNorm, so that it equals maxNorm. It returns the norm before
// clipping. It returns an error, and changes nothing, if maxNorm is not
// positive or a gradient is not finite.
func ClipGradNorm[T ad.Float](params []*ad.Tensor[T], maxNorm float64) (float64, error) {
	if !(maxNorm > 0) || math.IsInf(maxNorm, 1) {
		return 0, fmt.Errorf("optim: ClipGradNorm: maxNorm = %v, want a positive finite number", maxNorm)
	}
	if err := CheckFinite(params); err != nil {
		return math.NaN(), err
	}
	norm := GradNorm(params)
	if norm > maxNorm {
		s := T(maxNorm / norm)
		for _, p := range params {
			for k := range p.Grad {
				p.Grad[k] *= s
			}
		}
	}
	return norm, nil
}

// state returns the per-parameter state of p, creating it with mk.
func state[T ad.Float, S any](m *map[*ad.Tensor[T]]*S, p *ad.Tensor[T], mk func() *S) *S {
	if *m == nil {
		*m = make(map[*ad.Tensor[T]]*S)
	}
	s, ok := (*m)[p]
	if !ok {
		s = mk()
		(*m)[p] = s
	}
	return s
}
