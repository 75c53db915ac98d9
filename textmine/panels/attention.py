"""Dictionary attention: how much of a report is about each category of a dictionary.

Attention is the count of a document's tokens that match a category of a
dictionary, as a share of all its tokens (``unit="tokens"``) or per 10,000
non-whitespace characters (``unit="chars"``), the measure of environmental or
innovation "attention" used as a regressor in panel studies of work reports.

Matching follows quanteda's ``tokens_lookup`` / ``dfm_lookup`` with glob patterns
and ``nested_scope = "key"`` (the cases of quanteda's tests this module ports are
named in ``tests/test_attention.py``):

- an entry is matched against **tokens** (jieba with the policy dictionary; the
  dictionary's own terms are added to the tokenizer so that each stays one token);
- ``*`` in an entry matches any run of characters and ``?`` one character,
  within one token (``绿色*`` matches 绿色发展, 绿色低碳 and 绿色 itself);
- an entry with spaces is a **phrase**, a sequence of tokens
  (``"绿色 发展"`` matches the two tokens 绿色, 发展 in a row);
- within one category, a token counts once however many entries match it, and a
  match nested in a longer match of the same category counts once (the longer);
- **a term in two categories counts in both**: the categories are not exclusive,
  so category counts of one document can add up to more than its matched tokens.

The denominator of ``unit="tokens"`` is the number of tokens the tokenizer keeps
(stopwords, punctuation, numbers and single characters are dropped by default),
like ``ntoken()`` of a quanteda dfm built from the same tokens.

>>> import pandas as pd
>>> df = attention(["推进绿色发展，建设生态文明", "发展数字经济"],
...                {"ecology": ["绿色*", "生态文明"], "economy": ["数字经济"]})
>>> df[["doc_id", "category", "count", "n_tokens", "attention"]].values.tolist()
[['doc0', 'ecology', 2, 3, 0.6666666666666666], ['doc0', 'economy', 0, 3, 0.0], ['doc1', 'ecology', 0, 2, 0.0], ['doc1', 'economy', 1, 2, 0.5]]
"""

from __future__ import annotations

import io
import os
import re
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from .._io import read_text
from ..corpus import as_corpus
from ..errors import CorpusError, DictionaryError, MetadataError
from ..schema import check_by

__all__ = [
    "load_category_dictionary", "attention", "attention_by_year", "attention_panel",
    "expand_dictionary", "POLICY_CATEGORIES",
]

#: The shipped dictionary of policy terms with one category each (``term, category``).
POLICY_CATEGORIES = Path(__file__).resolve().parent.parent / "data" / "policy_terms.csv"

_UNITS = ("tokens", "chars")
_PER = 10_000
_WILD = re.compile(r"[*?]")


# ---------------------------------------------------------------------------
# dictionaries


def load_category_dictionary(source: Any = None) -> pd.DataFrame:
    """A category dictionary as ``DataFrame(term, category)``, one row per term × category.

    ``source`` may be:

    - ``None``: the shipped policy-term categories (``textmine/data/policy_terms.csv``:
      economy, innovation, reform_opening, rural, ecology, livelihood,
      governance, party_building);
    - a dict ``{category: [terms]}``; nested dicts give keys joined by ``.``
      (``{"geo": {"oceans": [...]}}`` -> category ``geo.oceans``, as quanteda's
      ``levels = 1:5``); a single string is one term;
    - a DataFrame with ``term`` and ``category`` columns;
    - a path to a ``.csv`` (``term, category`` columns), a ``.yml``/``.yaml``
      file (quanteda's YAML format: a mapping of categories to lists of terms,
      nested allowed; read with ``yaml.safe_load``), or a LIWC/quanteda ``.dic``
      file (a ``%``-delimited header of ``number  category`` lines, then
      ``term  number [number ...]`` lines).

    Terms may hold ``*``/``?`` wildcards and spaces (a phrase of several tokens).
    A term listed under two categories belongs to both. A missing or malformed
    file, an empty term or category, or an empty dictionary raises
    :class:`~textmine.errors.DictionaryError` naming the source.

    >>> load_category_dictionary({"ecology": ["绿色*", "碳达峰"], "economy": "数字经济"}).values.tolist()
    [['绿色*', 'ecology'], ['碳达峰', 'ecology'], ['数字经济', 'economy']]
    >>> sorted(load_category_dictionary()["category"].unique())[:3]
    ['ecology', 'economy', 'governance']
    """
    if source is None:
        return _from_file(POLICY_CATEGORIES)
    if isinstance(source, pd.DataFrame):
        return _from_frame(source, where="dictionary DataFrame")
    if isinstance(source, Mapping):
        return _table(_flatten(source, "", "dictionary dict"), where="dictionary dict")
    if isinstance(source, (str, os.PathLike)):
        return _from_file(Path(source))
    raise TypeError("dictionary must be None, a dict, a DataFrame or a path to a .csv, .yml/.yaml or .dic file")


