"""Slogan counts, term frequencies, document-term matrices and keyword in context.

Expected numbers come from hand counts or from plain ``str.count``, never from
the code under test.
"""

from __future__ import annotations

import re

import pandas as pd
from scipy import sparse
from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer
import pytest

from textmine.corpus import Corpus, load_corpus
from textmine.errors import CorpusError, DictionaryError, MetadataError, TextmineError
from textmine.frequency import dtm, kwic, load_slogans, slogan_frequency, term_frequency


def counts(df: pd.DataFrame) -> dict[str, int]:
    """slogan -> count for a one-document result."""
    return dict(zip(df["slogan"], df["count"]))


def compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


# --------------------------------------------------------------------------- counting semantics


def test_nested_phrases_count_for_both_slogans():
    text = "打造一流营商环境，持续优化营商环境。"
    df = slogan_frequency(text, ["营商环境", "一流营商环境"])
    assert counts(df) == {"营商环境": 2, "一流营商环境": 1}


def test_phrase_inside_quotation_marks_counts():
    df = slogan_frequency("加快培育“新质生产力”，以“新质生产力”引领发展。", ["新质生产力"])
    assert counts(df) == {"新质生产力": 2}


def test_phrase_at_very_start_and_very_end_of_a_document():
    text = "新质生产力是先进生产力，要因地制宜发展新质生产力"
    df = slogan_frequency(text, ["新质生产力"])
    assert counts(df) == {"新质生产力": 2}


def test_phrase_broken_across_a_line_counts_once_in_plain_text():
    df = slogan_frequency("大力发展新质生\n产力，培育新质生产力。", ["新质生产力"])
    assert counts(df) == {"新质生产力": 2}
    assert df["n_chars"].tolist() == [len("大力发展新质生产力，培育新质生产力。")]


def test_phrase_broken_across_a_line_in_raw_text_of_a_cleaned_corpus():
    raw = "现在，我代表市人民政府向大会报告工作。我们要加快发展新质生\n产力，推动高质量发展。"
    corpus = Corpus.from_texts([raw], clean=True)
    assert "新质生产力" in corpus[0].text  # cleaning joined the line
    assert counts(slogan_frequency(corpus, ["新质生产力", "高质量发展"])) == {"新质生产力": 1, "高质量发展": 1}


def test_overlap_of_a_phrase_with_itself_follows_str_count():
    text = "发展发展发展"
    assert text.count("发展发展") == 1
    assert counts(slogan_frequency(text, ["发展发展"])) == {"发展发展": 1}


def test_rate_is_per_10000_non_whitespace_characters():
    text = "优化营商环境。\n  营商环境"
    df = slogan_frequency(text, ["营商环境"])
    n = len("优化营商环境。营商环境")
    assert df["n_chars"].tolist() == [n]
    assert df["rate"].tolist() == pytest.approx([2 / n * 10_000])


def test_every_document_times_slogan_row_is_present_including_zeros():
    df = slogan_frequency(["营商环境", "乡村振兴", "共同富裕"], ["营商环境", "乡村振兴"])
    assert len(df) == 3 * 2
    assert df[["doc_id", "slogan", "count"]].values.tolist() == [
        ["doc0", "营商环境", 1], ["doc0", "乡村振兴", 0],
        ["doc1", "营商环境", 0], ["doc1", "乡村振兴", 1],
        ["doc2", "营商环境", 0], ["doc2", "乡村振兴", 0],
    ]


def test_per_document_columns():
    df = slogan_frequency("营商环境", ["营商环境"])
    assert list(df.columns[:2]) == ["doc_id", "place"]
    assert list(df.columns[-5:]) == ["slogan", "category", "count", "n_chars", "rate"]


# --------------------------------------------------------------------------- variants


def test_variant_is_counted_under_its_slogan():
    text = "稳妥推进碳达峰碳中和，扎实做好双碳工作。"
    df = slogan_frequency(text, ["碳达峰", "双碳|碳达峰碳中和"])
    assert counts(df) == {"碳达峰": 1, "双碳": 2}


def test_variant_nested_in_the_main_form_is_one_occurrence_not_two():
    # 二十大 sits inside 党的二十大: three spans, two occurrences
    text = "深入学习贯彻党的二十大精神，全面落实二十大部署。"
    df = slogan_frequency(text, ["党的二十大|二十大"])
    assert counts(df) == {"党的二十大": 2}


