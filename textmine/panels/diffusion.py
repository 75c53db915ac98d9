"""Slogan diffusion: the year a slogan first reaches each place, and how fast it spreads.

A place **adopts** a slogan in the first observed year in which one of its
documents uses it (an exact phrase match on the cleaned text, whitespace removed,
the same matching as :func:`textmine.slogan_frequency`; variants count).

Observation is what the corpus holds, so three kinds of incomplete information
are kept, not hidden:

- **right-censoring**: a place that never uses the slogan in its observed years
  is ``adopted=False``, censored at its last observed year (it may adopt later);
- **gaps**: years without a document are *not observed*, never "did not use it".
  A place seen in 2021 without the slogan and next in 2023 with it adopted in
  2022 or 2023: ``first_year`` is 2023 (the first year *seen* using it),
  ``previous_observed`` is 2021 and ``gap_before`` is True -- the adoption year is
  interval-censored in (2021, 2023]. The event-history table has rows only for
  observed years, so a gap is never a row at risk that did not adopt;
- **left-censoring**: a place using the slogan in its first observed year may have
  adopted it earlier (``left_censored=True``).

Several documents of one place and year (a report and an excerpt) are one
observation: the slogan is used that year if any of them uses it.

>>> import pandas as pd
>>> from textmine import Corpus
>>> df = pd.DataFrame({"doc_id": ["a21", "a23", "b23"], "place": ["甲市", "甲市", "乙市"],
...                    "year": [2021, 2023, 2023],
...                    "text": ["推动高质量发展。", "加快发展新质生产力。", "推动高质量发展。"]})
>>> a = adoption(Corpus.from_dataframe(df), ["新质生产力"])
>>> a[["place", "adopted", "first_year", "previous_observed", "gap_before", "right_censored"]].values.tolist()
[['乙市', False, <NA>, <NA>, False, True], ['甲市', True, 2023, 2021, True, False]]
"""

from __future__ import annotations

import re
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..corpus import as_corpus
from ..errors import MetadataError
from ..schema import check_by

__all__ = ["adoption", "adoption_curve", "adoption_events"]

_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])|\n")
_UNIT_META = ("province", "level", "rank", "region")


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def _first_sentence(text: str, forms: Sequence[str]) -> str:
    for sentence in _sentences(text):
        compact = "".join(sentence.split())
        if any(f in compact for f in forms):
            return sentence
    return ""


def _observations(corpus: Any, slogans: Any, unit: str, time: str) -> tuple[pd.DataFrame, pd.DataFrame, Any, int]:
    """(doc × slogan counts with unit/time, slogan table, corpus, documents left out)."""
    from ..frequency import load_slogans, slogan_frequency

    corpus = as_corpus(corpus)
    meta = corpus.meta_frame()
    check_by([unit, time], meta.columns)
    table = load_slogans(slogans)
    freq = slogan_frequency(corpus, table)
    keep = freq[unit].notna() & freq[time].notna()
    left_out = int(freq.loc[~keep, "doc_id"].nunique())
    if len(corpus) and not keep.any():
        raise MetadataError(f"adoption needs {unit!r} and {time!r} metadata: none of the {len(corpus)} "
                            "documents has both")
    freq = freq[keep].copy()
    try:
        freq[time] = freq[time].astype("int64")
    except (TypeError, ValueError):
        raise MetadataError(f"time={time!r}: values must be whole numbers (years)") from None
    return freq, table, corpus, left_out


def adoption(corpus_or_texts: Any, slogans: Any = None, *, unit: str = "place", time: str = "year") -> pd.DataFrame:
    """Per unit and slogan: the first observed year of use, with the sentence, and what was observed.

    Parameters
    ----------
    corpus_or_texts : Corpus
        Documents with ``unit`` and ``time`` metadata; documents missing either
        are left out (their number is in ``attrs["n_left_out"]``).
    slogans : anything :func:`textmine.load_slogans` accepts
        None = the shipped list.
    unit, time : str
        Metadata columns naming the unit (``"place"``) and the period (``"year"``).

    Returns
    -------
    DataFrame
        One row per unit × slogan, units sorted, slogans in table order: the unit
        column, its ``province, level, rank`` (and ``region`` if present; from its
        first document), ``slogan, category, adopted, first_year, doc_id,
        sentence, first_observed, last_observed, n_years_observed,
        previous_observed, gap_before, left_censored, right_censored``.
        ``first_year``, ``doc_id``, ``sentence`` are missing for a unit that
        never uses the slogan (``right_censored=True``: censored at
        ``last_observed``). ``previous_observed``: the last observed year before
        ``first_year``; ``gap_before``: some year between the two was not
        observed; ``left_censored``: used in the unit's first observed year.

    Examples
    --------
    >>> adoption(["加快发展新质生产力。"], ["新质生产力"])
    Traceback (most recent call last):
    ...
    textmine.errors.MetadataError: adoption needs 'place' and 'year' metadata: none of the 1 documents has both
    """
    return _adoption(*_observations(corpus_or_texts, slogans, unit, time), unit=unit, time=time)


