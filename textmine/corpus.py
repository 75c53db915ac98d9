"""Documents and corpora: loading, filtering and a one-row-per-document table.

A :class:`Corpus` is an ordered, immutable collection of :class:`Document`
objects. Each document carries its raw text (the slice of the source file),
its cleaned text (what every analysis reads), the record of what cleaning
changed, and metadata under the shared column names of :mod:`textmine.schema`.

Three ways in:

- :func:`load_corpus` with no argument: the bundled seed corpus (``seeds/``).
- :func:`load_corpus` with a folder of ``.txt`` files and a metadata table
  (``metadata.csv`` in the folder, or ``metadata=``). The table needs a ``file``
  column; ``doc_id`` defaults to the file name without ``.txt``. Optional:
  ``locator`` (``title:<title line>`` for a report inside a collection 合集),
  ``unmask`` (undo source masking such as ``X`` for 党), and any metadata column.
- :meth:`Corpus.from_dataframe` with a text column and metadata columns.

>>> corpus = Corpus.from_texts(["发展新质生产力。", "优化营商环境。"])
>>> len(corpus), corpus[0].doc_id, corpus["doc1"].text
(2, 'doc0', '优化营商环境。')
>>> corpus.to_frame()[["doc_id", "n_chars"]].values.tolist()
[['doc0', 8], ['doc1', 7]]
"""

from __future__ import annotations

__all__ = ["Document", "Corpus", "as_corpus", "load_corpus", "bundled_seeds_dir", "BUNDLED"]

import contextvars
import glob
import os
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping, Sequence

from ._io import FileLoader, check_plausible
from ._text import n_chars
from .errors import CorpusError
from .readers import DOCUMENT_SUFFIXES, TABLE_SUFFIXES, guess_text_column, read_document, read_records, read_table
from .schema import META_COLUMNS, YEAR_RANGE, validate_meta
from .split import split_collection

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd  # imported where a frame is made: loading a lazy corpus and reading its tokens need none

_PathLike = str | os.PathLike
_TRUE = {"true", "1", "yes", "y", "t"}


#: Set while ``load_corpus(..., n_jobs=)`` builds documents whose cleaning runs afterwards in workers.
_DEFER_CLEANING: contextvars.ContextVar[bool] = contextvars.ContextVar("textmine_defer_cleaning", default=False)


class Document:
    """One document: ``doc_id``, cleaned ``text``, ``raw`` text, ``meta`` and ``cleaning`` record.

    ``doc["place"]`` reads a metadata value. A *lazy* document (from
    ``load_corpus(..., lazy=True)``) keeps only a loader and re-reads and
    re-cleans its file on each access, so a large corpus need not sit in memory.

    >>> d = Document("a", "发展 新质 生产力", {"place": "甲市"})   # cleaned: spaces between Chinese characters go
    >>> d.text, d["place"]
    ('发展新质生产力', '甲市')
    """

    __slots__ = ("doc_id", "meta", "_raw", "_cleaning", "_loader", "_clean_opts")

    def __init__(
        self,
        doc_id: str,
        raw: str | None = None,
        meta: Mapping[str, Any] | None = None,
        *,
        clean: bool = True,
        unmask: bool = False,
        to_simplified: bool | str = "auto",
        loader: Callable[[], str] | None = None,
    ) -> None:
        if raw is None and loader is None:
            raise ValueError("Document needs raw text or a loader")
        self.doc_id = str(doc_id)
        full = {col: None for col in META_COLUMNS}
        full.update(meta or {})
        full["doc_id"] = self.doc_id
        self.meta = full
        self._loader = loader
        self._clean_opts = {"unmask": unmask, "to_simplified": to_simplified} if clean else None
        self._raw = raw
        self._cleaning = None
        if raw is not None and clean and not _DEFER_CLEANING.get():
            self._cleaning = _clean(raw, **self._clean_opts)

    @property
    def lazy(self) -> bool:
        """Whether the document re-reads (and re-cleans) its file on every access."""
        return self._raw is None

    @property
    def path(self) -> Path | None:
        """The file a lazy document re-reads whole (None for other documents)."""
        return self._loader.path if isinstance(self._loader, FileLoader) else None

    @property
    def clean_options(self) -> dict | None:
        """The cleaning settings (``unmask``, ``to_simplified``), or None if cleaning is off."""
        return None if self._clean_opts is None else dict(self._clean_opts)

    @property
    def raw(self) -> str:
        """The raw text of the document as it stands in its source file."""
        return self._raw if self._raw is not None else self._loader()

    @property
    def cleaning(self):
        """The :class:`textmine.cleaning.CleanResult` (``None`` if cleaning was off)."""
        if self._cleaning is not None or self._clean_opts is None:
            return self._cleaning
        return _clean(self.raw, **self._clean_opts)

    @property
    def text(self) -> str:
        """The cleaned text (the raw text if cleaning was switched off)."""
        result = self.cleaning
        return self.raw if result is None else result.text

    @property
    def n_chars(self) -> int:
        """Non-whitespace characters of the cleaned text (denominator of per-10,000 rates)."""
        return n_chars(self.text)

    def __getitem__(self, key: str) -> Any:
        return self.meta[key]

    def __repr__(self) -> str:
        label = " ".join(str(self.meta.get(k)) for k in ("place", "year", "doctype") if self.meta.get(k))
        return f"Document({self.doc_id!r}{', ' + label if label else ''})"


