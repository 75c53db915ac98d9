"""Tokenizer: policy terms stay whole, engines agree, filters, private jieba state, pickling."""

from __future__ import annotations

import csv
import pickle
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

import textmine as tm

from textmine.errors import DictionaryError
from textmine.tokenize.tokenizer import (
    DEFAULT_STOPWORD_FILES,
    POLICY_CATEGORIES,
    Tokenizer,
    load_dictionary,
    load_policy_terms,
    read_stopwords,
    split_terms,
)

SEEDS = sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))
FRAME = "我们要大力推进{term}工作。"
CATEGORIES = {"economy", "innovation", "reform_opening", "rural", "ecology", "livelihood", "governance",
              "party_building"}
#: terms a policy researcher expects as one unit (from the design brief)
EXPECTED_TERMS = """新质生产力 民营经济 营商环境 高质量发展 乡村振兴 共同富裕 数字经济 专精特新 放管服 新发展格局
双循环 碳达峰 碳中和 晋江经验 一带一路 海丝名城 链长制 招商引资 稳中求进 全面从严治党 八项规定 中央八项规定
河长制 双减 一网通办 一件事一次办 专项债 城市更新 老旧小区改造 制造强市 科技创新 产业链 供应链 创新链 实体经济
现代化产业体系 战略性新兴产业 未来产业 人工智能 两山理论 绿水青山就是金山银山 蓝天碧水净土""".split()


@pytest.fixture(scope="module")
def policy_terms() -> list[str]:
    return load_dictionary("policy")


# -- the shipped dictionary ---------------------------------------------------


def test_policy_term_is_one_token():
    assert Tokenizer()("发展新质生产力") == ["发展", "新质生产力"]


def test_shipped_dictionary_has_the_terms_researchers_expect(policy_terms):
    missing = [t for t in EXPECTED_TERMS if t not in policy_terms]
    assert missing == []
    assert len(policy_terms) >= 200
    assert len(policy_terms) == len(set(policy_terms)), "a term is listed twice"


def test_dictionary_txt_and_csv_list_the_same_terms(policy_terms):
    with open(POLICY_CATEGORIES, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["term"] for r in rows] == policy_terms
    assert {r["category"] for r in rows} == CATEGORIES
    frame = load_policy_terms()
    assert list(frame.columns) == ["term", "category"]
    assert frame.loc[frame["term"] == "碳达峰", "category"].item() == "ecology"


def test_dictionary_terms_are_plain_chinese(policy_terms):
    # jieba only keeps Han characters (with ASCII rules of its own) inside one word
    assert [t for t in policy_terms if not re.fullmatch(r"[\u4e00-\u9fd5]{2,}", t)] == []


@pytest.mark.parametrize("engine", ["jieba", "rjieba"])
@pytest.mark.parametrize("hmm", [False, True])
def test_every_policy_term_is_one_token_inside_a_sentence(engine, hmm, policy_terms):
    tok = Tokenizer(engine=engine, hmm=hmm)
    table = split_terms(policy_terms, frame=FRAME, tokenizer=tok)
    assert table.loc[table["split"], "term"].tolist() == []
    # the frame is neutral: the words around the term are cut as they are alone
    before, after = FRAME.split("{term}")
    around = tok.cut(before), tok.cut(after)
    assert around == (["我们", "要", "大力", "推进"], ["工作", "。"])
    disturbed = [t for t in policy_terms if tok.cut(FRAME.format(term=t)) != around[0] + [t] + around[1]]
    assert disturbed == []


def test_terms_do_not_break_ordinary_neighbouring_words(policy_terms):
    # 算力 is a policy term, but 打算力争 is still 打算|力争
    assert "算力" in policy_terms
    sentence = "我们打算力争明年完成任务"
    assert Tokenizer(engine="jieba").cut(sentence) == ["我们", "打算", "力争", "明年", "完成", "任务"]
    assert Tokenizer(engine="jieba", dictionaries=()).cut(sentence) == Tokenizer(engine="jieba").cut(sentence)


