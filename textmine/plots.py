"""Publication figures: one function per figure, a tidy DataFrame in, a matplotlib Figure out.

Every function takes the long table an analysis returns (see :mod:`textmine.frequency`,
:mod:`textmine.keywords`, :mod:`textmine.topics`) and draws it; none computes
anything beyond ordering, labelling and (for group comparisons) a displayed mean.
No function writes files: :func:`save_figure` does that, atomically and reproducibly
(same input, byte-identical PNG).

Chinese labels render with the bundled Noto Sans CJK SC font, registered on import
(:mod:`textmine.fonts`). Colours are fixed per administrative level
(:data:`LEVEL_COLORS`) so every figure of a paper speaks the same language.
Figures are built without pyplot (no global figure state, no GUI backend needed).

>>> import pandas as pd
>>> freq = pd.DataFrame({"doc_id": ["a", "a", "b", "b"], "place": ["甲市", "甲市", "乙区", "乙区"],
...                      "level": ["地级市", "地级市", "县区", "县区"],
...                      "slogan": ["新质生产力", "营商环境"] * 2, "rate": [2.0, 1.0, 0.0, 3.5]})
>>> fig = slogan_heatmap(freq)
>>> [t.get_text() for t in fig.axes[0].get_xticklabels()]
['甲市', '乙区']
"""

from __future__ import annotations

__all__ = ["slogan_heatmap", "slogans_by_place", "slogans_by_group", "place_over_time", "top_terms_grid",
           "keyness_chart", "topic_terms_grid", "topic_prevalence_heatmap", "topic_effects_chart",
           "k_selection_chart", "corpus_overview", "save_figure", "figure_bytes", "figure_data"]

import io
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator, Mapping, Sequence

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from ._io import write_bytes_atomic
from .errors import TextmineError
from .fonts import CJK_FAMILY, register_cjk_font
from .schema import DOCTYPES, LEVELS, RANKS

register_cjk_font()

#: Colour per administrative level (Okabe-Ito palette, colour-blind safe), in schema order.
LEVEL_COLORS: dict[str, str] = {
    "国家": "#CC79A7",
    "省级": "#009E73",
    "地级市": "#0072B2",
    "县级市": "#E69F00",
    "县区": "#D55E00",
}
#: Colour per document type.
DOCTYPE_COLORS: dict[str, str] = {
    "report": "#0072B2",
    "excerpt": "#56B4E9",
    "plan": "#E69F00",
    "news": "#999999",
}
#: Marker per document type (where a figure distinguishes them by shape).
DOCTYPE_MARKERS: dict[str, str] = {"report": "o", "excerpt": "s", "plan": "D", "news": "^"}
#: Colour of anything whose level is unknown.
OTHER_COLOR = "#7F7F7F"
#: Two colours of a keyness chart: distinctive of the target / of the reference.
KEYNESS_COLORS = ("#D55E00", "#0072B2")

RATE_UNIT = "per 10,000 characters"

#: Documents shorter than this (non-whitespace characters) are marked in the rate figures
#: (:func:`slogan_heatmap`, :func:`slogans_by_place`): one mention in 5,000 characters is
#: already 2 per 10,000, so their rates rest on a few mentions (the bundled truncated
#: capture quanzhou_2023_report, 1,824 characters, shows 11.0 per 10,000 from 2 mentions).
SHORT_DOC_CHARS = 5_000

#: rcParams every textmine figure is drawn and saved with. The font family is
#: named explicitly so a later change of the global rcParams cannot lose it.
PLOT_RC: dict[str, object] = {
    "font.family": [CJK_FAMILY, "DejaVu Sans"],
    "axes.unicode_minus": False,
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "figure.titlesize": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": "textmine",
    "svg.fonttype": "path",
    "pdf.fonttype": 42,
}

_META = ("place", "province", "level", "rank", "year", "doctype", "notes")

#: The largest figure drawn, in inches (the text block of a journal page): at 200 dpi at most
#: 1,500 × 1,900 pixels (11 MB of pixels), whatever the size of the corpus.
MAX_FIGSIZE = (7.5, 9.5)
#: Rows (documents or groups) a heatmap or dot plot shows; beyond this, documents are
#: averaged by year, province or level (or the top ones picked), and the title says so.
MAX_ROWS = 60
#: Documents a slogan heatmap shows as columns (annotated cells); more are drawn as rows.
MAX_COLUMNS = 8
#: Documents a dot plot of documents shows (those with the highest values).
MAX_DOTS = 40
#: Panels of a small-multiples grid of documents (the first ones in display order).
MAX_PANELS = 12
#: Documents of one place drawn as separate markers with a legend; more are drawn as lines on a year axis.
MAX_MARKERS = 4


# ---------------------------------------------------------------------------
# saving


def save_figure(fig: Figure, path: str | os.PathLike, *, dpi: int = 200) -> Path:
    """Write ``fig`` to ``path`` atomically; the format follows the suffix (png, pdf, svg).

    Output is reproducible: no timestamps or software versions are embedded, so
    the same figure gives byte-identical files. An interruption leaves no
    half-written file behind.

    >>> import tempfile, os
    >>> fig = Figure(); _ = fig.add_subplot().plot([0, 1])
    >>> save_figure(fig, os.path.join(tempfile.mkdtemp(), "a.png")).suffix
    '.png'
    """
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower()
    if fmt not in _SAVE_METADATA:
        raise TextmineError(f"{path}: cannot save a figure as {fmt!r}; use .png, .pdf or .svg")
    return write_bytes_atomic(path, figure_bytes(fig, fmt, dpi=dpi))


#: Metadata entries blanked per format, so that saved files carry no timestamps or versions.
_SAVE_METADATA: dict[str, dict[str, None]] = {
    "png": {"Software": None}, "pdf": {"Creator": None, "Producer": None, "CreationDate": None},
    "svg": {"Creator": None, "Date": None}}


#: zlib level of the PNG files: 3, the strongest of zlib's fast levels, compresses the report's figures in
#: half the time of Pillow's default (6) into 5% more bytes (23 bundled figures: 0.94 s and 3.46 MB
#: against 1.83 s and 3.29 MB; levels 4-9 take 1.6 s or more). The pixels are the same.
PNG_COMPRESS_LEVEL = 3


def figure_bytes(fig: Figure, fmt: str = "png", *, dpi: int = 200) -> bytes:
    """The file :func:`save_figure` would write, as bytes (``fmt``: png, pdf or svg).

    >>> fig = Figure(); _ = fig.add_subplot().plot([0, 1])
    >>> figure_bytes(fig)[:4] == b"\\x89PNG" and figure_bytes(fig) == figure_bytes(fig)
    True
    """
    if fmt not in _SAVE_METADATA:
        raise TextmineError(f"cannot save a figure as {fmt!r}; use png, pdf or svg")
    buf = io.BytesIO()
    with matplotlib.rc_context(PLOT_RC):
        if fmt == "png":
            _write_png(fig, buf, dpi)
        else:
            fig.savefig(buf, format=fmt, dpi=dpi, metadata=_SAVE_METADATA[fmt], facecolor="white")
    return buf.getvalue()


