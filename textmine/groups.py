"""Choosing groups to compare so that a thin corpus never breaks a comparison.

A comparison needs a grouping column with at least two groups, and a keyness contrast needs
at least two documents on each side. :func:`group_problem` says in one line why a column
cannot group a corpus (missing, empty, one group); :func:`choose_contrast` picks a target
group and its reference (``--compare COLUMN=VALUE``, or the first workable of: the province
with the most documents, the region 东部/中部/西部/东北, the rank, the level) and says what it
compared. Rank groups count a document in every group it belongs to
(:func:`textmine.schema.rank_groups`): a 副省级城市 that is also a 省会 is in both.

>>> import pandas as pd
>>> meta = pd.DataFrame({"doc_id": list("abcde"), "province": ["山东省"] * 2 + ["辽宁省"] * 3,
...                      "region": ["东部"] * 2 + ["东北"] * 3, "rank": ["省会", "地级市", "省会", "地级市", "地级市"]})
>>> c = choose_contrast(meta)
>>> c.target_ids, c.reference_ids, c.description
(['c', 'd', 'e'], ['a', 'b'], 'province = 辽宁省 (n = 3) vs the other documents (n = 2)')
>>> group_problem(meta, "level")
"no metadata column 'level'"
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import pandas as pd

from .errors import TextmineError
from .schema import rank_groups

__all__ = ["Contrast", "group_problem", "choose_contrast", "parse_compare", "CONTRAST_COLUMNS", "MIN_DOCS"]

#: Columns tried, in order, when no comparison is asked for.
CONTRAST_COLUMNS: tuple[str, ...] = ("province", "region", "rank", "level")
#: Documents needed on each side of a contrast.
MIN_DOCS = 2


@dataclass(frozen=True)
class Contrast:
    """A target group and its reference: document ids, labels and a one-line description."""

    column: str
    value: str
    target_ids: list[str]
    reference_ids: list[str]
    target_label: str
    reference_label: str

    @property
    def description(self) -> str:
        """What was compared, e.g. ``region = 东部 (n = 10) vs the other documents (n = 21)``."""
        return f"{self.target_label} vs {self.reference_label}"


def parse_compare(spec: str | Mapping[str, Any] | None) -> tuple[str, str] | None:
    """``"COLUMN=VALUE"`` (or a one-item mapping) as ``(column, value)``.

    >>> parse_compare("region=东部"), parse_compare(None)
    (('region', '东部'), None)
    """
    if spec is None:
        return None
    if isinstance(spec, Mapping):
        if len(spec) != 1:
            raise TextmineError(f"compare needs one COLUMN=VALUE, got {dict(spec)!r}")
        (column, value), = spec.items()
        return str(column), str(value)
    column, sep, value = str(spec).partition("=")
    if not sep or not column.strip() or not value.strip():
        raise TextmineError(f"--compare {spec!r}: expected COLUMN=VALUE, e.g. region=东部")
    return column.strip(), value.strip()


def _values(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Rows (doc_id, value) of ``column``: rank exploded into every rank group, missing values dropped."""
    if column == "rank":
        frame = rank_groups(frame)
    rows = frame[["doc_id", column]].dropna()
    rows = rows[rows[column].astype(str).str.strip() != ""]
    return rows.assign(**{column: rows[column].astype(str)}).drop_duplicates()


def group_problem(frame: pd.DataFrame, column: str) -> str | None:
    """Why ``column`` cannot group the documents of ``frame`` (one line), or None if it can.

    >>> group_problem(pd.DataFrame({"doc_id": ["a", "b"], "rank": ["省", "省"]}), "rank")
    "column 'rank' has one group only (省)"
    """
    if column not in frame.columns:
        return f"no metadata column {column!r}"
    values = _values(frame, column)
    if values.empty:
        return f"column {column!r} has no values"
    groups = sorted(values[column].unique())
    if len(groups) < 2:
        return f"column {column!r} has one group only ({groups[0]})"
    return None


def choose_contrast(frame: pd.DataFrame, compare: str | Mapping[str, Any] | None = None, *,
                    columns: Sequence[str] = CONTRAST_COLUMNS, min_docs: int = MIN_DOCS,
                    kind: str = "documents") -> Contrast | None:
    """The group to contrast with the other documents, with at least ``min_docs`` on each side.

    ``compare`` (``"COLUMN=VALUE"``) names the target; an impossible request is a
    :class:`~textmine.errors.TextmineError` saying why. Without it, ``columns`` are tried in
    order and, in each, the value with the most documents (ties: the first in sort order)
    that leaves at least ``min_docs`` documents on both sides; None if no column works.
    """
    asked = parse_compare(compare)
    if asked is not None:
        column, value = asked
        if column not in frame.columns:
            raise TextmineError(f"--compare {column}={value}: no metadata column {column!r} "
                                f"(columns: {', '.join(map(str, frame.columns))})")
        contrast = _contrast(frame, column, value, kind)
        n_t, n_r = len(contrast.target_ids), len(contrast.reference_ids)
        if n_t < min_docs or n_r < min_docs:
            raise TextmineError(f"--compare {column}={value}: {n_t} {kind} match and {n_r} do not; "
                                f"a contrast needs at least {min_docs} on each side")
        return contrast
    all_ids = frame["doc_id"].tolist()
    for column in columns:
        if column not in frame.columns:
            continue
        values = _values(frame, column)
        counts = values.groupby(column)["doc_id"].nunique()
        for value in sorted(counts.index, key=lambda v: (-counts[v], v)):
            n_target = int(counts[value])
            if n_target >= min_docs and len(all_ids) - n_target >= min_docs:
                return _contrast(frame, column, value, kind)
    return None


def _contrast(frame: pd.DataFrame, column: str, value: str, kind: str) -> Contrast:
    values = _values(frame, column)
    chosen = set(values.loc[values[column] == value, "doc_id"])
    target = [d for d in frame["doc_id"] if d in chosen]
    reference = [d for d in frame["doc_id"] if d not in chosen]
    return Contrast(column, value, target, reference, f"{column} = {value} (n = {len(target)})",
                    f"the other {kind} (n = {len(reference)})")
