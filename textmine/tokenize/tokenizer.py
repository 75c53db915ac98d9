"""Policy-aware Chinese word segmentation: jieba or jieba-rs, one policy dictionary, stopwords.

>>> tok = Tokenizer()
>>> tok("发展新质生产力")
['发展', '新质生产力']

The tokenizer keeps policy terms (新质生产力, 营商环境, 专精特新 ...) as one
token, drops punctuation, numbers, single characters and stopwords (each an
option), and is a plain callable, so it plugs into scikit-learn::

    TfidfVectorizer(tokenizer=tok, lowercase=False, token_pattern=None)

Engines
    ``"jieba"`` is the reference implementation; ``"rjieba"`` (the jieba-rs
    binding) gives the same tokens about twenty times faster. Both load the
    same base dictionary (jieba's ``dict.txt``) and the same frequencies for
    added terms, so with ``hmm=False`` their output is identical (checked on
    the bundled corpus by the tests). ``"auto"`` picks rjieba with
    ``hmm=False`` and jieba with ``hmm=True``, where jieba-rs cuts runs of
    ASCII (dates, figures) differently.

Dictionary terms win
    Every dictionary term gets the frequency ``max(freq in the file or
    TERM_FREQ_FLOOR, base-dictionary frequency, the frequency that beats the
    term's best split)``. That keeps each term whole in ordinary sentences,
    with or without jieba's HMM new-word guessing (which only ever joins
    single characters, never cuts a word the dictionary chose), while the
    moderate floor leaves neighbouring words alone (打算力争 stays 打算|力争
    although 算力 is a term).

Private state
    Each engine is a private ``jieba.Tokenizer`` / ``rjieba.Jieba``: using
    textmine never changes the global ``jieba.lcut`` results, and jieba's
    "Building prefix dict" log lines are silenced while a textmine engine loads.

Dictionary file format (jieba user dictionary): one ``term [freq] [tag]`` per
line; blank lines and lines starting with ``#`` are skipped.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import math
import os
import re
import sys
import threading
import unicodedata
import warnings
from collections import OrderedDict
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, NamedTuple, Sequence

from .._io import distribution_version, read_text
from ..errors import CorpusError, DictionaryError

if TYPE_CHECKING:  # pragma: no cover - pandas is imported where used: worker processes skip it
    import pandas as pd

__all__ = [
    "Tokenizer",
    "split_terms",
    "load_dictionary",
    "read_dictionary",
    "read_stopwords",
    "load_policy_terms",
    "DictEntry",
    "ENGINES",
    "TERM_FREQ_FLOOR",
]

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
POLICY_DICTIONARY = DATA_DIR / "policy_terms.txt"
POLICY_CATEGORIES = DATA_DIR / "policy_terms.csv"
DEFAULT_STOPWORD_FILES = (DATA_DIR / "stopwords.txt", DATA_DIR / "stopwords_report.txt")

#: Engine names accepted by :class:`Tokenizer` (besides ``"auto"``).
ENGINES = ("jieba", "rjieba")
#: Frequency a dictionary term gets at least when its file gives none.
TERM_FREQ_FLOOR = 100
#: Bump when the tokenization procedure changes: it is part of every fingerprint.
TOKENIZE_VERSION = 1

_TAG = re.compile(r"[A-Za-z]+")
_NUMBER = re.compile(r"[+\-−]?(?:\d+(?:[.,．，:/\-]\d+)*|\d*[.．]\d+)[%％‰]?")


class DictEntry(NamedTuple):
    """One dictionary line: the term, its frequency and part-of-speech tag (None if not given)."""

    term: str
    freq: int | None = None
    tag: str | None = None


# ---------------------------------------------------------------------------
# dictionary and stopword files


def read_dictionary(path: str | os.PathLike) -> list[DictEntry]:
    """Entries of a jieba user dictionary (``term [freq] [tag]`` per line).

    Raises :class:`DictionaryError` naming the file and line for a bad entry.

    >>> entries = read_dictionary(POLICY_DICTIONARY)
    >>> entries[0]
    DictEntry(term='新质生产力', freq=None, tag=None)
    """
    path = Path(path)
    try:
        text = read_text(path)
    except CorpusError as exc:
        raise DictionaryError(str(exc)) from None
    entries = []
    for lineno, line in enumerate(text.split("\n"), 1):
        line = line.strip()
        if line and not line.startswith("#"):
            entries.append(_parse_entry(line, path, lineno))
    return entries


def _parse_entry(line: str, path: Path | str, lineno: int) -> DictEntry:
    """``term``, ``term freq``, ``term tag`` or ``term freq tag``."""
    term, *rest = line.split()
    freq = tag = None
    if rest and rest[0].isdigit():
        freq = int(rest.pop(0))
        if freq < 1:
            raise DictionaryError(f"{path}, line {lineno}: frequency of {term!r} must be at least 1, not {freq}")
    if rest and _TAG.fullmatch(rest[0]):
        tag = rest.pop(0)
    if rest:
        raise DictionaryError(
            f"{path}, line {lineno}: expected 'term [freq] [tag]', got {line!r} "
            "(a term cannot contain spaces; freq is a whole number; tag is letters)"
        )
    return DictEntry(term, freq, tag)


def _dictionary_entries(source: str | os.PathLike) -> list[DictEntry]:
    """``"policy"`` -> the shipped dictionary, anything else -> a user dictionary file."""
    if isinstance(source, str) and source == "policy":
        return read_dictionary(POLICY_DICTIONARY)
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(f"dictionaries: expected 'policy' or a file path, got {type(source).__name__}")
    if not Path(source).is_file():
        raise DictionaryError(f"{source}: dictionary file not found (use 'policy' for the shipped one)")
    return read_dictionary(source)


def load_dictionary(source: str | os.PathLike = "policy") -> list[str]:
    """Terms of a dictionary: ``"policy"`` (the shipped one) or a user dictionary file.

    >>> terms = load_dictionary()
    >>> "新质生产力" in terms and "营商环境" in terms
    True
    """
    return [e.term for e in _dictionary_entries(source)]


def load_policy_terms() -> pd.DataFrame:
    """The shipped policy dictionary with one category per term: DataFrame(term, category).

    Categories: economy, innovation, reform_opening, rural, ecology,
    livelihood, governance, party_building.

    >>> df = load_policy_terms()
    >>> df.loc[df["term"] == "乡村振兴", "category"].item()
    'rural'
    """
    import pandas as pd

    return pd.read_csv(POLICY_CATEGORIES, encoding="utf-8-sig", dtype=str)


def read_stopwords(path: str | os.PathLike) -> set[str]:
    """Words of a stopword file: separated by spaces or new lines, ``#`` starts a comment line.

    >>> "我们" in read_stopwords(DEFAULT_STOPWORD_FILES[0])
    True
    """
    try:
        text = read_text(path)
    except CorpusError as exc:
        raise DictionaryError(str(exc)) from None
    return {w for line in text.split("\n") if not line.lstrip().startswith("#") for w in line.split()}


def _resolve_stopwords(stopwords: Any, extra: Any) -> frozenset[str]:
    """``"default"``, None, a file path or an iterable of words; plus ``extra`` words or files."""
    words: set[str] = set()
    if isinstance(stopwords, str) and stopwords == "default":
        for path in DEFAULT_STOPWORD_FILES:
            words |= read_stopwords(path)
    elif stopwords is not None:
        words |= _words_or_file(stopwords, "stopwords")
    if extra is not None:
        words |= _words_or_file(extra, "extra_stopwords")
    return frozenset(words)


def _words_or_file(value: Any, name: str) -> set[str]:
    """A str/PathLike is a file; any other iterable holds words (or ``Path`` items that are files)."""
    if isinstance(value, (str, os.PathLike)):
        if not Path(value).is_file():
            raise DictionaryError(f"{value}: {name} file not found (pass a list to give words directly)")
        return read_stopwords(value)
    words: set[str] = set()
    for item in value:
        if isinstance(item, os.PathLike):
            words |= read_stopwords(item)
        else:
            words.add(str(item).strip())
    words.discard("")
    return words


def _resolve_entries(dictionaries: Iterable[str | os.PathLike], extra_terms: Iterable[str]) -> tuple[DictEntry, ...]:
    """All dictionary entries in order: dictionaries first, then ``extra_terms``."""
    if isinstance(dictionaries, (str, os.PathLike)):
        dictionaries = (dictionaries,)
    entries: list[DictEntry] = []
    for source in dictionaries:
        entries.extend(_dictionary_entries(source))
    if isinstance(extra_terms, str):
        extra_terms = (extra_terms,)
    for term in extra_terms:
        term = str(term).strip()
        if not term or any(ch.isspace() for ch in term):
            raise DictionaryError(f"extra_terms: {term!r} is not a term (empty or contains spaces)")
        entries.append(DictEntry(term))
    return tuple(entries)


# ---------------------------------------------------------------------------
# the base dictionary and term frequencies


@lru_cache(maxsize=1)
def _base_dictionary_path() -> Path:
    """jieba's ``dict.txt``: the base dictionary of both engines."""
    spec = importlib.util.find_spec("jieba")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - jieba is a dependency
        raise DictionaryError("jieba is not installed: its dict.txt is textmine's base dictionary")
    return Path(list(spec.submodule_search_locations)[0]) / "dict.txt"


