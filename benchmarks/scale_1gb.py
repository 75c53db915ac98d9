"""A 1 GB corpus end to end within 1 GB of memory, all processes summed (issue #19, item 4).

Usage::

    .venv/bin/python benchmarks/scale_1gb.py            # 1,000 MB, baseline 50 MB -> results/scale_1gb.*
    .venv/bin/python benchmarks/scale_1gb.py --quick    # 30 MB, baseline 5 MB -> results/scale_1gb_quick.*
    .venv/bin/python benchmarks/scale_1gb.py --mb 200 --baseline-mb 20

The corpus is a folder of ``.txt`` files + ``metadata.csv`` in ``benchmarks/data/``
(git-ignored; built by ``benchmarks/wall.py``'s ``build_provinces`` when missing):
reshuffled raw lines of the 2026 provincial reports, documents of 5,000-60,000
characters, web furniture and hard line breaks included, so cleaning has work.

One fresh ``python`` process does what a user does, with default settings
(cleaning on, ``n_jobs=-1``, the default cache in a fresh empty folder)::

    corpus = tm.load_corpus(folder, lazy=True)
    toks = tm.tokens(corpus, n_jobs=-1, progress=True)
    d = tm.dtm(toks)
    slogans = tm.slogan_frequency(corpus, n_jobs=-1, progress=True)
    top = tm.top_terms(toks)

each step's result dropped before the next (``corpus`` and ``toks`` kept).
Before and after each step the process writes a marker line to stdout (step,
wall clock, CPU seconds of itself and of every worker process so far); this
script reads the markers as they come and samples the summed resident memory
(VmRSS) of the process tree every 50 ms, so each step gets its wall time,
CPU time (process + workers) and the peak of the summed RSS during the step,
with the split main process / workers at that peak. Progress bars go to
stderr, passed through. The same pipeline on a small corpus (``--baseline-mb``)
in the same run gives the ratios: on a shared machine timings are noisy, ratios
less so. The load average is recorded before and after each pipeline.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _common import (  # noqa: E402
    TreeSampler, child_cmd, child_env, cpu_seconds, cpu_ticks, descendants, rss_kb, serve_child)

RESULTS = ROOT / "benchmarks" / "results"
BUDGET_MB = 1024
STEPS = ("import", "load_corpus", "tokens", "dtm", "slogan_frequency", "top_terms")
MARK = "@@scale "


# ---------------------------------------------------------------------------
# the child: a user's script


def _tree_cpu() -> float:
    """CPU seconds of this process, of its children it has waited for, and of its live descendants.

    A worker is counted from ``/proc`` while it lives and through
    ``RUSAGE_CHILDREN`` once it has exited and been waited for, never both.
    """
    live = sum(cpu_ticks(pid) / os.sysconf("SC_CLK_TCK") for pid in descendants(os.getpid()))
    return cpu_seconds() + live


def _dtm_digest(d: Any) -> str:
    """sha256 of the matrix's arrays (their own bytes: no copy) and vocabulary; no reference kept."""
    import numpy as np

    h = hashlib.sha256()
    for part in (d.matrix.indptr, d.matrix.indices, d.matrix.data):
        h.update(memoryview(np.ascontiguousarray(part)))
    h.update("\n".join(d.vocabulary).encode())
    return h.hexdigest()[:16]


def _slogan_digest(freq: Any) -> str:
    """sha256 of the counts and denominators (rows are documents × slogans in a fixed order)."""
    import numpy as np

    h = hashlib.sha256()
    for col in ("count", "n_chars"):
        h.update(memoryview(np.ascontiguousarray(freq[col].to_numpy(), dtype=np.int64)))
    return h.hexdigest()[:16]


