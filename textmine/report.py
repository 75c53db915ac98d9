"""Regenerate every figure, with the table behind it, from a corpus: ``python -m textmine.report``.

::

    python -m textmine.report                       # bundled corpus -> ./figures
    python -m textmine.report --corpus my_reports/  # a folder of .txt files + metadata.csv
    python -m textmine.report --corpus my_reports/ --metadata meta.csv --out paper/figs --seed 1
    python -m textmine.report --force               # redraw every figure, refit the topic model

Each figure ``NAME.png`` is written next to ``NAME.csv``, the rows it draws to 8 significant digits
(:func:`textmine.plots.figure_data`), plus a ``README.md`` index. Every file is
written atomically. The module only composes the library: slogans from
:mod:`textmine.frequency`, TF-IDF and keyness from :mod:`textmine.keywords`, LDA
from :mod:`textmine.topics`, figures from :mod:`textmine.plots`.

Choices the report makes for you (all from the corpus's metadata):

- the group comparison uses the documents of the most common year, so that
  reports of different years are not pooled;
- the "over time" figure follows the place with documents from the most years
  (skipped if no place has more than one);
- keyness contrasts the province with the most full reports against the other
  full reports (``--target COLUMN=VALUE`` picks another target group);
- LDA uses a fixed number of topics (``--topics``, default 6) and ``--seed``.

**Only what changed is redrawn** (make-style). Every figure has a key: a sha256
of everything that decides its PNG and CSV -- the table it is drawn from (or, for
the TF-IDF, keyness and topic figures, the corpus text and metadata, the
tokenizer's fingerprint and the analysis settings), the plotting options, the
source of the textmine modules involved, the versions of the libraries involved
and the resolution. ``OUT/.report-manifest.json`` records, per figure, the key
and the sha256 of the PNG and CSV written. A figure whose key is unchanged and
whose two files on disk still have the recorded checksums is left alone
(``unchanged ...`` in the log) and its analysis is not even run; anything else
(new inputs, a file deleted or edited by hand, no manifest) is drawn again, and
a file is rewritten only when its bytes differ. ``--force`` redraws everything.

The fitted topic model's tables (top words, labels, prevalence) are kept as JSON
(never a pickle) in ``report/`` inside the token cache folder (``$TEXTMINE_CACHE_DIR``,
default ``~/.cache/textmine/tokens``), keyed like the figures, so a deleted topic
figure or a new ``--out`` folder does not refit LDA. When several
figures are due they are drawn in ``--jobs`` worker processes (default: 2, none on a
busy machine); the bytes are the same as drawn in one process.
"""

from __future__ import annotations

__all__ = ["build_report", "main", "Output"]

import argparse
import hashlib
import json
import os
import sys
import time
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Sequence

import pandas as pd

from ._io import write_bytes_atomic, write_text_atomic
from .corpus import Corpus, load_corpus
from .errors import TextmineError

#: The three slogans the place and group figures follow.
KEY_SLOGANS = ("新质生产力", "民营经济", "营商环境")
#: Default number of LDA topics (a fixed K keeps the report fast and reproducible).
DEFAULT_TOPICS = 6
#: Resolution of the PNG files.
DPI = 200
#: Worker processes drawing figures by default (fewer on a machine with fewer cores).
DEFAULT_JOBS = 2
#: File in the output folder recording each figure's key and checksums.
MANIFEST = ".report-manifest.json"
#: Worker processes start only when at least this many figures are due (each costs ~1 s to start).
MIN_PARALLEL = 4
#: Idle cores (besides this process) below which the machine counts as busy: no workers by default.
_IDLE_MIN = 0.3

_MANIFEST_FORMAT = "textmine.report/1"
_TOPICS_FORMAT = "textmine.report.topics/1"
_PACKAGE_DIR = Path(__file__).resolve().parent

# What a figure's bytes depend on besides its data: textmine modules (source files) and libraries.
_PLOT_SOURCES = ("report.py", "plots.py", "fonts.py", "schema.py")
_PLOT_PACKAGES = ("matplotlib", "numpy", "pandas", "pillow", "noto-cjk-sans-otc")
_KEYWORD_SOURCES = ("keywords.py",)
_KEYWORD_PACKAGES = ("scikit-learn", "scipy")
_TOPIC_SOURCES = ("report.py", "topics.py", "_topic_engines.py", "sections.py", "data/section_parts.csv")
_TOPIC_PACKAGES = ("gensim", "tomotopy", "numpy", "scipy", "pandas")

Log = Callable[[str], None]


