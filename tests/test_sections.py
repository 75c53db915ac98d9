"""Sections of a work report: review, plan, conduct, their numbered headings, and paragraphs."""

from __future__ import annotations

import pandas as pd
import pytest

from textmine.corpus import Corpus, Document, load_corpus
from textmine.errors import DictionaryError
from textmine.sections import (
    classify_heading,
    cn_number,
    find_headings,
    load_part_rules,
    paragraphs,
    section_corpus,
    sectioning_summary,
    split_paragraphs,
    split_sections,
)

REPORT = (
    "2024年某市政府工作报告\n"
    "各位代表：\n"
    "一、2023年工作回顾\n"
    "过去一年，经济运行稳中向好。\n"
    "（一）稳住经济大盘。全市生产总值增长5%。\n"
    "（二）推进改革开放。营商环境持续优化。\n"
    "二、2024年工作安排\n"
    "今年主要预期目标是：地区生产总值增长6%左右。\n"
    "（一）发展新质生产力。加快建设现代化产业体系。\n"
    "（二）优化营商环境。深化“放管服”改革。\n"
    "三、全面加强政府自身建设\n"
    "坚持依法行政，建设法治政府。\n"
)


@pytest.fixture
def report() -> Corpus:
    return Corpus([Document("r", REPORT, {"doctype": "report", "place": "某市", "year": 2024}, clean=False)])


def test_sections_follow_the_numbered_headings(report):
    df = split_sections(report).fillna("")
    assert df[["part", "heading_level", "heading", "subheading"]].values.tolist() == [
        ["preamble", 0, "", ""],
        ["review", 1, "一、2023年工作回顾", ""],
        ["review", 2, "一、2023年工作回顾", "（一）稳住经济大盘"],
        ["review", 2, "一、2023年工作回顾", "（二）推进改革开放"],
        ["plan", 1, "二、2024年工作安排", ""],
        ["plan", 2, "二、2024年工作安排", "（一）发展新质生产力"],
        ["plan", 2, "二、2024年工作安排", "（二）优化营商环境"],
        ["conduct", 1, "三、全面加强政府自身建设", ""],
    ]
    assert df["section_no"].tolist() == list(range(8))
    assert set(df["sectioning"]) == {"full"}


def test_sections_cover_the_text_without_gap_or_overlap(report):
    df = split_sections(report)
    assert df["start"].iloc[0] == 0 and df["end"].iloc[-1] == len(REPORT)
    assert df["start"].iloc[1:].tolist() == df["end"].iloc[:-1].tolist()
    texts = [REPORT[a:b] for a, b in zip(df["start"], df["end"])]
    assert texts[2] == "（一）稳住经济大盘。全市生产总值增长5%。\n"
    assert df["n_chars"].iloc[2] == len("（一）稳住经济大盘。全市生产总值增长5%。")


@pytest.mark.parametrize("heading, part", [
    ("一、2023年工作回顾", "review"),
    ("一、过去五年工作回顾", "review"),
    ("一、2023年国民经济和社会发展计划执行情况", "review"),
    ("二、2024年工作安排", "plan"),
    ("二、2024年工作目标任务", "plan"),
    ("二、2024年国民经济和社会发展计划（草案）", "plan"),
    ("二、今年经济社会发展主要工作", "plan"),
    ("三、加强政府自身建设", "conduct"),
    ("三、建设人民满意的政府", "conduct"),
    ("四、关于若干问题的说明", None),
    # headings of other decades and of provincial reports (issue 17; 2026 wordings from the 31 provincial reports)
    ("一、过去一年的工作", "review"),
    ("一、过去五年的工作", "review"),
    ("二、对今年政府工作的建议", "plan"),
    ("二、2024年经济社会发展主要目标任务", "plan"),
    ("一、2025年主要工作和“十四五”发展成就", "review"),
    ("二、“十四五”时期发展成就和“十五五”时期主要目标任务", "plan"),
    ("二、“十五五”发展的主要考虑", "plan"),
    ("二、“十五五”时期经济社会发展把握的重要要求", "plan"),
    ("二、关于《上海市国民经济和社会发展第十五个五年规划纲要（草案）》的说明", "plan"),
    ("一、一年接着一年干，新福建建设持续取得新进展新成效", "review"),
    ("三、一鼓作气勇争先，全力推动“十五五”开好局、起好步", "plan"),
    ("四、努力建设让人民满意的法治型服务型政府", "conduct"),
    ("四、坚持和加强党的全面领导，全力建设让人民更加满意的政府", "conduct"),
    ("四、全面提升政府治理效能", "conduct"),
    ("四、一以贯之转作风，努力建设人民满意的服务型政府", "conduct"),
])
def test_part_classification_from_heading_keywords(heading, part):
    assert classify_heading(heading) == part


