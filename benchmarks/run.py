"""Benchmark textmine at scale against the scripts researchers write today.

Usage::

    .venv/bin/python benchmarks/run.py                 # 100 MB corpus, best of 3 (make bench)
    .venv/bin/python benchmarks/run.py --mb 30 --repeat 2
    .venv/bin/python benchmarks/run.py --quick         # 3 MB smoke run -> results/run_quick.*

What it does, in one run:

1. Builds (once; reused while the parameters are the same) a corpus of ``--mb``
   megabytes of UTF-8 text in ``benchmarks/data/`` (git-ignored): documents of
   5,000-60,000 characters made of reshuffled paragraphs of the cleaned
   bundled reports (fixed ``--seed``), a folder of ``.txt`` files plus
   ``metadata.csv``, so it loads with ``load_corpus(folder, lazy=True)``.
   The paragraphs are already clean, so the tokenization rows load it with
   ``clean=False``: textmine and the baseline segment the very same text.
2. Measures, each in a fresh subprocess (peak memory is per measurement):

   a. the baseline a researcher writes today -- a loop of ``lcut`` over the
      files with jieba (a private ``jieba.Tokenizer`` with the same policy
      terms and frequencies as textmine, ``HMM=False``, the same filter
      rules) -- against ``list(tokens(corpus, n_jobs=-1))``
      with a cold cache in a fresh temporary folder; the token lists must be
      identical (compared by per-document digests). ``--baseline-mb`` times
      the baseline on the first documents only (the rate is then extrapolated);
      by default it runs on the whole corpus, and its rate is the best of
      that run and ``--repeat`` - 1 runs on the first ``--default-mb``. For comparison, the rate of
      the script as usually written (``jieba.load_userdict`` + ``jieba.lcut``,
      HMM on, so other tokens) on ``--default-mb``;
   b. the same textmine call with the warm cache;
   c. ``dtm(corpus, n_jobs=-1)``, cold and warm: token ids streamed into counts;
   d. a lazily loaded corpus *with* cleaning (``--clean-mb`` of it): cold
      (cleaning runs in the workers) and warm (cache keys hash the raw files,
      nothing is cleaned again);
   e. slogan counting with 50 and 1,000 phrases: ``slogan_frequency`` and its
      counting core against a per-phrase ``str.count`` loop, in the same
      process, counts compared;
   f. ``python -m textmine.report`` on the bundled corpus: cold (fresh token
      cache and output folder), warm into the same output folder, and warm
      (same token cache) into a fresh output folder.

   Timings are the best of ``--repeat`` runs (other processes may load the
   machine; the load average is recorded, and so is CPU time of the process
   and its workers). Memory: the peak of the summed RSS
   of the process and its worker processes, sampled every 50 ms from /proc, and
   each process's ``ru_maxrss``.
3. Writes ``benchmarks/results/run.json`` and ``run.md`` (atomically) with the
   machine described. Exit status 1 if any result differs from its baseline.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import resource
import shutil
import sys
import tempfile
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _common import (  # noqa: E402
    TreeSampler, child_cmd, child_env, cpu_seconds, run_textmine_report, run_timed, serve_child, shutdown_workers)
from _common import descendants as _descendants, rss_kb as _rss_kb  # noqa: E402,F401 - what older trees' wall.py import

DATA = ROOT / "benchmarks" / "data"
RESULTS = ROOT / "benchmarks" / "results"
PACKAGES = ("textmine", "jieba", "rjieba", "ahocorasick-rs", "pyahocorasick", "joblib", "numpy", "scipy",
            "pandas", "scikit-learn", "gensim", "matplotlib", "dask", "distributed", "tqdm")
DOC_CHARS = (5_000, 60_000)
YEARS = (2001, 2024)


# ---------------------------------------------------------------------------
# the corpus


def build_corpus(mb: float, seed: int) -> Path:
    """``benchmarks/data/corpus_<mb>mb_seed<seed>/``: .txt files + metadata.csv (reused if complete)."""
    folder = DATA / f"corpus_{mb:g}mb_seed{seed}"
    stamp = folder / "corpus.json"
    if stamp.is_file():
        return folder
    from textmine._io import write_csv_atomic, write_text_atomic
    from textmine.corpus import load_corpus

    import pandas as pd

    if folder.exists():
        shutil.rmtree(folder)
    sources = list(load_corpus())
    paragraphs = [p for doc in sources for p in doc.text.split("\n") if p.strip()]
    rng = random.Random(seed)
    target, total, rows = int(mb * 1_000_000), 0, []
    while total < target:
        size = rng.randint(*DOC_CHARS)
        parts, n = [], 0
        while n < size:
            p = rng.choice(paragraphs)
            parts.append(p)
            n += len(p) + 1
        text = "\n".join(parts) + "\n"
        like = rng.choice(sources).meta
        name = f"d{len(rows):06d}.txt"
        write_text_atomic(folder / name, text)
        rows.append({"file": name, "doc_id": name[:-4], "place": like["place"], "province": like["province"],
                     "level": like["level"], "rank": like["rank"], "year": rng.randint(*YEARS),
                     "doctype": "report", "source": "synthetic: reshuffled paragraphs of the bundled corpus",
                     "notes": ""})
        total += len(text.encode("utf-8"))
    write_csv_atomic(pd.DataFrame(rows), folder / "metadata.csv")
    write_text_atomic(stamp, json.dumps({"mb": mb, "seed": seed, "n_docs": len(rows), "bytes": total}) + "\n")
    return folder


def corpus_files(folder: Path) -> list[Path]:
    """The corpus files in metadata order."""
    import pandas as pd

    return [folder / f for f in pd.read_csv(folder / "metadata.csv", dtype=str, encoding="utf-8-sig")["file"]]


def digest(tokens: list[str]) -> str:
    return hashlib.sha256("\x1f".join(tokens).encode("utf-8")).hexdigest()[:16]


def _memory(peak: TreeSampler) -> dict[str, float]:
    return {"peak_tree_mb": round(peak.peak_kb / 1024, 1),
            "maxrss_main_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "maxrss_largest_worker_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)}


# ---------------------------------------------------------------------------
# children: one measurement each, result as JSON on the last line of stdout


def jieba_with_policy_terms() -> tuple[Any, Any]:
    """The researcher's tokenizer: a private ``jieba.Tokenizer`` holding textmine's dictionary terms
    (with the frequencies textmine gives them), and textmine's filter (cached per token)."""
    import functools

    import jieba

    from textmine.tokenize.tokenizer import Tokenizer, _quiet_jieba, _term_table

    tok = Tokenizer()  # for the dictionary entries and the filter rules only
    with _quiet_jieba():
        dt = jieba.Tokenizer()
        dt.initialize()
    dt.total = sum(dt.FREQ.values())
    for term, freq, tag in _term_table(tok.entries, dt.FREQ.get, dt.total).values():
        dt.add_word(term, freq, tag)
    dt.total = sum(dt.FREQ.values())
    return dt, functools.lru_cache(maxsize=None)(tok._keep)


