"""Target escalation (层层加码): each document's GDP growth target next to its parent level's.

:func:`target_escalation` reads every document's growth target with
:func:`textmine.growth_targets` and joins it with the target of its parent level
for the **same target year** (city <-> province, province <-> national report,
district <-> city; see :mod:`textmine.panels.parents`), giving the gap in
percentage points. The qualifier of each side is kept: a city's "6%以上"
(``at_least``) over a province's "5.5%左右" (``about``) commits harder than the
0.5-point gap alone says, and the same number with 以上 vs 左右 is not "no gap".

Nothing is dropped: a document without a target, without a parent in the
corpus, or whose parent states no target for that year is a row with the reason
in ``status`` and a missing gap.

>>> import pandas as pd
>>> from textmine import Corpus
>>> df = pd.DataFrame({"doc_id": ["fj", "qz"], "place": ["福建省", "泉州市"], "province": ["福建省"] * 2,
...                    "level": ["省级", "地级市"], "year": [2024, 2024],
...                    "text": ["今年主要预期目标是：地区生产总值增长5.5%左右。",
...                             "今年主要预期目标是：地区生产总值增长6%以上。"]})
>>> t = target_escalation(Corpus.from_dataframe(df))
>>> t[["doc_id", "target_value", "qualifier", "parent_target", "parent_qualifier", "gap_pp", "status"]].values.tolist()[1]
['qz', 6.0, 'at_least', 5.5, 'about', 0.5, 'compared']
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..corpus import as_corpus
from .parents import _DOCTYPE_ORDER, _parent_of

__all__ = ["target_escalation", "ESCALATION_STATUSES"]

#: Values of the ``status`` column.
ESCALATION_STATUSES: dict[str, str] = {
    "compared": "both targets found: gap_pp = target_value - parent_target",
    "no target": "the document states no GDP growth target that growth_targets could read",
    "parent not in the corpus": "the parent level has no document of the target year in the corpus",
    "parent has no target": "the parent's document(s) of that year state no readable target",
    "national: no parent": "the national report has no parent level",
    "parent unknown": "the parent place could not be determined (see parent_note)",
}

_META = ["doc_id", "place", "province", "level", "rank", "year", "doctype"]


def target_escalation(corpus_or_texts: Any, *, targets: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each document's growth target, its parent level's target of the same year, and the gap.

    Parameters
    ----------
    corpus_or_texts : Corpus
    targets : DataFrame, optional
        The table :func:`textmine.growth_targets` returned for this corpus (to
        reuse it, or to pass one corrected by hand); default: computed here.

    Returns
    -------
    DataFrame
        One row per document, in corpus order: ``doc_id, place, province, level,
        rank, year, doctype, target_year, target_value, qualifier,
        parent_place, parent_level, parent_doc_id, parent_target,
        parent_qualifier, gap_pp, status, parent_note`` (``status`` in
        :data:`ESCALATION_STATUSES`). Of several parent documents of one year
        (a report and an excerpt), the first with a target is used, reports first.

    Examples
    --------
    >>> import pandas as pd
    >>> from textmine import Corpus
    >>> df = pd.DataFrame({"doc_id": ["qz", "qg"], "place": ["泉州市", "泉港区"], "province": ["福建省"] * 2,
    ...                    "level": ["地级市", "县区"], "year": [2024, 2024],
    ...                    "text": ["主要预期目标是：地区生产总值增长5.8%。", "主要预期目标是：地区生产总值增长6.5%。"]})
    >>> target_escalation(Corpus.from_dataframe(df))[["doc_id", "parent_place", "gap_pp", "status"]].values.tolist()
    [['qz', '福建省', nan, 'parent not in the corpus'], ['qg', '泉州市', 0.7, 'compared']]
    """
    from ..targets import growth_targets

    corpus = as_corpus(corpus_or_texts)
    table = growth_targets(corpus) if targets is None else targets
    missing = [c for c in ("doc_id", "target_value", "qualifier", "target_year") if c not in table.columns]
    if missing:
        raise ValueError(f"targets must be a growth_targets() table; missing columns: {', '.join(missing)}")
    meta = corpus.meta_frame()
    table = meta[[c for c in _META if c in meta.columns]].merge(
        table[["doc_id", "target_value", "qualifier", "target_year"]], on="doc_id", how="left", sort=False)
    records = table.to_dict("records")
    # (place, level, target year) -> candidates with a target, reports first
    by_place: dict[tuple, list[tuple[int, int, dict]]] = {}
    present: set[tuple] = set()
    for n, rec in enumerate(records):
        ty = rec.get("target_year")
        if pd.isna(ty):
            continue
        key = ("国家", "国家", int(ty)) if rec.get("level") == "国家" else (rec.get("place"), rec.get("level"), int(ty))
        present.add(key)
        if not pd.isna(rec.get("target_value")):
            by_place.setdefault(key, []).append((_DOCTYPE_ORDER.get(rec.get("doctype"), 9), n, rec))
    rows = []
    for rec in records:
        parent_place, parent_level, why = _parent_of(rec)
        out = {c: rec.get(c) for c in table.columns}
        out.update(parent_place=parent_place, parent_level=parent_level, parent_doc_id=None, parent_target=np.nan,
                   parent_qualifier=None, gap_pp=np.nan, parent_note=why or None)
        if rec.get("level") == "国家":
            out["status"] = "national: no parent"
        elif why:
            out["status"] = "parent unknown"
        elif pd.isna(rec.get("target_value")):
            out["status"] = "no target"
        else:
            ty = int(rec["target_year"])
            key = ("国家", "国家", ty) if parent_level == "国家" else None
            if key is None:
                keys = [k for k in present | set(by_place) if k[0] == parent_place and k[2] == ty
                        and (parent_level is None or k[1] == parent_level)]
                key = keys[0] if keys else (parent_place, parent_level, ty)
            found = sorted(by_place.get(key, []), key=lambda x: (x[0], x[1]))
            if found:
                parent = found[0][2]
                out.update(parent_doc_id=parent["doc_id"], parent_target=parent["target_value"],
                           parent_qualifier=parent["qualifier"],
                           gap_pp=round(float(rec["target_value"]) - float(parent["target_value"]), 10),
                           status="compared")
            elif key in present:
                out["status"] = "parent has no target"
            else:
                out["status"] = "parent not in the corpus"
        rows.append(out)
    columns = [*[c for c in _META if c in table.columns], "target_year", "target_value", "qualifier",
               "parent_place", "parent_level", "parent_doc_id", "parent_target", "parent_qualifier", "gap_pp",
               "status", "parent_note"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["target_year"] = frame["target_year"].astype("Int64")
    return frame
