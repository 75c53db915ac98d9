"""Distinctive terms: TF-IDF tables, keyword extraction and keyness.

Three questions, three tools:

- :func:`tfidf` / :func:`top_terms` -- which terms weigh most in each document
  (or group of documents), given how many documents of the corpus use them.
- :func:`extract_keywords` -- the keywords of one document or plain text, by
  TF-IDF (IDF learned from *your* corpus, not a generic IDF file) or TextRank
  (PageRank on the co-occurrence graph of the document's own tokens).
- :func:`keyness` -- which terms (or slogans) a target group of documents uses
  significantly more than a reference group: signed G² and chi-square with
  p-values, and Hardie's Log Ratio as effect size.

All three read tokens from textmine's :class:`~textmine.tokenize.Tokenizer`, so
the policy dictionary and the stopword list apply everywhere; any callable
``str -> list[str]`` works as a tokenizer too (handy in tests)::

    >>> ws = str.split
    >>> r = tfidf(["营商 环境 营商", "营商 改革"], tokenizer=ws)
    >>> r.vocabulary, r.idf.round(3).tolist()
    (['改革', '环境', '营商'], [1.405, 1.405, 1.0])

Every function returns a tidy :class:`pandas.DataFrame` whose leading columns
are the documents' metadata (``doc_id, place, province, level, rank, year,
doctype, …``) or the ``by=`` grouping columns, so results can be grouped,
joined and plotted directly. Because ``rank`` is a metadata column (副省级城市,
地级市, …), a term's position in a list is ``term_rank`` (``feature_rank`` in
:func:`keyness`).
"""

from __future__ import annotations

__all__ = ["tfidf", "TfidfResult", "TfidfOptions", "top_terms", "extract_keywords", "keyness",
           "keyness_statistics"]

import re
import warnings
from collections import Counter
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import sparse

if TYPE_CHECKING:  # pragma: no cover - imported where used: scikit-learn and scipy.stats take a second to load
    from sklearn.feature_extraction.text import TfidfVectorizer

from .corpus import Corpus, Document, as_corpus
from .errors import CorpusError, MetadataError, TextmineError
from .schema import check_by
from .tokenize.dtm import GrowingArray, release_arrow_memory
from .tokenize.tokenized import Tokens, as_tokens, tokens

TokenizerLike = Callable[[str], list]

_SENTENCE_END = re.compile(r"[。！？；!?;\n]+")
_MEASURES = ("g2", "chi2", "pmi", "exact")
_CORRECTIONS = ("default", "yates", "williams", "none")
#: the column each measure sorts by, and its p-value column
_MEASURE_COLUMNS = {"g2": ("g2", "p_g2"), "chi2": ("chi2", "p_chi2"), "pmi": ("pmi", None),
                    "exact": ("odds_ratio", "p_exact")}
_METHODS = ("tfidf", "textrank")
_COMBINE = ("mean", "concat")


# ---------------------------------------------------------------------------
# tokens


def _tokens(corpus_or_texts: Any, tokenizer: TokenizerLike | None, n_jobs: int | None, cache: Any) -> Tokens:
    """The corpus tokenized through :func:`textmine.tokens` (a :class:`Tokens` is used as it is)."""
    return as_tokens(corpus_or_texts, tokenizer, n_jobs=n_jobs, cache=cache)


