"""Time textmine as a user runs it: whole processes, default settings, cleaning on.

Usage::

    .venv/bin/python benchmarks/wall.py             # 50 MB, 3 alternating rounds (make bench)
    .venv/bin/python benchmarks/wall.py --quick     # 3 MB, 1 round -> results/wall_quick.*
    .venv/bin/python benchmarks/wall.py --mb 20 --repeat 5 --corpora provinces

Each corpus is a folder of ``.txt`` files plus ``metadata.csv`` in
``benchmarks/data/`` (git-ignored, rebuilt when missing), documents of
5,000-60,000 characters made of reshuffled paragraphs (fixed ``--seed``):

* ``provinces``: lines of the *raw* 2026 provincial government work reports
  (``seeds/provinces2026/*.csv``, column ``full_text``; ``--source`` points
  elsewhere), web furniture and hard line breaks included, so cleaning has the
  work it has on real downloads;
* ``seeds``: the corpus of ``benchmarks/run.py`` (paragraphs of the cleaned
  bundled reports).

Every measurement is a fresh ``python`` process started by this script, timed
from launch to exit (wall), with the CPU time of the process and of every
worker it waited for (``os.wait4``), and the peak of the summed resident
memory of the process tree (sampled every 50 ms). The process also reports
the in-process time of its main call, the figure ``benchmarks/run.py`` gives.
A timed run does what a user's script does and nothing more: the tokens are
checked in separate, untimed verification runs of the same calls, which
then hash every token (before 2026-12-03 every timed run hashed its tokens
before exiting, about 0.3 s of the warm run's wall time and of every row's).
Children run with bytecode caching on, as a user's Python does
(:func:`_common.child_env`), and the warm-up run waits until a just-built corpus is
two seconds old, so that it leaves a bundle for the warm rows to read.
Rounds alternate the runs (jieba, textmine, textmine without cleaning, ...),
so a busy period of the shared machine hits all of them alike; the table
gives medians and the ratios of medians, and the load average is recorded
with every run.

The runs:

``jieba``
    the researcher's loop: a private ``jieba.Tokenizer`` with the same policy
    terms and frequencies as textmine, one ``lcut(text, HMM=False)`` per
    file, textmine's token filters (code of ``benchmarks/run.py``);
``textmine``
    ``tm.tokens(tm.load_corpus(folder, lazy=True), n_jobs=-1, cache=False)``,
    every token list built: default settings, so cleaning runs (in the workers);
``textmine_noclean``
    the same with ``clean=False``: identical tokens to the jieba loop (checked);
``textmine_warm``
    the default call with ``cache=True`` after one run filled the cache.

Also, in one process, the cleaning pipeline's rate on one core
(``clean()`` over every file, CPU time) and a worker's start
(``Tokenizer()`` engine load in a fresh process).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _common import child_cmd, child_env, median, run_timed, serve_child  # noqa: E402

DATA = ROOT / "benchmarks" / "data"
RESULTS = ROOT / "benchmarks" / "results"
DOC_CHARS = (5_000, 60_000)
BUNDLED_PROVINCES = ROOT / "seeds" / "provinces2026"
SHARED_PROVINCES = Path("/work/shared/corpora/provinces2026")


# ---------------------------------------------------------------------------
# corpora


def province_lines(source: Path) -> list[tuple[str, list[str]]]:
    """(province, non-blank raw lines) of every report in the CSV files of ``source``."""
    csv.field_size_limit(1 << 30)
    out = []
    for path in sorted(source.glob("*.csv")):
        with open(path, encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                lines = [x for x in row["full_text"].replace("\r\n", "\n").split("\n") if x.strip()]
                out.append((row.get("province") or path.stem, lines))
    if not out:
        raise SystemExit(f"no provincial reports (*.csv with a full_text column) in {source}")
    return out


def build_provinces(mb: float, seed: int, source: Path) -> Path:
    """``benchmarks/data/provinces_<mb>mb_seed<seed>/``: reshuffled raw lines of the provincial reports."""
    from textmine._io import write_csv_atomic, write_text_atomic
    from textmine.gazetteer import lookup as lookup_place  # rank 自治区 for the five regions

    folder = DATA / f"provinces_{mb:g}mb_seed{seed}"
    stamp = folder / "corpus.json"
    if stamp.is_file():
        return folder
    import pandas as pd

    if folder.exists():
        shutil.rmtree(folder)
    reports = province_lines(source)
    lines = [line for _, ls in reports for line in ls]
    rng = random.Random(seed)
    target, total, rows = int(mb * 1_000_000), 0, []
    while total < target:
        size = rng.randint(*DOC_CHARS)
        province = rng.choice(reports)[0]
        parts, n = [], 0
        while n < size:
            parts.append(rng.choice(lines))
            n += len(parts[-1]) + 1
        text = "\n".join(parts) + "\n"
        name = f"p{len(rows):06d}.txt"
        write_text_atomic(folder / name, text)
        rows.append({"file": name, "doc_id": name[:-4], "place": province, "province": province, "level": "省级",
                     "rank": lookup_place(province).rank, "year": rng.randint(2001, 2026),
                     "doctype": "report", "source": "synthetic: reshuffled lines of the 2026 provincial reports",
                     "notes": ""})
        total += len(text.encode("utf-8"))
    write_csv_atomic(pd.DataFrame(rows), folder / "metadata.csv")
    write_text_atomic(stamp, json.dumps({"mb": mb, "seed": seed, "n_docs": len(rows), "bytes": total}) + "\n")
    return folder


def build(name: str, args: argparse.Namespace) -> Path:
    if name == "provinces":
        return build_provinces(args.mb, args.seed, args.source)
    from run import build_corpus

    return build_corpus(args.mb, args.seed)


def corpus_files(folder: Path) -> list[Path]:
    with open(folder / "metadata.csv", encoding="utf-8-sig", newline="") as fh:
        return [folder / row["file"] for row in csv.DictReader(fh)]


# ---------------------------------------------------------------------------
# children: what a user's script does; the result as JSON on the last line of stdout


def child_jieba(data: str, verify: bool = False) -> dict:
    """The jieba loop; ``verify``: also the digest of every token (a verification run, not timed)."""
    from run import child_jieba as loop

    out = loop(data, 0, digests=verify)
    if verify:
        out["digest"] = corpus_digest(out.pop("digests"))
    return out


def child_textmine(data: str, clean: bool, cache: bool, verify: bool = False) -> dict:
    """What a user's script does; ``verify``: also the digest of every token (a verification run, not timed)."""
    import textmine as tm

    start = time.perf_counter()
    corpus = tm.load_corpus(data, lazy=True, clean=clean)
    tokens = list(tm.tokens(corpus, n_jobs=-1, cache=cache))
    seconds = time.perf_counter() - start
    from textmine._parallel import release_workers

    release_workers()  # wait for the workers, so their CPU time counts in this process's rusage
    out = {"seconds": seconds, "n_docs": len(tokens), "n_tokens": sum(map(len, tokens))}
    if verify:
        from run import digest

        out["digest"] = corpus_digest([digest(t) for t in tokens])
    return out


