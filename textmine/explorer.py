"""A self-contained HTML page to open, search and cite results: ``index.html`` beside the figures.

:func:`write_explorer` writes two files into a folder (usually the report's ``figures/``):

- ``index.html``: the page, with its styles and its small hand-written script inlined
  (``textmine/data/explorer/``); no library, no CDN, no server — it works from ``file://``;
- ``explorer_data.js``: the compact index the page reads — each document's metadata,
  cleaned text, where the listed slogans occur and what cleaning changed; each figure's
  caption, files and table (read back from its CSV).

On the page: every figure with its caption and links to its CSV (and SVG/PDF where
they were written), each table sortable (click a column) and filterable (type); a
keyword-in-context search over the cleaned texts that matches like
:func:`textmine.kwic` (exact phrase, whitespace ignored, non-overlapping), showing
document, place, year and the hit in context; and a document view with the cleaned
text, slogans highlighted, and the table of what cleaning removed or rewrote.

The index is written one document at a time, so memory stays bounded whatever the
corpus size; the same corpus and figures give byte-identical files.

>>> import tempfile, textmine as tm
>>> corpus = tm.Corpus.from_texts(["发展新质生产力，壮大民营经济。"], ids=["a"])
>>> files = write_explorer(corpus, tempfile.mkdtemp())
>>> [p.name for p in files]
['explorer_data.js', 'index.html']
"""

from __future__ import annotations

import filecmp
import html
import json
import math
import os
import re
import sys
from functools import lru_cache
from pathlib import Path
from typing import IO, Any, Iterable, Mapping, Sequence

import pandas as pd

from ._io import atomic_open, write_text_atomic
from .corpus import as_corpus
from .errors import TextmineError

__all__ = ["write_explorer", "EXPLORER_PAGE", "EXPLORER_DATA", "explorer_whitespace"]

#: File name of the page.
EXPLORER_PAGE = "index.html"
#: File name of the index the page reads (a script, because browsers do not let a
#: page opened from ``file://`` fetch a JSON file).
EXPLORER_DATA = "explorer_data.js"
#: Rows of a figure's table copied into the index (the CSV beside it has them all).
MAX_TABLE_ROWS = 5000
#: Cleaning changes listed per document; and characters kept of each change's before/after text.
MAX_CHANGES = 2000
MAX_CHANGE_CHARS = 300
#: Order in which a figure's files are linked; the first image format present is shown.
_FORMATS = ("png", "svg", "pdf")
_ASSETS = Path(__file__).resolve().parent / "data" / "explorer"
_FORMAT = "textmine.explorer/1"


def write_explorer(corpus_or_texts: Any, out: str | os.PathLike, *,
                   figures: Mapping[str, str] | Iterable[tuple[str, str]] = (),
                   slogans: Any = None, title: str | None = None, note: str | None = None) -> list[Path]:
    """Write ``index.html`` and ``explorer_data.js`` into ``out``; return their paths.

    Parameters
    ----------
    corpus_or_texts
        A :class:`~textmine.corpus.Corpus` (or strings, see :func:`~textmine.corpus.as_corpus`).
        Its cleaned texts are searched and shown.
    out
        The folder; figures listed in ``figures`` are looked for there as
        ``STEM.png`` / ``STEM.svg`` / ``STEM.pdf`` and ``STEM.csv``.
    figures
        ``{stem: caption}`` (or pairs), in display order. A figure with no file in
        ``out`` raises :class:`~textmine.errors.TextmineError`.
    slogans
        The phrases highlighted in the document view: anything
        :func:`~textmine.frequency.load_slogans` accepts (default: the shipped list);
        variants are highlighted under their slogan.
    title, note
        Page heading (default: "textmine explorer") and a line shown under it.

    Returns
    -------
    list of Path
        ``[out/explorer_data.js, out/index.html]``, both written atomically (a file that
        would not change is left untouched).

    Examples
    --------
    >>> import tempfile, textmine as tm
    >>> out = Path(tempfile.mkdtemp())
    >>> _ = write_explorer(tm.Corpus.from_texts(["壮大民营经济"]), out, title="test")
    >>> (out / "explorer_data.js").read_text(encoding="utf-8").count("民营经济")
    2
    """
    from .frequency import load_slogans

    corpus = as_corpus(corpus_or_texts)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise TextmineError(f"{out}: not a folder; the explorer is written into a folder")
    figure_list = list(figures.items()) if isinstance(figures, Mapping) else [tuple(f) for f in figures]
    figure_entries = [_figure_entry(out, str(stem), str(caption)) for stem, caption in figure_list]
    table = load_slogans(slogans)
    names = [str(s) for s in table["slogan"]]
    forms: list[str] = []
    form_slogan: dict[str, int] = {}
    for k, (slogan, variants) in enumerate(zip(table["slogan"], table["variants"])):
        for form in [slogan, *[v for v in str(variants).split("|") if v]]:
            if form not in form_slogan:
                form_slogan[form] = k
                forms.append(form)
    meta_columns = ["place", "province", "level", "rank", "year", "doctype", "n_chars"]
    data_path = out / EXPLORER_DATA
    fresh = out / f".{EXPLORER_DATA}.new"  # compared with the file in place: unchanged files are not touched
    n_chars = 0
    with atomic_open(fresh, "w", newline="\n") as fh:
        fh.write("/* textmine explorer index: written by textmine.explorer.write_explorer */\n")
        fh.write("window.TEXTMINE_EXPLORER = {")
        _field(fh, "format", _FORMAT, first=True)
        _field(fh, "title", title or "textmine explorer")
        _field(fh, "note", note or "")
        _field(fh, "whitespace", explorer_whitespace())
        _field(fh, "columns", meta_columns)
        _field(fh, "slogans", names)
        fh.write(',\n"figures": [')
        for i, entry in enumerate(figure_entries):
            fh.write(("," if i else "") + "\n" + _json(entry))
        fh.write('],\n"docs": [')
        for i, doc in enumerate(corpus):
            text = doc.text
            n_chars += doc.n_chars
            fh.write(("," if i else "") + "\n" + _json(_doc_entry(doc, text, meta_columns, forms, form_slogan)))
        fh.write("],\n")
        fh.write(f'"n_chars": {n_chars}}};\n')
    if data_path.is_file() and filecmp.cmp(fresh, data_path, shallow=False):
        fresh.unlink()
    else:
        os.replace(fresh, data_path)
    page_path = out / EXPLORER_PAGE
    page = _page(title or "textmine explorer")
    try:
        same = page_path.read_text(encoding="utf-8") == page
    except (OSError, UnicodeDecodeError):
        same = False
    if not same:
        write_text_atomic(page_path, page)
    return [data_path, page_path]