def child_jieba(data: str, limit_mb: float, digests: bool = True) -> dict:
    """The researcher's loop: read each file, ``lcut`` it with jieba, keep the tokens that pass the filters.

    ``digests``: also a digest of each document's tokens (after the timed part, for the identity check).
    """
    dt, keep = jieba_with_policy_terms()
    files, size = _files_up_to(data, limit_mb)
    with TreeSampler(os.getpid()) as peak:
        start, cpu = time.perf_counter(), cpu_seconds()
        docs = []
        for path in files:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
            docs.append([w for w in dt.lcut(text, HMM=False) if keep(w)])
        seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    out = {"seconds": seconds, "cpu_seconds": round(cpu, 2), "mb": size / 1e6, "n_docs": len(docs),
           "n_tokens": sum(map(len, docs)), **_memory(peak)}
    if digests:
        out["digests"] = [digest(d) for d in docs]
    return out


def _files_up_to(data: str, limit_mb: float) -> tuple[list[Path], int]:
    """The corpus files in order until ``limit_mb`` megabytes are reached (all when 0), and their size."""
    files, size = [], 0
    for path in corpus_files(Path(data)):
        if limit_mb and size >= limit_mb * 1e6:
            break
        files.append(path)
        size += path.stat().st_size
    return files, size


