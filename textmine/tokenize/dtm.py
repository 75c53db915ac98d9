"""The document-term matrix: token counts of a tokenized corpus, for scikit-learn and gensim.

>>> from textmine.tokenize.stream import Vocab
>>> v = Vocab()
>>> d = build_dtm([(v, v.add(["发展", "营商环境", "发展"])), (v, v.add(["改革"]))], ["a", "b"])
>>> d.vocabulary, d.matrix.toarray().tolist()
(['发展', '改革', '营商环境'], [[2, 0, 1], [0, 1, 0]])
"""

from __future__ import annotations

import math
import sys
from array import array
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from gensim.corpora import Dictionary
    from scipy import sparse

__all__ = ["DocumentTermMatrix", "build_dtm", "release_arrow_memory", "GrowingArray"]


@dataclass(frozen=True)
class DocumentTermMatrix:
    """Token counts: ``matrix`` (scipy CSR, documents × terms), ``vocabulary``, ``doc_ids``.

    Made by :func:`textmine.dtm` or :meth:`textmine.Tokens.dtm`.

    >>> from textmine import tokens
    >>> d = tokens(["发展 改革 发展"], str.split).dtm()
    >>> d.shape, d.to_frame().values.tolist()
    ((1, 2), [['doc0', '发展', 2], ['doc0', '改革', 1]])

    ``matrix`` feeds scikit-learn directly
    (``TfidfTransformer().fit_transform(d.matrix)``); :meth:`to_gensim` gives
    gensim's bag-of-words with a Dictionary using the same term ids.
    """

    matrix: sparse.csr_matrix
    vocabulary: list[str]
    doc_ids: list[str]

    @property
    def shape(self) -> tuple[int, int]:
        return self.matrix.shape

    def to_gensim(self) -> "tuple[list[list[tuple[int, int]]], Dictionary]":
        """``(bow, dictionary)``: per document ``[(term id, count), …]`` and a gensim Dictionary.

        Term id ``j`` is column ``j`` of ``matrix`` and ``vocabulary[j]``.
        """
        from gensim.corpora import Dictionary

        m = self.matrix
        bow = [list(zip(m.indices[a:b].tolist(), m.data[a:b].tolist()))
               for a, b in zip(m.indptr[:-1], m.indptr[1:])]
        dictionary = Dictionary()
        dictionary.token2id = {term: j for j, term in enumerate(self.vocabulary)}
        dfs = np.bincount(m.indices, minlength=len(self.vocabulary))
        cfs = np.asarray(m.sum(axis=0)).ravel()
        dictionary.dfs = {j: int(v) for j, v in enumerate(dfs)}
        dictionary.cfs = {j: int(v) for j, v in enumerate(cfs)}
        dictionary.num_docs = m.shape[0]
        dictionary.num_pos = int(cfs.sum())
        dictionary.num_nnz = int(m.nnz)
        return bow, dictionary

    def to_frame(self) -> pd.DataFrame:
        """Tidy non-zero cells: ``doc_id, feature, count``."""
        coo = self.matrix.tocoo()
        order = np.lexsort((coo.col, coo.row))
        return pd.DataFrame({
            "doc_id": np.asarray(self.doc_ids, dtype=object)[coo.row[order]],
            "feature": np.asarray(self.vocabulary, dtype=object)[coo.col[order]],
            "count": coo.data[order].astype(np.int64),
        })