def _flatten(mapping: Mapping, prefix: str, where: str) -> list[tuple[Any, str]]:
    rows: list[tuple[Any, str]] = []
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            rows += _flatten(value, f"{name}.", where)
        elif isinstance(value, str):
            rows.append((value, name))
        elif isinstance(value, Iterable):
            rows += [(term, name) for term in value]
        elif value is None:
            raise DictionaryError(f"{where}: category {name!r} has no terms")
        else:
            raise DictionaryError(f"{where}: category {name!r}: expected a list of terms, got {value!r}")
    return rows


def _from_file(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if suffix not in {".csv", ".yml", ".yaml", ".dic"}:
        raise DictionaryError(f"{path}: dictionary files must be .csv (term, category), .yml/.yaml or .dic (LIWC)")
    try:
        text = read_text(path)
    except CorpusError as exc:
        raise DictionaryError(str(exc)) from None
    if suffix == ".csv":
        try:
            frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise DictionaryError(f"{path}: not a readable CSV table ({str(exc).strip()})") from None
        return _from_frame(frame, where=str(path))
    if suffix == ".dic":
        return _table(_parse_dic(text, path), where=str(path))
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DictionaryError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, Mapping):
        raise DictionaryError(f"{path}: a YAML dictionary must be a mapping of categories to lists of terms")
    return _table(_flatten(data, "", str(path)), where=str(path))


def _parse_dic(text: str, path: Path) -> list[tuple[str, str]]:
    """LIWC / quanteda ``.dic``: ``%`` / ``num<TAB>category`` lines / ``%`` / ``term<TAB>num ...`` lines."""
    lines = text.splitlines()
    marks = [i for i, line in enumerate(lines) if line.strip() == "%"]
    if len(marks) < 2:
        raise DictionaryError(f"{path}: a .dic file starts with a category block between two '%' lines")
    categories: dict[str, str] = {}
    for n in range(marks[0] + 1, marks[1]):
        line = lines[n].strip()
        if not line:
            continue
        parts = line.split(None, 1)
        if len(parts) != 2:
            raise DictionaryError(f"{path} line {n + 1}: expected 'number category', got {line!r}")
        categories[parts[0]] = parts[1].strip()
    rows = []
    for n in range(marks[1] + 1, len(lines)):
        line = lines[n].strip()
        if not line:
            continue
        parts = line.split("\t") if "\t" in line else line.split()
        term, numbers = parts[0].strip(), [p for p in parts[1:] if p.strip()]
        if not numbers:
            raise DictionaryError(f"{path} line {n + 1}: term {term!r} has no category number")
        for number in numbers:
            number = number.strip()
            if number not in categories:
                raise DictionaryError(f"{path} line {n + 1}: category number {number!r} is not in the header")
            rows.append((term, categories[number]))
    return rows


def _from_frame(frame: pd.DataFrame, *, where: str) -> pd.DataFrame:
    frame = frame.rename(columns=lambda c: str(c).strip())
    missing = [c for c in ("term", "category") if c not in frame.columns]
    if missing:
        raise DictionaryError(f"{where}: needs 'term' and 'category' columns (has: {', '.join(map(str, frame.columns))})")
    return _table(list(zip(frame["term"], frame["category"])), where=where, first_line=2)


def _table(rows: list[tuple[Any, Any]], *, where: str, first_line: int = 1) -> pd.DataFrame:
    out: dict[tuple[str, str], None] = {}
    for n, (term, category) in enumerate(rows, start=first_line):
        label = f"{where} {'row' if first_line == 2 else 'entry'} {n}"
        if not isinstance(term, str) or not term.strip():
            raise DictionaryError(f"{label}: empty or non-text term {term!r}")
        if category is None or not str(category).strip():
            raise DictionaryError(f"{label}: term {term!r} has no category")
        term = " ".join(term.split())
        if term.replace("*", "").replace("?", "").strip() == "":
            raise DictionaryError(f"{label}: term {term!r} is only wildcards")
        out[(term, str(category).strip())] = None
    if not out:
        raise DictionaryError(f"{where}: no terms")
    return pd.DataFrame(list(out), columns=["term", "category"])


