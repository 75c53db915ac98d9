"""Panel figures (textmine.panels.figures): what each draws, the table attached, clear errors on nothing to draw."""

from __future__ import annotations

import pandas as pd
import pytest

from textmine.errors import TextmineError
from textmine.panels.figures import (adoption_curve_chart, attention_by_year_chart, echo_chart, escalation_chart,
                                     similarity_heatmap)
from textmine.plots import figure_bytes, figure_data


def test_attention_by_year_chart_has_a_panel_per_category_and_a_line_per_level():
    rates = pd.DataFrame({"year": [2023, 2024, 2024, 2023, 2024, 2024],
                          "level": ["地级市", "地级市", "县区"] * 2,
                          "category": ["ecology"] * 3 + ["rural"] * 3,
                          "attention": [0.01, 0.02, 0.03, 0.0, 0.01, 0.02],
                          "lower": [0.0] * 6, "upper": [0.05] * 6, "n_docs": [1] * 6})
    fig = attention_by_year_chart(rates)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == ["ecology", "rural"]
    assert len(visible[0].containers) == 2          # one errorbar line per level
    assert len(figure_data(fig)) == 6
    assert figure_bytes(fig) == figure_bytes(attention_by_year_chart(rates))


def test_adoption_curve_chart_one_panel_per_group():
    curve = pd.DataFrame({"slogan": ["新质生产力"] * 4, "level": ["地级市", "地级市", "县区", "县区"],
                          "year": [2023, 2024] * 2, "n_units": [2, 2, 1, 1], "n_adopted": [0, 1, 1, 1],
                          "share": [0, 0.5, 1, 1]})
    fig = adoption_curve_chart(curve, by="level")
    assert [ax.get_title() for ax in fig.axes] == ["地级市: 2 units", "县区: 1 units"]


def test_echo_chart_draws_only_documents_with_a_reference():
    docs = pd.DataFrame({"doc_id": ["p", "c"], "level": ["省级", "地级市"], "reference_doc_ids": [None, "p"],
                         "n_sentences": [10, 8], "n_echoed": pd.array([None, 2], dtype="Int64"),
                         "share_echoed": [float("nan"), 0.25]})
    fig = echo_chart(docs)
    assert figure_data(fig)["doc_id"].tolist() == ["c"]
    with pytest.raises(TextmineError, match="no document has a reference"):
        echo_chart(docs.iloc[:1])


def test_similarity_heatmap_needs_the_square_table():
    sim = pd.DataFrame([[1.0, 0.3], [0.3, 1.0]], index=["a", "b"], columns=["a", "b"])
    data = figure_data(similarity_heatmap(sim))
    assert data.values.tolist() == [["a", "a", 1.0], ["a", "b", 0.3], ["b", "a", 0.3], ["b", "b", 1.0]]
    with pytest.raises(TextmineError, match="square"):
        similarity_heatmap(sim.iloc[:1])


def test_escalation_chart_draws_compared_documents_and_counts_the_rest():
    table = pd.DataFrame({"doc_id": ["a", "b", "c"], "place": ["甲区", "乙市", "丙市"], "level": ["县区", "地级市", "地级市"],
                          "target_year": [2024] * 3, "target_value": [6.5, 6.0, None],
                          "qualifier": ["exact", "at_least", None], "parent_place": ["乙市", "某省", "某省"],
                          "parent_target": [6.0, None, None], "parent_qualifier": ["at_least", None, None],
                          "gap_pp": [0.5, None, None],
                          "status": ["compared", "parent not in the corpus", "no target"]})
    fig = escalation_chart(table)
    assert figure_data(fig)["doc_id"].tolist() == ["a"]
    assert "1 parent not in the corpus; 1 no target" in fig.axes[0].get_title(loc="left")
    with pytest.raises(TextmineError, match="no document could be compared"):
        escalation_chart(table.iloc[1:])
