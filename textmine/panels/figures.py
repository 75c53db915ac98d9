"""Figures of the panel analyses: one function per figure, the analysis's table in, a Figure out.

Same conventions as :mod:`textmine.plots`: colours per administrative level,
the CJK font, no pyplot, and the rows drawn attached to the figure
(:func:`textmine.plots.figure_data`) so each figure can be saved beside its CSV.

>>> import pandas as pd
>>> rates = pd.DataFrame({"year": [2023, 2024], "level": ["地级市"] * 2, "category": ["ecology"] * 2,
...                       "attention": [0.01, 0.02], "lower": [0.005, 0.01], "upper": [0.02, 0.03], "n_docs": [1, 2]})
>>> fig = attention_by_year_chart(rates)
>>> [ax.get_title() for ax in fig.axes]
['ecology']
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..errors import TextmineError
from ..plots import LEVEL_COLORS, OTHER_COLOR, _attach, _figure, _style
from ..schema import LEVELS

__all__ = ["attention_by_year_chart", "adoption_curve_chart", "echo_chart", "similarity_heatmap",
           "escalation_chart"]

_QUALIFIER_MARKERS = {"at_least": "^", "about": "o", "exact": "s", "at_most": "v", "range": "D"}
_QUALIFIER_WORDS = {"at_least": "以上 (at least)", "about": "左右 (about)", "exact": "exact",
                    "at_most": "以内 (at most)", "range": "range (midpoint)"}
_DASHES = ["-", "--", ":", "-."]
_MARKS = ["o", "s", "^", "D", "v"]
_CYCLE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]


def _require(df: pd.DataFrame, columns: Sequence[str], func: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise TextmineError(f"{func}: the table has no column(s) {', '.join(missing)}")


def _levels_in(values) -> list:
    present = [v for v in pd.unique(values) if not pd.isna(v)]
    return [v for v in LEVELS if v in present] + sorted((v for v in present if v not in LEVELS), key=str)


def attention_by_year_chart(rates: pd.DataFrame, *, categories: Sequence[str] | None = None, by: str = "level",
                            ncols: int = 4, title: str | None = None) -> Figure:
    """Category attention by year, one panel per category, one line per level, with interval bars.

    ``rates`` is the table of :func:`textmine.attention_by_year` (``year,
    category, attention, lower, upper``; ``by`` column optional). Points are
    labelled with the number of documents behind them where that is one.
    """
    _require(rates, ["year", "category", "attention", "lower", "upper"], "attention_by_year_chart")
    data = rates if categories is None else rates[rates["category"].isin(list(categories))]
    cats = list(dict.fromkeys(data["category"])) if categories is None else [c for c in categories
                                                                                if c in set(data["category"])]
    if not cats:
        raise TextmineError("attention_by_year_chart: no category to draw")
    groups = _levels_in(data[by]) if by in data.columns else [None]
    years = sorted(data["year"].unique())
    ncols = min(ncols, len(cats))
    nrows = -(-len(cats) // ncols)
    unit = rates.attrs.get("unit", "tokens")
    ylabel = "share of tokens" if unit == "tokens" else "per 10,000 characters"
    with _style():
        fig = _figure(1.0 + 2.3 * ncols, 0.9 + 1.9 * nrows)
        axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True)
        for ax in axes.flat[len(cats):]:
            ax.set_visible(False)
        for ax, cat in zip(axes.flat, cats):
            part = data[data["category"] == cat]
            for g in groups:
                rows = part if g is None else part[part[by] == g]
                rows = rows.sort_values("year")
                if rows.empty:
                    continue
                color = LEVEL_COLORS.get(g, OTHER_COLOR) if g is not None else _CYCLE[0]
                y = rows["attention"].to_numpy(dtype=float)
                err = np.vstack([y - rows["lower"].to_numpy(dtype=float), rows["upper"].to_numpy(dtype=float) - y])
                ax.errorbar(rows["year"], y, yerr=np.clip(err, 0, None), color=color, marker="o", markersize=4,
                            linewidth=1.2, capsize=2, label=g)
            ax.set_title(cat)
            ax.set_ylim(bottom=0)
            ax.set_xticks(years, [str(y) for y in years])
            ax.grid(axis="y", color="#EEEEEE", linewidth=0.6)
        for ax in axes[:, 0]:
            ax.set_ylabel(ylabel)
        if groups != [None]:
            handles = [Line2D([], [], color=LEVEL_COLORS.get(g, OTHER_COLOR), marker="o", label=g) for g in groups]
            fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), frameon=False)
        n_docs = int(data.drop_duplicates(["year"] + ([by] if by in data.columns else []))["n_docs"].sum()) \
            if "n_docs" in data.columns else None
        note = f"; {n_docs} documents" if n_docs is not None else ""
        fig.suptitle(title or f"Dictionary attention by year and {by} (bars: interval{note})", x=0.01, ha="left")
    return _attach(fig, data.reset_index(drop=True))


def adoption_curve_chart(curve: pd.DataFrame, *, slogans: Sequence[str] | None = None, by: str | None = None,
                         title: str | None = None) -> Figure:
    """Cumulative share of units that have adopted each slogan, by year (steps); one panel per ``by`` group."""
    _require(curve, ["slogan", "year", "share", "n_units"], "adoption_curve_chart")
    data = curve if slogans is None else curve[curve["slogan"].isin(list(slogans))]
    names = list(dict.fromkeys(data["slogan"]))
    if not names:
        raise TextmineError("adoption_curve_chart: no slogan to draw")
    groups = _levels_in(data[by]) if by else [None]
    years = sorted(data["year"].unique())
    with _style():
        fig = _figure(max(4.8, 1.2 + 3.0 * len(groups)), 3.6)
        axes = fig.subplots(1, len(groups), squeeze=False, sharey=True)[0]
        for ax, g in zip(axes, groups):
            part = data if g is None else data[data[by] == g]
            for i, s in enumerate(names):
                rows = part[part["slogan"] == s].sort_values("year")
                ax.step(rows["year"], rows["share"], where="post", color=_CYCLE[i % len(_CYCLE)], linewidth=1.5,
                        linestyle=_DASHES[i % len(_DASHES)], marker=_MARKS[i % len(_MARKS)], markersize=4,
                        label=s)  # dashes and markers keep lines that coincide apart
            n = int(part.groupby("slogan")["n_units"].max().max()) if len(part) else 0
            ax.set_title(f"{g}: {n} units" if g is not None else f"{n} units")
            ax.set_ylim(-0.02, 1.02)
            ax.set_xticks(years, [str(y) for y in years])
            ax.grid(axis="y", color="#EEEEEE", linewidth=0.6)
        axes[0].set_ylabel("share of units that have used it")
        fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=min(4, len(names)),
                   frameon=False)
        fig.suptitle(title or "Slogan diffusion: share of units that have used each slogan\n"
                     "(a unit counts from its first observed year)", x=0.01, ha="left")
    return _attach(fig, data.reset_index(drop=True))


def echo_chart(documents: pd.DataFrame, *, title: str | None = None) -> Figure:
    """Share of each document's sentences that echo its reference, one bar per document with a reference."""
    _require(documents, ["doc_id", "share_echoed", "n_sentences", "n_echoed"], "echo_chart")
    data = documents[documents["n_echoed"].notna()].reset_index(drop=True)
    if data.empty:
        raise TextmineError("echo_chart: no document has a reference document in the corpus")
    data = data.iloc[np.argsort(data["share_echoed"].to_numpy(dtype=float), kind="stable")]
    names = data["place"].fillna(data["doc_id"]) if "place" in data.columns else data["doc_id"]
    if "year" in data.columns:
        names = [f"{n} {int(y)}" if pd.notna(y) else n for n, y in zip(names, data["year"])]
    labels = [_echo_label(n, getattr(r, "reference_doc_ids", None)) for n, r in zip(names, data.itertuples())]
    colors = [LEVEL_COLORS.get(v, OTHER_COLOR) for v in (data["level"] if "level" in data.columns
                                                          else [None] * len(data))]
    with _style():
        fig = _figure(6.5, 1.2 + 0.32 * len(data))
        ax = fig.add_subplot()
        y = np.arange(len(data))
        ax.barh(y, data["share_echoed"].to_numpy(dtype=float), color=colors, height=0.6)
        for yi, r in zip(y, data.itertuples()):
            ax.text(float(r.share_echoed) + 0.005, yi, f"{int(r.n_echoed)} of {int(r.n_sentences)} sentences",
                    va="center", fontsize=7)
        ax.set_yticks(y, labels)
        ax.set_xlim(0, min(1.0, max(0.1, float(data["share_echoed"].max()) * 1.35)))
        ax.set_xlabel("share of the document's sentences echoing the reference")
        ax.tick_params(axis="y", length=0)
        ax.set_title(title or "Echo: share of each document's sentences that\nnear-duplicate a sentence of its reference",
                     loc="left")
    return _attach(fig, data.reset_index(drop=True))


