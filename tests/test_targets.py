"""GDP growth targets and past growth, read from short report sentences written by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from textmine.corpus import Corpus, Document, load_corpus
from textmine.targets import gdp_mentions, growth_targets, parse_rate


def one(text: str, **meta) -> dict:
    """The growth_targets row of one document built from ``text`` (already clean)."""
    corpus = Corpus([Document("d", text, meta, clean=False)])
    return growth_targets(corpus).iloc[0].to_dict()


def report_text(review: str, plan: str) -> str:
    return f"各位代表：\n一、2023年工作回顾\n{review}\n二、2024年工作安排\n{plan}\n"


def report(review: str, plan: str, **meta) -> dict:
    return one(report_text(review, plan), **meta)


def nan(x) -> bool:
    return isinstance(x, float) and math.isnan(x)


# -- qualifiers ----------------------------------------------------------------

def test_about_zuoyou():
    row = one("今年主要预期目标是：地区生产总值增长6%左右，规上工业增加值增长7%。")
    assert (row["target_value"], row["target_low"], row["target_high"], row["qualifier"]) == (6.0, 6.0, 6.0, "about")
    assert row["status"] == "found"
    assert row["target_sentence"] == "今年主要预期目标是：地区生产总值增长6%左右，规上工业增加值增长7%"


@pytest.mark.parametrize("text, value", [
    ("经济社会发展主要预期目标是：地区生产总值增长5.5%以上；一般公共预算收入增长5%左右。", 5.5),
    ("今年全市GDP增长不低于7%。", 7.0),
])
def test_at_least(text, value):
    row = one(text)
    assert (row["target_value"], row["target_low"], row["qualifier"]) == (value, value, "at_least")
    assert nan(row["target_high"])


@pytest.mark.parametrize("text", [
    "今年预期目标：地区生产总值增长5%-6%。",
    "今年预期目标：地区生产总值增长5%到6%。",
    "今年预期目标：地区生产总值增长5—6%。",
    "今年预期目标：地区生产总值增长5%～6%。",
])
def test_range(text):
    row = one(text)
    assert (row["target_value"], row["target_low"], row["target_high"], row["qualifier"]) == (5.5, 5.0, 6.0, "range")


def test_exact():
    row = one("全市主要预期目标为：地区生产总值增长6%，规上工业增加值增长6%以上。")
    assert (row["target_value"], row["qualifier"]) == (6.0, "exact")


def test_national_gdp_and_plain_economic_growth():
    assert one("今年发展主要预期目标是：国内生产总值增长5%左右。")["target_value"] == 5.0
    assert one("今年经济增长预期目标为6.5%左右。")["target_value"] == 6.5


def test_parse_rate_alone():
    assert parse_rate("增长6%左右") == (6.0, 6.0, 6.0, "about")
    assert parse_rate("回落1.5%") == (-1.5, -1.5, -1.5, "exact")
    assert parse_rate("没有数字") is None


# -- past growth -----------------------------------------------------------------

def test_decline_is_negative_past_growth():
    row = report("全年预计实现地区生产总值623.68亿元，下降9.6%（预计数，下同）。", "地区生产总值增长6.5%。")
    assert row["past_growth"] == -9.6
    assert row["target_value"] == 6.5


def test_past_year_figure_in_the_review_is_not_the_target():
    row = report("预计全市地区生产总值增长5.2%左右。", "今年主要预期目标是：地区生产总值增长6%左右。")
    assert (row["past_growth"], row["past_qualifier"]) == (5.2, "about")
    assert row["target_value"] == 6.0
    assert row["past_sentence"] == "预计全市地区生产总值增长5.2%左右"


def test_past_growth_without_sections_by_cue_words():
    row = one("预计全市地区生产总值下降2.5%。今年预期目标是地区生产总值增长5%左右。")
    assert (row["past_growth"], row["target_value"]) == (-2.5, 5.0)


def test_last_years_target_quoted_in_the_review_is_not_past_growth():
    row = report("全面完成地区生产总值增长6%的目标，预计全年实现地区生产总值增长6.3%。", "地区生产总值增长6%左右。")
    assert row["past_growth"] == 6.3
    looks = gdp_mentions(Corpus([Document("d", "一、2023年工作回顾\n全面完成地区生产总值增长6%的目标。\n"
                                                "二、2024年工作安排\n扩大内需。", clean=False)]))
    assert looks["lookalike"].tolist() == ["past target"]


# -- look-alikes -----------------------------------------------------------------

def test_ocean_gdp_is_not_the_target():
    row = report("全市经济平稳。", "大力发展海洋经济，力争海洋生产总值增长8%。全年海洋经济生产总值增长5%以上。")
    assert nan(row["target_value"]) and row["status"] == "no target stated"
    assert "ocean GDP" in row["status_note"]


def test_ocean_gdp_beside_the_real_target():
    row = report("全市经济平稳。", "主要预期目标是：地区生产总值增长6%左右。力争海洋生产总值增长8%。")
    assert row["target_value"] == 6.0


@pytest.mark.parametrize("text", [
    "今年主要预期目标：单位地区生产总值能耗下降3.2%。",
    "今年主要预期目标：单位GDP能耗降低3%。",
    "今年主要预期目标：万元GDP能耗下降2%。",
])
def test_energy_per_unit_of_gdp_is_neither_target_nor_decline(text):
    row = one(text)
    assert nan(row["target_value"]) and nan(row["past_growth"])


def test_a_quarters_growth_is_not_annual_growth():
    assert nan(one("一季度，全市地区生产总值增长4.5%。")["target_value"])
    assert nan(one("上半年全市GDP同比增长5.1%。")["past_growth"])
    row = one("全市生产总值由一季度下降10.3%到全年增长2.8%（预计数，下同）。")
    assert row["past_growth"] == 2.8 and nan(row["target_value"])


def test_a_countys_growth_is_not_the_citys():
    text = "今年主要预期目标：支持晋江市地区生产总值增长8%，推动高新区GDP增长12%。"
    row = one(text, place="泉州市", level="地级市")
    assert nan(row["target_value"]) and "sub-area" in row["status_note"]


def test_the_documents_own_place_is_not_a_sub_area():
    row = one("今年主要预期目标：泉港区地区生产总值增长6.5%。", place="泉港区", level="县区")
    assert row["target_value"] == 6.5


def test_the_province_in_a_citys_report_is_another_area():
    row = one("今年主要预期目标：全省地区生产总值增长5%，全市地区生产总值增长6%左右。", place="某市", level="地级市")
    assert row["target_value"] == 6.0


@pytest.mark.parametrize("text", [
    "今年主要预期目标：规上工业增加值增长7%，固定资产投资增长8%，社会消费品零售总额增长6%。",
    "今年主要预期目标：一般公共预算收入增长5%左右。",
    "今年主要预期目标：数字经济增长20%。",
    "今年主要预期目标：数字经济核心产业增加值占地区生产总值比重达到10%。",
])
def test_a_sectors_growth_is_not_gdp(text):
    row = one(text)
    assert nan(row["target_value"]) and row["status"] == "no target stated"


def test_gdp_figure_in_a_list_with_fenbie():
    assert one("今年目标：地区生产总值和规上工业增加值分别增长6%和7%。")["target_value"] == 6.0
    row = one("今年目标：规上工业增加值、地区生产总值分别增长7%、6%左右。")
    assert (row["target_value"], row["qualifier"]) == (6.0, "about")


def test_per_capita_and_multi_year_average():
    assert nan(one("今年目标：人均地区生产总值增长5%。")["target_value"])
    assert nan(one("过去五年，全市地区生产总值年均增长6.5%。")["past_growth"])


def test_gdp_amount_then_growth():
    row = report("预计全年实现地区生产总值1800亿元左右、增长7.0%左右，高于年初目标任务1个百分点左右。", "扩大内需。")
    assert (row["past_growth"], row["past_qualifier"]) == (7.0, "about")


# -- stated absence ---------------------------------------------------------------

def test_report_without_target_says_so():
    row = report("预计全市地区生产总值增长5%。", "大力发展新质生产力。")
    assert nan(row["target_value"]) and row["status"] == "no target stated" and row["past_growth"] == 5.0


def test_truncated_report_has_no_plan_part():
    row = one("各位代表：\n一、2023年工作回顾\n预计全市地区生产总值增长5%。\n（一）甲。", doctype="report")
    assert row["status"] == "no plan part" and nan(row["target_value"])


def test_target_in_review_wording_is_only_taken_from_the_plan_part():
    # the plan part states the target; a figure with 目标 in the review is not it
    row = report("年初提出地区生产总值增长6%的目标。预计全市地区生产总值增长4.5%。", "主要预期目标：地区生产总值增长5%左右。")
    assert (row["target_value"], row["past_growth"]) == (5.0, 4.5)


# -- wherever the report states the year's goals (issue 17) --------------------------

def test_target_stated_before_the_numbered_parts():
    # an unnumbered plan heading; the goals come before the first numbered heading (内蒙古 2026)
    text = ("各位代表：\n“十四五”时期发展成就和2025年工作回顾\n地区生产总值增长4.7%。\n"
            "“十五五”时期主要目标和2026年重点工作\n今年经济社会发展的主要预期目标是：地区生产总值增长5%左右。\n"
            "一、把铸牢中华民族共同体意识作为主线\n（一）甲。")
    row = one(text, year=2026)
    assert (row["target_value"], row["qualifier"], row["past_growth"]) == (5.0, "about", 4.7)


def test_target_announced_in_the_preamble_of_a_report_with_thematic_headings():
    # numbered headings that name no part; the goals in the text before them
    text = ("各位代表：\n今年主要预期目标是：地区生产总值增长5%左右。\n"
            "一、一年接着一年干\n甲。\n二、一张蓝图绘到底\n乙。")
    row = one(text, year=2026)
    assert (row["target_value"], row["qualifier"], row["status"]) == (5.0, "about", "found")


def test_cue_on_the_line_before_the_figures():
    text = "各位代表：\n一、2023年工作回顾\n甲。\n二、2024年工作安排\n今年主要预期目标是：\n　　地区生产总值增长5.5%左右\n　　城镇新增就业5万人"
    row = one(text)
    assert (row["target_value"], row["qualifier"]) == (5.5, "about")
    assert row["target_sentence"].startswith("今年主要预期目标是：")


def test_sentence_broken_over_lines_by_a_web_page():
    # 广东 2026: "今年经济社会发展的\n主要预期目标\n是：地区生产总值增长4.5%—5%"
    text = "开好局起好步十分重要。今年经济社会发展的\n主要预期目标\n是：地区生产总值增长4.5%—5%，在实际工作中全力争取更好结果。"
    row = one(text)
    assert (row["target_value"], row["target_low"], row["target_high"], row["qualifier"]) == (4.75, 4.5, 5.0, "range")
    assert row["target_sentence"] == "今年经济社会发展的\n主要预期目标\n是：地区生产总值增长4.5%—5%，在实际工作中全力争取更好结果"


def test_a_past_word_after_the_figure_does_not_make_it_past():
    # 河南 2026: "…粮食产量1300亿斤以上、力争比去年实现更多增长" after the GDP target in the same sentence
    row = report("预计全市地区生产总值增长5.6%。", "主要预期目标是：经济增长5%左右、在实际工作中努力争取更好结果，"
                                        "粮食产量1300亿斤以上、力争比去年实现更多增长。")
    assert (row["target_value"], row["qualifier"], row["past_growth"]) == (5.0, "about", 5.6)


def test_a_past_word_before_the_figure_in_the_plan_part_is_past():
    row = report("甲。", "去年全市地区生产总值增长4%。今年主要预期目标是：地区生产总值增长5%左右。")
    assert row["target_value"] == 5.0
    roles = gdp_mentions(report_text("甲。", "去年全市地区生产总值增长4%。今年主要预期目标是：地区生产总值增长5%左右。"))
    assert roles[["value", "role"]].values.tolist() == [[4.0, "past"], [5.0, "target"]]


@pytest.mark.parametrize("text, value, qualifier", [
    ("今年主要预期目标是：经济增长6%左右。", 6.0, "about"),                          # 经济增长 instead of 生产总值
    ("今年主要预期目标是：地区生产总值按增长5%安排，在实际工作中努力争取更好结果。", 5.0, "exact"),  # 江苏 2026
    ("今年主要预期目标是：地区生产总值增长百分之六左右。", 6.0, "about"),                # Chinese numerals
    ("今年主要预期目标是：国内生产总值增长百分之六点五左右。", 6.5, "about"),
    ("今年主要预期目标是：国内生产总值增长六点五%。", 6.5, "exact"),
    ("今年主要预期目标是：地区生产总值增长百分之七以上。", 7.0, "at_least"),
    ("今年主要预期目标是：地区生产总值增长５％左右。", 5.0, "about"),                    # full-width figures
])
def test_target_wordings(text, value, qualifier):
    row = one(text)
    assert (row["target_value"], row["qualifier"], row["status"]) == (value, qualifier, "found")


def test_chinese_numeral_range():
    row = one("今年主要预期目标是：地区生产总值增长百分之五到百分之五点五。")
    assert (row["target_value"], row["target_low"], row["target_high"], row["qualifier"]) == (5.25, 5.0, 5.5, "range")


def test_labour_productivity_compared_with_gdp_is_not_a_gdp_figure():
    # 安徽 2026: 全员劳动生产率增速高于地区生产总值增速; the 5.5% after it is the unemployment rate
    text = "主要预期目标是：全员劳动生产率增长高于国内生产总值增长，城镇调查失业率5.5%左右。"
    row = one(text)
    assert nan(row["target_value"]) and row["status"] == "no target stated"
    text = "主要预期目标是：地区生产总值增长5%左右，全员劳动生产率增长高于国内生产总值增长。"
    assert one(text)["target_value"] == 5.0


def test_growth_against_the_end_of_the_last_plan_is_a_multi_year_figure():
    # 甘肃 2026: "地区生产总值达到13697.5亿元，较“十三五”末增长33.6%"
    row = one("一、2025年工作回顾\n地区生产总值达到13697.5亿元，较“十三五”末增长33.6%。\n二、2026年工作安排\n甲。")
    assert nan(row["past_growth"])
    mentions = gdp_mentions("地区生产总值达到13697.5亿元，较“十三五”末增长33.6%。")
    assert mentions["lookalike"].tolist() == ["multi-year average"]


@pytest.mark.parametrize("text", [
    "今年主要预期目标是：单位地区生产总值能耗下降3%。",
    "今年主要预期目标是：海洋生产总值增长8%。",
    "今年主要预期目标是：一季度地区生产总值增长5%。",
    "今年主要预期目标是：地区生产总值年均增长5%左右。",
])
def test_lookalikes_in_an_announced_sentence_are_still_skipped(text):
    assert nan(one(text)["target_value"])


def test_a_past_years_goals_quoted_in_the_review_are_not_the_target():
    text = "各位代表：\n一、2023年工作回顾\n2023年主要预期目标是：地区生产总值增长6%左右。\n二、2024年工作安排\n甲。"
    row = one(text, year=2024)
    assert nan(row["target_value"])


def test_a_national_report_of_the_1990s_in_its_own_words():
    # headings and Chinese-numeral rates as national reports of the 1990s write them (a made-up passage)
    text = ("各位代表：\n一、过去一年的工作\n一九九七年国内生产总值增长百分之八点八。\n"
            "二、一九九八年的主要任务\n今年经济和社会发展的主要预期目标是：国内生产总值增长百分之八，"
            "商品零售价格涨幅控制在百分之三以下。\n三、加强政府自身建设\n转变职能。")
    row = one(text)
    assert (row["target_value"], row["qualifier"], row["past_growth"]) == (8.0, "exact", 8.8)
    assert (row["sectioning"], row["status"]) == ("full", "found")


def test_proposals_for_this_years_work_are_the_plan_part():
    text = "各位代表：\n一、一年来的工作回顾\n甲。\n二、对今年政府工作的建议\n今年国内生产总值预期增长百分之七左右。"
    row = one(text)
    assert (row["target_value"], row["qualifier"], row["sectioning"]) == (7.0, "about", "full")


# -- the bundled corpus -------------------------------------------------------------

# Read by hand from seeds/*.txt (grep -n "生产总值\|GDP" seeds/*.txt).
EXPECTED = {
    "quanzhou_2023_report": (None, None, 3.5, "no plan part"),           # truncated in the review
    "quanzhou_2024_excerpt": (5.8, "exact", None, "found"),             # 全市生产总值增长5.8%
    "quangang_2024_plan": (6.5, "exact", -9.6, "found"),                # 全区生产总值增长6.5%目标; 下降9.6%
    "quanzhou_2021_news": (None, None, 2.8, "no target stated"),        # 由一季度下降10.3%到全年增长2.8%
    "jinan_2024_report": (5.5, "at_least", 6.0, "found"),
    "shenyang_2024_report": (6.0, "at_least", 6.0, "found"),
    "fuzhou_2024_report": (6.0, "about", 5.3, "found"),
    "benxi_2024_report": (6.0, "exact", 5.5, "found"),
    "panjin_2024_report": (6.0, "about", 2.0, "found"),
    "shangqiu_2024_report": (6.5, "about", 4.0, "found"),
    "neijiang_2024_report": (None, None, 7.0, "no plan part"),           # truncated in the review
}


def test_bundled_corpus_has_a_row_for_every_document():
    corpus = load_corpus()
    table = growth_targets(corpus)
    assert table["doc_id"].tolist() == corpus.ids
    for row in table.to_dict("records"):
        value, qualifier, past, status = EXPECTED[row["doc_id"]]
        assert row["status"] == status, row["doc_id"]
        if value is None:
            assert nan(row["target_value"]) and pd.isna(row["target_sentence"]), row["doc_id"]
        else:
            assert (row["target_value"], row["qualifier"]) == (value, qualifier), row["doc_id"]
            assert f"{value:g}%" in row["target_sentence"]
        assert nan(row["past_growth"]) if past is None else row["past_growth"] == past, row["doc_id"]
    assert table.loc[table["doc_id"] == "jinan_2024_report", "place"].item() == "济南市"


def test_bundled_lookalikes_are_recorded_and_skipped():
    m = gdp_mentions(load_corpus())
    looks = m[m["role"] == "lookalike"]
    fuzhou = looks[looks["doc_id"] == "fuzhou_2024_report"]
    assert fuzhou[["value", "lookalike"]].values.tolist() == [[8.0, "ocean GDP"]]        # 力争海洋生产总值增长8%
    shenyang = looks[looks["doc_id"] == "shenyang_2024_report"]
    assert shenyang[["value", "lookalike"]].values.tolist() == [[-3.2, "per-unit GDP"]]   # 单位地区生产总值能耗下降3.2%


def test_a_figure_without_cue_words_is_not_guessed():
    row = one("全市地区生产总值增长6%。")
    assert nan(row["target_value"]) and nan(row["past_growth"]) and row["status"] == "no target stated"
    assert "without cue words" in row["status_note"]
    assert gdp_mentions("全市地区生产总值增长6%。")["role"].tolist() == ["unclear"]


def test_explicit_years_decide_without_sections():
    row = one("2023年全市地区生产总值增长5.1%。2024年全市地区生产总值增长6%左右。", year=2024)
    assert (row["past_growth"], row["target_value"], row["target_year"]) == (5.1, 6.0, 2024)


# The 31 provincial reports of 2026 (seeds/provinces2026): target and qualifier read by hand from each
# report's sentence of main expected targets (主要预期目标); every one is sectioned "full".
PROVINCES_2026 = {
    "上海市": (5.0, "about"), "云南省": (4.5, "about"), "内蒙古自治区": (5.0, "about"), "北京市": (5.0, "about"),
    "吉林省": (5.0, "about"), "四川省": (5.5, "about"), "天津市": (4.5, "exact"), "宁夏回族自治区": (5.0, "about"),
    "安徽省": (5.25, "range"), "山东省": (5.0, "at_least"), "山西省": (4.75, "range"), "广东省": (4.75, "range"),
    "广西壮族自治区": (5.0, "about"),      # 经济增长5%左右
    "新疆维吾尔自治区": (5.75, "range"), "江苏省": (5.0, "exact"),  # 地区生产总值按增长5%安排
    "江西省": (5.25, "range"), "河北省": (5.0, "at_least"),
    "河南省": (5.0, "about"),              # 经济增长5%左右; "…力争比去年实现更多增长" later in the sentence
    "浙江省": (5.25, "range"), "海南省": (6.0, "about"), "湖北省": (5.5, "about"), "湖南省": (5.0, "about"),
    "甘肃省": (5.5, "about"),              # part headings without numbers
    "福建省": (5.0, "about"),              # thematic numbered headings
    "西藏自治区": (7.0, "at_least"), "贵州省": (5.0, "about"), "辽宁省": (4.5, "about"),
    "重庆市": (5.0, "at_least"), "陕西省": (5.0, "about"), "青海省": (4.5, "about"), "黑龙江省": (4.75, "range"),
}


def test_every_provincial_report_of_2026_has_its_target_and_full_sections():
    table = growth_targets(load_corpus("provinces2026"))
    assert len(table) == 31
    got = {row["place"]: (row["target_value"], row["qualifier"]) for row in table.to_dict("records")}
    assert got == PROVINCES_2026
    assert set(table["status"]) == {"found"} and set(table["sectioning"]) == {"full"}
    for row in table.to_dict("records"):   # the figure is in the sentence reported with it
        low = "%g" % (row["target_low"] if not nan(row["target_low"]) else row["target_value"])
        assert low in row["target_sentence"], row["place"]
