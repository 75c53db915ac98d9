"""Regenerate every figure, with the table behind it, from a corpus: ``python -m textmine.report``.

::

    python -m textmine.report                       # bundled corpus -> ./figures
    python -m textmine.report --corpus my_reports/  # a folder of .txt files + metadata.csv
    python -m textmine.report --corpus provinces2026 --out figures/provinces2026   # the second bundled corpus
    python -m textmine.report --corpus "reports/*.csv" --compare region=东部   # tables with a row per report
    python -m textmine.report --corpus my_reports/ --metadata meta.csv --out paper/figs --seed 1
    python -m textmine.report --force               # draw every figure again, refit the topic model
    python -m textmine.report --format png,svg,pdf  # vector files too (the Chinese glyphs go with them)

Each figure ``NAME.png`` (and ``NAME.svg`` / ``NAME.pdf`` with ``--format``) is written
next to ``NAME.csv``, the rows it draws to 8 significant digits, plus a ``README.md``
index and the explorer page ``index.html`` (:func:`textmine.explorer.write_explorer`):
figures, tables, a search over the texts, every document; every file atomically, and
only when its bytes change. The log says what each step did and how long it took, and
its last line where to open the explorer. The module only composes the library::

    corpus ─▶ tokens(corpus) ─┬─▶ slogan_frequency ─▶ plots.slogan_heatmap, slogans_by_place, ...
                              ├─▶ top_terms, keyness ─▶ plots.top_terms_grid, keyness_chart
                              ├─▶ TopicModel.fit    ─▶ plots.topic_terms_grid, topic_prevalence_heatmap
                              └─▶ panels: attention_by_year, adoption_curve, echo, target_escalation
                                                    ─▶ panels.figures (the "panels" section)

One :class:`~textmine.tokenize.Tokens` serves every figure, so each document is
segmented once (the topic model's units, paragraphs, are texts of their own).

Choices the report makes for you (all from the corpus's metadata):

- the group comparison uses the documents of the most common year, so that
  reports of different years are not pooled;
- the "over time" figure follows the place with documents from the most years
  (skipped if no place has more than one);
- keyness contrasts a group of full reports with the other full reports, at least
  two on each side: the province with the most reports, else a region
  (东部/中部/西部/东北), a rank or a level (:func:`textmine.groups.choose_contrast`);
  ``--compare COLUMN=VALUE`` picks the target group;
- a figure that compares groups is skipped, with a one-line reason, when its
  column is missing or holds one group; the by-rank figure counts a document in
  every rank group it belongs to (a 副省级城市 that is a 省会 is in both);
- place names (the corpus's places, their short forms and the places inside
  them: :func:`textmine.gazetteer.place_stopwords`) are kept out of the TF-IDF,
  keyness and topic vocabularies, so their terms are policy words
  (``--keep-place-names`` keeps them);
- LDA uses a fixed number of topics (``--topics``, default 6) and ``--seed``;
- the panels section (``panel_*``) is drawn only where the corpus spans more than
  one year or more than one level (else skipped with the reason in the log):
  attention by year and level, slogan adoption (more than one year), echo and
  target escalation (only where some document's parent level is in the corpus).

**Drawn once, computed once.** Every figure's tables (the DataFrames it is drawn
from) have a key: a sha256 of what decides them -- the tokens' fingerprint, the
metadata, the analysis settings and plotting options, textmine's files except those
that only draw (``plots.py``, ``fonts.py``, ``panels/figures.py``, ``explorer.py``)
and the versions of the libraries that compute. The tables are kept under that key
in textmine's cache folder (:class:`textmine.tokenize.cache.ResultCache`: JSON and
Parquet, never pickle; kept only if they read back exactly; an entry that does not
decode as the report's tables is computed again), and the drawn figure's files
under that key plus the drawing code, library versions, resolution and formats.
So a run whose inputs did not change computes and draws nothing: it copies the
bytes (``unchanged`` in the log when the files are already there); after a change
to the drawing code only, every figure is drawn again from its cached tables
without computing an analysis. The explorer page is kept too, under a key of the
corpus, each figure's caption, CSV and files, and the non-drawing code plus
``explorer.py``. ``textmine.clear_cache()`` empties the cache; ``--force`` computes
and draws everything again.

**Drawn on all cores.** ``--jobs`` (default -1, all cores) processes draw: this one
and workers of textmine's pool (:func:`textmine._parallel.worker_backend`); a figure
goes to a worker with its tables while each worker holds fewer than
:data:`FIGURES_PER_WORKER` (unless they exceed :data:`BIG_TABLE_BYTES`), else it is
drawn here, while the report computes the next tables; at the end this process
takes back a figure still waiting for a worker. Files are written in the report's
order, by this process, with the same bytes as ``--jobs 1``. The command line starts
the workers before it loads a corpus of at most :data:`SMALL_SOURCE_BYTES` on disk,
unless the same run (options, code, each file's size and modification time) ended
before, when nothing is left to draw. A corpus of more than
:data:`WORKER_CORPUS_CHARS` characters is drawn here only: its report needs the
memory a worker would take.

The output folder is checked before any work (a folder, or one that can be
created, writable); an error is one line on stderr and exit code 1; Ctrl-C or
SIGTERM stops the run at once (exit code 130 / 143), leaving no half-written file
(the workers ignore Ctrl-C and are stopped by this process).
"""

from __future__ import annotations

__all__ = ["build_report", "check_out", "main", "Output", "KEY_SLOGANS", "DEFAULT_TOPICS", "DPI", "FORMATS"]

import argparse
import collections
import functools
import hashlib
import importlib
import io
import json
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from glob import escape as glob_escape
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import pandas as pd

from ._io import csv_bytes, write_bytes_atomic
from .corpus import Corpus, load_corpus
from .errors import TextmineError
from .groups import choose_contrast, group_problem, parse_compare
from .schema import rank_groups
from .tokenize import Tokens, tokens
from .tokenize.cache import ResultCache

#: The three slogans the place and group figures follow.
KEY_SLOGANS = ("新质生产力", "民营经济", "营商环境")
#: Default number of LDA topics (a fixed K keeps the report fast and reproducible).
DEFAULT_TOPICS = 6
#: Resolution of the PNG files.
DPI = 200
#: Figure formats ``--format`` accepts (PNG is the default; the PDF embeds a subset of the CJK font,
#: the SVG draws the glyphs as outlines).
FORMATS = ("png", "svg", "pdf")
#: Figure CSVs keep 8 significant digits: LDA weights differ between CPUs in their last digits.
CSV_FLOAT_FORMAT = "%.8g"
#: Libraries whose versions decide a figure's bytes.
_DRAWING_PACKAGES = ("matplotlib", "numpy", "pandas", "pillow", "noto-cjk-sans-otc", "scikit-learn", "scipy",
                     "gensim", "tomotopy", "statsmodels", "patsy")
