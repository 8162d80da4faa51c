package optim

import (
	"fmt"
	"io"

	"github.com/stochgrad/stochgrad/toolkit/ad"
	"github.com/stochgrad/stochgrad/toolkit/nn"
)

// Stateful is an optimizer whose state between steps (moments, momentum
// buffers, step counts) can be saved and restored, so that a run resumed
// from a checkpoint ends bit-identical to an uninterrupted one.
type Stateful[T ad.Float] interface {
	Optimizer[T]
	// State returns copies of the optimizer's state for params as tensors,
	// whose number and shapes depend only on the number and shapes of
	// params. For parameters not stepped yet the state is that of a fresh
	// optimizer.
	State(params []*ad.Tensor[T]) []*ad.Tensor[T]
	// SetState replaces the state for params by state, as returned by State
	// for parameters of the same shapes.
	SetState(params []*ad.Tensor[T], state []*ad.Tensor[T]) error
}

// SaveCheckpoint writes the values of params followed by opt's state to w,
// in the checkpoint format of nn.Save.
func SaveCheckpoint[T ad.Float](w io.Writer, params []*ad.Tensor[T], opt Stateful[T]) error {
	return nn.Save(w, nn.ParamList[T](params), nn.ParamList[T](opt.State(params)))
}

// LoadCheckpoint reads a checkpoint written by SaveCheckpoint into params
// and opt, which must have the parameters' shapes and the optimizer's type
// of the run that saved it. On error params keep their values.
func LoadCheckpoint[T ad.Float](r io.Reader, params []*ad.Tensor[T], opt Stateful[T]) error {
	state := opt.State(params)
	if err := nn.Load(r, nn.ParamList[T](params), nn.ParamList[T](state)); err != nil {
		return err
	}
	return opt.SetState(params, state)
}

// stepCount encodes a step count as two values below 2²⁴, exact even in
// float32.
func stepCount[T ad.Float](dst []T, t int) {
	dst[0], dst[1] = T(t>>24), T(t&(1<<24-1))
}

func readStepCount[T ad.Float](src []T) (int, error) {
	hi, lo := src[0], src[1]
	if hi < 0 || lo < 0 || lo >= 1<<24 || T(int(hi)) != hi || T(int(lo)) != lo {
		return 0, fmt.Errorf("optim: step count (%v, %v) is not a pair of integers in [0, 2²⁴)", hi, lo)
	}
	return int(hi)<<24 | int(lo), nil
}

func checkState[T ad.Float](name string, params, state []*ad.Tensor[T], perParam int) error {
	if len(state) != perParam*len(params)+1 {
		return fmt.Errorf("optim: %s.SetState: %d state tensors for %d parameters, want %d", name, len(state), len(params), perParam*len(params)+1)
	}
	for i, p := range params {
		for j := range perParam {
			if s := state[perParam*i+j]; s.Len() != p.Len() {
				return fmt.Errorf("optim: %s.SetState: state tensor %d has %d values for a parameter of shape %v", name, perParam*i+j, s.Len(), p.Shape())
			}
		}
	}
	if last := state[len(state)-1]; last.Len() != 2*len(params) {
		return fmt.Errorf("optim: %s.SetState: the last state tensor has %d values, want %d", name, last.Len(), 2*len(params))
	}
	return nil
}

// State returns, for each parameter, its first- and second-moment
// estimates m and v, and then one tensor [len(params), 2] of step counts.
func (o *Adam[T]) State(params []*ad.Tensor[T]) []*ad.Tensor[T] {
	out := make([]*ad.Tensor[T], 0, 2*len(params)+1)
	steps := ad.Zeros[T](len(params), 2)
	for i, p := range params {
		m, v := ad.Zeros[T](p.Shape()...), ad.Zeros[T](p.Shape()...)
		if s, ok := o.st[p]; ok {
			copy(m.Data, s.m)
			copy(v.Data, s.v)
			stepCount(steps.Data[2*i:], s.t)
		}
		out = append(out, m, v)
	}
	return append(out, steps)
}

// SetState restores the moments and step counts returned by State.
func (o *Adam[T]) SetState(params []*ad.Tensor[T], saved []*ad.Tensor[T]) error {
	if err := checkState("Adam", params, saved, 2); err != nil {
		return err
	}
	steps := saved[len(saved)-1].Data
	ts := make([]int, len(params))
	for i := range params {
		t, err := readStepCount(steps[2*i:])
		if err != nil {
			return err
		}
		ts[i] = t
	}
	for i, p := range params {
		if ts[i] == 0 {
			delete(o.st, p)
			continue
		}
		s := state(&o.st, p, func() *adamState[T] { return &adamState[T]{} })
		s.t = ts[i]
		s.m = append(s.m[:0], saved[2*i].Data...)
		s.v = append(s.v[:0], saved[2*i+1].Data...)
	}
	return nil
}

// State returns, for each parameter, its momentum buffer, and then one
// tensor [len(params), 2] whose entry (i, 1) is 1 once parameter i has a
// buffer (after its first step with momentum).
func (o *SGD[T]) State(params []*ad.Tensor[T]) []*ad.Tensor[T] {
	out := make([]*ad.Tensor[T], 0, len(params)+1)
	has := ad.Zeros[T](len(params), 2)
	for i, p := range params {
		b := ad.Zeros[T](p.Shape()...)
		if s, ok := o.buf[p]; ok && *s != nil {
			copy(b.Data, *s)
			has.Data[2*i+1] = 1
		}
		out = append(out, b)
	}
	return append(out, has)
}

// SetState restores the momentum buffers returned by State.
func (o *SGD[T]) SetState(params []*ad.Tensor[T], saved []*ad.Tensor[T]) error {
	if err := checkState("SGD", params, saved, 1); err != nil {
		return err
	}
	has := saved[len(saved)-1].Data
	for i := range params {
		if f := has[2*i+1]; has[2*i] != 0 || f != 0 && f != 1 {
			return fmt.Errorf("optim: SGD.SetState: buffer flag (%v, %v) of parameter %d, want (0, 0) or (0, 1)", has[2*i], f, i)
		}
	}
	for i, p := range params {
		if has[2*i+1] == 0 {
			delete(o.buf, p)
			continue
		}
		b := state(&o.buf, p, func() *[]T { return new([]T) })
		*b = append((*b)[:0], saved[i].Data...)
	}
	return nil
}
