"""A/B of two source trees on the tokenize pipeline, whole processes, alternating rounds.

Usage::

    git -C . worktree add /tmp/base main          # the old code
    .venv/bin/python benchmarks/ab_trees.py --base /tmp/base --mb 50 --repeat 5

Each run is a fresh ``python`` process (:func:`wall.run_process`: wall from
launch to exit, CPU of the process and the workers it waited for) that puts
one tree first on ``sys.path`` and does what a user's script does:
``list(tm.tokens(tm.load_corpus(folder, lazy=True, clean=...), n_jobs=-1, cache=...))``.
Rows: ``noclean`` (``clean=False, cache=False``), ``clean`` (cleaning on,
``cache=False``), ``warm`` (the default call, each tree with its own cache
filled by one run first). Within a round the trees alternate (AB, then BA in
the next round), so a busy spell of the shared machine hits both alike; the
table gives medians and the median of the per-round ratios old / new. The
tokens are compared in untimed verification runs (a digest of every token).
Results: ``benchmarks/results/ab_trees.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from _common import import_textmine, serve_child, shutdown_workers  # noqa: E402

ROWS = {"noclean": {"clean": False, "cache": False}, "clean": {"clean": True, "cache": False},
        "warm": {"clean": True, "cache": True}}


def child_tree(tree: str, data: str, clean: bool, cache: bool, verify: bool = False) -> dict:
    """The user's call with ``tree``'s textmine: in-process seconds and CPU of this process (workers excluded)."""
    start, cpu = time.perf_counter(), time.process_time()
    tm = import_textmine(tree)
    corpus = tm.load_corpus(data, lazy=True, clean=clean)
    tokens = list(tm.tokens(corpus, n_jobs=-1, cache=cache))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    shutdown_workers()  # wait for the workers: their CPU time counts in this process's rusage
    out = {"seconds": seconds, "parent_cpu": cpu, "n_tokens": sum(map(len, tokens))}
    if verify:
        from run import digest
        from wall import corpus_digest

        out["digest"] = corpus_digest([digest(t) for t in tokens])
    return out


def main(argv: list[str] | None = None) -> int:
    if serve_child({"tree": child_tree}, argv):
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", type=Path, required=True, help="the old tree (a git worktree)")
    parser.add_argument("--new", type=Path, default=ROOT, help="the new tree (default: this one)")
    parser.add_argument("--mb", type=float, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rows", default="noclean,clean,warm")
    args = parser.parse_args(argv)
    from wall import BUNDLED_PROVINCES, build_provinces, run_process

    from textmine._io import write_text_atomic

    folder = build_provinces(args.mb, args.seed, BUNDLED_PROVINCES)
    trees = {"old": str(args.base.resolve()), "new": str(args.new.resolve())}
    rows = [r.strip() for r in args.rows.split(",") if r.strip()]
    scratch = Path(tempfile.mkdtemp(prefix="textmine-ab-"))
    me = Path(__file__).resolve()

    def run(row: str, name: str, **extra: object) -> dict:
        cache = scratch / (f"warm-{name}" if row == "warm" else f"cold-{name}")
        return run_process("tree", env={"TEXTMINE_CACHE_DIR": str(cache), "PYTHONWARNINGS": "ignore"}, script=me,
                           tree=trees[name], data=str(folder), **ROWS[row], **extra)

    result: dict = {"folder": str(folder), "trees": trees, "load_before": os.getloadavg(), "rows": {}}
    try:
        for name in trees:
            if "warm" in rows:
                run("warm", name)  # fills this tree's cache
        runs = {row: {name: [] for name in trees} for row in rows}
        for r in range(args.repeat):
            order = list(trees) if r % 2 == 0 else list(trees)[::-1]
            for row in rows:
                for name in order:
                    x = run(row, name)
                    runs[row][name].append(x)
                    print(f"round {r + 1} {row} {name}: wall {x['wall']:.2f}s CPU {x['cpu']:.2f}s "
                          f"parent CPU {x['parent_cpu']:.2f}s (load {x['load']:.1f})", flush=True)
        for row in rows:
            digests = {name: run(row, name, verify=True)["digest"] for name in trees}
            old, new = runs[row]["old"], runs[row]["new"]
            result["rows"][row] = {
                "identical_tokens": digests["old"] == digests["new"], "digests": digests,
                **{f"{k}_median_{n}": round(statistics.median(x[k] for x in runs[row][n]), 3)
                   for k in ("wall", "cpu", "parent_cpu", "seconds") for n in trees},
                **{f"{k}_ratio_old_new": round(statistics.median(a[k] / b[k] for a, b in zip(old, new)), 3)
                   for k in ("wall", "cpu", "parent_cpu", "seconds")},
                "runs": runs[row]}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    result["load_after"] = os.getloadavg()
    lines = [f"# A/B of two trees: {folder.name}, {args.repeat} alternating rounds, medians", "",
             f"old = `{trees['old']}`, new = `{trees['new']}`; load average {result['load_before'][0]:.1f} before, "
             f"{result['load_after'][0]:.1f} after.", "",
             "| row | wall old / new | ratio | CPU (with workers) old / new | ratio | parent CPU old / new | ratio "
             "| identical tokens |", "|---|---|---|---|---|---|---|---|"]
    for row, x in result["rows"].items():
        lines.append(" | ".join([f"| {row}"] + [
            f"{x[f'{k}_median_old']:.2f} / {x[f'{k}_median_new']:.2f} s | {x[f'{k}_ratio_old_new']:.2f}x"
            for k in ("wall", "cpu", "parent_cpu")] + [f"{x['identical_tokens']} |"]))
    write_text_atomic(ROOT / "benchmarks" / "results" / "ab_trees.json", json.dumps(result, indent=2) + "\n")
    write_text_atomic(ROOT / "benchmarks" / "results" / "ab_trees.md", "\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0 if all(x["identical_tokens"] for x in result["rows"].values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