#: textmine's files that only draw: a change in them draws the figures again from their cached tables.
_DRAWING_FILES = ("plots.py", "fonts.py", "panels/figures.py", "explorer.py")
#: Libraries that only draw (their versions are not part of a table's key).
_DRAWING_ONLY = ("matplotlib", "pillow", "noto-cjk-sans-otc")
#: Modules whose figure functions a cached table may name (``textmine.<module>``).
_PLOT_MODULES = ("plots", "panels.figures")
#: Functions of those modules that are not figures.
_NOT_FIGURES = ("save_figure", "figure_bytes", "figure_data")
#: Format tag of a cached table entry (``results/`` in the cache folder).
_TABLES_FORMAT = "textmine-report-tables/1"
#: Metadata columns the topic-effects figure compares: the first with two or more groups.
EFFECT_COVARIATES = ("region", "level", "rank")

Log = Callable[[str], None]


@dataclass(frozen=True)
class Output:
    """One figure of the report: its stem, caption, files, and ``status``.

    ``"drawn"``: drawn in this run; ``"cached"``: its bytes came from the cache
    (nothing computed). Either way a file is rewritten only when its bytes change.
    ``png`` is the first image file (a PNG unless ``--format`` leaves PNG out),
    ``images`` all of them; the caption says what the figure averaged or left out to fit a page.
    """

    stem: str
    caption: str
    png: Path
    csv: Path
    status: str = "drawn"
    images: tuple[Path, ...] = ()


@dataclass(frozen=True)
class _Plot:
    """A figure drawn from its tables: ``textmine.<module>.<name>(*args, **kwargs)``."""

    module: str
    name: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)

    def draw(self) -> Any:
        """The matplotlib Figure."""
        return getattr(importlib.import_module(f"textmine.{self.module}"), self.name)(*self.args, **self.kwargs)


@dataclass(frozen=True)
class _Figure:
    """A figure to make: ``tables()`` computes what it is drawn from (None: skipped).

    ``key`` names everything the tables depend on (not the drawing code): the
    tables are cached under it, the drawn files under it plus the drawing code.
    """

    stem: str
    caption: str
    key: str
    tables: Callable[[], _Plot | None]


# ---------------------------------------------------------------------------
# command line


class _Terminated(BaseException):
    """Raised in the main thread when SIGTERM arrives."""


#: Signals received by :func:`main`'s handler. Python drops an exception raised while a ``__del__``
#: method or a weakref callback runs, so the report also checks this list between figures.
_SIGNALLED: list[int] = []


def _on_signal(signum: int, frame: Any) -> None:
    _SIGNALLED.append(signum)
    _raise_if_signalled()


def _raise_if_signalled() -> None:
    if _SIGNALLED:
        raise KeyboardInterrupt if _SIGNALLED[0] == signal.SIGINT else _Terminated


def _unraisable(previous: Callable[[Any], None]) -> Callable[[Any], None]:
    """A ``sys.unraisablehook`` that keeps quiet about the dropped interrupt (re-raised at the next figure)."""
    def hook(info: Any) -> None:
        if not (_SIGNALLED and isinstance(info.exc_value, (KeyboardInterrupt, _Terminated))):
            previous(info)
    return hook


def main(argv: Sequence[str] | None = None) -> int:
    """Run the report; return the exit code (0 ok, 1 error, 130 interrupted, 143 terminated)."""
    args = _parser().parse_args(argv)
    os.environ.setdefault("MPLBACKEND", "Agg")
    _SIGNALLED.clear()
    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    previous_hook, sys.unraisablehook = sys.unraisablehook, _unraisable(sys.unraisablehook)
    try:
        formats = _parse_formats(args.format)
        check_out(args.out)  # before any work: a bad --out costs nothing
        # A run that will draw starts its drawing workers now: they import the drawing code while this
        # process loads the corpus. Not for a big corpus, nor when this run, on the same files, with the
        # same code, ended before with every figure cached (there is then nothing to draw).
        run = _run_key(args)
        cache = ResultCache()
        ran = run is not None and not args.force and cache.get(run) is not None
        warm = run is not None and not ran and _Drawer.start(args.jobs)
        corpus = _load(args)
        if warm and _n_chars(corpus.to_frame()) > WORKER_CORPUS_CHARS:  # more than its files suggested: drawn here
            from ._parallel import release_workers

            release_workers(kill=True)
        target = _parse_target(args.target) if args.target else None
        outputs = build_report(corpus, args.out, seed=args.seed, topics=args.topics, target=target,
                               force=args.force, drop_places=not args.keep_place_names, formats=formats,
                               n_jobs=args.jobs, log=_stderr)
        if run is not None and not ran:
            cache.put(run, {})
    except TextmineError as exc:
        return _fail(str(exc), 1)
    except OSError as exc:  # writing failed while the report ran (disk full, folder removed, ...)
        where = f"{exc.filename}: " if exc.filename else ""
        return _fail(f"{where}{exc.strerror or exc}", 1)
    except KeyboardInterrupt:
        return _fail("interrupted (no half-written files are left behind)", 130, prefix="")
    except _Terminated:
        return _fail("terminated (no half-written files are left behind)", 143, prefix="")
    finally:
        _SIGNALLED.clear()  # a library caller's build_report later in this process is not interrupted
        sys.unraisablehook = previous_hook
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    _stderr(f"Done: {len(outputs)} figures with their data in {_show(Path(args.out))}/. "
            f"Open {_show(Path(args.out) / 'index.html')} in a web browser to explore them and search the texts.")
    return 0


def _fail(message: str, code: int, prefix: str = "error: ") -> int:
    print(f"textmine.report: {prefix}{message}", file=sys.stderr, flush=True)
    return code


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m textmine.report",
                                description="Regenerate every textmine figure (PNG + CSV) from a corpus.")
    p.add_argument("--corpus", metavar="PATH",
                   help="a folder (.txt/.pdf/.docx, with or without metadata.csv), a table file (.csv, .tsv, .jsonl, "
                        ".xlsx, .parquet), a quoted glob of them, or a bundled corpus name: seeds, provinces2026 "
                        "(default: seeds)")
    p.add_argument("--metadata", metavar="CSV", help="metadata table (default: DIR/metadata.csv)")
    p.add_argument("--out", metavar="DIR", default="figures", help="output folder (default: ./figures)")
    p.add_argument("--seed", type=int, default=0, help="random seed of the topic model (default: 0)")
    p.add_argument("--topics", type=int, default=DEFAULT_TOPICS, metavar="K",
                   help=f"number of LDA topics (default: {DEFAULT_TOPICS})")
    p.add_argument("--compare", "--target", dest="target", metavar="COLUMN=VALUE",
                   help="target group of the keyness figure, e.g. region=东部 or province=辽宁省 (default: chosen "
                        "from the metadata, at least two documents on each side)")
    p.add_argument("--keep-place-names", action="store_true",
                   help="keep place names in the TF-IDF, keyness and topic vocabularies (default: left out)")
    p.add_argument("--format", default="png", metavar="LIST",
                   help="figure formats, comma-separated from png, svg, pdf (default: png); "
                        "SVG and PDF carry the Chinese glyphs with them")
    p.add_argument("--force", action="store_true", help="draw every figure again and refit the topic model")
    p.add_argument("--jobs", type=int, default=-1, metavar="N",
                   help="processes drawing the figures while the next tables are computed (default: -1, all cores; "
                        "1: draw in this process)")
    return p


