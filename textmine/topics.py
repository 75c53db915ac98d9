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

import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np
import pandas as pd

from . import _topic_engines as _engines
from ._io import atomic_open, write_text_atomic
from .corpus import Corpus, as_corpus
from .errors import TextmineError
from .schema import META_COLUMNS
from .tokenize.tokenized import Tokens, tokens

__all__ = ["TopicModel", "select_k", "topic_prevalence", "match_topics", "topic_stability", "build_dictionary",
           "resolve_unit", "resolve_no_above", "COHERENCE", "UNITS", "AUTO_PARAGRAPH_BELOW", "DEFAULT_K_RANGE"]

#: Below this many documents ``unit="auto"`` models paragraphs instead of whole documents.
AUTO_PARAGRAPH_BELOW = 50

#: Unit kinds :class:`TopicModel` accepts.
UNITS = ("auto", "paragraph", "section", "document")

#: Numbers of topics :func:`select_k` (and ``TopicModel(k="auto")``) compare by default.
DEFAULT_K_RANGE = range(3, 11)

_FORMAT = "textmine.topics/2"
_OLD_FORMAT = "textmine.topics/1"   # gensim pickle + dictionary.txt + doc_topics.npy: loaded only with trust=True
_SIDECAR = "textmine_topics.json"
_ARRAYS_FILE = "arrays.npz"
_UNIT_META = ("part", "section_no")  # unit metadata kept besides the report's (textmine.sections)
# report metadata not carried to the units (file names, bookkeeping, names textmine's tables use)
_SKIP_META = ("file", "path", "parent_id", "inferred", "place_note", "unit_id", "n_tokens", "topic", "share")


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
    unit_texts: list[str] | None = None   # cleaned text of each kept unit (representative units)
    ids: list[np.ndarray] | None = None   # each kept unit's vocabulary tokens as term ids, in text order
    vocab: list[str] | None = None        # the terms in id order


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
    more: dict[str, None] = {}  # the reports' other metadata (region, code, ... ): covariates for topic_effects
    rows = []
    for doc in units:
        parent = corpus[doc.meta["parent_id"]] if unit != "document" else doc
        row = {"unit_id": doc.doc_id, "doc_id": parent.doc_id}
        row.update({c: parent.meta.get(c) for c in META_COLUMNS if c != "doc_id"})
        for key, value in parent.meta.items():
            if key not in META_COLUMNS and key not in _SKIP_META and key not in extra \
                    and (value is None or isinstance(value, (str, int, float, bool))):
                more.setdefault(key, None)
                row[key] = value
        row.update({c: doc.meta.get(c) for c in extra})
        rows.append(row)
    columns = ["unit_id", "doc_id", *[c for c in META_COLUMNS if c != "doc_id"], *more, *extra]
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
    itself). ``dfs``/``cfs``, ``num_docs``, ``num_pos`` and ``num_nnz`` count the
    kept terms, as ``Dictionary.add_documents`` of the texts would.

    >>> d = build_dictionary([["乙", "甲"], ["甲", "丙"], ["甲", "乙"]], no_below=2, no_above=0.9)
    >>> sorted(d.token2id.items())     # 甲 is in every text (> 90 %), 丙 in one (< 2)
    [('乙', 0)]
    """
    return _vocabulary(texts, no_below=no_below, no_above=no_above, keep_n=keep_n, groups=groups,
                       min_groups=min_groups)[0]


class _TermIndex(dict):
    """Term -> id, a new id for a term not seen before (looked up in C by ``map``)."""

    __slots__ = ()

    def __missing__(self, term: str) -> int:
        self[term] = j = len(self)
        return j


def _distinct(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` by sorting: numpy 2.4's hash-based ``unique`` takes 1.8 s where this takes 0.1 s
    (1.5 million int64 values, nearly all distinct)."""
    ordered = np.sort(values)
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))] if len(ordered) else ordered


#: Tokens counted at a time by :func:`_vocabulary` (its temporary arrays: about 40 bytes a token, 10 MB a block).
VOCABULARY_BLOCK = 1 << 18


def _blocks(bounds: np.ndarray, size: int) -> Iterator[tuple[int, int]]:
    """Ranges ``[d0, d1)`` of whole texts of about ``size`` tokens (``bounds``: where each text starts, and the end)."""
    d0, n = 0, len(bounds) - 1
    while d0 < n:
        d1 = min(max(int(np.searchsorted(bounds, bounds[d0] + size, side="right")) - 1, d0 + 1), n)
        yield d0, d1
        d0 = d1


