"""Reading files in the encodings Chinese government files come in; atomic writes."""

from __future__ import annotations

import pandas as pd
import pytest

from textmine._decode import check_plausible
from textmine._io import atomic_open, read_text, write_csv_atomic, write_text_atomic
from textmine.errors import CorpusError

TEXT = "各位代表：现在，我代表市人民政府向大会报告工作。\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_utf8_bom_and_gb_encodings_read_alike(tmp_path, encoding):
    path = tmp_path / "r.txt"
    path.write_bytes(TEXT.encode(encoding))
    assert read_text(path) == TEXT


TRADITIONAL = "各位代表：現在，我代表市人民政府向大會報告政府工作，請予審議。過去一年，我們堅持穩中求進。\n"
JAPANESE = "各位代表：現在、市人民政府を代表して政府活動報告を行います。\n"


@pytest.mark.parametrize("text, encoding", [
    (TRADITIONAL, "big5"), (JAPANESE, "shift_jis"), (TEXT, "utf-16"), (TEXT, "utf-16-le"), (TEXT, "utf-16-be"),
])
def test_legacy_encodings_are_detected(tmp_path, text, encoding):
    path = tmp_path / "r.txt"
    path.write_bytes(text.encode(encoding))
    assert read_text(path) == text


def test_a_given_encoding_skips_detection(tmp_path):
    path = tmp_path / "r.txt"
    path.write_bytes(TRADITIONAL.encode("big5"))
    assert read_text(path, encoding="big5") == TRADITIONAL


def test_big5_read_as_gbk_is_an_error_naming_the_file_not_gibberish(tmp_path):
    path = tmp_path / "big5.txt"
    path.write_bytes(TRADITIONAL.encode("big5"))
    with pytest.raises(CorpusError, match=r"big5.txt \(read as gb18030\): decodes to"):
        read_text(path, encoding="gb18030")


@pytest.mark.parametrize("text, what", [
    ("政府工作报告\ue000\ue001。\n", "private-use"),
    ("政府工作报告\ufffd。\n", "replacement"),
    ("政府工作报告\x07。\n", "control"),
    ("政府иカ┎工作报告。\n", "Cyrillic, Greek, box-drawing"),
])
def test_text_with_implausible_characters_is_an_error_naming_the_file(tmp_path, text, what):
    path = tmp_path / "odd.txt"
    path.write_bytes(text.encode("utf-8"))
    with pytest.raises(CorpusError, match="odd.txt") as info:
        read_text(path)
    assert what in str(info.value)


@pytest.mark.parametrize("char", ["\ue000", "\uf8ff", "\U000f0000", "\U0010fffd", "\ufffd", "\x00", "\x08", "\x0b",
                                  "\x0e", "\x1f", "\x7f"])
def test_every_never_kept_character_is_caught_to_the_edges_of_its_range(char):
    with pytest.raises(CorpusError, match="x.txt: decodes to 1 "):
        check_plausible("政府工作报告" + char + "。", where="x.txt")


@pytest.mark.parametrize("char", ["\u0370", "\u03ff", "\u0400", "\u04ff", "\u2500", "\u257f", "\uff61", "\uff9f"])
def test_every_wrong_script_is_caught_to_the_edges_of_its_range(char):
    with pytest.raises(CorpusError, match="3 of 5 characters"):
        check_plausible("政府" + char * 3, where="x.txt")
    check_plausible("政府工作报告" * 10 + char, where="x.txt")  # one in 61 characters: under 2%, kept


def test_random_bytes_are_an_error_not_text(tmp_path):
    import random

    rng = random.Random(7)
    path = tmp_path / "noise.bin"
    path.write_bytes(bytes(rng.randrange(128, 256) for _ in range(400)))
    with pytest.raises(CorpusError, match="noise.bin"):
        read_text(path)


def test_windows_line_endings_become_newlines(tmp_path):
    path = tmp_path / "r.txt"
    path.write_bytes("第一行\r\n第二行\r第三行".encode("utf-8"))
    assert read_text(path) == "第一行\n第二行\n第三行"


def test_a_utf8_file_with_a_corrupted_byte_is_an_error_not_mojibake(tmp_path):
    data = (TEXT * 20).encode("utf-8")
    cut = len(TEXT[:10].encode("utf-8"))  # a character boundary: 10 CJK chars x 3 bytes
    assert cut == 30
    path = tmp_path / "broken.txt"
    path.write_bytes(data[:cut] + b"\xff" + data[cut:])
    with pytest.raises(CorpusError, match=r"broken.txt: invalid UTF-8 at byte 30"):
        read_text(path)


def test_empty_and_missing_files_are_named(tmp_path):
    (tmp_path / "e.txt").write_bytes(b"\n \n")
    with pytest.raises(CorpusError, match="e.txt: file is empty"):
        read_text(tmp_path / "e.txt")
    with pytest.raises(CorpusError, match="nope.txt: file not found"):
        read_text(tmp_path / "nope.txt")


def test_interrupted_write_leaves_neither_partial_file_nor_temp_file(tmp_path):
    target = tmp_path / "out.txt"
    write_text_atomic(target, "old")
    with pytest.raises(RuntimeError):
        with atomic_open(target) as fh:
            fh.write("half of the new conte")
            raise RuntimeError("interrupted")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_csv_is_written_with_bom_for_excel_and_reads_back(tmp_path):
    df = pd.DataFrame({"place": ["泉州市"], "count": [3]})
    path = write_csv_atomic(df, tmp_path / "t.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert pd.read_csv(path, encoding="utf-8-sig").to_dict("records") == [{"place": "泉州市", "count": 3}]


def test_written_files_get_the_usual_permissions_not_owner_only(tmp_path):
    import os

    mask = os.umask(0o022)
    try:
        path = write_text_atomic(tmp_path / "p.txt", "x")
    finally:
        os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o644



def test_a_few_letters_of_another_script_in_chinese_text_are_allowed_up_to_two_percent():
    from textmine._io import check_plausible

    check_plausible("经" * 98 + "ии", where="a.txt")  # 2 of 100 characters: allowed
    check_plausible("经 " * 98 + "ии", where="a.txt")  # spaces are not counted: still 2 of 100
    check_plausible("经济发展", where="a.txt")  # none at all
    with pytest.raises(CorpusError, match="3 of 100 characters"):
        check_plausible("经 " * 97 + "иии", where="a.txt")
