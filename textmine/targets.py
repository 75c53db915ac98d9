"""GDP growth targets (经济增长预期目标) and the past year's growth, read from work reports.

Economists hand-collect the growth target a government sets for the coming
year (``地区生产总值增长6%左右``). :func:`growth_targets` reads it, with the
past year's reported growth, into one row per document; :func:`gdp_mentions`
lists every GDP growth figure it saw and what it took each one for, so every
value can be checked against its sentence.

How a figure is read
--------------------
1. A *GDP noun*: ``地区生产总值``, ``国内生产总值``, ``生产总值``, ``GDP``, or
   ``经济增长``/``经济增速`` directly followed by a rate.
2. Its *rate*: the first ``增长/增速/增幅/下降/回落 … X%`` after the noun in
   the same clause, before any other indicator (工业增加值, 投资, 收入 …) or
   ``；``/``。``. An amount may come between (``地区生产总值623.68亿元,下降9.6%``).
   A decline (下降, 回落, 减少) is negative. Lists with ``分别`` are resolved
   item by item (``地区生产总值、规上工业增加值分别增长6%和7%`` → 6).
3. Its *qualifier* (:data:`QUALIFIERS`): ``about`` (左右, 上下), ``at_least``
   (以上, 不低于, 不少于, 至少, 超过), ``at_most`` (以内, 以下, 不高于), ``range``
   (``5%-6%``, ``5%到6%``, ``5—6%``: value is the midpoint, low/high the
   bounds) or ``exact``.
4. *Look-alikes* (:data:`LOOKALIKES`) are recorded but never taken: ocean GDP
   (海洋生产总值), per-unit GDP (单位GDP能耗), per-capita GDP (人均), a share of
   GDP (占GDP比重), a quarter's or half-year's growth (一季度…), a sub-area's GDP
   (a county, district or zone other than the document's own place), another
   area's (全省/全国 in a city's report), a multi-year average (年均增长), and a
   past year's target quoted in the review (``…增长6%的目标``).
5. Its *role*: with sections (:mod:`textmine.sections`), a figure in the plan
   part is a target (unless its clause says 预计/去年/上年 before the figure) and
   one in the review part is past growth; figures in the preamble, conduct or
   other parts are ``other`` -- unless the sentence announces the year's goals
   before the figure (预期目标, 主要目标, 目标是 …; no earlier year, no past word):
   a target is a property of the report, not of its sectioning, so announced
   goals count wherever they stand outside the review. A sentence that starts a
   line continues an earlier line that does not end it (the cue
   ``主要预期目标是：`` on the line before, or a web page's line breaks).
   Rates may be written in Chinese numerals (增长百分之六左右, 六点五%; read with
   cn2an), and ``按增长5%安排`` is a rate like any other.
   A text without a review or plan heading is read by cues: an explicit year
   before the figure (the target year, or an earlier one), then past words in
   the figure's clause (预计, 去年, 上年, 同比, 比上年 …), then target words in
   its sentence (预期目标, 目标, 力争, 今年, 计划 …), then 全年/实现/完成 (past).
   A figure with no cue at all is ``unclear`` and taken for neither.

The target is the first target-role figure, preferring a sentence that
announces the targets (预期目标, 主要目标); a document with none says so in
``status`` (:data:`STATUSES`) and leaves the value NaN rather than guessing.

>>> df = growth_targets("今年主要预期目标是：地区生产总值增长6%左右，规上工业增加值增长7%。")
>>> df[["target_value", "qualifier", "status"]].values.tolist()
[[6.0, 'about', 'found']]
"""

from __future__ import annotations

__all__ = ["growth_targets", "gdp_mentions", "find_mentions", "parse_rate", "Mention", "QUALIFIERS",
           "STATUSES", "TARGET_COLUMNS", "MENTION_COLUMNS"]

import math
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .corpus import Document, as_corpus
from .schema import META_COLUMNS, check_by
from .sections import Section, document_sections

