// Package ad is stochgrad's engine: dense tensors of any rank and define-by-run
// reverse-mode automatic differentiation, generic over float32 and float64.
//
// Ops run eagerly. When an input requires a gradient, the result records a
// backward closure and its inputs, like PyTorch's autograd. Backward walks
// the recorded graph once in reverse topological order, accumulates
// gradients into the leaves that require them, and releases the graph, so a
// training loop holds no memory from one step to the next.
//
//	w := ad.Param(ad.Randn[float64](rnd, 3, 2))
//	x := ad.New([]float64{1, 2, 3}, 1, 3)
//	loss := ad.Sum(ad.Sigmoid(ad.MatMul(x, w)))
//	loss.Backward()
//	// w.Grad now holds ∂loss/∂w.
//
// Elementwise binary ops broadcast their operands as NumPy does. Shape
// mismatches are programming errors and panic with a message that names the
// op and the shapes.
//
// Custom ops run arbitrary Go code in both directions (see Custom): the
// backward pass of a layer may call a combinatorial solver again, which is
// how I-MLE and perturbed optimizers are built on this package.
//
// Grad, like torch.autograd.grad, returns the gradient with respect to
// chosen tensors, leaves or computed ones, and adds nothing to any Grad. A
// Custom op whose backward calls Grad on a graph of its own routes that
// graph's gradient to chosen inputs only: RELAX sends its critic's
// gradients to the logits and to the critic's parameters that way, not to
// the objective's parameters that the same computation reaches.
//
// # Memory
//
// Every buffer the engine owns comes from one allocation path. The
// gradients of intermediate tensors and the temporaries of backward passes
// come from an engine-owned pool and go back to it as soon as the op that
// needed them has run its backward, so Backward allocates almost nothing
// once a loop's shapes have been seen. A Scope extends this to forward
// outputs: it owns the outputs of the ops on its tensors until Release,
// after which they panic on use. With NoGrad set a Scope is an inference
// mode, like torch.no_grad. Leaf gradients, RetainGrad gradients and the
// outputs of ops outside a Scope are ordinary heap memory, never recycled:
// nothing a user can still reach (Data, Grad, GradTensor, Reshape and
// StopGradient views) is handed out again. Built with the tag adpoison,
// the pool fills recycled buffers with NaN, so that a stale read shows.
//
// # Concurrency
//
// Backward keeps its traversal state to itself: calls on separate graphs
// may run from several goroutines, also when the graphs share parameters,
// whose gradients then accumulate under a lock. Two calls that reach the
// same computed tensor at once panic. Grad calls may run beside them: a
// Grad call swaps its own buffers into a leaf's Grad only under that lock,
// for the duration of one op.
//
// Matrix products go through BLAS: gonum's pure-Go implementation by
// default, OpenBLAS through cgo when built with the tag openblas (Debian
// libopenblas-dev).
package ad
