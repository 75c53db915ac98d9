"""Specification of textmine.keywords: TF-IDF tables, keyword extraction, keyness.

Hand-made expectations use a whitespace tokenizer (``str.split``) so every
token is known; the arithmetic is written out here with ``math``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from textmine.corpus import Corpus
from textmine.errors import CorpusError, MetadataError, TextmineError
from textmine.keywords import extract_keywords, keyness, keyness_statistics, tfidf, top_terms

WS = str.split  # whitespace tokenizer: "营商 环境" -> ["营商", "环境"]

# Three toy documents.
#   d0: 营商×2 环境×1 改革×1
#   d1: 改革×1 开放×1
#   d2: 营商×1 开放×3
TOY = ["营商 环境 营商 改革", "改革 开放", "营商 开放 开放 开放"]


def toy_corpus() -> Corpus:
    frame = pd.DataFrame({
        "doc_id": ["d0", "d1", "d2"],
        "text": TOY,
        "place": ["甲市", "乙市", "甲市"],
        "rank": ["副省级城市", "地级市", "副省级城市"],
        "year": [2024, 2024, 2023],
    })
    return Corpus.from_dataframe(frame, clean=False)


def idf(df: int, n: int = 3) -> float:
    return math.log((1 + n) / (1 + df)) + 1


def l2(weights: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(w * w for w in weights.values()))
    return {t: w / norm for t, w in weights.items()}


def score(frame: pd.DataFrame, doc_id: str, term: str, column: str = "tfidf") -> float:
    row = frame[(frame["doc_id"] == doc_id) & (frame["term"] == term)]
    assert len(row) == 1, (doc_id, term)
    return float(row[column].iloc[0])


# ---------------------------------------------------------------------------
# TF-IDF


def test_tfidf_matches_hand_computation_with_sublinear_tf():
    # df: 营商 2, 环境 1, 改革 2, 开放 2 (of 3 documents); tf -> 1 + ln(tf)
    d0 = l2({"营商": (1 + math.log(2)) * idf(2), "环境": 1 * idf(1), "改革": 1 * idf(2)})
    d2 = l2({"营商": 1 * idf(2), "开放": (1 + math.log(3)) * idf(2)})

    frame = tfidf(toy_corpus(), tokenizer=WS).to_frame()

    for term, value in d0.items():
        assert score(frame, "d0", term) == pytest.approx(value)
    for term, value in d2.items():
        assert score(frame, "d2", term) == pytest.approx(value)
    # 营商 (1+ln2)·1.288 = 2.18 > 环境 1·1.693 > 改革 1·1.288
    assert frame.loc[frame["doc_id"] == "d0", "term"].tolist() == ["营商", "环境", "改革"]
    assert frame.loc[frame["doc_id"] == "d0", "term_rank"].tolist() == [1, 2, 3]


def test_tfidf_raw_counts_and_no_norm():
    frame = tfidf(toy_corpus(), tokenizer=WS, sublinear_tf=False, norm=None).to_frame()
    assert score(frame, "d2", "开放") == pytest.approx(3 * idf(2))
    assert score(frame, "d0", "环境") == pytest.approx(idf(1))


def test_tfidf_result_exposes_idf_df_and_metadata():
    result = tfidf(toy_corpus(), tokenizer=WS)
    table = result.idf_frame().set_index("term")
    assert table.loc["环境", "df"] == 1 and table.loc["开放", "df"] == 2
    assert table.loc["环境", "idf"] == pytest.approx(idf(1))
    assert result.doc_ids == ["d0", "d1", "d2"]
    frame = result.to_frame()
    assert {"doc_id", "place", "province", "level", "rank", "year", "doctype"} <= set(frame.columns)
    assert set(frame.loc[frame["doc_id"] == "d0", "place"]) == {"甲市"}
    assert set(frame.loc[frame["doc_id"] == "d0", "rank"]) == {"副省级城市"}  # metadata rank, not term rank


def test_tfidf_equals_scikit_learn_on_text_with_the_same_tokenizer():
    texts = ["营商 环境 营商 改革 开放", "改革 开放 改革", "营商 开放 开放 开放 创新", "创新 驱动 发展"]
    for options in ({}, {"ngram_range": (1, 2)}, {"min_df": 2, "sublinear_tf": False, "norm": "l1"}):
        sk = TfidfVectorizer(tokenizer=WS, lowercase=False, token_pattern=None, preprocessor=None,
                             sublinear_tf=options.get("sublinear_tf", True), norm=options.get("norm", "l2"),
                             ngram_range=options.get("ngram_range", (1, 1)), min_df=options.get("min_df", 1))
        expected = sk.fit_transform(texts).toarray()
        result = tfidf(texts, tokenizer=WS, **options)
        assert result.vocabulary == sk.get_feature_names_out().tolist()
        np.testing.assert_allclose(result.matrix.toarray(), expected)
        np.testing.assert_allclose(result.idf, sk.idf_)


def test_tfidf_transform_scores_new_text_with_corpus_idf():
    result = tfidf(toy_corpus(), tokenizer=WS, sublinear_tf=False, norm=None)
    row = result.transform("环境 环境 未知").toarray()[0]
    assert row[result.vocabulary.index("环境")] == pytest.approx(2 * idf(1))
    assert row.sum() == pytest.approx(2 * idf(1))  # 未知 is not in the corpus vocabulary


def test_tfidf_pruning_everything_is_a_clear_error():
    with pytest.raises(TextmineError, match="min_df=3"):
        tfidf(["甲 乙", "丙 丁"], tokenizer=WS, min_df=3)


def test_top_terms_per_document_keeps_n():
    frame = top_terms(toy_corpus(), n=1, tokenizer=WS)
    assert frame[["doc_id", "term", "term_rank"]].values.tolist() == [
        ["d0", "营商", 1], ["d1", "开放", 1], ["d2", "开放", 1]]  # d1: 改革 and 开放 tie; sorted by term (开 U+5F00 < 改 U+6539)


def test_top_terms_by_group_is_the_mean_of_document_vectors():
    d0 = l2({"营商": (1 + math.log(2)) * idf(2), "环境": idf(1), "改革": idf(2)})
    d2 = l2({"营商": idf(2), "开放": (1 + math.log(3)) * idf(2)})

    frame = top_terms(toy_corpus(), n=None, by="place", tokenizer=WS)

    jia = frame[frame["place"] == "甲市"].set_index("term")
    assert jia["n_docs"].iloc[0] == 2
    assert jia.loc["营商", "tfidf"] == pytest.approx((d0["营商"] + d2["营商"]) / 2)
    assert jia.loc["环境", "tfidf"] == pytest.approx(d0["环境"] / 2)
    assert list(frame.columns[:2]) == ["place", "n_docs"]


def test_top_terms_by_group_concat_learns_idf_over_groups():
    # groups: 甲市 = d0 + d2 (营商×3 环境 改革 开放×3), 乙市 = d1 (改革 开放); n = 2 groups
    g_idf = {1: math.log(3 / 2) + 1, 2: 1.0}
    jia = l2({"营商": (1 + math.log(3)) * g_idf[1], "环境": g_idf[1], "改革": g_idf[2],
              "开放": (1 + math.log(3)) * g_idf[2]})
    frame = top_terms(toy_corpus(), n=None, by="place", tokenizer=WS, combine="concat")
    got = frame[frame["place"] == "甲市"].set_index("term")["tfidf"]
    for term, value in jia.items():
        assert got[term] == pytest.approx(value)


def test_top_terms_unknown_group_column():
    with pytest.raises(MetadataError, match="city_tier"):
        top_terms(toy_corpus(), by="city_tier", tokenizer=WS)


# ---------------------------------------------------------------------------
# keyword extraction


def test_textrank_star_graph_matches_hand_pagerank():
    # 创新 co-occurs with each of four words, which co-occur with nothing else
    # (sentences cut the windows). PageRank, d = 0.85, N = 5:
    #   leaf x = 0.15/5 + d * hub / 4,  hub y = 0.15/5 + d * 4x
    d, n = 0.85, 5
    y = ((1 - d) / n + d * 4 * (1 - d) / n) / (1 - d * d)
    x = (1 - d) / n + d * y / 4
    text = "创新 驱动。创新 发展。创新 引领。创新 人才。"

    kw = extract_keywords(text, method="textrank", tokenizer=WS)

    assert kw["term"].iloc[0] == "创新"
    assert kw["score"].iloc[0] == pytest.approx(y)
    assert kw["score"].iloc[1:].tolist() == pytest.approx([x] * 4)
    assert kw["count"].tolist() == [4, 1, 1, 1, 1]
    assert kw["score"].sum() == pytest.approx(1)


def test_textrank_window_limits_edges():
    # "甲 乙 丙 丁": with window 2 only neighbours link (a path), so the inner words lead;
    # with window 4 everything links to everything and all four tie.
    path = extract_keywords("甲 乙 丙 丁", method="textrank", tokenizer=WS, window=2)
    assert set(path["term"].iloc[:2]) == {"乙", "丙"}
    assert path["score"].iloc[1] > path["score"].iloc[2]
    full = extract_keywords("甲 乙 丙 丁", method="textrank", tokenizer=WS, window=4)
    assert full["score"].tolist() == pytest.approx([0.25] * 4)


def test_extract_keywords_tfidf_uses_the_corpus_idf():
    corpus = toy_corpus()
    expected = l2({"营商": (1 + math.log(2)) * idf(2), "环境": idf(1), "改革": idf(2)})

    kw = extract_keywords("d0", corpus, n=None, tokenizer=WS)

    assert kw["term"].tolist() == ["营商", "环境", "改革"]
    assert kw["score"].tolist() == pytest.approx([expected[t] for t in ["营商", "环境", "改革"]])
    assert kw["term_rank"].tolist() == [1, 2, 3]
    assert kw["count"].tolist() == [2, 1, 1]
    assert set(kw["place"]) == {"甲市"} and set(kw["doc_id"]) == {"d0"}


def test_extract_keywords_on_new_text_adds_it_to_the_corpus_for_idf():
    # the new text joins the 3 toy documents: n = 4; 试点 df 1, 改革 df 3
    n = 4
    weights = l2({"试点": math.log((1 + n) / 2) + 1, "改革": math.log((1 + n) / 4) + 1})
    kw = extract_keywords("试点 改革", toy_corpus(), tokenizer=WS)
    assert kw["term"].tolist() == ["试点", "改革"]
    assert kw["score"].tolist() == pytest.approx([weights["试点"], weights["改革"]])


def test_extract_keywords_rejects_unknown_method():
    with pytest.raises(TextmineError, match="textrank"):
        extract_keywords("营商 环境", method="lda", tokenizer=WS)


# ---------------------------------------------------------------------------
# keyness


def g2_by_hand(a: int, b: int, target_total: int, reference_total: int) -> float:
    c, d = target_total - a, reference_total - b
    n = a + b + c + d
    cells = [(a, (a + b) * (a + c) / n), (b, (a + b) * (b + d) / n),
             (c, (c + d) * (a + c) / n), (d, (c + d) * (b + d) / n)]
    return 2 * sum(o * math.log(o / e) for o, e in cells if o > 0)


def g2_cells(a: float, b: float, c: float, d: float) -> float:
    """G² of the 2x2 table [[a, c], [b, d]] (rows: feature / other; columns: target / reference)."""
    n = a + b + c + d
    cells = [(a, (a + b) * (a + c) / n), (b, (a + b) * (b + d) / n),
             (c, (c + d) * (a + c) / n), (d, (c + d) * (b + d) / n)]
    return 2 * sum(o * math.log(o / e) for o, e in cells if o > 0)


def p_chi2_df1(x: float) -> float:
    """Upper tail of chi-square with one degree of freedom: P(Z² > x) = erfc(sqrt(x/2))."""
    return math.erfc(math.sqrt(x / 2))


# Target doc "t": 营商×6 改革×4 (10 tokens). Reference "r": 营商×2 改革×8 开放×10 (20 tokens).
KEY_TEXTS = ["营商 " * 6 + "改革 " * 4, "营商 " * 2 + "改革 " * 8 + "开放 " * 10]


def key_corpus() -> Corpus:
    return Corpus.from_texts(KEY_TEXTS, ids=["t", "r"])


def test_keyness_g2_chi2_p_values_against_a_hand_2x2_table():
    # 营商: a=6, b=2, c=10-6=4, d=20-2=18, N=30; expected a: 8*10/30 = 2.7 < 5 and
    # |ad - bc| = 100 >= N/2, so quanteda's default applies Yates' 0.5 to this table
    g2_plain = g2_by_hand(6, 2, 10, 20)
    g2_yates = g2_cells(6 - 0.5, 2 + 0.5, 4 + 0.5, 18 - 0.5)  # cells moved 0.5 towards independence
    chi2_yates = 30 * (abs(6 * 18 - 2 * 4) - 30 / 2) ** 2 / ((6 + 2) * (4 + 18) * 10 * 20)
    chi2_plain = 30 * (6 * 18 - 2 * 4) ** 2 / ((6 + 2) * (4 + 18) * 10 * 20)

    table = keyness(key_corpus(), "t", tokenizer=WS, min_count=1).set_index("feature")
    row = table.loc["营商"]

    assert (row["target_count"], row["reference_count"], row["target_total"], row["reference_total"]) == (6, 2, 10, 20)
    assert row["g2"] == pytest.approx(g2_yates)
    assert row["chi2"] == pytest.approx(chi2_yates)
    assert row["p_value"] == pytest.approx(p_chi2_df1(g2_yates))
    assert row["log_ratio"] == pytest.approx(math.log2((6 / 10) / (2 / 20)))
    assert row["direction"] == "target"

    plain = keyness(key_corpus(), "t", tokenizer=WS, min_count=1, correction="none").set_index("feature")
    assert plain.loc["营商", "g2"] == pytest.approx(g2_plain)
    by_chi2 = keyness(key_corpus(), "t", tokenizer=WS, min_count=1, measure="chi2", correction="none")
    row = by_chi2.set_index("feature").loc["营商"]
    assert row["chi2"] == pytest.approx(chi2_plain)
    assert row["p_value"] == pytest.approx(p_chi2_df1(chi2_plain))


def test_keyness_sign_zero_counts_and_order():
    table = keyness(key_corpus(), "t", tokenizer=WS, min_count=1, correction="none")
    # 开放 never occurs in the target: G² negative, finite log ratio with 0 -> 0.5
    kaifang = table.set_index("feature").loc["开放"]
    assert kaifang["target_count"] == 0
    assert kaifang["g2"] == pytest.approx(-g2_by_hand(0, 10, 10, 20))
    assert kaifang["log_ratio"] == pytest.approx(math.log2((0.5 / 10) / (10 / 20)))
    assert kaifang["direction"] == "reference"
    # 改革: 4/10 vs 8/20, identical rates -> no difference at all
    gaige = table.set_index("feature").loc["改革"]
    assert gaige["g2"] == 0 and gaige["chi2"] == 0 and gaige["direction"] == "none"
    assert gaige["p_value"] == pytest.approx(1)
    # most characteristic of the target first
    assert table["feature"].tolist() == ["营商", "改革", "开放"]
    assert table["feature_rank"].tolist() == [1, 2, 3]


def test_keyness_yates_never_goes_below_zero():
    # a=1, b=1, c=9, d=10: |ad - bc| = 1 < N/2 = 10.5: no correction (quanteda) and the statistic stays >= 0
    stats = keyness_statistics([1], [1], [10], [11])
    assert stats["chi2"].iloc[0] == pytest.approx(21 * 1 ** 2 / (2 * 19 * 10 * 11))


def test_keyness_default_yates_only_for_small_expected_counts():
    # a=60, b=20, c=40, d=180 (N=300): every expected cell >= 5, so no correction by default
    # (R's chisq.test would correct it); correction="yates" is quanteda's same conditional rule
    plain = 300 * (60 * 180 - 20 * 40) ** 2 / (80 * 220 * 100 * 200)
    for correction in ("default", "yates", "none"):
        stats = keyness_statistics([60], [20], [100], [200], correction=correction)
        assert stats["chi2"].iloc[0] == pytest.approx(plain)
        assert stats["g2"].iloc[0] == pytest.approx(g2_by_hand(60, 20, 100, 200))


def test_keyness_rejects_unknown_measures_and_corrections():
    with pytest.raises(TextmineError, match="correction must be one of"):
        keyness(key_corpus(), "t", tokenizer=WS, correction="bonferroni")
    with pytest.raises(TextmineError, match="measure must be one of"):
        keyness(key_corpus(), "t", tokenizer=WS, measure="lr")


def test_keyness_min_count_drops_rare_features():
    texts = [KEY_TEXTS[0], KEY_TEXTS[1] + " 试点"]
    corpus = Corpus.from_texts(texts, ids=["t", "r"])
    assert "试点" not in keyness(corpus, "t", tokenizer=WS)["feature"].tolist()  # default min_count=5
    assert "试点" in keyness(corpus, "t", tokenizer=WS, min_count=1)["feature"].tolist()


def test_keyness_selections_by_metadata_ids_and_function_agree():
    corpus = toy_corpus()
    by_meta = keyness(corpus, {"rank": "副省级城市"}, tokenizer=WS, min_count=1)
    by_ids = keyness(corpus, ["d0", "d2"], tokenizer=WS, min_count=1)
    by_fn = keyness(corpus, lambda doc: doc["place"] == "甲市", tokenizer=WS, min_count=1)
    cols = ["feature", "target_count", "reference_count", "g2", "chi2"]
    pd.testing.assert_frame_equal(by_meta[cols], by_ids[cols])
    pd.testing.assert_frame_equal(by_meta[cols], by_fn[cols])
    assert by_meta["target"].iloc[0] == "rank=副省级城市"
    assert by_meta["reference"].iloc[0] == "rest of corpus"
    assert (by_meta["target_docs"].iloc[0], by_meta["reference_docs"].iloc[0]) == (2, 1)
    # 开放: 3 of the target's 8 tokens (d0 4 + d2 4) vs 1 of the reference's 2 (d1)
    kaifang = by_meta.set_index("feature").loc["开放"]
    assert (kaifang["target_count"], kaifang["target_total"]) == (3, 8)
    assert (kaifang["reference_count"], kaifang["reference_total"]) == (1, 2)


def test_keyness_against_a_named_reference_ignores_other_documents():
    table = keyness(toy_corpus(), "d1", reference={"year": 2023}, tokenizer=WS, min_count=1)
    assert set(table["feature"]) == {"营商", "开放", "改革"}  # 环境 occurs only in d0, outside both
    assert table["reference_total"].iloc[0] == 4 and table["target_total"].iloc[0] == 2


def test_keyness_by_compares_each_group_with_the_rest():
    table = keyness(toy_corpus(), by="place", tokenizer=WS, min_count=1)
    assert list(table.columns[:2]) == ["place", "target"]
    assert set(table["place"]) == {"甲市", "乙市"}
    yi = table[table["place"] == "乙市"].set_index("feature")
    assert yi.loc["改革", "target_count"] == 1 and yi.loc["改革", "reference_count"] == 1
    assert yi["target_total"].iloc[0] == 2 and yi["reference_total"].iloc[0] == 8


def test_keyness_selection_errors_are_actionable():
    corpus = toy_corpus()
    with pytest.raises(CorpusError, match="d9"):
        keyness(corpus, ["d9"], tokenizer=WS)
    with pytest.raises(MetadataError, match="tier"):
        keyness(corpus, {"tier": "一线"}, tokenizer=WS)
    with pytest.raises(CorpusError, match="selects no documents"):
        keyness(corpus, {"place": "丙市"}, tokenizer=WS)
    with pytest.raises(CorpusError, match="share 1 documents"):
        keyness(corpus, ["d0"], reference=["d0", "d1"], tokenizer=WS)
    with pytest.raises(TextmineError, match="either target"):
        keyness(corpus, tokenizer=WS)


def test_keyness_of_slogans_uses_character_totals():
    # non-whitespace characters: doc0 15 (新质生产力×2 + 营商环境 + 。), doc1 17 (4 + 4 + 1 + 5 + 1 + 2)
    texts = ["新质生产力新质生产力营商环境。", "营商环境营商环境，新质生产力。乡村"]
    assert [len(t) for t in texts] == [15, 17]
    table = keyness(texts, "doc0", features="slogans", slogans=["新质生产力", "营商环境"], min_count=1)
    row = table.set_index("feature").loc["新质生产力"]
    assert (row["target_count"], row["reference_count"]) == (2, 1)
    assert (row["target_total"], row["reference_total"]) == (15, 17)
    # expected cells are below 5 and |ad - bc| = 2*16 - 1*13 = 19 >= N/2 = 16: Yates' 0.5 applies
    assert row["g2"] == pytest.approx(g2_cells(2 - 0.5, 1 + 0.5, 13 + 0.5, 16 - 0.5))
    assert row["log_ratio"] == pytest.approx(math.log2((2 / 15) / (1 / 17)))


def test_keyness_min_docs_keeps_what_the_group_shares():
    # target t1 + t2: 营商 in both documents, 泉州 only in t1; reference r
    texts = ["营商 营商 泉州 泉州 泉州", "营商 营商 改革", "改革 改革 改革 开放"]
    corpus = Corpus.from_texts(texts, ids=["t1", "t2", "r"])
    everything = keyness(corpus, ["t1", "t2"], tokenizer=WS, min_count=1)
    shared = keyness(corpus, ["t1", "t2"], tokenizer=WS, min_count=1, min_docs=2)
    assert "泉州" in everything["feature"].tolist()
    assert shared["feature"].tolist() == ["营商"]  # 改革/开放 lean to the reference, which has 1 document
    assert shared[["target_docfreq", "reference_docfreq"]].values.tolist() == [[2, 0]]


# ---------------------------------------------------------------------------
# quanteda.textstats tests/testthat/test-textstat_keyness.R, ported with their expected values.
# quanteda's dfm here = whitespace tokens; "target = 1" = the first document against the rest.
# Oracles are independent of textmine: scipy.stats.chi2_contingency (the same statistic as R's
# chisq.test), Deducer's likelihood.test written out below, and Fisher's test from math.comb.

Q_BA = {"d1": "b b b b b b b a a a", "d2": "a a a a a a a b b"}
Q_TWO = {"d1": "a a a b b c c c c c c d e f g h h", "d2": "a a b c c d d d d e f h"}


def q_keyness(texts: dict, target="d1", **kw) -> pd.DataFrame:
    corpus = Corpus.from_texts(list(texts.values()), ids=list(texts))
    return keyness(corpus, target, tokenizer=WS, min_count=1, **kw)


def likelihood_test(table: list[list[float]], conservative: bool = False) -> float:
    """Deducer's likelihood.test (the oracle of quanteda's test): G, with Williams' q if conservative."""
    rows, cols = [sum(r) for r in table], [sum(c) for c in zip(*table)]
    n = sum(rows)
    g = sum(x * math.log(x / (rows[i] * cols[j] / n)) for i, r in enumerate(table) for j, x in enumerate(r) if x)
    q = 1.0
    if conservative:
        q = 1 + (n * sum(1 / r for r in rows) - 1) * (n * sum(1 / c for c in cols) - 1) / (6 * n)
    return 2 * g / q


