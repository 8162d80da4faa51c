// Package models holds the models and experiment problems that stochgrad's
// notebooks reproduce: the Gaussian VAE, the synthetic problems of the I-MLE
// and AIMLE papers, cost predictors for shortest paths, and more as methods
// arrive. A notebook stays thin over these: it picks settings, calls a
// function here and draws the plain results it returns.
package models
