"""Reading corpus files: tables with a row per document, and PDF / Word documents.

Tables (``read_table``): CSV and TSV (pandas, after :func:`textmine._decode.read_text` has
detected the encoding), JSON Lines (the standard ``json`` module, one object a line),
Excel ``.xlsx`` (pandas + openpyxl) and Parquet (pandas + pyarrow). Documents
(``read_document``): ``.txt`` (:func:`~textmine._decode.read_text`), ``.pdf`` (PyMuPDF) and
``.docx`` (python-docx). openpyxl, pyarrow, PyMuPDF and python-docx are the optional extra
``textmine[formats]``; a missing one is a :class:`~textmine.errors.CorpusError` saying what
to install. Every error names the file, and the row and column where there is one.

>>> import tempfile, os
>>> p = os.path.join(tempfile.mkdtemp(), "reports.csv")
>>> _ = open(p, "w", encoding="utf-8").write("place,year,content\\n济南,2024,各位代表：……\\n")
>>> table = read_table(p)
>>> table.frame.to_dict("records"), table.rows, guess_text_column(table.frame, where=p)
([{'place': '济南', 'year': '2024', 'content': '各位代表：……'}], [2], 'content')
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._decode import check_plausible, read_text
from .errors import CorpusError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["TABLE_SUFFIXES", "DOCUMENT_SUFFIXES", "Table", "read_table", "read_records", "read_document",
           "guess_text_column"]

#: File name endings read as a table with one row per document.
TABLE_SUFFIXES: tuple[str, ...] = (".csv", ".tsv", ".jsonl", ".ndjson", ".xlsx", ".parquet")
#: File name endings read as one document each.
DOCUMENT_SUFFIXES: tuple[str, ...] = (".txt", ".pdf", ".docx")

#: Column names taken as the text column, in this order, when ``text=`` is not given.
TEXT_COLUMNS: tuple[str, ...] = ("text", "full_text", "fulltext", "content", "body", "article",
                                 "正文", "全文", "内容", "文本")
_GUESS_MIN_CHARS = 200  # a text column guessed by length must average at least this many characters


@dataclass
class Table:
    """A table read from ``path``: ``frame`` (strings or numbers, missing = None) and, for each
    row, the number a person sees in the file (``rows``: CSV line with the header as 1, JSONL
    line, Excel row with the header as 1, Parquet row counted from 1)."""

    path: Path
    frame: "pd.DataFrame"
    rows: list[int]


def _extra_needed(package: str, path: Path) -> CorpusError:
    return CorpusError(f"{path}: reading {path.suffix} files needs the {package} package: "
                       f"pip install 'textmine[formats]'")


def read_table(path: str | os.PathLike) -> Table:
    """Read a table file (CSV, TSV, JSONL, XLSX, Parquet) into a :class:`Table`."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        return _read_delimited(path, "\t" if suffix == ".tsv" else ",")
    if suffix in (".jsonl", ".ndjson"):
        return _read_jsonl(path)
    if suffix == ".xlsx":
        return _read_excel(path)
    if suffix == ".parquet":
        return _read_parquet(path)
    raise CorpusError(f"{path}: not a table file (known: {', '.join(TABLE_SUFFIXES)})")


def read_records(path: str | os.PathLike, sep: str = ",") -> tuple[list[str], list[dict[str, Any]], list[int]]:
    """A CSV (or ``sep``-delimited) table as ``(columns, one dict per row, row numbers)``, as :func:`read_table` reads it.

    Without pandas (``import pandas`` takes a third of a second) when every row
    has one field per column and a non-blank one; any other table is read by
    :func:`read_table`'s own rules. Values are stripped, blank ones None.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "metadata.csv")
    >>> _ = open(p, "w", encoding="utf-8").write('file,place,notes\\n"a.txt", 济南 ,\\n')
    >>> read_records(p)
    (['file', 'place', 'notes'], [{'file': 'a.txt', 'place': '济南', 'notes': None}], [2])
    """
    path = Path(path)
    text, records, lines, header = _delimited_records(path, sep)
    body = records[1:]
    if all(len(rec) == len(header) and any(c.strip() for c in rec) for rec in body):
        rows = [{h: (c.strip() or None) for h, c in zip(header, rec)} for rec in body]
        return header, rows, lines[1:len(records)]
    table = _delimited_table(path, sep, text, records, lines, header)
    return header, table.frame.to_dict("records"), table.rows