def test_quanteda_chi2_computation_is_correct():
    # "keyness_textstat chi2 computation is correct": chisq.test(correct = TRUE / FALSE) of the dfm;
    # feature b (first in the dfm): d1 has 7 of 10 tokens, d2 2 of 9. Expected b in d2 = 9*9/19 < 5,
    # so quanteda's default corrects this table, as chisq.test does.
    from scipy.stats import chi2_contingency

    table = [[7, 3], [2, 7]]  # documents x features (b, a)
    row = q_keyness(Q_BA, measure="chi2").set_index("feature").loc["b"]
    assert row["chi2"] == pytest.approx(chi2_contingency(table, correction=True).statistic, rel=1e-12)
    row = q_keyness(Q_BA, measure="chi2", correction="none").set_index("feature").loc["b"]
    assert row["chi2"] == pytest.approx(chi2_contingency(table, correction=False).statistic, rel=1e-12)


def test_quanteda_chi2_with_williams_correction():
    # the commented-out expectation of the same test: 4.017626 (chi2 / Williams' q)
    row = q_keyness(Q_BA, measure="chi2", correction="williams").set_index("feature").loc["b"]
    assert row["chi2"] == pytest.approx(4.017626, abs=1e-6)


def test_quanteda_chi2_three_rows_groups_the_reference():
    # "keyness_textstat chi2 computation is correct for three rows": d1 against d2 + d3
    from scipy.stats import chi2_contingency

    texts = {**Q_BA, "d3": "a a a b b b"}
    grouped = [[7, 3], [2 + 3, 7 + 3]]
    default = q_keyness(texts, measure="chi2").set_index("feature").loc["b", "chi2"]
    assert default == pytest.approx(chi2_contingency(grouped, correction=True).statistic, rel=1e-12)
    assert q_keyness(texts, measure="chi2", correction="yates").set_index("feature").loc["b", "chi2"] == default
    none = q_keyness(texts, measure="chi2", correction="none").set_index("feature").loc["b", "chi2"]
    assert none == pytest.approx(chi2_contingency(grouped, correction=False).statistic, rel=1e-12)