def child_jieba_default(data: str, limit_mb: float) -> dict:
    """The script as most researchers write it: ``jieba.load_userdict`` + ``jieba.lcut`` (HMM on by default).

    Its tokens differ from textmine's (HMM joins unknown characters; the policy
    terms get jieba's default frequencies), so only its rate is reported.
    """
    import jieba

    from textmine.tokenize.tokenizer import POLICY_DICTIONARY, Tokenizer, _quiet_jieba

    keep = Tokenizer()._keep
    with _quiet_jieba():
        jieba.initialize()
        jieba.load_userdict(str(POLICY_DICTIONARY))
    files, size = _files_up_to(data, limit_mb)
    start = time.perf_counter()
    docs = []
    for path in files:
        with open(path, encoding="utf-8") as fh:
            docs.append([w for w in jieba.lcut(fh.read()) if keep(w)])
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "mb": size / 1e6, "n_docs": len(docs), "mb_per_s": round(size / 1e6 / seconds, 3)}


def child_tokenize(data: str, what: str, clean: bool, n_docs: int) -> dict:
    """textmine on a lazily loaded folder: ``list(tokens(...))``, streamed, or ``dtm``; n_jobs=-1, cache from the env."""
    from textmine.corpus import load_corpus
    from textmine.frequency import dtm
    from textmine.tokenize import Tokenizer, tokens

    corpus = load_corpus(data, lazy=True, clean=clean)
    if n_docs:
        corpus = corpus[:n_docs]
    size = sum(os.path.getsize(Path(data) / doc["file"]) for doc in corpus)
    tok = Tokenizer()
    with TreeSampler(os.getpid()) as peak:
        start, cpu = time.perf_counter(), cpu_seconds()
        if what == "tokens":
            result = list(tokens(corpus, tok, n_jobs=-1))
        elif what == "stream":  # one list at a time, each counted and dropped, as a streaming consumer does
            result = sum(len(t) for t in tokens(corpus, tok, n_jobs=-1))
        else:
            result = dtm(corpus, tokenizer=tok, n_jobs=-1)
        seconds = time.perf_counter() - start
        shutdown_workers()
        cpu = cpu_seconds() - cpu  # workers included: they have been waited for
    out = {"seconds": seconds, "cpu_seconds": round(cpu, 2), "mb": size / 1e6, "n_docs": len(corpus), **_memory(peak)}
    if what == "tokens":
        out.update(n_tokens=sum(map(len, result)), digests=[digest(t) for t in result])
    elif what == "stream":
        out.update(n_tokens=result)
    else:
        out.update(shape=list(result.shape), nnz=int(result.matrix.nnz), total=int(result.matrix.sum()))
    return out


