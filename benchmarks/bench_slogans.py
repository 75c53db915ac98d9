"""Benchmark: one-pass Aho–Corasick slogan counting against a per-phrase ``str.count`` loop.

Usage::

    .venv/bin/python benchmarks/bench_slogans.py [--mb 30] [--seed 0]

Builds, in memory, a corpus of ``--mb`` megabytes (UTF-8) by reshuffling the
paragraphs of the bundled corpus (fixed seed) into documents of about 60 kB,
then counts two phrase sets:

- 50 phrases sampled from the shipped slogan list;
- 1,000 phrases: every shipped slogan plus frequent n-grams (2–6 characters)
  of the bundled corpus, sampled with the same seed.

For each set it times (best of ``--repeat`` runs) ``slogan_frequency`` end to
end (DataFrame included),
the counting core alone, and the baseline ``[compact(text).count(p) for p in
phrases]`` per document; checks that the counts are identical; measures peak
Python memory of each (tracemalloc, in a separate untimed run); prints a table
and writes ``benchmarks/results/slogans.json`` atomically. Ratios are baseline
time / one-pass time in the same run (> 1 means the one pass is faster).
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import re
import resource
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path
from typing import Callable

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from textmine._io import write_text_atomic  # noqa: E402
from textmine.corpus import Corpus, load_corpus  # noqa: E402
from textmine.frequency import _PhraseCounter, load_slogans, slogan_frequency  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "slogans.json"
DOC_BYTES = 60_000
_WS = re.compile(r"\s+")
_HAN = re.compile(r"^[\u4e00-\u9fff]+$")


def build_corpus(mb: float, seed: int) -> Corpus:
    """A corpus of about ``mb`` MB (UTF-8) made of reshuffled bundled paragraphs."""
    paragraphs = [p for doc in load_corpus() for p in doc.text.split("\n") if p.strip()]
    rng = random.Random(seed)
    target = int(mb * 1_000_000)
    texts, total = [], 0
    while total < target:
        parts, size = [], 0
        while size < DOC_BYTES:
            p = rng.choice(paragraphs)
            parts.append(p)
            size += len(p.encode("utf-8")) + 1
        texts.append("\n".join(parts))
        total += size
    return Corpus.from_texts(texts)


def phrase_sets(seed: int) -> dict[str, list[str]]:
    """50 shipped slogans, and 1,000 = all shipped slogans + frequent corpus n-grams."""
    rng = random.Random(seed)
    slogans = load_slogans()["slogan"].tolist()
    small = rng.sample(slogans, 50)
    grams: Counter[str] = Counter()
    for doc in load_corpus():
        text = _WS.sub("", doc.text)
        for n in range(2, 7):
            grams.update(text[i:i + n] for i in range(len(text) - n + 1))
    frequent = sorted(g for g, c in grams.items() if c >= 5 and _HAN.match(g) and g not in set(slogans))
    large = slogans + rng.sample(frequent, 1000 - len(slogans))
    return {"50": small, "1000": large}


def onepass_full(corpus: Corpus, phrases: list[str]) -> np.ndarray:
    df = slogan_frequency(corpus, phrases)
    return df["count"].to_numpy().reshape(len(corpus), len(phrases))


def onepass_core(corpus: Corpus, phrases: list[str]) -> np.ndarray:
    texts = [_WS.sub("", t) for t in corpus.texts]
    counter = _PhraseCounter(load_slogans(phrases), sample=texts[0][:200_000] if texts else "")
    return np.array([counter.count(t) for t in texts], dtype=np.int64)


def baseline(corpus: Corpus, phrases: list[str]) -> np.ndarray:
    out = []
    for t in corpus.texts:
        c = _WS.sub("", t)
        out.append([c.count(p) for p in phrases])
    return np.array(out, dtype=np.int64)


def timed(fn: Callable, *args, repeat: int = 1) -> tuple[float, np.ndarray]:
    """Best wall time of ``repeat`` runs, and the result."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn(*args)
        best = min(best, time.perf_counter() - start)
    return best, result


def peak_mb(fn: Callable, *args) -> float:
    tracemalloc.start()
    try:
        fn(*args)
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def run_set(corpus: Corpus, phrases: list[str], repeat: int) -> dict:
    t_base, base = timed(baseline, corpus, phrases, repeat=repeat)
    t_core, core = timed(onepass_core, corpus, phrases, repeat=repeat)
    t_full, full = timed(onepass_full, corpus, phrases, repeat=repeat)
    identical = bool(np.array_equal(base, core) and np.array_equal(base, full))
    return {
        "n_phrases": len(phrases),
        "identical_counts": identical,
        "total_count": int(base.sum()),
        "seconds": {"str_count_loop": round(t_base, 3), "onepass_core": round(t_core, 3),
                    "slogan_frequency": round(t_full, 3)},
        "ratio_vs_str_count": {"onepass_core": round(t_base / t_core, 2),
                               "slogan_frequency": round(t_base / t_full, 2)},
        "peak_python_mb": {"str_count_loop": round(peak_mb(baseline, corpus, phrases), 1),
                           "onepass_core": round(peak_mb(onepass_core, corpus, phrases), 1),
                           "slogan_frequency": round(peak_mb(onepass_full, corpus, phrases), 1)},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=30, help="corpus size in MB of UTF-8 text (default 30)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per method; the best is kept (default 3)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    corpus = build_corpus(args.mb, args.seed)
    texts = corpus.texts
    n_chars = sum(len(_WS.sub("", t)) for t in texts)
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    print(f"corpus: {len(corpus)} documents, {mb:.1f} MB UTF-8, {n_chars:,} non-whitespace characters")
    sets = phrase_sets(args.seed)
    results = {}
    for name, phrases in sets.items():
        results[name] = r = run_set(corpus, phrases, args.repeat)
        s, q = r["seconds"], r["ratio_vs_str_count"]
        print(f"{name:>5} phrases: str.count loop {s['str_count_loop']:.2f}s | one-pass core {s['onepass_core']:.2f}s "
              f"(x{q['onepass_core']}) | slogan_frequency {s['slogan_frequency']:.2f}s (x{q['slogan_frequency']}) "
              f"| identical counts: {r['identical_counts']} | peak MB {r['peak_python_mb']}")
    report = {
        "benchmark": "slogan counting: one-pass Aho-Corasick vs per-phrase str.count",
        "corpus": {"mb_utf8": round(mb, 1), "n_docs": len(corpus), "n_chars": n_chars, "seed": args.seed},
        "timing": f"best of {args.repeat} runs; ratio = str.count loop seconds / one-pass seconds",
        "results": results,
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    write_text_atomic(args.out, json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(f"written {args.out}")
    return 0 if all(r["identical_counts"] for r in results.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
