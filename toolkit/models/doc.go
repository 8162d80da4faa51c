// Package models holds the models and experiment problems that stochgrad's
// notebooks reproduce: the Gaussian VAE, the synthetic problems of the I-MLE
// and AIMLE papers, cost predictors for shortest paths, and more as methods
// arrive. A notebook stays thin over these: it picks settings, calls a
// function here and draws the plain results it returns.
//
// The variational autoencoders (VAE, StackedVAE with the IWAE paper's
// architectures, and LatentVAE over categorical, k-subset or any other
// latents) implement vi.Model: they train with any objective of package vi
// and are evaluated with vi.LogLikelihood on a float64 copy (ConvertVAE,
// ConvertStackedVAE).
package models