def corpus_digest(digests: list[str]) -> str:
    """One digest of the per-document token digests, in corpus order."""
    import hashlib

    return hashlib.sha256("".join(digests).encode()).hexdigest()[:16]


def child_clean_rate(data: str) -> dict:
    """``clean()`` over every file, on one core: CPU seconds and MB/s of UTF-8 input."""
    from textmine.cleaning import clean

    texts = [p.read_text(encoding="utf-8") for p in corpus_files(Path(data))]
    clean("预热")
    size = sum(len(t.encode("utf-8")) for t in texts)
    best = float("inf")
    for _ in range(2):
        cpu = time.process_time()
        for t in texts:
            clean(t)
        best = min(best, time.process_time() - cpu)
    return {"cpu_seconds": round(best, 3), "mb": size / 1e6, "mb_per_s": round(size / 1e6 / best, 1)}


def child_engine_load() -> dict:
    """What a worker does before its first document: import, then build the engine."""
    start, cpu = time.perf_counter(), time.process_time()
    import numpy  # noqa: F401 - a worker holds ids in numpy arrays

    from textmine.tokenize import Tokenizer, stream  # noqa: F401 - what a worker imports

    tok = Tokenizer()
    imported, imported_cpu = time.perf_counter(), time.process_time()
    tok.cut("预热")
    return {"import_seconds": round(imported - start, 3), "engine_seconds": round(time.perf_counter() - imported, 3),
            "import_cpu": round(imported_cpu - cpu, 3), "engine_cpu": round(time.process_time() - imported_cpu, 3),
            "engine": tok.engine_name}


CHILDREN = {"jieba": child_jieba, "textmine": child_textmine, "clean_rate": child_clean_rate,
            "engine_load": child_engine_load}


# ---------------------------------------------------------------------------
# the parent: launch, time, sample memory