@lru_cache(maxsize=1)
def _base_dictionary_sha256() -> str:
    return hashlib.sha256(_base_dictionary_path().read_bytes()).hexdigest()


def _split_logprob(term: str, freq: Callable[[str], int], logtotal: float) -> float:
    """Log probability of the best segmentation of ``term`` into at least two pieces.

    The same model as jieba without HMM: a piece scores log(freq / total);
    an unknown single character counts as frequency 1.
    """
    n = len(term)
    best = [0.0] + [-math.inf] * n
    for end in range(1, n + 1):
        for start in range(end):
            if start == 0 and end == n:
                continue
            f = freq(term[start:end]) or 0
            if f == 0 and end - start > 1:
                continue
            score = best[start] + math.log(max(f, 1)) - logtotal
            if score > best[end]:
                best[end] = score
    return best[n]


def _term_table(entries: Sequence[DictEntry], freq: Callable[[str], int], total: int) -> dict[str, DictEntry]:
    """Final frequency of every term (later entries override earlier ones).

    ``max(file freq or TERM_FREQ_FLOOR, base freq, freq that beats the best split)``.
    """
    logtotal = math.log(total)
    table: dict[str, DictEntry] = {}
    for entry in entries:
        needed = 1
        if len(entry.term) > 1:
            needed = int(math.exp(_split_logprob(entry.term, freq, logtotal)) * total) + 1
        f = max(entry.freq if entry.freq is not None else TERM_FREQ_FLOOR, freq(entry.term) or 0, needed)
        table[entry.term] = DictEntry(entry.term, f, entry.tag)
    return table


