"""Specification of textmine.cleaning: each rule on a short text, then the seed files."""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
import pytest

from textmine._io import read_text
from textmine.cleaning import (
    detect_script,
    DEFAULT_STEPS,
    Change,
    clean,
    drop_duplicates,
    join_broken_lines,
    load_furniture,
    load_masks,
    looks_truncated,
    normalize,
    remove_furniture,
    remove_spaces,
    to_simplified,
    unmask,
)
from textmine.corpus import Corpus
from textmine.errors import DictionaryError

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


# --------------------------------------------------------------------------- normalize


def test_normalize_makes_fullwidth_digits_and_letters_ascii():
    assert normalize("２０２４年ＧＤＰ增长５．２％")[0] == "2024年GDP增长5.2%"


def test_normalize_keeps_chinese_punctuation():
    text = "各位代表：现在，我代表市人民政府（草案）报告“工作”。"
    assert normalize(text) == (text, [])


def test_normalize_spaces_and_line_endings():
    # no-break space and ideographic space -> " ", zero-width space -> gone, CRLF -> LF
    assert normalize("一、\u00a0回顾\u3000\r\n二、\u200b安排")[0] == "一、 回顾 \n二、安排"


# --------------------------------------------------------------------------- furniture


@pytest.mark.parametrize(
    "line",
    [
        "您当前的位置:首页 > 政务公开 > 政府信息公开 > 泉州动态 > 泉州要闻",
        "您所在的位置:东南网 > 东南网泉州频道 > 泉州时政 > 泉州要闻 > 正文",
        "直通屏山| 视频| 福建| 时评| 台海| 娱乐| 体育",
        "分享到:",
        "扫一扫在手机上查看当前页面",
        "VIP专免",
        "999+",
        "39.03KB",
        "24 页",
        "海报",
        "侵权投诉",
        "附件下载",
        "正文复制",
        "展开>>",
        "收起<<",
        "1  2  3  4",
        "12",
        "相关新闻",
        "文字解读",
        "    • 索 引 号:QZ04104-3000-2023-00033",
        "    • 发布机构:泉港区发展和改革局",
        "来源:泉州通客户端 2024-01-12 09:16 阅读人数:1",
        "2021-01-17 09:55:20 蔡紫旻 陈凌鹭 来源:泉州晚报  责任编辑:王娇榕   我来说两句",
        "    时间:2023-12-27 09:09",
    ],
)
def test_furniture_line_is_removed(line):
    text = f"坚持稳中求进。\n{line}\n推动高质量发展。"
    new, changes = remove_furniture(text)
    assert new == "坚持稳中求进。\n推动高质量发展。"
    assert [c.action for c in changes] == ["removed"]
    assert line in changes[0].before


@pytest.mark.parametrize(
    "sentence",
    [
        "巩固提升泉州在全省的位置:经济总量连续22年居全省首位。",
        "资金来源:争取中央预算内投资12亿元。",
        "新增学位1.8万个。",
        "分享发展成果,扫除障碍。",
        "24个重点项目建成投产。",
    ],
)
def test_report_sentences_are_not_furniture(sentence):
    assert remove_furniture(sentence) == (sentence, [])


def test_watermark_is_removed_mid_line():
    text = "实施棚户区改造项目20个,更多资料uk:xx整理,开工老旧小区改造项目315个。"
    new, changes = remove_furniture(text)
    assert new == "实施棚户区改造项目20个,开工老旧小区改造项目315个。"
    assert [(c.action, c.before) for c in changes] == [("removed", "更多资料uk:xx整理,")]


def test_watermark_at_line_end_is_removed():
    text = "积极争创全国更多资料+AAA:xx\n营商环境创新试点城市。更多资料+【公众号:哒哒君】"
    assert remove_furniture(text)[0] == "积极争创全国\n营商环境创新试点城市。"


def test_trailing_related_links_are_cut():
    text = "奋力谱写新篇章!\n相关解读\n文字解读\n泉州召开经济工作会议\n媒体报道"
    assert remove_furniture(text)[0] == "奋力谱写新篇章!"


def test_related_heading_followed_by_prose_keeps_the_prose():
    prose = "全市生产总值增长5.5%,一般公共预算收入增长6%,居民人均可支配收入增长6.2%,城镇调查失业率控制在5.5%以内。"
    text = f"奋力谱写新篇章!\n相关新闻\n{prose}"
    assert remove_furniture(text)[0] == f"奋力谱写新篇章!\n{prose}"


# --------------------------------------------------------------------------- duplicates


def test_repeated_paragraph_is_dropped_keeping_first():
    para = "坚持把发展经济的着力点放在实体经济上,加快建设现代化产业体系。"
    text = f"{para}\n推动高质量发展。\n{para}"
    new, changes = drop_duplicates(text)
    assert new == f"{para}\n推动高质量发展。"
    assert [c.action for c in changes] == ["removed"]


def test_duplicate_is_compared_without_whitespace():
    assert drop_duplicates("2023年泉州市政府工作报告\n2023 年泉州市政府工作报告")[0] == "2023年泉州市政府工作报告"


def test_abstract_copied_at_the_end_is_dropped():
    text = (
        "各位代表:\n现在,我代表市人民政府向大会报告政府工作,请予\n审议。一、2022 年政府工作回顾\n"
        "各位代表:现在,我代表市人民政府向大会报告政府工作,请予审议。一、2022年政府..."
    )
    new, changes = drop_duplicates(text)
    assert new == "各位代表:\n现在,我代表市人民政府向大会报告政府工作,请予\n审议。一、2022 年政府工作回顾"
    assert changes[0].before.endswith("一、2022年政府...")


def test_short_lines_repeated_far_apart_are_kept():
    text = "各位代表:\n今年工作很重要。\n各位代表:"
    assert drop_duplicates(text) == (text, [])


