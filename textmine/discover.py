"""Discovering slogans the dictionary does not hold yet.

Local governments coin slogans faster than any dictionary follows: “晋江经验”,
“放管服”, 六稳六保, “1+3”专项行动. :func:`discover_slogans` proposes candidates
from three sources and ranks them by how many places and how often they use
them; :func:`add_to_dictionary` writes the ones a researcher accepts to a user
dictionary that :class:`textmine.tokenize.Tokenizer` loads
(``Tokenizer(dictionaries=["policy", path])``).

Candidate kinds (:data:`KINDS`):

``quoted``
    A phrase in quotation marks (“…”, 「…」, ‘…’) of at most ``max_chars``
    characters. A quoted list (“强产业、兴城市”) gives its items (强产业, 兴城市).
    Kept only if at least ``quoted_share`` of its uses are quoted: a slogan
    is quoted again and again, an ordinary word (“人民”二字) once in a while.
``formula``
    A numbered formula: repeated numeral + character units (六稳六保, 两稳一保一防,
    一企一策), digit formulas (1+3, 1+6+X), and numeral-measure phrases
    (三大比较优势, 两个确立) -- quoted or found by the tokenizer.
``indicator``
    A statistical indicator (固定资产投资, 一般公共预算收入, 社会消费品零售总额: the list
    in ``textmine/data/indicators.txt``), the end of one (公共预算收入, 零售总额) or a
    phrase containing one. Reports repeat them everywhere, so they would crowd the top
    of the table; they are kept as their own kind, ranked after every other candidate.
``ngram``
    Two to four adjacent tokens (at most 10 characters) that the tokenizer
    splits but that nearly always occur together: the n-gram's count is at least ``cohesion`` times
    the count of its rarest token (营商 + 环境, 晋江 + 经验). Stopwords, which the
    tokenizer drops, break adjacency, and so do the ``[edge]`` tokens of
    ``discover_stop.txt`` (加快, 全面, 增长 …: no n-gram begins or ends with one).
    An n-gram that only ever occurs inside a longer candidate is dropped in
    favour of the longer one (社会消费品 inside 社会消费品零售总额).

Candidates the tokenizer's dictionary or the shipped slogan list already hold
(专精特新, 十四五, 一带一路) are left out unless ``include_known=True``. A candidate
is never a *fragment*: when every occurrence of it lies inside an occurrence of a
longer candidate, dictionary term, slogan or indicator (支配收入 inside 可支配收入,
社会消费品 inside 社会消费品零售总额), only the longer form can be proposed.

Counts are exact phrase counts on the cleaned text with whitespace removed,
the semantics of :func:`textmine.frequency.slogan_frequency`, so a candidate
counts the same once it is added to the slogan list. Junk never becomes a
candidate: fewer than two Chinese characters (except digit formulas), numbers
and dates with units (2024年, 30万元), punctuation inside, and the stop phrases
of ``textmine/data/discover_stop.txt`` (numeral idioms such as 千方百计, report
boilerplate such as 各位代表).

>>> texts = ["传承弘扬“晋江经验”，落实“六稳”“六保”，“爱拼会赢”。", "弘扬“晋江经验”，“爱拼会赢”。"]
>>> discover_slogans(texts, ngrams=False)[["candidate", "kind", "count", "n_docs"]].values.tolist()
[['爱拼会赢', 'quoted', 2, 2]]
>>> discover_slogans(texts, ngrams=False, include_known=True)["candidate"].tolist()  # 晋江经验 is a known slogan
['晋江经验', '爱拼会赢']
"""

from __future__ import annotations

__all__ = ["discover_slogans", "add_to_dictionary", "token_ngrams", "quoted_phrases", "numbered_formulas",
           "is_junk", "is_formula", "load_stop_phrases", "KINDS", "DISCOVER_COLUMNS"]

import os
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

import pandas as pd

from ._io import atomic_open, read_text
from .corpus import Corpus, as_corpus
from .errors import DictionaryError

if TYPE_CHECKING:  # pragma: no cover
    from .tokenize import Tokenizer

_DATA = Path(__file__).resolve().parent / "data"

#: Phrases never proposed (one a line, ``#`` comments).
STOP_FILE = _DATA / "discover_stop.txt"

