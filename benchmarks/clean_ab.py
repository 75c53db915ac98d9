"""Cleaning speed, this tree against another (A/B): ``clean()`` on one core and the tokens run with and without it.

Usage::

    git worktree add /tmp/base main           # the code to compare with
    .venv/bin/python benchmarks/clean_ab.py --base /tmp/base --data benchmarks/data/provinces_50mb_seed0
    .venv/bin/python benchmarks/clean_ab.py --base /tmp/base --rounds 5 --runs rate

Every measurement is a fresh process started by each tree's own ``benchmarks/wall.py``
(its children ``clean_rate`` and ``textmine``, the official measures), with that tree's
textmine first on the path of the process and of its workers. Rounds alternate the
trees (A B, then B A, ...), so a busy period of the shared machine hits both alike; the
summary gives medians of CPU seconds (the process and the workers it waited for) and
the ratio base/this, with the load average of every run. The runs:

``rate``
    ``clean()`` over every file of the corpus on one core: CPU seconds, MB/s of UTF-8 input;
``on`` / ``off``
    ``tm.tokens(tm.load_corpus(folder, lazy=True), n_jobs=-1, cache=False)`` with
    cleaning (the default) and with ``clean=False``; ``on - off`` per round is what
    cleaning costs the whole run. The token digests of the two trees must agree.

``--data`` defaults to the 50 MB provincial corpus of ``wall.py``, built if missing.
Nothing is written but the corpus (and the engine cache in a temporary folder, filled by
one untimed run of each tree first).
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import statistics
import sys
import tempfile
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
RUNS = ("rate", "on", "off")


def wall_of(tree: Path) -> ModuleType:
    """The ``benchmarks/wall.py`` module of a source tree (its ``run_process`` starts that tree's children)."""
    sys.modules.pop("_common", None)  # a tree's wall.py imports its own benchmarks/_common.py, if it has one
    spec = importlib.util.spec_from_file_location(f"wall_{abs(hash(str(tree)))}", tree / "benchmarks" / "wall.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def measure(wall: ModuleType, tree: Path, run: str, data: Path, cache: str, verify: bool = False) -> dict:
    """One fresh process of ``tree`` doing ``run``: CPU seconds and what the child reports.

    ``verify``: an untimed run that also hashes every token (a tree whose ``wall.py`` predates
    the ``verify`` option hashes them in every run).
    """
    env = {"PYTHONPATH": str(tree), "TEXTMINE_CACHE_DIR": cache, "PYTHONWARNINGS": "ignore"}
    if run == "rate":
        out = wall.run_process("clean_rate", env=env, data=str(data))
        return {"cpu": out["cpu_seconds"], "mb_per_s": out["mb_per_s"], "load": out["load"]}
    options = {"verify": True} if verify and "verify" in inspect.signature(wall.child_textmine).parameters else {}
    out = wall.run_process("textmine", env=env, data=str(data), clean=run == "on", cache=False, **options)
    return {"cpu": out["cpu"], "digest": out.get("digest"), "load": out["load"]}


def summary(results: dict[tuple[str, str], list[dict]], runs: list[str], digests: dict[tuple[str, str], str]) -> list[str]:
    """Medians per tree and run, the ratio base/this, and cleaning's cost in the tokens run."""
    lines = []
    for run in runs:
        base, this = (statistics.median(r["cpu"] for r in results[(t, run)]) for t in ("base", "this"))
        lines.append(f"{run}: median CPU base {base:.3f} s, this {this:.3f} s, base/this {base / this:.3f}")
    if {"on", "off"} <= set(runs):
        for tree in ("base", "this"):
            cost = [round(a["cpu"] - b["cpu"], 2) for a, b in zip(results[(tree, "on")], results[(tree, "off")])]
            lines.append(f"{tree}: on - off per round {cost}, median {statistics.median(cost):.2f} s")
        on, off = ({digests[(t, run)] for t in ("base", "this")} for run in ("on", "off"))
        lines.append(f"token digests (untimed runs): {len(on)} distinct with cleaning, {len(off)} without "
                     "(1 and 1: both trees give the same tokens)")
    loads = [r["load"] for rs in results.values() for r in rs]
    lines.append(f"load average during the runs: {min(loads):.2f}-{max(loads):.2f}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", type=Path, required=True, help="the other source tree of textmine")
    parser.add_argument("--data", type=Path, help="corpus folder (default: wall.py's 50 MB provincial corpus)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--runs", default=",".join(RUNS), help="comma-separated, of rate,on,off (default all)")
    args = parser.parse_args(argv)
    runs = [r for r in args.runs.split(",") if r]
    if not runs or set(runs) - set(RUNS):
        parser.error(f"--runs takes {','.join(RUNS)}")
    trees = {"base": args.base.resolve(), "this": ROOT}
    walls = {name: wall_of(tree) for name, tree in trees.items()}
    wall = walls["this"]
    source = wall.BUNDLED_PROVINCES if any(wall.BUNDLED_PROVINCES.glob("*.csv")) else wall.SHARED_PROVINCES
    data = args.data.resolve() if args.data else wall.build_provinces(50, 0, source)  # children run in their tree
    results: dict[tuple[str, str], list[dict]] = {(t, r): [] for t in trees for r in runs}
    with tempfile.TemporaryDirectory(prefix="clean_ab_") as cache:
        digests: dict[tuple[str, str], str] = {}  # untimed: the tokens of each tree (the first run writes the engine cache)
        for name in trees:
            for run in sorted({"on", "off"} & set(runs)):
                digests[(name, run)] = measure(walls[name], trees[name], run, data, cache, verify=True)["digest"]
        for k in range(args.rounds):
            for name in (("base", "this") if k % 2 == 0 else ("this", "base")):
                for run in runs:
                    out = measure(walls[name], trees[name], run, data, cache)
                    results[(name, run)].append(out)
                    print(f"round {k} {name} {run}: {out}", flush=True)
    print("\n".join(summary(results, runs, digests)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
