"""Dictionary attention: counts, shares, rates by year and the place × year panel.

Expected numbers are counted by hand from token lists that each test first
checks (so a change of segmentation shows up as that, not as a wrong count).
Cases ported from quanteda (tests/testthat/test-dfm_lookup.R and the
``nested_scope`` example of ``tokens_lookup``):

- "#459 apply a hierarchical dictionary": a value under two keys counts under
  both, and nested keys are joined with "." (levels = 1:5);
- "dfm_lookup return dfm even if no matches": categories without matches are
  rows of zeros, not missing;
- ``dict4 <- dictionary(list(paper = "New York Times", city = "New York"))`` with
  ``nested_scope = "key"``: the shorter pattern nested in a longer one of another
  key still counts for its key; within one key the longer match wins.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from textmine import Corpus, Tokenizer
from textmine.panels.attention import (attention, attention_by_year, attention_panel, expand_dictionary,
                                load_category_dictionary)
from textmine.errors import CorpusError, DictionaryError, MetadataError


def tokens(text: str) -> list[str]:
    return Tokenizer()(text)


def counts(df: pd.DataFrame) -> dict[str, int]:
    return dict(zip(df["category"], df["count"]))


# --------------------------------------------------------------------------- matching


def test_textmine_attention_is_the_function_even_after_its_module_is_imported():
    import textmine
    import textmine.panels.attention  # noqa: F401

    assert callable(textmine.attention)


def test_a_term_in_two_categories_counts_in_both():  # quanteda #459
    text = "坚持绿色发展，走绿色低碳道路。建设美丽中国"
    assert tokens(text) == ["绿色发展", "绿色低碳", "道路", "建设", "美丽中国"]
    dictionary = {"geo": {"countries": ["美丽中国"], "oceans": ["绿色发展", "绿色低碳"]},
                  "other": {"swords": ["美丽中国"]}}
    df = attention(text, dictionary, cache=False)
    assert counts(df) == {"geo.countries": 1, "geo.oceans": 2, "other.swords": 1}
    assert df["n_tokens"].tolist() == [5, 5, 5]


def test_categories_without_matches_are_rows_of_zeros():  # quanteda #704
    df = attention("推进乡村振兴", {"ecology": ["碳达峰"], "rural": ["乡村振兴"]}, cache=False)
    assert counts(df) == {"ecology": 0, "rural": 1}


def test_wildcard_matches_within_one_token():
    text = "坚持绿色发展，走绿色低碳道路"
    assert tokens(text) == ["绿色发展", "绿色低碳", "道路"]
    assert counts(attention(text, {"eco": ["绿色*"]}, cache=False)) == {"eco": 2}
    assert counts(attention(text, {"eco": ["绿色??"]}, cache=False)) == {"eco": 2}
    assert counts(attention(text, {"eco": ["*低碳"]}, cache=False)) == {"eco": 1}
    assert counts(attention(text, {"eco": ["绿色"]}, cache=False)) == {"eco": 0}  # no wildcard: whole token


def test_a_token_matched_by_two_entries_of_one_category_counts_once():
    text = "坚持绿色发展"
    assert counts(attention(text, {"eco": ["绿色*", "绿色发展"]}, cache=False)) == {"eco": 1}


def test_phrases_and_nested_scope_key():  # quanteda's dict4 / toks4 example
    text = "打造绿色低碳道路，坚持绿色低碳"
    assert tokens(text) == ["绿色低碳", "道路", "绿色低碳"]
    dictionary = {"paper": ["绿色低碳 道路"], "city": ["绿色低碳"]}
    assert counts(attention(text, dictionary, cache=False)) == {"paper": 1, "city": 2}
    # within one key the longer match wins: the nested 绿色低碳 of the phrase is not counted again
    one_key = {"both": ["绿色低碳 道路", "绿色低碳"]}
    assert counts(attention(text, one_key, cache=False)) == {"both": 2}


def test_dictionary_terms_are_kept_whole_by_the_default_tokenizer():
    text = "打造泉州制造品牌"
    assert "泉州制造" not in tokens(text)
    assert counts(attention(text, {"local": ["泉州制造"]}, cache=False)) == {"local": 1}


def test_default_dictionary_is_the_shipped_policy_categories():
    df = attention("发展新质生产力，优化营商环境。推进乡村振兴", cache=False)
    shipped = pd.read_csv(Path(__file__).resolve().parent.parent / "textmine" / "data" / "policy_terms.csv")
    assert sorted(df["category"]) == sorted(shipped["category"].unique())
    got = counts(df)
    assert (got["economy"], got["reform_opening"], got["rural"], got["ecology"]) == (1, 1, 1, 0)


def test_unit_chars_is_per_10000_non_whitespace_characters():
    text = "推进绿色低碳发展\n建设生态文明"
    df = attention(text, {"eco": ["绿色*", "生态*"]}, unit="chars", cache=False)
    assert df["n_chars"].item() == 14
    assert df["attention"].item() == pytest.approx(2 / 14 * 10_000)


def test_by_pools_counts_and_denominators():
    frame = pd.DataFrame({"doc_id": ["a", "b", "c"], "level": ["地级市", "地级市", "县区"],
                          "text": ["坚持绿色发展", "建设生态文明，发展数字经济", "推进乡村振兴"]})
    assert [tokens(t) for t in frame["text"]] == [["绿色发展"], ["建设", "生态文明", "发展", "数字经济"], ["乡村振兴"]]
    df = attention(Corpus.from_dataframe(frame), {"eco": ["绿色*", "生态文明"]}, by="level", cache=False)
    city = df[df["level"] == "地级市"].iloc[0]
    assert (city["count"], city["n_tokens"], city["n_docs"]) == (2, 5, 2)
    assert city["attention"] == pytest.approx(2 / 5)


def test_bad_unit_is_a_clear_error():
    with pytest.raises(ValueError, match="unit"):
        attention("推进乡村振兴", {"r": ["乡村振兴"]}, unit="words", cache=False)


# --------------------------------------------------------------------------- dictionary formats


def test_dictionary_from_csv_yaml_dic_and_dataframe(tmp_path):
    expected = [("绿色*", "ecology"), ("碳达峰", "ecology"), ("数字经济", "economy"), ("碳达峰", "economy")]
    (tmp_path / "d.csv").write_text("term,category\n绿色*,ecology\n碳达峰,ecology\n数字经济,economy\n碳达峰,economy\n",
                                    encoding="utf-8")
    (tmp_path / "d.yml").write_text("ecology:\n  - 绿色*\n  - 碳达峰\neconomy:\n  - 数字经济\n  - 碳达峰\n",
                                    encoding="utf-8")
    (tmp_path / "d.dic").write_text("%\n1\tecology\n2\teconomy\n%\n绿色*\t1\n碳达峰\t1\t2\n数字经济\t2\n",
                                    encoding="utf-8")
    for name in ("d.csv", "d.yml", "d.dic"):
        got = load_category_dictionary(tmp_path / name)
        assert sorted(map(tuple, got.values.tolist())) == sorted(expected), name
    frame = pd.DataFrame(expected, columns=["term", "category"])
    assert load_category_dictionary(frame).values.tolist() == [list(r) for r in expected]


def test_nested_yaml_categories_are_joined_with_a_dot(tmp_path):
    (tmp_path / "n.yaml").write_text("geo:\n  oceans: [绿色发展]\n  countries: 美丽中国\n", encoding="utf-8")
    assert load_category_dictionary(tmp_path / "n.yaml").values.tolist() == [
        ["绿色发展", "geo.oceans"], ["美丽中国", "geo.countries"]]


@pytest.mark.parametrize("name, content, message", [
    ("d.csv", "word,cat\n绿色,eco\n", "needs 'term' and 'category'"),
    ("d.csv", "term,category\n绿色,\n", "row 2: term '绿色' has no category"),
    ("d.dic", "%\n1\teco\n%\n绿色\t3\n", "line 4: category number '3'"),
    ("d.dic", "绿色\t1\n", "category block"),
    ("d.yml", "eco: [绿色\n", "not valid YAML"),
    ("d.yml", "- 绿色\n", "mapping"),
    ("d.txt", "绿色\n", "must be .csv"),
])
def test_malformed_dictionary_files_name_the_file_and_problem(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DictionaryError, match=message) as info:
        load_category_dictionary(path)
    assert name in str(info.value) or "category block" in message or "mapping" in message


def test_missing_dictionary_file_is_a_dictionary_error(tmp_path):
    with pytest.raises(DictionaryError, match="nope.csv"):
        load_category_dictionary(tmp_path / "nope.csv")


def test_empty_terms_are_rejected():
    with pytest.raises(DictionaryError, match="empty"):
        load_category_dictionary({"eco": ["绿色", " "]})
    with pytest.raises(DictionaryError, match="only wildcards"):
        load_category_dictionary({"eco": ["*"]})


# --------------------------------------------------------------------------- over time


@pytest.fixture()
def two_years():
    frame = pd.DataFrame({
        "doc_id": ["a23", "b23", "a24"], "place": ["甲市", "乙市", "甲市"], "level": ["地级市"] * 3,
        "year": [2023, 2023, 2024],
        "text": ["坚持绿色发展，走绿色低碳道路", "推进乡村振兴", "建设生态文明，发展数字经济"]})
    return Corpus.from_dataframe(frame)


def test_poisson_interval_is_the_exact_garwood_interval(two_years):
    # 2023: tokens [绿色发展, 绿色低碳, 道路] + [乡村振兴]: 2 matches of 4 tokens.
    # Garwood 95% limits for a count of 2 are 0.2422 and 7.2247 (tables), of 1: 0.0253 and 5.5716.
    df = attention_by_year(two_years, {"eco": ["绿色*", "生态文明"]}, cache=False)
    r23, r24 = df.iloc[0], df.iloc[1]
    assert (r23["year"], r23["count"], r23["n_tokens"], r23["n_docs"]) == (2023, 2, 4, 2)
    assert r23["attention"] == pytest.approx(0.5)
    assert (r23["lower"], r23["upper"]) == pytest.approx((0.2422 / 4, 7.2247 / 4), abs=1e-4)
    assert (r24["count"], r24["n_tokens"]) == (1, 4)
    assert (r24["lower"], r24["upper"]) == pytest.approx((0.0253 / 4, 5.5716 / 4), abs=1e-4)


def test_bootstrap_interval_is_seeded_and_bounded_by_document_rates(two_years):
    kwargs = dict(by=None, interval="bootstrap", n_boot=200, cache=False)
    a = attention_by_year(two_years, {"eco": ["绿色*"]}, seed=3, **kwargs)
    b = attention_by_year(two_years, {"eco": ["绿色*"]}, seed=3, **kwargs)
    pd.testing.assert_frame_equal(a, b)
    r23, r24 = a.iloc[0], a.iloc[1]
    # 2023 documents have rates 2/3 and 0/1: every resample's pooled rate lies between them
    assert 0 <= r23["lower"] <= r23["attention"] <= r23["upper"] <= 2 / 3
    assert r23["lower"] < r23["upper"]
    # 2024 has one document: a zero-width interval
    assert r24["lower"] == r24["upper"] == r24["attention"] == 0


def test_documents_without_a_year_are_left_out_and_counted():
    frame = pd.DataFrame({"doc_id": ["a", "b"], "year": [2023, None], "text": ["推进乡村振兴", "推进乡村振兴"]})
    df = attention_by_year(Corpus.from_dataframe(frame), {"r": ["乡村振兴"]}, by=None, cache=False)
    assert df["year"].tolist() == [2023]
    assert df.attrs["n_without_year"] == 1


def test_panel_is_wide_with_place_and_year_index_and_pools_place_years():
    frame = pd.DataFrame({
        "doc_id": ["r", "x", "s"], "place": ["甲市", "甲市", "乙市"], "year": [2024, 2024, 2024],
        "text": ["坚持绿色发展，走绿色低碳道路", "推进乡村振兴", "建设生态文明，发展数字经济"]})
    panel = attention_panel(Corpus.from_dataframe(frame), {"eco": ["绿色*", "生态文明"], "rural": ["乡村振兴"]},
                            cache=False)
    assert panel.index.names == ["place", "year"]
    assert list(panel.columns) == ["eco", "rural"]
    # 甲市 2024: report + excerpt pooled: eco 2 of 4 tokens, rural 1 of 4
    assert panel.loc[("甲市", 2024)].tolist() == pytest.approx([0.5, 0.25])
    assert panel.loc[("乙市", 2024)].tolist() == pytest.approx([0.25, 0.0])


# --------------------------------------------------------------------------- expanding a dictionary

_EXPAND_DOCS = ["坚持绿色发展，建设生态文明，推进绿色低碳转型", "发展数字经济，建设数字政府，推进数字化转型",
                "坚持绿色发展，保护生态环境", "做强数字经济，培育数字产业"] * 15


def test_expand_dictionary_proposes_candidates_not_seeds():
    df = expand_dictionary(_EXPAND_DOCS, {"eco": ["绿色发展"], "missing": ["不存在的词"]}, n=3, cache=False)
    assert df["category"].unique().tolist() == ["eco"]
    assert df["term_rank"].tolist() == [1, 2, 3]
    assert "绿色发展" not in set(df["term"])
    assert df["similarity"].is_monotonic_decreasing
    assert df.attrs["no_seed_in_vocabulary"] == ["missing"]


def test_expand_dictionary_is_the_same_in_another_process():
    here = expand_dictionary(_EXPAND_DOCS, {"eco": ["绿色发展"]}, n=5, cache=False)
    code = ("import sys, json; sys.path.insert(0, '.');"
            "from tests.test_attention import _EXPAND_DOCS;"
            "from textmine.panels.attention import expand_dictionary;"
            "df = expand_dictionary(_EXPAND_DOCS, {'eco': ['绿色发展']}, n=5, cache=False);"
            "print(json.dumps([df['term'].tolist(), df['similarity'].tolist()]))")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import json

    terms, sims = json.loads(out.stdout.strip().splitlines()[-1])
    assert terms == here["term"].tolist()
    assert sims == here["similarity"].tolist()


def test_a_tokens_object_is_used_as_it_is():
    from textmine import tokens

    toks = tokens(["绿色 发展 生态", "生态 文明"], str.split)
    df = attention(toks, {"eco": ["生态*"]})
    assert counts(df.iloc[:1]) == {"eco": 1} and df["n_tokens"].tolist() == [3, 2]
    with pytest.raises(ValueError, match="another tokenizer"):
        attention(toks, {"eco": ["生态*"]}, tokenizer=Tokenizer())


def test_missing_metadata_or_a_tiny_corpus_are_clear_errors_not_empty_results():
    with pytest.raises(MetadataError, match="none of the 1 documents has a year"):
        attention_by_year(["推进乡村振兴"], {"r": ["乡村振兴"]}, cache=False)
    with pytest.raises(MetadataError, match="'place' and 'year'"):
        attention_panel(["推进乡村振兴"], {"r": ["乡村振兴"]}, cache=False)
    with pytest.raises(CorpusError, match="min_count=2"):
        expand_dictionary(["推进乡村振兴"], {"r": ["乡村振兴"]}, cache=False)

