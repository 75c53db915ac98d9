"""LDA engines behind :class:`textmine.topics.TopicModel`: tomotopy (Gibbs sampling) and gensim (variational).

Each engine takes the same input -- units as arrays of term ids into one sorted
vocabulary -- and returns the same :class:`Fitted` arrays, so every result
(top terms, unit shares, prevalence, effects, held-out likelihood, saving) is
computed by textmine from plain numbers, whatever the engine:

- ``topic_word``: topics x terms probabilities (rows sum to 1), columns in vocabulary order;
- ``doc_dirichlet``: units x topics parameters of each unit's posterior Dirichlet over its
  topic shares (tomotopy: topic counts of the last Gibbs sample + alpha; gensim: the
  variational ``gamma``); the unit's shares are these parameters normalised.

Both engines are deterministic for a seed: tomotopy trains with one worker and no
parallel scheme (tomotopy warns that results differ with more workers); gensim uses the
single-process ``LdaModel`` with ``random_state`` (``LdaMulticore`` is documented as
non-deterministic).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from .errors import TextmineError

__all__ = ["ENGINES", "Fitted", "fit", "resolve_engine", "has_tomotopy", "fold_in", "completion_loglik",
           "dirichlet_draw"]

#: Engines :class:`textmine.topics.TopicModel` accepts (``"auto"``: tomotopy when installed, else gensim).
ENGINES = ("auto", "tomotopy", "gensim")

#: Gibbs sweeps of the tomotopy engine when ``iterations`` is not given.
TOMOTOPY_ITERATIONS = 300
#: Variational iterations per unit of the gensim engine when ``iterations`` is not given.
GENSIM_ITERATIONS = 100


@dataclass
class Fitted:
    """What an engine hands back: plain arrays, and the engine's own model object (not saved by default)."""

    engine: str
    topic_word: np.ndarray        # K x V, rows sum to 1
    doc_dirichlet: np.ndarray     # units x K, posterior Dirichlet parameters (> 0)
    alpha: np.ndarray             # K, document-topic prior in force at the end of training
    eta: float                    # topic-word prior
    native: Any = field(default=None, repr=False)
    version: str = ""


def has_tomotopy() -> bool:
    """True when the tomotopy package can be imported."""
    try:
        import tomotopy  # noqa: F401
    except ImportError:
        return False
    return True


def resolve_engine(engine: str) -> str:
    """The engine ``engine`` stands for: ``"auto"`` is tomotopy when installed, else gensim.

    >>> resolve_engine("gensim")
    'gensim'
    >>> resolve_engine("auto") in ("tomotopy", "gensim")
    True
    """
    if engine not in ENGINES:
        raise TextmineError(f"unknown topic model engine {engine!r}; choose one of {', '.join(ENGINES)}")
    if engine == "auto":
        return "tomotopy" if has_tomotopy() else "gensim"
    if engine == "tomotopy" and not has_tomotopy():
        raise TextmineError("engine='tomotopy' needs the tomotopy package: pip install tomotopy "
                            "(or use engine='gensim')")
    return engine


def _prior(value: Any, k: int, name: str) -> Any:
    """A symmetric prior 1/K for None/'symmetric'/'auto'-less strings; floats and arrays as given."""
    if value is None or (isinstance(value, str) and value == "symmetric"):
        return 1.0 / k
    if isinstance(value, str):
        raise TextmineError(f"{name}={value!r} is not available with engine='tomotopy'; give a number, "
                            "a list of K numbers or 'symmetric'")
    return value


def fit(engine: str, docs: Sequence[np.ndarray], vocab: Sequence[str], k: int, *, seed: int,
        iterations: int | None, alpha: Any, eta: Any, passes: int, chunksize: int | None) -> Fitted:
    """Fit LDA with ``k`` topics on ``docs`` (arrays of term ids into ``vocab``)."""
    if int(k) < 1:
        raise TextmineError(f"k (number of topics) must be at least 1, got {k!r}")
    if int(seed) < 0:
        raise TextmineError(f"seed must be a non-negative whole number, got {seed!r}")
    if engine == "tomotopy":
        return _fit_tomotopy(docs, vocab, int(k), seed=int(seed), iterations=iterations, alpha=alpha, eta=eta)
    if engine == "gensim":
        return _fit_gensim(docs, vocab, int(k), seed=int(seed), iterations=iterations, alpha=alpha, eta=eta,
                           passes=passes, chunksize=chunksize)
    raise TextmineError(f"unknown topic model engine {engine!r}")


def _fit_tomotopy(docs, vocab, k, *, seed, iterations, alpha, eta) -> Fitted:
    import tomotopy as tp

    model = tp.LDAModel(k=k, alpha=_prior(alpha, k, "alpha"), eta=0.01 if eta is None else float(eta), seed=seed)
    words = np.asarray(vocab, dtype=object)
    for ids in docs:
        model.add_doc(words[ids].tolist())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        model.train(TOMOTOPY_ITERATIONS if iterations is None else int(iterations), workers=1,
                    parallel=tp.ParallelScheme.NONE)
    # tomotopy numbers its words by frequency: put the columns in textmine's vocabulary order
    position = {w: i for i, w in enumerate(vocab)}
    order = np.array([position[w] for w in model.used_vocabs], dtype=np.int64)
    eta_ = float(model.eta)
    n_k = np.asarray(model.get_count_by_topics(), dtype=np.float64)
    # a vocabulary term absent from these units (a held-out split) gets the prior's share, never 0
    topic_word = np.repeat((eta_ / (n_k + len(vocab) * eta_))[:, None], len(vocab), axis=1)
    for t in range(k):
        topic_word[t, order] = np.asarray(model.get_topic_word_dist(t), dtype=np.float64)
    topic_word /= topic_word.sum(axis=1, keepdims=True)
    alpha_ = np.asarray(model.alpha, dtype=np.float64).reshape(-1)
    if alpha_.size == 1:
        alpha_ = np.full(k, float(alpha_[0]))
    counts = np.zeros((len(docs), k), dtype=np.float64)
    for i, d in enumerate(model.docs):   # topic of each token in the last Gibbs sample
        counts[i] = np.bincount(np.asarray(d.topics, dtype=np.int64), minlength=k)
    return Fitted("tomotopy", topic_word, counts + alpha_, alpha_, float(model.eta),
                  native=model, version=tp.__version__)