#: Qualifiers of a rate and the words that set them.
QUALIFIERS: dict[str, str] = {
    "exact": "a bare figure: 增长6%",
    "about": "左右 / 上下: 增长6%左右",
    "at_least": "以上 / 不低于 / 不少于 / 至少 / 超过: 增长6%以上",
    "at_most": "以内 / 以下 / 不高于",
    "range": "5%-6%, 5%到6%, 5—6%: target_value is the midpoint",
}

#: Look-alike GDP figures that are never taken for the target or the past growth.
LOOKALIKES: dict[str, str] = {
    "ocean GDP": "海洋生产总值 / 海洋经济生产总值",
    "per-unit GDP": "单位GDP能耗 / 单位地区生产总值能耗 / 万元GDP …",
    "per-capita GDP": "人均地区生产总值",
    "share of GDP": "占地区生产总值比重",
    "sub-period": "a quarter's, half-year's or months' growth: 一季度 / 上半年 / 1-9月",
    "sub-area": "a county's, district's or zone's GDP (not the document's own place)",
    "other area": "全省 / 全国 GDP in a lower-level government's report",
    "multi-year average": "年均增长 / 累计增长",
    "comparison": "another rate set against GDP growth: 全员劳动生产率增长高于国内生产总值增长",
    "past target": "last year's target quoted in the review: 增长6%的目标",
    "unresolved list": "a 分别 list whose items and figures do not pair up",
}

#: Values of the ``status`` column of :func:`growth_targets`.
STATUSES: dict[str, str] = {
    "found": "a GDP growth target was found",
    "no target stated": "the plan part (or, without sections, the whole text) states no GDP growth target",
    "no plan part": "the text is sectioned but has no plan part (e.g. truncated in the review): "
                    "the target cannot be read from it",
}

#: Columns of :func:`growth_targets` after the metadata columns.
TARGET_COLUMNS: tuple[str, ...] = (
    "target_value", "target_low", "target_high", "qualifier", "target_year", "target_sentence",
    "past_growth", "past_qualifier", "past_sentence", "status", "status_note", "sectioning", "n_target_mentions",
)

#: Columns of :func:`gdp_mentions`.
MENTION_COLUMNS: tuple[str, ...] = (
    "doc_id", "part", "role", "value", "low", "high", "qualifier", "lookalike", "start", "end", "match", "sentence",
)

_NUM = r"-?\d+(?:\.\d+)?"
_NOUN = re.compile(r"地区生产总值|国内生产总值|生产总值|GDP|经济(?=增长|增速)", re.I)
_VERB = r"(?P<verb>负增长|增长|增速|增幅|下降|降低|回落|减少)"
_CN_VALUE = r"[零〇一二两三四五六七八九十]+(?:点[零〇一二三四五六七八九]+)?"   # 六, 六点五, 十二
_SEP = r"(?:-|—+|–|~|～|到|至)"
_VALUE = (r"(?P<pre>不低于|不少于|不高于|至少|超过)?"
          r"(?:(?P<a>" + _NUM + r")(?:[%％]?" + _SEP + r"(?P<b>\d+(?:\.\d+)?))?[%％]"
          r"|百分之(?P<ca>" + _CN_VALUE + r")(?:" + _SEP + r"(?:百分之)?(?P<cb>" + _CN_VALUE + r"))?"
          r"|(?P<cc>" + _CN_VALUE + r")[%％])"
          r"(?P<post>左右|上下|以上|以内|以下)?")
_RATE = re.compile(_VERB + r"(?P<link>[^\d%％。；;]{0,8}?)" + _VALUE)
_LIST_VALUE = re.compile(_VALUE)
_SENTENCE_END = "。！？!?\n"
_CLAUSE_END = "。！？!?\n；;"
_CLAUSE_START = "。！？!?\n；;，,：:"
_OTHER_INDICATOR = re.compile(
    r"工业|增加值|投资|收入|零售|消费|进出口|出口|进口|外资|外贸|财政|税收|产值|产量|就业|失业|价格|物价|涨幅|能耗|人口|贷款|存款|"
    r"利润|营收|用电")
