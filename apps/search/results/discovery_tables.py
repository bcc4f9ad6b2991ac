"""The tables of the discovery run (discovery-2026-12-07.md) from its run directories alone.

    /usr/bin/python3 apps/search/results/discovery_tables.py apps/search/results/discovery-2026-12-07

Reads each strategy's config.json, evaluations.jsonl, promotions.jsonl and references.jsonl (the
files nos-search writes; see apps/search/README.md) and prints, in markdown:
  1. the yardstick: every reference at the last stage's seeds (the paper's protocol), mean +- std;
  2. the strategies at equal budget: proxy reward statistics and what reached the later stages;
  3. the finalists: each rule at the last stage's seeds against Adam's at the same seeds.
"""
import json
import math
import os
import statistics
import sys

STRATEGIES = ["controller", "evolution", "random"]


def jsonl(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def mean_std(xs):
    m = statistics.fmean(xs)
    return m, (statistics.stdev(xs) if len(xs) > 1 else float("nan"))


def fmt_ms(xs):
    m, s = mean_std(xs)
    return f"{m:.4f} ± {s:.4f}" if len(xs) > 1 else f"{m:.4f}"


def by_rule_and_seed(records, stage):
    """{canonical: {seed: record}} of one stage's records."""
    out = {}
    for r in records:
        if r.get("stage") == stage:
            out.setdefault(r["canonical"], {})[r["seed"]] = r
    return out


def main(root):
    runs = {s: os.path.join(root, s) for s in STRATEGIES if os.path.isdir(os.path.join(root, s))}
    if not runs:
        sys.exit(f"{root}: no run directory of {', '.join(STRATEGIES)}")
    cfg = json.load(open(os.path.join(next(iter(runs.values())), "config.json"), encoding="utf-8"))
    stages = [s.split(":")[0] for s in cfg["stages"]]
    last = stages[-1]
    seeds = [int(kv.split("=")[1]) for kv in cfg["stages"][-1].split(":")[1].split(",") if kv.startswith("seeds=")]
    nseeds = seeds[0] if seeds else 1

    # 1. The yardstick: references at the last stage (the same in every run: one score cache).
    refs = {}
    for s, d in runs.items():
        for r in jsonl(os.path.join(d, "references.jsonl")):
            if r.get("stage") == last:
                refs.setdefault(r["name"], {"infix": r["infix"], "seeds": {}})["seeds"][r["seed"]] = r
    print(f"## 1. Yardstick: the references at stage `{last}` ({nseeds} seeds)\n")
    print("| optimizer | rule | " + " | ".join(f"seed {k + cfg['reward_seed']}" for k in range(nseeds)) +
          " | mean ± std | best lr per seed |")
    print("|---|---|" + "---:|" * nseeds + "---:|---|")
    rows = []
    for name, ref in refs.items():
        xs = [ref["seeds"][k]["reward"] for k in range(nseeds) if k in ref["seeds"]]
        if len(xs) == nseeds:
            rows.append((statistics.fmean(xs), name, ref, xs))
    for _, name, ref, xs in sorted(rows, reverse=True):
        lrs = ", ".join(f"{ref['seeds'][k]['best_lr']:g}" for k in range(nseeds))
        print(f"| {name} | `{ref['infix']}` | " + " | ".join(f"{x:.4f}" for x in xs) + f" | {fmt_ms(xs)} | {lrs} |")
    adam = next((xs for _, n, _, xs in rows if n == "adam"), None)
    stds = [statistics.stdev(xs) for _, _, _, xs in rows if len(xs) > 1]
    pooled = math.sqrt(statistics.fmean([s * s for s in stds])) if stds else float("nan")
    print(f"\nPooled seed std of the references: {pooled:.4f}.\n")

    # 2. The strategies at equal budget.
    print("## 2. The strategies at equal budget\n")
    print("| strategy | samples | trained at the proxy | mean proxy reward | last quarter | best proxy | "
          + " | ".join(f"rules at `{s}`" for s in stages[1:]) + " | CPU hours (evaluations) |")
    print("|---|---:|---:|---:|---:|---:|" + "---:|" * (len(stages) - 1) + "---:|")
    finalists = []
    for s, d in runs.items():
        ev = jsonl(os.path.join(d, "evaluations.jsonl"))
        first = [e for e in ev if e.get("stage", stages[0]) == stages[0]]
        rewards = [e["reward"] for e in first]
        q = rewards[len(rewards) * 3 // 4:]
        trained = sum(1 for e in first if e.get("trained") and not e.get("cached"))
        promos = jsonl(os.path.join(d, "promotions.jsonl"))
        reached = [len(by_rule_and_seed(promos, st)) for st in stages[1:]]
        cpu = sum(e.get("cpu_seconds", 0.0) for e in ev if not e.get("cached")) + sum(
            p.get("cpu_seconds", 0.0) for p in promos if not p.get("cached"))
        print(f"| {s} | {len(first)} | {trained} | {statistics.fmean(rewards):.4f} | {statistics.fmean(q):.4f} | "
              f"{max(rewards):.4f} | " + " | ".join(str(n) for n in reached) + f" | {cpu / 3600:.2f} |")
        # A run that has not reached its last stage yet shows the stage before it.
        finals = by_rule_and_seed(promos, last) or by_rule_and_seed(promos, stages[max(len(stages) - 2, 0)])
        for canon, per_seed in finals.items():
            finalists.append((s, canon, per_seed[min(per_seed)], [per_seed[k]["reward"] for k in sorted(per_seed)]))

    # 3. The finalists against Adam at the same seeds.
    print(f"\n## 3. Finalists at stage `{last}` against Adam at the same seeds\n")
    print("| strategy | rule | canonical | seeds done | mean ± std | minus Adam's mean | standard error of the difference |")
    print("|---|---|---|---:|---:|---:|---:|")
    for s, canon, rec, xs in sorted(finalists, key=lambda f: -statistics.fmean(f[3])):
        diff = se = ""
        if adam and len(xs) == nseeds:
            diff = f"{statistics.fmean(xs) - statistics.fmean(adam):+.4f}"
            if len(xs) > 1:
                se = f"{math.sqrt(statistics.variance(xs) / len(xs) + statistics.variance(adam) / len(adam)):.4f}"
        print(f"| {s} | `{rec['infix']}` | `{canon}` | {len(xs)}/{nseeds} | {fmt_ms(xs)} | {diff} | {se} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "apps/search/results/discovery-2026-12-07")
