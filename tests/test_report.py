"""`python -m textmine.report`: every figure with its table, written atomically, drawn once,
one tokenized corpus for every figure, clear errors, and a run that always ends."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from contextlib import redirect_stderr
from pathlib import Path

import pandas as pd
import pytest
from _procs import alive, children, loky_workers

import textmine._io as tio
from textmine import report
from textmine.corpus import load_corpus
from textmine.sections import paragraphs
from textmine.tokenize import Tokenizer

EXPECTED = ["corpus_overview", "slogan_heatmap", "key_slogans_by_place", "key_slogans_by_rank",
            "place_over_time", "top_terms", "keyness", "topic_effects", "topic_terms", "topic_prevalence",
            "panel_attention", "panel_adoption", "panel_echo", "panel_escalation"]
TOPIC_FIGURES = {"topic_effects", "topic_terms", "topic_prevalence"}
PNG = b"\x89PNG\r\n\x1a\n"
ROOT = Path(__file__).resolve().parent.parent


def _run(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with redirect_stderr(err):
        code = report.main(argv)
    return code, err.getvalue()


@pytest.fixture(scope="module", autouse=True)
def token_cache(tmp_path_factory):
    """Token and figure cache in a temporary folder: the user's own cache stays untouched."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TEXTMINE_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        yield


@pytest.fixture(scope="module")
def bundled(token_cache, tmp_path_factory) -> tuple[int, Path, str, list[str]]:
    """The report of the bundled corpus, cold; the texts the segmenter was run on are recorded."""
    out = tmp_path_factory.mktemp("figures")
    segmented: list[str] = []
    real_cut = Tokenizer.cut

    def cut(self, text):
        segmented.append(text)
        return real_cut(self, text)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Tokenizer, "cut", cut)
        code, log = _run(["--out", str(out)])
    return code, out, log, segmented


@pytest.fixture
def copy_of_bundled(bundled, tmp_path) -> Path:
    """The bundled report copied (file times kept), to run again on."""
    return Path(shutil.copytree(bundled[1], tmp_path / "figures"))


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


def test_every_figure_comes_as_png_with_its_csv_and_nothing_else(bundled):
    code, out, log, _ = bundled
    assert code == 0, log
    for stem in EXPECTED:
        assert (out / f"{stem}.png").read_bytes()[:8] == PNG, stem
        assert len(_read_csv(out / f"{stem}.csv")) > 0, stem
    assert {p.name for p in out.iterdir()} == ({f"{s}.{e}" for s in EXPECTED for e in ("png", "csv")}
                                               | {"README.md", "index.html", "explorer_data.js"})


def test_one_tokens_serves_every_figure_each_document_segmented_once(bundled):
    _, _, log, segmented = bundled
    corpus = load_corpus()
    counts = Counter(segmented)
    assert [counts[doc.text] for doc in corpus] == [1] * len(corpus)
    # the only other texts: the paragraphs the topic model is fitted on (texts of their own), once each
    units = {doc.text for doc in paragraphs(corpus)}
    others = Counter({t: n for t, n in counts.items() if t not in set(corpus.texts)})
    assert set(others) <= units and set(others.values()) == {1}
    assert "LDA" in log and "keyness" in log


def test_the_log_says_where_each_file_went_and_the_index_lists_them(bundled):
    _, out, log, _ = bundled
    index = (out / "README.md").read_text(encoding="utf-8")
    for stem in EXPECTED:
        assert f"({stem}.png)" in index and f"({stem}.csv)" in index
    assert _figure_lines(log, "wrote") == set(EXPECTED)
    assert f"Done: {len(EXPECTED)} figures" in log and "Traceback" not in log
    assert "same bytes" not in log and "from the cache" not in log  # no talk about the machinery


def test_one_line_per_step_with_its_time_and_the_last_line_says_where_to_open_the_explorer(bundled):
    _, out, log, _ = bundled
    lines = log.strip().splitlines()
    assert lines[0] == "Corpus: 11 documents"
    assert re.search(r"^counting slogans: \d+\.\d s$", log, flags=re.M)
    assert re.search(r"^fitting LDA topic model \(K = 6, seed 0\): \d+\.\d s$", log, flags=re.M)
    assert not any(line.endswith("...") for line in lines)  # no separate start lines
    assert lines[-1] == (f"Done: {len(EXPECTED)} figures with their data in {out}/. Open {out / 'index.html'} in a web browser "
                         "to explore them and search the texts.")
    data = (out / "explorer_data.js").read_text(encoding="utf-8")
    for stem in EXPECTED:
        assert f'"stem":"{stem}"' in data


def test_the_committed_figures_are_what_the_report_draws(bundled):
    """figures/ in the repository is the report of the bundled corpus, byte for byte."""
    _, out, _, _ = bundled
    for stem in EXPECTED:
        for ext in ("png", "csv"):
            assert (out / f"{stem}.{ext}").read_bytes() == (ROOT / "figures" / f"{stem}.{ext}").read_bytes(), stem


def test_key_slogan_table_matches_a_plain_count_of_the_cleaned_text(bundled):
    table = _read_csv(bundled[1] / "key_slogans_by_place.csv")
    compact = re.sub(r"\s+", "", load_corpus()["jinan_2024_report"].text)
    row = table[(table["doc_id"] == "jinan_2024_report") & (table["slogan"] == "新质生产力")].iloc[0]
    assert row["count"] == compact.count("新质生产力")  # the slogan has no variants in the shipped list
    assert row["n_chars"] == len(compact)
    assert row["rate"] == pytest.approx(compact.count("新质生产力") / len(compact) * 10_000)
    assert set(table["slogan"]) == {"新质生产力", "民营经济", "营商环境"}
    assert table["doc_id"].nunique() == 11


