// Package nn provides neural-network layers on top of the autodiff engine
// toolkit/ad: Linear and MLP, the Glorot and He initialisers, helpers to
// collect, count, zero and checkpoint the parameters of several modules,
// and the Recorder that keeps each layer's inputs and output gradients for
// the preconditioners of toolkit/optim (K-FAC, FOOF).
//
// Layers are plain structs whose parameters are exported ad tensors, so an
// optimizer (toolkit/optim) updates them in place and a notebook can look
// inside them. Every layer is a Module: its Params method lists the tensors
// an optimizer should train.
//
//	rnd := rand.New(rand.NewPCG(1, 2))
//	net := nn.NewMLP[float32](rnd, []int{784, 256, 10}, nil) // ReLU between layers
//	logits := net.Forward(x)                                  // x: [N, 784] → [N, 10]
//	params := nn.Collect(net)
//
// Weights are stored as [in, out] and applied as x·W + b, so a batch of rows
// goes through one matrix product.
package nn
