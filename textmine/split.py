"""Splitting a collection (合集) of reports at its report titles.

A collection opens with a table of contents (目录) that lists reports under
level headings (一、地级市 / 二、县级市 / 三、县区) with page numbers, and then
holds the text of *some* of them, each starting on a line that is exactly its
title. :func:`split_collection` never takes the table of contents for a
document, and reports which listed reports are absent instead of inventing them.

>>> text = "目 录\\n一、地级市\\n1.2024年甲市政府工作报告 1\\n2.2024年乙市政府工作报告 9\\n" \\
...        "2024年甲市政府工作报告\\n各位代表:正文。"
>>> parts, missing = split_collection(text)
>>> [(p.title, p.toc_level, p.body) for p in parts]
[('2024年甲市政府工作报告', '地级市', '各位代表:正文。')]
>>> [m.title for m in missing]
['2024年乙市政府工作报告']
"""

from __future__ import annotations

__all__ = ["split_collection", "parse_toc", "TocEntry", "Part"]

import re
from dataclasses import dataclass

_TOC_HEAD = re.compile(r"^\s*目\s*录\s*$")
_TOC_LEVEL = re.compile(r"^\s*[一二三四五六七八九十]+、\s*(\S+)\s*$")
_TOC_ENTRY = re.compile(r"^\s*(\d+)[.、．]\s*(\S.*?)\s+(\d+)\s*$")


@dataclass(frozen=True)
class TocEntry:
    """One report listed in a collection's table of contents."""

    number: int
    title: str
    toc_level: str | None
    page: int


@dataclass(frozen=True)
class Part:
    """One report found in the collection's text."""

    title: str
    toc_level: str | None
    number: int
    body: str          # text after the title line, up to the next report title
    start: int         # character offset of the title line in the collection
    end: int


def parse_toc(lines: list[str]) -> tuple[list[TocEntry], int]:
    """Parse the table of contents; return its entries and the index of the first line after it."""
    entries: list[TocEntry] = []
    start = next((i for i, line in enumerate(lines) if _TOC_HEAD.match(line)), None)
    if start is None:
        return entries, 0
    level = None
    i = start + 1
    while i < len(lines):
        line = lines[i]
        if m := _TOC_ENTRY.match(line):
            entries.append(TocEntry(int(m.group(1)), m.group(2), level, int(m.group(3))))
        elif m := _TOC_LEVEL.match(line):
            level = m.group(1)
        elif line.strip():
            break
        i += 1
    return entries, i


def split_collection(text: str) -> tuple[list[Part], list[TocEntry]]:
    """Split ``text`` at the title lines of the reports its table of contents lists.

    Returns the reports present (in text order) and the listed reports that are absent.
    A title line is a line equal to a listed title (surrounding whitespace ignored).

    >>> parts, missing = split_collection("目 录\\n1.2024年甲市政府工作报告 1\\n2.2024年乙市政府工作报告 5\\n"
    ...                                   "2024年甲市政府工作报告\\n甲市正文。")
    >>> [(p.title, p.body) for p in parts], [m.title for m in missing]
    ([('2024年甲市政府工作报告', '甲市正文。')], ['2024年乙市政府工作报告'])
    """
    lines = text.split("\n")
    entries, body_start = parse_toc(lines)
    by_title = {e.title: e for e in entries}
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    starts: list[tuple[int, TocEntry]] = []
    seen: set[str] = set()
    for i in range(body_start, len(lines)):
        title = lines[i].strip()
        if title in by_title and title not in seen:
            starts.append((i, by_title[title]))
            seen.add(title)
    parts = []
    for k, (i, entry) in enumerate(starts):
        j = starts[k + 1][0] if k + 1 < len(starts) else len(lines)
        body = "\n".join(lines[i + 1 : j]).strip("\n")
        parts.append(Part(entry.title, entry.toc_level, entry.number, body, offsets[i], offsets[j] - 1))
    missing = [e for e in entries if e.title not in seen]
    return parts, missing