def _adoption(freq: pd.DataFrame, table: pd.DataFrame, corpus: Any, left_out: int, *, unit: str,
              time: str) -> pd.DataFrame:
    forms = {row.slogan: [row.slogan] + [v for v in str(row.variants).split("|") if v]
             for row in table.itertuples()}
    meta_cols = [c for c in _UNIT_META if c in freq.columns and c != unit]
    docs = freq.drop_duplicates("doc_id")
    units = sorted(docs[unit].unique(), key=str)
    years_of = docs.groupby(unit)[time].apply(lambda s: sorted(set(s))).to_dict()
    first_meta = docs.groupby(unit, sort=False)[meta_cols].first() if meta_cols else None
    used = freq[freq["count"] > 0].sort_values([time], kind="stable")  # corpus order within a year
    first_use = used.groupby([unit, "slogan"], sort=False).head(1).set_index([unit, "slogan"])
    rows = []
    for u in units:
        years = years_of[u]
        for slogan, category in zip(table["slogan"], table["category"]):
            rec: dict[str, Any] = {unit: u}
            if first_meta is not None:
                rec.update(first_meta.loc[u].to_dict())
            rec.update(slogan=slogan, category=category, first_observed=years[0], last_observed=years[-1],
                       n_years_observed=len(years))
            if (u, slogan) in first_use.index:
                hit = first_use.loc[(u, slogan)]
                year = int(hit[time])
                before = [y for y in years if y < year]
                previous = before[-1] if before else None
                rec.update(adopted=True, first_year=year, doc_id=hit["doc_id"],
                           sentence=_first_sentence(corpus[hit["doc_id"]].text, forms[slogan]),
                           previous_observed=previous,
                           gap_before=previous is not None and year - previous > 1,
                           left_censored=previous is None, right_censored=False)
            else:
                rec.update(adopted=False, first_year=None, doc_id=None, sentence=None, previous_observed=None,
                           gap_before=False, left_censored=False, right_censored=True)
            rows.append(rec)
    columns = [unit, *meta_cols, "slogan", "category", "adopted", "first_year", "doc_id", "sentence",
               "first_observed", "last_observed", "n_years_observed", "previous_observed", "gap_before",
               "left_censored", "right_censored"]
    out = pd.DataFrame(rows, columns=columns)
    for col in ("first_year", "previous_observed"):
        out[col] = out[col].astype("Int64")
    out.attrs["n_left_out"] = left_out
    out.attrs["time"] = time
    return out


