"""The explorer page: files written, the index it reads, and the page itself in headless Chromium.

The browser tests open ``index.html`` from ``file://`` in Debian's Chromium (``apt-get install
chromium``; ``.ci/run`` installs it) driven by Playwright's Python client, which is pointed at
that executable: no browser is downloaded. They are skipped, with the reason, only when no
Chromium executable exists on the machine. Screenshots are saved in ``build/test-screenshots/``.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

import textmine as tm
from textmine.errors import TextmineError
from textmine.explorer import EXPLORER_DATA, EXPLORER_PAGE, write_explorer

SCREENSHOTS = Path(__file__).resolve().parent.parent / "build" / "test-screenshots"

# Three short reports written here. Hand counts of 新质生产力 (exact, whitespace ignored,
# non-overlapping): a = 2 (one split by a line break), b = 2, c = 0 -> 4 hits in 2 documents.
# 发展发展 in c's 发展发展发展: 1 (the occurrence overlapping the first is not counted again).
TEXTS = {
    "a": ("甲市", 2024, "地级市", "加快发展新质生产力，壮大民营经济。\n培育新质\n生产力，优化营商环境。"),
    "b": ("乙市", 2021, "地级市", "新质生产力新质生产力。民营经济是重要力量。"),
    "c": ("丙县", 2023, "县区", "发展发展发展，乡村振兴 全 面 推进。"),
}


def _corpus() -> tm.Corpus:
    frame = pd.DataFrame([{"doc_id": k, "place": p, "year": y, "level": lv, "text": t}
                          for k, (p, y, lv, t) in TEXTS.items()])
    return tm.Corpus.from_dataframe(frame, text="text")


def _index(folder: Path) -> dict:
    text = (folder / EXPLORER_DATA).read_text(encoding="utf-8")
    start, end = text.index("{"), text.rindex("}")
    return json.loads(text[start:end + 1])


def _figure_files(folder: Path) -> None:
    """A tiny real figure (PNG + CSV) beside the page."""
    from textmine import plots
    from textmine._io import csv_bytes

    freq = tm.slogan_frequency(_corpus(), ["新质生产力", "民营经济"])
    fig = plots.slogan_heatmap(freq)
    plots.save_figure(fig, folder / "slogan_heatmap.png", dpi=60)
    (folder / "slogan_heatmap.csv").write_bytes(csv_bytes(plots.figure_data(fig), float_format="%.8g"))


# ---------------------------------------------------------------------------
# the files


def test_writes_page_and_index_with_cleaned_texts(tmp_path):
    corpus = _corpus()
    paths = write_explorer(corpus, tmp_path, title="甲 & 乙")
    assert [p.name for p in paths] == [EXPLORER_DATA, EXPLORER_PAGE]
    page = (tmp_path / EXPLORER_PAGE).read_text(encoding="utf-8")
    assert "<title>甲 &amp; 乙</title>" in page
    assert f'src="{EXPLORER_DATA}"' in page
    for remote in ("http://", "https://", "//cdn"):  # nothing is fetched from elsewhere
        assert remote not in page.replace("http://www.w3.org", "")
    index = _index(tmp_path)
    assert [d["id"] for d in index["docs"]] == ["a", "b", "c"]
    assert [d["text"] for d in index["docs"]] == corpus.texts
    assert index["columns"][:6] == ["place", "province", "level", "rank", "year", "doctype"]
    assert index["docs"][1]["meta"][0] == "乙市" and index["docs"][1]["meta"][4] == 2021


def test_slogan_marks_point_at_the_slogans(tmp_path):
    write_explorer(_corpus(), tmp_path, slogans=["新质生产力", "民营经济", "乡村振兴"])
    index = _index(tmp_path)
    a = index["docs"][0]
    shown = ["".join(a["text"][s:e].split()) for s, e, _ in a["marks"]]
    assert shown == ["新质生产力", "民营经济", "新质生产力"]  # the second one is split by a line break
    assert [index["slogans"][k] for _, _, k in a["marks"]] == shown


def test_cleaning_changes_are_listed(tmp_path):
    write_explorer(_corpus(), tmp_path)
    c = _index(tmp_path)["docs"][2]
    assert c["n_changes"] >= 1
    assert "全面推进" in c["text"]  # cleaning removed the spaces between 全 面
    assert any(" " in before and " " not in after for _, _, before, after, _ in c["changes"])


def test_figures_get_caption_files_and_table(tmp_path):
    _figure_files(tmp_path)
    write_explorer(_corpus(), tmp_path, figures={"slogan_heatmap": "Mentions per 10,000 characters."})
    (fig,) = _index(tmp_path)["figures"]
    assert fig["caption"] == "Mentions per 10,000 characters."
    assert fig["image"] == "slogan_heatmap.png"
    assert ["CSV", "slogan_heatmap.csv"] in fig["files"]
    csv = pd.read_csv(tmp_path / "slogan_heatmap.csv", encoding="utf-8-sig")
    assert fig["columns"] == list(csv.columns) and fig["n_rows"] == len(csv) == len(fig["rows"])


def test_same_input_same_bytes(tmp_path):
    write_explorer(_corpus(), tmp_path / "one")
    write_explorer(_corpus(), tmp_path / "two")
    for name in (EXPLORER_DATA, EXPLORER_PAGE):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def test_the_whitespace_class_is_exactly_what_python_counts_as_whitespace():
    import re
    import sys

    from textmine.explorer import explorer_whitespace

    spec = explorer_whitespace()
    assert spec.startswith("[") and spec.endswith("]")
    listed = set()
    for a, b in re.findall(r"\\u([0-9a-f]{4})(?:-\\u([0-9a-f]{4}))?", spec[1:-1]):
        listed.update(range(int(a, 16), int(b or a, 16) + 1))
    assert listed == {c for c in range(sys.maxunicode + 1) if chr(c).isspace()}  # the plain definition
    assert 0x3000 in listed and 0xFEFF not in listed  # the ideographic space; not the byte order mark


def test_bad_folder_or_missing_figure_is_a_clear_error(tmp_path):
    afile = tmp_path / "file.txt"
    afile.write_text("x", encoding="utf-8")
    with pytest.raises(TextmineError, match="not a folder"):
        write_explorer(_corpus(), afile)
    with pytest.raises(TextmineError, match="'nope' has no file"):
        write_explorer(_corpus(), tmp_path, figures={"nope": "a figure never drawn"})
    assert not (tmp_path / EXPLORER_PAGE).exists()


# ---------------------------------------------------------------------------
# the page in a real browser


def _chromium() -> str | None:
    for candidate in (os.environ.get("TEXTMINE_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    return None


@pytest.fixture(scope="module")
def browser():
    executable = _chromium()
    if executable is None:
        pytest.skip("no Chromium on this machine: install Debian's package (apt-get install chromium), "
                    "as .ci/run does; the explorer's browser tests need it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        try:
            yield b
        finally:
            b.close()


class _Page:
    """A page opened from file:// that records console errors and uncaught exceptions."""

    def __init__(self, browser, url: str) -> None:
        self.errors: list[str] = []
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type in ("error", "warning") else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(url)

    def search(self, phrase: str) -> int:
        self.page.click("#nav-search")
        self.page.fill("#q", phrase)
        self.page.click("#go")
        return int(self.page.get_attribute("#summary", "data-hits"))

    def first_column(self, box: str) -> list[str]:
        return self.page.locator(f"{box} tbody tr td:first-child").all_inner_texts()


