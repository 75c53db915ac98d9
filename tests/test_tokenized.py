"""textmine.tokens(): one tokenized corpus (Tokens) that every analysis takes.

Expected token lists are written by hand for short texts; counts come from
plain ``str.split``/``list.count`` on those lists.
"""

from __future__ import annotations

import pytest

import textmine as tm
from textmine.corpus import Corpus, Document
from textmine.tokenize import Tokenizer, Tokens, tokens

TEXTS = ["推进乡村振兴，优化营商环境。", "发展新质生产力，优化营商环境，营商环境更优。", "建设共同富裕示范区。"]
EXPECTED = [["乡村振兴", "营商环境"], ["发展", "新质生产力", "营商环境", "营商环境", "更优"], ["建设", "共同富裕", "示范区"]]


class CountingTokenizer(Tokenizer):
    """The policy tokenizer, counting the texts its segmenter is run on (this process only)."""

    def __init__(self, **params):
        super().__init__(**params)
        self.segmented: list[str] = []

    def cut(self, text):
        self.segmented.append(text)
        return super().cut(text)


def test_tokens_iterates_token_lists_in_corpus_order_with_length_and_ids():
    toks = tokens(TEXTS, cache=False)
    assert isinstance(toks, Tokens)
    assert list(toks) == EXPECTED
    assert len(toks) == 3 and toks.doc_ids == ["doc0", "doc1", "doc2"]
    assert toks[1] == EXPECTED[1] and toks["doc2"] == EXPECTED[2]
    assert toks.n_tokens.tolist() == [2, 5, 3]


def test_tokens_keeps_the_metadata_of_the_corpus():
    corpus = Corpus([Document("a", TEXTS[0], {"place": "甲市", "year": 2023}, clean=False),
                     Document("b", TEXTS[1], {"place": "乙市", "year": 2024}, clean=False)])
    toks = tokens(corpus, cache=False)
    meta = toks.meta_frame()
    assert meta[["doc_id", "place", "year"]].values.tolist() == [["a", "甲市", 2023], ["b", "乙市", 2024]]
    frame = toks.to_frame()
    assert frame["n_tokens"].tolist() == [2, 5]
    assert frame["n_chars"].tolist() == [len(TEXTS[0]), len(TEXTS[1])]  # no whitespace in these texts


def test_dtm_counts_the_tokens_by_hand():
    d = tokens(TEXTS, cache=False).dtm()
    assert d.vocabulary == sorted({t for doc in EXPECTED for t in doc})
    assert d.matrix.toarray().tolist() == [[doc.count(term) for term in d.vocabulary] for doc in EXPECTED]


def test_a_plain_callable_is_a_tokenizer():
    toks = tokens(["发展 改革 发展"], str.split)
    assert list(toks) == [["发展", "改革", "发展"]]
    assert toks.dtm().matrix.toarray().tolist() == [[2, 1]]


def test_the_tokens_are_computed_once_and_reused():
    tok = CountingTokenizer()
    toks = tokens(TEXTS, tok, cache=False)
    assert tok.segmented == []  # nothing happens before first use
    assert list(toks) == EXPECTED
    assert list(toks) == EXPECTED and toks.dtm().shape == (3, 8) and toks.n_tokens.sum() == 10
    assert sorted(tok.segmented) == sorted(TEXTS)  # each text segmented once, however often used


def test_every_analysis_given_one_tokens_segments_nothing_more():
    tok = CountingTokenizer()
    corpus = Corpus([Document(f"d{i}", t, {"place": p}, clean=False)
                     for i, (t, p) in enumerate(zip(TEXTS, ["甲", "乙", "甲"]))])
    toks = tokens(corpus, tok, cache=False)
    tm.dtm(toks)
    tm.term_frequency(toks, by="place")
    tm.tfidf(toks)
    tm.top_terms(toks, n=2, by="place")
    tm.keyness(toks, target={"place": "甲"}, min_count=1)
    tm.extract_keywords("d1", toks)
    tm.discover_slogans(toks)
    tm.TopicModel(k=2, unit="document", no_below=1, min_docs=1, no_above=1.0, min_tokens=1, passes=1).fit(toks)
    assert sorted(tok.segmented) == sorted(TEXTS)


def test_a_tokens_with_another_tokenizer_is_refused():
    toks = tokens(["发展"], str.split)
    with pytest.raises(ValueError, match="another tokenizer"):
        tm.dtm(toks, tokenizer=Tokenizer())


def test_fingerprint_names_the_corpus_the_metadata_and_the_settings():
    fp = tokens(TEXTS, cache=False).fingerprint
    assert fp == tokens(list(TEXTS), cache=False).fingerprint
    assert fp != tokens(TEXTS[:2], cache=False).fingerprint
    assert fp != tokens(TEXTS, Tokenizer(drop_single=False), cache=False).fingerprint
    renamed = Corpus([Document(f"x{i}", t, clean=False) for i, t in enumerate(TEXTS)])
    assert fp != tokens(renamed, cache=False).fingerprint


def test_stopping_early_keeps_nothing_and_the_next_use_starts_again():
    toks = tokens(TEXTS, cache=False)
    first = next(iter(toks))
    assert first == EXPECTED[0]
    assert list(toks) == EXPECTED


def test_items_without_text_are_refused_naming_the_item():
    with pytest.raises(TypeError, match="item 1"):
        tokens(["推进乡村振兴", 42])
