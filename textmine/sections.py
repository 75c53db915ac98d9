"""Sections of a government work report: review, plan, the government's own conduct.

A work report (政府工作报告) has a fixed shape: a review of the past year
(``一、2023年工作回顾``), this year's targets and tasks (``二、2024年工作安排``)
and, usually, the government's own conduct (``三、全面加强政府自身建设``), each
divided into numbered items ``（一）``, ``（二）``, … This module finds those
headings in the cleaned text and labels every stretch of text with its part:

==========  ==============================================================
part        what it holds
==========  ==============================================================
preamble    everything before the first numbered heading (title, 各位代表…)
review      a top-level part whose heading says 回顾 / 执行情况 / 过去一年 …
plan        a top-level part whose heading says 目标 / 任务 / 安排 / 计划 …
conduct     a top-level part about 政府自身建设 / 建设人民满意的政府 …; also
            a numbered item inside the plan whose heading is about the
            government itself (福州: ``（八）致力加强自身建设…``)
other       a top-level heading that names none of these, or a text with no
            numbered heading at all
==========  ==============================================================

The keyword patterns live in ``textmine/data/section_parts.csv`` and are tried
in file order (conduct, then the coming five-year plan, then review, then plan:
``计划执行情况`` is a review, ``“十四五”时期发展成就和“十五五”时期主要目标任务`` a plan).
They cover the headings of the bundled reports and of the 31 provincial reports of
2026, and older wordings such as 过去五年的工作 and 对今年政府工作的建议 (not yet
checked on a corpus of older reports); add a row for a new wording.

A heading is a line starting with ``一、`` (level 1) or ``（一）``/``(一)``
(level 2), or a short line of its own that names a part without a number
(``“十四五”时期工作回顾``, ``2026年重点工作``: the ``line`` rules of the table;
numbered parts under such a heading that name no part inherit its part). Numbers must run in sequence (一, 二, 三 …; items restart under each
level-1 heading), so a stray ``（三）`` quoted inside a paragraph does not open
a section. Sections partition the text: the ``start``/``end`` offsets of one
document's sections cover its cleaned text without gap or overlap.

Each document also gets a ``sectioning`` verdict with a ``sectioning_reason``:
``"full"`` (a report with both a review and a plan part), ``"partial"`` (some
headings, but a standard part is missing -- e.g. a truncated report -- or the
document is an excerpt or plan report, whose headings are not a work report's)
or ``"none"`` (no numbered heading: the whole text is one ``other`` section).

>>> text = "各位代表：\\n一、2023年工作回顾\\n（一）经济平稳。增长5%。\\n二、2024年工作安排\\n（一）扩大内需。"
>>> df = split_sections(text).fillna("")
>>> df[["section_no", "part", "heading_level", "heading", "subheading"]].values.tolist()
[[0, 'preamble', 0, '', ''], [1, 'review', 1, '一、2023年工作回顾', ''], [2, 'review', 2, '一、2023年工作回顾', '（一）经济平稳'], [3, 'plan', 1, '二、2024年工作安排', ''], [4, 'plan', 2, '二、2024年工作安排', '（一）扩大内需']]
"""

from __future__ import annotations

__all__ = ["split_sections", "section_corpus", "paragraphs", "split_paragraphs", "sectioning_summary",
           "document_sections", "find_headings", "classify_heading", "cn_number", "Heading", "Section",
           "PARTS", "SECTION_COLUMNS"]

import csv
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from ._io import read_text
from ._text import n_chars
from .corpus import Corpus, Document, as_corpus
from .errors import DictionaryError
from .schema import DOCTYPES, META_COLUMNS

#: The heading-keyword table: columns ``part, scope, pattern, note``.
PARTS_FILE = Path(__file__).resolve().parent / "data" / "section_parts.csv"

#: Part labels, in document order.
PARTS: tuple[str, ...] = ("preamble", "review", "plan", "conduct", "other")

#: Columns of :func:`split_sections`.
SECTION_COLUMNS: tuple[str, ...] = (
    "doc_id", "section_no", "part", "heading", "subheading", "heading_level", "start", "end", "n_chars",
    "sectioning", "sectioning_reason",
)

