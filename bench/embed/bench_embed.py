"""Python embedding benchmarks, one process, interleaved rounds, medians (bench/embed/README.md).

    PYTHONPATH=build/release/python /usr/bin/python3 bench/embed/bench_embed.py \
        --dslc build/release/apps/dslc/dslc --libnos build/release/capi/libnos_optim.so [--rounds 9]

1. nos.torch.Optimizer(rule="adam") vs torch.optim.Adam(foreach=True): one 10M-element tensor,
   and ResNet-18's 62 parameter tensors (11.7M elements).
2. PowerSign and AddSign: nos.torch.Optimizer vs the ports dslc --emit=torch generates.
3. Embedding overhead on the 10M tensor: the C API called through ctypes (C++ Optimizer::step
   plus the C shim), nos.Optimizer on numpy arrays (pybind11), nos.torch.Optimizer, all three
   stepping the same weights and gradients.
"""
import argparse
import ctypes
import importlib.util
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

import nos
import nos.torch


def resnet18_shapes():
    shapes = [(64, 3, 7, 7), (64,), (64,)]
    cin = 64
    for cout, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
        for block in range(2):
            first = block == 0
            shapes += [(cout, cin if first else cout, 3, 3), (cout,), (cout,), (cout, cout, 3, 3), (cout,), (cout,)]
            if first and (stride != 1 or cin != cout):
                shapes += [(cout, cin, 1, 1), (cout,), (cout,)]
        cin = cout
    return shapes + [(1000, 512), (1000,)]


def params(shapes):
    g = torch.Generator().manual_seed(0)
    ps = [torch.nn.Parameter(torch.randn(s, generator=g) * 0.01) for s in shapes]
    for p in ps:
        p.grad = torch.randn(p.shape, generator=g) * 1e-3
    return ps


def step_ms(step, reps):
    t0 = time.perf_counter()
    for _ in range(reps):
        step()
    return (time.perf_counter() - t0) * 1e3 / reps


def compare(name, contenders, rounds, reps):
    """contenders: [(label, step)]; the first is the baseline. Interleaved rounds; medians."""
    for _, step in contenders:
        step()  # warm up: state allocation, first touch, kernel compile
    times = {label: [] for label, _ in contenders}
    for _ in range(rounds):
        for label, step in contenders:
            times[label].append(step_ms(step, reps))
    base_label = contenders[0][0]
    base = statistics.median(times[base_label])
    cells = []
    for label, _ in contenders:
        med = statistics.median(times[label])
        ratios = [b / t for b, t in zip(times[base_label], times[label])]
        cells.append(f"{label} {med:.2f} ms ({statistics.median(ratios):.2f}x)")
    print(f"| {name} | " + " | ".join(cells) + " |", flush=True)
    return times


def load_port(dslc, rule_name, rule):
    tmp = tempfile.mkdtemp()
    path = os.path.join(tmp, f"{rule_name}.py")
    subprocess.run([dslc, "--emit=torch", "-e", f"{rule_name}: {rule}", "-o", path], check=True)
    spec = importlib.util.spec_from_file_location(rule_name, path)
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return getattr(m, rule_name.capitalize())