def run_process(child: str, env: dict[str, str] | None = None, script: Path | None = None, **kwargs: Any) -> dict:
    """Launch ``CHILDREN[child](**kwargs)`` of ``script`` (default: this file) in a fresh interpreter.

    Returns wall, CPU (with waited-for workers), peak tree RSS, the load
    average at launch, and what the child printed as JSON.
    """
    load = os.getloadavg()[0]
    cmd = child_cmd(script or Path(__file__).resolve(), child, kwargs)
    run = run_timed(cmd, child_env(env, bytecode=True), ROOT, f"{child} {kwargs}", sample=True)
    return {"wall": round(run.wall, 3), "cpu": round(run.cpu, 2), "peak_tree_mb": round(run.tree.peak_kb / 1024, 1),
            "load": round(load, 2), **run.result}


# ---------------------------------------------------------------------------
# the run


#: The timed runs of a round, in order: (row, child, its arguments).
ROWS = (("jieba", "jieba", {}),
        ("textmine", "textmine", {"clean": True, "cache": False}),
        ("textmine_noclean", "textmine", {"clean": False, "cache": False}),
        ("textmine_warm", "textmine", {"clean": True, "cache": True}))


def bench_corpus(name: str, folder: Path, args: argparse.Namespace, log) -> dict:
    info = json.loads((folder / "corpus.json").read_text())
    log(f"{name}: {folder.relative_to(ROOT)}, {info['n_docs']} files, {info['bytes'] / 1e6:.1f} MB")
    runs: dict[str, list[dict]] = {k: [] for k in ("jieba", "textmine", "textmine_noclean", "textmine_warm")}
    scratch = Path(tempfile.mkdtemp(prefix="textmine-wall-"))
    try:
        warm_cache = scratch / "warm"
        from textmine.tokenize.stream import RECENT_SECONDS

        age = time.time() - (folder / "corpus.json").stat().st_mtime  # written last, when the corpus was built
        time.sleep(max(0.0, RECENT_SECONDS + 0.1 - age))  # files changed just now get no bundle: no warm run
        run_process("textmine", env={"TEXTMINE_CACHE_DIR": str(warm_cache)}, data=str(folder), clean=True,
                    cache=True)  # fills the cache of the warm rows
        for r in range(args.repeat):
            env = {"TEXTMINE_CACHE_DIR": str(scratch / f"engines{r}")}  # engine tables only (cache=False)
            for key, child, kwargs in ROWS:
                e = {"TEXTMINE_CACHE_DIR": str(warm_cache)} if key == "textmine_warm" else env
                runs[key].append(run_process(child, env=e, data=str(folder), **kwargs))
                x = runs[key][-1]
                log(f"  round {r + 1} {key}: wall {x['wall']:.2f}s, CPU {x['cpu']:.1f}s, "
                    f"in-process {x['seconds']:.2f}s, peak {x['peak_tree_mb']:.0f} MB (load {x['load']:.1f})")
        digests = {}  # untimed verification runs: the same calls, then a digest of every token
        for key, child, kwargs in ROWS:
            e = {"TEXTMINE_CACHE_DIR": str(warm_cache if key == "textmine_warm" else scratch / "verify")}
            digests[key] = run_process(child, env=e, data=str(folder), verify=True, **kwargs)["digest"]
        log(f"  token digests (verification runs): {digests}")
        clean_rate = run_process("clean_rate", data=str(folder))
        log(f"  clean(): {clean_rate['mb_per_s']} MB/s on one core")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    base = median(runs["jieba"], "wall")
    rows = {}
    for key, rs in runs.items():
        rows[key] = {"wall_median": round(median(rs, "wall"), 3), "cpu_median": round(median(rs, "cpu"), 2),
                     "in_process_median": round(median(rs, "seconds"), 3),
                     "peak_tree_mb_max": max(x["peak_tree_mb"] for x in rs),
                     "ratio_vs_jieba_wall": round(base / median(rs, "wall"), 1),
                     "ratio_vs_jieba_cpu": round(median(runs["jieba"], "cpu") / median(rs, "cpu"), 1),
                     "ratio_vs_jieba_in_process": round(median(runs["jieba"], "seconds") / median(rs, "seconds"), 1),
                     "runs": rs}
    return {"folder": str(folder.relative_to(ROOT)), "mb": info["bytes"] / 1e6, "n_docs": info["n_docs"],
            "rows": rows, "digests": digests,
            "identical_tokens_noclean_vs_jieba": digests["jieba"] == digests["textmine_noclean"],
            "identical_tokens_cold_vs_warm": digests["textmine"] == digests["textmine_warm"], "clean_rate": clean_rate}


