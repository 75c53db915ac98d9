"""Figures: every label drawable with the bundled CJK font, data drawn where it should be, files reproducible."""

from __future__ import annotations

import hashlib
import io
import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest
from fontTools.ttLib import TTCollection
from matplotlib import font_manager
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from textmine import plots
from textmine.errors import TextmineError
from textmine.fonts import font_path

SC = "Noto Sans CJK SC"


# --- the font, read independently with fontTools ------------------------------------------


def _sc_face():
    """(index, cmap) of the Simplified Chinese face, found by its name table."""
    collection = TTCollection(str(font_path()), lazy=True)
    for i, face in enumerate(collection.fonts):
        if face["name"].getDebugName(1) == SC:
            return i, set(face.getBestCmap())
    raise AssertionError("no Noto Sans CJK SC face in the bundled collection")


SC_INDEX, SC_CMAP = _sc_face()


def _draw(fig) -> list[Text]:
    """Render to PNG with missing-glyph warnings as errors; return the visible, non-empty texts."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(io.BytesIO(), format="png", dpi=60)
    glyph_warnings = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert not glyph_warnings, f"no glyph: {glyph_warnings}"
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def _assert_all_glyphs(fig) -> list[str]:
    texts = _draw(fig)
    assert texts
    for t in texts:
        missing = [ch for ch in t.get_text() if not ch.isspace() and ord(ch) not in SC_CMAP]
        assert not missing, f"{t.get_text()!r}: no glyph for {missing}"
        resolved = font_manager.findfont(t.get_fontproperties(), fallback_to_default=False)
        assert str(resolved) == str(font_path()), f"{t.get_text()!r} resolves to {resolved}"
        assert getattr(resolved, "face_index", 0) == SC_INDEX, f"{t.get_text()!r}: not the SC face"
    return [t.get_text() for t in texts]


# --- small tables, written out by hand --------------------------------------------------

META = pd.DataFrame({
    "doc_id": ["qz21", "qz24", "jn24", "qg24"],
    "place": ["泉州市", "泉州市", "济南市", "泉港区"],
    "province": ["福建省", "福建省", "山东省", "福建省"],
    "level": ["地级市", "地级市", "地级市", "县区"],
    "rank": ["地级市", "地级市", "副省级城市", "市辖区"],
    "year": [2021, 2024, 2024, 2024],
    "doctype": ["news", "excerpt", "report", "plan"],
    "notes": ["", "", "", "truncated: ends early"],
    "n_chars": [2000, 8000, 20000, 10000],
})

# counts by hand; rate = count / n_chars * 10,000
COUNTS = {
    "qz21": {"新质生产力": 0, "民营经济": 1, "营商环境": 2, "共同富裕": 0},
    "qz24": {"新质生产力": 4, "民营经济": 6, "营商环境": 2, "共同富裕": 0},
    "jn24": {"新质生产力": 10, "民营经济": 4, "营商环境": 8, "共同富裕": 0},
    "qg24": {"新质生产力": 0, "民营经济": 3, "营商环境": 5, "共同富裕": 0},
}
CATEGORY = {"新质生产力": "产业", "民营经济": "市场主体", "营商环境": "改革", "共同富裕": "民生"}


@pytest.fixture(scope="module")
def freq() -> pd.DataFrame:
    rows = []
    for rec in META.to_dict("records"):
        for slogan, count in COUNTS[rec["doc_id"]].items():
            rows.append({**rec, "slogan": slogan, "category": CATEGORY[slogan], "count": count,
                         "rate": count / rec["n_chars"] * 10_000})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def top_terms() -> pd.DataFrame:
    rows = []
    for rec in META.to_dict("records"):
        # listed worst first: the chart must order by term_rank, not by row order
        for rank, (term, score) in [(3, ("港口", 0.1)), (1, ("新质生产力", 0.5)), (2, ("民营企业", 0.3))]:
            rows.append({"doc_id": rec["doc_id"], "place": rec["place"], "level": rec["level"],
                         "rank": rec["rank"],
                         "year": rec["year"], "doctype": rec["doctype"], "term": term, "tfidf": score,
                         "term_rank": rank})
    return pd.DataFrame(rows)


KEYNESS = pd.DataFrame({
    "feature": ["东北振兴", "老工业基地", "海丝", "民营经济", "冰雪"],
    "target_count": [30, 12, 0, 5, 9],
    "reference_count": [1, 0, 25, 40, 0],
    "g2": [40.0, 18.5, 30.2, 12.0, 2.0],  # unsigned: the sign comes from effect
    "effect": [3.1, 4.0, -4.5, -1.2, 3.0],
})

TOPIC_TERMS = pd.DataFrame({
    "topic": [0, 0, 1, 1],
    "term_rank": [1, 2, 1, 2],
    "term": ["产业", "项目", "乡村", "农民"],
    "weight": [0.05, 0.03, 0.06, 0.02],
})

PREVALENCE = pd.DataFrame({
    "place": ["泉州市", "泉州市", "济南市", "济南市"],
    "level": ["地级市"] * 4,
    "topic": [0, 1, 0, 1],
    "share": [0.6, 0.4, 0.25, 0.75],
})


def _heatmap_cells(ax) -> dict[tuple[int, int], str]:
    return {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in ax.texts}


# --- fonts ----------------------------------------------------------------------------------


def test_import_registers_the_sc_face_first_in_the_global_rcparams():
    assert matplotlib.rcParams["font.sans-serif"][0] == SC
    assert matplotlib.rcParams["axes.unicode_minus"] is False
    assert SC in {f.name for f in font_manager.fontManager.ttflist}


def test_glyph_check_catches_a_label_the_font_cannot_draw():
    fig = plots.Figure()
    fig.add_subplot().set_title("泉州 ก")  # Thai is not in Noto Sans CJK
    with pytest.raises(AssertionError, match="no glyph"):
        _assert_all_glyphs(fig)


def test_figures_keep_the_cjk_font_after_the_user_resets_rcparams(freq):
    with matplotlib.rc_context():
        matplotlib.rcdefaults()
        fig = plots.slogan_heatmap(freq)
        _assert_all_glyphs(fig)


# --- every figure: all glyphs present, CJK face used -----------------------------------------


def test_every_figure_function_draws_all_its_labels_with_the_sc_face(freq, top_terms):
    figures = [
        plots.slogan_heatmap(freq),
        plots.slogans_by_place(freq),
        plots.slogans_by_group(freq, group="rank"),
        plots.place_over_time(freq, "泉州市"),
        plots.top_terms_grid(top_terms),
        plots.keyness_chart(KEYNESS, target_label="辽宁省", reference_label="其他城市"),
        plots.topic_terms_grid(TOPIC_TERMS, labels={0: "产业·项目", 1: "乡村·农民"}),
        plots.topic_prevalence_heatmap(PREVALENCE, labels={0: "产业", 1: "乡村"}),
        plots.corpus_overview(META),
    ]
    for fig in figures:
        texts = _assert_all_glyphs(fig)
        assert any(any("\u4e00" <= ch <= "\u9fff" for ch in s) for s in texts)  # Chinese was drawn


# --- slogan heatmap ----------------------------------------------------------------------------


def test_heatmap_annotates_each_cell_with_its_rate_and_marks_zero(freq):
    fig = plots.slogan_heatmap(freq)
    ax = fig.axes[0]
    cols = [t.get_text() for t in ax.get_xticklabels()]
    rows = [t.get_text() for t in ax.get_yticklabels()]
    # documents: 地级市 before 县区; within 地级市 the 副省级城市 first; Quanzhou twice, so years shown;
    # last line: length in thousand characters
    assert cols == ["济南市\n20.0k", "泉州市\n2021\nnews\n2.0k", "泉州市\n2024\nexcerpt\n8.0k", "泉港区\nplan\n10.0k"]
    assert "共同富裕" not in rows  # nobody mentions it
    cells = _heatmap_cells(ax)
    # 济南 新质生产力: 10 / 20,000 * 10,000 = 5.0;  泉州 2021 新质生产力: 0
    assert cells[(rows.index("新质生产力"), 0)] == "5.0"
    assert cells[(rows.index("新质生产力"), 1)] == "·"
    # 泉州 2021 营商环境: 2 / 2,000 * 10,000 = 10.0
    assert cells[(rows.index("营商环境"), 1)] == "10.0"
    assert "per 10,000 characters" in ax.get_title(loc="left")


def test_heatmap_keeps_unmentioned_slogans_on_request(freq):
    fig = plots.slogan_heatmap(freq, drop_empty=False)
    assert "共同富裕" in [t.get_text() for t in fig.axes[0].get_yticklabels()]


def test_heatmap_complains_about_a_table_without_rates(freq):
    with pytest.raises(TextmineError, match="rate"):
        plots.slogan_heatmap(freq.drop(columns="rate"))


# --- key slogans by place ----------------------------------------------------------------------------


def test_slogans_by_place_puts_each_slogan_in_a_panel_coloured_by_level(freq):
    fig = plots.slogans_by_place(freq, ["新质生产力", "营商环境"], short_chars=None)
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in axes] == ["新质生产力", "营商环境"]
    labels = [t.get_text() for t in axes[0].get_yticklabels()]
    # summed rate of the two slogans, smallest at the bottom:
    # 泉州2021: 0+10=10, 泉州2024: 5+2.5=7.5, 济南: 5+4=9, 泉港: 0+5=5
    assert labels == ["泉港区 plan", "泉州市 2024 excerpt", "济南市", "泉州市 2021 news"]
    points = next(c for c in axes[1].collections if isinstance(c, PathCollection))
    xs = points.get_offsets()[:, 0]
    assert np.allclose(xs, [5.0, 2.5, 4.0, 10.0])
    colors = [matplotlib.colors.to_hex(c) for c in points.get_facecolors()]
    assert colors[0] == plots.LEVEL_COLORS["县区"].lower()
    assert set(colors[1:]) == {plots.LEVEL_COLORS["地级市"].lower()}
    legend_texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend_texts == ["地级市", "县区"]  # schema order, only levels present


def test_heatmap_colour_scale_is_set_by_documents_of_full_length(freq):
    # qz21 has 2,000 characters (< SHORT_DOC_CHARS = 5,000): 2 mentions of 营商环境 give it 10.0, the
    # highest cell; the largest cell of the other documents is qz24 民营经济, 6 / 8,000 * 10,000 = 7.5
    fig = plots.slogan_heatmap(freq)
    ax = fig.axes[0]
    image = ax.get_images()[0]
    assert image.get_clim() == (0, 7.5)
    hatched = [p for p in ax.patches if p.get_hatch()]
    cols = [t.get_text().split("\n")[0:2] for t in ax.get_xticklabels()]
    assert len(hatched) == 1 and hatched[0].get_x() == cols.index(["泉州市", "2021"]) - 0.5
    assert "hatched = under 5k characters" in ax.get_title(loc="left").replace("\n", " ")
    table = plots.figure_data(fig)
    assert set(table.loc[table["short_doc"], "doc_id"]) == {"qz21"}
    assert _heatmap_cells(ax)[([t.get_text() for t in ax.get_yticklabels()].index("营商环境"), 1)] == "10.0"
    untreated = plots.slogan_heatmap(freq, short_chars=None).axes[0].get_images()[0]
    assert untreated.get_clim() == (0, 10.0)


def test_slogans_by_place_draws_a_short_document_hollow(freq):
    fig = plots.slogans_by_place(freq, ["新质生产力", "营商环境"])
    axes = [ax for ax in fig.axes if ax.get_visible()]
    labels = [t.get_text() for t in axes[0].get_yticklabels()]
    assert labels[-1] == "泉州市 2021 news (short)"   # 2,000 characters
    hollow = [c for c in axes[1].collections if isinstance(c, PathCollection)][1]
    assert hollow.get_offsets()[:, 0].tolist() == [10.0]   # its 营商环境 rate, drawn on its own
    assert any("under 5k characters" in t.get_text() for t in fig.legends[0].get_texts())
    table = plots.figure_data(fig)
    assert set(table.loc[table["short_doc"], "doc_id"]) == {"qz21"}


def test_a_document_in_two_rank_groups_is_a_point_in_both(freq):
    from textmine.schema import rank_groups

    one = freq[freq["slogan"] == "民营经济"].copy()
    docs = list(dict.fromkeys(one["doc_id"]))
    one["rank"] = one["doc_id"].map({docs[0]: "副省级城市", docs[1]: "副省级城市", docs[2]: "省会"}).fillna("地级市")
    one["capital"] = one["doc_id"].isin([docs[0], docs[2]])
    fig = plots.slogans_by_group(rank_groups(one), ["民营经济"], group="rank")
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert ticks[:2] == ["副省级城市\nn = 2", "省会\nn = 2"]   # docs[0] counts in both
    table = plots.figure_data(fig)
    assert sorted(table.loc[table["doc_id"] == docs[0], "rank"]) == ["副省级城市", "省会"]
    rate = one.loc[one["doc_id"] == docs[0], "rate"].iloc[0]
    assert table.loc[table["doc_id"] == docs[0], "rate"].tolist() == pytest.approx([rate, rate])  # never summed


def test_slogans_by_place_names_an_unknown_slogan(freq):
    with pytest.raises(TextmineError, match="东北振兴"):
        plots.slogans_by_place(freq, ["东北振兴"])


# --- comparison between groups -------------------------------------------------------------------------------


def test_group_comparison_shows_group_sizes_points_and_means(freq):
    fig = plots.slogans_by_group(freq, ["民营经济"], group="level")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["地级市\nn = 3", "县区\nn = 1"]
    points = [tuple(xy) for c in ax.collections if isinstance(c, PathCollection) for xy in c.get_offsets()]
    metro = sorted(y for x, y in points if abs(x - 0) < 0.5)   # group 0: the 地级市 documents
    district = [y for x, y in points if abs(x - 1) < 0.5]
    assert metro == pytest.approx(sorted([5.0, 7.5, 2.0])) and district == pytest.approx([3.0])
    means = [seg[0][1] for c in ax.collections if isinstance(c, LineCollection) for seg in c.get_segments()]
    assert means == pytest.approx([(5.0 + 7.5 + 2.0) / 3, 3.0])
    # different document types get different markers, and the legend says which
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert {"news", "excerpt", "report", "plan"} <= set(legend)
    table = plots.figure_data(fig)
    assert table.loc[table["doc_id"] == "qg24", "group_mean_rate"].tolist() == pytest.approx([3.0])
    assert set(table["group_n_docs"]) == {3, 1}


# --- one place over the years ----------------------------------------------------------------------------


def test_place_over_time_labels_each_document_and_warns_about_mixed_types(freq):
    fig = plots.place_over_time(freq, "泉州市")
    ax = fig.axes[0]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["2021 news, 2,000 characters (short: hollow)", "2024 excerpt, 8,000 characters"]
    news = [c for c in ax.collections if isinstance(c, PathCollection)][0]
    assert matplotlib.colors.to_hex(news.get_facecolors()[0]) == "#ffffff"   # 2,000 < SHORT_DOC_CHARS
    assert "differ in type" in ax.get_title(loc="left")
    assert set(t.get_text() for t in ax.get_yticklabels()) == {"新质生产力", "民营经济", "营商环境"}


def test_place_over_time_flags_truncated_documents(freq):
    fig = plots.place_over_time(freq, "泉港区")
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["2024 plan (truncated), 10,000 characters"]
    assert "differ in type" not in fig.axes[0].get_title(loc="left")


def test_place_over_time_names_the_places_it_knows(freq):
    with pytest.raises(TextmineError, match="泉州市"):
        plots.place_over_time(freq, "厦门市")


# --- keywords ---------------------------------------------------------------------------------------------


def test_top_terms_grid_has_one_panel_per_document_best_term_on_top(top_terms):
    fig = plots.top_terms_grid(top_terms, n=2, ncols=2)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == 4
    assert panels[0].get_title() == "济南市"
    assert [t.get_text() for t in panels[0].get_yticklabels()] == ["民营企业", "新质生产力"]  # bottom to top


def test_keyness_chart_signs_g2_by_effect_and_colours_the_two_sides():
    fig = plots.keyness_chart(KEYNESS, n=2, target_label="辽宁省", reference_label="其他")
    ax = fig.axes[0]
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    widths = [b.get_width() for b in bars]
    # two most distinctive each side, bottom to top: 海丝 -30.2, 民营经济 -12 | 老工业基地 18.5, 东北振兴 40
    assert widths == pytest.approx([-30.2, -12.0, 18.5, 40.0])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["海丝", "民营经济", "老工业基地", "东北振兴"]
    target, reference = (matplotlib.colors.to_hex(c).lower() for c in plots.KEYNESS_COLORS)
    assert [matplotlib.colors.to_hex(b.get_facecolor()) for b in bars] == [reference, reference, target, target]


# --- topics -------------------------------------------------------------------------------------------------


def test_topic_terms_grid_titles_panels_with_labels():
    fig = plots.topic_terms_grid(TOPIC_TERMS, labels={0: "产业", 1: "乡村"}, n=2)
    assert [ax.get_title(loc="left") for ax in fig.axes if ax.get_visible()] == ["0: 产业", "1: 乡村"]


def test_topic_prevalence_heatmap_annotates_percentages():
    fig = plots.topic_prevalence_heatmap(PREVALENCE)
    cells = _heatmap_cells(fig.axes[0])
    rows = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert cells[(rows.index("泉州市"), 0)] == "60%"
    assert cells[(rows.index("济南市"), 1)] == "75%"


def test_corpus_overview_hatches_truncated_documents():
    fig = plots.corpus_overview(META)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    bars = dict(zip(labels, ax.patches))
    assert bars["泉港区 plan"].get_hatch() == "////"
    assert bars["济南市"].get_hatch() is None
    assert bars["济南市"].get_width() == 20000


# --- the numbers behind each figure -------------------------------------------------------------


def test_figure_data_holds_exactly_the_cells_the_heatmap_shows(freq):
    fig = plots.slogan_heatmap(freq, top=2)
    table = plots.figure_data(fig)
    # the two slogans with the highest mean rate: 营商环境 (10+2.5+4+5)/4, 民营经济 (5+7.5+2+3)/4
    assert set(table["slogan"]) == {"营商环境", "民营经济"}
    assert len(table) == 2 * 4
    assert "top 2 of 3 slogans" in fig.axes[0].get_title(loc="left")


def test_figure_data_of_a_keyness_chart_lists_the_bars_top_to_bottom():
    table = plots.figure_data(plots.keyness_chart(KEYNESS, n=1))
    assert table["feature"].tolist() == ["东北振兴", "海丝"]
    assert table["side"].tolist() == ["target", "reference"]


def test_figure_data_refuses_a_foreign_figure():
    with pytest.raises(TextmineError, match="not drawn by textmine"):
        plots.figure_data(plots.Figure())


# --- saving --------------------------------------------------------------------------------------------------


def test_same_figure_twice_gives_byte_identical_png(freq, tmp_path):
    a = plots.save_figure(plots.slogan_heatmap(freq), tmp_path / "a.png")
    b = plots.save_figure(plots.slogan_heatmap(freq), tmp_path / "b.png")
    assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()
    assert a.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_png_is_compressed_at_a_fast_zlib_level(freq):
    import struct
    import zlib

    png = plots.figure_bytes(plots.slogan_heatmap(freq))
    stream = b"".join(png[i + 4:i + 4 + struct.unpack(">I", png[i - 4:i])[0]] for i in _chunk_starts(png, b"IDAT"))
    assert stream[1] >> 6 == 1  # the zlib header's FLEVEL: 1 = the fast levels 2-5 (6, Pillow's default, is 2)
    width, height = struct.unpack(">II", png[16:24])
    assert len(zlib.decompress(stream)) == height * (1 + 3 * width)  # every row: RGB and its filter byte


def _chunk_starts(png: bytes, kind: bytes) -> list[int]:
    """Where each chunk of type ``kind`` has its type field (its length is the 4 bytes before)."""
    import struct

    out, pos = [], 8
    while pos < len(png):
        size = struct.unpack(">I", png[pos:pos + 4])[0]
        if png[pos + 4:pos + 8] == kind:
            out.append(pos + 4)
        pos += 12 + size
    return out


def test_svg_and_pdf_are_reproducible_too(freq, tmp_path):
    for suffix in ("svg", "pdf"):
        a = plots.save_figure(plots.slogans_by_place(freq), tmp_path / f"a.{suffix}")
        b = plots.save_figure(plots.slogans_by_place(freq), tmp_path / f"b.{suffix}")
        assert a.read_bytes() == b.read_bytes(), suffix


def _savefig_pixels(fig, dpi: int) -> np.ndarray:
    """The figure drawn the way matplotlib saves it (two draws with the layout engine), as RGBA pixels."""
    from PIL import Image

    buf = io.BytesIO()
    with matplotlib.rc_context(plots.PLOT_RC):
        fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return np.asarray(Image.open(buf).convert("RGBA"))


@pytest.mark.parametrize("draw", [
    lambda freq, terms: plots.slogan_heatmap(freq),  # x ticks on top: its title is placed by matplotlib
    lambda freq, terms: plots.slogans_by_group(freq, group="rank"),  # a y axis with an offset-capable formatter
    lambda freq, terms: plots.top_terms_grid(terms),  # panels with titles and empty axis labels
    lambda freq, terms: plots.place_over_time(freq, "泉州市"),
])
def test_png_has_the_pixels_of_matplotlibs_savefig(freq, top_terms, draw):
    """figure_bytes draws once (layout alone, then one render), skips placing empty labels and titles that
    stay put, and writes RGB: the pixels are those of savefig, which draws twice with every placement."""
    from PIL import Image

    fig = draw(freq, top_terms)
    engine, dpi, canvas = fig.get_layout_engine(), fig.dpi, fig.canvas
    image = Image.open(io.BytesIO(plots.figure_bytes(fig, "png", dpi=80)))
    assert image.mode == "RGB" and image.info["dpi"] == pytest.approx((80, 80), abs=0.01)
    # the figure is left as it was: same layout engine, dpi and canvas, labels and titles placed again
    assert fig.get_layout_engine() is engine and fig.dpi == dpi and fig.canvas is canvas
    assert all(ax.xaxis._autolabelpos and ax.yaxis._autolabelpos and ax._autotitlepos is not False
               for ax in fig.axes)
    expected = _savefig_pixels(draw(freq, top_terms), dpi=80)
    assert np.array_equal(np.asarray(image.convert("RGBA")), expected)


def test_a_figure_with_a_transparent_background_keeps_its_alpha_channel():
    from PIL import Image

    def draw():
        fig = plots.Figure(figsize=(2, 1), layout="constrained")
        fig.add_subplot().plot([0, 1])
        fig.patch.set_alpha(0.0)  # kept when figure_bytes (like savefig(facecolor="white")) sets the colour
        return fig

    image = Image.open(io.BytesIO(plots.figure_bytes(draw(), "png", dpi=50)))
    assert image.mode == "RGBA"
    pixels = np.asarray(image)
    assert pixels[..., 3].min() == 0
    assert np.array_equal(pixels, _savefig_pixels(draw(), dpi=50))


def test_save_figure_refuses_an_unknown_format(freq, tmp_path):
    with pytest.raises(TextmineError, match="jpg"):
        plots.save_figure(plots.slogan_heatmap(freq), tmp_path / "a.jpg")


def test_interrupted_save_leaves_no_file_behind(freq, tmp_path, monkeypatch):
    import textmine._io as tio

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(tio.os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        plots.save_figure(plots.slogan_heatmap(freq), tmp_path / "a.png")
    assert list(tmp_path.iterdir()) == []


# --- figures that scale: 60 yearly reports of one place, 300 places × 20 years -------------


def _generated(n_places: int, years: range, slogans: int = 8) -> pd.DataFrame:
    """A slogan table shaped like slogan_frequency's, with made-up counts (a fixed seed)."""
    rng = np.random.default_rng(0)
    names = ["新质生产力", "民营经济", "营商环境", "共同富裕", "乡村振兴", "数字经济", "双碳", "高质量发展",
             "产业链", "新型工业化"][:slogans]
    rows = []
    for p in range(n_places):
        for y in years:
            n_chars = int(rng.integers(5_000, 40_000))
            for name in names:
                count = int(rng.poisson(3))
                rows.append({"doc_id": f"d{p:03d}_{y}", "place": f"地{p:03d}市", "province": f"省{p % 31:02d}",
                             "level": "地级市", "rank": "地级市", "year": y, "doctype": "report", "n_chars": n_chars,
                             "slogan": name, "count": count, "rate": count / n_chars * 10_000})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return _generated(300, range(2005, 2025))