def test_quanteda_basic_keyness_on_two_rows():
    # "basic textstat_keyness works on two rows" (chi2, default correction)
    assert q_keyness(Q_TWO, measure="chi2")["feature"].tolist() == list("gcbhaefd")
    assert q_keyness(Q_TWO, "d2", measure="chi2")["feature"].tolist() == list("defabhcg")


def test_quanteda_different_targets_and_combined_reference():
    # "works with different targets" and "combines non-target rows correctly"
    stats = ["feature", "target_count", "reference_count", "g2", "chi2", "pmi", "p_value"]
    pd.testing.assert_frame_equal(q_keyness(Q_TWO, "d1"), q_keyness(Q_TWO, ["d1"]))
    pd.testing.assert_frame_equal(q_keyness(Q_TWO, "d2")[stats], q_keyness(Q_TWO, lambda d: d.doc_id == "d2")[stats])
    three = {**Q_TWO, "d3": "a a a a b b c c d d d d d d"}
    merged = {"d1": Q_TWO["d1"], "rest": Q_TWO["d2"] + " " + three["d3"]}
    cols = ["feature", "target_count", "reference_count", "g2", "chi2", "pmi"]
    pd.testing.assert_frame_equal(q_keyness(three)[cols], q_keyness(merged)[cols])