class _Ngrams:
    """Analyzer for scikit-learn: a document is a list of token *segments*.

    N-grams are formed inside each segment only and joined by a space, exactly as
    scikit-learn joins word n-grams. One segment per document reproduces
    ``TfidfVectorizer(tokenizer=tok)`` on the text; several segments (the
    documents of a group) keep n-grams from spanning document boundaries.
    A module-level class, so fitted vectorizers stay picklable.
    """

    def __init__(self, ngram_range: tuple[int, int] = (1, 1)) -> None:
        lo, hi = (int(v) for v in ngram_range)
        if not 1 <= lo <= hi:
            raise TextmineError(f"ngram_range must be (min_n, max_n) with 1 <= min_n <= max_n, got {ngram_range!r}")
        self.ngram_range = (lo, hi)

    def __call__(self, segments: Sequence[Sequence[str]]) -> list[str]:
        lo, hi = self.ngram_range
        out: list[str] = []
        for tokens in segments:
            tokens = list(tokens)
            for n in range(lo, hi + 1):
                if n == 1:  # unigrams: the tokens themselves, as " ".join would give them
                    out.extend(map(str, tokens))
                else:
                    out.extend(" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
        return out


# ---------------------------------------------------------------------------
# TF-IDF


@dataclass(frozen=True)
class TfidfOptions:
    """TF-IDF settings, with defaults chosen for work reports (5,000-60,000 characters).

    - ``sublinear_tf=True``: term frequency is ``1 + ln(tf)``. Long reports repeat
      their key phrases dozens of times; raw counts would let a few words swamp
      everything else.
    - ``min_df=1``: keep terms used by one document only. In a small corpus the
      distinctive terms (place names, local industries) are exactly those; raise it
      (e.g. 2-5) for thousands of documents to drop typos and one-off names.
    - ``max_df=1.0``: keep terms used everywhere; IDF already gives them the lowest
      weight. With few documents a fraction cuts on a coarse grid (1/n); use e.g.
      0.5-0.8 only for large corpora, where it drops boilerplate outright.
    - ``smooth_idf=True``: ``idf = ln((1 + n) / (1 + df)) + 1`` (scikit-learn's default).
    - ``norm="l2"``: each document vector has length 1, so long and short documents
      compare (and average) on equal terms.
    """

    min_df: float = 1
    max_df: float = 1.0
    max_features: int | None = None
    sublinear_tf: bool = True
    ngram_range: tuple[int, int] = (1, 1)
    norm: str | None = "l2"
    smooth_idf: bool = True

    def vectorizer(self) -> TfidfVectorizer:
        """A TfidfVectorizer reading documents given as lists of token segments."""
        if self.norm not in ("l1", "l2", None):
            raise TextmineError(f"norm must be 'l1', 'l2' or None, got {self.norm!r}")
        from sklearn.feature_extraction.text import TfidfVectorizer

        return TfidfVectorizer(
            analyzer=_Ngrams(self.ngram_range), lowercase=False, min_df=self.min_df, max_df=self.max_df,
            max_features=self.max_features, sublinear_tf=self.sublinear_tf, norm=self.norm,
            smooth_idf=self.smooth_idf, dtype=np.float64,
        )


def _fit(docs: list[list[list[str]]], options: TfidfOptions) -> tuple[TfidfVectorizer, sparse.csr_matrix]:
    """Fit TF-IDF on documents given as lists of token segments; clear error if nothing is left."""
    vectorizer = options.vectorizer()
    try:
        matrix = vectorizer.fit_transform(docs)
    except ValueError as exc:
        raise TextmineError(
            f"TF-IDF on {len(docs)} documents with min_df={options.min_df}, max_df={options.max_df}: {exc}"
        ) from None
    return vectorizer, sparse.csr_matrix(matrix)


def _fit_streamed(toks: Tokens, options: TfidfOptions) -> "tuple[TfidfVectorizer, sparse.csr_matrix, list[str]] | None":
    """What :func:`_fit` gives for one document per row, counted from the token ids; None where it does not apply.

    For single words with ``min_df``, ``max_df`` and ``max_features`` at their
    defaults (nothing pruned), ``TfidfVectorizer.fit_transform`` is its count
    matrix followed by ``TfidfTransformer``. That count matrix is built here
    from :meth:`Tokens.id_pairs`, one document at a time, exactly as
    scikit-learn lays it out (each row's cells in order of the terms' first
    occurrence in the corpus, labelled by sorted term), so the scores are the
    same to the last bit; but no token list is made as strings, which for a
    corpus of 100 million tokens is gigabytes. 12 bytes a non-zero cell.
    """
    from numbers import Integral

    if (tuple(options.ngram_range) != (1, 1) or options.max_features is not None
            or not (isinstance(options.min_df, Integral) and options.min_df == 1)
            or isinstance(options.max_df, Integral) or options.max_df != 1.0):
        return None
    from array import array

    from sklearn.feature_extraction.text import TfidfTransformer

    rank = np.zeros(0, dtype=np.int64)
    n_ranked = 0
    release_arrow_memory()
    lengths = array("q", [0])
    col_buf, count_buf = GrowingArray(np.int32), GrowingArray(np.float64)  # float64: what the matrix holds
    vocab = None
    for vocab, ids in toks.id_pairs():
        if vocab.n > len(rank):
            rank = np.concatenate([rank, np.full(vocab.n - len(rank), -1, dtype=np.int64)])
        distinct, first, counts = np.unique(ids, return_index=True, return_counts=True)
        r = rank[distinct]
        new = r < 0
        if new.any():  # scikit-learn numbers terms as they first occur, in document order
            fresh = distinct[new][np.argsort(first[new], kind="stable")]
            rank[fresh] = np.arange(n_ranked, n_ranked + len(fresh))
            n_ranked += len(fresh)
            r = rank[distinct]
        order = np.argsort(r, kind="stable")
        col_buf.extend(r[order])
        count_buf.extend(counts[order])
        lengths.append(lengths[-1] + len(distinct))
    if n_ranked == 0 or lengths[-1] > np.iinfo(np.int32).max:
        return None  # no terms: _fit raises scikit-learn's error; 2**31 cells: scikit-learn's int64 layout
    words = vocab.words
    by_rank: list[str] = [""] * n_ranked
    for j in np.flatnonzero(rank >= 0).tolist():
        by_rank[rank[j]] = words[j]
    sorted_terms = sorted(range(n_ranked), key=by_rank.__getitem__)
    position = np.empty(n_ranked, dtype=np.int32)
    position[sorted_terms] = np.arange(n_ranked, dtype=np.int32)
    cols, data = col_buf.finish(), count_buf.finish()
    del col_buf, count_buf
    for a in range(0, len(cols), 1 << 22):  # relabelled in place by sorted term, as scikit-learn does
        cols[a:a + (1 << 22)] = position[cols[a:a + (1 << 22)]]
    counts_matrix = sparse.csr_matrix((data, cols, np.frombuffer(lengths, dtype=np.int64).astype(np.int32)),
                                      shape=(len(lengths) - 1, n_ranked))
    vectorizer = options.vectorizer()
    vectorizer.vocabulary_ = {by_rank[k]: int(position[k]) for k in range(n_ranked)}
    vectorizer.fixed_vocabulary_ = False
    vectorizer._tfidf = TfidfTransformer(norm=vectorizer.norm, use_idf=vectorizer.use_idf,
                                         smooth_idf=vectorizer.smooth_idf, sublinear_tf=vectorizer.sublinear_tf)
    vectorizer._tfidf.fit(counts_matrix)
    # transformed a block of rows at a time into the matrix's own data (scikit-learn's transform takes
    # a temporary the size of the data); each row's values do not depend on the block
    indptr = counts_matrix.indptr
    r0 = 0
    while r0 < counts_matrix.shape[0]:
        r1 = int(np.searchsorted(indptr, indptr[r0] + _TFIDF_CELLS, side="right")) - 1
        r1 = min(max(r1, r0 + 1), counts_matrix.shape[0])
        block = vectorizer._tfidf.transform(counts_matrix[r0:r1], copy=False)
        data[indptr[r0]:indptr[r1]] = block.data
        r0 = r1
    return vectorizer, counts_matrix, [by_rank[k] for k in sorted_terms]


def _document_frequency(matrix: sparse.csr_matrix) -> np.ndarray:
    """Rows with a positive value, per column (``(matrix > 0).sum(axis=0)``), counted a block of cells at a time."""
    df = np.zeros(matrix.shape[1], dtype=np.int64)
    for a in range(0, matrix.nnz, _TFIDF_CELLS):
        block = matrix.indices[a:a + _TFIDF_CELLS]
        df += np.bincount(block[matrix.data[a:a + _TFIDF_CELLS] > 0], minlength=matrix.shape[1])
    return df.astype(int)


#: Non-zero cells scored at once by :func:`_fit_streamed`.
_TFIDF_CELLS = 1 << 22


@dataclass(frozen=True, eq=False, kw_only=True)
class TfidfResult:
    """A fitted TF-IDF model of a corpus.

    ``matrix`` (documents × terms, CSR) has rows in ``doc_ids`` order and columns in
    ``vocabulary`` order; ``idf`` and ``df`` (document frequency) follow the columns;
    ``meta`` holds one metadata row per document; ``vectorizer`` scores new token
    lists with this corpus's IDF (see :meth:`transform`). Made by :func:`tfidf`.

    >>> r = tfidf(["营商 环境", "营商 改革"], tokenizer=str.split)
    >>> r.matrix.shape, r.vocabulary, r.doc_ids
    ((2, 3), ['改革', '环境', '营商'], ['doc0', 'doc1'])
    >>> r.transform("改革 改革").toarray().round(2).tolist()
    [[1.0, 0.0, 0.0]]
    """

    matrix: sparse.csr_matrix
    vocabulary: list[str]
    doc_ids: list[str]
    idf: np.ndarray
    df: np.ndarray
    meta: pd.DataFrame
    vectorizer: TfidfVectorizer
    tokenizer: Any
    options: TfidfOptions

    def to_frame(self, n: int | None = None) -> pd.DataFrame:
        """Long table: metadata + ``term, tfidf, term_rank`` (1 = highest in its document); top ``n`` per document."""
        return _long_table(self.matrix, self.vocabulary, self.meta, "tfidf", n)

    def idf_frame(self) -> pd.DataFrame:
        """One row per term: ``term, df, idf``."""
        return pd.DataFrame({"term": self.vocabulary, "df": self.df, "idf": self.idf})

    def transform(self, texts: str | Iterable[str]) -> sparse.csr_matrix:
        """TF-IDF rows of new texts, scored with this corpus's vocabulary and IDF."""
        texts = [texts] if isinstance(texts, str) else list(texts)
        toks = tokens(texts, self.tokenizer, cache=False)
        return sparse.csr_matrix(self.vectorizer.transform([[t] for t in toks]))


def tfidf(
    corpus_or_texts: Tokens | Corpus | str | Iterable[str],
    by: str | Sequence[str] | None = None,
    *,
    tokenizer: TokenizerLike | None = None,
    n_jobs: int | None = None,
    cache: Any = True,
    combine: str = "mean",
    min_df: float = 1,
    max_df: float = 1.0,
    max_features: int | None = None,
    sublinear_tf: bool = True,
    ngram_range: tuple[int, int] = (1, 1),
    norm: str | None = "l2",
    smooth_idf: bool = True,
) -> TfidfResult:
    """TF-IDF of every document (or group of documents) over textmine's policy tokenization.

    Equal to ``TfidfVectorizer(tokenizer=tok, lowercase=False, token_pattern=None,
    preprocessor=None, ...)`` fitted on the texts, but reads the tokens of
    :func:`textmine.tokens` instead of segmenting again. See :class:`TfidfOptions`
    for why the defaults suit work reports.

    Parameters
    ----------
    corpus_or_texts : Tokens, Corpus, list of str or str
        A :class:`~textmine.tokenize.Tokens`, or anything :func:`textmine.tokens`
        tokenizes (with ``tokenizer``, ``n_jobs`` and ``cache``).
    by : str or list of str, optional
        Metadata column(s): one row per group (in order of first appearance),
        scored by ``combine``: ``"mean"`` averages the group's document vectors
        (IDF stays a document-level quantity, every document weighs the same);
        ``"concat"`` makes each group one pseudo-document and learns IDF over groups.
    min_df, max_df, max_features, sublinear_tf, ngram_range, norm, smooth_idf
        As in scikit-learn's ``TfidfVectorizer`` (see :class:`TfidfOptions`).

    Returns
    -------
    TfidfResult
        ``matrix`` (rows × terms, CSR), ``vocabulary``, ``doc_ids`` (group labels,
        values joined by ``" | "``, with ``by``), ``idf``, ``df``, ``meta`` (one row
        per row of ``matrix``); ``to_frame(n)`` gives the long DataFrame
        (metadata + ``term, tfidf, term_rank``) that :func:`top_terms` returns.

    Examples
    --------
    >>> r = tfidf(["营商 环境", "营商 改革"], tokenizer=str.split, sublinear_tf=False, norm=None)
    >>> r.to_frame()[["doc_id", "term", "tfidf", "term_rank"]].round(3).values.tolist()[:2]
    [['doc0', '环境', 1.405, 1], ['doc0', '营商', 1.0, 2]]
    """
    if combine not in _COMBINE:
        raise TextmineError(f"combine must be one of {', '.join(_COMBINE)}, got {combine!r}")
    toks = _tokens(corpus_or_texts, tokenizer, n_jobs, cache)
    options = TfidfOptions(min_df, max_df, max_features, sublinear_tf, tuple(ngram_range), norm, smooth_idf)
    meta = toks.meta_frame()
    if by is not None:
        groups, codes = _groups(meta, check_by(by, meta.columns))
        labels = [" | ".join(map(str, row)) for row in groups.drop(columns="n_docs").itertuples(index=False)]
    fitted = _fit_streamed(toks, options) if (by is None or combine == "mean") else None
    if fitted is not None:
        vectorizer, matrix, vocabulary = fitted
    else:
        lists = list(toks)
        if by is not None and combine == "concat":
            docs = [[lists[i] for i in np.flatnonzero(codes == g)] for g in range(len(groups))]
        else:
            docs = [[t] for t in lists]
        del lists
        vectorizer, matrix = _fit(docs, options)
        del docs
        vocabulary = [str(t) for t in vectorizer.get_feature_names_out()]
    result = TfidfResult(
        matrix=matrix,
        vocabulary=vocabulary,
        doc_ids=toks.doc_ids,
        idf=np.asarray(vectorizer.idf_, dtype=float),
        df=_document_frequency(matrix),
        meta=meta,
        vectorizer=vectorizer,
        tokenizer=toks.tokenizer,
        options=options,
    )
    if by is None:
        return result
    if combine == "mean":
        weights = sparse.csr_matrix((1.0 / groups["n_docs"].to_numpy()[codes], (codes, np.arange(len(codes)))),
                                    shape=(len(groups), len(codes)))
        matrix = sparse.csr_matrix(weights @ matrix)
    return replace(result, matrix=matrix, doc_ids=labels, meta=groups)


def _long_table(matrix: sparse.spmatrix, vocabulary: Sequence[str], rows: pd.DataFrame,
                score: str, n: int | None) -> pd.DataFrame:
    """Non-zero cells of a (rows × terms) matrix as a long table sorted by row, then score (descending), then term.

    Ranked a block of rows at a time (about :data:`_RANK_CELLS` cells), so
    ``n`` best terms per row out of millions of cells take memory for the
    ``n`` per row, not for every cell.
    """
    m = sparse.csr_matrix(matrix)
    terms = np.asarray(vocabulary, dtype=object)
    term_order = np.empty(len(terms), dtype=np.int64)  # each term's place in sorted order: ties on score
    term_order[np.argsort(terms, kind="stable")] = np.arange(len(terms))
    indptr = m.indptr.astype(np.int64)
    limit = None if n is None else int(n)
    parts: list[tuple[np.ndarray, ...]] = []
    r0 = 0
    while r0 < m.shape[0]:
        r1 = int(np.searchsorted(indptr, indptr[r0] + _RANK_CELLS, side="right")) - 1
        r1 = min(max(r1, r0 + 1), m.shape[0])
        a, b = indptr[r0], indptr[r1]
        row = np.repeat(np.arange(r0, r1), np.diff(indptr[r0:r1 + 1]))
        col, value = m.indices[a:b], m.data[a:b].astype(float)
        positive = value > 0
        row, col, value = row[positive], col[positive], value[positive]
        order = np.lexsort((term_order[col], -value, row))
        row, col, value = row[order], col[order], value[order]
        starts = np.flatnonzero(np.r_[True, row[1:] != row[:-1]]) if len(row) else np.zeros(0, dtype=np.int64)
        rank = np.arange(len(row)) - np.repeat(starts, np.diff(np.r_[starts, len(row)])) + 1
        if limit is not None:
            top = rank <= limit
            row, col, value, rank = row[top], col[top], value[top], rank[top]
        parts.append((row, col, value, rank))
        r0 = r1
    row, col, value, rank = (np.concatenate(p) for p in zip(*parts)) if parts else (
        np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0, dtype=np.int64))
    term = terms[col]
    if not len(col) and m.nnz:  # nothing kept: the dtype a column of the matrix's terms gets (str, not object)
        term = pd.Series(terms[m.indices[:1]]).iloc[:0]
    body = pd.DataFrame({"term": term, score: value, "term_rank": rank.astype(np.int64)})
    info = rows.iloc[row].reset_index(drop=True)
    return pd.concat([info, body], axis=1)