@pytest.fixture(scope="module")
def sixty_years() -> pd.DataFrame:
    return _generated(1, range(1965, 2025))


def _png_size(fig, dpi: int = 30) -> tuple[int, int]:
    from PIL import Image

    return Image.open(io.BytesIO(plots.figure_bytes(fig, "png", dpi=dpi))).size


def _assert_fits_a_page(fig, dpi: int = 30) -> None:
    width, height = _png_size(fig, dpi)
    assert width <= round(7.5 * dpi) and height <= round(9.5 * dpi), (width, height)


def _assert_legends_clear_of_data(fig) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    with matplotlib.rc_context(plots.PLOT_RC):
        canvas.draw()  # lays the figure out as when it is saved
    renderer = canvas.get_renderer()
    legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    for legend in legends:
        box = legend.get_window_extent(renderer)
        for ax in fig.axes:
            if ax.get_visible() and ax.get_label() != "<colorbar>":
                assert not box.overlaps(ax.get_window_extent(renderer)), "a legend covers a plot"


def test_heatmap_of_300_places_over_20_years_averages_by_year(panel):
    fig = plots.slogan_heatmap(panel)
    _assert_fits_a_page(fig)
    ax = fig.axes[0]
    rows = [t.get_text() for t in ax.get_yticklabels()]
    assert rows == [f"{y} (n = 300)" for y in range(2005, 2025)]  # one row per year, 300 documents each
    assert "mean over the documents of one year: 6,000 documents in 20 rows" in ax.get_title(loc="left").replace("\n", " ")
    shown = plots.figure_data(fig)
    first = shown[(shown["year"] == 2005) & (shown["slogan"] == "新质生产力")]
    expected = panel[(panel["year"] == 2005) & (panel["slogan"] == "新质生产力")]["rate"].mean()
    assert first["rate"].item() == pytest.approx(expected) and first["n_docs"].item() == 300


