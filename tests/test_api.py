"""One consistent API, checked on the signatures and docstrings of every public name.

Rules (issue 12): ``by=`` wherever grouping makes sense, ``n`` for "how many",
``tokenizer=`` and ``seed=`` keyword-only, ``n_jobs`` and ``cache`` wherever a
corpus is tokenized, an explicit ``__all__`` in every public module, a runnable
example in the docstring of every public function and class.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pandas as pd
import pytest

import textmine
import textmine as tm

#: Exceptions to the rules, each with its reason.
POSITIONAL_TOKENIZER_OK = {
    "tokens": "the tokenizing function itself: tokens(corpus, tokenizer), as scikit-learn's build_analyzer",
}
HOW_MANY_ALIASES = ("top", "topn", "top_n", "n_top", "limit", "head", "max_n", "k_top", "num")
HOW_MANY_OK = {
    ("TopicModel", "topn"): "gensim CoherenceModel's topn (top words per topic scored), not a result size",
    ("select_k", "topn"): "gensim CoherenceModel's topn (top words per topic scored), not a result size",
}
GROUPING = ["slogan_frequency", "term_frequency", "dtm", "tfidf", "top_terms", "keyness", "kwic",
            "growth_targets", "topic_prevalence"]
TOKENIZING = ["dtm", "term_frequency", "tfidf", "top_terms", "extract_keywords", "keyness", "select_k",
              "discover_slogans", "TopicModel"]


def public_modules() -> list[str]:
    names = ["textmine"]
    for info in pkgutil.walk_packages(textmine.__path__, "textmine."):
        if not any(part.startswith("_") for part in info.name.split(".")[1:]):
            names.append(info.name)
    return names


def public_api() -> dict[str, object]:
    """Every public function and class exported from ``textmine``."""
    return {n: getattr(tm, n) for n in tm.__all__
            if not n.startswith("_") and (inspect.isfunction(getattr(tm, n)) or inspect.isclass(getattr(tm, n)))}


def callables_of(name: str, obj: object) -> list[tuple[str, object]]:
    """The function, or a class's __init__ and public methods."""
    if inspect.isfunction(obj):
        return [(name, obj)]
    out = [(name, obj.__init__)]
    out += [(f"{name}.{k}", v) for k, v in vars(obj).items() if inspect.isfunction(v) and not k.startswith("_")]
    return out


@pytest.mark.parametrize("module", public_modules())
def test_every_public_module_has_an_explicit_all_naming_what_it_defines(module):
    mod = importlib.import_module(module)
    assert isinstance(getattr(mod, "__all__", None), (list, tuple)), f"{module} has no __all__"
    missing = [n for n in mod.__all__ if not hasattr(mod, n)]
    assert not missing, f"{module}.__all__ names what it does not have: {missing}"


def test_tokenizer_and_seed_are_keyword_only():
    wrong = []
    for name, obj in public_api().items():
        for label, fn in callables_of(name, obj):
            for p in inspect.signature(fn).parameters.values():
                if p.name in ("tokenizer", "seed") and p.kind is not p.KEYWORD_ONLY \
                        and label not in POSITIONAL_TOKENIZER_OK:
                    wrong.append(f"{label}({p.name})")
    assert not wrong


def test_whatever_tokenizes_takes_n_jobs_and_cache():
    api = public_api()
    for name in TOKENIZING:
        fn = api[name].__init__ if inspect.isclass(api[name]) else api[name]
        params = inspect.signature(fn).parameters
        assert {"tokenizer", "n_jobs", "cache"} <= set(params), name
    # and nothing else takes a tokenizer without them
    for name, obj in api.items():
        for label, fn in callables_of(name, obj):
            params = inspect.signature(fn).parameters
            # split_terms cuts a few framed terms with the engine; TfidfResult stores the tokenizer that made it
            if "tokenizer" in params and label not in ("split_terms", "TfidfResult"):
                assert {"n_jobs", "cache"} <= set(params), label


