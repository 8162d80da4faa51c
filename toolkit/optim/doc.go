// Package optim updates parameters from their gradients: SGD with momentum,
// Adam and AdamW, and preconditioners that transform gradients before a
// step (an RMS diagonal preconditioner here; K-FAC, FOOF and natural
// gradient implement the same interface).
//
// An optimizer is a plain struct of hyperparameters whose zero values mean
// documented defaults; it keeps its per-parameter state (momentum buffers,
// moment estimates) keyed by the parameter tensor. A training step is
//
//	nn.ZeroGrad(model)
//	loss.Backward()
//	if err := opt.Step(params); err != nil { ... }
//
// Step checks every gradient before it changes anything: a NaN or infinite
// entry makes it return a *NonFiniteError naming the parameter, and leaves
// the parameters and the optimizer state untouched, so the training loop can
// stop at the last good state.
//
// Composition: Preconditioned{Base: &SGD[T]{LR: 0.01}, P: &RMS[T]{}} runs
// the preconditioner on the gradients and then the base optimizer on the
// result (this pair is RMSprop).
package optim