def _echo_label(doc_id: str, refs) -> str:
    if not isinstance(refs, str) or not refs:
        return doc_id
    ids = refs.split("|")
    return f"{doc_id} → {ids[0]}" if len(ids) == 1 else f"{doc_id} → {len(ids)} documents"


def similarity_heatmap(sim: pd.DataFrame, *, labels: dict | None = None, title: str | None = None) -> Figure:
    """Document × document similarity (the square table of :func:`textmine.similarity`), cells annotated."""
    if sim.shape[0] != sim.shape[1] or list(sim.index) != list(sim.columns):
        raise TextmineError("similarity_heatmap: expects the square table similarity() returns")
    names = [labels.get(i, i) if labels else i for i in sim.index]
    values = sim.to_numpy(dtype=float)
    n = len(names)
    with _style():
        fig = _figure(2.5 + 0.55 * n, 2.0 + 0.45 * n)
        ax = fig.add_subplot()
        image = ax.imshow(values, cmap="Blues", vmin=0, vmax=1, interpolation="nearest")
        ax.set_xticks(range(n), names, rotation=60, ha="right")
        ax.set_yticks(range(n), names)
        for i in range(n):
            for j in range(n):
                ax.text(j, i, f"{values[i, j]:.2f}", ha="center", va="center", fontsize=6,
                        color="white" if values[i, j] > 0.6 else "#333333")
        for spine in ax.spines.values():
            spine.set_visible(False)
        fig.colorbar(image, ax=ax, shrink=0.8, label="TF-IDF cosine similarity")
        ax.set_title(title or "Document similarity (TF-IDF cosine)", loc="left")
    long = sim.rename_axis(index="doc_id", columns="other_doc_id").stack().rename("similarity").reset_index()
    return _attach(fig, long)