def test_one_name_for_how_many():
    wrong = []
    for name, obj in public_api().items():
        for label, fn in callables_of(name, obj):
            for p in inspect.signature(fn).parameters:
                if p in HOW_MANY_ALIASES and (label.split(".")[0], p) not in HOW_MANY_OK:
                    wrong.append(f"{label}({p})")
    assert not wrong


@pytest.mark.parametrize("name", GROUPING)
def test_by_is_accepted_as_a_keyword_wherever_grouping_makes_sense(name):
    params = inspect.signature(getattr(tm, name)).parameters
    assert "by" in params and params["by"].kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                                    inspect.Parameter.KEYWORD_ONLY)


def test_by_means_the_same_everywhere_a_metadata_column_named_by_its_values():
    corpus = tm.Corpus.from_dataframe(pd.DataFrame({
        "text": ["发展 改革 发展", "改革 创新", "创新 发展"], "rank": ["地级市", "地级市", "县"]}), clean=False)
    toks = tm.tokens(corpus, str.split)
    assert set(tm.term_frequency(toks, by="rank")["rank"]) == {"地级市", "县"}
    assert set(tm.top_terms(toks, by="rank")["rank"]) == {"地级市", "县"}
    assert tm.tfidf(toks, by="rank").meta["rank"].tolist() == ["地级市", "县"]
    assert tm.dtm(toks, by="rank").doc_ids == ["县", "地级市"]  # sorted, as term_frequency's groups
    assert set(tm.keyness(toks, by="rank", min_count=1)["rank"]) == {"地级市", "县"}
    assert tm.kwic(corpus, "创新", by="rank")["rank"].tolist() == ["县", "地级市"]


def test_every_public_function_and_class_has_a_runnable_example():
    missing = [name for name, obj in public_api().items()
               if not issubclass_safe(obj, Exception) and ">>>" not in (inspect.getdoc(obj) or "")]
    assert not missing


def issubclass_safe(obj: object, cls: type) -> bool:
    return inspect.isclass(obj) and issubclass(obj, cls)


def test_results_the_readme_calls_dataframes_are_dataframes_and_tfidf_an_exported_result():
    toks = tm.tokens(["发展 改革", "改革 创新"], str.split)
    for result in (tm.term_frequency(toks), tm.top_terms(toks), tm.keyness(toks, target=["doc0"], min_count=1),
                   tm.slogan_frequency(toks.corpus), tm.kwic(toks.corpus, "改革")):
        assert isinstance(result, pd.DataFrame)
    assert isinstance(tm.tfidf(toks), tm.TfidfResult)
    assert isinstance(tm.tfidf(toks).to_frame(), pd.DataFrame)


def test_no_result_uses_a_metadata_column_name_for_something_else():
    """``rank`` is the metadata column (副省级城市, 地级市, …) in every result; a position is ``*_rank``."""
    texts = ["科技 创新 产业 科技 创新", "营商 环境 企业 营商 环境", "科技 产业 创新 产业", "企业 环境 营商 企业"]
    corpus = tm.Corpus.from_dataframe(pd.DataFrame({"text": texts, "rank": ["地级市"] * 4, "year": [2024] * 4}),
                                      clean=False)
    toks = tm.tokens(corpus, str.split)
    model = tm.TopicModel(k=2, unit="document", no_below=1, min_docs=1, no_above=1.0, min_tokens=1,
                          passes=2).fit(toks)
    results = {"term_frequency": tm.term_frequency(toks, by="rank"), "top_terms": tm.top_terms(toks),
               "keyness": tm.keyness(toks, target=["doc0"], min_count=1), "topic_terms": model.topic_terms(3),
               "doc_topics": model.doc_topics(), "tfidf": tm.tfidf(toks).to_frame()}
    for name, frame in results.items():
        if "rank" in frame.columns:
            assert set(frame["rank"]) == {"地级市"}, name
        if "year" in frame.columns:
            assert set(frame["year"]) == {2024}, name
