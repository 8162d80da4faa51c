"""PyTorch twin of imle_test.go's BenchmarkIMLETopK.

One forward and backward pass of an I-MLE top-k layer in float32: a batch
of 100 score vectors of length 100, k = 10, 10 samples each with
Sum-of-Gamma noise (k = 10, 10 iterations, the formula of torch-imle's
SumOfGammaNoiseDistribution), the MAP state by torch.topk, forward
differences with the default target (alpha = 1, lambda = 1, gradient
divided by lambda), and a fixed random upstream gradient.

Prints one line in Go's benchmark format, BenchmarkIMLETopK-torch, for
compare/. Run with Debian's python3-torch:
OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 imle_topk.py
"""
import math

import torch

from torchbench import bench


BATCH, N, K, SAMPLES, ITERATIONS = 100, 100, 10, 10, 10
ALPHA, LAMBDA = 1.0, 1.0


def sum_of_gamma(shape):
    """(1/k)(sum_{i=1..s} Gamma(1/k, rate i/k) - log s), as torch-imle."""
    samples = torch.zeros(shape)
    conc = torch.tensor(1.0 / K)
    for i in range(1, ITERATIONS + 1):
        gamma = torch.distributions.Gamma(conc, torch.tensor(i / K))
        samples = samples + gamma.sample(shape)
    return (samples - math.log(ITERATIONS)) / K


def topk_map(theta):
    """MAP over k-subsets, row by row: the indicator of the top K entries."""
    z = torch.zeros_like(theta)
    return z.scatter_(-1, torch.topk(theta, K, dim=-1).indices, 1.0)


class IMLETopK(torch.autograd.Function):
    @staticmethod
    def forward(ctx, theta):
        noise = sum_of_gamma((BATCH, SAMPLES, N))
        z = topk_map(theta.unsqueeze(1) + noise)  # [B, S, N]
        ctx.save_for_backward(theta, noise, z)
        return z

    @staticmethod
    def backward(ctx, dy):
        theta, noise, z = ctx.saved_tensors
        target = ALPHA * theta.unsqueeze(1) - LAMBDA * dy + noise
        z_target = topk_map(target)
        return ((z - z_target) / LAMBDA).mean(dim=1)


def main():
    torch.manual_seed(1)
    theta = torch.randn(BATCH, N).requires_grad_()
    dy = torch.randn(BATCH, SAMPLES, N)

    def step():
        z = IMLETopK.apply(theta)
        z.backward(dy)
        theta.grad = None

    bench("BenchmarkIMLETopK", step)


if __name__ == "__main__":
    main()