@dataclass(frozen=True)
class Output:
    """One figure of the report: file stem, what it shows, the files, and whether they were drawn.

    ``status`` is ``"drawn"`` when the figure was drawn in this run (its files are
    rewritten only where their bytes changed), ``"unchanged"`` when its files were
    already up to date and nothing was computed.
    """

    stem: str
    caption: str
    png: Path
    csv: Path
    status: str = "drawn"


@dataclass(frozen=True)
class _Job:
    """A figure to produce: ``plot`` (a :mod:`textmine.plots` function) drawn from ``inputs()``.

    ``key`` digests everything that decides the figure's bytes; ``inputs`` computes the
    plot arguments ``(args, kwargs)`` only when the figure must be drawn, or returns
    None when the figure cannot be made (the reason is logged).
    """

    stem: str
    caption: str
    plot: str
    key: str
    inputs: Callable[[], "tuple[tuple, dict] | None"]


# ---------------------------------------------------------------------------
# command line


def main(argv: Sequence[str] | None = None) -> int:
    """Run the report; return the exit code (0 ok, 1 on a textmine error with a one-line message)."""
    args = _parser().parse_args(argv)
    os.environ.setdefault("MPLBACKEND", "Agg")  # no GUI backend, here or in the worker processes
    try:
        corpus = _load(args)
        target = _parse_target(args.target) if args.target else None
        outputs = build_report(corpus, args.out, seed=args.seed, topics=args.topics, target=target,
                               force=args.force, jobs=args.jobs, log=_stderr)
    except TextmineError as exc:
        print(f"textmine.report: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("textmine.report: interrupted (no half-written files are left behind)", file=sys.stderr)
        return 130
    drawn = sum(o.status == "drawn" for o in outputs)
    _stderr(f"done: {len(outputs)} figures in {_show(Path(args.out))} "
            f"({drawn} drawn, {len(outputs) - drawn} unchanged)")
    return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m textmine.report",
                                description="Regenerate every textmine figure (PNG + CSV) from a corpus.")
    p.add_argument("--corpus", metavar="DIR", help="folder of .txt files with metadata.csv (default: bundled corpus)")
    p.add_argument("--metadata", metavar="CSV", help="metadata table (default: DIR/metadata.csv)")
    p.add_argument("--out", metavar="DIR", default="figures", help="output folder (default: ./figures)")
    p.add_argument("--seed", type=int, default=0, help="random seed of the topic model (default: 0)")
    p.add_argument("--topics", type=int, default=DEFAULT_TOPICS, metavar="K",
                   help=f"number of LDA topics (default: {DEFAULT_TOPICS})")
    p.add_argument("--target", metavar="COLUMN=VALUE",
                   help="target group of the keyness figure, e.g. province=辽宁省 (default: chosen from metadata)")
    p.add_argument("--force", action="store_true",
                   help="redraw every figure and refit the topic model, even when nothing changed")
    p.add_argument("--jobs", type=int, default=None, metavar="N",
                   help=f"worker processes drawing figures (default: {DEFAULT_JOBS}, or 1 when other processes "
                        "keep the cores busy; 1 draws in this process)")
    return p


def _load(args: argparse.Namespace) -> Corpus:
    if args.corpus is None and args.metadata is None:
        return load_corpus()
    folder = args.corpus if args.corpus is not None else str(Path(args.metadata).parent)
    return load_corpus(folder, metadata=args.metadata)