def _write_png(fig: Figure, buf: io.BytesIO, dpi: int) -> None:
    """``fig.savefig(buf, format="png", dpi=dpi, facecolor="white")`` with the figure drawn once, not twice.

    With a layout engine, ``savefig`` draws the figure twice: once with drawing disabled
    (to run the layout at the saving dpi) and once for the pixels. Here the layout runs
    alone (:meth:`LayoutEngine.execute` with the Agg renderer of the saving dpi, as in
    that first draw), then one draw renders the pixels: the same layout and pixels.
    An opaque image (all of textmine's: the background is white) is written as RGB,
    without the alpha channel: the same pixels, ~10% fewer bytes, ~30% less time compressing.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    canvas, dpi0, facecolor, engine = fig.canvas, fig.dpi, fig.get_facecolor(), fig.get_layout_engine()
    skipped: list = []
    try:
        agg = FigureCanvasAgg(fig)  # the figure's canvas until restored below
        skipped = _skip_empty_label_positions(fig)
        fig.dpi = dpi
        fig.set_facecolor("white")
        if engine is not None and fig.axes:
            try:
                engine.execute(fig)
            except ValueError:  # as Figure.draw: a figure too small for its layout is drawn as it is
                pass
            fig.set_layout_engine("none")
        agg.draw()
        rgba = np.asarray(agg.buffer_rgba())
        image = Image.frombuffer("RGBA", (rgba.shape[1], rgba.shape[0]), np.require(rgba, requirements="C"),
                                 "raw", "RGBA", 0, 1)
        if (rgba[..., 3] == 255).all():  # opaque (the white background): the same pixels in 3 bytes, not 4
            image = image.convert("RGB")
        image.save(buf, format="png", dpi=(dpi, dpi), compress_level=PNG_COMPRESS_LEVEL)
    finally:
        for obj, name, value in skipped:
            setattr(obj, name, value)
        if engine is not None and fig.get_layout_engine() is not engine:
            fig.set_layout_engine(engine)
        fig.set_facecolor(facecolor)
        fig.dpi = dpi0
        canvas.figure = fig
        fig.set_canvas(canvas)


def _skip_empty_label_positions(fig: Figure) -> list:
    """Axes of ``fig`` stop placing an empty axis label, or a title that stays put; returns what to undo.

    Matplotlib places an axis label beside its tick labels each time it lays out or
    draws the axis, measuring every tick label again, even when the label is empty
    and draws nothing (and an empty label takes no room in the layout): in a grid of
    12 panels, most of the text measuring of a save. These are matplotlib's private
    attributes: where a release has others, nothing is skipped (the same pixels, drawn slower).
    """
    skipped: list = []
    try:
        _skip_positions(fig, skipped)
    except (AttributeError, KeyError, TypeError):  # another matplotlib's internals: place everything
        for obj, name, value in reversed(skipped):
            setattr(obj, name, value)
        return []
    return skipped


def _skip_positions(fig: Figure, skipped: list) -> None:
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if getattr(axis, "_autolabelpos", False) and not axis.label.get_text():
                axis._autolabelpos = False
                skipped.append((axis, "_autolabelpos", True))
        if _title_stays_put(ax):
            skipped.append((ax, "_autotitlepos", ax._autotitlepos))
            ax._autotitlepos = False


def _title_stays_put(ax) -> bool:
    """Whether matplotlib's automatic title placement would leave ``ax``'s title where it is.

    It lifts a title above tick labels or an axis label at the top of the axes, above
    the axes of twins and of aligned titles, and above a y axis offset text
    (e.g. ``1e6``); it measures every tick label to find out, at each layout and draw.
    With the x ticks and label at the bottom, no twin, child or aligned axes and a y
    axis whose formatter writes no offset, the title stays at the top of the axes.
    """
    if getattr(ax, "_autotitlepos", False) is False or ax.child_axes:
        return False
    if ax.xaxis.get_ticks_position() != "bottom" or ax.xaxis.get_label_position() != "bottom":
        return False
    fig = ax.get_figure(root=False)
    if len(ax._twinned_axes.get_siblings(ax)) > 1 or len(fig._align_label_groups["title"].get_siblings(ax)) > 1:
        return False
    formatter = ax.yaxis.get_major_formatter()
    if isinstance(formatter, matplotlib.ticker.FuncFormatter):
        return not formatter.offset_string
    return type(formatter).get_offset is matplotlib.ticker.Formatter.get_offset  # an offset-free formatter


def figure_data(fig: Figure) -> pd.DataFrame:
    """The table a textmine figure draws: its rows, in display order (write it beside the figure).

    >>> freq = pd.DataFrame({"doc_id": ["a", "b"], "slogan": ["营商环境"] * 2, "rate": [1.0, 0.0]})
    >>> figure_data(slogan_heatmap(freq))[["doc_id", "rate"]].values.tolist()
    [['a', 1.0], ['b', 0.0]]
    """
    data = getattr(fig, "textmine_data", None)
    if data is None:
        raise TextmineError("this figure was not drawn by textmine.plots: it carries no data table")
    return data.copy()


# ---------------------------------------------------------------------------
# slogans


def slogan_heatmap(freq: pd.DataFrame, *, value: str = "rate", slogans: Sequence[str] | None = None,
                   top: int | None = 30, drop_empty: bool = True, annotate: bool = True,
                   title: str | None = None, short_chars: int | None = SHORT_DOC_CHARS) -> Figure:
    """Slogan × document heatmap of mentions per 10,000 characters, cells annotated.

    ``freq`` is the per-document table of ``slogan_frequency`` (``doc_id``, metadata,
    ``slogan``, ``rate``; ``category`` if present groups the slogans). Documents are
    ordered by level, rank and place; slogans by category and mean rate.
    ``drop_empty`` leaves out slogans no document mentions; ``top`` keeps the slogans
    with the highest mean rate (None: all).

    The figure fits a journal page (:data:`MAX_FIGSIZE`) whatever the corpus size: up to
    :data:`MAX_COLUMNS` documents run left to right with every cell annotated; up to
    :data:`MAX_ROWS` documents run top to bottom (slogans across, at most 20); more
    documents are averaged by year (several years), else by province, else by level
    (each row then shows the mean rate of its documents and their number), and if that
    still leaves too many rows the first :data:`MAX_ROWS` are drawn. The title says which.

    Short documents (``n_chars`` below ``short_chars``, default :data:`SHORT_DOC_CHARS`;
    None: no treatment) are hatched and the colour scale is set by the other documents,
    so a rate resting on one or two mentions in a short capture does not set the colours
    of every full report: a short document's cell above the scale takes its top colour
    and keeps its number. The table behind the figure gains ``short_doc``.
    """
    _require(freq, ["slogan", value], "slogan_heatmap")
    key = _doc_key(freq)
    data = freq if slogans is None else freq[freq["slogan"].isin(list(slogans))]
    table = data.pivot_table(index="slogan", columns=key, values=value, aggfunc="sum", fill_value=0.0)
    if drop_empty:
        table = table[table.sum(axis=1) > 0]
    if table.empty:
        raise TextmineError("slogan_heatmap: no slogan is mentioned in any document; nothing to plot")
    meta = _docs_meta(data, key)
    n_docs = table.shape[1]
    notes: list[str] = []
    if n_docs <= MAX_ROWS:
        cols = [c for c in _order_docs(meta) if c in table.columns]
        labels = _doc_labels(meta, sep="\n" if n_docs <= MAX_COLUMNS else " ")
        if "n_chars" in data.columns and n_docs <= MAX_COLUMNS:
            sizes = data.groupby(key)["n_chars"].first()
            labels = {k: f"{v}\n{sizes[k] / 1000:.1f}k" for k, v in labels.items()}
            notes.append("k = document length in thousand characters")
        unit_key, group_sizes = key, None
    else:  # too many documents for one page: average them by a metadata column
        unit_key, group_sizes, table, cols, labels, how = _average_by_group(data, meta, key, table)
        notes.append(how)
    n_candidates = len(table)
    max_slogans = 20 if len(cols) > MAX_COLUMNS else (top or len(table))
    keep = min(top or len(table), max_slogans)
    if len(table) > keep:
        table = table.loc[table.mean(axis=1).sort_values(ascending=False, kind="stable").index[:keep]]
    rows, categories = _order_slogans(data, table)
    table = table.loc[rows, cols]
    if group_sizes is None:
        shown = _rows_in_order(data, {"slogan": rows, key: cols})
    else:
        long = table.stack().rename(value).reset_index()
        long.columns = ["slogan", unit_key, value]
        shown = long.assign(n_docs=long[unit_key].map(group_sizes))[[unit_key, "n_docs", "slogan", value]]
        shown = _rows_in_order(shown, {unit_key: cols, "slogan": rows})
    n_rows, n_cols = table.shape
    what = (f"top {n_rows} of {n_candidates} slogans by mean rate" if n_rows < n_candidates
            else f"{n_rows} slogans{' mentioned' if drop_empty else ''}")
    notes.insert(0, what)
    transposed = n_cols > MAX_COLUMNS
    values = table.to_numpy(dtype=float)
    short = _short_docs(data, key, short_chars) if group_sizes is None else set()
    short_idx = [j for j, c in enumerate(cols) if c in short]
    if group_sizes is None and "n_chars" in data.columns:
        shown["short_doc"] = shown[key].isin(short)
    full_idx = [j for j in range(n_cols) if j not in short_idx]
    vmax = float(values[:, full_idx].max()) if full_idx else 0.0
    vmax = vmax if vmax > 0 else float(values.max())
    if short_idx:
        notes.append(f"hatched = under {short_chars / 1000:g}k characters, a rate resting on a few mentions: "
                     "the colour scale is set by the other documents")
    with _style():
        if transposed:  # documents (or groups) top to bottom, slogans across
            values = values.T
            row_h = min(0.27, (MAX_FIGSIZE[1] - 2.6) / n_cols)
            label_w = min(2.2, 0.4 + 0.075 * max(len(labels[c]) for c in cols))
            fig = _figure(min(MAX_FIGSIZE[0], label_w + 1.4 + 0.27 * n_rows), 2.6 + row_h * n_cols)
            ax = fig.add_subplot()
            image = ax.imshow(values, cmap="YlOrRd", aspect="auto", vmin=0, vmax=vmax, interpolation="nearest")
            for j in short_idx:
                ax.add_patch(Rectangle((-0.5, j - 0.5), n_rows, 1, fill=False, hatch="///", edgecolor="#BBBBBB",
                                       linewidth=0))
            ax.set_yticks(range(n_cols), [labels[c] for c in cols])
            ax.set_xticks(range(n_rows), [_wrap(str(v), 8) for v in table.index], rotation=90)
            ax.tick_params(axis="x", top=True, bottom=False, labeltop=True, labelbottom=False, length=0,
                           labelsize=7 if n_rows > 12 else 8)
            ax.tick_params(axis="y", length=0, labelsize=max(5.5, min(8, row_h * 30)))
            for _, start, _ in categories:
                if start > 0:
                    ax.axvline(start - 0.5, color="white", linewidth=2)
            cell_ok = row_h >= 0.2 and n_rows <= 20
        else:
            longest_category = max((len(line) for c, _, _ in categories for line in _wrap(c, 22).split("\n")),
                                   default=0)
            fig = _figure(2.2 + 0.6 * n_cols + (0.35 + 0.055 * min(longest_category, 24) if categories else 0),
                          1.5 + 0.27 * n_rows)
            ax = fig.add_subplot()
            image = ax.imshow(values, cmap="YlOrRd", aspect="auto", vmin=0, vmax=vmax, interpolation="nearest")
            for j in short_idx:
                ax.add_patch(Rectangle((j - 0.5, -0.5), 1, n_rows, fill=False, hatch="///", edgecolor="#BBBBBB",
                                       linewidth=0))
            ax.set_xticks(range(n_cols), [labels[c] for c in cols])
            ax.set_yticks(range(n_rows), list(table.index))
            ax.tick_params(axis="x", top=True, bottom=False, labeltop=True, labelbottom=False, length=0)
            ax.tick_params(axis="y", length=0)
            if categories:
                _mark_categories(ax, categories, n_cols)
            cell_ok = True
        for spine in ax.spines.values():
            spine.set_visible(False)
        if annotate and cell_ok:
            _annotate_cells(ax, values, fmt="{:.1f}", zero="·", cmap_max=vmax)
            notes.insert(1, "dot = not mentioned")
        bar = fig.colorbar(image, ax=ax, shrink=0.6 if (transposed or n_rows > 8) else 1.0, aspect=25, pad=0.02,
                           extend="max" if values.max() > vmax else "neither")
        bar.set_label(f"{'mean ' if group_sizes is not None else ''}mentions {RATE_UNIT}" if value == "rate"
                      else value)
        heading = title or f"Slogan mentions {RATE_UNIT}, by {'document' if group_sizes is None else unit_key}"
        ax.set_title(f"{heading}\n({_wrap_line('; '.join(notes), 95)})", loc="left", pad=10, fontsize=9)
    fig.textmine_note = "; ".join(notes)
    return _attach(fig, shown)


def _average_by_group(data: pd.DataFrame, meta: pd.DataFrame, key: str, table: pd.DataFrame):
    """Documents averaged by year, province or level: (column, sizes, table, order, labels, note).

    ``table`` is slogan × document; the result is slogan × group with the mean rate
    of the group's documents (each document counts once, whatever its length).
    """
    n_docs = table.shape[1]
    column = None
    for candidate in ("year", "province", "level"):
        if candidate in meta.columns and 1 < meta[candidate].nunique() <= MAX_ROWS:
            column = candidate
            break
    if column is None:  # one year, one province, one level: the documents with the highest mean rate
        best = table.mean(axis=0).sort_values(ascending=False, kind="stable").index[:MAX_ROWS]
        order = [c for c in _order_docs(meta) if c in set(best)]
        labels = _doc_labels(meta)
        sizes = pd.Series(1, index=order)
        return key, sizes, table[order], order, labels, \
            f"the {len(order)} of {n_docs:,} documents with the highest mean rate (all in the CSV of slogan counts)"
    groups = meta[column].reindex(table.columns)
    averaged = table.T.groupby(groups.to_numpy()).mean().T
    sizes = groups.value_counts()
    order = _vocab_order(averaged.columns, _vocab_for(column)) if column != "year" else sorted(averaged.columns)
    note = f"each row is the mean over the documents of one {column}: {n_docs:,} documents in {len(order)} rows"
    if len(order) > MAX_ROWS:
        note += f", the first {MAX_ROWS} shown"
        order = order[:MAX_ROWS]
    labels = {g: f"{int(g) if column == 'year' else g} (n = {int(sizes[g]):,})" for g in order}
    return column, sizes, averaged[order], order, labels, note


def slogans_by_place(freq: pd.DataFrame, slogans: Sequence[str] = ("新质生产力", "民营经济", "营商环境"), *,
                     title: str | None = None, short_chars: int | None = SHORT_DOC_CHARS) -> Figure:
    """Dot plot: selected slogans (one panel each) per document, coloured by administrative level.

    Documents are sorted by their summed rate over the chosen slogans; each
    panel has its own x scale starting at zero. Of more than :data:`MAX_DOTS`
    documents, those with the highest summed rate are drawn (the title says how many of how many).
    A short document (``n_chars`` below ``short_chars``) is drawn hollow and labelled
    "short": its rate rests on a few mentions (one mention in 5,000 characters is
    already 2 per 10,000). The table behind the figure gains ``short_doc``.
    """
    _require(freq, ["slogan", "rate"], "slogans_by_place")
    slogans = _check_slogans(freq, slogans, "slogans_by_place")
    key = _doc_key(freq)
    data = freq[freq["slogan"].isin(slogans)]
    wide = data.pivot_table(index=key, columns="slogan", values="rate", aggfunc="sum", fill_value=0.0)
    wide = wide.reindex(columns=slogans, fill_value=0.0)
    meta = _docs_meta(data, key)
    order = list(wide.sum(axis=1).sort_values(kind="stable").index)  # largest at the top
    note = ""
    if len(order) > MAX_DOTS:
        note = f"\nthe {MAX_DOTS} of {len(order):,} documents with the highest summed rate"
        order = order[-MAX_DOTS:]
    labels = _doc_labels(meta)
    short = _short_docs(data, key, short_chars)
    labels = {k: f"{v} (short)" if k in short else v for k, v in labels.items()}
    colors = _level_colors(meta)
    y = np.arange(len(order))

    with _style():
        fig = _figure(1.6 + 2.0 * len(slogans), 1.3 + min(0.28, 8.0 / len(order)) * len(order))
        axes = fig.subplots(1, len(slogans), sharey=True, squeeze=False)[0]
        for ax, slogan in zip(axes, slogans):
            x = wide.loc[order, slogan].to_numpy(dtype=float)
            c = [colors[k] for k in order]
            ax.hlines(y, 0, x, color="#CCCCCC", linewidth=1, zorder=1)
            full = np.array([k not in short for k in order], dtype=bool)
            ax.scatter(x[full], y[full], c=[c[i] for i in np.flatnonzero(full)], s=36, zorder=2,
                       edgecolors="white", linewidths=0.5, clip_on=False)
            if (~full).any():
                ax.scatter(x[~full], y[~full], facecolors="white", edgecolors=[c[i] for i in np.flatnonzero(~full)],
                           s=32, zorder=2, linewidths=1.4, clip_on=False)
            ax.set_title(slogan)
            ax.set_xlim(-0.025 * max(x.max(), 0.1), max(x.max() * 1.12, 0.1))
            ax.set_xlabel(RATE_UNIT)
            ax.grid(axis="x", color="#EEEEEE", linewidth=0.6)
            ax.set_axisbelow(True)
            ax.tick_params(axis="y", length=0)
        axes[0].set_yticks(y, [labels[k] for k in order])
        axes[0].set_ylim(-0.6, len(order) - 0.4)
        hollow = [Line2D([], [], marker="o", linestyle="", markersize=5.5, markerfacecolor="white",
                         markeredgecolor="#777777", markeredgewidth=1.4,
                         label=f"hollow: under {short_chars / 1000:g}k characters")] if short & set(order) else []
        _level_legend(fig, meta, extra=hollow)
        if len(order) > 30:
            axes[0].tick_params(axis="y", labelsize=6.5)
        fig.suptitle((title or f"Key slogans by document ({RATE_UNIT}), coloured by administrative level") + note,
                     x=0.01, ha="left")
    fig.textmine_note = note.strip()
    shown = _rows_in_order(data, {"slogan": slogans, key: order[::-1]})
    if "n_chars" in data.columns:
        shown["short_doc"] = shown[key].isin(short)
    return _attach(fig, shown)


def slogans_by_group(freq: pd.DataFrame, slogans: Sequence[str] = ("新质生产力", "民营经济", "营商环境"), *,
                     group: str = "rank", title: str | None = None) -> Figure:
    """Compare groups (``rank`` or ``level``) honestly: every document as a point, the group mean as a line.

    Tick labels give the number of documents per group, so a "group" of one
    document is visibly a single document. Point colour = administrative level,
    point shape = document type. The table behind the figure (:func:`figure_data`)
    adds ``group_n_docs`` and ``group_mean_rate`` (mean of the documents' rates).
    """
    _require(freq, ["slogan", "rate", group], "slogans_by_group")
    slogans = _check_slogans(freq, slogans, "slogans_by_group")
    key = _doc_key(freq)
    data = freq[freq["slogan"].isin(slogans)]
    meta = _docs_meta(data, key)
    if group not in meta.columns:
        meta[group] = data.groupby(key)[group].first()
    # a document may belong to several groups: its rows repeated with another group value
    # (textmine.schema.rank_groups: a 副省级城市 that is also a 省会 is in both rank groups)
    member = data[[key, group]].dropna().drop_duplicates()
    groups = _vocab_order(member[group].unique(), _vocab_for(group))
    if not groups:
        raise TextmineError(f"slogans_by_group: column {group!r} has no values; nothing to compare")
    wide = data.drop_duplicates([key, "slogan"]).pivot_table(index=key, columns="slogan", values="rate",
                                                             aggfunc="sum", fill_value=0.0)
    counts = member[group].value_counts()
    ticks = [f"{g}\nn = {int(counts.get(g, 0))}" for g in groups]
    colors = _level_colors(meta)
    doctypes = meta["doctype"] if "doctype" in meta.columns else pd.Series(None, index=meta.index, dtype=object)
    present_types = _vocab_order(doctypes.dropna().unique(), tuple(DOCTYPES))
    marker_of = {d: DOCTYPE_MARKERS.get(d, "o") for d in present_types}

    with _style():
        fig = _figure(1.2 + max(1.9, 0.75 * len(groups)) * len(slogans), 3.7)
        axes = fig.subplots(1, len(slogans), squeeze=False)[0]
        for ax, slogan in zip(axes, slogans):
            for i, g in enumerate(groups):
                members = [k for k in member.loc[member[group] == g, key] if k in wide.index]
                if not members:
                    continue
                vals = wide.loc[members, slogan].to_numpy(dtype=float)
                ax.hlines(vals.mean(), i - 0.32, i + 0.32, color="#333333", linewidth=1.6, zorder=2)
                xs = i + (_jitter(len(vals)) if len(vals) > 50 else _spread(vals))
                shapes_of = np.array([marker_of.get(doctypes.get(k), "o") for k in members])
                many = len(members) > 50  # smaller, see-through points: thousands of documents stay readable
                for shape in dict.fromkeys(shapes_of):  # one scatter per point shape, not per document
                    sel = shapes_of == shape
                    ax.scatter(xs[sel], vals[sel], c=[colors[k] for k, on in zip(members, sel) if on], marker=shape,
                               s=8 if many else 28, alpha=0.5 if many else 1.0, zorder=3, clip_on=False,
                               edgecolors="none" if many else "white", linewidths=0 if many else 0.5)
            ax.set_xticks(range(len(groups)), ticks)
            ax.set_xlim(-0.6, len(groups) - 0.4)
            ax.set_title(slogan)
            ax.set_ylim(bottom=0)
            ax.grid(axis="y", color="#EEEEEE", linewidth=0.6)
            ax.set_axisbelow(True)
        axes[0].set_ylabel(f"mentions {RATE_UNIT}")
        handles = [Line2D([], [], color="#333333", linewidth=1.6, label="group mean")]
        shapes = []
        if len(present_types) > 1:
            shapes = [Line2D([], [], marker=marker_of[d], linestyle="", color="#777777", markersize=5.5,
                             markeredgecolor="white", label=d) for d in present_types]
        _level_legend(fig, meta, extra=handles, sections=[("type:", shapes)])
        years = meta["year"].dropna().unique() if "year" in meta.columns else []
        which = f"{int(years[0])} documents" if len(years) == 1 else "documents"
        fig.suptitle(title or f"Key slogans by {group}, {which} ({RATE_UNIT}):\npoints = documents, "
                     "line = group mean, n = documents per group", x=0.01, ha="left")
    shown = _rows_in_order(data, {"slogan": slogans})
    stats = shown.groupby([group, "slogan"])["rate"].agg(["size", "mean"])
    pairs = pd.MultiIndex.from_arrays([shown[group], shown["slogan"]])
    shown["group_n_docs"] = stats["size"].reindex(pairs).to_numpy()
    shown["group_mean_rate"] = stats["mean"].reindex(pairs).to_numpy()
    return _attach(fig, shown)


def place_over_time(freq: pd.DataFrame, place: str, *, slogans: Sequence[str] | None = None, top: int = 12,
                    title: str | None = None, short_chars: int | None = SHORT_DOC_CHARS) -> Figure:
    """One place's documents across years: slogan rates as a dot plot, one marker per document.

    With more than :data:`MAX_MARKERS` documents (a long series of yearly reports) the
    figure is small multiples instead: one panel per slogan (the 8 most mentioned), the
    rate as a line on a year axis (the mean where a year has several documents), no legend.

    The legend names each document's year and type (and flags truncated ones
    from ``notes``), and the subtitle warns when the documents are of different
    types, because then differences mix change over time with document type.
    ``top`` keeps the slogans mentioned most often in the place's documents (by
    total ``count`` when the table has it, else by the highest rate). A document
    shorter than ``short_chars`` (see :data:`SHORT_DOC_CHARS`) is drawn hollow and
    its legend entry says "short".
    """
    _require(freq, ["slogan", "rate", "place"], "place_over_time")
    data = freq[freq["place"] == place]
    if data.empty:
        places = ", ".join(map(str, pd.unique(freq["place"].dropna())))
        raise TextmineError(f"place_over_time: no documents for place {place!r} (places: {places})")
    key = _doc_key(data)
    wide = data.pivot_table(index="slogan", columns=key, values="rate", aggfunc="sum", fill_value=0.0)
    if slogans is not None:
        wide = wide.reindex(list(slogans), fill_value=0.0)
    else:
        wide = wide[wide.max(axis=1) > 0]
        # most mentioned first (total count across the place's documents, then highest rate): a single
        # mention in a short document makes a high rate, not a salient slogan
        total = data.groupby("slogan")["count"].sum().reindex(wide.index) if "count" in data.columns \
            else wide.max(axis=1)
        ranking = pd.DataFrame({"total": total, "peak": wide.max(axis=1)})
        wide = wide.loc[ranking.sort_values(["total", "peak"], ascending=False, kind="stable").index[:top]]
    if wide.empty:
        raise TextmineError(f"place_over_time: no slogan is mentioned in the documents of {place!r}")
    meta = _docs_meta(data, key)
    docs = list(meta.sort_values(["year", "doctype"], na_position="last", kind="stable").index) \
        if "year" in meta.columns else list(meta.index)
    if len(docs) > MAX_MARKERS and "year" in meta.columns and meta["year"].notna().all():
        return _place_lines(data, key, meta, docs, wide.index[:8], place, title)
    wide = wide.loc[wide.max(axis=1).sort_values(kind="stable").index]  # largest at the top
    markers = ["o", "s", "D", "^", "v", "P", "X"]
    palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
    y = np.arange(len(wide))
    offsets = _spread(np.arange(len(docs), dtype=float)[::-1], width=min(0.3, 0.12 * (len(docs) - 1)))
    doctypes = meta["doctype"].dropna().unique() if "doctype" in meta.columns else []
    sizes = data.groupby(key)["n_chars"].first() if "n_chars" in data.columns else None

    with _style():
        fig = _figure(6.8, 1.9 + 0.36 * len(wide))
        ax = fig.add_subplot()
        ax.hlines(y, 0, wide.max(axis=1).to_numpy(dtype=float), color="#E2E2E2", linewidth=1, zorder=1)
        for i, doc in enumerate(docs):
            label = _time_label(meta.loc[doc])
            short = sizes is not None and short_chars is not None and sizes[doc] < short_chars
            if sizes is not None:
                label += f", {int(sizes[doc]):,} characters" + (" (short: hollow)" if short else "")
            colour = palette[i % len(palette)]
            ax.scatter(wide[doc].to_numpy(dtype=float), y + offsets[i], marker=markers[i % len(markers)], s=30,
                       facecolors="white" if short else colour, label=label, zorder=3,
                       edgecolors=colour if short else "white", linewidths=1.3 if short else 0.5, clip_on=False)
        ax.set_yticks(y, list(wide.index))
        ax.tick_params(axis="y", length=0)
        ax.set_xlim(left=-0.02 * max(float(wide.to_numpy().max()), 0.1))
        ax.set_ylim(-0.6, len(wide) - 0.4)
        ax.grid(axis="x", color="#EEEEEE", linewidth=0.6)
        ax.set_axisbelow(True)
        ax.set_xlabel(f"mentions {RATE_UNIT}")
        handles, labels = ax.get_legend_handles_labels()
        one_row = len(docs) <= 3 and sum(len(t) for t in labels) <= 90   # else one entry a line: never cut off
        fig.legend(handles, labels, loc="outside lower center", ncols=len(docs) if one_row else 1,
                   frameon=False)
        heading = title or f"{place}: slogan mentions {RATE_UNIT}, by document and year"
        if len(doctypes) > 1:
            heading += "\nDocuments differ in type: differences mix change over time with document type"
        ax.set_title(heading, loc="left")
    return _attach(fig, _rows_in_order(data, {"slogan": list(wide.index[::-1]), key: docs}))


def _place_lines(data: pd.DataFrame, key: str, meta: pd.DataFrame, docs: list, slogans: Sequence[str],
                 place: str, title: str | None) -> Figure:
    """Small multiples of one place's slogan rates over the years (see :func:`place_over_time`)."""
    slogans = list(slogans)
    shown = data[data["slogan"].isin(slogans)]
    years = meta["year"].astype(int)
    per_year = shown.assign(_year=shown[key].map(years)).groupby(["slogan", "_year"])["rate"].mean()
    n_per_year = years.value_counts()
    ncols = 2 if len(slogans) > 1 else 1
    nrows = -(-len(slogans) // ncols)
    doctypes = meta["doctype"].dropna().unique() if "doctype" in meta.columns else []
    with _style():
        fig = _figure(7.2, 0.9 + 1.45 * nrows)
        axes = fig.subplots(nrows, ncols, sharex=True, squeeze=False).ravel()
        for ax, slogan in zip(axes, slogans):
            series = per_year.loc[slogan] if slogan in per_year.index.get_level_values(0) else pd.Series(dtype=float)
            ax.plot(series.index.to_numpy(), series.to_numpy(dtype=float), color="#0072B2", linewidth=1.2,
                    marker="o", markersize=2.5)
            ax.set_title(slogan, loc="left", fontsize=9)
            ax.set_ylim(bottom=0)
            ax.grid(axis="y", color="#EEEEEE", linewidth=0.6)
            ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(8, integer=True))
        for ax in axes[len(slogans):]:
            ax.set_visible(False)
        fig.supylabel(f"mentions {RATE_UNIT}", fontsize=8)
        notes = [f"{len(docs)} documents, {years.min()}–{years.max()}"]
        if (n_per_year > 1).any():
            notes.append("mean of the documents where a year has several")
        if len(doctypes) > 1:
            notes.append("documents differ in type: changes mix time with document type")
        fig.suptitle((title or f"{place}: slogan mentions {RATE_UNIT} by year, the {len(slogans)} most mentioned "
                      "slogans") + f"\n({'; '.join(notes)})", x=0.01, ha="left", fontsize=10)
    fig.textmine_note = "; ".join(notes)
    return _attach(fig, _rows_in_order(data, {"slogan": slogans, key: docs}))


