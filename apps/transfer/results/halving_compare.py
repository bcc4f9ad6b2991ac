#!/usr/bin/env python3
"""Compares a halving study with the full sweep of the same settings (nos-transfer --halving).

  halving_compare.py FULL_DIR HALVING_DIR

Reads both runs.jsonl and table.csv; prints, in Markdown: both tables side by side (selected rate,
best validation, test at the best-validation epoch), whether each whole run of the halving study is
bit for bit the full sweep's run at the same key, where halving stopped the full sweep's best rate,
and the cost of each (runs, steps, seconds and CPU seconds summed over runs).
"""
import csv
import json
import sys
from collections import defaultdict


def records(d):
    with open(f"{d}/runs.jsonl") as f:
        return [json.loads(line) for line in f if line.strip()]


def table(d):
    with open(f"{d}/table.csv") as f:
        return {r["optimizer"]: r for r in csv.DictReader(f)}


def best_val(rec):
    return max(e["val"] for e in rec["epochs"]) if rec["epochs"] and not rec["diverged"] else float("nan")


def key(rec, steps=None):
    k = rec["key"]
    return (k["optimizer"], k["lr"], k["eps"], k["repeat"], k.get("steps", 0) if steps is None else steps)


def main(full_dir, halving_dir):
    full, halv = records(full_dir), records(halving_dir)
    tf, th = table(full_dir), table(halving_dir)
    # Only optimizers the full sweep finished (all the rates the halving study tried): a full sweep
    # stopped early for time compares on that subset, which per-optimizer halving makes exact.
    rates_of = lambda recs, name: {r["key"]["lr"] for r in recs if r["key"]["optimizer"] == name}
    done = [n for n in th if n in tf and rates_of(full, n) == rates_of(halv, n)]
    if len(done) < len(th):
        print(f"Compared: {', '.join(done)} (the full sweep did not finish {', '.join(n for n in th if n not in done)}).\n")
    tf = {n: tf[n] for n in done}
    full = [r for r in full if r["key"]["optimizer"] in done]
    halv = [r for r in halv if r["key"]["optimizer"] in done]
    by_key = {key(r): r for r in full}
    total = max(r.get("total_steps", 0) for r in full)

    print("| optimizer | full: lr | best val % | test at best val % | halving: lr | best val % | test at best val % | same rate |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    same = 0
    for name, f in tf.items():
        h = th[name]
        s = float(f["lr"]) == float(h["lr"])
        same += s
        print(f"| {name} | {float(f['lr']):g} | {float(f['best val %']):.2f} | {float(f['test at best val %']):.2f} "
              f"| {float(h['lr']):g} | {float(h['best val %']):.2f} | {float(h['test at best val %']):.2f} "
              f"| {'yes' if s else '**no**'} |")
    print(f"\n{same} of {len(tf)} optimizers: the same rate.")

    # The full sweep's ranking of optimizers by best validation, and the halving table's.
    rank = lambda t: [n for n, _ in sorted(t.items(), key=lambda kv: -float(kv[1]["best val %"]))]
    print(f"\nOrder by best val %: full {', '.join(rank(tf))}; halving {', '.join(rank({n: th[n] for n in done}))}.")

    # Whole runs of the halving study against the full sweep's runs at the same key.
    identical = differ = 0
    for r in halv:
        if r["key"].get("steps", 0):
            continue
        f = by_key[key(r)]
        strip = lambda rec: [(e["epoch"], e["train"], e["val"], e["test"]) for e in rec["epochs"]]
        if strip(r) == strip(f):
            identical += 1
        else:
            differ += 1
            print(f"\nwhole run {key(r)} differs from the full sweep's: {strip(r)} vs {strip(f)}")
    print(f"\nWhole runs identical to the full sweep's (every epoch's train loss, val, test): {identical}, differing: {differ}.")

    # Where the full sweep's best rate of each optimizer was stopped, and its scores at each rung.
    print("\n| optimizer | full sweep's best lr | its best val % at each rung (halving study) | halving kept it? |")
    print("|---|---:|---|---|")
    steps_of = defaultdict(dict)
    for r in halv:
        steps_of[(r["key"]["optimizer"], r["key"]["lr"])][r["key"].get("steps", 0) or total] = best_val(r)
    for name, f in tf.items():
        lr = float(f["lr"])
        at = steps_of[(name, lr)]
        rungs = ", ".join(f"{s} steps: {100 * v:.2f}" for s, v in sorted(at.items()))
        print(f"| {name} | {lr:g} | {rungs} | {'yes' if total in at else '**stopped at ' + str(max(at)) + ' steps**'} |")

    def cost(recs):
        steps = sum(r["key"].get("steps", 0) or r["total_steps"] for r in recs)
        return len(recs), steps, sum(r["seconds"] for r in recs), sum(r.get("cpu_seconds", 0) for r in recs)

    fc, hc = cost(full), cost(halv)
    print("\n| study | runs | steps | seconds (sum over runs) | CPU seconds (sum over runs) |")
    print("|---|---:|---:|---:|---:|")
    print(f"| full sweep | {fc[0]} | {fc[1]} | {fc[2]:.0f} | {fc[3]:.0f} |")
    print(f"| halving | {hc[0]} | {hc[1]} | {hc[2]:.0f} | {hc[3]:.0f} |")
    print(f"| halving / full | {hc[0] / fc[0]:.2f} | {hc[1] / fc[1]:.3f} | {hc[2] / fc[2]:.3f} | {hc[3] / fc[3]:.3f} |")
    per_rung = defaultdict(lambda: [0, 0.0])
    for r in halv:
        s = r["key"].get("steps", 0) or r["total_steps"]
        per_rung[s][0] += 1
        per_rung[s][1] += r.get("cpu_seconds", 0)
    print("\nHalving by rung: " + "; ".join(f"{s} steps: {n} runs, {c:.0f} CPU s ({c / n:.0f} a run)"
                                           for s, (n, c) in sorted(per_rung.items())) + ".")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
