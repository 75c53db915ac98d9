"""Benchmark the topic model engines: tomotopy (textmine's default) against gensim, in one run.

Usage::

    .venv/bin/python benchmarks/topics_bench.py              # 10 MB of paragraphs, K = 10
    .venv/bin/python benchmarks/topics_bench.py --mb 2       # smaller
    .venv/bin/python benchmarks/topics_bench.py --quick      # 1 MB smoke run -> results/topics_quick.*

What it does:

1. Builds a corpus of ``--mb`` megabytes of UTF-8 text (fixed ``--seed``): paragraphs of the
   cleaned bundled corpora (the seed reports and the 31 provincial reports of 2026) drawn at
   random, each paragraph one document carrying its source's metadata -- the "paragraph corpus"
   of issue 15. Paragraphs repeat (the bundled texts hold a few thousand), which does not change
   the work per token.
2. Tokenizes it once with textmine's default tokenizer into a token cache in a temporary folder
   (time reported, not part of the fits).
3. For each engine, in two fresh subprocesses with different ``PYTHONHASHSEED``: reads the tokens
   from that cache, builds the vocabulary (``TopicModel._prepare``, default settings) and fits
   ``K = --k`` topics with ``seed=0`` and the engine's default iterations (tomotopy: 300 Gibbs
   sweeps, one worker; gensim: ``LdaModel``, 10 passes, chunks of 64, 100 iterations). Records
   the fit's wall and CPU time, the process's peak RSS (``ru_maxrss``) and its RSS before the fit,
   a hash of the topic-word and unit-topic matrices (the two processes must agree: determinism),
   and the coherence of the top 10 words (c_v, u_mass, c_npmi; computed after the timing).
4. Writes ``benchmarks/results/topics.json`` and ``topics.md`` with ``uptime`` before and after:
   the machine may be shared with other jobs, so timings are noisy; compare the engines' ratio
   within a run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import child_cmd, child_env, run_timed, serve_child, uptime

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
sys.path.insert(0, str(ROOT))

ENGINES = ("tomotopy", "gensim")


def build_corpus(mb: float, seed: int):
    """A Corpus of paragraphs drawn from the bundled corpora until ``mb`` megabytes."""
    from textmine.corpus import Corpus, Document, load_corpus

    sources = list(load_corpus())
    try:
        sources += list(load_corpus("provinces2026"))
    except Exception as exc:  # noqa: BLE001 - the seed reports alone still make a corpus
        print(f"(provincial corpus not available: {exc})", file=sys.stderr)
    pool = [(p.strip(), doc) for doc in sources for p in doc.text.split("\n") if len(p.strip()) >= 20]
    rng = random.Random(seed)
    target, total, docs = int(mb * 1_000_000), 0, []
    while total < target:
        text, src = rng.choice(pool)
        meta = {k: src.meta.get(k) for k in ("place", "province", "level", "rank", "year", "doctype")}
        docs.append(Document(f"p{len(docs):06d}", text, meta, clean=False))
        total += len(text.encode("utf-8"))
    return Corpus(docs), total, len(pool)


def child(engine: str, mb: float, seed: int, k: int, cache: str) -> dict:
    import numpy as np

    from textmine import topics
    from textmine.tokenize import Tokenizer, tokens

    corpus, n_bytes, _ = build_corpus(mb, seed)
    toks = tokens(corpus, Tokenizer(), n_jobs=1, cache=cache)
    model = topics.TopicModel(k=k, seed=0, engine=engine, unit="document", cache=cache)
    list(toks)  # the tokens, read from the warm cache: not part of the fit
    cpu0, t0 = time.process_time(), time.perf_counter()
    prep = model._prepare(toks)
    prepare_s, prepare_cpu = time.perf_counter() - t0, time.process_time() - cpu0
    rss_before = _rss_mb()
    cpu0, t0 = time.process_time(), time.perf_counter()
    fitted = topics._fit_engine(prep, k, engine=engine, **model._lda_params())
    fit_s, fit_cpu = time.perf_counter() - t0, time.process_time() - cpu0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    digest = hashlib.sha256(np.ascontiguousarray(fitted.topic_word).tobytes()
                            + np.ascontiguousarray(fitted.doc_dirichlet).tobytes()).hexdigest()[:16]
    t0 = time.perf_counter()
    coherence = topics._coherence(fitted.topic_word, prep, 10)
    coherence_s = time.perf_counter() - t0
    return {"engine": engine, "n_units": len(prep.ids), "n_tokens": int(sum(len(i) for i in prep.ids)),
            "vocabulary": len(prep.vocab), "bytes": n_bytes, "prepare_s": prepare_s, "prepare_cpu_s": prepare_cpu, "fit_s": fit_s,
            "fit_cpu_s": fit_cpu, "rss_before_fit_mb": rss_before, "peak_rss_mb": peak, "hash": digest,
            "coherence_s": coherence_s, **coherence, "version": fitted.version,
            "iterations": "300 Gibbs sweeps" if engine == "tomotopy" else "10 passes x 100 iterations, chunks of 64"}


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def run_child(engine: str, hash_seed: str, **kwargs: Any) -> dict:
    cmd = child_cmd(Path(__file__).resolve(), "fit", {"engine": engine, **kwargs})
    return run_timed(cmd, child_env({"PYTHONHASHSEED": hash_seed}), ROOT, engine).result


def main(argv: list[str] | None = None) -> int:
    if serve_child({"fit": child}, argv):
        return 0
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--mb", type=float, default=10.0)
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true", help="1 MB smoke run, results/topics_quick.*")
    args = p.parse_args(argv)
    mb = 1.0 if args.quick else args.mb
    stem = "topics_quick" if args.quick else "topics"
    before = uptime()
    with tempfile.TemporaryDirectory(prefix="textmine-topics-bench-") as cache:
        from textmine.tokenize import Tokenizer, tokens

        corpus, n_bytes, n_pool = build_corpus(mb, args.seed)
        t0 = time.perf_counter()
        toks = tokens(corpus, Tokenizer(), n_jobs=-1, cache=cache)
        toks.n_tokens  # noqa: B018 - tokenizes and caches the corpus
        tokenize_s = time.perf_counter() - t0
        print(f"{len(corpus):,} paragraphs ({n_bytes / 1e6:.1f} MB, drawn from {n_pool:,}); "
              f"tokenized in {tokenize_s:.1f} s", flush=True)
        runs = []
        for engine in ENGINES:
            for hash_seed in ("1", "2"):
                r = run_child(engine, hash_seed, mb=mb, seed=args.seed, k=args.k, cache=cache)
                r["pythonhashseed"] = hash_seed
                print(f"{engine} (PYTHONHASHSEED={hash_seed}): fit {r['fit_s']:.1f} s, "
                      f"peak RSS {r['peak_rss_mb']:.0f} MB, c_v {r['c_v']:.4f}, hash {r['hash']}", flush=True)
                runs.append(r)
    after = uptime()
    result = {"mb": mb, "k": args.k, "seed": args.seed, "n_paragraphs": len(corpus), "bytes": n_bytes,
              "distinct_source_paragraphs": n_pool, "tokenize_s": tokenize_s, "runs": runs,
              "uptime_before": before, "uptime_after": after, "cpus": os.cpu_count(),
              "command": "benchmarks/topics_bench.py" + (" --quick" if args.quick else f" --mb {mb:g} --k {args.k}")}
    from textmine._io import write_text_atomic

    RESULTS.mkdir(exist_ok=True)
    write_text_atomic(RESULTS / f"{stem}.json", json.dumps(result, ensure_ascii=False, indent=1) + "\n")
    write_text_atomic(RESULTS / f"{stem}.md", summary(result))
    print(summary(result))
    same = all(len({r["hash"] for r in runs if r["engine"] == e}) == 1 for e in ENGINES)
    return 0 if same else 1


def summary(r: dict) -> str:
    best = {e: min((x for x in r["runs"] if x["engine"] == e), key=lambda x: x["fit_s"]) for e in ENGINES}
    ratio = best["gensim"]["fit_s"] / best["tomotopy"]["fit_s"]
    cpu = {e: min(x["fit_cpu_s"] for x in r["runs"] if x["engine"] == e) for e in ENGINES}
    total = {e: min(x["prepare_s"] + x["fit_s"] for x in r["runs"] if x["engine"] == e) for e in ENGINES}
    lines = [
        f"# Topic model engines: tomotopy vs gensim, K = {r['k']}, {r['bytes'] / 1e6:.1f} MB of paragraphs",
        "",
        f"Command: `.venv/bin/python {r['command']}`. Corpus: {r['n_paragraphs']:,} paragraphs "
        f"({r['bytes'] / 1e6:.1f} MB UTF-8) drawn at random (seed {r['seed']}) from "
        f"{r['distinct_source_paragraphs']:,} paragraphs of the bundled corpora, each paragraph one unit; "
        f"tokenized once ({r['tokenize_s']:.1f} s, both cores), then every fit in its own process.",
        "",
        f"Machine: {r['cpus']} CPUs, shared with other jobs. Load before: `{r['uptime_before']}`; "
        f"after: `{r['uptime_after']}`. Timings are noisy; the ratio within this run is the comparison.",
        "",
        "| engine | PYTHONHASHSEED | units | tokens | vocabulary | vocabulary + ids: wall / CPU (s) "
        "| engine fit: wall / CPU (s) | RSS before fit (MB) | peak RSS (MB) | c_v | u_mass | c_npmi | matrices hash |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for x in r["runs"]:
        lines.append(f"| {x['engine']} {x['version']} | {x['pythonhashseed']} | {x['n_units']:,} | {x['n_tokens']:,} "
                     f"| {x['vocabulary']:,} | {x['prepare_s']:.1f} / {x['prepare_cpu_s']:.1f} | {x['fit_s']:.1f} / {x['fit_cpu_s']:.1f} "
                     f"| {x['rss_before_fit_mb']:.0f} "
                     f"| {x['peak_rss_mb']:.0f} | {x['c_v']:.4f} | {x['u_mass']:.3f} | {x['c_npmi']:.4f} | `{x['hash']}` |")
    same = {e: len({x["hash"] for x in r["runs"] if x["engine"] == e}) == 1 for e in ENGINES}
    lines += [
        "",
        f"- gensim's fit takes **{ratio:.1f}x** tomotopy's (best of two runs each: "
        f"{best['gensim']['fit_s']:.1f} s vs {best['tomotopy']['fit_s']:.1f} s); in CPU time "
        f"**{cpu['gensim'] / cpu['tomotopy']:.1f}x** ({cpu['gensim']:.1f} s vs {cpu['tomotopy']:.1f} s).",
        f"- `TopicModel(k={r['k']}).fit` from warm tokens (vocabulary + engine), best run: tomotopy "
        f"{total['tomotopy']:.1f} s, gensim {total['gensim']:.1f} s (wall, on the shared machine).",
        "- Deterministic: " + "; ".join(f"{e} {'identical' if same[e] else 'DIFFERENT'} matrices in both processes"
                                       for e in ENGINES) + ".",
        f"- Settings: tomotopy {best['tomotopy']['iterations']}; gensim {best['gensim']['iterations']}; "
        "both with textmine's default vocabulary (terms in 2+ units, at most half of them, 5,000 terms).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