def child_pipeline(data: str) -> dict:
    out: dict[str, Any] = {"steps": {}}

    def mark(step: str, phase: str) -> None:
        rss = rss_kb(os.getpid()) / 1024
        print(MARK + json.dumps({"step": step, "phase": phase, "t": time.time(), "cpu": _tree_cpu(),
                                 "main_mb": round(rss, 1)}), flush=True)
        print(f"[{time.strftime('%H:%M:%S')}] {step} {phase} (main process {rss:.0f} MB)", file=sys.stderr, flush=True)

    import warnings

    # the generated metadata says 省 for the autonomous regions too (benchmarks/wall.py): one warning per file
    warnings.filterwarnings("ignore", message=r".*rank '省' given, but the gazetteer has")
    mark("import", "start")
    import numpy as np

    import textmine as tm

    tm.tokens, tm.dtm, tm.slogan_frequency, tm.top_terms  # noqa: B018 - resolve the lazy exports now
    mark("import", "end")

    mark("load_corpus", "start")
    corpus = tm.load_corpus(data, lazy=True)
    mark("load_corpus", "end")

    mark("tokens", "start")
    toks = tm.tokens(corpus, n_jobs=-1, progress=True)
    n_tokens = toks.n_tokens  # the first full pass: segments every document and keeps the tokens
    mark("tokens", "end")
    out.update(n_docs=len(toks), n_tokens=int(n_tokens.sum()), n_words=len(toks.vocabulary))

    mark("dtm", "start")
    d = tm.dtm(toks)
    mark("dtm", "end")
    out.update(dtm_shape=list(d.matrix.shape), dtm_nnz=int(d.matrix.nnz), dtm_digest=_dtm_digest(d))
    del d  # each step's result is dropped before the next step; corpus and toks are kept

    mark("slogan_frequency", "start")
    freq = tm.slogan_frequency(corpus, n_jobs=-1, progress=True)
    mark("slogan_frequency", "end")
    out.update(slogan_rows=len(freq), slogan_total=int(freq["count"].sum()), slogan_digest=_slogan_digest(freq))
    del freq

    mark("top_terms", "start")
    top = tm.top_terms(toks)
    mark("top_terms", "end")
    out.update(top_rows=len(top),
               top_digest=hashlib.sha256(top[["doc_id", "term", "term_rank"]].to_csv(index=False).encode()
                                         + top["tfidf"].round(12).to_numpy().tobytes()).hexdigest()[:16],
               top_first=top[["doc_id", "term", "tfidf"]].head(3).values.tolist())
    return out


CHILDREN = {"pipeline": child_pipeline}


# ---------------------------------------------------------------------------
# the parent: launch, read the step markers, sample memory


class StepPeaks(TreeSampler):
    """Also the peak of each step (``step``, set as the markers come): summed RSS, main process / workers split."""

    def __init__(self, pid: int) -> None:
        super().__init__(pid)
        self.step, self.steps, self.lock = "start", {}, threading.Lock()

    def sample(self, pids: list[int], kb: list[int]) -> None:
        with self.lock:
            super().sample(pids, kb)
            p = self.steps.setdefault(self.step, {"kb": 0, "main_kb": 0, "workers_kb": 0, "processes": 0})
            if sum(kb) > p["kb"]:
                p.update(kb=sum(kb), main_kb=kb[0], workers_kb=sum(kb) - kb[0], processes=len(pids))