# ---------------------------------------------------------------------------
# engines (one per process and dictionary, shared by equal tokenizers)


@contextmanager
def _quiet_jieba() -> Iterator[None]:
    """Silence jieba's INFO/DEBUG logging for the duration, then restore its level."""
    logger = logging.getLogger("jieba")
    old = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(old)


def _cached_term_table(entries: Sequence[DictEntry], key: str,
                       base: Callable[[], tuple[Callable[[str], int | None], int]]) -> list[DictEntry]:
    """``_term_table(entries, *base()).values()``, kept on disk under the dictionary ``key``.

    The table depends only on the base dictionary and the entries, both
    hashed into ``key`` (:meth:`Tokenizer._dictionary_key`), so a worker
    process reads a few kilobytes of JSON (``engines/terms-<key>.json`` in the
    cache folder) instead of the 349,000-word base dictionary. Never pickle:
    a file that is not a list of ``[term, freq, tag]`` is recomputed.
    """
    from .cache import ENGINE_DIR, default_cache_dir

    path = default_cache_dir() / ENGINE_DIR / f"terms-{key}.json"
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
        table = [DictEntry(t, f, g) for t, f, g in rows]
        if all(isinstance(e.term, str) and type(e.freq) is int and (e.tag is None or isinstance(e.tag, str))
               for e in table) and [e.term for e in table] == list(dict.fromkeys(e.term for e in entries)):
            return table
    except (OSError, ValueError, TypeError):
        pass
    freq, total = base()
    table = list(_term_table(entries, freq, total).values())
    try:
        from .._io import write_text_atomic

        write_text_atomic(path, json.dumps([list(e) for e in table], ensure_ascii=False))
    except OSError:  # a read-only cache folder: compute it again next time
        pass
    return table