def _corpus_spec(args: argparse.Namespace) -> str | None:
    """What ``--corpus`` and ``--metadata`` ask :func:`load_corpus` for (None: the bundled seeds)."""
    if args.corpus is None and args.metadata is None:
        return None
    return args.corpus if args.corpus is not None else str(Path(args.metadata).parent)


def _load(args: argparse.Namespace) -> Corpus:
    spec = _corpus_spec(args)
    return load_corpus() if spec is None else load_corpus(spec, metadata=args.metadata)


def _run_key(args: argparse.Namespace) -> str | None:
    """Key of a report run: its options, the code, and each file of its corpus (path, size, modification
    time); None for a corpus whose files take more than :data:`SMALL_SOURCE_BYTES` or cannot be listed.

    The report keeps an empty entry under it once the run has ended, every figure then being cached.
    """
    spec = _corpus_spec(args)
    files = _source_files(spec, SMALL_SOURCE_BYTES)
    if files is None:
        return None
    if args.metadata is not None:
        files += _source_files(args.metadata, 2**62) or [[args.metadata, -1, -1]]
    return _key("report run", files, args.seed, args.topics, args.target, args.keep_place_names,
                _parse_formats(args.format))


def _source_files(spec: str | None, limit: int) -> list[list] | None:
    """``[path, size, modification time]`` of each file ``spec`` names (a bundled corpus name, a file, a
    folder, a glob); None when they take more than ``limit`` bytes or cannot be listed.

    Only ``os.stat`` is read; symbolic links to folders are not followed.

    >>> _source_files("no/such/folder", 100) is None
    True
    """
    from .corpus import BUNDLED, _expand, bundled_seeds_dir

    out: list[list] = []
    total = 0
    try:
        if spec is None or (spec in BUNDLED and not Path(spec).exists()):
            roots = [bundled_seeds_dir() / ("" if spec in (None, "seeds") else spec)]
        else:
            roots = _expand(spec)  # a glob's files as load_corpus finds them, else the path itself
        for path in (path for root in roots for path in _walk(root)):
            info = os.stat(path, follow_symlinks=False)
            total += info.st_size
            if total > limit:
                return None
            out.append([path, info.st_size, info.st_mtime_ns])
    except (OSError, TextmineError):  # not there or not readable: load_corpus says what is wrong
        return None
    return out


def _walk(root: Path) -> Iterator[str]:
    """``root`` if it is not a folder, else the files below it, in sorted order (links to folders not followed)."""
    if not root.is_dir():
        yield str(root)
        return
    for folder, subfolders, names in os.walk(root):
        subfolders.sort()
        for name in sorted(names):
            yield os.path.join(folder, name)


def _n_chars(frame: pd.DataFrame) -> int:
    """Characters of a corpus's cleaned texts, from its ``n_chars`` metadata (:meth:`Corpus.to_frame`)."""
    return int(frame["n_chars"].sum()) if "n_chars" in frame else 0


def _parse_formats(spec: str) -> tuple[str, ...]:
    """``"png,pdf"`` -> ``("png", "pdf")``; an unknown or empty list is a one-line error.

    >>> _parse_formats(" PNG, svg,png ")
    ('png', 'svg')
    """
    formats = tuple(dict.fromkeys(f.strip().lower() for f in spec.split(",") if f.strip()))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise TextmineError(f"--format {spec!r}: {'unknown format ' + repr(unknown[0]) if unknown else 'no format'}; "
                            f"use one or more of {', '.join(FORMATS)}, e.g. --format png,pdf")
    return formats


def _parse_target(spec: str) -> dict[str, str]:
    column, value = parse_compare(spec)
    return {column: value}


def check_out(out: str | os.PathLike) -> Path:
    """``out`` if it is a writable folder or one that can be created there; else a :class:`TextmineError`.

    Nothing is created. A path through a file, or a folder this process may not
    write into, is refused with one line naming it.

    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> check_out(os.path.join(folder, "figures", "2024")) == Path(folder, "figures", "2024")
    True
    >>> open(os.path.join(folder, "notes.txt"), "w").close()
    >>> check_out(os.path.join(folder, "notes.txt", "figures"))
    Traceback (most recent call last):
    ...
    textmine.errors.TextmineError: --out ...notes.txt/figures: .../notes.txt is a file, not a folder
    """
    out = Path(out)
    existing = out
    while not existing.exists():
        if existing.is_symlink():  # a dangling link
            raise TextmineError(f"--out {out}: {existing} is a broken symbolic link")
        if existing.parent == existing:
            break
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        raise TextmineError(f"--out {out}: {existing} is a file, not a folder")
    if existing.exists() and not os.access(existing, os.W_OK | os.X_OK):
        what = "folder" if existing == out else f"folder {existing} (where {out} would be created)"
        raise TextmineError(f"--out {out}: cannot write into the {what}: permission denied")
    return out


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
                 topics: int = DEFAULT_TOPICS, target: dict[str, str] | None = None, force: bool = False,
                 tokenizer: Any = None, drop_places: bool = False, formats: Sequence[str] = ("png",),
                 explorer: bool = True, n_jobs: int | None = None, log: Log = _stderr) -> list[Output]:
    """Write every figure of ``corpus`` (PNG + CSV), a README index and the explorer into ``out``.

    Returns the figures. ``formats``: the image files of each figure (``png``, ``svg``,
    ``pdf``); ``explorer``: also write ``index.html`` + ``explorer_data.js``
    (:func:`textmine.explorer.write_explorer`); ``n_jobs`` (scikit-learn's
    convention: None = 1, -1 = all cores): the processes that draw figures,
    this one and ``n_jobs - 1`` workers, while the report computes the next
    tables (the same bytes as drawn here; ``python -m textmine.report`` uses
    all cores).

    One :func:`textmine.tokens` of the corpus (with ``tokenizer``, default
    ``Tokenizer()``) serves every figure. Figures whose key is in the cache are
    copied from it; ``force=True`` draws them all again. ``drop_places=True``
    (what ``python -m textmine.report`` passes unless ``--keep-place-names``)
    adds the corpus's place names to the tokenizer's stopwords
    (:func:`textmine.gazetteer.place_stopwords`) when no ``tokenizer`` is given.

    Examples
    --------
    Drawing takes a few seconds, so the suite runs this in ``tests/test_report.py``:

    >>> import tempfile
    >>> frame = pd.DataFrame({"text": ["发展新质生产力，优化营商环境。" * 30, "壮大民营经济，优化营商环境。" * 30],
    ...                       "place": ["甲市", "甲市"], "rank": ["地级市", "地级市"], "year": [2023, 2024]})
    >>> outputs = build_report(Corpus.from_dataframe(frame), tempfile.mkdtemp(), log=print)  # doctest: +SKIP
    >>> [o.stem for o in outputs]  # doctest: +SKIP
    ['corpus_overview', 'slogan_heatmap', 'key_slogans_by_place', 'key_slogans_by_rank', 'place_over_time', 'top_terms']
    """
    out = check_out(out)
    formats = tuple(formats)
    if not formats or any(f not in FORMATS for f in formats):
        raise TextmineError(f"formats {formats!r}: use one or more of {', '.join(FORMATS)}")
    if len(corpus) == 0:
        raise TextmineError("the corpus has no documents; nothing to report")
    log(f"Corpus: {len(corpus):,} documents")
    frame = corpus.to_frame()
    groups = _keyness_groups(frame, target)  # checked first: a bad --target fails before the long steps
    if drop_places and tokenizer is None:
        from .gazetteer import place_stopwords
        from .tokenize import Tokenizer

        names = place_stopwords(corpus)
        tokenizer = Tokenizer(extra_stopwords=names)
        log(f"place names kept out of TF-IDF, keyness and topics: {len(names)} names and short forms")
    toks = tokens(corpus, tokenizer)
    # Section by section: a section's tables (the slogan table alone is ~240 MB at 5,000
    # documents) are released once its figures are written, before the next one computes.
    sections = (lambda: _corpus_figures(frame), lambda: _slogan_figures(corpus, toks, frame, log),
                lambda: _keyword_figures(toks, groups, log), lambda: _topic_figures(toks, log, k=topics, seed=seed),
                lambda: _panel_figures(corpus, toks, frame, log))
    cache = ResultCache()
    outputs: list[Output] = []
    with _Drawer(n_jobs if _n_chars(frame) <= WORKER_CORPUS_CHARS else 1) as drawer:
        pending: collections.deque[Callable[[], Output]] = collections.deque()
        for section in sections:
            for fig in section():
                finish = _produce(fig, out, cache, force, log, formats, drawer)
                if finish is not None:
                    pending.append(finish)
                while len(pending) > drawer.in_flight:  # in order; a drawing's tables are not held for long
                    outputs.append(pending.popleft()())
        while pending:  # nothing left to compute: this process takes back a figure waiting for a worker
            drawer.steal()
            outputs.append(pending.popleft()())
    _raise_if_signalled()
    _replace_if_changed(out / "README.md", _index(outputs, corpus, seed=seed).encode("utf-8"))
    if explorer:
        _explorer(corpus, out, outputs, cache, _table_key("explorer", toks.fingerprint, frame), log)
    return outputs