class Corpus(Sequence[Document]):
    """An ordered, immutable collection of documents.

    ``missing`` lists reports that a collection's table of contents names but
    whose text the file does not hold (one dict per report).

    >>> c = Corpus([Document("a", "发展新质生产力", {"year": 2024}), Document("b", "优化营商环境", {"year": 2023})])
    >>> len(c), c.ids, c["b"].text, c.filter(year=2024).ids
    (2, ['a', 'b'], '优化营商环境', ['a'])
    """

    def __init__(self, documents: Iterable[Document], missing: Iterable[Mapping[str, Any]] = ()) -> None:
        self._docs = list(documents)
        self._index = {}
        for i, doc in enumerate(self._docs):
            if doc.doc_id in self._index:
                raise CorpusError(f"duplicate doc_id {doc.doc_id!r}")
            self._index[doc.doc_id] = i
        self.missing = [dict(m) for m in missing]

    # -- sequence protocol -------------------------------------------------
    def __len__(self) -> int:
        return len(self._docs)

    def __iter__(self) -> Iterator[Document]:
        return iter(self._docs)

    def __getitem__(self, key):  # type: ignore[override]
        if isinstance(key, str):
            try:
                return self._docs[self._index[key]]
            except KeyError:
                raise KeyError(f"no document with doc_id {key!r}") from None
        if isinstance(key, slice):
            return Corpus(self._docs[key], self.missing)
        return self._docs[key]

    def __repr__(self) -> str:
        return f"Corpus({len(self)} documents)"

    # -- views ----------------------------------------------------------------
    @property
    def ids(self) -> list[str]:
        """Document ids in corpus order."""
        return [d.doc_id for d in self._docs]

    @property
    def texts(self) -> list[str]:
        """Cleaned texts in corpus order."""
        return [d.text for d in self._docs]

    def filter(self, fn: Callable[[Document], bool] | None = None, **meta_equals: Any) -> "Corpus":
        """Documents for which ``fn(doc)`` is true and each metadata value matches.

        A keyword value that is a list, tuple or set matches any of its members.

        >>> import pandas as pd
        >>> c = Corpus.from_dataframe(pd.DataFrame({"text": ["甲", "乙"], "year": [2023, 2024]}))
        >>> c.filter(year=2024).ids, c.filter(year=[2023, 2024]).ids
        (['doc1'], ['doc0', 'doc1'])
        """
        def keep(doc: Document) -> bool:
            for key, want in meta_equals.items():
                value = doc.meta.get(key)
                if isinstance(want, (list, tuple, set, frozenset)):
                    if value not in want:
                        return False
                elif value != want:
                    return False
            return fn(doc) if fn is not None else True

        return Corpus((d for d in self._docs if keep(d)), self.missing)

    def meta_frame(self) -> "pd.DataFrame":
        """One row per document: the metadata columns (shared names first, then any others).

        Reads no text, so it is cheap even for a lazy corpus.
        """
        import pandas as pd

        extra: list[str] = []
        for doc in self._docs:
            extra += [k for k in doc.meta if k not in META_COLUMNS and k not in extra]
        columns = list(META_COLUMNS) + extra
        frame = pd.DataFrame([[doc.meta.get(c) for c in columns] for doc in self._docs], columns=columns)
        frame["year"] = frame["year"].astype("Int64")
        return frame

    def to_frame(self) -> "pd.DataFrame":
        """One row per document: the metadata columns (shared names first) and ``n_chars``."""
        import pandas as pd

        frame = self.meta_frame()
        frame["n_chars"] = pd.Series([doc.n_chars for doc in self._docs], dtype="int64")
        return frame

    def cleaning_changes(self) -> "pd.DataFrame":
        """Every change cleaning made, one row per change, with the ``doc_id`` it belongs to."""
        import pandas as pd

        frames = []
        for doc in self._docs:
            result = doc.cleaning
            if result is not None:
                frame = result.to_frame()
                frame.insert(0, "doc_id", doc.doc_id)
                frames.append(frame)
        if not frames:
            return pd.DataFrame(columns=["doc_id", "step", "action", "before", "after", "position"])
        return pd.concat(frames, ignore_index=True)

    # -- constructors -------------------------------------------------------------
    @classmethod
    def from_texts(cls, texts: Iterable[str], ids: Iterable[str] | None = None, *, clean: bool = False) -> "Corpus":
        """A corpus of plain strings (ids ``doc0``, ``doc1``, … unless given). Not cleaned by default."""
        texts = list(texts)
        ids = [f"doc{i}" for i in range(len(texts))] if ids is None else [str(i) for i in ids]
        if len(ids) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(ids)} ids")
        return cls(Document(i, t, clean=clean) for i, t in zip(ids, texts))

    @classmethod
    def from_dataframe(
        cls,
        df: "pd.DataFrame",
        text: str = "text",
        id: str = "doc_id",
        *,
        clean: bool = True,
        unmask: bool = False,
        to_simplified: bool | str = "auto",
        infer: bool = False,
        year_range: tuple[int, int] | None = YEAR_RANGE,
    ) -> "Corpus":
        """Build a corpus from a DataFrame with a text column and metadata columns.

        Without an ``id`` column, ids are ``doc0``, ``doc1``, … in row order.
        ``infer=True`` fills metadata from the gazetteer as :func:`load_corpus` does
        (off by default here: a DataFrame usually carries what its author wants).

        >>> import pandas as pd
        >>> df = pd.DataFrame({"text": ["各位代表：……"], "place": ["济南"], "year": [2024]})
        >>> Corpus.from_dataframe(df, infer=True)[0]["province"]
        '山东省'
        """
        if text not in df.columns:
            raise CorpusError(f"DataFrame has no text column {text!r} (columns: {list(df.columns)})")
        docs = []
        for i, row in enumerate(df.to_dict("records")):
            body = row.pop(text)
            doc_id = str(row.pop(id)) if id in row else f"doc{i}"
            where = f"DataFrame row {i} (doc_id {doc_id!r})"
            if not isinstance(body, str) or not body.strip():
                raise CorpusError(f"{where}: text is empty or not a string")
            meta = _meta_record(row, where=where, defaults=None, infer=infer, hints=[], year_range=year_range)
            docs.append(Document(doc_id, body.replace("\r\n", "\n"), meta, clean=clean,
                                 unmask=unmask, to_simplified=to_simplified))
        _check_unique([d.doc_id for d in docs], where="DataFrame")
        return cls(docs)