def _vocabulary(texts: Sequence[Sequence[str]], *, no_below: int, no_above: float, keep_n: int | None,
                groups: Sequence[Any] | None,
                min_groups: int) -> tuple[Any, list[list[tuple[int, int]]], list[np.ndarray]]:
    """:func:`build_dictionary`, with each text's bag of words (``Dictionary.doc2bow``) and its kept tokens as ids.

    Counted with numpy over the texts' term ids, a block of texts at a time, not
    one ``doc2bow`` per text (the vocabulary step of a 10 MB fit: 1.7 s instead
    of 3.4 s); the dictionary's counts are set as ``add_documents`` would set
    them (tests compare the two).
    """
    from gensim.corpora import Dictionary

    if no_above is None or not 0 < no_above <= 1:
        raise TextmineError(f"no_above must be a fraction in (0, 1], got {no_above!r}")
    n = len(texts)
    index = _TermIndex()
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=n)
    bounds = np.concatenate(([0], np.cumsum(lengths)))
    term = np.fromiter((j for text in texts for j in map(index.__getitem__, text)), dtype=np.int32,
                       count=int(bounds[-1]))
    n_terms, width = len(index), max(len(index), 1)
    dfs, cfs = np.zeros(n_terms, dtype=np.int64), np.zeros(n_terms, dtype=np.int64)
    labels: dict[Any, int] = {}  # equal group labels are one group, as in a set
    group = None if groups is None else np.fromiter((labels.setdefault(g, len(labels)) for g in groups),
                                                    dtype=np.int64, count=n)
    spread_keys = []
    for d0, d1 in _blocks(bounds, VOCABULARY_BLOCK):
        t = term[bounds[d0]:bounds[d1]].astype(np.int64)
        doc = np.repeat(np.arange(d0, d1, dtype=np.int64), lengths[d0:d1])
        pairs = _distinct(doc * width + t)  # (text, term), once per text that has it
        dfs += np.bincount(pairs % width, minlength=n_terms)
        cfs += np.bincount(t, minlength=n_terms)
        if group is not None:
            spread_keys.append(_distinct(group[pairs // width] * width + pairs % width))
    ok = (dfs >= no_below) & (dfs <= no_above * n)
    if group is not None:
        keys = np.concatenate(spread_keys) if spread_keys else np.zeros(0, dtype=np.int64)
        ok &= np.bincount(_distinct(keys) % width, minlength=n_terms) >= min_groups
    words, df_list, cf_list = list(index), dfs.tolist(), cfs.tolist()
    kept = sorted(np.flatnonzero(ok).tolist(), key=lambda j: (-df_list[j], -cf_list[j], words[j]))
    if keep_n is not None:
        kept = kept[:keep_n]
    kept.sort(key=words.__getitem__)
    remap = np.full(n_terms, -1, dtype=np.int64)  # term -> dictionary id (sorted-term order), -1 if dropped
    remap[kept] = np.arange(len(kept))
    dictionary = Dictionary()
    dictionary.token2id = {words[j]: i for i, j in enumerate(kept)}
    dictionary.dfs = {i: df_list[j] for i, j in enumerate(kept)}
    dictionary.cfs = {i: cf_list[j] for i, j in enumerate(kept)}
    dictionary.num_docs = n
    n_kept = max(len(kept), 1)
    bows: list[list[tuple[int, int]]] = []
    doc_ids: list[np.ndarray] = []
    for d0, d1 in _blocks(bounds, VOCABULARY_BLOCK):
        ids = remap[term[bounds[d0]:bounds[d1]]]
        keep = ids >= 0
        doc = np.repeat(np.arange(d0, d1, dtype=np.int64), lengths[d0:d1])
        cells, counts = np.unique(doc[keep] * n_kept + ids[keep], return_counts=True)  # (text, id) -> count
        dictionary.num_pos += int(keep.sum())
        dictionary.num_nnz += len(cells)
        starts = np.searchsorted(cells // n_kept, np.arange(d0, d1 + 1)).tolist()
        cell_ids, cell_counts = (cells % n_kept).tolist(), counts.tolist()
        bows += [list(zip(cell_ids[a:b], cell_counts[a:b])) for a, b in zip(starts, starts[1:])]
        local = (bounds[d0:d1 + 1] - bounds[d0]).tolist()
        doc_ids += [ids[a:b][keep[a:b]] for a, b in zip(local, local[1:])]
    return dictionary, bows, doc_ids


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
    dictionary, bow, ids = _vocabulary(texts, no_below=no_below, no_above=resolve_no_above(no_above, kind),
                                       keep_n=keep_n, groups=frame["doc_id"].tolist(), min_groups=min_docs)
    frame["n_tokens"] = [sum(c for _, c in b) for b in bow]
    keep = (frame["n_tokens"] >= max(min_tokens, 1)).to_numpy()
    if not keep.any():
        raise TextmineError(
            f"no unit has {max(min_tokens, 1)} or more vocabulary tokens "
            f"({len(frame)} {kind} units, vocabulary of {len(dictionary)} terms); "
            "lower min_tokens, no_below or min_docs, or raise no_above")
    prep = _Prepared(
        unit=kind,
        units=frame[keep].reset_index(drop=True),
        dropped=frame[~keep].reset_index(drop=True),
        texts=[t for t, k in zip(texts, keep) if k],
        dictionary=dictionary,
        bow=[b for b, k in zip(bow, keep) if k],
        fingerprint=getattr(tok, "fingerprint", None),
    )
    prep.unit_texts = [doc.text for doc, k in zip(units, keep) if k]
    prep.ids = [i for i, k in zip(ids, keep) if k]
    prep.vocab = _vocab(dictionary)
    return prep


# ---------------------------------------------------------------------------
# fitting


def _vocab(dictionary: Any) -> list[str]:
    id2token = {i: t for t, i in dictionary.token2id.items()}
    return [id2token[i] for i in range(len(id2token))]


def _fit_engine(prep: _Prepared, k: int, *, engine: str, seed: int, passes: int, iterations: int | None,
                alpha: Any, eta: Any, chunksize: int | None, units: Sequence[int] | None = None):
    """Fit one LDA on the prepared units (all, or the positions in ``units``)."""
    ids = prep.ids if units is None else [prep.ids[i] for i in units]
    return _engines.fit(engine, ids, prep.vocab, k, seed=seed, iterations=iterations, alpha=alpha, eta=eta,
                        passes=passes, chunksize=chunksize)


def _top_ids(topic_word: np.ndarray, n: int) -> np.ndarray:
    """Topics x n term ids by decreasing probability (ties: lower id first)."""
    return np.argsort(-topic_word, axis=1, kind="stable")[:, :n]


#: Coherence measures :func:`select_k` reports (gensim ``CoherenceModel`` names).
COHERENCE = ("c_v", "u_mass", "c_npmi")


def _coherence(topic_word: np.ndarray, prep: _Prepared, topn: int) -> dict[str, float]:
    """c_v, u_mass and c_npmi of the ``topn`` top terms of each topic (gensim, one process)."""
    from gensim.models import CoherenceModel

    vocab = prep.vocab
    topics = [[vocab[i] for i in row] for row in _top_ids(topic_word, topn)]
    scores = {}
    for measure in COHERENCE:
        source = {"corpus": prep.bow} if measure == "u_mass" else {"texts": prep.texts}
        value = CoherenceModel(topics=topics, dictionary=prep.dictionary, coherence=measure, topn=topn,
                               processes=1, **source).get_coherence()
        scores[measure] = float(value)
    return scores


# ---------------------------------------------------------------------------
# stability: do the topics survive a reseed?


def _topic_word_of(x: Any) -> np.ndarray:
    if isinstance(x, TopicModel):
        return x.topic_term_matrix()
    if hasattr(x, "topic_word"):  # an engine result
        return np.asarray(x.topic_word, dtype=np.float64)
    return np.asarray(x, dtype=np.float64)


def match_topics(a: Any, b: Any) -> pd.DataFrame:
    """Pair the topics of two fits by their word distributions: ``DataFrame(topic_a, topic_b, similarity)``.

    ``a`` and ``b`` are fitted :class:`TopicModel` objects (same vocabulary) or topics x terms
    matrices. The pairing minimises the summed Jensen–Shannon distance (base 2, between 0 for
    identical and 1 for disjoint distributions) with the Hungarian algorithm
    (``scipy.optimize.linear_sum_assignment``); ``similarity`` = 1 − that distance. With
    different numbers of topics, the extra topics stay unpaired.

    >>> a = np.array([[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]])
    >>> match_topics(a, a[::-1]).values.tolist()          # the same topics in the other order
    [[0.0, 1.0, 1.0], [1.0, 0.0, 1.0]]
    """
    from scipy.optimize import linear_sum_assignment

    pa, pb = _topic_word_of(a), _topic_word_of(b)
    if pa.shape[1] != pb.shape[1]:
        raise TextmineError(f"the two fits have different vocabularies ({pa.shape[1]} and {pb.shape[1]} terms); "
                            "fit both on the same corpus with the same settings")
    distance = _js_distance(pa, pb)
    rows, cols = linear_sum_assignment(distance)
    return pd.DataFrame({"topic_a": rows, "topic_b": cols, "similarity": 1.0 - distance[rows, cols]})


def _js_distance(pa: np.ndarray, pb: np.ndarray) -> np.ndarray:
    """Jensen–Shannon distances (base 2) between every row of ``pa`` and every row of ``pb``."""
    pa = pa / pa.sum(axis=1, keepdims=True)
    pb = pb / pb.sum(axis=1, keepdims=True)

    def kl(p: np.ndarray, m: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(p > 0, p * np.log2(p / m), 0.0)
        return terms.sum(axis=-1)

    m = (pa[:, None, :] + pb[None, :, :]) / 2
    js = (kl(pa[:, None, :], m) + kl(pb[None, :, :], m)) / 2
    return np.sqrt(np.clip(js, 0.0, 1.0))


def topic_stability(a: Any, b: Any) -> float:
    """Mean similarity of matched topics of two fits (see :func:`match_topics`): 1.0 for identical fits.

    Fit the same corpus with two seeds and compare: topics that come back under another seed
    score near 1; a K whose topics fall apart on a reseed scores lower.

    >>> a = np.array([[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]])
    >>> topic_stability(a, a), topic_stability(a, a[::-1])
    (1.0, 1.0)
    >>> round(topic_stability(a, np.array([[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]])), 3)
    0.442
    """
    return float(match_topics(a, b)["similarity"].mean())


# ---------------------------------------------------------------------------
# choosing K


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


def _heldout_split(n_units: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions of training and held-out units: a seeded random ``fraction`` held out (at least one)."""
    if not 0 < fraction < 1:
        raise TextmineError(f"heldout must be a fraction between 0 and 1 (or 0 for none), got {fraction!r}")
    if n_units < 2:
        raise TextmineError("held-out likelihood needs at least two units; use heldout=0")
    order = np.random.default_rng(seed).permutation(n_units)
    n_held = min(n_units - 1, max(1, int(round(fraction * n_units))))
    return np.sort(order[n_held:]), np.sort(order[:n_held])


def _select(prep: _Prepared, k_range: Iterable[int], *, topn: int, tol: float, n_seeds: int, heldout: float,
            engine: str, **params: Any) -> tuple[pd.DataFrame, pd.DataFrame, dict[int, Any]]:
    ks = sorted({int(k) for k in k_range})
    if not ks:
        raise TextmineError("k_range is empty: give at least one number of topics")
    if int(n_seeds) < 1:
        raise TextmineError(f"n_seeds must be at least 1, got {n_seeds!r}")
    seed = int(params.pop("seed"))
    split = _heldout_split(len(prep.ids), heldout, seed) if heldout else None
    rows, runs, models = [], [], {}
    for k in ks:
        fits = []
        for i in range(int(n_seeds)):  # seed, seed + 1, ...; the model kept is the one with `seed`
            fitted = _fit_engine(prep, k, engine=engine, seed=seed + i, **params)
            models.setdefault(k, fitted)
            fits.append(fitted)
            runs.append({"k": k, "seed": seed + i, **_coherence(fitted.topic_word, prep, topn)})
        scores = pd.DataFrame(runs[-len(fits):])
        row = {"k": k, **{m: float(scores[m].mean()) for m in COHERENCE}}
        if split is not None:
            train, held = split
            fitted = _fit_engine(prep, k, engine=engine, seed=seed, units=train, **params)
            ll, n = _engines.completion_loglik(fitted.topic_word, fitted.alpha, [prep.ids[i] for i in held])
            row["heldout_ll"] = ll / n if n else float("nan")
            row["perplexity"] = float(np.exp(-row["heldout_ll"]))
        pairs = [(a, b) for a in range(len(fits)) for b in range(a + 1, len(fits))]
        row["stability"] = (float(np.mean([topic_stability(fits[a], fits[b]) for a, b in pairs]))
                            if pairs else float("nan"))
        row["c_v_sd"] = float(scores["c_v"].std(ddof=1)) if n_seeds > 1 else float("nan")
        rows.append(row)
    columns = ["k", *COHERENCE, *(["heldout_ll", "perplexity"] if split is not None else []), "stability", "c_v_sd"]
    table = pd.DataFrame(rows, columns=columns)
    chosen, why = _choose_k(table, tol)
    table.insert(1, "chosen", table["k"] == chosen)
    if n_seeds == 1:
        table = table.drop(columns=["stability", "c_v_sd"])
    averaged = f" (mean of {n_seeds} seeds)" if n_seeds > 1 else ""
    stable = ""
    if n_seeds > 1:
        stable = f"; stability across seeds {float(table.loc[table['chosen'], 'stability'].iloc[0]):.3f}"
    table.attrs["chosen_k"] = chosen
    table.attrs["reason"] = (f"K={chosen}: {why}{averaged}{stable}; units: {len(prep.units)} {prep.unit}s, "
                             f"vocabulary {len(prep.dictionary)} terms; engine {engine}")
    return table, pd.DataFrame(runs, columns=["k", "seed", *COHERENCE]), models


def select_k(corpus_or_texts: Any, k_range: Iterable[int] = DEFAULT_K_RANGE, *, seed: int = 0,
             topn: int = 10, tol: float = 0.0, n_seeds: int = 3, heldout: float = 0.1,
             return_runs: bool = False, tokenizer: Any = None, n_jobs: int | None = None, cache: Any = True,
             **params: Any) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """Compare numbers of topics: coherence, held-out likelihood and stability across seeds, one row per K.

    Columns: ``k, chosen, c_v, u_mass, c_npmi, heldout_ll, perplexity, stability, c_v_sd``.
    For every K, ``n_seeds`` models are fitted with seeds ``seed, seed + 1, …`` (and the other
    :class:`TopicModel` parameters in ``params``: ``engine``, ``unit``, ``tokenizer``, ``no_below`` …):

    - coherence of each topic's ``topn`` top terms (gensim ``CoherenceModel``, one process),
      averaged over the seeds: ``c_v`` (co-occurrence in sliding windows of the units' texts;
      agrees best with human judgements of topic quality), ``c_npmi`` (normalised PMI, in
      [-1, 1]) and ``u_mass`` (co-document frequency in the BoW corpus, negative, closer to 0 is
      better); higher is better for all three;
    - ``heldout_ll``: held-out log likelihood per token (natural log), by document completion
      (Wallach et al. 2009): a seeded random ``heldout`` fraction of the units is left out, the
      model is fitted on the rest, each left-out unit's even-position tokens estimate its topic
      shares and its odd-position tokens are scored; ``perplexity = exp(-heldout_ll)`` (lower is
      better). The same estimator for every engine; ``heldout=0`` skips it (one fit less per K);
    - ``stability``: the topics of every two seeds are paired by their word distributions
      (Hungarian matching on Jensen–Shannon distance, :func:`match_topics`) and the mean
      similarity of the pairs is averaged over pairs of seeds: 1.0 when a reseed gives the same
      topics; ``c_v_sd``: standard deviation of ``c_v`` over the seeds. On a small corpus c_v
      moves with the seed about as much as between neighbouring K; read differences in c_v
      against ``c_v_sd``. (``n_seeds=1`` drops both columns.)

    The chosen K has the highest mean ``c_v``; K values within ``tol`` of the best count as
    tied, and ties go to the smallest K (fewer, broader topics are easier to read).
    ``table.attrs["chosen_k"]`` and ``table.attrs["reason"]`` state the choice. With
    ``return_runs=True`` the result is ``(table, runs)``, ``runs`` holding one row per K and
    seed (``k, seed, c_v, u_mass, c_npmi``) -- what :func:`textmine.plots.k_selection_chart` draws.
    Work: ``len(k_range) * (n_seeds + 1)`` fits.

    >>> texts = ["科技 创新 产业 科技 创新", "营商 环境 企业 营商 环境", "科技 产业 创新 产业",
    ...          "企业 环境 营商 企业"]
    >>> table = select_k(texts, [2, 3], unit="document", tokenizer=str.split, no_below=1,
    ...                  no_above=1.0, min_tokens=1, n_seeds=2, iterations=20)
    >>> table.columns.tolist()
    ['k', 'chosen', 'c_v', 'u_mass', 'c_npmi', 'heldout_ll', 'perplexity', 'stability', 'c_v_sd']
    >>> int(table["chosen"].sum())
    1
    """
    model = TopicModel(k=1, seed=seed, tokenizer=tokenizer, n_jobs=n_jobs, cache=cache, **params)
    prep = model._prepare(corpus_or_texts)
    table, runs, _ = _select(prep, k_range, topn=topn, tol=tol, n_seeds=n_seeds, heldout=heldout,
                             engine=_engines.resolve_engine(model.engine), **model._lda_params())
    return (table, runs) if return_runs else table


class TopicModel:
    """LDA topic model of a corpus, with results as tidy DataFrames.

    Parameters (stored as given; learned attributes end in ``_``):

    - ``k``: number of topics, or ``"auto"`` to choose it with :func:`select_k`
      over ``k_range`` (the comparison table is kept in ``selection_``, the per-seed scores
      in ``selection_runs_``).
    - ``engine``: ``"tomotopy"`` (collapsed Gibbs sampling, fast; the default when the
      tomotopy package is installed), ``"gensim"`` (online variational Bayes) or ``"auto"``.
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
    - ``seed``; ``iterations``: Gibbs sweeps for tomotopy (default
      :data:`~textmine._topic_engines.TOMOTOPY_ITERATIONS`), variational iterations per unit for
      gensim (default 100); ``alpha``, ``eta``: priors (``"symmetric"`` = 1/K; ``eta=None`` is
      0.01 for tomotopy, 1/K for gensim; tomotopy re-estimates alpha every 10 sweeps);
      ``passes``, ``chunksize``: gensim only (``chunksize=64`` updates the topics after every
      64 units; ``None`` puts all units in one chunk).
    - ``k_range``, ``topn``, ``tol``, ``n_seeds``, ``heldout``: K selection for ``k="auto"``
      (see :func:`select_k`; the model kept is the fit of the chosen K with ``seed`` on every
      unit, equal to ``TopicModel(k=chosen)``).

    Learned: ``engine_``, ``k_``, ``unit_``, ``no_above_`` (the fraction in force),
    ``dictionary_`` (gensim ``Dictionary``, ids in sorted-term order), ``topic_word_`` (topics x
    terms), ``doc_dirichlet_`` (units x topics posterior Dirichlet parameters), ``doc_topic_``
    (units x topics shares), ``alpha_``, ``eta_``, ``units_`` (one row per modelled unit with
    ``n_tokens``), ``unit_texts_``, ``dropped_``, ``selection_`` (None unless ``k="auto"``),
    ``fit_seconds_``, ``model_`` (the engine's own model; None after :meth:`load` unless
    ``trust=True``).

    >>> texts = ["科技 创新 产业 科技", "营商 环境 企业 环境", "科技 产业 创新 创新", "企业 营商 环境 企业"]
    >>> tm = TopicModel(k=2, unit="document", tokenizer=str.split, no_below=1, no_above=1.0,
    ...                 min_tokens=1, iterations=50).fit(texts)
    >>> tm.labels(n=2).index.tolist()
    [0, 1]
    """

    def __init__(
        self,
        k: int | str = "auto",
        *,
        engine: str = "auto",
        unit: str = "auto",
        tokenizer: Any = None,
        seed: int = 0,
        no_below: int = 2,
        min_docs: int = 2,
        no_above: float | None = None,
        keep_n: int | None = 5000,
        min_tokens: int = 5,
        min_chars: int = 20,
        iterations: int | None = None,
        passes: int = 10,
        alpha: Any = "symmetric",
        eta: Any = None,
        chunksize: int | None = 64,
        k_range: Iterable[int] = DEFAULT_K_RANGE,
        topn: int = 10,
        tol: float = 0.0,
        n_seeds: int = 3,
        heldout: float = 0.1,
        n_jobs: int | None = None,
        cache: Any = True,
    ) -> None:
        self.k = k
        self.engine = engine
        self.unit = unit
        self.tokenizer = tokenizer
        self.seed = seed
        self.no_below = no_below
        self.min_docs = min_docs
        self.no_above = no_above
        self.keep_n = keep_n
        self.min_tokens = min_tokens
        self.min_chars = min_chars
        self.iterations = iterations
        self.passes = passes
        self.alpha = alpha
        self.eta = eta
        self.chunksize = chunksize
        self.k_range = k_range
        self.topn = topn
        self.tol = tol
        self.n_seeds = n_seeds
        self.heldout = heldout
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
        """Tokenize, build the vocabulary, (choose K,) fit LDA and keep every unit's topic shares. Returns self."""
        start = time.perf_counter()
        engine = _engines.resolve_engine(self.engine)
        prep = self._prepare(corpus_or_texts)
        self.selection_ = self.selection_runs_ = None
        if self.k == "auto":
            self.selection_, self.selection_runs_, models = _select(
                prep, self.k_range, topn=self.topn, tol=self.tol, n_seeds=self.n_seeds, heldout=self.heldout,
                engine=engine, **self._lda_params())
            self.k_ = int(self.selection_.attrs["chosen_k"])
            fitted = models[self.k_]
        elif isinstance(self.k, (int, np.integer)) and not isinstance(self.k, bool):
            self.k_ = int(self.k)
            # one fit reads only the term ids: let the token lists and BoW vectors (coherence's
            # inputs when K is chosen) go before the engine's own copy is built
            prep.texts = prep.bow = None
            fitted = _fit_engine(prep, self.k_, engine=engine, **self._lda_params())
        else:
            raise TextmineError(f"k must be a whole number of topics or 'auto', got {self.k!r}")
        self._set_fitted(fitted)
        self.dictionary_ = prep.dictionary
        self.unit_ = prep.unit
        self.no_above_ = resolve_no_above(self.no_above, prep.unit)
        self.units_ = prep.units
        self.unit_texts_ = prep.unit_texts
        self.dropped_ = prep.dropped
        self.tokenizer_fingerprint_ = prep.fingerprint
        self.fit_seconds_ = time.perf_counter() - start
        return self

    def _set_fitted(self, fitted: Any) -> None:
        self.engine_ = fitted.engine
        self.engine_version_ = fitted.version
        self.model_ = fitted.native
        self.topic_word_ = fitted.topic_word
        self.doc_dirichlet_ = fitted.doc_dirichlet
        self.doc_topic_ = fitted.doc_dirichlet / fitted.doc_dirichlet.sum(axis=1, keepdims=True)
        self.alpha_ = fitted.alpha
        self.eta_ = fitted.eta

    def _check_fitted(self) -> None:
        if not hasattr(self, "topic_word_"):
            raise TextmineError("this TopicModel is not fitted yet: call .fit(corpus) or TopicModel.load(path)")

    # -- results ----------------------------------------------------------------------
    def vocabulary(self) -> list[str]:
        """The modelled terms in id order (the columns of :meth:`topic_term_matrix`)."""
        self._check_fitted()
        return _vocab(self.dictionary_)

    def term_counts(self) -> np.ndarray:
        """How often each vocabulary term occurs in the modelled units (id order)."""
        self._check_fitted()
        counts = np.zeros(len(self.dictionary_), dtype=np.float64)
        for term_id, count in self.dictionary_.cfs.items():
            counts[term_id] = count
        return counts

    def topic_terms(self, n: int = 10, *, order: str = "probability", lam: float = 0.6,
                    frexweight: float = 0.5) -> pd.DataFrame:
        """Top ``n`` terms of every topic: ``DataFrame(topic, term_rank, term, weight)`` (1 = top).

        The position is ``term_rank``, as in :func:`textmine.top_terms`: ``rank`` is a metadata
        column (副省级城市, 地级市, …) and means that in every result.
        ``weight`` is the term's probability in the topic. ``order`` ranks the terms:

        - ``"probability"``: the most probable terms (frequent words dominate every topic);
        - ``"relevance"``: ``lam * log p(w|k) + (1 - lam) * log(p(w|k) / p(w))`` (Sievert & Shirley
          2014, LDAvis; ``lam=0.6`` is their recommendation; ``lam=1`` is probability);
        - ``"frex"``: the weighted harmonic mean of a term's rank (ECDF within the topic) by
          exclusivity ``p(w|k) / sum_j p(w|j)`` and by probability, ``frexweight`` on exclusivity
          (Bischof & Airoldi 2012; stm's ``labelTopics``, default weight 0.5).

        With ``order="relevance"`` or ``"frex"`` a ``score`` column holds the ranking value.
        """
        self._check_fitted()
        phi = self.topic_word_
        if order == "probability":
            score = phi
        elif order == "relevance":
            if not 0 <= lam <= 1:
                raise TextmineError(f"lam must be between 0 and 1, got {lam!r}")
            counts = self.term_counts()
            p_w = counts / counts.sum()
            with np.errstate(divide="ignore"):
                score = lam * np.log(phi) + (1 - lam) * np.log(phi / p_w)
        elif order == "frex":
            score = _frex(phi, frexweight)
        else:
            raise TextmineError(f"order must be 'probability', 'relevance' or 'frex', got {order!r}")
        vocab = self.vocabulary()
        rows = []
        for topic, ids in enumerate(_top_ids(score, n)):
            for rank, term_id in enumerate(ids, start=1):
                row = [topic, rank, vocab[term_id], float(phi[topic, term_id])]
                if order != "probability":
                    row.append(float(score[topic, term_id]))
                rows.append(row)
        return pd.DataFrame(rows, columns=["topic", "term_rank", "term", "weight",
                                           *(["score"] if order != "probability" else [])])

    def topic_term_matrix(self) -> np.ndarray:
        """Topics x terms probabilities (rows sum to 1); columns follow ``dictionary_`` ids."""
        self._check_fitted()
        return self.topic_word_

    def labels(self, n: int = 3, sep: str = "·", *, order: str = "probability") -> pd.Series:
        """A short label per topic from its top ``n`` terms, e.g. ``"新质生产力·产业·创新"``."""
        terms = self.topic_terms(n=n, order=order)
        labels = terms.groupby("topic", sort=True)["term"].agg(lambda s: sep.join(s))
        return labels.rename("label").rename_axis("topic")

    def describe(self, n: int = 8, *, lam: float = 0.6, sep: str = "、") -> pd.DataFrame:
        """One row per topic to name it by: ``DataFrame(topic, share, probability, frex, relevance)``.

        ``share`` is the topic's length-weighted share of all modelled words; the three text
        columns list the top ``n`` terms by probability, by FREX and by relevance (``lam``),
        as in stm's ``labelTopics`` and LDAvis (see :meth:`topic_terms`). Read them with
        :meth:`representative`, the units most devoted to each topic.
        """
        self._check_fitted()
        overall = self.prevalence(by=None).set_index("topic")["share"]
        columns = {"probability": self.topic_terms(n), "frex": self.topic_terms(n, order="frex"),
                   "relevance": self.topic_terms(n, order="relevance", lam=lam)}
        frame = pd.DataFrame({"topic": range(self.k_), "share": overall.reindex(range(self.k_)).to_numpy()})
        for name, table in columns.items():
            frame[name] = table.groupby("topic", sort=True)["term"].agg(sep.join).reindex(range(self.k_)).to_numpy()
        return frame

    def representative(self, n: int = 3, *, min_tokens: int | None = None, chars: int | None = 200) -> pd.DataFrame:
        """The ``n`` units with the highest share of each topic, to read: ``DataFrame(topic, unit_rank, unit_id, doc_id, place, year, share, n_tokens, text)``.

        Like stm's ``findThoughts``: units ranked by their share of the topic; units with
        fewer than ``min_tokens`` vocabulary tokens are skipped (default: the median length, so
        that a three-word line does not win with a share of 1); ``text`` is the unit's cleaned
        text, cut at ``chars`` characters (``None``: whole).
        """
        self._check_fitted()
        lengths = self.units_["n_tokens"].to_numpy()
        floor = float(np.median(lengths)) if min_tokens is None else min_tokens
        eligible = np.flatnonzero(lengths >= floor)
        rows = []
        for topic in range(self.k_):
            shares = self.doc_topic_[eligible, topic]
            best = eligible[np.argsort(-shares, kind="stable")[:n]]
            for rank, i in enumerate(best, start=1):
                unit = self.units_.iloc[i]
                text = self.unit_texts_[i] if self.unit_texts_ is not None else None
                if text is not None and chars is not None and len(text) > chars:
                    text = text[:chars] + "…"
                rows.append((topic, rank, unit["unit_id"], unit["doc_id"], unit.get("place"), unit.get("year"),
                             float(self.doc_topic_[i, topic]), int(lengths[i]), text))
        frame = pd.DataFrame(rows, columns=["topic", "unit_rank", "unit_id", "doc_id", "place", "year", "share",
                                            "n_tokens", "text"])
        frame["year"] = frame["year"].astype("Int64")
        return frame

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

    def draw_doc_topics(self, n: int, *, seed: int = 0) -> Iterator[np.ndarray]:
        """``n`` draws of every unit's topic shares from their posterior Dirichlets (units x topics each).

        The uncertainty :func:`textmine.effects.topic_effects` carries into its intervals
        (stm's ``thetaPosterior``). Seeded: the same ``seed`` gives the same draws.
        """
        self._check_fitted()
        rng = np.random.default_rng(seed)
        for _ in range(int(n)):
            yield _engines.dirichlet_draw(rng, self.doc_dirichlet_)

    # -- persistence --------------------------------------------------------------------
    def _settings(self) -> dict[str, Any]:
        params = {name: getattr(self, name) for name in (
            "k", "engine", "unit", "seed", "no_below", "min_docs", "no_above", "keep_n", "min_tokens", "min_chars",
            "iterations", "passes", "alpha", "eta", "chunksize", "topn", "tol", "n_seeds", "heldout", "n_jobs",
            "cache")}
        params["k_range"] = [int(k) for k in self.k_range]
        if not isinstance(params["cache"], bool):
            params["cache"] = str(params["cache"])
        params["tokenizer"] = None if self.tokenizer is None else repr(self.tokenizer)
        for name in ("alpha", "eta"):
            if isinstance(params[name], np.ndarray):
                params[name] = params[name].tolist()
        return params

    def save(self, path: str | os.PathLike, *, engine_state: bool = False) -> Path:
        """Save a fitted model into the folder ``path`` (replacing a model saved there before).

        The folder holds plain data only, which :meth:`load` reads without running anything:
        ``textmine_topics.json`` (settings, vocabulary with counts, priors, unit metadata and
        texts, K selection) and ``arrays.npz`` (``topic_word``, ``doc_dirichlet``; numbers only,
        read with ``allow_pickle=False``). That is everything every result method needs.

        ``engine_state=True`` also writes the engine's own model file (``engine.tomotopy``:
        tomotopy's binary format; ``engine.gensim*``: gensim's, which is a Python pickle), for
        training further. Those files are loaded only with ``TopicModel.load(path, trust=True)``.
        Everything is written into a temporary sibling folder first and renamed into place, so
        an interrupted save never leaves a half-written model.
        """
        self._check_fitted()
        target = Path(path)
        if target.exists() and not (target / _SIDECAR).is_file():
            raise TextmineError(f"{target}: exists and is not a saved textmine topic model; not overwriting it")
        if engine_state and self.model_ is None:
            raise TextmineError("this model has no engine state (it was loaded without trust=True); "
                                "save it with engine_state=False")
        return _write_folder(target, lambda folder: self._write_into(folder, engine_state))

    def _write_into(self, folder: Path, engine_state: bool) -> None:
        with atomic_open(folder / _ARRAYS_FILE, "wb") as fh:
            np.savez(fh, topic_word=self.topic_word_, doc_dirichlet=self.doc_dirichlet_,
                     alpha=np.asarray(self.alpha_, dtype=np.float64))
        engine_file = None
        if engine_state:
            engine_file = f"engine.{self.engine_}"
            if self.engine_ == "tomotopy":
                self.model_.save(str(folder / engine_file), full=True)
            else:
                self.model_.save(str(folder / engine_file))
        vocab = self.vocabulary()
        sidecar = {
            "format": _FORMAT,
            "engine_": self.engine_,
            "engine_version_": self.engine_version_,
            "engine_file": engine_file,
            "settings": self._settings(),
            "k_": self.k_,
            "unit_": self.unit_,
            "eta_": float(self.eta_),
            "vocabulary": vocab,
            "dfs": [int(self.dictionary_.dfs.get(i, 0)) for i in range(len(vocab))],
            "cfs": [int(self.dictionary_.cfs.get(i, 0)) for i in range(len(vocab))],
            "num_docs": int(self.dictionary_.num_docs),
            "tokenizer_fingerprint_": self.tokenizer_fingerprint_,
            "fit_seconds_": self.fit_seconds_,
            "units_": _records(self.units_),
            "unit_texts_": self.unit_texts_,
            "dropped_": _records(self.dropped_),
            "selection_": None if self.selection_ is None else {
                "table": _records(self.selection_), "attrs": dict(self.selection_.attrs),
                "runs": None if self.selection_runs_ is None else _records(self.selection_runs_)},
        }
        write_text_atomic(folder / _SIDECAR, json.dumps(sidecar, ensure_ascii=False, indent=1))

    @classmethod
    def load(cls, path: str | os.PathLike, *, trust: bool = False) -> "TopicModel":
        """Load a model saved with :meth:`save`, reading plain data only unless ``trust=True``.

        By default only ``textmine_topics.json`` and ``arrays.npz`` (``allow_pickle=False``) are
        read, and checked (shapes, finite non-negative numbers): nothing in the folder can run
        code, so a model folder from a stranger is safe to open. Every result method works.

        ``trust=True`` also loads the engine's own model file when the folder has one (written by
        ``save(engine_state=True)``), as ``model_``; and it is the only way to open a folder
        saved by textmine before format 2 (``lda.gensim``). Those files are gensim pickles, which
        run any code planted in them as they load, or tomotopy binaries, read by C++ code that is
        not hardened against hostile input: pass ``trust=True`` only for folders you made yourself
        or trust like your own code.

        The tokenizer is not saved (only its ``repr`` and ``tokenizer_fingerprint_``).
        """
        folder = Path(path)
        sidecar_path = folder / _SIDECAR
        if not sidecar_path.is_file():
            raise TextmineError(f"{folder}: no {_SIDECAR}; not a topic model saved by textmine")
        try:
            sidecar = json.loads(sidecar_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise TextmineError(f"{sidecar_path}: unreadable ({exc})") from None
        if not isinstance(sidecar, dict):
            raise TextmineError(f"{sidecar_path}: not a textmine topic model description")
        if sidecar.get("format") == _OLD_FORMAT:
            if not trust:
                raise TextmineError(
                    f"{folder}: saved by an older textmine as a gensim model file, which is a Python pickle "
                    "and runs any code planted in it when loaded; not loading it. If you made this folder "
                    "yourself, load it with TopicModel.load(path, trust=True) and save it again (the new "
                    "format holds plain data only)")
            return cls._load_old(folder, sidecar)
        if sidecar.get("format") != _FORMAT:
            raise TextmineError(f"{sidecar_path}: format {sidecar.get('format')!r}, expected {_FORMAT!r}")
        try:
            return cls._load_new(folder, sidecar, trust=trust)
        except (KeyError, TypeError, ValueError) as exc:
            raise TextmineError(f"{folder}: damaged or not a textmine topic model ({type(exc).__name__}: {exc})") from None

    @classmethod
    def _from_sidecar(cls, sidecar: dict) -> "TopicModel":
        settings = dict(sidecar["settings"])
        tokenizer_repr = settings.pop("tokenizer")
        self = cls(**settings)
        self.tokenizer = None
        self.tokenizer_repr_ = tokenizer_repr
        self.k_ = int(sidecar["k_"])
        self.unit_ = str(sidecar["unit_"])
        self.no_above_ = resolve_no_above(self.no_above, self.unit_)
        self.tokenizer_fingerprint_ = sidecar["tokenizer_fingerprint_"]
        self.fit_seconds_ = sidecar["fit_seconds_"]
        self.units_ = _from_records(sidecar["units_"])
        self.dropped_ = _from_records(sidecar["dropped_"])
        self.unit_texts_ = sidecar.get("unit_texts_")
        sel = sidecar["selection_"]
        self.selection_ = self.selection_runs_ = None
        if sel is not None:
            self.selection_ = _from_records(sel["table"])
            self.selection_.attrs.update(sel["attrs"])
            if sel.get("runs") is not None:
                self.selection_runs_ = _from_records(sel["runs"])
        return self

    @classmethod
    def _load_new(cls, folder: Path, sidecar: dict, *, trust: bool) -> "TopicModel":
        from gensim.corpora import Dictionary

        self = cls._from_sidecar(sidecar)
        arrays_path = folder / _ARRAYS_FILE
        try:
            with np.load(arrays_path, allow_pickle=False) as arrays:
                topic_word = np.array(arrays["topic_word"], dtype=np.float64)
                doc_dirichlet = np.array(arrays["doc_dirichlet"], dtype=np.float64)
                alpha = np.array(arrays["alpha"], dtype=np.float64)
        except (OSError, ValueError, KeyError) as exc:
            raise TextmineError(f"{arrays_path}: unreadable or not plain numbers ({exc})") from None
        vocab = [str(t) for t in sidecar["vocabulary"]]
        k, n_units = self.k_, len(self.units_)
        expected = {"topic_word": (k, len(vocab)), "doc_dirichlet": (n_units, k), "alpha": (k,)}
        for name, array in (("topic_word", topic_word), ("doc_dirichlet", doc_dirichlet), ("alpha", alpha)):
            if array.shape != expected[name] or not np.all(np.isfinite(array)) or (array < 0).any():
                raise TextmineError(f"{arrays_path}: {name} has shape {array.shape} or values that do not fit "
                                    f"the model ({expected[name]} finite non-negative numbers expected)")
        if self.unit_texts_ is not None and len(self.unit_texts_) != n_units:
            raise TextmineError(f"{folder / _SIDECAR}: {len(self.unit_texts_)} unit texts for {n_units} units")
        dictionary = Dictionary()
        dictionary.token2id = {t: i for i, t in enumerate(vocab)}
        if len(dictionary.token2id) != len(vocab):
            raise TextmineError(f"{folder / _SIDECAR}: the vocabulary repeats terms")
        dictionary.dfs = {i: int(v) for i, v in enumerate(sidecar["dfs"])}
        dictionary.cfs = {i: int(v) for i, v in enumerate(sidecar["cfs"])}
        dictionary.num_docs = int(sidecar["num_docs"])
        dictionary.num_pos = int(sum(dictionary.cfs.values()))
        self.dictionary_ = dictionary
        fitted = _engines.Fitted(str(sidecar["engine_"]), topic_word, doc_dirichlet, alpha, float(sidecar["eta_"]),
                                 native=None, version=str(sidecar.get("engine_version_", "")))
        if trust and sidecar.get("engine_file"):
            fitted.native = _load_engine_file(folder / str(sidecar["engine_file"]), fitted.engine)
        self._set_fitted(fitted)
        return self

    @classmethod
    def _load_old(cls, folder: Path, sidecar: dict) -> "TopicModel":
        """A format-1 folder (gensim pickle): only with trust=True."""
        from gensim.corpora import Dictionary
        from gensim.models import LdaModel

        settings = sidecar["settings"]
        settings.setdefault("engine", "gensim")
        self = cls._from_sidecar(sidecar)
        self.unit_texts_ = None
        model = LdaModel.load(str(folder / "lda.gensim"))
        self.dictionary_ = Dictionary.load_from_text(str(folder / "dictionary.txt"))
        theta = np.load(folder / "doc_topics.npy", allow_pickle=False)
        import gensim

        self._set_fitted(_engines.Fitted("gensim", np.asarray(model.get_topics(), dtype=np.float64), theta,
                                         np.asarray(model.alpha, dtype=np.float64), float(np.mean(model.eta)),
                                         native=model, version=gensim.__version__))
        return self

    # -- interactive page -------------------------------------------------------------
    def pyldavis_data(self) -> dict[str, Any]:
        """The arguments of ``pyLDAvis.prepare``: topic-term and unit-topic matrices, unit lengths, vocabulary, term counts."""
        self._check_fitted()
        return {"topic_term_dists": self.topic_term_matrix(), "doc_topic_dists": self.doc_topic_,
                "doc_lengths": self.units_["n_tokens"].to_numpy(), "vocab": self.vocabulary(),
                "term_frequency": self.term_counts()}

    def to_pyldavis(self, path: str | os.PathLike, **kwargs: Any) -> Path:
        """Write an interactive pyLDAvis page (HTML) with textmine's topic numbers.

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
        options = dict(sort_topics=False, start_index=0, n_jobs=1)
        options.update(kwargs)
        data = pyLDAvis.prepare(**self.pyldavis_data(), **options)
        return write_text_atomic(path, pyLDAvis.prepared_data_to_html(data))

    def __repr__(self) -> str:
        fitted = (f", fitted: {self.engine_}, k_={self.k_}, {len(self.units_)} {self.unit_} units"
                  if hasattr(self, "topic_word_") else "")
        return f"TopicModel(k={self.k!r}, engine={self.engine!r}, unit={self.unit!r}, seed={self.seed}{fitted})"


def _frex(phi: np.ndarray, weight: float) -> np.ndarray:
    """FREX scores (topics x terms): harmonic mean of exclusivity and frequency ranks within each topic."""
    from scipy.stats import rankdata

    if not 0 <= weight <= 1:
        raise TextmineError(f"frexweight must be between 0 and 1, got {weight!r}")
    exclusivity = phi / phi.sum(axis=0, keepdims=True)
    n = phi.shape[1]
    ex_rank = rankdata(exclusivity, method="max", axis=1) / n
    fr_rank = rankdata(phi, method="max", axis=1) / n
    return 1.0 / (weight / ex_rank + (1 - weight) / fr_rank)


def _load_engine_file(path: Path, engine: str) -> Any:
    """The engine's own model (trusted folders only: see TopicModel.load)."""
    if engine == "tomotopy":
        import tomotopy as tp

        return tp.LDAModel.load(str(path))
    from gensim.models import LdaModel

    return LdaModel.load(str(path))

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