# ---------------------------------------------------------------------------
# matching


class _Lookup:
    """Compiled dictionary: per category, fixed tokens, glob patterns and phrases."""

    def __init__(self, table: pd.DataFrame) -> None:
        self.categories: list[str] = list(dict.fromkeys(table["category"]))
        index = {c: i for i, c in enumerate(self.categories)}
        self._fixed: dict[str, set[int]] = {}
        self._globs: list[tuple[re.Pattern, int]] = []
        self.phrases: list[tuple[tuple[Any, ...], int]] = []  # (token matchers, category)
        for term, category in zip(table["term"], table["category"]):
            k = index[category]
            parts = term.split(" ")
            if len(parts) == 1:
                if _WILD.search(term):
                    self._globs.append((_glob(term), k))
                else:
                    self._fixed.setdefault(term, set()).add(k)
            else:
                self.phrases.append((tuple(_glob(p) if _WILD.search(p) else p for p in parts), k))
        self._memo: dict[str, frozenset[int]] = {}
        self.has_phrases = bool(self.phrases)

    def token_categories(self, token: str) -> frozenset[int]:
        hit = self._memo.get(token)
        if hit is None:
            cats = set(self._fixed.get(token, ()))
            cats.update(k for pattern, k in self._globs if pattern.fullmatch(token))
            hit = self._memo[token] = frozenset(cats)
        return hit

    def count(self, tokens: Sequence[str]) -> np.ndarray:
        """Matches per category in one token list (nested_scope = "key")."""
        counts = np.zeros(len(self.categories), dtype=np.int64)
        if not self.has_phrases:
            for token, n in Counter(tokens).items():
                for k in self.token_categories(token):
                    counts[k] += n
            return counts
        spans: list[set[tuple[int, int]]] = [set() for _ in self.categories]
        for i, token in enumerate(tokens):
            for k in self.token_categories(token):
                spans[k].add((i, i + 1))
        for parts, k in self.phrases:
            n = len(parts)
            for i in range(len(tokens) - n + 1):
                if all(_token_matches(p, t) for p, t in zip(parts, tokens[i:i + n])):
                    spans[k].add((i, i + n))
        for k, found in enumerate(spans):
            counts[k] = sum(1 for s in found if not _nested(s, found))
        return counts

    def fixed_terms(self) -> list[str]:
        """Every wildcard-free token of the dictionary (added to the tokenizer)."""
        terms = list(self._fixed)
        terms += [p for parts, _ in self.phrases for p in parts if isinstance(p, str)]
        return list(dict.fromkeys(terms))


def _glob(pattern: str) -> re.Pattern:
    return re.compile("".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern),
                      re.DOTALL)


def _token_matches(part: Any, token: str) -> bool:
    return part == token if isinstance(part, str) else part.fullmatch(token) is not None


def _nested(span: tuple[int, int], spans: set[tuple[int, int]]) -> bool:
    a, b = span
    return any(s != span and s[0] <= a and b <= s[1] for s in spans)


# ---------------------------------------------------------------------------
# counting


def _tokenizer_for(lookup: _Lookup, tokenizer: Any) -> Any:
    if tokenizer is not None:
        return tokenizer
    from ..tokenize import Tokenizer, load_dictionary

    known = set(load_dictionary())
    extra = [t for t in lookup.fixed_terms() if t not in known]
    return Tokenizer(extra_terms=extra)


def _tokens_of(corpus: Any, default_tokenizer: Any, tokenizer: Any, n_jobs: int | None, cache: Any) -> Any:
    """A :class:`textmine.Tokens` of ``corpus``: itself if it is one, else tokenized here."""
    from ..tokenize import Tokens, as_tokens, tokens

    if isinstance(corpus, Tokens):
        return as_tokens(corpus, tokenizer)
    return tokens(as_corpus(corpus), default_tokenizer(), n_jobs=n_jobs, cache=cache)


