"""Slogan discovery: quoted phrases, numbered formulas, cohesive n-grams, and the user dictionary."""

from __future__ import annotations


from pathlib import Path

import pytest

from textmine.corpus import Corpus, Document, load_corpus
from textmine.discover import (
    add_to_dictionary,
    discover_slogans,
    fragments,
    is_formula,
    is_indicator,
    is_junk,
    load_indicators,
    numbered_formulas,
    quoted_phrases,
    token_ngrams,
)
from textmine.errors import DictionaryError


def corpus_of(*texts: str, places: tuple[str, ...] | None = None) -> Corpus:
    places = places or tuple(f"地{i}" for i in range(len(texts)))
    return Corpus(Document(f"d{i}", t, {"place": p}, clean=False) for i, (t, p) in enumerate(zip(texts, places)))


class ListTokenizer:
    """Stands in for Tokenizer: returns token lists written by hand (stopwords already dropped)."""

    def __init__(self, texts, token_lists):
        self.tokens = dict(zip(texts, token_lists))

    def __call__(self, text):
        return self.tokens[text]


# -- quoted phrases and formulas ----------------------------------------------------

def test_quoted_phrases_and_quoted_lists():
    text = "传承“晋江经验”，聚焦“1+3”专项行动，实施“强产业、兴城市”双轮驱动，「放管服」改革。"
    assert quoted_phrases(text) == ["晋江经验", "1+3", "强产业", "兴城市", "放管服"]


def test_a_long_quotation_is_not_a_slogan():
    assert quoted_phrases("他说：“我们要把这件事情办好办实办出成效来让群众满意”。") == []


def test_numbered_formulas_without_quotes():
    text = "落实六稳六保和两稳一保一防，坚持一企一策，推进1+6+X工作，召开二十届二中全会。"
    assert numbered_formulas(text) == ["六稳六保", "两稳一保一防", "一企一策", "1+6+X"]


@pytest.mark.parametrize("term, expected", [
    ("六稳六保", True), ("两稳一保一防", True), ("1+3", True), ("三大比较优势", True),
    ("两个确立", True), ("晋江经验", False), ("十四五", False),
])
def test_is_formula(term, expected):
    assert is_formula(term) is expected


@pytest.mark.parametrize("term", ["2024年", "3820", "30万元", "稳", "各位代表", "千方百计", "抓项目、促发展", ""])
def test_junk(term):
    assert is_junk(term)


@pytest.mark.parametrize("term", ["晋江经验", "1+3", "放管服", "六稳六保"])
def test_not_junk(term):
    assert not is_junk(term)


# -- the candidate table without tokenization -------------------------------------------

def test_counts_places_and_kinds_without_ngrams():
    texts = (
        "传承弘扬“晋江经验”，落实“六稳六保”。晋江经验历久弥新。",
        "学习“晋江经验”，千方百计稳增长。",
        "落实六稳六保。",
    )
    df = discover_slogans(corpus_of(*texts, places=("泉州市", "泉州市", "福州市")), ngrams=False, include_known=True)
    rows = {r["candidate"]: r for r in df.to_dict("records")}
    assert set(rows) == {"晋江经验", "六稳六保"}              # 千方百计 is an idiom
    assert (rows["晋江经验"]["kind"], rows["晋江经验"]["count"]) == ("quoted", sum(t.count("晋江经验") for t in texts))
    assert (rows["晋江经验"]["n_docs"], rows["晋江经验"]["n_places"]) == (2, 1)
    assert (rows["六稳六保"]["kind"], rows["六稳六保"]["count"], rows["六稳六保"]["n_places"]) == ("formula", 2, 2)
    assert df["candidate"].tolist() == ["六稳六保", "晋江经验"]   # two places before one
    assert rows["晋江经验"]["example"].startswith("d0: ")


def test_min_count_and_top():
    texts = ("“甲乙丙”“丁戊己”“丁戊己”", "“庚辛壬”")
    df = discover_slogans(corpus_of(*texts), ngrams=False, min_count=1)
    assert df["candidate"].tolist() == ["丁戊己", "庚辛壬", "甲乙丙"]
    assert discover_slogans(corpus_of(*texts), ngrams=False, min_count=2)["candidate"].tolist() == ["丁戊己"]
    assert len(discover_slogans(corpus_of(*texts), ngrams=False, min_count=1, n=2)) == 2


def test_a_word_rarely_quoted_is_not_a_slogan():
    # “人民” is quoted once in six uses (< 20%): an ordinary word, not a slogan
    text = "牢记“人民”二字，人民至上，为了人民，依靠人民，人民满意，人民群众。推进“放管服”改革，深化放管服。"
    df = discover_slogans(text, ngrams=False, min_count=1, include_known=True)
    assert df["candidate"].tolist() == ["放管服"]