def test_quanteda_keyness_errors():
    # "textstat_keyness errors": unknown target, a single document (no reference)
    with pytest.raises(CorpusError, match="d3"):
        q_keyness(Q_TWO, "d3")
    with pytest.raises(CorpusError, match="reference .* selects no documents"):
        q_keyness({"d1": Q_TWO["d1"]})


def fisher_by_hand(a: int, b: int, c: int, d: int) -> tuple[float, float]:
    """R's fisher.test on [[a, c], [b, d]]: conditional MLE odds ratio and two-sided p."""
    from scipy.optimize import brentq

    rows, col = a + c, a + b  # first row total, first column total
    n = a + b + c + d
    support = range(max(0, col - (n - rows)), min(rows, col) + 1)
    dens = {x: math.comb(rows, x) * math.comb(n - rows, col - x) for x in support}
    total = sum(dens.values())
    p = sum(v for v in dens.values() if v <= dens[a] * (1 + 1e-7)) / total

    def mean_minus_a(log_psi: float) -> float:  # E[X | psi] - a under the noncentral hypergeometric
        w = {x: v * math.exp(x * log_psi) for x, v in dens.items()}
        return sum(x * v for x, v in w.items()) / sum(w.values()) - a

    if a in (min(support), max(support)):
        return (0.0 if a == min(support) else math.inf), p
    return math.exp(brentq(mean_minus_a, -20, 20, xtol=1e-13)), p