def as_corpus(obj: "Corpus | str | Iterable[str]") -> Corpus:
    """A :class:`Corpus` from a corpus, one string, or an iterable of strings (ids ``doc0``…).

    Strings are taken as already clean: analysis functions call this so they
    accept plain text from other research code.

    >>> as_corpus("营商环境").ids
    ['doc0']
    """
    if isinstance(obj, Corpus):
        return obj
    if isinstance(obj, str):
        return Corpus.from_texts([obj])
    if isinstance(obj, Document):
        return Corpus([obj])
    items = list(obj)
    if all(isinstance(x, Document) for x in items):
        return Corpus(items)
    if not all(isinstance(x, str) for x in items):
        raise TypeError("expected a Corpus, a string, or an iterable of strings")
    return Corpus.from_texts(items)


# ---------------------------------------------------------------------------
# loading

#: Corpora that ship with textmine: ``load_corpus()`` / ``load_corpus(name)``.
BUNDLED: dict[str, str] = {
    "seeds": "11 documents from 5 raw web and PDF captures (2021-2024 city reports, see seeds/README.md)",
    "provinces2026": "the 31 provincial government work reports of 2026, one CSV each (seeds/provinces2026/README.md)",
}
_GLOB_CHARS = set("*?[")


def bundled_seeds_dir() -> Path:
    """The folder holding the bundled raw seed files and ``manifest.csv``."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "seeds", here / "_seeds"):
        if (candidate / "manifest.csv").is_file():
            return candidate
    raise CorpusError("the bundled seeds/ folder with manifest.csv was not found next to the package")


def load_corpus(
    path: "_PathLike | Sequence[_PathLike] | None" = None,
    *,
    metadata: _PathLike | None = None,
    text: str | None = None,
    id: str | None = None,
    defaults: Mapping[str, Any] | None = None,
    infer: bool = True,
    clean: bool = True,
    unmask: bool | None = None,
    to_simplified: bool | str = "auto",
    lazy: bool = False,
    allow_outside: bool = False,
    year_range: tuple[int, int] | None = YEAR_RANGE,
    n_jobs: int | None = None,
) -> Corpus:
    """Load a corpus in one line: a bundled one, a folder, a table file, a glob or a list of files.

    ``path`` is

    - None or ``"seeds"``: the bundled seed corpus; ``"provinces2026"``: the 31 bundled
      provincial reports of 2026 (see :data:`BUNDLED`); their folders given as paths load
      the same way (a file or folder of that name elsewhere is read as itself);
    - a folder with ``metadata.csv`` (or ``metadata=``): a ``file`` column names each
      document's file (``.txt``, ``.pdf``, ``.docx``) inside the folder; optional columns
      ``doc_id``, ``locator`` (``title:<title line>`` for a report inside a collection 合集),
      ``unmask``, and any metadata;
    - a folder without a metadata table: each ``.txt``/``.pdf``/``.docx`` file is a document
      (doc_id = file name), or, when there are none, its table files are read as below;
    - a table file (``.csv``, ``.tsv``, ``.jsonl``, ``.xlsx``, ``.parquet``) with a row per
      document, a glob of them (``"reports/*.csv"``) or a list of paths: ``text=`` names the
      text column (guessed when not given: ``text``, ``full_text``, ``content``, 正文, … or
      the column of long text), ``id=`` the id column (default ``doc_id`` if present, else
      the file name, with the record number 1, 2, … when a file has several rows); every other column
      is metadata.

    ``defaults`` fills metadata columns a row leaves empty (``{"doctype": "report"}``).
    ``infer=True`` fills ``place`` and ``year`` from a title or the file name, and
    ``province``, ``level``, ``rank``, ``code``, ``region``, ``capital``, ``sub_provincial``
    from the gazetteer (:func:`textmine.gazetteer.infer_meta`): values you give win, the
    ``inferred`` column lists what was filled, ``place_note`` what was ambiguous, unknown or
    contradictory. Every file read must lie inside the corpus folder after resolving symlinks
    unless ``allow_outside=True``. ``unmask`` overrides the metadata's per-file ``unmask``
    column (None keeps it). ``lazy=True`` keeps only file paths in memory and re-reads on
    access (its documents are then cleaned where they are tokenized, in the workers of
    :func:`textmine.tokens`); otherwise ``n_jobs`` (scikit-learn's convention: None = 1,
    -1 = all cores) cleans the texts in worker processes, with the same results.
    ``year_range`` bounds the years accepted (None: any). Every problem is a
    :class:`~textmine.errors.CorpusError` naming the file, and the row and column where
    there is one.

    >>> corpus = load_corpus()
    >>> [corpus["jinan_2024_report"][k] for k in ("place", "level", "rank", "year", "capital")]
    ['济南市', '地级市', '副省级城市', 2024, True]
    """
    opts = dict(text=text, id=id, defaults=defaults, infer=infer, clean=clean, unmask=unmask,
                to_simplified=to_simplified, lazy=lazy, allow_outside=allow_outside, year_range=year_range)
    if not clean or lazy or n_jobs in (None, 1):
        return _load(path, metadata, opts)
    token = _DEFER_CLEANING.set(True)
    try:
        corpus = _load(path, metadata, opts)
    finally:
        _DEFER_CLEANING.reset(token)
    _clean_documents(list(corpus), n_jobs)
    return corpus


def _clean_documents(docs: list[Document], n_jobs: int | None) -> None:
    """Clean the documents whose cleaning was deferred, in ``n_jobs`` workers (:func:`textmine.cleaning.clean_many`)."""
    from .cleaning import clean_many

    todo = [d for d in docs if d._raw is not None and d._clean_opts is not None and d._cleaning is None]
    results = clean_many([d._raw for d in todo], [d._clean_opts for d in todo], n_jobs=n_jobs)
    for doc, result in zip(todo, results):
        doc._cleaning = result


def _load(path: Any, metadata: Any, opts: dict[str, Any]) -> Corpus:
    """What :func:`load_corpus` reads, by the kind of ``path``."""
    text, defaults, allow_outside = opts["text"], opts["defaults"], opts["allow_outside"]
    if path is None or _names_bundled(path, "seeds", ""):
        folder = bundled_seeds_dir()
        meta_path = Path(metadata) if metadata is not None else folder / "manifest.csv"
        return _load_folder(folder, meta_path, **opts)
    if _names_bundled(path, "provinces2026", "provinces2026"):
        folder = bundled_seeds_dir() / "provinces2026"
        merged = {"doctype": "report", **(defaults or {})}
        return _load_files(sorted(folder.glob("*.csv")), **{**opts, "text": text or "full_text",
                                                             "defaults": merged})
    if isinstance(path, (list, tuple)):
        files: list[Path] = []
        for item in path:
            files += _expand(item)
        return _load_files(files, **opts)
    if isinstance(path, str) and _GLOB_CHARS & set(path) and not Path(path).exists():
        return _load_files(_expand(path), **opts)
    target = Path(path)
    if target.is_dir():
        meta_path = Path(metadata) if metadata is not None else target / "metadata.csv"
        if metadata is not None or meta_path.is_file():
            return _load_folder(target, meta_path, **opts)
        docs = _files_in(target, DOCUMENT_SUFFIXES, allow_outside)
        tables = _files_in(target, TABLE_SUFFIXES, allow_outside)
        if not docs and not tables:
            raise CorpusError(f"{target}: no metadata.csv and no document ({', '.join(DOCUMENT_SUFFIXES)}) "
                              f"or table ({', '.join(TABLE_SUFFIXES)}) files in the folder")
        return _load_files(docs or tables, **opts)
    if target.is_file():
        return _load_files([target], **opts)
    raise CorpusError(f"{target}: no such file or folder" + (
        f" (bundled corpora: {', '.join(BUNDLED)})" if isinstance(path, str) and os.sep not in path else ""))


def _names_bundled(path: Any, name: str, sub: str) -> bool:
    """Whether ``path`` asks for the bundled corpus ``name``: the name itself (unless a file or
    folder of that name is here), or the bundled folder (``seeds/``, ``seeds/provinces2026``) as a path.

    The bundled folder read as a plain folder would give its raw files unsplit (the seeds'
    collection is one file holding several reports), so it always goes through the bundled loader.
    """
    if isinstance(path, str) and path == name and not Path(path).exists():
        return True
    if not isinstance(path, (str, os.PathLike)) or not Path(path).is_dir():
        return False
    try:
        return Path(path).resolve() == (bundled_seeds_dir() / sub).resolve()
    except CorpusError:  # no bundled folder beside this installation
        return False


def _expand(item: _PathLike) -> list[Path]:
    text = str(item)
    if _GLOB_CHARS & set(text) and not Path(text).exists():
        found = sorted(Path(p) for p in glob.glob(text))
        if not found:
            raise CorpusError(f"{text}: no file matches the pattern")
        return found
    return [Path(item)]


def _files_in(folder: Path, suffixes: Sequence[str], allow_outside: bool) -> list[Path]:
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in suffixes and not p.name.startswith("."))
    root = folder.resolve()
    for p in files:
        _check_inside(root, p, where=str(p), allow_outside=allow_outside)
    return [p for p in files if p.is_file()]


def _check_inside(root: Path, target: Path, *, where: str, allow_outside: bool) -> None:
    """A CorpusError unless ``target`` lies inside the folder ``root`` (resolved) once symlinks and ``..`` are resolved."""
    if allow_outside:
        return
    real = target.resolve()
    if real != root and root not in real.parents:
        raise CorpusError(f"{where}: resolves to {real}, outside the corpus folder {root}; a corpus reads only "
                          "files inside its folder (pass allow_outside=True if you trust this table)")


def _meta_record(row: Mapping[str, Any], *, where: str, defaults: Mapping[str, Any] | None, infer: bool,
                 hints: Sequence[str], year_range: tuple[int, int] | None) -> dict[str, Any]:
    meta = dict(row)
    for key, value in (defaults or {}).items():
        if _blank(meta.get(key)):
            meta[key] = value
    meta = validate_meta(meta, where=where, year_range=year_range)
    if infer:
        from .gazetteer import infer_meta

        meta = infer_meta(meta, where=where, hints=hints)
        notes = {k: meta.pop(k) for k in ("inferred", "place_note")}
        meta = validate_meta(meta, where=where, year_range=year_range)  # an inferred year is checked too
        meta.update(notes)
    return meta


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value) or (isinstance(value, str) and not value.strip())


def _load_files(files: Sequence[Path], *, text: str | None, id: str | None, defaults: Mapping[str, Any] | None,
                infer: bool, clean: bool, unmask: bool | None, to_simplified: bool | str, lazy: bool,
                allow_outside: bool, year_range: tuple[int, int] | None) -> Corpus:
    """Documents from table files (a row each) and document files (one each)."""
    docs: list[Document] = []
    opts = dict(clean=clean, unmask=bool(unmask), to_simplified=to_simplified)
    for path in files:
        suffix = path.suffix.lower()
        if suffix in DOCUMENT_SUFFIXES:
            meta = _meta_record({}, where=str(path), defaults=defaults, infer=infer, hints=[path.name],
                                year_range=year_range)
            meta["file"] = path.name
            if lazy:
                docs.append(Document(path.stem, meta=meta, loader=FileLoader(path), **opts))
            else:
                docs.append(Document(path.stem, read_document(path), meta, **opts))
            continue
        if suffix not in TABLE_SUFFIXES:
            raise CorpusError(f"{path}: not a corpus file (tables: {', '.join(TABLE_SUFFIXES)}; "
                              f"documents: {', '.join(DOCUMENT_SUFFIXES)})")
        table = read_table(path)
        column = text if text is not None else guess_text_column(table.frame, where=str(path))
        if column not in table.frame.columns:
            raise CorpusError(f"{path}: no text column {column!r} (columns: {', '.join(map(str, table.frame.columns))})")
        id_col = id if id is not None else ("doc_id" if "doc_id" in table.frame.columns else None)
        if id_col is not None and id_col not in table.frame.columns:
            raise CorpusError(f"{path}: no id column {id_col!r} (columns: {', '.join(map(str, table.frame.columns))})")
        for k, ((_, row), n) in enumerate(zip(table.frame.iterrows(), table.rows), start=1):
            where = f"{path} row {n}"
            body = row[column]
            if not isinstance(body, str) or not body.strip():
                raise CorpusError(f"{where}, column {column!r}: the text is empty or not a string")
            check_plausible(body, where=f"{where}, column {column!r}")
            if id_col is not None:
                if _blank(row[id_col]):
                    raise CorpusError(f"{where}, column {id_col!r}: empty document id")
                doc_id = str(row[id_col]).strip()
            else:
                doc_id = path.stem if len(table.frame) == 1 else f"{path.stem}_{k}"
            record = {k: v for k, v in row.items() if k not in {column, id_col}}
            meta = _meta_record(record, where=where, defaults=defaults, infer=infer,
                                hints=[path.name], year_range=year_range)
            meta["file"] = path.name
            docs.append(Document(doc_id, body.replace("\r\n", "\n"), meta, **opts))
    _check_unique([d.doc_id for d in docs], where=", ".join(str(f) for f in files[:3])
                  + (" ..." if len(files) > 3 else ""))
    return Corpus(docs)


def _load_folder(folder: Path, meta_path: Path, *, text: str | None, id: str | None,
                 defaults: Mapping[str, Any] | None, infer: bool, clean: bool, unmask: bool | None,
                 to_simplified: bool | str, lazy: bool, allow_outside: bool,
                 year_range: tuple[int, int] | None) -> Corpus:
    if not folder.is_dir():
        raise CorpusError(f"{folder}: not a folder")
    if not meta_path.is_file():
        raise CorpusError(f"{folder}: no metadata table {meta_path.name}; pass metadata='…csv'")
    columns, records, numbers = _read_metadata(meta_path)
    if "file" not in columns:
        raise CorpusError(f"{meta_path}: metadata table needs a 'file' column (has: {', '.join(map(str, columns))})")
    rows = list(zip(numbers, records))
    return _build(folder, meta_path, rows, clean=clean, unmask=unmask, to_simplified=to_simplified, lazy=lazy,
                  defaults=defaults, infer=infer, allow_outside=allow_outside, year_range=year_range)


def _read_metadata(path: Path) -> tuple[list, list[dict[str, Any]], list[int]]:
    """A metadata table's columns, rows (dicts) and row numbers; CSV (any other name too) and TSV without pandas."""
    suffix = path.suffix.lower()
    if suffix in TABLE_SUFFIXES and suffix not in (".csv", ".tsv"):
        table = read_table(path)
        return list(table.frame.columns), table.frame.to_dict("records"), table.rows
    return read_records(path, "\t" if suffix == ".tsv" else ",")


