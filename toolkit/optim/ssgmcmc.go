package optim

import (
	"fmt"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// StructuredSGLD is structured stochastic-gradient MCMC (Alexos, Boyd &
// Mandt, 2022) with Langevin dynamics. The parameters are partitioned into
// Groups, and the chain samples the factorised, non-parametric posterior
// ∏ₖ qₖ(θ⁽ᵏ⁾) of coordinate-ascent variational inference: group k moves by
// an SGLD step on the self-averaged energy E_{θ̃ ~ q}[U(θ⁽ᵏ⁾, θ̃⁽¬ᵏ⁾)],
// estimated by evaluating the gradient with the other groups set to a
// state drawn uniformly from a pool of the chain's last Pool states. This
// breaks the posterior dependence between groups, which lets the chain mix
// faster. It costs one gradient per group and step. The pool must span
// many autocorrelation times τ of the chain: each chain's pooled states
// average over about Pool/τ independent values, and the groups keep a
// dependence of that relative order.
//
// With Dropout p in (0, 1), the scalable "dropout" variant: each step
// keeps every group independently with probability 1 − p (at least one),
// evaluates a single gradient with the kept groups at their current values
// and the others at a pooled state, and moves the kept groups only. The
// dependence within the kept set survives, so p interpolates between SGLD
// (p → 0) and the fully factorised chain.
type StructuredSGLD[T ad.Float] struct {
	SGLD SGLD[T] // the Langevin step: LR, Temperature and Rand

	// Groups partitions the parameters given to Step; nil makes every
	// parameter tensor a group of its own.
	Groups [][]*ad.Tensor[T]

	Pool    int     // states kept ≥ 1; zero means 100
	Dropout float64 // in [0, 1); zero means the exact one-gradient-per-group scheme

	pool [][][]T // pool[s][i] is parameter i in state s
	next int     // ring position in pool
}

// Step moves params by one structured Langevin step. grad must set the
// Grad of params to a (mini-batch) gradient of U at their current values,
// zeroing them first. Step leaves every parameter at its new value.
func (o *StructuredSGLD[T]) Step(params []*ad.Tensor[T], grad func() error) error {
	size := o.Pool
	if size == 0 {
		size = 100
	}
	switch {
	case size < 1:
		return fmt.Errorf("optim: StructuredSGLD: Pool = %d, want ≥ 1", o.Pool)
	case !(o.Dropout >= 0 && o.Dropout < 1):
		return fmt.Errorf("optim: StructuredSGLD: Dropout = %v, want a value in [0, 1)", o.Dropout)
	case o.SGLD.Rand == nil:
		return fmt.Errorf("optim: StructuredSGLD needs SGLD.Rand for its noise and pool draws")
	}
	groups, err := o.groupIndex(params)
	if err != nil {
		return err
	}
	if len(o.pool) == 0 {
		o.push(params, size)
	}
	cur := make([][]T, len(params))
	for i, p := range params {
		cur[i] = append([]T(nil), p.Data...)
	}
	setPooled := func(keep func(g int) bool) {
		st := o.pool[o.SGLD.Rand.IntN(len(o.pool))]
		for i, p := range params {
			if keep(groups[i]) {
				copy(p.Data, cur[i])
			} else {
				copy(p.Data, st[i])
			}
		}
	}
	restore := func() {
		for i, p := range params {
			copy(p.Data, cur[i])
		}
	}
	ngroups := 0
	for _, g := range groups {
		ngroups = max(ngroups, g+1)
	}
	gs := make([][]T, len(params)) // the gradient each parameter moves by; nil: it stays
	evaluate := func(keep func(g int) bool) error {
		setPooled(keep)
		err := grad()
		if err == nil {
			err = CheckFinite(params)
		}
		if err != nil {
			restore()
			return fmt.Errorf("optim: StructuredSGLD: %w", err)
		}
		for i, p := range params {
			if keep(groups[i]) && p.Grad != nil {
				gs[i] = append([]T(nil), p.Grad...)
			}
		}
		return nil
	}
	if o.Dropout == 0 {
		for k := range ngroups {
			if err := evaluate(func(g int) bool { return g == k }); err != nil {
				return err
			}
		}
	} else {
		kept := make([]bool, ngroups)
		for some := false; !some; {
			for k := range kept {
				kept[k] = o.SGLD.Rand.Float64() >= o.Dropout
				some = some || kept[k]
			}
		}
		if err := evaluate(func(g int) bool { return kept[g] }); err != nil {
			return err
		}
	}
	restore()
	for i, p := range params {
		if gs[i] == nil {
			p.Grad = nil // not moved: SGLD skips a parameter without gradient
			continue
		}
		p.Grad = gs[i]
	}
	if err := o.SGLD.Step(params); err != nil {
		return err
	}
	o.push(params, size)
	return nil
}

// groupIndex returns the group of each parameter.
func (o *StructuredSGLD[T]) groupIndex(params []*ad.Tensor[T]) ([]int, error) {
	idx := make([]int, len(params))
	if o.Groups == nil {
		for i := range idx {
			idx[i] = i
		}
		return idx, nil
	}
	of := make(map[*ad.Tensor[T]]int)
	for k, g := range o.Groups {
		for _, p := range g {
			if _, dup := of[p]; dup {
				return nil, fmt.Errorf("optim: StructuredSGLD: a parameter of shape %v is in two groups", p.Shape())
			}
			of[p] = k
		}
	}
	for i, p := range params {
		k, ok := of[p]
		if !ok {
			return nil, fmt.Errorf("optim: StructuredSGLD: parameter %d (shape %v) is in no group", i, p.Shape())
		}
		idx[i] = k
	}
	return idx, nil
}

// push adds the current state of params to the pool, replacing the oldest
// once it holds size states.
func (o *StructuredSGLD[T]) push(params []*ad.Tensor[T], size int) {
	var st [][]T
	if len(o.pool) < size {
		st = make([][]T, len(params))
		o.pool = append(o.pool, st)
	} else {
		st = o.pool[o.next]
		o.next = (o.next + 1) % size
	}
	for i, p := range params {
		st[i] = append(st[i][:0], p.Data...)
	}
}