# --------------------------------------------------------------------------- join lines


def test_phrase_broken_across_lines_is_counted_once():
    text = "这一年,我们大力培育新质生\n产力,加快建设现代化产业体系。"
    cleaned = clean(text).text
    assert cleaned.count("新质生产力") == 1
    assert "\n" not in cleaned


def test_pdf_wrap_is_joined_but_sentence_end_is_not():
    text = "现在,我代表市人民政府向大会报告政府工作,请予\n审议。\n一年来的主要工作是:\n(一)经济大盘保持稳定。"
    assert join_broken_lines(text)[0] == (
        "现在,我代表市人民政府向大会报告政府工作,请予审议。\n一年来的主要工作是:\n(一)经济大盘保持稳定。"
    )


def test_heading_and_title_are_not_glued_to_the_next_paragraph():
    text = "2023年泉州市政府工作报告\n一、2022年政府工作回顾\n2022年,我们迎来了党的二十大胜利召开。"
    assert join_broken_lines(text) == (text, [])


def test_word_split_inside_open_quote_is_joined():
    text = "打好“强引擎、建载体、铸\n链\n条、提存量”组合拳。"
    assert join_broken_lines(text)[0] == "打好“强引擎、建载体、铸链条、提存量”组合拳。"


def test_paragraph_per_line_text_stays_paragraph_per_line():
    text = "坚持稳中求进。\n推动高质量发展!\n各位代表:\n(二)产业升级步伐加快"
    assert join_broken_lines(text) == (text, [])


def test_list_of_short_items_is_not_joined():
    text = "实施“百千”增产增效行动\n兑现惠企资金48.2亿元、减税降费91.1亿元\n为企业增贷、转续贷2400多亿元"
    assert join_broken_lines(text) == (text, [])


def test_page_break_inside_a_paragraph_is_joined():
    text = "同时,国防动员、双拥共建、民兵、预备役、人防、退役军人服务工作持\n续加强,统计、仲裁、外事、侨务等各项工作取得新成效。"
    assert join_broken_lines(text)[0] == (
        "同时,国防动员、双拥共建、民兵、预备役、人防、退役军人服务工作持续加强,统计、仲裁、外事、侨务等各项工作取得新成效。"
    )


def test_latin_words_split_by_a_line_break_keep_a_space():
    text = "坚持开放合作,打造Made in\nChina新名片。"
    assert join_broken_lines(text)[0] == "坚持开放合作,打造Made in China新名片。"


# --------------------------------------------------------------------------- spaces


def test_spaces_between_chinese_characters_are_deleted():
    assert remove_spaces("产权强 市 建 设 试 点 城 市 , 晋 江")[0] == "产权强市建设试点城市,晋江"


def test_spaces_between_chinese_and_digits_are_deleted():
    assert remove_spaces("2022 年生产总值增长 3.5%")[0] == "2022年生产总值增长3.5%"


def test_spaces_between_latin_letters_and_digits_are_kept():
    assert remove_spaces("打造 Made in China 品牌,PM 2.5 浓度下降,1 000 户")[0] == (
        "打造Made in China品牌,PM 2.5浓度下降,1 000户"
    )


def test_indentation_and_blank_lines_are_normalised():
    assert remove_spaces("\n    一、回顾  \n\n\n    我们坚持稳中求进。\n  ")[0] == "一、回顾\n我们坚持稳中求进。"


# --------------------------------------------------------------------------- simplify


def test_traditional_to_simplified_when_asked_or_detected():
    assert to_simplified("經濟發展")[0] == "经济发展"
    assert clean("經濟發展", to_simplified=False).text == "經濟發展"
    for option in (True, "auto"):
        result = clean("經濟發展", to_simplified=option)
        assert result.text == "经济发展"
        assert {c.step for c in result.changes} == {"simplify"}


# A passage of a work report in traditional script, as an archive or a Hong Kong/Taiwan source prints it,
# and the same passage written in simplified characters by hand: 20 of its 44 Chinese characters differ
# (們堅經濟設為發質產續優營環認貫徹實黨會議; zip(TRADITIONAL, SIMPLIFIED) counts them).
TRADITIONAL = "我們堅持以經濟建設為中心，大力發展新質生產力，持續優化營商環境，認真貫徹落實黨的二十大會議精神。"
SIMPLIFIED = "我们坚持以经济建设为中心，大力发展新质生产力，持续优化营商环境，认真贯彻落实党的二十大会议精神。"


def test_script_is_detected_per_document():
    assert detect_script(TRADITIONAL) == "traditional"
    assert detect_script(SIMPLIFIED) == "simplified"
    assert detect_script("GDP 5.0%") == "unknown"
    # a simplified report that quotes one traditional character stays simplified (1 of 45)
    assert detect_script(SIMPLIFIED + "臺") == "simplified"


def test_a_traditional_report_is_converted_by_default_and_slogans_are_found():
    result = clean(TRADITIONAL)
    assert result.script == "traditional"
    assert result.text == SIMPLIFIED
    assert result.text.count("新质生产力") == 1 and result.text.count("营商环境") == 1
    frame = result.to_frame()
    assert set(frame["step"]) == {"simplify"}
    # every changed run is recorded: applying the records to the original gives the cleaned text
    assert sum(len(b) for b in frame["before"]) == sum(a != b for a, b in zip(TRADITIONAL, SIMPLIFIED))


def test_a_simplified_report_is_left_alone_and_conversion_can_be_switched_off():
    result = clean(SIMPLIFIED)
    assert (result.script, result.text, result.changes) == ("simplified", SIMPLIFIED, [])
    kept = clean(TRADITIONAL, to_simplified=False)
    assert kept.text == TRADITIONAL and kept.script is None
    with pytest.raises(ValueError, match="to_simplified"):
        clean(SIMPLIFIED, to_simplified="yes")