def test_main_form_nested_in_a_variant_is_one_occurrence():
    text = "构建国内国际双循环相互促进的新发展格局，畅通双循环。"
    df = slogan_frequency(text, {"development strategy": ["双循环|国内国际双循环"]})
    assert counts(df) == {"双循环": 2}


def test_variant_column_of_a_csv_file(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("slogan,category,variants\n经营主体,business,市场主体\n", encoding="utf-8")
    df = slogan_frequency("激发经营主体活力，服务市场主体。", path)
    assert counts(df) == {"经营主体": 2}
    assert df["category"].tolist() == ["business"]


# --------------------------------------------------------------------------- slogan lists


def test_shipped_list_has_the_core_slogans_grouped_into_categories():
    table = load_slogans()
    assert list(table.columns) == ["slogan", "category", "variants"]
    assert len(table) >= 80
    core = {"新质生产力", "民营经济", "营商环境", "高质量发展", "乡村振兴", "共同富裕", "数字经济",
            "专精特新", "放管服", "新发展格局", "双循环", "碳达峰", "碳中和", "晋江经验"}
    assert core <= set(table["slogan"])
    assert table["slogan"].is_unique
    assert table["category"].nunique() >= 8
    assert (table["category"].str.len() > 0).all()


def test_custom_list_as_python_list():
    table = load_slogans(["海丝名城", "营商环境|营商生态"])
    assert table.values.tolist() == [["海丝名城", "custom", ""], ["营商环境", "custom", "营商生态"]]


def test_a_listed_phrase_on_the_shipped_list_keeps_its_category_but_not_its_variants():
    shipped = load_slogans().set_index("slogan")
    table = load_slogans(["新质生产力", "民营经济"]).set_index("slogan")
    assert table.loc["新质生产力", "category"] == shipped.loc["新质生产力", "category"]
    assert table["variants"].tolist() == ["", ""]


def test_one_phrase_as_a_plain_string():
    df = slogan_frequency("营商环境好，一流营商环境。", "营商环境")
    assert df["count"].tolist() == ["营商环境好，一流营商环境。".count("营商环境")]


def test_custom_list_as_dict_of_category_to_phrases():
    df = slogan_frequency("发展新质生产力，建设和美乡村。", {"industry": ["新质生产力"], "rural": "和美乡村"})
    assert df[["slogan", "category", "count"]].values.tolist() == [
        ["新质生产力", "industry", 1], ["和美乡村", "rural", 1]]


def test_custom_list_as_txt_file(tmp_path):
    path = tmp_path / "slogans.txt"
    path.write_text("# my slogans\n新质生产力\n\n  营商环境  \n", encoding="utf-8")
    df = slogan_frequency("优化营商环境", path)
    assert counts(df) == {"新质生产力": 0, "营商环境": 1}


def test_custom_list_as_csv_file_with_only_a_slogan_column(tmp_path):
    path = tmp_path / "slogans.csv"
    path.write_text("slogan\n新质生产力\n营商环境\n", encoding="utf-8")
    assert load_slogans(str(path))["slogan"].tolist() == ["新质生产力", "营商环境"]


def test_whitespace_inside_a_listed_phrase_is_ignored():
    assert counts(slogan_frequency("新质生产力", ["新质 生产力"])) == {"新质生产力": 1}


@pytest.mark.parametrize("name, content, problem", [
    ("no_column.csv", "phrase,category\n新质生产力,x\n", "slogan"),
    ("empty_cell.csv", "slogan,category\n新质生产力,x\n,x\n", "empty slogan"),
    ("twice.csv", "slogan\n营商环境\n营商环境\n", "twice"),
    ("empty.txt", "# nothing here\n\n", "no slogans"),
    ("slogans.xlsx", "slogan\n新质生产力\n", ".csv"),
])
def test_bad_slogan_file_raises_dictionary_error_naming_the_file(tmp_path, name, content, problem):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DictionaryError) as err:
        load_slogans(path)
    assert name in str(err.value)
    assert problem in str(err.value)


def test_missing_slogan_file_raises_dictionary_error(tmp_path):
    with pytest.raises(DictionaryError, match="nowhere.csv"):
        slogan_frequency("营商环境", tmp_path / "nowhere.csv")


