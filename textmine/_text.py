"""Tiny text helpers shared by several modules."""

from __future__ import annotations

import re

_WS = re.compile(r"\s+")


def n_chars(text: str) -> int:
    """Number of non-whitespace characters: the denominator of every per-10,000 rate.

    >>> n_chars("新质 生产力\\n")
    5
    """
    return len(_WS.sub("", text))
