"""How often do documents use a slogan or a word? Slogan counts, term frequencies, DTMs and KWIC.

Two kinds of counting, kept apart on purpose:

- **Phrases** (:func:`slogan_frequency`, :func:`kwic`): exact matches on the
  cleaned text with all whitespace removed, independent of word segmentation.
  Many phrases are counted in one pass with an Aho–Corasick automaton.
- **Tokens** (:func:`term_frequency`, :func:`dtm`): words after policy
  tokenization (:class:`textmine.tokenize.Tokenizer`).

Rates are per 10,000 non-whitespace characters of the cleaned text
(:func:`textmine._text.n_chars`), the denominator used across textmine.

>>> df = slogan_frequency(["发展新质生产力，优化营商环境。", "打造一流营商环境。"], ["营商环境", "一流营商环境"])
>>> df[["doc_id", "slogan", "count"]].values.tolist()
[['doc0', '营商环境', 1], ['doc0', '一流营商环境', 0], ['doc1', '营商环境', 1], ['doc1', '一流营商环境', 1]]
"""

from __future__ import annotations

__all__ = ["load_slogans", "slogan_frequency", "term_frequency", "dtm", "kwic", "DocumentTermMatrix"]

import bisect
import io
import itertools
import math
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping, Sequence

import numpy as np
import pandas as pd

from ._io import read_text
from ._parallel import chunks, n_workers
from ._phrases import _SAMPLE, _PhraseCounter, _compact, _count_chunk
from .corpus import Corpus, as_corpus
from .errors import CorpusError, DictionaryError, TextmineError
from .schema import check_by

from .tokenize.dtm import DocumentTermMatrix, release_arrow_memory
from .tokenize.stream import _progress_bar
from .tokenize.tokenized import as_tokens

if TYPE_CHECKING:  # pragma: no cover
    from .tokenize import Tokenizer

#: The shipped slogan list (columns ``slogan, category, variants``).
SLOGANS_FILE = Path(__file__).resolve().parent / "data" / "slogans.csv"

#: Category given to slogans passed without one (a plain list or a .txt file).
CUSTOM_CATEGORY = "custom"

_WS = re.compile(r"\s+")
_PER = 10_000


# ---------------------------------------------------------------------------
# slogan lists


def load_slogans(source: Any = None) -> pd.DataFrame:
    """A slogan table ``DataFrame(slogan, category, variants)`` from any accepted source.

    ``source`` may be:

    - ``None``: the shipped list ``textmine/data/slogans.csv``;
    - a list of phrases, or one phrase as a string (a phrase on the shipped list
      keeps its shipped category, any other gets ``"custom"``; only the phrases
      given are counted, not the shipped variants);
    - a dict ``{category: [phrases]}`` (a single string counts as one phrase);
    - a path to a ``.csv`` (a ``slogan`` column; ``category`` and ``variants`` optional)
      or to a ``.txt`` with one phrase per line (blank lines and ``#`` comments skipped);
    - a DataFrame with a ``slogan`` column (e.g. a filtered :func:`load_slogans` result).

    ``variants`` holds ``|``-separated alternative spellings counted under the
    slogan; in lists, dicts and .txt files write ``slogan|variant|…`` in one entry.
    Whitespace inside phrases is removed (matching ignores whitespace).
    A missing, unreadable or malformed file, an empty phrase or a slogan listed
    twice raises :class:`~textmine.errors.DictionaryError` naming the source.

    >>> load_slogans(["新质生产力", "双碳|碳达峰碳中和", "海丝名城"]).values.tolist()
    [['新质生产力', 'innovation & industry', ''], ['双碳', 'custom', '碳达峰碳中和'], ['海丝名城', 'custom', '']]
    >>> load_slogans({"ecology": ["碳达峰", "碳中和"]})["category"].tolist()
    ['ecology', 'ecology']
    >>> len(load_slogans()) >= 80
    True
    """
    if source is None:
        return _slogans_from_file(SLOGANS_FILE)
    if isinstance(source, pd.DataFrame):
        return _slogans_from_frame(source, where="slogan DataFrame")
    if isinstance(source, str) and not _looks_like_path(source):
        source = [source]  # one phrase
    if isinstance(source, (str, os.PathLike)):
        return _slogans_from_file(Path(source))
    if isinstance(source, Mapping):
        rows = [(entry, str(cat)) for cat, entries in source.items() for entry in _as_list(entries)]
        return _slogan_table(rows, where="slogan dict")
    if isinstance(source, Iterable):
        shipped = dict(zip(*_slogans_from_file(SLOGANS_FILE)[["slogan", "category"]].T.values))
        rows = [(entry, shipped.get(_WS.sub("", entry), CUSTOM_CATEGORY)) for entry in source]
        return _slogan_table(rows, where="slogan list")
    raise TypeError("slogans must be None, a list, a dict, a file path or a DataFrame")