class CApi:
    """nos/optim.h through ctypes."""

    def __init__(self, path):
        self.lib = ctypes.CDLL(path)
        self.lib.nos_optimizer_create.argtypes = [ctypes.c_char_p, ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p)]
        self.lib.nos_optimizer_add.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t]
        self.lib.nos_optimizer_step.argtypes = [ctypes.c_void_p]
        self.lib.nos_last_error.restype = ctypes.c_char_p

    def optimizer(self, rule, w, g):
        h = ctypes.c_void_p()
        if self.lib.nos_optimizer_create(rule.encode(), None, ctypes.byref(h)) != 0:
            raise RuntimeError(self.lib.nos_last_error().decode())
        if self.lib.nos_optimizer_add(h, w.ctypes.data, g.ctypes.data, w.size) != 0:
            raise RuntimeError(self.lib.nos_last_error().decode())
        return lambda: self.lib.nos_optimizer_step(h)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dslc", required=True)
    ap.add_argument("--libnos", required=True)
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    for f in (a.dslc, a.libnos):
        if not os.path.exists(f):
            sys.exit(f"bench_embed.py: {f} does not exist (build dslc and nos_optim)")

    # Both sides on every core: torch may default to the physical core count, nos uses OpenMP's.
    torch.set_num_threads(os.cpu_count())
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    fam = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("cpu family")), "?")
    model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model\t")), "?")
    print(f"CPU: {cpu} (family {fam}, model {model}); torch {torch.__version__}, {torch.get_num_threads()} threads; "
          f"python {platform.python_version()}; nos vector width {nos.Optimizer('g').vector_width}")
    print(f"load: {open('/proc/loadavg').read().split()[:3]} (1/5/15 min); {a.rounds} interleaved rounds x {a.reps} steps, "
          "medians; ratio = baseline time / this time, per round, median")
    big = [(10_000_000,)]
    resnet = resnet18_shapes()
    print(f"ResNet-18: {len(resnet)} tensors, {sum(int(np.prod(s)) for s in resnet)/1e6:.2f}M elements\n")
    print("| case | baseline | contenders |")
    print("|---|---|---|")

    for label, shapes in (("Adam, one 10M tensor", big), ("Adam, ResNet-18 shapes", resnet)):
        pt, pn = params(shapes), params(shapes)
        ref = torch.optim.Adam(pt, lr=1e-6, foreach=True)
        ours = nos.torch.Optimizer(pn, rule="adam", lr=1e-6)
        compare(label, [("torch.optim.Adam(foreach)", ref.step), ("nos.torch adam", ours.step)], a.rounds, a.reps)

    for rule_name in ("powersign", "addsign"):
        port = load_port(a.dslc, rule_name, nos.RULES[rule_name])
        for label, shapes in (("one 10M tensor", big), ("ResNet-18 shapes", resnet)):
            pp, pn = params(shapes), params(shapes)
            compare(f"{rule_name}, {label}",
                    [(f"generated torch port", port(pp, lr=1e-6).step),
                     (f"nos.torch {rule_name}", nos.torch.Optimizer(pn, rule=rule_name, lr=1e-6).step)],
                    a.rounds, a.reps)

    capi = CApi(a.libnos)
    # The paths step the same weights and gradients (each with state of its own, allocated alike by
    # the Optimizer): a torch-allocated tensor and its numpy view. Buffers allocated by numpy and by
    # torch streamed at different speeds (results-2026-12-02-jit-speed.md), which an overhead
    # comparison must not mistake for a path's cost. The fixed cost per step is measured on 16
    # elements, where the kernel is ~nothing.
    for rule_name, n, rounds, reps in (("adam", 10_000_000, 3 * a.rounds, a.reps),
                                       ("powersign", 10_000_000, 3 * a.rounds, a.reps), ("adam", 16, a.rounds, 2000)):
        rule = nos.RULES[rule_name]
        (pt,) = params([(n,)])
        w, g = pt.data.numpy(), pt.grad.numpy()
        c_step = capi.optimizer(rule, w, g)
        npo = nos.Optimizer(rule, lr=1e-6)
        npo.add(w, g)
        to = nos.torch.Optimizer([pt], rule=rule_name, lr=1e-6)
        times = compare(f"embedding overhead, {rule_name}, {n:,} elements (same w, g)",
                        [("C API (ctypes)", c_step), ("nos.Optimizer numpy", npo.step), ("nos.torch", to.step)],
                        rounds, reps)
        if n < 1000:
            print("| fixed cost per step | " + " | ".join(f"{k} {statistics.median(v) * 1e3:.1f} us" for k, v in times.items()) + " |")
    print(f"\nload after: {open('/proc/loadavg').read().split()[:3]}")


if __name__ == "__main__":
    main()
