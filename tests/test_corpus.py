"""Corpus: the bundled seeds, a user's folder + metadata table, DataFrames, and bad input."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from textmine.corpus import Corpus, Document, as_corpus, load_corpus
from textmine.errors import CorpusError, MetadataError

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


# --- the bundled corpus ------------------------------------------------------------


@pytest.fixture(scope="module")
def bundled():
    return load_corpus()


def test_bundled_corpus_lists_every_document_present_in_the_seeds(bundled):
    frame = bundled.to_frame().set_index("doc_id")
    expected = {
        # doc_id: (place, province, level, rank, year, doctype)
        "quanzhou_2023_report": ("泉州市", "福建省", "地级市", "地级市", 2023, "report"),
        "quanzhou_2024_excerpt": ("泉州市", "福建省", "地级市", "地级市", 2024, "excerpt"),
        "quangang_2024_plan": ("泉港区", "福建省", "县区", "市辖区", 2024, "plan"),
        "quanzhou_2021_news": ("泉州市", "福建省", "地级市", "地级市", 2021, "news"),
        "jinan_2024_report": ("济南市", "山东省", "地级市", "副省级城市", 2024, "report"),
        "shenyang_2024_report": ("沈阳市", "辽宁省", "地级市", "副省级城市", 2024, "report"),
        "fuzhou_2024_report": ("福州市", "福建省", "地级市", "省会", 2024, "report"),
        "benxi_2024_report": ("本溪市", "辽宁省", "地级市", "地级市", 2024, "report"),
        "panjin_2024_report": ("盘锦市", "辽宁省", "地级市", "地级市", 2024, "report"),
        "shangqiu_2024_report": ("商丘市", "河南省", "地级市", "地级市", 2024, "report"),
        "neijiang_2024_report": ("内江市", "四川省", "地级市", "地级市", 2024, "report"),
    }
    assert sorted(frame.index) == sorted(expected)
    for doc_id, values in expected.items():
        row = frame.loc[doc_id]
        got = (row["place"], row["province"], row["level"], row["rank"], int(row["year"]), row["doctype"])
        assert got == values, doc_id


def test_collection_is_split_at_report_titles_not_at_the_table_of_contents(bundled):
    jinan = bundled["jinan_2024_report"]
    # the body starts right after its title line with the meeting line, not with the 目录
    assert jinan.raw.startswith("2024年1月10日在济南市第十八届人民代表大会第三次会议上")
    assert "目 录" not in jinan.raw
    # and stops before the next report's title
    assert "2024年沈阳市政府工作报告" not in jinan.raw
    assert bundled["shenyang_2024_report"].raw.startswith("2024年1月8日在沈阳市")


def test_reports_listed_but_absent_from_the_collection_are_reported_not_invented(bundled):
    titles = [m["title"] for m in bundled.missing]
    assert len(titles) == 23 - 7
    assert "2024年三明市政府工作报告" in titles
    assert "2024年无锡市锡山区政府工作报告" in titles
    assert not any("三明" in d.meta["place"] for d in bundled)
    levels = {m["toc_level"] for m in bundled.missing}
    assert levels == {"地级市", "县级市", "县区"}


def test_every_document_has_cleaned_text_and_raw_text(bundled):
    for doc in bundled:
        assert doc.text.strip()
        assert doc.raw.strip()
        assert doc.n_chars == len("".join(doc.text.split()))


def test_lengths_count_non_whitespace_characters_of_cleaned_text(bundled):
    frame = bundled.to_frame().set_index("doc_id")
    doc = bundled["fuzhou_2024_report"]
    assert frame.loc["fuzhou_2024_report", "n_chars"] == sum(not c.isspace() for c in doc.text)


def test_seed_files_are_byte_identical_to_the_shared_originals():
    shared = SEEDS.parent.parent / "shared" / "seeds"
    if not shared.is_dir():
        pytest.skip("shared/seeds not beside the checkout")
    for original in shared.glob("*.txt"):
        assert (SEEDS / original.name).read_bytes() == original.read_bytes()


def test_filter_by_metadata(bundled):
    assert bundled.filter(place="泉州市").ids == [
        "quanzhou_2023_report", "quanzhou_2024_excerpt", "quanzhou_2021_news"]
    assert len(bundled.filter(rank=["副省级城市", "省会"])) == 3
    assert bundled.filter(lambda d: d.meta["year"] < 2023).ids == ["quanzhou_2021_news"]


def test_unmasking_is_on_for_the_collection_and_switchable():
    on = load_corpus()["jinan_2024_report"].text
    off = load_corpus(unmask=False)["jinan_2024_report"].text
    assert "党的二十大" in on and "X的二十大" not in on
    assert "X的二十大" in off


def test_cleaning_changes_are_visible(bundled):
    changes = bundled.cleaning_changes()
    assert {"doc_id", "step", "action", "before", "after"} <= set(changes.columns)
    assert set(changes["action"]) <= {"removed", "rewritten"}
    removed = changes[changes.doc_id == "quanzhou_2024_excerpt"]["before"].str.cat()
    assert "扫一扫在手机上查看当前页面" in removed


# --- a user's folder -----------------------------------------------------------------


def write_folder(tmp_path: Path, files: dict[str, bytes], metadata: str) -> Path:
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "metadata.csv").write_text(metadata, encoding="utf-8")
    return tmp_path


def test_folder_with_utf8_bom_and_gbk_files_loads(tmp_path):
    folder = write_folder(tmp_path, {
        "a.txt": "发展新质生产力。".encode("utf-8"),
        "b.txt": "\ufeff优化营商环境。".encode("utf-8"),
        "c.txt": "壮大民营经济。".encode("gbk"),
        "d.txt": "推进乡村振兴。".encode("gb18030"),
    }, "file,place,level,year,doctype\na.txt,甲市,地级市,2024,report\nb.txt,乙市,县级市,2024,report\n"
       "c.txt,丙县,县区,2023,excerpt\nd.txt,丁省,省级,2023,report\n")
    corpus = load_corpus(folder)
    assert corpus.ids == ["a", "b", "c", "d"]
    assert [d.text for d in corpus] == ["发展新质生产力。", "优化营商环境。", "壮大民营经济。", "推进乡村振兴。"]
    assert corpus["c"].meta["level"] == "县区"
    assert corpus["d"].meta["year"] == 2023


def test_lazy_folder_reads_files_on_access(tmp_path):
    folder = write_folder(tmp_path, {"a.txt": "发展新质生产力。".encode()}, "file\na.txt\n")
    corpus = load_corpus(folder, lazy=True)
    assert corpus["a"]._raw is None
    assert corpus["a"].text == "发展新质生产力。"


@pytest.mark.parametrize("files, metadata, message", [
    ({"a.txt": b"\xff\xfe\xfa\x80\x81 bad"}, "file\na.txt\n", "a.txt: cannot decode"),
    ({"a.txt": b"  \n"}, "file\na.txt\n", "a.txt: file is empty"),
    ({"a.txt": "正文".encode()}, "file\na.txt\nb.txt\n", "file 'b.txt' does not exist"),
    ({"a.txt": "正文".encode(), "b.txt": "正文".encode()}, "file\na.txt\n", "b.txt: text file has no row"),
    ({"a.txt": "正文".encode(), "b.txt": "正文".encode()}, "file,doc_id\na.txt,x\nb.txt,x\n", "duplicate doc_id 'x'"),
    ({"a.txt": "正文".encode()}, "file,level\na.txt,省会城市\n", "unknown level '省会城市'"),
    ({"a.txt": "正文".encode()}, "file,doctype\na.txt,speech\n", "unknown doctype 'speech'"),
    ({"a.txt": "正文".encode()}, "file,year\na.txt,二〇二四\n", "year '二〇二四' is not a whole number"),
    ({"a.txt": "正文".encode()}, "name\na.txt\n", "needs a 'file' column"),
])
def test_bad_input_gets_a_clear_error_naming_the_file(tmp_path, files, metadata, message):
    folder = write_folder(tmp_path, files, metadata)
    with pytest.raises(CorpusError) as info:
        load_corpus(folder)
    assert message in str(info.value)
    # the file named in the message is one of ours
    assert "a.txt" in str(info.value) or "b.txt" in str(info.value) or "metadata.csv" in str(info.value)


def test_unknown_level_is_a_metadata_error(tmp_path):
    folder = write_folder(tmp_path, {"a.txt": "正文".encode()}, "file,level\na.txt,乡镇\n")
    with pytest.raises(MetadataError, match=r"metadata.csv row 2 \(a.txt\): unknown level '乡镇'"):
        load_corpus(folder)


def test_a_folder_without_metadata_loads_each_file_as_a_document(tmp_path):
    (tmp_path / "2024年济南市政府工作报告.txt").write_text("正文", encoding="utf-8")
    corpus = load_corpus(tmp_path)
    assert corpus.ids == ["2024年济南市政府工作报告"]
    assert (corpus[0]["place"], corpus[0]["year"], corpus[0]["province"]) == ("济南市", 2024, "山东省")


def test_missing_metadata_table_given_and_missing_folder(tmp_path):
    (tmp_path / "a.txt").write_text("正文", encoding="utf-8")
    with pytest.raises(CorpusError, match="no metadata table meta.csv"):
        load_corpus(tmp_path, metadata=tmp_path / "meta.csv")
    with pytest.raises(CorpusError, match="no such file or folder"):
        load_corpus(tmp_path / "nope")
    (tmp_path / "a.txt").unlink()
    with pytest.raises(CorpusError, match="no metadata.csv and no document"):
        load_corpus(tmp_path)


def test_a_users_collection_is_split_and_absent_reports_listed(tmp_path):
    collection = (
        "目 录\n一、地级市\n1.2024年甲市政府工作报告 1\n二、县区\n2.2024年乙县政府工作报告 5\n"
        "2024年甲市政府工作报告\n各位代表:甲市正文。\n"
    )
    folder = write_folder(tmp_path, {"all.txt": collection.encode()},
                          "file,doc_id,locator,place,level\nall.txt,jia,title:2024年甲市政府工作报告,甲市,地级市\n")
    corpus = load_corpus(folder)
    assert corpus.ids == ["jia"]
    assert corpus["jia"].text == "各位代表:甲市正文。"
    assert [(m["title"], m["toc_level"]) for m in corpus.missing] == [("2024年乙县政府工作报告", "县区")]


def test_a_collection_report_without_metadata_row_is_an_error(tmp_path):
    collection = (
        "目 录\n1.2024年甲市政府工作报告 1\n2.2024年乙市政府工作报告 5\n"
        "2024年甲市政府工作报告\n甲市正文。\n2024年乙市政府工作报告\n乙市正文。\n"
    )
    folder = write_folder(tmp_path, {"all.txt": collection.encode()},
                          "file,doc_id,locator\nall.txt,jia,title:2024年甲市政府工作报告\n")
    with pytest.raises(CorpusError, match="holds report '2024年乙市政府工作报告' with no row"):
        load_corpus(folder)


# --- DataFrames and plain strings ----------------------------------------------------------


def test_corpus_from_dataframe_keeps_metadata_and_validates_it():
    df = pd.DataFrame({"doc_id": ["x", "y"], "text": ["发展新质生产力。", "优化营商环境。"],
                       "place": ["甲市", "乙市"], "level": ["地级市", "县区"], "year": [2024, 2023]})
    corpus = Corpus.from_dataframe(df)
    frame = corpus.to_frame()
    assert frame["doc_id"].tolist() == ["x", "y"]
    assert frame["n_chars"].tolist() == [len("发展新质生产力。"), len("优化营商环境。")]
    assert frame["year"].tolist() == [2024, 2023]
    with pytest.raises(MetadataError, match="unknown level"):
        Corpus.from_dataframe(df.assign(level=["地级市", "村"]))
    with pytest.raises(CorpusError, match="no text column 'body'"):
        Corpus.from_dataframe(df, text="body")
    with pytest.raises(CorpusError, match="duplicate doc_id 'x'"):
        Corpus.from_dataframe(df.assign(doc_id=["x", "x"]))


def test_as_corpus_accepts_a_string_a_list_and_a_corpus():
    assert as_corpus("营商环境").texts == ["营商环境"]
    two = as_corpus(["甲", "乙"])
    assert two.ids == ["doc0", "doc1"]
    assert as_corpus(two) is two
    with pytest.raises(TypeError):
        as_corpus([1, 2])


def test_document_exposes_metadata_by_key():
    doc = Document("d", "正文", {"place": "甲市"}, clean=False)
    assert doc["place"] == "甲市"
    assert doc["level"] is None


# --- files outside the corpus folder are not read (issue 18.1) ------------------------


@pytest.fixture
def outside(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("机密文件内容。", encoding="utf-8")
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.txt").write_text("各位代表：正文。", encoding="utf-8")
    return folder, secret


def _meta(folder, text):
    (folder / "metadata.csv").write_text(text, encoding="utf-8")


def test_a_relative_path_climbing_out_of_the_folder_is_refused_naming_the_row(outside):
    folder, secret = outside
    _meta(folder, "file\na.txt\n../secret.txt\n")
    with pytest.raises(CorpusError, match=r"metadata.csv row 3: file '\.\./secret.txt': resolves to .*outside the corpus folder"):
        load_corpus(folder)


def test_an_absolute_path_outside_the_folder_is_refused(outside):
    folder, secret = outside
    _meta(folder, f"file\na.txt\n{secret}\n")
    with pytest.raises(CorpusError, match="metadata.csv row 3: .*outside the corpus folder"):
        load_corpus(folder)


def test_a_symlink_pointing_out_of_the_folder_is_refused(outside):
    folder, secret = outside
    (folder / "link.txt").symlink_to(secret)
    _meta(folder, "file\na.txt\nlink.txt\n")
    with pytest.raises(CorpusError, match="metadata.csv row 3: file 'link.txt': resolves to .*secret.txt"):
        load_corpus(folder)
    (folder / "metadata.csv").unlink()       # a folder read without a table: same rule
    with pytest.raises(CorpusError, match="link.txt: resolves to .*outside"):
        load_corpus(folder)


def test_files_outside_are_read_only_when_the_user_opts_in(outside):
    folder, secret = outside
    _meta(folder, "file\na.txt\n../secret.txt\n")
    corpus = load_corpus(folder, allow_outside=True)
    assert corpus["secret"].text == "机密文件内容。"


def test_a_symlink_inside_the_folder_is_fine(outside):
    folder, _ = outside
    (folder / "sub").mkdir()
    (folder / "sub" / "b.txt").write_text("正文乙。", encoding="utf-8")
    (folder / "b.txt").symlink_to(folder / "sub" / "b.txt")
    _meta(folder, "file\na.txt\nb.txt\n")
    assert load_corpus(folder).ids == ["a", "b"]


# --- metadata errors are textmine's own, with row and column (issue 18.6) ---------------


def test_a_trailing_comma_is_blamed_on_the_row_not_on_a_shifted_value(tmp_path):
    folder = write_folder(tmp_path, {"a.txt": "正文".encode()}, "file,place\na.txt,甲市,\n")
    with pytest.raises(CorpusError) as info:
        load_corpus(folder)
    msg = str(info.value)
    assert "metadata.csv row 2: 3 fields but the header has 2 columns" in msg
    assert "trailing separator" in msg and "does not exist" not in msg


@pytest.mark.parametrize("year", ["99999999999999999999999", "-5", "3000"])
def test_an_impossible_year_is_a_metadata_error_naming_row_and_column(tmp_path, year):
    folder = write_folder(tmp_path, {"a.txt": "正文".encode()}, f"file,year\na.txt,{year}\n")
    with pytest.raises(MetadataError, match=r"metadata.csv row 2 \(a.txt\): year .* \(column 'year'"):
        load_corpus(folder).to_frame()


def test_other_years_are_accepted_when_configured(tmp_path):
    folder = write_folder(tmp_path, {"a.txt": "正文".encode()}, "file,year\na.txt,1930\n")
    assert load_corpus(folder, year_range=(1900, 2000))[0]["year"] == 1930


def test_a_column_textmine_computes_is_refused_not_overwritten(tmp_path):
    folder = write_folder(tmp_path, {"a.txt": "正文".encode()}, "file,n_chars\na.txt,999\n")
    with pytest.raises(MetadataError, match=r"metadata.csv row 2 \(a.txt\): column 'n_chars'"):
        load_corpus(folder)


def test_chinese_labels_in_metadata_are_accepted(tmp_path):
    folder = write_folder(tmp_path, {"a.txt": "正文".encode()},
                          "file,place,level,doctype\na.txt,山东,省,政府工作报告\n")
    doc = load_corpus(folder)[0]
    assert (doc["level"], doc["doctype"], doc["rank"]) == ("省级", "report", "省")


# --- the second bundled corpus: 31 provincial reports of 2026 ---------------------------

SHARED_PROVINCES = SEEDS.parent.parent / "shared" / "corpora" / "provinces2026"


@pytest.fixture(scope="module")
def provinces():
    return load_corpus("provinces2026")


def test_the_provincial_corpus_has_31_reports_with_inferred_metadata(provinces):
    frame = provinces.to_frame()
    assert len(frame) == 31
    assert frame["place"].is_unique and (frame["place"] == frame["province"]).all()
    assert frame["level"].eq("省级").all() and frame["doctype"].eq("report").all() and frame["year"].eq(2026).all()
    # 22 provinces, 5 autonomous regions, 4 municipalities (the corpus README)
    assert frame["rank"].value_counts().to_dict() == {"省": 22, "自治区": 5, "直辖市": 4}
    # the statistics bureau's regions: 东部 10, 中部 6, 西部 12, 东北 3
    assert frame["region"].value_counts().to_dict() == {"西部": 12, "东部": 10, "中部": 6, "东北": 3}
    assert frame["code"].str.fullmatch(r"\d{2}0000").all()
    assert frame["inferred"].str.contains("rank").all()
    assert frame.set_index("place").loc["云南省", "code"] == "530000"   # its title names no place: the file name does


def test_the_bundled_provincial_files_are_byte_identical_to_the_shared_originals():
    if not SHARED_PROVINCES.is_dir():
        pytest.skip("shared/corpora/provinces2026 not beside the checkout")
    copies = SEEDS / "provinces2026"
    originals = sorted(p.name for p in SHARED_PROVINCES.iterdir())
    assert sorted(p.name for p in copies.iterdir()) == originals
    for name in originals:
        assert (copies / name).read_bytes() == (SHARED_PROVINCES / name).read_bytes(), name


def test_the_shared_csvs_load_in_one_line_by_glob(provinces):
    if not SHARED_PROVINCES.is_dir():
        pytest.skip("shared/corpora/provinces2026 not beside the checkout")
    corpus = load_corpus(str(SHARED_PROVINCES / "*.csv"), text="full_text")
    assert corpus.ids == provinces.ids
    assert corpus.to_frame()["province"].tolist() == provinces.to_frame()["province"].tolist()


def test_from_dataframe_checks_years_and_infers_on_request():
    df = pd.DataFrame({"text": ["正文。"], "place": ["沈阳"], "year": [99999999999999999999999]})
    with pytest.raises(MetadataError, match=r"DataFrame row 0 .*\(column 'year'"):
        Corpus.from_dataframe(df)
    df["year"] = 2024
    assert "province" not in Corpus.from_dataframe(df).to_frame().dropna(axis=1).columns
    frame = Corpus.from_dataframe(df, infer=True).to_frame()
    assert frame.loc[0, ["province", "rank", "capital", "sub_provincial"]].tolist() == ["辽宁省", "副省级城市", True, True]


def test_the_bundled_folder_named_as_a_path_is_the_bundled_corpus_not_its_raw_files(monkeypatch):
    # run from the project root, "seeds" is also a folder: read as a plain folder it would give the
    # five raw files with the collection unsplit; the bundled loader gives the 11 documents
    expected = load_corpus().ids
    monkeypatch.chdir(SEEDS.parent)
    assert load_corpus("seeds").ids == expected
    assert load_corpus(SEEDS).ids == expected
    assert load_corpus("./seeds/").ids == expected
    provinces = load_corpus("provinces2026")
    assert load_corpus(SEEDS / "provinces2026").ids == provinces.ids
    assert set(provinces.meta_frame()["doctype"]) == {"report"}


def _messy_folder(tmp_path):
    """Four raw reports with web furniture, spaces between characters and a PDF line break."""
    folder = tmp_path / "messy"
    folder.mkdir()
    rows = []
    for i in range(4):
        body = (f"您当前的位置：首页 > 政务公开\n第{i}份 报 告：加快发展新质生\n产力，推进乡村振兴。\n"
                + "坚持稳中求进工作总基调，推动高质量发展。\n" * (3 + i) + "扫一扫在手机上查看当前页面\n")
        (folder / f"r{i}.txt").write_text(body, encoding="utf-8")
        rows.append({"file": f"r{i}.txt", "place": "甲市", "year": 2024})
    pd.DataFrame(rows).to_csv(folder / "metadata.csv", index=False)
    return folder


def test_eager_cleaning_in_workers_gives_the_texts_and_records_of_one_process(tmp_path, monkeypatch):
    folder = _messy_folder(tmp_path)
    serial = load_corpus(folder)
    assert serial["r0"].text.startswith("第0份报告：加快发展新质生产力，推进乡村振兴。")
    assert {c.step for c in serial["r0"].cleaning.changes} >= {"furniture", "join_lines", "spaces"}
    monkeypatch.setattr("textmine._parallel.CHUNK_CHARS", (1, 100))  # one document a chunk: workers run

    def not_here(*args, **kwargs):
        raise AssertionError("cleaned in the main process")

    monkeypatch.setattr("textmine.cleaning.clean", not_here)  # the workers have the real one
    parallel = load_corpus(folder, n_jobs=2)
    assert parallel.ids == serial.ids
    for a, b in zip(serial, parallel):
        assert (b.text, b.cleaning.changes, b.meta) == (a.text, a.cleaning.changes, a.meta)
        assert not b.lazy


def test_a_lazy_folder_loads_and_tokenizes_without_pandas(tmp_path):
    """import pandas takes a third of a second: a script that only reads token lists does without it."""
    import subprocess
    import sys

    (tmp_path / "a.txt").write_text("推进乡村振兴。", encoding="utf-8")
    (tmp_path / "metadata.csv").write_text("file,place,year\na.txt,济南,2024\n", encoding="utf-8")
    code = ("import sys, textmine as tm\n"
            f"corpus = tm.load_corpus({str(tmp_path)!r}, lazy=True)\n"
            "print(corpus[0]['province'], list(tm.tokens(corpus, cache=False)), 'pandas' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "山东省 [['乡村振兴']] False", out.stderr
