package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/stochgrad/stochgrad/toolkit/ad"
)

// Activation is an elementwise nonlinearity. Any one-argument op of package
// ad is one: ad.ReLU, ad.Tanh, ad.Sigmoid, ad.Softplus, ad.LogSigmoid;
// ELU and LeakyReLU return those that take a parameter.
type Activation[T ad.Float] func(*ad.Tensor[T]) *ad.Tensor[T]

// ELU returns the activation x for x > 0 and alpha·(eˣ − 1) elsewhere.
func ELU[T ad.Float](alpha T) Activation[T] {
	return func(x *ad.Tensor[T]) *ad.Tensor[T] { return ad.ELU(x, alpha) }
}

// LeakyReLU returns the activation x for x > 0 and slope·x elsewhere.
func LeakyReLU[T ad.Float](slope T) Activation[T] {
	return func(x *ad.Tensor[T]) *ad.Tensor[T] { return ad.LeakyReLU(x, slope) }
}

// MLP is a stack of Linear layers with an activation between consecutive
// layers.
type MLP[T ad.Float] struct {
	Layers []*Linear[T]

	// Activation follows every layer but the last. Nil means ad.ReLU.
	Activation Activation[T]

	// Output follows the last layer. Nil means none, so that the network
	// returns logits or unconstrained parameters.
	Output Activation[T]

	// Hook, when set, is called by Forward for every layer i with the
	// layer's input and its output before the activation. Preconditioners
	// such as K-FAC use it to record activations and, through RetainGrad on
	// out, the gradients of the pre-activations.
	Hook func(i int, in, out *ad.Tensor[T])
}

// NewMLP returns an MLP with layers widths[0] → widths[1] → … →
// widths[len−1], initialised as NewLinear does (Glorot-uniform weights, zero
// biases), and activation act between layers (nil means ad.ReLU). For He
// initialisation, refill the weights:
//
//	for _, l := range m.Layers {
//		nn.HeNormal(rnd, l.W)
//	}
//
// NewMLP panics with fewer than two widths.
func NewMLP[T ad.Float](rnd *rand.Rand, widths []int, act Activation[T]) *MLP[T] {
	if len(widths) < 2 {
		panic(fmt.Sprintf("nn.NewMLP: widths %v, want at least input and output sizes", widths))
	}
	m := &MLP[T]{Activation: act}
	for i := 1; i < len(widths); i++ {
		m.Layers = append(m.Layers, NewLinear[T](rnd, widths[i-1], widths[i]))
	}
	return m
}

// Widths returns the input size followed by every layer's output size.
func (m *MLP[T]) Widths() []int {
	if len(m.Layers) == 0 {
		return nil
	}
	w := []int{m.Layers[0].In()}
	for _, l := range m.Layers {
		w = append(w, l.Out())
	}
	return w
}

// Forward applies the layers to x of shape [..., widths[0]] and returns a
// tensor of shape [..., widths[len−1]].
func (m *MLP[T]) Forward(x *ad.Tensor[T]) *ad.Tensor[T] {
	act := m.Activation
	if act == nil {
		act = ad.ReLU[T]
	}
	h := x
	for i, l := range m.Layers {
		in := h
		h = l.Forward(h)
		if m.Hook != nil {
			m.Hook(i, in, h)
		}
		switch {
		case i < len(m.Layers)-1:
			h = act(h)
		case m.Output != nil:
			h = m.Output(h)
		}
	}
	return h
}

// Params returns the parameters of the layers in order.
func (m *MLP[T]) Params() []*ad.Tensor[T] {
	var ps []*ad.Tensor[T]
	for _, l := range m.Layers {
		ps = append(ps, l.Params()...)
	}
	return ps
}
