"""PyTorch twin of kfac_test.go's BenchmarkKFACStep: the same K-FAC step
(optim.KFACStep) written out on torch tensors. One step on the deep
autoencoder 784-1000-500-250-30-250-500-1000-784 (sigmoid units, float32,
batch 100): forward and backward, Kronecker factors A = E[ā āᵀ] and
G = E[g gᵀ] (empirical Fisher) updated every step, their damped inverses
(factored Tikhonov damping, float64 Cholesky) every 10 steps, the
quadratic-model step size and momentum with the exact mini-batch Fisher,
and Levenberg-Marquardt damping every 5 steps from two no-grad forward
passes. One op is a cycle of 10 steps, holding exactly one inversion, as
in the Go benchmark. Run with Debian's python3-torch:
OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 torch_kfac.py
"""

import math

import torch
import torch.nn.functional as F

from torchbench import bench

WIDTHS = [784, 1000, 500, 250, 30, 250, 500, 1000, 784]
N = 100


def kfac_step():
    g = torch.Generator().manual_seed(7)
    ws, bs = [], []
    for i in range(1, len(WIDTHS)):
        lim = math.sqrt(6 / (WIDTHS[i - 1] + WIDTHS[i]))
        ws.append(((torch.rand(WIDTHS[i - 1], WIDTHS[i], generator=g) * 2 - 1) * lim).requires_grad_())
        bs.append(torch.zeros(WIDTHS[i]).requires_grad_())
    x = torch.rand(N, 784, generator=g)
    st = {"steps": 0, "damping": 1.0, "prev": None}
    fa = [torch.zeros(w.shape[0] + 1, w.shape[0] + 1) for w in ws]
    fg = [torch.zeros(w.shape[1], w.shape[1]) for w in ws]
    ainv, ginv = [None] * len(ws), [None] * len(ws)
    ones = torch.ones(N, 1)

    def forward(record):
        h, ins, outs = x, [], []
        for i, (w, b) in enumerate(zip(ws, bs)):
            ins.append(h)
            s = torch.addmm(b, h, w)
            if record:
                s.retain_grad()
            outs.append(s)
            h = torch.sigmoid(s) if i < len(ws) - 1 else s
        loss = F.binary_cross_entropy_with_logits(h, x, reduction="none").sum(1).mean()
        return loss, ins, outs

    def damped_inverse(f, damp):
        f = f.double()
        f = 0.5 * (f + f.T) + damp * torch.eye(f.shape[0], dtype=torch.float64)
        return torch.cholesky_inverse(torch.linalg.cholesky(f)).float()

    def step():
        for p in ws + bs:
            p.grad = None
        loss, ins, outs = forward(True)
        loss.backward()
        with torch.no_grad():
            k = st["steps"] + 1
            eps = min(1 - 1 / k, 0.95)
            lam = st["damping"]
            invert = st["steps"] % 10 == 0
            grads, deltas, abars, gs = [], [], [], []
            for i, (w, b) in enumerate(zip(ws, bs)):
                abar = torch.cat([ins[i].detach(), ones], 1)
                gi = outs[i].grad * N
                fa[i].mul_(eps).add_(abar.T @ abar, alpha=(1 - eps) / N)
                fg[i].mul_(eps).add_(gi.T @ gi, alpha=(1 - eps) / N)
                if invert:
                    pi = math.sqrt((fa[i].trace().item() / fa[i].shape[0]) / (fg[i].trace().item() / fg[i].shape[0]))
                    gamma = math.sqrt(lam)
                    ainv[i] = damped_inverse(fa[i], pi * gamma)
                    ginv[i] = damped_inverse(fg[i], gamma / pi)
                gw = torch.cat([w.grad, b.grad.unsqueeze(0)], 0)
                grads.append(gw)
                deltas.append(-(ainv[i] @ gw @ ginv[i]))
                abars.append(abar)
                gs.append(gi)
            prev = st["prev"]
            ud = sum(((a @ d) * gi).sum(1) for a, d, gi in zip(abars, deltas, gs))
            dd = sum((d * d).sum() for d in deltas).item()
            gd = sum((gw * d).sum() for gw, d in zip(grads, deltas)).item()
            fdd = (ud * ud).mean().item()
            if prev is None:
                alpha, mu = -gd / (fdd + lam * dd), 0.0
            else:
                up = sum(((a @ p) * gi).sum(1) for a, p, gi in zip(abars, prev, gs))
                fdp, fpp = (ud * up).mean().item(), (up * up).mean().item()
                dp = sum((d * p).sum() for d, p in zip(deltas, prev)).item()
                pp = sum((p * p).sum() for p in prev).item()
                gp = sum((gw * p).sum() for gw, p in zip(grads, prev)).item()
                m11, m12, m22 = fdd + lam * dd, fdp + lam * dp, fpp + lam * pp
                det = m11 * m22 - m12 * m12
                alpha = -(m22 * gd - m12 * gp) / det
                mu = -(m11 * gp - m12 * gd) / det
            predicted = 0.5 * (alpha * gd + mu * (gp if prev is not None else 0.0))
            st["steps"] += 1
            adapt = st["steps"] % 5 == 0
            if adapt:
                h0 = forward(False)[0].item()
            new = []
            for i, (w, b) in enumerate(zip(ws, bs)):
                d = alpha * deltas[i]
                if prev is not None:
                    d += mu * prev[i]
                new.append(d)
                w.add_(d[:-1])
                b.add_(d[-1])
            st["prev"] = new
            if adapt:
                h1 = forward(False)[0].item()
                if predicted < 0:
                    rho = (h1 - h0) / predicted
                    w1 = (19 / 20) ** 5
                    if rho > 0.75:
                        st["damping"] *= w1
                    elif rho < 0.25:
                        st["damping"] /= w1

    def cycle():
        for _ in range(10):
            step()

    return cycle


if __name__ == "__main__":
    bench("BenchmarkKFACStep", kfac_step())
