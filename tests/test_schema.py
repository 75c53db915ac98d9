"""Controlled vocabularies for level, rank and doctype; year parsing."""

from __future__ import annotations

import math

import pytest

from textmine.errors import MetadataError
from textmine.schema import DOCTYPES, LEVELS, META_COLUMNS, RANKS, validate_meta


def test_the_documented_sets():
    assert list(LEVELS) == ["国家", "省级", "地级市", "县级市", "县区"]
    assert {"副省级城市", "省会", "地级市", "县级市", "县", "市辖区"} <= set(RANKS)
    assert list(DOCTYPES) == ["report", "excerpt", "plan", "news"]
    assert META_COLUMNS[0] == "doc_id"


def test_missing_values_become_none_and_years_become_int():
    out = validate_meta({"level": "", "rank": None, "doctype": math.nan, "year": "2024"}, where="x")
    assert out == {"level": None, "rank": None, "doctype": None, "year": 2024}
    assert validate_meta({"year": 2023.0}, where="x")["year"] == 2023


@pytest.mark.parametrize("meta, message", [
    ({"level": "市"}, "f.csv row 3: unknown level '市'"),
    ({"rank": "计划单列市"}, "f.csv row 3: unknown rank '计划单列市'"),
    ({"doctype": "speech"}, "f.csv row 3: unknown doctype 'speech'"),
    ({"year": "2024年"}, "f.csv row 3: year '2024年' is not a whole number"),
])
def test_unknown_values_are_errors_not_new_categories(meta, message):
    with pytest.raises(MetadataError) as info:
        validate_meta(meta, where="f.csv row 3")
    assert message in str(info.value)


@pytest.mark.parametrize("column, alias, value", [
    ("doctype", "政府工作报告", "report"), ("doctype", "摘登", "excerpt"), ("doctype", "摘要", "excerpt"),
    ("doctype", "计划报告", "plan"), ("doctype", "新闻", "news"),
    ("level", "省", "省级"), ("level", "自治区", "省级"), ("level", "直辖市", "省级"),
    ("rank", "副省级", "副省级城市"),
])
def test_chinese_labels_are_aliases_of_the_documented_values(column, alias, value):
    assert validate_meta({column: alias}, where="x")[column] == value


def test_an_unknown_label_lists_the_allowed_values_and_aliases():
    with pytest.raises(MetadataError) as info:
        validate_meta({"doctype": "讲话"}, where="m.csv row 4")
    msg = str(info.value)
    assert "m.csv row 4" in msg and "'讲话'" in msg and "report, excerpt, plan, news" in msg
    assert "政府工作报告 -> report" in msg


def test_province_level_ranks_include_autonomous_regions():
    assert {"省", "自治区", "直辖市"} <= set(RANKS)


@pytest.mark.parametrize("year", ["-5", "1800", "2101", "99999999999999999999999"])
def test_years_outside_the_range_are_errors_naming_row_and_column(year):
    with pytest.raises(MetadataError) as info:
        validate_meta({"year": year}, where="m.csv row 7")
    assert "m.csv row 7" in str(info.value) and "'year'" in str(info.value)


def test_the_year_range_can_be_configured():
    assert validate_meta({"year": "1930"}, where="x", year_range=(1900, 2000))["year"] == 1930
    assert validate_meta({"year": "1930"}, where="x", year_range=None)["year"] == 1930


@pytest.mark.parametrize("column", ["n_chars", "inferred"])
def test_columns_textmine_computes_are_reserved(column):
    with pytest.raises(MetadataError, match=f"m.csv row 2: column '{column}'"):
        validate_meta({column: "5"}, where="m.csv row 2")


def test_rank_groups_count_a_document_in_every_group_it_belongs_to():
    import pandas as pd

    from textmine.schema import rank_groups

    meta = pd.DataFrame({"doc_id": ["a", "b", "c"], "rank": ["副省级城市", "省会", "副省级城市"],
                         "capital": [True, True, False]})
    groups = rank_groups(meta)
    assert groups.groupby("rank")["doc_id"].apply(sorted).to_dict() == {"副省级城市": ["a", "c"], "省会": ["a", "b"]}
    # without the flag, one group per document
    assert len(rank_groups(meta.drop(columns="capital"))) == 3