def test_same_phrase_twice_in_a_dict_is_an_error():
    with pytest.raises(DictionaryError, match="营商环境"):
        load_slogans({"a": ["营商环境"], "b": ["营商环境"]})


# --------------------------------------------------------------------------- grouping


def three_docs() -> Corpus:
    frame = pd.DataFrame({
        "doc_id": ["a", "b", "c"],
        "text": ["优化营商环境，营商环境", "发展民营经济", "营商环境一流"],
        "level": ["地级市", "地级市", "县区"],
        "year": [2023, 2024, 2024],
    })
    return Corpus.from_dataframe(frame, clean=False)


def test_pooled_rate_by_group_computed_by_hand():
    df = slogan_frequency(three_docs(), ["营商环境"], by="level").set_index("level")
    city_count = "优化营商环境，营商环境".count("营商环境") + "发展民营经济".count("营商环境")
    city_chars = len("优化营商环境，营商环境") + len("发展民营经济")
    city = df.loc["地级市"]
    assert (city["count"], city["n_chars"]) == (city_count, city_chars)
    assert city["rate"] == pytest.approx(city_count / city_chars * 10_000)
    assert (city["n_docs"], city["n_docs_mentioning"], city["share_docs_mentioning"]) == (2, 1, 0.5)
    county = df.loc["县区"]
    assert (county["count"], county["n_docs"], county["share_docs_mentioning"]) == (1, 1, 1.0)


def test_group_columns_come_first_and_by_accepts_a_list():
    df = slogan_frequency(three_docs(), ["营商环境", "民营经济"], by=["level", "year"])
    assert list(df.columns) == ["level", "year", "slogan", "category", "count", "n_chars", "rate",
                                "n_docs", "n_docs_mentioning", "share_docs_mentioning"]
    assert len(df) == 3 * 2  # three (level, year) groups x two slogans


def test_unknown_by_column_is_a_metadata_error():
    with pytest.raises(MetadataError, match="provnce"):
        slogan_frequency(three_docs(), ["营商环境"], by="provnce")


def test_bundled_corpus_by_level_has_a_row_per_level_and_slogan(corpus):
    table = load_slogans()
    df = slogan_frequency(corpus, by="level")
    levels = set(corpus.to_frame()["level"])
    assert set(df["level"]) == levels
    assert len(df) == len(levels) * len(table)
    per_doc = slogan_frequency(corpus)
    assert df["count"].sum() == per_doc["count"].sum()
    assert df.groupby("level")["n_docs"].first().to_dict() == corpus.to_frame()["level"].value_counts().to_dict()


def test_bundled_corpus_by_place_and_year_has_every_group(corpus):
    df = slogan_frequency(corpus, ["新质生产力", "营商环境"], by=["place", "year"])
    present = set(map(tuple, corpus.to_frame()[["place", "year"]].astype(object).values.tolist()))
    got = set(map(tuple, df[["place", "year"]].astype(object).values.tolist()))
    assert got == present
    assert len(df) == len(present) * 2


def test_bundled_corpus_counts_equal_str_count_for_slogans_without_variants(corpus):
    table = load_slogans()
    plain = table.loc[table["variants"] == "", "slogan"].tolist()
    df = slogan_frequency(corpus, plain)
    expected = [compact(doc.text).count(s) for doc in corpus for s in plain]
    assert df["count"].tolist() == expected
    assert df["count"].sum() > 0


# --------------------------------------------------------------------------- kwic


def test_kwic_shows_left_match_right_and_position():
    text = "一是发展新质生产力；二是优化营商环境"
    df = kwic(text, "新质生产力", window=3)
    assert df[["left", "match", "right", "position"]].values.tolist() == [["是发展", "新质生产力", "；二是", 4]]
    assert text[4:4 + len("新质生产力")] == "新质生产力"


def test_kwic_replaces_newlines_and_finds_phrases_broken_across_lines():
    text = "第一段营商环境。\n第二段新质生\n产力"
    df = kwic(text, ["营商环境", "新质生产力"], window=4)
    assert df["phrase"].tolist() == ["营商环境", "新质生产力"]
    assert df["right"].tolist()[0] == "。 第二"
    assert df["match"].tolist()[1] == "新质生 产力"
    assert df["position"].tolist() == [text.index("营商环境"), text.index("新质生")]