def test_page_searches_sorts_and_opens_documents(browser, tmp_path):
    corpus = _corpus()
    _figure_files(tmp_path)
    write_explorer(corpus, tmp_path, figures={"slogan_heatmap": "Mentions per 10,000 characters."})
    p = _Page(browser, (tmp_path / EXPLORER_PAGE).as_uri())
    page = p.page

    # figures: the image loaded, with its caption and a link to its CSV
    assert page.locator("#figures figure img").evaluate("img => img.complete && img.naturalWidth > 0")
    assert "Mentions per 10,000 characters." in page.inner_text("#figures figcaption")
    assert page.get_attribute("#figures figcaption a", "href") == "slogan_heatmap.csv"

    # search: the page's count is the hand count and kwic's
    assert p.search("新质生产力") == 4 == len(tm.kwic(corpus, "新质生产力"))
    assert "4 hits in 2 of 3 documents" in page.inner_text("#summary")
    assert page.locator("#results td.hit").all_inner_texts() == ["新质生产力", "新质\n生产力".replace("\n", " "),
                                                                "新质生产力", "新质生产力"]
    assert p.search("发展发展") == 1 == len(tm.kwic(corpus, "发展发展"))
    assert p.search("新 质 生产力") == 4  # whitespace in the query is ignored, as in kwic
    assert p.search("不存在的词") == 0

    # sort the documents table by year, both ways; filter it
    page.click("#nav-documents")
    assert p.first_column("#doctable") == ["a", "b", "c"]
    page.click("#doctable th:has-text('year')")
    assert p.first_column("#doctable") == ["b", "c", "a"]  # 2021, 2023, 2024
    page.click("#doctable th:has-text('year')")
    assert p.first_column("#doctable") == ["a", "c", "b"]
    page.fill("#doctable input.filter", "县区")
    assert p.first_column("#doctable") == ["c"]

    # open a document from the table: cleaned text, slogans marked, cleaning changes listed
    page.click("#doctable tbody tr >> nth=0")
    page.wait_for_selector("#doctext")
    assert page.inner_text("#doc-title") == "c"
    assert "乡村振兴全面推进" in page.inner_text("#doctext")
    assert page.locator("#doctext mark").all_inner_texts() == ["乡村振兴"]
    assert page.locator("#changes tbody tr").count() == corpus["c"].cleaning.to_frame().shape[0]

    # open a document from a search hit
    p.search("民营经济")
    page.click("#results tbody tr >> nth=1")
    page.wait_for_selector("#doctext")
    assert page.inner_text("#doc-title") == "b"
    assert p.errors == []


def test_bundled_corpus_page_matches_kwic(browser, tmp_path):
    corpus = tm.load_corpus()
    for stem in ("slogan_heatmap", "key_slogans_by_place"):
        for ext in ("png", "csv"):
            shutil.copy(Path(__file__).resolve().parent.parent / "figures" / f"{stem}.{ext}", tmp_path)
    write_explorer(corpus, tmp_path, figures={"slogan_heatmap": "Slogan mentions per 10,000 characters.",
                                               "key_slogans_by_place": "Three slogans in each document."})
    p = _Page(browser, (tmp_path / EXPLORER_PAGE).as_uri())
    hits = p.search("新质生产力")
    expected = len(tm.kwic(corpus, "新质生产力"))
    assert hits == expected > 0
    # a plain count over the cleaned texts, whitespace removed, agrees too
    assert hits == sum("".join(t.split()).count("新质生产力") for t in corpus.texts)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    p.page.screenshot(path=str(SCREENSHOTS / "explorer_search.png"))
    p.page.click("#results tbody tr >> nth=0")
    p.page.wait_for_selector("#doctext mark")
    p.page.screenshot(path=str(SCREENSHOTS / "explorer_document.png"))
    p.page.click("#nav-figures")
    p.page.screenshot(path=str(SCREENSHOTS / "explorer_figures.png"))
    assert p.errors == []