#: Cells ranked at once by :func:`_long_table`.
_RANK_CELLS = 1 << 20


def _groups(meta: pd.DataFrame, cols: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """Distinct value combinations of ``cols`` (first-appearance order) and each row's group number."""
    keys = meta[cols].astype(object).where(meta[cols].notna(), None)
    codes, labels = pd.factorize(pd.Series(list(map(tuple, keys.to_numpy()))), use_na_sentinel=False)
    table = pd.DataFrame([list(label) for label in labels], columns=cols)
    for col in cols:  # keep the original dtypes (e.g. year as Int64)
        try:
            table[col] = table[col].astype(meta[col].dtype)
        except (TypeError, ValueError):
            pass
    table["n_docs"] = np.bincount(codes, minlength=len(labels))
    return table, codes


def top_terms(
    corpus_or_texts: Tokens | Corpus | str | Iterable[str],
    n: int = 10,
    by: str | Sequence[str] | None = None,
    *,
    tokenizer: TokenizerLike | None = None,
    n_jobs: int | None = None,
    cache: Any = True,
    combine: str = "mean",
    **tfidf_options: Any,
) -> pd.DataFrame:
    """The ``n`` highest-TF-IDF terms of each document, or of each group of documents.

    ``tfidf(corpus_or_texts, by, combine=combine, **tfidf_options).to_frame(n)``.
    Without ``by``: one block per document (metadata + ``term, tfidf, term_rank``).
    With ``by`` (a metadata column or list of columns): one block per group
    (group columns + ``n_docs`` + ``term, tfidf, term_rank``), scored by ``combine``:

    - ``"mean"`` (default): the mean of the group's document vectors. IDF stays a
      document-level quantity (the same values as :func:`tfidf`), and every document
      weighs the same whatever its length, so one long report cannot speak for a
      group of short ones.
    - ``"concat"``: each group is one pseudo-document (its documents' counts added)
      and IDF is learned over groups. This asks "what sets this group apart from the
      other groups", but with few groups IDF takes few values (two groups: two); for
      a two-group contrast prefer :func:`keyness`.

    >>> t = top_terms(["营商 环境", "营商 改革", "改革 开放"], n=1, tokenizer=str.split)
    >>> t[["doc_id", "term", "term_rank"]].values.tolist()
    [['doc0', '环境', 1], ['doc1', '改革', 1], ['doc2', '开放', 1]]
    """
    toks = _tokens(corpus_or_texts, tokenizer, n_jobs, cache)
    return tfidf(toks, by, combine=combine, **tfidf_options).to_frame(n)


def _option_defaults() -> dict[str, Any]:
    return {f: getattr(TfidfOptions, f) for f in TfidfOptions.__dataclass_fields__}


# ---------------------------------------------------------------------------
# keyword extraction for one document


def _target_document(text_or_doc: Document | str, background: Corpus | None) -> Document:
    """The document to extract from: a Document, a doc_id of ``background``, or a plain text."""
    if isinstance(text_or_doc, Document):
        return text_or_doc
    if not isinstance(text_or_doc, str):
        raise TypeError(f"expected a Document or a string, got {type(text_or_doc).__name__}")
    if background is not None and text_or_doc in background.ids:
        return background[text_or_doc]
    return Document("doc0", text_or_doc, clean=False)


def _position(doc: Document, background: Corpus) -> int | None:
    """Index of ``doc`` in ``background`` (same id and text, or the same text), else None."""
    texts = background.texts
    if doc.doc_id in background.ids:
        i = background.ids.index(doc.doc_id)
        if texts[i] == doc.text:
            return i
    return texts.index(doc.text) if doc.text in texts else None


def extract_keywords(
    text_or_doc: Document | str,
    corpus: Tokens | Corpus | Iterable[str] | None = None,
    method: str = "tfidf",
    n: int | None = 20,
    *,
    tokenizer: TokenizerLike | None = None,
    n_jobs: int | None = None,
    cache: Any = True,
    window: int = 5,
    damping: float = 0.85,
    **tfidf_options: Any,
) -> pd.DataFrame:
    """Keywords of one document: metadata + ``term, score, term_rank, count``.

    ``text_or_doc`` is a :class:`Document`, a plain text, or (when ``corpus`` is
    given) one of the corpus's doc ids. ``corpus`` may be a :class:`~textmine.tokenize.Tokens`
    (its tokens and tokenizer are used); otherwise it is tokenized by :func:`textmine.tokens`
    with ``tokenizer``, ``n_jobs`` and ``cache``.

    ``method="tfidf"``: the document's TF-IDF vector with IDF learned from
    ``corpus`` (the document is added to it if not already there, so its own
    rare terms count). Without a corpus every IDF is equal and the ranking is by
    (sublinear) term frequency alone -- pass a corpus of comparable documents.

    ``method="textrank"``: PageRank (``damping``) on the graph whose nodes are the
    document's tokens and whose edges join tokens less than ``window`` positions
    apart inside one sentence, weighted by how often they do. Needs no corpus.
    TextRank measures centrality inside the text, not distinctiveness: on a work
    report its leaders are the words the report is built around (建设, 发展, 项目).
    For what sets a report apart, use ``"tfidf"`` with a corpus, or :func:`keyness`.

    Both use textmine's tokenizer, hence the policy dictionary and stopwords.

    >>> kw = extract_keywords("营商 环境 营商 改革", method="textrank", tokenizer=str.split)
    >>> kw[["term", "term_rank", "count"]].values.tolist()[0]
    ['营商', 1, 2]
    """
    if method not in _METHODS:
        raise TextmineError(f"method must be one of {', '.join(_METHODS)}, got {method!r}")
    toks = None if corpus is None else _tokens(corpus, tokenizer, n_jobs, cache)
    background = None if toks is None else toks.corpus
    tok = toks.tokenizer if toks is not None else tokenizer  # None: tokens() makes the default one
    doc = _target_document(text_or_doc, background)
    if method == "textrank":
        sentences = list(tokens([s for s in _SENTENCE_END.split(doc.text) if s.strip()], tok, cache=False))
        scores = _textrank(sentences, window=window, damping=damping)
        counts = Counter(t for s in sentences for t in s)
    else:
        scores, counts = _tfidf_scores(doc, toks, tok, tfidf_options)
    return _keyword_frame(doc, scores, counts, n)


def _tfidf_scores(doc: Document, background: Tokens | None, tok: TokenizerLike | None,
                  tfidf_options: Mapping[str, Any]) -> tuple[dict[str, float], Counter]:
    options = TfidfOptions(**{**_option_defaults(), **tfidf_options})
    index = None if background is None else _position(doc, background.corpus)
    token_lists = [] if background is None else list(background)
    if index is None:
        token_lists += list(tokens([doc.text], tok, cache=False))
        index = len(token_lists) - 1
    vectorizer, matrix = _fit([[tokens] for tokens in token_lists], options)
    row = matrix[index].tocoo()
    terms = vectorizer.get_feature_names_out()
    scores = {str(terms[j]): float(v) for j, v in zip(row.col, row.data)}
    counts = Counter(_Ngrams(options.ngram_range)([token_lists[index]]))
    return scores, counts


def _keyword_frame(doc: Document, scores: Mapping[str, float], counts: Counter, n: int | None) -> pd.DataFrame:
    """Metadata of ``doc`` + ``term, score, term_rank, count``, highest score first (ties: more frequent, then first seen)."""
    order = {t: i for i, t in enumerate(scores)}
    terms = sorted(scores, key=lambda t: (-scores[t], -counts.get(t, 0), order[t]))
    if n is not None:
        terms = terms[: int(n)]
    body = pd.DataFrame({
        "term": pd.Series(terms, dtype=object),
        "score": pd.Series([scores[t] for t in terms], dtype=float),
        "term_rank": pd.Series(range(1, len(terms) + 1), dtype=int),
        "count": pd.Series([counts.get(t, 0) for t in terms], dtype=int),
    })
    info = Corpus([doc]).meta_frame()
    info = info.iloc[[0] * len(body)].reset_index(drop=True)
    return pd.concat([info, body], axis=1)


def _textrank(sentences: Sequence[Sequence[str]], *, window: int = 5, damping: float = 0.85,
              tol: float = 1e-10, max_iter: int = 1000) -> dict[str, float]:
    """TextRank scores (summing to 1) of the tokens, in first-appearance order.

    Edge weight between two different tokens = number of times they occur fewer
    than ``window`` positions apart within a sentence. Weighted PageRank by power
    iteration; a token without neighbours spreads its weight uniformly.
    """
    if int(window) < 2:
        raise TextmineError(f"window must be at least 2 tokens, got {window!r}")
    if not 0 < damping < 1:
        raise TextmineError(f"damping must be between 0 and 1, got {damping!r}")
    index: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    for sentence in sentences:
        ids = [index.setdefault(t, len(index)) for t in sentence]
        for i, a in enumerate(ids):
            for b in ids[i + 1: i + int(window)]:
                if a != b:
                    rows += [a, b]
                    cols += [b, a]
    size = len(index)
    if size == 0:
        return {}
    weights = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(size, size))
    strength = np.asarray(weights.sum(axis=0)).ravel()
    dangling = strength == 0
    transition = weights @ sparse.diags(np.divide(1.0, strength, out=np.zeros(size), where=~dangling))
    rank = np.full(size, 1.0 / size)
    for _ in range(max_iter):
        new = (1 - damping) / size + damping * (transition @ rank + rank[dangling].sum() / size)
        done = np.abs(new - rank).sum() < tol
        rank = new
        if done:
            break
    rank = rank / rank.sum()
    return {t: float(rank[i]) for t, i in index.items()}


