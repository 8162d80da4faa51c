// Package optim updates parameters from their gradients: SGD with momentum,
// Adam and AdamW; preconditioners that transform gradients before a step
// (RMS, the Kronecker-factored KFAC and FOOF, the exact natural gradient,
// Gauss-Newton or Newton update Exact); the K-FAC optimizer KFACStep with
// its adaptive damping, step size and momentum; the samplers SGLD and
// Entropy-SGD; QBVI, natural-gradient variational inference for a
// Gaussian posterior with full, diagonal or factor covariance; and BBVI,
// the plain reparameterised-gradient baseline it is compared with.
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
//
// A Preconditioner sees the parameters grouped into Layers. The
// Kronecker-factored ones need, for each Linear layer of an nn.MLP, its
// inputs and the gradients of its outputs, which an nn.Recorder keeps
// through the MLP's per-layer hook:
//
//	rec := nn.Record(net)
//	opt := &optim.Preconditioned[float32]{Base: &optim.SGD[float32]{LR: 0.1}, P: &optim.KFAC[float32]{}, Rec: rec}
//	// or the full algorithm: &optim.KFACStep[float32]{Rec: rec, Loss: ...}
//
// K-FAC and FOOF expect the loss to be the mean over the rows of the batch.
package optim
