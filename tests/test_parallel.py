"""Parallel tokenization goes through joblib, so any joblib backend runs it, Dask included.

The Dask test starts a small local cluster (two worker processes, each
unpickling the tokenizer and loading the dictionary itself) as a stand-in for
a real one: ``with joblib.parallel_backend("dask"):`` sends the same
``tokens(corpus, n_jobs=-1)`` call to the cluster's workers.
"""

from __future__ import annotations

from pathlib import Path

import joblib
import numpy as np
import pytest
from _procs import alive

import textmine as tm

from textmine.tokenize import Tokenizer
from textmine.tokenize.stream import cleaned_fingerprint

SEEDS = sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    """Chunks of a few thousand characters, so that these small texts make several tasks."""
    monkeypatch.setattr("textmine.tokenize.stream.CHUNK_CHARS", (1, 4000))


@pytest.fixture(scope="module")
def texts() -> list[str]:
    # twelve slices of the seed files: enough for several chunks per worker
    return [p.read_text(encoding="utf-8")[start:start + 2000] for p in SEEDS for start in (0, 2000)][:12]


def test_loky_workers_give_the_serial_result(texts):
    tok = Tokenizer()
    serial = [tok(t) for t in texts]
    assert list(tm.tokens(texts, n_jobs=-1, cache=False, tokenizer=tok)) == serial
    assert list(tm.tokens(texts, n_jobs=None, cache=False, tokenizer=tok)) == serial


