"""Worker processes shared by tokenizing and cleaning: how many, how documents are cut into chunks, and a watch on the parent.

>>> n_workers(1), chunks([60_000, 60_000, 10, 10], 1)
(1, [[0], [1], [2, 3]])
"""

from __future__ import annotations

import os
import time
from typing import Sequence

__all__ = ["n_workers", "chunks", "watch_parent", "CHUNKS_PER_WORKER", "CHUNK_CHARS", "WATCH_SECONDS"]

#: Chunks of documents per worker in a parallel run (more chunks: less idle time at the end).
CHUNKS_PER_WORKER = 16
#: Bounds on the characters of text in one chunk sent to a worker.
CHUNK_CHARS = (50_000, 2_000_000)
#: Seconds between two looks at whether the parent process is still there.
WATCH_SECONDS = 0.5


def n_workers(n_jobs: int | None) -> int:
    """Workers for ``n_jobs`` in scikit-learn's convention (None = 1 unless a joblib context says otherwise)."""
    from joblib import effective_n_jobs

    return max(1, effective_n_jobs(n_jobs))


def chunks(sizes: Sequence[int], workers: int, *, per_worker: int | None = None,
           bounds: tuple[int, int] | None = None) -> list[list[int]]:
    """Split the positions of documents of ``sizes`` into contiguous chunks of similar total size.

    About ``per_worker`` chunks per worker, each between the ``bounds`` (in
    characters; default :data:`CHUNKS_PER_WORKER` and :data:`CHUNK_CHARS`):
    small enough that the last chunks leave no worker idle for long, large
    enough that sending a chunk costs little.

    >>> chunks([60_000, 60_000, 10, 10], 1)
    [[0], [1], [2, 3]]
    """
    per_worker = CHUNKS_PER_WORKER if per_worker is None else per_worker
    low, high = CHUNK_CHARS if bounds is None else bounds
    target = min(max(sum(sizes) / (workers * per_worker), low), high)
    out: list[list[int]] = []
    size = target
    for i, length in enumerate(sizes):
        if size >= target:
            out.append([])
            size = 0
        out[-1].append(i)
        size += length
    return out


_WATCHING: set[int] = set()


def watch_parent(parent: int) -> bool:
    """In a child process of ``parent``: exit as soon as ``parent`` is gone (a daemon thread looks every 0.5 s).

    A worker process whose parent was killed (SIGKILL, out of memory) is
    re-parented; loky's workers would wait minutes for work that never comes,
    holding their memory. Does nothing (returns False) in ``parent`` itself or
    in a process that is not its child (threads, a remote Dask worker).
    """
    if os.getpid() == parent or not hasattr(os, "getppid") or os.getppid() != parent:
        return False
    if parent not in _WATCHING:
        _WATCHING.add(parent)

        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(WATCH_SECONDS)
            os._exit(1)  # the parent is gone: nobody will read our results

        import threading

        threading.Thread(target=watch, name="textmine-watch-parent", daemon=True).start()
    return True