def test_kwic_rows_match_slogan_counts_and_carry_metadata(corpus):
    df = kwic(corpus, "新质生产力")
    per_doc = slogan_frequency(corpus, ["新质生产力"])
    assert len(df) == per_doc["count"].sum()
    assert {"doc_id", "place", "level", "year"} <= set(df.columns)
    for doc_id, pos in zip(df["doc_id"], df["position"]):
        assert compact(corpus[doc_id].text[pos:pos + 6]).startswith("新质生产力")


# --------------------------------------------------------------------------- document-term matrix


class SpaceTokenizer:
    """A plain ``str -> list[str]`` callable: tokens are space-separated; counts its calls."""

    def __init__(self):
        self.calls = 0

    def __call__(self, text):
        self.calls += 1
        return text.split()


TOKEN_TEXTS = ["营商环境 发展 发展", "发展 新质生产力", "营商环境 改革 改革 改革"]


def test_dtm_counts_tokens_per_document_with_sorted_vocabulary():
    tok = SpaceTokenizer()
    d = dtm(TOKEN_TEXTS, tokenizer=tok)
    assert tok.calls == len(TOKEN_TEXTS)  # each document tokenized once
    assert d.vocabulary == sorted({"营商环境", "发展", "新质生产力", "改革"})
    assert d.doc_ids == ["doc0", "doc1", "doc2"]
    assert sparse.isspmatrix_csr(d.matrix) and d.matrix.dtype.kind == "i"
    expected = [[text.split().count(term) for term in d.vocabulary] for text in TOKEN_TEXTS]
    assert d.matrix.toarray().tolist() == expected


def test_dtm_min_df_keeps_terms_in_enough_documents():
    # 发展 and 营商环境 occur in two documents each; 新质生产力 and 改革 in one
    assert dtm(TOKEN_TEXTS, tokenizer=str.split, min_df=2).vocabulary == ["发展", "营商环境"]
    assert dtm(TOKEN_TEXTS, tokenizer=str.split, min_df=0.5).vocabulary == ["发展", "营商环境"]


def test_dtm_with_a_fixed_vocabulary_keeps_its_order_and_ignores_other_tokens():
    d = dtm(TOKEN_TEXTS, tokenizer=str.split, vocabulary=["改革", "发展", "共同富裕"])
    assert d.vocabulary == ["改革", "发展", "共同富裕"]
    assert d.matrix.toarray().tolist() == [[0, 2, 0], [0, 1, 0], [3, 0, 0]]


def test_dtm_feeds_scikit_learn_like_its_own_vectorizer():
    d = dtm(TOKEN_TEXTS, tokenizer=str.split)
    ours = TfidfTransformer().fit_transform(d.matrix).toarray()
    vec = TfidfVectorizer(tokenizer=str.split, lowercase=False, token_pattern=None)
    theirs = vec.fit_transform(TOKEN_TEXTS).toarray()
    assert list(vec.get_feature_names_out()) == d.vocabulary
    assert ours == pytest.approx(theirs)


def test_dtm_to_gensim_uses_the_same_ids_as_the_matrix():
    d = dtm(TOKEN_TEXTS, tokenizer=str.split)
    bow, dictionary = d.to_gensim()
    assert [dictionary[j] for j in range(len(d.vocabulary))] == d.vocabulary
    assert bow == [sorted(dictionary.doc2bow(text.split())) for text in TOKEN_TEXTS]
    assert dictionary.dfs[d.vocabulary.index("发展")] == 2
    assert dictionary.num_docs == 3


# --------------------------------------------------------------------------- term frequency


def test_term_frequency_counts_ranks_and_document_frequency():
    tf = term_frequency(TOKEN_TEXTS, tokenizer=str.split)
    assert list(tf.columns) == ["feature", "frequency", "feature_rank", "docfreq", "group", "rate"]
    assert set(tf["group"]) == {"all"}
    # hand count: 发展 3 (2 docs), 改革 3 (1 doc), 营商环境 2, 新质生产力 1; tied rows in feature order,
    # tied features share the lowest rank (quanteda's default ties_method = "min")
    assert "发展" < "改革"
    assert tf[["feature", "frequency", "feature_rank", "docfreq"]].values.tolist() == [
        ["发展", 3, 1, 2],
        ["改革", 3, 1, 1],
        ["营商环境", 2, 3, 2],
        ["新质生产力", 1, 4, 1],
    ]
    n_chars = sum(len(t.replace(" ", "")) for t in TOKEN_TEXTS)
    assert tf.set_index("feature").loc["营商环境", "rate"] == pytest.approx(2 / n_chars * 10_000)