def _document_counts(corpus: Any, dictionary: Any, tokenizer: Any, n_jobs: int | None,
                     cache: Any) -> tuple[pd.DataFrame, list[str], np.ndarray, np.ndarray, np.ndarray]:
    """(metadata, categories, counts[doc, category], n_tokens, n_chars)."""
    lookup = _Lookup(load_category_dictionary(dictionary))
    toks = _tokens_of(corpus, lambda: _tokenizer_for(lookup, tokenizer), tokenizer, n_jobs, cache)
    corpus = toks.corpus
    counts = np.zeros((len(corpus), len(lookup.categories)), dtype=np.int64)
    n_tokens = np.zeros(len(corpus), dtype=np.int64)
    for row, tokens in enumerate(toks):
        counts[row] = lookup.count(tokens)
        n_tokens[row] = len(tokens)
    n_chars = np.array([doc.n_chars for doc in corpus], dtype=np.int64)
    return corpus.meta_frame(), lookup.categories, counts, n_tokens, n_chars


def _check_unit(unit: str) -> None:
    if unit not in _UNITS:
        raise ValueError(f"unit must be 'tokens' (share of all tokens) or 'chars' (per 10,000 characters), not {unit!r}")


def _value(count: np.ndarray, n_tokens: np.ndarray, n_chars: np.ndarray, unit: str) -> np.ndarray:
    count = np.asarray(count, dtype=float)
    denom = np.asarray(n_tokens if unit == "tokens" else n_chars, dtype=float)
    scale = 1.0 if unit == "tokens" else _PER
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denom > 0, count / denom * scale, np.nan)


def _long(meta: pd.DataFrame, categories: list[str], counts: np.ndarray, n_tokens: np.ndarray,
          n_chars: np.ndarray, unit: str) -> pd.DataFrame:
    n_docs, n_cat = counts.shape
    out = meta.loc[meta.index.repeat(n_cat)].reset_index(drop=True)
    out["category"] = np.tile(np.array(categories, dtype=object), n_docs)
    out["count"] = counts.reshape(-1)
    out["n_tokens"] = np.repeat(n_tokens, n_cat)
    out["n_chars"] = np.repeat(n_chars, n_cat)
    out["attention"] = _value(out["count"], out["n_tokens"], out["n_chars"], unit)
    return out


def attention(corpus_or_texts: Any, dictionary: Any = None, *, by: str | Sequence[str] | None = None,
              unit: str = "tokens", tokenizer: Any = None, n_jobs: int | None = None,
              cache: Any = True) -> pd.DataFrame:
    """Counts and shares of each dictionary category, per document or pooled per group.

    Parameters
    ----------
    corpus_or_texts : Corpus, str, list of str or Tokens
        A :class:`textmine.Tokens` is used as it is (its tokenizer, its cache).
    dictionary : anything :func:`load_category_dictionary` accepts
        None = the shipped policy-term categories.
    by : str or list of str, optional
        Metadata column(s): counts and denominators are summed over each group's
        documents (a pooled rate, not a mean of document rates).
    unit : {"tokens", "chars"}
        ``attention`` = ``count / n_tokens`` (share of all tokens) or
        ``count`` per 10,000 non-whitespace characters.
    tokenizer : Tokenizer, optional
        Default: the policy tokenizer with the dictionary's wildcard-free terms
        added, so each stays one token. A tokenizer you pass is used as is.
    n_jobs, cache
        As in :func:`textmine.tokens`.

    Returns
    -------
    DataFrame
        ``by=None``: one row per document × category: ``doc_id``, the metadata
        columns, ``category, count, n_tokens, n_chars, attention`` (zeros included).
        ``by`` given: the ``by`` columns, ``category, count, n_tokens, n_chars,
        attention, n_docs``.

    Examples
    --------
    >>> docs = ["推进绿色低碳发展", "建设生态文明"]
    >>> attention(docs, {"ecology": ["绿色*", "生态*"]}, unit="chars")["attention"].round(1).tolist()
    [1250.0, 1666.7]
    """
    _check_unit(unit)
    meta, categories, counts, n_tokens, n_chars = _document_counts(corpus_or_texts, dictionary, tokenizer,
                                                                    n_jobs, cache)
    long = _long(meta, categories, counts, n_tokens, n_chars, unit)
    if by is None:
        return long
    keys = check_by(by, meta.columns)
    order = {c: i for i, c in enumerate(categories)}
    pooled = (long.assign(_order=long["category"].map(order))
              .groupby(keys + ["_order"], sort=True, dropna=False)
              .agg(count=("count", "sum"), n_tokens=("n_tokens", "sum"), n_chars=("n_chars", "sum"),
                   n_docs=("count", "size"))
              .reset_index())
    pooled.insert(len(keys), "category", np.array(categories, dtype=object)[pooled["_order"]])
    pooled["attention"] = _value(pooled["count"], pooled["n_tokens"], pooled["n_chars"], unit)
    return pooled[keys + ["category", "count", "n_tokens", "n_chars", "attention", "n_docs"]]


