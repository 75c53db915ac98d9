"""Metadata column names and the controlled vocabularies textmine compares by.

Every DataFrame textmine returns uses these column names, so any result can be
grouped or joined by them. Values of ``level``, ``rank`` and ``doctype`` come
from the documented sets below; an unknown value is an error, not a new category.

>>> validate_meta({"level": "地级市", "doctype": "report"}, where="metadata.csv row 2")
{'level': '地级市', 'doctype': 'report', 'rank': None, 'year': None}
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from .errors import MetadataError

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
    "省": "province / autonomous region",
    "直辖市": "municipality directly under the central government",
    "副省级城市": "sub-provincial city (may also be a provincial capital: see notes)",
    "省会": "provincial capital that is not sub-provincial",
    "地级市": "ordinary prefecture-level city",
    "县级市": "county-level city",
    "县": "county",
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


def validate_meta(meta: Mapping[str, Any], *, where: str) -> dict[str, Any]:
    """Check ``level``, ``rank``, ``doctype`` and ``year`` of one record.

    ``where`` names the file (and row) for the error message. Missing values
    (None, empty string, NaN) are allowed; unknown ones raise :class:`MetadataError`.
    """
    out = dict(meta)
    for col, vocab in _VOCAB.items():
        value = out.get(col)
        if _missing(value):
            out[col] = None
            continue
        if value not in vocab:
            allowed = ", ".join(vocab)
            raise MetadataError(f"{where}: unknown {col} {value!r}; allowed: {allowed}")
    year = out.get("year")
    if _missing(year):
        out["year"] = None
    else:
        try:
            out["year"] = int(str(year).strip().removesuffix(".0"))
        except ValueError:
            raise MetadataError(f"{where}: year {year!r} is not a whole number") from None
    return out


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