def test_heatmap_of_31_documents_runs_them_down_the_page():
    freq = _generated(31, range(2026, 2027))
    fig = plots.slogan_heatmap(freq)
    _assert_fits_a_page(fig)
    assert len(fig.axes[0].get_yticklabels()) == 31
    assert len(fig.axes[0].get_xticklabels()) == 8  # the slogans run across


def test_sixty_yearly_reports_are_lines_on_a_year_axis_without_a_legend(sixty_years):
    fig = plots.place_over_time(sixty_years, "地000市")
    _assert_fits_a_page(fig)
    assert fig.legends == [] and all(ax.get_legend() is None for ax in fig.axes)
    drawn = [ax for ax in fig.axes if ax.get_visible()]
    assert len(drawn) == 8  # small multiples: one panel per slogan
    (line,) = drawn[0].get_lines()
    assert list(line.get_xdata()) == list(range(1965, 2025))
    slogan = drawn[0].get_title(loc="left")
    by_year = sixty_years[sixty_years["slogan"] == slogan].set_index("year")["rate"]
    assert list(line.get_ydata()) == pytest.approx(list(by_year.loc[1965:2024]))


def test_dot_plot_of_300_places_shows_the_top_40_and_says_so(panel):
    one_year = panel[panel["year"] == 2024]
    fig = plots.slogans_by_place(one_year, ["新质生产力", "民营经济"])
    _assert_fits_a_page(fig)
    _assert_legends_clear_of_data(fig)
    assert len(fig.axes[0].get_yticklabels()) == 40
    assert "the 40 of 300 documents with the highest summed rate" in fig._suptitle.get_text()
    totals = one_year[one_year["slogan"].isin(["新质生产力", "民营经济"])].groupby("doc_id")["rate"].sum()
    assert set(plots.figure_data(fig)["doc_id"]) == set(totals.sort_values().index[-40:])


