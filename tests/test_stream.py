"""A corpus run's worker processes (textmine.tokenize.stream): what they leave behind when their parent dies.

The chunking and the results of parallel runs are tested in test_parallel.py and test_cache.py.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _procs import alive, loky_workers

from textmine.tokenize.stream import _chunks, watch_parent

SCRIPT = """
import os, sys, time
from pathlib import Path
import textmine.tokenize.stream as stream
from textmine import tokens

stream.CHUNK_CHARS = (1, 40)  # many small chunks: loky worker processes start
texts = [f"第{i}项：推进乡村振兴，优化营商环境，发展新质生产力。" for i in range(60)]
assert len(list(tokens(texts, n_jobs=2, cache=False))) == 60
children = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").read_text().split()
print(" ".join(children), flush=True)
time.sleep(120)
"""


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads child processes from /proc")
def test_worker_processes_exit_within_seconds_when_their_parent_is_killed(tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "TEXTMINE_CACHE_DIR": str(tmp_path)})
    try:
        line = proc.stdout.readline()
        workers = [int(p) for p in line.split()]
        assert workers, proc.stderr.read()
        assert all(alive(w) for w in workers)  # loky keeps idle workers for reuse
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(alive(w) for w in workers):
            time.sleep(0.2)
        assert not [w for w in workers if alive(w)]
    finally:
        proc.kill()
        for w in workers if "workers" in locals() else []:
            try:
                os.kill(w, signal.SIGKILL)
            except OSError:
                pass


def test_the_watch_starts_only_in_a_child_of_the_given_parent():
    assert watch_parent(os.getpid()) is False  # in the parent itself (n_jobs=1, threads): no watch
    assert watch_parent(os.getppid() + 10**6) is False  # not our parent (e.g. a remote Dask worker)


def test_chunks_are_contiguous_and_cover_every_document():
    sizes = [60_000, 60_000, 10, 10, 5]
    chunks = _chunks(sizes, 1)
    assert [i for c in chunks for i in c] == list(range(len(sizes)))
    assert chunks == [[0], [1], [2, 3, 4]]  # the target size is 50,000 characters (CHUNK_CHARS[0])


def test_a_serial_run_learns_each_distinct_token_once_across_documents(monkeypatch):
    """One document at a time (n_jobs=1): a token's filter verdict and id carry over to later documents."""
    import textmine.tokenize.stream as stream
    from textmine import tokens

    learned: list[str] = []
    original = stream.ChunkIds._learn

    def counting(self, token):
        learned.append(token)
        return original(self, token)

    monkeypatch.setattr(stream.ChunkIds, "_learn", counting)
    texts = ["推进乡村振兴。", "推进乡村振兴。", "优化营商环境，推进乡村振兴。"]
    got = list(tokens(texts, n_jobs=1, cache=False))
    assert got == [["乡村振兴"], ["乡村振兴"], ["营商环境", "乡村振兴"]]
    assert sorted(learned) == sorted(set(learned))  # no raw token learned twice
    assert {"乡村振兴", "营商环境", "推进"} <= set(learned)


