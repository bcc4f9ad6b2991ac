"""Merge nos-transfer study directories that differ only in their optimizers into one directory,
which `nos-transfer report` (or the same command with every optimizer) then treats as one study:
one table, one set of curves.

A study is one process; to use several cores, run the optimizers as separate studies with the same
settings and merge them:

    /usr/bin/python3 apps/transfer/results/merge_studies.py OUT DIR1 DIR2 [...]
    nos-transfer report OUT

Refuses directories whose settings (anything but the optimizers and their rate ranges) differ,
and an optimizer that two of them ran.
"""
import json
import os
import sys

PER_STUDY = ("optimizers", "lr_ranges")


def main(out, dirs):
    configs = [json.load(open(os.path.join(d, "config.json"), encoding="utf-8")) for d in dirs]
    merged = dict(configs[0])
    merged["optimizers"], merged["lr_ranges"] = [], {}
    for d, c in zip(dirs, configs):
        differ = sorted(k for k in set(c) | set(configs[0]) if k not in PER_STUDY and c.get(k) != configs[0].get(k))
        if differ:
            sys.exit(f"merge_studies: {d} differs from {dirs[0]} in {', '.join(differ)}")
        for o in c["optimizers"]:
            if any(o["name"] == m["name"] for m in merged["optimizers"]):
                sys.exit(f"merge_studies: optimizer {o['name']} is in more than one directory")
            merged["optimizers"].append(o)
        merged["lr_ranges"].update(c["lr_ranges"])
    os.makedirs(out, exist_ok=True)
    if os.path.exists(os.path.join(out, "runs.jsonl")):
        sys.exit(f"merge_studies: {out} already holds a study")
    with open(os.path.join(out, "config.json"), "w", encoding="utf-8") as f:
        json.dump(merged, f, indent=2, sort_keys=True)
        f.write("\n")
    for name in ("runs.jsonl", "epochs.jsonl"):
        with open(os.path.join(out, name), "w", encoding="utf-8") as f:
            for d in dirs:
                if os.path.exists(os.path.join(d, name)):
                    f.write(open(os.path.join(d, name), encoding="utf-8").read())


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2:])