def test_known_slogans_are_marked():
    texts = ["发展“新质生产力”。", "培育“新质生产力”，弘扬“甲乙经验”。“甲乙经验”"]
    df = discover_slogans(texts, ngrams=False, include_known=True)
    marked = dict(zip(df["candidate"], df["in_slogans"].astype(bool)))
    assert marked == {"新质生产力": True, "甲乙经验": False}      # 新质生产力 is in data/slogans.csv
    assert discover_slogans(texts, ngrams=False)["candidate"].tolist() == ["甲乙经验"]  # known: left out


def test_known_slogans_and_dictionary_terms_are_left_out_by_default():
    # all four are in data/slogans.csv and the policy dictionary (issue 17: they filled the top 30)
    text = "“专精特新”“十四五”“一带一路”“保交楼”“甲乙经验”。" * 2
    assert discover_slogans(text, ngrams=False)["candidate"].tolist() == ["甲乙经验"]
    known = discover_slogans(text, ngrams=False, include_known=True)
    assert set(known["candidate"]) == {"专精特新", "十四五", "一带一路", "保交楼", "甲乙经验"}


def test_statistical_indicators_are_their_own_kind_ranked_last():
    texts = ("“固定资产投资”“公共预算收入”“甲乙经验”“社会消费品零售总额”", "“固定资产投资”“公共预算收入”“社会消费品零售总额”",
             "“固定资产投资”“甲乙经验”")
    df = discover_slogans(corpus_of(*texts, places=("甲市", "乙市", "丙市")), ngrams=False)
    assert df[["candidate", "kind", "n_places"]].values.tolist() == [
        ["甲乙经验", "quoted", 2],                 # a slogan candidate first, though indicators reach more places
        ["固定资产投资", "indicator", 3],
        ["公共预算收入", "indicator", 2],           # the end of 一般公共预算收入
        ["社会消费品零售总额", "indicator", 2],
    ]


@pytest.mark.parametrize("term, expected", [
    ("固定资产投资", True), ("公共预算收入", True), ("零售总额", True), ("居民人均", True),
    ("城镇调查失业率上升", True), ("晋江经验", False), ("收入", False),
])
def test_is_indicator(term, expected):
    assert is_indicator(term) is expected


def test_a_fragment_is_never_a_candidate():
    # 支配收入 occurs only inside 可支配收入 (issue 17); 晋江经验 also stands alone, so it stays
    texts = ("居民人均可支配收入增长5%，“支配收入”", "人均可支配收入。“晋江经验”", "弘扬晋江经验精神。“晋江经验精神”")
    assert fragments(["支配收入", "晋江经验", "可支配收入"], ["居民人均可支配收入", "晋江经验精神"],
                     [t.replace(" ", "") for t in texts]) == set()  # “支配收入” stands alone once
    compact = ["居民人均可支配收入增长5%", "人均可支配收入"]
    assert fragments(["支配收入", "可支配收入", "人均"], ["可支配收入"], compact) == {"支配收入"}
    df = discover_slogans(corpus_of("“支配收入”指可支配收入。", "城乡居民可支配收入"), ngrams=False, min_count=1)
    assert "支配收入" in set(df["candidate"])  # quoted once on its own: not always inside the longer form
    tokens = [["居民", "支配", "收入", "增长"], ["支配", "收入"]]
    texts = ("居民可支配收入增长", "人均可支配收入")
    df = discover_slogans(corpus_of(*texts), tokenizer=ListTokenizer(texts, tokens), min_count=1)
    assert "支配收入" not in set(df["candidate"])   # the n-gram 支配+收入 is always inside 可支配收入


def test_an_indicator_list_with_a_bad_line_is_a_dictionary_error(tmp_path):
    bad = tmp_path / "indicators.txt"
    bad.write_text("固定资产投资\n社会 消费品\n", encoding="utf-8")
    with pytest.raises(DictionaryError, match="line 2"):
        load_indicators(str(bad))


# -- n-grams of adjacent tokens -----------------------------------------------------------

def test_cohesive_bigram_of_adjacent_tokens():
    texts = ("弘扬晋江经验，推动晋江经验创新。", "学习晋江经验。")
    tokens = [["弘扬", "晋江", "经验", "推动", "晋江", "经验", "创新"], ["学习", "晋江", "经验"]]
    grams = token_ngrams(corpus_of(*texts), tokens)
    assert grams == {"晋江经验": 3}