# ---------------------------------------------------------------------------
# over time


def attention_by_year(corpus_or_texts: Any, dictionary: Any = None, *, by: str | Sequence[str] | None = "level",
                      unit: str = "tokens", interval: str = "poisson", confidence: float = 0.95,
                      n_boot: int = 1000, seed: int = 0, tokenizer: Any = None, n_jobs: int | None = None,
                      cache: Any = True) -> pd.DataFrame:
    """Category attention per year (and group), with a confidence interval.

    The rate of a cell (year × group × category) is pooled: the sum of its
    documents' counts over the sum of their denominators (tokens, or characters
    / 10,000).

    Parameters
    ----------
    by : str, list of str or None
        Groups within a year (default ``"level"``); None pools all documents of a year.
    interval : {"poisson", "bootstrap"}
        ``"poisson"``: the exact (Garwood) interval of a Poisson count divided
        by the cell's denominator -- it treats the cell's tokens as independent
        draws, so it understates the spread between documents.
        ``"bootstrap"``: percentile interval of the pooled rate over ``n_boot``
        resamples of the cell's documents with replacement (seeded by ``seed``);
        a cell with one document gets a zero-width interval -- read ``n_docs``.
    confidence : float
        Coverage of the interval (0.95).

    Returns
    -------
    DataFrame
        ``year``, the ``by`` columns, ``category, count, n_tokens, n_chars,
        attention, lower, upper, n_docs``. Documents without a year are left out
        (their number is in ``attrs["n_without_year"]``).

    Examples
    --------
    >>> import pandas as pd
    >>> from textmine import Corpus
    >>> df = pd.DataFrame({"doc_id": ["a", "b"], "year": [2023, 2024],
    ...                    "text": ["推进绿色低碳发展", "建设生态文明，发展数字经济"]})
    >>> r = attention_by_year(Corpus.from_dataframe(df), {"ecology": ["绿色*", "生态文明"]}, by=None)
    >>> r[["year", "count", "n_tokens", "attention"]].to_dict("list")
    {'year': [2023, 2024], 'count': [1, 1], 'n_tokens': [2, 4], 'attention': [0.5, 0.25]}
    """
    _check_unit(unit)
    if interval not in ("poisson", "bootstrap"):
        raise ValueError(f"interval must be 'poisson' or 'bootstrap', not {interval!r}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, not {confidence!r}")
    meta, categories, counts, n_tokens, n_chars = _document_counts(corpus_or_texts, dictionary, tokenizer,
                                                                    n_jobs, cache)
    keys = ["year"] + ([] if by is None else [k for k in check_by(by, meta.columns) if k != "year"])
    has_year = meta["year"].notna().to_numpy()
    if len(meta) and not has_year.any():
        raise MetadataError(f"attention_by_year needs 'year' metadata: none of the {len(meta)} documents has a year")
    rng = np.random.default_rng(seed)
    alpha = 1 - confidence
    rows = []
    frame = meta.loc[has_year, keys].reset_index(drop=True)
    idx = np.flatnonzero(has_year)
    groups = frame.groupby(keys, sort=True, dropna=False).indices if len(frame) else {}
    for key, members in groups.items():
        key = key if isinstance(key, tuple) else (key,)
        docs = idx[members]
        exposure = (n_tokens if unit == "tokens" else n_chars / _PER)[docs].astype(float)
        for k, category in enumerate(categories):
            c = counts[docs, k]
            total, expo = int(c.sum()), float(exposure.sum())
            value = total / expo if expo > 0 else np.nan
            if interval == "poisson":
                lo, hi = _garwood(total, alpha)
                lower, upper = (lo / expo, hi / expo) if expo > 0 else (np.nan, np.nan)
            else:
                lower, upper = _bootstrap(c, exposure, n_boot, alpha, rng)
            rows.append((*key, category, total, int(n_tokens[docs].sum()), int(n_chars[docs].sum()),
                         value, lower, upper, len(docs)))
    out = pd.DataFrame(rows, columns=keys + ["category", "count", "n_tokens", "n_chars", "attention",
                                             "lower", "upper", "n_docs"])
    out["year"] = out["year"].astype("int64")
    out.attrs["n_without_year"] = int((~has_year).sum())
    out.attrs["unit"] = unit
    return out


