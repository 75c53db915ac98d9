"""Topic models (LDA): which themes each report spends its words on.

:class:`TopicModel` fits gensim's :class:`~gensim.models.LdaModel` on the policy
tokenization (:class:`textmine.tokenize.Tokenizer`) and hands every result back
as a tidy DataFrame: top terms per topic, topic shares per unit, and topic
prevalence by any metadata column (``place``, ``level``, ``year`` …).
:func:`select_k` compares numbers of topics by coherence.

**Units.** LDA needs many documents: a dozen reports give it a dozen
word-count vectors to learn from, which is far too few to separate themes.
A work report, though, is written as a sequence of paragraphs that each take up
one task (科技创新, 营商环境, 民生 …). So the model can be fitted on

- ``unit="paragraph"``: the paragraphs of every report (:func:`textmine.sections.paragraphs`),
  each carrying its report's metadata (``doc_id`` = the report, ``unit_id`` = the paragraph);
- ``unit="section"``: the numbered items (（一）, （二）…) of every report
  (:func:`textmine.sections.section_corpus`), coarser than paragraphs;
- ``unit="document"``: whole reports;
- ``unit="auto"`` (default): paragraphs when the corpus has fewer than
  :data:`AUTO_PARAGRAPH_BELOW` (50) documents, whole documents otherwise.

Results are always mapped back to the reports: :meth:`TopicModel.prevalence`
weights each unit by its token count, so a report's topic mixture is the share
of its (modelled) words that each topic accounts for, whatever the unit.

**Vocabulary.** Terms found in fewer than ``no_below`` units, in fewer than
``min_docs`` different reports (a word only one report uses -- its place name,
its local projects -- marks the report, not a theme) or in more than ``no_above``
of the units are dropped; then the ``keep_n`` most widespread terms are kept
(ties: higher total count, then the term). ``no_above=None`` means 0.25 for
paragraph and section units (a word in a quarter of all paragraphs, such as 发展,
is report boilerplate, not a theme) and 0.5 for whole documents (where a policy
term in most reports is still worth modelling). Term ids follow the sorted
terms, so the dictionary does not depend on hash seeds or insertion order.
Units left with fewer than ``min_tokens`` vocabulary tokens are dropped
(listed in ``TopicModel.dropped_``).

**Reproducibility.** The same corpus, tokenizer settings and ``seed`` give
bit-identical topics and shares, in one process or across processes: the model
is the single-process ``LdaModel`` with ``random_state=seed`` (gensim documents
``LdaMulticore`` as non-deterministic, so it is not used), document-topic shares
are inferred once, right after training, and coherence runs with ``processes=1``.

**Topic numbers** are 0-based and identical to gensim's (``model_.show_topic(0)``
is topic 0 everywhere: tables, labels, saved models and the pyLDAvis page).

Typical use (the bundled corpus: about 30 s with K chosen over 3..10, 5 s with a fixed K)::

    tm = TopicModel(seed=0).fit(load_corpus())   # paragraphs; K by select_k
    tm.selection_                                # k, c_v, u_mass, chosen
    tm.labels()                                  # topic -> "增长·经济·投资"
    tm.topic_terms(10)                           # topic, rank, term, weight
    tm.prevalence(by="place")                    # place, topic, share, n_units, n_tokens

>>> texts = ["发展 新质 生产力 科技 创新 产业 发展 创新",
...          "优化 营商 环境 企业 服务 改革 环境 企业",
...          "科技 创新 产业 升级 新质 生产力 科技 产业",
...          "营商 环境 改革 企业 服务 优化 服务 改革"]
>>> tm = TopicModel(k=2, unit="document", tokenizer=str.split, no_below=1, no_above=1.0,
...                 min_tokens=1, passes=5).fit(texts)
>>> tm.doc_topics().groupby("unit_id")["share"].sum().round(9).tolist()
[1.0, 1.0, 1.0, 1.0]
>>> sorted(tm.topic_terms(n=3)["topic"].unique().tolist())
[0, 1]
"""

from __future__ import annotations

__all__ = ["TopicModel", "select_k", "topic_prevalence", "build_dictionary", "resolve_unit",
           "resolve_no_above", "UNITS", "DEFAULT_K_RANGE", "AUTO_PARAGRAPH_BELOW"]

import json
import os
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import pandas as pd

from ._io import write_text_atomic
from .corpus import Corpus, as_corpus
from .errors import TextmineError
from .schema import META_COLUMNS
from .tokenize.tokenized import Tokens, tokens

#: Below this many documents ``unit="auto"`` models paragraphs instead of whole documents.
AUTO_PARAGRAPH_BELOW = 50

#: Unit kinds :class:`TopicModel` accepts.
UNITS = ("auto", "paragraph", "section", "document")