def test_a_dropped_stopword_breaks_adjacency():
    texts = ("晋江的经验。晋江的经验。",)
    assert token_ngrams(corpus_of(*texts), [["晋江", "经验", "晋江", "经验"]]) == {}


def test_cohesion_threshold():
    # 加快 5 times, 建设 5 times, adjacent twice: 2 < 0.5 * 5
    text = "加快建设。加快建设。加快。加快。加快。建设。建设。建设。"
    tokens = [["加快", "建设", "加快", "建设", "加快", "加快", "加快", "建设", "建设", "建设"]]
    assert token_ngrams(corpus_of(text), tokens, edge=set()) == {}
    assert token_ngrams(corpus_of(text), tokens, cohesion=0.4, edge=set()) == {"加快建设": 2}


def test_ngram_candidates_prefer_the_longer_phrase():
    texts = ("深化放管服改革。", "推进放管服。")
    tokens = [["深化", "放管", "服", "改革"], ["推进", "放管", "服"]]
    df = discover_slogans(corpus_of(*texts), tokenizer=ListTokenizer(texts, tokens), include_known=True)
    assert df[["candidate", "kind", "count", "n_docs"]].values.tolist() == [["放管服", "ngram", 2, 2]]


# -- the user dictionary ---------------------------------------------------------------------

def test_add_to_dictionary_writes_and_merges(tmp_path):
    path = tmp_path / "user_dict.txt"
    add_to_dictionary(["晋江经验", "两稳一保一防"], path)
    add_to_dictionary(["晋江经验", "海丝名城"], path, freq=10, tag="nz")
    assert path.read_text(encoding="utf-8") == "晋江经验\n两稳一保一防\n海丝名城 10 nz\n"
    assert [p.name for p in tmp_path.iterdir()] == ["user_dict.txt"]      # no temporary file left


@pytest.mark.parametrize("bad", ["晋江 经验", "", " "])
def test_add_to_dictionary_rejects_terms_with_spaces(tmp_path, bad):
    path = tmp_path / "user_dict.txt"
    with pytest.raises(DictionaryError, match="user_dict.txt"):
        add_to_dictionary([bad], path)
    assert not path.exists()


def test_user_dictionary_loads_in_the_tokenizer(tmp_path):
    from textmine.tokenize import Tokenizer

    path = add_to_dictionary(["两稳一保一防"], tmp_path / "user_dict.txt")
    tok = Tokenizer(dictionaries=["policy", str(path)])
    assert "两稳一保一防" in tok("全力做好两稳一保一防工作")


# -- the bundled corpus -------------------------------------------------------------------------

def test_bundled_corpus_finds_the_quanzhou_slogans():
    df = discover_slogans(load_corpus(), ngrams=False, include_known=True)
    found = set(df["candidate"])
    assert {"晋江经验", "两个确立", "三篇大文章", "海丝名城"} <= found
    assert not found & {"各位代表", "千方百计", "2024年"}
    assert (df["count"] >= 2).all()
    assert df.loc[df["kind"] != "indicator", "n_places"].is_monotonic_decreasing
    new = set(discover_slogans(load_corpus(), ngrams=False)["candidate"])
    assert "三篇大文章" in new and not new & {"晋江经验", "两个确立", "海丝名城"}  # those three are known


def test_ngrams_do_not_begin_or_end_with_an_edge_word():
    texts = ("加快晋江经验推广。加快晋江经验推广。",)
    tokens = [["加快", "晋江", "经验", "推广", "加快", "晋江", "经验", "推广"]]
    grams = token_ngrams(corpus_of(*texts), tokens, edge={"加快", "推广"})
    assert grams == {"晋江经验": 2}
    assert "加快晋江经验" in token_ngrams(corpus_of(*texts), tokens, edge=set())


def test_bundled_corpus_with_the_policy_tokenizer():
    df = discover_slogans(load_corpus(), cache=False, include_known=True)
    rows = df.set_index("candidate")
    assert rows.loc["社会消费品零售总额", "kind"] == "indicator"  # jieba splits it into four tokens; an indicator
    assert "社会消费品" not in rows.index                         # only ever inside the longer phrase
    policy = (Path(__file__).resolve().parents[1] / "textmine" / "data" / "policy_terms.txt").read_text("utf-8")
    assert ("专精特新" in policy.split()) and bool(rows.loc["专精特新", "in_dictionary"])
    assert "固定资产投资" in rows.index
    assert not {"自觉接受", "固定资产投资增长"} & set(rows.index)     # 自觉, 增长 are [edge] tokens