def test_place_over_time_follows_quanzhou_the_place_with_three_years(bundled):
    table = _read_csv(bundled[1] / "place_over_time.csv")
    assert set(table["place"]) == {"泉州市"}
    assert sorted(table["year"].unique()) == [2021, 2023, 2024]


def test_group_comparison_uses_the_documents_of_one_year(bundled):
    table = _read_csv(bundled[1] / "key_slogans_by_rank.csv")
    assert set(table["year"]) == {2024}  # 9 of the 11 documents are from 2024
    assert table["doc_id"].nunique() == 9


def test_keyness_contrasts_the_province_with_most_reports(bundled):
    table = _read_csv(bundled[1] / "keyness.csv")
    frame = load_corpus().to_frame()
    reports = frame[frame["doctype"] == "report"]
    # 辽宁省: 沈阳, 本溪, 盘锦 -- more full reports than any other province
    assert set(table["target_docs"]) == {(reports["province"] == "辽宁省").sum()} == {3}
    assert set(table["reference_docs"]) == {len(reports) - 3}


def test_figure_csvs_keep_8_significant_digits_so_cpu_noise_does_not_show(bundled):
    weights = pd.read_csv(bundled[1] / "topic_terms.csv", encoding="utf-8-sig", dtype=str)["weight"]

    def significant(number: str) -> int:
        return len(re.split("[eE]", number)[0].lstrip("-").replace(".", "").lstrip("0"))

    assert max(map(significant, weights)) == 8  # LDA weights: 8 digits kept, not 16-17


# --- running again: drawn once -----------------------------------------------------------


def test_a_second_run_computes_nothing_and_touches_no_file(copy_of_bundled):
    before, times = _files(copy_of_bundled), _mtimes(copy_of_bundled)
    code, log = _run(["--out", str(copy_of_bundled)])
    assert code == 0, log
    assert _figure_lines(log, "unchanged") == set(EXPECTED) and not _figure_lines(log, "wrote")
    assert "tokenizing" not in log and "LDA" not in log
    assert _files(copy_of_bundled) == before and _mtimes(copy_of_bundled) == times


def test_a_second_run_imports_neither_matplotlib_nor_gensim_nor_sklearn(copy_of_bundled):
    script = ("import sys; from textmine import report; code = report.main(['--out', sys.argv[1]]); "
              "print(code, sorted(m for m in ('matplotlib', 'gensim', 'sklearn') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", script, str(copy_of_bundled)], capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.strip() == "0 []", done.stderr


def test_a_new_output_folder_gets_the_same_files_without_drawing(bundled, tmp_path):
    code, log = _run(["--out", str(tmp_path / "again")])
    assert code == 0, log
    assert "LDA" not in log and _figure_lines(log, "wrote") == set(EXPECTED)
    assert _files(tmp_path / "again") == _files(bundled[1])


def test_the_explorer_page_is_copied_from_the_cache_unless_its_corpus_figures_or_code_changed(tmp_path,
                                                                                                  monkeypatch):
    import dataclasses

    from textmine import explorer
    from textmine.corpus import Corpus
    from textmine.tokenize.cache import ResultCache

    corpus = Corpus.from_texts(["壮大民营经济，优化营商环境。", "发展新质生产力。"])
    out = tmp_path / "out"
    out.mkdir()
    (out / "fig.csv").write_text("term,count\n营商环境,1\n", encoding="utf-8")
    (out / "fig.png").write_bytes(b"\x89PNG")
    outputs = [report.Output("fig", "A caption.", out / "fig.png", out / "fig.csv", "drawn", (out / "fig.png",))]
    cache = ResultCache(tmp_path / "cache")
    computed: list[str] = []
    real = explorer.write_explorer
    monkeypatch.setattr(explorer, "write_explorer", lambda *a, **k: computed.append("page") or real(*a, **k))

    def page(corpus_key: str = "corpus-a") -> dict[str, bytes]:
        report._explorer(corpus, out, outputs, cache, corpus_key, log=lambda message: None)
        return {p.name: p.read_bytes() for p in out.iterdir() if p.name in ("index.html", "explorer_data.js")}

    first = page()
    assert computed == ["page"] and "营商环境" in first["explorer_data.js"].decode("utf-8")
    for name in first:
        (out / name).unlink()
    assert page() == first and computed == ["page"]  # copied from the cache, the same bytes
    page("corpus-b")  # other texts or metadata
    (out / "fig.csv").write_text("term,count\n营商环境,2\n", encoding="utf-8")  # another table
    page()
    (out / "fig.svg").write_text("<svg/>", encoding="utf-8")  # another file of the figure to link
    page()
    outputs[0] = dataclasses.replace(outputs[0], caption="Another caption.")
    page()
    assert computed == ["page"] * 5
    monkeypatch.setattr(report, "BIG_TABLE_BYTES", 10)  # a page too big to keep in memory for the cache
    outputs[0] = dataclasses.replace(outputs[0], caption="A third caption.")
    assert page() == page() and computed == ["page"] * 7