# ---------------------------------------------------------------------------
# keyness


def _select(corpus: Corpus, spec: Any, role: str) -> np.ndarray:
    """Boolean mask of the documents ``spec`` selects (see :func:`keyness`)."""
    docs = list(corpus)
    if callable(spec) and not isinstance(spec, (str, Mapping)):
        return np.array([bool(spec(d)) for d in docs], dtype=bool)
    if isinstance(spec, Mapping):
        known = set().union(*(d.meta for d in docs)) if docs else set()
        unknown = [k for k in spec if k not in known]
        if unknown:
            raise MetadataError(f"{role}={dict(spec)!r}: no metadata column {unknown[0]!r}; "
                                f"available: {', '.join(sorted(known))}")
        return np.array([all(_matches(d.meta.get(k), v) for k, v in spec.items()) for d in docs], dtype=bool)
    ids = [spec] if isinstance(spec, str) else [str(i) for i in spec]
    missing = [i for i in ids if i not in set(corpus.ids)]
    if missing:
        raise CorpusError(f"{role}: no document with doc_id {missing[0]!r}"
                          + (f" (nor {len(missing) - 1} more)" if len(missing) > 1 else ""))
    wanted = set(ids)
    return np.array([d.doc_id in wanted for d in docs], dtype=bool)