def child_slogans(data: str, seed: int, repeat: int) -> dict:
    """Slogan counting, 50 and 1,000 phrases: textmine against a per-phrase ``str.count`` loop."""
    import tracemalloc

    import numpy as np

    from textmine.corpus import Corpus, load_corpus
    from textmine.frequency import _compact, _PhraseCounter, load_slogans, slogan_frequency

    texts = [doc.text for doc in load_corpus(data, lazy=True, clean=False)]
    corpus = Corpus.from_texts(texts)

    def baseline(phrases: list[str]) -> np.ndarray:
        out = []
        for text in texts:
            flat = "".join(text.split())
            out.append([flat.count(p) for p in phrases])
        return np.array(out, dtype=np.int64)

    def core(phrases: list[str]) -> np.ndarray:
        counter = _PhraseCounter(load_slogans(phrases))
        return np.array([counter.count(_compact(t)) for t in texts], dtype=np.int64)

    def full(phrases: list[str]) -> np.ndarray:
        df = slogan_frequency(corpus, phrases)
        return df["count"].to_numpy().reshape(len(texts), len(phrases))

    def full_threads(phrases: list[str]) -> np.ndarray:
        df = slogan_frequency(corpus, phrases, n_jobs=-1)
        return df["count"].to_numpy().reshape(len(texts), len(phrases))

    methods = {"str_count_loop": baseline, "textmine_core": core, "slogan_frequency": full,
               "slogan_frequency_n_jobs": full_threads}
    results = {}
    for name, phrases in phrase_sets(seed).items():
        seconds, counts, peak = {}, {}, {}
        for method, fn in methods.items():
            seconds[method], counts[method] = best_of(repeat, fn, phrases)
            tracemalloc.start()
            fn(phrases)
            peak[method] = round(tracemalloc.get_traced_memory()[1] / 1e6, 1)
            tracemalloc.stop()
        base = counts["str_count_loop"]
        results[name] = {
            "n_phrases": len(phrases), "total_count": int(base.sum()),
            "identical_counts": all(bool(np.array_equal(base, c)) for c in counts.values()),
            "seconds": {k: round(v, 3) for k, v in seconds.items()},
            "ratio_vs_str_count": {k: round(seconds["str_count_loop"] / seconds[k], 1) for k in seconds},
            "peak_python_mb": peak,
        }
    size = sum(len(t.encode("utf-8")) for t in texts)
    return {"mb": size / 1e6, "n_docs": len(texts), "sets": results,
            "maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def phrase_sets(seed: int) -> dict[str, list[str]]:
    """50 shipped slogans, and 1,000 = all shipped slogans + frequent 2-6 character n-grams of the bundled corpus."""
    import re
    from collections import Counter

    from textmine.corpus import load_corpus
    from textmine.frequency import load_slogans

    han = re.compile(r"^[\u4e00-\u9fff]+$")
    rng = random.Random(seed)
    slogans = load_slogans()["slogan"].tolist()
    small = rng.sample(slogans, 50)
    grams: Counter[str] = Counter()
    for doc in load_corpus():
        text = "".join(doc.text.split())
        for n in range(2, 7):
            grams.update(text[i:i + n] for i in range(len(text) - n + 1))
    frequent = sorted(g for g, c in grams.items() if c >= 5 and han.match(g) and g not in set(slogans))
    large = slogans + rng.sample(frequent, 1000 - len(slogans))
    return {"50": small, "1000": large}


def best_of(repeat: int, fn: Callable, *args: Any) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn(*args)
        best = min(best, time.perf_counter() - start)
    return best, result


CHILDREN = {"jieba": child_jieba, "jieba_default": child_jieba_default, "tokenize": child_tokenize,
            "slogans": child_slogans}


def run_child(name: str, env: dict[str, str] | None = None, **kwargs: Any) -> dict:
    """Run ``CHILDREN[name](**kwargs)`` in a fresh interpreter; its JSON result."""
    cmd = child_cmd(Path(__file__).resolve(), name, kwargs)
    return run_timed(cmd, child_env(env), ROOT, f"benchmark step {name} {kwargs}").result


def run_report(out: Path, cache: Path) -> dict:
    """Wall time and peak RSS of ``python -m textmine.report --out OUT`` with ``TEXTMINE_CACHE_DIR=cache``."""
    run = run_textmine_report(["--out", str(out)], cache)
    return {"seconds": run.wall, "maxrss_mb": round(run.usage.ru_maxrss / 1024, 1), "last_line": run.last_line}


# ---------------------------------------------------------------------------
# the run


def machine() -> dict:
    """Cores, RAM, CPU model, Python and package versions."""
    model = ""
    try:
        with open("/proc/cpuinfo") as fh:
            model = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), "")
    except OSError:
        pass
    ram = 0.0
    try:
        with open("/proc/meminfo") as fh:
            ram = int(next(line for line in fh if line.startswith("MemTotal")).split()[1]) / 1024 / 1024
    except (OSError, StopIteration):
        pass
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    return {"cpu": model or platform.processor(), "cores": os.cpu_count(),
            "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
            "ram_gb": round(ram, 1), "os": platform.platform(), "python": platform.python_version(),
            "packages": versions}


