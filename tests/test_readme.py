"""The README's tour runs as written: a newcomer can paste it."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_the_tour_runs():
    blocks = python_blocks()
    assert blocks, "README has no python example"
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)  # noqa: S102 - our own README
    tm = namespace["tm"]
    # the comment in the tour states what the tokenizer returns
    assert namespace["tok"]("加快发展新质生产力") == ["发展", "新质生产力"]
    assert isinstance(namespace["corpus"], tm.Corpus)