# ---------------------------------------------------------------------------
# keywords


def top_terms_grid(terms: pd.DataFrame, *, n: int = 10, value: str = "tfidf", ncols: int = 4,
                   title: str | None = None) -> Figure:
    """Small multiples: the top ``n`` terms of each document (or group) as horizontal bars.

    ``terms`` is the table of ``top_terms`` (a ``doc_id`` or ``place`` column, ``term``,
    ``tfidf``, ``term_rank``; ``rank`` is the metadata column, not the term's position).
    Bars are coloured by the document's administrative level. Of more than
    :data:`MAX_PANELS` documents the first ones (by level, rank, place) are drawn, and the
    title says so: pass a table per group (``top_terms(..., by="province")``) for large corpora.
    """
    _require(terms, ["term", value], "top_terms_grid")
    key = _doc_key(terms)
    meta = _docs_meta(terms, key)
    order = _order_docs(meta)
    note = ""
    if len(order) > MAX_PANELS:
        note = f" — the first {MAX_PANELS} of {len(order):,} documents"
        order = order[:MAX_PANELS]
    labels = _doc_labels(meta)
    colors = _level_colors(meta)
    ncols = max(1, min(ncols, len(order)))
    nrows = -(-len(order) // ncols)
    shown = []

    with _style():
        fig = _figure(1.9 * ncols + 0.4, 0.45 + (0.23 * n + 0.55) * nrows)
        axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
        for ax, doc in zip(axes, order):
            part = terms[terms[key] == doc]
            part = part.sort_values("term_rank" if "term_rank" in part.columns else value,
                                    ascending="term_rank" in part.columns, kind="stable").head(n)
            shown.append(part)
            vals = part[value].to_numpy(dtype=float)[::-1]
            ax.barh(np.arange(len(vals)), vals, color=colors[doc], height=0.72)
            ax.set_yticks(np.arange(len(vals)), list(part["term"])[::-1])
            ax.set_ylim(-0.6, n - 0.4)
            ax.set_title(labels[doc], fontsize=9)
            ax.tick_params(axis="y", length=0)
            ax.tick_params(axis="x", labelsize=6.5)
            ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(2))
        for ax in axes[len(order):]:
            ax.set_visible(False)
        _level_legend(fig, meta, marker="s")
        fig.suptitle((title or f"Top {n} terms per document by TF-IDF (bar colour = administrative level)") + note,
                     x=0.01, ha="left")
    fig.textmine_note = note.strip(" —")
    return _attach(fig, pd.concat(shown))


