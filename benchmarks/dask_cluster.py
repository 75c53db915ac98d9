"""The joblib/Dask path of ``textmine.tokens`` on a local cluster of worker processes.

Usage::

    .venv/bin/python benchmarks/dask_cluster.py            # 50 MB -> results/dask_cluster.{md,json}
    .venv/bin/python benchmarks/dask_cluster.py --quick    # 3 MB  -> results/dask_cluster_quick.*
    .venv/bin/python benchmarks/dask_cluster.py --mb 20 --repeat 2

The corpus is the ``provinces`` corpus of ``benchmarks/wall.py`` (raw lines of
the 2026 provincial reports, reshuffled into 5,000-60,000-character files,
``benchmarks/data/provinces_<mb>mb_seed0/``, rebuilt when missing). Every run
is a fresh ``python`` process started by this script, reading the corpus with
``tm.load_corpus(folder, lazy=True)`` (default settings: cleaning on):

``serial``
    ``tm.tokens(corpus, n_jobs=1, cache=False)``: the reference tokens;
``loky``
    ``n_jobs=-1, cache=False`` with joblib's default (local) backend;
``dask``
    a ``LocalCluster(n_workers=2, threads_per_worker=1, processes=True)`` and a
    ``Client``, then ``with joblib.parallel_backend("dask"):`` the same
    ``n_jobs=-1, cache=False`` call; wall time includes starting and closing
    the cluster, ``run_seconds`` is the ``tokens`` call alone;
``dask_bytes``
    the same, also pickling every submitted task's arguments and every result
    in this process to count the bytes sent to and from the workers (the
    pickling is extra work: its times are not comparable);
``dask_cache_cold`` / ``dask_cache_warm``
    ``cache=True`` with a cache folder of their own (``$TEXTMINE_CACHE_DIR``),
    first empty, then filled by the cold run.

Measured per run: wall (launch to exit), CPU (the process and every process
it waited for, ``os.wait4``; Dask's worker processes are children of the
client process here and are waited for when the cluster closes; also the
sum of each process's CPU time as last sampled from ``/proc``), peak summed
RSS of the process tree (sampled every 50 ms), the tokens digest (must be
the serial one), and for the Dask runs the tasks each worker ran
(``distributed.get_task_stream``) and the result bytes it reported.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _common import child_cmd, child_env, cpu_seconds, median, run_timed, serve_child, shutdown_workers  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
RUNS = ("serial", "loky", "dask", "dask_bytes", "dask_cache_cold", "dask_cache_warm")


# ---------------------------------------------------------------------------
# children: the result as JSON on the last line of stdout


def _digest(tokens: list[list[str]]) -> dict:
    import hashlib

    from run import digest

    return {"n_docs": len(tokens), "n_tokens": sum(map(len, tokens)),
            "digest": hashlib.sha256("".join(digest(t) for t in tokens).encode()).hexdigest()[:16]}


def child_local(data: str, n_jobs: int) -> dict:
    import textmine as tm

    start, cpu = time.perf_counter(), cpu_seconds(children=False)
    tokens = list(tm.tokens(tm.load_corpus(data, lazy=True), n_jobs=n_jobs, cache=False))
    seconds, cpu = time.perf_counter() - start, cpu_seconds(children=False) - cpu
    shutdown_workers()  # wait for loky's workers, so their CPU time counts
    return {"run_seconds": round(seconds, 3), "client_cpu": round(cpu, 2), **_digest(tokens)}


def child_dask(data: str, cache: bool, measure_bytes: bool) -> dict:
    import joblib
    from distributed import Client, LocalCluster, get_task_stream

    import textmine as tm

    sent, received = [0, 0], [0]
    if measure_bytes:  # count what goes to and comes back from the workers, pickled as Dask would
        from joblib._dask import DaskDistributedBackend

        submit, retrieve = DaskDistributedBackend.submit, DaskDistributedBackend.retrieve_result_callback

        def counting_submit(self, func, callback=None):
            for _, args, kwargs in func.items:
                sent[0] += len(pickle.dumps((args, kwargs), protocol=5))
                sent[1] += 1
            return submit(self, func, callback)

        def counting_retrieve(self, out):
            result = retrieve(self, out)
            received[0] += len(pickle.dumps(result, protocol=5))
            return result

        DaskDistributedBackend.submit = counting_submit
        DaskDistributedBackend.retrieve_result_callback = counting_retrieve

    start = time.perf_counter()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        client.wait_for_workers(2)
        started, cpu = time.perf_counter(), cpu_seconds(children=False)
        with get_task_stream(client) as stream, joblib.parallel_backend("dask"):
            tokens = list(tm.tokens(tm.load_corpus(data, lazy=True), n_jobs=-1, cache=cache))
        seconds, cpu = time.perf_counter() - started, cpu_seconds(children=False) - cpu
        tasks: dict[str, int] = {}
        result_nbytes = 0
        for t in stream.data:
            if t["key"].startswith("batch_of_") and t.get("status") == "OK":
                tasks[t["worker"]] = tasks.get(t["worker"], 0) + 1
                result_nbytes += t.get("nbytes", 0)
        workers = sorted(client.scheduler_info()["workers"])
        worker_pids = client.run(os.getpid)
    out = {"cluster_start_seconds": round(started - start, 3), "run_seconds": round(seconds, 3),
           "client_cpu": round(cpu, 2),
           "tasks_per_worker": [tasks.get(w, 0) for w in workers],
           "worker_pids_differ_from_client": all(p != os.getpid() for p in worker_pids.values()),
           "result_nbytes_reported": result_nbytes, **_digest(tokens)}
    if measure_bytes:
        out.update(bytes_sent=sent[0], tasks_sent=sent[1], bytes_received=received[0])
    if cache:
        from textmine.tokenize.cache import TokenCache

        folder = TokenCache().directory
        out["cache_files"] = sum(1 for p in Path(folder).rglob("*") if p.is_file())
        out["cache_mb"] = round(sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file()) / 1e6, 1)
    return out


CHILDREN = {"local": child_local, "dask": child_dask}


# ---------------------------------------------------------------------------
# the parent: launch, time, sample memory and CPU


def run_process(child: str, env: dict[str, str] | None = None, **kwargs: Any) -> dict:
    """``CHILDREN[child](**kwargs)`` in a fresh interpreter: wall, CPU, peak tree RSS, load average."""
    load = os.getloadavg()
    run = run_timed(child_cmd(Path(__file__).resolve(), child, kwargs), child_env(env), ROOT, f"{child} {kwargs}",
                    ticks=True)
    return {"wall": round(run.wall, 3), "cpu": round(run.cpu, 2),
            "cpu_sampled": round(sum(run.tree.ticks.values()) / os.sysconf("SC_CLK_TCK"), 2),
            "processes": len(run.tree.ticks), "peak_tree_mb": round(run.tree.peak_kb / 1024, 1),
            "load": [round(x, 2) for x in load], **run.result}


def summary(result: dict) -> str:
    rows = result["rows"]
    base, run_base = rows["serial"]["wall_median"], rows["serial"]["run_median"]
    lines = [
        f"# Dask LocalCluster: `tokens(corpus, n_jobs=-1)` on {result['mb']:.1f} MB ({result['n_docs']} files)",
        "",
        f"`{result['command']}`; {result['machine']}; {result['repeat']} round(s), medians; "
        f"load average (1/5/15 min) before {fmt_load(result['load_before'])}, after {fmt_load(result['load_after'])}.",
        "",
        "| run | wall s | tokens() s | cluster start s | CPU s (waited) | CPU s (sampled) | client CPU s in tokens() "
        "| peak tree RSS MB | processes | tasks per worker | wall vs serial | tokens() vs serial | load (1 min) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|",
    ]
    for key, row in rows.items():
        last = row["runs"][-1]
        start = row.get("cluster_start_median")
        loads = ", ".join(f"{r['load'][0]:.1f}" for r in row["runs"])
        lines.append(
            f"| {key} | {row['wall_median']:.2f} | {row['run_median']:.2f} | "
            f"{'' if start is None else f'{start:.2f}'} | {row['cpu_median']:.1f} | {row['cpu_sampled_median']:.1f} | "
            f"{row['client_cpu_median']:.1f} | {row['peak_tree_mb_max']:.0f} | {last['processes']} | "
            f"{'/'.join(map(str, last.get('tasks_per_worker', []))) or '-'} | {base / row['wall_median']:.2f}x | "
            f"{run_base / row['run_median']:.2f}x | "
            f"{loads} |")
    lines += ["", f"Tokens identical to the serial run in every run: **{result['identical']}** "
              f"(digest `{rows['serial']['runs'][0]['digest']}`, {rows['serial']['runs'][0]['n_tokens']:,} tokens)."]
    b = rows.get("dask_bytes", {}).get("runs", [{}])[-1]
    if "bytes_sent" in b:
        lines.append(f"Sent to the workers: {b['bytes_sent'] / 1e6:.1f} MB in {b['tasks_sent']} tasks "
                     f"(pickled task arguments: texts, cleaning options, the tokenizer); "
                     f"received: {b['bytes_received'] / 1e6:.1f} MB of results (chunk vocabularies and ids, uint16 when a chunk has at most 65,536 distinct words).")
    cold = rows.get("dask_cache_cold", {}).get("runs", [{}])[-1]
    if "cache_mb" in cold:
        lines.append(f"The cache written by the client during the cold Dask run: {cold['cache_files']} files, "
                     f"{cold['cache_mb']} MB (entries and the corpus bundle); the warm run reads the bundle "
                     f"in the client and sends {sum(rows['dask_cache_warm']['runs'][-1]['tasks_per_worker'])} tasks.")
    lines.append("")
    return "\n".join(lines)


def fmt_load(load: list[float]) -> str:
    return "/".join(f"{x:.2f}" for x in load)


def main(argv: list[str] | None = None) -> int:
    if serve_child(CHILDREN, argv):
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=50, help="corpus size in MB of UTF-8 text (default 50)")
    parser.add_argument("--repeat", type=int, default=1, help="alternating rounds (default 1)")
    parser.add_argument("--quick", action="store_true", help="3 MB, results/dask_cluster_quick.*")
    parser.add_argument("--source", type=Path, default=None,
                        help="folder of the provincial report CSVs (default: seeds/provinces2026)")
    parser.add_argument("--runs", default=",".join(RUNS), help=f"comma-separated subset of {','.join(RUNS)}")
    args = parser.parse_args(argv)
    if args.quick:
        args.mb = min(args.mb, 3)
    from run import machine
    from wall import BUNDLED_PROVINCES, SHARED_PROVINCES, build_provinces

    from textmine._io import write_text_atomic

    if args.source is None:
        args.source = BUNDLED_PROVINCES if any(BUNDLED_PROVINCES.glob("*.csv")) else SHARED_PROVINCES
    folder = build_provinces(args.mb, 0, args.source)
    info = json.loads((folder / "corpus.json").read_text())
    print(f"{folder.relative_to(ROOT)}: {info['n_docs']} files, {info['bytes'] / 1e6:.1f} MB", flush=True)
    wanted = [r for r in RUNS if r in args.runs.split(",")]
    runs: dict[str, list[dict]] = {k: [] for k in wanted}
    result: dict[str, Any] = {"command": "python benchmarks/dask_cluster.py " + " ".join(argv or sys.argv[1:]),
                              "machine": machine(), "mb": info["bytes"] / 1e6, "n_docs": info["n_docs"],
                              "folder": str(folder.relative_to(ROOT)), "repeat": args.repeat,
                              "load_before": os.getloadavg()}
    scratch = Path(tempfile.mkdtemp(prefix="textmine-dask-"))
    try:
        for r in range(args.repeat):
            engines = {"TEXTMINE_CACHE_DIR": str(scratch / f"engines{r}")}  # engine term tables only (cache=False)
            cache = {"TEXTMINE_CACHE_DIR": str(scratch / f"cache{r}")}
            plan = {"serial": ("local", engines, {"n_jobs": 1}),
                    "loky": ("local", engines, {"n_jobs": -1}),
                    "dask": ("dask", engines, {"cache": False, "measure_bytes": False}),
                    "dask_bytes": ("dask", engines, {"cache": False, "measure_bytes": True}),
                    "dask_cache_cold": ("dask", cache, {"cache": True, "measure_bytes": False}),
                    "dask_cache_warm": ("dask", cache, {"cache": True, "measure_bytes": False})}
            for key in wanted:
                child, env, kwargs = plan[key]
                x = run_process(child, env=env, data=str(folder), **kwargs)
                runs[key].append(x)
                print(f"  round {r + 1} {key}: wall {x['wall']:.2f}s, tokens() {x['run_seconds']:.2f}s, "
                      f"CPU {x['cpu']:.1f}s ({x['cpu_sampled']:.1f}s sampled), peak {x['peak_tree_mb']:.0f} MB, "
                      f"{x['processes']} processes, tasks {x.get('tasks_per_worker', '-')}, "
                      f"digest {x['digest']} (load {x['load'][0]:.1f})", flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    result["load_after"] = os.getloadavg()
    rows = {}
    for key, rs in runs.items():
        rows[key] = {"wall_median": round(median(rs, "wall"), 3), "run_median": round(median(rs, "run_seconds"), 3),
                     "cpu_median": round(median(rs, "cpu"), 2), "cpu_sampled_median": round(median(rs, "cpu_sampled"), 2),
                     "client_cpu_median": round(median(rs, "client_cpu"), 2),
                     "peak_tree_mb_max": max(x["peak_tree_mb"] for x in rs), "runs": rs}
        if "cluster_start_seconds" in rs[0]:
            rows[key]["cluster_start_median"] = round(median(rs, "cluster_start_seconds"), 3)
    result["rows"] = rows
    digests = {x["digest"] for rs in runs.values() for x in rs}
    result["identical"] = len(digests) == 1
    worked = all(sum(x["tasks_per_worker"]) > 0 and min(x["tasks_per_worker"]) > 0
                 for k, rs in runs.items() if k.startswith("dask") and k != "dask_cache_warm" for x in rs)
    result["every_dask_worker_ran_tasks"] = worked
    stem = "dask_cluster_quick" if args.quick else "dask_cluster"
    write_text_atomic(RESULTS / f"{stem}.json", json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    write_text_atomic(RESULTS / f"{stem}.md", summary(result))
    print(summary(result))
    assert result["identical"], f"tokens differ between runs: {digests}"
    assert worked, "a Dask worker ran no task"
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