_COMPARISON = re.compile(r"(高于|低于|快于|慢于|超过|跑赢|同步于|不低于)$")
_PERIOD = re.compile(r"(?<!个)[一二三四1-4]季度|上半年|下半年|前三季度|前两季度|\d{1,2}-\d{1,2}月|\d{1,2}月份|一至[二三四五六七八九十]+月")
_WHOLE_AREA = re.compile(r"(?:全|我|本|该)(?:市|区|县|省|州|旗|盟|国)$")
_AREA_SUFFIX = re.compile(r"[\u4e00-\u9fff](?:县|区|市|镇|乡|旗|州|盟|园区|新区|开发区|示范区|片区|城区|街道|试验区)$")
_PAST_CUE = re.compile(r"预计|去年|上年|过去一年|比上年|同比|\d{4}年全年实现")
_TARGET_CUE = re.compile(r"预期目标|主要目标|目标|力争|今年|明年|计划|预期|确保")
_ANNOUNCE = re.compile(r"预期目标|主要目标|目标是|目标为|主要指标")
_YEAR = re.compile(r"(\d{4})年")


@dataclass
class Mention:
    """One GDP growth figure found in a text."""

    start: int
    end: int
    match: str
    sentence: str
    value: float = math.nan
    low: float = math.nan
    high: float = math.nan
    qualifier: str | None = None
    lookalike: str | None = None
    part: str | None = None
    role: str | None = None          # "target", "past", "lookalike" or "other"
    years: list[int] = field(default_factory=list)
    clause: str = ""
    lead: str = ""                   # the (extended) sentence up to the figure's end


# ---------------------------------------------------------------------------
# reading one figure


def parse_rate(text: str) -> tuple[float, float, float, str] | None:
    """``(value, low, high, qualifier)`` of the first growth rate in ``text``, or None.

    >>> parse_rate("增长6%左右"), parse_rate("增长5%-6%"), parse_rate("下降9.6%")
    ((6.0, 6.0, 6.0, 'about'), (5.5, 5.0, 6.0, 'range'), (-9.6, -9.6, -9.6, 'exact'))
    >>> parse_rate("增长不低于5.5%"), parse_rate("增长6%以上"), parse_rate("增长")
    ((5.5, 5.5, nan, 'at_least'), (6.0, 6.0, nan, 'at_least'), None)
    """
    m = _RATE.search(text)
    return _rate_values(m) if m else None


_DECLINE = ("下降", "降低", "回落", "减少")


def _rate_values(m: re.Match, sign: float | None = None) -> tuple[float, float, float, str]:
    if sign is None:
        sign = -1.0 if m.group("verb") in _DECLINE else 1.0
    a = _number(m.group("a"), m.group("ca") or m.group("cc")) * sign
    pre, post = m.group("pre") or "", m.group("post") or ""
    if m.group("b") is not None or m.group("cb") is not None:
        b = _number(m.group("b"), m.group("cb")) * sign
        low, high = min(a, b), max(a, b)
        return (low + high) / 2, low, high, "range"
    if post in ("左右", "上下"):
        return a, a, a, "about"
    if post == "以上" or pre in ("不低于", "不少于", "至少", "超过"):
        return a, a, math.nan, "at_least"
    if post in ("以内", "以下") or pre == "不高于":
        return a, math.nan, a, "at_most"
    return a, a, a, "exact"


def _number(arabic: str | None, chinese: str | None) -> float:
    """The value of an Arabic figure, or of a Chinese numeral (六点五 → 6.5, via cn2an)."""
    if arabic is not None:
        return float(arabic)
    import cn2an  # loaded only when a report writes its rates in Chinese numerals

    return float(cn2an.cn2an(chinese, "smart"))


def _bounds(text: str, i: int, j: int, stops: str) -> tuple[int, int]:
    """Start and end of the span around ``text[i:j]`` delimited by any of ``stops``."""
    start = max(text.rfind(c, 0, i) for c in stops) + 1
    ends = [k for k in (text.find(c, j) for c in stops) if k >= 0]
    return start, (min(ends) if ends else len(text))