def _fit_gensim(docs, vocab, k, *, seed, iterations, alpha, eta, passes, chunksize) -> Fitted:
    import gensim
    from gensim.corpora import Dictionary
    from gensim.models import LdaModel

    dictionary = Dictionary()
    dictionary.token2id = {w: i for i, w in enumerate(vocab)}
    bow = [_bow(ids) for ids in docs]
    model = LdaModel(
        corpus=bow, id2word=dictionary, num_topics=k, random_state=seed, passes=passes,
        iterations=GENSIM_ITERATIONS if iterations is None else int(iterations), alpha=alpha, eta=eta,
        chunksize=chunksize or len(bow), update_every=1, eval_every=None, minimum_probability=0.0,
        dtype=np.float64)
    # one inference pass right after training; the normalised gamma is gensim's unit share
    # without get_document_topics' floor on tiny shares
    gamma, _ = model.inference(bow)
    topic_word = np.asarray(model.get_topics(), dtype=np.float64)
    return Fitted("gensim", topic_word, np.asarray(gamma, dtype=np.float64),
                  np.asarray(model.alpha, dtype=np.float64).reshape(-1),
                  float(np.mean(model.eta)), native=model, version=gensim.__version__)


def _bow(ids: np.ndarray) -> list[tuple[int, int]]:
    terms, counts = np.unique(ids, return_counts=True)
    return list(zip(terms.tolist(), counts.tolist()))


def fold_in(topic_word: np.ndarray, alpha: np.ndarray, docs: Sequence[np.ndarray], *,
            iterations: int = 100) -> np.ndarray:
    """Topic shares of new units with the topics held fixed: units x K (rows sum to 1).

    Fixed-point iterations of ``theta_k ∝ alpha_k + sum_w n_w theta_k phi_kw / sum_j theta_j phi_jw``
    (the expectation step of LDA with ``phi`` fixed), from uniform shares: no randomness, the same
    for every engine. Units without tokens get the prior mean.

    >>> phi = np.array([[0.9, 0.1], [0.1, 0.9]])
    >>> fold_in(phi, np.array([0.01, 0.01]), [np.array([0, 0, 0])]).round(2).tolist()
    [[1.0, 0.0]]
    """
    k = topic_word.shape[0]
    theta = np.full((len(docs), k), 1.0 / k)
    if not len(docs):
        return theta
    rows = np.repeat(np.arange(len(docs)), [len(d) for d in docs])
    cols = np.concatenate([np.asarray(d, dtype=np.int64) for d in docs]) if docs else np.zeros(0, np.int64)
    phi = topic_word[:, cols].T                      # tokens x K
    for _ in range(int(iterations)):
        weights = theta[rows] * phi
        weights /= weights.sum(axis=1, keepdims=True)
        theta = np.zeros_like(theta)
        np.add.at(theta, rows, weights)
        theta += alpha
        theta /= theta.sum(axis=1, keepdims=True)
    return theta


def completion_loglik(topic_word: np.ndarray, alpha: np.ndarray, docs: Sequence[np.ndarray]) -> tuple[float, int]:
    """Held-out log likelihood by document completion: (total natural-log likelihood, tokens scored).

    Each unit's tokens at even positions estimate its shares (:func:`fold_in`); the tokens at odd
    positions are scored as ``log sum_k theta_k phi_kw`` (Wallach et al. 2009, "Evaluation
    methods for topic models", document completion). Units with fewer than two tokens are skipped.

    >>> phi = np.array([[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]]) + 1e-12
    >>> ll, n = completion_loglik(phi, np.array([1e-9, 1e-9]), [np.array([0, 1, 0, 1])])
    >>> n, round(ll, 6)          # two scored tokens, each with probability 0.5 under topic 0
    (2, -1.386294)
    """
    seen = [d[0::2] for d in docs if len(d) >= 2]
    held = [d[1::2] for d in docs if len(d) >= 2]
    if not held:
        return float("nan"), 0
    theta = fold_in(topic_word, alpha, seen)
    total = 0.0
    for t, ids in zip(theta, held):
        total += float(np.log(t @ topic_word[:, ids]).sum())
    return total, int(sum(len(h) for h in held))


def dirichlet_draw(rng: np.random.Generator, params: np.ndarray) -> np.ndarray:
    """One draw per row from Dirichlet(row) (rows of positive parameters), through gamma variates.

    >>> float(dirichlet_draw(np.random.default_rng(0), np.array([[1.0, 1.0, 2.0]])).sum().round(12))
    1.0
    """
    draws = rng.standard_gamma(params)
    sums = draws.sum(axis=1, keepdims=True)
    sums[sums == 0] = 1.0
    return draws / sums
