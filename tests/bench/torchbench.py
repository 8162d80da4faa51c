"""Timing shared by the PyTorch twins of the Go benchmarks (torch_*.py,
imle_topk.py): like testing.B, a function runs more and more times until a
run lasts BENCH_SECONDS, and the result prints as a Go benchmark line whose
name carries the suffix "-torch", for compare/ to pair."""
import os
import time

import torch

torch.set_num_threads(int(os.environ.get("TORCH_THREADS", "2")))
MIN_SECONDS = float(os.environ.get("BENCH_SECONDS", "2"))


def bench(name, fn, once=False):
    """Times fn and prints "<name>-torch <n> <ns> ns/op"; returns seconds per call.
    With once, fn (an epoch, say) runs a single time without a warm-up, as a
    Go benchmark whose one iteration outlasts the benchmark time does."""
    if once:
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        print(f"{name}-torch\t1\t{dt * 1e9:.0f} ns/op", flush=True)
        return dt
    fn()  # warm up
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        dt = time.perf_counter() - t0
        if dt >= MIN_SECONDS or n >= 1 << 30:
            break
        n = max(n + 1, min(100 * n, int(n * 1.2 * MIN_SECONDS / max(dt, 1e-9))))
    print(f"{name}-torch\t{n}\t{dt / n * 1e9:.0f} ns/op", flush=True)
    return dt / n