def _explorer(corpus: Corpus, out: Path, outputs: list[Output], cache: ResultCache, corpus_key: str,
              log: Log) -> None:
    """Write the explorer page (:func:`textmine.explorer.write_explorer`), or copy it from the cache.

    Its key: ``corpus_key`` (the texts and metadata), the explorer's code, and each figure's
    caption, CSV bytes and files in ``out`` -- not the drawing code, so after a change to the
    plotting code only the page is copied, not computed again. A page of more than
    :data:`BIG_TABLE_BYTES` (a corpus of about 8 M characters) is not cached: holding it in
    memory to store it would add to the report's peak.
    """
    from .explorer import EXPLORER_DATA, EXPLORER_PAGE, __file__ as code, write_explorer

    figures = [[o.stem, o.caption, hashlib.sha256(o.csv.read_bytes()).hexdigest(),
                sorted(p.name for p in out.glob(f"{glob_escape(o.stem)}.*"))] for o in outputs]
    key = _digest(["explorer page", corpus_key, hashlib.sha256(Path(code).read_bytes()).hexdigest(), figures])
    with _step(log, "writing the explorer page (index.html)") as step:
        files = cache.get(key)
        if files is not None and set(files) == {EXPLORER_DATA, EXPLORER_PAGE}:
            for name, data in files.items():
                _replace_if_changed(out / name, data)
        else:
            write_explorer(corpus, out, figures={o.stem: o.caption for o in outputs},
                           title=f"textmine: {len(corpus):,} documents")
            if (out / EXPLORER_DATA).stat().st_size <= BIG_TABLE_BYTES:
                cache.put(key, {name: (out / name).read_bytes() for name in (EXPLORER_DATA, EXPLORER_PAGE)})
        step.detail = f"{(out / EXPLORER_DATA).stat().st_size / 1e6:.1f} MB of searchable text and tables"


def _produce(fig: _Figure, out: Path, cache: ResultCache, force: bool, log: Log,
             formats: Sequence[str] = ("png",), drawer: "_Drawer | None" = None) -> Callable[[], Output] | None:
    """Start ``fig``: its bytes from the cache, or its tables (cached or computed) handed to ``drawer``.

    Returns what finishes it (None: skipped): waits for the drawing, caches its
    files and writes those that changed. ``drawer`` None draws here and now.
    """
    _raise_if_signalled()  # an interrupt Python dropped (see _SIGNALLED) ends the report here
    key = _key(fig.key, list(formats))
    files = None if force else cache.get(key)
    if files is not None:
        return lambda: _write(fig, out, files, "cached", log, formats)
    plot = None if force else _cached_tables(cache, fig.key)
    if plot is None:
        plot = fig.tables()
        if plot is None:
            return None
        _cache_tables(cache, fig.key, plot)
    drawing = _drawn_here(plot, formats) if drawer is None else drawer.draw(plot, formats)

    def finish() -> Output:
        drawn = drawing()
        cache.put(key, drawn)
        return _write(fig, out, drawn, "drawn", log, formats)
    return finish


def _write(fig: _Figure, out: Path, files: dict[str, bytes], status: str, log: Log,
           formats: Sequence[str]) -> Output:
    """Write the figure's files whose bytes changed; log what was written."""
    _raise_if_signalled()
    paths = {out / f"{fig.stem}.{ext}": files[ext] for ext in (*formats, "csv")}
    wrote = [p for p, data in paths.items() if _replace_if_changed(p, data)]
    same = [p for p in paths if p not in wrote]
    if wrote:
        log(f"wrote {' + '.join([_show(wrote[0])] + [p.name for p in wrote[1:]])}"
            + (f" ({' + '.join(p.name for p in same)} unchanged)" if same else ""))
    else:
        log(f"unchanged {' + '.join([_show(same[0])] + [p.name for p in same[1:]])}")
    images = tuple(out / f"{fig.stem}.{fmt}" for fmt in formats)
    note = files.get("note", b"").decode("utf-8")
    caption = f"{fig.caption} {note[0].upper()}{note[1:]}." if note else fig.caption
    return Output(fig.stem, caption, images[0], out / f"{fig.stem}.csv", status, images)


def _draw_files(plot: _Plot, formats: Sequence[str]) -> dict[str, bytes]:
    """The figure's files as bytes: each image format, ``csv`` (its rows) and ``note`` (what was left out)."""
    from . import plots

    drawn = plot.draw()
    files = {fmt: plots.figure_bytes(drawn, fmt, dpi=DPI) for fmt in formats}
    files["csv"] = csv_bytes(plots.figure_data(drawn), float_format=CSV_FLOAT_FORMAT)
    files["note"] = getattr(drawn, "textmine_note", "").encode("utf-8")  # what was averaged or left out
    return files


def _warm_worker(parent: int) -> None:
    """Import the drawing code (matplotlib, the CJK font) in a worker process, which exits when ``parent`` dies."""
    from . import plots  # noqa: F401
    from ._parallel import watch_parent

    watch_parent(parent)


