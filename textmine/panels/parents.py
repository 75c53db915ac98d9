"""Which document is a document's parent level: province for a city, State Council for a province.

The vertical comparisons of :mod:`textmine.panels` (echo, target escalation) pair
each document with a document of the level above it:

- a **prefecture-level city** (地级市) -> its province: a 省级 document whose
  ``place`` is the city's ``province``;
- a **province** (省级) -> the national report: a 国家 document;
- a **county-level city or district** (县级市, 县区) -> its city: the ``parent``
  metadata column if the corpus has one, else the gazetteer's parent of the place
  (:func:`textmine.gazetteer.parent_of`, where that module is installed); a
  county governed directly by a province gets the province;
- the national report has no parent.

The parent's document is looked for in the **same year**, else the **previous
year** (a city's report is often delivered before its province's of the same
year); of several documents of that place and year, reports come before
excerpts, plans and news. A document whose parent is known but not in the corpus
is reported as such, never dropped.

>>> import pandas as pd
>>> from textmine import Corpus
>>> df = pd.DataFrame({"doc_id": ["fj", "qz"], "place": ["福建省", "泉州市"], "province": ["福建省"] * 2,
...                    "level": ["省级", "地级市"], "year": [2023, 2024], "text": ["甲。", "乙。"]})
>>> parent_documents(Corpus.from_dataframe(df))[["doc_id", "parent_place", "parent_doc_id", "parent_status"]].values.tolist()
[['fj', None, None, 'no parent level in the corpus'], ['qz', '福建省', 'fj', 'previous year']]
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..corpus import as_corpus

__all__ = ["parent_documents", "PARENT_LEVEL"]

#: The level of a document's parent, by its own level.
PARENT_LEVEL: dict[str, str] = {"省级": "国家", "地级市": "省级", "县级市": "地级市", "县区": "地级市"}

_DOCTYPE_ORDER = {"report": 0, "excerpt": 1, "plan": 2, "news": 3}


def _gazetteer_parent(place: str, province: Any) -> tuple[str | None, str | None]:
    """(parent name, parent level) from the gazetteer, or (None, None) if it is absent or cannot tell."""
    try:
        from .. import gazetteer  # type: ignore[attr-defined]
    except ImportError:
        return None, None
    try:
        parent = gazetteer.parent_of(place, province=province if isinstance(province, str) else None)
    except Exception:  # unknown or ambiguous place: no guess
        return None, None
    if parent is None:
        return None, None
    return parent.name, parent.level


def _parent_of(row: dict) -> tuple[str | None, str | None, str]:
    """(parent place, parent level, why) of one document's metadata."""
    level = row.get("level")
    if level == "国家":
        return None, None, "national: no parent"
    if level == "省级":
        return None, "国家", ""
    if level == "地级市":
        province = row.get("province")
        if isinstance(province, str) and province:
            return province, "省级", ""
        return None, "省级", "province unknown"
    if level in ("县级市", "县区"):
        parent = row.get("parent")
        if isinstance(parent, str) and parent:
            return parent, None, ""
        name, parent_level = _gazetteer_parent(row.get("place"), row.get("province"))
        if name:
            return name, parent_level, ""
        return None, "地级市", "parent city unknown (no 'parent' column and no gazetteer match)"
    return None, None, "level unknown"


def parent_documents(corpus_or_texts: Any) -> pd.DataFrame:
    """Each document's parent place and the parent's document in the corpus (same or previous year).

    Returns
    -------
    DataFrame
        ``doc_id, place, level, year, parent_place, parent_level, parent_doc_id,
        parent_doc_ids, parent_year, parent_status``. ``parent_doc_ids`` lists
        every document of the parent in ``parent_year`` (``|``-separated),
        ``parent_doc_id`` the first (reports first). ``parent_status``: ``"same
        year"``, ``"previous year"``, ``"parent not in the corpus"``, ``"no
        parent level in the corpus"`` (a province's national report), or why the
        parent is unknown.

    Examples
    --------
    >>> parent_documents(["正文。"])[["doc_id", "parent_status"]].values.tolist()
    [['doc0', 'level unknown']]
    """
    corpus = as_corpus(corpus_or_texts)
    meta = corpus.meta_frame()
    records = meta.to_dict("records")
    index: dict[tuple[Any, Any], list[tuple[int, str, int]]] = {}
    national: dict[Any, list[tuple[int, str, int]]] = {}
    for i, rec in enumerate(records):
        year = rec.get("year")
        year = None if pd.isna(year) else int(year)
        entry = (_DOCTYPE_ORDER.get(rec.get("doctype"), 9), rec["doc_id"], i)
        index.setdefault((rec.get("place"), year), []).append(entry)
        if rec.get("level") == "国家":
            national.setdefault(year, []).append(entry)
    rows = []
    for rec in records:
        year = None if pd.isna(rec.get("year")) else int(rec["year"])
        place, level, why = _parent_of(rec)
        found, found_year, status = [], None, why
        if not why:
            for candidate_year, label in ((year, "same year"), (None if year is None else year - 1, "previous year")):
                if candidate_year is None:
                    continue
                if rec.get("level") == "省级":
                    hits = national.get(candidate_year, [])
                else:
                    hits = [h for h in index.get((place, candidate_year), [])
                            if level is None or records[h[2]].get("level") == level]
                if hits:
                    found, found_year, status = sorted(hits), candidate_year, label
                    break
            else:
                status = ("no parent level in the corpus" if rec.get("level") == "省级" and not national
                          else "parent not in the corpus")
        rows.append((rec["doc_id"], rec.get("place"), rec.get("level"), year, place, level,
                     found[0][1] if found else None, "|".join(h[1] for h in found) or None,
                     found_year, status))
    out = pd.DataFrame(rows, columns=["doc_id", "place", "level", "year", "parent_place", "parent_level",
                                      "parent_doc_id", "parent_doc_ids", "parent_year", "parent_status"])
    for col in ("year", "parent_year"):
        out[col] = out[col].astype("Int64")
    return out.astype({c: object for c in ("parent_place", "parent_level", "parent_doc_id", "parent_doc_ids")}).where(
        out.notna(), None)