def _build_jieba(entries: Sequence[DictEntry], key: str) -> Callable[[str, bool], list[str]]:
    """A private ``jieba.Tokenizer`` with the terms added; returns its cut function."""
    import jieba

    with _quiet_jieba():
        tk = jieba.Tokenizer()
        tk.initialize()
    # jieba's total counts a duplicated dict.txt line twice; jieba-rs (and the
    # frequencies themselves) count it once. Use the sum of the frequencies.
    tk.total = sum(tk.FREQ.values())
    for term, f, tag in _cached_term_table(entries, key, lambda: (tk.FREQ.get, tk.total)):
        tk.add_word(term, f, tag)
    # add_word adds a replaced word's new frequency without removing the old one.
    tk.total = sum(tk.FREQ.values())

    def cut(text: str, hmm: bool) -> list[str]:
        return tk.lcut(text, HMM=hmm)

    return cut


def _read_base_dictionary() -> tuple[list[str], list[int], list[str | None]]:
    """Words, frequencies and tags of jieba's dict.txt, as three columns."""
    with open(_base_dictionary_path(), encoding="utf-8") as fh:
        text = fh.read()
    parts = text.split()
    if len(parts) == 3 * len(text.splitlines()):  # the usual "word freq tag" lines: split once (3x faster)
        try:
            return parts[0::3], list(map(int, parts[1::3])), parts[2::3]
        except ValueError:  # misaligned after all: read line by line
            pass
    rows = [line.split() for line in text.splitlines() if line.strip()]
    return [r[0] for r in rows], [int(r[1]) for r in rows], [r[2] if len(r) > 2 else None for r in rows]


@lru_cache(maxsize=1)
def _rjieba_builtin_is_base() -> bool:
    """Whether the installed rjieba's built-in dictionary is jieba's dict.txt (``data/rjieba_builtin.json``)."""
    try:
        checked = json.loads((DATA_DIR / "rjieba_builtin.json").read_text(encoding="utf-8"))["versions"]
        return checked.get(_rjieba_version()) == _base_dictionary_sha256()
    except (OSError, ValueError, KeyError, AttributeError):
        return False


def _rjieba_version() -> str | None:
    """The installed rjieba's version."""
    return distribution_version("rjieba")


