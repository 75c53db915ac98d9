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
    match_topics,
    resolve_unit,
    select_k,
    topic_prevalence,
    topic_stability,
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
                passes=10, iterations=200)


@pytest.fixture(scope="module")
def fitted() -> TopicModel:
    return TopicModel(k=2, seed=7, **SETTINGS).fit(tiny_corpus())


# --- reproducibility: both engines -----------------------------------------------------

ENGINES = ["tomotopy", "gensim"]


@pytest.mark.parametrize("engine", ENGINES)
def test_two_fits_with_one_seed_are_exactly_equal(engine):
    a = TopicModel(k=2, seed=7, engine=engine, **SETTINGS).fit(tiny_corpus())
    b = TopicModel(k=2, seed=7, engine=engine, **SETTINGS).fit(tiny_corpus())
    assert a.engine_ == b.engine_ == engine
    assert np.array_equal(a.topic_term_matrix(), b.topic_term_matrix())
    assert np.array_equal(a.doc_topic_, b.doc_topic_)
    pd.testing.assert_frame_equal(a.doc_topics(), b.doc_topics())
    pd.testing.assert_frame_equal(a.topic_terms(), b.topic_terms())


@pytest.mark.parametrize("engine", ENGINES)
def test_a_different_seed_starts_elsewhere(engine):
    # two sweeps / one pass: far from converged, so the starting point still shows
    quick = {**SETTINGS, "iterations": 2, "passes": 1}
    a = TopicModel(k=2, seed=7, engine=engine, **quick).fit(tiny_corpus())
    b = TopicModel(k=2, seed=8, engine=engine, **quick).fit(tiny_corpus())
    assert not np.array_equal(a.topic_term_matrix(), b.topic_term_matrix())


def test_the_default_engine_is_tomotopy_when_installed(fitted):
    import tomotopy  # noqa: F401  (a dependency of textmine)

    assert fitted.engine_ == "tomotopy"
    with pytest.raises(TextmineError, match="unknown topic model engine"):
        TopicModel(k=2, engine="mallet", **SETTINGS).fit(tiny_corpus())