def test_a_deleted_png_comes_back_with_the_same_bytes_and_nothing_else_is_written(copy_of_bundled):
    before, times = _files(copy_of_bundled), _mtimes(copy_of_bundled)
    (copy_of_bundled / "topic_terms.png").unlink()
    code, log = _run(["--out", str(copy_of_bundled)])
    assert code == 0, log
    assert _figure_lines(log, "wrote") == {"topic_terms"}
    assert "topic_terms.png (topic_terms.csv unchanged)" in log and "fitting LDA" not in log
    assert _files(copy_of_bundled) == before
    times.pop("topic_terms.png")
    assert {k: v for k, v in _mtimes(copy_of_bundled).items() if k != "topic_terms.png"} == times


def test_a_csv_edited_by_hand_is_written_again(copy_of_bundled):
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
    # the explorer's index carries the figures' tables, so it changes with the topic CSVs
    assert changed == {f"{s}.{ext}" for s in TOPIC_FIGURES for ext in ("png", "csv")} | {"README.md",
                                                                                        "explorer_data.js"}
    assert "(seed 1)" in after["README.md"].decode("utf-8")


def test_clear_cache_empties_the_figure_cache_too(copy_of_bundled, tmp_path, monkeypatch):
    import textmine

    monkeypatch.setenv("TEXTMINE_CACHE_DIR", str(tmp_path / "own-cache"))
    code, _ = _run(["--out", str(copy_of_bundled)])  # a fresh cache: drawn, and kept there
    assert code == 0 and list((tmp_path / "own-cache" / "results").iterdir())
    assert textmine.clear_cache() > 0
    assert not [p for p in (tmp_path / "own-cache").rglob("*") if p.is_file()]


def _table_entries(cache: Path) -> dict[str, dict]:
    """The cached tables in ``cache`` (entries of results/ with a "plot" part): key -> JSON header."""
    entries = {}
    for path in (cache / "results").glob("*.res"):
        head = json.loads(path.read_bytes().split(b"\n", 1)[0])
        if "plot" in [name for name, _, _ in head["parts"]]:
            entries[path.stem] = head
    return entries


@pytest.fixture
def drawing_code_changed(bundled, tmp_path, monkeypatch) -> Path:
    """A copy of the bundled run's cache, as after an edit of plots.py only: the figure keys change,
    the table keys do not."""
    cache = Path(shutil.copytree(os.environ["TEXTMINE_CACHE_DIR"], tmp_path / "cache"))
    monkeypatch.setenv("TEXTMINE_CACHE_DIR", str(cache))
    code = report._code
    monkeypatch.setattr(report, "_code", lambda tables=False: code(True) if tables else {**code(), "plots": "edited"})
    return cache


def _analyses_fail(monkeypatch) -> None:
    import textmine.frequency
    import textmine.keywords
    import textmine.topics

    def fail(*args, **kwargs):
        raise AssertionError("an analysis ran")

    for module, name in ((textmine.frequency, "slogan_frequency"), (textmine.keywords, "top_terms"),
                         (textmine.keywords, "keyness"), (textmine.topics.TopicModel, "fit")):
        monkeypatch.setattr(module, name, fail)


def test_after_a_change_in_drawing_code_every_figure_is_drawn_from_its_cached_tables(bundled, drawing_code_changed,
                                                                                      tmp_path, monkeypatch):
    _analyses_fail(monkeypatch)
    corpus = load_corpus()
    outputs = report.build_report(corpus, tmp_path / "again", drop_places=True, log=lambda message: None)
    assert [o.stem for o in outputs] == EXPECTED and {o.status for o in outputs} == {"drawn"}
    assert _files(tmp_path / "again") == _files(bundled[1])  # the same pixels, to the byte


def test_a_cached_table_reads_back_exactly_what_was_drawn():
    frame = pd.DataFrame({"doc_id": ["a", "b"], "feature": pd.Series(["新质", None], dtype=object),
                          "year": pd.array([2024, None], dtype="Int64"), "rate": [0.1, float("nan")]}).set_axis([3, 7])
    labels = pd.Series(["甲·乙", "丙·丁"], name="label", index=pd.Index([0, 1], name="topic"))
    plot = report._Plot("plots", "topic_terms_grid", (frame, ("新质生产力", "营商环境")),
                        {"labels": labels, "title": "LDA", "n": 10})
    back = report._decode_tables(report._encode_tables(plot))
    pd.testing.assert_frame_equal(back.args[0], frame, check_exact=True, check_index_type=True)
    pd.testing.assert_series_equal(back.kwargs["labels"], labels, check_exact=True, check_index_type=True)
    assert back.args[1] == ("新质生产力", "营商环境")
    assert back.kwargs["title"] == "LDA" and back.kwargs["n"] == 10
    assert back.args[0]["feature"].tolist() == ["新质", None]


def test_a_table_parquet_cannot_hold_exactly_is_not_cached(tmp_path):
    from textmine.tokenize.cache import ResultCache

    cache, key = ResultCache(tmp_path), "ab" * 32
    mixed = pd.DataFrame({"value": pd.Series([1, "一"], dtype=object)})
    report._cache_tables(cache, key, report._Plot("plots", "corpus_overview", (mixed,)))
    assert cache.get(key) is None