def keyness_chart(kn: pd.DataFrame, *, n: int = 15, target_label: str = "target",
                  reference_label: str = "reference", title: str | None = None) -> Figure:
    """Distinctive terms of a target group against a reference: signed G² as diverging bars.

    ``kn`` is the table of ``keyness`` (``feature``, ``g2``; the sign comes from ``g2``
    if it is already signed, otherwise from ``effect`` or the counts). The ``n``
    most distinctive terms on each side are shown; dotted lines mark G² = 3.84
    (p = 0.05, one degree of freedom).
    """
    term_col = "feature" if "feature" in kn.columns else "term"
    _require(kn, [term_col, "g2"], "keyness_chart")
    signed = _signed_g2(kn)
    table = pd.DataFrame({"term": kn[term_col].astype(str).to_numpy(), "g2": signed}, index=kn.index)
    pos = table[table["g2"] > 0].sort_values("g2", ascending=False, kind="stable").head(n)
    neg = table[table["g2"] < 0].sort_values("g2", kind="stable").head(n)
    shown = pd.concat([neg, pos.iloc[::-1]])  # bottom to top: reference side, then target side
    if shown.empty:
        raise TextmineError("keyness_chart: no term is more frequent on either side; nothing to plot")
    y = np.arange(len(shown))
    colors = [KEYNESS_COLORS[0] if v > 0 else KEYNESS_COLORS[1] for v in shown["g2"]]

    with _style():
        fig = _figure(6.4, 1.5 + 0.22 * len(shown))
        ax = fig.add_subplot()
        ax.barh(y, shown["g2"].to_numpy(dtype=float), color=colors, height=0.72)
        ax.set_yticks(y, list(shown["term"]))
        ax.tick_params(axis="y", length=0)
        ax.axvline(0, color="#333333", linewidth=0.8)
        for crit in (3.84, -3.84):
            ax.axvline(crit, color="#777777", linewidth=0.7, linestyle=":")
        ax.set_ylim(-0.6, len(shown) - 0.4)
        ax.set_xlabel("signed log-likelihood G² (dotted: |G²| = 3.84, p = 0.05)")
        ax.grid(axis="x", color="#EEEEEE", linewidth=0.6)
        ax.set_axisbelow(True)
        fig.legend(handles=[Patch(color=KEYNESS_COLORS[0], label=f"more frequent in {target_label}"),
                            Patch(color=KEYNESS_COLORS[1], label=f"more frequent in {reference_label}")],
                   loc="outside lower center", ncols=2, frameon=False)
        ax.set_title(title or f"Distinctive terms: {target_label} vs {reference_label} (signed G²)", loc="left")
    drawn = kn.loc[shown.index[::-1]].assign(signed_g2=shown["g2"].to_numpy()[::-1],
                                            side=np.where(shown["g2"].to_numpy()[::-1] > 0, "target", "reference"))
    return _attach(fig, drawn)