def _place_stems(meta: dict) -> tuple[str, ...]:
    place = str(meta.get("place") or "")
    if not place:
        return ()
    stem = re.sub(r"(市|区|县|省|自治区|自治州|州|旗|盟)$", "", place)
    return tuple(p for p in {place, stem} if len(p) >= 2)


def _prefix_lookalike(prefix: str, sentence_prefix: str, after: str, meta: dict, noun: str) -> str | None:
    """The look-alike a GDP noun is, judged by the words around it, or None."""
    if re.search(r"海洋(经济)?$|蓝色经济$", prefix):
        return "ocean GDP"
    if _COMPARISON.search(prefix):
        return "comparison"
    if re.search(r"单位$|万元$", prefix) or re.match(r"(能耗|耗|二氧化碳|碳排放|排放|用水|建设用地|用地)", after):
        return "per-unit GDP"
    if prefix.endswith("人均"):
        return "per-capita GDP"
    if "占" in prefix or re.match(r"(的)?(比重|比例|之比)", after):
        return "share of GDP"
    if noun.startswith("经济") and re.search(r"[\u4e00-\u9fff]$", prefix) and not re.search(
            r"(全|我|本)(市|区|县|省|州|国)$|年$|今年$|全年$|预计$|力争$|是$|为$|目标$", prefix):
        return "sector"          # 数字经济增长, 民营经济增长: not GDP
    periods = list(_PERIOD.finditer(sentence_prefix))
    if periods and "全年" not in sentence_prefix[periods[-1].end():]:
        return "sub-period"
    whole = _WHOLE_AREA.search(prefix)
    if whole:
        level = meta.get("level")
        if whole.group(0).endswith("国") and level not in (None, "国家"):
            return "other area"
        if whole.group(0).endswith("省") and level not in (None, "国家", "省级"):
            return "other area"
        return None
    stems = _place_stems(meta)
    if stems and any(prefix.endswith(s) or prefix.endswith(s + "地区") for s in stems):
        return None
    if _AREA_SUFFIX.search(prefix):
        return "sub-area"
    return None


def _list_rate(clause: str, noun_at: int) -> tuple[float, float, float, str] | str | None:
    """Resolve ``A、B分别增长x%、y%``: the rate paired with the item at ``noun_at``.

    None if the clause has no 分别 after the noun; "unresolved list" if items and figures do not pair up.
    """
    k = clause.find("分别", noun_at)
    if k < 0 or re.search(r"[，,]", clause[noun_at:k]):
        return None
    items = [s for s in re.split(r"[、和与及]", clause[:k]) if s.strip()]
    before = re.split(r"[、和与及]", clause[:noun_at])
    index = len([s for s in before[:-1] if s.strip()])
    verb = re.search(_VERB, clause[k:])
    values = list(_LIST_VALUE.finditer(clause, k + verb.end())) if verb else []
    if verb is None or len(values) != len(items) or index >= len(items):
        return "unresolved list"
    sign = -1.0 if verb.group("verb") in _DECLINE else 1.0
    return _rate_values(values[index], sign)