def test_group_comparison_of_6000_documents_fits_and_keeps_the_legend_outside(panel):
    fig = plots.slogans_by_group(panel, ["新质生产力", "民营经济"], group="level")
    _assert_fits_a_page(fig)
    _assert_legends_clear_of_data(fig)
    assert sum(len(lg.get_texts()) for lg in fig.legends) <= 6


def test_corpus_overview_of_6000_documents_is_a_histogram(panel):
    frame = panel.drop_duplicates("doc_id")
    fig = plots.corpus_overview(frame)
    _assert_fits_a_page(fig)
    _assert_legends_clear_of_data(fig)
    assert plots.figure_data(fig)["report"].sum() == 6000


def test_top_terms_grid_draws_at_most_12_panels():
    terms = pd.DataFrame([{"doc_id": f"d{i:03d}", "place": f"地{i:03d}市", "term": t, "tfidf": v, "term_rank": r}
                          for i in range(100) for r, (t, v) in enumerate([("产业", 0.5), ("乡村", 0.2)], start=1)])
    fig = plots.top_terms_grid(terms, n=2)
    _assert_fits_a_page(fig)
    assert sum(ax.get_visible() for ax in fig.axes) == 12
    assert "the first 12 of 100 documents" in fig._suptitle.get_text()


def test_topic_prevalence_of_6000_documents_is_averaged_by_year(panel):
    docs = panel.drop_duplicates("doc_id")
    prev = pd.concat([docs.assign(topic=0, share=0.25), docs.assign(topic=1, share=0.75)])
    fig = plots.topic_prevalence_heatmap(prev)
    _assert_fits_a_page(fig)
    assert len(fig.axes[0].get_yticklabels()) == 20