def run_pipeline(folder: Path, cache_dir: Path, log) -> dict:
    """One fresh process running the pipeline on ``folder``: per step wall, CPU, peak summed RSS."""
    cmd = child_cmd(Path(__file__).resolve(), "pipeline", {"data": str(folder)})
    load_before = os.getloadavg()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=None, cwd=ROOT,
                            env=child_env({"TEXTMINE_CACHE_DIR": str(cache_dir)}), text=True, bufsize=1)
    with StepPeaks(proc.pid) as sampler:
        marks: list[dict] = []
        last = ""
        for line in proc.stdout:
            if line.startswith(MARK):
                m = json.loads(line[len(MARK):])
                marks.append(m)
                with sampler.lock:
                    sampler.step = m["step"] if m["phase"] == "start" else f"after {m['step']}"
                if m["phase"] == "end":
                    begin = next(x for x in reversed(marks) if x["step"] == m["step"] and x["phase"] == "start")
                    p = sampler.steps.get(m["step"], {"kb": 0})
                    log(f"  {m['step']}: {m['t'] - begin['t']:.1f} s, CPU {m['cpu'] - begin['cpu']:.1f} s, "
                        f"peak {p['kb'] / 1024:.0f} MB (load {os.getloadavg()[0]:.1f})")
            elif line.strip():
                last = line
        proc.wait()
        wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"pipeline on {folder} failed (exit {proc.returncode}); its stderr is above")
    result = json.loads(last)
    steps = {}
    for step in STEPS:
        a = next(x for x in marks if x["step"] == step and x["phase"] == "start")
        b = next(x for x in marks if x["step"] == step and x["phase"] == "end")
        p = sampler.steps.get(step, {"kb": 0, "main_kb": 0, "workers_kb": 0, "processes": 0})
        steps[step] = {"seconds": round(b["t"] - a["t"], 2), "cpu": round(b["cpu"] - a["cpu"], 2),
                       "main_mb_at_start": a["main_mb"], "main_mb_at_end": b["main_mb"],
                       "peak_mb": round(p["kb"] / 1024, 1), "peak_main_mb": round(p["main_kb"] / 1024, 1),
                       "peak_workers_mb": round(p["workers_kb"] / 1024, 1), "processes": p["processes"]}
    return {"wall": round(wall, 2), "peak_mb": round(sampler.peak_kb / 1024, 1), "steps": steps,
            "load_before": [round(x, 2) for x in load_before], "load_after": [round(x, 2) for x in os.getloadavg()],
            "cache_mb": round(sum(f.stat().st_size for f in cache_dir.rglob("*") if f.is_file()) / 1e6, 1),
            **{k: v for k, v in result.items() if k != "steps"}}


# ---------------------------------------------------------------------------
# the run


