"""textmine's own exception types: each message names the file and the problem."""

from __future__ import annotations

__all__ = ["TextmineError", "CorpusError", "MetadataError", "DictionaryError"]


class TextmineError(Exception):
    """Base class for every error textmine raises on purpose."""


class CorpusError(TextmineError):
    """A corpus file or metadata table cannot be used (names the file and the problem)."""


class MetadataError(CorpusError):
    """A metadata value is missing or outside the documented vocabulary."""


class DictionaryError(TextmineError):
    """A dictionary, stopword or slogan file is malformed."""