# ---------------------------------------------------------------------------
# topics


def topic_terms_grid(terms: pd.DataFrame, *, labels: Mapping | pd.Series | pd.DataFrame | None = None,
                     n: int = 10, ncols: int = 3, title: str | None = None) -> Figure:
    """Small multiples: the top ``n`` words of each LDA topic, bar length = word weight in the topic.

    ``terms`` is ``TopicModel.topic_terms()`` (``topic``, ``rank``, ``term``, ``weight``);
    ``labels`` (topic → label) titles the panels.
    """
    _require(terms, ["topic", "term", "weight"], "topic_terms_grid")
    names = _topic_names(terms["topic"], labels)
    topics = sorted(pd.unique(terms["topic"]), key=_natural)
    ncols = max(1, min(ncols, len(topics)))
    nrows = -(-len(topics) // ncols)
    palette = matplotlib.colormaps["tab10"]
    shown = []

    with _style():
        fig = _figure(2.35 * ncols + 0.3, 0.45 + (0.23 * n + 0.6) * nrows)
        axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
        for i, (ax, topic) in enumerate(zip(axes, topics)):
            part = terms[terms["topic"] == topic]
            order = "term_rank" if "term_rank" in part.columns else "weight"
            part = part.sort_values(order, ascending=order == "term_rank", kind="stable").head(n)
            shown.append(part.assign(label=names[topic]))
            vals = part["weight"].to_numpy(dtype=float)[::-1]
            ax.barh(np.arange(len(vals)), vals, color=palette(i % 10), height=0.72)
            ax.set_yticks(np.arange(len(vals)), list(part["term"])[::-1])
            ax.set_ylim(-0.6, n - 0.4)
            ax.set_title(names[topic], fontsize=8.5, loc="left")
            ax.tick_params(axis="y", length=0)
            ax.tick_params(axis="x", labelsize=6.5)
            ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(2))
        for ax in axes[len(topics):]:
            ax.set_visible(False)
        fig.supxlabel("word weight in topic (probability)", fontsize=8)
        fig.suptitle(title or f"LDA topics: top {n} words", x=0.01, ha="left")
    return _attach(fig, pd.concat(shown))