def build_dtm(stream: Iterable[tuple[Any, np.ndarray]], doc_ids: list[str], *,
                        min_df: int | float = 1, vocabulary: Iterable[str] | None = None) -> DocumentTermMatrix:
    """CSR counts from ``(vocabulary, ids)`` per document (:meth:`Tokens.id_pairs`), one document at a time.

    Each document's ids are counted with ``np.unique``; the columns are then
    renumbered into sorted term order (or the order of ``vocabulary``). The
    columns and counts go straight into two growing buffers in the matrix's
    own types (int32 columns, int64 counts: 12 bytes a non-zero cell, renumbered
    in place), so building the matrix takes little more memory than the matrix.
    """
    release_arrow_memory()
    lengths = array("q", [0])
    col_buf, count_buf = GrowingArray(np.int32), GrowingArray(np.int64)
    vocab = None
    for vocab, ids in stream:
        cols, counts = np.unique(ids, return_counts=True)
        col_buf.extend(cols)
        count_buf.extend(counts)
        lengths.append(lengths[-1] + len(cols))
    words: list[str] = vocab.words if vocab is not None else []
    n_docs = len(lengths) - 1
    cols, counts = col_buf.finish(), count_buf.finish()
    del col_buf, count_buf
    if vocabulary is not None:
        index: dict[str, int] = {}
        for term in vocabulary:
            if term in index:
                raise ValueError(f"vocabulary lists {term!r} twice")
            index[term] = len(index)
        terms = list(index)
        column = np.array([index.get(w, -1) for w in words], dtype=np.int32)
    else:
        df = np.zeros(len(words), dtype=np.int64)
        for a in range(0, len(cols), _BLOCK):  # bincount casts to int64: a block at a time
            df += np.bincount(cols[a:a + _BLOCK], minlength=len(words))
        present = np.flatnonzero(df >= max(1, _min_docs(min_df, n_docs)))
        order = sorted(present.tolist(), key=words.__getitem__)
        terms = [words[j] for j in order]
        column = np.full(len(words), -1, dtype=np.int32)
        column[order] = np.arange(len(order), dtype=np.int32)
    for a in range(0, len(cols), _BLOCK):  # renumbered in place, a block at a time
        cols[a:a + _BLOCK] = column[cols[a:a + _BLOCK]]
    indptr = np.frombuffer(lengths, dtype=np.int64)
    keep = cols >= 0
    if not keep.all():
        indptr = np.concatenate(([0], np.cumsum(keep)))[indptr]
        cols, counts = cols[keep], counts[keep]
    del keep
    from scipy import sparse  # imported when a matrix is built: a report of cached figures needs none

    matrix = sparse.csr_matrix((counts, cols, indptr), shape=(n_docs, len(terms)))
    matrix.sort_indices()
    return DocumentTermMatrix(matrix=matrix, vocabulary=terms, doc_ids=list(doc_ids))


class GrowingArray:
    """A 1-D array filled by appending, in a buffer that is a memory map of its own from the start.

    The first buffer is just above the size from which the C allocator
    always maps memory (32 MB; untouched pages cost nothing), so growing it is
    a ``realloc`` the kernel does by remapping (no copy, no second buffer) and
    freeing it gives the memory back to the system at once. A buffer grown
    from a small one inside the heap would stay in the process after it is freed.

    >>> g = GrowingArray(np.int32)
    >>> g.extend(np.array([1, 2])); g.extend(np.array([3]))
    >>> g.finish().tolist()
    [1, 2, 3]
    """

    FIRST_BYTES = (32 << 20) + (64 << 10)

    def __init__(self, dtype: Any) -> None:
        self.dtype = np.dtype(dtype)
        self._a = np.empty(self.FIRST_BYTES // self.dtype.itemsize, dtype=self.dtype)
        self.n = 0

    def extend(self, values: np.ndarray) -> None:
        end = self.n + len(values)
        if end > len(self._a):
            self._a.resize(max(end, len(self._a) * 3 // 2), refcheck=False)  # realloc: remapped, not copied
        self._a[self.n:end] = values
        self.n = end

    def finish(self) -> np.ndarray:
        """The values appended (this buffer, shrunk in place); the GrowingArray is not to be used after."""
        a, self._a = self._a, None
        a.resize(self.n, refcheck=False)
        return a


def release_arrow_memory() -> None:
    """Give back to the system the memory pyarrow's allocator keeps after pandas' string columns are freed.

    pandas keeps text columns in Arrow arrays, whose allocator holds on to
    freed memory (a long table of a million rows leaves hundreds of MB
    behind). Called before a step that needs much memory of its own (a
    document-term matrix, TF-IDF) and after one that built a large table.
    Does nothing if pyarrow was never imported.
    """
    pa = sys.modules.get("pyarrow")
    if pa is not None:
        try:
            pa.default_memory_pool().release_unused()
        except (AttributeError, NotImplementedError):  # pragma: no cover - older pyarrow
            pass


#: Non-zero cells renumbered at once.
_BLOCK = 1 << 22


def _min_docs(min_df: int | float, n_docs: int) -> int:
    if isinstance(min_df, (bool, np.bool_)) or not isinstance(min_df, (int, float, np.integer, np.floating)):
        raise TypeError(f"min_df must be an int or a float, got {min_df!r}")
    if isinstance(min_df, (float, np.floating)) and not float(min_df).is_integer():
        if not 0 < min_df < 1:
            raise ValueError(f"min_df as a share must be in (0, 1), got {min_df}")
        return math.ceil(min_df * n_docs)
    if min_df < 1:
        raise ValueError(f"min_df must be at least 1 document, got {min_df}")
    return int(min_df)