def test_split_terms_reports_what_the_plain_base_dictionary_cuts():
    table = split_terms(["新质生产力", "人工智能"], tokenizer=Tokenizer(dictionaries=()))
    assert list(table.columns) == ["term", "tokens", "n_tokens", "split"]
    assert table["tokens"].tolist() == [["新", "质", "生产力"], ["人工智能"]]
    assert table["n_tokens"].tolist() == [3, 1]
    assert table["split"].tolist() == [True, False]


def test_split_terms_reads_a_dictionary_file(tmp_path):
    path = tmp_path / "user.txt"
    path.write_text("新质生产力\n两稳一保一防 20 nz\n", encoding="utf-8")
    table = split_terms(path, tokenizer=Tokenizer(dictionaries=("policy",)))
    assert table.set_index("term")["split"].to_dict() == {"新质生产力": False, "两稳一保一防": True}


# -- user dictionaries and extra terms -----------------------------------------


def test_user_dictionary_file_and_extra_terms(tmp_path):
    path = tmp_path / "mine.txt"
    path.write_text("# my slogans\n两稳一保一防 50 nz\n\n三大比较优势\n", encoding="utf-8")
    text = "落实两稳一保一防,发挥三大比较优势,推进强产业兴城市"
    assert Tokenizer(dictionaries=("policy", path), extra_terms=["强产业兴城市"])(text) == [
        "两稳一保一防", "发挥", "三大比较优势", "强产业兴城市"]
    assert "两稳一保一防" not in Tokenizer()(text)


def test_malformed_dictionary_line_names_file_and_line(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("晋江经验\n海丝 名城 12\n", encoding="utf-8")
    tok = Tokenizer(dictionaries=[path])  # __init__ stores parameters; files are read on first use
    with pytest.raises(DictionaryError, match=r"bad\.txt, line 2"):
        tok("晋江经验")


def test_missing_dictionary_file_is_a_dictionary_error(tmp_path):
    with pytest.raises(DictionaryError, match="not found"):
        Tokenizer(dictionaries=[tmp_path / "nope.txt"]).fingerprint


def test_init_stores_the_parameters_as_given_and_reads_no_file(tmp_path):
    missing = tmp_path / "nope.txt"
    tok = Tokenizer(dictionaries=[missing], stopwords=missing, extra_terms=["强产业兴城市"], drop_single=False)
    assert tok.dictionaries == (missing,)
    assert tok.stopwords == missing
    assert tok.extra_terms == ("强产业兴城市",)
    assert tok.drop_single is False
    assert tok._entries is None and tok._stopword_set is None  # nothing resolved yet


def test_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="engine"):
        Tokenizer(engine="thulac")


# -- engines -------------------------------------------------------------------


def test_auto_engine_is_rjieba_without_hmm_and_jieba_with_it():
    assert Tokenizer().engine_name == "rjieba"
    assert Tokenizer(hmm=True).engine_name == "jieba"
    assert Tokenizer(engine="jieba").engine_name == "jieba"
    assert Tokenizer(engine="rjieba", hmm=True).engine_name == "rjieba"


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name[:3])
def test_engines_give_identical_raw_tokens_on_every_seed(seed):
    text = seed.read_text(encoding="utf-8")
    jieba_tokens = Tokenizer(engine="jieba").cut(text)
    rjieba_tokens = Tokenizer(engine="rjieba").cut(text)
    assert "".join(jieba_tokens) == text  # nothing lost: tokens tile the text
    assert jieba_tokens == rjieba_tokens


def test_engines_agree_on_dates_rare_characters_and_line_breaks():
    # jieba-rs counts more code points as Han (㐀, 鿫, 𠀀) and splits \s differently in principle
    text = "2024-05-19 㐀发展鿫新质生产力 AI+制造 5G网络①② Ｆ全角ＡＢ 𠀀字 \r\n end...\u3000〇 C++ 12.5% 100,000"
    jieba_tokens = Tokenizer(engine="jieba").cut(text)
    assert jieba_tokens == Tokenizer(engine="rjieba").cut(text)
    assert jieba_tokens[:5] == ["2024", "-", "05", "-", "19"]