def test_term_frequency_by_group_with_top_n():
    frame = pd.DataFrame({"text": TOKEN_TEXTS, "level": ["县区", "县区", "地级市"]})
    corpus = Corpus.from_dataframe(frame, clean=False)
    tf = term_frequency(corpus, tokenizer=str.split, by="level", n=1)
    assert list(tf.columns) == ["feature", "frequency", "feature_rank", "docfreq", "group", "level", "rate"]
    assert (tf["group"] == tf["level"]).all()
    assert tf[["level", "feature", "frequency", "feature_rank", "docfreq"]].values.tolist() == sorted([
        ["县区", "发展", 3, 1, 2],
        ["地级市", "改革", 3, 1, 1],
    ])
    county_chars = len("营商环境发展发展") + len("发展新质生产力")
    assert tf.set_index("level").loc["县区", "rate"] == pytest.approx(3 / county_chars * 10_000)


def test_term_frequency_by_the_rank_metadata_column_keeps_its_meaning():
    frame = pd.DataFrame({"text": TOKEN_TEXTS, "rank": ["副省级城市", "副省级城市", "地级市"],
                          "year": [2024, 2024, 2023]})
    corpus = Corpus.from_dataframe(frame, clean=False)
    tf = term_frequency(corpus, tokenizer=str.split, by=["rank", "year"], n=1)
    assert list(tf.columns) == ["feature", "frequency", "feature_rank", "docfreq", "group", "rank", "year", "rate"]
    # rank holds the metadata value, as everywhere; the feature's position is feature_rank
    assert tf[["group", "rank", "year", "feature", "frequency", "feature_rank"]].values.tolist() == [
        ["副省级城市 | 2024", "副省级城市", 2024, "发展", 3, 1],
        ["地级市 | 2023", "地级市", 2023, "改革", 3, 1],
    ]


def test_term_frequency_tie_methods_follow_r_rank():
    # frequencies 3, 3, 2, 1 (see above): R's rank(-x, ties.method = ...)
    expected = {"min": [1, 1, 3, 4], "max": [2, 2, 3, 4], "average": [1.5, 1.5, 3, 4],
                "dense": [1, 1, 2, 3], "first": [1, 2, 3, 4]}
    for ties, ranks in expected.items():
        tf = term_frequency(TOKEN_TEXTS, tokenizer=str.split, ties=ties)
        assert tf["feature"].tolist() == ["发展", "改革", "营商环境", "新质生产力"]
        assert tf["feature_rank"].tolist() == ranks, ties
    with pytest.raises(TextmineError, match="ties must be one of"):
        term_frequency(TOKEN_TEXTS, tokenizer=str.split, ties="random")


# quanteda.textstats tests/testthat/test-textstat_frequency.R, ported with their expected values
# ("random" ties are not offered: where quanteda's test uses them on untied or seeded data, "first"
# gives its expected ranks; the tests on weighted dfms have no counterpart: term_frequency counts tokens).
Q_TEXTS = ["a a b b c d", "a d d d", "a a a"]


def test_quanteda_textstat_frequency_without_groups():
    tf = term_frequency(Q_TEXTS, tokenizer=str.split, ties="first")
    assert tf[["feature", "frequency", "feature_rank", "docfreq", "group"]].values.tolist() == [
        ["a", 6, 1, 3, "all"], ["d", 4, 2, 2, "all"], ["b", 2, 3, 1, "all"], ["c", 1, 4, 1, "all"]]
    top2 = term_frequency(Q_TEXTS, tokenizer=str.split, n=2, ties="first")
    assert top2[["feature", "frequency", "feature_rank", "docfreq"]].values.tolist() == [["a", 6, 1, 3], ["d", 4, 2, 2]]