def test_quanteda_exact_computation_is_correct():
    # "keyness_textstat exact computation is correct": fisher.test's estimate and p.value
    row = q_keyness(Q_BA, measure="exact").set_index("feature").loc["b"]
    odds, p = fisher_by_hand(7, 2, 3, 7)
    assert row["odds_ratio"] == pytest.approx(odds, rel=1e-6)
    assert row["p_exact"] == pytest.approx(p, rel=1e-9)
    assert row["p_value"] == row["p_exact"]


def test_quanteda_basic_exact_on_two_rows():
    # "basic textstat_keyness exact works on two rows"
    assert q_keyness(Q_TWO, measure="exact")["feature"].tolist() == list("gcbhaefd")
    assert q_keyness(Q_TWO, "d2", measure="exact")["feature"].tolist() == list("defabhcg")


def test_quanteda_lr_computation_is_correct():
    # "keyness_textstat lr computation is correct": likelihood.test without and with Williams' correction
    table = [[7, 3], [2, 7]]
    for correction, conservative in (("none", False), ("williams", True)):
        row = q_keyness(Q_BA, measure="g2", correction=correction).set_index("feature").loc["b"]
        assert row["g2"] == pytest.approx(likelihood_test(table, conservative), rel=1e-12)
        assert row["p_value"] == pytest.approx(p_chi2_df1(likelihood_test(table, conservative)), rel=1e-9)