def topic_prevalence_heatmap(prev: pd.DataFrame, *, labels: Mapping | pd.Series | pd.DataFrame | None = None,
                             title: str | None = None) -> Figure:
    """Heatmap of topic shares per document (or place), annotated in percent.

    ``prev`` has ``topic``, ``share`` and a ``doc_id`` or ``place`` column (the table
    of ``TopicModel.prevalence()``); metadata columns, if present, order and label rows.
    """
    _require(prev, ["topic", "share"], "topic_prevalence_heatmap")
    key = _doc_key(prev)
    table = prev.pivot_table(index=key, columns="topic", values="share", aggfunc="sum", fill_value=0.0)
    topics = sorted(table.columns, key=_natural)
    meta = _docs_meta(prev, key)
    note = ""
    if len(table) > MAX_ROWS:  # too many documents for a page: mean shares by year, province or level
        key, _, averaged, rows, row_labels, note = _average_by_group(prev, meta, key, table.T)
        table = averaged.T.loc[rows, topics]
        prev = table.stack().rename("share").reset_index()
        prev.columns = [key, "topic", "share"]
    else:
        rows = [r for r in _order_docs(meta) if r in table.index]
        table = table.loc[rows, topics]
        row_labels = _doc_labels(meta)
    names = _topic_names(pd.Series(topics), labels)
    values = table.to_numpy(dtype=float)

    with _style():
        fig = _figure(2.6 + 0.95 * len(topics), 1.9 + min(0.3, 7.4 / len(rows)) * len(rows))
        ax = fig.add_subplot()
        image = ax.imshow(values, cmap="Blues", aspect="auto", vmin=0, vmax=max(1e-9, values.max()),
                          interpolation="nearest")
        ax.set_xticks(range(len(topics)), [_wrap(names[t], 8) for t in topics])
        ax.set_yticks(range(len(rows)), [row_labels[r] for r in rows])
        ax.tick_params(axis="x", top=True, bottom=False, labeltop=True, labelbottom=False, length=0, labelsize=7)
        ax.tick_params(axis="y", length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        if len(rows) <= 30:
            _annotate_cells(ax, values * 100, fmt="{:.0f}%", zero="·", cmap_max=values.max() * 100, min_show=0.5)
        else:
            ax.tick_params(axis="y", labelsize=max(5.5, min(8, 7.4 / len(rows) * 30)))
        bar = fig.colorbar(image, ax=ax, aspect=25, pad=0.02, format=matplotlib.ticker.PercentFormatter(1.0, decimals=0))
        bar.set_label("share of the document's words")
        ax.set_title((title or "Topic prevalence: share of each document's words per LDA topic"
                      + (" (dot = under 0.5%)" if len(rows) <= 30 else "")) + (f"\n({note})" if note else ""),
                     loc="left", pad=8)
    fig.textmine_note = note
    drawn = _rows_in_order(prev, {key: rows, "topic": topics})
    return _attach(fig, drawn.assign(label=drawn["topic"].map(names)))


def topic_effects_chart(effects: pd.DataFrame, covariate: str | None = None, *, title: str | None = None,
                        ncols: int = 3) -> Figure:
    """Effects of a covariate on topic prevalence, point and interval per topic (stm's ``plot.estimateEffect``).

    ``effects`` is :func:`textmine.effects.topic_effects`. For a categorical ``covariate``
    (default: the first in the table) each topic gets a row with the difference in its share
    between each value and the reference (``method="difference"`` in stm), a dashed line at 0;
    for a numeric one (``year``) each topic gets a panel with the expected share over the values
    and its interval as a band (``method="continuous"``). ``effects.attrs["short_note"]`` goes under
    the title when the corpus is too small for the intervals to mean much; a difference without an
    interval (a group of one report) is a hollow point.
    """
    _require(effects, ["topic", "covariate", "kind", "value", "estimate", "lower", "upper"], "topic_effects_chart")
    covariate = covariate if covariate is not None else str(effects["covariate"].iloc[0])
    part = effects[effects["covariate"] == covariate]
    if part.empty:
        raise TextmineError(f"topic_effects_chart: no effects of {covariate!r} "
                            f"(covariates: {', '.join(map(str, pd.unique(effects['covariate'])))})")
    names = _topic_names(part["topic"], part[["topic", "label"]].drop_duplicates("topic")
                         if "label" in part.columns else None)
    topics = sorted(pd.unique(part["topic"]), key=_natural)
    note = (effects.attrs.get("short_note") or effects.attrs.get("note", "")) if effects.attrs.get("small") else ""
    with _style():
        if (part["kind"] == "difference").any():
            drawn = part[part["kind"] == "difference"]
            values = list(pd.unique(drawn["value"]))
            reference = drawn["reference"].iloc[0]
            fig = _figure(6.4, 1.3 + 0.36 * len(topics) * max(1, len(values) * 0.6))
            ax = fig.add_subplot()
            palette = matplotlib.colormaps["tab10"]
            offsets = np.linspace(-0.18, 0.18, len(values)) if len(values) > 1 else [0.0]
            for j, value in enumerate(values):
                rows = drawn[drawn["value"] == value].set_index("topic").loc[topics]
                y = np.arange(len(topics)) + offsets[j]
                bare = rows["lower"].isna().to_numpy()   # no interval (a group of one report): hollow point
                ax.errorbar(rows["estimate"][~bare] * 100, y[~bare],
                            xerr=[(rows["estimate"] - rows["lower"])[~bare] * 100,
                                  (rows["upper"] - rows["estimate"])[~bare] * 100],
                            fmt="o", color=palette(j % 10), markersize=4, capsize=2.5, linewidth=1.2,
                            label=f"{value} − {reference}")
                if bare.any():
                    ax.plot(rows["estimate"][bare] * 100, y[bare], "o", markerfacecolor="white",
                            markeredgecolor=palette(j % 10), markersize=4.5)
            ax.axvline(0, color="#888888", linestyle="--", linewidth=0.9)
            ax.set_yticks(range(len(topics)), [_wrap(names[t], 28) for t in topics])
            ax.invert_yaxis()
            ax.set_xlabel(f"difference in topic share, percentage points ({covariate}; "
                          f"{int(round(_level(effects) * 100))}% interval)")
            if len(values) > 1:
                fig.legend(loc="outside lower center", ncols=min(4, len(values)), frameon=False, fontsize=7.5)
            heading = title or f"Topic prevalence by {covariate}: {', '.join(map(str, values))} vs {reference}"
        else:
            drawn = part[part["kind"] == "share"].copy()
            drawn["value"] = drawn["value"].astype(float)
            ncols = max(1, min(ncols, len(topics)))
            nrows = -(-len(topics) // ncols)
            fig = _figure(2.3 * ncols + 0.4, 0.9 + 1.7 * nrows)
            axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True).ravel()
            for ax, topic in zip(axes, topics):
                rows = drawn[drawn["topic"] == topic].sort_values("value")
                ax.fill_between(rows["value"], rows["lower"] * 100, rows["upper"] * 100, color="#9ecae1", alpha=0.7,
                                linewidth=0)
                ax.plot(rows["value"], rows["estimate"] * 100, color="#08519c", linewidth=1.4)
                ax.set_title(_wrap(names[topic], 22), fontsize=8, loc="left")
                ax.tick_params(labelsize=7)
                ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(4, integer=True))
            for ax in axes[len(topics):]:
                ax.set_visible(False)
            fig.supylabel("expected topic share, %", fontsize=8)
            fig.supxlabel(covariate, fontsize=8)
            heading = title or f"Topic prevalence over {covariate} (line: expected share; band: interval)"
        fig.suptitle(heading + (f"\n{_wrap_line(note, 80)}" if note else ""), x=0.01, ha="left",
                     fontsize=9.5 if note else None)
    return _attach(fig, drawn.reset_index(drop=True))