def _matches(value: Any, want: Any) -> bool:
    if isinstance(want, (list, tuple, set, frozenset)):
        return value in want
    return value == want


def _label(spec: Any) -> str:
    """A short human-readable description of a selection."""
    if spec is None:
        return "rest of corpus"
    if isinstance(spec, Mapping):
        return ", ".join(f"{k}={'|'.join(map(str, v)) if isinstance(v, (list, tuple, set, frozenset)) else v}"
                         for k, v in spec.items())
    if isinstance(spec, str):
        return spec
    if callable(spec):
        return getattr(spec, "__name__", "selection")
    ids = [str(i) for i in spec]
    return ", ".join(ids) if len(ids) <= 3 else f"{len(ids)} documents"


@dataclass(frozen=True)
class _Counts:
    """Feature counts per document (documents × features) and each document's total."""

    matrix: sparse.csr_matrix
    features: list[str]
    totals: np.ndarray


def _token_counts(toks: Tokens) -> _Counts:
    """Token counts per document (the DTM of the tokens) and tokens per document."""
    d = toks.dtm()
    return _Counts(d.matrix.astype(float), d.vocabulary, toks.n_tokens.astype(float))


def _slogan_counts(corpus: Corpus, slogans: Any) -> _Counts:
    from .frequency import load_slogans, slogan_frequency  # phrase counts on cleaned text, no segmentation

    names = [str(s) for s in load_slogans(slogans)["slogan"]]
    table = slogan_frequency(corpus, slogans)
    wide = table.pivot_table(index="doc_id", columns="slogan", values="count", aggfunc="sum", fill_value=0)
    wide = wide.reindex(index=corpus.ids, columns=names, fill_value=0)
    totals = np.array([d.n_chars for d in corpus], dtype=float)
    return _Counts(sparse.csr_matrix(wide.to_numpy(dtype=float)), names, totals)