_CN_DIGITS = "一二三四五六七八九"
_CN_NUM = r"[一二三四五六七八九十]{1,3}"
_H1 = re.compile(rf"^[ \t\u3000]*(?P<num>{_CN_NUM})[、．.](?P<title>[^\n]*)", re.M)
_H2 = re.compile(rf"^[ \t\u3000]*[（(](?P<num>{_CN_NUM})[)）](?P<title>[^\n]*)", re.M)
_HEADING_END = re.compile(r"[。！？!?；;]")
_MAX_HEADING = 50          # a heading longer than this (before its first full stop) is a paragraph
_MAX_BARE_HEADING = 40     # an unnumbered heading line is at most this long, without punctuation
_BARE_LINE = re.compile(r"^[ \t\u3000]*(?P<title>[^\n]+?)[ \t\u3000]*$", re.M)
_BARE_PUNCT = re.compile(r"[。，,；;：:！？!?、]")
_SCOPES = ("heading", "subheading", "line")


# ---------------------------------------------------------------------------
# part classification


@dataclass(frozen=True)
class _Rule:
    part: str
    scope: str
    pattern: re.Pattern


@lru_cache(maxsize=8)
def load_part_rules(path: str | None = None) -> tuple[_Rule, ...]:
    """The part-classification rules of ``path`` (default: the shipped ``section_parts.csv``).

    A malformed file raises :class:`~textmine.errors.DictionaryError` naming it.
    """
    where = Path(path) if path else PARTS_FILE
    try:
        rows = list(csv.DictReader(io.StringIO(read_text(where))))
    except Exception as exc:  # CorpusError from read_text, csv.Error
        raise DictionaryError(f"{where}: cannot read the section-part table ({exc})") from None
    rules = []
    for n, row in enumerate(rows, start=2):
        if None in row:  # more fields than the header: an unquoted comma, e.g. in {0,8}
            raise DictionaryError(f"{where} row {n}: more fields than the header (quote a pattern that "
                                  f"contains a comma)")
        part, scope = (row.get("part") or "").strip(), (row.get("scope") or "").strip()
        pattern = row.get("pattern") or ""
        if part not in PARTS or scope not in _SCOPES or not pattern.strip():
            raise DictionaryError(f"{where} row {n}: need part in {PARTS}, scope {'|'.join(_SCOPES)} and a pattern")
        try:
            rules.append(_Rule(part, scope, re.compile(pattern.strip())))
        except re.error as exc:
            raise DictionaryError(f"{where} row {n}: bad pattern {pattern!r} ({exc})") from None
    return tuple(rules)


def classify_heading(heading: str, *, scope: str = "heading") -> str | None:
    """The part a heading names (first matching rule of ``section_parts.csv``), or None.

    >>> classify_heading("一、2023年工作回顾"), classify_heading("二、2024年国民经济和社会发展计划(草案)")
    ('review', 'plan')
    >>> classify_heading("三、建设人民满意的政府"), classify_heading("四、其他")
    ('conduct', None)
    """
    for rule in load_part_rules():
        if rule.scope == scope and rule.pattern.search(heading):
            return rule.part
    return None


# ---------------------------------------------------------------------------
# headings


@dataclass(frozen=True)
class Heading:
    """A numbered heading found at the start of a line."""

    level: int        # 1 for 一、 (and an unnumbered part heading), 2 for （一）
    number: int       # 0 for an unnumbered part heading
    text: str         # the heading itself (up to its first full stop), number included
    start: int        # offset of the line start


def cn_number(s: str) -> int | None:
    """The value of a Chinese numeral up to 九十九 (一 → 1, 十二 → 12, 二十 → 20), else None.

    >>> cn_number("一"), cn_number("十二"), cn_number("二十一"), cn_number("十十")
    (1, 12, 21, None)
    """
    if s == "十":
        return 10
    m = re.fullmatch(r"([二三四五六七八九])?十([一二三四五六七八九])?|([一二三四五六七八九])", s)
    if not m:
        return None
    if m.group(3):
        return _CN_DIGITS.index(m.group(3)) + 1
    tens = _CN_DIGITS.index(m.group(1)) + 1 if m.group(1) else 1
    ones = _CN_DIGITS.index(m.group(2)) + 1 if m.group(2) else 0
    return tens * 10 + ones


