"""How fast does ``python -m textmine.report`` draw? (issue #19, item 5: "the report draws fast")

Every run is a fresh process on the provincial corpus (``--corpus provinces2026``),
with its own cache folder (``TEXTMINE_CACHE_DIR``). Five report runs, in this order:

- **cold**: empty cache folder, new ``--out``: tokenizes, computes every table, fits
  the topic model, draws and writes every figure and the explorer;
- **figures, tokens warm**: the token cache of the cold run is kept, the result cache
  (``results/`` in the cache folder: figures and their tables) is emptied, new ``--out``:
  what a run costs after a change to textmine's analysis code, i.e. the tables are
  computed again (slogans, TF-IDF, keyness, LDA fit, topic effects) from cached tokens
  and every figure is drawn;
- **figures from cached tables**: what a change to the drawing code only (``plots.py``)
  leaves of the cache (:func:`remove_figure_entries`: the figures go, the tables and the
  explorer page stay), new ``--out``. A tree that keeps no tables (the code before it)
  computes everything again here;
- **warm, new --out**: everything cached, new ``--out``: nothing is computed or drawn,
  the cached bytes are copied;
- **warm, same --out**: the same again into the folder of the previous run (nothing written).

Plus **drawing from tables in memory**, in a fresh process: the report's tables are
computed first (untimed, ``build_report(force=True)`` with the plotting calls recorded),
then each of the 9 figures is built (``draw``: the ``textmine.plots`` function) and
rendered to PNG bytes (``save``: ``plots.figure_bytes`` at the report's 200 dpi), twice;
the table gives the fastest per figure over the processes (CPU seconds), its pixel size
and its number of text artists (visible, non-empty / all). The live objects are frozen
(``gc.freeze``) before and garbage collected between the timed figures, so that a full
collection of the report's heap does not land on whichever figure happens to trigger it.

Plus **where the time goes** (``--breakdown``, this tree only): the cold, tokens-warm and
from-tables runs again, each in a fresh process that runs the report with a timer (CPU and
wall) around each step: imports, loading the corpus, each analysis (slogans, TF-IDF with the
tokenizing of the documents, keyness, the LDA fit split into preparing the units and the
engine, topic effects), building each figure, saving the PNGs, the table cache, the explorer.

``--base DIR`` runs everything also with the textmine of another source tree (e.g. a
``git worktree`` of the commit before), alternating the two trees run by run, so that
both see the same machine load; ratios against the base of the same run are what to
compare on a shared machine. CPU time is user + system of the report process. Children cache their bytecode (as a
user's Python does; this machine sets ``PYTHONDONTWRITEBYTECODE``), since 2026-12-03.

::

    python benchmarks/report_speed.py                        # this tree only
    python benchmarks/report_speed.py --base ../h22base      # A/B against another tree
    python benchmarks/report_speed.py --repeat 1 --no-write  # a smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import child_env, median, run_textmine_report, run_timed

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
CORPUS = "provinces2026"
RUNS = ("cold", "figures_tokens_warm", "figures_from_tables", "warm_new_out", "warm_same_out")
LABELS = {"cold": "cold (empty cache)", "figures_tokens_warm": "figures, tokens warm (result cache emptied)",
          "figures_from_tables": "figures from cached tables (plotting code changed)",
          "warm_new_out": "warm, new --out", "warm_same_out": "warm, same --out"}

#: Run in a fresh interpreter with the tree to measure first on sys.path: per-figure draw and save times.
DRAWING_CHILD = r"""
import io, json, os, sys, tempfile, time
os.environ.setdefault("MPLBACKEND", "Agg")
import textmine, textmine.plots as plots
from textmine import report
from textmine.corpus import load_corpus
from matplotlib.text import Text
from PIL import Image

NAMES = ["slogan_heatmap", "slogans_by_place", "slogans_by_group", "place_over_time", "top_terms_grid",
         "keyness_chart", "topic_terms_grid", "topic_prevalence_heatmap", "topic_effects_chart", "corpus_overview"]
calls, saved = [], {n: getattr(plots, n) for n in NAMES}

def recorder(name, func):
    def record(*args, **kwargs):
        calls.append((name, args, kwargs))
        return func(*args, **kwargs)
    return record

for n in NAMES:
    setattr(plots, n, recorder(n, saved[n]))
figure_bytes, plots.figure_bytes = plots.figure_bytes, lambda *a, **k: b""
report.build_report(load_corpus(sys.argv[1]), tempfile.mkdtemp(), force=True, drop_places=True, explorer=False,
                    log=lambda m: None)
for n in NAMES:
    setattr(plots, n, saved[n])