def test_quanteda_basic_lr_on_two_rows():
    # "basic textstat_keyness lr works on two rows" (correction = "none")
    assert q_keyness(Q_TWO, measure="g2", correction="none")["feature"].tolist() == list("cgbhaefd")
    assert q_keyness(Q_TWO, "d2", measure="g2", correction="none")["feature"].tolist() == list("defabhgc")


def test_quanteda_returns_raw_frequency_counts():
    # "textstat_keyness returns raw frequency counts", for every measure
    for measure in ("chi2", "exact", "g2", "pmi"):
        table = q_keyness(Q_TWO, measure=measure).set_index("feature").sort_index()
        assert table["target_count"].tolist() == [Q_TWO["d1"].split().count(f) for f in "abcdefgh"]
        assert table["reference_count"].tolist() == [Q_TWO["d2"].split().count(f) for f in "abcdefgh"]


def test_quanteda_pmi():
    # "textstat_keyness returns correct pmi": log(a * N / ((a + b) * target_total)) for feature a
    table = q_keyness(Q_TWO, measure="pmi").set_index("feature")
    assert table.loc["a", "pmi"] == pytest.approx(math.log(3 * 29 / ((3 + 2) * 17)), abs=1e-4)  # quanteda's tolerance
    assert table.loc["a", "pmi"] == pytest.approx(math.log(3 * 29 / ((3 + 2) * 17) + 1e-9), rel=1e-12)  # its epsilon
    absent = q_keyness(Q_TWO, "d2", measure="pmi").set_index("feature").loc["g", "pmi"]
    assert absent == pytest.approx(math.log(1e-9))  # g is not in d2: ln(0 + 1e-9), finite as in quanteda
    assert np.isnan(table["p_value"]).all()  # PMI is not a test