def test_explicit_engines_give_the_same_filtered_tokens():
    text = "2023年,泉州坚持稳中求进工作总基调,推动民营经济高质量发展。"
    # 2023 number, 年 总 single, 坚持 工作 推动 stopwords, punctuation
    expected = ["泉州", "稳中求进", "基调", "民营经济", "高质量发展"]
    assert Tokenizer(engine="jieba")(text) == expected
    assert Tokenizer(engine="rjieba")(text) == expected


# -- private jieba state -------------------------------------------------------


def test_global_jieba_is_untouched_and_loading_prints_nothing(capfd):
    import logging

    import jieba

    level = logging.getLogger("jieba").level
    tok = Tokenizer(engine="jieba", extra_terms=["全局状态检查词"])  # a fresh engine, loaded now
    assert tok("发展新质生产力全局状态检查词") == ["发展", "新质生产力", "全局状态检查词"]
    out, err = capfd.readouterr()
    assert "prefix dict" not in err + out
    assert logging.getLogger("jieba").level == level  # restored afterwards
    assert jieba.lcut("发展新质生产力", HMM=False) == ["发展", "新", "质", "生产力"]
    assert "新质生产力" not in jieba.dt.FREQ
    assert "全局状态检查词" not in jieba.dt.FREQ


# -- filters -------------------------------------------------------------------

NO_FILTERS = dict(drop_punct=False, drop_numbers=False, drop_single=False, drop_stopwords=False)


def test_whitespace_tokens_are_always_dropped():
    assert Tokenizer(**NO_FILTERS)("营商环境 \n 持续\t优化") == ["营商环境", "持续", "优化"]


@pytest.mark.parametrize("token", ["2024", "5.4%", "12345", "3.5", "１２", "1,200", "2024-05-19", "09:16"])
def test_numbers_are_dropped(token):
    assert not Tokenizer().keep(token)
    assert Tokenizer(drop_numbers=False, drop_single=False).keep(token)


def test_numbers_in_text_are_dropped():
    text = "增长5.4%,投资12345亿元"
    kept = Tokenizer(drop_punct=False, drop_single=False, drop_stopwords=False)(text)
    # jieba cuts 5.4% into 5 . 4 %; the digits go, the symbols stay (drop_punct=False)
    assert kept == ["增长", ".", "%", ",", "投资", "亿元"]
    assert "12345" in Tokenizer(**NO_FILTERS)(text)


def test_punctuation_is_dropped_as_an_option():
    text = "“晋江经验”——民营经济!"
    assert Tokenizer()(text) == ["晋江经验", "民营经济"]
    assert Tokenizer(drop_punct=False, drop_single=False)(text) == ["“", "晋江经验", "”", "—", "—", "民营经济", "!"]


def test_single_characters_are_dropped_as_an_option():
    text = "推进乡村振兴和城市更新"
    assert Tokenizer(drop_stopwords=False)(text) == ["推进", "乡村振兴", "城市更新"]
    assert Tokenizer(drop_stopwords=False, drop_single=False)(text) == ["推进", "乡村振兴", "和", "城市更新"]


def test_default_stopwords_cover_function_words_and_report_boilerplate():
    text = "各位代表,我们要进一步加快推进营商环境建设"
    assert Tokenizer()(text) == ["营商环境", "建设"]
    assert Tokenizer(stopwords=None)(text) == ["各位", "代表", "我们", "进一步", "加快", "推进", "营商环境", "建设"]