def test_a_traditional_document_in_a_corpus_is_converted():
    from textmine.frequency import slogan_frequency

    corpus = Corpus.from_texts([TRADITIONAL, SIMPLIFIED], ids=["trad", "simp"], clean=True)
    assert corpus["trad"].text == corpus["simp"].text
    counts = slogan_frequency(corpus, ["新质生产力"])
    assert counts["count"].tolist() == [1, 1]


# --------------------------------------------------------------------------- unmask


@pytest.mark.parametrize(
    "masked, restored",
    [
        ("深入学习贯彻X的二十大精神", "深入学习贯彻党的二十大精神"),
        ("以习近平同志为核心的X中央", "以习近平同志为核心的党中央"),
        ("推进政府系统X风廉政建设", "推进政府系统党风廉政建设"),
        ("向各民主X派、工商联和无X派人士", "向各民主党派、工商联和无党派人士"),
        ("落实全面从严治X主体责任", "落实全面从严治党主体责任"),
        ("落实全面从严治XZZ责任", "落实全面从严治党政治责任"),
        ("中国共产X纪律处分条例", "中国共产党纪律处分条例"),
        ("市第六次X代会", "市第六次党代会"),
        ("完善X员干部与企业联系机制", "完善党员干部与企业联系机制"),
        ("支持村X组织领办合作社", "支持村党组织领办合作社"),
        ("粮食安全X政同责", "粮食安全党政同责"),
        ("实现X政机关法律顾问全覆盖", "实现党政机关法律顾问全覆盖"),
        ("不断提高ZZ判断力、ZZ领悟力、ZZ执行力", "不断提高政治判断力、政治领悟力、政治执行力"),
        ("严格落实中央XXXX及其实施细则精神", "严格落实中央八项规定及其实施细则精神"),
        ("秉承弘扬A同志在福建、福州工作期间", "秉承弘扬习近平同志在福建、福州工作期间"),
    ],
)
def test_mask_is_restored_in_certain_context(masked, restored):
    new, changes = unmask(masked)
    assert new == restored
    assert changes and all(c.action == "rewritten" for c in changes)


@pytest.mark.parametrize(
    "text",
    [
        "做实“1+6+X”功能",
        "构建“543X”新赛道格局",
        "民生“XIN”行动深入实施",
        "壮大“2+3+N”多层次投资基金",
        "X射线检测中心",
        "创建国家5A级景区,获评A级等次",
    ],
)
def test_genuine_latin_letters_survive_unmasking(text):
    assert unmask(text) == (text, [])
    assert clean(text, unmask=True).text == text


def test_unmask_is_off_by_default():
    assert clean("贯彻X的二十大精神").text == "贯彻X的二十大精神"


def test_mask_table_has_a_note_for_every_rule():
    assert all(rule.note for rule in load_masks())


# --------------------------------------------------------------------------- clean() and its record


def test_change_record_lists_removed_furniture_and_rewritten_masks():
    text = "分享到:\n深入学习贯彻X的二十大精神。更多资料+AAA:xx"
    result = clean(text, unmask=True)
    assert result.text == "深入学习贯彻党的二十大精神。"
    recorded = [(c.step, c.action, c.before, c.after) for c in result.changes]
    assert recorded == [
        ("furniture", "removed", "分享到:\n", ""),
        ("furniture", "removed", "更多资料+AAA:xx", ""),
        ("unmask", "rewritten", "X", "党"),
    ]


def test_change_position_points_into_the_text_the_step_received():
    text = "深入贯彻X的二十大精神。"
    (change,) = unmask(text)[1]
    assert text[change.position : change.position + len(change.before)] == "X"
    assert change == Change("unmask", "rewritten", "X", "党", 4)


def test_to_frame_and_summary():
    result = clean("VIP专免\n2022 年 经济增长。\n海报", unmask=True)
    frame = result.to_frame()
    assert list(frame.columns) == ["step", "action", "before", "after", "position"]
    assert len(frame) == len(result.changes)
    summary = result.summary()
    assert list(summary.columns) == ["step", "action", "n", "chars"]
    furniture = summary[summary["step"] == "furniture"]
    # two badge lines removed: "VIP专免\n" and "\n海报"
    assert furniture["n"].tolist() == [2]
    assert furniture["chars"].tolist() == [len("VIP专免\n") + len("\n海报")]
    spaces = summary[summary["step"] == "spaces"]
    assert spaces["n"].tolist() == [2]


def test_steps_can_be_chosen():
    assert DEFAULT_STEPS == ("normalize", "furniture", "duplicates", "join_lines", "spaces")
    assert clean("２０２２ 年", steps=["normalize"]).text == "2022 年"
    with pytest.raises(ValueError, match="unknown cleaning step"):
        clean("文本", steps=["stem"])


def test_clean_is_idempotent_on_a_sample():
    sample = (
        "您当前的位置:首页 > 政务公开\n"
        "2023年泉州市政府工作报告\nVIP专免\n2023 年泉州市政府工作报告\n"
        "各位代表:\n现在,我代表市人民政府向大会报告政府工作,请予\n审议。\n"
        "一、2022 年政府工作回顾\n  2022 年,我们贯彻X的二十大精神,打好“强引擎、铸\n链\n条”组合拳,\n"
        "获批国家知识产权强 市 建 设 试 点 城 市。更多资料+AAA:xx\n\n"
        "实施“百千”增产增效行动\n兑现惠企资金48.2亿元\n分享到:"
    )
    once = clean(sample, unmask=True).text
    assert clean(once, unmask=True).text == once
    assert "链条" in once and "X" not in once


# --------------------------------------------------------------------------- truncation