def _garwood(k: int, alpha: float) -> tuple[float, float]:
    """Exact Poisson interval for a count ``k`` (Garwood 1936)."""
    from scipy.stats import chi2

    lower = 0.0 if k == 0 else chi2.ppf(alpha / 2, 2 * k) / 2
    upper = chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2
    return float(lower), float(upper)


def _bootstrap(counts: np.ndarray, exposure: np.ndarray, n_boot: int, alpha: float,
               rng: np.random.Generator) -> tuple[float, float]:
    n = len(counts)
    draws = rng.integers(0, n, size=(n_boot, n))
    num = counts[draws].sum(axis=1).astype(float)
    den = exposure[draws].sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        stats = np.where(den > 0, num / den, np.nan)
    stats = stats[~np.isnan(stats)]
    if not len(stats):
        return np.nan, np.nan
    return float(np.quantile(stats, alpha / 2)), float(np.quantile(stats, 1 - alpha / 2))


def attention_panel(corpus_or_texts: Any, dictionary: Any = None, *, unit: str = "tokens",
                    index: Sequence[str] = ("place", "year"), tokenizer: Any = None,
                    n_jobs: int | None = None, cache: Any = True) -> pd.DataFrame:
    """A place × year wide table of attention, one column per category, ready for a regression.

    Several documents of one place and year (a report and an excerpt, say) are
    pooled: their counts and denominators are summed. Documents missing a value
    of ``index`` are left out (counted in ``attrs["n_left_out"]``). Place-years
    without a document are absent, not zero.

    Examples
    --------
    >>> import pandas as pd
    >>> from textmine import Corpus
    >>> df = pd.DataFrame({"doc_id": ["a", "b"], "place": ["甲市", "甲市"], "year": [2023, 2024],
    ...                    "text": ["推进绿色低碳发展", "建设生态文明，发展数字经济"]})
    >>> p = attention_panel(Corpus.from_dataframe(df), {"ecology": ["绿色*", "生态文明"], "economy": ["数字经济"]})
    >>> p.round(3).reset_index().values.tolist()
    [['甲市', 2023, 0.5, 0.0], ['甲市', 2024, 0.25, 0.25]]
    """
    index = [index] if isinstance(index, str) else list(index)
    long = attention(corpus_or_texts, dictionary, unit=unit, tokenizer=tokenizer, n_jobs=n_jobs, cache=cache)
    check_by(index, long.columns)
    complete = long[index].notna().all(axis=1)
    n_left = int(long.loc[~complete, "doc_id"].nunique())
    if len(long) and not complete.any():
        raise MetadataError(f"attention_panel needs {' and '.join(map(repr, index))} metadata: none of the "
                            f"{long['doc_id'].nunique()} documents has all of them")
    categories = list(dict.fromkeys(long["category"]))
    pooled = (long[complete].groupby(index + ["category"], sort=True)
              [["count", "n_tokens", "n_chars"]].sum().reset_index())
    pooled["attention"] = _value(pooled["count"], pooled["n_tokens"], pooled["n_chars"], unit)
    wide = pooled.pivot(index=index, columns="category", values="attention")
    wide = wide.reindex(columns=categories)
    wide.columns.name = None
    wide.attrs["n_left_out"] = n_left
    wide.attrs["unit"] = unit
    return wide


# ---------------------------------------------------------------------------
# growing a dictionary from seed words