def test_stopwords_from_a_file_a_list_and_extra_words(tmp_path):
    text = "我们推进营商环境建设"
    path = tmp_path / "stop.txt"
    path.write_text("# mine\n建设 推进\n", encoding="utf-8")
    assert Tokenizer(stopwords=path)(text) == ["我们", "营商环境"]
    assert Tokenizer(stopwords=["我们"])(text) == ["推进", "营商环境", "建设"]
    assert Tokenizer(extra_stopwords=["建设"])(text) == ["营商环境"]
    assert Tokenizer(stopwords=None, extra_stopwords=path)(text) == ["我们", "营商环境"]
    assert Tokenizer(extra_stopwords=["建设"], drop_stopwords=False)(text) == ["我们", "推进", "营商环境", "建设"]


def test_shipped_stopwords_are_single_tokens_and_never_policy_terms(policy_terms):
    tok = Tokenizer()
    for path in DEFAULT_STOPWORD_FILES:
        words = sorted(read_stopwords(path))
        assert len(words) > 100
        assert sorted(set(words) & set(policy_terms)) == []
        assert [w for w in words if tok.cut(w) != [w]] == [], path.name


# -- fingerprint, pickling, scikit-learn ---------------------------------------


def test_fingerprint_is_stable_and_follows_settings():
    fp = Tokenizer().fingerprint
    assert fp == Tokenizer().fingerprint
    assert fp == Tokenizer(engine="jieba").fingerprint == Tokenizer(engine="rjieba").fingerprint
    others = [Tokenizer(extra_terms=["两稳一保一防"]), Tokenizer(extra_stopwords=["发展"]), Tokenizer(stopwords=None),
              Tokenizer(drop_single=False), Tokenizer(hmm=True), Tokenizer(dictionaries=())]
    assert len({fp, *(t.fingerprint for t in others)}) == 1 + len(others)
    # with HMM the engines differ, so the engine is part of the fingerprint
    assert Tokenizer(engine="jieba", hmm=True).fingerprint != Tokenizer(engine="rjieba", hmm=True).fingerprint


def test_pickled_tokenizer_rebuilds_its_engine():
    tok = Tokenizer()
    assert tok("发展新质生产力") == ["发展", "新质生产力"]
    copy = pickle.loads(pickle.dumps(tok))
    assert copy._cut is None  # the engine is not pickled
    assert copy("发展新质生产力") == ["发展", "新质生产力"]
    assert copy.fingerprint == tok.fingerprint


def test_works_inside_sklearn_tfidf_and_survives_clone():
    from sklearn.base import clone
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(tokenizer=Tokenizer(), lowercase=False, token_pattern=None)
    vec = clone(vec).fit(["发展新质生产力", "优化营商环境,发展民营经济"])  # 优化: a report stopword
    assert sorted(vec.vocabulary_) == ["发展", "新质生产力", "民营经济", "营商环境"]


# -- corpora -------------------------------------------------------------------


def test_tokens_accepts_strings_documents_and_one_text():
    tok = Tokenizer()
    texts = ["推进乡村振兴", "优化营商环境", "推进乡村振兴"]
    expected = [["乡村振兴"], ["营商环境"], ["乡村振兴"]]
    assert list(tm.tokens(texts, cache=False, tokenizer=tok)) == expected
    docs = [SimpleNamespace(doc_id=f"d{i}", text=t) for i, t in enumerate(texts)]
    assert list(tm.tokens(docs, cache=False, tokenizer=tok)) == expected
    assert list(tm.tokens("推进乡村振兴", cache=False, tokenizer=tok)) == [["乡村振兴"]]
    assert list(tm.tokens([], cache=False, tokenizer=tok)) == []


def test_tokens_refuses_items_without_text():
    with pytest.raises(TypeError, match="item 1"):
        list(tm.tokens(["推进乡村振兴", 42], cache=False, tokenizer=Tokenizer()))