def test_the_cleaning_key_is_the_same_whether_or_not_the_cleaning_module_was_imported():
    code = (
        "import sys\n"
        "from textmine.tokenize.stream import _cleaning_key\n"
        "opts = {'unmask': False, 'to_simplified': 'auto'}\n"
        "before = _cleaning_key(opts)\n"
        "assert 'textmine.cleaning' not in sys.modules\n"
        "import textmine.cleaning\n"
        "_cleaning_key.__globals__['_cleaning_key_json'].cache_clear()\n"
        "print(before == _cleaning_key(opts))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "True"


def test_a_warm_run_of_a_lazy_corpus_reads_its_bundle_without_loading_the_cleaning_rules(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    for i in range(3):
        (folder / f"d{i}.txt").write_text(f"第{i}份 报 告：加快发展新质生\n产力。\n", encoding="utf-8")
    code = (
        "import sys, textmine as tm\n"
        f"corpus = tm.load_corpus({str(folder)!r}, lazy=True)\n"
        f"toks = list(tm.tokens(corpus, cache={str(tmp_path / 'cache')!r}))\n"
        "print(toks[0], 'textmine.cleaning' in sys.modules)\n"
    )
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    cold = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    time.sleep(2.1)  # files younger than 2 s get no bundle (stream.RECENT_SECONDS)
    subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    warm = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert cold.returncode == warm.returncode == 0, cold.stderr + warm.stderr
    assert cold.stdout.strip() == "['发展', '新质生产力'] True"  # cleaned: the break inside 新质生产力 joined
    assert warm.stdout.strip() == "['发展', '新质生产力'] False"


WORKER = """
import sys
from textmine.tokenize import Tokenizer
from textmine.tokenize.stream import Source, process_chunk

raw = "<p>推进乡村振兴，优化营商环境</p>"
chunk = process_chunk(Tokenizer(), [Source("raw", raw, {"unmask": False, "to_simplified": "auto"}, None, len(raw))])
print(chunk.words, sorted(m for m in ("pandas", "scipy", "sklearn", "joblib") if m in sys.modules))
"""


def test_a_worker_cleans_and_segments_a_chunk_without_importing_pandas(tmp_path):
    """What a Dask worker runs on its first chunk: pandas (0.3 s, ~40 MB) is not needed for it."""
    out = subprocess.run([sys.executable, "-c", WORKER], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "TEXTMINE_CACHE_DIR": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[0] == "['乡村振兴', '营商环境'] []"


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc")
def test_a_long_run_shuts_its_worker_processes_down_at_its_end(monkeypatch):
    import textmine.tokenize.stream as stream
    from textmine import tokens

    texts = ["推进乡村振兴，优化营商环境。" * 4_000, "发展新质生产力。" * 8_000] * 2  # one chunk each: workers
    expected = list(tokens(texts, cache=False))
    monkeypatch.setattr(stream, "RELEASE_AFTER_SECONDS", 0.0)  # every run counts as long
    assert list(tokens(texts, n_jobs=2, cache=False)) == expected
    assert loky_workers() == []


def test_a_worker_keeps_one_vocabulary_per_run_and_sends_only_the_words_new_to_it():
    from textmine.tokenize import Tokenizer
    from textmine.tokenize.stream import Source, _chunk_in_worker, _drop_sessions

    tok = Tokenizer()
    first = _chunk_in_worker(tok, [Source("text", "推进乡村振兴，优化营商环境", None, None, 13)], parent=-1, run="r1")
    again = _chunk_in_worker(tok, [Source("text", "优化营商环境，发展新质生产力", None, None, 14)], parent=-1, run="r1")
    other = _chunk_in_worker(tok, [Source("text", "优化营商环境", None, None, 6)], parent=-1, run="r2")
    assert (first.base, first.words) == (0, ["乡村振兴", "营商环境"])
    assert (again.session, again.base) == (first.session, 2)
    assert again.words == ["发展", "新质生产力"]  # 营商环境 was sent with the first chunk
    assert again.ids.tolist() == [1, 2, 3]        # ids count from the start of the worker's vocabulary
    assert other.session != first.session and (other.base, other.words, other.ids.tolist()) == (0, ["营商环境"], [0])
    _drop_sessions("r1")
    _drop_sessions("r2")


def test_the_run_maps_worker_vocabularies_in_arrival_order_and_refuses_a_gap():
    from textmine.tokenize.stream import IdMap, Vocab

    vocab, m = Vocab(), IdMap()
    assert vocab.add(["发展", "改革", "发展"]).tolist() == [0, 1, 0]
    assert m.extend(vocab, ["改革", "创新"], 0).tolist() == [1, 2]
    assert m.extend(vocab, ["改革", "创新", "开放"], 0).tolist() == [1, 2, 3]  # a serial run resends its whole list
    with pytest.raises(RuntimeError, match="out of order"):
        m.extend(vocab, ["协调"], 5)
    assert vocab.words == ["发展", "改革", "创新", "开放"]


def test_chunks_run_in_threads_keep_a_vocabulary_per_thread_and_give_the_serial_tokens(monkeypatch):
    import joblib

    import textmine.tokenize.stream as stream
    from textmine import tokens

    monkeypatch.setattr(stream, "CHUNK_CHARS", (1, 40))  # many small chunks
    texts = [f"第{i}项：推进乡村振兴，优化营商环境，发展新质生产力{i % 7}。" for i in range(40)]
    serial = list(tokens(texts, n_jobs=1, cache=False))
    before = set(stream._SESSIONS)
    with joblib.parallel_backend("threading", n_jobs=2):
        assert list(tokens(texts, n_jobs=2, cache=False)) == serial
    assert set(stream._SESSIONS) == before  # the run's vocabularies, kept in this process's threads, are dropped


def test_a_full_worker_vocabulary_makes_way_for_a_new_one_with_the_same_tokens(monkeypatch):
    import joblib

    import textmine.tokenize.stream as stream
    from textmine import tokens

    monkeypatch.setattr(stream, "CHUNK_CHARS", (1, 40))
    monkeypatch.setattr(stream, "SESSION_TOKENS", 1)  # every chunk starts a new vocabulary
    names = []
    chunk_in_worker = stream._chunk_in_worker

    def recording(*args, **kwargs):
        result = chunk_in_worker(*args, **kwargs)
        names.append(result.session)
        return result

    monkeypatch.setattr(stream, "_chunk_in_worker", recording)
    texts = [f"第{i}项：推进乡村振兴，优化营商环境{i % 5}。" for i in range(20)]
    serial = list(tokens(texts, n_jobs=1, cache=False))
    with joblib.parallel_backend("threading", n_jobs=2):
        assert list(tokens(texts, n_jobs=2, cache=False)) == serial
    assert len(names) > 1 and len(set(names)) == len(names)
