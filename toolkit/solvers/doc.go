// Package solvers provides black-box MAP oracles over a score vector θ:
// each solver writes into a caller-owned dst the point z of its feasible set
// that maximises the inner product <θ, z>. Gradient estimators such as I-MLE,
// Adaptive I-MLE and perturbed optimizers call them thousands of times per
// training step, so every solver here is allocation-free in steady state and
// safe for concurrent use.
//
// Conventions shared by all solvers:
//
//   - dst and theta are flat slices of the same length; a length or shape
//     mismatch is a programming mistake and panics with a message naming the
//     solver and the sizes.
//   - dst is overwritten entirely with 0 and 1 entries; theta is only read.
//   - Ties are broken deterministically (lowest index first unless a solver
//     says otherwise), so equal inputs always give equal outputs.
//   - theta must be free of NaN; the result for NaN scores is unspecified
//     (but Solve still terminates and writes a feasible z).
//   - Solvers are small structs generic over the float type, with exported
//     configuration whose zero value means a documented default. They have
//     value receivers and borrow their scratch memory from package-level
//     sync.Pools, so a solver value can be shared by many goroutines, for
//     example through Batch.
//
// ShortestPath is the one minimiser: it minimises <cost, z>. Negate adapts it
// (or any minimiser) to the maximiser convention the estimators expect.
package solvers