def keyness_statistics(target_count: Any, reference_count: Any, target_total: Any, reference_total: Any,
                       *, correction: str = "default", exact: bool = False) -> pd.DataFrame:
    """Signed G², chi-square, PMI, their p-values and Log Ratio for 2×2 tables (vectorised).

    Table per feature: ``a`` = target count, ``b`` = reference count,
    ``c = target_total - a``, ``d = reference_total - b``, ``N`` = both totals.
    The definitions and corrections are quanteda's (``textstat_keyness``,
    quanteda.textstats ``src/keyness.cpp``):

    - ``chi2`` = N (|ad − bc| − N·δ)² / ((a+b)(c+d)(a+c)(b+d)).
    - ``g2`` = 2 Σ O ln(O/E) over the four cells (Dunning 1993; 0·ln 0 = 0).
    - ``correction``:

      - ``"default"`` and ``"yates"`` (the same, as in quanteda): Yates' δ = 0.5 only
        when |ad − bc| ≥ N/2 *and* an expected cell is below 5, else δ = 0. For chi2 the
        N/2 is taken off |ad − bc|; for G² each cell moves 0.5 towards independence
        (a − δ, b + δ, c + δ, d − δ when ad > bc) before the sum. R's
        ``chisq.test(correct=TRUE)`` instead corrects every table (by min(0.5, |O − E|)).
      - ``"williams"``: G² and chi2 are divided by Williams' q = 1 + (N/(a+b) + N/(c+d)
        − 1)(N/(a+c) + N/(b+d) − 1) / (6N); q = 1 when a cell is 0 (as quanteda). For
        chi2 quanteda's code multiplies by q; textmine divides, which gives the value
        quanteda's own test expects (4.017626 on its ``b b b b b b b a a a`` example).
      - ``"none"``: neither.
    - ``pmi`` = ln(a / E₁₁ + 10⁻⁹), E₁₁ = (a+b)(a+c)/N, quanteda's pointwise mutual
      information (the 10⁻⁹ is quanteda's: a feature absent from the target gets
      ln 10⁻⁹ ≈ −20.7, not −∞); no correction applies.
    - ``exact=True`` adds ``odds_ratio`` (the conditional maximum-likelihood estimate
      that R's ``fisher.test`` and quanteda's ``measure="exact"`` report) and
      ``p_exact`` (Fisher's exact test, two-sided); one test per distinct pair of counts.
    - g2 and chi2 are signed: positive when the feature is relatively more frequent in
      the target (a > E₁₁).
    - ``p_g2``, ``p_chi2``: upper tail of chi-square with 1 degree of freedom.
    - ``log_ratio`` = log2((a/target_total) / (b/reference_total)), Hardie's Log Ratio
      (each doubling of relative frequency adds 1); a zero count is replaced by 0.5
      so features absent from one side get a finite, conservative value.

    G² here is Dunning's formula exactly; quanteda adds 10⁻⁹ inside each logarithm, so
    its G² differs in about the ninth significant digit.

    >>> keyness_statistics([10], [0], [100], [100], correction="none")[["g2", "log_ratio"]].round(2).values.tolist()
    [[14.39, 4.32]]
    """
    if correction not in _CORRECTIONS:
        raise TextmineError(f"correction must be one of {', '.join(_CORRECTIONS)}, got {correction!r}")
    a = np.asarray(target_count, dtype=float)
    b = np.asarray(reference_count, dtype=float)
    tt = np.broadcast_to(np.asarray(target_total, dtype=float), a.shape)
    tr = np.broadcast_to(np.asarray(reference_total, dtype=float), a.shape)
    if np.any(a < 0) or np.any(b < 0) or np.any(a > tt) or np.any(b > tr):
        raise TextmineError("keyness: counts must lie between 0 and their group's total")
    c, d = tt - a, tr - b
    n = tt + tr
    row1, row2 = a + b, c + d      # feature / other tokens
    e11 = np.divide(row1 * tt, n, out=np.zeros_like(n), where=n > 0)
    diff = np.abs(a * d - b * c)
    delta = np.zeros_like(n)
    if correction in ("default", "yates"):
        small = np.zeros(a.shape, dtype=bool)
        with np.errstate(divide="ignore", invalid="ignore"):
            for row, col in ((row1, tt), (row1, tr), (row2, tt), (row2, tr)):
                small |= row * col / n < 5
        delta = np.where((diff >= n / 2) & small, 0.5, 0.0)
    q = np.ones_like(n)
    if correction == "williams":
        with np.errstate(divide="ignore", invalid="ignore"):
            q = 1 + (n / row1 + n / row2 - 1) * (n / tt + n / tr - 1) / (6 * n)
        q = np.where((a * b * c * d == 0) | ~np.isfinite(q), 1.0, q)
    # G²: cells moved delta towards independence (margins, hence expected counts, unchanged)
    toward = np.where(a * d - b * c > 0, -delta, delta)
    observed = (a + toward, b - toward, c - toward, d + toward)
    expected = (e11, row1 * tr / n, row2 * tt / n, row2 * tr / n)
    g2 = 2 * sum(_xlogy_ratio(o, e) for o, e in zip(observed, expected)) / q
    denom = row1 * row2 * tt * tr
    chi2 = np.divide(n * (diff - n * delta) ** 2, denom, out=np.zeros_like(n), where=denom > 0) / q
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(np.divide(a, e11, out=np.zeros_like(n), where=e11 > 0) + 1e-9)
    sign = np.sign(a * tr - b * tt)
    log_ratio = np.log2((np.where(a == 0, 0.5, a) / tt) / (np.where(b == 0, 0.5, b) / tr))
    g2 = np.maximum(g2, 0)  # rounding can leave -1e-15 for identical rates
    from scipy.stats import chi2 as _chi2
    frame = pd.DataFrame({
        "g2": sign * g2 + 0.0, "chi2": sign * chi2 + 0.0,  # + 0.0: no negative zeros
        "p_g2": _chi2.sf(g2, 1), "p_chi2": _chi2.sf(chi2, 1),
        "pmi": pmi, "log_ratio": log_ratio,
        "direction": np.where(sign > 0, "target", np.where(sign < 0, "reference", "none")),
    })
    if exact:
        frame["odds_ratio"], frame["p_exact"] = _fisher(a, b, c, d)
    return frame