def find_mentions(text: str, meta: dict | None = None) -> list[Mention]:
    """Every GDP growth figure in ``text`` with its value, qualifier and look-alike verdict.

    Roles are not assigned here (see :func:`gdp_mentions`). ``meta`` gives the
    document's ``place`` and ``level`` (to tell its own GDP from a sub-area's).

    >>> [(m.value, m.lookalike) for m in find_mentions("海洋生产总值增长8%，地区生产总值增长6%左右。")]
    [(8.0, 'ocean GDP'), (6.0, None)]
    """
    meta = meta or {}
    mentions: list[Mention] = []
    for noun_m in _NOUN.finditer(text):
        ns, ne, noun = noun_m.start(), noun_m.end(), noun_m.group(0)
        s_start, s_end = _bounds(text, ns, ne, _SENTENCE_END)
        s_start = _continued_start(text, s_start)
        c_start, _ = _bounds(text, ns, ne, _CLAUSE_START)
        _, c_end = _bounds(text, ns, ne, _CLAUSE_END)
        prefix, after = text[c_start:ns], text[ne:c_end]
        look = _prefix_lookalike(prefix, text[s_start:ns], after, meta, noun)
        if look == "sector":
            continue
        sentence = text[s_start:s_end].strip()
        listed = _list_rate(text[c_start:c_end], ns - c_start)
        if listed is not None:
            mention = Mention(ns, c_end, text[ns:c_end], sentence, lookalike=look, clause=text[c_start:c_end])
            if isinstance(listed, str):
                mention.lookalike = look or listed
            else:
                mention.value, mention.low, mention.high, mention.qualifier = listed
            mentions.append(mention)
            continue
        window = after
        if look is None:
            cut = _OTHER_INDICATOR.search(window)
            window = window[: cut.start()] if cut else window
        lead_start = 0
        for rate in _RATE.finditer(window):
            lead = window[lead_start:rate.start()] + rate.group("link")
            lead_start = rate.end()
            if noun.startswith("经济") and rate.start() > 0:
                break
            this_look = look
            if this_look is None and _PERIOD.search(lead) and "全年" not in lead[_last_period_end(lead):]:
                this_look = "sub-period"
            if this_look is None and re.search(r"年均|累计|\d+年(来|间)|五年(来|间)|十[一二三四五六七八九]五”?(时期)?末", lead):
                this_look = "multi-year average"
            tail = window[rate.end():rate.end() + 4] if this_look is None else ""
            if this_look is None and re.match(r"(的)?(预期)?目标", tail) and not re.match(r"目标[,，]", tail):
                this_look = "past target?"
            v, lo, hi, q = _rate_values(rate)
            mentions.append(Mention(ns, ne + rate.end(), text[ns:ne + rate.end()], sentence, v, lo, hi, q,
                                    lookalike=this_look, clause=text[c_start:c_end]))
            if look is not None or this_look is None or this_look == "past target?":
                break
    for m in mentions:
        s_start = _continued_start(text, _bounds(text, m.start, m.start + 1, _SENTENCE_END)[0])
        m.lead = text[s_start:m.end]
        m.years = [int(y) for y in _YEAR.findall(text[s_start:m.start])]
    return mentions


def _continued_start(text: str, start: int) -> int:
    """Start of a sentence that begins a line, moved back over earlier lines that do not end it.

    A cue on the line before (``主要预期目标是：`` then the figures on the next line), or a
    sentence that a web page broke over lines (``今年经济社会发展的`` / ``主要预期目标`` /
    ``是：地区生产总值增长…``), belongs to the sentence; a line ending in 。！？； or a
    heading line does not. At most three lines back.
    """
    from .sections import _H1, _H2, _bare_headings

    for _ in range(3):
        if start == 0 or text[start - 1] != "\n":
            break
        line_start = text.rfind("\n", 0, start - 1) + 1
        line = text[line_start:start - 1]
        body = line.strip()
        if not body or body[-1] in "。！？!?；;" or _H1.match(body) or _H2.match(body) or _bare_headings(body):
            break
        cut = max(line.rfind(c) for c in "。！？!?") + 1
        start = line_start + cut
        if cut:
            break
    return start


def _last_period_end(lead: str) -> int:
    found = list(_PERIOD.finditer(lead))
    return found[-1].end() if found else 0


# ---------------------------------------------------------------------------
# roles


def _assign_roles(mentions: list[Mention], sections: list[Section], sectioned: bool,
                  target_year: int | None) -> None:
    for m in mentions:
        if sectioned:
            m.part = next((s.part for s in sections if s.start <= m.start < s.end), None)
        if m.lookalike and m.lookalike != "past target?":
            m.role = "lookalike"
            continue
        if sectioned:
            m.role = _role_in_part(m)
        else:
            m.role = _role_by_cues(m, target_year)
        if m.role in ("other", "unclear") and _announced(m, target_year):
            m.role = "target"  # the year's goals stated outside the plan part (or without sections)
        if m.lookalike == "past target?":
            if m.role == "past":
                m.lookalike, m.role = "past target", "lookalike"
            else:
                m.lookalike = None