def _heading_text(match: re.Match) -> str | None:
    line = match.group(0).strip()
    stop = _HEADING_END.search(line)
    text = (line[: stop.start()] if stop else line).strip()
    if len(text) > _MAX_HEADING or len(text) <= len(match.group("num")) + 1:
        return None
    return text


def find_headings(text: str) -> list[Heading]:
    """Numbered headings in ``text``, keeping only those whose numbers run in sequence.

    A level-1 heading must carry the next number after the previous level-1
    heading (the first one 一); level-2 numbers restart under each level-1 heading.
    A line of its own that names a part without a number (``“十四五”时期工作回顾``,
    ``2026年重点工作``: the ``line`` rules of ``section_parts.csv``, at most 40
    characters, no punctuation) is a level-1 heading with number 0; numbered
    items restart under it, level-1 numbers do not.

    >>> [(h.level, h.number, h.text) for h in find_headings("一、回顾\\n（一）甲。乙\\n（三）丙\\n（二）丁\\n二、安排")]
    [(1, 1, '一、回顾'), (2, 1, '（一）甲'), (2, 2, '（二）丁'), (1, 2, '二、安排')]
    >>> [(h.level, h.number, h.text) for h in find_headings("2026年重点工作\\n（一）扩大内需\\n（二）稳定就业")]
    [(1, 0, '2026年重点工作'), (2, 1, '（一）扩大内需'), (2, 2, '（二）稳定就业')]
    """
    found = [(m.start(), 1, m) for m in _H1.finditer(text)] + [(m.start(), 2, m) for m in _H2.finditer(text)]
    found += [(m.start(), 0, m) for m in _bare_headings(text)]
    found.sort(key=lambda t: t[0])
    headings: list[Heading] = []
    last1, last2 = 0, 0
    for start, level, m in found:
        if level == 0:
            last2 = 0
            headings.append(Heading(1, 0, m.group("title"), start))
            continue
        number = cn_number(m.group("num"))
        heading = _heading_text(m)
        if number is None or heading is None:
            continue
        if level == 1 and number == last1 + 1:
            last1, last2 = number, 0
        elif level == 2 and number == last2 + 1:
            last2 = number
        else:
            continue
        headings.append(Heading(level, number, heading, start))
    return headings


def _bare_headings(text: str) -> list[re.Match]:
    """Lines that are an unnumbered part heading (a ``line`` rule of ``section_parts.csv``)."""
    rules = [r for r in load_part_rules() if r.scope == "line"]
    found = []
    for m in _BARE_LINE.finditer(text):
        title = m.group("title")
        if len(title) > _MAX_BARE_HEADING or _BARE_PUNCT.search(title) or _H1.match(title) or _H2.match(title):
            continue
        if any(r.pattern.search(title) for r in rules):
            found.append(m)
    return found


# ---------------------------------------------------------------------------
# sections


@dataclass(frozen=True)
class Section:
    """One stretch of a document's text with its part and headings."""

    section_no: int
    part: str
    heading: str | None
    subheading: str | None
    level: int
    start: int
    end: int


def _sections_of(text: str) -> list[Section]:
    headings = find_headings(text)
    if not headings:
        return [Section(0, "other", None, None, 0, 0, len(text))]
    bounds = [h.start for h in headings] + [len(text)]
    sections: list[Section] = []
    if text[: bounds[0]].strip():
        sections.append(Section(0, "preamble", None, None, 0, 0, bounds[0]))
    else:  # attach leading whitespace to the first section
        bounds[0] = 0
    heading, part, bare_part = None, "other", None
    for k, h in enumerate(headings):
        if h.level == 1 and h.number == 0:  # an unnumbered part heading: numbered headings under it inherit its part
            heading = h.text
            part = bare_part = classify_heading(h.text, scope="line") or "other"
            sub, this_part = None, part
        elif h.level == 1:
            heading, part = h.text, classify_heading(h.text) or bare_part or "other"
            sub, this_part = None, part
        else:
            sub = h.text
            this_part = part
            if part == "plan" and classify_heading(h.text, scope="subheading") == "conduct":
                this_part = "conduct"
        sections.append(Section(len(sections), this_part, heading, sub, h.level, bounds[k], bounds[k + 1]))
    return sections


