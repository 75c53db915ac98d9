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


def test_with_a_cache_the_ids_stay_in_the_corpus_bundle_not_in_memory(tmp_path, monkeypatch):
    from textmine.tokenize import cache as cache_module

    toks = tokens(TEXTS, cache=tmp_path)
    assert list(toks) == EXPECTED
    assert toks._ids is None and toks._bundle is not None  # no copy of the ids in this process
    monkeypatch.setattr(cache_module.Bundle, "BLOCK_IDS", 3)  # several reads, a document never split
    assert list(toks) == EXPECTED and toks[1] == EXPECTED[1] and toks.n_tokens.tolist() == [2, 5, 3]
    assert toks.dtm().to_frame().values.tolist() == tokens(TEXTS, cache=False).dtm().to_frame().values.tolist()
    assert toks._bundle is not None  # still the bundle: nothing was tokenized again
    tm.clear_cache(tmp_path)
    assert list(toks) == EXPECTED and toks["doc2"] == EXPECTED[2]


def test_a_cleared_cache_makes_the_next_use_tokenize_again_with_the_same_tokens(tmp_path):
    toks = tokens(TEXTS, CountingTokenizer(), cache=tmp_path)
    assert list(toks) == EXPECTED and len(toks.tokenizer.segmented) == 3
    tm.clear_cache(tmp_path)
    assert toks[1] == EXPECTED[1]  # by position: the bundle is gone, so the corpus is tokenized again
    assert len(toks.tokenizer.segmented) == 6
    tm.clear_cache(tmp_path)
    assert list(toks) == EXPECTED and toks.n_tokens.tolist() == [2, 5, 3]  # a whole pass: the same
    assert len(toks.tokenizer.segmented) == 9


def test_a_bundle_replaced_by_another_run_is_not_read_with_the_old_vocabulary(tmp_path):
    toks = tokens(TEXTS, CountingTokenizer(), cache=tmp_path)
    assert list(toks) == EXPECTED
    path = toks._bundle.path
    replacement = tmp_path / "replacement.tmb"
    replacement.write_bytes(path.read_bytes())
    replacement.replace(path)  # same bytes, another file: what a second run committing the bundle does
    assert list(toks) == EXPECTED and len(toks.tokenizer.segmented) == 3  # read from the new bundle, not segmented
    assert toks._bundle.path == path


def test_keeping_many_bundle_backed_tokens_holds_no_open_file(tmp_path):
    # each Tokens once kept its bundle open: 250 of them hit a 256 file-descriptor limit with a
    # misleading error; now no file stays open between passes
    script = f'''
import resource, sys
resource.setrlimit(resource.RLIMIT_NOFILE, (48, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
from textmine.tokenize import tokens
texts = {TEXTS!r}
kept = [tokens(texts, cache={str(tmp_path)!r}, n_jobs=1) for _ in range(100)]
assert all(t.n_tokens.tolist() == [2, 5, 3] and t._bundle is not None for t in kept)
assert all(t[2] == {EXPECTED[2]!r} for t in kept)
print("ok")
'''
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "ok"


def test_a_warm_run_reads_the_bundle_without_copying_the_ids(tmp_path):
    list(tokens(TEXTS, CountingTokenizer(), cache=tmp_path))
    warm = tokens(TEXTS, CountingTokenizer(), cache=tmp_path)
    assert list(warm) == EXPECTED and list(warm) == EXPECTED
    assert warm.tokenizer.segmented == [] and warm._ids is None


def test_without_a_bundle_the_ids_are_kept_in_memory(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory", encoding="utf-8")
    with pytest.warns(UserWarning, match="cannot write the token cache"):
        toks = tokens(TEXTS, CountingTokenizer(), cache=blocker / "cache")
        assert toks.n_tokens.tolist() == [2, 5, 3]  # the bundle could not be written: one more pass keeps them
    assert toks._ids is not None and toks._bundle is None
    segmented = len(toks.tokenizer.segmented)
    assert list(toks) == EXPECTED and len(toks.tokenizer.segmented) == segmented
    assert tokens(TEXTS[:1], cache=tmp_path).n_tokens.tolist() == [2]  # one document: no bundle, kept here


def test_stopping_early_with_a_cache_keeps_nothing_and_closes_the_bundle(tmp_path):
    list(tokens(TEXTS, cache=tmp_path))
    toks = tokens(TEXTS, cache=tmp_path)
    it = iter(toks)
    assert next(it) == EXPECTED[0]
    it.close()
    assert toks._bundle is None and toks._ids is None
    assert list(toks) == EXPECTED and toks._bundle is not None