def _read_delimited(path: Path, sep: str) -> Table:
    return _delimited_table(path, sep, *_delimited_records(path, sep))


def _delimited_records(path: Path, sep: str) -> tuple[str, list[list[str]], list[int], list[str]]:
    """The text, its records (csv module), the line each record starts on, and the checked header."""
    text = read_text(path)
    # the csv module first, to find rows with more fields than the header (a trailing comma
    # shifts pandas' columns and the error would blame the wrong value)
    try:
        records = list(csv.reader(io.StringIO(text), delimiter=sep))
    except csv.Error as exc:
        raise CorpusError(f"{path}: not a readable table ({exc})") from None
    lines = _record_lines(text, sep)
    if not records or not any(c.strip() for c in records[0]):
        raise CorpusError(f"{path}: no header row")
    width = len(records[0])
    for i, rec in enumerate(records[1:], start=1):
        if len(rec) > width:
            extra = rec[width:]
            hint = (" (the extra fields are empty: a trailing separator at the end of the line?)"
                    if not any(x.strip() for x in extra) else "")
            raise CorpusError(f"{path} row {lines[i]}: {len(rec)} fields but the header has {width} columns{hint}; "
                              "remove the extra fields or name them in the header")
    header = [c.strip() for c in records[0]]
    dupes = sorted({c for c in header if header.count(c) > 1})
    if dupes:
        raise CorpusError(f"{path}: column {dupes[0]!r} appears more than once in the header")
    if "" in header:
        raise CorpusError(f"{path}: column {header.index('') + 1} of the header has no name")
    return text, records, lines, header


def _delimited_table(path: Path, sep: str, text: str, records: list[list[str]], lines: list[int],
                     header: list[str]) -> Table:
    """The table as pandas reads ``text`` (records and lines as :func:`_delimited_records` found them)."""
    import pandas as pd

    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                            skip_blank_lines=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise CorpusError(f"{path}: not a readable table ({str(exc).strip()})") from None
    frame.columns = header
    nonblank = [lines[i] for i, rec in enumerate(records) if i and any(c.strip() for c in rec)]
    if len(nonblank) != len(frame):  # pragma: no cover - csv and pandas agree on what a row is
        nonblank = list(range(2, len(frame) + 2))
    frame = frame.map(lambda v: v.strip() if isinstance(v, str) else v)
    frame = frame.replace({"": None})
    return Table(path, frame, nonblank)


def _record_lines(text: str, sep: str) -> list[int]:
    """The 1-based line on which each CSV record starts (records may span lines)."""
    starts = []
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    line = 1
    while True:
        starts.append(line)
        try:
            next(reader)
        except StopIteration:
            break
        line = reader.line_num + 1
    return starts