def _verdict(sections: list[Section], doctype: str | None) -> tuple[str, str]:
    if all(s.level == 0 for s in sections):
        return "none", "no numbered heading (一、 or （一）) found"
    parts = {s.part for s in sections}
    missing = [p for p in ("review", "plan") if p not in parts]
    reasons = []
    if missing:
        reasons.append("no " + " and no ".join(missing) + " heading found (text truncated, or not a work report?)")
    if not any(s.level == 1 for s in sections):
        reasons.append("only numbered items （一）…, no top-level heading 一、")
    if doctype and doctype != "report":
        what = DOCTYPES.get(doctype, doctype)
        reasons.append(f"doctype {doctype!r} ({what}): its headings, not those of a full work report")
    if reasons:
        return "partial", "; ".join(reasons)
    note = "" if "conduct" in parts else " (no separate conduct part)"
    return "full", "review and plan parts found" + note


def document_sections(doc: Document) -> tuple[str, list[Section], str, str]:
    """``(text, sections, sectioning, sectioning_reason)`` of one document (its text read once)."""
    text = doc.text
    sections = _sections_of(text)
    verdict, reason = _verdict(sections, doc.meta.get("doctype"))
    return text, sections, verdict, reason


def split_sections(corpus_or_text: Any) -> pd.DataFrame:
    """One row per section of every document, with its part and headings.

    Columns: ``doc_id, section_no, part, heading, subheading, heading_level, start,
    end, n_chars, sectioning, sectioning_reason``. ``heading_level`` is 0 for the
    preamble (or a text without headings), 1 for the text under a top-level
    heading before its first numbered item, 2 for a numbered item. ``start``
    and ``end`` are offsets into the document's cleaned text; ``n_chars``
    counts its non-whitespace characters.

    >>> df = split_sections("一、2023年工作回顾\\n成绩。\\n二、2024年目标任务\\n目标。\\n三、加强政府自身建设\\n作风。")
    >>> df[["part", "heading"]].values.tolist()
    [['review', '一、2023年工作回顾'], ['plan', '二、2024年目标任务'], ['conduct', '三、加强政府自身建设']]
    >>> df["sectioning"].iloc[0]
    'full'
    """
    rows = []
    for doc in as_corpus(corpus_or_text):
        text, sections, verdict, reason = document_sections(doc)
        for s in sections:
            rows.append({
                "doc_id": doc.doc_id, "section_no": s.section_no, "part": s.part, "heading": s.heading,
                "subheading": s.subheading, "heading_level": s.level, "start": s.start, "end": s.end,
                "n_chars": n_chars(text[s.start:s.end]), "sectioning": verdict, "sectioning_reason": reason,
            })
    frame = pd.DataFrame(rows, columns=list(SECTION_COLUMNS))
    for col in ("section_no", "heading_level", "start", "end", "n_chars"):
        frame[col] = frame[col].astype("int64")
    return frame


def section_corpus(corpus_or_text: Any) -> Corpus:
    """A corpus whose documents are the sections of each document.

    Section ids are ``"<doc_id>#<section_no>"``; each keeps its parent's
    metadata and adds ``parent_id``, ``section_no``, ``part``, ``heading``,
    ``subheading``, ``heading_level`` and ``sectioning`` (the administrative
    ``level`` column is left as it is), so any analysis can group
    by part: ``slogan_frequency(section_corpus(c), by="part")``.

    >>> sc = section_corpus("一、2023年工作回顾\\n稳住经济。\\n二、2024年工作安排\\n发展新质生产力。")
    >>> [(d.doc_id, d["part"], d.text.strip()) for d in sc]
    [('doc0#0', 'review', '一、2023年工作回顾\\n稳住经济。'), ('doc0#1', 'plan', '二、2024年工作安排\\n发展新质生产力。')]
    """
    corpus = as_corpus(corpus_or_text)
    docs = []
    for doc in corpus:
        text, sections, verdict, _ = document_sections(doc)
        for sec in sections:
            meta = {**doc.meta, **_section_meta(doc.doc_id, sec, verdict)}
            docs.append(Document(f"{doc.doc_id}#{sec.section_no}", text[sec.start:sec.end], meta, clean=False))
    return Corpus(docs, corpus.missing)