def k_selection_chart(table: pd.DataFrame, runs: pd.DataFrame | None = None, *, title: str | None = None) -> Figure:
    """Choosing K: c_v for every seed (points) and its mean (line), held-out likelihood, stability.

    ``table`` and ``runs`` are :func:`textmine.topics.select_k` with ``return_runs=True``. The
    seeds' spread shows how much of the difference between neighbouring K is noise; the chosen K
    is marked.
    """
    _require(table, ["k", "c_v"], "k_selection_chart")
    panels = [("c_v", "c_v coherence (higher is better)")]
    if "heldout_ll" in table.columns:
        panels.append(("heldout_ll", "held-out log likelihood per token"))
    if "stability" in table.columns:
        panels.append(("stability", "stability across seeds (1 = same topics)"))
    ks = table["k"].to_numpy()
    chosen = table.loc[table["chosen"], "k"].tolist() if "chosen" in table.columns else []
    with _style():
        fig = _figure(3.0 * len(panels) + 0.4, 3.1)
        axes = fig.subplots(1, len(panels), squeeze=False).ravel()
        for ax, (column, label) in zip(axes, panels):
            if column == "c_v" and runs is not None and not runs.empty:
                seeds = sorted(pd.unique(runs["seed"]))
                palette = matplotlib.colormaps["tab10"]
                for j, seed in enumerate(seeds):
                    r = runs[runs["seed"] == seed]
                    ax.scatter(r["k"] + (j - (len(seeds) - 1) / 2) * 0.08, r["c_v"], s=14, color=palette(j % 10),
                               alpha=0.85, label=f"seed {seed}", zorder=3)
                ax.legend(fontsize=6.5, frameon=False, loc="best")
            ax.plot(ks, table[column], color="#333333", linewidth=1.3, marker="_" if runs is not None else "o")
            for k in chosen:
                ax.axvline(k, color="#d62728", linewidth=0.9, linestyle=":")
            ax.set_title(label, fontsize=8.5, loc="left")
            ax.set_xlabel("K (number of topics)", fontsize=8)
            ax.set_xticks(ks)
            ax.tick_params(labelsize=7)
        fig.suptitle(title or "Choosing K: line = mean over seeds, points = each seed; dotted = chosen K",
                     x=0.01, ha="left")
    return _attach(fig, table.copy() if runs is None else runs.merge(table[["k"]], on="k"))


def _level(effects: pd.DataFrame) -> float:
    return float(effects.attrs.get("ci_level", 0.95))


def _wrap_line(text: str, width: int) -> str:
    words, lines, line = text.split(" "), [], ""
    for w in words:
        if len(line) + len(w) + 1 > width and line:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    lines.append(line)
    return "\n".join(lines)



# ---------------------------------------------------------------------------
# corpus


def corpus_overview(frame: pd.DataFrame, *, title: str | None = None) -> Figure:
    """Document lengths (non-whitespace characters after cleaning), coloured by document type.

    ``frame`` is ``Corpus.to_frame()``. Documents whose ``notes`` mention truncation
    are hatched, so short documents are not mistaken for short reports. More than
    :data:`MAX_DOTS` documents are shown as a histogram of lengths, stacked by document type.
    """
    _require(frame, ["n_chars"], "corpus_overview")
    key = _doc_key(frame)
    meta = _docs_meta(frame, key)
    if len(meta) > MAX_DOTS:
        return _length_histogram(frame, key, meta, title)
    order = _order_docs(meta)[::-1]
    lengths = frame.groupby(key)["n_chars"].sum()
    labels = _doc_labels(meta)
    truncated = _truncated(meta)
    doctypes = meta["doctype"] if "doctype" in meta.columns else pd.Series(index=meta.index, dtype=object)

    with _style():
        fig = _figure(6.4, 1.4 + 0.27 * len(order))
        ax = fig.add_subplot()
        for i, doc in enumerate(order):
            dt = doctypes.get(doc)
            ax.barh(i, float(lengths[doc]), color=DOCTYPE_COLORS.get(dt, OTHER_COLOR), height=0.7,
                    hatch="////" if truncated.get(doc, False) else None, edgecolor="white", linewidth=0)
        ax.set_yticks(range(len(order)), [labels[d] for d in order])
        ax.tick_params(axis="y", length=0)
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.set_xlabel("characters after cleaning (whitespace excluded)")
        ax.grid(axis="x", color="#EEEEEE", linewidth=0.6)
        ax.set_axisbelow(True)
        present = [d for d in DOCTYPES if d in set(doctypes.dropna())]
        handles = [Patch(color=DOCTYPE_COLORS[d], label=d) for d in present]
        if any(truncated.values()):
            handles.append(Patch(facecolor="#BBBBBB", hatch="////", edgecolor="white", label="truncated"))
        fig.legend(handles=handles, loc="outside right upper", frameon=False, title="document type",
                   title_fontsize=8)
        ax.set_title(title or "Corpus: length of each document in characters, by document type", loc="left")
    return _attach(fig, _rows_in_order(frame, {key: order[::-1]}))


def _length_histogram(frame: pd.DataFrame, key: str, meta: pd.DataFrame, title: str | None) -> Figure:
    lengths = frame.groupby(key)["n_chars"].sum().reindex(meta.index).to_numpy(dtype=float)
    doctypes = meta["doctype"] if "doctype" in meta.columns else pd.Series("document", index=meta.index)
    present = _vocab_order(doctypes.dropna().unique(), tuple(DOCTYPES))
    bins = np.histogram_bin_edges(lengths, bins=30)
    truncated = _truncated(meta)
    n_trunc = sum(truncated.values())
    with _style():
        fig = _figure(6.4, 3.6)
        ax = fig.add_subplot()
        parts = [lengths[(doctypes == d).to_numpy()] for d in present]
        ax.hist(parts, bins=bins, stacked=True, color=[DOCTYPE_COLORS.get(d, OTHER_COLOR) for d in present],
                label=present, edgecolor="white", linewidth=0.3)
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.set_xlabel("characters after cleaning (whitespace excluded)")
        ax.set_ylabel("documents")
        ax.grid(axis="y", color="#EEEEEE", linewidth=0.6)
        ax.set_axisbelow(True)
        fig.legend(loc="outside right upper", frameon=False, title="document type", title_fontsize=8)
        note = f"{len(lengths):,} documents, median {np.median(lengths):,.0f} characters" + \
            (f"; {n_trunc} marked truncated" if n_trunc else "")
        ax.set_title((title or "Corpus: document lengths in characters, by document type") + f"\n({note})",
                     loc="left")
    fig.textmine_note = note
    counts = pd.DataFrame({"bin_from": bins[:-1], "bin_to": bins[1:]})
    for d, part in zip(present, parts):
        counts[d] = np.histogram(part, bins=bins)[0]
    return _attach(fig, counts)


# ---------------------------------------------------------------------------
# helpers: checking, ordering, labelling


def _require(df: pd.DataFrame, columns: Iterable[str], func: str) -> None:
    if not isinstance(df, pd.DataFrame):
        raise TextmineError(f"{func}: expected a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise TextmineError(f"{func}: the table lacks column(s) {', '.join(missing)} "
                            f"(has: {', '.join(map(str, df.columns))})")
    if df.empty:
        raise TextmineError(f"{func}: the table is empty; nothing to plot")


def _check_slogans(freq: pd.DataFrame, slogans: Sequence[str], func: str) -> list[str]:
    slogans = [slogans] if isinstance(slogans, str) else list(slogans)
    known = set(freq["slogan"])
    absent = [s for s in slogans if s not in known]
    if absent:
        raise TextmineError(f"{func}: slogan(s) {', '.join(absent)} not in the table "
                            f"(it has {len(known)} slogans, e.g. {', '.join(sorted(known)[:5])})")
    return slogans


def _doc_key(df: pd.DataFrame) -> str:
    """The column identifying a document or group: ``doc_id`` if present, else ``place``, else ``group``."""
    for col in ("doc_id", "place", "group"):
        if col in df.columns:
            return col
    raise TextmineError(f"the table has no doc_id, place or group column (has: {', '.join(map(str, df.columns))})")


def _docs_meta(df: pd.DataFrame, key: str) -> pd.DataFrame:
    """One row per document (index = key) with whichever metadata columns the table carries."""
    cols = [c for c in _META if c in df.columns and c != key]
    meta = df.drop_duplicates(subset=[key])[[key, *cols]].set_index(key)
    meta.index.name = None
    if key == "place":
        meta["place"] = meta.index
    return meta


def _vocab_for(column: str) -> Sequence[str]:
    return {"level": tuple(LEVELS), "rank": tuple(RANKS), "doctype": tuple(DOCTYPES)}.get(column, ())


def _vocab_order(values: Iterable, vocab: Sequence[str]) -> list:
    values = list(values)
    known = [v for v in vocab if v in values]
    return known + sorted((v for v in values if v not in vocab), key=str)


def _order_docs(meta: pd.DataFrame) -> list:
    """Documents by level, rank (schema order), place, year."""
    frame = pd.DataFrame(index=meta.index)
    for col, vocab in (("level", LEVELS), ("rank", RANKS)):
        ranks = {v: i for i, v in enumerate(vocab)}
        frame[col] = [ranks.get(v, len(ranks)) for v in meta[col]] if col in meta.columns else 0
    frame["place"] = meta["place"].astype(str).to_numpy() if "place" in meta.columns else ""
    frame["year"] = pd.to_numeric(meta["year"], errors="coerce").fillna(0).to_numpy() if "year" in meta.columns else 0
    frame["key"] = [str(k) for k in meta.index]
    frame = frame.sort_values(["level", "rank", "place", "year", "key"], kind="stable")
    return list(frame.index)