def test_a_table_that_reads_back_different_is_not_cached(tmp_path, monkeypatch):
    from textmine.tokenize.cache import ResultCache

    cache, key = ResultCache(tmp_path), "cd" * 32
    table = pd.DataFrame({"doc_id": ["a", "b"], "n_chars": [3, 4]})
    decode = report._decode_tables

    def one_value_off(parts):
        plot = decode(parts)
        return report._Plot(plot.module, plot.name, (plot.args[0].assign(n_chars=[3, 5]),))

    monkeypatch.setattr(report, "_decode_tables", one_value_off)
    report._cache_tables(cache, key, report._Plot("plots", "corpus_overview", (table,)))
    assert cache.get(key) is None
    monkeypatch.setattr(report, "_decode_tables", decode)
    report._cache_tables(cache, key, report._Plot("plots", "corpus_overview", (table,)))
    assert cache.get(key) is not None


def test_tables_too_big_to_copy_are_not_cached(tmp_path, monkeypatch):
    """Checking a cached table reads back exactly holds a second copy of it: the slogan table of
    thousands of documents (hundreds of MB) is computed again instead."""
    from textmine.tokenize.cache import ResultCache

    cache = ResultCache(tmp_path)
    table = pd.DataFrame({"doc_id": ["a", "b"], "n_chars": [3, 4]})
    size = int(table.memory_usage(deep=True).sum())
    monkeypatch.setattr(report, "BIG_TABLE_BYTES", size - 1)
    report._cache_tables(cache, "ef" * 32, report._Plot("plots", "corpus_overview", (table,)))
    assert cache.get("ef" * 32) is None
    monkeypatch.setattr(report, "BIG_TABLE_BYTES", size)
    report._cache_tables(cache, "ef" * 32, report._Plot("plots", "corpus_overview", (table,)))
    assert cache.get("ef" * 32) is not None


FOREIGN = {"module": "os", "name": "system", "args": {"list": [{"value": "echo owned"}]}}


@pytest.mark.parametrize("damage", ["truncated", "names another function", "table is not Parquet"])
def test_a_damaged_or_foreign_table_entry_is_computed_again(bundled, drawing_code_changed, tmp_path, monkeypatch,
                                                             damage):
    from textmine.tokenize.cache import ResultCache

    results = ResultCache()
    for key, head in _table_entries(drawing_code_changed).items():
        path = results.path(key)
        if damage == "truncated":
            path.write_bytes(path.read_bytes()[:-10])
            continue
        parts = results.get(key)
        plot = json.loads(parts["plot"])
        if damage == "names another function":
            results.put(key, {"plot": json.dumps({**plot, **FOREIGN}).encode()})
        else:
            results.put(key, {**parts, **{name: b"PAR1 not a table" for name in parts if name != "plot"}})
    written, cache_tables = [], report._cache_tables
    monkeypatch.setattr(report, "_cache_tables", lambda cache, key, plot: (written.append(key),
                                                                            cache_tables(cache, key, plot)))
    code, log = _run(["--out", str(tmp_path / "again")])
    assert code == 0, log
    assert "counting slogans" in log and "fitting LDA" in log and "owned" not in log
    assert _files(tmp_path / "again") == _files(bundled[1])
    assert len(set(written)) == len(EXPECTED)  # every figure's tables computed again, and now read back
    assert all(report._cached_tables(results, key) is not None for key in written)


# --- errors -----------------------------------------------------------------------------


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


# --- the process always ends (run as a user runs it, in a subprocess with a timeout) ----------


def _report(*args: str, cache: Path, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "TEXTMINE_CACHE_DIR": str(cache), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "textmine.report", *args], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def _finished(proc: subprocess.Popen, timeout: float = 60) -> tuple[int, str, float]:
    start = time.monotonic()
    _, err = proc.communicate(timeout=timeout)
    return proc.returncode, err, time.monotonic() - start


