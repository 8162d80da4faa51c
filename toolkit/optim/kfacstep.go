package optim

import (
	"fmt"
	"math"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/nn"
)

// KFACStep is the K-FAC optimizer of Martens & Grosse (2015): it takes the
// K-FAC proposal Δ = −F̃⁻¹∇h of its KFAC preconditioner and the previous
// update δ₀, and steps by δ = αΔ + μδ₀ with the α and μ that minimise the
// quadratic model
//
//	M(δ) = h + ∇hᵀδ + ½ δᵀ(F + λI)δ
//
// where F is the exact Fisher of the mini-batch (of the targets KFAC.Fisher
// selects) of the traced Linear layers, computed from their recorded
// inputs and output gradients (section 7). Every AdaptEvery steps it
// adjusts λ = KFAC.Damping by the Levenberg-Marquardt rule of section
// 6.5: with ρ the ratio of the actual reduction of h to the one M
// predicts, λ ← ω₁λ when ρ > 3/4 and λ ← λ/ω₁ when ρ < 1/4,
// ω₁ = (19/20)^AdaptEvery.
//
// The factors' damping γ (KFAC.Gamma) is √λ by default and follows λ at
// the factors' next inversion. With GammaEvery = T₂ > 0 it is a
// separate quantity, started at √λ and adapted greedily every T₂ steps
// (section 6.6): the proposal is computed with γ, ω₂γ and γ/ω₂,
// ω₂ = (19/20)^(T₂/2), each with its own α and μ, and the γ whose update
// gives the lowest M(δ) is kept. Each trial inverts the damped factors.
//
// Parameters outside traced Linear layers take the plain gradient as their
// proposal and have no curvature in M but λ.
type KFACStep[T ad.Float] struct {
	KFAC KFAC[T]         // the preconditioner; its Damping is the λ that adapts
	Rec  *nn.Recorder[T] // the recorder of the model's training forward pass

	// Loss returns the mini-batch objective h at the current parameters
	// (a forward pass on the same batch, without backward). Nil keeps λ
	// fixed.
	Loss func() float64

	AdaptEvery int  // T₁ ≥ 1; zero means 5
	GammaEvery int  // T₂ ≥ 0; zero keeps γ = √λ (as kfac-jax does)
	NoMomentum bool // take δ = αΔ, without the δ₀ term

	// Rho is the last reduction ratio ρ, set by Step when it adapts λ.
	Rho float64

	steps int
	prev  map[*ad.Tensor[T]][]T // δ₀
	raw   map[*ad.Tensor[T]][]T // the gradients before preconditioning
	buf   [3][]T                // scratch of fisherProducts
}

// Step updates params; see Optimizer. Call it after the backward pass of
// the training forward pass that Rec recorded.
func (o *KFACStep[T]) Step(params []*ad.Tensor[T]) error {
	if o.Rec == nil {
		return fmt.Errorf("optim: KFACStep needs the Recorder of the model (nn.Record)")
	}
	every := o.AdaptEvery
	if every == 0 {
		every = 5
	}
	if every < 1 {
		return fmt.Errorf("optim: KFACStep: AdaptEvery = %d, want ≥ 1", o.AdaptEvery)
	}
	if o.GammaEvery < 0 {
		return fmt.Errorf("optim: KFACStep: GammaEvery = %d, want ≥ 0", o.GammaEvery)
	}
	if o.KFAC.Damping == 0 {
		o.KFAC.Damping = 1e-3
	}
	if err := CheckFinite(params); err != nil {
		return err
	}
	if o.raw == nil {
		o.raw = make(map[*ad.Tensor[T]][]T, len(params))
	}
	grad := o.raw // the raw gradients, kept from step to step as buffers
	for _, p := range params {
		if p.Grad != nil {
			grad[p] = append(grad[p][:0], p.Grad...)
		} else {
			delete(grad, p)
		}
	}
	layers := Layers(params, o.Rec.Traces)
	if o.prev == nil {
		o.prev = make(map[*ad.Tensor[T]][]T, len(params))
	}
	lambda := o.KFAC.Damping
	var q quadStep
	var err error
	if o.GammaEvery > 0 && (o.steps+1)%o.GammaEvery == 0 {
		q, err = o.adaptGamma(params, layers, grad, lambda)
	} else {
		if o.GammaEvery > 0 && o.KFAC.Gamma == 0 {
			o.KFAC.Gamma = math.Sqrt(lambda)
		}
		if err = o.KFAC.Precondition(layers); err == nil {
			q, err = o.quadratic(params, layers, grad, lambda)
		}
	}
	if err != nil {
		return err
	}
	o.steps++
	adapt := o.Loss != nil && o.steps%every == 0
	var h0 float64
	if adapt {
		h0 = o.Loss()
	}
	for _, p := range params {
		if _, ok := grad[p]; !ok {
			continue
		}
		prev := o.prev[p]
		if prev == nil {
			prev = make([]T, p.Len())
			o.prev[p] = prev
		}
		for k, v := range p.Grad {
			d := T(-q.alpha)*v + T(q.mu)*prev[k]
			prev[k] = d
			p.Data[k] += d
		}
	}
	if adapt {
		h1 := o.Loss()
		if math.IsNaN(h0) || math.IsInf(h0, 0) || math.IsNaN(h1) || math.IsInf(h1, 0) {
			return fmt.Errorf("optim: KFACStep: step %d: loss %v before and %v after the update", o.steps, h0, h1)
		}
		if q.predicted < 0 {
			o.Rho = (h1 - h0) / q.predicted
			w := math.Pow(19.0/20, float64(every))
			switch {
			case o.Rho > 0.75:
				o.KFAC.Damping *= w
			case o.Rho < 0.25:
				o.KFAC.Damping /= w
			}
		}
	}
	return nil
}

