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