@pytest.mark.parametrize("where", ["a file", "below a file"])
def test_an_out_that_is_a_file_or_below_one_fails_at_once_in_one_line(tmp_path, where):
    blocker = tmp_path / "figures.png"
    blocker.write_bytes(b"not a folder")
    out = blocker if where == "a file" else blocker / "sub" / "figures"
    code, err, _ = _finished(_report("--out", str(out), cache=tmp_path / "cache"))
    assert code == 1
    assert err.strip().splitlines() == [f"textmine.report: error: --out {out}: {blocker} is a file, not a folder"]
    assert not (tmp_path / "cache").exists()  # refused before any work: nothing tokenized or cached


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root may write into any folder")
def test_an_out_folder_without_write_permission_fails_at_once_in_one_line(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    code, err, _ = _finished(_report("--out", str(locked / "figures"), cache=tmp_path / "cache"))
    assert code == 1 and len(err.strip().splitlines()) == 1 and "permission denied" in err


def test_a_write_failing_during_the_run_ends_it_promptly_in_one_line(tmp_path):
    out = tmp_path / "figures"
    (out / "slogan_heatmap.png").mkdir(parents=True)  # a folder where a figure file must go
    code, err, _ = _finished(_report("--out", str(out), cache=tmp_path / "cache"), timeout=300)
    assert code == 1, err
    last = err.strip().splitlines()[-1]
    assert last.startswith("textmine.report: error:") and "slogan_heatmap.png" in last and "Traceback" not in err


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads child processes from /proc")
@pytest.mark.parametrize("sig,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_sigint_and_sigterm_end_the_report_and_its_children_within_seconds(tmp_path, sig, code):
    proc = _report("--out", str(tmp_path / "figures"), cache=tmp_path / "cache")
    for line in proc.stderr:  # wait until the long steps have started
        if "counting slogans" in line:
            break
    time.sleep(0.5)
    kids = children(proc.pid)
    proc.send_signal(sig)
    returncode, err, seconds = _finished(proc, timeout=30)
    assert returncode == code, err
    assert seconds < 10 and "Traceback" not in err
    from joblib import cpu_count

    assert kids or cpu_count() == 1  # the drawing worker and its pool's resource trackers had started
    deadline = time.monotonic() + 5  # a resource tracker exits when it reads the end of its pipe
    while [c for c in kids if alive(c)] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [c for c in kids if alive(c)]
    assert not list((tmp_path / "figures").glob(".*.tmp")) if (tmp_path / "figures").exists() else True


def test_an_interrupt_python_drops_inside_a_finalizer_still_ends_the_report(bundled, tmp_path, monkeypatch):
    """Python drops an exception raised while a ``__del__`` or weakref callback runs (it prints
    "Exception ignored"); a Ctrl-C landing there must not let the report run on to the end."""

    class LandsInAFinalizer:
        def __del__(self):
            report._on_signal(signal.SIGINT, None)  # what the handler does when SIGINT arrives here

    real, calls = report._produce, []

    def produce(*args, **kwargs):
        if len(calls) == 1:
            LandsInAFinalizer()  # collected at once: its KeyboardInterrupt is dropped
        calls.append(args[0].stem)
        return real(*args, **kwargs)

    monkeypatch.setattr(report, "_produce", produce)
    code, err = _run(["--out", str(tmp_path / "figures")])
    assert code == 130 and "interrupted" in err.splitlines()[-1] and "Traceback" not in err
    assert len(calls) == 2 and not (tmp_path / "figures" / "README.md").exists()
    assert report._SIGNALLED == []  # forgotten once main returns: a later build_report call is not interrupted


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
    # two years and two levels: the panels section is drawn, but no parent level is in the corpus
    assert (out / "panel_attention.png").exists() and (out / "panel_adoption.png").exists()
    assert "skipped panel_echo and panel_escalation: no document's parent level" in log
    assert not (out / "panel_echo.png").exists()


def test_force_draws_every_figure_again_with_the_same_bytes(small, tmp_path):
    argv, out, first = small
    out = Path(shutil.copytree(out, tmp_path / "figs"))
    drawn = _figure_lines(first, "wrote")
    before = _files(out)
    code, again = _run([*argv, "--out", str(out), "--force"])
    assert code == 0, again
    assert _figure_lines(again, "unchanged") == drawn and len(drawn) >= 4  # the same bytes
    assert _files(out) == before
    corpus = report._load(report._parser().parse_args(argv))
    outputs = report.build_report(corpus, out, force=True, log=lambda message: None)
    assert {o.stem for o in outputs if o.status == "drawn"} == drawn  # drawn, not copied from the cache


# --- drawing on several cores ------------------------------------------------------------


def _draws_here(monkeypatch) -> list[str]:
    """The figures drawn in this process from now on (a worker's drawing is not seen here)."""
    here: list[str] = []
    real = report._draw_files
    monkeypatch.setattr(report, "_draw_files", lambda plot, formats: here.append(plot.name) or real(plot, formats))
    return here


def test_figures_drawn_in_worker_processes_have_the_bytes_of_figures_drawn_here(small, tmp_path, monkeypatch):
    argv, _, _ = small
    corpus = report._load(report._parser().parse_args(argv))
    quiet = lambda message: None  # noqa: E731
    here = _draws_here(monkeypatch)
    serial = report.build_report(corpus, tmp_path / "serial", force=True, n_jobs=1, log=quiet)
    assert len(here) == len(serial) >= 4
    here.clear()
    parallel = report.build_report(corpus, tmp_path / "parallel", force=True, n_jobs=2, log=quiet,
                                   formats=("png", "svg"))
    assert len(here) < len(parallel)  # the first figure to draw goes to the worker, this process draws while it waits
    assert [o.stem for o in parallel] == [o.stem for o in serial]
    assert [o.caption for o in parallel] == [o.caption for o in serial]
    for o in serial:  # the same PNG and CSV bytes, whichever process drew them
        for path in (o.png, o.csv):
            assert (tmp_path / "parallel" / path.name).read_bytes() == path.read_bytes(), path.name
    assert all((tmp_path / "parallel" / f"{o.stem}.svg").read_bytes().startswith(b"<?xml") for o in parallel)
    from joblib import Parallel, delayed  # joblib's own calls go on using (or resizing) the same pool

    assert Parallel(n_jobs=2)(delayed(abs)(-i) for i in range(3)) == [0, 1, 2]


def test_big_tables_a_big_corpus_and_a_backend_the_caller_chose_are_drawn_here(small, tmp_path, monkeypatch):
    from joblib import parallel_config

    argv, _, _ = small
    corpus = report._load(report._parser().parse_args(argv))
    here = _draws_here(monkeypatch)
    monkeypatch.setattr(report, "BIG_TABLE_BYTES", 0)  # every table is too big to copy into a worker
    outputs = report.build_report(corpus, tmp_path / "big", force=True, n_jobs=2, log=lambda message: None)
    assert len(here) == len(outputs)
    monkeypatch.undo()
    here = _draws_here(monkeypatch)
    chars = sum(len(doc.text) for doc in corpus)
    monkeypatch.setattr(report, "WORKER_CORPUS_CHARS", chars - 1)  # one character too many for workers
    outputs = report.build_report(corpus, tmp_path / "long", force=True, n_jobs=2, log=lambda message: None)
    assert len(here) == len(outputs)
    here.clear()
    monkeypatch.setattr(report, "WORKER_CORPUS_CHARS", chars)  # just small enough
    outputs = report.build_report(corpus, tmp_path / "short", force=True, n_jobs=2, log=lambda message: None)
    assert len(here) < len(outputs)
    monkeypatch.undo()
    here = _draws_here(monkeypatch)
    with parallel_config(backend="threading"):
        outputs = report.build_report(corpus, tmp_path / "threads", force=True, n_jobs=2, log=lambda message: None)
    assert len(here) == len(outputs)


def test_a_figure_that_fails_in_a_worker_raises_the_error_it_raises_here():
    from textmine.errors import TextmineError

    plot = report._Plot("plots", "slogan_heatmap", (pd.DataFrame({"doc_id": ["a"]}),))  # no slogan, no rate
    with pytest.raises(TextmineError, match="lacks column") as here:
        report._Drawer(1).draw(plot, ("png",))()
    with report._Drawer(2) as drawer:
        assert drawer.workers == 1
        finish = drawer.draw(plot, ("png",))
        with pytest.raises(TextmineError) as there:  # what python -m textmine.report turns into one line
            finish()
    assert str(there.value) == str(here.value)


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads child processes from /proc")
def test_a_drawing_worker_that_dies_costs_only_time_its_figure_is_drawn_here():
    from textmine._parallel import release_workers

    frame = pd.DataFrame({"doc_id": ["a", "b"], "doctype": ["report", "report"], "n_chars": [3000, 5000],
                          "truncated": [False, True]})
    plot = report._Plot("plots", "corpus_overview", (frame,))
    expected = report._draw_files(plot, ("png",))
    release_workers(kill=True)  # a pool yet to start: the worker is still importing when it is killed
    with report._Drawer(2) as drawer:
        finish = drawer.draw(plot, ("png",))
        workers = loky_workers()
        assert workers
        for pid in workers:
            os.kill(pid, signal.SIGKILL)  # as the out-of-memory killer would
        assert finish() == expected
        assert drawer.workers == 0  # the rest of the run draws here
        assert drawer.draw(plot, ("png",))() == expected


def _overview_plot() -> "report._Plot":
    frame = pd.DataFrame({"doc_id": ["a", "b"], "doctype": ["report", "report"], "n_chars": [3000, 5000],
                          "truncated": [False, True]})
    return report._Plot("plots", "corpus_overview", (frame,))


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads child processes from /proc")
def test_a_worker_holds_two_figures_one_drawing_one_waiting_before_this_process_draws(monkeypatch):
    from textmine._parallel import release_workers

    plot = _overview_plot()
    expected = report._draw_files(plot, ("png",))
    release_workers(kill=True)  # a pool yet to start: its worker takes a second before it draws anything
    here = _draws_here(monkeypatch)
    with report._Drawer(2) as drawer:
        finishes = [drawer.draw(plot, ("png",)) for _ in range(3)]
        assert here == ["corpus_overview"]  # the third: the worker has two already
        assert [finish() for finish in finishes] == [expected] * 3


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads child processes from /proc")
def test_at_the_end_this_process_takes_back_the_figure_waiting_behind_the_workers(monkeypatch):
    from textmine._parallel import release_workers

    plot = _overview_plot()
    expected = report._draw_files(plot, ("png",))
    release_workers(kill=True)  # a pool yet to start: both figures are still waiting a moment later
    here = _draws_here(monkeypatch)
    with report._Drawer(2) as drawer:
        first, second = drawer.draw(plot, ("png",)), drawer.draw(plot, ("png",))
        assert here == []  # both went to the worker
        drawer.steal()
        assert here == ["corpus_overview"]  # the second, drawn here while the worker draws the first
        drawer.steal()
        assert here == ["corpus_overview"]  # the first is the worker's: nothing more to take back
        assert first() == second() == expected  # build_report's test with n_jobs=2 covers a whole report


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads child processes from /proc")
def test_start_readies_the_workers_a_drawer_then_draws_with(monkeypatch):
    from joblib import parallel_config

    from textmine._parallel import release_workers

    release_workers(kill=True)
    assert report._Drawer.start(1) is False and report._Drawer.start(None) is False
    with parallel_config(backend="threading"):  # a backend the caller chose: no worker of textmine's
        assert report._Drawer.start(2) is False
    assert loky_workers() == []
    assert report._Drawer.start(2) is True
    workers = loky_workers()
    assert len(workers) == 1
    drawing_code = report._Drawer._pool(1).submit(lambda: "textmine.plots" in sys.modules).result(timeout=60)
    assert drawing_code is True  # imported while this process goes on (python -m textmine.report: loading)
    plot = _overview_plot()
    here = _draws_here(monkeypatch)
    with report._Drawer(2) as drawer:
        assert drawer.draw(plot, ("png",))() == report._draw_files(plot, ("png",))
        assert here == ["corpus_overview"]  # once, for the comparison: the drawer's went to the worker
        assert loky_workers() == workers


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads child processes from /proc")
def test_the_report_starts_its_drawing_worker_before_loading_a_small_corpus_only(small, tmp_path, monkeypatch):
    from textmine._parallel import release_workers

    argv, _, _ = small
    seen: dict[str, list[int]] = {}
    load = report._load

    def loading(args):
        seen["loading"] = loky_workers()
        return load(args)

    def drawing(*args, **kwargs):
        seen["drawing"] = loky_workers()
        return []

    monkeypatch.setattr(report, "_load", loading)
    monkeypatch.setattr(report, "build_report", drawing)

    def run(*extra: str) -> dict[str, list[int]]:
        release_workers(kill=True)
        seen.clear()
        with redirect_stderr(io.StringIO()):
            assert report.main([*argv, "--out", str(tmp_path), *extra]) == 0
        return dict(seen)

    first = run("--jobs", "2", "--seed", "101")
    assert len(first["loading"]) == 1 and first["drawing"] == first["loading"]
    # the same run again: it ended with every figure cached, nothing to draw, no worker
    assert run("--jobs", "2", "--seed", "101") == {"loading": [], "drawing": []}
    assert len(run("--jobs", "2", "--seed", "101", "--force")["loading"]) == 1
    corpus_file = Path(argv[1]) / "a.txt"
    stat = corpus_file.stat()
    try:
        os.utime(corpus_file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # a file changed since
        assert len(run("--jobs", "2", "--seed", "101")["loading"]) == 1
    finally:
        os.utime(corpus_file, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert run("--jobs", "1", "--seed", "102") == {"loading": [], "drawing": []}
    small_bytes, chars = report.SMALL_SOURCE_BYTES, report.WORKER_CORPUS_CHARS
    monkeypatch.setattr(report, "SMALL_SOURCE_BYTES", 10)  # the corpus's files take more than that
    assert run("--jobs", "2", "--seed", "103") == {"loading": [], "drawing": []}
    monkeypatch.setattr(report, "SMALL_SOURCE_BYTES", small_bytes)
    monkeypatch.setattr(report, "WORKER_CORPUS_CHARS", 10)  # more characters than its files suggested
    last = run("--jobs", "2", "--seed", "104")
    assert len(last["loading"]) == 1 and last["drawing"] == []  # stopped before the drawing
    monkeypatch.setattr(report, "WORKER_CORPUS_CHARS", chars)


def test_source_files_lists_the_files_a_corpus_names_unless_they_pass_the_limit(tmp_path):
    from textmine.corpus import bundled_seeds_dir

    def sizes(spec: str, limit: int = 1000) -> list[tuple[str, int]] | None:
        files = report._source_files(spec, limit)
        return None if files is None else [(Path(path).name, size) for path, size, _ in files]

    (tmp_path / "a.txt").write_bytes(b"x" * 100)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_bytes(b"y" * 50)
    assert sizes(str(tmp_path)) == [("a.txt", 100), ("b.txt", 50)]  # sorted, folders below included
    assert sizes(str(tmp_path / "a.txt")) == [("a.txt", 100)]
    assert sizes(str(tmp_path / "*" / "*.txt")) == [("b.txt", 50)]  # a glob
    assert sizes(str(tmp_path), 149) is None  # past the limit
    assert sizes(str(tmp_path / "missing")) is None  # load_corpus says what is wrong
    files = report._source_files(str(tmp_path / "a.txt"), 1000)
    assert files[0][2] == (tmp_path / "a.txt").stat().st_mtime_ns
    folder = bundled_seeds_dir() / "provinces2026"
    listed = report._source_files("provinces2026", 10**9)
    assert [(Path(p), n) for p, n, _ in listed] == sorted((p, p.stat().st_size) for p in folder.rglob("*")
                                                          if p.is_file())


def test_n_jobs_follows_scikit_learn_the_report_process_being_one_of_them():
    from joblib import parallel_config

    assert report._Drawer(None).workers == report._Drawer(1).workers == 0  # None = 1: drawn here only
    assert report._Drawer(2).workers == 1
    with parallel_config(n_jobs=2):  # None = what a joblib context says
        assert report._Drawer(None).workers == 1


def test_the_table_size_that_decides_where_a_figure_is_drawn_counts_the_strings():
    frame = pd.DataFrame({"place": ["泉州市" * 100] * 1000, "count": range(1000)})
    plot = report._Plot("plots", "corpus_overview", (frame,), {"series": frame["count"]})
    size = report._table_bytes(plot)
    assert size > 1000 * 300 * 1  # a 300-character string in each row, besides the numbers
    assert size == int(frame.memory_usage(deep=True).sum()) + int(frame["count"].memory_usage(deep=True))


# --- the panels section ------------------------------------------------------------------


def test_the_panels_section_is_skipped_with_a_reason_for_one_year_and_one_level():
    from textmine import Corpus, tokens

    corpus = Corpus.from_dataframe(pd.DataFrame({"text": ["发展新质生产力。", "优化营商环境。"], "year": [2024, 2024],
                                                 "level": ["地级市", "地级市"]}))
    lines: list[str] = []
    assert report._panel_figures(corpus, tokens(corpus, cache=False), corpus.to_frame(), lines.append) == []
    assert lines == ["skipped panels: the corpus spans 1 year(s) and 1 level(s); a panel needs more than one "
                     "of either"]


def test_panel_escalation_compares_the_district_with_its_city(bundled):
    table = _read_csv(bundled[1] / "panel_escalation.csv")
    # 泉港区's 2024 plan: 6.5 against 泉州市's 2024 excerpt: 5.8 (both read by growth_targets)
    assert table[["doc_id", "parent_doc_id", "target_value", "parent_target"]].values.tolist() == [
        ["quangang_2024_plan", "quanzhou_2024_excerpt", 6.5, 5.8]]
    assert table["gap_pp"].round(6).tolist() == [0.7]


# --- thin corpora: the report always runs to the end (issue 13 item 8) ------------------

THIN_TEXTS = ["加快发展新质生产力，优化营商环境，壮大民营经济。", "持续优化营商环境，推动高质量发展，促进民营经济发展壮大。",
              "因地制宜发展新质生产力，推进乡村振兴，建设一流营商环境。", "深化改革开放，扩大有效投资，提振消费需求。"]


def _thin(root: Path, header: str, rows: list[str]) -> Path:
    folder = root / "corpus"
    folder.mkdir()
    lines = [header]
    for i, row in enumerate(rows):
        (folder / f"r{i}.txt").write_text(THIN_TEXTS[i % 4] * 25, encoding="utf-8")
        lines.append(f"r{i}.txt,{row}")
    (folder / "metadata.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def test_a_corpus_with_only_file_place_and_year_runs_to_the_end(tmp_path):
    folder = _thin(tmp_path, "file,place,year", ["甲市,2024", "乙市,2024", "丙市,2025"])
    code, log = _run(["--corpus", str(folder), "--out", str(tmp_path / "out")])
    assert code == 0, log
    assert "skipped key_slogans_by_rank: column 'rank' has no values" in log
    assert "skipped keyness: the corpus has no two groups to contrast" in log
    assert (tmp_path / "out" / "key_slogans_by_place.png").is_file()


def test_a_corpus_labelled_in_chinese_runs_and_contrasts_groups_of_two(tmp_path):
    folder = _thin(tmp_path, "file,place,level,doctype,year",
                   ["山东,省级,政府工作报告,2026", "江苏,省级,政府工作报告,2026",
                    "四川,省级,政府工作报告,2026", "甘肃,省级,政府工作报告,2026"])
    code, log = _run(["--corpus", str(folder), "--out", str(tmp_path / "out")])
    assert code == 0, log
    table = _read_csv(tmp_path / "out" / "keyness.csv")
    # one report per province: the gazetteer's regions give two groups of two (东部: 山东, 江苏; 西部: 四川, 甘肃)
    assert set(table["target_docs"]) == {2} and set(table["reference_docs"]) == {2}
    assert "keyness: region = " in log


def test_compare_names_the_keyness_groups_and_refuses_a_group_of_one(tmp_path):
    folder = _thin(tmp_path, "file,place,year", ["济南,2024", "青岛,2024", "沈阳,2024", "大连,2024", "泉州,2024", "商丘,2024"])
    code, log = _run(["--corpus", str(folder), "--out", str(tmp_path / "a"), "--compare", "rank=副省级城市"])
    assert code == 0, log
    assert set(_read_csv(tmp_path / "a" / "keyness.csv")["target_docs"]) == {4}
    code, log = _run(["--corpus", str(folder), "--out", str(tmp_path / "b"), "--compare", "province=福建省"])
    assert code == 1 and "1 documents match" in log and not (tmp_path / "b").exists()


def test_the_by_rank_figure_counts_a_capital_in_both_of_its_rank_groups(tmp_path):
    folder = _thin(tmp_path, "file,place,year", ["济南,2024", "沈阳,2024", "大连,2024", "福州,2024"])
    code, log = _run(["--corpus", str(folder), "--out", str(tmp_path / "out")])
    assert code == 0, log
    table = _read_csv(tmp_path / "out" / "key_slogans_by_rank.csv")
    docs = table.groupby("rank")["doc_id"].apply(lambda s: sorted(set(s))).to_dict()
    # 济南 and 沈阳 are 副省级城市 and 省会; 大连 副省级城市 only; 福州 省会 only
    assert docs == {"副省级城市": ["r0", "r1", "r2"], "省会": ["r0", "r1", "r3"]}


def test_place_names_are_kept_out_of_the_bundled_top_terms(bundled):
    terms = set(_read_csv(bundled[1] / "top_terms.csv")["term"])
    assert not terms & {"沈阳", "盘锦", "本溪", "商丘", "内江", "济南", "福州", "泉州", "泉港", "辽宁", "山东"}


def test_the_second_bundled_corpus_has_its_figures_in_the_repository():
    folder = ROOT / "figures" / "provinces2026"
    for stem in ("corpus_overview", "slogan_heatmap", "key_slogans_by_rank", "top_terms", "keyness"):
        assert (folder / f"{stem}.png").is_file() and (folder / f"{stem}.csv").is_file(), stem
    keyness = _read_csv(folder / "keyness.csv")
    assert set(keyness["target_docs"]) == {12} and set(keyness["reference_docs"]) == {19}   # 西部 vs the rest


# --- figure formats ---------------------------------------------------------------------------


def test_each_requested_format_is_written_beside_the_csv(small, tmp_path):
    argv, _, _ = small
    code, log = _run([*argv, "--out", str(tmp_path / "v"), "--format", "png,svg,pdf"])
    assert code == 0, log
    out = tmp_path / "v"
    assert (out / "slogan_heatmap.png").read_bytes()[:8] == PNG
    assert (out / "slogan_heatmap.pdf").read_bytes()[:5] == b"%PDF-"
    assert b"<svg" in (out / "slogan_heatmap.svg").read_bytes()[:500]
    assert "slogan_heatmap.svg" in (out / "explorer_data.js").read_text(encoding="utf-8")  # linked on the page


def test_an_unknown_format_is_a_one_line_error_before_any_work(tmp_path):
    code, log = _run(["--out", str(tmp_path / "out"), "--format", "png,gif"])
    assert code == 1
    assert log.strip() == ("textmine.report: error: --format 'png,gif': unknown format 'gif'; "
                           "use one or more of png, svg, pdf, e.g. --format png,pdf")
    assert not (tmp_path / "out").exists()