plots.figure_bytes = figure_bytes
import gc
gc.collect()
gc.freeze()  # the tables, tokens and libraries: not walked by the collections the timed figures trigger
rows = {}
for rep in range(2):
    for name, args, kwargs in calls:
        gc.collect()  # the garbage of the previous figure, collected untimed
        t0 = time.process_time()
        fig = saved[name](*args, **kwargs)
        t1 = time.process_time()
        png = figure_bytes(fig, "png", dpi=report.DPI)
        t2 = time.process_time()
        texts = fig.findobj(Text)
        row = rows.setdefault(name, {"draw": [], "save": []})
        row["draw"].append(t1 - t0)
        row["save"].append(t2 - t1)
        row.update(pixels=list(Image.open(io.BytesIO(png)).size), png_bytes=len(png), texts=len(texts),
                   visible_texts=sum(1 for t in texts if t.get_visible() and t.get_text().strip()))
print(json.dumps({"textmine": textmine.__file__, "figures": rows}))
"""


#: Run in a fresh interpreter: ``python -m textmine.report ARGS`` with timers around its steps (CPU, wall).
BREAKDOWN_CHILD = r"""
import functools, json, os, sys, time
os.environ.setdefault("MPLBACKEND", "Agg")
wall0, steps = time.perf_counter(), {}

def add(label, cpu, wall):
    step = steps.setdefault(label, [0, 0.0, 0.0])
    step[0] += 1; step[1] += cpu; step[2] += wall

def timed(owner, name, label):
    func = getattr(owner, name)
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            add(label, time.process_time() - cpu, time.perf_counter() - wall)
    setattr(owner, name, wrapper)

import textmine.report as report
add("python start, import textmine.report", time.process_time(), time.perf_counter() - wall0)
cpu, wall = time.process_time(), time.perf_counter()
import textmine.plots as plots, textmine.keywords as keywords, textmine.topics as topics
import textmine.frequency as frequency, textmine.explorer as explorer
add("import plots, keywords, topics (matplotlib, scikit-learn, ...)", time.process_time() - cpu,
    time.perf_counter() - wall)