def test_dask_cluster_runs_the_same_call_and_gives_the_serial_result(texts, tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    from textmine.tokenize.cache import TokenCache

    folder = _raw_files(texts, tmp_path / "corpus")
    corpus = tm.load_corpus(folder, lazy=True)  # read here, cleaned on the workers
    tok = Tokenizer()
    serial = [tok(d.text) for d in corpus]
    cache = TokenCache(tmp_path / "cache")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        with distributed.get_task_stream(client) as stream, joblib.parallel_backend("dask"):
            tokens = list(tm.tokens(corpus, n_jobs=-1, cache=cache, tokenizer=tok))
        assert tokens == serial
        assert len(stream.data) > 1  # the chunks ran as tasks on the cluster
    # the cluster's results went to the on-disk cache of this process: entries with the serial tokens
    assert cache.misses == len(texts)
    keys = [cache.key(d.raw, cleaned_fingerprint(tok.fingerprint, d.clean_options)) for d in corpus]
    assert [cache.get(k) for k in keys] == serial


def _raw_files(texts: list[str], folder: Path) -> Path:
    """Each text as a file with web furniture and hard line breaks that cleaning removes."""
    folder.mkdir()
    for i, text in enumerate(texts):
        broken = "\n".join(text[j:j + 37] for j in range(0, len(text), 37))
        (folder / f"d{i:02d}.txt").write_text(f"<p>{broken}</p>\n", encoding="utf-8")
    return folder


def test_a_backend_elsewhere_gets_texts_and_options_and_the_cache_is_written_here(texts, tmp_path, monkeypatch):
    """The Dask code path without a cluster: joblib threads standing in for workers on other machines."""
    import pickle

    from textmine.tokenize import stream
    from textmine.tokenize.cache import TokenCache

    monkeypatch.setattr(stream, "local_backend", lambda: False)
    sent, overhead = [], []
    process_chunk = stream.process_chunk

    def worker(tokenizer, sources, skip=(), cache_dir=None, write=False, **serial):
        sent.append((cache_dir, write, [(s.kind, s.opts) for s in sources]))
        result = process_chunk(tokenizer, sources, skip, cache_dir=cache_dir, write=write, **serial)
        overhead.append((len(pickle.dumps(result)) - len(pickle.dumps((result.words, result.ids))), len(sources)))
        assert result.ids.dtype == np.uint16  # a chunk of a few thousand characters: fewer than 65,536 words
        return result

    monkeypatch.setattr(stream, "process_chunk", worker)
    corpus = tm.load_corpus(_raw_files(texts, tmp_path / "corpus"), lazy=True, unmask=True)
    tok = Tokenizer()
    serial = [tok(d.text) for d in corpus]
    cache = TokenCache(tmp_path / "cache")
    with joblib.parallel_backend("threading", n_jobs=2):
        assert list(tm.tokens(corpus, n_jobs=-1, cache=cache, tokenizer=tok)) == serial
    assert len(sent) > 1
    # no file name, no cache folder: the raw text and its cleaning options; the worker writes nothing
    assert {(cache_dir, write) for cache_dir, write, _ in sent} == {(None, False)}
    assert all(kind_opts == ("raw", {"unmask": True, "to_simplified": "auto"}) for *_, chunk in sent
               for kind_opts in chunk)
    # what comes back is the chunk vocabulary and ids, not a token list per document as well
    assert all(extra < 300 * n for extra, n in overhead), overhead
    # written here: a run on the same documents in another order (another corpus: no bundle) reads every entry
    again = TokenCache(tmp_path / "cache")
    assert list(tm.tokens(corpus[::-1], cache=again, tokenizer=tok)) == serial[::-1]
    assert again.hits == len(texts) and again.misses == 0


def test_a_worker_installed_differently_from_the_client_refuses_with_a_named_error(monkeypatch):
    from textmine.errors import TextmineError
    from textmine.tokenize import stream

    tok = Tokenizer()
    source = stream.Source("text", "优化营商环境", None, None, 6)
    env = stream.worker_environment(tok)
    assert stream._chunk_elsewhere(tok, [source], environment=env).words == ["营商环境"]
    other = {**env, "jieba dict.txt sha256": "0" * 64}
    with pytest.raises(TextmineError, match="installed differently.*jieba dict.txt sha256"):
        stream._chunk_elsewhere(tok, [source], environment=other)
    monkeypatch.setattr("textmine.tokenize.tokenizer._rjieba_available", lambda: False)
    with pytest.raises(TextmineError, match="engine='rjieba'.*not installed"):
        stream._chunk_elsewhere(tok, [source], environment={**env, "engine": "rjieba"})


def test_repeated_and_already_cached_documents_in_a_parallel_run(texts, tmp_path):
    from textmine.tokenize.cache import TokenCache

    tok = Tokenizer()
    corpus = [texts[0], texts[1], texts[0], texts[2], texts[1], texts[0], texts[3]]
    serial = [tok(t) for t in corpus]
    list(tm.tokens(corpus[:2], cache=tmp_path, tokenizer=tok))  # two of four distinct texts cached
    cache = TokenCache(tmp_path)
    got = list(tm.tokens(corpus, n_jobs=2, cache=cache, tokenizer=tok))
    assert got == serial
    assert got[0] is not got[2]  # repeated documents get their own lists
    assert cache.hits == 5  # every occurrence of the two cached texts
    assert len(list(tmp_path.glob("*/*.tok"))) == 4


def test_a_chunk_with_more_than_65536_distinct_words_sends_int32_ids():
    from textmine.tokenize import stream

    class Split(Tokenizer):
        def __call__(self, text):
            return text.split()

    words = [f"w{i}" for i in range(70_000)]
    text = " ".join(words + words[:3])
    small = stream.process_chunk(Split(), [stream.Source("text", "a b a", None, None, 5)])
    assert small.ids.dtype == np.uint16 and [small.words[i] for i in small.ids] == ["a", "b", "a"]
    big = stream.process_chunk(Split(), [stream.Source("text", text, None, None, len(text))])
    assert big.ids.dtype == np.int32
    assert [big.words[i] for i in big.ids.tolist()] == words + words[:3]


def test_textmines_worker_processes_exit_soon_after_a_run_unless_the_caller_chose_the_backend():
    from joblib import parallel_config

    from textmine._parallel import WORKER_IDLE_SECONDS, worker_backend

    backend = worker_backend()  # the default loky pool, its idle workers exiting after seconds, not minutes
    assert type(backend).__name__ == "LokyBackend"
    assert backend.backend_kwargs["idle_worker_timeout"] == WORKER_IDLE_SECONDS < 60
    with parallel_config(backend="threading"):
        assert worker_backend() is None
    with parallel_config(backend="loky", idle_worker_timeout=120):
        assert worker_backend() is None


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from /proc")
def test_release_workers_kill_ends_the_idle_workers_before_it_returns():
    import os

    from joblib import Parallel, delayed

    from textmine._parallel import release_workers, worker_backend

    pids = set(Parallel(n_jobs=2, backend=worker_backend())(delayed(os.getpid)() for _ in range(4)))
    assert pids and os.getpid() not in pids

    release_workers(kill=True)
    assert not [pid for pid in pids if alive(pid)]
    assert Parallel(n_jobs=2, backend=worker_backend())(delayed(abs)(-i) for i in range(3)) == [0, 1, 2]  # a new pool


def _ignores_sigint(pid: int) -> bool:
    """Whether process ``pid`` ignores SIGINT (its ``SigIgn`` mask in /proc)."""
    import signal

    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigIgn:"):
            return bool(int(line.split()[1], 16) >> (signal.SIGINT - 1) & 1)
    raise AssertionError(f"no SigIgn line for {pid}")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads signal masks from /proc")
def test_workers_started_for_tokens_leave_ctrl_c_to_this_process(texts):
    import os
    import signal

    from _procs import loky_workers
    from joblib import delayed

    from textmine._parallel import release_workers, results_in_order, worker_backend

    release_workers(kill=True)  # the next call starts its pool
    before = signal.getsignal(signal.SIGINT)
    assert len(list(tm.tokens(texts, n_jobs=2, cache=False))) == len(texts)
    workers = loky_workers()
    assert workers and all(_ignores_sigint(pid) for pid in workers)  # Ctrl-C: this process stops them
    assert signal.getsignal(signal.SIGINT) is before and not _ignores_sigint(os.getpid())
    release_workers(kill=True)
    pids = set(results_in_order((delayed(os.getpid)() for _ in range(4)), 2, worker_backend()))  # cleaning, counting
    assert pids and os.getpid() not in pids and all(_ignores_sigint(pid) for pid in pids)
    assert list(results_in_order((delayed(abs)(-i) for i in range(5)), 2, worker_backend())) == [0, 1, 2, 3, 4]