def test_quanteda_textstat_frequency_with_groups():
    corpus = Corpus.from_dataframe(pd.DataFrame({"text": Q_TEXTS, "grp2": ["one", "two", "one"]}), clean=False)
    tf = term_frequency(corpus, tokenizer=str.split, by="grp2", ties="first")
    assert tf[["feature", "frequency", "feature_rank", "docfreq", "group"]].values.tolist() == [
        ["a", 5, 1, 2, "one"], ["b", 2, 2, 1, "one"], ["c", 1, 3, 1, "one"], ["d", 1, 4, 1, "one"],
        ["d", 3, 1, 1, "two"], ["a", 1, 2, 1, "two"]]
    top2 = term_frequency(corpus, tokenizer=str.split, by="grp2", n=2, ties="first")
    assert top2[["feature", "frequency", "feature_rank", "docfreq", "group"]].values.tolist() == [
        ["a", 5, 1, 2, "one"], ["b", 2, 2, 1, "one"], ["d", 3, 1, 1, "two"], ["a", 1, 2, 1, "two"]]


def test_quanteda_textstat_frequency_ties_default_min():
    tf = term_frequency(["a a b b c d", "b b b d d d", "a a a"], tokenizer=str.split)
    assert tf[["feature", "feature_rank"]].values.tolist() == [["a", 1], ["b", 1], ["d", 3], ["c", 4]]


def test_quanteda_textstat_frequency_n_larger_than_the_features():
    texts = ["a a b c d", "a d d e", "a b b"]
    assert len(term_frequency(texts, tokenizer=str.split, n=6)) == 5
    corpus = Corpus.from_dataframe(pd.DataFrame({"text": texts, "grp": ["1", "2", "2"]}), clean=False)
    tf = term_frequency(corpus, tokenizer=str.split, by="grp", n=6)
    assert len(tf) == 8 and not tf.isna().any().any()


# --------------------------------------------------------------------------- with the policy tokenizer


@pytest.fixture
def token_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TEXTMINE_CACHE_DIR", str(tmp_path / "tokens"))


def test_dtm_default_tokenizer_is_the_policy_tokenizer(token_cache):
    from textmine.tokenize import Tokenizer

    texts = ["加快发展新质生产力，持续优化营商环境。", "营商环境是生产力，营商环境更优。"]
    d = dtm(texts)
    tok = Tokenizer()
    token_lists = [tok(t) for t in texts]
    assert "新质生产力" in d.vocabulary and "营商环境" in d.vocabulary
    assert d.vocabulary == sorted({t for tokens in token_lists for t in tokens})
    assert d.matrix.toarray().tolist() == [[tokens.count(t) for t in d.vocabulary] for tokens in token_lists]


def test_term_frequency_on_the_bundled_corpus_by_level(corpus, token_cache):
    tf = term_frequency(corpus, by="level", n=5)
    assert set(tf["level"]) == set(corpus.to_frame()["level"])
    for _, group in tf.groupby("level"):
        assert group["feature_rank"].tolist() == [1, 2, 3, 4, 5]
        assert group["frequency"].is_monotonic_decreasing


# --------------------------------------------------------------------------- the one-pass counter


@pytest.fixture(params=["ahocorasick_rs", "pyahocorasick"])
def automaton(request, monkeypatch):
    """Run a test with each automaton: ahocorasick_rs (Rust) and the pyahocorasick fallback."""
    from textmine import _phrases

    if request.param == "ahocorasick_rs":
        pytest.importorskip("ahocorasick_rs")
    else:
        pytest.importorskip("ahocorasick")
        monkeypatch.setattr(_phrases, "_form_finder", _phrases._pyahocorasick_finder)
    return request.param


def test_many_phrases_nested_and_self_overlapping_count_like_str_count(automaton):
    text = "打造一流营商环境，营商环境持续优化。发展发展发展，哈哈哈哈。新质生产力、新质生\n产力！" * 3
    flat = compact(text)
    phrases = sorted({flat[i:i + n] for n in (2, 3, 4) for i in range(0, len(flat) - n, 3)}
                     | {"营商环境", "一流营商环境", "发展发展", "哈哈", "哈哈哈", "新质生产力", "没有的词"})
    df = slogan_frequency(text, phrases)
    assert counts(df) == {p: flat.count(p) for p in phrases}
    assert counts(df)["哈哈"] == 6 and counts(df)["发展发展"] == 3  # non-overlapping, as str.count


def test_variants_that_overlap_each_other_count_once_per_disjoint_occurrence(automaton):
    # forms 甲乙 and 乙丙 overlap in 甲乙丙: one occurrence there, then 乙丙 and 甲乙 alone
    text = "甲乙丙，乙丙，甲乙"
    assert counts(slogan_frequency(text, ["甲乙|乙丙"])) == {"甲乙": 3}
    assert counts(slogan_frequency(text, ["甲乙", "乙丙"])) == {"甲乙": text.count("甲乙"), "乙丙": text.count("乙丙")}