def _fisher(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Conditional MLE odds ratio and two-sided Fisher p of each table [[a, c], [b, d]]."""
    from scipy.stats import fisher_exact
    from scipy.stats.contingency import odds_ratio

    cells = np.stack([a, b, c, d], axis=1).astype(np.int64)
    unique, inverse = np.unique(cells, axis=0, return_inverse=True)
    ratio, p = np.empty(len(unique)), np.empty(len(unique))
    for k, (ua, ub, uc, ud) in enumerate(unique):
        table = [[int(ua), int(uc)], [int(ub), int(ud)]]
        ratio[k] = odds_ratio(table, kind="conditional").statistic
        p[k] = fisher_exact(table).pvalue
    inverse = np.asarray(inverse).ravel()
    return ratio[inverse], p[inverse]


def _xlogy_ratio(observed: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """O ln(O/E), with 0 where O = 0."""
    safe = np.where(observed > 0, observed / np.where(expected > 0, expected, 1.0), 1.0)
    return np.where(observed > 0, observed * np.log(safe), 0.0)


def keyness(
    corpus_or_texts: Tokens | Corpus | str | Iterable[str],
    target: Any = None,
    reference: Any = None,
    *,
    by: str | Sequence[str] | None = None,
    tokenizer: TokenizerLike | None = None,
    n_jobs: int | None = None,
    cache: Any = True,
    measure: str = "g2",
    features: str = "tokens",
    slogans: Any = None,
    n: int | None = None,
    min_count: int = 5,
    min_docs: int = 1,
    correction: str = "default",
) -> pd.DataFrame:
    """Features a target group of documents uses significantly more (or less) than a reference.

    ``target`` and ``reference`` select documents by metadata (``{"rank": "副省级城市"}``;
    a list value matches any member), by doc id (one id or a list), or by a function
    ``Document -> bool``. ``reference=None`` means every document not in the target.
    With ``by`` (a metadata column or list of columns) instead of ``target``, each
    group in turn is the target against the rest of the corpus; the group columns lead.

    ``features="tokens"``: counts of the tokenizer's tokens; totals are each group's
    number of tokens *after* the tokenizer's filters (stopwords, punctuation, numbers).
    ``features="slogans"``: counts from :func:`textmine.frequency.slogan_frequency`
    (``slogans`` as that function takes them); totals are the groups' non-whitespace
    characters (``n_chars``), the denominator of every per-10,000 rate, so
    ``log_ratio`` is the log2 ratio of the two per-10,000 rates. Treating each character
    as a trial slightly overstates the number of chances to use a slogan; counts are
    tiny next to totals, so G² and chi-square hardly change.

    Features with ``target_count + reference_count < min_count`` are left out (tests on
    a handful of occurrences mean little). ``min_docs`` is a dispersion filter for group
    contrasts: a feature must occur in at least that many documents of the side it is
    characteristic of (``target_docfreq`` or ``reference_docfreq``). With a handful of
    documents per group, ``min_docs=2`` removes what one document alone says -- chiefly
    its place names -- and leaves what the group shares.

    ``measure`` is quanteda's: ``"g2"`` (quanteda's ``"lr"``), ``"chi2"``, ``"pmi"`` or
    ``"exact"`` (Fisher's exact test; adds the columns ``odds_ratio`` and ``p_exact`` and
    sorts by the odds ratio). ``correction`` (``"default"``, ``"yates"``, ``"williams"``,
    ``"none"``) applies to G² and chi2 with quanteda's meanings; PMI and the exact test
    take none (another value warns, as quanteda does). Rows are sorted by the measure
    (signed for G² and chi2), most characteristic of the target first, ties by feature;
    ``n`` keeps that many per comparison; ``p_value`` is the p-value of ``measure`` (NaN
    for PMI, which has no test). Statistics: see :func:`keyness_statistics`.

    >>> texts = ["营商 营商 营商 改革", "改革 改革 改革 营商"]
    >>> k = keyness(texts, ["doc0"], tokenizer=str.split, min_count=1)
    >>> k[["feature", "target_count", "reference_count", "direction"]].values.tolist()
    [['营商', 3, 1, 'target'], ['改革', 1, 3, 'reference']]
    """
    if measure not in _MEASURES:
        raise TextmineError(f"measure must be one of {', '.join(_MEASURES)}, got {measure!r}")
    if correction not in _CORRECTIONS:
        raise TextmineError(f"correction must be one of {', '.join(_CORRECTIONS)}, got {correction!r}")
    if measure in ("pmi", "exact") and correction not in ("default", "none"):
        warnings.warn(f"correction is always none for {measure}", UserWarning, stacklevel=2)
    if features not in ("tokens", "slogans"):
        raise TextmineError(f"features must be 'tokens' or 'slogans', got {features!r}")
    if (target is None) == (by is None):
        raise TextmineError("keyness needs either target= (with an optional reference=) or by=, not both")
    if features == "tokens":
        toks = _tokens(corpus_or_texts, tokenizer, n_jobs, cache)
        corpus, counts = toks.corpus, _token_counts(toks)
    else:  # phrase counts on the cleaned text: nothing to tokenize
        corpus = corpus_or_texts.corpus if isinstance(corpus_or_texts, Tokens) else as_corpus(corpus_or_texts)
        counts = _slogan_counts(corpus, slogans)
    settings = dict(measure=measure, n=n, min_count=min_count, min_docs=min_docs, correction=correction)
    if target is not None:
        mask = _select(corpus, target, "target")
        ref = ~mask if reference is None else _select(corpus, reference, "reference")
        return _compare(counts, mask, ref, _label(target), _label(reference), **settings)
    meta = corpus.meta_frame()
    groups, codes = _groups(meta, check_by(by, meta.columns))
    frames = []
    for g in range(len(groups)):
        if groups.loc[g, "n_docs"] == len(codes):
            continue  # the whole corpus: nothing to compare with
        mask = codes == g
        frame = _compare(counts, mask, ~mask, _label(groups.drop(columns="n_docs").iloc[g].to_dict()),
                         "rest of corpus", **settings)
        keys = groups.drop(columns="n_docs").iloc[[g] * len(frame)].reset_index(drop=True)
        frames.append(pd.concat([keys, frame], axis=1))
    if not frames:
        raise TextmineError(f"keyness by={by!r}: the corpus has a single group, nothing to compare")
    return pd.concat(frames, ignore_index=True)


def _check_groups(target: np.ndarray, reference: np.ndarray, target_label: str, reference_label: str) -> None:
    if not target.any():
        raise CorpusError(f"keyness: target {target_label!r} selects no documents")
    if not reference.any():
        raise CorpusError(f"keyness: reference {reference_label!r} selects no documents")
    if (target & reference).any():
        raise CorpusError(f"keyness: target {target_label!r} and reference {reference_label!r} "
                          f"share {int((target & reference).sum())} documents")


def _compare(counts: _Counts, target: np.ndarray, reference: np.ndarray, target_label: str,
             reference_label: str, *, measure: str, n: int | None, min_count: int, min_docs: int,
             correction: str) -> pd.DataFrame:
    """Keyness table of one target mask against one reference mask."""
    _check_groups(target, reference, target_label, reference_label)
    sub_t, sub_r = counts.matrix[target], counts.matrix[reference]
    a, b = np.asarray(sub_t.sum(axis=0)).ravel(), np.asarray(sub_r.sum(axis=0)).ravel()
    df_t, df_r = np.asarray((sub_t > 0).sum(axis=0)).ravel(), np.asarray((sub_r > 0).sum(axis=0)).ravel()
    tt, tr = counts.totals[target].sum(), counts.totals[reference].sum()
    if tt == 0 or tr == 0:
        raise TextmineError(f"keyness: the {'target' if tt == 0 else 'reference'} documents have "
                            f"nothing to count (total 0)")
    over = a * tr - b * tt  # > 0: relatively more frequent in the target
    spread = np.where(over > 0, df_t, np.where(over < 0, df_r, np.maximum(df_t, df_r)))
    keep = (a + b >= max(int(min_count), 1)) & (spread >= int(min_docs))
    stats = keyness_statistics(a[keep], b[keep], tt, tr, correction=correction, exact=measure == "exact")
    table = pd.DataFrame({
        "target": target_label, "reference": reference_label,
        "target_docs": int(target.sum()), "reference_docs": int(reference.sum()),
        "feature": pd.Series(np.asarray(counts.features, dtype=object)[keep], dtype=object),
        "target_count": a[keep].astype(int), "reference_count": b[keep].astype(int),
        "target_total": int(tt), "reference_total": int(tr),
        "target_docfreq": df_t[keep].astype(int), "reference_docfreq": df_r[keep].astype(int),
    })
    table = pd.concat([table, stats], axis=1)
    column, p_column = _MEASURE_COLUMNS[measure]
    table["p_value"] = table[p_column] if p_column else np.nan
    table = table.sort_values([column, "feature"], ascending=[False, True], kind="mergesort")
    if n is not None:
        table = table.head(int(n))
    table = table.reset_index(drop=True)
    table["feature_rank"] = np.arange(1, len(table) + 1)
    return table[_KEYNESS_COLUMNS + (["odds_ratio", "p_exact"] if measure == "exact" else [])]


_KEYNESS_COLUMNS = ["target", "reference", "target_docs", "reference_docs", "feature", "target_count",
                    "reference_count", "target_total", "reference_total", "target_docfreq",
                    "reference_docfreq", "log_ratio", "g2", "chi2", "pmi", "p_value", "direction", "feature_rank"]
