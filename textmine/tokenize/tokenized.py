"""A tokenized corpus: :func:`tokens` turns a corpus into :class:`Tokens`, which every analysis accepts.

The one path from a corpus to counts, in the spirit of quanteda's
corpus → tokens → dfm and of scikit-learn's ``build_analyzer``::

    corpus = load_corpus()
    toks = tokens(corpus)                   # segmentation, the on-disk cache, worker processes
    toks.dtm()                              # counts (scipy CSR) for scikit-learn / gensim
    term_frequency(toks), top_terms(toks), keyness(toks, ...), TopicModel().fit(toks)

A :class:`Tokens` is computed once, on first use, and then kept as one
vocabulary and int32 token ids (4 bytes a token), so every analysis given the
same object reuses it without segmenting again. With the cache on, the ids
stay in the corpus bundle the first pass wrote (or read) and are re-read from
that file a block at a time, so a corpus of 100 million tokens costs no
400 MB of memory; without a bundle they are kept in memory. If the cache is
cleared meanwhile, the next use tokenizes again (and gets the same tokens).

>>> toks = tokens(["推进乡村振兴", "优化营商环境,推进乡村振兴"], cache=False)
>>> list(toks)
[['乡村振兴'], ['营商环境', '乡村振兴']]
>>> len(toks), toks.doc_ids
(2, ['doc0', 'doc1'])
>>> toks.dtm().matrix.toarray().tolist()
[[1, 0], [1, 1]]
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from typing import TYPE_CHECKING, Any, Callable, Iterator

import numpy as np

from ..corpus import Corpus, Document, as_corpus
from .cache import Bundle, TokenCache
from .stream import Vocab, corpus_identity, id_stream
from .tokenizer import Tokenizer

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .dtm import DocumentTermMatrix

__all__ = ["tokens", "Tokens", "as_tokens"]

TokenizerLike = Callable[[str], list]
CacheLike = "bool | TokenCache | str | os.PathLike"

log = logging.getLogger(__name__)


def tokens(corpus_or_texts: Any, tokenizer: TokenizerLike | None = None, *, n_jobs: int | None = None,
           cache: bool | TokenCache | str | os.PathLike = True, progress: bool | None = None) -> "Tokens":
    """Tokenize a corpus: the one function every analysis goes through.

    Parameters
    ----------
    corpus_or_texts : Corpus, list of str or str
        A textmine :class:`~textmine.corpus.Corpus` (a lazily loaded one
        streams: no more than a chunk of texts is held at once), a list of
        strings (ids ``doc0``, ``doc1``, …) or one string.
    tokenizer : Tokenizer or callable, optional
        A :class:`~textmine.tokenize.Tokenizer` (default: ``Tokenizer()``, the
        policy dictionary and stopwords) or any ``str -> list[str]`` callable
        (``str.split``); a plain callable runs here, without cache or workers.
    n_jobs : int, optional
        Worker processes, scikit-learn's convention: None = 1 (or the
        ``n_jobs`` of an enclosing ``joblib.parallel_config``), -1 = all cores.
        The documents go in chunks through joblib, so the active backend decides
        where they run (loky processes by default, a Dask cluster inside
        ``joblib.parallel_backend("dask")``). Tokens equal the serial ones.
    cache : bool, TokenCache or path
        True: the on-disk token cache in ``$TEXTMINE_CACHE_DIR`` (default
        ``~/.cache/textmine/tokens``); a folder or :class:`TokenCache`: that
        cache; False: none. A corpus tokenized whole before -- same documents,
        files unchanged -- is read from one bundle file: nothing is read,
        hashed or segmented (see :mod:`textmine.tokenize.cache`).
    progress : bool, optional
        A progress bar: None shows it on a terminal after a second, True always, False never.

    Returns
    -------
    Tokens
        Computed on first use and kept (as ids) for every later use.

    Examples
    --------
    >>> toks = tokens("加快发展新质生产力", cache=False)
    >>> list(toks)
    [['发展', '新质生产力']]
    >>> list(tokens(["发展 新质生产力"], str.split))
    [['发展', '新质生产力']]
    """
    tok = Tokenizer() if tokenizer is None else tokenizer
    if not callable(tok):
        raise TypeError(f"tokenizer must be a Tokenizer or a str -> list[str] callable, not {type(tok).__name__}")
    return Tokens(_corpus_of(corpus_or_texts), tokenizer=tok, n_jobs=n_jobs, cache=cache, progress=progress)


def _corpus_of(items: Any) -> Corpus:
    """A corpus from what :func:`tokens` accepts: a Corpus, a str, or items that are str or have a ``.text`` str."""
    if isinstance(items, (Corpus, str, Document)):
        return as_corpus(items)
    items = list(items)
    if all(isinstance(x, str) for x in items) or all(isinstance(x, Document) for x in items):
        return as_corpus(items)
    docs = []
    for i, item in enumerate(items):
        text = item if isinstance(item, str) else getattr(item, "text", None)
        if not isinstance(text, str):
            raise TypeError(f"item {i}: expected a str or a document with a .text str, got {type(item).__name__}")
        docs.append(item if isinstance(item, Document)
                    else Document(str(getattr(item, "doc_id", f"doc{i}")), text, clean=False))
    return Corpus(docs)


def as_tokens(corpus_or_tokens: Any, tokenizer: TokenizerLike | None = None, *, n_jobs: int | None = None,
              cache: bool | TokenCache | str | os.PathLike = True) -> "Tokens":
    """``corpus_or_tokens`` itself if it is a :class:`Tokens`, else :func:`tokens` of it.

    What every analysis calls first. Passing a ``Tokens`` together with another
    tokenizer is an error (its tokens were made by its own).

    >>> toks = tokens(["发展 改革"], str.split)
    >>> as_tokens(toks) is toks
    True
    """
    if isinstance(corpus_or_tokens, Tokens):
        if tokenizer is not None and tokenizer is not corpus_or_tokens.tokenizer:
            raise ValueError("got a Tokens and another tokenizer: a Tokens keeps the tokenizer that made it "
                             "(pass tokens(corpus, tokenizer) instead)")
        return corpus_or_tokens
    return tokens(corpus_or_tokens, tokenizer, n_jobs=n_jobs, cache=cache)


class Tokens:
    """A tokenized corpus: token lists in corpus order, the documents' metadata, a DTM, a fingerprint.

    Made by :func:`tokens`. Iterating gives one ``list[str]`` per document in
    corpus order. The tokens are computed on first use (in the first
    iteration, streamed; or by :meth:`dtm`) and kept as one vocabulary and
    int32 ids, so later uses do not segment again: in the corpus bundle of
    the cache, re-read a block at a time, or, without one
    (``cache=False``, a plain callable, a bundle that could not be written), in memory.

    Attributes
    ----------
    corpus : Corpus
        The documents (and their metadata).
    tokenizer : Tokenizer or callable
        What made the tokens.
    n_jobs, cache, progress
        As given to :func:`tokens`.

    Examples
    --------
    >>> toks = tokens(["营商 环境 营商", "改革"], str.split)
    >>> toks.n_tokens.tolist(), toks.meta_frame()["doc_id"].tolist()
    ([3, 1], ['doc0', 'doc1'])
    >>> toks.to_frame()[["doc_id", "n_tokens"]].values.tolist()
    [['doc0', 3], ['doc1', 1]]
    """

    def __init__(self, corpus: Corpus, *, tokenizer: TokenizerLike, n_jobs: int | None = None,
                 cache: bool | TokenCache | str | os.PathLike = True, progress: bool | None = None) -> None:
        self.corpus = corpus
        self.tokenizer = tokenizer
        self.n_jobs = n_jobs
        self.cache = cache
        self.progress = progress
        self._words: list[str] | None = None   # vocabulary, once computed
        self._table: np.ndarray | None = None  # the same words as an object array (for lists sharing str objects)
        self._ids: np.ndarray | None = None    # every document's ids, one after another
        self._offsets: np.ndarray | None = None
        self._bundle: Bundle | None = None     # or the ids stay in this corpus bundle (a file of the cache)
        self._no_bundle = False                # a bundle could not be made: keep the ids in memory
        self._fingerprint: str | None = None

    # -- the sequence of token lists ---------------------------------------------------

    def __len__(self) -> int:
        return len(self.corpus)

    def __iter__(self) -> Iterator[list[str]]:
        for vocab, ids in self.id_pairs():
            yield vocab.lists(ids)

    def __getitem__(self, i: int) -> list[str]:
        """The token list of document ``i`` (a position, or a doc_id)."""
        if isinstance(i, str):
            i = self.doc_ids.index(i)
        self._compute()
        a, b = int(self._offsets[i]), int(self._offsets[i + 1])
        if self._bundle is None:
            return self._table.take(self._ids[a:b]).tolist()
        try:
            return self._table.take(self._bundle.read(a, b)).tolist()
        except OSError as exc:
            self._drop_bundle(exc)
            return self[i]

    def __repr__(self) -> str:
        state = f", {int(self._offsets[-1]):,} tokens" if self._offsets is not None else ""
        return f"Tokens({len(self)} documents{state}, tokenizer={self.tokenizer!r})"

    def id_pairs(self) -> Iterator[tuple[Vocab, np.ndarray]]:
        """``(vocabulary, int32 ids)`` per document in corpus order: what :meth:`dtm` counts.

        The first full pass computes and keeps the tokens; it streams (a
        document at a time) from the tokenization run.
        """
        if self._bundle is not None:
            try:
                docs = self._bundle.docs()
            except OSError as exc:
                self._drop_bundle(exc)
            else:
                vocab = Vocab(self._words)
                for ids in docs:
                    yield vocab, ids
                return
        if self._ids is not None:
            vocab = Vocab(self._words)
            offsets = self._offsets.tolist()
            for a, b in zip(offsets[:-1], offsets[1:]):
                yield vocab, self._ids[a:b]
            return
        sink: dict | None = None if self._no_bundle else {}
        parts, lengths, vocab = [], [0], None
        full = False
        try:
            for vocab, ids in self._run(sink):
                if not sink:  # no bundle will hold the ids: keep them here
                    parts.append(ids)
                lengths.append(len(ids))
                yield vocab, ids
            full = len(lengths) - 1 == len(self.corpus)
        finally:
            made = sink.get("bundle") if sink else None
            if full and isinstance(made, Bundle):  # a full pass: the bundle keeps the ids (stopped early: nothing)
                self._use_bundle(made)
        if full and self._bundle is None:
            if sink:  # the bundle could not be written (its ids were not kept): the next pass keeps them here
                self._no_bundle = True
            else:
                self._keep(vocab.words if vocab is not None else [], parts, lengths)

    def _run(self, sink: dict | None = None) -> Iterator[tuple[Vocab, np.ndarray]]:
        if isinstance(self.tokenizer, Tokenizer):
            yield from id_stream(self.tokenizer, self.corpus, n_jobs=self.n_jobs, cache=self.cache,
                                 progress=self.progress, bundle_sink=sink)
            return
        vocab = Vocab()  # any str -> list[str] callable: here, one document at a time
        for doc in self.corpus:
            yield vocab, vocab.add(self.tokenizer(doc.text))

    def _keep(self, words: list[str], parts: list[np.ndarray], lengths: list[int]) -> None:
        self._words = words
        self._table = np.empty(len(words), dtype=object)
        self._table[:] = words
        self._ids = np.concatenate(parts).astype(np.int32, copy=False) if parts else np.zeros(0, np.int32)
        self._offsets = np.cumsum(lengths, dtype=np.int64)

    def _use_bundle(self, bundle: Bundle) -> None:
        self._bundle = bundle
        self._words = bundle.words
        self._table = np.empty(len(bundle.words), dtype=object)
        self._table[:] = bundle.words
        self._offsets = np.asarray(bundle.offsets, dtype=np.int64)

    def _drop_bundle(self, exc: OSError) -> None:
        """The bundle is gone (the cache was cleared) or replaced: forget it, so the next pass tokenizes again."""
        log.info("%s; tokenizing again", exc)
        self._bundle = self._words = self._table = self._offsets = None

    def _compute(self) -> None:
        for _ in range(2):  # a second pass only when the first one's bundle could not be written
            if self._ids is not None or self._bundle is not None:
                return
            for _ in self.id_pairs():
                pass

    # -- views ------------------------------------------------------------------------

    @property
    def doc_ids(self) -> list[str]:
        """Document ids in corpus order."""
        return self.corpus.ids

    @property
    def n_tokens(self) -> np.ndarray:
        """Tokens per document (int64), in corpus order."""
        self._compute()
        return np.diff(self._offsets)

    @property
    def vocabulary(self) -> list[str]:
        """Every distinct token, in order of first occurrence."""
        self._compute()
        return list(self._words)

    def meta_frame(self) -> "pd.DataFrame":
        """One row per document: its metadata (see :meth:`textmine.corpus.Corpus.meta_frame`)."""
        return self.corpus.meta_frame()

    def to_frame(self) -> "pd.DataFrame":
        """One row per document: metadata, ``n_chars`` and ``n_tokens``."""
        frame = self.corpus.to_frame()
        frame["n_tokens"] = self.n_tokens
        return frame

    def dtm(self, *, min_df: int | float = 1, vocabulary: Any = None) -> DocumentTermMatrix:
        """The document-term matrix of these tokens (see :func:`textmine.dtm`).

        >>> tokens(["发展 改革 发展"], str.split).dtm().to_frame().values.tolist()
        [['doc0', '发展', 2], ['doc0', '改革', 1]]
        """
        from .dtm import build_dtm  # scipy and pandas: not loaded by a run that only reads token lists

        return build_dtm(self.id_pairs(), self.doc_ids, min_df=min_df, vocabulary=vocabulary)

    @property
    def fingerprint(self) -> str:
        """sha256 of which corpus (ids, metadata, texts or files) and which tokenizer settings made these tokens.

        >>> a, b = tokens(["发展"], cache=False), tokens(["发展"], cache=False)
        >>> a.fingerprint == b.fingerprint != tokens(["改革"], cache=False).fingerprint
        True
        """
        if self._fingerprint is None:
            h = hashlib.sha256()
            if isinstance(self.tokenizer, Tokenizer):
                h.update(corpus_identity(self.tokenizer, self.corpus).encode())
            else:  # a plain callable: its name and the texts
                name = getattr(self.tokenizer, "__qualname__", type(self.tokenizer).__qualname__)
                h.update(f"callable|{getattr(self.tokenizer, '__module__', '')}.{name}\n".encode())
                for doc in self.corpus:
                    h.update(TokenCache.key(doc.text, "").encode())
            for doc in self.corpus:
                h.update(json.dumps([doc.doc_id, doc.meta], sort_keys=True, ensure_ascii=False,
                                    default=str).encode("utf-8"))
            self._fingerprint = h.hexdigest()
        return self._fingerprint