def _section_meta(parent_id: str, sec: Section, verdict: str) -> dict:
    return {
        "parent_id": parent_id, "section_no": sec.section_no, "part": sec.part, "heading": sec.heading,
        "subheading": sec.subheading, "heading_level": sec.level, "sectioning": verdict,
    }


# ---------------------------------------------------------------------------
# paragraphs


def split_paragraphs(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` offsets of the paragraphs of ``text``: its non-empty lines, stripped.

    Cleaned text holds one paragraph a line (:func:`textmine.cleaning.clean`
    rejoins lines that PDF captures and page breaks cut mid-sentence), so
    a paragraph is a line; clean raw text first.

    >>> t = "（一）稳增长\\n 全年增长5%。\\n\\n扩大内需。"
    >>> [t[a:b] for a, b in split_paragraphs(t)]
    ['（一）稳增长', '全年增长5%。', '扩大内需。']
    """
    spans: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        if line.strip():
            lead = len(line) - len(line.lstrip())
            spans.append((pos + lead, pos + len(line.rstrip())))
        pos += len(line) + 1
    return spans


def _is_heading_line(line: str) -> bool:
    for rx in (_H1, _H2):
        m = rx.match(line)
        if m and _heading_text(m) == line:
            return True
    return bool(_bare_headings(line))


def paragraphs(corpus_or_text: Any, min_chars: int = 20, *, headings: bool = False) -> Corpus:
    """A corpus of paragraphs, each mapped back to its report and section.

    Paragraph ids are ``"<doc_id>#p<k>"`` (k counts the kept paragraphs of a
    document from 0). Each keeps its parent's metadata and adds ``parent_id``,
    ``paragraph_no``, ``section_no``, ``part``, ``heading``, ``subheading``,
    ``heading_level`` and ``sectioning``. Paragraphs with fewer than ``min_chars``
    non-whitespace characters (salutations, short lines) are dropped, and so
    are lines that are only a numbered heading unless ``headings=True``.

    >>> text = "一、2023年工作回顾\\n经济运行稳中向好，全年增长5%。\\n二、2024年工作安排\\n加快发展新质生产力。"
    >>> [(d.doc_id, d["part"], d.text) for d in paragraphs(text, min_chars=8)]
    [('doc0#p0', 'review', '经济运行稳中向好，全年增长5%。'), ('doc0#p1', 'plan', '加快发展新质生产力。')]
    """
    corpus = as_corpus(corpus_or_text)
    docs = []
    for doc in corpus:
        text, sections, verdict, _ = document_sections(doc)
        k = 0
        for sec in sections:
            section_text = text[sec.start:sec.end]
            for a, b in split_paragraphs(section_text):
                body = section_text[a:b]
                if n_chars(body) < min_chars or (not headings and _is_heading_line(body)):
                    continue
                meta = {**doc.meta, **_section_meta(doc.doc_id, sec, verdict), "paragraph_no": k}
                docs.append(Document(f"{doc.doc_id}#p{k}", body, meta, clean=False))
                k += 1
    return Corpus(docs, corpus.missing)


def sectioning_summary(corpus_or_text: Any) -> pd.DataFrame:
    """One row per document: metadata, ``sectioning``, its reason, and the parts found in order.

    >>> sectioning_summary("没有标题的新闻。")[["doc_id", "sectioning", "parts"]].values.tolist()
    [['doc0', 'none', 'other']]
    """
    rows = []
    for doc in as_corpus(corpus_or_text):
        _, sections, verdict, reason = document_sections(doc)
        parts = ",".join(dict.fromkeys(s.part for s in sections))
        rows.append({**{c: doc.meta.get(c) for c in META_COLUMNS}, "sectioning": verdict,
                     "sectioning_reason": reason, "parts": parts, "n_sections": len(sections)})
    return pd.DataFrame(rows, columns=[*META_COLUMNS, "sectioning", "sectioning_reason", "parts", "n_sections"])