def test_quanteda_correction_warnings_for_pmi_and_exact():
    # "textstat_keyness correction warnings for pmi and exact"
    with pytest.warns(UserWarning, match="correction is always none for pmi"):
        q_keyness(Q_TWO, measure="pmi", correction="yates")
    with pytest.warns(UserWarning, match="correction is always none for exact"):
        q_keyness(Q_TWO, measure="exact", correction="williams")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        q_keyness(Q_TWO, measure="exact", correction="none")
        q_keyness(Q_TWO, measure="pmi", correction="none")


def test_quanteda_empty_counts_raise():
    # "raises error when dfm is empty (#1419)"
    with pytest.raises(TextmineError, match="nothing to count"):
        keyness(Corpus.from_texts(["", ""], ids=["d1", "d2"]), "d1", tokenizer=WS, min_count=1)


def test_quanteda_default_single_and_multiple_targets():
    # "keyness works correctly for default, single, and multiple targets"
    texts = {"d1": "a a a a a b b b c c c c ", "d2": "a b c d d d d e f g", "d3": "a b c d d e e e e f g"}
    assert q_keyness(texts).loc[0, "target_count"] == 5
    two = q_keyness(texts, ["d1", "d2"]).loc[0]
    assert (two["target_count"], two["reference_count"]) == (6, 1)
    with pytest.raises(CorpusError, match="selects no documents"):
        q_keyness(texts, ["d1", "d2", "d3"])  # "target cannot be all the documents"


# ---------------------------------------------------------------------------
# with textmine's policy Tokenizer


@pytest.fixture()
def tok(tmp_path, monkeypatch):
    from textmine.tokenize import Tokenizer

    monkeypatch.setenv("TEXTMINE_CACHE_DIR", str(tmp_path / "tokens"))  # keep the user's cache untouched
    return Tokenizer()


def test_tfidf_with_the_policy_tokenizer_equals_scikit_learn_on_text(tok):
    texts = ["加快发展新质生产力，优化营商环境。", "持续优化营商环境，推进乡村振兴。", "推进乡村振兴，建设美丽乡村。"]
    sk = TfidfVectorizer(tokenizer=tok, lowercase=False, token_pattern=None, preprocessor=None, sublinear_tf=True)
    expected = sk.fit_transform(texts).toarray()
    result = tfidf(texts, tokenizer=tok)
    assert result.vocabulary == sk.get_feature_names_out().tolist()
    assert "新质生产力" in result.vocabulary and "营商环境" in result.vocabulary  # dictionary terms stay whole
    np.testing.assert_allclose(result.matrix.toarray(), expected)


