"""Metadata column names and the controlled vocabularies textmine compares by.

Every DataFrame textmine returns uses these column names, so any result can be
grouped or joined by them. Values of ``level``, ``rank`` and ``doctype`` come
from the documented sets below; Chinese (and a few English) names of them are
aliases (``textmine/data/aliases.csv``: 政府工作报告 -> report, 摘登 -> excerpt,
省/自治区/直辖市 -> 省级, ...); an unknown value is an error, not a new category.
Years must lie in ``YEAR_RANGE`` (1949-2100) unless ``year_range=`` says otherwise.

>>> validate_meta({"level": "地级市", "doctype": "report"}, where="metadata.csv row 2")
{'level': '地级市', 'doctype': 'report', 'rank': None, 'year': None}
>>> validate_meta({"level": "省", "doctype": "政府工作报告"}, where="metadata.csv row 2")
{'level': '省级', 'doctype': 'report', 'rank': None, 'year': None}

A province-level unit's rank is 省, 自治区 or 直辖市; a city can be a 副省级城市 and a 省会
at once. ``rank`` holds one label (the higher one, 副省级城市), and the gazetteer
(:mod:`textmine.gazetteer`) adds the facts as flags ``sub_provincial`` and ``capital``;
:func:`rank_groups` counts a document in every rank group it belongs to.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any, Mapping, Sequence

from .errors import MetadataError

__all__ = ["META_COLUMNS", "LEVELS", "RANKS", "DOCTYPES", "ALIASES", "YEAR_RANGE", "RESERVED_COLUMNS",
           "validate_meta", "check_by", "canonical", "rank_groups"]

#: Metadata columns shared by every table (``doc_id`` first).
META_COLUMNS: tuple[str, ...] = (
    "doc_id", "place", "province", "level", "rank", "year", "doctype", "source", "notes",
)

#: Administrative levels: the State Council's national report, provinces, and the
#: three labels the 2024 collection (合集) uses itself.
LEVELS: dict[str, str] = {
    "国家": "national (State Council work report)",
    "省级": "province, autonomous region or municipality",
    "地级市": "prefecture-level city",
    "县级市": "county-level city",
    "县区": "county or city district",
}

#: Finer rank within a level, where it matters for comparison.
RANKS: dict[str, str] = {
    "国务院": "State Council",
    "省": "province",
    "自治区": "autonomous region (province-level)",
    "直辖市": "municipality directly under the central government",
    "特别行政区": "special administrative region",
    "副省级城市": "sub-provincial city (may also be a provincial capital: flag `capital`)",
    "省会": "provincial capital that is not sub-provincial",
    "地级市": "ordinary prefecture-level city",
    "地区": "prefecture-level unit that is not a city (自治州, 地区, 盟)",
    "县级市": "county-level city",
    "县": "county (also 自治县, 旗, 自治旗, 特区, 林区)",
    "市辖区": "city district",
}

#: Document types.
DOCTYPES: dict[str, str] = {
    "report": "full government work report (政府工作报告)",
    "excerpt": "excerpt of a work report (摘登)",
    "plan": "economic and social development plan report (计划报告)",
    "news": "news article about a report",
}

_VOCAB = {"level": LEVELS, "rank": RANKS, "doctype": DOCTYPES}

#: Years accepted by default (a report's year); ``validate_meta(year_range=...)`` changes it.
YEAR_RANGE: tuple[int, int] = (1949, 2100)

#: Columns textmine computes itself: a metadata table may not use these names.
RESERVED_COLUMNS: tuple[str, ...] = (
    "n_chars", "inferred", "place_note", "slogan", "category", "count", "rate", "term", "tfidf",
    "term_rank",
)


def _load_aliases() -> dict[str, dict[str, str]]:
    path = Path(__file__).parent / "data" / "aliases.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.reader(fh) if r and not r[0].startswith("#")]
    out: dict[str, dict[str, str]] = {col: {} for col in _VOCAB}
    for col, alias, value in rows[1:]:
        if value not in _VOCAB[col]:  # pragma: no cover - guards the shipped file
            raise MetadataError(f"{path}: alias {alias!r} of {col} names unknown value {value!r}")
        out[col][alias] = value
    return out


#: column -> {alias: documented value}, from ``textmine/data/aliases.csv``.
ALIASES: dict[str, dict[str, str]] = _load_aliases()


def canonical(column: str, value: Any) -> Any:
    """The documented value of ``value`` in ``column`` (an alias is replaced; others kept).

    >>> canonical("doctype", "摘登"), canonical("level", "直辖市"), canonical("rank", "省会")
    ('excerpt', '省级', '省会')
    """
    if isinstance(value, str):
        value = value.strip()
        return ALIASES.get(column, {}).get(value, value)
    return value


def validate_meta(meta: Mapping[str, Any], *, where: str,
                  year_range: tuple[int, int] | None = YEAR_RANGE) -> dict[str, Any]:
    """Check ``level``, ``rank``, ``doctype`` and ``year`` of one record, and its column names.

    ``where`` names the file (and row) for the error message. Missing values
    (None, empty string, NaN) are allowed; aliases become the documented value;
    unknown values, years outside ``year_range`` (None: any whole number) and
    columns named like one textmine computes (``RESERVED_COLUMNS``) raise
    :class:`MetadataError` naming the row and the column.
    """
    out = dict(meta)
    for key in out:
        if str(key).strip() in RESERVED_COLUMNS:
            raise MetadataError(f"{where}: column {key!r} is a name textmine computes itself "
                                f"(reserved: {', '.join(RESERVED_COLUMNS)}); rename the column")
    for col, vocab in _VOCAB.items():
        value = out.get(col)
        if _missing(value):
            out[col] = None
            continue
        value = canonical(col, value)
        if value not in vocab:
            allowed = ", ".join(vocab)
            aliases = ", ".join(f"{a} -> {v}" for a, v in ALIASES.get(col, {}).items())
            raise MetadataError(f"{where}: unknown {col} {value!r} (column {col!r}); allowed: {allowed}"
                                + (f" (aliases: {aliases})" if aliases else ""))
        out[col] = value
    year = out.get("year")
    if _missing(year):
        out["year"] = None
    else:
        text = str(year).strip()
        try:
            number = int(text.removesuffix(".0"))
        except ValueError:
            raise MetadataError(f"{where}: year {year!r} is not a whole number (column 'year')") from None
        if year_range is not None and not year_range[0] <= number <= year_range[1]:
            shown = text if len(text) <= 12 else text[:12] + "…"
            raise MetadataError(f"{where}: year {shown} is outside {year_range[0]}-{year_range[1]} "
                                "(column 'year'; pass year_range= to accept other years)")
        if not -2**63 < number < 2**63:
            raise MetadataError(f"{where}: year {text[:12]}… is too large (column 'year')")
        out["year"] = number
    return out


def rank_groups(meta: "Any") -> "Any":
    """One row per (document, rank group) it belongs to: a comparison by rank counts each
    document in every group (a 副省级城市 that is a 省会 is in both).

    ``meta`` is a one-row-per-document frame (``Corpus.meta_frame()`` or any analysis result
    with ``rank`` and, from the gazetteer, ``capital``); rows whose ``capital`` flag is true
    and whose rank is not 省会 appear a second time with ``rank`` 省会. Other columns are kept.

    >>> import pandas as pd
    >>> m = pd.DataFrame({"doc_id": ["jinan", "fuzhou", "benxi"], "rank": ["副省级城市", "省会", "地级市"],
    ...                   "capital": [True, True, False]})
    >>> rank_groups(m)[["doc_id", "rank"]].values.tolist()
    [['jinan', '副省级城市'], ['jinan', '省会'], ['fuzhou', '省会'], ['benxi', '地级市']]
    """
    import pandas as pd

    if "rank" not in meta.columns:
        raise MetadataError("rank_groups: the table has no 'rank' column")
    frame = meta.reset_index(drop=True).copy()
    frame["_row"] = range(len(frame))
    frame["_k"] = 0
    if "capital" not in frame.columns:
        return frame.drop(columns=["_row", "_k"])
    capital = frame["capital"].map(lambda v: v is True or str(v).strip().lower() in {"true", "1", "yes"})
    extra = frame[capital & (frame["rank"] != "省会")].copy()
    extra["rank"] = "省会"
    extra["_k"] = 1
    out = pd.concat([frame, extra]).sort_values(["_row", "_k"], kind="stable")
    return out.drop(columns=["_row", "_k"]).reset_index(drop=True)


def check_by(by: str | Sequence[str], columns: Sequence[str]) -> list[str]:
    """The ``by=`` argument of an analysis as a list of column names, each checked.

    >>> check_by("level", ["doc_id", "level"])
    ['level']
    """
    keys = [by] if isinstance(by, str) else list(by)
    if not keys:
        raise ValueError("by must name at least one metadata column")
    unknown = [k for k in keys if k not in columns]
    if unknown:
        raise MetadataError(f"by={unknown[0]!r} is not a metadata column of this corpus "
                            f"(available: {', '.join(map(str, columns))})")
    return keys


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and value != value:  # NaN
        return True
    return isinstance(value, str) and not value.strip()