def _read_jsonl(path: Path) -> Table:
    import pandas as pd

    text = read_text(path)
    records, rows = [], []
    for n, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CorpusError(f"{path} line {n}: not valid JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(obj, dict):
            raise CorpusError(f"{path} line {n}: expected a JSON object with one document, got {type(obj).__name__}")
        for key, value in obj.items():
            if isinstance(value, (dict, list)):
                raise CorpusError(f"{path} line {n}, column {key!r}: nested {type(value).__name__} values "
                                  "are not supported; flatten the field")
        records.append(obj)
        rows.append(n)
    if not records:
        raise CorpusError(f"{path}: no JSON lines")
    columns: list[str] = []
    for obj in records:
        columns += [k for k in obj if k not in columns]
    frame = pd.DataFrame([[obj.get(c) for c in columns] for obj in records], columns=columns, dtype=object)
    return Table(path, frame, rows)


def _read_excel(path: Path) -> Table:
    try:
        import openpyxl  # noqa: F401
    except ImportError:
        raise _extra_needed("openpyxl", path) from None
    import pandas as pd

    try:
        frame = pd.read_excel(path, dtype=object, engine="openpyxl")
    except Exception as exc:  # openpyxl raises several types for damaged files
        raise CorpusError(f"{path}: not a readable .xlsx workbook ({type(exc).__name__}: {exc})") from None
    frame = _tidy(frame)
    return Table(path, frame, list(range(2, len(frame) + 2)))


def _read_parquet(path: Path) -> Table:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise _extra_needed("pyarrow", path) from None
    import pandas as pd

    try:
        frame = pd.read_parquet(path, engine="pyarrow")
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ...
        raise CorpusError(f"{path}: not a readable Parquet file ({type(exc).__name__}: {exc})") from None
    frame = _tidy(frame.astype(object))
    return Table(path, frame, list(range(1, len(frame) + 1)))


def _tidy(frame: pd.DataFrame) -> pd.DataFrame:
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.dropna(how="all")

    def cell(v):
        if v is None or (isinstance(v, float) and v != v):
            return None
        if isinstance(v, float) and v.is_integer():
            return int(v)
        if isinstance(v, str):
            v = v.strip()
            return v or None
        return v

    return frame.map(cell).astype(object).where(frame.notna(), None)


def guess_text_column(frame: pd.DataFrame, *, where: str) -> str:
    """The column holding the documents' text: a known name (``text``, ``full_text``,
    ``content``, 正文, ...), else the string column with the longest values on average
    (at least 200 characters). Raises :class:`CorpusError` listing the columns otherwise."""
    lower = {str(c).lower(): c for c in frame.columns}
    for name in TEXT_COLUMNS:
        if name in lower:
            return lower[name]
    best, best_len = None, 0.0
    for col in frame.columns:
        values = [v for v in frame[col] if isinstance(v, str)]
        if values and len(values) >= 0.5 * len(frame):
            mean = sum(map(len, values)) / len(values)
            if mean > best_len:
                best, best_len = col, mean
    if best is not None and best_len >= _GUESS_MIN_CHARS:
        return best
    raise CorpusError(f"{where}: which column holds the text? none is named {', '.join(TEXT_COLUMNS[:4])}, ... "
                      f"and none holds long text; pass text='COLUMN' (columns: {', '.join(map(str, frame.columns))})")


# --------------------------------------------------------------------------- documents


def read_document(path: str | os.PathLike) -> str:
    """The text of one document file: ``.txt`` (any detected encoding), ``.pdf`` or ``.docx``.

    PDF text comes page by page; a line repeated at the top or bottom of most pages (a
    running header or footer) and lone page numbers there are dropped. Line breaks inside
    sentences are left to :func:`textmine.clean` (``join_lines``).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        text = _read_pdf(path)
    elif suffix == ".docx":
        text = _read_docx(path)
    else:
        return read_text(path)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise CorpusError(f"{path}: no text in the file (a scanned {suffix} needs OCR first)")
    check_plausible(text, where=str(path))
    return text


def _read_pdf(path: Path) -> str:
    try:
        import pymupdf
    except ImportError:
        raise _extra_needed("PyMuPDF", path) from None
    try:
        with pymupdf.open(path) as doc:
            pages = [page.get_text("text", sort=True) for page in doc]
    except Exception as exc:  # PyMuPDF raises FileDataError, RuntimeError, ...
        raise CorpusError(f"{path}: not a readable PDF ({type(exc).__name__}: {exc})") from None
    return "\n".join(_strip_running_lines([p.split("\n") for p in pages]))


_PAGE_NUMBER = re.compile(r"^\s*(?:[-—–]\s*)?(?:第\s*)?\d{1,4}(?:\s*页)?(?:\s*[-—–])?\s*$")


def _strip_running_lines(pages: list[list[str]]) -> list[str]:
    """Drop running headers/footers (the same first or last line on at least half of 3+ pages) and page numbers."""
    pages = [[ln for ln in p] for p in pages]
    for p in pages:
        while p and not p[-1].strip():
            p.pop()
        while p and not p[0].strip():
            p.pop(0)
    if len(pages) >= 3:
        for end in (0, -1):
            counts: dict[str, int] = {}
            for p in pages:
                if p:
                    key = re.sub(r"\d+", "#", p[end].strip())
                    counts[key] = counts.get(key, 0) + 1
            running = {k for k, c in counts.items() if c >= max(2, len(pages) / 2)}
            for p in pages:
                if p and re.sub(r"\d+", "#", p[end].strip()) in running:
                    p.pop(end)
    out = []
    for p in pages:
        if p and _PAGE_NUMBER.match(p[-1]):
            p = p[:-1]
        if p and _PAGE_NUMBER.match(p[0]):
            p = p[1:]
        out.extend(p)
    return out


def _read_docx(path: Path) -> str:
    try:
        import docx
    except ImportError:
        raise _extra_needed("python-docx", path) from None
    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises PackageNotFoundError, KeyError, BadZipFile, ...
        raise CorpusError(f"{path}: not a readable .docx file ({type(exc).__name__}: {exc})") from None
    return "\n".join(p.text for p in document.paragraphs)
