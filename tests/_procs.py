"""Processes as /proc shows them, for the tests of worker pools (Linux only: callers skip elsewhere)."""

from __future__ import annotations

import os
from pathlib import Path


def children(pid: int) -> list[int]:
    """The child processes of ``pid``'s main thread ([] once it is gone)."""
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def alive(pid: int) -> bool:
    """Whether process ``pid`` is there and not a zombie (a zombie has exited, only not collected yet)."""
    try:
        return Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[-1].split()[0] != b"Z"
    except OSError:
        return False


def loky_workers(root: int | None = None) -> list[int]:
    """The loky worker processes below ``root`` (default: this process), at any depth, any thread's children."""
    out, todo = [], [os.getpid() if root is None else root]
    while todo:
        pid = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                kids = [int(k) for k in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
            except OSError:
                continue
            todo += kids
            for kid in kids:
                try:
                    cmd = Path(f"/proc/{kid}/cmdline").read_bytes()
                except OSError:
                    continue
                if b"LokyProcess" in cmd:
                    out.append(kid)
    return out
