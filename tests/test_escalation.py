"""Target escalation: each document's growth target against its parent level's target of the same year.

Gaps are worked out by hand from the targets written in the texts below.
"""

from __future__ import annotations

import pandas as pd
import pytest

from textmine import Corpus, growth_targets
from textmine.panels.escalation import ESCALATION_STATUSES, target_escalation


def goal(rate: str) -> str:
    return f"今年经济社会发展主要预期目标是：地区生产总值增长{rate}，城镇新增就业稳定。"


ROWS = [  # doc_id, place, province, level, year, doctype, text
    ("gwy24", "国务院", None, "国家", 2024, "report", "今年发展主要预期目标是：国内生产总值增长5%左右。"),
    ("fj24", "福建省", "福建省", "省级", 2024, "report", goal("5.5%左右")),
    ("qz24r", "泉州市", "福建省", "地级市", 2024, "report", goal("6%以上")),
    ("qz24x", "泉州市", "福建省", "地级市", 2024, "excerpt", "摘登：着力发展新质生产力。"),
    ("qg24", "泉港区", "福建省", "县区", 2024, "plan", goal("6.5%")),
    ("xm24", "厦门市", "福建省", "地级市", 2024, "report", "推动高质量发展。"),
    ("jn24", "济南市", "山东省", "地级市", 2024, "report", goal("5.5%以上")),
    ("ln24", "辽宁省", "辽宁省", "省级", 2024, "report", "全面振兴取得新突破。"),
    ("sy24", "沈阳市", "辽宁省", "地级市", 2024, "report", goal("6%以上")),
    ("fz25", "福州市", "福建省", "地级市", 2025, "report", goal("6%左右")),
]


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    df = pd.DataFrame(ROWS, columns=["doc_id", "place", "province", "level", "year", "doctype", "text"])
    return target_escalation(Corpus.from_dataframe(df)).set_index("doc_id")


def test_the_targets_are_read_as_written(table):
    assert table["target_value"].dropna().to_dict() == {
        "gwy24": 5.0, "fj24": 5.5, "qz24r": 6.0, "qg24": 6.5, "jn24": 5.5, "sy24": 6.0, "fz25": 6.0}


def test_gaps_level_by_level_in_percentage_points(table):
    compared = table[table["status"] == "compared"]
    assert compared["gap_pp"].to_dict() == {"fj24": 0.5, "qz24r": 0.5, "qg24": 0.5}
    assert compared["parent_doc_id"].to_dict() == {"fj24": "gwy24", "qz24r": "fj24", "qg24": "qz24r"}


def test_both_qualifiers_are_kept(table):
    assert table.loc["qz24r", ["qualifier", "parent_qualifier"]].tolist() == ["at_least", "about"]
    assert table.loc["qg24", ["qualifier", "parent_qualifier"]].tolist() == ["exact", "at_least"]


def test_documents_without_a_comparison_are_listed_with_the_reason(table):
    assert len(table) == len(ROWS)
    assert table["status"].to_dict() == {
        "gwy24": "national: no parent", "fj24": "compared", "qz24r": "compared",
        "qz24x": "no target", "qg24": "compared", "xm24": "no target",
        "jn24": "parent not in the corpus",   # 山东省 is not in the corpus
        "ln24": "no target",
        "sy24": "parent has no target",       # 辽宁省 2024 is, but states no target
        "fz25": "parent not in the corpus",   # 福建省 2024 is in the corpus, 2025 is not: same year only
    }
    assert set(table["status"]) <= set(ESCALATION_STATUSES)
    assert table.loc[["jn24", "sy24", "fz25"], "gap_pp"].isna().all()
    assert table.loc["jn24", "parent_place"] == "山东省"


def test_a_corrected_targets_table_can_be_passed_in():
    df = pd.DataFrame(ROWS[:3], columns=["doc_id", "place", "province", "level", "year", "doctype", "text"])
    corpus = Corpus.from_dataframe(df)
    targets = growth_targets(corpus)
    targets.loc[targets["doc_id"] == "qz24r", "target_value"] = 7.0   # a researcher's hand correction
    got = target_escalation(corpus, targets=targets).set_index("doc_id")
    assert got.loc["qz24r", "gap_pp"] == 1.5
    with pytest.raises(ValueError, match="growth_targets"):
        target_escalation(corpus, targets=pd.DataFrame({"doc_id": ["qz24r"]}))