# --- vector formats: the CJK font goes with the file ----------------------------------------


def _chinese_figure():
    fig = plots._figure(3, 2)
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1])
    ax.set_title("新质生产力")
    return fig


def test_pdf_embeds_a_subset_of_the_cjk_font():
    from fontTools.ttLib import TTFont
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(plots.figure_bytes(_chinese_figure(), "pdf")))
    embedded = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                program = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
                embedded[str(descendant.get_object()["/BaseFont"])] = program
    cjk = {name: prog for name, prog in embedded.items() if "NotoSansCJK" in name}
    assert cjk, f"no Noto Sans CJK font in the PDF (fonts: {list(embedded)})"
    for name, program in cjk.items():
        assert program is not None, f"{name} is referenced, not embedded"
        assert name[7] == "+" and name[1:7].isalpha() and name[1:7].isupper(), f"{name}: no subset tag"
        data = program.get_object().get_data()
        glyphs = TTFont(io.BytesIO(data)).getGlyphOrder()
        assert len(glyphs) < 200  # the subset: the face itself has 65,535 glyphs
        assert len(data) < 200_000


def test_svg_carries_the_glyphs_as_outlines():
    svg = plots.figure_bytes(_chinese_figure(), "svg").decode("utf-8")
    assert "<text" not in svg and "font-family" not in svg  # no font needed to show it
    assert svg.count('<path id="NotoSansCJK') >= 5 or svg.count("<path") > 5


