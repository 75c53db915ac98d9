"""textmine.groups: comparisons that a thin corpus cannot break."""

import pandas as pd
import pytest

from textmine.errors import TextmineError
from textmine.groups import choose_contrast, group_problem, parse_compare


def frame(**cols):
    n = len(next(iter(cols.values())))
    return pd.DataFrame({"doc_id": [f"d{i}" for i in range(n)], **cols})


def test_a_column_needs_two_groups_to_group_by():
    assert group_problem(frame(place=["甲", "乙"]), "rank") == "no metadata column 'rank'"
    assert group_problem(frame(rank=[None, None]), "rank") == "column 'rank' has no values"
    assert group_problem(frame(rank=["省", "省"]), "rank") == "column 'rank' has one group only (省)"
    assert group_problem(frame(rank=["省", "直辖市"]), "rank") is None


def test_a_capital_ranked_sub_provincial_makes_a_second_rank_group():
    meta = frame(rank=["副省级城市", "副省级城市"], capital=[True, False])
    assert group_problem(meta, "rank") is None            # 副省级城市 and 省会


def test_the_contrast_needs_two_documents_on_each_side():
    # one province per document: no province group has two; region does
    meta = frame(province=["甲省", "乙省", "丙省", "丁省", "戊省"], region=["东部", "东部", "西部", "西部", "西部"])
    c = choose_contrast(meta)
    assert (c.column, c.value, c.target_ids, c.reference_ids) == ("region", "西部", ["d2", "d3", "d4"], ["d0", "d1"])
    assert c.description == "region = 西部 (n = 3) vs the other documents (n = 2)"


def test_no_workable_grouping_gives_none():
    assert choose_contrast(frame(province=["甲省", "乙省", "丙省"])) is None
    assert choose_contrast(frame(place=["甲", "乙", "丙", "丁"])) is None


def test_rank_contrast_counts_a_document_in_every_group():
    meta = frame(rank=["副省级城市", "副省级城市", "地级市", "地级市", "省会"], capital=[True, False, False, False, True])
    c = choose_contrast(meta, "rank=省会")
    assert c.target_ids == ["d0", "d4"] and c.reference_ids == ["d1", "d2", "d3"]


def test_compare_names_the_target_and_impossible_requests_say_why():
    meta = frame(region=["东部", "东部", "西部", "西部", "中部"])
    assert choose_contrast(meta, "region=东部").target_ids == ["d0", "d1"]
    assert choose_contrast(meta, {"region": "西部"}).reference_ids == ["d0", "d1", "d4"]
    with pytest.raises(TextmineError, match="1 documents match and 4 do not"):
        choose_contrast(meta, "region=中部")
    with pytest.raises(TextmineError, match="no metadata column 'level'"):
        choose_contrast(meta, "level=省级")
    with pytest.raises(TextmineError, match="expected COLUMN=VALUE"):
        parse_compare("region")
