"""Worker processes shared by tokenizing, cleaning and counting: how many, on which pool, how documents are cut into chunks, and a watch on the parent.

>>> n_workers(1), chunks([60_000, 60_000, 10, 10], 1)
(1, [[0], [1], [2, 3]])
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from typing import Any, Iterable, Iterator, Sequence

__all__ = ["n_workers", "chunks", "watch_parent", "worker_backend", "release_workers", "children_ignore_sigint",
           "results_in_order",
           "CHUNKS_PER_WORKER", "CHUNK_CHARS", "WATCH_SECONDS", "WORKER_IDLE_SECONDS"]

#: Chunks of documents per worker in a parallel run (more chunks: less idle time at the end).
CHUNKS_PER_WORKER = 16
#: Bounds on the characters of text in one chunk sent to a worker.
CHUNK_CHARS = (50_000, 2_000_000)
#: Seconds between two looks at whether the parent process is still there.
WATCH_SECONDS = 0.5
#: Seconds an idle worker of textmine's default (loky) pool waits for the next run before it exits
#: (loky's own default: 300). Each tokenizing worker holds its dictionary engine (150-200 MB in all);
#: a pipeline that goes on to count and score in this process should not carry them along.
WORKER_IDLE_SECONDS = 10


def n_workers(n_jobs: int | None) -> int:
    """Workers for ``n_jobs`` in scikit-learn's convention (None = 1 unless a joblib context says otherwise)."""
    from joblib import effective_n_jobs

    return max(1, effective_n_jobs(n_jobs))


def worker_backend() -> Any:
    """The default loky backend with idle workers exiting after :data:`WORKER_IDLE_SECONDS`; else None.

    None (the active backend as it is) when the caller chose a backend or its
    idle timeout (``joblib.parallel_config``).

    >>> type(worker_backend()).__name__
    'LokyBackend'
    """
    from joblib._parallel_backends import LokyBackend
    from joblib.parallel import get_active_backend

    backend, _ = get_active_backend()
    if type(backend) is not LokyBackend or "idle_worker_timeout" in getattr(backend, "backend_kwargs", {}):
        return None
    return LokyBackend(idle_worker_timeout=WORKER_IDLE_SECONDS)


def release_workers(*, kill: bool = False) -> None:
    """Shut down joblib's reusable loky workers now (the next parallel run starts new ones).

    ``kill=True`` terminates them rather than letting each end its interpreter
    (a few tenths of a second of garbage collection): for idle workers of a
    process that is about to exit.
    """
    from joblib.externals.loky import reusable_executor

    executor = getattr(reusable_executor, "_executor", None)
    if executor is not None:
        executor.shutdown(wait=True, kill_workers=kill)


@contextlib.contextmanager
def children_ignore_sigint() -> Iterator[None]:
    """Processes started in the block ignore SIGINT (Ctrl-C); this process's own handler is back after it.

    A worker pool started here does not print a ``KeyboardInterrupt`` traceback
    from each worker when Ctrl-C reaches the whole process group: the parent
    handles the interrupt and stops its workers. Signal dispositions are
    per process, so a Ctrl-C landing within the block itself (the milliseconds
    of starting processes) is ignored here too. Does nothing outside the main
    thread.

    >>> with children_ignore_sigint():
    ...     pass
    """
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def results_in_order(tasks: Iterable[Any], workers: int, backend: Any = None) -> Iterator[Any]:
    """``joblib.Parallel(n_jobs=workers, batch_size=1, return_as="generator", backend=backend)(tasks)``.

    The results of joblib ``delayed`` tasks, in order, as they come. Worker
    processes this call starts ignore Ctrl-C (:func:`children_ignore_sigint`):
    on Ctrl-C this process raises ``KeyboardInterrupt`` and joblib stops them,
    without a traceback from each. ``backend`` None: the active one.

    >>> from joblib import delayed
    >>> list(results_in_order((delayed(abs)(-i) for i in range(3)), 1))
    [0, 1, 2]
    """
    from joblib import Parallel

    with children_ignore_sigint():  # joblib starts the pool and sends the first tasks within the call
        return Parallel(n_jobs=workers, batch_size=1, return_as="generator", backend=backend)(tasks)


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