// quadStep is the minimiser αΔ + μδ₀ of the quadratic model M along the
// proposal Δ and the previous update δ₀, and M(δ) − h there.
type quadStep struct {
	alpha, mu, predicted float64
}

// quadratic returns the minimiser of M along the proposal Δ = −p.Grad of
// each parameter and δ₀; grad holds the raw gradients ∇h.
func (o *KFACStep[T]) quadratic(params []*ad.Tensor[T], layers []Layer[T], grad map[*ad.Tensor[T]][]T, lambda float64) (quadStep, error) {
	var dd, dp, pp, gd, gp float64
	for _, p := range params {
		g, ok := grad[p]
		if !ok {
			continue
		}
		prev := o.prev[p]
		for k, v := range p.Grad {
			d := -float64(v)
			dd += d * d
			gd += float64(g[k]) * d
			if prev != nil {
				q := float64(prev[k])
				dp += d * q
				pp += q * q
				gp += float64(g[k]) * q
			}
		}
	}
	fdd, fdp, fpp, err := o.fisherProducts(layers)
	if err != nil {
		return quadStep{}, err
	}
	m11, m12, m22 := fdd+lambda*dd, fdp+lambda*dp, fpp+lambda*pp
	var q quadStep
	switch det := m11*m22 - m12*m12; {
	case m11 == 0: // a zero proposal: the gradients vanish
	case o.NoMomentum || pp == 0 || !(det > 0):
		q.alpha = -gd / m11
	default:
		q.alpha = -(m22*gd - m12*gp) / det
		q.mu = -(m11*gp - m12*gd) / det
	}
	q.predicted = 0.5 * (q.alpha*gd + q.mu*gp) // M(δ) − M(0) at the minimiser
	if math.IsNaN(q.alpha) || math.IsInf(q.alpha, 0) || math.IsNaN(q.mu) || math.IsInf(q.mu, 0) {
		return quadStep{}, fmt.Errorf("optim: KFACStep: step %d: step size α = %v, momentum μ = %v (Δᵀ(F+λI)Δ = %v); parameters not updated", o.steps+1, q.alpha, q.mu, m11)
	}
	return q, nil
}

// adaptGamma tries the factored damping ω₂γ, γ/ω₂ and γ, keeps the one
// whose minimiser of M is lowest and leaves its proposal in the
// gradients of params and its inverses in the preconditioner.
func (o *KFACStep[T]) adaptGamma(params []*ad.Tensor[T], layers []Layer[T], grad map[*ad.Tensor[T]][]T, lambda float64) (quadStep, error) {
	g0 := o.KFAC.Gamma
	if g0 == 0 {
		g0 = math.Sqrt(lambda)
	}
	w := math.Pow(19.0/20, float64(o.GammaEvery)/2)
	trials := [3]float64{g0 * w, g0 / w, g0}
	var best quadStep
	pick := -1
	for i, gamma := range trials {
		if i > 0 {
			restoreGrads(params, grad)
		}
		o.KFAC.Gamma = gamma
		if err := o.KFAC.precondition(layers, i == 0, true); err != nil {
			return quadStep{}, err
		}
		q, err := o.quadratic(params, layers, grad, lambda)
		if err != nil {
			return quadStep{}, err
		}
		if pick < 0 || q.predicted < best.predicted {
			best, pick = q, i
		}
	}
	if pick != len(trials)-1 {
		restoreGrads(params, grad)
		o.KFAC.Gamma = trials[pick]
		if err := o.KFAC.precondition(layers, false, true); err != nil {
			return quadStep{}, err
		}
	}
	return best, nil
}