#: Statistical indicators (one a line, ``#`` comments): the ``indicator`` kind.
INDICATORS_FILE = _DATA / "indicators.txt"

#: Candidate kinds.
KINDS: dict[str, str] = {
    "quoted": "a phrase in quotation marks",
    "formula": "a numbered formula: 六稳六保, 两稳一保一防, 1+3, 三大比较优势",
    "indicator": "a statistical indicator or the end of one: 固定资产投资, 公共预算收入 (ranked last)",
    "ngram": "adjacent tokens the tokenizer splits that nearly always occur together",
}

#: Columns of :func:`discover_slogans`.
DISCOVER_COLUMNS: tuple[str, ...] = (
    "candidate", "kind", "count", "n_docs", "n_places", "in_dictionary", "in_slogans", "example",
)

_HAN = r"\u4e00-\u9fff"
_QUOTED = re.compile(r"[“「‘]([^”」’“「‘\n]{1,40})[”」’]")
_ITEM_SEP = re.compile(r"[、，,；;：:·/\s]+")
_PUNCT = re.compile(rf"[^{_HAN}0-9A-Za-z+\-]")
_CN_NUMERAL = "一二两三四五六七八九十百千万双"
_UNIT = rf"[{_CN_NUMERAL}]+[{_HAN}]"
_REPEATED_UNITS = re.compile(rf"(?:{_UNIT}){{2,}}")
_DIGIT_FORMULA = re.compile(r"(?<![\d.])\d{1,2}(?:\+(?:\d{1,2}|[A-Za-z]))+(?![\d.])")
_MEASURE_FORMULA = re.compile(rf"^(?:[两三四五六七八九十]|十[一二三四五六七八九])(?:个|大|项|篇|张|条|新|化)[{_HAN}]")
_NOT_A_UNIT = set("届次成中年月日号元亿")
_NUMBERISH = re.compile(r"[\d.%\-+—~～]*(?:[年月日号时分秒万亿千百元角个家人次项条件亩吨米周岁倍%]|公里|平方米|平方公里)*"
                        r"[\d.%年月日号万亿元个家人次项条件亩吨米周岁倍]*")
_WS = re.compile(r"\s+")


# ---------------------------------------------------------------------------
# filters


