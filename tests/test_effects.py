"""Topic effects: a planted covariate effect is recovered with the right sign and an interval that covers it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from textmine.corpus import Corpus, Document
from textmine.errors import MetadataError, TextmineError
from textmine.effects import EFFECT_COLUMNS, topic_effects
from textmine.topics import TopicModel, match_topics

# Three topics, each a uniform distribution over 20 words of its own.
N_WORDS = 20
TRUE_TOPICS = np.kron(np.eye(3), np.full((1, N_WORDS), 1 / N_WORDS))        # 3 x 60
WORDS = [f"t{t}w{j}" for t in range(3) for j in range(N_WORDS)]
# Mean topic shares per level: topic 1 is twice as frequent in 县区 (0.4) as in 地级市 (0.2).
MEANS = {"地级市": np.array([0.4, 0.2, 0.4]), "县区": np.array([0.3, 0.4, 0.3])}
PLANTED = 0.4 - 0.2
CONCENTRATION = 3.0
SETTINGS = dict(unit="document", tokenizer=str.split, no_below=1, no_above=1.0, min_docs=1, min_tokens=1,
                iterations=200, cache=False)


def planted_corpus(n_per_level: int = 60, length: int = 60, seed: int = 11, trend: float = 0.0) -> Corpus:
    """Documents drawn from the three topics; topic 1 twice as frequent in 县区; optional trend of topic 0 by year."""
    rng = np.random.default_rng(seed)
    docs = []
    for level, mean in MEANS.items():
        for i in range(n_per_level):
            year = 2020 + i % 5
            m = mean.copy()
            if trend:
                m = m + np.array([trend, 0.0, -trend]) * (year - 2022)
            theta = rng.dirichlet(CONCENTRATION * m)
            topics = rng.choice(3, size=length, p=theta)
            words = [WORDS[t * N_WORDS + rng.integers(N_WORDS)] for t in topics]
            docs.append(Document(f"{level}{i}", " ".join(words), {"level": level, "year": year}, clean=False))
    return Corpus(docs)


def _true_topic_of(model) -> dict[int, int]:
    """Fitted topic -> planted topic, paired by word distributions (independent of the effect code)."""
    vocab = model.vocabulary()
    truth = TRUE_TOPICS[:, [WORDS.index(w) for w in vocab]]
    pairs = match_topics(model.topic_term_matrix(), truth)
    assert pairs["similarity"].min() > 0.8, "the planted topics were not found"
    return dict(zip(pairs["topic_a"], pairs["topic_b"]))


@pytest.fixture(scope="module")
def planted_model():
    return TopicModel(k=3, seed=3, **SETTINGS).fit(planted_corpus())


def test_a_planted_difference_between_levels_is_recovered_with_its_sign_and_covered(planted_model):
    fx = topic_effects(planted_model, "level", seed=1)
    assert fx.columns.tolist() == EFFECT_COLUMNS
    topic = {v: k for k, v in _true_topic_of(planted_model).items()}[1]
    row = fx.query("topic == @topic and kind == 'difference'").iloc[0]
    assert (row["covariate"], row["value"], row["reference"]) == ("level", "县区", "地级市")
    assert row["estimate"] > 0 and row["lower"] > 0                       # the right sign, clearly
    assert row["lower"] <= PLANTED <= row["upper"]                         # the interval covers 0.2
    # the other two topics lose 0.1 each
    for other in set(range(3)) - {topic}:
        r = fx.query("topic == @other and kind == 'difference'").iloc[0]
        assert r["estimate"] < 0 and r["lower"] <= -0.1 <= r["upper"]


def test_expected_shares_per_level_cover_the_planted_means(planted_model):
    fx = topic_effects(planted_model, "level", seed=1)
    truth = _true_topic_of(planted_model)
    shares = fx.query("kind == 'share'")
    for _, r in shares.iterrows():
        planted = MEANS[r["value"]][truth[r["topic"]]]
        assert r["lower"] <= planted <= r["upper"], (r["topic"], r["value"], planted, r["lower"], r["upper"])
    # shares at one value add up to 1 over the topics (proportions regressed topic by topic)
    assert shares.groupby("value")["estimate"].sum().to_numpy() == pytest.approx([1.0, 1.0], abs=1e-9)
    assert shares.set_index("value")["n_docs"].to_dict() == {"地级市": 60, "县区": 60}


def test_a_planted_trend_over_years_is_recovered():
    model = TopicModel(k=3, seed=3, **SETTINGS).fit(planted_corpus(trend=0.05, seed=12))
    fx = topic_effects(model, "level + year", seed=2)
    topic0 = {v: k for k, v in _true_topic_of(model).items()}[0]
    trend = fx.query("topic == @topic0 and kind == 'trend'").iloc[0]
    assert trend["covariate"] == "year"
    assert trend["lower"] > 0 and trend["lower"] <= 0.05 <= trend["upper"]
    years = fx.query("topic == @topic0 and kind == 'share' and covariate == 'year'")["value"].tolist()
    assert years == [2020, 2021, 2022, 2023, 2024]


def test_the_same_seed_gives_the_same_numbers_and_another_seed_other_draws(planted_model):
    a = topic_effects(planted_model, "level", seed=5, n_draws=4)
    b = topic_effects(planted_model, "level", seed=5, n_draws=4)
    c = topic_effects(planted_model, "level", seed=6, n_draws=4)
    pd.testing.assert_frame_equal(a, b)
    assert not np.array_equal(a["lower"].to_numpy(), c["lower"].to_numpy())


def test_reference_level_and_extra_covariates_joined_by_doc_id(planted_model):
    region = pd.DataFrame({"doc_id": planted_model.units_["doc_id"],
                           "region": ["东部" if i % 2 else "西部" for i in range(len(planted_model.units_))]})
    fx = topic_effects(planted_model, ["region"], data=region, reference={"region": "西部"}, n_draws=3)
    diff = fx.query("kind == 'difference'")
    assert set(diff["reference"]) == {"西部"} and set(diff["value"]) == {"东部"}
    # region is unrelated to the topics: every interval covers 0
    assert ((diff["lower"] <= 0) & (diff["upper"] >= 0)).all()


def test_other_report_metadata_such_as_region_are_covariates_without_a_join():
    docs = [Document(d.doc_id, d.text, {**d.meta, "region": "东部" if i % 3 else "西部"}, clean=False)
            for i, d in enumerate(planted_corpus(n_per_level=10))]
    model = TopicModel(k=3, seed=3, **SETTINGS).fit(Corpus(docs))
    assert model.units_["region"].tolist() == [d.meta["region"] for d in docs]
    fx = topic_effects(model, "region", n_draws=3)
    assert set(fx.query("kind == 'difference'")["reference"]) == {"东部"}   # sorted: 东 before 西
    assert fx.query("kind == 'share' and topic == 0").set_index("value")["n_docs"].to_dict() == {
        "东部": sum(i % 3 != 0 for i in range(20)), "西部": sum(i % 3 == 0 for i in range(20))}


def test_a_small_corpus_is_called_too_small():
    model = TopicModel(k=3, seed=3, **SETTINGS).fit(planted_corpus(n_per_level=4))
    fx = topic_effects(model, "level", n_draws=3)
    assert fx.attrs["small"] and "too small" in fx.attrs["note"] and fx.attrs["n_reports"] == 8


def test_paragraph_units_cluster_by_report():
    text = "。\n".join(["科技 创新 产业 研发 人才 科技 创新 产业 研发 人才"] * 3 + ["营商 环境 企业 服务 审批 营商 环境 企业"] * 3)
    docs = Corpus([Document(f"r{i}", text, {"level": "地级市" if i % 2 else "县区"}, clean=False) for i in range(6)])
    model = TopicModel(k=2, seed=1, unit="paragraph", tokenizer=str.split, no_below=1, no_above=1.0, min_docs=1,
                       min_tokens=1, min_chars=5, iterations=50, cache=False).fit(docs)
    assert model.unit_ == "paragraph" and len(model.units_) > len(docs)
    fx = topic_effects(model, "level", n_draws=3)
    assert "clustered by report" in fx.attrs["note"]
    assert topic_effects(model, "level", n_draws=3, cluster=None).attrs["note"].count("clustered") == 0


def test_a_group_of_one_report_gets_no_interval_when_paragraphs_are_clustered_by_report():
    text = "。\n".join(["科技 创新 产业 研发 人才 科技 创新 产业 研发 人才"] * 3 + ["营商 环境 企业 服务 审批 营商 环境 企业"] * 3)
    levels = ["地级市"] * 4 + ["县区"]            # 县区: one report, five paragraphs
    docs = Corpus([Document(f"r{i}", text, {"level": lv}, clean=False) for i, lv in enumerate(levels)])
    model = TopicModel(k=2, seed=1, unit="paragraph", tokenizer=str.split, no_below=1, no_above=1.0, min_docs=1,
                       min_tokens=1, min_chars=5, iterations=50, cache=False).fit(docs)
    fx = topic_effects(model, "level", n_draws=3)
    one = fx[fx["value"] == "县区"]
    assert one["lower"].isna().all() and one["upper"].isna().all() and one["estimate"].notna().all()
    assert fx.loc[fx["kind"] == "difference", "lower"].isna().all()     # compared with that one report
    assert fx[(fx["value"] == "地级市")]["lower"].notna().all()
    assert "No interval for a group of one report" in fx.attrs["short_note"]


def test_bad_covariates_are_named():
    model = TopicModel(k=2, seed=3, **SETTINGS).fit(planted_corpus(n_per_level=3))
    with pytest.raises(MetadataError, match="province"):
        topic_effects(model, "province_name")
    with pytest.raises(TextmineError, match="right-hand side"):
        topic_effects(model, "share ~ level")
    one_level = TopicModel(k=2, seed=3, **SETTINGS).fit(
        Corpus([d for d in planted_corpus(n_per_level=3) if d.meta["level"] == "县区"]))
    with pytest.raises(MetadataError, match="one value only"):
        topic_effects(one_level, "level")
    with pytest.raises(TextmineError, match="fitted"):
        topic_effects(TopicModel(k=2), "level")
