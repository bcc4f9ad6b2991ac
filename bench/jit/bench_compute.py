"""A rule's compute cost without memory traffic: ns per element of its JIT kernel on one thread over
16,384 elements (every buffer in L1/L2), median of interleaved rounds.

Next to nos-bench-jit's 16M-parameter table it says whether a rule is compute- or memory-bound: at
the 2-core interleaved bandwidth reference a 20-byte-per-element rule has ~0.7-0.8 ns per element
per core to spend (bench/results-2026-12-07-zen3-jit.md).

    PYTHONPATH=build/release/python taskset -c 1 /usr/bin/python3 bench/jit/bench_compute.py [RULE ...]

A/B of builds in one process (each DIR holds a `nos` package, e.g. a copy of build/release/python
made before a change): every round times each rule under every build in a shuffled order, so the
host's drift, which moves separate runs by 10-20% on a shared machine, falls on all builds alike.

    taskset -c 1 /usr/bin/python3 bench/jit/bench_compute.py --builds /tmp/base,build/release/python t1_07
"""
import argparse
import importlib.util
import os
import random
import sys
import time

import numpy as np

DEFAULT = ["sgd", "powersign", "t1_06", "t1_07", "t1_12", "t1_13", "t1_15", "t1_16"]


def load_build(directory, k):
    """The `nos` package under `directory`, imported as nos_b<k> (its imports are relative)."""
    pkg = os.path.join(directory, "nos")
    if not os.path.isfile(os.path.join(pkg, "__init__.py")):
        raise SystemExit(f"--builds: {pkg}/__init__.py not found (a build's python directory holds nos/)")
    spec = importlib.util.spec_from_file_location(f"nos_b{k}", os.path.join(pkg, "__init__.py"),
                                                  submodule_search_locations=[pkg])
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("rules", nargs="*", default=DEFAULT, help="rule names or prefix strings")
    ap.add_argument("--builds", help="comma-separated directories each holding a nos package (A/B)")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--steps", type=int, default=400)
    a = ap.parse_args()
    if a.builds:
        dirs = a.builds.split(",")
        builds = {d: load_build(d, k) for k, d in enumerate(dirs)}
    else:
        import nos
        builds = {"nos": nos}
    n = 1 << 14
    rng = np.random.default_rng(0)
    w0 = (rng.standard_normal(n) * 0.05).astype(np.float32)
    g0 = (rng.standard_normal(n) * 0.01).astype(np.float32)
    opts = {}
    for name in a.rules:
        for b, mod in builds.items():
            o = mod.Optimizer(mod.resolve(name), lr=1e-4, threads=1)
            # add() keeps both arrays alive as long as the optimizer.
            o.add(w0.copy(), g0.copy())
            o.step()
            opts[(name, b)] = o
    times = {key: [] for key in opts}
    order = list(builds)
    for _ in range(a.rounds):
        for name in a.rules:
            random.shuffle(order)
            for b in order:
                o = opts[(name, b)]
                t = time.perf_counter()
                for _ in range(a.steps):
                    o.step()
                times[(name, b)].append((time.perf_counter() - t) / a.steps / n * 1e9)
    print(f"# {n} elements, 1 thread, {a.steps} steps x {a.rounds} interleaved rounds, median ns/element")
    first = next(iter(builds))
    for name in a.rules:
        rule = next(iter(builds.values())).resolve(name)
        cols = []
        for b in builds:
            med = np.median(times[(name, b)])
            ratio = med / np.median(times[(name, first)])
            cols.append(f"{med:.3f}" + (f" ({ratio:.3f}x)" if len(builds) > 1 else ""))
        print(f"{name:12s} {rule:32s} " + "  ".join(cols))
    if len(builds) > 1:
        print("# columns: " + ", ".join(builds) + "; (x) = median against the first build's")


if __name__ == "__main__":
    main()
