# Golden values for optim's update tests, made with PyTorch 1.13 (Debian
# python3-torch) in float64:
#
#   OMP_NUM_THREADS=1 /usr/bin/python3 testdata/golden.py
#
# The loss is f(p) = sum(c*p*p/2 + b*p), so grad = c*p + b, from p0 (the
# last coordinate starts with gradient zero); each optimizer takes three
# steps and the parameters after each step are printed as Go literals for
# optim_test.go.
import torch

torch.set_default_dtype(torch.float64)
p0 = [1.0, -2.0, 1.5, 0.5]
c = torch.tensor([1.0, 3.0, -0.5, -0.5])
b = torch.tensor([0.5, -1.0, 0.25, 0.25])

cases = [
    ("SGD", lambda p: torch.optim.SGD(p, lr=0.1)),
    ("SGD/momentum", lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
    ("SGD/nesterov", lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True)),
    ("SGD/momentum+decay", lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.5, weight_decay=0.1)),
    ("Adam", lambda p: torch.optim.Adam(p, lr=0.1)),
    ("Adam/betas+eps", lambda p: torch.optim.Adam(p, lr=0.05, betas=(0.8, 0.99), eps=1e-3)),
    ("AdamW", lambda p: torch.optim.AdamW(p, lr=0.1, weight_decay=0.1)),
    ("RMSprop", lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.99, eps=1e-8)),
    ("RMSprop/momentum", lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-8, momentum=0.9)),
]
for name, make in cases:
    p = torch.tensor(p0, requires_grad=True)
    opt = make([p])
    steps = []
    for _ in range(3):
        opt.zero_grad()
        (c * p * p / 2 + b * p).sum().backward()
        opt.step()
        steps.append("{" + ", ".join(repr(v) for v in p.detach().tolist()) + "}")
    print('"%s": {%s},' % (name, ", ".join(steps)))
