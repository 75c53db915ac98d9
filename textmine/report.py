"""Regenerate every figure, with the table behind it, from a corpus: ``python -m textmine.report``.

::

    python -m textmine.report                       # bundled corpus -> ./figures
    python -m textmine.report --corpus my_reports/  # a folder of .txt files + metadata.csv
    python -m textmine.report --corpus my_reports/ --metadata meta.csv --out paper/figs --seed 1

Each figure ``NAME.png`` is written next to ``NAME.csv``, the rows it draws
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
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import pandas as pd

from ._io import write_csv_atomic, write_text_atomic
from .corpus import Corpus, load_corpus
from .errors import TextmineError

#: The three slogans the place and group figures follow.
KEY_SLOGANS = ("新质生产力", "民营经济", "营商环境")
#: Default number of LDA topics (a fixed K keeps the report fast and reproducible).
DEFAULT_TOPICS = 6
#: Resolution of the PNG files.
DPI = 200

Log = Callable[[str], None]


@dataclass(frozen=True)
class Output:
    """One figure of the report: file stem, what it shows, and the files written."""

    stem: str
    caption: str
    png: Path
    csv: Path


# ---------------------------------------------------------------------------
# command line


def main(argv: Sequence[str] | None = None) -> int:
    """Run the report; return the exit code (0 ok, 1 on a textmine error with a one-line message)."""
    args = _parser().parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")
    try:
        corpus = _load(args)
        target = _parse_target(args.target) if args.target else None
        outputs = build_report(corpus, args.out, seed=args.seed, topics=args.topics, target=target, log=_stderr)
    except TextmineError as exc:
        print(f"textmine.report: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("textmine.report: interrupted (no half-written files are left behind)", file=sys.stderr)
        return 130
    _stderr(f"done: {len(outputs)} figures in {_show(Path(args.out))}")
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
                 log: Log = _stderr) -> list[Output]:
    """Write every figure of ``corpus`` (PNG + CSV) and a README index into ``out``; return what was written."""
    out = Path(out)
    if len(corpus) == 0:
        raise TextmineError("the corpus has no documents; nothing to report")
    log(f"corpus: {len(corpus)} documents")
    frame = corpus.to_frame()
    groups = _keyness_groups(frame, target)  # checked first: a bad --target fails before the long steps
    outputs = _corpus_figures(frame, out, log)
    outputs += _slogan_figures(corpus, frame, out, log)
    tokenizer = _tokenizer()  # one tokenizer (and token cache) for TF-IDF, keyness and topics
    outputs += _keyword_figures(corpus, groups, tokenizer, out, log)
    outputs += _topic_figures(corpus, tokenizer, out, log, k=topics, seed=seed)
    index = write_text_atomic(out / "README.md", _index(outputs, corpus, seed=seed))
    log(f"wrote {_show(index)}")
    return outputs


def _corpus_figures(frame: pd.DataFrame, out: Path, log: Log) -> list[Output]:
    from . import plots

    return [_write(plots.corpus_overview(frame), out, "corpus_overview",
                   "Length of each document after cleaning, by document type (truncated ones hatched).", log)]


def _slogan_figures(corpus: Corpus, frame: pd.DataFrame, out: Path, log: Log) -> list[Output]:
    from . import plots
    from .frequency import slogan_frequency

    with _step(log, "counting slogans"):
        freq = slogan_frequency(corpus)
    written = [
        _write(plots.slogan_heatmap(freq), out, "slogan_heatmap",
               "Slogan mentions per 10,000 characters, slogan × document.", log),
        _write(plots.slogans_by_place(freq, KEY_SLOGANS), out, "key_slogans_by_place",
               f"{'、'.join(KEY_SLOGANS)} per 10,000 characters in each document, coloured by administrative level.",
               log),
    ]
    year = _most_common(frame["year"])
    same_year = freq if year is None else freq[freq["year"] == year]
    written.append(_write(plots.slogans_by_group(same_year, KEY_SLOGANS, group="rank"), out, "key_slogans_by_rank",
                          f"The same slogans compared by rank{f' ({year} documents)' if year else ''}: every "
                          "document a point, the group mean a line, n documents per group.", log))
    place = _place_with_most_years(frame)
    if place is None:
        log("skipped place_over_time: no place has documents from more than one year")
    else:
        written.append(_write(plots.place_over_time(freq, place), out, "place_over_time",
                              f"{place}: slogan rates in each of its documents, by year and document type.", log))
    return written


def _keyword_figures(corpus: Corpus, groups, tokenizer, out: Path, log: Log) -> list[Output]:
    from . import plots
    from .keywords import keyness, top_terms

    with _step(log, "tokenizing and TF-IDF"):
        terms = top_terms(corpus, n=10, tokenizer=tokenizer)
    written = [_write(plots.top_terms_grid(terms, n=10), out, "top_terms",
                      "The 10 highest-TF-IDF terms of each document.", log)]
    if groups is None:
        log("skipped keyness: the corpus has no two groups to contrast")
        return written
    target_ids, reference_ids, target_label, reference_label = groups
    with _step(log, f"keyness: {target_label} vs {reference_label}"):
        kn = keyness(corpus, target_ids, reference_ids, tokenizer=tokenizer)
    fig = plots.keyness_chart(kn, target_label=target_label, reference_label=reference_label)
    written.append(_write(fig, out, "keyness",
                          f"Terms distinctive of {target_label} against {reference_label} (signed G²).", log))
    return written


def _topic_figures(corpus: Corpus, tokenizer, out: Path, log: Log, *, k: int, seed: int) -> list[Output]:
    from . import plots
    from .topics import TopicModel

    try:
        with _step(log, f"fitting LDA topic model (K = {k}, seed {seed})"):
            model = TopicModel(k=k, seed=seed, tokenizer=tokenizer).fit(corpus)
    except TextmineError as exc:  # too little text for LDA: the rest of the report still stands
        log(f"skipped topic_terms and topic_prevalence: {exc}")
        return []
    labels = model.labels()
    terms = plots.topic_terms_grid(model.topic_terms(10), labels=labels,
                                   title=f"LDA topics (K = {model.k_}, fitted on {len(model.units_):,} "
                                         f"{model.unit_}s): top 10 words")
    by = [c for c in ("doc_id", "place", "level", "rank", "year", "doctype") if c in model.units_.columns]
    prevalence = plots.topic_prevalence_heatmap(model.prevalence(by=by), labels=labels)
    return [
        _write(terms, out, "topic_terms", f"Top words of each of the {model.k_} LDA topics "
               f"(fitted on {model.unit_}s).", log),
        _write(prevalence, out, "topic_prevalence", "Share of each document's words per LDA topic.", log),
    ]


def _write(fig, out: Path, stem: str, caption: str, log: Log) -> Output:
    from .plots import figure_data, save_figure

    png = save_figure(fig, out / f"{stem}.png", dpi=DPI)
    csv = write_csv_atomic(figure_data(fig), out / f"{stem}.csv")
    log(f"wrote {_show(png)} + {csv.name}")
    return Output(stem, caption, png, csv)


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


def _tokenizer():
    from .tokenize import Tokenizer

    return Tokenizer()


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
             "Each figure `NAME.png` comes with `NAME.csv`, the rows it draws.", "",
             "| figure | shows | data |", "|---|---|---|"]
    for o in outputs:
        lines.append(f"| [{o.png.name}]({o.png.name}) | {o.caption} | [{o.csv.name}]({o.csv.name}) |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