def summary(result: dict) -> str:
    m = result["machine"]
    lines = ["# textmine as a user runs it: whole processes", "",
             f"Machine: {m['cpu']}, {m['cores_usable']} cores, {m['ram_gb']} GB RAM, Python {m['python']}; "
             f"shared with other jobs: load average {result['load_before'][0]:.1f} before, "
             f"{result['load_after'][0]:.1f} after (each run's load is in `{result['stem']}.json`). "
             f"{result['repeat']} alternating rounds, medians; each run a fresh `python` process timed from "
             "launch to exit (wall), CPU of the process and its workers (`os.wait4`), peak summed RSS of the "
             "process tree.", ""]
    names = {"jieba": "jieba loop (same dictionary, `HMM=False`, one `lcut` per file)",
             "textmine": "`tm.tokens(tm.load_corpus(folder, lazy=True), n_jobs=-1, cache=False)` (cleaning on)",
             "textmine_noclean": "the same with `clean=False` (tokens identical to the jieba loop)",
             "textmine_warm": "the default call, `cache=True`, warm cache"}
    for cname, c in result["corpora"].items():
        lines += [f"## {cname}: {c['mb']:.1f} MB, {c['n_docs']} files", "",
                  "| run | wall | ratio (wall) | CPU | less CPU | in-process | ratio (in-process) | peak memory |",
                  "|---|---|---|---|---|---|---|---|"]
        for key, row in c["rows"].items():
            lines.append(f"| {names[key]} | {row['wall_median']:.2f} s | **{row['ratio_vs_jieba_wall']}x** | "
                         f"{row['cpu_median']:.1f} s | {row['ratio_vs_jieba_cpu']}x | {row['in_process_median']:.2f} s | "
                         f"{row['ratio_vs_jieba_in_process']}x | {row['peak_tree_mb_max']:.0f} MB |")
        lines += ["", f"Identical tokens (untimed verification runs), `clean=False` vs jieba loop: "
                  f"**{c['identical_tokens_noclean_vs_jieba']}**; cleaning on, cold vs warm cache: "
                  f"**{c['identical_tokens_cold_vs_warm']}**. "
                  f"`clean()` on one core: **{c['clean_rate']['mb_per_s']} MB/s** "
                  f"({c['clean_rate']['mb']:.1f} MB in {c['clean_rate']['cpu_seconds']:.2f} s CPU).", ""]
    e = result["engine_load"]
    lines += [f"A worker's start (fresh process, median of {len(e['runs'])}): imports "
              f"{e['import_seconds']:.2f} s wall / {e['import_cpu']:.2f} s CPU, {e['engine']} engine with the policy "
              f"dictionary {e['engine_seconds']:.2f} s wall / {e['engine_cpu']:.2f} s CPU.",
              "",
              "On a machine shared with other jobs wall time stretches with the load; CPU time much less so "
              "(\"less CPU\" = jieba's CPU median / the row's).", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    if serve_child(CHILDREN, argv):
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=50, help="corpus size in MB of UTF-8 text (default 50)")
    parser.add_argument("--repeat", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--quick", action="store_true", help="3 MB, 1 round, results/wall_quick.*")
    parser.add_argument("--corpora", default="provinces,seeds", help="comma-separated: provinces, seeds")
    parser.add_argument("--source", type=Path, default=None,
                        help="folder of the provincial report CSVs (default: seeds/provinces2026)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.quick:
        args.mb, args.repeat = min(args.mb, 3), 1
    if args.source is None:
        args.source = BUNDLED_PROVINCES if any(BUNDLED_PROVINCES.glob("*.csv")) else SHARED_PROVINCES
    from run import machine

    from textmine._io import write_text_atomic

    def log(msg: str) -> None:
        print(msg, flush=True)

    stem = "wall_quick" if args.quick else "wall"
    result: dict[str, Any] = {"machine": machine(), "repeat": args.repeat, "stem": stem, "load_before": os.getloadavg(),
                              "corpora": {}}
    loads = [run_process("engine_load") for _ in range(3)]
    result["engine_load"] = {k: median(loads, k) for k in ("import_seconds", "engine_seconds", "import_cpu",
                                                             "engine_cpu")}
    result["engine_load"].update(engine=loads[0]["engine"], runs=loads)
    log(f"worker start: imports {result['engine_load']['import_seconds']:.2f}s "
        f"({result['engine_load']['import_cpu']:.2f}s CPU), engine {result['engine_load']['engine_seconds']:.2f}s "
        f"({result['engine_load']['engine_cpu']:.2f}s CPU)")
    for name in [c.strip() for c in args.corpora.split(",") if c.strip()]:
        result["corpora"][name] = bench_corpus(name, build(name, args), args, log)
    result["load_after"] = os.getloadavg()
    write_text_atomic(RESULTS / f"{stem}.json", json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    write_text_atomic(RESULTS / f"{stem}.md", summary(result))
    log(f"written {RESULTS / (stem + '.md')}")
    return 0 if all(c["identical_tokens_noclean_vs_jieba"] and c["identical_tokens_cold_vs_warm"]
                    for c in result["corpora"].values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