@pytest.mark.parametrize(
    "text, truncated",
    [
        ("全市生产总值增长6%。", False),
        ("奋力谱写新时代美好泉港建设新篇章!", False),
        ("各位代表:\n大力推进高质量发展。\n2024年1月10日", False),
        ("推广数字化生产线121条、新增“", True),
        ("紧扣“提高...", True),
        ("推进卫生事业高质量发展先行市建设,新增4个省级临床重点", True),
    ],
)
def test_looks_truncated(text, truncated):
    assert looks_truncated(text) is truncated


# --------------------------------------------------------------------------- data files


SOURCE_LINE = "记者 王某 来源：泉州晚报 2021-01-17 09:55"


@pytest.mark.parametrize("line, furniture", [
    ("x" * 60 + "责任编辑" + " " * 100 + "：" + "y" * 40, True),   # 205 characters, most of them spaces
    ("直通屏山|" * 40, True),                                      # a navigation bar longer than 160
    (SOURCE_LINE, True),                                           # the source-and-date line, any first character
    (SOURCE_LINE + "甲" * (160 - len(SOURCE_LINE)), True),         # 160 characters: still one
    (SOURCE_LINE + "甲" * (161 - len(SOURCE_LINE)), False),        # 161: longer than that pattern allows
    ("１２页", True), ("٣ 页", True),                              # digits other than 0-9 start \d patterns too
    ("第 3 页", True), ("来源：解放日报", True), ("我来说两句", True),
    ("推进高质量发展。", False), ("我们坚持稳中求进，全年增长5%。", False), ("12月", False),
])
def test_a_furniture_line_is_told_from_the_patterns_it_can_start_with_as_by_all_of_them(line, furniture):
    from textmine.cleaning import _line_match

    rules = load_furniture()
    assert (rules.line.fullmatch(line) is not None) == furniture   # the union itself, worked out by hand
    assert _line_match(rules)(line) == furniture


@pytest.mark.parametrize("pattern, chars, digits, longest", [
    ("abc", "a", False, 3),
    (r"(?:ab)?c", "ac", False, 3),
    (r"【?\s*(打印|关闭)", "【打关", False, float("inf")),   # a stripped line never starts with whitespace
    (r"(?=.*来源)[•·]?x.{0,9}", "•·x", False, 11),           # a lookahead takes no character
    (r"\d|x", "x", True, 1),
    (r"[0-9a-c]{2}", "0123456789abc", False, 2),
    (r".{0,20}下一页", None, False, 23),
    (r"[^|]{1,10}\|", None, False, 11),
    (r"(?i)vip", None, False, 3),                             # case-insensitive: not told
])
def test_pattern_shape_is_what_can_start_a_match_and_its_longest_length(pattern, chars, digits, longest):
    from textmine.cleaning import _pattern_shape

    got_chars, got_digits, got_longest = _pattern_shape(pattern)
    assert (got_chars if got_chars is None else "".join(sorted(got_chars))) == \
        (chars if chars is None else "".join(sorted(chars)))
    assert (got_digits, got_longest) == (digits, longest)


def test_bad_furniture_file_names_file_and_line(tmp_path):
    path = tmp_path / "furniture.txt"
    path.write_text("[line]\n分享到\n(unclosed\n", encoding="utf-8")
    with pytest.raises(DictionaryError, match=r"furniture\.txt: line 3"):
        load_furniture(path)


def test_furniture_patterns_that_cannot_be_joined_name_the_file(tmp_path):
    path = tmp_path / "furniture.txt"  # each compiles alone; a flag in the middle of the union does not
    path.write_text("[line]\n分享到\n(?i)vip\n", encoding="utf-8")
    with pytest.raises(DictionaryError, match=r"furniture\.txt: the patterns cannot be joined"):
        load_furniture(path)


def test_bad_mask_table_names_file(tmp_path):
    path = tmp_path / "masks.csv"
    path.write_text("mask,replacement\nX,党\n", encoding="utf-8")
    with pytest.raises(DictionaryError, match=r"masks\.csv"):
        load_masks(path)


def test_custom_furniture_file(tmp_path):
    path = tmp_path / "furniture.txt"
    path.write_text("# my site\n[line]\n返回首页\n", encoding="utf-8")
    assert remove_furniture("返回首页\n正文。", rules=load_furniture(path))[0] == "正文。"


# --------------------------------------------------------------------------- the seed files


SEED_FILES = sorted(SEEDS.glob("*.txt"))
FURNITURE = ("扫一扫在手机上查看当前页面", "VIP专免", "更多资料+AAA", "更多资料", "分享到", "您当前的位置", "索 引 号")


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name[:3])
def test_seed_files_lose_their_furniture(path):
    raw = read_text(path)
    result = clean(raw, unmask=path.name.startswith("004"))
    for junk in FURNITURE:
        assert junk not in result.text
    assert clean(result.text, unmask=path.name.startswith("004")).text == result.text


def test_seed_004_is_unmasked():
    raw = read_text(SEEDS / "004_856a73ee7808871b.txt")
    assert "X的二十大" in raw
    start = time.perf_counter()
    result = clean(raw, unmask=True)
    elapsed = time.perf_counter() - start
    text = result.text
    assert "X的二十大" not in text and "党的二十大" in text
    assert "ZZ" not in text and "XXXX" not in text
    assert "“543X”" in text  # a genuine Latin X
    assert raw.count("X的二十大") == text.count("党的二十大") - raw.count("党的二十大")
    assert elapsed < 3.0  # ~0.1 s here; a quadratic duplicate search would take far longer


def test_seed_000_abstract_and_badges_are_dropped():
    result = clean(read_text(SEEDS / "000_ce43c476ef8a0853.txt"))
    text = result.text
    assert text.startswith("2023年泉州市政府工作报告\n各位代表:\n现在,我代表市人民政府向大会报告政府工作,请予审议,")
    assert text.count("各位代表") == 1  # the abstract repeating the opening is gone
    assert "铸链条、提存量" in text and "产权强市建设试点城市" in text
    assert looks_truncated(text)
    assert not looks_truncated(clean(read_text(SEEDS / "001_4207b2f59b3502d4.txt")).text)


