"""PyTorch twin of smc_test.go's BenchmarkTemperedSMC.

One run of adaptive likelihood-tempered SMC in float64 from the prior to
the posterior: 1,000 particles in 50 dimensions, prior N(0, I), a Gaussian
likelihood N(x; z, I) with x_j = 1, the next temperature by bisection on
the weighted ESS (K/2, the same bisection as toolkit/smc's Adaptive),
systematic resampling below ESS K/2, and 5 random-walk Metropolis moves per
stage whose scale is 2.38/sqrt(D) times each dimension's particle spread.

Prints one line in Go's benchmark format, BenchmarkTemperedSMC-torch, for
compare/. Run with Debian's python3-torch:
OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 torch_smc_tempered.py
"""
import math

import torch

from torchbench import bench

K, D, MOVES, FRACTION = 1000, 50, 5, 0.5
DT = torch.float64
OBS = torch.ones(D, dtype=DT)


def log_prior(z):
    return -0.5 * (z * z).sum(1)


def log_lik(z):
    return -0.5 * ((z - OBS) ** 2).sum(1)


def ess_fraction(logw):
    return math.exp(2 * torch.logsumexp(logw, 0).item() - torch.logsumexp(2 * logw, 0).item()) / K


def next_temperature(tau, log_w, ll):
    f = lambda delta: ess_fraction(log_w + delta * ll)
    rest = 1 - tau
    if f(rest) >= FRACTION:
        return 1.0
    if f(0.0) < FRACTION:
        raise RuntimeError(f"tempering cannot advance from temperature {tau}")
    lo, hi = 0.0, rest
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid == lo or mid == hi:
            break
        v = f(mid)
        if v >= FRACTION:
            lo = mid
        else:
            hi = mid
        if abs(v - FRACTION) < 1e-10:
            break
    return tau + hi


def systematic(w):
    u = (torch.arange(K, dtype=DT) + torch.rand(1, dtype=DT)) / K
    return torch.searchsorted(torch.cumsum(w, 0), u).clamp_(max=K - 1)


def random_walk(z, tau):
    scale = z.std(0, unbiased=False) * (2.38 / math.sqrt(D))
    lp = log_prior(z) + tau * log_lik(z)
    for _ in range(MOVES):
        y = z + scale * torch.randn(K, D, dtype=DT)
        lq = log_prior(y) + tau * log_lik(y)
        accept = torch.rand(K, dtype=DT).log() < lq - lp
        z = torch.where(accept.unsqueeze(1), y, z)
        lp = torch.where(accept, lq, lp)
    return z


def run():
    z = torch.randn(K, D, dtype=DT)
    log_w = torch.full((K,), -math.log(K), dtype=DT)
    ll = log_lik(z)
    tau, log_z = 0.0, 0.0
    while tau < 1:
        nxt = next_temperature(tau, log_w, ll)
        log_w = log_w + (nxt - tau) * ll
        lse = torch.logsumexp(log_w, 0)
        log_z += lse.item()
        log_w = log_w - lse
        tau = nxt
        if ess_fraction(log_w) < FRACTION:
            idx = systematic(log_w.exp())
            z, ll = z[idx], ll[idx]
            log_w = torch.full((K,), -math.log(K), dtype=DT)
        z = random_walk(z, tau)
        ll = log_lik(z)
    return log_z


def main():
    torch.manual_seed(1)
    bench("BenchmarkTemperedSMC", run)


if __name__ == "__main__":
    main()