#: Numbers of topics :func:`select_k` (and ``TopicModel(k="auto")``) compare by default.
DEFAULT_K_RANGE = range(3, 11)

_FORMAT = "textmine.topics/1"
_SIDECAR = "textmine_topics.json"
_MODEL_FILE = "lda.gensim"
_DICT_FILE = "dictionary.txt"
_THETA_FILE = "doc_topics.npy"
_UNIT_META = ("part", "section_no")  # unit metadata kept besides the report's (textmine.sections)


# ---------------------------------------------------------------------------
# preparing units, vocabulary and bag-of-words


@dataclass
class _Prepared:
    """Everything the LDA fits share: units, their tokens, the dictionary and BoW vectors."""

    unit: str
    units: pd.DataFrame            # kept units: unit_id, doc_id, metadata, (part), n_tokens
    dropped: pd.DataFrame          # units with fewer than min_tokens vocabulary tokens
    texts: list[list[str]]         # full token lists of kept units (coherence windows)
    dictionary: Any                # gensim Dictionary (ids in sorted-term order)
    bow: list[list[tuple[int, int]]]
    fingerprint: str | None


def resolve_unit(unit: str, n_documents: int) -> str:
    """The unit kind ``unit="auto"`` stands for with ``n_documents`` documents.

    >>> resolve_unit("auto", 11), resolve_unit("auto", 200), resolve_unit("section", 11)
    ('paragraph', 'document', 'section')
    """
    if unit not in UNITS:
        raise TextmineError(f"unknown unit {unit!r}; choose one of {', '.join(UNITS)}")
    if unit != "auto":
        return unit
    return "paragraph" if n_documents < AUTO_PARAGRAPH_BELOW else "document"


def _unit_corpus(corpus: Corpus, unit: str, min_chars: int) -> Corpus:
    """The corpus of modelling units: documents, paragraphs or numbered sections."""
    if unit == "document":
        return corpus
    from .sections import paragraphs, section_corpus

    return paragraphs(corpus, min_chars=min_chars) if unit == "paragraph" else section_corpus(corpus)


def _units_frame(units: Corpus, corpus: Corpus, unit: str) -> pd.DataFrame:
    """One row per unit: ``unit_id``, its report's ``doc_id`` and metadata, and (for parts) ``part``, ``section_no``.

    Report metadata is read from the parent report itself, so a unit's own keys
    (e.g. a heading level) never shadow the report's ``level``.
    """
    extra = list(_UNIT_META) if unit != "document" else []
    rows = []
    for doc in units:
        parent = corpus[doc.meta["parent_id"]] if unit != "document" else doc
        row = {"unit_id": doc.doc_id, "doc_id": parent.doc_id}
        row.update({c: parent.meta.get(c) for c in META_COLUMNS if c != "doc_id"})
        row.update({c: doc.meta.get(c) for c in extra})
        rows.append(row)
    columns = ["unit_id", "doc_id", *[c for c in META_COLUMNS if c != "doc_id"], *extra]
    frame = pd.DataFrame(rows, columns=columns)
    frame["year"] = frame["year"].astype("Int64")
    if "section_no" in frame.columns:
        frame["section_no"] = frame["section_no"].astype("Int64")
    return frame


def build_dictionary(texts: Sequence[Sequence[str]], *, no_below: int = 2, no_above: float = 0.5,
                     keep_n: int | None = 5000, groups: Sequence[Any] | None = None,
                     min_groups: int = 1):
    """A gensim ``Dictionary`` of the terms kept for LDA, ids in sorted-term order.

    Keeps terms found in at least ``no_below`` texts, at most ``no_above`` (a
    fraction) of them and, if ``groups`` (one label per text, e.g. its report) is
    given, in at least ``min_groups`` different groups; then the ``keep_n`` with
    the highest document frequency (ties: higher total count, then the term
    itself). ``dfs``/``cfs`` count the kept terms.

    >>> d = build_dictionary([["乙", "甲"], ["甲", "丙"], ["甲", "乙"]], no_below=2, no_above=0.9)
    >>> sorted(d.token2id.items())     # 甲 is in every text (> 90 %), 丙 in one (< 2)
    [('乙', 0)]
    """
    from gensim.corpora import Dictionary

    if no_above is None or not 0 < no_above <= 1:
        raise TextmineError(f"no_above must be a fraction in (0, 1], got {no_above!r}")
    n = len(texts)
    dfs: Counter = Counter()
    cfs: Counter = Counter()
    spread: dict[str, set] = {}
    for i, text in enumerate(texts):
        cfs.update(text)
        dfs.update(set(text))
        if groups is not None:
            for term in set(text):
                spread.setdefault(term, set()).add(groups[i])
    kept = [t for t, df in dfs.items() if no_below <= df <= no_above * n
            and (groups is None or len(spread[t]) >= min_groups)]
    kept.sort(key=lambda t: (-dfs[t], -cfs[t], t))
    if keep_n is not None:
        kept = kept[:keep_n]
    dictionary = Dictionary()
    dictionary.token2id = {t: i for i, t in enumerate(sorted(kept))}
    vocab = dictionary.token2id
    dictionary.add_documents([[t for t in text if t in vocab] for text in texts])
    return dictionary