def test_parallel_tokenization_equals_serial(monkeypatch):
    monkeypatch.setattr("textmine.tokenize.stream.CHUNK_CHARS", (1, 3000))  # several chunks, so workers run
    texts = [p.read_text(encoding="utf-8")[:3000] for p in SEEDS]
    tok = Tokenizer()
    serial = list(tm.tokens(texts, n_jobs=1, cache=False, tokenizer=tok))
    assert list(tm.tokens(texts, n_jobs=2, cache=False, tokenizer=tok)) == serial
    assert serial == [tok(t) for t in texts]


def test_engines_agree_on_the_cleaned_bundled_corpus_raw_and_filtered():
    from textmine.corpus import load_corpus

    texts = load_corpus().texts
    jieba_tok, rjieba_tok = Tokenizer(engine="jieba"), Tokenizer(engine="rjieba")
    for text in texts:
        raw = jieba_tok.cut(text)
        assert "".join(raw) == text
        assert rjieba_tok.cut(text) == raw
    assert list(tm.tokens(texts, cache=False, tokenizer=jieba_tok)) == list(tm.tokens(texts, cache=False, tokenizer=rjieba_tok))
    assert list(tm.tokens(texts, cache=False, tokenizer=Tokenizer())) == [jieba_tok(t) for t in texts]  # auto = rjieba


# -- streaming -----------------------------------------------------------------

REPORT = "各位代表：\n现在，我代表市人民政府向大会报告工作，请予\n审议。\n推进乡村振兴，优化营商环境，发展新质生\n产力。\n"


