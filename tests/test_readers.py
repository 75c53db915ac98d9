"""Corpus files beyond .txt: tables with a row per document (CSV, TSV, JSONL, XLSX, Parquet,
globs and lists of them) and PDF / Word documents, loaded in one line with inferred metadata."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from textmine.corpus import load_corpus
from textmine.errors import CorpusError, MetadataError
from textmine.readers import guess_text_column, read_document, read_table

REPORT = "各位代表：\n现在，我代表市人民政府向大会报告工作，请予审议。\n我们加快发展新质生产力，优化营商环境。"
ROWS = [
    {"place": "济南市", "year": 2024, "content": REPORT},
    {"place": "福州", "year": 2024, "content": "福州正文：推进数字福建建设。"},
]


def _frame():
    return pd.DataFrame(ROWS)


def _expect_two(corpus):
    assert len(corpus) == 2
    assert corpus[0].text.startswith("各位代表：")
    frame = corpus.to_frame()
    assert frame["province"].tolist() == ["山东省", "福建省"]
    assert frame["year"].tolist() == [2024, 2024]


def test_csv_rows_are_documents_and_other_columns_metadata(tmp_path):
    path = tmp_path / "reports.csv"
    _frame().to_csv(path, index=False)
    corpus = load_corpus(path)
    _expect_two(corpus)
    assert corpus.ids == ["reports_1", "reports_2"]      # file name + record number


def test_tsv(tmp_path):
    path = tmp_path / "reports.tsv"
    _frame().to_csv(path, index=False, sep="\t")
    _expect_two(load_corpus(path))


def test_jsonl_with_only_year_and_content_loads_without_hand_work(tmp_path):
    path = tmp_path / "docs.jsonl"
    path.write_text("\n".join(json.dumps({"year": r["year"], "content": r["content"]}, ensure_ascii=False)
                              for r in ROWS) + "\n", encoding="utf-8")
    corpus = load_corpus(path)
    assert [d.text[:4] for d in corpus] == ["各位代表", "福州正文"]
    assert corpus.to_frame()["year"].tolist() == [2024, 2024]


def test_xlsx(tmp_path):
    path = tmp_path / "reports.xlsx"
    _frame().to_excel(path, index=False, engine="openpyxl")
    _expect_two(load_corpus(path))


def test_parquet(tmp_path):
    path = tmp_path / "reports.parquet"
    _frame().to_parquet(path, engine="pyarrow")
    _expect_two(load_corpus(path))


def test_a_glob_and_a_list_of_one_row_files(tmp_path):
    for i, row in enumerate(ROWS):
        pd.DataFrame([row]).to_csv(tmp_path / f"{i}_{row['place']}.csv", index=False)
    by_glob = load_corpus(str(tmp_path / "*.csv"))
    _expect_two(by_glob)
    assert by_glob.ids == ["0_济南市", "1_福州"]              # one row per file: the file name
    by_list = load_corpus([tmp_path / "0_济南市.csv", tmp_path / "1_福州.csv"])
    assert by_list.ids == by_glob.ids
    with pytest.raises(CorpusError, match="no file matches"):
        load_corpus(str(tmp_path / "*.xlsx"))


def test_text_and_id_columns_can_be_named(tmp_path):
    path = tmp_path / "r.csv"
    pd.DataFrame({"key": ["a", "b"], "正文x": ["甲文。", "乙文。"], "body2": ["x", "y"]}).to_csv(path, index=False)
    corpus = load_corpus(path, text="正文x", id="key", infer=False)
    assert corpus.ids == ["a", "b"] and corpus["b"].text == "乙文。"
    assert corpus.to_frame()["body2"].tolist() == ["x", "y"]


def test_the_text_column_is_guessed_from_names_or_length():
    assert guess_text_column(pd.DataFrame({"full_text": ["x"], "title": ["y"]}), where="t") == "full_text"
    long = pd.DataFrame({"title": ["短标题"], "报告": ["很长的文本。" * 50]})
    assert guess_text_column(long, where="t") == "报告"
    with pytest.raises(CorpusError, match="t: which column holds the text.*pass text="):
        guess_text_column(pd.DataFrame({"a": ["短"], "b": ["也短"]}), where="t")


def test_errors_name_file_row_and_column(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("place,content\n甲市,正文。\n乙市,\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"r.csv row 3, column 'content': the text is empty"):
        load_corpus(path)
    path.write_text("place,year,content\n甲市,二〇二四,正文。\n", encoding="utf-8")
    with pytest.raises(MetadataError, match=r"r.csv row 2: year '二〇二四' is not a whole number \(column 'year'\)"):
        load_corpus(path)
    bad = tmp_path / "b.jsonl"
    bad.write_text('{"content": "正文。"}\n{"content": \n', encoding="utf-8")
    with pytest.raises(CorpusError, match=r"b.jsonl line 2: not valid JSON"):
        load_corpus(bad)
    with pytest.raises(CorpusError, match=r"r.csv: no text column 'text'"):
        load_corpus(path, text="text")


def test_a_row_with_more_fields_than_the_header_is_named(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("place,content\n甲市,正文。\n乙市,正文,多余\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"r.csv row 3: 3 fields but the header has 2 columns"):
        read_table(path)


def test_a_damaged_workbook_is_a_corpus_error(tmp_path):
    for name in ("x.xlsx", "x.parquet"):
        path = tmp_path / name
        path.write_bytes(b"not really")
        with pytest.raises(CorpusError, match=name):
            read_table(path)


def test_defaults_fill_missing_metadata(tmp_path):
    path = tmp_path / "r.csv"
    pd.DataFrame(ROWS).to_csv(path, index=False)
    corpus = load_corpus(path, defaults={"doctype": "政府工作报告"})
    assert corpus.to_frame()["doctype"].tolist() == ["report", "report"]


# --- PDF and Word ------------------------------------------------------------------------

LINES_PER_PAGE = [["各位代表：", "现在，我代表市人民政府向大会报告工作，请予审", "议。"],
                  ["我们加快发展新质生产力，优化营商环境，推动经", "济实现质的有效提升。"],
                  ["全市地区生产总值增长5.5%。"]]
EXPECTED = ("各位代表：\n现在，我代表市人民政府向大会报告工作，请予审议。\n"
            "我们加快发展新质生产力，优化营商环境，推动经济实现质的有效提升。\n全市地区生产总值增长5.5%。")


def _make_pdf(path):
    import pymupdf

    doc = pymupdf.open()
    for number, lines in enumerate(LINES_PER_PAGE, start=1):
        page = doc.new_page()
        page.insert_text((72, 40), "2024年甲市政府工作报告", fontname="china-s", fontsize=9)   # running header
        for i, line in enumerate(lines):
            page.insert_text((72, 100 + 20 * i), line, fontname="china-s", fontsize=12)
        page.insert_text((300, 800), str(number), fontname="helv", fontsize=9)          # page number
    doc.save(path)


def test_a_pdf_loads_back_to_its_text_after_cleaning(tmp_path):
    _make_pdf(tmp_path / "2024年甲市政府工作报告.pdf")
    corpus = load_corpus(tmp_path, infer=False)
    assert corpus[0].text == EXPECTED


def test_a_docx_loads_back_to_its_text_after_cleaning(tmp_path):
    import docx

    document = docx.Document()
    for line in EXPECTED.split("\n"):
        document.add_paragraph(line)
    document.save(tmp_path / "2024年济南市政府工作报告.docx")
    corpus = load_corpus(tmp_path)
    assert corpus[0].text == EXPECTED
    assert (corpus[0]["place"], corpus[0]["year"]) == ("济南市", 2024)


def test_pdf_and_docx_listed_in_a_metadata_table_and_lazy(tmp_path):
    _make_pdf(tmp_path / "a.pdf")
    (tmp_path / "metadata.csv").write_text("file,place\na.pdf,甲市\n", encoding="utf-8")
    assert load_corpus(tmp_path, lazy=True)["a"].text == EXPECTED


def test_a_broken_pdf_is_a_corpus_error_naming_it(tmp_path):
    (tmp_path / "x.pdf").write_bytes(b"%PDF-1.4 broken")
    with pytest.raises(CorpusError, match="x.pdf"):
        read_document(tmp_path / "x.pdf")


@pytest.mark.parametrize("text", [
    'file,place,year\na.txt, 济南 ,2024\n"b,c.txt",福州,\n',              # quoted comma, padded and blank values
    'file,notes\na.txt,"第一行\n第二行"\nb.txt,"说""引号"""\n',            # a record over two lines, doubled quotes
    "file,place\na.txt,济南\n\nb.txt,福州\n",                              # a blank line: pandas skips it
    "file,place\na.txt,济南\n   \nb.txt,福州\n",                           # a line of spaces
    "file,place,year\na.txt,济南\nb.txt,福州,2024\n",                      # a row shorter than the header
    "file,place\n,\nb.txt,福州\n",                                         # a row of blank fields
])
def test_read_records_gives_the_rows_read_table_gives(tmp_path, text):
    from textmine.readers import read_records

    path = tmp_path / "metadata.csv"
    path.write_text(text, encoding="utf-8")
    table = read_table(path)
    columns, rows, numbers = read_records(path)
    assert columns == list(table.frame.columns)
    assert numbers == table.rows
    assert repr(rows) == repr(table.frame.to_dict("records"))  # repr: NaN for a missing field compares equal too


def test_read_records_reads_a_regular_table_without_pandas(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "metadata.csv"
    path.write_text("file,place\na.txt,济南\n", encoding="utf-8")
    code = ("import sys\nfrom textmine.readers import read_records\n"
            f"print(read_records({str(path)!r}), 'pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "(['file', 'place'], [{'file': 'a.txt', 'place': '济南'}], [2]) False", out.stderr