# --- topic effects and choosing K (hand-made tables, as topic_effects / select_k return them) -----


def _effects(small: bool = False) -> pd.DataFrame:
    rows = [[t, f"标签{t}", "level", kind, value, ref, est, est - 0.05, est + 0.05, 3]
            for t, est in ((0, 0.10), (1, -0.02))
            for kind, value, ref in (("difference", "县区", "地级市"),)]
    rows += [[t, f"标签{t}", "year", "share", year, None, 0.3 + 0.01 * t * (year - 2020), 0.2, 0.5, None]
             for t in (0, 1) for year in (2020, 2021, 2022)]
    fx = pd.DataFrame(rows, columns=["topic", "label", "covariate", "kind", "value", "reference", "estimate",
                                     "lower", "upper", "n_docs"])
    fx.attrs.update(small=small, note="8 reports; too small for these intervals to mean much", ci_level=0.95)
    return fx


def test_topic_effects_chart_draws_a_point_and_interval_per_topic_around_zero():
    fig = plots.topic_effects_chart(_effects(), "level")
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.get_yticklabels()]
    assert texts == ["0: 标签0", "1: 标签1"]
    # the error bars span estimate ± 0.05, in percentage points
    bars = [c for c in ax.collections if isinstance(c, LineCollection)]
    spans = sorted(tuple(np.round(seg[:, 0], 6)) for seg in bars[0].get_segments())
    assert spans == [(-7.0, 3.0), (5.0, 15.0)]
    assert [line.get_xdata()[0] for line in ax.lines if line.get_linestyle() == "--"] == [0]
    assert plots.figure_data(fig)["kind"].unique().tolist() == ["difference"]
    _assert_all_glyphs(fig)


