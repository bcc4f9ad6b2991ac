"""A rule's compute cost without memory traffic: ns per element of its JIT kernel on one thread over
16,384 elements (every buffer in L1/L2), median of interleaved rounds.

Next to nos-bench-jit's 16M-parameter table it says whether a rule is compute- or memory-bound: at
the 2-core interleaved bandwidth reference a 20-byte-per-element rule has ~0.7-0.8 ns per element
per core to spend (bench/results-2026-12-07-zen3-jit.md).

    PYTHONPATH=build/release/python taskset -c 1 /usr/bin/python3 bench/jit/bench_compute.py [RULE ...]
"""
import sys
import time

import numpy as np

import nos

DEFAULT = ["sgd", "powersign", "t1_06", "t1_07", "t1_12", "t1_13", "t1_15", "t1_16"]


def main(names):
    n, steps, rounds = 1 << 14, 400, 7
    rng = np.random.default_rng(0)
    opts = {}
    for name in names:
        o = nos.Optimizer(nos.resolve(name), lr=1e-4, threads=1)
        # add() keeps both arrays alive as long as the optimizer.
        o.add((rng.standard_normal(n) * 0.05).astype(np.float32), (rng.standard_normal(n) * 0.01).astype(np.float32))
        o.step()
        opts[name] = o
    times = {name: [] for name in names}
    for _ in range(rounds):
        for name, o in opts.items():
            t = time.perf_counter()
            for _ in range(steps):
                o.step()
            times[name].append((time.perf_counter() - t) / steps / n * 1e9)
    print(f"# {n} elements, 1 thread, {steps} steps x {rounds} interleaved rounds, median ns/element")
    for name in names:
        print(f"{name:12s} {nos.resolve(name):32s} {np.median(times[name]):.3f}")


if __name__ == "__main__":
    main(sys.argv[1:] or DEFAULT)