def test_dtm_of_a_lazy_folder_corpus_equals_the_eager_one(tmp_path, token_cache):
    from textmine.tokenize import Tokenizer

    folder = tmp_path / "reports"
    folder.mkdir()
    texts = ["推进乡村振兴，优化营商环境。\n", "发展新质生\n产力，优化营商环境，营商环境更优。\n", "建设共同富裕示范区。\n"]
    for i, text in enumerate(texts):
        (folder / f"r{i}.txt").write_text(text, encoding="utf-8")
    (folder / "metadata.csv").write_text("file\nr0.txt\nr1.txt\nr2.txt\n", encoding="utf-8")
    lazy, eager = load_corpus(folder, lazy=True), load_corpus(folder)
    d = dtm(lazy, n_jobs=2)
    tok = Tokenizer()
    token_lists = [tok(doc.text) for doc in eager]
    assert d.doc_ids == ["r0", "r1", "r2"]
    assert d.vocabulary == sorted({t for tokens in token_lists for t in tokens})
    assert d.matrix.toarray().tolist() == [[tokens.count(t) for t in d.vocabulary] for tokens in token_lists]
    assert d.matrix[1, d.vocabulary.index("营商环境")] == 2


def test_dtm_with_the_policy_tokenizer_min_df_vocabulary_and_a_warm_cache(token_cache):
    from textmine.tokenize import Tokenizer

    texts = ["加快发展新质生产力，持续优化营商环境。", "营商环境是生产力，营商环境更优。", "推进乡村振兴，发展新质生产力。"]
    tok = Tokenizer()
    token_lists = [tok(t) for t in texts]
    in_two = sorted(t for t in {t for tokens in token_lists for t in tokens}
                    if sum(t in tokens for tokens in token_lists) >= 2)
    cold, warm = dtm(texts, min_df=2), dtm(texts, min_df=2)  # the second reads the corpus bundle
    for d in (cold, warm):
        assert d.vocabulary == in_two
        assert d.matrix.toarray().tolist() == [[tokens.count(t) for t in in_two] for tokens in token_lists]
    fixed = dtm(texts, vocabulary=["营商环境", "没有的词", "新质生产力"])
    assert fixed.vocabulary == ["营商环境", "没有的词", "新质生产力"]
    assert fixed.matrix.toarray().tolist() == [[t.count("营商环境"), 0, t.count("新质生产力")] for t in texts]
    assert dtm([], vocabulary=["营商环境"]).matrix.shape == (0, 1)


def test_slogan_counts_on_threads_equal_the_serial_counts_and_str_count(corpus):
    from textmine.frequency import load_slogans

    table = load_slogans()
    serial = slogan_frequency(corpus, n_jobs=1)
    threaded = slogan_frequency(corpus, n_jobs=2)
    pd.testing.assert_frame_equal(serial, threaded)
    plain = table.loc[table["variants"].fillna("").astype(str) == "", "slogan"].tolist()[:20]  # no variants
    df = slogan_frequency(corpus, plain, n_jobs=-1)
    expected = [compact(doc.text).count(s) for doc in corpus for s in plain]
    assert df["count"].tolist() == expected


def test_a_lazy_corpus_is_counted_in_worker_processes_with_the_serial_counts(tmp_path):
    from textmine import _phrases

    folder = tmp_path / "reports"
    folder.mkdir()
    texts = ["推进乡村振兴，优化营商环境。\n", "发展新质生\n产力，营商环境、营商 环境。\n", "建设共同富裕。\n", "新质生产力" * 3]
    for i, text in enumerate(texts):
        (folder / f"r{i}.txt").write_text(text, encoding="utf-8")
    (folder / "metadata.csv").write_text("file\n" + "".join(f"r{i}.txt\n" for i in range(len(texts))),
                                         encoding="utf-8")
    lazy = load_corpus(folder, lazy=True)
    phrases = ["营商环境", "新质生产力", "乡村振兴"]
    _phrases._COUNTERS.clear()
    in_workers = slogan_frequency(lazy, phrases, n_jobs=2)
    assert not _phrases._COUNTERS  # no automaton built here: the documents were counted in the workers
    pd.testing.assert_frame_equal(in_workers, slogan_frequency(lazy, phrases, n_jobs=1))
    expected = [compact(t).count(p) for t in texts for p in phrases]  # the files need no cleaning
    assert in_workers["count"].tolist() == expected
    import joblib

    with joblib.parallel_config(backend="threading"):  # a backend the caller chose (e.g. Dask): threads here
        pd.testing.assert_frame_equal(slogan_frequency(lazy, phrases, n_jobs=2), in_workers)
    assert not _phrases._COUNTERS  # counted as an eager corpus is, not in chunks
    (folder / "r2.txt").write_bytes("建设".encode("utf-8") + b"\xff\xfe\x00")  # damaged after loading
    with pytest.raises(CorpusError, match="r2.txt"):
        slogan_frequency(lazy, phrases, n_jobs=2)