def tokenization(folder: Path, args: argparse.Namespace, log: Callable[[str], None]) -> dict:
    """Rows a-d: jieba baseline, textmine cold/warm, dtm cold/warm, lazy corpus with cleaning."""
    log(f"jieba baseline on {'the whole corpus' if not args.baseline_mb else f'the first {args.baseline_mb} MB'} ...")
    base = run_child("jieba", data=str(folder), limit_mb=args.baseline_mb)
    log(f"  {base['seconds']:.1f}s for {base['mb']:.1f} MB = {base['mb'] / base['seconds']:.2f} MB/s")
    # the baseline rate is the best of that run and (repeat - 1) shorter runs: a fair denominator
    rates = [base["mb"] / base["seconds"]]
    for _ in range(args.repeat - 1):
        extra = run_child("jieba", data=str(folder), limit_mb=args.default_mb)
        rates.append(extra["mb"] / extra["seconds"])
        log(f"  again on {extra['mb']:.1f} MB: {rates[-1]:.2f} MB/s")
    default = run_child("jieba_default", data=str(folder), limit_mb=args.default_mb)
    log(f"  jieba.lcut with HMM (default), {default['mb']:.1f} MB: {default['mb_per_s']:.2f} MB/s")
    scratch = Path(tempfile.mkdtemp(prefix="textmine-bench-"))
    try:
        cold, warm_dir = [], None
        for i in range(args.repeat):
            cache = scratch / f"cold{i}"
            cold.append(run_child("tokenize", env={"TEXTMINE_CACHE_DIR": str(cache)}, data=str(folder),
                                  what="tokens", clean=False, n_docs=0))
            warm_dir = cache
            log(f"  textmine cold: {cold[-1]['seconds']:.2f}s")
        warm = [run_child("tokenize", env={"TEXTMINE_CACHE_DIR": str(warm_dir)}, data=str(folder),
                          what="tokens", clean=False, n_docs=0) for _ in range(args.repeat)]
        log(f"  textmine warm: {min(w['seconds'] for w in warm):.2f}s")
        stream = [run_child("tokenize", env={"TEXTMINE_CACHE_DIR": str(warm_dir)}, data=str(folder),
                            what="stream", clean=False, n_docs=0) for _ in range(args.repeat)]
        log(f"  textmine warm, streamed: {min(w['seconds'] for w in stream):.2f}s")
        dtm_cold = min((run_child("tokenize", env={"TEXTMINE_CACHE_DIR": str(scratch / f"dtm{i}")}, data=str(folder),
                                  what="dtm", clean=False, n_docs=0) for i in range(args.repeat)),
                       key=lambda r: r["seconds"])
        dtm_warm = min((run_child("tokenize", env={"TEXTMINE_CACHE_DIR": str(scratch / "dtm0")}, data=str(folder),
                                  what="dtm", clean=False, n_docs=0) for _ in range(args.repeat)),
                       key=lambda r: r["seconds"])
        log(f"  dtm cold {dtm_cold['seconds']:.2f}s, warm {dtm_warm['seconds']:.2f}s")
        n_clean = _docs_for_mb(folder, args.clean_mb)
        clean_cold = run_child("tokenize", env={"TEXTMINE_CACHE_DIR": str(scratch / "clean")}, data=str(folder),
                               what="tokens", clean=True, n_docs=n_clean)
        clean_warm = [run_child("tokenize", env={"TEXTMINE_CACHE_DIR": str(scratch / "clean")}, data=str(folder),
                                what="tokens", clean=True, n_docs=n_clean) for _ in range(args.repeat)]
        log(f"  with cleaning ({clean_cold['mb']:.1f} MB): cold {clean_cold['seconds']:.2f}s, "
            f"warm {min(w['seconds'] for w in clean_warm):.2f}s")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    best_cold = min(cold, key=lambda r: r["seconds"])
    best_warm = min(warm, key=lambda r: r["seconds"])
    best_stream = min(stream, key=lambda r: r["seconds"])
    best_clean_warm = min(clean_warm, key=lambda r: r["seconds"])
    n = base["n_docs"]
    identical = all(r["digests"][:n] == base["digests"] for r in cold + warm)
    base_rate = max(rates)
    cold_rate = best_cold["mb"] / best_cold["seconds"]
    strip = lambda r: {k: v for k, v in r.items() if k != "digests"}  # noqa: E731
    return {
        "baseline": {**strip(base), "mb_per_s": round(base_rate, 3), "all_mb_per_s": [round(r, 3) for r in rates],
                     "extrapolated": bool(args.baseline_mb),
                     "note": ("timed on the whole corpus" if not args.baseline_mb else
                              f"timed on the first {base['n_docs']} documents ({base['mb']:.1f} MB); "
                              "the rate is extrapolated to the corpus")
                     + (f"; rate = best of that run and {len(rates) - 1} more on the first {args.default_mb:g} MB"
                        if len(rates) > 1 else "")},
        "identical_tokens": identical,
        "identical_tokens_docs_compared": n,
        "cold": {**strip(best_cold), "mb_per_s": round(cold_rate, 2), "all_seconds": [r["seconds"] for r in cold]},
        "warm": {**strip(best_warm), "mb_per_s": round(best_warm["mb"] / best_warm["seconds"], 1),
                 "all_seconds": [r["seconds"] for r in warm]},
        "ratio_cold_vs_jieba": round(cold_rate / base_rate, 1),
        "jieba_default_hmm": default,
        "ratio_cold_vs_jieba_default_hmm": round(cold_rate / default["mb_per_s"], 1),
        "ratio_warm_vs_cold": round(best_cold["seconds"] / best_warm["seconds"], 1),
        "warm_stream": {**best_stream, "all_seconds": [r["seconds"] for r in stream],
                        "same_tokens": best_stream["n_tokens"] == best_cold["n_tokens"]},
        "ratio_warm_stream_vs_cold": round(best_cold["seconds"] / best_stream["seconds"], 1),
        "dtm_cold": dtm_cold, "dtm_warm": dtm_warm,
        "with_cleaning": {"cold": strip(clean_cold), "warm": strip(best_clean_warm),
                          "ratio_warm_vs_cold": round(clean_cold["seconds"] / best_clean_warm["seconds"], 1)},
    }


