"""Embedding a JIT-compiled optimizer in Python: the twin of optim/examples/embed_optimizer.cpp,
once with numpy arrays and once as a torch optimizer.

Least squares, minimize 0.5 * sum_i (w_i - target_i)^2: the gradient is w - target.
    PYTHONPATH=build/release/python /usr/bin/python3 python/examples/embed_optimizer.py [RULE]
"""
import io
import sys

import numpy as np

import nos

rule = sys.argv[1] if len(sys.argv) > 1 else "powersign"
n, steps = 1000, 500
target = np.sin(0.01 * np.arange(n, dtype=np.float32))

# numpy: the optimizer steps w in place and reads g.
w, g = np.zeros(n, np.float32), np.empty(n, np.float32)
opt = nos.Optimizer(rule, lr=0.01, total_steps=steps, schedule="cosine", decay_steps=steps)
opt.add(w, g)
print(f"rule {rule} (canonical: {opt.canonical}, infix: {nos.dslc.infix(rule)}), {opt.state_bytes} bytes of state")
for t in range(1, steps + 1):
    g[:] = w - target  # your backward pass
    opt.step()
    if t == 250:
        checkpoint = opt.save()
    if t % 100 == 0:
        print(f"numpy step {t:3d}  lr {opt.lr:.5f}  loss {0.5 * np.sum((w - target) ** 2):.6f}")
opt.load(checkpoint)
print(f"restored the checkpoint of step {opt.steps}")

# torch: a torch.optim.Optimizer, with torch's own cosine schedule.
try:
    import torch
except ImportError:
    print("torch is not installed: skipping nos.torch")
    sys.exit(0)
import nos.torch

p = torch.nn.Parameter(torch.zeros(n))
tt = torch.from_numpy(target)
topt = nos.torch.Optimizer([p], rule=rule, lr=0.01, total_steps=steps)
sched = torch.optim.lr_scheduler.CosineAnnealingLR(topt, T_max=steps)
for t in range(1, steps + 1):
    topt.zero_grad()
    loss = 0.5 * ((p - tt) ** 2).sum()
    loss.backward()
    topt.step()
    sched.step()
    if t % 100 == 0:
        print(f"torch step {t:3d}  lr {sched.get_last_lr()[0]:.5f}  loss {loss.item():.6f}")
buf = io.BytesIO()
torch.save(topt.state_dict(), buf)
print(f"torch state_dict: {buf.tell()} bytes, step {topt.state[p]['step']}")
