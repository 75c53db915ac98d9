"""Parallel tokenization goes through joblib, so any joblib backend runs it, Dask included.

The Dask test starts a small local cluster (two worker processes, each
unpickling the tokenizer and loading the dictionary itself) as a stand-in for
a real one: ``with joblib.parallel_backend("dask"):`` sends the same
``tokens(corpus, n_jobs=-1)`` call to the cluster's workers.
"""

from __future__ import annotations

from pathlib import Path

import joblib
import pytest

import textmine as tm

from textmine.tokenize import Tokenizer

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
    tok = Tokenizer()
    serial = [tok(t) for t in texts]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        with distributed.get_task_stream(client) as stream, joblib.parallel_backend("dask"):
            tokens = list(tm.tokens(texts, n_jobs=-1, cache=tmp_path, tokenizer=tok))
        assert tokens == serial
        assert len(stream.data) > 1  # the chunks ran as tasks on the cluster
    # the cluster's results went to the on-disk cache of this process
    assert len(list(tmp_path.glob("*/*.tok"))) == len(set(texts))


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