def test_a_plan_item_about_the_government_itself_is_conduct():
    text = ("一、2023年工作回顾\n（一）政府效能不断提升。\n二、2024年工作安排\n（一）扩大内需。\n"
            "（二）致力加强自身建设，打造人民满意的服务型政府。\n")
    df = split_sections(text)
    assert df["part"].tolist() == ["review", "review", "plan", "plan", "conduct"]


def test_heading_numbers_must_run_in_sequence():
    text = "一、回顾\n（一）甲。\n（三）引用的编号。\n（二）乙。\n三、不是第二部分\n二、安排\n"
    got = [(h.level, h.number, h.text) for h in find_headings(text)]
    assert got == [(1, 1, "一、回顾"), (2, 1, "（一）甲"), (2, 2, "（二）乙"), (1, 2, "二、安排")]


def test_ascii_brackets_and_items_restarting_under_each_part():
    text = "一、2023年工作回顾\n(一)甲。\n(二)乙。\n二、2024年工作安排\n(一)丙。\n"
    df = split_sections(text).fillna("")
    assert df["subheading"].tolist() == ["", "(一)甲", "(二)乙", "", "(一)丙"]


def test_chinese_numbers_beyond_ten():
    assert [cn_number(s) for s in ("一", "九", "十", "十一", "十二", "二十", "二十三")] == [1, 9, 10, 11, 12, 20, 23]
    text = "一、回顾\n" + "".join(f"（{n}）第{n}项。\n" for n in
                                 ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"])
    assert len([h for h in find_headings(text) if h.level == 2]) == 12


def test_a_long_numbered_line_is_not_a_heading():
    long_line = "一、" + "这是一个很长的段落而不是标题" * 5 + "。\n"
    assert find_headings(long_line) == []


def test_text_without_headings_is_one_other_section():
    df = split_sections("透过政府工作报告看发展。全市生产总值增长2.8%。")
    assert df[["part", "heading_level", "sectioning"]].values.tolist() == [["other", 0, "none"]]


def test_truncated_report_is_partial_and_says_what_is_missing():
    doc = Document("t", "各位代表：\n一、2023年工作回顾\n（一）甲。\n（二）乙", {"doctype": "report"}, clean=False)
    df = split_sections(Corpus([doc]))
    assert set(df["sectioning"]) == {"partial"}
    assert "no plan" in df["sectioning_reason"].iloc[0]


def test_excerpt_is_split_but_marked_partial():
    doc = Document("e", REPORT, {"doctype": "excerpt"}, clean=False)
    df = split_sections(Corpus([doc]))
    assert df["part"].tolist()[-1] == "conduct"
    assert set(df["sectioning"]) == {"partial"}
    assert "excerpt" in df["sectioning_reason"].iloc[0]


def test_section_corpus_keeps_parent_metadata_and_adds_part(report):
    sc = section_corpus(report)
    assert sc.ids == [f"r#{i}" for i in range(8)]
    d = sc["r#5"]
    assert (d["parent_id"], d["part"], d["heading"], d["subheading"]) == (
        "r", "plan", "二、2024年工作安排", "（一）发展新质生产力")
    assert d["place"] == "某市" and d["year"] == 2024 and d["sectioning"] == "full"
    assert sc["r#0"]["heading"] is None
    assert d.text == "（一）发展新质生产力。加快建设现代化产业体系。\n"
    assert "".join(sc.texts) == REPORT


def test_section_corpus_groups_by_part_in_slogan_frequency(report):
    from textmine import frequency

    df = frequency.slogan_frequency(section_corpus(report), ["营商环境", "新质生产力"], by="part")
    counts = {(r["part"], r["slogan"]): r["count"] for r in df.to_dict("records")}
    assert counts[("review", "营商环境")] == 1 and counts[("plan", "营商环境")] == 1
    assert counts[("plan", "新质生产力")] == 1 and counts[("review", "新质生产力")] == 0


def test_a_paragraph_is_a_line_of_cleaned_text():
    text = "（一）稳增长\n  全年地区生产总值增长5%。 \n\n扩大内需，提振消费。\n"
    assert [text[a:b] for a, b in split_paragraphs(text)] == [
        "（一）稳增长", "全年地区生产总值增长5%。", "扩大内需，提振消费。"]


def test_paragraphs_map_back_to_report_and_part(report):
    paras = paragraphs(report, min_chars=12)
    got = [(d.doc_id, d["parent_id"], d["part"], d["paragraph_no"], d.text) for d in paras]
    assert got == [
        ("r#p0", "r", "preamble", 0, "2024年某市政府工作报告"),     # 各位代表： is too short
        ("r#p1", "r", "review", 1, "过去一年，经济运行稳中向好。"),
        ("r#p2", "r", "review", 2, "（一）稳住经济大盘。全市生产总值增长5%。"),
        ("r#p3", "r", "review", 3, "（二）推进改革开放。营商环境持续优化。"),
        ("r#p4", "r", "plan", 4, "今年主要预期目标是：地区生产总值增长6%左右。"),
        ("r#p5", "r", "plan", 5, "（一）发展新质生产力。加快建设现代化产业体系。"),
        ("r#p6", "r", "plan", 6, "（二）优化营商环境。深化“放管服”改革。"),
        ("r#p7", "r", "conduct", 7, "坚持依法行政，建设法治政府。"),
    ]
    assert paras["r#p7"]["place"] == "某市"


def test_paragraphs_can_keep_heading_lines(report):
    texts = paragraphs(report, min_chars=1, headings=True).texts
    assert "三、全面加强政府自身建设" in texts
    assert "三、全面加强政府自身建设" not in paragraphs(report, min_chars=1).texts


def test_unnumbered_part_headings_on_lines_of_their_own():
    # 甘肃 2026: the three parts are headed without numbers, items （一）… only in the plan
    text = ("各位代表：\n“十四五”时期工作回顾\n五年来主要做了以下工作。\n“十五五”时期的主要目标任务\n"
            "要努力实现以下目标任务。\n2026年重点工作\n（一）放大促消费扩投资政策效应\n落实。\n（二）加快建设现代化产业体系\n建设。")
    df = split_sections(text)
    assert df[["part", "heading", "subheading", "heading_level"]].fillna("").values.tolist() == [
        ["preamble", "", "", 0],
        ["review", "“十四五”时期工作回顾", "", 1],
        ["plan", "“十五五”时期的主要目标任务", "", 1],
        ["plan", "2026年重点工作", "", 1],
        ["plan", "2026年重点工作", "（一）放大促消费扩投资政策效应", 2],
        ["plan", "2026年重点工作", "（二）加快建设现代化产业体系", 2],
    ]
    assert df["sectioning"].iloc[0] == "full"


def test_numbered_parts_under_an_unnumbered_plan_heading_inherit_it():
    # 内蒙古 2026: the plan is headed without a number; its numbered parts name themes, not parts
    text = ("“十四五”时期发展成就和2025年工作回顾\n成绩。\n“十五五”时期主要目标和2026年重点工作\n目标。\n"
            "一、把铸牢中华民族共同体意识作为各项工作的主线\n甲。\n二、全力抓好七项重点工作\n乙。\n"
            "三、把坚持党的全面领导贯穿政府工作各方面全过程\n丙。")
    df = split_sections(text)
    assert df["part"].tolist() == ["review", "plan", "plan", "plan", "conduct"]


@pytest.mark.parametrize("line", [
    "今年重点工作包括扩大内需、稳定就业",   # punctuation: a sentence, not a heading
    "我们将继续做好今年各项重点工作和任务安排，确保完成全年目标任务",
    "过去五年",                            # names no part
])
def test_ordinary_lines_are_not_unnumbered_headings(line):
    assert find_headings(f"甲。\n{line}\n乙。") == []


def test_a_pattern_with_an_unquoted_comma_is_a_dictionary_error(tmp_path):
    bad = tmp_path / "parts.csv"
    bad.write_text("part,scope,pattern,note\nplan,heading,目标{0,8}任务,note\n", encoding="utf-8")
    with pytest.raises(DictionaryError, match="more fields than the header"):
        load_part_rules(str(bad))


def test_bundled_corpus_sectioning():
    corpus = load_corpus()
    summary = sectioning_summary(corpus).set_index("doc_id")
    assert summary.loc["jinan_2024_report", "sectioning"] == "full"
    assert summary.loc["jinan_2024_report", "parts"] == "preamble,review,plan,conduct"
    assert summary.loc["quanzhou_2021_news", "sectioning"] == "none"
    assert summary.loc["neijiang_2024_report", "sectioning"] == "partial"      # truncated in its review
    assert summary.loc["quangang_2024_plan", "sectioning"] == "partial"        # a plan report
    df = split_sections(corpus)
    jinan = df[df["doc_id"] == "jinan_2024_report"]
    assert (jinan["heading_level"] == 2).sum() == 7 + 12     # （一）…（七） reviewed, （一）…（十二） planned
    fuzhou = df[(df["doc_id"] == "fuzhou_2024_report") & (df["part"] == "conduct")]
    assert fuzhou["subheading"].str.startswith("(八)").tolist() == [True]
    for doc in corpus:
        rows = df[df["doc_id"] == doc.doc_id]
        assert rows["start"].iloc[0] == 0 and rows["end"].iloc[-1] == len(doc.text)


def test_section_and_paragraph_units_keep_the_administrative_level_of_their_report():
    frame = pd.DataFrame({"doc_id": ["r"], "level": ["县区"],
                          "text": ["一、2023年工作回顾\n经济运行稳中向好，全年增长百分之五。\n二、2024年工作安排\n加快发展新质生产力，做强产业。"]})
    corpus = Corpus.from_dataframe(frame, clean=False)
    for units in (section_corpus(corpus), paragraphs(corpus, min_chars=5)):
        assert {d["level"] for d in units} == {"县区"}
        assert {d["heading_level"] for d in units} <= {0, 1, 2}
