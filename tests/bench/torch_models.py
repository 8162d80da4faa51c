"""PyTorch twins of models_test.go: the Gaussian VAE and categorical VAE
epochs and the IWAE step, written as a PyTorch user would (torch.nn layers,
torch.distributions, Adam). MNIST comes from the same IDX files as the Go
side ($STOCHGRAD_DATA, else .deps/data of the repository), binarised at 0.5.

Run with Debian's python3-torch:
OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 torch_models.py [steps per epoch]
"""

import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
from torch.distributions import Bernoulli, Normal, OneHotCategorical, RelaxedOneHotCategorical

from torchbench import bench

STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 0


def mnist():
    root = os.environ.get("STOCHGRAD_DATA") or os.path.join(
        os.environ.get("STOCHGRAD_ROOT") or os.path.join(os.path.dirname(__file__), "..", ".."), ".deps", "data")
    with open(os.path.join(root, "mnist", "train-images-idx3-ubyte"), "rb") as f:
        raw = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 784)
    return torch.from_numpy((raw.astype(np.float32) / 255 > 0.5).astype(np.float32))


def mlp(widths, act=nn.ReLU):
    layers = []
    for i in range(1, len(widths)):
        layers.append(nn.Linear(widths[i - 1], widths[i]))
        if i < len(widths) - 1:
            layers.append(act())
    return nn.Sequential(*layers)


class GaussVAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = mlp([784, 512, 256, 40])
        self.dec = mlp([20, 256, 512, 784])

    def loss(self, x):
        mu, logvar = self.enc(x).chunk(2, dim=1)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        rec = Bernoulli(logits=self.dec(z)).log_prob(x).sum()
        kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum()
        return (kl - rec) / x.shape[0]


class CatVAE(nn.Module):
    def __init__(self, samples):
        super().__init__()
        self.enc = mlp([784, 512, 256, 200])
        self.dec = mlp([200, 256, 512, 784])
        self.samples = samples

    def loss(self, x):
        n = x.shape[0]
        logits = self.enc(x).view(n, 20, 10)
        kl = (torch.softmax(logits, -1) * (torch.log_softmax(logits, -1) + math.log(10))).sum()
        if self.samples == 0:
            z = RelaxedOneHotCategorical(torch.tensor(1.0), logits=logits).rsample()
            rec = Bernoulli(logits=self.dec(z.view(n, 200))).log_prob(x).sum()
            return (kl - rec) / n
        s = self.samples
        q = OneHotCategorical(logits=logits)
        z = q.sample((s,))  # [S, n, 20, 10]
        logq = q.log_prob(z).sum(-1)  # [S, n]
        f = Bernoulli(logits=self.dec(z.view(s * n, 200)).view(s, n, 784)).log_prob(x).sum(-1)
        fd = f.detach()
        adv = fd - (fd.sum(0, keepdim=True) - fd) / (s - 1)
        obj = (f + adv * logq).sum()
        return kl / n - obj / (s * n)


class IWAE(nn.Module):
    def __init__(self, k):
        super().__init__()
        self.enc = mlp([784, 200, 200, 100], nn.Tanh)
        self.dec = mlp([50, 200, 200, 784], nn.Tanh)
        self.k = k

    def loss(self, x):
        n = x.shape[0]
        mu, logstd = self.enc(x).chunk(2, dim=1)
        q = Normal(mu, logstd.exp())
        z = q.rsample((self.k,))  # [K, n, 50]
        prior = Normal(torch.zeros(50), torch.ones(50))
        logw = (Bernoulli(logits=self.dec(z)).log_prob(x).sum(-1)
                + prior.log_prob(z).sum(-1) - q.log_prob(z).sum(-1))
        bound = torch.logsumexp(logw, 0) - math.log(self.k)
        return -bound.sum() / n


def train_step(model, opt, x):
    loss = model.loss(x)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    return loss.item()


def epoch_fn(model, data, batch=100):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def run():
        perm = torch.randperm(data.shape[0])
        steps = data.shape[0] // batch
        if STEPS:
            steps = min(steps, STEPS)
        for i in range(steps):
            train_step(model, opt, data[perm[i * batch:(i + 1) * batch]])

    return run


def iwae_step(data):
    model = IWAE(50)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = data[:20].clone()
    return lambda: train_step(model, opt, x)


if __name__ == "__main__":
    torch.manual_seed(1)
    data = mnist()
    bench("BenchmarkVAEEpoch", epoch_fn(GaussVAE(), data), once=True)
    bench("BenchmarkCatVAEEpoch/gumbel", epoch_fn(CatVAE(0), data), once=True)
    bench("BenchmarkCatVAEEpoch/score", epoch_fn(CatVAE(4), data), once=True)
    bench("BenchmarkIWAEStep", iwae_step(data))