def _rjieba_class() -> type:
    """rjieba's ``Jieba`` class, from its compiled module alone when rjieba is not imported yet.

    ``import rjieba`` builds a module-level default ``Jieba()`` with its whole
    dictionary (0.15-0.2 s, as long as building textmine's own engine), which
    textmine never uses: a worker process would pay for it once more at start.
    The compiled module ``rjieba.rjieba`` is loaded from the file beside the
    package's ``__init__`` and registered under its name, so a later
    ``import rjieba`` uses it; any surprise in the layout falls back to ``import rjieba``.
    """
    for name in ("rjieba", "rjieba.rjieba"):
        module = sys.modules.get(name)
        if module is not None and hasattr(module, "Jieba"):
            return module.Jieba
    try:
        spec = importlib.util.find_spec("rjieba")
        folder = Path(spec.origin).parent if spec is not None and spec.origin else None
        found = [p for p in folder.glob("rjieba.*") if p.suffix in (".so", ".pyd")] if folder else []
        if len(found) == 1:
            ext = importlib.util.spec_from_file_location("rjieba.rjieba", found[0])
            if ext is not None and ext.loader is not None:
                module = importlib.util.module_from_spec(ext)
                ext.loader.exec_module(module)
                sys.modules["rjieba.rjieba"] = module
                return module.Jieba
    except (ImportError, OSError, AttributeError):  # pragma: no cover - another rjieba layout
        pass
    import rjieba

    return rjieba.Jieba


def _base_frequencies() -> tuple[Callable[[str], int | None], int]:
    """Frequency look-up and total of jieba's dict.txt (a repeated word keeps its last line)."""
    words, freqs, _ = _read_base_dictionary()
    base = dict(zip(words, freqs))
    return base.get, sum(base.values())


def _build_rjieba(entries: Sequence[DictEntry], key: str) -> Callable[[str, bool], list[str]]:
    """A private ``rjieba.Jieba`` holding jieba's dict.txt with the terms added.

    When the installed rjieba's built-in dictionary is known to be that very
    dict.txt (:func:`_rjieba_builtin_is_base`), the engine starts from it --
    about 0.1 s instead of 1-2 s for adding 349,000 words one by one -- and
    the added terms' frequencies come from the on-disk table
    (:func:`_cached_term_table`), so the base dictionary is not read at all.
    """
    Jieba = _rjieba_class()
    if _rjieba_builtin_is_base():
        jb = Jieba()
        add = jb.add_word
    else:
        jb = Jieba.empty()
        add = jb.add_word
        words, freqs, tags = _read_base_dictionary()
        for _ in map(add, words, freqs, tags):  # in file order: a repeated word keeps its last line
            pass
        del words, freqs, tags
    for term, f, tag in _cached_term_table(entries, key, _base_frequencies):
        add(term, f, tag)

    def cut(text: str, hmm: bool) -> list[str]:
        return jb.cut(text, hmm)

    return cut


_BUILDERS = {"jieba": _build_jieba, "rjieba": _build_rjieba}
_ENGINES: OrderedDict[tuple[str, str], Callable[[str, bool], list[str]]] = OrderedDict()
_ENGINES_MAX = 8  # an engine takes 60-80 MB
_ENGINES_LOCK = threading.Lock()
#: Filter verdicts by tokenizer fingerprint, shared by the copies a worker process unpickles.
_VERDICTS: OrderedDict[str, dict[str, str]] = OrderedDict()


def _engine(name: str, entries: tuple[DictEntry, ...], key: str) -> Callable[[str, bool], list[str]]:
    """The cut function of engine ``name`` with ``entries`` loaded, built once per process."""
    with _ENGINES_LOCK:
        cut = _ENGINES.get((name, key))
        if cut is None:
            cut = _BUILDERS[name](entries, key)
            _ENGINES[(name, key)] = cut
            while len(_ENGINES) > _ENGINES_MAX:
                _ENGINES.popitem(last=False)
        else:
            _ENGINES.move_to_end((name, key))
        return cut


def _rjieba_available() -> bool:
    return importlib.util.find_spec("rjieba") is not None


# ---------------------------------------------------------------------------
# token filters


def _is_punct(token: str) -> bool:
    """Every character is punctuation or a symbol (Unicode categories P* and S*)."""
    return all(unicodedata.category(ch)[0] in "PS" for ch in token)