def test_display_width_counts_wide_characters_twice_exactly_as_unicodedata_says():
    import random
    import unicodedata

    from textmine.cleaning import _display_width

    rng = random.Random(0)
    pool = [chr(c) for c in range(0x20, 0x30000) if not 0xD800 <= c < 0xE000]
    lines = ["2024年GDP增长5.4%，", "（一）", "…", "\u3000\u303f\uff61", ""]
    lines += ["".join(rng.choice(pool) for _ in range(40)) for _ in range(500)]
    for line in lines:
        assert _display_width(line) == sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)
    assert _display_width("2024年GDP增长5.4%，") == 11 + 2 * 4  # 年 增 长 ， are wide


# --------------------------------------------------------------------------- fast paths
#
# Each step takes shortcuts for speed (a character-class scan before a regex, whole
# runs of lines decided apart, line widths in arrays, a watermark search over the
# whole text). Here every shortcut is checked against the plain formulation of the
# same rule -- the one-regex or every-line version, written out in this file -- on
# every bundled document (seeds, and the provincial reports when bundled) and on
# tricky short texts whose results are worked out by hand.


def _bundled_raw_texts() -> list[tuple[str, str]]:
    """(name, raw text) of every bundled document."""
    import csv

    from textmine.corpus import load_corpus

    out = [(doc.doc_id, doc.raw) for doc in load_corpus(clean=False)]
    csv.field_size_limit(1 << 30)
    for path in sorted((SEEDS / "provinces2026").glob("*.csv")):
        with open(path, encoding="utf-8-sig", newline="") as fh:
            out += [(f"{path.name}:{i}", row["full_text"]) for i, row in enumerate(csv.DictReader(fh))]
    return out


def _records(changes):
    return [(c.step, c.action, c.before, c.after, c.position) for c in changes]


def _plain_line_spans(text):
    import re

    spans, start = [], 0
    for m in re.finditer("\n", text):
        spans.append((start, m.start()))
        start = m.end()
    return spans + [(start, len(text))]


def _plain_normalize(text):
    from textmine import cleaning as C

    edits = []
    for m in C._NORMALIZE_RE.finditer(text):  # the alternation tried at every position
        s = m.group()
        edits.append((m.start(), m.end(), "\n" if s[0] == "\r" else "".join(C._NORMALIZE[c] for c in s)))
    return C._apply(text, edits, "normalize")


def _plain_spaces(text):
    from textmine import cleaning as C

    edits = []
    for m in C._SPACES_RE.finditer(text):  # start/end/blank/nl/inner tried at every position
        kind = m.lastgroup
        if kind in ("start", "end"):
            edits.append((m.start(), m.end(), ""))
        elif kind in ("blank", "nl"):
            edits.append((m.start(), m.end(), "\n"))
        else:
            i = m.start()
            keep = C._keeps_space(text[i - 2 : i - 1], text[i - 1], text[m.end()])
            edits.append((m.start(), m.end(), " " if keep else ""))
    return C._apply(text, edits, "spaces")


def _plain_duplicates(text, min_chars=20):
    import re

    from textmine import cleaning as C

    seen, kept, previous, edits = set(), [], "", []
    for s, e in _plain_line_spans(text):
        key = re.sub(r"\s+", "", text[s:e])
        if not key:
            continue
        dup = (len(key) >= min_chars and key in seen) or (len(key) >= 4 and key == previous)
        if not dup:
            m = re.search(r"(\.{3,}|…+)\s*$", key)
            if m is not None:
                body = key[: m.start()]
                dup = len(body) >= min_chars and body in "".join(kept)
        if dup:
            edits.append((*C._removal_span(text, s, e), ""))
            continue
        seen.add(key)
        kept.append(key)
        previous = key
    return C._apply(text, C._dedupe_edits(edits), "duplicates")


def _plain_width(line):
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def _plain_para(line):
    import re

    from textmine import cleaning as C

    chars = set(line)
    return (line, len(re.sub(r"\s+", "", line)), bool(C._SENTENCE_PUNCT & chars), bool(C._ANY_PUNCT & chars),
            tuple(line.count(a) - line.count(b) for a, b in C._PAIRS))


def _plain_join(text):
    """Every line measured, every break decided in one run over all lines."""
    import statistics

    from textmine import cleaning as C

    spans = [(s, e) for s, e in _plain_line_spans(text) if text[s:e].strip()]
    lines = [text[s:e].strip() for s, e in spans]
    widths = [_plain_width(x) for x in lines]
    width = None
    if len(widths) >= 5:
        w = statistics.quantiles(widths, n=4)[2]
        near = sum(1 for x in widths if abs(x - w) <= 0.1 * w)
        width = int(w) if w >= 20 and near >= 0.4 * len(widths) else None
    joined = C._join_decisions(lines, lambda line: width is not None and _plain_width(line) >= 0.85 * width)
    edits = []
    for i, join in enumerate(joined):
        if join:
            (s0, e0), (s1, e1) = spans[i], spans[i + 1]
            start = s0 + len(text[s0:e0].rstrip())
            end = s1 + len(text[s1:e1]) - len(text[s1:e1].lstrip())
            edits.append((start, end, C._join_repl(lines[i], lines[i + 1])))
    return C._apply(text, edits, "join_lines")


_PLAIN_STEPS = {"normalize": _plain_normalize, "duplicates": _plain_duplicates, "join_lines": _plain_join,
                "spaces": _plain_spaces}