def _draw_in_worker(plot: _Plot, formats: Sequence[str], parent: int) -> dict[str, bytes]:
    """:func:`_draw_files` in a worker process, which exits when ``parent`` dies."""
    from ._parallel import watch_parent

    watch_parent(parent)
    return _draw_files(plot, formats)


#: Tables of a figure that take more memory than this (the slogan table of 5,000 documents: ~240 MB)
#: are neither copied into a worker (the figure is drawn in the report's own process) nor cached (a
#: round trip through Parquet holds a second copy; they are computed again after a drawing change).
BIG_TABLE_BYTES = 32 * 2**20
#: Corpora of more characters are drawn in the report's own process only: a drawing worker and its
#: pool's resource trackers take about 250 MB, and a report on 5,000 documents (20 M characters)
#: needs about 800 MB of its own (``benchmarks/report_scale.py``; its budget: 1 GB in all).
WORKER_CORPUS_CHARS = 5_000_000
#: ``python -m textmine.report`` starts its drawing workers before it loads a corpus whose files
#: take at most this many bytes (UTF-8 Chinese text: 3 bytes a character), unless the same run
#: ended before with every figure cached; after the loading, a corpus of more than
#: :data:`WORKER_CORPUS_CHARS` characters stops them.
SMALL_SOURCE_BYTES = 3 * WORKER_CORPUS_CHARS
#: Figures a drawing worker is given at once: one it draws and one waiting, so that it goes on
#: while this process draws a figure of its own (and draws here only when the worker has two).
FIGURES_PER_WORKER = 2


@dataclass
class _Sent:
    """A figure given to a worker: its future, what it is drawn from, and its files if drawn here after all."""

    future: Any
    plot: _Plot
    formats: tuple[str, ...]
    here: dict[str, bytes] | None = None


class _Drawer:
    """Draws figures in this process and, with ``n_jobs`` > 1, in worker processes while the report goes on.

    This process is one of the ``n_jobs``: a figure goes to a worker while the
    workers hold fewer than :data:`FIGURES_PER_WORKER` figures each, else it is
    drawn here. Workers only on textmine's own pool (not a joblib backend the
    caller chose) and for tables below :data:`BIG_TABLE_BYTES`. Once nothing is
    left to compute, :meth:`steal` draws here a figure still waiting behind those
    the workers draw. Leaving the ``with`` block on an error or interrupt cancels
    what is still to draw and stops the workers. A worker that dies (killed, out
    of memory) costs only time: its figure, and every one after it, is drawn here.
    """

    def __init__(self, n_jobs: int | None) -> None:
        self.workers = _Drawer._workers(n_jobs)
        #: Figures started but not yet written that the report may hold: their bytes, and for those drawn by
        #: a worker their tables too (below BIG_TABLE_BYTES, kept to draw here should the worker die).
        self.in_flight = 4 * self.workers
        self._executor: Any = None
        self._sent: list[_Sent] = []  # figures given to a worker and not drawn yet

    @staticmethod
    def _workers(n_jobs: int | None) -> int:
        """Worker processes for ``n_jobs`` (this process is one of them); 0 under a backend the caller chose."""
        from ._parallel import n_workers, worker_backend

        workers = n_workers(n_jobs) - 1
        return workers if workers > 0 and worker_backend() is not None else 0

    @staticmethod
    def _pool(workers: int) -> Any:
        """joblib's reusable pool of ``workers`` processes, as its loky backend makes it (joblib reuses it)."""
        from joblib.executor import get_memmapping_executor

        from ._parallel import WORKER_IDLE_SECONDS

        return get_memmapping_executor(workers, timeout=WORKER_IDLE_SECONDS)

    @staticmethod
    def start(n_jobs: int | None) -> bool:
        """Start the workers a report with ``n_jobs`` draws with, importing the drawing code; whether any.

        A :class:`_Drawer` made within :data:`~textmine._parallel.WORKER_IDLE_SECONDS`
        finds them ready: ``python -m textmine.report`` starts them before it loads the corpus.
        """
        from concurrent.futures import BrokenExecutor

        from ._parallel import children_ignore_sigint

        workers = _Drawer._workers(n_jobs)
        if workers:
            try:
                with children_ignore_sigint():  # workers (and their resource trackers) leave Ctrl-C to this process
                    pool = _Drawer._pool(workers)
                    for _ in range(workers):
                        pool.submit(_warm_worker, os.getpid())
            except BrokenExecutor:  # the drawer finds out again, and draws here
                return False
        return workers > 0

    def draw(self, plot: _Plot, formats: Sequence[str]) -> Callable[[], dict[str, bytes]]:
        """What returns the figure's files: drawn now here, or in a worker (waited for when called)."""
        from concurrent.futures import BrokenExecutor

        self._sent = [s for s in self._sent if not s.future.done()]  # a done one is held by its finish only
        if len(self._sent) >= FIGURES_PER_WORKER * self.workers or _table_bytes(plot) > BIG_TABLE_BYTES:
            return _drawn_here(plot, formats)
        from ._parallel import children_ignore_sigint

        try:
            with children_ignore_sigint():  # workers (and their resource trackers) leave Ctrl-C to this process
                if self._executor is None:
                    self._executor = _Drawer._pool(self.workers)
                future = self._executor.submit(_draw_in_worker, plot, tuple(formats), os.getpid())
        except BrokenExecutor:  # a worker died earlier in this run: this process draws from now on
            self.workers = 0
            return _drawn_here(plot, formats)
        sent = _Sent(future, plot, tuple(formats))
        self._sent.append(sent)

        def result() -> dict[str, bytes]:
            if sent.here is not None:  # taken back by steal()
                return sent.here
            try:
                return future.result()
            except BrokenExecutor:  # the worker died (killed, out of memory): this figure, and the rest, here
                self.workers = 0
                return _draw_files(plot, formats)
        return result

    def steal(self) -> None:
        """Draw here the last figure that waits behind those the workers draw, rather than wait for it.

        For the end of a report, when this process has nothing left but to wait: the
        figure is drawn here while the workers finish theirs. A worker that had it in its
        queue already (loky's call queue: as a rule) draws it too, and that copy is not read.
        """
        waiting = [s for s in self._sent if s.here is None and not s.future.done()]
        if len(waiting) > self.workers:
            last = waiting[-1]
            last.future.cancel()
            last.here = _draw_files(last.plot, last.formats)

    def __enter__(self) -> "_Drawer":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None and self._executor is not None:
            for sent in self._sent:
                sent.future.cancel()
            self._executor.shutdown(wait=False, kill_workers=True)


def _drawn_here(plot: _Plot, formats: Sequence[str]) -> Callable[[], dict[str, bytes]]:
    """The figure drawn now, in this process; what returns its files."""
    files = _draw_files(plot, formats)
    return lambda: files


def _table_bytes(plot: _Plot) -> int:
    """Memory the plot's DataFrame and Series arguments take (strings included)."""
    values = [*plot.args, *plot.kwargs.values()]
    return sum(int(v.memory_usage(deep=True, index=True).sum()) if isinstance(v, pd.DataFrame)
               else int(v.memory_usage(deep=True, index=True)) for v in values
               if isinstance(v, (pd.DataFrame, pd.Series)))