@lru_cache(maxsize=1)
def explorer_whitespace() -> str:
    r"""A JavaScript regular-expression class matching exactly the characters Python counts as whitespace.

    The page removes these before matching, as :func:`textmine.kwic` does (``\s`` in
    Python and JavaScript differ at the edges: U+001C–U+001F, U+0085, U+FEFF).

    >>> r"\u3000" in explorer_whitespace(), r"\ufeff" in explorer_whitespace()
    (True, False)
    """
    # ``\s`` of a str pattern is ``str.isspace``: one regex pass over a string of every code point
    # (0.02 s) rather than a Python loop calling isspace (0.3 s of each report that writes the page)
    import numpy as np

    every = np.arange(sys.maxunicode + 1, dtype="<u4").tobytes().decode("utf-32-le", "surrogatepass")
    codes = [m.start() for m in re.finditer(r"\s", every)]
    ranges: list[list[int]] = []
    for c in codes:
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    parts = [f"\\u{a:04x}" if a == b else f"\\u{a:04x}-\\u{b:04x}" for a, b in ranges]
    return "[" + "".join(parts) + "]"


# ---------------------------------------------------------------------------
# pieces of the index


def _doc_entry(doc, text: str, meta_columns: Sequence[str], forms: list[str],
               form_slogan: dict[str, int]) -> dict:
    from .frequency import _find_all

    meta = []
    for col in meta_columns:
        value = doc.n_chars if col == "n_chars" else doc.meta.get(col)
        meta.append(_plain(value))
    extra = {k: str(v) for k, v in doc.meta.items()
             if k not in meta_columns and k != "doc_id" and _plain(v) not in (None, "")}
    marks = [[start, end, form_slogan[p]] for start, end, p in _find_all(text, forms)] if forms else []
    marks.sort()
    changes: list[list] = []
    n_changes = 0
    result = doc.cleaning
    if result is not None:
        n_changes = len(result.changes)
        for ch in result.changes[:MAX_CHANGES]:
            changes.append([ch.step, ch.action, _clip(ch.before), _clip(ch.after), int(ch.position)])
    return {"id": str(doc.doc_id), "meta": meta, "extra": extra, "text": text, "marks": marks,
            "n_changes": n_changes, "changes": changes}


def _figure_entry(out: Path, stem: str, caption: str) -> dict:
    files = [(fmt.upper(), f"{stem}.{fmt}") for fmt in _FORMATS if (out / f"{stem}.{fmt}").is_file()]
    image = next((name for fmt, name in files if fmt in ("PNG", "SVG")), None)
    csv = out / f"{stem}.csv"
    if not files and not csv.is_file():
        raise TextmineError(f"{out}: figure {stem!r} has no file ({stem}.png, .svg, .pdf or .csv) in the folder")
    entry: dict[str, Any] = {"stem": stem, "caption": caption, "image": image, "files": []}
    if csv.is_file():
        entry["files"].append(["CSV", csv.name])
        try:
            frame = pd.read_csv(csv, encoding="utf-8-sig", keep_default_na=False, na_values=[""])
        except (ValueError, OSError, pd.errors.ParserError) as exc:
            raise TextmineError(f"{csv}: cannot read the figure's table ({exc})") from None
        entry["columns"] = [str(c) for c in frame.columns]
        entry["n_rows"] = len(frame)
        head = frame.head(MAX_TABLE_ROWS)
        entry["rows"] = [[_plain(v) for v in row] for row in head.itertuples(index=False, name=None)]
    entry["files"] += [list(f) for f in files]
    return entry


def _page(title: str) -> str:
    template = (_ASSETS / "index.html").read_text(encoding="utf-8")
    css = (_ASSETS / "explorer.css").read_text(encoding="utf-8")
    js = (_ASSETS / "explorer.js").read_text(encoding="utf-8")
    if "</script" in js.lower():
        raise TextmineError("explorer.js must not contain '</script'")  # pragma: no cover
    return (template.replace("{{CSS}}", css).replace("{{JS}}", js)
            .replace("{{DATA}}", EXPLORER_DATA).replace("{{TITLE}}", html.escape(title)))


def _clip(s: str) -> str:
    s = str(s)
    return s if len(s) <= MAX_CHANGE_CHARS else f"{s[:MAX_CHANGE_CHARS]}… (+{len(s) - MAX_CHANGE_CHARS} characters)"


def _plain(value: Any) -> Any:
    """A JSON value: missing -> None, numpy scalars -> Python numbers, whole floats kept as floats."""
    if value is None or value is pd.NA:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _field(fh: IO[str], name: str, value: Any, *, first: bool = False) -> None:
    fh.write(("" if first else ",") + "\n" + _json(name) + ": " + _json(value))
