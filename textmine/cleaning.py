"""Cleaning a government work report, one small documented step at a time.

Every step is a plain function ``step(text) -> (new_text, changes)`` and every
change it makes is recorded as a :class:`Change`, so a researcher can see what
cleaning removed or rewrote in each document::

    >>> r = clean("各位代表:\\n现在,我代表市人民政府向大会报告政府工作,请予\\n审议。\\n分享到:")
    >>> print(r.text)
    各位代表:
    现在,我代表市人民政府向大会报告政府工作,请予审议。
    >>> [(c.step, c.action, c.before) for c in r.changes]
    [('furniture', 'removed', '\\n分享到:'), ('join_lines', 'removed', '\\n')]

Steps, in the order :func:`clean` runs them (``DEFAULT_STEPS`` plus the two optional ones):

``normalize`` (:func:`normalize`)
    Full-width digits, letters and symbols (``％＋－．／`` …) become ASCII; Chinese
    punctuation (，。：；！？（）“” …) is kept as is. Non-breaking, ideographic and other
    spaces become " ", zero-width characters are removed, ``\\r\\n`` becomes ``\\n``.
``furniture`` (:func:`remove_furniture`)
    Web-page furniture: navigation bars, breadcrumbs, share/scan prompts, badges
    of document sites, pagers and page numbers, metadata lines of government
    sites, trailing related-link lists, and watermarks inserted anywhere in the
    text. The patterns live in ``textmine/data/furniture.txt`` (one regex a line).
    At a page's edges -- before the first paragraph and after the last one -- short
    lines made of toolbar words (全屏, 字号, 分享, 收藏, ...), breadcrumbs (首页 > 要闻),
    a metadata label alone with its value on the next line (来源： / 某某日报), photo
    captions (…本报记者 某某 摄) and, in the tail, repeats of earlier text and
    related-link lists are removed too; nothing between the first and last paragraph
    is touched by these edge rules, so every sentence of the report stays.
``duplicates`` (:func:`drop_duplicates`)
    A line repeated later (compared without whitespace; >= 20 characters, or
    >= 4 when it repeats the line just before) is dropped, keeping the first.
    A line ending in "..." or "…" whose text (>= 20 characters) already occurs
    earlier is a truncated copy, such as an abstract repeated at the end of a
    page, and is dropped too.
``join_lines`` (:func:`join_broken_lines`)
    Lines broken inside a sentence (PDF hard wraps, page breaks) are joined, so
    "新质生\\n产力" counts as one phrase. A line is kept apart if it ends with
    sentence-final punctuation (。！？；：… and ASCII forms), if it is a
    heading ("一、…", "(一)…", "第一章…") or a short title-like line without
    punctuation, or if the next line is a heading; but it is always joined
    while a “ ( 《 【 opened in the paragraph is still open.
``spaces`` (:func:`remove_spaces`)
    Spaces left by PDF extraction between Chinese characters, and between
    Chinese and digits or punctuation, are deleted ("2022 年" -> "2022年");
    a space between two ASCII characters ("Made in China", "PM 2.5") is kept
    (runs shrink to one). Indentation and blank lines go: one paragraph a line.
``simplify`` (:func:`to_simplified`; by default only for a document in traditional script)
    Traditional -> simplified characters with OpenCC ``t2s``, every changed run
    recorded. ``to_simplified="auto"`` (the default) detects the script of each
    document (:func:`detect_script`) and converts it when it is traditional (a
    report of the 1980s, a Hong Kong or Taiwan source), so slogans written in
    simplified characters are found in it; ``True`` always converts, ``False``
    never does. ``CleanResult.script`` says what was detected.
``unmask`` (:func:`unmask`, only with ``unmask=True``)
    Undoes masking by a source: the 2024 report collection writes 党 as an
    ASCII "X" ("X的二十大", "X中央"), 政治 as "ZZ", 八项规定 as "XXXX". The
    rules live in ``textmine/data/masks.csv`` (mask, replacement, left, right,
    note): a mask is restored only where the left context (regex ending right
    before it) and the right context (regex starting right after it) both
    match, and never where the mask touches another ASCII letter or digit (or
    "+" before it), so a genuine "1+6+X", "543X" or "XIN" survives. The table
    as shipped (restorations in the seed collection in brackets):

    ========  ==========  ===================================================  =====
    mask      restored    context                                               seed
    ========  ==========  ===================================================  =====
    XXXX      八项规定    after 中央                                            11
    XZZ       党政治      全面从严治_责任                                       1
    ZZ        政治        before 判断力 领悟力 执行力 建设 责任 生态 忠诚 …     29
    X         党          before 的二十大/的全面领导/的建设…, 中央, 风廉政,     88
                          代会, 员干部, 政同责/政机关, 建领航; after 民主/无
                          (…派), 从严治, 共产, 村 (…组织), 对 (…忠诚)
    A         习近平      before 同志在福建/福州/浙江… (工作期间)               1
    ========  ==========  ===================================================  =====

``Change.position`` is the offset of ``before`` in the text *as that step
received it*. :func:`looks_truncated` tells whether a document ends mid-sentence.
"""

from __future__ import annotations

__all__ = ["Change", "CleanResult", "clean", "clean_many", "looks_truncated", "normalize", "FurnitureRules",
           "remove_furniture", "drop_duplicates", "join_broken_lines", "remove_spaces", "to_simplified",
           "MaskRule", "unmask", "STEPS", "DEFAULT_STEPS"]

import csv
import math
import re
import statistics
import sys
import unicodedata
from dataclasses import dataclass, field
from functools import cache, lru_cache
from operator import add
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, NamedTuple, Sequence

from .errors import DictionaryError

DATA_DIR = Path(__file__).parent / "data"
FURNITURE_FILE = DATA_DIR / "furniture.txt"
MASKS_FILE = DATA_DIR / "masks.csv"

ACTIONS = ("removed", "rewritten")


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Change:
    """One edit made by a cleaning step.

    ``position`` is the offset of ``before`` in the text the step received.

    >>> Change("unmask", "rewritten", "X", "党", 10).action
    'rewritten'
    """

    step: str
    action: str
    before: str
    after: str
    position: int


@dataclass(frozen=True)
class CleanResult:
    """Cleaned text plus the list of every change made to get there.

    >>> r = clean("2022 年")
    >>> r.text, len(r.changes)
    ('2022年', 1)
    """

    text: str
    changes: list[Change] = field(default_factory=list)
    script: str | None = None   # detect_script() of the text, when to_simplified="auto"

    def to_frame(self):
        """All changes as a DataFrame(step, action, before, after, position).

        >>> clean("扫一扫在手机上查看当前页面\\n正文。").to_frame()[["step", "action"]].values.tolist()
        [['furniture', 'removed']]
        """
        import pandas as pd

        return pd.DataFrame(
            {
                "step": [c.step for c in self.changes],
                "action": [c.action for c in self.changes],
                "before": [c.before for c in self.changes],
                "after": [c.after for c in self.changes],
                "position": pd.Series([c.position for c in self.changes], dtype="int64"),
            }
        )

    def summary(self):
        """Number of changes and of characters touched, per step and action.

        Returns DataFrame(step, action, n, chars) in pipeline order; ``chars``
        counts the characters of ``before``.

        >>> clean("VIP专免\\n2022 年").summary().values.tolist()
        [['furniture', 'removed', 1, 6], ['spaces', 'removed', 1, 1]]
        """
        import pandas as pd

        counts: dict[tuple[str, str], list[int]] = {}
        for c in self.changes:
            entry = counts.setdefault((c.step, c.action), [0, 0])
            entry[0] += 1
            entry[1] += len(c.before)
        rows = [(s, a, n, ch) for (s, a), (n, ch) in counts.items()]
        return pd.DataFrame(
            {
                "step": [r[0] for r in rows],
                "action": [r[1] for r in rows],
                "n": pd.Series([r[2] for r in rows], dtype="int64"),
                "chars": pd.Series([r[3] for r in rows], dtype="int64"),
            }
        )