def test_fast_steps_give_the_plain_rules_text_and_change_records_on_every_bundled_document():
    from textmine import cleaning as C

    docs = _bundled_raw_texts()
    assert len(docs) >= 11
    rules = load_furniture()
    for name, text in docs:
        for step in C.DEFAULT_STEPS:  # each step on what the pipeline hands it
            got = C.STEPS[step](text)
            if step in _PLAIN_STEPS:
                want = _PLAIN_STEPS[step](text)
                assert (got[0], _records(got[1])) == (want[0], _records(want[1])), (name, step)
            if step == "furniture":
                spans = _plain_line_spans(text)
                plain_tail = next((i for i, (s, e) in enumerate(spans) if rules.tail.fullmatch(text[s:e].strip())
                                   and all(len(text[a:b].strip()) <= 40 and not text[a:b].strip().endswith("。")
                                           for a, b in spans[i + 1:])), None)
                assert C._tail_start(text, spans, rules) == plain_tail, name
                if rules.inline.search(text) is None:  # the shortcut: then no line has a watermark
                    assert not any(rules.inline.search(text[s:e]) for s, e in spans), name
                lines = [text[s:e].strip() for s, e in spans if text[s:e].strip()]
                plain = [rules.line.fullmatch(x) is not None for x in lines]
                assert [C._line_match(rules)(x) for x in lines] == plain, name
            if step == "join_lines":
                lines = [x.strip() for x in text.split("\n") if x.strip()]
                assert C._display_widths(lines) == [_plain_width(x) for x in lines], name
                assert [tuple(C._Para.of(x)) for x in lines] == [_plain_para(x) for x in lines], name
            text = got[0]


def test_spaces_at_both_ends_and_in_runs_worked_out_by_hand():
    # "\x0b " leads (whitespace, not a space), " \n\n " is a blank line, "\n" alone between
    # two characters stays, " \t" trails
    text = "\x0b 甲 \n\n 乙\n丙 \t"
    assert remove_spaces(text) == ("甲\n乙\n丙", [
        Change("spaces", "removed", "\x0b ", "", 0),
        Change("spaces", "rewritten", " \n\n ", "\n", 3),
        Change("spaces", "removed", " \t", "", 10),
    ])
    assert remove_spaces(" \n\t ") == ("", [Change("spaces", "removed", " \n\t ", "", 0)])
    assert remove_spaces("甲\n乙") == ("甲\n乙", [])
    assert remove_spaces("PM  2.5 年\n 甲") == ("PM 2.5年\n甲", [
        Change("spaces", "rewritten", "  ", " ", 2),
        Change("spaces", "removed", " ", "", 7),
        Change("spaces", "rewritten", "\n ", "\n", 9),
    ])


@pytest.mark.parametrize("text, runs", [
    ("甲\n乙\n丙", []),                          # lone newlines: no run
    ("甲\n\n乙", [(1, 3)]),                     # only newlines, two in a row
    ("甲\t乙", [(1, 2)]), ("甲 乙", [(1, 2)]),
    ("甲\n \n乙", [(1, 4)]),                    # the run starts before the space found in it
    ("甲\n\n\t \n乙 丙\n丁", [(1, 6), (7, 8)]),
    ("A  B\n\nC\nD \t", [(1, 3), (4, 6)]),      # up to ``end`` (9): the trailing " \t" is not scanned
])
def test_space_runs_found_with_str_find_are_the_regex_runs(text, runs):
    from textmine.cleaning import _WS_RUN, _ws_runs

    end = len(text.rstrip())
    assert [m.span() for m in _ws_runs(text, 0, end)] == runs   # worked out by hand
    assert [m.span() for m in _WS_RUN.finditer(text, 0, end)] == runs


def test_normalize_carriage_returns_and_runs_worked_out_by_hand():
    # "\r" alone and "\r\n" each become "\n"; a run of full-width letter and ideographic spaces is one change
    assert normalize("a\r\r\nＡ\u3000\u3000b") == ("a\n\nA  b", [
        Change("normalize", "rewritten", "\r", "\n", 1),
        Change("normalize", "rewritten", "\r\n", "\n", 2),
        Change("normalize", "rewritten", "Ａ\u3000\u3000", "A  ", 4),
    ])


def test_truncated_copy_ends_in_the_last_run_of_dots_or_ellipses():
    first = "全面深化改革开放持续增强发展动力和活力。"  # 20 characters
    # the body before "…" still ends in "...", which is not in the first line: kept
    assert drop_duplicates(f"{first}\n全面深化改革开放持续增强发展动力和活力...…")[1] == []
    # two dots are no ellipsis: kept; three are: dropped
    assert drop_duplicates(f"{first}\n全面深化改革开放持续增强发展动力和活力。..")[1] == []
    assert drop_duplicates(f"{first}\n全面深化改革开放持续增强发展动力和活力。 ...")[0] == first
    assert drop_duplicates(f"{first}\n全面深化改革开放持续增强发展动力和活力。…")[0] == first  # one "…" is enough


def test_lines_ending_sentences_split_the_join_decisions_without_changing_them():
    from textmine.cleaning import _open_segments

    lines = ["一、总体要求", "坚持稳中求进,", "推进高质量发展。", "“新质", "生产力”", "全年增长5%。", "附件"]
    assert _open_segments(lines) == [(0, 2), (3, 5)]
    text = "\n".join(lines)
    assert join_broken_lines(text)[0] == "一、总体要求\n坚持稳中求进,推进高质量发展。\n“新质生产力”\n全年增长5%。\n附件"
    assert join_broken_lines(text) == _plain_join(text)