def _cached_tables(cache: ResultCache, key: str) -> _Plot | None:
    """The figure's tables cached under ``key``, or None (absent, damaged or not what the report wrote)."""
    parts = cache.get(key)
    if parts is None:
        return None
    try:
        return _decode_tables(parts)
    except Exception:  # a foreign or damaged entry, whatever its error: computed again, never trusted
        return None


def _cache_tables(cache: ResultCache, key: str, plot: _Plot) -> None:
    """Keep ``plot``'s tables under ``key``, if they read back exactly (same values, dtypes, index).

    Tables Parquet cannot hold (a column of mixed types), or all of them without pyarrow
    (textmine's ``[formats]`` extra), and tables above :data:`BIG_TABLE_BYTES` are not
    cached: the figure is computed again next time.
    """
    if _table_bytes(plot) > BIG_TABLE_BYTES:
        return
    try:
        parts = _encode_tables(plot)
        same = _same(_decode_tables(parts), plot)
    except (ImportError, ValueError, TypeError, NotImplementedError):
        return
    if same:
        cache.put(key, parts)


def _encode_tables(plot: _Plot) -> dict[str, bytes]:
    """JSON naming the figure function and its arguments, each table (DataFrame, Series) as Parquet."""
    tables: list[bytes] = []

    def encode(value: Any) -> Any:
        if isinstance(value, (pd.DataFrame, pd.Series)):
            frame = value.to_frame() if isinstance(value, pd.Series) else value
            buf = io.BytesIO()
            frame.to_parquet(buf, engine="pyarrow")  # a RangeIndex as metadata, any other as a column
            tables.append(buf.getvalue())
            objects = [str(c) for c, t in frame.dtypes.items() if t == object]  # Parquet reads them back as str
            return {"series" if isinstance(value, pd.Series) else "frame": len(tables) - 1, "object": objects}
        if isinstance(value, (tuple, list)):
            return {type(value).__name__: [encode(v) for v in value]}
        if isinstance(value, dict):
            return {"dict": [[encode(k), encode(v)] for k, v in value.items()]}
        if value is None or isinstance(value, (str, bool, int, float)):
            return {"value": value}
        raise TypeError(f"cannot cache a {type(value).__name__} as a figure's table")

    head = {"format": _TABLES_FORMAT, "module": plot.module, "name": plot.name, "args": encode(list(plot.args)),
            "kwargs": encode(plot.kwargs)}
    return {"plot": json.dumps(head, ensure_ascii=False).encode("utf-8"),
            **{f"table{i}": data for i, data in enumerate(tables)}}


def _decode_tables(parts: dict[str, bytes]) -> _Plot:
    """The :class:`_Plot` of :func:`_encode_tables`; a ValueError if it names anything but a figure function."""
    head = json.loads(parts["plot"].decode("utf-8"))
    if head["format"] != _TABLES_FORMAT or head["module"] not in _PLOT_MODULES:
        raise ValueError("not a table entry of the report")
    module = importlib.import_module(f"textmine.{head['module']}")
    if head["name"] not in module.__all__ or head["name"] in _NOT_FIGURES:
        raise ValueError(f"{head['name']!r} is not a figure function")

    def decode(node: dict) -> Any:
        objects = node.pop("object", [])
        (kind, value), = node.items()
        if kind in ("frame", "series"):
            frame = pd.read_parquet(io.BytesIO(parts[f"table{int(value)}"]), engine="pyarrow")
            for column in objects:
                frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
            return frame.iloc[:, 0] if kind == "series" else frame
        if kind in ("list", "tuple"):
            items = [decode(v) for v in value]
            return tuple(items) if kind == "tuple" else items
        if kind == "dict":
            return {decode(k): decode(v) for k, v in value}
        if kind == "value" and (value is None or isinstance(value, (str, bool, int, float))):
            return value
        raise ValueError(f"unknown node {kind!r}")

    args, kwargs = decode(head["args"]), decode(head["kwargs"])
    if not (isinstance(args, list) and isinstance(kwargs, dict) and all(isinstance(k, str) for k in kwargs)):
        raise ValueError("malformed arguments")
    return _Plot(head["module"], head["name"], tuple(args), kwargs)


def _same(a: Any, b: Any) -> bool:
    """Whether ``a`` and ``b`` are the same arguments: tables equal in every value, dtype, name and index."""
    if type(a) is not type(b):
        return False
    if isinstance(a, _Plot):
        return (a.module, a.name) == (b.module, b.name) and _same(a.args, b.args) and _same(a.kwargs, b.kwargs)
    if isinstance(a, pd.DataFrame):
        return (_same_index(a.columns, b.columns) and _same_index(a.index, b.index)
                and list(a.dtypes) == list(b.dtypes) and a.equals(b))
    if isinstance(a, pd.Series):
        return a.name == b.name and _same_index(a.index, b.index) and a.dtype == b.dtype and a.equals(b)
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    return a == b or (a != a and b != b)  # NaN equals NaN


def _same_index(a: pd.Index, b: pd.Index) -> bool:
    return type(a) is type(b) and a.dtype == b.dtype and list(a.names) == list(b.names) and a.equals(b)


