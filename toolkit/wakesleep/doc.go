// Package wakesleep holds sigmoid belief networks and Helmholtz machines
// with 1 to 3 stochastic binary layers, and their training by wake-sleep
// (WS), reweighted wake-sleep (RWS; Bornschein & Bengio 2015), the
// bidirectional Helmholtz machine's reweighting (BiHM; Bornschein et al.
// 2016) and the natural-gradient versions of these (NWS, NRWS, NBiHM;
// Várady, Volpi, Malagò & Ay), as implemented in rist-ro/argo.
//
// A Machine is a generative sigmoid belief net p (a factorised Bernoulli
// prior on the top layer, then each layer given the one above) and a
// recognition net q (x → h1 → … → hL). Units are coded {0,1} or ±1
// (Units); the coding changes only what the parents feed to their
// children, P(unit on) = sigmoid(logit) either way. Data are always given
// as {0,1}.
//
// The natural-gradient updates use the exact Fisher information of each
// conditional Bernoulli unit, F_j = E[s_j(1−s_j) u uᵀ] with u = [parents; 1]:
// log p(x, h) is a sum of per-unit terms with disjoint parameters, so the
// Fisher matrix is block diagonal with one block per unit. Each block is
// estimated from N samples, damped by α and inverted directly or, when
// N < d+1, through the Woodbury identity; see Config.
//
// Exact log-likelihoods by enumeration of the hidden states (small models,
// such as the 5×5 bars toy with 15 hidden units) and held-out
// log-likelihoods by importance sampling with q as the proposal are
// methods of Machine.
package wakesleep