def _docs_for_mb(folder: Path, mb: float) -> int:
    size = 0
    for i, path in enumerate(corpus_files(folder), 1):
        size += path.stat().st_size
        if size >= mb * 1e6:
            return i
    return 0


def report_runs(args: argparse.Namespace, log: Callable[[str], None]) -> dict:
    """Row f: python -m textmine.report cold, warm into the same folder, warm into a fresh folder."""
    scratch = Path(tempfile.mkdtemp(prefix="textmine-bench-report-"))
    try:
        cold, same, fresh = [], [], []
        for i in range(args.repeat):
            cache, out = scratch / f"cache{i}", scratch / f"out{i}"
            cold.append(run_report(out, cache))
            same.append(run_report(out, cache))
            fresh.append(run_report(scratch / f"fresh{i}", cache))
            log(f"  report: cold {cold[-1]['seconds']:.2f}s, warm same --out {same[-1]['seconds']:.2f}s, "
                f"warm fresh --out {fresh[-1]['seconds']:.2f}s")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    best = lambda runs: min(runs, key=lambda r: r["seconds"])  # noqa: E731
    return {"cold": best(cold), "warm_same_out": best(same), "warm_fresh_out": best(fresh),
            "all_seconds": {"cold": [r["seconds"] for r in cold], "warm_same_out": [r["seconds"] for r in same],
                            "warm_fresh_out": [r["seconds"] for r in fresh]}}