def _replace_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` (atomically) unless the file already holds exactly these bytes."""
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    write_bytes_atomic(path, data)
    return True


class _step:
    """Context manager logging a step and its duration in one line when it ends (plus ``detail``)."""

    def __init__(self, log: Log, what: str) -> None:
        self.log, self.what, self.detail = log, what, ""

    def __enter__(self) -> "_step":
        self.start = time.perf_counter()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.log(f"{self.what}: {time.perf_counter() - self.start:.1f} s"
                     + (f" ({self.detail})" if self.detail else ""))


# ---------------------------------------------------------------------------
# the figures


def _corpus_figures(frame: pd.DataFrame) -> list[_Figure]:
    plot = _Plot("plots", "corpus_overview", (frame,))
    return [_Figure("corpus_overview", "Length of each document after cleaning, by document type (truncated ones "
                    "hatched).", _table_key("corpus_overview", frame), lambda: plot)]


def _slogan_figures(corpus: Corpus, toks: Tokens, frame: pd.DataFrame, log: Log) -> list[_Figure]:
    """Slogan figures; the slogans are counted only if a figure's tables are not in the cache."""
    year = _most_common(frame["year"])

    @functools.cache
    def freq() -> pd.DataFrame:
        from .frequency import slogan_frequency

        with _step(log, "counting slogans"):
            return slogan_frequency(corpus)

    def same_year() -> pd.DataFrame:
        return freq() if year is None else freq()[freq()["year"] == year]

    def figure(stem: str, caption: str, plot: str, table: Callable[[], pd.DataFrame], *args: Any,
               **kwargs: Any) -> _Figure:
        key = _table_key(stem, plot, toks.fingerprint, frame, year, args, kwargs)
        return _Figure(stem, caption, key, lambda: _Plot("plots", plot, (table(), *args), kwargs))

    figures = [
        figure("slogan_heatmap", "Slogan mentions per 10,000 characters, slogan × document.", "slogan_heatmap", freq),
        figure("key_slogans_by_place", f"{'、'.join(KEY_SLOGANS)} per 10,000 characters in each document, "
               "coloured by administrative level.", "slogans_by_place", freq, KEY_SLOGANS),
    ]
    # every document has a row per slogan: its rank groups are those of the slogan table
    problem = group_problem(frame if year is None else frame[frame["year"] == year], "rank")
    if problem is not None:
        log(f"skipped key_slogans_by_rank: {problem}")
    else:
        figures.append(figure(
            "key_slogans_by_rank", f"The same slogans compared by rank{f' ({year} documents)' if year else ''}: "
            "every document a point, the group mean a line, n documents per group; a document is counted in "
            "every rank group it belongs to (a 副省级城市 that is also a 省会 is in both).",
            "slogans_by_group", lambda: rank_groups(same_year()), KEY_SLOGANS, group="rank"))
    place = _place_with_most_years(frame)
    if place is None:
        log("skipped place_over_time: no place has documents from more than one year")
    else:
        figures.append(figure("place_over_time", f"{place}: slogan rates in each of its documents, by year "
                              "and document type.", "place_over_time", freq, place))
    return figures


def _keyword_figures(toks: Tokens, groups: Any, log: Log) -> list[_Figure]:
    # textmine.keywords (scipy.sparse: ~0.1 s) is imported only when a table is computed, not for cached figures

    def terms() -> _Plot:
        from .keywords import top_terms

        with _step(log, "tokenizing and TF-IDF"):
            table = top_terms(toks, n=10)
        return _Plot("plots", "top_terms_grid", (table,), {"n": 10})

    figures = [_Figure("top_terms", "The 10 highest-TF-IDF terms of each document.",
                       _table_key("top_terms", "top_terms_grid", toks.fingerprint, "top_terms(toks, n=10)",
                                  {"n": 10}), terms)]
    if groups is None:
        log("skipped keyness: the corpus has no two groups to contrast")
        return figures
    target_ids, reference_ids, target_label, reference_label = groups
    labels = {"target_label": target_label, "reference_label": reference_label}

    def contrast() -> _Plot:
        from .keywords import keyness

        with _step(log, f"keyness: {target_label} vs {reference_label}"):
            table = keyness(toks, target_ids, reference_ids)
        return _Plot("plots", "keyness_chart", (table,), labels)

    figures.append(_Figure("keyness", f"Terms distinctive of {target_label} against {reference_label} (signed G²).",
                           _table_key("keyness", "keyness_chart", toks.fingerprint, target_ids, reference_ids,
                                      labels), contrast))
    return figures


def _topic_figures(toks: Tokens, log: Log, *, k: int, seed: int) -> list[_Figure]:
    from .topics import TopicModel, resolve_unit

    # cache=False: the ~550 paragraphs are not written to the token cache (writing them costs more
    # than tokenizing them again, and the figures themselves are cached)
    model = TopicModel(k=k, seed=seed, cache=False)
    fitted: list = []

    def fit() -> Any:
        if not fitted:
            try:
                with _step(log, f"fitting LDA topic model (K = {k}, seed {seed})"):
                    fitted.append(model.fit(toks))
            except TextmineError as exc:  # too little text for LDA: the rest of the report still stands
                log(f"skipped topic_terms and topic_prevalence: {exc}")
                fitted.append(None)
        return fitted[0]

    def terms() -> _Plot | None:
        m = fit()
        if m is None:
            return None
        title = f"LDA topics (K = {m.k_}, fitted on {len(m.units_):,} {m.unit_}s): top 10 words"
        return _Plot("plots", "topic_terms_grid", (m.topic_terms(10),), {"labels": m.labels(), "title": title})

    def prevalence() -> _Plot | None:
        m = fit()
        if m is None:
            return None
        by = [c for c in ("doc_id", "place", "level", "rank", "year", "doctype") if c in m.units_.columns]
        return _Plot("plots", "topic_prevalence_heatmap", (m.prevalence(by=by),), {"labels": m.labels()})

    def effects() -> _Plot | None:
        m = fit()
        if m is None:
            return None
        fx = _topic_effects(m)
        if fx is None:
            log("skipped topic_effects: no metadata column (region, level, rank) with two or more groups")
            return None
        return _Plot("plots", "topic_effects_chart", (fx,))

    settings = {name: getattr(model, name) for name in ("k", "engine", "seed", "unit", "min_chars", "no_below",
                                                        "min_docs", "no_above", "keep_n", "min_tokens", "passes",
                                                        "iterations", "alpha", "eta", "chunksize")}
    unit = resolve_unit(model.unit, len(toks))
    return [
        _Figure("topic_effects", "Topic shares by region (or level, rank): difference to the largest group with "
                "95% intervals (stm's method of composition, clustered by report); the title says when the corpus "
                "is too small for them to mean much.", _table_key("topic_effects", toks.fingerprint, settings),
                effects),
        _Figure("topic_terms", f"Top words of each of the {k} LDA topics (fitted on {unit}s).",
                _table_key("topic_terms", toks.fingerprint, settings), terms),
        _Figure("topic_prevalence", "Share of each document's words per LDA topic.",
                _table_key("topic_prevalence", toks.fingerprint, settings), prevalence),
    ]


def _panel_figures(corpus: Corpus, toks: Tokens, frame: pd.DataFrame, log: Log) -> list[_Figure]:
    """The panels section (textmine.panels): only where the corpus spans more than one year or level."""
    n_years = int(frame["year"].dropna().nunique()) if "year" in frame.columns else 0
    n_levels = int(frame["level"].dropna().nunique()) if "level" in frame.columns else 0
    if n_years <= 1 and n_levels <= 1:
        log(f"skipped panels: the corpus spans {n_years} year(s) and {n_levels} level(s); a panel needs more "
            "than one of either")
        return []
    from .panels.parents import parent_documents

    def attention_chart() -> _Plot:
        from .panels.attention import attention_by_year

        with _step(log, "panels: dictionary attention by year and level"):
            rates = attention_by_year(toks, by="level")
        return _Plot("panels.figures", "attention_by_year_chart", (rates,))

    figures = [_Figure("panel_attention", "Policy-category attention (share of tokens in each category of the "
                       "shipped dictionary) by year and level, with exact Poisson intervals.",
                       _table_key("panel_attention", "attention_by_year_chart", toks.fingerprint, frame, "by=level"),
                       attention_chart)]
    if n_years > 1:
        def adoption_chart() -> _Plot:
            from .panels.diffusion import adoption_curve

            with _step(log, "panels: slogan adoption"):
                curve = adoption_curve(corpus, KEY_SLOGANS)
            return _Plot("panels.figures", "adoption_curve_chart", (curve,))

        figures.append(_Figure("panel_adoption", f"{'、'.join(KEY_SLOGANS)}: cumulative share of places that have "
                               "used each slogan, by first observed year.",
                               _table_key("panel_adoption", "adoption_curve_chart", toks.fingerprint, frame,
                                          KEY_SLOGANS), adoption_chart))
    else:
        log("skipped panel_adoption: the corpus has one year")
    parents = parent_documents(corpus)
    if parents["parent_doc_id"].isna().all():
        log("skipped panel_echo and panel_escalation: no document's parent level (province, city, "
            "national report) is in the corpus")
        return figures

    def echo_chart() -> _Plot:
        from .panels.echo import echo

        with _step(log, "panels: echo of the parent level"):
            found = echo(corpus)
        return _Plot("panels.figures", "echo_chart", (found.documents,))

    def escalation_chart() -> _Plot | None:
        from .panels.escalation import target_escalation

        with _step(log, "panels: target escalation"):
            table = target_escalation(corpus)
        if not (table["status"] == "compared").any():
            log("skipped panel_escalation: no document and its parent both state a growth target")
            return None
        return _Plot("panels.figures", "escalation_chart", (table,))

    figures += [
        _Figure("panel_echo", "Share of each document's sentences that near-duplicate a sentence of its parent "
                "level's document (same or previous year).",
                _table_key("panel_echo", "echo_chart", toks.fingerprint, frame, "echo(corpus)"), echo_chart),
        _Figure("panel_escalation", "GDP growth target of each document against its parent level's target of "
                "the same year (gap in percentage points; marker = qualifier).",
                _table_key("panel_escalation", "escalation_chart", toks.fingerprint, frame,
                           "target_escalation(corpus)"), escalation_chart),
    ]
    return figures


def _topic_effects(model: Any) -> pd.DataFrame | None:
    """Differences in topic shares over the first workable covariate, against its largest group."""
    from .effects import topic_effects

    units = model.units_
    for column in EFFECT_COVARIATES:
        if column not in units.columns or units[column].dropna().nunique() < 2:
            continue
        largest = _most_common(units.drop_duplicates("doc_id")[column].astype("string"))
        fx = topic_effects(model, column, reference={column: largest}, seed=0)
        return fx[fx["kind"] == "difference"].reset_index(drop=True)
    return None


# ---------------------------------------------------------------------------
# figure keys


def _key(*parts: Any) -> str:
    """sha256 of ``parts`` (tables by their every value), the resolution and all the code (drawing too)."""
    return _digest([DPI, _code(), *parts])


def _table_key(*parts: Any) -> str:
    """sha256 of ``parts`` and the code that computes tables (not the files and libraries that only draw)."""
    return _digest(["tables", _code(tables=True), *parts])


def _digest(parts: list) -> str:
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_canonical)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _canonical(value: Any) -> Any:
    if isinstance(value, (pd.DataFrame, pd.Series)):
        # every value, hashed row by row (8 bytes a row): a 5,000-document slogan table is
        # 750,000 rows, whose CSV text would cost hundreds of MB just to be digested;
        # categorize=True hashes each distinct string once (without it, hashing 900,000 rows
        # took ~300 MB of temporaries)
        table = value.to_frame() if isinstance(value, pd.Series) else value
        rows = pd.util.hash_pandas_object(table, index=True, categorize=True).to_numpy()
        return [[str(c) for c in table.columns], [str(t) for t in table.dtypes], len(table),
                hashlib.sha256(rows.tobytes()).hexdigest()]
    if isinstance(value, (set, frozenset)):
        return sorted(map(str, value))
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"cannot digest a {type(value).__name__}")


@functools.lru_cache(maxsize=2)
def _code(tables: bool = False) -> dict:
    """What makes a figure besides its data: textmine's files, library versions, matplotlibrc files, Python.

    ``tables=True``: what makes its tables, i.e. without the files and libraries that only draw.
    """
    from importlib.metadata import PackageNotFoundError, version

    package = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(p for p in package.rglob("*") if p.is_file() and p.suffix in (".py", ".csv", ".txt")):
        name = path.relative_to(package).as_posix()
        if not (tables and name in _DRAWING_FILES):
            h.update(name.encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    versions = {}
    for name in (*_DRAWING_PACKAGES, "pyarrow"):
        if tables and name in _DRAWING_ONLY:
            continue
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    if tables:
        return {"textmine": h.hexdigest(), "python": list(sys.version_info[:2]), "packages": versions}
    config = Path(os.environ.get("MPLCONFIGDIR") or Path(os.environ.get("XDG_CONFIG_HOME") or
                                                         Path.home() / ".config") / "matplotlib")
    rc = [Path.cwd() / "matplotlibrc", config / "matplotlibrc"]
    if os.environ.get("MATPLOTLIBRC"):
        rc += [Path(os.environ["MATPLOTLIBRC"]), Path(os.environ["MATPLOTLIBRC"]) / "matplotlibrc"]
    return {"textmine": h.hexdigest(), "python": list(sys.version_info[:2]), "packages": versions,
            "matplotlibrc": [hashlib.sha256(p.read_bytes()).hexdigest() for p in rc if p.is_file()]}


# ---------------------------------------------------------------------------
# choices made from the metadata


def _most_common(values: pd.Series) -> Any:
    """The most frequent non-missing value (ties: the largest), or None."""
    counts = values.dropna().value_counts()
    if counts.empty:
        return None
    return max(counts[counts == counts.max()].index)


def _place_with_most_years(frame: pd.DataFrame) -> str | None:
    """The place with documents from the most distinct years (at least two), ties by name."""
    if "place" not in frame or "year" not in frame:
        return None
    years = frame.dropna(subset=["place", "year"]).groupby("place")["year"].nunique()
    years = years[years > 1]
    if years.empty:
        return None
    return sorted(years[years == years.max()].index)[0]


def _keyness_groups(frame: pd.DataFrame, target: dict[str, str] | None) -> tuple | None:
    """(target ids, reference ids, target label, reference label) for the keyness figure, or None.

    Full reports are compared with full reports when there are at least three of
    them. The target (``--compare``, else :func:`textmine.groups.choose_contrast`'s
    choice: the province with the most documents, a region, a rank, a level) and
    the rest have at least two documents each; None when no grouping allows that.
    """
    pool, kind = frame, "documents"
    if "doctype" in frame and (frame["doctype"] == "report").sum() >= 3:
        pool, kind = frame[frame["doctype"] == "report"], "reports"
    contrast = choose_contrast(pool, target, kind=kind)
    if contrast is None:
        return None
    return contrast.target_ids, contrast.reference_ids, contrast.target_label, contrast.reference_label


def _index(outputs: list[Output], corpus: Corpus, *, seed: int) -> str:
    lines = ["# Figures", "",
             f"Generated by `python -m textmine.report` from {len(corpus)} documents (seed {seed}).",
             "Each figure `NAME.png` comes with `NAME.csv`, the rows it draws (numbers to 8 significant digits).", "",
             "| figure | shows | data |", "|---|---|---|"]
    for o in outputs:
        lines.append(f"| [{o.png.name}]({o.png.name}) | {o.caption} | [{o.csv.name}]({o.csv.name}) |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    exit_code = main()
    # Ending the process fast: every file is written and closed by now, and the memory goes back to
    # the system with the process all the same. Python's last full garbage collection of the report's
    # heap takes 0.5-0.7 s of a cold run as the interpreter ends (0.08 s without it, provincial
    # corpus), and each idle drawing worker would end its own interpreter the same way (0.3-0.5 s).
    import gc

    from ._parallel import release_workers

    release_workers(kill=True)
    gc.freeze()
    sys.exit(exit_code)
