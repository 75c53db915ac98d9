"""Counting phrases in text: the automaton behind :func:`textmine.slogan_frequency`.

Kept apart from :mod:`textmine.frequency` so that a worker process counting a
chunk of documents (:func:`_count_chunk`) imports neither pandas nor the rest
of the analyses (about 0.5 s of CPU a worker).

>>> _PhraseCounter({"slogan": ["营商环境", "发展发展"], "variants": ["", ""]}).count("营商环境发展发展发展")
[1, 1]
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Callable, Sequence

__all__: list[str] = []

_SAMPLE = 200_000  # characters used to order the pyahocorasick fallback (speed only)
_DFA_MAX_FORMS = 20_000  # above this, let ahocorasick_rs pick a smaller automaton


def _compact(text: str) -> str:
    """``text`` without any whitespace (``str.split`` whitespace = regex ``\\s``; 4x faster than re.sub)."""
    return "".join(text.split())


def _has_border(phrase: str) -> bool:
    """True if a proper prefix equals a suffix (two occurrences could overlap)."""
    return any(phrase[:k] == phrase[-k:] for k in range(1, len(phrase)))


def _form_finder(forms: list[str], sample: str = "") -> Callable[[str], Counter]:
    """``text -> Counter(form: occurrences)``, overlapping occurrences included, in one pass.

    Uses the Rust ``ahocorasick_rs`` automaton (a DFA; the stored patterns are
    returned as the same str objects, so counting them is a dict lookup each)
    and falls back to ``pyahocorasick`` when it is not installed.

    >>> sorted(_form_finder(["营商环境", "一流营商环境", "发展发展"])("一流营商环境发展发展发展").items())
    [('一流营商环境', 1), ('发展发展', 2), ('营商环境', 1)]
    """
    try:
        import ahocorasick_rs
    except ImportError:  # pragma: no cover - the fallback itself is tested through monkeypatching
        return _pyahocorasick_finder(forms, sample)
    impl = ahocorasick_rs.Implementation.DFA if len(forms) <= _DFA_MAX_FORMS else None
    automaton = ahocorasick_rs.AhoCorasick(forms, implementation=impl, store_patterns=True)
    find = automaton.find_matches_as_strings

    def count(text: str) -> Counter:
        return Counter(find(text, overlapping=True))

    return count


def _pyahocorasick_finder(forms: list[str], sample: str = "") -> Callable[[str], Counter]:
    """The same as :func:`_form_finder` with ``pyahocorasick`` (about 5x slower at 1,000 phrases)."""
    import ahocorasick

    automaton = ahocorasick.Automaton()
    # Speed only: pyahocorasick scans a node's children in insertion order, so
    # phrases starting with characters frequent in ``sample`` go in first.
    freq = Counter(sample)
    for form in sorted(forms, key=lambda f: -freq[f[0]]):
        automaton.add_word(form, form)
    automaton.make_automaton()
    scan = automaton.iter

    def count(text: str) -> Counter:
        return Counter(form for _, form in scan(text))

    return count


def _occurrences(text: str, form: str) -> list[tuple[int, int]]:
    """``(end, start)`` of every occurrence of ``form``, overlapping ones included."""
    out, n = [], len(form)
    i = text.find(form)
    while i >= 0:
        out.append((i + n, i))
        i = text.find(form, i + 1)
    return out


def _max_disjoint(text: str, forms: Sequence[str]) -> int:
    """Largest number of non-overlapping occurrences of any of ``forms`` (earliest end first).

    For one form this is ``text.count(form)``.

    >>> _max_disjoint("深入学习党的二十大精神,落实二十大部署", ["党的二十大", "二十大"])
    2
    """
    spans = sorted(span for form in forms for span in _occurrences(text, form))
    n, last_end = 0, 0
    for end, start in spans:
        if start >= last_end:
            n += 1
            last_end = end
    return n


class _PhraseCounter:
    """One automaton over every slogan and variant, built once.

    ``count(text)`` returns, per slogan, the largest number of non-overlapping
    occurrences of any of its forms. One pass over the text counts every form
    (overlaps included); a slogan with one form that cannot overlap itself
    takes that count directly. Only slogans with variants, or whose phrase can
    overlap itself (发展发展), are settled by looking at positions, and only in
    texts where one of their forms occurs.
    """

    def __init__(self, table: Any, sample: str = "") -> None:
        self.n = len(table["slogan"])  # a table, or its two columns as lists (what a worker process gets)
        plain: dict[str, int] = {}  # slogans are unique, so a one-form slogan owns its form
        special: list[tuple[int, tuple[str, ...]]] = []
        forms: dict[str, None] = {}
        for i, (slogan, variants) in enumerate(zip(table["slogan"], table["variants"])):
            own = tuple(dict.fromkeys([slogan] + [v for v in str(variants).split("|") if v]))
            forms.update(dict.fromkeys(own))
            if len(own) == 1 and not _has_border(own[0]):
                plain[own[0]] = i
            else:
                special.append((i, own))
        self._plain = plain
        self._special = special
        self._find = _form_finder(list(forms), sample)

    def count(self, compact: str) -> list[int]:
        counts = [0] * self.n
        hits = self._find(compact)
        plain = self._plain.get
        for form, n in hits.items():
            i = plain(form, -1)
            if i >= 0:
                counts[i] = n
        for i, own in self._special:
            present = [f for f in own if f in hits]
            if present:
                counts[i] = _max_disjoint(compact, present)
        return counts


_COUNTERS: dict[str, _PhraseCounter] = {}  # a worker's automaton for the run it is counting


def _count_chunk(docs: list[Any], forms: dict[str, list], sample: str, run: str, *,
                 parent: int) -> list[tuple[int, list[int]]]:
    """:func:`slogan_frequency`'s numbers for a chunk of documents, in a worker process."""
    from ._parallel import watch_parent

    watch_parent(parent)
    counter = _COUNTERS.get(run)
    if counter is None:
        _COUNTERS.clear()
        counter = _COUNTERS[run] = _PhraseCounter(forms, sample=sample)
    out = []
    for doc in docs:
        compact = _compact(doc.text)
        out.append((len(compact), counter.count(compact)))
    return out