def _looks_like_path(source: str) -> bool:
    return source.lower().endswith((".csv", ".txt")) or os.sep in source or os.path.exists(source)


def _as_list(entries: Any) -> list:
    return [entries] if isinstance(entries, str) else list(entries)


def _slogans_from_file(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if suffix not in {".csv", ".txt"}:
        raise DictionaryError(f"{path}: slogan files must be .csv (slogan column) or .txt (one per line)")
    try:
        text = read_text(path)
    except CorpusError as exc:
        raise DictionaryError(str(exc)) from None
    if suffix == ".txt":
        rows = []
        for line in text.splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                rows.append((line, CUSTOM_CATEGORY))
        return _slogan_table(rows, where=str(path))
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DictionaryError(f"{path}: not a readable CSV table ({str(exc).strip()})") from None
    return _slogans_from_frame(frame, where=str(path))


def _slogans_from_frame(frame: pd.DataFrame, *, where: str) -> pd.DataFrame:
    frame = frame.rename(columns=lambda c: str(c).strip())
    if "slogan" not in frame.columns:
        raise DictionaryError(f"{where}: needs a 'slogan' column (has: {', '.join(map(str, frame.columns))})")
    rows = []
    for rec in frame.to_dict("records"):
        entry = _cell(rec.get("slogan"))
        variants = _cell(rec.get("variants"))
        category = _cell(rec.get("category")) or CUSTOM_CATEGORY
        rows.append((f"{entry}|{variants}" if variants else entry, category))
    return _slogan_table(rows, where=where, first_line=2)


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return str(value).strip()


def _slogan_table(rows: list[tuple[Any, str]], *, where: str, first_line: int = 1) -> pd.DataFrame:
    """Validate ``(entry, category)`` pairs, ``entry`` = ``slogan|variant|…``."""
    out, seen = [], {}
    for n, (entry, category) in enumerate(rows, start=first_line):
        label = f"{where} {'row' if first_line == 2 else 'item'} {n}"
        if not isinstance(entry, str):
            raise DictionaryError(f"{label}: expected a phrase string, got {entry!r}")
        forms = [_WS.sub("", part) for part in entry.split("|")]
        slogan, variants = forms[0], [f for f in forms[1:] if f]
        if not slogan:
            raise DictionaryError(f"{label}: empty slogan")
        if slogan in seen:
            raise DictionaryError(f"{label}: slogan {slogan!r} listed twice (first at {seen[slogan]})")
        seen[slogan] = label
        variants = [v for v in dict.fromkeys(variants) if v != slogan]
        out.append((slogan, category, "|".join(variants)))
    if not out:
        raise DictionaryError(f"{where}: no slogans")
    return pd.DataFrame(out, columns=["slogan", "category", "variants"])


# ---------------------------------------------------------------------------
# one-pass phrase counting


def slogan_frequency(corpus_or_texts: Any, slogans: Any = None, by: str | Sequence[str] | None = None,
                     n_jobs: int | None = None, *, progress: bool | None = None) -> pd.DataFrame:
    """Counts and rates of slogans per document, or pooled per group of documents.

    Semantics:

    - Exact phrase match on the cleaned text with **all whitespace removed**, so
      a phrase broken across a line counts once; word segmentation plays no part.
    - Every occurrence counts, including one nested in another listed phrase
      (营商环境 inside 一流营商环境 counts for both slogans).
    - A slogan's ``count`` is the number of non-overlapping occurrences of the
      slogan or any of its variants (``str.count`` semantics: for a phrase
      without variants ``count == text.count(phrase)``); a variant nested in the
      main form, or the main form nested in a variant, is one occurrence, not two.
    - ``rate`` = count per 10,000 non-whitespace characters of the cleaned text.

    ``slogans``: anything :func:`load_slogans` accepts (None = shipped list).
    ``n_jobs``: threads counting documents at once (scikit-learn's convention:
    None = 1, -1 = all cores); the automaton releases the GIL while it scans,
    so two threads count about twice as fast. A lazy corpus is counted in worker
    processes instead, each reading and cleaning its own documents (cleaning
    holds the GIL): 50 MB on two cores in 0.9 s instead of 1.8 s. The counts
    do not depend on it.
    ``progress``: a progress bar over the documents, as in :func:`textmine.tokens`
    (None: on a terminal after a second, True: always, False: never).

    ``by=None``: one row per document × slogan (zeros included): ``doc_id``, the
    metadata columns, ``slogan, category, count, n_chars, rate``.
    ``by`` = metadata column(s): one row per group × slogan: the ``by`` columns,
    ``slogan, category, count, n_chars, rate`` (pooled over the group's documents),
    ``n_docs, n_docs_mentioning, share_docs_mentioning``.

    >>> docs = ["“新质生产力”是关键。发展新质生产力。", "营商环境"]
    >>> slogan_frequency(docs, ["新质生产力"])[["doc_id", "count", "n_chars"]].values.tolist()
    [['doc0', 2, 19], ['doc1', 0, 4]]
    >>> slogan_frequency("新质生\\n产力", ["新质生产力"])["count"].tolist()
    [1]
    """
    corpus = as_corpus(corpus_or_texts)
    table = load_slogans(slogans)
    meta = corpus.meta_frame()
    keys = _by_columns(by, meta)
    release_arrow_memory()  # the table built below is large for a large corpus: start from what is in use
    counts = np.zeros((len(corpus), len(table)), dtype=np.int64)
    n_chars = np.zeros(len(corpus), dtype=np.int64)
    if len(corpus):
        first = _compact(corpus[0].text)
        counter = _PhraseCounter(table, sample=first[:_SAMPLE])  # built once, ordered by the first document

        def count(doc: Any) -> tuple[int, list[int]]:  # in a thread: a lazy document is read there
            compact = first if doc is None else _compact(doc.text)
            return len(compact), counter.count(compact)

        rest = list(itertools.islice(corpus, 1, None))  # the documents (a lazy one: its file), not their texts
        backend = _process_backend(n_jobs) if any(d.lazy for d in rest) else None
        if backend is not None:
            # lazy documents are read and cleaned where they are counted; cleaning holds the GIL: processes
            results = itertools.chain([count(None)], _counted_in_processes(rest, table, first, n_workers(n_jobs),
                                                                           backend))
        else:
            results = _ordered_map(count, itertools.chain([None], rest), n_jobs)  # None: the first, compacted already
        bar = _progress_bar(progress, len(corpus), "counting slogans")
        try:
            for row, (n, row_counts) in enumerate(results):
                n_chars[row] = n
                counts[row] = row_counts
                bar.update(1)
        finally:
            bar.close()
    long = _long_frame(meta, table, counts, n_chars)
    out = long if keys is None else _pool(long, keys, table)
    del long
    release_arrow_memory()  # what building the table left in pyarrow's allocator
    return out


#: A lazy corpus counted in worker processes into this many document x slogan rows or more: the workers
#: are shut down before the table is built (1,000 MB of reports: 1.6 million rows, 840 MB as pandas holds them).
RELEASE_ROWS = 1_000_000


def _process_backend(n_jobs: int | None) -> Any:
    """The backend counting a lazy corpus in textmine's worker processes on this machine, or None (threads).

    None when one worker would do, or under a joblib backend the caller chose
    (a Dask cluster's workers may not see the corpus files): then threads, as
    for an eager corpus.
    """
    from ._parallel import worker_backend

    return worker_backend() if n_workers(n_jobs) > 1 else None


def _counted_in_processes(rest: list[Any], table: pd.DataFrame, first: str, workers: int,
                          backend: Any) -> Iterator[tuple[int, list[int]]]:
    """``(n_chars, counts)`` of each document of ``rest``, in order, counted in chunks in worker processes.

    A worker reads and cleans its documents itself (a lazy document pickles as its
    file's path) and sends back only the numbers; it builds the automaton once
    per run, from the slogans and the same sample of the ``first`` document.
    """
    from joblib import delayed

    from ._parallel import release_workers, results_in_order

    forms = {"slogan": table["slogan"].tolist(), "variants": table["variants"].tolist()}
    sample = first[:_SAMPLE]
    plan = chunks([1] * len(rest), workers, bounds=(1, max(1, len(rest) // workers)))  # sizes unknown: by count
    run = os.urandom(8).hex()
    tasks = (delayed(_count_chunk)([rest[i] for i in c], forms, sample, run, parent=os.getpid()) for c in plan)
    for part in results_in_order(tasks, workers, backend):
        yield from part
    if len(rest) * len(table) >= RELEASE_ROWS:  # the workers' memory is not to add to the big table built next
        release_workers()


def _ordered_map(fn: Callable[[Any], Any], items: Iterable[Any], n_jobs: int | None) -> Iterator[Any]:
    """``map(fn, items)`` on ``n_jobs`` threads, in order, with at most two items per thread in flight."""
    workers = n_workers(n_jobs)
    if workers == 1:
        yield from map(fn, items)
        return
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(workers, thread_name_prefix="textmine-count") as pool:
        pending: deque = deque()
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _long_frame(meta: pd.DataFrame, table: pd.DataFrame, counts: np.ndarray, n_chars: np.ndarray) -> pd.DataFrame:
    n_docs, n_slogans = counts.shape
    out = meta.loc[meta.index.repeat(n_slogans)].reset_index(drop=True)
    out["slogan"] = np.tile(table["slogan"].to_numpy(dtype=object), n_docs)
    out["category"] = np.tile(table["category"].to_numpy(dtype=object), n_docs)
    out["count"] = counts.reshape(-1)
    out["n_chars"] = np.repeat(n_chars, n_slogans)
    out["rate"] = _rate(out["count"].to_numpy(), out["n_chars"].to_numpy())
    return out


def _rate(count: np.ndarray, n_chars: np.ndarray) -> np.ndarray:
    count = np.asarray(count, dtype=float)
    n_chars = np.asarray(n_chars, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n_chars > 0, count / n_chars * _PER, np.nan)


def _pool(long: pd.DataFrame, keys: list[str], table: pd.DataFrame) -> pd.DataFrame:
    order = {s: i for i, s in enumerate(table["slogan"])}
    work = long.assign(_order=long["slogan"].map(order), _mentions=(long["count"] > 0).astype("int64"))
    grouped = work.groupby(keys + ["_order"], sort=True, dropna=False)
    pooled = grouped.agg(count=("count", "sum"), n_chars=("n_chars", "sum"),
                         n_docs=("count", "size"), n_docs_mentioning=("_mentions", "sum")).reset_index()
    pooled.insert(len(keys), "slogan", table["slogan"].to_numpy(dtype=object)[pooled["_order"]])
    pooled.insert(len(keys) + 1, "category", table["category"].to_numpy(dtype=object)[pooled["_order"]])
    pooled["rate"] = _rate(pooled["count"].to_numpy(), pooled["n_chars"].to_numpy())
    pooled["share_docs_mentioning"] = pooled["n_docs_mentioning"] / pooled["n_docs"]
    columns = keys + ["slogan", "category", "count", "n_chars", "rate",
                      "n_docs", "n_docs_mentioning", "share_docs_mentioning"]
    return pooled[columns]


# ---------------------------------------------------------------------------
# metadata helpers


def _by_columns(by: str | Sequence[str] | None, meta: pd.DataFrame) -> list[str] | None:
    return None if by is None else check_by(by, meta.columns)


def _group_rows(meta: pd.DataFrame, keys: list[str] | None) -> list[tuple[tuple, np.ndarray]]:
    """``(group key values, row positions)`` in sorted group order (one group if no keys)."""
    if keys is None:
        return [((), np.arange(len(meta)))]
    groups = meta.groupby(keys, sort=True, dropna=False).indices
    out = []
    for key, rows in groups.items():
        out.append((key if isinstance(key, tuple) else (key,), np.asarray(rows)))
    return out


# ---------------------------------------------------------------------------
# tokens: document-term matrix and term frequencies


def dtm(corpus_or_texts: Any, by: str | Sequence[str] | None = None, *,
        tokenizer: "Tokenizer | Callable[[str], list[str]] | None" = None,
        min_df: int | float = 1, vocabulary: Iterable[str] | None = None,
        n_jobs: int | None = None, cache: Any = True) -> DocumentTermMatrix:
    """Document-term matrix of token counts after policy tokenization.

    Parameters
    ----------
    corpus_or_texts : Tokens, Corpus, list of str or str
        A :class:`~textmine.tokenize.Tokens` is counted as it is; anything else is
        tokenized first by :func:`textmine.tokens` with ``tokenizer`` (default
        ``Tokenizer()``; any ``str -> list[str]`` callable works), ``n_jobs`` and ``cache``.
    by : str or list of str, optional
        Metadata column(s): one row per group (sorted), the sum of its documents'
        counts, as quanteda's ``dfm_group``; ``doc_ids`` then holds the group
        values joined by ``" | "``.
    min_df : int or float
        Keep terms in at least this many documents (an int) or this share of
        documents (a float in (0, 1)).
    vocabulary : iterable of str, optional
        Exactly these columns in this order (other tokens ignored, ``min_df`` not
        applied); by default the terms are sorted (Python string order).

    Returns
    -------
    DocumentTermMatrix
        ``matrix`` (scipy CSR, documents × terms), ``vocabulary``, ``doc_ids``;
        ``to_gensim()``, ``to_frame()``. Built from token ids one document at a time,
        so a lazily loaded corpus never holds every token list.

    Examples
    --------
    >>> d = dtm(["发展 新质生产力 发展", "营商环境 发展"], tokenizer=str.split)
    >>> d.vocabulary, d.matrix.toarray().tolist(), d.doc_ids
    (['发展', '新质生产力', '营商环境'], [[2, 1, 0], [1, 0, 1]], ['doc0', 'doc1'])
    >>> from sklearn.feature_extraction.text import TfidfTransformer
    >>> TfidfTransformer().fit_transform(d.matrix).shape
    (2, 3)
    >>> frame = pd.DataFrame({"text": ["发展 改革", "发展", "创新"], "level": ["省级", "省级", "县区"]})
    >>> corpus = Corpus.from_dataframe(frame, clean=False)
    >>> g = dtm(corpus, by="level", tokenizer=str.split)
    >>> g.doc_ids, g.vocabulary, g.matrix.toarray().tolist()
    (['县区', '省级'], ['创新', '发展', '改革'], [[1, 0, 0], [0, 2, 1]])
    """
    toks = as_tokens(corpus_or_texts, tokenizer, n_jobs=n_jobs, cache=cache)
    d = toks.dtm(min_df=min_df, vocabulary=vocabulary)
    if by is None:
        return d
    from scipy import sparse

    meta = toks.meta_frame()
    groups = _group_rows(meta, _by_columns(by, meta))
    rows = np.concatenate([np.full(len(members), g) for g, (_, members) in enumerate(groups)]).astype(np.int64)
    docs = np.concatenate([members for _, members in groups]).astype(np.int64)
    indicator = sparse.csr_matrix((np.ones(len(docs), dtype=np.int64), (rows, docs)), shape=(len(groups), len(meta)))
    matrix = sparse.csr_matrix(indicator @ d.matrix)
    matrix.sort_indices()
    labels = [" | ".join(str(v) for v in key) for key, _ in groups]
    return DocumentTermMatrix(matrix=matrix, vocabulary=d.vocabulary, doc_ids=labels)


def term_frequency(corpus_or_texts: Any, by: str | Sequence[str] | None = None, n: int | None = None, *,
                   tokenizer: "Tokenizer | Callable[[str], list[str]] | None" = None,
                   n_jobs: int | None = None, cache: Any = True, ties: str = "min") -> pd.DataFrame:
    """Token frequencies in the shape of quanteda's ``textstat_frequency``.

    Parameters
    ----------
    corpus_or_texts : Tokens, Corpus, list of str or str
        A :class:`~textmine.tokenize.Tokens`, or anything :func:`textmine.tokens`
        tokenizes (with ``tokenizer``, ``n_jobs`` and ``cache``).
    by : str or list of str, optional
        Metadata column(s) to group documents by.
    n : int, optional
        Keep the ``n`` most frequent features per group.
    ties : {"min", "max", "average", "dense", "first"}, default "min"
        How tied frequencies are ranked, as quanteda's ``ties_method`` (same
        default): ``"min"`` ranks frequencies 11, 10, 10 as 1, 2, 2; ``"max"``
        1, 3, 3; ``"average"`` 1, 2.5, 2.5 (float ranks); ``"dense"`` 1, 2, 2 then
        3; ``"first"`` 1, 2, 3 (the row order). ``n`` keeps the top ``n`` rows per
        group; ranks are over the whole group, so a tie may be cut, as in quanteda.

    Returns
    -------
    pandas.DataFrame
        ``feature, frequency, feature_rank, docfreq, group``, then the ``by``
        column(s) themselves, then ``rate`` (per 10,000 non-whitespace characters
        of the group's cleaned text). quanteda's ``rank`` is ``feature_rank`` here,
        because ``rank`` is a metadata column (副省级城市, 地级市, …) and keeps that
        meaning in every result: ``by="rank"`` gives a ``rank`` column of metadata
        values. ``group`` is ``"all"`` when ``by=None``, else the group's values
        joined by ``" | "`` (quanteda's ``group``). Sorted by group, then frequency
        (descending), then feature; ``feature_rank`` ranks the frequencies within
        the group (1 = most frequent), ties as ``ties`` says.

    Examples
    --------
    >>> tf = term_frequency(["发展 数字经济 发展", "发展 营商环境"], tokenizer=str.split)
    >>> tf[["feature", "frequency", "feature_rank", "docfreq"]].values.tolist()
    [['发展', 3, 1, 2], ['数字经济', 1, 2, 1], ['营商环境', 1, 2, 1]]
    """
    if ties not in _TIES:
        raise TextmineError(f"ties must be one of {', '.join(_TIES)}, got {ties!r}")
    toks = as_tokens(corpus_or_texts, tokenizer, n_jobs=n_jobs, cache=cache)
    corpus = toks.corpus
    meta = corpus.meta_frame()
    keys = _by_columns(by, meta)
    d = toks.dtm()
    n_chars = np.array([len(_compact(doc.text)) for doc in corpus], dtype=np.int64)
    frames = []
    extra = [col for col in keys or () if col not in _TF_COLUMNS]
    for key, rows in _group_rows(meta, keys):
        frame = _group_frequency(d, rows, n_chars, n, ties)
        frame.insert(4, "group", " | ".join(str(v) for v in key) if keys else "all")
        for pos, col in enumerate(extra):
            frame.insert(5 + pos, col, [key[keys.index(col)]] * len(frame))
        frames.append(frame)
    if not frames:  # an empty corpus
        empty = _group_frequency(d, np.arange(0), n_chars, n, ties)
        frames = [empty.reindex(columns=list(empty.columns[:4]) + ["group"] + extra + ["rate"])]
    out = pd.concat(frames, ignore_index=True)
    for col in extra:
        out[col] = out[col].astype(meta[col].dtype)
    return out


_TF_COLUMNS = ("feature", "frequency", "feature_rank", "docfreq", "group", "rate")
_TIES = ("min", "max", "average", "dense", "first")


def _group_frequency(d: DocumentTermMatrix, rows: np.ndarray, n_chars: np.ndarray, n: int | None,
                     ties: str = "min") -> pd.DataFrame:
    sub = d.matrix[rows]
    freq = np.asarray(sub.sum(axis=0)).ravel()
    docfreq = np.bincount(sub.indices, minlength=len(d.vocabulary))
    cols = np.flatnonzero(freq > 0)
    cols = cols[np.lexsort((cols, -freq[cols]))]  # vocabulary is sorted: column order = feature order
    ranks = _tie_ranks(freq[cols], ties)
    if n is not None:
        cols, ranks = cols[:n], ranks[:n]
    total = int(n_chars[rows].sum())
    return pd.DataFrame({
        "feature": np.asarray(d.vocabulary, dtype=object)[cols],
        "frequency": freq[cols].astype(np.int64),
        "feature_rank": ranks,
        "docfreq": docfreq[cols].astype(np.int64),
        "rate": _rate(freq[cols], np.full(len(cols), total)),
    })


def _tie_ranks(sorted_freq: np.ndarray, ties: str) -> np.ndarray:
    """Ranks of frequencies already sorted in descending order (R's ``rank(-x, ties.method=)``)."""
    k = len(sorted_freq)
    position = np.arange(1, k + 1, dtype=np.int64)
    if ties == "first":
        return position
    new = np.r_[True, sorted_freq[1:] != sorted_freq[:-1]] if k else np.zeros(0, dtype=bool)
    block = np.cumsum(new) - 1                       # index of each row's tie block
    first = position[new]                            # first position of each block
    last = np.r_[first[1:] - 1, k] if k else first   # last position of each block
    if ties == "min":
        return first[block]
    if ties == "max":
        return last[block]
    if ties == "dense":
        return block + 1
    return (first[block] + last[block]) / 2           # average


# ---------------------------------------------------------------------------
# keyword in context


def kwic(corpus_or_texts: Any, phrase: str | Sequence[str], window: int = 20,
         by: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Keyword in context: every occurrence of ``phrase`` (a str or a list) with its surroundings.

    Matching is the same as :func:`slogan_frequency`: exact, on the cleaned text,
    ignoring whitespace, non-overlapping per phrase (so the number of rows for a
    phrase equals its slogan count). Columns: ``doc_id``, the metadata columns,
    ``phrase`` (as searched), ``left``, ``match`` (the text as it stands),
    ``right`` (``window`` characters each side; newlines and tabs shown as
    spaces) and ``position`` (offset of the match in the cleaned text).
    Rows follow corpus order, then position. ``by`` (metadata column(s)) groups the
    lines: ``doc_id`` and the ``by`` columns lead instead of every metadata column,
    and the rows of each group (sorted) come together, in corpus order within it.

    >>> kwic("一是发展新质生产力；二是优化营商环境", "新质生产力", window=2)[["left", "match", "right", "position"]].values.tolist()
    [['发展', '新质生产力', '；二', 4]]
    """
    corpus = as_corpus(corpus_or_texts)
    phrases = [phrase] if isinstance(phrase, str) else list(phrase)
    phrases = list(dict.fromkeys(_WS.sub("", p) for p in phrases))
    if not phrases or not all(phrases):
        raise ValueError("kwic needs at least one non-empty phrase")
    meta = corpus.meta_frame()
    records = []
    for row, doc in enumerate(corpus):
        text = doc.text
        for start, end, p in _find_all(text, phrases):
            records.append((row, p, _show(text[max(0, start - window):start]), _show(text[start:end]),
                            _show(text[end:end + window]), start))
    hits = pd.DataFrame(records, columns=["_row", "phrase", "left", "match", "right", "position"])
    out = meta.iloc[hits["_row"].to_numpy(dtype=np.int64)].reset_index(drop=True)
    for col in ["phrase", "left", "match", "right", "position"]:
        out[col] = hits[col].to_numpy(dtype=np.int64 if col == "position" else object)
    if by is None:
        return out
    keys = _by_columns(by, meta)
    out = out[["doc_id", *[k for k in keys if k != "doc_id"], "phrase", "left", "match", "right", "position"]]
    return out.sort_values(keys, kind="mergesort", na_position="last").reset_index(drop=True)


def _show(s: str) -> str:
    return s.replace("\r", " ").replace("\n", " ").replace("\t", " ")


def _find_all(text: str, phrases: list[str]) -> list[tuple[int, int, str]]:
    """``(start, end, phrase)`` in ``text`` for whitespace-insensitive, non-overlapping matches."""
    compact = _compact(text)
    to_text = _offset_map(text)
    hits = []
    for p in phrases:
        i = compact.find(p)
        while i >= 0:
            hits.append((to_text(i), to_text(i + len(p) - 1) + 1, p))
            i = compact.find(p, i + len(p))
    hits.sort(key=lambda h: (h[0], phrases.index(h[2])))
    return hits


def _offset_map(text: str):
    """Map an index in ``_compact(text)`` back to its index in ``text``."""
    starts, shifts, removed = [0], [0], 0
    for m in _WS.finditer(text):
        removed += m.end() - m.start()
        starts.append(m.end() - removed)
        shifts.append(removed)

    def to_text(i: int) -> int:
        return i + shifts[bisect.bisect_right(starts, i) - 1]

    return to_text