def summary(result: dict) -> str:
    m = result["machine"]
    big, base = result["corpora"]["target"], result["corpora"]["baseline"]
    lines = ["# A 1 GB corpus end to end: time and memory per step", "",
             f"Machine: {m['cpu']}, {m['cores_usable']} cores, {m['ram_gb']} GB RAM, Python {m['python']}, shared "
             f"with other jobs (load averages below). Command: `{result['command']}`. Each pipeline is one fresh "
             "`python` process with default settings (cleaning on, `n_jobs=-1`, the default token cache in a fresh "
             "empty folder):", "",
             "```python",
             "corpus = tm.load_corpus(folder, lazy=True)",
             "toks = tm.tokens(corpus, n_jobs=-1, progress=True)",
             "d = tm.dtm(toks)",
             "slogans = tm.slogan_frequency(corpus, n_jobs=-1, progress=True)",
             "top = tm.top_terms(toks)",
             "```", "",
             "Peak memory = the largest sum of resident memory (VmRSS) over the process and its workers, sampled "
             f"every 50 ms during the step; budget {BUDGET_MB:,} MB. CPU = the process and its workers. Each "
             "step's result is dropped before the next step (`corpus` and `toks` are kept); the per-document "
             "slogan table is itself the largest object (see the slogan row count).", ""]
    for label, c in (("target", big), ("baseline", base)):
        lines.append(f"- {label}: `{c['folder']}`: {c['mb']:,.1f} MB, {c['n_docs']:,} documents, "
                     f"{c['n_tokens']:,} tokens, {c['n_words']:,} distinct, DTM {c['dtm_shape'][0]:,} × "
                     f"{c['dtm_shape'][1]:,} ({c['dtm_nnz']:,} non-zero), {c['slogan_rows']:,} slogan rows; "
                     f"whole process {c['wall']:.1f} s, peak {c['peak_mb']:,.0f} MB; load average "
                     f"{c['load_before'][0]:.1f} before, {c['load_after'][0]:.1f} after; cache written "
                     f"{c['cache_mb']:,.0f} MB")
    lines += ["", f"| step | {big['mb']:,.0f} MB: time | CPU | peak memory (main + workers) | "
              f"{base['mb']:,.0f} MB: time | peak memory | time ratio ({big['mb'] / base['mb']:.1f}× the data) |",
              "|---|---|---|---|---|---|---|"]
    for step in STEPS:
        s, b = big["steps"][step], base["steps"][step]
        ratio = f"{s['seconds'] / b['seconds']:.1f}×" if b["seconds"] >= 0.05 else "–"
        over = "" if s["peak_mb"] <= BUDGET_MB else " **over budget**"
        lines.append(f"| {step} | {s['seconds']:.1f} s | {s['cpu']:.1f} s | {s['peak_mb']:,.0f} MB "
                     f"({s['peak_main_mb']:,.0f} + {s['peak_workers_mb']:,.0f}){over} | {b['seconds']:.1f} s | "
                     f"{b['peak_mb']:,.0f} MB | {ratio} |")
    total_big = sum(s["seconds"] for s in big["steps"].values())
    total_base = sum(s["seconds"] for s in base["steps"].values())
    lines += [f"| all steps | {total_big:.1f} s | {sum(s['cpu'] for s in big['steps'].values()):.1f} s | "
              f"{big['peak_mb']:,.0f} MB | {total_base:.1f} s | {base['peak_mb']:,.0f} MB | "
              f"{total_big / total_base:.1f}× |", "",
              f"Within the budget at every step: **{'yes' if big['peak_mb'] <= BUDGET_MB else 'no'}** "
              f"(peak {big['peak_mb']:,.0f} MB of {BUDGET_MB:,} MB).", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    if serve_child(CHILDREN, argv):
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=1000, help="corpus size in MB of UTF-8 text (default 1000)")
    parser.add_argument("--baseline-mb", type=float, default=50, help="the baseline corpus (default 50)")
    parser.add_argument("--quick", action="store_true", help="30 MB, baseline 5 MB: results/scale_1gb_quick.*")
    parser.add_argument("--source", type=Path, default=None,
                        help="folder of the provincial report CSVs (default: seeds/provinces2026)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.quick:
        args.mb, args.baseline_mb = 30, 5
    from run import machine
    from wall import BUNDLED_PROVINCES, SHARED_PROVINCES, build_provinces

    from textmine._io import write_text_atomic

    if args.source is None:
        args.source = BUNDLED_PROVINCES if any(BUNDLED_PROVINCES.glob("*.csv")) else SHARED_PROVINCES

    def log(msg: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)

    stem = "scale_1gb_quick" if args.quick else "scale_1gb"
    command = "python benchmarks/scale_1gb.py" + (" --quick" if args.quick else "")
    if not args.quick and (args.mb, args.baseline_mb) != (1000, 50):
        command += f" --mb {args.mb:g} --baseline-mb {args.baseline_mb:g}"
    result: dict[str, Any] = {"machine": machine(), "command": command, "budget_mb": BUDGET_MB,
                              "load_before": os.getloadavg(), "corpora": {}}
    scratch = Path(tempfile.mkdtemp(prefix="textmine-scale-"))
    try:
        for label, mb in (("baseline", args.baseline_mb), ("target", args.mb)):
            log(f"building/reusing the {mb:g} MB corpus ...")
            folder = build_provinces(mb, args.seed, args.source)
            info = json.loads((folder / "corpus.json").read_text())
            log(f"{label}: {folder.relative_to(ROOT)}, {info['n_docs']:,} files, {info['bytes'] / 1e6:,.1f} MB "
                f"(load {os.getloadavg()[0]:.1f})")
            cache = scratch / f"cache-{label}"
            r = run_pipeline(folder, cache, log)
            shutil.rmtree(cache, ignore_errors=True)
            result["corpora"][label] = {"folder": str(folder.relative_to(ROOT)), "mb": info["bytes"] / 1e6, **r}
            log(f"{label}: whole process {r['wall']:.1f} s, peak {r['peak_mb']:,.0f} MB")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    result["load_after"] = os.getloadavg()
    write_text_atomic(RESULTS / f"{stem}.json", json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    write_text_atomic(RESULTS / f"{stem}.md", summary(result))
    log(f"written {RESULTS / (stem + '.md')}")
    print(summary(result))
    return 0 if result["corpora"]["target"]["peak_mb"] <= BUDGET_MB else 1


if __name__ == "__main__":
    raise SystemExit(main())