def test_a_difference_without_interval_is_a_hollow_point():
    fx = _effects()
    fx.loc[fx["topic"] == 1, ["lower", "upper"]] = np.nan
    fig = plots.topic_effects_chart(fx, "level")
    hollow = [line for line in fig.axes[0].lines if line.get_markerfacecolor() == "white"]
    assert len(hollow) == 1 and hollow[0].get_xdata().tolist() == pytest.approx([-2.0])


def test_topic_effects_chart_of_years_is_a_line_per_topic_and_says_when_the_corpus_is_small():
    fig = plots.topic_effects_chart(_effects(small=True), "year")
    assert "too small" in fig._suptitle.get_text()
    assert len([a for a in fig.axes if a.get_visible()]) == 2
    assert fig.axes[1].lines[0].get_ydata().tolist() == pytest.approx([30, 31, 32])
    assert "too small" not in plots.topic_effects_chart(_effects(), "year")._suptitle.get_text()
    with pytest.raises(TextmineError, match="region"):
        plots.topic_effects_chart(_effects(), "region")


def test_k_selection_chart_shows_every_seed_and_the_mean():
    table = pd.DataFrame({"k": [3, 4], "chosen": [True, False], "c_v": [0.5, 0.45], "heldout_ll": [-7.0, -6.9],
                          "stability": [0.9, 0.7]})
    runs = pd.DataFrame({"k": [3, 3, 4, 4], "seed": [0, 1, 0, 1], "c_v": [0.52, 0.48, 0.40, 0.50]})
    fig = plots.k_selection_chart(table, runs)
    assert len(fig.axes) == 3
    points = [c for c in fig.axes[0].collections if isinstance(c, PathCollection)]
    assert sorted(np.round(np.concatenate([p.get_offsets()[:, 1] for p in points]), 6).tolist()) == [0.4, 0.48, 0.5,
                                                                                                      0.52]
    assert fig.axes[0].lines[0].get_ydata().tolist() == [0.5, 0.45]


def test_a_matplotlib_without_the_private_placement_flags_gets_the_same_pixels(monkeypatch):
    """The label and title shortcuts read matplotlib internals; missing ones fall back to plain placement."""
    import io

    import numpy as np
    from matplotlib.figure import Figure
    from PIL import Image

    from textmine import plots

    def figure():
        fig = Figure(figsize=(3, 2), layout="constrained")
        ax = fig.add_subplot()
        ax.plot([0, 1, 2], [2, 0, 1])
        ax.set_title("标题")
        return fig

    def pixels(data):
        return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))

    want = pixels(plots.figure_bytes(figure()))
    monkeypatch.setattr(plots, "_title_stays_put", lambda ax: ax._no_such_attribute)
    fig = figure()
    flags = [(a, a._autolabelpos) for ax in fig.axes for a in (ax.xaxis, ax.yaxis)]
    assert (pixels(plots.figure_bytes(fig)) == want).all()
    assert [(a, a._autolabelpos) for a, _ in flags] == flags  # whatever was switched off is back