def resolve_no_above(no_above: float | None, unit: str) -> float:
    """The ``no_above`` fraction in force: ``None`` is 0.5 for documents, 0.25 for smaller units.

    >>> resolve_no_above(None, "paragraph"), resolve_no_above(None, "document"), resolve_no_above(0.4, "section")
    (0.25, 0.5, 0.4)
    """
    if no_above is not None:
        return float(no_above)
    return 0.5 if unit == "document" else 0.25


def _prepare(corpus_or_texts: Any, *, unit: str, tokenizer: Any, min_chars: int, no_below: int,
             no_above: float | None, min_docs: int, keep_n: int | None, min_tokens: int,
             n_jobs: int | None, cache: Any) -> _Prepared:
    given = corpus_or_texts if isinstance(corpus_or_texts, Tokens) else None
    if given is not None and tokenizer is not None and tokenizer is not given.tokenizer:
        raise TextmineError("fit() got a Tokens made by another tokenizer than TopicModel(tokenizer=...)")
    corpus = given.corpus if given is not None else as_corpus(corpus_or_texts)
    if len(corpus) == 0:
        raise TextmineError("cannot fit a topic model on an empty corpus")
    kind = resolve_unit(unit, len(corpus))
    units = _unit_corpus(corpus, kind, min_chars)
    if len(units) == 0:
        raise TextmineError(f"no {kind} of {min_chars} or more characters in the corpus; lower min_chars")
    if given is not None and kind == "document":
        toks = given  # the documents are the units: their tokens as given
    else:  # paragraphs or sections are texts of their own, tokenized as such
        toks = tokens(units, given.tokenizer if given is not None else tokenizer, n_jobs=n_jobs, cache=cache)
    texts = list(toks)
    tok = toks.tokenizer
    frame = _units_frame(units, corpus, kind)
    dictionary = build_dictionary(texts, no_below=no_below, no_above=resolve_no_above(no_above, kind),
                                  keep_n=keep_n, groups=frame["doc_id"].tolist(), min_groups=min_docs)
    bow = [dictionary.doc2bow(t) for t in texts]
    frame["n_tokens"] = [sum(c for _, c in b) for b in bow]
    keep = (frame["n_tokens"] >= max(min_tokens, 1)).to_numpy()
    if not keep.any():
        raise TextmineError(
            f"no unit has {max(min_tokens, 1)} or more vocabulary tokens "
            f"({len(frame)} {kind} units, vocabulary of {len(dictionary)} terms); "
            "lower min_tokens, no_below or min_docs, or raise no_above")
    return _Prepared(
        unit=kind,
        units=frame[keep].reset_index(drop=True),
        dropped=frame[~keep].reset_index(drop=True),
        texts=[t for t, k in zip(texts, keep) if k],
        dictionary=dictionary,
        bow=[b for b, k in zip(bow, keep) if k],
        fingerprint=getattr(tok, "fingerprint", None),
    )


# ---------------------------------------------------------------------------
# fitting


def _fit_lda(prep: _Prepared, k: int, *, seed: int, passes: int, iterations: int, alpha: Any,
             eta: Any, chunksize: int | None):
    """Train a single-process LdaModel (deterministic given ``seed``) on the prepared BoW."""
    from gensim.models import LdaModel

    if int(k) < 1:
        raise TextmineError(f"k (number of topics) must be at least 1, got {k!r}")
    return LdaModel(
        corpus=prep.bow, id2word=prep.dictionary, num_topics=int(k), random_state=int(seed),
        passes=passes, iterations=iterations, alpha=alpha, eta=eta,
        chunksize=chunksize or len(prep.bow), update_every=1, eval_every=None,
        minimum_probability=0.0, dtype=np.float64,
    )


def _infer_shares(model, bow: list) -> np.ndarray:
    """Units x topics shares (rows sum to 1), from one inference pass right after training.

    gensim's ``get_document_topics`` floors tiny shares (< 1e-8) away; the normalised
    variational ``gamma`` is the same estimate without that floor.
    """
    gamma, _ = model.inference(bow)
    gamma = np.asarray(gamma, dtype=np.float64)
    return gamma / gamma.sum(axis=1, keepdims=True)