Edit = tuple[int, int, str]  # (start, end, replacement) on a step's input


def _apply(text: str, edits: Iterable[Edit], step: str) -> tuple[str, list[Change]]:
    """Apply non-overlapping edits (sorted by start) and record them as changes."""
    out: list[str] = []
    changes: list[Change] = []
    pos = 0
    for start, end, repl in sorted(edits):
        if start < pos:  # overlapping edit: the earlier one wins
            continue
        before = text[start:end]
        if before == repl:
            continue
        out.append(text[pos:start])
        out.append(repl)
        action = "removed" if repl == "" else "rewritten"
        changes.append(Change(step, action, before, repl, start))
        pos = end
    out.append(text[pos:])
    return "".join(out), changes


# --------------------------------------------------------------------------- normalize

#: Full-width forms kept as they are: Chinese punctuation.
_KEEP_FULLWIDTH = set("！＂＇（），：；？［］｛｝～｜")
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"


def _normalize_map() -> dict[str, str]:
    table: dict[str, str] = {}
    for code in range(0xFF01, 0xFF5F):
        ch = chr(code)
        if ch not in _KEEP_FULLWIDTH:
            table[ch] = chr(code - 0xFEE0)
    for ch in "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000\t\f\v":
        table[ch] = " "
    for ch in _ZERO_WIDTH:
        table[ch] = ""
    table["\u2028"] = "\n"
    table["\u2029"] = "\n"
    return table


_NORMALIZE = _normalize_map()
_NORMALIZE_RE = re.compile(
    "\r\n?|[" + re.escape("".join(_NORMALIZE)) + "]+"
)
#: The first character of any match of ``_NORMALIZE_RE``: one character class, which the
#: regex engine scans for far faster than it tries the alternation at every position.
_NORMALIZE_FIRST = re.compile("[\r" + re.escape("".join(_NORMALIZE)) + "]")


@lru_cache(maxsize=1)
def _normalize_table():
    """1 for each code point that starts a match of ``_NORMALIZE_RE`` (the class ``_NORMALIZE_FIRST``), else 0."""
    import numpy as np

    table = np.zeros(sys.maxunicode + 1, dtype=np.uint8)
    for c in "\r" + "".join(_NORMALIZE):
        table[ord(c)] = 1
    return table


#: Characters of text looked at in one array operation by :func:`_normalize_starts` (bounds its memory).
_SCAN_CHARS = 1 << 20


