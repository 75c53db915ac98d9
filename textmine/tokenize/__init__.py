"""From text to tokens: the tokenizer, the tokenized corpus, the token cache and the document-term matrix.

========================  ==========================================================
module                    job
========================  ==========================================================
``tokenizer``             :class:`Tokenizer`: a picklable ``str -> list[str]`` callable
                          (jieba / jieba-rs, policy dictionary, stopwords, filters)
``tokenized``             :func:`tokens` -> :class:`Tokens`: a corpus tokenized once
``stream``                a corpus run: plan, bundle look-up, chunks for joblib workers
``cache``                 :class:`TokenCache`: checksummed entries and corpus bundles on disk
``dtm``                   :class:`DocumentTermMatrix`: counts for scikit-learn and gensim
========================  ==========================================================

The names below are imported lazily, so a worker process that unpickles a
:class:`Tokenizer` loads neither pandas nor the corpus code.

>>> from textmine.tokenize import Tokenizer, tokens
>>> list(tokens(["推进乡村振兴"], Tokenizer(), cache=False))
[['乡村振兴']]
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: public name -> submodule that defines it
_EXPORTS: dict[str, str] = {
    "Tokenizer": "tokenizer", "split_terms": "tokenizer", "load_dictionary": "tokenizer",
    "read_dictionary": "tokenizer", "read_stopwords": "tokenizer", "load_policy_terms": "tokenizer",
    "DictEntry": "tokenizer", "ENGINES": "tokenizer", "TERM_FREQ_FLOOR": "tokenizer",
    "POLICY_DICTIONARY": "tokenizer",
    "tokens": "tokenized", "Tokens": "tokenized", "as_tokens": "tokenized",
    "TokenCache": "cache", "default_cache_dir": "cache", "clear_cache": "cache",
    "DocumentTermMatrix": "dtm",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'textmine.tokenize' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # pragma: no cover
    from .cache import TokenCache, clear_cache, default_cache_dir
    from .dtm import DocumentTermMatrix
    from .tokenized import Tokens, as_tokens, tokens
    from .tokenizer import (ENGINES, POLICY_DICTIONARY, TERM_FREQ_FLOOR, DictEntry, Tokenizer, load_dictionary,
                            load_policy_terms, read_dictionary, read_stopwords, split_terms)
