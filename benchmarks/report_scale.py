"""Does ``python -m textmine.report`` stay within a memory budget on large corpora? (issue #18, item 4)

Runs the report, each run in a fresh process, on

- the bundled corpus (11 documents: the baseline of the same run),
- 5,000 documents (``--docs``), and
- a prefecture-level panel of 300 places × 20 years (``--places``, ``--years``),

the generated documents being reshuffled paragraphs of the bundled reports (fixed
``--seed``, ``--chars`` characters each), and measures wall time and the peak of the
**summed** resident memory of the report process and all its worker processes (sampled
every 50 ms from ``/proc``), plus the pixel size of the largest PNG written. The budget
is 1 GB summed over processes. Timings on a shared machine are noisy: compare the
ratios to the baseline of the same run.

::

    python benchmarks/report_scale.py             # writes benchmarks/results/report_scale.{json,md}
    python benchmarks/report_scale.py --quick     # 500 documents and 30 × 5: a smoke run
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
from pathlib import Path

from _common import run_textmine_report

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
BUDGET_MB = 1024


def build(folder: Path, rows: list[dict], seed: int, chars: tuple[int, int]) -> Path:
    """A corpus folder: one .txt per row (reshuffled paragraphs of the bundled reports) + metadata.csv."""
    import pandas as pd

    from textmine.corpus import load_corpus

    folder.mkdir(parents=True, exist_ok=True)
    paragraphs = [p for doc in load_corpus() for p in doc.text.split("\n") if len(p.strip()) > 20]
    rng = random.Random(seed)
    for row in rows:
        size, parts, n = rng.randint(*chars), [], 0
        while n < size:
            parts.append(rng.choice(paragraphs))
            n += len(parts[-1]) + 1
        (folder / row["file"]).write_text("\n".join(parts) + "\n", encoding="utf-8")
    pd.DataFrame(rows).to_csv(folder / "metadata.csv", index=False, encoding="utf-8-sig")
    return folder


def many_documents(folder: Path, n: int, seed: int, chars: tuple[int, int]) -> Path:
    rng = random.Random(seed + 1)
    provinces = ["山东省", "福建省", "辽宁省", "河南省", "浙江省", "广东省", "四川省", "湖北省"]
    rows = [{"file": f"d{i:05d}.txt", "doc_id": f"d{i:05d}", "place": f"城市{i % 400:03d}",
             "province": provinces[i % len(provinces)], "level": "地级市", "rank": "地级市",
             "year": rng.randint(2005, 2024), "doctype": "report"} for i in range(n)]
    return build(folder, rows, seed, chars)


def panel(folder: Path, places: int, years: int, seed: int, chars: tuple[int, int]) -> Path:
    provinces = ["山东省", "福建省", "辽宁省", "河南省", "浙江省", "广东省", "四川省", "湖北省"]
    rows = [{"file": f"p{p:03d}_{y}.txt", "doc_id": f"p{p:03d}_{y}", "place": f"城市{p:03d}",
             "province": provinces[p % len(provinces)], "level": "地级市", "rank": "地级市", "year": y,
             "doctype": "report"} for p in range(places) for y in range(2024 - years + 1, 2025)]
    return build(folder, rows, seed, chars)


def run_report(corpus: Path | None, out: Path, cache: Path) -> dict:
    """Wall time, peak summed RSS (MB) and the largest PNG of one ``python -m textmine.report`` run."""
    from PIL import Image

    run = run_textmine_report(["--out", str(out)] + ([] if corpus is None else ["--corpus", str(corpus)]), cache,
                              sample=True)
    sizes = {p.name: Image.open(p).size for p in out.glob("*.png")}
    largest = max(sizes.items(), key=lambda kv: kv[1][0] * kv[1][1])
    return {"seconds": round(run.wall, 1), "peak_mb": round(run.tree.peak_kb / 1024, 1),
            "max_processes": run.tree.max_processes, "largest_png": f"{largest[0]} {largest[1][0]}×{largest[1][1]}",
            "files_mb": round(sum(p.stat().st_size for p in out.iterdir() if p.is_file()) / 1e6, 1),
            "last_line": run.last_line}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--docs", type=int, default=5000)
    p.add_argument("--places", type=int, default=300)
    p.add_argument("--years", type=int, default=20)
    p.add_argument("--chars", type=int, nargs=2, default=(2000, 6000), metavar=("MIN", "MAX"),
                   help="characters per generated document (default: 2000 6000)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true", help="500 documents and a 30 × 5 panel")
    args = p.parse_args(argv)
    if args.quick:
        args.docs, args.places, args.years = 500, 30, 5
    scratch = Path(tempfile.mkdtemp(prefix="textmine-report-scale-"))
    results = {}
    try:
        runs = [("bundled corpus (11 documents), baseline", None),
                (f"{args.docs:,} documents", many_documents(scratch / "docs", args.docs, args.seed, tuple(args.chars))),
                (f"panel: {args.places} places × {args.years} years",
                 panel(scratch / "panel", args.places, args.years, args.seed, tuple(args.chars)))]
        for name, corpus in runs:
            print(f"{name} ...", file=sys.stderr, flush=True)
            results[name] = run_report(corpus, scratch / f"out{len(results)}", scratch / f"cache{len(results)}")
            print(f"  {results[name]}", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    base = next(iter(results.values()))
    lines = ["# `python -m textmine.report` on large corpora: time and peak memory", "",
             f"Generated documents: reshuffled paragraphs of the bundled reports, {args.chars[0]:,}–{args.chars[1]:,} "
             f"characters each, seed {args.seed}. Each run in a fresh process with an empty token cache; peak memory "
             f"= the largest sum of resident memory over the report process and its workers (sampled every 50 ms). "
             f"Budget: {BUDGET_MB:,} MB. Shared 2-core machine: timings are noisy, read them against the baseline.", "",
             "| corpus | time | × baseline | peak memory (all processes) | within budget | processes | largest PNG |",
             "|---|---|---|---|---|---|---|"]
    for name, r in results.items():
        lines.append(f"| {name} | {r['seconds']:.1f} s | {r['seconds'] / base['seconds']:.1f}× | {r['peak_mb']:,.0f} MB | "
                     f"{'yes' if r['peak_mb'] < BUDGET_MB else '**no**'} | {r['max_processes']} | {r['largest_png']} |")
    suffix = "_quick" if args.quick else ""
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"report_scale{suffix}.json").write_text(json.dumps({"args": vars(args), "results": results},
                                                                   ensure_ascii=False, indent=1) + "\n",
                                                        encoding="utf-8")
    (RESULTS / f"report_scale{suffix}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0 if all(r["peak_mb"] < BUDGET_MB for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