def _build(folder: Path, meta_path: Path, rows: list[tuple[int, dict[str, Any]]], *, clean: bool,
           unmask: bool | None, to_simplified: bool | str, lazy: bool, defaults: Mapping[str, Any] | None = None,
           infer: bool = True, allow_outside: bool = False,
           year_range: tuple[int, int] | None = YEAR_RANGE) -> Corpus:
    files_on_disk = {p.name for p in folder.glob("*.txt")}
    referenced = set()
    docs: list[Document] = []
    missing: list[dict[str, Any]] = []
    by_file: dict[str, list[tuple[int, dict]]] = {}
    root = folder.resolve()
    for n, row in rows:
        name = row.get("file") or ""
        name = str(name).strip()
        if not name:
            raise CorpusError(f"{meta_path} row {n}: empty 'file'")
        row["file"] = name
        _check_inside(root, folder / name, where=f"{meta_path} row {n}: file {name!r}", allow_outside=allow_outside)
        if not (folder / name).is_file():
            raise CorpusError(f"{meta_path} row {n}: file {name!r} does not exist in {folder}")
        referenced.add(name)
        by_file.setdefault(name, []).append((n, row))
    unlisted = sorted(files_on_disk - referenced)
    if unlisted:
        raise CorpusError(f"{folder / unlisted[0]}: text file has no row in the metadata table {meta_path.name}"
                          + (f" (nor do {len(unlisted) - 1} more .txt files)" if len(unlisted) > 1 else ""))
    ids = [row.get("doc_id") or Path(row["file"]).stem for _, row in rows]
    _check_unique(ids, where=str(meta_path))

    for name, entries in by_file.items():
        path = folder / name
        titled = [(n, r) for n, r in entries if str(r.get("locator") or "").startswith("title:")]
        raw_file = read_document(path) if titled or not lazy else None
        slices: dict[int, str] = {}
        if titled:
            parts, absent = split_collection(raw_file)
            found = {p.title: p for p in parts}
            for n, r in titled:
                title = r["locator"][len("title:"):].strip()
                if title not in found:
                    raise CorpusError(f"{path}: report title {title!r} (metadata row {n}) not found in the text")
                slices[n] = found.pop(title).body
            if found:
                extra = next(iter(found))
                raise CorpusError(f"{path}: holds report {extra!r} with no row in {meta_path.name}")
            missing += [{"file": name, "number": e.number, "title": e.title, "toc_level": e.toc_level}
                        for e in absent]
        for n, row in entries:
            where = f"{meta_path} row {n} ({name})"
            doc_id = row.get("doc_id") or Path(name).stem
            meta = {k: v for k, v in row.items() if k not in {"doc_id", "file", "locator", "unmask"}}
            hints = [row["locator"][len("title:"):]] if n in slices else [name]
            meta = _meta_record(meta, where=where, defaults=defaults, infer=infer, hints=hints,
                                year_range=year_range)
            meta["file"] = name
            do_unmask = unmask if unmask is not None else str(row.get("unmask") or "").lower() in _TRUE
            opts = dict(clean=clean, unmask=do_unmask, to_simplified=to_simplified)
            if n in slices:
                body = slices[n]
                if not body.strip():
                    raise CorpusError(f"{path}: report {row['locator']!r} has no text")
                docs.append(Document(doc_id, body, meta, **opts))
            elif lazy:
                docs.append(Document(doc_id, meta=meta, loader=FileLoader(path), **opts))
            else:
                docs.append(Document(doc_id, raw_file, meta, **opts))
    order = {doc_id: i for i, doc_id in enumerate(ids)}
    docs.sort(key=lambda d: order[d.doc_id])
    return Corpus(docs, missing)


def _check_unique(ids: Sequence[str], *, where: str) -> None:
    dupes = [i for i, c in Counter(ids).items() if c > 1]
    if dupes:
        raise CorpusError(f"{where}: duplicate doc_id {dupes[0]!r}" + (f" (and {len(dupes) - 1} more)" if len(dupes) > 1 else ""))


def _clean(raw: str, **opts):
    from .cleaning import clean  # imported here: clean is optional for plain-text corpora

    return clean(raw, **opts)