def _announced(m: Mention, target_year: int | None) -> bool:
    """True if the figure is one of the year's goals: announced (预期目标是：…) before it, not past."""
    if m.part == "review" or not _ANNOUNCE.search(m.lead[: len(m.lead) - len(m.match)]):
        return False
    if target_year is not None and m.years and m.years[-1] != target_year:
        return False
    return not _past_before(m.lead)


def _past_before(lead: str) -> bool:
    """A past cue (预计, 去年, 上年) in the clause up to the figure, not followed by 今年/明年."""
    clause = re.split(r"[。！？!?；;\n]", lead)[-1]
    past = [p.end() for p in re.finditer(r"预计|去年|上年", clause)]
    if not past:
        return False
    later = [t.start() for t in re.finditer(r"今年|明年", clause)]
    return not any(t >= past[-1] for t in later)


def _role_in_part(m: Mention) -> str:
    if m.part == "plan":
        return "past" if _past_before(m.lead) else "target"
    if m.part == "review":
        return "past"
    return "other"


def _role_by_cues(m: Mention, target_year: int | None) -> str:
    if target_year is not None and m.years:
        if m.years[-1] == target_year:
            return "target"
        if m.years[-1] < target_year:
            return "past"
    if _PAST_CUE.search(m.clause):
        return "past"
    if _TARGET_CUE.search(m.sentence):
        return "target"
    if re.search(r"全年|实现|完成", m.clause):
        return "past"
    return "unclear"


def _document_mentions(doc: Document) -> tuple[list[Mention], list[Section], str, str, int | None]:
    text, sections, verdict, reason = document_sections(doc)
    sectioned = bool({"review", "plan"} & {s.part for s in sections})
    mentions = find_mentions(text, doc.meta)
    target_year = _target_year(doc, sections, mentions)
    _assign_roles(mentions, sections, sectioned, target_year)
    return mentions, sections, verdict, reason, target_year


def _target_year(doc: Document, sections: list[Section], mentions: list[Mention]) -> int | None:
    year = doc.meta.get("year")
    if year is not None and not (isinstance(year, float) and math.isnan(year)):
        return int(year)
    for s in sections:
        found = _YEAR.search(s.heading or "") if s.part == "plan" else None
        if found:
            return int(found.group(1))
    years = [y for m in mentions for y in m.years]
    return max(years) if years else None


# ---------------------------------------------------------------------------
# public tables


def gdp_mentions(corpus_or_text: Any) -> pd.DataFrame:
    """Every GDP growth figure of every document, with its part, role and look-alike verdict.

    Columns: ``doc_id, part, role, value, low, high, qualifier, lookalike,
    start, end, match, sentence``. ``role`` is ``target``, ``past``,
    ``lookalike`` (see :data:`LOOKALIKES`; never used), ``other`` (a figure
    in the preamble or conduct part) or ``unclear`` (no cue word in a text
    without sections). Use it to audit :func:`growth_targets`.

    >>> df = gdp_mentions("全市生产总值由一季度下降10.3%到全年增长2.8%。")
    >>> df[["role", "value"]].values.tolist(), df["lookalike"].fillna("-").tolist()
    ([['lookalike', -10.3], ['past', 2.8]], ['sub-period', '-'])
    """
    rows = []
    for doc in as_corpus(corpus_or_text):
        mentions, *_ = _document_mentions(doc)
        for m in mentions:
            rows.append({"doc_id": doc.doc_id, "part": m.part, "role": m.role, "value": m.value, "low": m.low,
                         "high": m.high, "qualifier": m.qualifier, "lookalike": m.lookalike, "start": m.start,
                         "end": m.end, "match": m.match, "sentence": m.sentence})
    frame = pd.DataFrame(rows, columns=list(MENTION_COLUMNS))
    return frame.astype({"value": float, "low": float, "high": float})


def _pick(mentions: list[Mention], role: str, prefer: re.Pattern) -> Mention | None:
    chosen = [m for m in mentions if m.role == role]
    if not chosen:
        return None
    announced = [m for m in chosen if prefer.search(m.lead[: len(m.lead) - len(m.match)])]
    return (announced or chosen)[0]


