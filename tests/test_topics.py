"""Topics: reproducible LDA, shares that add up, length-weighted prevalence, K selection, save/load."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from textmine.corpus import Corpus, Document
from textmine.errors import TextmineError
from textmine.topics import (
    AUTO_PARAGRAPH_BELOW,
    TopicModel,
    build_dictionary,
    resolve_unit,
    select_k,
    topic_prevalence,
)

ROOT = Path(__file__).resolve().parent.parent

# Two planted themes, words separated by spaces (tokenizer=str.split keeps the tests
# independent of the segmenter): science & industry vs. business environment.
SCIENCE = ["科技 创新 产业 研发 人才 科技 创新",
           "研发 人才 科技 产业 创新 研发",
           "产业 科技 研发 人才 创新 产业",
           "创新 人才 研发 科技 产业 人才"]
BUSINESS = ["营商 环境 企业 服务 审批 营商 环境",
            "企业 服务 审批 营商 环境 企业",
            "审批 营商 企业 环境 服务 审批",
            "服务 环境 审批 企业 营商 服务"]
PLACES = ["甲市", "乙市", "甲市", "乙市"]


def tiny_corpus() -> Corpus:
    docs = [Document(f"sci{i}", t, {"place": PLACES[i], "year": 2024}, clean=False)
            for i, t in enumerate(SCIENCE)]
    docs += [Document(f"bus{i}", t, {"place": PLACES[i], "year": 2023 + i % 2}, clean=False)
             for i, t in enumerate(BUSINESS)]
    return Corpus(docs)


SETTINGS = dict(unit="document", tokenizer=str.split, no_below=1, no_above=1.0, min_tokens=1,
                passes=10, iterations=50)


@pytest.fixture(scope="module")
def fitted() -> TopicModel:
    return TopicModel(k=2, seed=7, **SETTINGS).fit(tiny_corpus())


# --- reproducibility -----------------------------------------------------------------


def test_two_fits_with_one_seed_are_exactly_equal(fitted):
    again = TopicModel(k=2, seed=7, **SETTINGS).fit(tiny_corpus())
    assert np.array_equal(fitted.topic_term_matrix(), again.topic_term_matrix())
    assert np.array_equal(fitted.doc_topic_, again.doc_topic_)
    pd.testing.assert_frame_equal(fitted.doc_topics(), again.doc_topics())
    pd.testing.assert_frame_equal(fitted.topic_terms(), again.topic_terms())


def test_a_different_seed_starts_elsewhere(fitted):
    other = TopicModel(k=2, seed=8, **SETTINGS).fit(tiny_corpus())
    assert not np.array_equal(fitted.topic_term_matrix(), other.topic_term_matrix())


_CHILD = """
import hashlib, sys
sys.path.insert(0, {root!r})
from tests.test_topics import SETTINGS, TopicModel, tiny_corpus
tm = TopicModel(k=2, seed=7, **SETTINGS).fit(tiny_corpus())
h = hashlib.sha256(tm.topic_term_matrix().tobytes() + tm.doc_topic_.tobytes())
print(h.hexdigest(), sorted(tm.dictionary_.token2id.items()))
"""


def test_fits_in_two_processes_with_different_hash_seeds_are_identical():
    children = [subprocess.Popen([sys.executable, "-c", _CHILD.format(root=str(ROOT))], cwd=ROOT,
                                 env={**os.environ, "PYTHONHASHSEED": hash_seed},
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for hash_seed in ("1", "2")]
    outputs = []
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        outputs.append(out)
    assert outputs[0] and outputs[0] == outputs[1]


# --- shares add up -------------------------------------------------------------------


def test_each_units_topic_shares_sum_to_one(fitted):
    sums = fitted.doc_topics().groupby("unit_id")["share"].sum()
    assert len(sums) == 8
    assert np.allclose(sums.to_numpy(), 1.0, rtol=0, atol=1e-9)


def test_doc_topics_carries_the_reports_metadata_and_lengths(fitted):
    table = fitted.doc_topics()
    assert len(table) == 8 * 2
    row = table[(table["unit_id"] == "bus1") & (table["topic"] == 0)].iloc[0]
    assert (row["doc_id"], row["place"], row["year"]) == ("bus1", "乙市", 2024)
    # every word is in the vocabulary here, so n_tokens = the number of words
    assert row["n_tokens"] == len(BUSINESS[1].split())


def test_the_planted_themes_come_out_as_separate_topics(fitted):
    top = fitted.topic_terms(n=5)
    themes = [set(top.loc[top["topic"] == t, "term"]) for t in (0, 1)]
    science, business = set(" ".join(SCIENCE).split()), set(" ".join(BUSINESS).split())
    assert sorted([themes[0] <= science, themes[1] <= science]) == [False, True]
    assert sorted([themes[0] <= business, themes[1] <= business]) == [False, True]
    dominant = fitted.doc_topics().loc[lambda d: d.groupby("unit_id")["share"].transform("max") == d["share"]]
    by_doc = dict(zip(dominant["unit_id"], dominant["topic"]))
    assert len({by_doc[f"sci{i}"] for i in range(4)} | {by_doc[f"bus{i}"] for i in range(4)}) == 2


def test_topic_terms_are_ranked_from_one_with_decreasing_weight(fitted):
    top = fitted.topic_terms(n=4)
    assert top.columns.tolist() == ["topic", "rank", "term", "weight"]
    for _, g in top.groupby("topic"):
        assert g["rank"].tolist() == [1, 2, 3, 4]
        assert g["weight"].is_monotonic_decreasing


def test_labels_join_the_top_terms(fitted):
    labels = fitted.labels(n=3)
    top = fitted.topic_terms(n=3)
    assert labels[1] == "·".join(top.loc[top["topic"] == 1, "term"])
    assert labels.index.tolist() == [0, 1]


# --- prevalence ----------------------------------------------------------------------


def test_prevalence_shares_per_group_sum_to_one(fitted):
    for by in ("place", ["place", "year"], None):
        table = fitted.prevalence(by=by)
        keys = [by] if isinstance(by, str) else (by or [])
        sums = table.groupby(keys)["share"].sum() if keys else pd.Series([table["share"].sum()])
        assert np.allclose(sums.to_numpy(), 1.0, rtol=0, atol=1e-9)


def test_prevalence_weights_units_by_their_token_count():
    # 甲: a long unit (300 tokens) mostly topic 0, a short one (100 tokens) split evenly
    # 乙: one unit of 50 tokens
    doc_topics = pd.DataFrame({
        "unit_id": ["a", "a", "b", "b", "c", "c"],
        "place": ["甲", "甲", "甲", "甲", "乙", "乙"],
        "n_tokens": [300, 300, 100, 100, 50, 50],
        "topic": [0, 1, 0, 1, 0, 1],
        "share": [0.8, 0.2, 0.5, 0.5, 0.1, 0.9],
    })
    table = topic_prevalence(doc_topics, by="place").set_index(["place", "topic"])
    # hand computation: 甲 topic 0 = (300*0.8 + 100*0.5) / 400 = 290/400
    assert table.loc[("甲", 0), "share"] == pytest.approx(290 / 400)
    assert table.loc[("甲", 1), "share"] == pytest.approx(110 / 400)
    assert table.loc[("乙", 1), "share"] == pytest.approx(0.9)
    assert table.loc[("甲", 0), "n_units"] == 2
    assert table.loc[("甲", 0), "n_tokens"] == 400
    # unweighted: the plain mean of the two units
    plain = topic_prevalence(doc_topics, by="place", weight=None).set_index(["place", "topic"])
    assert plain.loc[("甲", 0), "share"] == pytest.approx((0.8 + 0.5) / 2)


def test_prevalence_of_an_unknown_column_names_it():
    table = pd.DataFrame({"topic": [0], "share": [1.0], "n_tokens": [3]})
    with pytest.raises(TextmineError, match="province"):
        topic_prevalence(table, by="province")


# --- choosing K ------------------------------------------------------------------------


def test_select_k_scores_each_k_and_chooses_one_inside_the_range():
    table = select_k(tiny_corpus(), k_range=[2, 3], seed=7, **SETTINGS)
    assert table.columns.tolist() == ["k", "c_v", "u_mass", "chosen"]
    assert table["k"].tolist() == [2, 3]
    assert table["chosen"].sum() == 1
    chosen = int(table.loc[table["chosen"], "k"].iloc[0])
    assert chosen in (2, 3)
    assert chosen == int(table.loc[table["c_v"].idxmax(), "k"])
    assert f"K={chosen}" in table.attrs["reason"]
    # c_v lies in [0, 1]: with a tolerance of 1 every K ties, and ties go to the smallest K
    tied = select_k(tiny_corpus(), k_range=[3, 2], seed=7, tol=1.0, **SETTINGS)
    assert tied.loc[tied["chosen"], "k"].tolist() == [2]


def test_k_auto_keeps_the_selection_table_and_the_chosen_model():
    tm = TopicModel(k="auto", k_range=[2, 3], seed=7, **SETTINGS).fit(tiny_corpus())
    chosen = int(tm.selection_.loc[tm.selection_["chosen"], "k"].iloc[0])
    assert tm.k_ == chosen
    fixed = TopicModel(k=chosen, seed=7, **SETTINGS).fit(tiny_corpus())
    assert np.array_equal(tm.doc_topic_, fixed.doc_topic_)


def test_select_k_can_average_coherence_over_several_seeds():
    one = {seed: select_k(tiny_corpus(), k_range=[2, 3], seed=seed, **SETTINGS) for seed in (7, 8)}
    both = select_k(tiny_corpus(), k_range=[2, 3], seed=7, n_seeds=2, **SETTINGS)
    assert both.columns.tolist() == ["k", "c_v", "u_mass", "chosen", "c_v_sd"]
    assert both["c_v"].tolist() == pytest.approx([(a + b) / 2 for a, b in zip(one[7]["c_v"], one[8]["c_v"])])
    assert both["c_v_sd"].tolist() == pytest.approx(
        [abs(a - b) / np.sqrt(2) for a, b in zip(one[7]["c_v"], one[8]["c_v"])])


# --- saving ----------------------------------------------------------------------------


def test_save_and_load_give_back_the_same_results(fitted, tmp_path):
    folder = fitted.save(tmp_path / "model")
    assert json.loads((folder / "textmine_topics.json").read_text(encoding="utf-8"))["k_"] == 2
    loaded = TopicModel.load(folder)
    pd.testing.assert_frame_equal(loaded.doc_topics(), fitted.doc_topics())
    pd.testing.assert_frame_equal(loaded.topic_terms(), fitted.topic_terms())
    assert np.array_equal(loaded.topic_term_matrix(), fitted.topic_term_matrix())
    fitted.save(folder)  # saving again replaces the model
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary folders left


def test_a_saved_k_selection_comes_back_with_the_model(tmp_path):
    tm = TopicModel(k="auto", k_range=[2, 3], seed=7, **SETTINGS).fit(tiny_corpus())
    loaded = TopicModel.load(tm.save(tmp_path / "auto"))
    pd.testing.assert_frame_equal(loaded.selection_, tm.selection_)
    assert loaded.selection_.attrs["reason"] == tm.selection_.attrs["reason"]
    assert (loaded.k, loaded.k_range, loaded.k_) == ("auto", [2, 3], tm.k_)


def test_save_refuses_to_overwrite_a_folder_that_is_not_a_model(fitted, tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "keep.txt").write_text("甲", encoding="utf-8")
    with pytest.raises(TextmineError, match="not a saved textmine topic model"):
        fitted.save(tmp_path / "data")
    assert (tmp_path / "data" / "keep.txt").exists()


def test_loading_a_folder_without_a_model_says_so(tmp_path):
    with pytest.raises(TextmineError, match="not a topic model saved by textmine"):
        TopicModel.load(tmp_path)


def test_pyldavis_page_without_pyldavis_tells_how_to_install(fitted, tmp_path):
    try:
        import pyLDAvis  # noqa: F401
    except ImportError:
        with pytest.raises(TextmineError, match=r"pip install textmine\[ldavis\]"):
            fitted.to_pyldavis(tmp_path / "lda.html")
    else:
        pytest.skip("pyLDAvis is installed")


# --- paragraphs and sections of real reports ---------------------------------------------

REPORT_A = ("各位代表：\n一、2023年工作回顾\n"
            "（一）科技创新能力持续增强。新建重点实验室，引进科技人才，研发投入稳步增长。\n"
            "（二）营商环境持续优化。深化审批制度改革，政务服务事项全程网办，市场主体活力迸发。\n"
            "二、2024年工作安排\n（一）加快科技创新。建设实验室和创新平台，培育科技人才，提高研发投入强度。\n"
            "（二）优化营商环境。推进审批制度改革，提升政务服务水平，激发市场主体活力。")
REPORT_B = ("一、2023年工作回顾\n（一）营商环境不断改善。审批事项大幅压减，政务服务更加便利，市场主体快速增长。\n"
            "（二）科技创新取得突破。新增实验室两家，集聚科技人才，研发经费快速增长。\n"
            "二、2024年工作安排\n（一）持续优化营商环境。深化审批改革，完善政务服务，服务市场主体。\n"
            "（二）全力推动科技创新。布局实验室，引育科技人才，加大研发投入。")


@pytest.fixture(scope="module")
def two_reports() -> Corpus:
    return Corpus([Document("a", REPORT_A, {"place": "甲市", "level": "地级市", "year": 2024}, clean=False),
                   Document("b", REPORT_B, {"place": "乙区", "level": "县区", "year": 2024}, clean=False)])


PARAGRAPH_SETTINGS = dict(no_below=2, min_docs=2, no_above=0.6, min_tokens=2, passes=5, cache=False)


def test_paragraph_units_map_back_to_their_report_and_its_metadata(two_reports):
    tm = TopicModel(k=2, unit="auto", **PARAGRAPH_SETTINGS).fit(two_reports)
    assert tm.unit_ == "paragraph"  # two documents are far fewer than AUTO_PARAGRAPH_BELOW
    units = tm.units_
    # four numbered items per report, each one paragraph
    assert units["unit_id"].tolist() == [f"{d}#p{i}" for d in "ab" for i in range(4)]
    assert units["doc_id"].tolist() == ["a"] * 4 + ["b"] * 4
    # the report's administrative level, not the heading level of the paragraph
    assert units["level"].tolist() == ["地级市"] * 4 + ["县区"] * 4
    assert units["part"].tolist() == ["review", "review", "plan", "plan"] * 2
    by_level = tm.prevalence(by="level")
    assert sorted(by_level["level"].unique()) == ["县区", "地级市"]
    assert np.allclose(by_level.groupby("level")["share"].sum(), 1.0, atol=1e-9)
    # a report's prevalence weights its paragraphs by their vocabulary tokens
    a = tm.doc_topics().query("doc_id == 'a' and topic == 0")
    expected = (a["share"] * a["n_tokens"]).sum() / a["n_tokens"].sum()
    got = tm.prevalence(by="doc_id").query("doc_id == 'a' and topic == 0")["share"].iloc[0]
    assert got == pytest.approx(expected, abs=1e-12)


def test_section_units_are_the_numbered_items(two_reports):
    tm = TopicModel(k=2, unit="section", **PARAGRAPH_SETTINGS).fit(two_reports)
    # the bare part headings (一、2023年工作回顾) and the salutation have too few tokens
    assert set(tm.dropped_["part"]) <= {"preamble", "review", "plan"}
    assert len(tm.units_) == 8
    assert set(tm.units_["doc_id"]) == {"a", "b"}


def test_words_of_a_single_report_are_left_out_of_the_vocabulary(two_reports):
    tm = TopicModel(k=2, unit="paragraph", **PARAGRAPH_SETTINGS).fit(two_reports)
    vocab = set(tm.dictionary_.token2id)
    assert {"营商环境", "科技人才", "实验室"} <= vocab  # in both reports
    # 快速增长 is in two paragraphs, both of report b: enough for no_below, not for min_docs
    assert "快速增长" not in vocab
    one_report = TopicModel(k=2, unit="paragraph", **{**PARAGRAPH_SETTINGS, "min_docs": 1}).fit(two_reports)
    assert "快速增长" in one_report.dictionary_.token2id


# --- vocabulary and units ----------------------------------------------------------------


def test_dictionary_keeps_terms_by_document_frequency_with_sorted_ids():
    texts = [["甲", "乙", "丙"], ["甲", "乙"], ["甲", "丁", "丁"], ["甲", "乙", "丁"]]
    # document frequency: 甲 4, 乙 3, 丁 2, 丙 1
    d = build_dictionary(texts, no_below=2, no_above=0.75)  # 甲 (4/4 > 0.75) and 丙 (< 2) go
    assert d.token2id == {t: i for i, t in enumerate(sorted(["乙", "丁"]))}
    assert d.dfs[d.token2id["丁"]] == 2 and d.cfs[d.token2id["丁"]] == 3
    top1 = build_dictionary(texts, no_below=1, no_above=1.0, keep_n=1)
    assert list(top1.token2id) == ["甲"]
    # texts 0-1 from report x, 2-3 from report y: 乙 is in both reports, 丙 and 丁 in one each
    spread = build_dictionary(texts, no_below=1, no_above=1.0, groups=["x", "x", "y", "y"], min_groups=2)
    assert sorted(spread.token2id) == sorted(["甲", "乙"])


def test_units_with_too_few_vocabulary_tokens_are_dropped_and_listed():
    texts = SCIENCE + BUSINESS + ["科技 营商"]
    tm = TopicModel(k=2, seed=1, **{**SETTINGS, "min_tokens": 3}).fit(texts)
    assert tm.dropped_["unit_id"].tolist() == ["doc8"]
    assert "doc8" not in set(tm.doc_topics()["unit_id"])


def test_auto_unit_models_paragraphs_for_small_corpora():
    assert resolve_unit("auto", AUTO_PARAGRAPH_BELOW - 1) == "paragraph"
    assert resolve_unit("auto", AUTO_PARAGRAPH_BELOW) == "document"
    with pytest.raises(TextmineError, match="unknown unit"):
        resolve_unit("chapter", 3)


def test_bad_k_and_unfitted_models_raise_textmine_errors():
    with pytest.raises(TextmineError, match="k must be"):
        TopicModel(k="many", **SETTINGS).fit(tiny_corpus())
    with pytest.raises(TextmineError, match="not fitted"):
        TopicModel(k=2).doc_topics()