def _is_number(token: str) -> bool:
    """2024, 5.4, 5.4%, 12,345, 2024-05-19, 09:16, full-width digits ..."""
    return _NUMBER.fullmatch(token) is not None


# ---------------------------------------------------------------------------
# the tokenizer


def _as_param(value: Any) -> Any:
    """A word-list parameter as stored: a str, path or None as given, any other iterable as a tuple."""
    if value is None or isinstance(value, (str, os.PathLike)):
        return value
    return tuple(value)


class Tokenizer:
    """Segment Chinese policy text into tokens; a picklable ``str -> list[str]`` callable.

    Parameters
    ----------
    engine: ``"auto"``, ``"jieba"`` or ``"rjieba"`` (see the module docstring).
    dictionaries: ``"policy"`` (the shipped dictionary) and/or paths to jieba
        user dictionaries (``term [freq] [tag]`` per line).
    extra_terms: more terms to keep whole.
    stopwords: ``"default"`` (textmine/data/stopwords.txt + stopwords_report.txt),
        None, a file path, or an iterable of words.
    extra_stopwords: more stopwords: an iterable of words (``pathlib.Path``
        items are files) or one file path.
    drop_punct, drop_numbers, drop_single, drop_stopwords: filters (whitespace
        tokens are always dropped).
    hmm: jieba's HMM guessing of unknown words (off by default).

    >>> tok = Tokenizer(extra_terms=["两稳一保一防"], drop_stopwords=False)
    >>> tok("落实“两稳一保一防”,2023年增长5.4%")
    ['落实', '两稳一保一防', '增长']
    >>> tok.cut("增长5.4%")
    ['增长', '5', '.', '4', '%']
    """

    def __init__(
        self,
        engine: str = "auto",
        dictionaries: Iterable[str | os.PathLike] = ("policy",),
        extra_terms: Iterable[str] = (),
        stopwords: str | os.PathLike | Iterable[str] | None = "default",
        extra_stopwords: str | os.PathLike | Iterable[str] = (),
        drop_punct: bool = True,
        drop_numbers: bool = True,
        drop_single: bool = True,
        drop_stopwords: bool = True,
        hmm: bool = False,
    ) -> None:
        if engine not in ("auto", *ENGINES):
            raise ValueError(f"engine must be 'auto', 'jieba' or 'rjieba', not {engine!r}")
        if engine == "rjieba" and not _rjieba_available():
            raise ImportError("engine='rjieba' needs the rjieba package (pip install rjieba)")
        self.engine = engine
        self.dictionaries = (dictionaries,) if isinstance(dictionaries, (str, os.PathLike)) else tuple(dictionaries)
        self.extra_terms = (extra_terms,) if isinstance(extra_terms, str) else tuple(extra_terms)
        self.stopwords = _as_param(stopwords)
        self.extra_stopwords = _as_param(extra_stopwords)
        self.drop_punct = drop_punct
        self.drop_numbers = drop_numbers
        self.drop_single = drop_single
        self.drop_stopwords = drop_stopwords
        self.hmm = hmm
        # resolved on first use (files read then), kept when pickled; the engine is rebuilt per process
        self._entries: tuple[DictEntry, ...] | None = None
        self._stopword_set: frozenset[str] | None = None
        self._cut: Callable[[str, bool], list[str]] | None = None
        self._verdicts: dict[str, str] = {}
        self._fingerprint: str | None = None

    # -- resolved settings (files read on first use) ----------------------------

    @property
    def entries(self) -> tuple[DictEntry, ...]:
        """Every dictionary entry in order: the ``dictionaries`` files, then ``extra_terms``."""
        if self._entries is None:
            self._entries = _resolve_entries(self.dictionaries, self.extra_terms)
        return self._entries

    @property
    def stopword_set(self) -> frozenset[str]:
        """The stopwords in force: ``stopwords`` plus ``extra_stopwords`` (files read on first use).

        >>> "我们" in Tokenizer().stopword_set
        True
        """
        if self._stopword_set is None:
            self._stopword_set = _resolve_stopwords(self.stopwords, self.extra_stopwords)
        return self._stopword_set

    # -- identity ------------------------------------------------------------

    @property
    def engine_name(self) -> str:
        """The engine actually used: ``"auto"`` resolves to rjieba unless ``hmm=True``."""
        if self.engine != "auto":
            return self.engine
        return "rjieba" if not self.hmm and _rjieba_available() else "jieba"

    @property
    def terms(self) -> tuple[str, ...]:
        """Dictionary terms (all dictionaries and extra terms), in order, without repeats."""
        return tuple(dict.fromkeys(e.term for e in self.entries))

    def _dictionary_key(self) -> str:
        blob = json.dumps([_base_dictionary_sha256(), TERM_FREQ_FLOOR, [list(e) for e in self.entries]],
                          ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    @property
    def fingerprint(self) -> str:
        """Stable hash of everything that decides the output tokens.

        Settings, base and policy dictionary contents, stopword contents, and
        the class if it is a subclass. Not the engine, which gives identical
        tokens -- except with ``hmm=True``, where jieba and jieba-rs differ and
        the engine is included.

        >>> Tokenizer(engine="jieba").fingerprint == Tokenizer(engine="rjieba").fingerprint
        True
        >>> Tokenizer().fingerprint == Tokenizer(drop_single=False).fingerprint
        False
        """
        if self._fingerprint is None:
            settings = {
                "version": TOKENIZE_VERSION,
                "dictionary": self._dictionary_key(),
                "stopwords": sorted(self.stopword_set) if self.drop_stopwords else None,
                "drop": [bool(self.drop_punct), bool(self.drop_numbers), bool(self.drop_single),
                         bool(self.drop_stopwords)],
                "hmm": bool(self.hmm),
                "engine": self.engine_name if self.hmm else None,
            }
            if type(self) is not Tokenizer:  # a subclass may make other tokens: its own cache entries
                settings["class"] = f"{type(self).__module__}.{type(self).__qualname__}"
            blob = json.dumps(settings, ensure_ascii=False, sort_keys=True)
            self._fingerprint = hashlib.sha256(blob.encode("utf-8")).hexdigest()
        return self._fingerprint

    def __repr__(self) -> str:
        defaults = {"engine": "auto", "dictionaries": ("policy",), "extra_terms": (), "hmm": False,
                    "drop_punct": True, "drop_numbers": True, "drop_single": True, "drop_stopwords": True}
        parts = [f"{k}={getattr(self, k)!r}" for k, v in defaults.items() if getattr(self, k) != v]
        for name in ("stopwords", "extra_stopwords"):
            value = getattr(self, name)
            if value != ("default" if name == "stopwords" else ()):
                parts.append(f"{name}={value!r}")
        return f"Tokenizer({', '.join(parts)})"

    # -- pickling: the engine is rebuilt lazily in the new process -------------

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_cut"] = None
        state["_verdicts"] = {}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        fingerprint = state.get("_fingerprint")
        if fingerprint is not None:  # a worker gets a copy per chunk: copies of one tokenizer share verdicts
            with _ENGINES_LOCK:
                self._verdicts = _VERDICTS.pop(fingerprint, None) or {}
                _VERDICTS[fingerprint] = self._verdicts  # most recent last
                while len(_VERDICTS) > _ENGINES_MAX:
                    _VERDICTS.popitem(last=False)

    # -- tokenizing ------------------------------------------------------------

    def _engine_cut(self) -> Callable[[str, bool], list[str]]:
        if self._cut is None:
            self._cut = _engine(self.engine_name, self.entries, self._dictionary_key())
        return self._cut

    def cut(self, text: str) -> list[str]:
        """Raw tokens of the engine, before any filtering (whitespace included).

        >>> Tokenizer().cut("推进 营商环境")
        ['推进', ' ', '营商环境']
        """
        if not isinstance(text, str):
            raise TypeError(f"Tokenizer expects a str, got {type(text).__name__}")
        return self._engine_cut()(text, bool(self.hmm))

    def keep(self, token: str) -> bool:
        """Whether ``token`` survives the filters.

        >>> tok = Tokenizer()
        >>> [tok.keep(t) for t in ["营商环境", "2024", "5.4%", "。", "的", "我们"]]
        [True, False, False, False, False, False]
        """
        verdict = self._verdicts.get(token)
        return bool(verdict if verdict is not None else self._learn(token))

    def _learn(self, token: str) -> str:
        """Classify a token not seen before and remember the verdict.

        The verdict is the token itself if kept (the one str object every later
        occurrence is replaced with, so token lists share their strings) and
        ``""`` if dropped.
        """
        if len(self._verdicts) > 2_000_000:
            self._verdicts.clear()
        verdict = token if self._keep(token) else ""
        self._verdicts[token] = verdict
        return verdict

    def _keep(self, token: str) -> bool:
        if not token.strip():
            return False
        if self.drop_punct and _is_punct(token):
            return False
        if self.drop_numbers and _is_number(token):
            return False
        if self.drop_single and len(token) == 1:
            return False
        if self.drop_stopwords and token in self.stopword_set:
            return False
        return True

    def filter(self, tokens: Iterable[str]) -> list[str]:
        """The tokens that survive the filters, in order."""
        get, learn = self._verdicts.get, self._learn
        return [v for t in tokens if (v := get(t)) or (v is None and (v := learn(t)))]

    def __call__(self, text: str) -> list[str]:
        """Filtered tokens of ``text``."""
        return self.filter(self.cut(text))


# ---------------------------------------------------------------------------
# which terms the tokenizer would cut


def split_terms(
    terms: Iterable[str] | str | os.PathLike,
    frame: str = "{term}",
    *,
    tokenizer: Tokenizer | None = None,
) -> pd.DataFrame:
    """Which terms the tokenizer would cut into several tokens.

    ``terms``: an iterable of terms, ``"policy"`` or a dictionary file. Each
    term is put into ``frame`` (``"{term}"`` marks its place) and cut with the
    tokenizer's engine (no filters); ``tokens`` are the raw tokens that overlap
    the term. Returns DataFrame(term, tokens, n_tokens, split).

    >>> df = split_terms(["新质生产力", "新质量"], tokenizer=Tokenizer(dictionaries=()))
    >>> df[["term", "n_tokens", "split"]].to_dict("records")
    [{'term': '新质生产力', 'n_tokens': 3, 'split': True}, {'term': '新质量', 'n_tokens': 2, 'split': True}]
    >>> split_terms(["新质生产力"], frame="我们要大力推进{term}工作。")["split"].item()
    False
    """
    if frame.count("{term}") != 1:
        raise ValueError(f"frame must contain '{{term}}' exactly once, got {frame!r}")
    if isinstance(terms, (str, os.PathLike)):
        terms = load_dictionary(terms)
    tok = tokenizer if tokenizer is not None else Tokenizer()
    before, after = frame.split("{term}")
    rows = []
    for term in dict.fromkeys(str(t) for t in terms):
        pieces = _overlapping(tok.cut(before + term + after), len(before), len(before) + len(term))
        rows.append({"term": term, "tokens": pieces, "n_tokens": len(pieces),
                     "split": not (len(pieces) == 1 and pieces[0] == term)})
    import pandas as pd

    df = pd.DataFrame(rows, columns=["term", "tokens", "n_tokens", "split"])
    return df.astype({"n_tokens": "int64", "split": "bool"})


def _overlapping(tokens: Sequence[str], start: int, end: int) -> list[str]:
    """Tokens whose character span overlaps [start, end)."""
    out, pos = [], 0
    for token in tokens:
        if pos < end and pos + len(token) > start:
            out.append(token)
        pos += len(token)
    return out