def adoption_curve(corpus_or_adoption: Any, slogans: Any = None, *, unit: str = "place", time: str = "year",
                   by: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Cumulative share of units that have adopted each slogan, by year (and group).

    For each slogan and each year ``t`` from the first to the last observed year:
    ``n_units`` = units observed at least once by ``t`` (a unit enters the
    denominator when it is first observed, not before), ``n_adopted`` = those
    whose ``first_year <= t``, ``share = n_adopted / n_units``. A unit that never
    uses the slogan stays in the denominator (right-censored); a gap does not
    remove it.

    Parameters
    ----------
    corpus_or_adoption : Corpus or DataFrame
        A corpus, or the table :func:`adoption` returned (then ``slogans``,
        ``unit`` and ``time`` are read from it).
    by : str or list of str, optional
        Unit attributes to split by (``"level"``, ``"province"``, ``"region"``).

    Returns
    -------
    DataFrame
        ``slogan``, the ``by`` columns, ``year, n_units, n_adopted, share``.

    Examples
    --------
    >>> import pandas as pd
    >>> from textmine import Corpus
    >>> df = pd.DataFrame({"doc_id": ["a", "b", "c"], "place": ["甲市", "乙市", "甲市"],
    ...                    "year": [2023, 2023, 2024],
    ...                    "text": ["发展新质生产力。", "推动高质量发展。", "发展新质生产力。"]})
    >>> adoption_curve(Corpus.from_dataframe(df), ["新质生产力"]).values.tolist()
    [['新质生产力', 2023, 2, 1, 0.5], ['新质生产力', 2024, 2, 1, 0.5]]
    """
    if isinstance(corpus_or_adoption, pd.DataFrame):
        table = corpus_or_adoption
        unit = table.columns[0]
    else:
        table = adoption(corpus_or_adoption, slogans, unit=unit, time=time)
    keys = [] if by is None else check_by(by, table.columns)
    if not len(table):
        return pd.DataFrame(columns=["slogan", *keys, "year", "n_units", "n_adopted", "share"])
    years = range(int(table["first_observed"].min()), int(table["last_observed"].max()) + 1)
    rows = []
    order = list(dict.fromkeys(table["slogan"]))
    for (slogan, *group), part in table.groupby(["slogan", *keys], sort=False, dropna=False):
        entered = part["first_observed"].to_numpy()
        first = part["first_year"].astype("float").to_numpy()
        for t in years:
            n_units = int((entered <= t).sum())
            n_adopted = int((first <= t).sum())
            rows.append((slogan, *group, t, n_units, n_adopted, n_adopted / n_units if n_units else np.nan))
    out = pd.DataFrame(rows, columns=["slogan", *keys, "year", "n_units", "n_adopted", "share"])
    out["_o"] = out["slogan"].map({s: i for i, s in enumerate(order)})
    return out.sort_values(["_o", *keys, "year"], kind="stable").drop(columns="_o").reset_index(drop=True)


def adoption_events(corpus_or_texts: Any, slogans: Any = None, *, unit: str = "place",
                    time: str = "year") -> pd.DataFrame:
    """Event-history table: one row per unit × slogan × observed year at risk, with an adopted flag.

    A unit is at risk from its first observed year until the year it is first
    seen using the slogan (that row has ``adopted=1`` and is its last) or its
    last observed year (censored). Only observed years are rows: a gap is not a
    year at risk without adoption. ``start``/``stop`` give the interval each row
    covers -- from the previous observed year (or ``year - 1`` for the first) to
    ``year`` -- so a row after a gap covers several years, and the table can be
    passed as is to ``lifelines.CoxTimeVaryingFitter`` (``id_col`` = the unit
    column plus slogan, ``start_col="start"``, ``stop_col="stop"``,
    ``event_col="adopted"``) or to a discrete-time logit in statsmodels
    (``adopted ~ C(year) + ...``; drop or flag rows with ``gap > 1``).

    Returns
    -------
    DataFrame
        The unit column, ``slogan, year, start, stop, gap, adopted`` and the
        unit's ``province, level, rank`` where present.

    Examples
    --------
    >>> import pandas as pd
    >>> from textmine import Corpus
    >>> df = pd.DataFrame({"doc_id": ["a21", "a23", "a24"], "place": ["甲市"] * 3, "year": [2021, 2023, 2024],
    ...                    "text": ["推动高质量发展。", "推动高质量发展。", "发展新质生产力。"]})
    >>> adoption_events(Corpus.from_dataframe(df), ["新质生产力"])[["year", "start", "stop", "gap", "adopted"]].values.tolist()
    [[2021, 2020, 2021, 1, 0], [2023, 2021, 2023, 2, 0], [2024, 2023, 2024, 1, 1]]
    """
    observed = _observations(corpus_or_texts, slogans, unit, time)
    table = _adoption(*observed, unit=unit, time=time)
    freq = observed[0]
    years_of = freq.drop_duplicates("doc_id").groupby(unit)[time].apply(lambda s: sorted(set(s))).to_dict()
    meta_cols = [c for c in _UNIT_META if c in table.columns]
    rows = []
    for rec in table.to_dict("records"):
        previous = None
        for year in years_of[rec[unit]]:
            adopted = rec["adopted"] and year == rec["first_year"]
            start = year - 1 if previous is None else previous
            rows.append((rec[unit], rec["slogan"], year, start, year, year - start, int(adopted),
                         *[rec[c] for c in meta_cols]))
            if adopted:
                break
            previous = year
    return pd.DataFrame(rows, columns=[unit, "slogan", "year", "start", "stop", "gap", "adopted", *meta_cols])