_CHILD = """
import hashlib, sys
sys.path.insert(0, {root!r})
from tests.test_topics import SETTINGS, TopicModel, tiny_corpus
tm = TopicModel(k=2, seed=7, engine={engine!r}, **SETTINGS).fit(tiny_corpus())
h = hashlib.sha256(tm.topic_term_matrix().tobytes() + tm.doc_topic_.tobytes())
print(tm.engine_, h.hexdigest(), sorted(tm.dictionary_.token2id.items()))
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_fits_in_two_processes_with_different_hash_seeds_are_identical(engine):
    code = _CHILD.format(root=str(ROOT), engine=engine)
    children = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT,
                                 env={**os.environ, "PYTHONHASHSEED": hash_seed},
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for hash_seed in ("1", "2")]
    outputs = []
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        outputs.append(out)
    assert outputs[0].startswith(engine + " ") and outputs[0] == outputs[1]


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
    assert top.columns.tolist() == ["topic", "term_rank", "term", "weight"]
    for _, g in top.groupby("topic"):
        assert g["term_rank"].tolist() == [1, 2, 3, 4]
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


# --- labels: probability, FREX, relevance, representative units ---------------------------


def _with_topics(fitted, phi: np.ndarray, counts: list[int]) -> TopicModel:
    """A copy of ``fitted`` whose topics and term counts are set by hand (vocabulary 乙 丙 甲 in id order)."""
    from gensim.corpora import Dictionary

    tm = TopicModel(k=phi.shape[0])
    tm.__dict__.update(fitted.__dict__)
    d = Dictionary()
    d.token2id = {"乙": 0, "丙": 1, "甲": 2}
    d.cfs = dict(enumerate(counts))
    tm.dictionary_, tm.topic_word_, tm.k_ = d, phi, phi.shape[0]
    return tm


def test_relevance_ranks_by_lambda_weighted_lift(fitted):
    phi = np.array([[0.5, 0.3, 0.2], [0.6, 0.1, 0.3]])
    tm = _with_topics(fitted, phi, counts=[110, 20, 50])         # p(w) = 110/180, 20/180, 50/180
    # by hand, topic 0, lam = 0.6: 0.6*log(phi) + 0.4*log(phi / p(w))
    score = {w: 0.6 * np.log(p) + 0.4 * np.log(p / (c / 180)) for w, p, c in zip("乙丙甲", phi[0], [110, 20, 50])}
    expected = sorted(score, key=score.get, reverse=True)
    got = tm.topic_terms(3, order="relevance", lam=0.6).query("topic == 0")
    assert got["term"].tolist() == expected == ["丙", "乙", "甲"]
    assert got["score"].tolist() == pytest.approx([score[w] for w in expected])
    assert tm.topic_terms(3, order="relevance", lam=1.0).query("topic == 0")["term"].tolist() == ["乙", "丙", "甲"]


def test_frex_prefers_exclusive_frequent_terms(fitted):
    # 乙 is the most probable term of both topics but not exclusive; 丙 belongs to topic 0 only
    phi = np.array([[0.5, 0.4, 0.1], [0.5, 0.01, 0.49]])
    tm = _with_topics(fitted, phi, counts=[1, 1, 1])
    # topic 0 by hand: exclusivity 乙 .5, 丙 .976, 甲 .169 -> ECDF ranks 2/3, 1, 1/3;
    # frequency ranks 1, 2/3, 1/3; FREX(w=.5) = 1 / (.5/ex + .5/fr): 乙 .8, 丙 .8, 甲 1/3
    got = tm.topic_terms(3, order="frex").query("topic == 0")
    assert got["score"].tolist() == pytest.approx([0.8, 0.8, 1 / 3])
    assert got["term"].tolist() == ["乙", "丙", "甲"]           # ties keep vocabulary order
    assert tm.topic_terms(1, order="frex", frexweight=1.0).query("topic == 0")["term"].tolist() == ["丙"]


def test_describe_gives_three_term_lists_and_each_topics_share(fitted):
    table = fitted.describe(n=3)
    assert table.columns.tolist() == ["topic", "share", "probability", "frex", "relevance"]
    assert table["share"].sum() == pytest.approx(1.0)
    top = fitted.topic_terms(3)
    assert table.loc[0, "probability"] == "、".join(top.loc[top["topic"] == 0, "term"])


def test_representative_units_are_the_ones_most_devoted_to_the_topic(fitted):
    rep = fitted.representative(n=2, min_tokens=1, chars=None)
    assert rep.columns.tolist() == ["topic", "unit_rank", "unit_id", "doc_id", "place", "year", "share", "n_tokens", "text"]
    for topic, group in rep.groupby("topic"):
        best = fitted.doc_topics().query("topic == @topic").nlargest(1, "share")
        assert group.iloc[0]["unit_id"] == best.iloc[0]["unit_id"]
        assert group["share"].is_monotonic_decreasing
    row = rep.iloc[0]
    assert row["text"] == tiny_corpus()[row["unit_id"]].text
    assert row["place"] == tiny_corpus()[row["unit_id"]]["place"]
    cut = fitted.representative(n=1, min_tokens=1, chars=3)
    assert all(len(t) == 4 and t.endswith("…") for t in cut["text"])


# --- stability across seeds ---------------------------------------------------------------


def test_stability_of_identical_fits_is_one(fitted):
    again = TopicModel(k=2, seed=7, **SETTINGS).fit(tiny_corpus())
    assert topic_stability(fitted, again) == 1.0
    # the same topics in another order are matched back
    phi = fitted.topic_term_matrix()
    pairs = match_topics(phi, phi[::-1])
    assert pairs["topic_b"].tolist() == [1, 0] and pairs["similarity"].tolist() == [1.0, 1.0]


def test_stability_matches_topics_by_jensen_shannon_distance():
    a = np.array([[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]])
    b = np.array([[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]])
    # by hand (base-2 JS divergence, distance = its square root):
    # a0-b0 sqrt(0.5) = 0.7071, a1-b1 1 (disjoint), a0-b1 = a1-b0 = sqrt(0.3113) = 0.5579
    # the Hungarian pairing takes a0-b1, a1-b0 (1.116 < 1.707): similarity 1 - 0.5579
    js_a0_b1 = 0.5 * (0.5 * np.log2(0.5 / 0.75) + 0.5 * np.log2(0.5 / 0.25)) + 0.5 * np.log2(1 / 0.75)
    pairs = match_topics(a, b)
    assert pairs["topic_b"].tolist() == [1, 0]
    assert pairs["similarity"].tolist() == pytest.approx([1 - np.sqrt(js_a0_b1)] * 2)
    assert topic_stability(a, b) == pytest.approx(1 - np.sqrt(js_a0_b1))
    with pytest.raises(TextmineError, match="different vocabularies"):
        match_topics(a, a[:, :2])


# --- choosing K ------------------------------------------------------------------------


def test_select_k_scores_each_k_and_chooses_one_inside_the_range():
    table = select_k(tiny_corpus(), k_range=[2, 3], seed=7, n_seeds=2, **SETTINGS)
    assert table.columns.tolist() == ["k", "chosen", "c_v", "u_mass", "c_npmi", "heldout_ll", "perplexity",
                                      "stability", "c_v_sd"]
    assert table["k"].tolist() == [2, 3]
    assert table["chosen"].sum() == 1
    chosen = int(table.loc[table["chosen"], "k"].iloc[0])
    assert chosen == int(table.loc[table["c_v"].idxmax(), "k"])
    assert f"K={chosen}" in table.attrs["reason"] and "stability" in table.attrs["reason"]
    assert (table["heldout_ll"] < 0).all()
    assert table["perplexity"].tolist() == pytest.approx(np.exp(-table["heldout_ll"]).tolist())
    assert ((table["stability"] > 0) & (table["stability"] <= 1)).all()
    # c_v lies in [0, 1]: with a tolerance of 1 every K ties, and ties go to the smallest K
    tied = select_k(tiny_corpus(), k_range=[3, 2], seed=7, tol=1.0, n_seeds=1, heldout=0, **SETTINGS)
    assert tied.columns.tolist() == ["k", "chosen", "c_v", "u_mass", "c_npmi"]
    assert tied.loc[tied["chosen"], "k"].tolist() == [2]


def test_k_auto_keeps_the_selection_table_and_the_chosen_model():
    tm = TopicModel(k="auto", k_range=[2, 3], seed=7, n_seeds=2, **SETTINGS).fit(tiny_corpus())
    chosen = int(tm.selection_.loc[tm.selection_["chosen"], "k"].iloc[0])
    assert tm.k_ == chosen
    assert tm.selection_runs_[["k", "seed"]].values.tolist() == [[2, 7], [2, 8], [3, 7], [3, 8]]
    fixed = TopicModel(k=chosen, seed=7, **SETTINGS).fit(tiny_corpus())
    assert np.array_equal(tm.doc_topic_, fixed.doc_topic_)


def test_select_k_averages_coherence_over_seeds_and_keeps_each_run():
    one = {seed: select_k(tiny_corpus(), k_range=[2, 3], seed=seed, n_seeds=1, heldout=0, **SETTINGS)
           for seed in (7, 8)}
    both, runs = select_k(tiny_corpus(), k_range=[2, 3], seed=7, n_seeds=2, heldout=0, return_runs=True,
                          **SETTINGS)
    assert runs.columns.tolist() == ["k", "seed", "c_v", "u_mass", "c_npmi"]
    assert runs.query("seed == 8")["c_v"].tolist() == pytest.approx(one[8]["c_v"].tolist())
    assert both["c_v"].tolist() == pytest.approx([(a + b) / 2 for a, b in zip(one[7]["c_v"], one[8]["c_v"])])
    assert both["c_v_sd"].tolist() == pytest.approx(
        [abs(a - b) / np.sqrt(2) for a, b in zip(one[7]["c_v"], one[8]["c_v"])])


# --- saving: plain data, nothing that runs code --------------------------------------------


def _same_results(a: TopicModel, b: TopicModel) -> None:
    pd.testing.assert_frame_equal(a.doc_topics(), b.doc_topics())
    pd.testing.assert_frame_equal(a.topic_terms(), b.topic_terms())
    pd.testing.assert_frame_equal(a.describe(), b.describe())
    pd.testing.assert_frame_equal(a.representative(), b.representative())
    assert np.array_equal(a.topic_term_matrix(), b.topic_term_matrix())
    assert np.array_equal(a.doc_dirichlet_, b.doc_dirichlet_)
    for key, value in a.pyldavis_data().items():
        assert np.array_equal(np.asarray(value), np.asarray(b.pyldavis_data()[key])), key


@pytest.mark.parametrize("engine", ENGINES)
def test_save_and_load_give_back_the_same_results_from_json_and_npz(engine, tmp_path):
    tm = TopicModel(k=2, seed=7, engine=engine, **SETTINGS).fit(tiny_corpus())
    folder = tm.save(tmp_path / "model")
    assert sorted(p.name for p in folder.iterdir()) == ["arrays.npz", "textmine_topics.json"]
    assert json.loads((folder / "textmine_topics.json").read_text(encoding="utf-8"))["k_"] == 2
    loaded = TopicModel.load(folder)
    assert loaded.model_ is None and loaded.engine_ == engine
    _same_results(tm, loaded)
    tm.save(folder)  # saving again replaces the model
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary folders left


def test_engine_state_is_saved_on_request_and_loaded_only_with_trust(fitted, tmp_path):
    folder = fitted.save(tmp_path / "model", engine_state=True)
    assert (folder / "engine.tomotopy").is_file()
    assert TopicModel.load(folder).model_ is None
    trusted = TopicModel.load(folder, trust=True)
    assert trusted.model_ is not None and trusted.model_.k == 2
    _same_results(fitted, trusted)


def _pickle_payload(marker: Path) -> bytes:
    """A pickle that creates ``marker`` when loaded (what a hostile model folder would hold)."""
    import pickle

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    return pickle.dumps(Payload())


def test_a_pickle_payload_in_a_model_folder_does_not_run_on_load(fitted, tmp_path):
    marker = tmp_path / "payload-ran"
    folder = fitted.save(tmp_path / "model")
    # 1. an engine file that is a pickle, named by the description: ignored without trust
    (folder / "engine.gensim").write_bytes(_pickle_payload(marker))
    sidecar = json.loads((folder / "textmine_topics.json").read_text(encoding="utf-8"))
    sidecar.update(engine_="gensim", engine_file="engine.gensim")
    (folder / "textmine_topics.json").write_text(json.dumps(sidecar, ensure_ascii=False), encoding="utf-8")
    loaded = TopicModel.load(folder)
    assert not marker.exists() and loaded.model_ is None
    _same_results(fitted, loaded)
    # 2. an old-format folder (a gensim pickle): refused, with the way to opt in
    old = tmp_path / "old"
    old.mkdir()
    (old / "lda.gensim").write_bytes(_pickle_payload(marker))
    (old / "textmine_topics.json").write_text(json.dumps({"format": "textmine.topics/1"}), encoding="utf-8")
    with pytest.raises(TextmineError, match=r"pickle.*trust=True"):
        TopicModel.load(old)
    assert not marker.exists()
    # 3. a pickled object array inside the .npz: refused (allow_pickle=False)
    np.save(folder / "obj.npy", np.array([_PayloadHolder(marker)], dtype=object), allow_pickle=True)
    with open(folder / "arrays.npz", "wb") as fh:
        np.savez(fh, topic_word=np.array([_PayloadHolder(marker)], dtype=object),
                 doc_dirichlet=np.zeros(1), alpha=np.zeros(1))
    with pytest.raises(TextmineError, match="arrays.npz"):
        TopicModel.load(folder)
    assert not marker.exists()
    # the payloads are live: opting in with trust=True does run the engine file (so this test can fail)
    (folder / "arrays.npz").unlink()
    fitted.save(tmp_path / "model2")
    (tmp_path / "model2" / "engine.gensim").write_bytes(_pickle_payload(marker))
    (tmp_path / "model2" / "textmine_topics.json").write_text(json.dumps(sidecar, ensure_ascii=False),
                                                               encoding="utf-8")
    with pytest.raises(Exception):
        TopicModel.load(tmp_path / "model2", trust=True)   # os.system returns 0, not a model
    assert marker.exists()


class _PayloadHolder:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_damaged_arrays_are_a_textmine_error(fitted, tmp_path):
    folder = fitted.save(tmp_path / "model")
    with open(folder / "arrays.npz", "wb") as fh:
        np.savez(fh, topic_word=np.ones((3, 2)), doc_dirichlet=fitted.doc_dirichlet_, alpha=fitted.alpha_)
    with pytest.raises(TextmineError, match="topic_word has shape"):
        TopicModel.load(folder)
    (folder / "arrays.npz").write_bytes(b"not a zip")
    with pytest.raises(TextmineError, match="arrays.npz"):
        TopicModel.load(folder)


def test_a_saved_k_selection_comes_back_with_the_model(tmp_path):
    tm = TopicModel(k="auto", k_range=[2, 3], seed=7, n_seeds=2, **SETTINGS).fit(tiny_corpus())
    loaded = TopicModel.load(tm.save(tmp_path / "auto"))
    pd.testing.assert_frame_equal(loaded.selection_, tm.selection_)
    pd.testing.assert_frame_equal(loaded.selection_runs_, tm.selection_runs_)
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


def test_pyldavis_data_holds_the_models_matrices(fitted):
    data = fitted.pyldavis_data()
    assert data["vocab"] == sorted(data["vocab"]) and len(data["vocab"]) == data["topic_term_dists"].shape[1]
    # every word is in the vocabulary here: term frequencies are plain counts of the texts
    words = " ".join(SCIENCE + BUSINESS).split()
    assert data["term_frequency"].tolist() == [words.count(w) for w in data["vocab"]]
    assert data["doc_lengths"].tolist() == [len(t.split()) for t in SCIENCE + BUSINESS]


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


def _vocabulary_by_gensim(texts, *, no_below, no_above, keep_n, groups, min_groups):
    """The vocabulary step as gensim does it, one ``doc2bow`` per text (the oracle for ``_vocabulary``)."""
    from collections import Counter

    from gensim.corpora import Dictionary

    dfs, cfs, spread = Counter(), Counter(), {}
    for i, text in enumerate(texts):
        cfs.update(text)
        dfs.update(set(text))
        for term in set(text):
            spread.setdefault(term, set()).add(groups[i] if groups is not None else None)
    kept = [t for t, df in dfs.items() if no_below <= df <= no_above * len(texts)
            and (groups is None or len(spread[t]) >= min_groups)]
    kept = sorted(kept, key=lambda t: (-dfs[t], -cfs[t], t))[:keep_n]
    d = Dictionary()
    d.token2id = {t: i for i, t in enumerate(sorted(kept))}
    d.add_documents([t for t in text if t in d.token2id] for text in texts)
    bows = [d.doc2bow(t) for t in texts]
    ids = [[d.token2id[t] for t in text if t in d.token2id] for text in texts]
    return d, bows, ids


@pytest.mark.parametrize("block", [1 << 20, 7])  # one block, or texts counted a few at a time
@pytest.mark.parametrize("seed", range(6))
def test_the_vocabulary_step_counts_what_gensim_counts_text_by_text(seed, block, monkeypatch):
    import random

    from textmine import topics
    from textmine.topics import _vocabulary

    monkeypatch.setattr(topics, "VOCABULARY_BLOCK", block)

    rng = random.Random(seed)
    terms = [chr(0x4E00 + i) * rng.randint(1, 2) for i in range(40)]  # some share a first character
    texts = [[rng.choice(terms[:rng.randint(1, 40)]) for _ in range(rng.randint(0, 30))] for _ in range(60)]
    groups = [rng.choice(["a", "b", "c", 1, "1"]) for _ in texts]  # 1 and "1" are two groups
    settings = dict(no_below=rng.randint(1, 4), no_above=rng.choice([0.2, 0.5, 40 / 60, 1.0]),
                    keep_n=rng.choice([None, 5, 12]), groups=rng.choice([None, groups]), min_groups=rng.randint(1, 3))
    ours, bows, ids = _vocabulary(texts, **settings)
    theirs, their_bows, their_ids = _vocabulary_by_gensim(texts, **settings)
    assert list(ours.token2id.items()) == list(theirs.token2id.items()) and len(ours) > 0
    assert (ours.dfs, ours.cfs) == (theirs.dfs, theirs.cfs)
    assert (ours.num_docs, ours.num_pos, ours.num_nnz) == (theirs.num_docs, theirs.num_pos, theirs.num_nnz)
    assert bows == their_bows and [i.tolist() for i in ids] == their_ids


def test_the_vocabulary_step_of_texts_without_terms():
    from textmine.topics import _vocabulary

    d, bows, ids = _vocabulary([[], []], no_below=1, no_above=1.0, keep_n=None, groups=None, min_groups=1)
    assert (len(d), d.num_docs, d.num_pos, d.num_nnz, bows, [i.tolist() for i in ids]) == (0, 2, 0, 0, [[], []], [[], []])


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
