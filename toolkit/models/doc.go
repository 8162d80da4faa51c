// Package models holds reusable models: what more than one study or
// notebook trains. A reproduced study's own problems, harnesses and figures
// live in its package under experiments/.
//
// The variational autoencoders (VAE, StackedVAE with the IWAE paper's
// architectures, and LatentVAE over categorical, k-subset or any other
// latents) implement vi.Model: they train with any objective of package vi
// and are evaluated with vi.LogLikelihood on a float64 copy (ConvertVAE,
// ConvertStackedVAE).
package models
