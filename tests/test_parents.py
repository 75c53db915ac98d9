"""Which document is a document's parent: province for a city, State Council for a province, city for a district."""

from __future__ import annotations

import pandas as pd

from textmine import Corpus
from textmine.panels.parents import parent_documents

ROWS = [  # doc_id, place, province, level, year, doctype
    ("gwy24", "国务院", None, "国家", 2024, "report"),
    ("fj24", "福建省", "福建省", "省级", 2024, "report"),
    ("fj23", "福建省", "福建省", "省级", 2023, "report"),
    ("qz24r", "泉州市", "福建省", "地级市", 2024, "report"),
    ("qz24x", "泉州市", "福建省", "地级市", 2024, "excerpt"),
    ("qz22", "泉州市", "福建省", "地级市", 2022, "report"),
    ("xm25", "厦门市", "福建省", "地级市", 2025, "report"),
    ("qg24", "泉港区", "福建省", "县区", 2024, "plan"),
    ("sd24", "济南市", "山东省", "地级市", 2024, "report"),
    ("ln24", "辽宁省", "辽宁省", "省级", 2023, "report"),
]


def table() -> pd.DataFrame:
    df = pd.DataFrame(ROWS, columns=["doc_id", "place", "province", "level", "year", "doctype"]).assign(text="正文。")
    return parent_documents(Corpus.from_dataframe(df)).set_index("doc_id")


def test_levels_map_to_their_parents_in_the_same_or_previous_year():
    t = table()
    assert t.loc["fj24", ["parent_doc_id", "parent_status"]].tolist() == ["gwy24", "same year"]
    assert t.loc["qz24r", ["parent_place", "parent_doc_id", "parent_year"]].tolist() == ["福建省", "fj24", 2024]
    assert t.loc["xm25", ["parent_doc_id", "parent_status"]].tolist() == ["fj24", "previous year"]


def test_a_district_gets_its_city_from_the_gazetteer_reports_first():
    t = table()
    assert t.loc["qg24", "parent_place"] == "泉州市"
    assert t.loc["qg24", ["parent_doc_id", "parent_doc_ids"]].tolist() == ["qz24r", "qz24r|qz24x"]


def test_missing_parents_are_listed_not_dropped():
    t = table()
    assert len(t) == len(ROWS)
    assert t.loc["qz22", "parent_status"] == "parent not in the corpus"   # 福建省 2022 / 2021 absent
    assert t.loc["sd24", ["parent_place", "parent_status"]].tolist() == ["山东省", "parent not in the corpus"]
    assert t.loc["fj23", "parent_status"] == "parent not in the corpus"   # no national report of 2023 or 2022
    assert t.loc["gwy24", "parent_status"] == "national: no parent"
    assert t.loc["qz22", "parent_doc_id"] is None


def test_a_parent_column_overrides_the_gazetteer():
    df = pd.DataFrame({"doc_id": ["a", "b"], "place": ["某区", "某市"], "level": ["县区", "地级市"],
                       "province": ["某省", "某省"], "year": [2024, 2024], "parent": ["某市", None],
                       "text": ["正文。", "正文。"]})
    t = parent_documents(Corpus.from_dataframe(df)).set_index("doc_id")
    assert t.loc["a", ["parent_place", "parent_doc_id"]].tolist() == ["某市", "b"]


def test_an_unknown_district_is_explained():
    df = pd.DataFrame({"doc_id": ["a"], "place": ["不存在区"], "level": ["县区"], "year": [2024], "text": ["正文。"]})
    t = parent_documents(Corpus.from_dataframe(df))
    assert t["parent_status"].item().startswith("parent city unknown")