def _normalize_starts(text: str) -> Iterable[int]:
    """Positions of the characters of ``_NORMALIZE_FIRST`` in ``text``, in order.

    One table look-up per character over the text's code points (numpy), some
    ten times faster than the regex engine scanning for the class.

    >>> list(_normalize_starts("ａ发展\\r\\n２"))
    [0, 3, 5]
    """
    import numpy as np

    table = _normalize_table()
    for at in range(0, len(text), _SCAN_CHARS):
        codes = np.frombuffer(text[at:at + _SCAN_CHARS].encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        yield from (at + np.flatnonzero(table[codes])).tolist()


def normalize(text: str) -> tuple[str, list[Change]]:
    """Full-width digits/letters to ASCII, odd spaces to " ", zero-width removed, CRLF to LF.

    Chinese punctuation such as ，。：（）“” is left alone.

    >>> normalize("２０２４年，ＧＤＰ增长５％\\u3000\\u200b。\\r\\n")[0]
    '2024年，GDP增长5% 。\\n'
    """

    def edits() -> Iterable[Edit]:
        pos, match = 0, _NORMALIZE_RE.match
        for start in _normalize_starts(text):
            if start < pos:  # inside the previous match
                continue
            m = match(text, start)  # every match starts with such a character, and one starts at each
            s = m.group()
            repl = "\n" if s[0] == "\r" else "".join(_NORMALIZE[c] for c in s)
            yield m.start(), m.end(), repl
            pos = m.end()

    return _apply(text, edits(), "normalize")


# --------------------------------------------------------------------------- furniture


@dataclass(frozen=True)
class FurnitureRules:
    """Compiled patterns of a furniture file (see ``textmine/data/furniture.txt``)."""

    line: re.Pattern
    inline: re.Pattern | None
    tail: re.Pattern | None
    ui: re.Pattern | None = None
    label: re.Pattern | None = None
    caption: re.Pattern | None = None
    line_patterns: tuple[str, ...] = ()  # the [line] patterns one by one, as ``line`` joins them


def _compile_union(patterns: list[tuple[int, str]], path: Path) -> re.Pattern | None:
    """One pattern matching what any of ``patterns`` matches; a bad one is named by its line of ``path``."""
    if not patterns:
        return None
    try:
        return re.compile("|".join(f"(?:{p})" for _, p in patterns))
    except re.error:
        pass
    for lineno, pat in patterns:  # each alone, only to name the bad one
        try:
            re.compile(pat)
        except re.error as exc:
            raise DictionaryError(f"{path}: line {lineno}: bad regular expression {pat!r} ({exc})") from None
    raise DictionaryError(f"{path}: the patterns cannot be joined into one regular expression")


@lru_cache(maxsize=8)
def load_furniture(path: str | Path | None = None) -> FurnitureRules:
    """Read a furniture file: sections ``[line]``, ``[inline]``, ``[ui]``, ``[label]``, ``[caption]``,
    ``[tail]``, one regex a line (only ``[line]`` is required).

    >>> rules = load_furniture()
    >>> bool(rules.line.fullmatch("分享到:")), bool(rules.line.fullmatch("推进高质量发展。"))
    (True, False)
    """
    path = Path(path) if path is not None else FURNITURE_FILE
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DictionaryError(f"{path}: cannot read furniture file ({exc.strerror})") from None
    sections: dict[str, list[tuple[int, str]]] = {"line": [], "inline": [], "tail": [], "ui": [], "label": [],
                                                   "caption": []}
    current: str | None = None
    for lineno, raw in enumerate(lines, 1):
        s = raw.strip()
        if not s or s.startswith("#"):
            continue
        if s.startswith("[") and s.endswith("]") and s[1:-1] in sections:
            current = s[1:-1]
            continue
        if current is None:
            raise DictionaryError(f"{path}: line {lineno}: pattern before any section ([line], [inline], [tail], ...)")
        sections[current].append((lineno, s))
    line = _compile_union(sections["line"], path)
    if line is None:
        raise DictionaryError(f"{path}: no [line] patterns")
    ui = sections["ui"]
    ui_words = (_compile_union([(n, f"(?:{p})") for n, p in sorted(ui, key=lambda x: -len(x[1]))], path)
                if ui else None)
    return FurnitureRules(line, _compile_union(sections["inline"], path), _compile_union(sections["tail"], path),
                          ui_words, _compile_union(sections["label"], path), _compile_union(sections["caption"], path),
                          tuple(p for _, p in sections["line"]))


def _line_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line, end excluding the newline."""
    spans = []
    start = 0
    for line in text.split("\n"):
        end = start + len(line)
        spans.append((start, end))
        start = end + 1
    return spans


def _removal_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Extend a whole-line removal to take one newline with it."""
    if start > 0:
        return start - 1, end  # take the newline before the line
    if end < len(text):
        return start, end + 1
    return start, end


def _tail_start(text: str, spans: list[tuple[int, int]], rules: FurnitureRules) -> int | None:
    """Index of the line starting a trailing related-links list, if any.

    The first line matching a ``[tail]`` pattern after which every line is
    short (<= 40 characters) and does not end with "。". Only the lines from
    the one before that run of short lines on can qualify, so only they are matched.
    """
    if rules.tail is None:
        return None
    first = len(spans)  # the short lines at the end are spans[first:]
    while first > 0:
        r = text[spans[first - 1][0] : spans[first - 1][1]].strip()
        if len(r) > 40 or r.endswith("。"):
            break
        first -= 1
    for i in range(max(first - 1, 0), len(spans)):
        s, e = spans[i]
        if rules.tail.fullmatch(text[s:e].strip()):
            return i
    return None


_SEPARATORS = re.compile(r"[\s>＞»›<＜«‹|｜/／\\·•●◆▪\-—–_=×✕xX【】\[\]{}()（）《》〈〉:：,，、.。!！?？;；\d年月日时分秒]*")
_PROSE_END = frozenset("。！？!?；;…")
_PROSE_CHARS_EDGE = 30  # a line this long ending a sentence is report text: the page's head ends before it
_SHORT = 20             # UI lines, breadcrumb items and label values are at most this long


def _edge_lines(text: str, spans: list[tuple[int, int]], rules: FurnitureRules) -> set[int]:
    """Indices of furniture lines in a page's head and tail (see ``[ui]``, ``[label]``, ``[caption]``).

    The head is every line before the first paragraph (a line of at least 30 characters
    ending a sentence); the tail every line after the last paragraph that is not a repeat of
    earlier text (a page often repeats its title and first sentence at the bottom). Nothing
    between them is touched, so every sentence of the report stays. In the head and tail:
    lines made only of UI words and separators; breadcrumbs (short items around lines
    holding only ">" or "|"); a metadata label alone on its line and the short value on the
    next line; photo captions (head only); lines repeating earlier text (tail only).
    """
    if rules.ui is None and rules.label is None and rules.caption is None:
        return set()
    lines = [text[s:e].strip() for s, e in spans]
    compact = ["".join(ln.split()) for ln in lines]  # without whitespace (str.split splits on what \s matches)
    n = len(lines)

    def prose(i: int) -> bool:
        c = compact[i]
        return len(c) >= _PROSE_CHARS_EDGE and c[-1] in _PROSE_END

    first = next((i for i in range(n) if prose(i)), None)
    if first is None:
        return set()
    offsets, pos = [], 0
    for c in compact:
        offsets.append(pos)
        pos += len(c)
    whole = "".join(compact)

    def repeat(i: int) -> bool:
        c = compact[i]
        return len(c) >= 8 and whole.find(c) < offsets[i]

    # every prose line after the first may repeat earlier text: the first then ends the body as well
    last = next((i for i in range(n - 1, -1, -1) if prose(i) and not repeat(i)), first)
    zones = [(range(0, first), True), (range(last + 1, n), False)]

    def ui_line(i: int) -> bool:
        c = compact[i]
        if not c or len(c) > _SHORT:
            return False
        rest = rules.ui.sub("", c) if rules.ui is not None else c
        return _SEPARATORS.fullmatch(rest) is not None

    def separator_only(i: int) -> bool:
        c = compact[i]
        return bool(c) and len(c) <= 3 and _SEPARATORS.fullmatch(c) is not None and not c.isdigit()

    def short_item(i: int) -> bool:
        c = compact[i]
        return 0 < len(c) <= _SHORT and c[-1] not in _PROSE_END

    marked: set[int] = set()
    for zone, head in zones:
        idx = [i for i in zone if compact[i]]
        for k, i in enumerate(idx):
            if rules.label is not None and rules.label.fullmatch(compact[i]):
                marked.add(i)
                if k + 1 < len(idx) and short_item(idx[k + 1]):
                    marked.add(idx[k + 1])
            elif ui_line(i) or separator_only(i):
                marked.add(i)
            elif head and rules.caption is not None and rules.caption.fullmatch(lines[i]) and compact[i][-1] not in _PROSE_END - {"。"}:
                marked.add(i)
            elif repeat(i):  # a title shown twice in the head, the page's summary repeated in the tail
                marked.add(i)
        # breadcrumbs: short items on either side of a separator line (首页 > 要闻 > 正文)
        for k, i in enumerate(idx):
            if separator_only(i) and any(ch in compact[i] for ch in ">＞»›|｜/／"):
                for j in (k - 1, k + 1):
                    if 0 <= j < len(idx) and short_item(idx[j]):
                        marked.add(idx[j])
        # a breadcrumb item shown again on the next line (云南要闻 / 云南要闻)
        for k in range(1, len(idx)):
            if idx[k - 1] in marked and compact[idx[k]] == compact[idx[k - 1]]:
                marked.add(idx[k])
        # tail: a related-links heading and everything after it (the zone holds no paragraph)
        if not head and rules.tail is not None:
            start = next((i for i in idx if rules.tail.fullmatch(compact[i])), None)
            if start is not None:
                marked.update(i for i in idx if i >= start)
    return marked


def _sre():
    """The regular-expression parser's modules: its constants and the parser."""
    try:
        from re import _constants as sre_c, _parser as sre_parse  # Python >= 3.11
    except ImportError:  # pragma: no cover - Python 3.10
        import sre_constants as sre_c  # type: ignore[no-redef]
        import sre_parse  # type: ignore[no-redef]
    return sre_c, sre_parse


def _found_in_whole_text(pattern: re.Pattern) -> bool:
    """Whether a match of ``pattern`` in a line is sure to be found by searching the whole text.

    True when the pattern has no anchor (``^ $ \\A \\Z``), lookaround or
    back-reference: what it matches then depends only on the characters
    matched, and ``\\b`` sees a line's end as it sees a newline. Then a text
    without a match anywhere has no line with one (the common case, checked
    in one scan). Undecidable patterns count as False.

    >>> _found_in_whole_text(re.compile("更多资料[^】\\n]{0,20}")), _found_in_whole_text(re.compile("^第.页"))
    (True, False)
    """
    return _found_in_whole_text_cached(pattern.pattern, pattern.flags)


@lru_cache(maxsize=32)
def _found_in_whole_text_cached(source: str | bytes, flags: int) -> bool:
    sre_c, sre_parse = _sre()
    forbidden = {sre_c.ASSERT, sre_c.ASSERT_NOT, sre_c.GROUPREF, sre_c.GROUPREF_EXISTS}
    forbidden |= {getattr(sre_c, n) for n in ("GROUPREF_IGNORE", "GROUPREF_LOC_IGNORE", "GROUPREF_UNI_IGNORE")
                  if hasattr(sre_c, n)}
    boundaries = {getattr(sre_c, n) for n in dir(sre_c) if n.startswith("AT_") and "BOUNDARY" in n}

    def ok(node) -> bool:
        if isinstance(node, sre_parse.SubPattern):
            for op, av in node.data:
                if op in forbidden or (op == sre_c.AT and av not in boundaries):
                    return False
                if not ok(av):
                    return False
        elif isinstance(node, (list, tuple)):
            return all(ok(x) for x in node)
        return True

    try:
        return ok(sre_parse.parse(source, flags))
    except Exception:  # pragma: no cover - a parser of another Python version
        return False


def _literal_prefixes(pattern: re.Pattern) -> tuple[str, ...] | None:
    """Literal texts one of which starts every match of ``pattern``, or None if they cannot be told.

    Read from the parsed pattern: each top-level alternative (through
    non-capturing and capturing groups) must begin with at least two literal
    characters. A text containing none of them has no match, which ``in``
    finds far faster than the regex engine trying the pattern at every position.
    Case-insensitive and verbose patterns count as None.

    >>> _literal_prefixes(re.compile("(?:更多资料[ ]*[+＋]?)|(?:【公众号[:：])"))
    ('更多资料', '【公众号')
    >>> _literal_prefixes(re.compile("[更多]资料")) is None
    True
    """
    return _literal_prefixes_cached(pattern.pattern, pattern.flags)


@lru_cache(maxsize=32)
def _literal_prefixes_cached(source: str | bytes, flags: int) -> tuple[str, ...] | None:
    if not isinstance(source, str) or flags & (re.IGNORECASE | re.VERBOSE):
        return None
    sre_c, sre_parse = _sre()

    def alternatives(items: list) -> list[list] | None:
        """The alternatives a sequence of parsed items starts with (a branch or groups around one)."""
        if len(items) == 1:
            op, av = items[0]
            if op == sre_c.BRANCH:
                out: list[list] = []
                for alt in av[1]:
                    inner = alternatives(list(alt))
                    out += inner if inner is not None else [list(alt)]
                return out
            if op == sre_c.SUBPATTERN and not av[1] and not av[2]:  # a group adding no flags
                return alternatives(list(av[3])) or [list(av[3])]
        return None

    def prefix(items: list) -> str:
        chars = []
        for op, av in items:
            if op == sre_c.SUBPATTERN and not av[1] and not av[2] and not chars:
                return prefix(list(av[3]))
            if op != sre_c.LITERAL:
                break
            chars.append(chr(av))
        return "".join(chars)

    try:
        parsed = list(sre_parse.parse(source, flags))
    except Exception:  # pragma: no cover - a parser of another Python version
        return None
    alts = alternatives(parsed) or [parsed]
    found = tuple(prefix(a) for a in alts)
    return found if all(len(x) >= 2 for x in found) else None


def _pattern_shape(source: str) -> tuple[frozenset[str] | None, bool, float]:
    """How a match of ``source`` on a stripped line starts, and its length bound.

    ``(chars, digits, longest)``: a match's first character is one of
    ``chars`` or, if ``digits``, a decimal digit (what ``\\d`` matches); ``chars``
    is None when any character can start it (or it cannot be told). A line
    given to the pattern is stripped, so a whitespace-only item can only be
    skipped over, never start it. ``longest``: the most characters a match
    holds (``math.inf`` if unbounded).

    >>> chars, digits, longest = _pattern_shape(r"【?\\s*(打印|关闭)")
    >>> sorted(chars), digits, longest
    (['【', '关', '打'], False, inf)
    >>> _pattern_shape(r"\\d+页"), _pattern_shape(r".{0,20}下一页")
    ((frozenset(), True, inf), (None, False, 23))
    """
    sre_c, sre_parse = _sre()
    parsed = sre_parse.parse(source)
    longest = parsed.getwidth()[1]
    longest = math.inf if longest >= sre_c.MAXREPEAT else longest
    if parsed.state.flags & re.IGNORECASE:
        return None, False, longest
    digits = {sre_c.CATEGORY_DIGIT, sre_c.CATEGORY_UNI_DIGIT}
    spaces = {sre_c.CATEGORY_SPACE, sre_c.CATEGORY_UNI_SPACE}
    repeats = {sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, getattr(sre_c, "POSSESSIVE_REPEAT", sre_c.MAX_REPEAT)}
    found: set[str] = set()
    digit = False

    def char_class(items) -> bool:
        """Add what a class can start with; False if any character can."""
        nonlocal digit
        for op, av in items:
            if op == sre_c.LITERAL:
                found.add(chr(av))
            elif op == sre_c.RANGE and av[1] - av[0] < 256:
                found.update(map(chr, range(av[0], av[1] + 1)))
            elif op == sre_c.CATEGORY and av in digits | spaces:
                digit = digit or av in digits
            else:
                return False
        return True

    def first(items) -> bool | None:
        """Add what the sequence can start with; whether it can match nothing (None: any character can start it)."""
        for op, av in items:
            if op == sre_c.LITERAL:
                found.add(chr(av))
                return False
            if op == sre_c.IN:
                if not char_class(av):
                    return None
                if not all(o == sre_c.CATEGORY and a in spaces for o, a in av):
                    return False  # a whitespace-only class is skipped over on a stripped line
                continue
            if op in repeats:
                empty = first(av[2])
            elif op == sre_c.SUBPATTERN and not av[1] & re.IGNORECASE:
                empty = first(av[3])
            elif op == getattr(sre_c, "ATOMIC_GROUP", None):
                empty = first(av)
            elif op == sre_c.BRANCH:
                empties = [first(alt) for alt in av[1]]
                empty = None if None in empties else any(empties)
            elif op in (sre_c.AT, sre_c.ASSERT, sre_c.ASSERT_NOT):
                continue  # zero-width: the next item starts the match
            else:
                return None
            if empty is None:
                return None
            if not empty and not (op in repeats and av[0] == 0):
                return False
        return True

    try:
        told = first(parsed) is not None
    except Exception:  # pragma: no cover - a parser of another Python version
        told = False
    return (frozenset(found) if told else None), digit, longest


class _LineMatch:
    """``bool(line_pattern.fullmatch(line))`` for a stripped non-empty line, trying fewer patterns.

    A ``[line]`` pattern can only match a line that starts with one of its
    first characters (:func:`_pattern_shape`) and is no longer than its
    longest match. A line starting otherwise -- most lines of a report --
    is tried only against the patterns that can start with any character,
    and, when it is longer than all their bounded ones, only against the
    unbounded ones; any other line against the whole union.
    """

    def __init__(self, line: re.Pattern, patterns: Sequence[str]) -> None:
        shapes = [_pattern_shape(p) for p in patterns]
        self._full = line.fullmatch
        self._chars = frozenset().union(*(c for c, _, _ in shapes if c is not None))
        self._digits = any(d for _, d, _ in shapes)
        anywhere = [(p, longest) for p, (c, _, longest) in zip(patterns, shapes) if c is None]
        self._bound = max((n for _, n in anywhere if n != math.inf), default=0)
        self._any_start = self._union([p for p, _ in anywhere])
        self._long = self._union([p for p, n in anywhere if n == math.inf])

    @staticmethod
    def _union(patterns: list[str]) -> Callable[[str], re.Match | None]:
        return re.compile("|".join(f"(?:{p})" for p in patterns) or "(?!)").fullmatch

    def __call__(self, line: str) -> bool:
        c = line[0]
        if c in self._chars or (self._digits and c.isdecimal()):
            return self._full(line) is not None
        return (self._long if len(line) > self._bound else self._any_start)(line) is not None


@lru_cache(maxsize=8)
def _line_match(rules: FurnitureRules) -> Callable[[str], bool]:
    """Whether a stripped non-empty line is a furniture line of ``rules`` (``rules.line.fullmatch``)."""
    if rules.line_patterns:
        return _LineMatch(rules.line, rules.line_patterns)
    return lambda line: rules.line.fullmatch(line) is not None


def _may_match(pattern: re.Pattern, text: str) -> bool:
    """False only if ``pattern`` has no match in ``text``: its literal prefixes are absent, else the search says."""
    literals = _literal_prefixes(pattern)
    if literals is not None and not any(x in text for x in literals):
        return False
    return pattern.search(text) is not None


def remove_furniture(text: str, *, rules: FurnitureRules | None = None) -> tuple[str, list[Change]]:
    """Remove web-page furniture lines and watermarks (patterns in ``data/furniture.txt``).

    >>> t = "您当前的位置:首页 > 政务公开\\n坚持稳中求进。更多资料+AAA:xx\\n扫一扫在手机上查看当前页面"
    >>> remove_furniture(t)[0]
    '坚持稳中求进。'
    """
    rules = rules or load_furniture()
    spans = _line_spans(text)
    tail = _tail_start(text, spans, rules)
    edits: list[Edit] = []
    edge = _edge_lines(text, spans, rules)
    for i in sorted(edge):
        if tail is None or i < tail:
            a, b = _removal_span(text, *spans[i])
            edits.append((a, b, ""))
    if tail is not None:
        start = spans[tail][0]
        edits.append((start - 1 if start > 0 else start, len(text), ""))
        spans = spans[:tail]
    inline = rules.inline
    if inline is not None and _found_in_whole_text(inline) and not _may_match(inline, text):
        inline = None  # no watermark anywhere: no line to search
    whole_line = _line_match(rules)
    for s, e in spans:
        line = text[s:e]
        rest = line.strip()
        if not rest:
            continue
        marks = list(inline.finditer(line)) if inline is not None else None
        if marks:
            rest = "".join(line[a:b] for a, b in _gaps(len(line), [(m.start(), m.end()) for m in marks])).strip()
        if not rest or whole_line(rest):
            a, b = _removal_span(text, s, e)
            edits.append((a, b, ""))
        elif marks:
            edits.extend((s + m.start(), s + m.end(), "") for m in marks if m.end() > m.start())
    return _apply(text, _dedupe_edits(edits), "furniture")


def _gaps(n: int, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of range(n) not covered by sorted ``spans``."""
    out, pos = [], 0
    for a, b in spans:
        out.append((pos, a))
        pos = b
    out.append((pos, n))
    return out


def _dedupe_edits(edits: list[Edit]) -> list[Edit]:
    """Sort edits and merge those that touch or overlap (whole-line removals in a row)."""
    merged: list[Edit] = []
    for s, e, r in sorted(edits):
        if merged and s <= merged[-1][1] and r == "" and merged[-1][2] == "":
            ps, pe, _ = merged[-1]
            merged[-1] = (ps, max(pe, e), "")
        else:
            merged.append((s, e, r))
    return merged


# --------------------------------------------------------------------------- duplicates

_ELLIPSIS_END = re.compile(r"(\.{3,}|…+)\s*$")
_WS_RE = re.compile(r"\s+")


def _strip_ellipsis(key: str) -> str | None:
    """``key`` (no whitespace) before its final "..."/"…" run, or None: ``_ELLIPSIS_END`` without a regex scan.

    >>> _strip_ellipsis("请予审议..."), _strip_ellipsis("请予审议.."), _strip_ellipsis("请予……")
    ('请予审议', None, '请予')
    """
    if key.endswith("…"):
        return key.rstrip("…")
    body = key.rstrip(".")
    return body if len(key) - len(body) >= 3 else None


def drop_duplicates(text: str, *, min_chars: int = 20) -> tuple[str, list[Change]]:
    """Drop lines that repeat earlier text (compared without whitespace); keep the first.

    A line is a duplicate if the same line (>= ``min_chars`` characters) came
    before, if it repeats the line just before it (>= 4 characters), or if it
    ends in "..."/"…" and its text (>= ``min_chars``) already occurs earlier,
    like an abstract copied from the start of a report.

    >>> t = ("2023年泉州市政府工作报告\\n2023 年泉州市政府工作报告\\n"
    ...      "现在,我代表市人民政府向大会报告政府工作,请予审议。\\n现在,我代表市人民政府向大会报告政府工作,请...")
    >>> print(drop_duplicates(t)[0])
    2023年泉州市政府工作报告
    现在,我代表市人民政府向大会报告政府工作,请予审议。
    """
    seen: set[str] = set()
    kept: list[str] = []  # whitespace-free text of kept lines
    previous = ""
    edits: list[Edit] = []
    start = 0
    for line in text.split("\n"):  # the lines of _line_spans, read as they are split
        key = "".join(line.split())  # str.split() splits on what \s matches
        end = start + len(line)
        if key:
            dup = (len(key) >= min_chars and key in seen) or (len(key) >= 4 and key == previous)
            if not dup and key[-1] in ".…":
                body = _strip_ellipsis(key)
                if body is not None:
                    dup = len(body) >= min_chars and body in "".join(kept)
            if dup:
                edits.append((*_removal_span(text, start, end), ""))
            else:
                seen.add(key)
                kept.append(key)
                previous = key
        start = end + 1
    return _apply(text, _dedupe_edits(edits), "duplicates")


# --------------------------------------------------------------------------- join lines

_CLOSERS = "”’」』）)》〉】]\"'"
_TERMINAL = set("。！？；：…!?;:")
_PAIRS = (("“", "”"), ("（", "）"), ("(", ")"), ("《", "》"), ("【", "】"), ("「", "」"), ("‘", "’"))
_CN_NUM = "一二三四五六七八九十百零〇"
_HEADING = re.compile(
    rf"^\s*(第[{_CN_NUM}\d]+[章节部分篇条]|[{_CN_NUM}]+[、.．]|[（(][{_CN_NUM}\d]+[）)]|\d{{1,2}}[、．]|\d{{1,2}}\.(?!\d))"
)
_SENTENCE_PUNCT = frozenset("。！？；!?;")
_ANY_PUNCT = frozenset("，、。；：！？,;:!?")
_SENTENCE_RE = re.compile("[" + re.escape("".join(sorted(_SENTENCE_PUNCT))) + "]")
_ANY_PUNCT_RE = re.compile("[" + re.escape("".join(sorted(_ANY_PUNCT))) + "]")
_PAIR_MARKS = re.compile("[" + re.escape("".join(a + b for a, b in _PAIRS)) + "]")
_NO_OPEN = (0,) * len(_PAIRS)
_PAIR_STEP = {c: (k, step) for k, pair in enumerate(_PAIRS) for c, step in zip(pair, (1, -1))}
#: A paragraph this long (non-whitespace characters) is prose, not a heading or list item.
_PROSE_CHARS = 60
#: Headings and titles are at most this long.
_TITLE_CHARS = 40


def _wide_blocks() -> list[tuple[int, int]]:
    """The Unicode blocks, among those Chinese text is mostly made of, whose every character is wide.

    Checked against ``unicodedata`` when the module loads, so it stays exact
    for any Unicode version: a block with one narrow character is left out.
    """
    blocks = [(0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0xFF01, 0xFF60), (0x3001, 0x303E), (0xF900, 0xFAFF)]
    return [(a, b) for a, b in blocks if all(unicodedata.east_asian_width(chr(c)) in "WF" for c in range(a, b + 1))]


def _wide_block_class() -> str:
    """:func:`_wide_blocks` as the ranges of a regex class."""
    return "".join(f"\\u{a:04x}-\\u{b:04x}" for a, b in _WIDE_BLOCKS_RANGES)


_WIDE_BLOCKS_RANGES = _wide_blocks()
_WIDE_BLOCKS = re.compile(f"[{_wide_block_class()}]+")


class _CharWidths(dict):
    """Display width of a character (2 if ``unicodedata`` says W or F, else 1), looked up once per character."""

    def __missing__(self, c: str) -> int:
        width = self[c] = 2 if unicodedata.east_asian_width(c) in "WF" else 1
        return width


_CHAR_WIDTHS = _CharWidths()


def _display_width(line: str) -> int:
    """Columns ``line`` takes in a fixed-width display: 2 per wide (W, F) character, 1 per other.

    >>> _display_width("2024年GDP增长5.4%，")  # 11 narrow + 4 wide
    19
    """
    rest = _WIDE_BLOCKS.sub("", line)  # ideographs and full-width punctuation: wide without asking
    if rest.isascii():  # ASCII is narrow (east_asian_width "Na" or "N")
        return 2 * len(line) - len(rest)
    return 2 * (len(line) - len(rest)) + sum(map(_CHAR_WIDTHS.__getitem__, rest))


@lru_cache(maxsize=1)
def _width_table():
    """Display width by code point (uint8, 0 = not looked up yet): ASCII and the wide blocks filled in."""
    import numpy as np

    table = np.zeros(sys.maxunicode + 1, dtype=np.uint8)
    table[:0x80] = 1
    for a, b in _WIDE_BLOCKS_RANGES:
        table[a : b + 1] = 2
    return table


def _display_widths(lines: list[str]) -> list[int]:
    """``[_display_width(x) for x in lines]``, in a few array operations over all the lines.

    >>> _display_widths(["2024年GDP增长5.4%，", "", "“新质生产力”"])
    [19, 0, 12]
    """
    if not lines:
        return []
    import numpy as np

    codes = np.frombuffer("".join(lines).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    table = _width_table()
    widths = table[codes]
    unknown = widths == 0
    if unknown.any():  # characters not seen before: ask unicodedata once each
        for c in np.unique(codes[unknown]).tolist():
            table[c] = _CHAR_WIDTHS[chr(c)]
        widths = table[codes]
    lengths = np.array([len(x) for x in lines], dtype=np.int64)
    ends = np.cumsum(lengths)
    narrow = np.flatnonzero(widths == 1)  # positions of the narrow characters, usually the fewer
    n_narrow = np.searchsorted(narrow, ends) - np.searchsorted(narrow, ends - lengths)
    return (2 * lengths - n_narrow).tolist()


def _wrap_width(lines: list[str]) -> int | None:
    """Display width of a hard-wrapped (PDF) document, or None if its lines are paragraphs.

    Hard-wrapped: at least 40% of the lines are within 10% of the
    75th-percentile width, and that width is at least 20.
    """
    widths = _display_widths(lines) if len(lines) >= 5 else []
    if len(widths) < 5:
        return None
    w = statistics.quantiles(widths, n=4)[2]
    near = sum(1 for x in widths if abs(x - w) <= 0.1 * w)
    return int(w) if w >= 20 and near >= 0.4 * len(widths) else None


def _full_line_test(lines: list[str]) -> Callable[[str], bool]:
    """``line -> bool``: whether ``line`` fills a line of the hard-wrapped page ``lines`` come from.

    True when the document has a wrap width (:func:`_wrap_width`) and the line
    takes at least 0.85 of it. A character is one or two columns wide, so the
    wrap width is at least the 75th percentile of the lines' *lengths*: a line
    narrower than 0.85 of that is no full line, told without measuring the
    document's widths, which happens at most once, for a line the bound cannot tell.
    """
    if len(lines) < 5:  # no wrap width
        return lambda line: False
    floor = cache(lambda: int(statistics.quantiles([len(x) for x in lines], n=4)[2]))
    width = cache(lambda: _wrap_width(lines))

    def full(line: str) -> bool:
        columns = _display_width(line)
        if columns < 0.85 * floor():
            return False
        w = width()
        return w is not None and columns >= 0.85 * w

    return full


def _ends_sentence(line: str) -> bool:
    """Ends with 。！？；：… or their ASCII forms (closing quotes/brackets looked through)."""
    s = line.rstrip().rstrip(_CLOSERS)
    if not s:
        return True
    last = s[-1]
    if last in _TERMINAL:
        return True
    return last == "." and not (len(s) > 1 and s[-2].isdigit())


class _Para(NamedTuple):
    """What the join rules need to know about a (partly joined) paragraph."""

    first: str  # its first line
    chars: int  # non-whitespace characters
    sentence: bool  # contains 。！？； somewhere
    punct: bool  # contains any punctuation, commas included
    open: tuple[int, ...]  # net count of unclosed “ ( 《 【 ... pairs

    @classmethod
    def of(cls, line: str) -> _Para:
        open_ = _NO_OPEN
        marks = _PAIR_MARKS.findall(line)  # usually none or a few: count those, not the line 14 times
        if marks:
            counts = list(_NO_OPEN)
            for m in marks:
                k, step = _PAIR_STEP[m]
                counts[k] += step
            open_ = tuple(counts)
        return cls(
            line,
            len(line) - sum(map(str.isspace, line)) if not line.isprintable() or " " in line else len(line),
            _SENTENCE_RE.search(line) is not None,
            _ANY_PUNCT_RE.search(line) is not None,
            open_,
        )

    def __add__(self, other: _Para) -> _Para:  # type: ignore[override]
        return _Para(
            self.first,
            self.chars + other.chars,
            self.sentence or other.sentence,
            self.punct or other.punct,
            tuple(map(add, self.open, other.open)),
        )

    @property
    def is_heading(self) -> bool:
        return bool(_HEADING.match(self.first)) and self.chars <= _TITLE_CHARS and not self.sentence

    @property
    def is_title(self) -> bool:
        return self.chars <= _TITLE_CHARS and not self.punct


def _should_join(line: str, cur: _Para, nxt: _Para, full_line: Callable[[str], bool]) -> bool:
    """Whether the break after ``line`` (the last line of ``cur``) is inside a sentence.

    ``full_line(line)`` tells whether the line fills a line of a hard-wrapped
    page (:func:`_full_line_test`), asked only when the rules get that far.
    """
    if _ends_sentence(line):
        return False
    if max(cur.open) > 0 and not nxt.is_heading:
        return True  # inside “…” or (…): the sentence goes on
    if cur.is_heading or nxt.is_heading:
        return False
    # prose around the break (a list of short items without 。 stays one item a line), unless a title
    prose = cur.sentence or nxt.sentence or max(cur.chars, nxt.chars) >= _PROSE_CHARS
    if prose and not (cur.is_title or nxt.is_title):
        return True
    return full_line(line)  # asked last: joined either way when the prose rule holds


def _join_decisions(lines: list[str], full_line: Callable[[str], bool]) -> list[bool]:
    """For each break between ``lines``, whether to join it.

    The rules look at whole (partly joined) paragraphs, so the decisions are
    repeated (a forward and a backward sweep) until nothing changes: joining is
    then idempotent. Each sweep is linear; two rounds are the rule.
    """
    n = len(lines)
    single = [_Para.of(x) for x in lines]
    if n == 2:  # one break: both sweeps see the same two paragraphs, so one decision is the fixed point
        return [_should_join(lines[0], single[0], single[1], full_line)]
    joined = [False] * max(n - 1, 0)
    for _ in range(100):  # a safety bound; real texts settle in one or two rounds
        before = list(joined)
        nxt = list(single)  # paragraph starting at each line, joins as they stand
        for i in range(n - 2, -1, -1):
            if joined[i]:
                nxt[i] = single[i] + nxt[i + 1]
        cur = single[0] if n else None
        for i in range(n - 1):  # forward sweep: ``cur`` follows this sweep's joins
            joined[i] = joined[i] or _should_join(lines[i], cur, nxt[i + 1], full_line)
            cur = cur + single[i + 1] if joined[i] else single[i + 1]
        curs = list(single)  # paragraph ending at each line
        for i in range(1, n):
            if joined[i - 1]:
                curs[i] = curs[i - 1] + single[i]
        nx = single[-1] if n else None
        for i in range(n - 2, -1, -1):  # backward sweep: ``nx`` follows this sweep's joins
            joined[i] = joined[i] or _should_join(lines[i], curs[i], nx, full_line)
            nx = single[i] + nx if joined[i] else single[i]
        if joined == before:
            break
    return joined


def _join_repl(left: str, right: str) -> str:
    """What replaces a joined line break: a space only between two ASCII letters/digits."""
    a, b = left[-1:], right[:1]
    return " " if a.isascii() and b.isascii() and a.isalnum() and b.isalnum() else ""


def _open_segments(lines: list[str]) -> list[tuple[int, int]]:
    """``(a, b)``: runs of lines ``a..b`` (b > a) where no line but the last ends a sentence.

    A break after a line that ends a sentence is never joined, so no paragraph
    crosses it and the rules look at nothing beyond it: the breaks of each run
    are decided apart (:func:`_join_decisions` on ``lines[a:b + 1]``), with
    the same result as on all lines at once, and a document whose every line
    ends a sentence needs no decision at all.

    >>> _open_segments(["一、总体要求", "坚持稳中求进,", "推进高质量发展。", "全年增长5%。"])
    [(0, 2)]
    """
    out, start, last = [], 0, len(lines) - 1
    for i, line in enumerate(lines):
        if i == last or line[-1] in _TERMINAL or _ends_sentence(line):  # the first test: most lines
            if i > start:
                out.append((start, i))
            start = i + 1
    return out


def join_broken_lines(text: str) -> tuple[str, list[Change]]:
    """Join lines broken inside a sentence or word; keep headings and paragraph ends apart.

    Blank lines do not count: the decision rests on the lines' content, so the
    result is the same whether or not a source separates paragraphs by blank lines.

    >>> print(join_broken_lines("一、2022年工作回顾\\n这一年,我们培育新质生\\n产力,打好“强引擎、铸\\n链\\n条”组合拳。\\n二、工作安排")[0])
    一、2022年工作回顾
    这一年,我们培育新质生产力,打好“强引擎、铸链条”组合拳。
    二、工作安排
    """
    spans, lines = [], []  # the non-blank lines, stripped, and where they are
    start = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            spans.append((start, start + len(line)))
            lines.append(stripped)
        start += len(line) + 1
    joined = [False] * max(len(lines) - 1, 0)
    segments = _open_segments(lines)
    if segments:
        full_line = _full_line_test(lines)  # the document measured only if a rule needs it
        for a, b in segments:
            joined[a:b] = _join_decisions(lines[a : b + 1], full_line)
    edits: list[Edit] = []
    for i, join in enumerate(joined):
        if join:
            (s0, e0), (s1, e1) = spans[i], spans[i + 1]
            start = s0 + len(text[s0:e0].rstrip())
            end = s1 + len(text[s1:e1]) - len(text[s1:e1].lstrip())
            edits.append((start, end, _join_repl(lines[i], lines[i + 1])))
    return _apply(text, edits, "join_lines")


# --------------------------------------------------------------------------- spaces

_SPACES_RE = re.compile(
    r"(?P<start>\A\s+)|(?P<end>\s+\Z)|(?P<blank>[ \t]*\n(?:[ \t]*\n)+[ \t]*)"
    r"|(?P<nl>[ \t]+\n[ \t]*|\n[ \t]+)|(?P<inner>[ \t]+)"
)
#: What ``_SPACES_RE`` matches between the leading and trailing whitespace: whole runs of spaces,
#: tabs and newlines, one match a run (``blank`` takes a run with two newlines or more, ``nl`` one
#: with one, ``inner`` one with none). ``_WS_RUN`` finds those runs except a lone newline, which
#: needs no edit, starting with one character class (a fast scan).
_WS_RUN = re.compile(r"[ \t\n](?:(?<=[ \t])[ \t\n]*|[ \t\n]+)")


def _ws_runs(text: str, start: int, end: int) -> Iterator[re.Match]:
    """``_WS_RUN.finditer(text, start, end)``, the runs found with ``str.find`` (a far faster scan).

    A run is a whole stretch of spaces, tabs and newlines other than a lone
    newline, so it holds a space, a tab or two newlines in a row; the first of
    those after the last run lies in the next run, which starts where the
    stretch of whitespace around it starts.

    >>> [m.span() for m in _ws_runs("甲 乙\\n丙\\n\\n丁\\t \\n戊", 0, 14)]
    [(1, 2), (5, 7), (8, 11)]
    """
    found = {x: text.find(x, start, end) for x in (" ", "\t", "\n\n")}
    pos = start
    while True:
        for x, at in found.items():
            if 0 <= at < pos:
                found[x] = text.find(x, pos, end)
        at = min((i for i in found.values() if i >= 0), default=-1)
        if at < 0:
            return
        while at > pos and text[at - 1] in " \t\n":
            at -= 1
        run = _WS_RUN.match(text, at, end)
        yield run
        pos = run.end()


def _keeps_space(before: str, a: str, b: str) -> bool:
    """Whether a space between ``a`` and ``b`` carries meaning.

    Kept between two ASCII letters or digits ("Made in", "PM 2.5", "1 000") and
    after English punctuation that follows a Latin letter ("China, Inc").
    """
    if not (a.isascii() and b.isascii()):
        return False
    if a.isalnum() and b.isalnum():
        return True
    return a in ",;:.!?)" and b.isalpha() and before.isascii() and before.isalpha()


def remove_spaces(text: str) -> tuple[str, list[Change]]:
    """Delete spaces between Chinese characters and around them; one paragraph a line.

    >>> remove_spaces("  产权强 市 建 设 试 点 , 2022 年 Made in  China\\n\\n\\n  PM 2.5  ")[0]
    '产权强市建设试点,2022年Made in China\\nPM 2.5'
    """

    def edits() -> Iterable[Edit]:
        # the same matches as _SPACES_RE.finditer(text): leading and trailing whitespace
        # (\s, which is what str.strip() takes), then the runs between them
        start, end = len(text) - len(text.lstrip()), len(text.rstrip())
        if start:
            yield 0, start, ""
            if start == len(text):
                return
        for run in _ws_runs(text, start, end):
            i, j = run.span()
            if "\n" in run.group():  # blank or nl: one line break
                yield i, j, "\n"
            else:  # inner: spaces and tabs between two characters
                yield i, j, " " if _keeps_space(text[i - 2 : i - 1], text[i - 1], text[j]) else ""
        if end < len(text):
            yield end, len(text), ""

    return _apply(text, edits(), "spaces")


# --------------------------------------------------------------------------- simplify


@lru_cache(maxsize=1)
def _opencc():
    import opencc

    return opencc.OpenCC("t2s")


#: Share of Chinese characters that OpenCC t2s changes, from which a text is "traditional".
#: Measured on the bundled seeds and the 31 provincial reports of 2026 (all simplified): at most
#: 0.01% (rare characters such as 吒, 昇, 乾); the same reports converted to traditional
#: (OpenCC s2t, s2hk, s2twp): 34-37%.
TRADITIONAL_SHARE = 0.05
_SCRIPT_SAMPLE = 20_000
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def detect_script(text: str) -> str:
    """``"traditional"``, ``"simplified"`` or ``"unknown"`` (no Chinese characters) for ``text``.

    Traditional when at least :data:`TRADITIONAL_SHARE` of the Chinese characters
    (of the first 20,000 characters of text) are ones OpenCC ``t2s`` would change.

    >>> detect_script("經濟發展穩中向好"), detect_script("经济发展稳中向好"), detect_script("GDP 5%")
    ('traditional', 'simplified', 'unknown')
    """
    import numpy as np

    sample = text[:_SCRIPT_SAMPLE]
    # UTF-16 code units: a character beyond the BMP is two surrogates, neither of them Chinese
    kinds = _t2s_table()[np.frombuffer(sample.encode("utf-16-le", "surrogatepass"), dtype=np.uint16)]
    chinese, changed = np.count_nonzero(kinds), np.count_nonzero(kinds == 2)
    if not chinese:
        return "unknown"
    return "traditional" if changed >= TRADITIONAL_SHARE * chinese else "simplified"


@lru_cache(maxsize=1)
def _t2s_table():
    """By BMP code point: 1 for a Chinese character (``_HAN``, all in the BMP) t2s keeps, 2 for one it changes, else 0.

    Built once per process from all 28,160 code points of the ranges, each
    converted alone (one a line: no phrase spans two lines), so
    :func:`detect_script` counts with one array look-up instead of converting
    each document's characters.
    """
    import numpy as np

    chars = [chr(c) for c in range(0x3400, 0xA000)] + [chr(c) for c in range(0xF900, 0xFB00)]
    converted = _opencc().convert("\n".join(chars)).split("\n")
    if len(converted) != len(chars):  # pragma: no cover - t2s keeps line breaks
        converted = [_opencc().convert(c) for c in chars]
    table = np.zeros(0x10000, dtype=np.uint8)
    table[np.fromiter(map(ord, chars), dtype=np.int64, count=len(chars))] = np.fromiter(
        (1 if c == t else 2 for c, t in zip(chars, converted)), dtype=np.uint8, count=len(chars))
    return table


def to_simplified(text: str) -> tuple[str, list[Change]]:
    """Traditional to simplified characters (OpenCC ``t2s``), each changed run recorded.

    >>> to_simplified("經濟發展")[0]
    '经济发展'
    """
    converted = _opencc().convert(text)
    if converted == text:
        return text, []
    edits: list[Edit] = []
    if len(converted) == len(text):
        i, n = 0, len(text)
        while i < n:
            if text[i] != converted[i]:
                j = i
                while j < n and text[j] != converted[j]:
                    j += 1
                edits.append((i, j, converted[i:j]))
                i = j
            else:
                i += 1
    else:  # phrase conversion changed the length: record line by line
        conv = _opencc().convert
        for s, e in _line_spans(text):
            new = conv(text[s:e])
            if new != text[s:e]:
                edits.append((s, e, new))
    return _apply(text, edits, "simplify")


# --------------------------------------------------------------------------- unmask


@dataclass(frozen=True)
class MaskRule:
    """Restore ``mask`` to ``replacement`` where ``left``/``right`` context regexes match."""

    mask: str
    replacement: str
    left: re.Pattern | None
    pattern: re.Pattern
    note: str


_GUARD_BEFORE = r"(?<![A-Za-z0-9+])"
_GUARD_AFTER = r"(?![A-Za-z0-9])"


@lru_cache(maxsize=8)
def load_masks(path: str | Path | None = None) -> tuple[MaskRule, ...]:
    """Read a mask table (CSV: mask, replacement, left, right, note), in file order.

    >>> [r.replacement for r in load_masks() if r.mask == "XXXX"]
    ['八项规定']
    """
    path = Path(path) if path is not None else MASKS_FILE
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise DictionaryError(f"{path}: cannot read mask table ({exc.strerror})") from None
    needed = {"mask", "replacement", "left", "right"}
    if rows and not needed <= set(rows[0]):
        raise DictionaryError(f"{path}: header must have columns {sorted(needed)}")
    rules = []
    for lineno, row in enumerate(rows, 2):
        mask, repl = (row.get("mask") or "").strip(), (row.get("replacement") or "").strip()
        left, right = (row.get("left") or "").strip(), (row.get("right") or "").strip()
        if not mask or not repl:
            raise DictionaryError(f"{path}: line {lineno}: empty mask or replacement")
        try:
            left_re = re.compile(f"(?:{left})\\Z") if left else None
            pat = re.compile(_GUARD_BEFORE + re.escape(mask) + _GUARD_AFTER + (f"(?={right})" if right else ""))
        except re.error as exc:
            raise DictionaryError(f"{path}: line {lineno}: bad context regex ({exc})") from None
        rules.append(MaskRule(mask, repl, left_re, pat, (row.get("note") or "").strip()))
    return tuple(rules)


def unmask(text: str, *, rules: Sequence[MaskRule] | None = None) -> tuple[str, list[Change]]:
    """Restore words a source masked with ASCII letters, only where the context is certain.

    >>> unmask("深入学习贯彻X的二十大精神,构建“543X”新赛道,提高ZZ判断力")[0]
    '深入学习贯彻党的二十大精神,构建“543X”新赛道,提高政治判断力'
    """
    rules = load_masks() if rules is None else rules
    edits: list[Edit] = []
    for rule in rules:
        for m in rule.pattern.finditer(text):
            if rule.left is not None and not rule.left.search(text, max(0, m.start() - 30), m.start()):
                continue
            edits.append((m.start(), m.end(), rule.replacement))
    return _apply(text, edits, "unmask")


# --------------------------------------------------------------------------- pipeline

Step = Callable[[str], "tuple[str, list[Change]]"]

#: Every step by name, in the order the pipeline runs them.
STEPS: dict[str, Step] = {
    "normalize": normalize,
    "furniture": remove_furniture,
    "duplicates": drop_duplicates,
    "join_lines": join_broken_lines,
    "spaces": remove_spaces,
    "simplify": to_simplified,
    "unmask": unmask,
}

#: Steps :func:`clean` runs by default; ``simplify`` and ``unmask`` are switched on by flags.
DEFAULT_STEPS: tuple[str, ...] = ("normalize", "furniture", "duplicates", "join_lines", "spaces")


def clean(
    text: str,
    *,
    unmask: bool = False,
    to_simplified: bool | str = "auto",
    steps: Sequence[str] | None = None,
) -> CleanResult:
    """Run the cleaning steps over one document and record every change.

    ``steps`` names the steps to run, in order (default ``DEFAULT_STEPS``);
    ``to_simplified=True`` appends ``"simplify"`` and ``unmask=True`` appends
    ``"unmask"`` when not already listed. ``to_simplified="auto"`` (default)
    appends ``"simplify"`` too, which then converts only a text whose script
    :func:`detect_script` finds traditional (``result.script``).

    >>> r = clean("各位代表：堅持發展新質生產力。")
    >>> r.script, r.text, r.changes[0].step
    ('traditional', '各位代表：坚持发展新质生产力。', 'simplify')
    >>> clean("各位代表：堅持發展新質生產力。", to_simplified=False).text
    '各位代表：堅持發展新質生產力。'

    >>> r = clean("坚持X的全面领导,落实“1+6+X”功能。", unmask=True)
    >>> r.text
    '坚持党的全面领导,落实“1+6+X”功能。'
    >>> [(c.before, c.after) for c in r.changes]
    [('X', '党')]
    """
    if to_simplified not in (True, False, "auto"):
        raise ValueError(f"to_simplified must be True, False or 'auto', got {to_simplified!r}")
    auto = to_simplified == "auto"
    names = list(DEFAULT_STEPS if steps is None else steps)
    if to_simplified and "simplify" not in names:
        names.append("simplify")
    if unmask and "unmask" not in names:
        names.append("unmask")
    unknown = [n for n in names if n not in STEPS]
    if unknown:
        raise ValueError(f"unknown cleaning step(s) {unknown}; known: {list(STEPS)}")
    changes: list[Change] = []
    script = None
    for name in names:
        if name == "simplify" and auto:
            script = detect_script(text)
            if script != "traditional":
                continue
        text, step_changes = STEPS[name](text)
        changes.extend(step_changes)
    return CleanResult(text, changes, script)


def clean_many(texts: Sequence[str], options: "Mapping[str, Any] | Sequence[Mapping[str, Any]] | None" = None, *,
               n_jobs: int | None = None) -> list[CleanResult]:
    """:func:`clean` of each text, in worker processes when ``n_jobs`` asks for them.

    ``options`` are :func:`clean`'s keyword arguments, one mapping for every
    text or a sequence of them, one per text. ``n_jobs`` follows
    scikit-learn (None = 1, -1 = all cores); texts go to joblib's workers in
    chunks of similar size (not worth it below about 100,000 characters): the
    pool tokenizing uses, whose idle workers exit after
    :data:`textmine._parallel.WORKER_IDLE_SECONDS`, unless a
    ``joblib.parallel_config`` chose the backend. The results are the same as
    one :func:`clean` after another, in the same order.

    >>> [r.text for r in clean_many(["2022 年", "发展 新质 生产力"])]
    ['2022年', '发展新质生产力']
    """
    from ._parallel import chunks, n_workers, results_in_order, worker_backend

    texts = list(texts)
    opts = [dict(options or {})] * len(texts) if options is None or isinstance(options, Mapping) else \
        [dict(o) for o in options]
    if len(opts) != len(texts):
        raise ValueError(f"clean_many: {len(texts)} texts but {len(opts)} option sets")
    workers = n_workers(n_jobs)
    plan = chunks([len(t) for t in texts], workers) if workers > 1 else []
    if len(plan) <= 1:
        return [clean(t, **o) for t, o in zip(texts, opts)]
    import os

    from joblib import delayed

    tasks = (delayed(_clean_chunk)([texts[i] for i in c], [opts[i] for i in c], parent=os.getpid()) for c in plan)
    out: list[CleanResult] = []
    for part in results_in_order(tasks, workers, worker_backend()):
        out.extend(part)
    return out


def _clean_chunk(texts: list[str], opts: list[dict], *, parent: int) -> list[CleanResult]:
    """:func:`clean` of a chunk of texts in a worker, which exits when ``parent`` dies."""
    from ._parallel import watch_parent

    watch_parent(parent)
    return [clean(t, **o) for t, o in zip(texts, opts)]


# --------------------------------------------------------------------------- truncation

_OPENERS = set("“‘（(《【「『〈[,，、—-")


def looks_truncated(text: str) -> bool:
    """True if a document seems cut off: it ends with "..."/"…" or in mid-sentence.

    A short last line without punctuation (a date, a signature, a heading) is a
    normal ending; a long last line must end with sentence-final punctuation.

    >>> looks_truncated("全市生产总值增长6%。"), looks_truncated("推广数字化生产线121条、新增“")
    (False, True)
    >>> looks_truncated("提高...")
    True
    """
    s = text.rstrip()
    if not s:
        return False
    if _ELLIPSIS_END.search(s):
        return True
    last_line = s.rsplit("\n", 1)[-1].strip()
    if last_line[-1] in _OPENERS:
        return True
    if _ends_sentence(last_line):
        return False
    return not _Para.of(last_line).is_title