def expand_dictionary(corpus_or_texts: Any, seeds: Any, *, n: int = 20, seed: int = 1, vector_size: int = 100,
                      window: int = 5, min_count: int = 2, epochs: int = 20, tokenizer: Any = None,
                      n_jobs: int | None = None, cache: Any = True) -> pd.DataFrame:
    """Candidate terms per category, nearest to the category's seed words in embeddings of the corpus.

    Trains a gensim Word2Vec (skip-gram) on the corpus's tokens with one worker
    thread, a fixed ``seed`` and a hash function that does not depend on
    Python's per-process string hashing, so the same corpus and seed give the
    same candidates in every run. Candidates are the ``n`` terms most similar to
    the mean vector of the category's seeds found in the vocabulary (seeds
    themselves and terms already in the category are not proposed). The result
    is a list for a researcher to accept or reject, not a dictionary.

    Small corpora give noisy embeddings: read the candidates, do not trust them.

    Parameters
    ----------
    seeds : dict {category: [terms]}, list of terms, or anything
        :func:`load_category_dictionary` accepts (wildcard and phrase entries
        are skipped as seeds).
    n : int
        Candidates per category.
    seed : int
        Seed of Word2Vec's initialisation and sampling.
    min_count : int
        Terms seen fewer times are not in the vocabulary.

    Returns
    -------
    DataFrame
        ``category, term_rank, term, similarity, count, seeds_used`` (``count``: the
        term's frequency in the corpus; ``seeds_used``: the seeds found in the
        vocabulary, ``|``-separated). Categories none of whose seeds are in
        the vocabulary get no rows; they are listed in ``attrs["no_seed_in_vocabulary"]``.

    Examples
    --------
    >>> docs = ["推进绿色发展，建设生态文明，推进绿色发展", "建设生态文明，发展数字经济"] * 20
    >>> a = expand_dictionary(docs, {"ecology": ["绿色发展"]}, n=3, cache=False)
    >>> b = expand_dictionary(docs, {"ecology": ["绿色发展"]}, n=3, cache=False)
    >>> a.equals(b), list(a.columns)
    (True, ['category', 'term_rank', 'term', 'similarity', 'count', 'seeds_used'])
    """
    from gensim.models import Word2Vec

    if isinstance(seeds, (list, tuple)):
        seeds = {"seeds": list(seeds)}
    table = load_category_dictionary(seeds)
    def default_tokenizer() -> Any:
        if tokenizer is not None:
            return tokenizer
        from ..tokenize import Tokenizer, load_dictionary

        known = set(load_dictionary())
        extra = [t for t in table["term"] if " " not in t and not _WILD.search(t) and t not in known]
        return Tokenizer(extra_terms=extra)

    sentences: list[list[str]] = []
    freq: Counter = Counter()
    for tokens in _tokens_of(corpus_or_texts, default_tokenizer, tokenizer, n_jobs, cache):
        freq.update(tokens)
        # Word2Vec reads at most 10,000 tokens of a "sentence": cut long documents into pieces
        sentences.extend(tokens[i:i + 1000] for i in range(0, len(tokens), 1000))
    if not any(sentences):
        raise CorpusError("expand_dictionary: the corpus has no tokens")
    if not any(c >= min_count for c in freq.values()):
        raise CorpusError(f"expand_dictionary: no token occurs at least min_count={min_count} times; "
                          "the corpus is too small to train embeddings (or lower min_count)")
    model = Word2Vec(sentences, vector_size=vector_size, window=window, min_count=min_count, sg=1,
                     epochs=epochs, seed=seed, workers=1, hashfxn=_stable_hash)
    vectors = model.wv
    rows, missing = [], []
    for category, terms in table.groupby("category", sort=False)["term"]:
        plain = [t for t in terms if " " not in t and not _WILD.search(t)]
        used = [t for t in plain if t in vectors.key_to_index]
        if not used:
            missing.append(category)
            continue
        exclude = set(plain)
        similar = vectors.most_similar(positive=used, topn=n + len(exclude))
        k = 0
        for term, sim in similar:
            if term in exclude:
                continue
            k += 1
            rows.append((category, k, term, float(sim), int(freq[term]), "|".join(used)))
            if k == n:
                break
    out = pd.DataFrame(rows, columns=["category", "term_rank", "term", "similarity", "count", "seeds_used"])
    out.attrs["no_seed_in_vocabulary"] = missing
    return out


def _stable_hash(text: str) -> int:
    """Word2Vec's per-word initialisation seed: crc32, unlike ``hash`` the same in every process."""
    import zlib

    return zlib.crc32(text.encode("utf-8"))
