"""Plumbing shared by the benchmark scripts: child processes, their environment, how they are measured.

The scripts run as ``python benchmarks/X.py`` (their own children too), so this folder is on
``sys.path`` and they import this module as ``_common``.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import nullcontext
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, NamedTuple

ROOT = Path(__file__).resolve().parents[1]

#: Where children with bytecode caching on keep their compiled bytecode (``PYTHONPYCACHEPREFIX``), outside the trees.
PYCACHE = ROOT / "benchmarks" / "data" / ".pycache"


# ---------------------------------------------------------------------------
# the environment of a child


def child_env(extra: dict[str, str] | None = None, tree: Path | None = None, bytecode: bool = False) -> dict[str, str]:
    """This environment plus ``extra``; ``tree``: import textmine from that source tree (``PYTHONPATH``).

    ``bytecode``: caching on, as in a user's Python. ``PYTHONDONTWRITEBYTECODE`` (set on some
    build machines) would make every child compile textmine's modules from source again, about
    0.1 s of CPU a run that an installed package does not spend.
    """
    env = {**os.environ, **(extra or {})}
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    if bytecode:
        env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def import_textmine(tree: str) -> ModuleType:
    """``textmine`` of the source tree ``tree``, put first on ``sys.path``; exit if another one is imported."""
    sys.path.insert(0, tree)
    import textmine

    if not textmine.__file__.startswith(tree):
        raise SystemExit(f"imported {textmine.__file__}, not from {tree}")
    return textmine


# ---------------------------------------------------------------------------
# a script's children: ``python SCRIPT --child NAME JSON`` runs ``CHILDREN[NAME](**JSON)``


def child_cmd(script: Path | str, name: str, kwargs: dict[str, Any]) -> list[str]:
    """The command running ``children[name](**kwargs)`` of ``script`` in a fresh interpreter (:func:`serve_child`)."""
    return [sys.executable, str(script), "--child", name, json.dumps(kwargs)]


def serve_child(children: dict[str, Callable[..., Any]], argv: list[str] | None = None) -> bool:
    """If ``argv`` is ``--child NAME JSON``: print ``children[NAME](**JSON)`` as JSON (the last line) and return True."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] != ["--child"]:
        return False
    print(json.dumps(children[argv[1]](**json.loads(argv[2]))))
    return True


# ---------------------------------------------------------------------------
# /proc: memory and CPU of a process tree


def rss_kb(pid: int) -> int:
    """The resident memory (VmRSS) of ``pid`` in kB; 0 once it has gone."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def descendants(pid: int) -> list[int]:
    """The live descendants of ``pid``: the children of each of its threads, recursively."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                with open(f"/proc/{p}/task/{tid}/children") as fh:
                    kids = [int(k) for k in fh.read().split()]
            except OSError:
                kids = []
            out += kids
            todo += kids
    return out


def cpu_ticks(pid: int) -> int:
    """User + system CPU of ``pid`` in clock ticks (``/proc/<pid>/stat``); 0 once it has gone."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return 0


def cpu_seconds(children: bool = True) -> float:
    """CPU seconds (user + system) of this process so far, with ``children`` also of those it has waited for."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    if not children:
        return own.ru_utime + own.ru_stime
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def shutdown_workers() -> None:
    """Stop joblib's loky workers and wait for them: their CPU time and ``ru_maxrss`` then count as children's."""
    from joblib.externals.loky import reusable_executor

    executor = getattr(reusable_executor, "_executor", None)
    if executor is not None:
        executor.shutdown(wait=True)


class TreeSampler:
    """Samples the process tree of ``pid`` every ``interval`` seconds on a thread, inside a ``with`` block.

    ``peak_kb``: the largest summed RSS; ``max_processes``: the most processes at once; with
    ``ticks``, ``ticks[pid]``: each process's CPU ticks as last seen.
    """

    def __init__(self, pid: int, ticks: bool = False, interval: float = 0.05) -> None:
        self.pid, self.interval, self.peak_kb, self.max_processes = pid, interval, 0, 1
        self.ticks: dict[int, int] | None = {} if ticks else None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self, pids: list[int], kb: list[int]) -> None:
        """Record one sample: ``kb[i]`` is the RSS of ``pids[i]``, the root first."""
        self.peak_kb = max(self.peak_kb, sum(kb))
        self.max_processes = max(self.max_processes, len(pids))
        if self.ticks is not None:
            for p in pids:
                self.ticks[p] = max(self.ticks.get(p, 0), cpu_ticks(p))

    def _run(self) -> None:
        while not self._stop.is_set():
            pids = [self.pid, *descendants(self.pid)]
            self.sample(pids, [rss_kb(p) for p in pids])
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()


# ---------------------------------------------------------------------------
# running a child to its exit


class Finished(NamedTuple):
    """A process run to its exit by :func:`run_timed`."""

    wall: float  # seconds from launch to exit
    usage: Any  # the rusage of os.wait4
    stdout: str
    stderr: str
    tree: TreeSampler | None  # with sample=True

    @property
    def cpu(self) -> float:
        """CPU seconds of the process and of every process it waited for (``os.wait4``)."""
        return self.usage.ru_utime + self.usage.ru_stime

    @property
    def last_line(self) -> str:
        return self.stdout.strip().splitlines()[-1]

    @property
    def result(self) -> Any:
        """The JSON on the last line of its stdout."""
        return json.loads(self.last_line)


def run_timed(cmd: list[str], env: dict[str, str], cwd: Path | str, what: str, sample: bool = False,
              ticks: bool = False, merge_stderr: bool = False) -> Finished:
    """Run ``cmd`` to its exit, its output in temporary files; raise with the end of its stderr if it fails.

    Wall seconds from launch to exit, the rusage of ``os.wait4`` (the process and the workers it
    waited for); with ``sample`` (or ``ticks``) its tree sampled every 50 ms (:class:`TreeSampler`).
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT if merge_stderr else err, cwd=cwd, env=env)
        with (TreeSampler(proc.pid, ticks) if sample or ticks else nullcontext()) as tree:
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace")
    if proc.returncode != 0:
        raise RuntimeError(f"{what} failed:\n{(stdout if merge_stderr else stderr)[-3000:]}")
    return Finished(wall, usage, stdout, stderr, tree)


def run_textmine_report(args: list[str], cache: Path, tree: Path | None = None, sample: bool = False) -> Finished:
    """``python -m textmine.report ARGS`` (stderr merged into stdout) with ``TEXTMINE_CACHE_DIR=cache``, the
    Agg backend, run in ``tree`` with its textmine (default: in this tree, without ``PYTHONPATH``),
    bytecode caching on as in a user's Python (since 2026-12-03: before, each run compiled textmine's
    modules again where ``PYTHONDONTWRITEBYTECODE`` is set, ~0.15 s of a warm report)."""
    env = child_env({"TEXTMINE_CACHE_DIR": str(cache), "MPLBACKEND": "Agg"}, tree, bytecode=True)
    return run_timed([sys.executable, "-m", "textmine.report", *args], env, tree or ROOT,
                     f"python -m textmine.report ({tree or ROOT})", sample=sample, merge_stderr=True)


# ---------------------------------------------------------------------------
# the run's circumstances and summaries


def uptime() -> str:
    """What ``uptime`` says (the load average), for the record of a run on a shared machine."""
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return repr(os.getloadavg())


def median(rows: list[dict], key: str) -> float:
    """The median of ``row[key]`` over ``rows``."""
    import statistics  # here: the children that import this module do not need it

    return statistics.median(row[key] for row in rows)
