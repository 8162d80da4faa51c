// Package vi holds variational objectives for latent-variable models: the
// ELBO, the importance-weighted bound IWAE(K) of Burda et al. (2016), the
// PIWAE, MIWAE and CIWAE bounds of Rainforth et al. (2018), the
// doubly-reparameterised gradient DReG of Tucker et al. (2019), and the
// held-out log-likelihood by importance sampling.
//
// A Model gives log p(x, z) and an inference network q(z | x) that is either
// reparameterised (a distributions.RSampler, such as a Normal) or discrete.
// Every objective here is a function of the log-weights
// log w_s = log p(x, z_s) − log q(z_s | x) of S draws per example, so an
// Objective is the value of that function and its derivatives, and one
// routine, Evaluate, turns any of them into a bound and a gradient:
// pathwise through the draws when q is reparameterised (with DReG as an
// option), and by the score function with the leave-one-out baseline of
// VIMCO (Mnih & Rezende 2016) when it is not.
//
// As in Pyro, the value of the bound and the surrogate whose gradient is
// the estimate are kept apart: Estimate.Bound is the bound, per example,
// and Estimate.Loss a scalar to minimise whose own value means nothing.
// With toolkit.Fit:
//
//	Objective: func(step int) (*ad.Tensor[float32], float64) {
//		e := vi.Evaluate(rnd, vae, x, vi.DReG{Objective: vi.IWAE{K: 5}})
//		return e.Loss, -e.Mean() // minimise the surrogate, record −bound
//	},
//
// The held-out log-likelihood of the IWAE paper (K = 5000, in float64,
// without a graph) is LogLikelihood on a float64 copy of the model, such as
// models.ConvertStackedVAE(vae, ad.Tanh[float64]).
package vi
