"""China's administrative divisions: look a place name up, find its province, parent and rank.

The table is the national administrative-division code list (GB/T 2260 codes as published by
the Ministry of Civil Affairs; 34 province-level units, 333 prefecture-level units, every
county-level unit), shipped as ``textmine/data/divisions.csv``. Its source and date, and the
small hand-kept tables beside it (former names, 副省级城市 and 省会, the four regions), are
described in ``textmine/data/README.md``.

A name is matched, in this order, as an official full name (济南市, 内蒙古自治区), as a
former name of a renamed place (襄樊市 -> 襄阳市), or as a short form (济南, 内蒙古, 延边;
毕节地区 and 长垣县 find 毕节市 and 长垣市 through their stems). ``province=`` and ``parent=``
narrow the candidates. A name that still fits several places is **ambiguous** and nothing is
guessed -- with one documented exception: a short form shared by a province-level unit and
smaller places means the province (吉林 is 吉林省, not 吉林市; 海南 is 海南省).

>>> p = lookup("济南")
>>> p.name, p.province, p.level, p.rank, p.code, p.region, p.capital, p.sub_provincial
('济南市', '山东省', '地级市', '副省级城市', '370100', '东部', True, True)
>>> p.ranks                      # every rank group the place belongs to
('副省级城市', '省会')
>>> parent_of("历下区").name, parent_of("济南市").name, parent_of("山东") is None
('济南市', '山东省', True)
>>> [c.parent for c in candidates("朝阳区")]
['北京市', '长春市']
>>> lookup("朝阳区", province="吉林").parent
'长春市'
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from .errors import MetadataError

__all__ = [
    "Place", "PlaceNotFound", "AmbiguousPlace", "lookup", "lookup_place", "candidates", "parent_of",
    "divisions", "place_names", "place_stopwords", "place_from_text", "infer_meta", "INFERRED_COLUMNS", "REGIONS",
]

DATA_DIR = Path(__file__).parent / "data"

#: The four economic regions of the National Bureau of Statistics.
REGIONS: tuple[str, ...] = ("东部", "中部", "西部", "东北")

_PROVINCE_TYPES = {"省", "自治区", "直辖市", "特别行政区"}
_PREFECTURE_TYPES = {"地级市", "自治州", "地区", "盟"}
#: division type -> (schema level, schema rank)
_LEVEL_RANK = {
    "省": ("省级", "省"), "自治区": ("省级", "自治区"), "直辖市": ("省级", "直辖市"),
    "特别行政区": ("省级", "特别行政区"),
    "地级市": ("地级市", "地级市"), "自治州": ("地级市", "地区"), "地区": ("地级市", "地区"),
    "盟": ("地级市", "地区"),
    "县级市": ("县级市", "县级市"), "市辖区": ("县区", "市辖区"), "县": ("县区", "县"),
    "自治县": ("县区", "县"), "旗": ("县区", "县"), "自治旗": ("县区", "县"),
    "特区": ("县区", "县"), "林区": ("县区", "县"),
}

# the 55 minority nationalities, longest first (for short forms of 自治区/自治州/自治县)
_ETHNIC = sorted(
    "蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 "
    "东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 "
    "俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺".split(), key=len, reverse=True)
_ETHNIC_RE = re.compile("(?:" + "|".join(_ETHNIC) + ")族?")
_SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "新区", "地区", "林区", "特区",
             "省", "市", "县", "区", "盟")


class PlaceNotFound(MetadataError):
    """A place name that is in no form in the division table."""


class AmbiguousPlace(MetadataError):
    """A place name that fits several divisions; ``candidates`` lists them."""

    def __init__(self, message: str, candidates: "list[Place]") -> None:
        super().__init__(message)
        self.candidates = candidates


@dataclass(frozen=True)
class Place:
    """One administrative division, with the metadata textmine fills from it.

    ``level`` and ``rank`` use the vocabularies of :mod:`textmine.schema`; ``type`` is the
    division's own type (地级市, 自治州, 市辖区, 自治县, 旗, ...). ``ranks`` lists every
    rank group the place belongs to (a 副省级城市 that is also a 省会 is in both).
    ``matched`` tells how the name was found: ``"name"``, ``"former"`` or ``"short"``.

    >>> p = lookup_place("济南市")
    >>> p.code, p.rank, p.province
    ('370100', '副省级城市', '山东省')
    """

    code: str
    name: str
    short: str
    type: str
    level: str
    rank: str
    province: str
    parent: str | None
    parent_code: str | None
    region: str | None
    capital: bool
    sub_provincial: bool
    matched: str = "name"

    @property
    def ranks(self) -> tuple[str, ...]:
        """Every rank group of the place: its rank, plus 省会 for a capital ranked otherwise."""
        extra = ("省会",) if self.capital and self.rank != "省会" else ()
        return (self.rank,) + extra


# --------------------------------------------------------------------------- the tables


def short_form(name: str, type_: str) -> str | None:
    """The usual short form of a division's name, or None if it has none of two or more characters.

    >>> short_form("广西壮族自治区", "自治区"), short_form("延边朝鲜族自治州", "自治州"), short_form("城区", "市辖区")
    ('广西', '延边', None)
    """
    stem = name
    for suffix in _SUFFIXES:
        if stem.endswith(suffix) and len(stem) > len(suffix):
            stem = stem[: -len(suffix)]
            break
    if type_ in {"自治区", "自治州", "自治县", "自治旗"}:
        m = _ETHNIC_RE.search(stem, 2)
        if m:
            stem = stem[: m.start()]
    if stem == name or len(stem) < 2:
        return None
    return stem


@dataclass(frozen=True)
class _Tables:
    places: dict[str, Place]                 # code -> place
    by_name: dict[str, tuple[str, ...]]      # full name -> codes
    by_short: dict[str, tuple[str, ...]]     # short form -> codes
    by_former: dict[str, tuple[str, ...]]    # former name -> codes
    children: dict[str, tuple[str, ...]]     # code -> codes of the units directly below


def _read_csv(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@lru_cache(maxsize=1)
def _tables() -> _Tables:
    rows = _read_csv("divisions.csv")
    names = {r["code"]: r["name"] for r in rows}
    regions = {r["province_code"]: r["region"] for r in _read_csv("regions.csv")}
    ranks = {r["code"]: (r["sub_provincial"] == "true", r["capital"] == "true") for r in _read_csv("city_ranks.csv")}
    places: dict[str, Place] = {}
    by_name: dict[str, list[str]] = {}
    by_short: dict[str, list[str]] = {}
    children: dict[str, list[str]] = {}
    for r in rows:
        code, type_ = r["code"], r["type"]
        level, rank = _LEVEL_RANK[type_]
        sub_provincial, capital = ranks.get(code, (False, False))
        if sub_provincial:
            rank = "副省级城市"
        elif capital:
            rank = "省会"
        parent = r["parent_code"] or None
        short = short_form(r["name"], type_) or r["name"]
        place = Place(code=code, name=r["name"], short=short, type=type_, level=level, rank=rank,
                      province=names[r["province_code"]], parent=names[parent] if parent else None,
                      parent_code=parent, region=regions.get(r["province_code"]),
                      capital=capital, sub_provincial=sub_provincial)
        places[code] = place
        by_name.setdefault(r["name"], []).append(code)
        if short != r["name"]:
            by_short.setdefault(short, []).append(code)
        if parent:
            children.setdefault(parent, []).append(code)
    by_former: dict[str, list[str]] = {}
    for r in _read_csv("former_names.csv"):
        by_former.setdefault(r["former_name"], []).append(r["current_code"])
        stem = _stem(r["former_name"])
        if stem is not None and r["current_code"] not in by_short.get(stem, []):
            by_short.setdefault(stem, []).append(r["current_code"])  # 襄樊 -> 襄阳市
    freeze = lambda d: {k: tuple(v) for k, v in d.items()}  # noqa: E731
    return _Tables(places, freeze(by_name), freeze(by_short), freeze(by_former), freeze(children))


def divisions():
    """The whole division table as a DataFrame, one row per division (code order).

    >>> t = divisions()
    >>> int((t["level"] == "省级").sum()), int((t["level"] == "地级市").sum())
    (34, 333)
    """
    import pandas as pd

    tables = _tables()
    cols = ["code", "name", "short", "type", "level", "rank", "province", "parent", "parent_code",
            "region", "capital", "sub_provincial"]
    return pd.DataFrame([[getattr(p, c) for c in cols] for p in tables.places.values()], columns=cols)


# --------------------------------------------------------------------------- look-ups


def _clean_name(name: str) -> str:
    return re.sub(r"\s+", "", str(name))


def _stem(name: str) -> str | None:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return None


def _raw_matches(name: str) -> tuple[list[str], str]:
    t = _tables()
    if name in t.by_name:
        return list(t.by_name[name]), "name"
    if name in t.by_former:
        return list(t.by_former[name]), "former"
    codes = list(t.by_short.get(name, ()))
    stem = _stem(name)
    if stem is not None:
        codes += [c for c in t.by_short.get(stem, ()) + t.by_name.get(stem, ()) if c not in codes]
    return codes, "short"


def _within(code: str, ancestor: str) -> bool:
    places = _tables().places
    while code is not None:
        if code == ancestor:
            return True
        code = places[code].parent_code
    return False


def _resolve_scope(name: str | None, what: str) -> list[str] | None:
    """Codes a ``province=``/``parent=`` value can mean (None: no constraint)."""
    if name is None or (isinstance(name, float) and name != name) or not str(name).strip():
        return None
    codes, _ = _raw_matches(_clean_name(name))
    if what == "province":
        codes = [c for c in codes if _tables().places[c].level == "省级"]
    if not codes:
        raise PlaceNotFound(f"{what} {name!r} is not in the division table")
    return codes


def candidates(place: str, province: str | None = None, parent: str | None = None) -> list[Place]:
    """Every division ``place`` can name, narrowed by ``province`` and ``parent`` (code order).

    >>> [(c.name, c.parent) for c in candidates("南沙区")]
    [('南沙区', '广州市'), ('南沙区', '三沙市')]
    >>> [c.name for c in candidates("南沙区", parent="三沙")]
    ['南沙区']
    >>> candidates("襄樊")[0].name, candidates("襄樊市")[0].matched
    ('襄阳市', 'former')
    """
    return list(_candidates(place, province, parent))


@lru_cache(maxsize=4096)
def _candidates(place: str, province: str | None, parent: str | None) -> tuple[Place, ...]:
    """:func:`candidates`, kept: a corpus names the same few places in every row (Place is frozen)."""
    t = _tables()
    name = _clean_name(place)
    if not name:
        return ()
    codes, how = _raw_matches(name)
    for scope, what in ((province, "province"), (parent, "parent")):
        allowed = _resolve_scope(scope, what)
        if allowed is not None:
            codes = [c for c in codes if any(_within(c, a) for a in allowed)]
    if how == "short" and len(codes) > 1:
        top = [c for c in codes if t.places[c].level == "省级"]
        if len(top) == 1:
            codes = top
    return tuple(t.places[c] if how == "name" else _with_match(t.places[c], how) for c in sorted(codes))


def _with_match(p: Place, how: str) -> Place:
    from dataclasses import replace

    return replace(p, matched=how)


def lookup(place: str, province: str | None = None, parent: str | None = None) -> Place:
    """The one division ``place`` names (full name, former name or short form).

    ``province`` and ``parent`` (full or short names) narrow an ambiguous name. Raises
    :class:`PlaceNotFound` for a name in no form in the table and :class:`AmbiguousPlace`
    (with ``.candidates``) for a name that still fits several divisions.

    >>> lookup("内蒙古").name, lookup("内蒙古自治区").rank, lookup("重庆").rank
    ('内蒙古自治区', '自治区', '直辖市')
    >>> lookup("吉林").name, lookup("吉林市").name
    ('吉林省', '吉林市')
    >>> lookup("朝阳")
    Traceback (most recent call last):
    ...
    textmine.gazetteer.AmbiguousPlace: place '朝阳' is ambiguous: 北京市朝阳区, 朝阳市, 朝阳市朝阳县, 长春市朝阳区; give province= or parent=
    """
    found = candidates(place, province=province, parent=parent)
    scope = "".join(f" in {v}" for v in (parent, province) if v)
    if not found:
        raise PlaceNotFound(f"place {place!r}{scope} is not in the division table")
    if len(found) > 1:
        listed = ", ".join(_qualified(p) for p in found)
        raise AmbiguousPlace(f"place {place!r}{scope} is ambiguous: {listed}; give province= or parent=", found)
    return found[0]


#: ``textmine.lookup_place`` is :func:`lookup` under a name that says what it looks up.
lookup_place = lookup


def _qualified(p: Place) -> str:
    return p.name if p.parent is None or p.level == "地级市" else f"{p.parent}{p.name}"


def parent_of(place: str | Place, province: str | None = None) -> Place | None:
    """The division directly above ``place``: the province of a city, the city of a district.

    None for a province-level unit. A county-level unit that a province governs directly
    (仙桃市, the districts of a 直辖市) has the province as parent.

    >>> parent_of("泉港区").name, parent_of("仙桃市").name, parent_of("浦东新区").name
    ('泉州市', '湖北省', '上海市')
    """
    p = place if isinstance(place, Place) else lookup(place, province=province)
    if p.parent_code is None:
        return None
    return _tables().places[p.parent_code]


def place_names(places: Iterable[str | Place]) -> set[str]:
    """Full names and short forms of ``places`` and of their provinces and parents.

    For removing a corpus's own place names from vocabularies (TF-IDF, keyness, topics):
    unknown names are kept as given.

    >>> sorted(place_names(["商丘市"]))
    ['商丘', '商丘市', '河南', '河南省']
    """
    t = _tables()
    out: set[str] = set()
    for item in places:
        try:
            found = [item] if isinstance(item, Place) else candidates(item)
        except MetadataError:
            found = []
        if not found and isinstance(item, str) and item.strip():
            out.add(item.strip())
        for p in found:
            chain = [p]
            while chain[-1].parent_code is not None:
                chain.append(t.places[chain[-1].parent_code])
            for q in chain:
                out.add(q.name)
                out.add(q.short)
    return out


def place_stopwords(corpus_or_places, *, descendants: bool = True) -> list[str]:
    """Place names to keep out of TF-IDF, keyness and topic vocabularies, sorted.

    ``corpus_or_places`` is a corpus (its documents' ``place`` values) or place names. The
    result holds each place's full and short names and those of its province and parent
    (:func:`place_names`); with ``descendants=True`` also every prefecture-level unit inside
    it (full and short names: 郑州市, 郑州) and every county-level unit (full names; short
    names only for county-level cities and the districts of a 直辖市 -- other short county
    names such as 和平, 新华 or 中原 are ordinary words too). Pass it to a tokenizer::

        tok = textmine.Tokenizer(extra_stopwords=place_stopwords(corpus))
        textmine.top_terms(corpus, tokenizer=tok)

    >>> words = place_stopwords(["河南省"])
    >>> "河南" in words and "郑州" in words and "郑州市" in words and "中原区" in words
    True
    >>> "中原" in words          # a district's short name is an ordinary word: kept
    False
    """
    places = _corpus_places(corpus_or_places)
    words = set(place_names(places))
    if descendants:
        t = _tables()
        roots = [c.code for name in places for c in _safe_candidates(name)]
        stack = list(roots)
        while stack:
            for child in t.children.get(stack.pop(), ()):
                p = t.places[child]
                words.add(p.name)
                direct = p.parent_code is not None and t.places[p.parent_code].rank == "直辖市"
                if p.level in ("省级", "地级市", "县级市") or direct:
                    words.add(p.short)
                stack.append(child)
    return sorted(w for w in words if w)


def _corpus_places(obj) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if hasattr(obj, "meta_frame"):
        frame = obj.meta_frame()
        return [str(v) for v in frame["place"].dropna().unique()] if "place" in frame.columns else []
    return [str(x) for x in obj]


def _safe_candidates(name: str) -> list[Place]:
    try:
        return candidates(name)
    except MetadataError:
        return []


@lru_cache(maxsize=1)
def _name_pattern() -> re.Pattern:
    names = sorted(_tables().by_name, key=len, reverse=True)
    former = sorted(_tables().by_former, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, names + former)))


def place_from_text(text: str) -> Place | None:
    """The most specific division named in a title or file name, or None.

    Full names only (short forms are too common in words). When several are named, the last
    one is taken and the earlier ones narrow it (泉州市泉港区 -> 泉港区 in 泉州市).

    >>> place_from_text("2026年上海市政府工作报告").name
    '上海市'
    >>> place_from_text("2024年泉州市泉港区政府工作报告").parent
    '泉州市'
    >>> place_from_text("2026年政府工作报告") is None
    True
    """
    found = [m.group(0) for m in _name_pattern().finditer(_clean_name(text))]
    if not found:
        return None
    *context, last = found
    for hint in reversed(context):
        try:
            return lookup(last, parent=hint)
        except MetadataError:
            continue
    try:
        return lookup(last)
    except MetadataError:
        return None


# --------------------------------------------------------------------------- filling metadata

#: Columns :func:`infer_meta` fills from the gazetteer (beside ``place`` and ``year``).
INFERRED_COLUMNS: tuple[str, ...] = ("province", "level", "rank", "code", "region", "capital", "sub_provincial")
_YEAR_IN_TEXT = re.compile(r"(?<!\d)((?:19[4-9]|20\d)\d)(?:年|_|-|\b)")


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and value != value) or (isinstance(value, str) and not value.strip())


def infer_meta(meta: dict, *, where: str, hints: Iterable[str] = ()) -> dict:
    """Fill a document's missing metadata from its place name (or a title/file name) and the gazetteer.

    ``place`` comes from the record, else from ``title``, else from ``hints`` (a file name);
    ``year`` likewise from a 4-digit year followed by 年 (or _ -) in them. Then ``province``,
    ``level``, ``rank``, ``code`` (division code), ``region``, ``capital`` and
    ``sub_provincial`` are filled where the record has no value. A value the user gave wins;
    one that contradicts the gazetteer is kept, warned about and noted. The result gets
    ``inferred`` (the filled column names, comma-separated) and ``place_note`` (ambiguous,
    unknown or contradicting names; empty when none).

    >>> m = infer_meta({"place": "济南", "year": 2024}, where="row 2")
    >>> m["province"], m["rank"], m["capital"], m["inferred"]
    ('山东省', '副省级城市', True, 'province,level,rank,code,region,capital,sub_provincial')
    >>> infer_meta({"place": "朝阳区"}, where="row 3")["place_note"]
    "ambiguous: place '朝阳区' is ambiguous: 北京市朝阳区, 长春市朝阳区; give province= or parent="
    """
    import warnings

    out = dict(meta)
    filled: list[str] = []
    notes: list[str] = []
    texts = [str(out["title"])] if not _blank(out.get("title")) else []
    texts += [str(h) for h in hints if h]
    place = None
    if _blank(out.get("place")):
        for text in texts:
            place = place_from_text(text)
            if place is not None:
                out["place"] = place.name
                filled.append("place")
                break
    else:
        given_province = None if _blank(out.get("province")) else out["province"]
        try:
            place = lookup(str(out["place"]), province=given_province)
        except AmbiguousPlace as exc:
            notes.append(f"ambiguous: {exc}")
        except PlaceNotFound as exc:
            try:  # the place exists, but not in the province given: a contradiction, reported below
                place = lookup(str(out["place"])) if given_province is not None else None
            except MetadataError:
                place = None
            if place is None:
                notes.append(f"not found: {exc}")
    if _blank(out.get("year")):
        for text in texts:
            m = _YEAR_IN_TEXT.search(text)
            if m:
                out["year"] = int(m.group(1))
                filled.append("year")
                break
    if place is not None:
        facts = {"province": place.province, "level": place.level, "rank": place.rank, "code": place.code,
                 "region": place.region, "capital": place.capital, "sub_provincial": place.sub_provincial}
        for col, value in facts.items():
            given = out.get(col)
            if _blank(given):
                if value is not None:
                    out[col] = value
                    filled.append(col)
            elif not _agrees(col, given, value, place):
                msg = (f"{col} {given!r} given, but the gazetteer has {value!r} for {place.name} "
                       f"({place.code}); keeping the given value")
                notes.append(f"contradiction: {msg}")
                warnings.warn(f"{where}: {msg}", stacklevel=3)
    out["inferred"] = ",".join(filled)
    out["place_note"] = "; ".join(notes)
    return out


def _agrees(col: str, given, value, place: Place) -> bool:
    from .schema import canonical

    if col == "province":
        try:
            return lookup(str(given)).code == lookup(place.province).code
        except MetadataError:
            return False
    if col == "rank":
        return canonical("rank", given) in place.ranks
    if col == "level":
        return canonical("level", given) == value
    if col in ("capital", "sub_provincial"):
        return str(given).strip().lower() in ({"true", "1", "yes"} if value else {"false", "0", "no"})
    return str(given).strip() == str(value)