def escalation_chart(table: pd.DataFrame, *, title: str | None = None) -> Figure:
    """Dumbbell chart: each compared document's growth target next to its parent's, marker = qualifier."""
    _require(table, ["doc_id", "target_value", "parent_target", "gap_pp", "status"], "escalation_chart")
    data = table[table["status"] == "compared"].reset_index(drop=True)
    if data.empty:
        raise TextmineError("escalation_chart: no document could be compared with its parent's target")
    data = data.iloc[np.argsort(data["gap_pp"].to_numpy(dtype=float), kind="stable")].reset_index(drop=True)
    others = table.loc[table["status"] != "compared", "status"].value_counts()
    with _style():
        fig = _figure(6.5, 1.6 + 0.36 * len(data))
        ax = fig.add_subplot()
        y = np.arange(len(data))
        for yi, r in zip(y, data.itertuples()):
            color = LEVEL_COLORS.get(getattr(r, "level", None), OTHER_COLOR)
            ax.plot([r.parent_target, r.target_value], [yi, yi], color="#BBBBBB", linewidth=2, zorder=1)
            ax.scatter([r.parent_target], [yi], marker=_QUALIFIER_MARKERS.get(r.parent_qualifier, "o"),
                       facecolor="white", edgecolor="#555555", s=36, zorder=2)
            ax.scatter([r.target_value], [yi], marker=_QUALIFIER_MARKERS.get(r.qualifier, "o"), color=color, s=40,
                       zorder=3)
            ax.text(max(r.target_value, r.parent_target) + 0.08, yi, f"{r.gap_pp:+.1f} pp", va="center", fontsize=7)
        place = data["place"] if "place" in data.columns else data["doc_id"]
        parent = data["parent_place"] if "parent_place" in data.columns else data["parent_doc_id"]
        ax.set_yticks(y, [f"{p} vs {q} ({int(t)})" for p, q, t in zip(place, parent, data["target_year"])])
        lo = float(np.nanmin(data[["target_value", "parent_target"]].to_numpy())) - 0.5
        hi = float(np.nanmax(data[["target_value", "parent_target"]].to_numpy())) + 0.9
        ax.set_xlim(lo, hi)
        ax.set_ylim(-0.7, len(data) - 0.3)
        ax.set_xlabel("GDP growth target, %  (hollow = parent level, filled = the document)")
        ax.grid(axis="x", color="#EEEEEE", linewidth=0.6)
        used = sorted(set(data["qualifier"].dropna()) | set(data["parent_qualifier"].dropna()))
        handles = [Line2D([], [], marker=_QUALIFIER_MARKERS.get(q, "o"), linestyle="", color="#555555",
                          label=_QUALIFIER_WORDS.get(q, q)) for q in used]
        ax.legend(handles=handles, loc="lower right", frameon=False, fontsize=7)
        note = "; ".join(f"{n} {s}" for s, n in others.items())
        ax.set_title(title or "Target escalation: document vs parent level, same year"
                     + (f"\n(not compared: {note})" if note else ""), loc="left")
    return _attach(fig, data)
