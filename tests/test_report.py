"""`python -m textmine.report`: every figure with its table, written atomically, clear errors."""

from __future__ import annotations

import io
import re
from contextlib import redirect_stderr
from pathlib import Path

import pandas as pd
import pytest

import textmine._io as tio
from textmine import report
from textmine.corpus import load_corpus

EXPECTED = ["corpus_overview", "slogan_heatmap", "key_slogans_by_place", "key_slogans_by_rank",
            "place_over_time", "top_terms", "keyness", "topic_terms", "topic_prevalence"]
PNG = b"\x89PNG\r\n\x1a\n"


def _run(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with redirect_stderr(err):
        code = report.main(argv)
    return code, err.getvalue()


@pytest.fixture(scope="module", autouse=True)
def token_cache(tmp_path_factory):
    """Token cache in a temporary folder: the user's own cache stays untouched."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TEXTMINE_CACHE_DIR", str(tmp_path_factory.mktemp("tokens")))
        yield


@pytest.fixture(scope="module")
def bundled(token_cache, tmp_path_factory) -> tuple[int, Path, str]:
    out = tmp_path_factory.mktemp("figures")
    code, log = _run(["--out", str(out)])
    return code, out, log


def _read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig")


# --- the bundled corpus ----------------------------------------------------------------


def test_every_figure_comes_as_png_with_its_csv(bundled):
    code, out, log = bundled
    assert code == 0, log
    for stem in EXPECTED:
        png, csv = out / f"{stem}.png", out / f"{stem}.csv"
        assert png.read_bytes()[:8] == PNG, stem
        assert len(_read_csv(csv)) > 0, stem


def test_nothing_else_is_left_in_the_folder(bundled):
    _, out, _ = bundled
    names = {p.name for p in out.iterdir()}
    assert names == {f"{s}.{ext}" for s in EXPECTED for ext in ("png", "csv")} | {"README.md"}


def test_the_log_says_where_each_file_went_and_the_index_lists_them(bundled):
    _, out, log = bundled
    index = (out / "README.md").read_text(encoding="utf-8")
    for stem in EXPECTED:
        assert f"{stem}.png" in log and f"{stem}.csv" in log
        assert f"({stem}.png)" in index and f"({stem}.csv)" in index
    assert "Traceback" not in log


def test_key_slogan_table_matches_a_plain_count_of_the_cleaned_text(bundled):
    _, out, _ = bundled
    table = _read_csv(out / "key_slogans_by_place.csv")
    jinan = load_corpus()["jinan_2024_report"].text
    compact = re.sub(r"\s+", "", jinan)
    row = table[(table["doc_id"] == "jinan_2024_report") & (table["slogan"] == "新质生产力")].iloc[0]
    assert row["count"] == compact.count("新质生产力")  # the slogan has no variants in the shipped list
    assert row["n_chars"] == len(compact)
    assert row["rate"] == pytest.approx(compact.count("新质生产力") / len(compact) * 10_000)
    assert set(table["slogan"]) == {"新质生产力", "民营经济", "营商环境"}
    assert table["doc_id"].nunique() == 11


def test_place_over_time_follows_quanzhou_the_place_with_three_years(bundled):
    _, out, _ = bundled
    table = _read_csv(out / "place_over_time.csv")
    assert set(table["place"]) == {"泉州市"}
    assert sorted(table["year"].unique()) == [2021, 2023, 2024]


def test_group_comparison_uses_the_documents_of_one_year(bundled):
    _, out, _ = bundled
    table = _read_csv(out / "key_slogans_by_rank.csv")
    assert set(table["year"]) == {2024}  # 9 of the 11 documents are from 2024
    assert table["doc_id"].nunique() == 9


def test_keyness_contrasts_the_province_with_most_reports(bundled):
    _, out, _ = bundled
    table = _read_csv(out / "keyness.csv")
    manifest = load_corpus().to_frame()
    reports = manifest[manifest["doctype"] == "report"]
    # 辽宁省: 沈阳, 本溪, 盘锦 -- more full reports than any other province
    assert set(table["target_docs"]) == {(reports["province"] == "辽宁省").sum()} == {3}
    assert set(table["reference_docs"]) == {len(reports) - 3}


def test_same_input_gives_byte_identical_figures(bundled, tmp_path):
    _, out, _ = bundled
    report._corpus_figures(load_corpus().to_frame(), tmp_path, log=lambda _: None)
    assert (tmp_path / "corpus_overview.png").read_bytes() == (out / "corpus_overview.png").read_bytes()
    assert (tmp_path / "corpus_overview.csv").read_bytes() == (out / "corpus_overview.csv").read_bytes()


# --- errors ----------------------------------------------------------------------------------


def test_a_missing_corpus_folder_is_one_clear_line_and_exit_code_1(tmp_path):
    code, log = _run(["--corpus", str(tmp_path / "nope"), "--out", str(tmp_path / "out")])
    assert code == 1
    lines = log.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("textmine.report: error:")
    assert "nope" in lines[0] and "Traceback" not in log


def test_an_unknown_target_fails_before_anything_is_written(tmp_path):
    code, log = _run(["--out", str(tmp_path / "out"), "--target", "province=火星省"])
    assert code == 1 and "火星省" in log
    assert not (tmp_path / "out").exists()


def test_a_malformed_target_is_explained(tmp_path):
    code, log = _run(["--out", str(tmp_path / "out"), "--target", "辽宁省"])
    assert code == 1 and "COLUMN=VALUE" in log


def test_an_interrupted_write_leaves_no_half_written_file(tmp_path, monkeypatch):
    calls = {"n": 0}
    real_fsync = tio.os.fsync

    def fsync(fd):  # the third file written (slogan_heatmap.png) is interrupted mid-write
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real_fsync(fd)

    monkeypatch.setattr(tio.os, "fsync", fsync)
    code, log = _run(["--out", str(tmp_path)])
    assert code == 130 and "interrupted" in log
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus_overview.csv", "corpus_overview.png"]


# --- a user's corpus ------------------------------------------------------------------------------


def test_a_small_user_corpus_with_its_own_metadata_file(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    texts = {
        "a.txt": "加快发展新质生产力，优化营商环境，壮大民营经济。" * 20,
        "b.txt": "持续优化营商环境，推动高质量发展，促进民营经济发展壮大。" * 20,
        "c.txt": "因地制宜发展新质生产力，推进乡村振兴，建设一流营商环境。" * 20,
    }
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    (tmp_path / "meta.csv").write_text(
        "file,place,province,level,rank,year,doctype\n"
        "a.txt,甲市,甲省,地级市,地级市,2023,report\n"
        "b.txt,甲市,甲省,地级市,地级市,2024,report\n"
        "c.txt,乙区,乙省,县区,市辖区,2024,report\n", encoding="utf-8")
    out = tmp_path / "figs"
    code, log = _run(["--corpus", str(folder), "--metadata", str(tmp_path / "meta.csv"), "--out", str(out)])
    assert code == 0, log
    for stem in ("corpus_overview", "slogan_heatmap", "key_slogans_by_place", "place_over_time"):
        assert (out / f"{stem}.png").stat().st_size > 0 and (out / f"{stem}.csv").stat().st_size > 0
    table = _read_csv(out / "place_over_time.csv")
    assert set(table["place"]) == {"甲市"}
    # a.txt: 新质生产力 20 times in 24 * 20 characters
    row = table[(table["doc_id"] == "a") & (table["slogan"] == "新质生产力")].iloc[0]
    assert row["count"] == 20 and row["rate"] == pytest.approx(20 / (24 * 20) * 10_000)
