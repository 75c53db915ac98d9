"""Splitting a collection (合集) at its report titles."""

from __future__ import annotations

from textmine.split import parse_toc, split_collection

COLLECTION = """正文复制
合集
目 录
一、地级市
1.2024年甲市政府工作报告 1
2.2024年乙市政府工作报告 12
二、县区
3.2024年丙县政府工作报告 30
2024年甲市政府工作报告
各位代表:
甲市正文,提到2024年乙市政府工作报告的只是引用。
2024年丙县政府工作报告
丙县正文,被截断"""


def test_table_of_contents_entries_carry_their_level_heading():
    entries, first_body_line = parse_toc(COLLECTION.split("\n"))
    assert [(e.number, e.title, e.toc_level, e.page) for e in entries] == [
        (1, "2024年甲市政府工作报告", "地级市", 1),
        (2, "2024年乙市政府工作报告", "地级市", 12),
        (3, "2024年丙县政府工作报告", "县区", 30),
    ]
    assert COLLECTION.split("\n")[first_body_line] == "2024年甲市政府工作报告"


def test_split_takes_only_whole_title_lines_after_the_table_of_contents():
    parts, missing = split_collection(COLLECTION)
    assert [p.title for p in parts] == ["2024年甲市政府工作报告", "2024年丙县政府工作报告"]
    assert parts[0].body == "各位代表:\n甲市正文,提到2024年乙市政府工作报告的只是引用。"
    assert parts[1].body == "丙县正文,被截断"
    assert parts[1].toc_level == "县区"
    assert [m.title for m in missing] == ["2024年乙市政府工作报告"]


def test_part_offsets_point_at_the_title_line():
    parts, _ = split_collection(COLLECTION)
    for part in parts:
        assert COLLECTION[part.start:].startswith(part.title)


def test_text_without_table_of_contents_has_no_parts():
    assert split_collection("2024年甲市政府工作报告\n正文") == ([], [])