def test_keywords_respect_policy_dictionary_and_stopwords(tok):
    text = "加快发展新质生产力。因地制宜发展新质生产力。新质生产力是创新起主导作用的先进生产力。"
    for method in ("textrank", "tfidf"):
        kw = extract_keywords(text, method=method, tokenizer=tok)
        assert kw["term"].iloc[0] == "新质生产力"
        assert kw["count"].iloc[0] == text.count("新质生产力") == 3
        assert not {"加快", "新质", "是", "的"} & set(kw["term"])  # stopwords, pieces of the term absent


@pytest.fixture(scope="module")
def bundled():
    from textmine.corpus import load_corpus

    return load_corpus()


def test_each_place_is_recognisable_in_its_distinctive_terms(bundled, tok):
    table = keyness(bundled, by="place", tokenizer=tok, n=10)
    top = table.groupby("place")["feature"].agg(list)
    for place, own in {"济南市": "济南", "沈阳市": "沈阳", "福州市": "福州", "本溪市": "本溪",
                       "盘锦市": "盘锦", "商丘市": "商丘", "内江市": "内江", "泉州市": "泉州"}.items():
        assert own in top[place][:3], (place, top[place])
    assert {"辽河", "精细化工"} <= set(top["盘锦市"])  # Panjin: Liao River oilfield, fine chemicals
    assert {"泉城", "黄河"} <= set(top["济南市"])  # Jinan: 'city of springs', Yellow River
    assert (table["g2"] > 0).all() and (table["p_value"] < 0.01).all()


def test_sub_provincial_contrast_without_place_names(bundled, tok):
    table = keyness(bundled, {"rank": "副省级城市"}, {"rank": "地级市"}, tokenizer=tok, min_docs=2)
    assert (table["target_docs"].iloc[0], table["reference_docs"].iloc[0]) == (2, 7)  # Jinan, Shenyang vs 3 Quanzhou documents, Benxi, Panjin, Shangqiu, Neijiang
    top = table.head(10)
    assert (top["target_docfreq"] == 2).all()  # shared by Jinan and Shenyang, not one city's own names
    assert not {"济南", "沈阳"} & set(table["feature"])
    assert {"数字", "国际"} <= set(top["feature"])


def test_default_tfidf_is_scikit_learns_to_the_last_bit_without_token_lists(monkeypatch):
    from textmine.tokenize.tokenized import Tokens, tokens

    texts = ["营商 环境 营商 改革 开放 营商", "改革 开放 改革 新词", "营商 开放 开放 开放 创新", "创新 驱动 发展 环境", ""]
    sk = TfidfVectorizer(tokenizer=WS, lowercase=False, token_pattern=None, preprocessor=None, sublinear_tf=True)
    expected = sk.fit_transform(texts).tocsr()
    toks = tokens(texts, WS)
    toks.n_tokens  # computed once; the TF-IDF must not build the token lists as strings
    monkeypatch.setattr(Tokens, "__iter__", lambda self: pytest.fail("token lists built"))
    result = tfidf(toks)
    for part in ("data", "indices", "indptr"):  # the same cells in the same order: the same floats
        assert np.array_equal(getattr(result.matrix, part), getattr(expected, part)), part
    import textmine.keywords as keywords

    monkeypatch.setattr(keywords, "_TFIDF_CELLS", 3)  # scored and counted a few cells at a time: the same
    blocked = tfidf(toks)
    assert np.array_equal(blocked.matrix.data, expected.data) and blocked.df.tolist() == result.df.tolist()
    assert result.vocabulary == sk.get_feature_names_out().tolist()
    assert np.array_equal(result.idf, sk.idf_)
    assert result.df.tolist() == [sum(term in text.split() for text in texts) for term in result.vocabulary]
    assert result.vectorizer.vocabulary_ == sk.vocabulary_
    monkeypatch.undo()
    assert (result.transform("开放 创新 未知") != sk.transform(["开放 创新 未知"])).nnz == 0


def test_top_terms_ranks_a_block_of_rows_at_a_time_with_the_same_table(monkeypatch):
    import textmine.keywords as keywords

    texts = ["营商 环境 营商 改革 开放", "改革 开放 改革", "营商 开放 开放 开放 创新", "驱动 发展 甲 乙 丙"]
    whole = {n: top_terms(texts, n=n, tokenizer=WS) for n in (None, 0, 2)}
    assert whole[0].empty and list(whole[0].columns) == list(whole[2].columns)
    assert whole[2].groupby("doc_id")["term_rank"].max().tolist() == [2, 2, 2, 2]
    d3 = whole[None][whole[None]["doc_id"] == "doc3"]  # five terms of one document each, equal scores: by term
    assert d3["term"].tolist() == sorted(d3["term"]) and d3["term_rank"].tolist() == [1, 2, 3, 4, 5]
    monkeypatch.setattr(keywords, "_RANK_CELLS", 3)
    for n, frame in whole.items():
        pd.testing.assert_frame_equal(top_terms(texts, n=n, tokenizer=WS), frame)