def test_workers_are_shut_down_before_a_big_table_is_built(tmp_path, monkeypatch):
    from textmine import _parallel, frequency

    folder = tmp_path / "reports"
    folder.mkdir()
    for i in range(3):
        (folder / f"r{i}.txt").write_text("优化营商环境。" * (i + 1), encoding="utf-8")
    lazy = load_corpus(folder, lazy=True)
    released = []
    monkeypatch.setattr(_parallel, "release_workers", lambda: released.append(True))
    small = slogan_frequency(lazy, ["营商环境"], n_jobs=2)  # 2 counted rows: the workers stay for the next call
    assert released == []
    monkeypatch.setattr(frequency, "RELEASE_ROWS", 2)
    big = slogan_frequency(lazy, ["营商环境"], n_jobs=2)
    assert released == [True] and big.equals(small) and big["count"].tolist() == [1, 2, 3]


def test_slogan_frequency_shows_progress_only_when_asked(capsys):
    docs = ["发展新质生产力", "优化营商环境"]
    quiet = slogan_frequency(docs, ["营商环境"], progress=False)
    assert "counting slogans" not in capsys.readouterr().err
    shown = slogan_frequency(docs, ["营商环境"], progress=True)
    assert "counting slogans" in capsys.readouterr().err
    assert shown.equals(quiet)


def test_building_a_dtm_takes_little_more_memory_than_the_matrix(monkeypatch):
    import tracemalloc

    import numpy as np

    from textmine.tokenize import dtm as dtm_module
    from textmine.tokenize.dtm import build_dtm
    from textmine.tokenize.stream import Vocab

    vocab = Vocab([f"词{i}" for i in range(5_000)])
    rng = np.random.default_rng(0)
    docs = [rng.integers(0, 5_000, 400).astype(np.int32) for _ in range(1_000)]
    stream = ((vocab, ids) for ids in docs)
    monkeypatch.setattr(dtm_module, "_BLOCK", 4096, raising=False)  # columns counted and renumbered a few at a time
    monkeypatch.setattr(dtm_module.GrowingArray, "FIRST_BYTES", 4096, raising=False)  # traced: the bytes it grows to
    tracemalloc.start()
    try:
        d = build_dtm(stream, [f"d{i}" for i in range(len(docs))])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    cells = d.matrix.nnz
    assert cells == sum(len(np.unique(ids)) for ids in docs)
    assert d.matrix.sum() == 400 * len(docs)
    assert peak < 24 * cells  # int32 column + int64 count = 12 bytes a cell (x 1.5 room to grow), no second copy


def test_steps_that_build_large_tables_give_back_what_pyarrow_keeps(monkeypatch):
    import sys
    import types

    from textmine.keywords import tfidf

    pa = pytest.importorskip("pyarrow")
    released = []
    pool = types.SimpleNamespace(release_unused=lambda: released.append(1))
    monkeypatch.setattr(pa, "default_memory_pool", lambda: pool)
    slogan_frequency(["发展新质生产力"], ["新质生产力"])
    assert len(released) == 2  # before the table is built and after
    dtm(["发展 改革"], tokenizer=str.split)
    tfidf(["发展 改革"], tokenizer=str.split)
    assert len(released) == 4
    monkeypatch.delitem(sys.modules, "pyarrow")  # pyarrow never imported: nothing to do
    assert dtm(["发展 改革"], tokenizer=str.split).shape == (1, 2) and len(released) == 4