def _coherence(model, prep: _Prepared, topn: int) -> tuple[float, float]:
    """(c_v, u_mass) of a fitted model: c_v over sliding windows of the token texts, u_mass over the BoW."""
    from gensim.models import CoherenceModel

    c_v = CoherenceModel(model=model, texts=prep.texts, dictionary=prep.dictionary,
                         coherence="c_v", topn=topn, processes=1).get_coherence()
    u_mass = CoherenceModel(model=model, corpus=prep.bow, dictionary=prep.dictionary,
                            coherence="u_mass", topn=topn, processes=1).get_coherence()
    return float(c_v), float(u_mass)


def _choose_k(table: pd.DataFrame, tol: float) -> tuple[int, str]:
    """The smallest K whose c_v is within ``tol`` of the best, and why."""
    scored = table.dropna(subset=["c_v"])
    if scored.empty:
        return int(table["k"].min()), "c_v coherence undefined for every K (too little text); smallest K"
    best = scored["c_v"].max()
    chosen = int(scored.loc[scored["c_v"] >= best - tol, "k"].min())
    score = float(scored.loc[scored["k"] == chosen, "c_v"].iloc[0])
    how = f"within {tol} of the best ({best:.4f}), smallest such K" if tol else "ties go to the smallest K"
    return chosen, f"highest c_v coherence ({score:.4f}); {how}"


def _select(prep: _Prepared, k_range: Iterable[int], *, topn: int, tol: float, n_seeds: int = 1,
            **lda: Any) -> tuple[pd.DataFrame, dict[int, Any]]:
    ks = sorted({int(k) for k in k_range})
    if not ks:
        raise TextmineError("k_range is empty: give at least one number of topics")
    if int(n_seeds) < 1:
        raise TextmineError(f"n_seeds must be at least 1, got {n_seeds!r}")
    rows, models = [], {}
    for k in ks:
        scores = []
        for i in range(int(n_seeds)):  # seed, seed + 1, ...; the model kept is the one with `seed`
            model = _fit_lda(prep, k, **{**lda, "seed": lda["seed"] + i})
            models.setdefault(k, model)
            scores.append(_coherence(model, prep, topn))
        c_v, u_mass = np.mean(scores, axis=0)
        rows.append({"k": k, "c_v": float(c_v), "u_mass": float(u_mass),
                     "c_v_sd": float(np.std([s[0] for s in scores], ddof=1)) if n_seeds > 1 else None})
    table = pd.DataFrame(rows, columns=["k", "c_v", "u_mass", "c_v_sd"])
    chosen, why = _choose_k(table, tol)
    table.insert(3, "chosen", table["k"] == chosen)
    if n_seeds == 1:
        table = table.drop(columns="c_v_sd")
    table.attrs["chosen_k"] = chosen
    averaged = f" (mean of {n_seeds} seeds)" if n_seeds > 1 else ""
    table.attrs["reason"] = (f"K={chosen}: {why}{averaged}; units: {len(prep.units)} {prep.unit}s, "
                             f"vocabulary {len(prep.dictionary)} terms")
    return table, models


def select_k(corpus_or_texts: Any, k_range: Iterable[int] = DEFAULT_K_RANGE, *, seed: int = 0,
             topn: int = 10, tol: float = 0.0, n_seeds: int = 1, tokenizer: Any = None,
             n_jobs: int | None = None, cache: Any = True, **params: Any) -> pd.DataFrame:
    """Compare numbers of topics by coherence: ``DataFrame(k, c_v, u_mass, chosen)``.

    One model per K (all with the same ``seed`` and the other ``TopicModel``
    parameters in ``params``: ``unit``, ``tokenizer``, ``no_below`` …), each scored
    on its ``topn`` top terms by

    - ``c_v`` (gensim ``CoherenceModel``, single process): how often top terms of a
      topic appear together in sliding windows of the units' token texts — agrees
      best with human judgements of topic quality; higher is better;
    - ``u_mass``: co-document frequency of top terms in the BoW corpus (a negative
      number; closer to 0 is better), reported as a second opinion.

    The chosen K has the highest ``c_v``; K values within ``tol`` of the best count
    as tied, and ties go to the smallest K (fewer, broader topics are easier to read).
    ``table.attrs["chosen_k"]`` and ``table.attrs["reason"]`` state the choice.

    On a small corpus c_v moves with the seed about as much as between neighbouring
    K values (bundled corpus: ±0.05). ``n_seeds > 1`` averages ``c_v`` and ``u_mass``
    over seeds ``seed, seed + 1, …`` (n_seeds times the work) and adds a ``c_v_sd``
    column (standard deviation over the seeds): a steadier choice, and a measure of how
    much the differences between K values mean.

    >>> texts = ["科技 创新 产业 科技 创新", "营商 环境 企业 营商 环境", "科技 产业 创新 产业",
    ...          "企业 环境 营商 企业"]
    >>> table = select_k(texts, [2, 3], unit="document", tokenizer=str.split, no_below=1,
    ...                  no_above=1.0, min_tokens=1, passes=2)
    >>> table.columns.tolist(), int(table["chosen"].sum())
    (['k', 'c_v', 'u_mass', 'chosen'], 1)
    """
    model = TopicModel(k=1, seed=seed, tokenizer=tokenizer, n_jobs=n_jobs, cache=cache, **params)
    prep = model._prepare(corpus_or_texts)
    table, _ = _select(prep, k_range, topn=topn, tol=tol, n_seeds=n_seeds, **model._lda_params())
    return table