timed(report, "load_corpus", "load_corpus")
timed(frequency, "slogan_frequency", "slogan_frequency")
timed(keywords, "top_terms", "top_terms (tokenizing the documents + TF-IDF)")
timed(keywords, "keyness", "keyness")
timed(topics, "_prepare", "LDA: units tokenized, vocabulary")
timed(topics, "_fit_engine", "LDA: engine (Gibbs sampling)")
timed(report, "_topic_effects", "topic effects")
timed(report, "_cached_tables", "tables read from the cache")
timed(report, "_cache_tables", "tables written to the cache")
timed(report._Plot, "draw", "figures built (textmine.plots)")
timed(plots, "figure_bytes", "figures saved (layout, render, PNG)")
timed(explorer, "write_explorer", "explorer page")
code = report.main(sys.argv[1:])
add("whole process", time.process_time(), time.perf_counter() - wall0)
print(json.dumps({"code": code, "steps": steps}))
"""


def _env(tree: Path, cache: Path) -> dict:
    return child_env({"TEXTMINE_CACHE_DIR": str(cache), "MPLBACKEND": "Agg"}, tree, bytecode=True)  # as a user's Python


def run_report(tree: Path, cache: Path, out: Path) -> dict:
    """Wall and CPU seconds and peak RSS of ``python -m textmine.report`` run with the textmine of ``tree``."""
    run = run_textmine_report(["--corpus", CORPUS, "--out", str(out)], cache, tree)
    return {"wall": round(run.wall, 3), "cpu": round(run.cpu, 3), "maxrss_mb": round(run.usage.ru_maxrss / 1024, 1)}


def remove_figure_entries(cache: Path) -> int:
    """What a change to the plotting code (``plots.py``) leaves of ``results/``; how many entries went.

    Gone: the cached figures (a ``png`` part) and the marks of ended runs (no part), whose keys
    include the drawing code. Kept: the cached tables (a ``plot`` part) and the explorer page
    (``index.html``), whose keys do not. Before 2026-12-03 (night) the report cached no page and
    no mark: every entry without a ``plot`` part was a figure.
    """
    removed = 0
    for path in (cache / "results").glob("*.res"):
        parts = [part[0] for part in json.loads(path.read_bytes().split(b"\n", 1)[0])["parts"]]
        if "png" in parts or not parts:
            path.unlink()
            removed += 1
    return removed


def report_runs(tree: Path, scratch: Path) -> dict:
    """The five report runs of one tree, in order, in a cache folder of their own."""
    cache, outs = scratch / "cache", scratch / "out"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    result = {"cold": run_report(tree, cache, outs / "cold")}
    shutil.rmtree(cache / "results")  # the figures and their tables; the token cache stays
    result["figures_tokens_warm"] = run_report(tree, cache, outs / "tokens_warm")
    remove_figure_entries(cache)
    result["figures_from_tables"] = run_report(tree, cache, outs / "from_tables")
    result["warm_new_out"] = run_report(tree, cache, outs / "warm")
    result["warm_same_out"] = run_report(tree, cache, outs / "warm")
    return result


def drawing(tree: Path, scratch: Path) -> dict:
    """Per-figure CPU seconds of building and of rendering each figure, from tables computed beforehand."""
    cache = scratch / "drawing-cache"
    try:
        return run_timed([sys.executable, "-c", DRAWING_CHILD, CORPUS], _env(tree, cache), tree,
                         f"drawing ({tree})").result
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def breakdown(tree: Path, scratch: Path) -> dict:
    """CPU and wall seconds per step of the cold, tokens-warm and from-tables runs of ``tree``."""
    cache, outs, result = scratch / "breakdown-cache", scratch / "breakdown-out", {}
    shutil.rmtree(cache, ignore_errors=True)
    for run in ("cold", "figures_tokens_warm", "figures_from_tables"):
        if run == "figures_tokens_warm":
            shutil.rmtree(cache / "results")
        elif run == "figures_from_tables":
            remove_figure_entries(cache)
        cmd = [sys.executable, "-c", BREAKDOWN_CHILD, "--corpus", CORPUS, "--out", str(outs / run)]
        result[run] = run_timed(cmd, _env(tree, cache), tree, f"breakdown ({tree})").result["steps"]
    shutil.rmtree(cache, ignore_errors=True)
    return result


def git_head(tree: Path) -> str:
    proc = subprocess.run(["git", "-C", str(tree), "log", "-1", "--format=%h %s"], capture_output=True, text=True)
    return proc.stdout.strip()[:100]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", type=Path, help="another source tree of textmine to compare with (A/B)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of report runs per tree (default 3)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave benchmarks/results alone")
    parser.add_argument("--breakdown", action="store_true",
                        help="only the time per step of this tree (kept with the runs in benchmarks/results)")
    parser.add_argument("--drawing-only", action="store_true",
                        help="measure the drawing again, keep the report runs of benchmarks/results/report_speed.json")
    args = parser.parse_args()
    trees = {"new": ROOT}
    if args.base is not None:
        trees["base"] = args.base.resolve()
    scratch = Path(tempfile.mkdtemp(prefix="textmine-report-speed-"))
    result = {"corpus": CORPUS, "repeat": args.repeat, "cores": os.cpu_count(), "python": platform.python_version(),
              "trees": {k: {"path": str(v), "commit": git_head(v)} for k, v in trees.items()},
              "load_before": list(os.getloadavg()), "runs": {k: [] for k in trees}, "drawing": {k: [] for k in trees}}
    if args.drawing_only:
        previous = json.loads((RESULTS / "report_speed.json").read_text())
        result.update({k: previous[k] for k in ("repeat", "runs", "load_before")}, drawing={k: [] for k in trees})
    if args.breakdown:
        previous = json.loads((RESULTS / "report_speed.json").read_text())
        scratch.mkdir(exist_ok=True)
        result = {**previous, "breakdown": breakdown(ROOT, scratch),
                  "breakdown_load": [round(os.getloadavg()[0], 2)]}
        shutil.rmtree(scratch, ignore_errors=True)
        if not args.no_write:
            (RESULTS / "report_speed.json").write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
            (RESULTS / "report_speed.md").write_text(markdown(result))
        print(markdown(result))
        return 0
    try:
        for i in range(0 if args.drawing_only else args.repeat):
            order = list(trees) if i % 2 == 0 else list(trees)[::-1]
            for name in order:
                load = os.getloadavg()[0]
                runs = report_runs(trees[name], scratch / name)
                runs["load"] = round(load, 2)
                result["runs"][name].append(runs)
                print(f"round {i + 1} {name:4s} (load {load:.1f}): "
                      + ", ".join(f"{r} {runs[r]['wall']:.2f} s wall / {runs[r]['cpu']:.2f} s cpu" for r in RUNS),
                      flush=True)
        for i in range(4 if args.drawing_only else 2):
            for name in (list(trees) if i % 2 == 0 else list(trees)[::-1]):
                load = os.getloadavg()[0]
                d = drawing(trees[name], scratch)
                d["load"] = round(load, 2)
                result["drawing"][name].append(d)
                total = sum(min(f["draw"]) + min(f["save"]) for f in d["figures"].values())
                print(f"drawing {name:4s} (load {load:.1f}): {total:.2f} s cpu for {len(d['figures'])} figures",
                      flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    result["load_after"] = list(os.getloadavg())
    if not args.no_write:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "report_speed.json").write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
        (RESULTS / "report_speed.md").write_text(markdown(result))
    print(markdown(result))
    return 0


def markdown(result: dict) -> str:
    trees = list(result["trees"])
    lines = ["# Report speed (`python benchmarks/report_speed.py`)", "",
             f"`python -m textmine.report --corpus {result['corpus']}`, each run a fresh process; "
             f"{result['cores']} cores, Python {result['python']}; load average "
             f"{result['load_before'][0]:.1f} before, {result['load_after'][0]:.1f} after (a shared machine: "
             "compare ratios within this run).", ""]
    for name, tree in result["trees"].items():
        lines.append(f"- **{name}**: `{tree['commit']}`")
    lines += ["", f"## Report runs (median of {result['repeat']}, trees alternated run by run)", "",
              "| run | " + " | ".join(f"{t} wall | {t} CPU" for t in trees)
              + (" | CPU new / base |" if "base" in trees else " |"),
              "|---|" + "---:|---:|" * len(trees) + ("---:|" if "base" in trees else "")]
    for run in RUNS:
        cells, cpu = [], {}
        for t in trees:
            runs = [r[run] for r in result["runs"][t]]
            cpu[t] = median(runs, "cpu")
            cells += [f"{median(runs, 'wall'):.2f} s", f"{cpu[t]:.2f} s"]
        ratio = f" | {cpu['new'] / cpu['base']:.2f} |" if "base" in trees else " |"
        lines.append(f"| {LABELS[run]} | " + " | ".join(cells) + ratio)
    rss = {t: max(r["cold"]["maxrss_mb"] for r in result["runs"][t]) for t in trees}
    lines += ["", "Peak RSS of the cold run: " + ", ".join(f"{t} {v:.0f} MB" for t, v in rss.items())
              + "; load at the start of each tree's round: "
              + "; ".join(f"{t} " + ", ".join(f"{r['load']:.1f}" for r in result["runs"][t]) for t in trees) + ".",
              "", "## Drawing the 9 figures from tables in memory (CPU seconds, best of 2 draws in each of "
              f"{len(result['drawing'][trees[0]])} processes per tree)", "",
              "| figure | pixels | text artists (visible / all) | "
              + " | ".join(f"{t} draw | {t} save" for t in trees) + " |",
              "|---|---|---:|" + "---:|---:|" * len(trees)]
    first = result["drawing"][trees[0]][0]["figures"]
    totals = {t: [0.0, 0.0] for t in trees}
    for fig, info in first.items():
        cells = []
        for t in trees:
            draw = min(min(d["figures"][fig]["draw"]) for d in result["drawing"][t])
            save = min(min(d["figures"][fig]["save"]) for d in result["drawing"][t])
            totals[t][0] += draw
            totals[t][1] += save
            cells += [f"{draw:.2f}", f"{save:.2f}"]
        lines.append(f"| {fig} | {info['pixels'][0]} × {info['pixels'][1]} | {info['visible_texts']} / "
                     f"{info['texts']} | " + " | ".join(cells) + " |")
    lines.append("| **all** | | | " + " | ".join(f"**{totals[t][0]:.2f}** | **{totals[t][1]:.2f}**" for t in trees)
                 + " |")
    lines += ["", "draw: building the Figure (the `textmine.plots` function); save: `plots.figure_bytes(fig, "
              "\"png\", dpi=200)` (layout, render, PNG compression)."]
    if "breakdown" in result:
        lines += _breakdown_markdown(result["breakdown"], result["breakdown_load"][0])
    return "\n".join(lines) + "\n"


def _breakdown_markdown(steps: dict, load: float) -> list[str]:
    runs = list(steps)
    labels = list(dict.fromkeys(label for run in runs for label in steps[run]))
    lines = ["", f"## Where the time goes (new tree, one run each, load {load:.1f}; CPU / wall seconds)", "",
             "| step | " + " | ".join(LABELS[r] for r in runs) + " |", "|---|" + "---:|" * len(runs)]
    for label in labels:
        cells = [f"{steps[r][label][1]:.2f} / {steps[r][label][2]:.2f}" if label in steps[r] else "" for r in runs]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += ["", "No step runs inside another; the rest of the whole process is what no timer covers (keys, CSVs, "
              "files, the fit's bookkeeping); imports inside a step (scikit-learn in TF-IDF, statsmodels in topic "
              "effects, matplotlib's on first use) count in it. The timers are those of the report's own process: "
              "since the report draws on all cores (2026-12-03), figures drawn by a worker process count in no row "
              "(the figure rows are this process's share), and the CPU of the whole process is this process's."]
    return lines


if __name__ == "__main__":
    sys.exit(main())