def growth_targets(corpus_or_text: Any, by: str | list[str] | None = None) -> pd.DataFrame:
    """One row per document: its GDP growth target for the coming year and the past year's growth.

    Columns: the metadata columns (:data:`textmine.schema.META_COLUMNS`), then
    ``target_value`` (percent; NaN when none is stated), ``target_low``,
    ``target_high``, ``qualifier`` (:data:`QUALIFIERS`), ``target_year``,
    ``target_sentence``, ``past_growth`` (negative for a decline),
    ``past_qualifier``, ``past_sentence``, ``status`` (:data:`STATUSES`),
    ``status_note``, ``sectioning`` (from :func:`textmine.sections.split_sections`)
    and ``n_target_mentions`` (target-role figures seen; more than one means
    the target is restated, check ``gdp_mentions``).

    ``by`` (metadata column(s)) groups the rows: the ``by`` columns lead and each
    group's documents come together (groups sorted, corpus order within a group).

    >>> text = "一、2023年工作回顾\\n预计全市地区生产总值下降2.5%。\\n二、2024年工作安排\\n地区生产总值增长5%到6%。"
    >>> growth_targets(text)[["target_value", "target_low", "target_high", "qualifier", "past_growth"]].values.tolist()
    [[5.5, 5.0, 6.0, 'range', -2.5]]
    """
    rows = []
    for doc in as_corpus(corpus_or_text):
        mentions, sections, verdict, reason, target_year = _document_mentions(doc)
        target = _pick(mentions, "target", _ANNOUNCE)
        past = _pick([m for m in mentions if m.part == "review"] or mentions, "past", re.compile(r"预计|全年"))
        status, note = _status(target, sections, verdict, reason, mentions)
        row = {c: doc.meta.get(c) for c in META_COLUMNS}
        row.update({
            "target_value": target.value if target else math.nan,
            "target_low": target.low if target else math.nan,
            "target_high": target.high if target else math.nan,
            "qualifier": target.qualifier if target else None,
            "target_year": target_year,
            "target_sentence": target.sentence if target else None,
            "past_growth": past.value if past else math.nan,
            "past_qualifier": past.qualifier if past else None,
            "past_sentence": past.sentence if past else None,
            "status": status, "status_note": note, "sectioning": verdict,
            "n_target_mentions": sum(m.role == "target" for m in mentions),
        })
        rows.append(row)
    frame = pd.DataFrame(rows, columns=[*META_COLUMNS, *TARGET_COLUMNS])
    frame = frame.astype({c: float for c in ("target_value", "target_low", "target_high", "past_growth")})
    for col in ("year", "target_year", "n_target_mentions"):
        frame[col] = frame[col].astype("Int64")
    if by is None:
        return frame
    keys = check_by(by, frame.columns)  # grouped: the by columns lead, each group's rows together
    frame = frame.sort_values(keys, kind="mergesort", na_position="last").reset_index(drop=True)
    return frame[[*keys, *[c for c in frame.columns if c not in keys]]]


def _status(target: Mention | None, sections: list[Section], verdict: str, reason: str,
            mentions: list[Mention]) -> tuple[str, str]:
    looks = sorted({m.lookalike for m in mentions if m.role == "lookalike" and m.lookalike})
    notes = [f"look-alikes skipped: {', '.join(looks)}"] if looks else []
    unclear = sum(m.role == "unclear" for m in mentions)
    if unclear:
        notes.append(f"{unclear} GDP figure(s) without cue words not taken (see gdp_mentions)")
    seen = "".join("; " + n for n in notes)
    parts = {s.part for s in sections}
    if target is not None:
        where = f"in the {target.part} part" if target.part else "by cue words (no review or plan heading)"
        return "found", where + seen
    if "review" in parts and "plan" not in parts:
        return "no plan part", f"sectioning {verdict}: {reason}" + seen
    where = "in the plan part" if "plan" in parts else "in the text (no review or plan heading)"
    return "no target stated", f"no GDP growth target {where}" + seen