def summary(result: dict) -> str:
    """The markdown table of run.md."""
    m, t, s, r = result["machine"], result["tokenization"], result["slogans"], result["report"]
    b = t["baseline"]
    lines = [
        "# textmine benchmark",
        "",
        f"{result['corpus']['mb']:.1f} MB of UTF-8 text in {result['corpus']['n_docs']} documents "
        f"(reshuffled paragraphs of the cleaned bundled corpus, {DOC_CHARS[0]:,}-{DOC_CHARS[1]:,} characters each, "
        f"seed {result['corpus']['seed']}), loaded with `load_corpus(folder, lazy=True)`. "
        f"Best of {result['repeat']} runs; each measurement in a fresh process.",
        "",
        f"Machine: {m['cpu']}, {m['cores_usable']} cores, {m['ram_gb']} GB RAM, {m['os']}, Python {m['python']}; "
        f"load average {result['load_before'][0]:.2f} before, {result['load_after'][0]:.2f} after.",
        "",
        "| measurement | time | rate | ratio | peak memory | target |",
        "|---|---|---|---|---|---|",
        f"| jieba `lcut` loop (same dictionary, HMM off, same filters) * "
        f"| {b['seconds']:.1f} s ({b['mb']:.0f} MB) | {b['mb_per_s']:.2f} MB/s | 1 | {b['peak_tree_mb']:.0f} MB | |",
        f"| for comparison: `jieba.load_userdict` + `jieba.lcut` (HMM on: other tokens), "
        f"{t['jieba_default_hmm']['mb']:.0f} MB | {t['jieba_default_hmm']['seconds']:.1f} s | "
        f"{t['jieba_default_hmm']['mb_per_s']:.2f} MB/s | | | |",
        f"| textmine `list(tokens(corpus, n_jobs=-1))`, cold cache | {t['cold']['seconds']:.2f} s | "
        f"{t['cold']['mb_per_s']:.1f} MB/s | **{t['ratio_cold_vs_jieba']}x** jieba "
        f"({t['ratio_cold_vs_jieba_default_hmm']}x `jieba.lcut` with HMM) | "
        f"{t['cold']['peak_tree_mb']:.0f} MB | >= 15x |",
        f"| same, warm cache (every token list built and kept) | {t['warm']['seconds']:.2f} s | "
        f"{t['warm']['mb_per_s']:.0f} MB/s | **{t['ratio_warm_vs_cold']}x** cold | "
        f"{t['warm']['peak_tree_mb']:.0f} MB | >= 50x |",
        f"| same, warm cache, streamed (`for t in tokens(...)`: each list built, counted, dropped) | "
        f"{t['warm_stream']['seconds']:.2f} s | | **{t['ratio_warm_stream_vs_cold']}x** cold | "
        f"{t['warm_stream']['peak_tree_mb']:.0f} MB | >= 50x |",
        f"| `dtm(corpus, n_jobs=-1)` (tokenized and counted), cold / warm | {t['dtm_cold']['seconds']:.2f} s / "
        f"{t['dtm_warm']['seconds']:.2f} s | | {t['dtm_cold']['seconds'] / t['dtm_warm']['seconds']:.1f}x warm vs cold | "
        f"{t['dtm_cold']['peak_tree_mb']:.0f} MB / {t['dtm_warm']['peak_tree_mb']:.0f} MB | < 2 GB |",
        f"| lazy corpus *with cleaning* ({t['with_cleaning']['cold']['mb']:.0f} MB), cold / warm | "
        f"{t['with_cleaning']['cold']['seconds']:.2f} s / {t['with_cleaning']['warm']['seconds']:.2f} s | "
        f"{t['with_cleaning']['cold']['mb'] / t['with_cleaning']['cold']['seconds']:.1f} MB/s cold | "
        f"{t['with_cleaning']['ratio_warm_vs_cold']}x warm vs cold | "
        f"{t['with_cleaning']['cold']['peak_tree_mb']:.0f} MB | |",
    ]
    for name, row in s["sets"].items():
        sec, q = row["seconds"], row["ratio_vs_str_count"]
        lines.append(
            f"| slogans, {row['n_phrases']:,} phrases: `str.count` loop / counting core (1 thread) / "
            f"`slogan_frequency` / `slogan_frequency(n_jobs=-1)` | "
            f"{sec['str_count_loop']:.2f} s / {sec['textmine_core']:.2f} s / {sec['slogan_frequency']:.2f} s / "
            f"{sec['slogan_frequency_n_jobs']:.2f} s | | "
            f"core {q['textmine_core']}x, `slogan_frequency` {q['slogan_frequency']}x, "
            f"with `n_jobs=-1` **{q['slogan_frequency_n_jobs']}x** | "
            f"{row['peak_python_mb']['slogan_frequency']:.0f} MB (Python) | {'>= 20x' if row['n_phrases'] >= 1000 else ''} |")
    lines += [
        f"| `python -m textmine.report` (bundled corpus), cold | {r['cold']['seconds']:.2f} s | | | "
        f"{r['cold']['maxrss_mb']:.0f} MB | <= 10 s |",
        f"| same, warm, same `--out` | {r['warm_same_out']['seconds']:.2f} s | | | "
        f"{r['warm_same_out']['maxrss_mb']:.0f} MB | <= 3 s |",
        f"| same, warm token cache, fresh `--out` | {r['warm_fresh_out']['seconds']:.2f} s | | | "
        f"{r['warm_fresh_out']['maxrss_mb']:.0f} MB | |",
        "",
        f"CPU time (process + workers; contention inflates it too, but less than wall time): jieba "
        f"{b['cpu_seconds'] / b['mb']:.2f} s/MB, textmine cold {t['cold']['cpu_seconds'] / t['cold']['mb']:.3f} s/MB "
        f"({b['cpu_seconds'] / b['mb'] / (t['cold']['cpu_seconds'] / t['cold']['mb']):.1f}x less CPU), "
        f"warm {t['warm']['cpu_seconds'] / t['warm']['mb']:.3f} s/MB.",
        "",
        f"Identical tokens (jieba vs textmine, {t['identical_tokens_docs_compared']} documents): "
        f"**{t['identical_tokens']}**. Identical slogan counts: "
        f"**{all(row['identical_counts'] for row in s['sets'].values())}**.",
        "",
    ]
    lines += [f"\\* {b['note']} (rates: {', '.join(f'{r:.2f}' for r in b['all_mb_per_s'])} MB/s).", ""]
    lines += [
        "Peak memory: the summed RSS of the process and its worker processes (sampled every 50 ms); "
        "report rows: `ru_maxrss` of the report process.",
        "",
        "Packages: " + ", ".join(f"{k} {v}" for k, v in m["packages"].items() if v) + ".",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    if serve_child(CHILDREN, argv):
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=100, help="corpus size in MB of UTF-8 text (default 100)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 3 MB, one repetition, results/run_quick.*")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per measurement, best kept (default 3)")
    parser.add_argument("--baseline-mb", type=float, default=0,
                        help="time the jieba baseline on the first N MB only (default 0: the whole corpus)")
    parser.add_argument("--default-mb", type=float, default=10,
                        help="MB timed for the default jieba.lcut (HMM on) script (default 10)")
    parser.add_argument("--clean-mb", type=float, default=10, help="MB of the corpus for the with-cleaning rows")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-report", action="store_true", help="skip the python -m textmine.report rows")
    args = parser.parse_args(argv)
    if args.quick:
        args.mb, args.repeat = min(args.mb, 3), 1
        args.clean_mb, args.default_mb = min(args.clean_mb, 1), min(args.default_mb, 1)
    stem = "run_quick" if args.quick else "run"

    def log(msg: str) -> None:
        print(msg, flush=True)

    from textmine._io import write_text_atomic

    load_before = os.getloadavg()
    folder = build_corpus(args.mb, args.seed)
    info = json.loads((folder / "corpus.json").read_text())
    log(f"corpus {folder}: {info['n_docs']} documents, {info['bytes'] / 1e6:.1f} MB")
    result: dict[str, Any] = {"machine": machine(), "repeat": args.repeat, "load_before": load_before,
                              "corpus": {"folder": str(folder.relative_to(ROOT)), "mb": info["bytes"] / 1e6,
                                         "n_docs": info["n_docs"], "seed": args.seed}}
    result["tokenization"] = tokenization(folder, args, log)
    log("slogan counting ...")
    result["slogans"] = run_child("slogans", data=str(folder), seed=args.seed, repeat=args.repeat)
    for name, row in result["slogans"]["sets"].items():
        log(f"  {name} phrases: {row['seconds']} -> {row['ratio_vs_str_count']}")
    if not args.skip_report:
        log("python -m textmine.report ...")
        result["report"] = report_runs(args, log)
    result["load_after"] = os.getloadavg()
    write_text_atomic(RESULTS / f"{stem}.json", json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    if not args.skip_report:
        write_text_atomic(RESULTS / f"{stem}.md", summary(result))
    log(f"written {RESULTS / (stem + '.json')}")
    ok = result["tokenization"]["identical_tokens"] and all(
        row["identical_counts"] for row in result["slogans"]["sets"].values())
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