@lru_cache(maxsize=4)
def load_stop_lists(path: str | None = None) -> tuple[frozenset[str], frozenset[str]]:
    """``(phrases, edge_tokens)`` of ``path`` (default: ``textmine/data/discover_stop.txt``).

    Lines before any section header, and under ``[phrases]``, are stop phrases;
    lines under ``[edge]`` are tokens that may not begin or end an n-gram.
    """
    where = Path(path) if path else STOP_FILE
    try:
        text = read_text(where)
    except Exception as exc:
        raise DictionaryError(f"{where}: cannot read the stop-phrase list ({exc})") from None
    sections: dict[str, set[str]] = {"phrases": set(), "edge": set()}
    current = "phrases"
    for n, line in enumerate(text.split("\n"), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        header = re.fullmatch(r"\[(\w+)\]", line)
        if header:
            current = header.group(1)
            if current not in sections:
                raise DictionaryError(f"{where} line {n}: unknown section [{current}] (use [phrases] or [edge])")
            continue
        sections[current].add(line)
    return frozenset(sections["phrases"]), frozenset(sections["edge"])


def load_stop_phrases(path: str | None = None) -> frozenset[str]:
    """The stop phrases of ``path`` (default: ``textmine/data/discover_stop.txt``)."""
    return load_stop_lists(path)[0]


@lru_cache(maxsize=4)
def load_indicators(path: str | None = None) -> frozenset[str]:
    """The statistical indicators of ``path`` (default: ``textmine/data/indicators.txt``).

    >>> {"固定资产投资", "一般公共预算收入"} <= load_indicators()
    True
    """
    where = Path(path) if path else INDICATORS_FILE
    try:
        text = read_text(where)
    except Exception as exc:
        raise DictionaryError(f"{where}: cannot read the indicator list ({exc})") from None
    entries = set()
    for n, line in enumerate(text.split("\n"), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if _WS.search(line):
            raise DictionaryError(f"{where} line {n}: an indicator is one term without spaces, got {line!r}")
        entries.add(line)
    return frozenset(entries)


def is_indicator(term: str, indicators: Iterable[str] | None = None) -> bool:
    """True for a statistical indicator, a piece of one or a phrase containing one.

    A piece is the end of an indicator (3+ characters: 公共预算收入, 零售总额) or any
    part of 4+ characters (居民人均, 消费品零售).

    >>> [is_indicator(t) for t in ["固定资产投资", "公共预算收入", "零售总额", "居民人均", "晋江经验"]]
    [True, True, True, True, False]
    """
    indicators = load_indicators() if indicators is None else indicators
    return any(term == i or i in term or (len(term) >= 3 and i.endswith(term)) or (len(term) >= 4 and term in i)
               for i in indicators)


def fragments(candidates: Iterable[str], longer_forms: Iterable[str], texts: Sequence[str]) -> set[str]:
    """Candidates every occurrence of which lies inside an occurrence of a longer form.

    ``texts`` are the documents' texts with whitespace removed. A longer form is any
    string of ``longer_forms`` (or another candidate) that contains the candidate.

    >>> sorted(fragments(["支配收入", "可支配收入", "收入"], ["居民人均可支配收入"], ["人均可支配收入增长，财政收入"]))
    ['支配收入']
    """
    candidates = list(dict.fromkeys(candidates))
    by_piece: dict[str, set[str]] = {}
    for form in set(longer_forms) | set(candidates):
        for i in range(len(form)):
            for j in range(i + 2, len(form) + 1):
                if j - i < len(form):
                    by_piece.setdefault(form[i:j], set()).add(form)
    found = set()
    for c in candidates:
        longer = by_piece.get(c)
        if not longer:
            continue
        covered_all = True
        for text in texts:
            starts = _starts(text, c)
            if not starts:
                continue
            covered = set()
            for form in longer:
                offsets = _starts(form, c)
                for at in _starts(text, form):
                    covered.update(at + k for k in offsets)
            if not set(starts) <= covered:
                covered_all = False
                break
        if covered_all and any(_starts(t, c) for t in texts):
            found.add(c)
    return found


def _starts(text: str, phrase: str) -> list[int]:
    """Start of every occurrence of ``phrase`` in ``text`` (overlapping ones too)."""
    out, at = [], text.find(phrase)
    while at >= 0:
        out.append(at)
        at = text.find(phrase, at + 1)
    return out


def is_junk(term: str, stop: Iterable[str] | None = None) -> bool:
    """True for a string that is no slogan: too short, a number or date, punctuation, a stop phrase.

    >>> [is_junk(t) for t in ["晋江经验", "1+3", "2024年", "3820", "稳", "各位代表", "抓项目、促发展"]]
    [False, False, True, True, True, True, True]
    """
    stop = load_stop_phrases() if stop is None else stop
    if term in stop or _PUNCT.search(term):
        return True
    if _DIGIT_FORMULA.fullmatch(term):
        return False
    if len(re.findall(rf"[{_HAN}]", term)) < 2:
        return True
    return bool(_NUMBERISH.fullmatch(term)) or bool(re.match(r"\d", term) and re.search(r"\d[年月日]", term))


def is_formula(term: str) -> bool:
    """True for a numbered formula (六稳六保, 1+3, 三大比较优势, 两个确立).

    >>> [is_formula(t) for t in ["六稳六保", "两稳一保一防", "1+6+X", "三大比较优势", "晋江经验"]]
    [True, True, True, True, False]
    """
    if _DIGIT_FORMULA.fullmatch(term) or _MEASURE_FORMULA.match(term):
        return True
    return _repeated_units(term) == term


def _repeated_units(text: str) -> str | None:
    m = _REPEATED_UNITS.match(text)
    if not m:
        return None
    units = re.findall(_UNIT, m.group(0))
    return m.group(0) if not any(u[-1] in _NOT_A_UNIT for u in units) else None


# ---------------------------------------------------------------------------
# candidates from the text


def quoted_phrases(text: str, max_chars: int = 12) -> list[str]:
    """Phrases in quotation marks, lists split into items, in text order (repeats kept).

    >>> quoted_phrases("发挥“三大比较优势”，实施“强产业、兴城市”双轮驱动，“这是一句很长很长的引语而不是口号”")
    ['三大比较优势', '强产业', '兴城市']
    """
    found = []
    for m in _QUOTED.finditer(text):
        inner = _WS.sub("", m.group(1))
        if len(inner) > max_chars * 2:
            continue
        for item in _ITEM_SEP.split(inner):
            if item and len(item) <= max_chars:
                found.append(item)
    return found


def numbered_formulas(text: str) -> list[str]:
    """Numbered formulas written without quotes: 六稳六保, 一企一策, 1+3 (repeats kept).

    >>> numbered_formulas("落实两稳一保一防，聚焦1+3专项行动，党的二十届二中全会")
    ['两稳一保一防', '1+3']
    """
    compact = _WS.sub("", text)
    found = [f for f in (_repeated_units(compact[m.start():]) for m in _REPEATED_UNITS.finditer(compact)) if f]
    found += [m.group(0) for m in _DIGIT_FORMULA.finditer(compact)]
    order = {f: compact.find(f) for f in found}
    return sorted(found, key=lambda f: order[f])


def _token_spans(text: str, tokens: Sequence[str]) -> list[tuple[str, int, int]]:
    """Tokens located in ``text`` in order; a token not found nearby is skipped."""
    spans, pos = [], 0
    for tok in tokens:
        at = text.find(tok, pos, pos + len(tok) + 200)
        if at < 0:
            continue
        spans.append((tok, at, at + len(tok)))
        pos = at + len(tok)
    return spans


def token_ngrams(corpus: Corpus, token_lists: Sequence[Sequence[str]], *, cohesion: float = 0.5,
                 max_chars: int = 10, edge: Iterable[str] | None = None) -> Counter:
    """Cohesive n-grams (2 to 4 tokens) of adjacent Chinese tokens, with their token-level counts.

    ``token_lists`` are the tokenizer's output for each document (in corpus
    order). Tokens are adjacent when nothing (no dropped stopword, no
    punctuation) stands between them in the text. An n-gram that begins or
    ends with an ``edge`` token (default: the ``[edge]`` list of
    ``discover_stop.txt``) is skipped.
    """
    edge = load_stop_lists()[1] if edge is None else frozenset(edge)
    unigrams: Counter = Counter()
    grams: Counter = Counter()
    han = re.compile(rf"[{_HAN}]+")
    for doc, tokens in zip(corpus, token_lists):
        text = doc.text
        spans = _token_spans(text, tokens)
        unigrams.update(t for t, _, _ in spans)
        for n in (2, 3, 4):
            for i in range(len(spans) - n + 1):
                window = spans[i:i + n]
                if any(window[k][2] != window[k + 1][1] for k in range(n - 1)):
                    continue
                if not all(han.fullmatch(t) for t, _, _ in window):
                    continue
                if window[0][0] in edge or window[-1][0] in edge:
                    continue
                grams[tuple(t for t, _, _ in window)] += 1
    kept: Counter = Counter()
    for gram, count in grams.items():
        joined = "".join(gram)
        if len(joined) > max_chars or count < 2:
            continue
        if count >= cohesion * min(unigrams[t] for t in gram):
            kept[joined] = max(kept[joined], count)
    return kept


def _drop_nested(counts: dict[str, int], ngram: set[str]) -> set[str]:
    """N-gram candidates that only ever occur inside a longer candidate."""
    nested = set()
    for short in ngram:
        for long in counts:
            if long != short and short in long and counts[long] >= counts[short]:
                nested.add(short)
                break
    return nested


# ---------------------------------------------------------------------------
# dictionary and slogan list


def _dictionary_terms(tokenizer: "Tokenizer | None") -> set[str]:
    """Terms of the tokenizer's dictionaries (the policy dictionary by default)."""
    for name in ("dictionary_terms", "terms"):
        found = getattr(tokenizer, name, None)
        if found is not None:
            return set(found() if callable(found) else found)
    from .tokenize import load_dictionary

    return set(load_dictionary("policy"))


def _slogan_forms() -> set[str]:
    from .frequency import load_slogans

    table = load_slogans()
    forms = set(table["slogan"])
    for variants in table["variants"]:
        forms.update(v for v in str(variants).split("|") if v)
    return forms


# ---------------------------------------------------------------------------
# the table


def discover_slogans(
    corpus_or_texts: Any,
    min_count: int = 2,
    n: int | None = None,
    *,
    tokenizer: "Tokenizer | None" = None,
    max_chars: int = 12,
    cohesion: float = 0.5,
    quoted_share: float = 0.2,
    ngrams: bool = True,
    n_jobs: int | None = None,
    cache: bool = True,
    include_known: bool = False,
) -> pd.DataFrame:
    """Candidate slogans, ranked by how many places use them, then by count.

    Columns: ``candidate, kind, count, n_docs, n_places, in_dictionary,
    in_slogans, example``. ``count`` is the total number of occurrences in the
    corpus (whitespace ignored), ``n_docs``/``n_places`` how many documents and
    distinct ``place`` values use it (a document without a place counts as its
    own place), ``in_dictionary``/``in_slogans`` whether the tokenizer's
    dictionary or the shipped slogan list already holds it, ``example`` the
    first use in context. Candidates the dictionary or the slogan list already
    hold are left out unless ``include_known=True``; fragments of a longer form
    never appear; ``indicator`` candidates come after all others (see the module
    docstring). Candidates with ``count < min_count`` are dropped;
    ``n`` keeps the first rows. ``ngrams=False`` skips tokenization.
    ``corpus_or_texts`` may be a :class:`~textmine.tokenize.Tokens` (its corpus and
    tokens are used); else it is tokenized by :func:`textmine.tokens` with
    ``tokenizer``, ``n_jobs`` and ``cache``.
    ``max_chars``, ``cohesion`` and ``quoted_share``: see the module docstring.

    >>> df = discover_slogans(["落实“六稳”“六保”，两稳一保一防。", "两稳一保一防工作。"], ngrams=False)
    >>> df[["candidate", "kind", "count", "n_places"]].values.tolist()
    [['两稳一保一防', 'formula', 2, 2]]
    """
    from .tokenize import Tokens, as_tokens

    toks = corpus_or_texts if isinstance(corpus_or_texts, Tokens) else None
    corpus = toks.corpus if toks is not None else as_corpus(corpus_or_texts)
    stop = load_stop_phrases()
    kinds: dict[str, str] = {}
    n_quoted: Counter = Counter()
    for doc in corpus:
        for phrase in quoted_phrases(doc.text, max_chars):
            n_quoted[phrase] += 1
            kinds.setdefault(phrase, "formula" if is_formula(phrase) else "quoted")
        for phrase in numbered_formulas(doc.text):
            kinds.setdefault(phrase, "formula")
    ngram_found: set[str] = set()
    if ngrams:
        toks = as_tokens(toks if toks is not None else corpus, tokenizer, n_jobs=n_jobs, cache=cache)
        token_lists = list(toks)
        for phrase in token_ngrams(corpus, token_lists, cohesion=cohesion, max_chars=min(max_chars, 10)):
            if phrase not in kinds:
                kinds[phrase] = "formula" if is_formula(phrase) else "ngram"
                ngram_found.add(phrase)
    kinds = {p: k for p, k in kinds.items() if not is_junk(p, stop)}
    indicators = load_indicators()
    known = _dictionary_terms(toks.tokenizer if toks is not None else tokenizer) | _slogan_forms()
    kinds = {p: ("indicator" if (p in indicators or (p not in known and is_indicator(p, indicators))) else k)
             for p, k in kinds.items()}
    if not kinds:
        return pd.DataFrame(columns=list(DISCOVER_COLUMNS))
    stats = _usage(corpus, list(kinds))
    stats = stats[stats["count"] >= max(min_count, 1)]
    rarely_quoted = [c for c, n in zip(stats["candidate"], stats["count"])
                     if kinds[c] == "quoted" and n_quoted[c] < quoted_share * n]
    stats = stats[~stats["candidate"].isin(rarely_quoted)]
    counts = dict(zip(stats["candidate"], stats["count"]))
    nested = _drop_nested(counts, ngram_found & set(counts))
    stats = stats[~stats["candidate"].isin(nested)].copy()
    dictionary = _dictionary_terms(toks.tokenizer if toks is not None else tokenizer)
    slogans = _slogan_forms()
    compact = [_WS.sub("", doc.text) for doc in corpus]
    pieces = fragments(stats["candidate"], set(kinds) | dictionary | slogans | indicators, compact)
    stats = stats[~stats["candidate"].isin(pieces)].copy()
    stats.insert(1, "kind", stats["candidate"].map(kinds))
    stats["in_dictionary"] = stats["candidate"].isin(dictionary)
    stats["in_slogans"] = stats["candidate"].isin(slogans)
    if not include_known:
        stats = stats[~(stats["in_dictionary"] | stats["in_slogans"])].copy()
    stats["example"] = [_example(corpus, c) for c in stats["candidate"]]
    stats["_indicator"] = stats["kind"] == "indicator"
    stats = stats.sort_values(["_indicator", "n_places", "count", "n_docs", "candidate"],
                              ascending=[True, False, False, False, True])
    stats = stats[list(DISCOVER_COLUMNS)].reset_index(drop=True)
    return stats.head(n) if n is not None else stats


def _usage(corpus: Corpus, candidates: list[str]) -> pd.DataFrame:
    from .frequency import slogan_frequency

    long = slogan_frequency(corpus, candidates)
    long = long[long["count"] > 0].copy()
    place = long["place"].astype("object").where(long["place"].notna(), long["doc_id"])
    long["_place"] = place.astype(str)
    grouped = long.groupby("slogan", sort=False)
    stats = pd.DataFrame({
        "count": grouped["count"].sum(),
        "n_docs": grouped["doc_id"].nunique(),
        "n_places": grouped["_place"].nunique(),
    })
    stats = stats.reindex(candidates, fill_value=0).rename_axis("candidate").reset_index()
    return stats.astype({"count": "int64", "n_docs": "int64", "n_places": "int64"})


def _example(corpus: Corpus, phrase: str, width: int = 12) -> str:
    for doc in corpus:
        compact = _WS.sub("", doc.text)
        at = compact.find(phrase)
        if at >= 0:
            left = compact[max(0, at - width):at]
            right = compact[at + len(phrase):at + len(phrase) + width]
            return f"{doc.doc_id}: …{left}{phrase}{right}…"
    return ""


# ---------------------------------------------------------------------------
# writing a user dictionary


def add_to_dictionary(terms: Iterable[str], path: str | os.PathLike, *, freq: int | None = None,
                      tag: str | None = None) -> Path:
    """Add ``terms`` to the user dictionary at ``path`` (jieba format), atomically.

    One entry a line: ``term``, or ``term freq`` / ``term freq tag`` when
    ``freq`` (and ``tag``) are given. An existing file keeps its entries and
    order; terms already in it are not repeated. A term with whitespace, or
    an empty one, raises :class:`~textmine.errors.DictionaryError`. The file
    then loads with ``Tokenizer(dictionaries=["policy", path])``.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "user.txt")
    >>> _ = add_to_dictionary(["晋江经验", "两稳一保一防"], p)
    >>> _ = add_to_dictionary(["晋江经验", "海丝名城"], p)
    >>> open(p, encoding="utf-8").read().split()
    ['晋江经验', '两稳一保一防', '海丝名城']
    """
    path = Path(path)
    if freq is not None and (not isinstance(freq, int) or freq < 1):
        raise DictionaryError(f"{path}: freq must be a positive whole number, not {freq!r}")
    if tag is not None and not re.fullmatch(r"[A-Za-z]+", tag):
        raise DictionaryError(f"{path}: tag must be letters only (a jieba part-of-speech tag), not {tag!r}")
    lines = read_text(path).split("\n") if path.is_file() and path.stat().st_size else []
    lines = [line for line in lines if line.strip()]
    present = {line.split()[0] for line in lines if not line.lstrip().startswith("#")}
    for term in terms:
        term = str(term)
        if not term.strip() or _WS.search(term):
            raise DictionaryError(f"{path}: cannot add {term!r}: a dictionary term must be non-empty, without spaces")
        if term in present:
            continue
        present.add(term)
        lines.append(" ".join(x for x in (term, None if freq is None else str(freq), tag) if x))
    with atomic_open(path, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    return path