class TopicModel:
    """LDA topic model of a corpus, with results as tidy DataFrames.

    Parameters (stored as given; learned attributes end in ``_``):

    - ``k``: number of topics, or ``"auto"`` to choose it with :func:`select_k`
      over ``k_range`` (the comparison table is kept in ``selection_``).
    - ``unit``: ``"auto"`` | ``"paragraph"`` | ``"section"`` | ``"document"`` (see module docs);
      ``min_chars``: shortest paragraph kept by the paragraph splitter.
    - ``tokenizer``: a :class:`textmine.tokenize.Tokenizer` (default: policy dictionary and
      stopwords) or any callable ``str -> list[str]``; ``n_jobs`` and ``cache`` go to
      :func:`textmine.tokens` (True: the on-disk token cache; False; or a directory).
      ``fit`` also takes a :class:`~textmine.tokenize.Tokens`: with document units its
      tokens are used as they are; paragraphs and sections are tokenized as texts of
      their own with its tokenizer.
    - ``no_below``, ``min_docs``, ``no_above``, ``keep_n``: vocabulary filter (see module
      docs; the defaults suit a few hundred paragraphs from a dozen reports: a term must occur
      in 2 units of 2 different reports and, for paragraphs, in at most a quarter of the
      units; 5,000 terms at most); ``min_tokens``: units with fewer vocabulary tokens are dropped.
    - ``seed``, ``passes``, ``iterations``, ``alpha``, ``eta``, ``chunksize``: passed to
      ``LdaModel``. ``chunksize=64`` updates the topics after every 64 units (several
      online updates per pass converge in fewer passes than one update on the whole
      corpus); ``None`` puts all units in one chunk.
    - ``k_range``, ``topn``, ``tol``, ``n_seeds``: K selection for ``k="auto"`` (see :func:`select_k`).

    Learned: ``model_`` (gensim ``LdaModel``), ``dictionary_`` (gensim ``Dictionary``),
    ``k_``, ``unit_``, ``no_above_`` (the fraction in force), ``units_`` (one row per
    modelled unit with ``n_tokens``), ``dropped_``, ``doc_topic_`` (units x topics array),
    ``selection_`` (None unless ``k="auto"``), ``fit_seconds_``.

    >>> texts = ["科技 创新 产业 科技", "营商 环境 企业 环境", "科技 产业 创新 创新", "企业 营商 环境 企业"]
    >>> tm = TopicModel(k=2, unit="document", tokenizer=str.split, no_below=1, no_above=1.0,
    ...                 min_tokens=1, passes=5).fit(texts)
    >>> tm.labels(n=2).index.tolist()
    [0, 1]
    """

    def __init__(
        self,
        k: int | str = "auto",
        *,
        unit: str = "auto",
        tokenizer: Any = None,
        seed: int = 0,
        no_below: int = 2,
        min_docs: int = 2,
        no_above: float | None = None,
        keep_n: int | None = 5000,
        min_tokens: int = 5,
        min_chars: int = 20,
        passes: int = 10,
        iterations: int = 100,
        alpha: Any = "symmetric",
        eta: Any = None,
        chunksize: int | None = 64,
        k_range: Iterable[int] = DEFAULT_K_RANGE,
        topn: int = 10,
        tol: float = 0.0,
        n_seeds: int = 1,
        n_jobs: int | None = None,
        cache: Any = True,
    ) -> None:
        self.k = k
        self.unit = unit
        self.tokenizer = tokenizer
        self.seed = seed
        self.no_below = no_below
        self.min_docs = min_docs
        self.no_above = no_above
        self.keep_n = keep_n
        self.min_tokens = min_tokens
        self.min_chars = min_chars
        self.passes = passes
        self.iterations = iterations
        self.alpha = alpha
        self.eta = eta
        self.chunksize = chunksize
        self.k_range = k_range
        self.topn = topn
        self.tol = tol
        self.n_seeds = n_seeds
        self.n_jobs = n_jobs
        self.cache = cache

    # -- fitting ----------------------------------------------------------------------
    def _lda_params(self) -> dict[str, Any]:
        return dict(seed=self.seed, passes=self.passes, iterations=self.iterations,
                    alpha=self.alpha, eta=self.eta, chunksize=self.chunksize)

    def _prepare(self, corpus_or_texts: Any) -> _Prepared:
        return _prepare(corpus_or_texts, unit=self.unit, tokenizer=self.tokenizer,
                        min_chars=self.min_chars, no_below=self.no_below, no_above=self.no_above,
                        min_docs=self.min_docs, keep_n=self.keep_n, min_tokens=self.min_tokens, n_jobs=self.n_jobs,
                        cache=self.cache)

    def fit(self, corpus_or_texts: Any) -> "TopicModel":
        """Tokenize, build the vocabulary, (choose K,) train LDA and infer unit shares. Returns self."""
        start = time.perf_counter()
        prep = self._prepare(corpus_or_texts)
        self.selection_ = None
        if self.k == "auto":
            self.selection_, models = _select(prep, self.k_range, topn=self.topn, tol=self.tol,
                                              n_seeds=self.n_seeds,
                                              **self._lda_params())
            self.k_ = int(self.selection_.attrs["chosen_k"])
            self.model_ = models[self.k_]
        elif isinstance(self.k, (int, np.integer)) and not isinstance(self.k, bool):
            self.k_ = int(self.k)
            self.model_ = _fit_lda(prep, self.k_, **self._lda_params())
        else:
            raise TextmineError(f"k must be a whole number of topics or 'auto', got {self.k!r}")
        self.doc_topic_ = _infer_shares(self.model_, prep.bow)
        self.dictionary_ = prep.dictionary
        self.unit_ = prep.unit
        self.no_above_ = resolve_no_above(self.no_above, prep.unit)
        self.units_ = prep.units
        self.dropped_ = prep.dropped
        self.tokenizer_fingerprint_ = prep.fingerprint
        self.fit_seconds_ = time.perf_counter() - start
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise TextmineError("this TopicModel is not fitted yet: call .fit(corpus) or TopicModel.load(path)")

    # -- results ----------------------------------------------------------------------
    def topic_terms(self, n: int = 10) -> pd.DataFrame:
        """Top ``n`` terms of every topic: ``DataFrame(topic, rank, term, weight)`` (rank 1 = top).

        ``weight`` is the term's probability in the topic (gensim ``get_topic_terms``).
        """
        self._check_fitted()
        rows = []
        for topic in range(self.k_):
            for rank, (term_id, weight) in enumerate(self.model_.get_topic_terms(topic, topn=n), start=1):
                rows.append((topic, rank, self.dictionary_[term_id], float(weight)))
        return pd.DataFrame(rows, columns=["topic", "rank", "term", "weight"])

    def topic_term_matrix(self) -> np.ndarray:
        """Topics x terms probabilities (rows sum to 1); columns follow ``dictionary_`` ids."""
        self._check_fitted()
        return self.model_.get_topics()

    def labels(self, n: int = 3, sep: str = "·") -> pd.Series:
        """A short label per topic from its top ``n`` terms, e.g. ``"新质生产力·产业·创新"``."""
        terms = self.topic_terms(n=n)
        labels = terms.groupby("topic", sort=True)["term"].agg(lambda s: sep.join(s))
        return labels.rename("label").rename_axis("topic")

    def doc_topics(self) -> pd.DataFrame:
        """Topic shares of every unit: ``DataFrame(unit_id, doc_id, metadata…, n_tokens, topic, share)``.

        One row per unit and topic; each unit's shares sum to 1. ``n_tokens`` counts the
        unit's vocabulary tokens (the weight :meth:`prevalence` uses).
        """
        self._check_fitted()
        n_units, k = self.doc_topic_.shape
        frame = self.units_.loc[self.units_.index.repeat(k)].reset_index(drop=True)
        frame["topic"] = np.tile(np.arange(k), n_units)
        frame["share"] = self.doc_topic_.reshape(-1)
        return frame

    def prevalence(self, by: str | Sequence[str] | None = "place", weight: str | None = "n_tokens") -> pd.DataFrame:
        """Topic prevalence per group of any metadata column(s): see :func:`topic_prevalence`."""
        return topic_prevalence(self.doc_topics(), by=by, weight=weight)

    # -- persistence --------------------------------------------------------------------
    def _settings(self) -> dict[str, Any]:
        params = {name: getattr(self, name) for name in (
            "k", "unit", "seed", "no_below", "min_docs", "no_above", "keep_n", "min_tokens", "min_chars",
            "passes", "iterations", "alpha", "eta", "chunksize", "topn", "tol", "n_seeds", "n_jobs", "cache")}
        params["k_range"] = [int(k) for k in self.k_range]
        if not isinstance(params["cache"], bool):
            params["cache"] = str(params["cache"])
        params["tokenizer"] = None if self.tokenizer is None else repr(self.tokenizer)
        for name in ("alpha", "eta"):
            if isinstance(params[name], np.ndarray):
                params[name] = params[name].tolist()
        return params

    def save(self, path: str | os.PathLike) -> Path:
        """Save a fitted model into the folder ``path`` (replacing a model saved there before).

        The folder holds gensim's own files for the model (``lda.gensim*``), the
        dictionary as gensim text (``dictionary.txt``), the unit shares (``doc_topics.npy``)
        and ``textmine_topics.json`` (settings, unit metadata, K selection). Everything is
        written into a temporary sibling folder first and renamed into place, so an
        interrupted save never leaves a half-written model.
        """
        self._check_fitted()
        target = Path(path)
        if target.exists() and not (target / _SIDECAR).is_file():
            raise TextmineError(f"{target}: exists and is not a saved textmine topic model; not overwriting it")
        return _write_folder(target, self._write_into)

    def _write_into(self, folder: Path) -> None:
        import gensim

        self.model_.save(str(folder / _MODEL_FILE))
        self.dictionary_.save_as_text(str(folder / _DICT_FILE), sort_by_word=False)
        np.save(folder / _THETA_FILE, self.doc_topic_, allow_pickle=False)
        sidecar = {
            "format": _FORMAT,
            "gensim_version": gensim.__version__,
            "settings": self._settings(),
            "k_": self.k_,
            "unit_": self.unit_,
            "tokenizer_fingerprint_": self.tokenizer_fingerprint_,
            "fit_seconds_": self.fit_seconds_,
            "units_": _records(self.units_),
            "dropped_": _records(self.dropped_),
            "selection_": None if self.selection_ is None else {
                "table": _records(self.selection_), "attrs": dict(self.selection_.attrs)},
        }
        write_text_atomic(folder / _SIDECAR, json.dumps(sidecar, ensure_ascii=False, indent=1))

    @classmethod
    def load(cls, path: str | os.PathLike) -> "TopicModel":
        """Load a model saved with :meth:`save`.

        The gensim model file is a pickle written by gensim: load only folders you trust.
        The tokenizer is not saved (only its ``repr`` and ``tokenizer_fingerprint_``): a
        loaded model answers every result method but is not refitted.
        """
        from gensim.corpora import Dictionary
        from gensim.models import LdaModel

        folder = Path(path)
        sidecar_path = folder / _SIDECAR
        if not sidecar_path.is_file():
            raise TextmineError(f"{folder}: no {_SIDECAR}; not a topic model saved by textmine")
        try:
            sidecar = json.loads(sidecar_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise TextmineError(f"{sidecar_path}: unreadable ({exc})") from None
        if sidecar.get("format") != _FORMAT:
            raise TextmineError(f"{sidecar_path}: format {sidecar.get('format')!r}, expected {_FORMAT!r}")
        settings = dict(sidecar["settings"])
        tokenizer_repr = settings.pop("tokenizer")
        self = cls(**settings)
        self.tokenizer = None
        self.tokenizer_repr_ = tokenizer_repr
        self.model_ = LdaModel.load(str(folder / _MODEL_FILE))
        self.dictionary_ = Dictionary.load_from_text(str(folder / _DICT_FILE))
        self.doc_topic_ = np.load(folder / _THETA_FILE, allow_pickle=False)
        self.k_ = int(sidecar["k_"])
        self.unit_ = sidecar["unit_"]
        self.no_above_ = resolve_no_above(self.no_above, self.unit_)
        self.tokenizer_fingerprint_ = sidecar["tokenizer_fingerprint_"]
        self.fit_seconds_ = sidecar["fit_seconds_"]
        self.units_ = _from_records(sidecar["units_"])
        self.dropped_ = _from_records(sidecar["dropped_"])
        sel = sidecar["selection_"]
        self.selection_ = None
        if sel is not None:
            self.selection_ = _from_records(sel["table"])
            self.selection_.attrs.update(sel["attrs"])
        return self

    # -- interactive page -------------------------------------------------------------
    def to_pyldavis(self, path: str | os.PathLike, **kwargs: Any) -> Path:
        """Write an interactive pyLDAvis page (HTML) with gensim's topic numbers.

        Topics keep their order and 0-based numbers (``sort_topics=False``,
        ``start_index=0``). Needs the optional ``pyLDAvis`` package
        (``pip install textmine[ldavis]``); the page loads its JavaScript from a CDN
        when opened. Extra keyword arguments go to ``pyLDAvis.prepare``.
        """
        self._check_fitted()
        try:
            import pyLDAvis
        except ImportError:
            raise TextmineError(
                f"{path}: writing a pyLDAvis page needs the optional package pyLDAvis; "
                "install it with: pip install textmine[ldavis]") from None
        counts = np.zeros(len(self.dictionary_))
        for term_id, count in self.dictionary_.cfs.items():
            counts[term_id] = count
        options = dict(sort_topics=False, start_index=0, n_jobs=1)
        options.update(kwargs)
        data = pyLDAvis.prepare(
            topic_term_dists=self.topic_term_matrix(), doc_topic_dists=self.doc_topic_,
            doc_lengths=self.units_["n_tokens"].to_numpy(),
            vocab=[self.dictionary_[i] for i in range(len(self.dictionary_))],
            term_frequency=counts, **options)
        return write_text_atomic(path, pyLDAvis.prepared_data_to_html(data))

    def __repr__(self) -> str:
        fitted = f", fitted: k_={self.k_}, {len(self.units_)} {self.unit_} units" if hasattr(self, "model_") else ""
        return f"TopicModel(k={self.k!r}, unit={self.unit!r}, seed={self.seed}{fitted})"


# ---------------------------------------------------------------------------
# prevalence (a plain function: works on any doc_topics-shaped table)


def topic_prevalence(doc_topics: pd.DataFrame, by: str | Sequence[str] | None = "place",
                     weight: str | None = "n_tokens") -> pd.DataFrame:
    """Topic shares per group, each unit weighted by its length: ``DataFrame(by…, topic, share, n_units, n_tokens)``.

    ``share`` of topic *t* in group *g* = sum over the group's units of ``weight`` x share(*t*),
    divided by the same sum over all topics (= the group's total weight when unit shares sum
    to 1): the fraction of the group's modelled words that topic *t* accounts for. A long report
    counts for more than a short one, a long paragraph more than a one-liner.
    ``weight=None`` weights units equally; ``by=None`` gives the whole corpus. Missing
    metadata values form their own group. Shares within a group sum to 1.

    >>> dt = pd.DataFrame({"unit_id": ["a", "a", "b", "b"], "place": ["甲"] * 4,
    ...                    "n_tokens": [30, 30, 10, 10], "topic": [0, 1, 0, 1],
    ...                    "share": [0.9, 0.1, 0.5, 0.5]})
    >>> topic_prevalence(dt, by="place")["share"].round(6).tolist()   # (30*.9+10*.5)/40, (30*.1+10*.5)/40
    [0.8, 0.2]
    """
    keys = [] if by is None else ([by] if isinstance(by, str) else list(by))
    missing = [c for c in [*keys, "topic", "share", *([weight] if weight else [])] if c not in doc_topics.columns]
    if missing:
        raise TextmineError(f"doc_topics table has no column {missing[0]!r} (columns: {list(doc_topics.columns)})")
    frame = doc_topics.copy()
    frame["_w"] = 1.0 if weight is None else frame[weight].astype(float)
    frame["_ws"] = frame["_w"] * frame["share"].astype(float)
    group = [*keys, "topic"]
    out = frame.groupby(group, dropna=False, sort=True).agg(
        _ws=("_ws", "sum"), n_units=("_w", "size"), _w=("_w", "sum")).reset_index()
    if keys:
        total = out.groupby(keys, dropna=False)["_ws"].transform("sum")
    else:
        total = out["_ws"].sum()
    out["share"] = out["_ws"] / total
    if weight is not None:
        out["n_tokens"] = out["_w"]
    columns = [*keys, "topic", "share", "n_units", *(["n_tokens"] if weight is not None else [])]
    return out[columns]


# ---------------------------------------------------------------------------
# helpers: JSON records and atomic folder writes


def _jsonable(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if np.isnan(value) else float(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    return value


def _records(frame: pd.DataFrame) -> dict[str, list]:
    return {"columns": list(frame.columns),
            "rows": [[_jsonable(v) for v in row] for row in frame.itertuples(index=False, name=None)]}


def _from_records(data: dict[str, list]) -> pd.DataFrame:
    frame = pd.DataFrame(data["rows"], columns=data["columns"])
    for col in ("year", "section_no"):
        if col in frame.columns:
            frame[col] = frame[col].astype("Int64")
    if "n_tokens" in frame.columns:
        frame["n_tokens"] = frame["n_tokens"].astype("int64")
    return frame


def _write_folder(target: Path, write: Callable[[Path], None]) -> Path:
    """Write a folder atomically: fill a temporary sibling, then rename it over ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    old = None
    try:
        write(tmp)
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
            os.replace(target, old / "model")
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and not target.exists() and (old / "model").exists():
            os.replace(old / "model", target)
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    return target
