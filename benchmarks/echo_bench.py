"""Benchmark and validate :func:`textmine.echo` on a generated corpus with planted reused passages.

Usage::

    .venv/bin/python benchmarks/echo_bench.py                  # 10,000 documents
    .venv/bin/python benchmarks/echo_bench.py --docs 1000      # smaller
    .venv/bin/python benchmarks/echo_bench.py --quick          # 300 documents, smoke run

What it does, in one run:

1. Builds a corpus of ``--docs`` documents (fixed ``--seed``) from reshuffled
   paragraphs of the cleaned bundled reports: for each of ``--years`` years, 31
   provincial reports (places 省1..省31) made of paragraphs of pool A (the Jinan,
   Shenyang, Fuzhou and Benxi reports), and city reports (市1, 市2, ... spread
   over the provinces) made of paragraphs of pool B (the other bundled
   documents), ``--chars`` characters each on average. The two pools share no
   paragraph, so the only reuse *planted* between a city and its province is
   known.
2. Plants ``--plant`` sentences of each city's provincial report of the same
   year into the city's report, each with one edit, in turn: verbatim, numbers
   changed, a place name swapped (or two characters replaced by a city name),
   a clause dropped (a sentence with at least two clauses loses one).
3. Runs ``echo(corpus)`` (default parent references, threshold 0.4) in a fresh
   subprocess: wall time, CPU time, and memory: the peak RSS while building the
   corpus, the RSS before echo, and the peak RSS during echo (the kernel's peak
   mark is reset after the corpus is built; the corpus stays resident). Baselines in the same run, on the first
   ``--sample`` cities and their provinces: exact all-pairs Jaccard comparison
   (the quadratic method LSH avoids) and ``engine="datasketch"``; their times
   are compared with echo's on the same sample.
4. Scores the planted passages: recall (planted sentences found, with the right
   provincial sentence) overall and per edit, the share of planted pairs whose
   true Jaccard similarity is at least the threshold (what any exact method
   could find), and precision (found passages that are planted; the others are
   formulaic sentences shared by unrelated reports, listed in the results).
5. Writes ``benchmarks/results/echo.json`` and ``echo.md`` with ``uptime``
   before and after (the machine may be shared: timings are noisy).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _common import uptime

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE.parent))

POOL_A = ("jinan_2024_report", "shenyang_2024_report", "fuzhou_2024_report", "benxi_2024_report")
EDITS = ("verbatim", "numbers", "place", "clause")
CITY_NAMES = ("泉州", "漳州", "宁德", "莆田", "三明", "南平", "龙岩", "晋江")
_NUM = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_END = re.compile(r"[。！？；!?;]$")


def paragraph_pools() -> tuple[list[str], list[str]]:
    import textmine as tm

    a, b = [], []
    for doc in tm.load_corpus():
        paras = [p.strip() for p in doc.text.split("\n") if len(p.strip()) >= 20]
        (a if doc.doc_id in POOL_A else b).extend(paras)
    return a, b


def make_doc(pool: list[str], chars: int, rng: random.Random) -> str:
    target = int(chars * rng.uniform(0.5, 1.5))
    out, n = [], 0
    while n < target:
        p = rng.choice(pool)
        out.append(p)
        n += len(p)
    return "\n".join(out)


def edit(sentence: str, kind: str, rng: random.Random) -> str:
    if kind == "numbers" and _NUM.search(sentence):
        return _NUM.sub(lambda m: str(rng.randint(1, 99)) + ("." + str(rng.randint(1, 9)) if rng.random() < .5 else ""),
                        sentence)
    if kind == "place":
        for name in ("济南", "沈阳", "福州", "本溪", "全省", "省委", "全市"):
            if name in sentence:
                return sentence.replace(name, rng.choice(CITY_NAMES), 1)
        i = rng.randrange(0, max(1, len(sentence) - 3))
        return sentence[:i] + rng.choice(CITY_NAMES) + sentence[i + 2:]
    if kind == "clause":
        clauses = re.split(r"(?<=[,，])", sentence)
        if len(clauses) >= 2:
            drop = rng.randrange(1, len(clauses)) if len(clauses) > 2 else 1
            kept = clauses[:drop] + clauses[drop + 1:]
            text = "".join(kept)
            if not _END.search(text):
                text = text.rstrip(",，") + "。"
            return text
    return sentence


def build(n_docs: int, years: int, chars: int, plant: int, seed: int) -> tuple[Any, list[dict]]:
    """(corpus, planted passages: city doc, sentence as planted, province doc, province sentence, edit)."""
    import pandas as pd

    import textmine as tm
    from textmine.panels.echo import split_sentences

    rng = random.Random(seed)
    pool_a, pool_b = paragraph_pools()
    rows, planted = [], []
    n_prov = 31
    n_city = max(0, n_docs - n_prov * years)
    province_sentences: dict[tuple[str, int], list[str]] = {}
    for y in range(years):
        year = 2024 - years + 1 + y
        for p in range(1, n_prov + 1):
            text = make_doc(pool_a, chars, rng)
            rows.append((f"prov{p}_{year}", f"省{p}", f"省{p}", "省级", year, text))
            province_sentences[(f"省{p}", year)] = [s for s in split_sentences(text, 20)]
    k = 0
    for i in range(n_city):
        year = 2024 - years + 1 + (i % years)
        p = 1 + (i // years) % n_prov
        doc_id = f"city{i}_{year}"
        text = make_doc(pool_b, chars, rng)
        paras = text.split("\n")
        sources = province_sentences[(f"省{p}", year)]
        for _ in range(plant):
            src = rng.choice(sources)
            kind = EDITS[k % len(EDITS)]
            k += 1
            copy = edit(src, kind, rng)
            if not _END.search(copy):
                copy += "。"
            paras.insert(rng.randrange(0, len(paras) + 1), copy)
            planted.append({"doc_id": doc_id, "sentence": copy, "source": f"prov{p}_{year}", "source_sentence": src,
                            "edit": kind})
        rows.append((doc_id, f"市{i}", f"省{p}", "地级市", year, "\n".join(paras)))
    frame = pd.DataFrame(rows, columns=["doc_id", "place", "province", "level", "year", "text"])
    return tm.Corpus.from_dataframe(frame, clean=False), planted


def child(args: argparse.Namespace) -> None:
    """Build the corpus, time echo, score it; print one JSON line."""
    from textmine.panels.echo import _normalise, echo

    t0 = time.perf_counter()
    corpus, planted = build(args.docs, args.years, args.chars, args.plant, args.seed)
    build_s = time.perf_counter() - t0
    build_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    import gc

    gc.collect()
    reset = _reset_peak()  # so that VmHWM measures the echo step alone (the corpus stays resident)
    before_mb = _status_mb("VmRSS")
    n_chars = sum(len(d.text) for d in corpus)
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    result = echo(corpus, threshold=args.threshold, progress=False)
    echo_s = time.perf_counter() - t0
    echo_cpu = time.process_time() - cpu0
    echo_peak_mb = _status_mb("VmHWM") if reset else None
    passages = result.passages
    found = {(r.doc_id, r.sentence.strip(), r.reference_doc_id, r.reference_sentence.strip())
             for r in passages.itertuples()}
    by_doc_sentence = {(r.doc_id, r.sentence.strip()) for r in passages.itertuples()}

    def shingles(s: str) -> set[str]:
        s = _normalise(s)
        return {s[i:i + 3] for i in range(max(1, len(s) - 2))}

    per_edit: dict[str, list[int]] = {e: [0, 0, 0] for e in EDITS}  # found, planted, reachable
    hits = 0
    planted_keys = set()
    for p in planted:
        key = (p["doc_id"], p["sentence"].strip(), p["source"], p["source_sentence"].strip())
        planted_keys.add((p["doc_id"], p["sentence"].strip()))
        a, b = shingles(p["sentence"]), shingles(p["source_sentence"])
        reachable = len(a & b) / len(a | b) >= args.threshold
        ok = key in found or ((p["doc_id"], p["sentence"].strip()) in by_doc_sentence and any(
            f[0] == p["doc_id"] and f[1] == p["sentence"].strip() and f[2] == p["source"] for f in found))
        hits += ok
        per_edit[p["edit"]][0] += ok
        per_edit[p["edit"]][1] += 1
        per_edit[p["edit"]][2] += reachable
    true_found = sum((r.doc_id, r.sentence.strip()) in planted_keys for r in passages.itertuples())
    false = passages[[(r.doc_id, r.sentence.strip()) not in planted_keys for r in passages.itertuples()]]
    out = {
        "n_docs": len(corpus), "n_chars": n_chars, "n_planted": len(planted), "build_s": build_s,
        "echo_s": echo_s, "echo_cpu_s": echo_cpu, "build_rss_mb": build_rss_mb,
        "rss_before_echo_mb": before_mb, "echo_peak_rss_mb": echo_peak_mb,
        "n_sentences": int(result.documents["n_sentences"].sum()),
        "n_passages": len(passages), "recall": hits / len(planted) if planted else None,
        "precision": true_found / len(passages) if len(passages) else None,
        "per_edit": {e: {"found": v[0], "planted": v[1], "reachable": v[2]} for e, v in per_edit.items()},
        "false_examples": false[["sentence", "reference_sentence", "similarity"]].head(8).values.tolist(),
    }
    if args.sample:
        out["baselines"] = baselines(corpus, args)
    print(json.dumps(out, ensure_ascii=False))


def _status_mb(field: str) -> float | None:
    """A memory field of /proc/self/status in MB (Linux), or None."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    """Reset the kernel's peak-RSS mark of this process (``echo 5 > /proc/self/clear_refs``)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def baselines(corpus: Any, args: argparse.Namespace) -> dict:
    """On the first ``--sample`` cities and their provinces: echo, datasketch engine, exact all pairs."""
    import numpy as np

    from textmine.corpus import Corpus
    from textmine.panels.echo import _jaccard, _sketch, _Sketcher, echo
    from textmine.panels.parents import parent_documents

    cities = [d for d in corpus if d["level"] == "地级市"][: args.sample]
    parents = parent_documents(corpus).set_index("doc_id")["parent_doc_id"]
    provinces = {parents[d.doc_id] for d in cities}
    sample = Corpus([d for d in corpus if d.doc_id in provinces] + cities)
    timings = {}
    for engine in ("numpy", "datasketch"):
        t0 = time.perf_counter()
        r = echo(sample, threshold=args.threshold, engine=engine, progress=False)
        timings[engine] = {"seconds": time.perf_counter() - t0, "n_passages": len(r.passages)}
    # exact all pairs: every sentence of a city against every sentence of its province
    t0 = time.perf_counter()
    sk = _Sketcher(3, 2, 1)
    sketches = {d.doc_id: _sketch(d.text, sk, 10) for d in sample}
    n_pairs = n_found = 0
    for d in cities:
        mine, ref = sketches[d.doc_id], sketches[parents[d.doc_id]]
        for a in mine.shingles:
            best = max((_jaccard(a, b) for b in ref.shingles), default=0.0)
            n_pairs += len(ref.shingles)
            n_found += best >= args.threshold
    timings["all_pairs_exact"] = {"seconds": time.perf_counter() - t0, "n_passages": int(n_found),
                                  "n_pairs": int(n_pairs)}
    timings["n_cities"] = len(cities)
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--years", type=int, default=2)
    parser.add_argument("--chars", type=int, default=4000, help="mean characters per document")
    parser.add_argument("--plant", type=int, default=4, help="planted passages per city report")
    parser.add_argument("--threshold", type=float, default=0.4)
    parser.add_argument("--sample", type=int, default=100, help="cities for the baselines (0: none)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="300 documents, results/echo_quick.*")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.docs, args.sample = 300, 30
    if args.child:
        child(args)
        return 0
    before = uptime()
    cmd = [sys.executable, __file__, "--child", "--docs", str(args.docs), "--years", str(args.years),
           "--chars", str(args.chars), "--plant", str(args.plant), "--threshold", str(args.threshold),
           "--sample", str(args.sample), "--seed", str(args.seed)]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode:
        sys.stderr.write(proc.stderr)
        return proc.returncode
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result.update(total_s=time.perf_counter() - t0, uptime_before=before, uptime_after=uptime(),
                  command=" ".join(["benchmarks/echo_bench.py"] + (argv if argv is not None else sys.argv[1:])),
                  cpus=os.cpu_count())
    name = "echo_quick" if args.quick else "echo"
    RESULTS.mkdir(exist_ok=True)
    from textmine._io import write_text_atomic

    write_text_atomic(RESULTS / f"{name}.json", json.dumps(result, ensure_ascii=False, indent=1) + "\n")
    write_text_atomic(RESULTS / f"{name}.md", summary(result))
    print(summary(result))
    return 0


def summary(r: dict) -> str:
    lines = [f"# echo benchmark ({r['command']})", "",
             f"- machine: {r['cpus']} CPUs; load before: `{r['uptime_before']}`; after: `{r['uptime_after']}`",
             f"- corpus: {r['n_docs']:,} documents, {r['n_chars'] / 1e6:.1f} M characters, "
             f"{r['n_sentences']:,} sentences of at least 10 characters, {r['n_planted']:,} planted passages "
             f"(built in {r['build_s']:.1f} s)",
             f"- echo (default parent references, threshold 0.4, LSH tuned for 0.3, 128 permutations): "
             f"**{r['echo_s']:.1f} s** wall, {r['echo_cpu_s']:.1f} s CPU",
             f"- memory (RSS of the process): {r.get('build_rss_mb', float('nan')):.0f} MB peak while building the "
             f"corpus; {r.get('rss_before_echo_mb') or float('nan'):.0f} MB resident before echo (the corpus); "
             f"**{r.get('echo_peak_rss_mb') or float('nan'):.0f} MB peak during echo** (the peak mark reset "
             "before it, corpus included)",
             f"- recall of planted passages: **{r['recall']:.3f}**; precision (found passages that were planted): "
             f"**{r['precision']:.3f}** ({r['n_passages']:,} passages found)", "",
             "| edit | planted | found | recall | true Jaccard >= threshold |", "|---|---|---|---|---|"]
    for e, v in r["per_edit"].items():
        lines.append(f"| {e} | {v['planted']} | {v['found']} | {v['found'] / max(1, v['planted']):.3f} | "
                     f"{v['reachable'] / max(1, v['planted']):.3f} |")
    b = r.get("baselines")
    if b:
        lines += ["", f"Baselines on {b['n_cities']} cities and their provinces (same run):", "",
                  "| method | seconds | passages |", "|---|---|---|"]
        for k in ("numpy", "datasketch", "all_pairs_exact"):
            lines.append(f"| {k} | {b[k]['seconds']:.2f} | {b[k]['n_passages']} |")
        lines.append(f"\nall-pairs / echo time ratio: {b['all_pairs_exact']['seconds'] / b['numpy']['seconds']:.1f}x; "
                     f"datasketch engine / numpy engine: {b['datasketch']['seconds'] / b['numpy']['seconds']:.1f}x")
    if r.get("false_examples"):
        lines += ["", "Found passages that were not planted (first few; formulaic sentences shared by unrelated "
                  "reports):", ""]
        lines += [f"- {a} ≈ {b_} ({s:.2f})" for a, b_, s in r["false_examples"]]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