def test_a_full_line_of_a_hard_wrapped_page_takes_085_of_its_width_in_columns():
    from textmine.cleaning import _full_line_test

    # 22 Chinese characters a line: 44 columns; the length bound (0.85 x 22 = 18.7) must not
    # decide for lines whose columns it does not count
    full = _full_line_test(["发" * 22] * 6)
    assert full("发" * 19) and not full("发" * 18)  # 38 columns >= 0.85 x 44 = 37.4 > 36
    assert full("A" * 38) and not full("A" * 37)
    assert full("发" * 18 + "AA") and not full("发" * 17 + "AAA")  # 38 and 37 columns
    assert not full("A" * 18)                       # short of the length bound as well
    # ASCII only: lengths are columns, so the bound sits on the rule itself (0.85 x 40 = 34)
    ascii_page = _full_line_test(["A" * 40] * 6)
    assert ascii_page("B" * 34) and not ascii_page("B" * 33)
    # no wrap width: paragraphs of all lengths, or fewer than 5 lines
    paragraphs = _full_line_test(["甲" * n for n in (10, 80, 35, 150, 60, 5)])
    assert not any(paragraphs("甲" * n) for n in (10, 150, 300))
    assert not _full_line_test(["A" * 40] * 4)("A" * 40)


def test_a_break_between_two_lines_is_decided_as_in_a_longer_run():
    from textmine.cleaning import _join_decisions

    never = lambda line: False  # noqa: E731 - no hard-wrapped page
    cases = [("坚持稳中求进,", "推进高质量发展。", True), ("一、总体要求", "坚持稳中求进。", False),
             ("“新质", "生产力”", True), ("附件", "目录", False), ("我们", "推进高质量发展。", False)]  # a title stays apart
    for first, second, joined in cases:
        assert _join_decisions([first, second], never) == [joined], (first, second)
        # the same break followed by a line the rules never join to: the fixed-point loop of longer runs
        assert _join_decisions([first, second, "二、工作安排"], never)[0] == joined, (first, second)


# --------------------------------------------------------------------------- furniture at a page's edges

EDGE_BODY = ("现在，我代表市人民政府向大会报告工作，请予审议，并请市政协委员提出意见。\n"
             "过去一年，全市生产总值增长5.5%，新质生产力加快发展，营商环境持续优化。")


def test_toolbars_breadcrumbs_labels_and_captions_before_the_report_are_removed():
    head = ("下载\n打印\n全屏\n【字号：\n加大\n还原\n减小\n】\n首页\n>\n要闻\n"
            "2024年某市政府工作报告\n来源：\n某市日报\n阅读量：\n"
            "市长某某作政府工作报告。本报记者 张 三摄\n各位代表：\n")
    result = clean(head + EDGE_BODY)
    assert result.text == "2024年某市政府工作报告\n各位代表：\n" + EDGE_BODY
    removed = "".join(c.before for c in result.changes if c.step == "furniture")
    for junk in ("全屏", "加大", "首页", "要闻", "某市日报", "阅读量", "本报记者"):
        assert junk in removed


def test_related_links_ui_words_and_repeats_after_the_report_are_removed():
    tail = ("\n相关报道：\n某市召开两会\n代表热议政府工作报告\n打印本页\n|\n×\n"
            "2024年某市政府工作报告\n现在，我代表市人民政府向大会报告工作，请予审议，并请市政协委员提出意见。")
    text = "2024年某市政府工作报告\n各位代表：\n" + EDGE_BODY + tail
    assert clean(text).text == "2024年某市政府工作报告\n各位代表：\n" + EDGE_BODY


def test_short_ui_like_lines_between_paragraphs_are_report_text_and_stay():
    first, second = EDGE_BODY.split("\n")
    text = f"{first}\n（一）中\n{second}"
    assert clean(text).text == text
    caption_like = f"{first}\n本报记者 张三\n{second}"     # not in the head: not a caption
    assert "本报记者张三" in clean(caption_like).text


def test_a_source_line_and_a_timestamp_are_furniture_anywhere():
    text = f"来源：某某日报\n{EDGE_BODY}\n2026年02月10日 07时41分\n（来源：某某日报）"
    assert clean(text).text == EDGE_BODY


def test_a_slogan_count_changes_only_where_furniture_held_the_phrase():
    from textmine.frequency import slogan_frequency

    text = f"{EDGE_BODY}\n相关报道：\n新质生产力的新路径"
    counts = lambda t: int(slogan_frequency(t, ["新质生产力"])["count"].iloc[0])  # noqa: E731
    assert counts(text) == 2 and counts(clean(text).text) == 1


@pytest.fixture(scope="module")
def provincial_raw():
    from textmine.corpus import load_corpus

    return {d["place"]: d.raw for d in load_corpus("provinces2026", clean=False)}


def test_provincial_reports_keep_every_paragraph(provincial_raw):
    for place, raw in provincial_raw.items():
        cleaned = re.sub(r"\s+", "", clean(raw).text)
        for line in raw.split("\n"):
            c = re.sub(r"\s+", "", line)
            if len(c) >= 30 and c[-1] in "。！？；":
                assert re.sub(r"\s+", "", normalize(c)[0]) in cleaned, (place, c[:30])


def test_provincial_reports_lose_their_page_furniture(provincial_raw):
    for place, raw in provincial_raw.items():
        text = clean(raw).text
        lines = set(text.split("\n"))
        for junk in ("全屏", "加大", "还原", "减小", "相关报道：", "分享", "首页", ">", "|", "【", "】", "大", "中", "小"):
            assert junk not in lines, (place, junk)
        assert "记者" not in text.split("各位代表")[0], place
        assert not text.rstrip().endswith(("相关报道：", "相关文档：", "关闭窗口")), place


def test_provincial_slogan_counts_change_only_where_furniture_held_them(provincial_raw):
    """Counting with and without the furniture step: every difference is an occurrence inside removed furniture."""
    from textmine.frequency import load_slogans, slogan_frequency

    phrases = load_slogans()["slogan"].tolist()
    no_furniture = [s for s in DEFAULT_STEPS if s != "furniture"]
    for place, raw in provincial_raw.items():
        result = clean(raw)
        removed = "\n".join(c.before for c in result.changes if c.step == "furniture")
        with_f = slogan_frequency(result.text, phrases)["count"].to_numpy()
        without = slogan_frequency(clean(raw, steps=no_furniture).text, phrases)["count"].to_numpy()
        in_furniture = slogan_frequency(removed or "。", phrases)["count"].to_numpy()
        assert ((without - with_f) == in_furniture * (without != with_f)).all(), place