def _order_slogans(data: pd.DataFrame, table: pd.DataFrame) -> tuple[list[str], list[tuple[str, int, int]]]:
    """Slogans by category (busiest first) and mean rate; with the row span of each category."""
    mean = table.mean(axis=1)
    if "category" not in data.columns:
        return list(mean.sort_values(ascending=False, kind="stable").index), []
    cat = data.drop_duplicates("slogan").set_index("slogan")["category"].reindex(table.index)
    cat = cat.astype(object).where(cat.notna(), "other").astype(str)
    cat_order = mean.groupby(cat).sum().sort_values(ascending=False, kind="stable").index
    rows: list[str] = []
    spans: list[tuple[str, int, int]] = []
    for c in cat_order:
        members = mean[cat == c].sort_values(ascending=False, kind="stable").index
        spans.append((c, len(rows), len(rows) + len(members)))
        rows += list(members)
    return rows, spans


def _doc_labels(meta: pd.DataFrame, sep: str = " ") -> dict:
    """Readable labels: the place, plus the year where a place has several documents,
    plus the document type where it is not a full report."""
    if "place" not in meta.columns:
        return {k: str(k) for k in meta.index}
    repeated = meta["place"].value_counts()
    labels = {}
    for key, row in meta.iterrows():
        place = row["place"]
        if place is None or (isinstance(place, float) and np.isnan(place)):
            labels[key] = str(key)
            continue
        parts = [str(place)]
        year = row.get("year")
        if repeated.get(place, 0) > 1 and pd.notna(year):
            parts.append(str(int(year)))
        doctype = row.get("doctype")
        if isinstance(doctype, str) and doctype != "report":
            parts.append(doctype)
        labels[key] = sep.join(parts)
    if len(set(labels.values())) < len(labels):  # still ambiguous: fall back to ids
        labels = {k: f"{v} ({k})" if list(labels.values()).count(v) > 1 else v for k, v in labels.items()}
    return labels


def _time_label(row: pd.Series) -> str:
    parts = [str(int(row["year"]))] if pd.notna(row.get("year")) else []
    if isinstance(row.get("doctype"), str):
        parts.append(row["doctype"])
    if _is_truncated(row.get("notes")):
        parts.append("(truncated)")
    return " ".join(parts) or str(row.name)


def _is_truncated(notes) -> bool:
    return isinstance(notes, str) and "truncated" in notes.lower()


def _truncated(meta: pd.DataFrame) -> dict:
    if "notes" not in meta.columns:
        return {}
    return {k: _is_truncated(v) for k, v in meta["notes"].items()}


def _short_docs(data: pd.DataFrame, key: str, short_chars: int | None) -> set:
    """Documents with fewer than ``short_chars`` non-whitespace characters (none without ``n_chars``)."""
    if short_chars is None or "n_chars" not in data.columns:
        return set()
    sizes = data.groupby(key)["n_chars"].first()
    return set(sizes.index[sizes < short_chars])


def _level_colors(meta: pd.DataFrame) -> dict:
    if "level" not in meta.columns:
        return {k: OTHER_COLOR for k in meta.index}
    return {k: LEVEL_COLORS.get(v, OTHER_COLOR) for k, v in meta["level"].items()}


def _level_legend(fig: Figure, meta: pd.DataFrame, extra: Sequence = (), *, marker: str = "o",
                  sections: Sequence[tuple[str, Sequence]] = ()) -> None:
    """One legend row below the figure: ``extra`` handles, the levels present, then any other sections.

    With more than one section each gets a text header ("level:", "type:"), so
    colours and shapes are never confused.
    """
    levels = []
    if "level" in meta.columns:
        present = _vocab_order(meta["level"].dropna().unique(), tuple(LEVELS))
        levels = [Line2D([], [], marker=marker, linestyle="", markersize=6.5 if marker == "s" else 6,
                         markerfacecolor=LEVEL_COLORS.get(v, OTHER_COLOR), markeredgecolor="white", label=v)
                  for v in present]
    groups = [("level:", levels)] + [(name, list(h)) for name, h in sections if h]
    groups = [(name, h) for name, h in groups if h]
    handles = list(extra)
    if len(groups) == 1 and not extra:
        fig.legend(handles=groups[0][1], loc="outside lower center", ncols=len(groups[0][1]), frameon=False,
                   title="administrative level", title_fontsize=8)
        return
    for name, h in groups:
        handles += [Line2D([], [], linestyle="", label=name if name != "level:" else "level:")] + list(h)
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), frameon=False,
                   handletextpad=0.3, columnspacing=1.0)


def _spread(values: np.ndarray, width: float = 0.22) -> np.ndarray:
    """Deterministic horizontal offsets so points of one group do not sit on top of each other."""
    if len(values) <= 1:
        return np.zeros(len(values))
    ranks = np.argsort(np.argsort(values, kind="stable"), kind="stable")
    return np.linspace(-width, width, len(values))[ranks]


def _jitter(n: int, width: float = 0.28) -> np.ndarray:
    """Deterministic offsets spread evenly over [-width, width] (golden-ratio sequence), for many points."""
    return ((np.arange(n) * 0.6180339887498949) % 1.0 - 0.5) * 2 * width


def _signed_g2(kn: pd.DataFrame) -> np.ndarray:
    g2 = kn["g2"].to_numpy(dtype=float)
    if (g2 < 0).any():
        return g2
    if "effect" in kn.columns:
        sign = np.sign(kn["effect"].to_numpy(dtype=float))
    elif {"target_count", "reference_count"} <= set(kn.columns):
        t = kn["target_count"].to_numpy(dtype=float)
        r = kn["reference_count"].to_numpy(dtype=float)
        sign = np.sign(t / max(t.sum(), 1) - r / max(r.sum(), 1))
    else:
        return g2
    return np.abs(g2) * sign


def _topic_names(topics: pd.Series, labels) -> dict:
    base = {t: f"topic {t}" for t in pd.unique(topics)}
    if labels is None:
        return base
    if isinstance(labels, pd.DataFrame):
        label_col = "label" if "label" in labels.columns else labels.columns[-1]
        labels = dict(zip(labels["topic"], labels[label_col]))
    elif isinstance(labels, pd.Series):
        labels = labels.to_dict()
    return {t: f"{t}: {labels[t]}" if t in labels else name for t, name in base.items()}


def _natural(value):
    return (0, value, "") if isinstance(value, (int, np.integer)) else (1, 0, str(value))


def _wrap(text: str, width: int) -> str:
    """Break a label after ``width`` characters at a separator (· / space), for tick labels."""
    if len(text) <= width:
        return text
    for sep in ("·", " ", "、", "/"):
        if sep in text:
            parts, line, out = text.split(sep), "", []
            for p in parts:
                cand = f"{line}{sep}{p}" if line else p
                if len(cand) > width and line:
                    out.append(line)
                    line = p
                else:
                    line = cand
            out.append(line)
            return "\n".join(out)
    return "\n".join(text[i:i + width] for i in range(0, len(text), width))


def _wrap_line(text: str, width: int) -> str:
    """Break a long subtitle into lines of at most ``width`` characters at "; " or spaces."""
    out, line = [], ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > width:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    out.append(line)
    return "\n".join(out)


def _annotate_cells(ax, values: np.ndarray, *, fmt: str, zero: str, cmap_max: float, min_show: float = 1e-12) -> None:
    threshold = 0.6 * cmap_max if cmap_max > 0 else np.inf
    size = 7 if values.shape[1] <= 14 else 6
    for (i, j), v in np.ndenumerate(values):
        text = fmt.format(v) if v >= min_show else zero
        if text:
            ax.text(j, i, text, ha="center", va="center", fontsize=size, in_layout=False,
                    color="white" if v >= threshold else ("#333333" if v >= min_show else "#999999"))


def _mark_categories(ax, spans: list[tuple[str, int, int]], n_cols: int) -> None:
    for name, start, end in spans:
        if start > 0:
            ax.axhline(start - 0.5, color="white", linewidth=2.5)
        ax.annotate(_wrap(name, 22), xy=(1.0, (start + end - 1) / 2), xycoords=("axes fraction", "data"),
                    xytext=(6, 0), textcoords="offset points", ha="left", va="center", fontsize=7.5,
                    color="#444444")


def _rows_in_order(df: pd.DataFrame, orders: Mapping[str, Sequence]) -> pd.DataFrame:
    """Rows of ``df`` whose values are in the given orders, sorted by them (first column first)."""
    out = df
    for col, values in orders.items():
        out = out[out[col].isin(list(values))]
    positions = {col: {v: i for i, v in enumerate(values)} for col, values in orders.items()}
    sort_keys = pd.DataFrame({f"_o{i}": out[col].map(positions[col]) for i, col in enumerate(orders)},
                             index=out.index)
    order = sort_keys.sort_values(list(sort_keys.columns), kind="stable").index
    return out.loc[order].reset_index(drop=True)


def _attach(fig: Figure, table: pd.DataFrame) -> Figure:
    fig.textmine_data = table.reset_index(drop=True)
    return fig


@contextmanager
def _style() -> Iterator[None]:
    with matplotlib.rc_context(PLOT_RC):
        yield


def _figure(width: float, height: float) -> Figure:
    """A figure of at most :data:`MAX_FIGSIZE` inches (its layout is constrained to fit)."""
    width, height = min(width, MAX_FIGSIZE[0]), min(height, MAX_FIGSIZE[1])
    return Figure(figsize=(round(width, 2), round(height, 2)), layout="constrained", dpi=100)