// restoreGrads puts the raw gradients back into params.
func restoreGrads[T ad.Float](params []*ad.Tensor[T], grad map[*ad.Tensor[T]][]T) {
	for _, p := range params {
		if g, ok := grad[p]; ok {
			copy(p.Grad, g)
		} else if p.Grad != nil {
			clear(p.Grad) // a bias without gradient, given one by storeGrad
		}
	}
}

// fisherProducts returns ΔᵀFΔ, ΔᵀFδ₀ and δ₀ᵀFδ₀ for the exact mini-batch
// Fisher F = (1/N) Σᵢ Jᵢ Jᵢᵀ of the traced layers, Δ being the negated
// preconditioned gradients and δ₀ the previous update. For one example,
// the directional derivative of its loss along V in a Linear layer is
// āᵢᵀ V̄ gᵢ, summed over the layers.
func (o *KFACStep[T]) fisherProducts(layers []Layer[T]) (fdd, fdp, fpp float64, err error) {
	var ud, up []float64
	xbar, v, out := o.buf[0], o.buf[1], o.buf[2]
	defer func() { o.buf = [3][]T{xbar, v, out} }()
	for _, l := range layers {
		tr := l.Trace
		if tr == nil || l.Params[0].Grad == nil {
			continue
		}
		gs, err := curvGrads(tr, o.KFAC.Fisher, "KFACStep")
		if err != nil {
			return 0, 0, 0, err
		}
		in, dout := tr.Layer.In(), tr.Layer.Out()
		n := tr.In.Len() / in
		din := in
		if len(l.Params) == 2 {
			din++
		}
		if ud == nil {
			ud, up = make([]float64, n), make([]float64, n)
		}
		if len(ud) != n || len(gs) != n*dout {
			panic(fmt.Sprintf("optim.KFACStep: traced layers disagree on the batch size (%d and %d rows)", len(ud), n))
		}
		ab := augment(xbar, tr.In.Data, n, in, din)
		if din != in {
			xbar = ab // keep the buffer; without a bias ab is the input itself
		}
		for which, u := range [][]float64{ud, up} {
			v = v[:0]
			for _, p := range l.Params {
				if which == 0 {
					for _, g := range p.Grad {
						v = append(v, -g)
					}
				} else if prev := o.prev[p]; prev != nil {
					v = append(v, prev...)
				} else {
					n := len(v)
					v = append(v, p.Grad...) // room for p
					clear(v[n:])
				}
			}
			if cap(out) < n*dout {
				out = make([]T, n*dout)
			}
			out = out[:n*dout]
			ad.Gemm(false, false, n, dout, din, ab, din, v, dout, 0, out, dout)
			for i := range n {
				s := 0.0
				for c := range dout {
					s += float64(out[i*dout+c]) * float64(gs[i*dout+c])
				}
				u[i] += s * float64(n) // g = N·(row of the mean loss's gradient)
			}
		}
	}
	for i := range ud {
		fdd += ud[i] * ud[i]
		fdp += ud[i] * up[i]
		fpp += up[i] * up[i]
	}
	if n := float64(len(ud)); n > 0 {
		fdd, fdp, fpp = fdd/n, fdp/n, fpp/n
	}
	return fdd, fdp, fpp, nil
}

// augment returns the n×in rows of x with a column of ones appended when
// din = in + 1, in buf if it has room; x itself when din = in.
func augment[T ad.Float](buf, x []T, n, in, din int) []T {
	if din == in {
		return x
	}
	if cap(buf) < n*din {
		buf = make([]T, n*din)
	}
	buf = buf[:n*din]
	for r := range n {
		copy(buf[r*din:], x[r*in:(r+1)*in])
		buf[r*din+in] = 1
	}
	return buf
}
