"""textmine: mining Chinese policy texts such as local government work reports (政府工作报告).

>>> import textmine
>>> corpus = textmine.load_corpus()                      # the bundled seed corpus
>>> freq = textmine.slogan_frequency(corpus, ["新质生产力", "营商环境"], by="level")
>>> sorted(freq["level"].unique())
['县区', '地级市']

The public names below are imported lazily, so ``import textmine`` stays fast
and loads gensim or matplotlib only when a topic model or a figure is asked for.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: public name -> module that defines it
_EXPORTS: dict[str, str] = {
    # errors
    "TextmineError": "errors", "CorpusError": "errors", "MetadataError": "errors",
    "DictionaryError": "errors",
    # metadata vocabularies
    "META_COLUMNS": "schema", "LEVELS": "schema", "RANKS": "schema", "DOCTYPES": "schema",
    "rank_groups": "schema",
    # gazetteer of administrative divisions (also textmine.gazetteer.lookup, candidates, ...)
    "Place": "gazetteer", "lookup_place": "gazetteer", "parent_of": "gazetteer",
    "place_names": "gazetteer", "place_stopwords": "gazetteer",
    # corpus
    "Document": "corpus", "Corpus": "corpus", "load_corpus": "corpus", "as_corpus": "corpus",
    "split_collection": "split",
    # cleaning
    "clean": "cleaning", "CleanResult": "cleaning", "Change": "cleaning", "DEFAULT_STEPS": "cleaning",
    "looks_truncated": "cleaning", "detect_script": "cleaning",
    # tokenization
    "Tokenizer": "tokenize", "split_terms": "tokenize", "TokenCache": "tokenize",
    "tokens": "tokenize", "Tokens": "tokenize", "clear_cache": "tokenize",
    # frequency
    "load_slogans": "frequency", "slogan_frequency": "frequency", "term_frequency": "frequency",
    "dtm": "frequency", "DocumentTermMatrix": "tokenize", "kwic": "frequency",
    # keywords
    "tfidf": "keywords", "TfidfResult": "keywords", "top_terms": "keywords", "extract_keywords": "keywords",
    "keyness": "keywords",
    # topics
    "TopicModel": "topics", "select_k": "topics", "topic_prevalence": "topics",
    "match_topics": "topics", "topic_stability": "topics", "topic_effects": "effects",
    # reading reports as reports
    "split_sections": "sections", "section_corpus": "sections", "paragraphs": "sections",
    "growth_targets": "targets", "discover_slogans": "discover", "add_to_dictionary": "discover",
    # panels over places and years
    "attention": "panels.attention", "attention_by_year": "panels.attention",
    "attention_panel": "panels.attention",
    "expand_dictionary": "panels.attention", "load_category_dictionary": "panels.attention",
    "adoption": "panels.diffusion", "adoption_curve": "panels.diffusion", "adoption_events": "panels.diffusion",
    "echo": "panels.echo", "similarity": "panels.echo", "EchoResult": "panels.echo",
    "parent_documents": "panels.parents", "target_escalation": "panels.escalation",
    # sharing results
    "write_explorer": "explorer",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'textmine' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from .panels.attention import (attention, attention_by_year, attention_panel, expand_dictionary,
                            load_category_dictionary)
    from .panels.diffusion import adoption, adoption_curve, adoption_events
    from .panels.echo import EchoResult, echo, similarity
    from .panels.escalation import target_escalation
    from .panels.parents import parent_documents
    from .cleaning import DEFAULT_STEPS, Change, CleanResult, clean, detect_script, looks_truncated
    from .corpus import Corpus, Document, as_corpus, load_corpus
    from .discover import add_to_dictionary, discover_slogans
    from .explorer import write_explorer
    from .errors import CorpusError, DictionaryError, MetadataError, TextmineError
    from .frequency import dtm, kwic, load_slogans, slogan_frequency, term_frequency
    from .gazetteer import Place, lookup_place, parent_of, place_names, place_stopwords
    from .keywords import TfidfResult, extract_keywords, keyness, tfidf, top_terms
    from .schema import DOCTYPES, LEVELS, META_COLUMNS, RANKS, rank_groups
    from .sections import paragraphs, section_corpus, split_sections
    from .split import split_collection
    from .targets import growth_targets
    from .effects import topic_effects
    from .tokenize import DocumentTermMatrix, TokenCache, Tokenizer, Tokens, clear_cache, split_terms, tokens
    from .topics import TopicModel, match_topics, select_k, topic_prevalence, topic_stability
