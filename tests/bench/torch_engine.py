"""PyTorch twins of engine_test.go's benchmarks.

Prints one line per benchmark in Go's benchmark format, the name suffixed
with "-torch", so that compare/ can pair it with the Go result. Run with
Debian's python3-torch: OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 torch_engine.py
"""

import torch

from torchbench import bench


def mlp_step(dtype):
    g = torch.Generator().manual_seed(1)
    widths = [784, 512, 256, 20]
    params = []
    for i in range(1, len(widths)):
        w = (torch.randn(widths[i - 1], widths[i], generator=g, dtype=dtype) / widths[i - 1]).requires_grad_()
        b = torch.zeros(widths[i], dtype=dtype).requires_grad_()
        params += [w, b]
    x = torch.randn(100, 784, generator=g, dtype=dtype)
    y = torch.randint(0, 2, (100, 20), generator=g).to(dtype)
    opt = torch.optim.SGD(params, lr=1e-4)

    def step():
        h = x
        for i in range(0, len(params), 2):
            h = torch.addmm(params[i + 1], h, params[i])  # as torch.nn.Linear
            if i < len(params) - 2:
                h = torch.relu(h)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(h, y, reduction="sum")
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    return step


def gemm(m, k, n):
    g = torch.Generator().manual_seed(3)
    a = torch.randn(m, k, generator=g)
    w = torch.randn(k, n, generator=g).requires_grad_()
    out = torch.empty(m, n)

    def engine():
        a @ w  # records the graph like the Go engine does

    def raw():
        with torch.no_grad():
            torch.mm(a, w, out=out)

    return engine, raw


def op_chain(ops=1000):
    g = torch.Generator().manual_seed(5)
    x = torch.randn(8, generator=g).requires_grad_()
    c = torch.full((8,), 0.999)

    def run():
        h = x
        for i in range(ops):
            r = i % 4
            if r == 0:
                h = h * c
            elif r == 1:
                h = torch.tanh(h)
            elif r == 2:
                h = h + c
            else:
                h = h - c
        h.sum().backward()
        x.grad = None

    return run


if __name__ == "__main__":
    bench("BenchmarkMLPStep/float32", mlp_step(torch.float32))
    bench("BenchmarkMLPStep/float64", mlp_step(torch.float64))
    for m, k, n in [(100, 784, 512), (512, 512, 512)]:
        engine, raw = gemm(m, k, n)
        bench(f"BenchmarkGEMM/engine/{m}x{k}x{n}", engine)
        bench(f"BenchmarkGEMM/raw/{m}x{k}x{n}", raw)
    bench("BenchmarkOpChain", op_chain())