def write_folder(folder: Path, n: int) -> Path:
    """A corpus folder of ``n`` small reports (each with a line break inside 新质生产力) and metadata.csv."""
    folder.mkdir()
    rows = ["file,place,year"]
    for i in range(n):
        (folder / f"r{i}.txt").write_text(REPORT + f"第{i}份报告。建设共同富裕示范区。\n" * (i % 3 + 1), encoding="utf-8")
        rows.append(f"r{i}.txt,泉州市,{2000 + i}")
    (folder / "metadata.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


def test_tokens_yields_one_list_per_document_in_order():
    tok = Tokenizer()
    texts = ["推进乡村振兴", "优化营商环境", "推进乡村振兴", "发展新质生产力"]
    stream = iter(tm.tokens(texts, cache=False, tokenizer=tok))
    assert next(stream) == ["乡村振兴"]
    assert list(stream) == [["营商环境"], ["乡村振兴"], ["发展", "新质生产力"]]
    assert list(iter(tm.tokens("优化营商环境", cache=False, tokenizer=tok))) == [["营商环境"]]


def test_a_lazy_corpus_is_read_one_document_at_a_time(tmp_path, monkeypatch):
    import textmine._io
    from textmine.corpus import load_corpus

    corpus = load_corpus(write_folder(tmp_path / "reports", 10), lazy=True)
    reads = []
    real_read = textmine._io.read_text
    monkeypatch.setattr(textmine._io, "read_text", lambda path: reads.append(path) or real_read(path))
    stream = iter(tm.tokens(corpus, cache=tmp_path / "cache", tokenizer=Tokenizer()))
    first = next(stream)
    assert "新质生产力" in first  # cleaned: the broken line was joined
    assert len(reads) == 1
    rest = list(stream)
    assert len(rest) == 9 and len(reads) == 10


def test_lazy_cleaned_documents_give_the_tokens_of_their_cleaned_text(tmp_path, monkeypatch):
    monkeypatch.setattr("textmine.tokenize.stream.CHUNK_CHARS", (1, 100))  # one document a chunk
    from textmine.corpus import load_corpus

    corpus = load_corpus(write_folder(tmp_path / "reports", 4), lazy=True)
    tok = Tokenizer()
    expected = [tok(doc.text) for doc in corpus]
    assert list(tm.tokens(corpus, cache=False, tokenizer=tok)) == expected
    assert list(tm.tokens(corpus, cache=tmp_path / "cache", n_jobs=2, tokenizer=tok)) == expected  # workers clean


def test_warm_run_on_a_lazy_corpus_neither_cleans_nor_segments(tmp_path, monkeypatch):
    import textmine.cleaning
    from textmine.corpus import load_corpus

    corpus = load_corpus(write_folder(tmp_path / "reports", 4), lazy=True)
    tok = Tokenizer()
    cold = list(tm.tokens(corpus, cache=tmp_path / "cache", tokenizer=tok))

    def fail(*args, **kwargs):
        raise AssertionError("a cached document was cleaned or segmented again")

    monkeypatch.setattr(textmine.cleaning, "clean", fail)
    monkeypatch.setattr(Tokenizer, "cut", fail)
    assert list(tm.tokens(corpus, cache=tmp_path / "cache", tokenizer=tok)) == cold


def test_a_changed_file_is_tokenized_again(tmp_path):
    from textmine.corpus import load_corpus

    folder = write_folder(tmp_path / "reports", 2)
    tok = Tokenizer()
    list(tm.tokens(load_corpus(folder, lazy=True), cache=tmp_path / "cache", tokenizer=tok))
    (folder / "r1.txt").write_text("持续优化营商环境。\n", encoding="utf-8")
    assert list(tm.tokens(load_corpus(folder, lazy=True), cache=tmp_path / "cache", tokenizer=tok))[1] == ["营商环境"]


def test_n_jobs_follows_the_scikit_learn_convention():
    import joblib
    from joblib import parallel_config

    from textmine.tokenize.stream import _n_workers

    assert _n_workers(None) == 1
    assert _n_workers(1) == 1
    assert _n_workers(-1) == joblib.cpu_count()
    with parallel_config(n_jobs=2):
        assert _n_workers(None) == 2  # None defers to the joblib context, as in scikit-learn


def test_lazy_documents_with_their_own_loader_give_the_tokens_of_their_text():
    from textmine.corpus import Document

    raw = "推进乡村振兴，发展新质生\n产力。\n"
    tok = Tokenizer()
    for clean in (False, True):
        docs = [Document(f"d{i}", loader=lambda: raw, clean=clean) for i in range(3)]
        expected = [tok(doc.text) for doc in docs]
        assert ("新质生产力" in expected[0]) is clean  # cleaning joins the broken line
        assert list(tm.tokens(docs, cache=False, tokenizer=tok)) == expected
        assert list(tm.tokens(docs, cache=False, n_jobs=2, tokenizer=tok)) == expected


def test_a_file_rewritten_with_the_same_size_is_tokenized_again(tmp_path):
    import os

    from textmine.corpus import load_corpus

    folder = write_folder(tmp_path / "reports", 2)
    tok = Tokenizer()
    list(tm.tokens(load_corpus(folder, lazy=True, clean=False), cache=tmp_path / "cache", tokenizer=tok))
    path = folder / "r1.txt"
    old = path.read_text(encoding="utf-8")
    new = old.replace("乡村振兴", "营商环境")
    assert len(new.encode("utf-8")) == len(old.encode("utf-8"))
    stamp = path.stat().st_mtime_ns
    path.write_text(new, encoding="utf-8")
    os.utime(path, ns=(stamp + 10**9, stamp + 10**9))  # a later modification time, as any edit gives
    got = list(tm.tokens(load_corpus(folder, lazy=True, clean=False), cache=tmp_path / "cache", tokenizer=tok))
    assert got[1] == tok(new) and "营商环境" in got[1]


def test_a_grown_corpus_segments_only_the_new_documents(tmp_path, monkeypatch):
    from textmine.corpus import load_corpus

    folder = write_folder(tmp_path / "reports", 3)
    tok = Tokenizer()
    first = list(tm.tokens(load_corpus(folder, lazy=True), cache=tmp_path / "cache", tokenizer=tok))
    (folder / "r3.txt").write_text("持续优化营商环境。\n", encoding="utf-8")
    with open(folder / "metadata.csv", "a", encoding="utf-8") as fh:
        fh.write("r3.txt,泉州市,2003\n")
    texts = []
    real_cut = Tokenizer.cut
    monkeypatch.setattr(Tokenizer, "cut", lambda self, text: texts.append(text) or real_cut(self, text))
    grown = list(tm.tokens(load_corpus(folder, lazy=True), cache=tmp_path / "cache", tokenizer=tok))
    assert grown == first + [["营商环境"]]
    assert texts == [load_corpus(folder)["r3"].text]  # the three cached documents came from their entries


def test_a_lazy_corpus_loaded_by_a_relative_path_is_read_right_after_a_chdir(tmp_path, monkeypatch):
    from textmine.corpus import load_corpus

    monkeypatch.setattr("textmine.tokenize.stream.CHUNK_CHARS", (1, 100))  # one document a chunk: workers run
    for name, extra in (("one", "推进乡村振兴。"), ("two", "优化营商环境。")):
        folder = write_folder(tmp_path / name, 3)
        for path in folder.glob("*.txt"):
            path.write_text(extra * 3 + "\n", encoding="utf-8")
    tok = Tokenizer()
    monkeypatch.chdir(tmp_path)
    one = load_corpus("one", lazy=True)
    assert list(tm.tokens(one, n_jobs=2, cache=False, tokenizer=tok)) == [["乡村振兴"] * 3] * 3  # workers start here
    monkeypatch.chdir(tmp_path / "two")
    two = load_corpus(".", lazy=True)
    assert all(doc.path.is_absolute() for doc in two)
    assert list(tm.tokens(two, n_jobs=2, cache="cache", tokenizer=tok)) == [["营商环境"] * 3] * 3
    assert (tmp_path / "two" / "cache").is_dir()


class BigramTokenizer(Tokenizer):
    """A subclass that adds bigrams of neighbouring kept tokens: corpus runs must call it."""

    def __call__(self, text):
        tokens = super().__call__(text)
        return tokens + [a + "_" + b for a, b in zip(tokens, tokens[1:])]


def test_a_subclass_that_filters_its_own_way_is_called_by_corpus_runs_and_dtm(tmp_path):
    from textmine.frequency import dtm

    texts = ["推进乡村振兴，优化营商环境", "发展新质生产力"]
    tok = BigramTokenizer()
    expected = [tok(t) for t in texts]
    assert "乡村振兴_营商环境" in expected[0]
    assert list(tm.tokens(texts, cache=False, tokenizer=tok)) == expected
    assert tok.fingerprint != Tokenizer().fingerprint  # its own cache entries, never the base class's
    list(tm.tokens(texts, cache=tmp_path, tokenizer=Tokenizer()))
    assert list(tm.tokens(texts, cache=tmp_path, tokenizer=tok)) == expected  # cold, then from its bundle
    assert list(tm.tokens(texts, cache=tmp_path, tokenizer=tok)) == expected
    d = dtm(texts, tokenizer=tok)
    assert "乡村振兴_营商环境" in d.vocabulary


# -- fast engine start: rjieba's built-in dictionary, the term table on disk ---


def test_rjieba_builtin_dictionary_is_jiebas_dict_txt_when_its_version_is_listed():
    """The check behind ``data/rjieba_builtin.json``: every word of dict.txt, same frequency and tag."""
    import rjieba

    from textmine.tokenize import tokenizer as T

    if not T._rjieba_builtin_is_base():  # an unlisted version: the engine adds dict.txt word by word
        pytest.skip(f"rjieba {T._rjieba_version()} is not listed in data/rjieba_builtin.json")
    words, freqs, tags = T._read_base_dictionary()
    builtin, by_word = rjieba.Jieba(), rjieba.Jieba.empty()
    for _ in map(by_word.add_word, words, freqs, tags):
        pass
    assert all(map(builtin.has_word, words))
    # suggest_freq(w) is max(own frequency, exp of the best split's log-probability + 1): it
    # exposes each word's frequency and the total; equal for all 349,000 words
    assert list(map(builtin.suggest_freq, words)) == list(map(by_word.suggest_freq, words))
    sample = words[::97]
    assert [builtin.tag(w, False) for w in sample] == [by_word.tag(w, False) for w in sample]


def test_rjieba_from_builtin_dictionary_cuts_like_dict_txt_added_word_by_word(monkeypatch):
    from textmine.tokenize import tokenizer as T

    text = "".join(p.read_text(encoding="utf-8") for p in SEEDS[:4])
    key = Tokenizer()._dictionary_key()
    fast = T._build_rjieba(Tokenizer().entries, key)
    monkeypatch.setattr(T, "_rjieba_builtin_is_base", lambda: False)
    slow = T._build_rjieba(Tokenizer().entries, key)
    assert fast(text, False) == slow(text, False)  # and jieba's: test_engines_give_identical_raw_tokens_on_every_seed


def test_term_table_is_kept_as_json_and_a_bad_file_is_recomputed(tmp_path, monkeypatch):
    import json

    from textmine.tokenize import tokenizer as T

    monkeypatch.setenv("TEXTMINE_CACHE_DIR", str(tmp_path))
    entries = (T.DictEntry("新质生产力", None, "n"), T.DictEntry("算力", 50, None), T.DictEntry("新质生产力", 7, "nz"))
    calls = []

    def base():
        calls.append(1)
        return {"算": 3, "力": 4, "生产力": 20}.get, 1000

    table = T._cached_term_table(entries, "k1", base)
    # later entries win; freq = max(file freq or floor, base freq, what beats the best split)
    assert [e.term for e in table] == ["新质生产力", "算力"] and table[0].tag == "nz"
    assert table == list(T._term_table(entries, *base()).values())
    path = tmp_path / "engines" / "terms-k1.json"
    assert json.loads(path.read_text(encoding="utf-8")) == [list(e) for e in table]
    calls.clear()
    assert T._cached_term_table(entries, "k1", base) == table and calls == []  # read, not computed
    path.write_text('[["其他", 1, null]]', encoding="utf-8")  # another dictionary's table: not used
    assert T._cached_term_table(entries, "k1", base) == table and calls == [1]
    path.write_text("not json", encoding="utf-8")
    assert T._cached_term_table(entries, "k1", base) == table


def test_unpickled_copies_of_one_tokenizer_share_what_their_filters_learned():
    """A worker unpickles the tokenizer once per chunk: the copies share the filter verdicts."""
    tok = Tokenizer(drop_single=False)
    assert tok.fingerprint  # computed before pickling, as a corpus run does
    first = pickle.loads(pickle.dumps(tok))
    assert first("推进营商环境建设，") == ["营商环境", "建设"]  # 推进 is a report stopword
    second = pickle.loads(pickle.dumps(tok))
    assert second._verdicts.get("营商环境") == "营商环境" and second._verdicts.get("，") == ""  # "" = dropped
    other = pickle.loads(pickle.dumps(Tokenizer(drop_single=True, drop_stopwords=False)))
    assert "营商环境" not in other._verdicts  # other settings, other verdicts
    assert other("推进营商环境建设，") == ["推进", "营商环境", "建设"]


def test_a_fresh_process_builds_one_rjieba_dictionary_not_rjiebas_default_too():
    # ``import rjieba`` builds a default engine with the whole dictionary at import time, which
    # textmine never uses: a worker loads rjieba's compiled module alone; ``import rjieba`` still works after
    pytest.importorskip("rjieba")
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from textmine.tokenize import Tokenizer\n"
        "tokens = Tokenizer(engine='rjieba').cut('加快发展新质生产力')\n"
        "assert 'rjieba' not in sys.modules, 'the rjieba package (and its default engine) was imported'\n"
        "import rjieba\n"
        "assert rjieba.Jieba is sys.modules['rjieba.rjieba'].Jieba\n"
        "print(tokens, rjieba.cut('加快发展'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['加快', '发展', '新质生产力'] ['加快', '发展']"
