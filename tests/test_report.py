"""`python -m textmine.report`: every figure with its table, written atomically, clear errors,
and only what changed is drawn again (same bytes either way)."""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
from contextlib import redirect_stderr
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import textmine._io as tio
from textmine import report
from textmine.corpus import load_corpus

EXPECTED = ["corpus_overview", "slogan_heatmap", "key_slogans_by_place", "key_slogans_by_rank",
            "place_over_time", "top_terms", "keyness", "topic_terms", "topic_prevalence"]
TOPIC_FIGURES = {"topic_terms", "topic_prevalence"}
PNG = b"\x89PNG\r\n\x1a\n"


def _run(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with redirect_stderr(err):
        code = report.main(argv)
    return code, err.getvalue()


@pytest.fixture(scope="module", autouse=True)
def token_cache(tmp_path_factory):
    """Token (and topic) cache in a temporary folder: the user's own cache stays untouched."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TEXTMINE_CACHE_DIR", str(tmp_path_factory.mktemp("tokens")))
        yield


@pytest.fixture(scope="module")
def bundled(token_cache, tmp_path_factory) -> tuple[int, Path, str]:
    out = tmp_path_factory.mktemp("figures")
    code, log = _run(["--out", str(out), "--jobs", "2"])  # drawn in worker processes
    return code, out, log


@pytest.fixture
def copy_of_bundled(bundled, tmp_path) -> Path:
    """The bundled report copied with its manifest (file times kept), to run again on."""
    _, out, _ = bundled
    return Path(shutil.copytree(out, tmp_path / "figures"))


def _read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig")


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def _mtimes(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}


def _figure_lines(log: str, word: str) -> set[str]:
    """Stems of the figures whose log line starts with ``word`` ("wrote" or "unchanged")."""
    return {m for m in re.findall(rf"^{word} \S*?([a-z_]+)\.(?:png|csv)", log, flags=re.M) if m in EXPECTED}


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
    assert names == {f"{s}.{ext}" for s in EXPECTED for ext in ("png", "csv")} | {"README.md", report.MANIFEST}


def test_the_log_says_where_each_file_went_and_the_index_lists_them(bundled):
    _, out, log = bundled
    index = (out / "README.md").read_text(encoding="utf-8")
    for stem in EXPECTED:
        assert f"{stem}.png" in log and f"{stem}.csv" in log
        assert f"({stem}.png)" in index and f"({stem}.csv)" in index
    assert _figure_lines(log, "wrote") == set(EXPECTED)
    assert "drawing 9 of 9 figures in 2 worker processes" in log
    assert "done: 9 figures" in log and "Traceback" not in log


def test_the_manifest_records_the_checksum_of_every_file(bundled):
    _, out, _ = bundled
    manifest = json.loads((out / report.MANIFEST).read_text(encoding="utf-8"))
    assert set(manifest["figures"]) == set(EXPECTED)
    for stem, entry in manifest["figures"].items():
        assert entry["png"] == hashlib.sha256((out / f"{stem}.png").read_bytes()).hexdigest()
        assert entry["csv"] == hashlib.sha256((out / f"{stem}.csv").read_bytes()).hexdigest()


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


# --- running again: only what changed is drawn -----------------------------------------------


def test_a_second_run_draws_nothing_and_touches_no_file(copy_of_bundled):
    before, times = _files(copy_of_bundled), _mtimes(copy_of_bundled)
    code, log = _run(["--out", str(copy_of_bundled)])
    assert code == 0, log
    assert _figure_lines(log, "unchanged") == set(EXPECTED) and not _figure_lines(log, "wrote")
    assert "tokenizing" not in log and "LDA" not in log  # no analysis behind an unchanged figure
    assert _files(copy_of_bundled) == before and _mtimes(copy_of_bundled) == times


def test_a_second_run_imports_neither_matplotlib_nor_gensim_nor_sklearn(copy_of_bundled):
    script = ("import sys; from textmine import report; code = report.main(['--out', sys.argv[1]]); "
              "print(code, sorted(m for m in ('matplotlib', 'gensim', 'sklearn') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", script, str(copy_of_bundled)], capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.strip() == "0 []", done.stderr


def test_a_deleted_png_is_drawn_again_with_the_same_bytes_and_nothing_else_is_written(copy_of_bundled):
    before, times = _files(copy_of_bundled), _mtimes(copy_of_bundled)
    (copy_of_bundled / "topic_terms.png").unlink()
    code, log = _run(["--out", str(copy_of_bundled), "--jobs", "1"])  # drawn here, not in a worker
    assert code == 0, log
    assert _figure_lines(log, "wrote") == {"topic_terms"}
    assert "wrote" in log and "topic_terms.png (topic_terms.csv unchanged)" in log
    assert "fitting LDA" not in log  # the fitted tables come from the cache
    assert _files(copy_of_bundled) == before
    times.pop("topic_terms.png")
    assert {k: v for k, v in _mtimes(copy_of_bundled).items() if k != "topic_terms.png"} == times


def test_a_csv_edited_by_hand_is_drawn_again(copy_of_bundled):
    before = _files(copy_of_bundled)
    with open(copy_of_bundled / "keyness.csv", "ab") as fh:
        fh.write(b"my own row\n")
    code, log = _run(["--out", str(copy_of_bundled)])
    assert code == 0, log
    assert _figure_lines(log, "wrote") == {"keyness"}
    assert _files(copy_of_bundled) == before


def test_a_different_seed_redraws_the_topic_figures_only(copy_of_bundled):
    before = _files(copy_of_bundled)
    code, log = _run(["--out", str(copy_of_bundled), "--seed", "1"])
    assert code == 0, log
    assert "fitting LDA topic model (K = 6, seed 1)" in log
    assert _figure_lines(log, "wrote") == TOPIC_FIGURES
    assert _figure_lines(log, "unchanged") == set(EXPECTED) - TOPIC_FIGURES
    after = _files(copy_of_bundled)
    changed = {name for name in before if after[name] != before[name]}
    assert changed == {f"{s}.{ext}" for s in TOPIC_FIGURES for ext in ("png", "csv")} | {"README.md",
                                                                                        report.MANIFEST}
    assert "(seed 1)" in after["README.md"].decode("utf-8")


def test_workers_draw_only_when_a_core_is_left_idle(monkeypatch):
    monkeypatch.setattr(report.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert report._n_jobs(None, idle_cores=0.9) == 2
    assert report._n_jobs(None, idle_cores=0.1) == 1  # another process keeps the second core busy
    assert report._n_jobs(3, idle_cores=0.0) == 3 and report._n_jobs(0, idle_cores=2.0) == 1
    monkeypatch.setattr(report.os, "getloadavg", lambda: (1.6, 1.0, 1.0))  # no probe: the load average
    assert report._n_jobs(None, idle_cores=None) == 1
    monkeypatch.setattr(report.os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert report._n_jobs(None, idle_cores=0.9) == 1  # one core: no workers


def test_the_idle_probe_reads_idle_ticks_from_proc_stat(monkeypatch):
    # /proc/stat "cpu" line: user nice system idle iowait irq softirq steal (clock ticks, all cores)
    lines = iter(["cpu  100 0 20 300 10 0 0 0 0 0\n", "cpu  200 0 30 380 10 0 0 0 0 0\n"])
    monkeypatch.setattr(report, "_cpu_times", lambda: report._parse_cpu_line(next(lines)))
    monkeypatch.setattr(report.os, "cpu_count", lambda: 2)
    probe = report._IdleProbe()
    assert probe.idle_cores() == pytest.approx(80 / 190 * 2)  # 80 idle of 190 ticks on two cores


# --- keys and the topic cache ----------------------------------------------------------------------


def test_a_figure_key_changes_with_any_value_of_its_table_or_its_options():
    table = pd.DataFrame({"doc_id": ["a", "b"], "slogan": ["营商环境"] * 2, "rate": [1.0, 0.0]})
    key = report._direct_job("x", "", "slogan_heatmap", (table,), {}).key
    assert report._direct_job("x", "", "slogan_heatmap", (table.copy(),), {}).key == key
    nudged = table.assign(rate=[1.0, 1e-12])
    assert report._direct_job("x", "", "slogan_heatmap", (nudged,), {}).key != key
    assert report._direct_job("x", "", "slogan_heatmap", (table,), {"top": 5}).key != key
    assert report._direct_job("x", "", "slogans_by_place", (table,), {}).key != key


def test_tables_come_back_from_the_json_cache_with_the_same_values_and_dtypes():
    table = pd.DataFrame({"place": ["甲市", None], "year": pd.array([2024, None], dtype="Int64"),
                          "share": [0.1 + 0.2, np.nan], "topic": np.array([0, 5], dtype="int64")})
    back = report._table_from_record(json.loads(json.dumps(report._table_record(table), ensure_ascii=False)))
    pd.testing.assert_frame_equal(back, table)
    assert back.loc[0, "share"] == 0.1 + 0.2  # every bit of the float


def test_csv_bytes_are_what_write_csv_atomic_writes(tmp_path):
    table = pd.DataFrame({"term": ["营商环境", "a,b"], "weight": [1 / 3, np.nan]})
    written = tio.write_csv_atomic(table, tmp_path / "t.csv", float_format=report.CSV_FLOAT_FORMAT).read_bytes()
    assert report._csv_bytes(table) == written


def test_figure_csvs_round_floats_to_8_significant_digits_so_cpu_noise_does_not_show():
    # the same LDA weight computed on two CPUs (figures/topic_terms.csv), a year held as a float, 1/3
    table = pd.DataFrame({"weight": [0.031315800487291406, 0.03131580048729135, 2024.0, 1 / 3]})
    lines = report._csv_bytes(table).decode("utf-8-sig").splitlines()
    assert lines == ["weight", "0.0313158", "0.0313158", "2024", "0.33333333"]


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


def test_an_interrupted_write_leaves_no_half_written_file(bundled, tmp_path, monkeypatch):
    real_write = report.write_bytes_atomic

    def interrupt(fd):
        raise KeyboardInterrupt

    def write(path, data):  # the write of slogan_heatmap.png is interrupted before its file is complete
        if Path(path).name == "slogan_heatmap.png":
            monkeypatch.setattr(tio.os, "fsync", interrupt)
        return real_write(path, data)

    monkeypatch.setattr(report, "write_bytes_atomic", write)
    code, log = _run(["--out", str(tmp_path)])
    assert code == 130 and "interrupted" in log
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus_overview.csv", "corpus_overview.png"]


# --- a user's corpus ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small(token_cache, tmp_path_factory) -> tuple[list[str], Path, str]:
    """Three short reports with their own metadata file, reported once: (argv, out folder, log)."""
    root = tmp_path_factory.mktemp("small")
    folder = root / "corpus"
    folder.mkdir()
    texts = {
        "a.txt": "加快发展新质生产力，优化营商环境，壮大民营经济。" * 20,
        "b.txt": "持续优化营商环境，推动高质量发展，促进民营经济发展壮大。" * 20,
        "c.txt": "因地制宜发展新质生产力，推进乡村振兴，建设一流营商环境。" * 20,
    }
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    (root / "meta.csv").write_text(
        "file,place,province,level,rank,year,doctype\n"
        "a.txt,甲市,甲省,地级市,地级市,2023,report\n"
        "b.txt,甲市,甲省,地级市,地级市,2024,report\n"
        "c.txt,乙区,乙省,县区,市辖区,2024,report\n", encoding="utf-8")
    argv = ["--corpus", str(folder), "--metadata", str(root / "meta.csv")]
    code, log = _run([*argv, "--out", str(root / "figs")])
    assert code == 0, log
    return argv, root / "figs", log


def test_a_small_user_corpus_with_its_own_metadata_file(small):
    _, out, log = small
    for stem in ("corpus_overview", "slogan_heatmap", "key_slogans_by_place", "place_over_time"):
        assert (out / f"{stem}.png").stat().st_size > 0 and (out / f"{stem}.csv").stat().st_size > 0
    table = _read_csv(out / "place_over_time.csv")
    assert set(table["place"]) == {"甲市"}
    # a.txt: 新质生产力 20 times in 24 * 20 characters
    row = table[(table["doc_id"] == "a") & (table["slogan"] == "新质生产力")].iloc[0]
    assert row["count"] == 20 and row["rate"] == pytest.approx(20 / (24 * 20) * 10_000)


def test_force_draws_every_figure_again_with_the_same_bytes(small, tmp_path):
    argv, out, first = small
    out = Path(shutil.copytree(out, tmp_path / "figs"))
    drawn = _figure_lines(first, "wrote")
    before = _files(out)
    code, again = _run([*argv, "--out", str(out), "--force"])
    assert code == 0, again
    assert again.count("(drawn again, same bytes)") == len(drawn) >= 4
    assert _files(out) == before


def test_joblib_still_works_in_the_same_process_after_a_report_drew_in_workers(tmp_path):
    from joblib import Parallel, delayed

    from textmine.report import _Renderer

    renderer = _Renderer(n_workers=2)
    renderer.close()
    assert Parallel(n_jobs=2)(delayed(abs)(x) for x in (-1, -2)) == [1, 2]
