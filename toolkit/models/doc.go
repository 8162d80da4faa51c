// Package models holds reusable models, such as the Gaussian VAE: what
// more than one study or notebook trains. A reproduced study's own
// problems, harnesses and figures live in its package under experiments/.
package models