def _parse_target(spec: str) -> dict[str, str]:
    column, sep, value = spec.partition("=")
    if not sep or not column.strip() or not value.strip():
        raise TextmineError(f"--target {spec!r}: expected COLUMN=VALUE, e.g. province=辽宁省")
    return {column.strip(): value.strip()}


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _show(path: Path) -> str:
    """``path`` relative to the working directory when it lies inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# ---------------------------------------------------------------------------
# the report


def build_report(corpus: Corpus, out: str | os.PathLike = "figures", *, seed: int = 0,
                 topics: int = DEFAULT_TOPICS, target: dict[str, str] | None = None,
                 force: bool = False, jobs: int | None = None, log: Log = _stderr) -> list[Output]:
    """Write every figure of ``corpus`` (PNG + CSV) and a README index into ``out``; return the figures.

    Figures whose inputs and files are unchanged since the last run into ``out`` are
    left alone (see the module docs); ``force=True`` redraws them all. ``jobs`` worker
    processes draw the figures (default: :data:`DEFAULT_JOBS`, or 1 -- drawing in this
    process -- on a busy machine; the bytes are the same either way).
    """
    out = Path(out)
    if len(corpus) == 0:
        raise TextmineError("the corpus has no documents; nothing to report")
    probe = _IdleProbe()  # is another process using the cores? (decides on worker processes)
    log(f"corpus: {len(corpus)} documents")
    frame = corpus.to_frame()
    groups = _keyness_groups(frame, target)  # checked first: a bad --target fails before the long steps
    planned = _corpus_jobs(frame) + _slogan_jobs(corpus, frame, log)
    from .tokenize import tokens

    toks = tokens(corpus)  # one tokenized corpus for TF-IDF, keyness and topics
    upstream = {"corpus": _corpus_digest(corpus), "tokenizer": toks.tokenizer.fingerprint}
    planned += _keyword_jobs(toks, groups, upstream, log)
    planned += _topic_jobs(toks, upstream, log, k=topics, seed=seed, force=force)
    manifest = {} if force else _read_manifest(out, log)
    idle = probe.idle_cores()
    n_jobs = _n_jobs(jobs, idle)
    busy = jobs is None and n_jobs == 1 and idle is not None and idle < _IDLE_MIN
    outputs, entries = _produce(planned, out, manifest, log, n_jobs=n_jobs,
                                note=f" (the other cores are busy: {idle:.1f} idle)" if busy else "")
    _write_if_changed(out / "README.md", _index(outputs, corpus, seed=seed).encode("utf-8"), log)
    _write_manifest(out, entries)
    return outputs


def _n_jobs(jobs: int | None, idle_cores: float | None) -> int:
    """Worker processes: ``jobs`` if given, else :data:`DEFAULT_JOBS` unless the machine is busy, then 1.

    A worker costs about a second of CPU to start (Python, pandas, matplotlib), which
    pays off only on a core nobody else is using; on a busy machine drawing in this
    process is faster (measured on a shared two-core machine). ``idle_cores``: what
    other processes left idle while this one worked (:class:`_IdleProbe`); None falls
    back on the 1-minute load average (which also counts this report's previous runs).
    """
    if jobs is not None:
        return max(1, int(jobs))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if cores < DEFAULT_JOBS:
        return 1
    if idle_cores is not None:
        return DEFAULT_JOBS if idle_cores >= _IDLE_MIN else 1
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # no load average (Windows): assume an idle machine
        load = 0.0
    return DEFAULT_JOBS if load <= cores - 1 else 1


class _IdleProbe:
    """Idle CPU capacity between its creation and :meth:`idle_cores` (Linux ``/proc/stat``).

    Measured while this process works, so on an otherwise idle two-core machine it
    reads about one idle core, and about none when another process keeps a core busy.
    """

    def __init__(self) -> None:
        self.start = _cpu_times()

    def idle_cores(self) -> float | None:
        """Cores' worth of idle time since creation, or None when it cannot be told."""
        end = _cpu_times()
        if self.start is None or end is None:
            return None
        idle, total = end[0] - self.start[0], end[1] - self.start[1]
        if total < 20:  # clock ticks over all cores: too short a window to judge
            return None
        return idle / total * (os.cpu_count() or 1)


def _cpu_times() -> tuple[float, float] | None:
    """(idle, total) clock ticks of all CPUs since boot (Linux), or None."""
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            return _parse_cpu_line(fh.readline())
    except OSError:
        return None


def _parse_cpu_line(line: str) -> tuple[float, float] | None:
    """(idle + iowait, total) ticks of the ``cpu`` line of /proc/stat (guest time is already in user).

    >>> _parse_cpu_line("cpu  100 0 20 300 10 0 0 0 0 0")
    (310.0, 430.0)
    """
    fields = line.split()
    if len(fields) < 6 or fields[0] != "cpu":
        return None
    ticks = [float(v) for v in fields[1:9]]  # user nice system idle iowait irq softirq steal
    return ticks[3] + ticks[4], sum(ticks)


def _corpus_jobs(frame: pd.DataFrame) -> list[_Job]:
    return [_direct_job("corpus_overview", "Length of each document after cleaning, by document type "
                        "(truncated ones hatched).", "corpus_overview", (frame,), {})]


def _slogan_jobs(corpus: Corpus, frame: pd.DataFrame, log: Log) -> list[_Job]:
    from .frequency import slogan_frequency

    with _step(log, "counting slogans"):
        freq = slogan_frequency(corpus)
    jobs = [
        _direct_job("slogan_heatmap", "Slogan mentions per 10,000 characters, slogan × document.",
                    "slogan_heatmap", (freq,), {}),
        _direct_job("key_slogans_by_place", f"{'、'.join(KEY_SLOGANS)} per 10,000 characters in each document, "
                    "coloured by administrative level.", "slogans_by_place", (freq, KEY_SLOGANS), {}),
    ]
    year = _most_common(frame["year"])
    same_year = freq if year is None else freq[freq["year"] == year]
    jobs.append(_direct_job("key_slogans_by_rank", f"The same slogans compared by rank"
                            f"{f' ({year} documents)' if year else ''}: every document a point, the group mean "
                            "a line, n documents per group.", "slogans_by_group", (same_year, KEY_SLOGANS),
                            {"group": "rank"}))
    place = _place_with_most_years(frame)
    if place is None:
        log("skipped place_over_time: no place has documents from more than one year")
    else:
        jobs.append(_direct_job("place_over_time", f"{place}: slogan rates in each of its documents, by year and "
                                "document type.", "place_over_time", (freq, place), {}))
    return jobs


def _direct_job(stem: str, caption: str, plot: str, args: tuple, kwargs: dict) -> _Job:
    """A figure drawn from tables already computed: its key digests them."""
    key = _digest({"stem": stem, "plot": plot, "dpi": DPI, "code": _code(_PLOT_SOURCES, _PLOT_PACKAGES),
                   "args": args, "kwargs": kwargs})
    return _Job(stem, caption, plot, key, lambda: (args, kwargs))


def _keyword_jobs(toks, groups, upstream: dict, log: Log) -> list[_Job]:
    code = _code(_PLOT_SOURCES + _KEYWORD_SOURCES, _PLOT_PACKAGES + _KEYWORD_PACKAGES)

    def terms_inputs() -> tuple[tuple, dict]:
        from .keywords import top_terms

        with _step(log, "tokenizing and TF-IDF"):
            terms = top_terms(toks, n=10)
        return (terms,), {"n": 10}

    jobs = [_Job("top_terms", "The 10 highest-TF-IDF terms of each document.", "top_terms_grid",
                 _digest({"stem": "top_terms", "dpi": DPI, "code": code, "upstream": upstream,
                          "analysis": "top_terms(corpus, n=10)", "plot": "top_terms_grid(terms, n=10)"}),
                 terms_inputs)]
    if groups is None:
        log("skipped keyness: the corpus has no two groups to contrast")
        return jobs
    target_ids, reference_ids, target_label, reference_label = groups

    def keyness_inputs() -> tuple[tuple, dict]:
        from .keywords import keyness

        with _step(log, f"keyness: {target_label} vs {reference_label}"):
            kn = keyness(toks, target_ids, reference_ids)
        return (kn,), {"target_label": target_label, "reference_label": reference_label}

    key = _digest({"stem": "keyness", "dpi": DPI, "code": code, "upstream": upstream,
                   "analysis": ["keyness(corpus, target, reference)", target_ids, reference_ids],
                   "plot": ["keyness_chart(kn)", target_label, reference_label]})
    jobs.append(_Job("keyness", f"Terms distinctive of {target_label} against {reference_label} (signed G²).",
                     "keyness_chart", key, keyness_inputs))
    return jobs


def _topic_jobs(toks, upstream: dict, log: Log, *, k: int, seed: int, force: bool) -> list[_Job]:
    from .topics import TopicModel, resolve_unit

    # cache=False: the ~550 paragraphs are not written to the token cache. Writing them (one
    # fsync'd file each) takes 1-2 s, tokenizing them again 0.1 s, and the fitted tables are
    # cached below anyway, so only a refit (new seed, K, corpus or code) tokenizes them again.
    model = TopicModel(k=k, seed=seed, cache=False)
    fit_key = _digest({"format": _TOPICS_FORMAT, "upstream": upstream, "settings": model._settings(),
                       "code": _code(_TOPIC_SOURCES, _TOPIC_PACKAGES)})
    results = _TopicResults(model, toks, fit_key, log, force=force)
    code = _code(_PLOT_SOURCES, _PLOT_PACKAGES)

    def terms_inputs() -> tuple[tuple, dict] | None:
        r = results.get()
        if r is None:
            return None
        title = f"LDA topics (K = {r['k']}, fitted on {r['n_units']:,} {r['unit']}s): top 10 words"
        return (r["topic_terms"],), {"labels": r["labels"], "title": title}

    def prevalence_inputs() -> tuple[tuple, dict] | None:
        r = results.get()
        return None if r is None else ((r["prevalence"],), {"labels": r["labels"]})

    unit = resolve_unit(model.unit, len(toks))
    return [
        _Job("topic_terms", f"Top words of each of the {k} LDA topics (fitted on {unit}s).", "topic_terms_grid",
             _digest({"stem": "topic_terms", "dpi": DPI, "code": code, "fit": fit_key}), terms_inputs),
        _Job("topic_prevalence", "Share of each document's words per LDA topic.", "topic_prevalence_heatmap",
             _digest({"stem": "topic_prevalence", "dpi": DPI, "code": code, "fit": fit_key}), prevalence_inputs),
    ]


class _step:
    """Context manager logging a long step and its duration."""

    def __init__(self, log: Log, what: str) -> None:
        self.log, self.what = log, what

    def __enter__(self) -> None:
        self.start = time.perf_counter()
        self.log(f"{self.what} ...")

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.log(f"  {self.what}: {time.perf_counter() - self.start:.1f} s")


# ---------------------------------------------------------------------------
# drawing what is due, in order


def _produce(jobs: list[_Job], out: Path, manifest: dict, log: Log, *, n_jobs: int,
             note: str = "") -> tuple[list[Output], dict[str, dict]]:
    """Draw the jobs that are due (in workers when several are), write their files in job order.

    Returns the outputs and the manifest entries of this run.
    """
    due = {j.stem for j in jobs if not _up_to_date(j, out, manifest.get(j.stem))}
    workers = n_jobs if len(due) >= MIN_PARALLEL else 1
    if due:
        log(f"drawing {len(due)} of {len(jobs)} figures "
            f"{f'in {workers} worker processes' if workers > 1 else 'in this process'}{note}")
    renderer = _Renderer(n_workers=workers)
    files = _Files(out, manifest, log)
    try:
        for job in jobs:
            if job.stem not in due:
                files.add(job, None)
            else:
                made = job.inputs()
                if made is not None:
                    files.add(job, renderer.submit(job.plot, *made))
            files.flush(wait=False)
        files.flush(wait=True)
    except BaseException:
        files.cancel()
        renderer.close(kill=True)  # interrupted or failed: do not wait for drawings nobody will write
        raise
    renderer.close()
    return files.outputs, files.entries


class _Files:
    """Writes the figures' files in job order as their drawings arrive; keeps outputs and manifest entries."""

    def __init__(self, out: Path, manifest: dict, log: Log) -> None:
        self.out, self.manifest, self.log = out, manifest, log
        self.queue: deque[tuple[_Job, Future | None]] = deque()
        self.outputs: list[Output] = []
        self.entries: dict[str, dict] = {}

    def add(self, job: _Job, drawing: Future | None) -> None:
        """Queue a job: ``drawing`` yields its (PNG, CSV) bytes; None means its files are up to date."""
        self.queue.append((job, drawing))

    def flush(self, *, wait: bool) -> None:
        """Finish the jobs at the head of the queue whose drawing is done (all of them with ``wait``)."""
        while self.queue:
            job, drawing = self.queue[0]
            if drawing is not None and not wait and not drawing.done():
                return
            self.queue.popleft()
            if drawing is None:
                self._keep(job)
            else:
                self._write(job, *drawing.result())

    def cancel(self) -> None:
        for _, drawing in self.queue:
            if drawing is not None:
                drawing.cancel()

    def _keep(self, job: _Job) -> None:
        png, csv = self.out / f"{job.stem}.png", self.out / f"{job.stem}.csv"
        self.entries[job.stem] = self.manifest[job.stem]
        self.log(f"unchanged {_show(png)} + {csv.name}")
        self.outputs.append(Output(job.stem, job.caption, png, csv, "unchanged"))

    def _write(self, job: _Job, png_bytes: bytes, csv_bytes: bytes) -> None:
        png, csv = self.out / f"{job.stem}.png", self.out / f"{job.stem}.csv"
        wrote_png = _replace_if_changed(png, png_bytes)
        wrote_csv = _replace_if_changed(csv, csv_bytes)
        self.entries[job.stem] = {"key": job.key, "png": _sha256(png_bytes), "csv": _sha256(csv_bytes)}
        if wrote_png and wrote_csv:
            self.log(f"wrote {_show(png)} + {csv.name}")
        elif wrote_png or wrote_csv:
            written, same = (png, csv) if wrote_png else (csv, png)
            self.log(f"wrote {_show(written)} ({same.name} unchanged)")
        else:
            self.log(f"unchanged {_show(png)} + {csv.name} (drawn again, same bytes)")
        self.outputs.append(Output(job.stem, job.caption, png, csv))


def _up_to_date(job: _Job, out: Path, entry: dict | None) -> bool:
    """The manifest entry has the job's key and both files on disk still have the recorded checksums."""
    if not isinstance(entry, dict) or entry.get("key") != job.key:
        return False
    return (_file_sha256(out / f"{job.stem}.png") == entry.get("png")
            and _file_sha256(out / f"{job.stem}.csv") == entry.get("csv"))


class _Renderer:
    """Draws figures in this process, or in ``n_workers`` worker processes (loky) of lower priority.

    The workers start at once and load matplotlib while this process computes the
    tables. Their lower priority keeps this process -- the critical path: tokenizing,
    TF-IDF, LDA -- at full speed while they draw on whatever CPU is left.
    """

    def __init__(self, n_workers: int) -> None:
        self.executor = None
        if n_workers > 1:
            # A private pool, shut down by close(): loky's process-wide reusable executor
            # is joblib's too, and replacing it breaks later joblib.Parallel calls.
            from joblib.externals.loky import ProcessPoolExecutor

            self.executor = ProcessPoolExecutor(max_workers=n_workers, initializer=_start_worker)
            for _ in range(n_workers):
                self.executor.submit(int)  # start the workers now

    def close(self, *, kill: bool = False) -> None:
        """Stop the workers; with ``kill`` at once, abandoning drawings in progress."""
        if self.executor is not None:
            self.executor.shutdown(wait=not kill, kill_workers=kill)
            self.executor = None

    def submit(self, plot: str, args: tuple, kwargs: dict) -> Future:
        if self.executor is not None:
            return self.executor.submit(_render, plot, args, kwargs, DPI)
        future: Future = Future()
        future.set_result(_render(plot, args, kwargs, DPI))
        return future


def _start_worker() -> None:
    """Initializer of a drawing worker: lower priority, matplotlib and the CJK font loaded."""
    if hasattr(os, "nice"):
        os.nice(5)
    from . import plots  # noqa: F401


def _render(plot: str, args: tuple, kwargs: dict, dpi: int) -> tuple[bytes, bytes]:
    """Draw one figure with ``textmine.plots.<plot>``: its PNG bytes and its CSV bytes."""
    from . import plots

    fig = getattr(plots, plot)(*args, **kwargs)
    return plots.figure_bytes(fig, "png", dpi=dpi), _csv_bytes(plots.figure_data(fig))


#: Figure CSVs keep 8 significant digits. LDA weights and shares differ between CPUs in their
#: last 2-3 digits (BLAS kernels sum in other orders; seen: 7e-14 relative), and a CSV
#: regenerated on another machine should not show that noise.
CSV_FLOAT_FORMAT = "%.8g"


def _csv_bytes(table: pd.DataFrame) -> bytes:
    """The bytes ``write_csv_atomic(table, path, float_format=CSV_FLOAT_FORMAT)`` writes (UTF-8 with BOM)."""
    return table.to_csv(index=False, float_format=CSV_FLOAT_FORMAT).encode("utf-8-sig")


def _replace_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` atomically unless the file already holds exactly these bytes."""
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    write_bytes_atomic(path, data)
    return True


def _write_if_changed(path: Path, data: bytes, log: Log) -> None:
    log(f"{'wrote' if _replace_if_changed(path, data) else 'unchanged'} {_show(path)}")


# ---------------------------------------------------------------------------
# manifest and keys


def _read_manifest(out: Path, log: Log) -> dict[str, dict]:
    """Figure entries of ``out``'s manifest; empty when there is none (or it is unreadable)."""
    path = out / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log(f"{_show(path)}: unreadable ({exc}); drawing every figure")
        return {}
    figures = data.get("figures") if isinstance(data, dict) and data.get("format") == _MANIFEST_FORMAT else None
    return figures if isinstance(figures, dict) else {}


def _write_manifest(out: Path, entries: dict[str, dict]) -> None:
    text = json.dumps({"format": _MANIFEST_FORMAT, "figures": entries}, ensure_ascii=False, indent=1,
                      sort_keys=True) + "\n"
    _replace_if_changed(out / MANIFEST, text.encode("utf-8"))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_sha256(path: Path) -> str | None:
    try:
        return _sha256(path.read_bytes())
    except OSError:
        return None


def _digest(value: Any) -> str:
    """sha256 of a canonical JSON form of ``value`` (tables digested with :func:`_table_digest`)."""
    blob = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_canonical)
    return _sha256(blob.encode("utf-8"))


def _canonical(value: Any) -> Any:
    if isinstance(value, pd.DataFrame):
        return {"table": _table_digest(value)}
    if isinstance(value, pd.Series):
        return {"series": _table_digest(value.to_frame()), "name": str(value.name)}
    if isinstance(value, (set, frozenset)):
        return sorted(map(str, value))
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"cannot digest a {type(value).__name__}")


def _table_digest(table: pd.DataFrame) -> str:
    """sha256 of a table: column names, dtypes, every value at full precision, which cells are missing."""
    h = hashlib.sha256()
    h.update(json.dumps([[str(c) for c in table.columns], [str(t) for t in table.dtypes],
                         str(table.index.dtype)], ensure_ascii=False).encode("utf-8"))
    h.update(table.to_csv(lineterminator="\n").encode("utf-8", "surrogatepass"))
    h.update(table.isna().to_numpy().tobytes())
    return h.hexdigest()


def _corpus_digest(corpus: Corpus) -> str:
    """sha256 of every document's id, metadata and cleaned text, in corpus order."""
    h = hashlib.sha256()
    for doc in corpus:
        h.update(json.dumps([doc.doc_id, doc.meta], sort_keys=True, ensure_ascii=False, default=str).encode("utf-8"))
        h.update(b"\0")
        h.update(doc.text.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()


def _code(sources: Sequence[str], packages: Sequence[str]) -> dict:
    """Code a result depends on: sha256 of textmine source and data files, library versions
    (and, for figures, the user's matplotlibrc files)."""
    from . import __version__

    code = {"textmine": __version__, "python": f"{sys.version_info[0]}.{sys.version_info[1]}",
            "sources": {name: _source_sha256(name) for name in sorted(set(sources))},
            "packages": {name: _package_version(name) for name in sorted(set(packages))}}
    if "matplotlib" in packages:
        code["matplotlibrc"] = _matplotlibrc_sha256()
    return code


@lru_cache(maxsize=None)
def _source_sha256(name: str) -> str:
    return _sha256((_PACKAGE_DIR / name).read_bytes())


@lru_cache(maxsize=1)
def _matplotlibrc_sha256() -> list[str]:
    """sha256 of each matplotlibrc file matplotlib would read besides its own defaults.

    Found without importing matplotlib: ``./matplotlibrc``, ``$MATPLOTLIBRC`` (a file
    or a folder holding one), and the one in ``$MPLCONFIGDIR`` or ``~/.config/matplotlib``.
    """
    candidates = [Path.cwd() / "matplotlibrc"]
    env = os.environ.get("MATPLOTLIBRC")
    if env:
        candidates += [Path(env), Path(env) / "matplotlibrc"]
    config = os.environ.get("MPLCONFIGDIR") or str(Path(os.environ.get("XDG_CONFIG_HOME") or
                                                         Path.home() / ".config") / "matplotlib")
    candidates.append(Path(config) / "matplotlibrc")
    return [h for h in (_file_sha256(p) for p in candidates if p.is_file()) if h is not None]


@lru_cache(maxsize=None)
def _package_version(name: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None


# ---------------------------------------------------------------------------
# the topic model's tables, fitted once and kept in the cache folder


class _TopicResults:
    """The tables the topic figures draw, from the JSON cache or a fresh fit (once per run).

    ``get()`` returns a dict with ``k``, ``unit``, ``n_units``, ``labels`` (Series),
    ``topic_terms`` and ``prevalence`` (DataFrames), or None when LDA cannot be fitted.
    Fitted tables go through the same JSON form as cached ones, so both give the same figures.
    """

    def __init__(self, model, corpus: Corpus, key: str, log: Log, *, force: bool) -> None:
        self.model, self.corpus, self.key, self.log, self.force = model, corpus, key, log, force
        self.path = _report_cache_dir() / f"topics-{key}.json"
        self._done = False
        self._value: dict | None = None

    def get(self) -> dict | None:
        if not self._done:
            self._done = True
            self._value = self._load()
        return self._value

    def _load(self) -> dict | None:
        m = self.model
        text = None if self.force else _read_topic_cache(self.path, self.key)
        if text is not None:
            self.log(f"LDA topic model (K = {m.k}, seed {m.seed}): fitted tables from {_show(self.path)}")
        else:
            try:
                with _step(self.log, f"fitting LDA topic model (K = {m.k}, seed {m.seed})"):
                    m.fit(self.corpus)
            except TextmineError as exc:  # too little text for LDA: the rest of the report still stands
                self.log(f"skipped topic_terms and topic_prevalence: {exc}")
                return None
            text = json.dumps(_topic_payload(m, self.key), ensure_ascii=False)
            _write_topic_cache(self.path, text, self.log)
        return _topic_tables(json.loads(text))


def _report_cache_dir() -> Path:
    from .tokenize import default_cache_dir

    return default_cache_dir() / "report"


def _topic_payload(model, key: str) -> dict:
    by = [c for c in ("doc_id", "place", "level", "rank", "year", "doctype") if c in model.units_.columns]
    return {"format": _TOPICS_FORMAT, "key": key, "k": int(model.k_), "unit": model.unit_,
            "n_units": len(model.units_), "labels": [[int(t), str(v)] for t, v in model.labels().items()],
            "topic_terms": _table_record(model.topic_terms(10)), "prevalence": _table_record(model.prevalence(by=by))}


def _topic_tables(payload: dict) -> dict:
    labels = pd.Series({t: v for t, v in payload["labels"]}, name="label").rename_axis("topic")
    return {"k": payload["k"], "unit": payload["unit"], "n_units": payload["n_units"], "labels": labels,
            "topic_terms": _table_from_record(payload["topic_terms"]),
            "prevalence": _table_from_record(payload["prevalence"])}


def _read_topic_cache(path: Path, key: str) -> str | None:
    """The cached JSON text for ``key``, or None if absent, unreadable or not for this key."""
    try:
        text = path.read_text(encoding="utf-8")
        payload = json.loads(text)
    except (OSError, ValueError):
        return None
    if not isinstance(payload, dict) or payload.get("format") != _TOPICS_FORMAT or payload.get("key") != key:
        return None
    return text


def _write_topic_cache(path: Path, text: str, log: Log) -> None:
    try:
        write_text_atomic(path, text)
    except OSError as exc:
        log(f"{_show(path)}: cannot write the topic cache ({exc.strerror or exc}); continuing without it")


def _table_record(table: pd.DataFrame) -> dict:
    """A DataFrame with a default index as JSON-ready columns, dtypes and rows."""
    return {"columns": [str(c) for c in table.columns], "dtypes": [str(t) for t in table.dtypes],
            "rows": [[_plain(v) for v in row] for row in table.itertuples(index=False, name=None)]}


def _table_from_record(record: dict) -> pd.DataFrame:
    table = pd.DataFrame(record["rows"], columns=record["columns"])
    for column, dtype in zip(record["columns"], record["dtypes"]):
        table[column] = table[column].astype(dtype)
    return table


def _plain(value: Any) -> Any:
    """A JSON value: missing -> None, numpy scalars -> Python numbers."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "item"):
        value = value.item()
        return None if isinstance(value, float) and value != value else value
    return value


# ---------------------------------------------------------------------------
# choices made from the metadata


def _most_common(values: pd.Series):
    """The most frequent non-missing value (ties: the largest), or None."""
    counts = values.dropna().value_counts()
    if counts.empty:
        return None
    top = counts[counts == counts.max()].index
    return max(top)


def _place_with_most_years(frame: pd.DataFrame) -> str | None:
    """The place with documents from the most distinct years (at least two), ties by name."""
    if "place" not in frame or "year" not in frame:
        return None
    years = frame.dropna(subset=["place", "year"]).groupby("place")["year"].nunique()
    years = years[years > 1]
    if years.empty:
        return None
    return sorted(years[years == years.max()].index)[0]


def _keyness_groups(frame: pd.DataFrame, target: dict[str, str] | None):
    """(target ids, reference ids, labels) for the keyness figure, or None.

    Full reports are compared with full reports when there are at least three of
    them; the default target is the province with the most such documents.
    """
    pool = frame
    kind = "documents"
    if "doctype" in frame and (frame["doctype"] == "report").sum() >= 3:
        pool = frame[frame["doctype"] == "report"]
        kind = "reports"
    if target is None:
        if "province" not in pool or pool["province"].dropna().nunique() < 2:
            return None
        counts = pool["province"].value_counts()
        best = sorted(counts[counts == counts.max()].index)[0]
        target = {"province": best}
    (column, value), = target.items()
    if column not in pool.columns:
        raise TextmineError(f"--target {column}={value}: no metadata column {column!r} "
                            f"(columns: {', '.join(map(str, frame.columns))})")
    selected = pool[column].astype(str) == value
    if not selected.any():
        raise TextmineError(f"--target {column}={value}: no {kind} with {column} = {value!r}")
    if selected.all():
        raise TextmineError(f"--target {column}={value}: every one of the {kind} matches; nothing to contrast")
    target_ids = pool.loc[selected, "doc_id"].tolist()
    reference_ids = pool.loc[~selected, "doc_id"].tolist()
    return (target_ids, reference_ids, f"{value} {kind} (n = {len(target_ids)})",
            f"other {kind} (n = {len(reference_ids)})")


def _index(outputs: list[Output], corpus: Corpus, *, seed: int) -> str:
    lines = ["# Figures", "",
             f"Generated by `python -m textmine.report` from {len(corpus)} documents (seed {seed}).",
             "Each figure `NAME.png` comes with `NAME.csv`, the rows it draws (numbers to 8 significant digits).", "",
             "| figure | shows | data |", "|---|---|---|"]
    for o in outputs:
        lines.append(f"| [{o.png.name}]({o.png.name}) | {o.caption} | [{o.csv.name}]({o.csv.name}) |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    # Run the imported module's main, not this __main__ copy, so that worker processes
    # find _render as textmine.report._render.
    from textmine.report import main as _main

    sys.exit(_main())