def _plain_detect_script(text):
    """detect_script as first written: every Chinese character counted, the distinct ones converted."""
    from textmine import cleaning as C

    chars = C._HAN.findall(text[: C._SCRIPT_SAMPLE])
    if not chars:
        return "unknown"
    counts = {}
    for c in chars:
        counts[c] = counts.get(c, 0) + 1
    unique = list(counts)
    converted = C._opencc().convert("\n".join(unique)).split("\n")
    changed = sum(counts[u] for u, c in zip(unique, converted) if u != c)
    return "traditional" if changed >= C.TRADITIONAL_SHARE * len(chars) else "simplified"


def test_detect_script_with_remembered_characters_gives_the_plain_count():
    import opencc

    from textmine.cleaning import detect_script

    to_traditional = opencc.OpenCC("s2t").convert
    texts = [t for _, t in _bundled_raw_texts()]
    texts += [to_traditional(t) for t in texts[:6]]
    # around the threshold: 1 traditional character in 20 Chinese ones (5%) and just under it
    texts += ["經" + "经" * 19, "經" + "经" * 20, "", "GDP 5%", "乾" * 3 + "经济" * 40]
    # characters beyond the BMP (CJK extension B, an emoji) and a lone surrogate count as not Chinese
    texts += ["經" + "经" * 19 + "\U00020000" * 30, "\U00020000\U0001F600", "\ud800經"]
    got = [detect_script(t) for t in texts]
    assert got == [_plain_detect_script(t) for t in texts]
    assert got[-8:] == ["traditional", "simplified", "unknown", "unknown", "simplified", "traditional", "unknown",
                        "traditional"]
    assert "traditional" in got[:-8]


def test_the_normalize_scan_table_marks_exactly_the_characters_a_normalize_match_starts_with():
    import sys

    from textmine import cleaning as C

    table = C._normalize_table()
    marked = set(np.flatnonzero(table).tolist())
    assert marked == {c for c in range(sys.maxunicode + 1)
                      if not 0xD800 <= c <= 0xDFFF and C._NORMALIZE_FIRST.fullmatch(chr(c))}
    text = "甲\r\nＡ\u3000乙\u200b" * 3
    assert list(C._normalize_starts(text)) == [m.start() for m in C._NORMALIZE_FIRST.finditer(text)]


def test_normalize_scans_long_texts_in_slices_with_the_same_edits(monkeypatch):
    from textmine import cleaning as C

    text = "ａ发展\r\n２０２４年\u3000" * 50
    whole = C.normalize(text)
    monkeypatch.setattr(C, "_SCAN_CHARS", 7)  # slices that cut runs and CRLF pairs apart
    assert C.normalize(text) == whole
    assert whole[0] == "a发展\n2024年 " * 50


@pytest.mark.parametrize("pattern, literals", [
    ("ab|cd", ("ab", "cd")),
    ("(ab)c|de", ("ab", "de")),
    ("abc(d|e)", ("abc",)),
    ("(?:(?:xy)|(?:zw))|uv", ("xy", "zw", "uv")),
    ("a|bc", None),          # one alternative starts with a single character
    ("ab*", None),           # "a" alone matches
    ("(?:ab|cd)e", None),    # a branch not at the top
    ("(?i)abc", None),       # case-insensitive: other letters match
    ("^ab", None),           # an anchor first
    ("[ab]c", None),
])
def test_literal_prefixes_are_texts_every_match_starts_with(pattern, literals):
    import random
    import re

    from textmine.cleaning import _literal_prefixes

    compiled = re.compile(pattern)
    assert _literal_prefixes(compiled) == literals
    if literals is not None:  # a text holding none of them has no match
        rng = random.Random(0)
        for _ in range(2000):
            text = "".join(rng.choice("abcdexyzuvw") for _ in range(rng.randint(0, 12)))
            if not any(x in text for x in literals):
                assert compiled.search(text) is None, text


def test_a_text_whose_every_prose_line_repeats_earlier_text_is_cleaned_not_crashed():
    text = "甲。\n" + "甲。" * 15
    out = clean(text)
    assert out.text.count("甲。") == text.count("甲。")  # nothing of it is furniture: kept whole


def test_clean_many_in_workers_gives_one_clean_after_another_on_textmines_pool(monkeypatch):
    from joblib import parallel_config

    from textmine import _parallel
    from textmine.cleaning import clean_many

    texts = [f"第{i}份 报 告：加快发展新质生\n产力。\n" + "推动高质量发展。\n" * i for i in range(6)]
    options = [{}, {"steps": ["spaces"]}] * 3
    serial = [clean(t, **o) for t, o in zip(texts, options)]
    monkeypatch.setattr(_parallel, "CHUNK_CHARS", (1, 40))  # a chunk or two of text each: workers run
    chosen = []
    real = _parallel.worker_backend
    monkeypatch.setattr(_parallel, "worker_backend", lambda: chosen.append(real()) or chosen[-1])
    results = clean_many(texts, options, n_jobs=2)
    assert [(r.text, r.changes) for r in results] == [(r.text, r.changes) for r in serial]
    assert results[1].text == "第1份报告：加快发展新质生\n产力。\n推动高质量发展。"  # spaces only: the break stays
    # the pool whose idle workers exit after WORKER_IDLE_SECONDS, not joblib's default (5 minutes)
    assert chosen and chosen[0].backend_kwargs["idle_worker_timeout"] == _parallel.WORKER_IDLE_SECONDS
    with parallel_config(backend="threading"):  # a backend the caller chose is kept
        assert [r.text for r in clean_many(texts, options, n_jobs=2)] == [r.text for r in serial]
    assert chosen[-1] is None
