// Package dist holds probability distributions on ad tensors: sampling,
// reparameterised sampling where it exists, log-densities, entropies and
// means, all differentiable with respect to the parameters.
//
// A distribution is a plain struct of its parameters, which are tensors that
// may carry gradients (ad.Param leaves or outputs of a network). Abilities are
// small interfaces: every distribution is a Sampler and a LogProber; those
// that are reparameterisable are also RSamplers, found by type assertion as
// torch's has_rsample:
//
//	if rs, ok := d.(distributions.RSampler[float32]); ok { z = rs.RSample(rnd) }
//
// # Shapes
//
// Factorised distributions (Bernoulli, Normal, Uniform, Gumbel,
// RelaxedBernoulli) are elementwise: every element of the parameters is an
// independent scalar distribution, samples have the parameters' (broadcast)
// shape and LogProb returns the broadcast shape of x and the parameters.
// Vector-valued distributions (Categorical, RelaxedOneHotCategorical,
// SubsetTopK) take the last axis as the event: any leading axes are the
// batch, and LogProb returns the broadcast shape of x and the parameters
// without the last axis.
//
// LogProb broadcasts x against the parameters as NumPy does, so x may carry
// extra leading sample axes: x of shape [S, ...batch] against parameters of
// shape [...batch] gives S·batch log-probabilities in one call.
//
// # Divergences
//
// KL(rnd, p, q, samples) is KL(p ‖ q) per independent component: a closed
// form registered by the pair of types (RegisterKL; Normal–Normal,
// Bernoulli–Bernoulli and Categorical–Categorical come registered), and an
// unbiased Monte Carlo estimate otherwise (MonteCarloKL), reparameterised
// when p is an RSampler and with a score-function term when it is not.
//
// # Randomness
//
// Randomness is an explicit *rand.Rand. Each Sample or RSample documents what
// it draws from rnd and in which order, so that callers comparing estimators
// on common random numbers know what they share. Sample and RSample draw the
// same numbers: with equal seeds they return equal values, Sample without a
// graph.
//
// # Parameters and stability
//
// Constructors NewX validate their parameters and return an error naming the
// package and the parameter; a struct literal with valid parameters works as
// well. Logits of ±1e4 give finite log-probabilities and gradients;
// Bernoulli accepts infinite logits, which are probabilities 0 and 1 (see
// NewBernoulliProbs). A log-probability is −Inf only for an event that is
// impossible under the distribution, as documented on each LogProb.
// Sampling and the kernels written here compute in float64 and round to T
// once; the parts built from ad ops round to T at each op.
package distributions
