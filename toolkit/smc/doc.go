// Package smc holds sequential Monte Carlo samplers with likelihood
// tempering, built from small values in the style of Blackjax: a Markov
// kernel (M_t) that moves the particles, a tempering rule that chooses the
// next target and so the incremental log weights (G_t), and a resampler
// (R_t). A Sampler composes them; a user who wants another algorithm
// composes the same values differently.
//
// Everything is float64 and batched over particles: a population is one
// K×D row-major slice (Particles), and densities are evaluated on all K
// particles at once.
//
// The targets are γ_τ(z) = p(z) p(x|z)^τ for a temperature τ that goes from
// 0 (the prior, from which the caller draws the first particles) to exactly
// 1 (the posterior). The product of the mean incremental weights estimates
// the evidence p(x) without bias; its logarithm is biased low.
//
// The standard ordering (weight the particles before they move, resample,
// then move) is the default. The ordering of the SMC-Wake reference code
// (move, then weight the moved particles, with its evidence formula) is
// available as ReferenceOrder only to show that its evidence estimate is
// biased.
package smc
