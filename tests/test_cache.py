"""Token cache: checksummed files of JSON and integers, never pickle; tokenizing twice does not redo the work."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import textmine as tm

from textmine.tokenize.cache import ENV_VAR, TokenCache, default_cache_dir
from textmine.tokenize import Tokenizer

TEXTS = ["推进乡村振兴,发展新质生产力", "持续优化营商环境", "推进乡村振兴,发展新质生产力"]
EXPECTED = [["乡村振兴", "发展", "新质生产力"], ["营商环境"], ["乡村振兴", "发展", "新质生产力"]]


def entries(directory: Path) -> list[Path]:
    return sorted(directory.glob("*/*.tok"))


def test_put_then_get_round_trips(tmp_path):
    cache = TokenCache(tmp_path)
    key = TokenCache.key("推进乡村振兴", "fp")
    assert cache.get(key) is None
    cache.put(key, ["乡村振兴"])
    assert cache.get(key) == ["乡村振兴"]
    assert (cache.hits, cache.misses) == (1, 1)


def test_key_depends_on_text_and_fingerprint():
    keys = {TokenCache.key("甲", "f"), TokenCache.key("乙", "f"), TokenCache.key("甲", "g")}
    assert len(keys) == 3
    assert all(len(k) == 64 for k in keys)  # sha256 hex


def read_entry(path: Path) -> tuple[dict, list[str], list[int]]:
    """Header, distinct words and ids of an entry file, parsed here without textmine."""
    raw = path.read_bytes()
    head, rest = raw.split(b"\n", 1)
    header = json.loads(head)
    words_json, ids = rest.split(b"\n", 1)
    width = header["id_bytes"]
    return header, json.loads(words_json), [int.from_bytes(ids[i:i + width], "little")
                                             for i in range(0, len(ids), width)]


def test_entries_are_a_json_header_the_distinct_tokens_and_an_index_per_token(tmp_path):
    cache = TokenCache(tmp_path)
    key = TokenCache.key("优化营商环境，营商环境更优", "fp")
    cache.put(key, ["营商环境", "优化", "营商环境"])
    (path,) = entries(tmp_path)
    header, words, ids = read_entry(path)
    assert words == ["营商环境", "优化"]
    assert ids == [0, 1, 0]
    assert header["key"] == key and header["id_bytes"] == 2
    assert (header["n_words"], header["n_tokens"]) == (2, 3)


def test_checksum_is_the_sha256_of_everything_after_the_header_line(tmp_path):
    import hashlib

    cache = TokenCache(tmp_path)
    key = TokenCache.key("优化营商环境", "fp")
    cache.put(key, ["营商环境", "优化"])
    raw = cache.path(key).read_bytes()
    head, body = raw.split(b"\n", 1)
    assert json.loads(head)["sha256"] == hashlib.sha256(body).hexdigest()


@pytest.fixture
def no_bundles(monkeypatch):
    """Per-document entries only: no corpus bundle is written or read."""
    monkeypatch.setattr("textmine.tokenize.stream.BUNDLE_MIN_DOCS", 10**9)


def test_truncated_entry_is_detected_removed_and_rebuilt(tmp_path, no_bundles):
    tok = Tokenizer()
    assert list(tm.tokens(TEXTS, cache=tmp_path, tokenizer=tok)) == EXPECTED
    path = entries(tmp_path)[0]
    good = path.read_bytes()
    path.write_bytes(good[: len(good) // 2])
    cache = TokenCache(tmp_path)
    assert list(tm.tokens(TEXTS, cache=cache, tokenizer=tok)) == EXPECTED
    assert cache.rebuilt == 1
    assert path.read_bytes() == good  # written again, whole


def test_tampered_tokens_fail_the_checksum(tmp_path):
    cache = TokenCache(tmp_path)
    key = TokenCache.key("优化营商环境", "fp")
    cache.put(key, ["营商环境", "优化"])
    path = cache.path(key)
    raw = bytearray(path.read_bytes())
    raw[-2] ^= 1  # the last id now points at the other word: a well-formed entry, wrong content
    path.write_bytes(bytes(raw))
    assert cache.get(key) is None
    assert not path.exists()
    assert cache.rebuilt == 1


def test_an_entry_under_another_key_is_refused(tmp_path):
    cache = TokenCache(tmp_path)
    a, b = TokenCache.key("甲", "fp"), TokenCache.key("乙", "fp")
    cache.put(a, ["甲"])
    cache.path(b).parent.mkdir(parents=True, exist_ok=True)
    cache.path(b).write_bytes(cache.path(a).read_bytes())
    assert cache.get(b) is None


def test_tokenizing_twice_reads_the_cache_instead_of_the_engine(tmp_path, monkeypatch):
    tok = Tokenizer()
    assert list(tm.tokens(TEXTS, cache=tmp_path, tokenizer=tok)) == EXPECTED
    assert len(entries(tmp_path)) == 2  # the repeated text is stored once

    def no_engine(self, text):
        raise AssertionError("the engine ran although every document was cached")

    monkeypatch.setattr(Tokenizer, "cut", no_engine)
    cache = TokenCache(tmp_path)
    assert list(tm.tokens(TEXTS, cache=cache, tokenizer=tok)) == EXPECTED
    assert (cache.hits, cache.misses) == (3, 0)


def test_other_settings_do_not_reuse_entries(tmp_path):
    list(tm.tokens(TEXTS, cache=tmp_path, tokenizer=Tokenizer()))
    cache = TokenCache(tmp_path)
    tokens = list(tm.tokens(TEXTS[:2], cache=cache, tokenizer=Tokenizer(drop_stopwords=False)))
    assert tokens == [["推进", "乡村振兴", "发展", "新质生产力"], ["持续", "优化", "营商环境"]]
    assert cache.hits == 0


def test_cache_false_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    assert list(tm.tokens(TEXTS, cache=False, tokenizer=Tokenizer())) == EXPECTED
    assert entries(tmp_path) == []


def test_cache_directory_argument_then_environment_then_home(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "from_env"))
    assert TokenCache(tmp_path / "explicit").directory == tmp_path / "explicit"
    assert TokenCache().directory == tmp_path / "from_env"
    list(tm.tokens(["优化营商环境"], tokenizer=Tokenizer()))
    assert len(entries(tmp_path / "from_env")) == 1
    monkeypatch.delenv(ENV_VAR)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "textmine" / "tokens"


def test_no_temporary_files_are_left_behind(tmp_path):
    list(tm.tokens(TEXTS, cache=tmp_path, tokenizer=Tokenizer()))
    leftovers = [p for p in tmp_path.rglob("*") if p.is_file() and not p.name.endswith((".tok", ".tmb"))]
    assert leftovers == []


def test_unwritable_cache_warns_and_still_tokenizes(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory", encoding="utf-8")
    with pytest.warns(UserWarning, match="cannot write the token cache"):
        assert list(tm.tokens(TEXTS, cache=blocker / "cache", tokenizer=Tokenizer())) == EXPECTED


@pytest.mark.parametrize("tokens", [[], [""], ["", ""], ["引号\"里", "反斜杠\\", "换\n行", "\",\""], ["a", "b,c", "[d]"]])
def test_tokens_with_quotes_backslashes_commas_and_empty_strings_round_trip(tmp_path, tokens):
    cache = TokenCache(tmp_path)
    key = TokenCache.key("text", "fp")
    cache.put(key, tokens)
    assert TokenCache(tmp_path).get(key) == tokens


def test_more_than_65536_distinct_tokens_take_four_bytes_each(tmp_path):
    cache = TokenCache(tmp_path)
    key = TokenCache.key("many", "fp")
    tokens = [f"词{i}" for i in range(70_000)] + ["词0"]
    cache.put(key, tokens)
    header, words, ids = read_entry(cache.path(key))
    assert header["id_bytes"] == 4 and ids[-1] == 0 and len(words) == 70_000
    assert TokenCache(tmp_path).get(key) == tokens


def test_background_writer_writes_what_was_put_even_if_the_list_changes_later(tmp_path):
    cache = TokenCache(tmp_path)
    key = TokenCache.key("推进乡村振兴", "fp")
    tokens = ["乡村振兴"]
    with cache.writer() as writer:
        writer.put(key, tokens)
        tokens.append("后来加的")
    assert cache.get(key) == ["乡村振兴"]
    assert writer.error is None


def test_background_writer_keeps_the_first_error_and_stops(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory", encoding="utf-8")
    writer = TokenCache(blocker / "cache").writer()
    for text in TEXTS:
        writer.put(TokenCache.key(text, "fp"), ["x"])
    writer.close()
    assert isinstance(writer.error, OSError)


# -- corpus bundles --------------------------------------------------------------


def bundles(directory: Path) -> list[Path]:
    return sorted((directory / "corpora").glob("*.tmb"))


def test_a_corpus_gets_one_bundle_and_a_warm_run_reads_only_it(tmp_path, monkeypatch):
    tok = Tokenizer()
    assert list(tm.tokens(TEXTS, cache=tmp_path, tokenizer=tok)) == EXPECTED
    assert len(bundles(tmp_path)) == 1
    for path in entries(tmp_path):  # the warm run does not need them
        path.unlink()

    def no_engine(self, text):
        raise AssertionError("the engine ran although the corpus was cached")

    monkeypatch.setattr(Tokenizer, "cut", no_engine)
    cache = TokenCache(tmp_path)
    got = list(tm.tokens(TEXTS, cache=cache, tokenizer=tok))
    assert got == EXPECTED
    assert (cache.hits, cache.misses) == (3, 0)
    assert got[0] is not got[2]  # every document its own list


def test_another_order_or_subset_is_another_corpus(tmp_path):
    tok = Tokenizer()
    list(tm.tokens(TEXTS, cache=tmp_path, tokenizer=tok))
    assert list(tm.tokens(TEXTS[1:], cache=tmp_path, tokenizer=tok)) == EXPECTED[1:]  # [B, A]: another order
    assert list(tm.tokens(TEXTS[:2], cache=tmp_path, tokenizer=tok)) == EXPECTED[:2]
    assert len(bundles(tmp_path)) == 3


def test_damaged_bundle_is_detected_removed_and_rebuilt(tmp_path):
    tok = Tokenizer()
    list(tm.tokens(TEXTS, cache=tmp_path, tokenizer=tok))
    (path,) = bundles(tmp_path)
    good = bytearray(path.read_bytes())
    bad = bytearray(good)
    bad[8] ^= 1  # first token id of the first document
    path.write_bytes(bytes(bad))
    cache = TokenCache(tmp_path)
    assert list(tm.tokens(TEXTS, cache=cache, tokenizer=tok)) == EXPECTED
    assert cache.rebuilt == 1
    assert path.read_bytes() == bytes(good)  # written again from the entries
    path.write_bytes(bytes(good[: len(good) // 2]))  # truncated
    cache = TokenCache(tmp_path)
    assert list(tm.tokens(TEXTS, cache=cache, tokenizer=tok)) == EXPECTED
    assert cache.rebuilt == 1


def test_a_run_stopped_early_leaves_no_bundle(tmp_path):
    stream = iter(tm.tokens(TEXTS, cache=tmp_path, tokenizer=Tokenizer()))
    assert next(stream) == EXPECTED[0]
    stream.close()
    assert list((tmp_path / "corpora").iterdir()) == []  # neither a bundle nor its temporary file


def test_least_recently_used_bundles_are_pruned(tmp_path, monkeypatch):
    import os

    monkeypatch.setattr("textmine.tokenize.cache.MAX_BUNDLES", 2)
    tok = Tokenizer()
    corpora = [TEXTS, TEXTS[:2], TEXTS[1:]]
    for i, texts in enumerate(corpora):
        list(tm.tokens(texts, cache=tmp_path, tokenizer=tok))
        for path in bundles(tmp_path):  # mtimes a second apart, newest last
            os.utime(path, ns=(path.stat().st_mtime_ns - 10**9,) * 2)
    kept = bundles(tmp_path)
    assert len(kept) == 2
    cache = TokenCache(tmp_path)
    list(tm.tokens(corpora[0], cache=cache, tokenizer=tok))  # the oldest was pruned: tokenized from the entries
    assert cache.misses == 0 and len(bundles(tmp_path)) == 2


def test_clear_removes_entries_and_bundles(tmp_path):
    list(tm.tokens(TEXTS, cache=tmp_path, tokenizer=Tokenizer()))
    legacy = tmp_path / "ab" / "ab12.json.gz"  # an entry of the first format, no longer read
    legacy.parent.mkdir(exist_ok=True)
    legacy.write_bytes(b"old")
    assert TokenCache(tmp_path).clear() == 4  # two entries, one bundle, the old entry
    assert entries(tmp_path) == [] and bundles(tmp_path) == [] and not legacy.exists()



def test_clear_cache_also_removes_the_engines_term_tables(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    Tokenizer(extra_terms=["清除测试词"])("清除测试词")  # a new dictionary: its term table is written
    tables = list((tmp_path / "engines").glob("*.json"))
    assert len(tables) == 1
    assert tm.clear_cache() >= 1
    assert not tables[0].exists()

# -- bundles of lazy folder corpora ------------------------------------------------


def lazy_folder(folder: Path, texts: list[str]):
    from textmine.corpus import load_corpus

    folder.mkdir(exist_ok=True)
    for i, text in enumerate(texts):
        (folder / f"r{i}.txt").write_text(text + "\n", encoding="utf-8")
    (folder / "metadata.csv").write_text("file\n" + "".join(f"r{i}.txt\n" for i in range(len(texts))),
                                         encoding="utf-8")
    return load_corpus(folder, lazy=True, clean=False)


@pytest.fixture
def no_recent_rule(monkeypatch):
    """Files written by the test a moment ago may still get a bundle."""
    monkeypatch.setattr("textmine.tokenize.stream.RECENT_SECONDS", 0)


def test_files_changed_a_moment_ago_get_no_bundle_until_a_later_run(tmp_path, monkeypatch):
    corpus = lazy_folder(tmp_path / "reports", ["推进乡村振兴", "优化营商环境"])
    list(tm.tokens(corpus, cache=tmp_path / "cache", tokenizer=Tokenizer()))
    assert bundles(tmp_path / "cache") == []  # written just now: they could change again within the clock tick
    monkeypatch.setattr("textmine.tokenize.stream.RECENT_SECONDS", 0)  # as if the run came later
    list(tm.tokens(corpus, cache=tmp_path / "cache", tokenizer=Tokenizer()))
    assert len(bundles(tmp_path / "cache")) == 1


def test_an_edit_that_restores_size_and_mtime_still_misses_the_bundle(tmp_path, no_recent_rule):
    import os

    corpus = lazy_folder(tmp_path / "reports", ["推进乡村振兴", "优化营商环境"])
    tok = Tokenizer()
    list(tm.tokens(corpus, cache=tmp_path / "cache", tokenizer=tok))
    assert len(bundles(tmp_path / "cache")) == 1
    path = tmp_path / "reports" / "r1.txt"
    before = path.stat()
    path.write_text("发展数字经济\n", encoding="utf-8")  # as many bytes as before
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # modification time put back (touch -r, cp -p)
    assert path.stat().st_size == before.st_size and path.stat().st_mtime_ns == before.st_mtime_ns
    got = list(tm.tokens(corpus, cache=tmp_path / "cache", tokenizer=tok))
    assert got == [tok("推进乡村振兴"), tok("发展数字经济")] and "数字经济" in got[1]


def test_a_consumer_that_stops_at_the_last_document_still_gets_a_bundle():
    import tempfile

    cache = Path(tempfile.mkdtemp())
    tok = Tokenizer()
    pairs = list(zip(range(len(TEXTS)), iter(tm.tokens(TEXTS, cache=cache, tokenizer=tok))))  # zip never asks for more
    assert [tokens for _, tokens in pairs] == EXPECTED
    assert len(bundles(cache)) == 1


def test_clear_and_pruning_remove_temporary_files_of_killed_runs(tmp_path):
    import os
    import time

    list(tm.tokens(TEXTS, cache=tmp_path, tokenizer=Tokenizer()))
    (entry,) = entries(tmp_path)[:1]
    old = [tmp_path / "corpora" / ".x.tmb.abc.tmp", entry.parent / ".y.tok.def.tmp"]
    fresh = tmp_path / "corpora" / ".z.tmb.ghi.tmp"  # another run may be writing this one
    for path in old + [fresh]:
        path.write_bytes(b"partial")
    day_ago = time.time() - 2 * 24 * 3600
    for path in old:
        os.utime(path, (day_ago, day_ago))
    list(tm.tokens(TEXTS[:2], cache=tmp_path, tokenizer=Tokenizer()))  # a new bundle: pruning runs
    assert not old[0].exists() and fresh.exists()
    TokenCache(tmp_path).clear()
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_a_file_removed_after_loading_is_a_corpus_error_naming_it(tmp_path):
    from textmine.errors import CorpusError

    corpus = lazy_folder(tmp_path / "reports", ["推进乡村振兴", "优化营商环境"])
    (tmp_path / "reports" / "r1.txt").unlink()
    for n_jobs in (1, 2):
        with pytest.raises(CorpusError, match=r"r1\.txt: file not found"):
            list(tm.tokens(corpus, cache=tmp_path / "cache", n_jobs=n_jobs, tokenizer=Tokenizer()))


# -- leftovers of killed runs (issue 18) ------------------------------------------------------


def _dead_pid() -> int:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(done.stdout)


def test_the_next_run_removes_a_killed_runs_partial_bundle_but_not_a_live_writers(tmp_path):
    import os
    import subprocess
    import sys
    import time

    folder = tmp_path / "corpora"
    folder.mkdir()
    dead = folder / f".abc.tmb.{_dead_pid()}.x1y2.tmp"  # what a SIGKILLed tokenization leaves
    live_writer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    live = folder / f".abc.tmb.{live_writer.pid}.x3y4.tmp"  # another process is writing it right now
    unnamed_new = folder / ".abc.tmb.x5y6.tmp"  # older textmine (no pid): kept while young
    unnamed_old = folder / ".abc.tmb.x7y8.tmp"
    try:
        for path in (dead, live, unnamed_new, unnamed_old):
            path.write_bytes(b"TMBUNDL1" + b"\0" * 100)
        hour_ago = time.time() - 3600
        os.utime(unnamed_old, (hour_ago, hour_ago))
        assert tm.tokens(TEXTS, Tokenizer(), cache=tmp_path).dtm().shape[0] == 3  # the next (cold) run
        left = {p.name for p in folder.glob(".*.tmp")}
        assert left == {live.name, unnamed_new.name}
        assert len(list(folder.glob("*.tmb"))) == 1  # and the run's own bundle is there
    finally:
        live_writer.kill()
        live_writer.wait()


def test_temporary_files_carry_the_writers_process_id(tmp_path, monkeypatch):
    import os

    from textmine import _io

    seen = []
    real = _io.tempfile.mkstemp

    def mkstemp(**kwargs):
        fd, name = real(**kwargs)
        seen.append(Path(name).name)
        return fd, name

    monkeypatch.setattr(_io.tempfile, "mkstemp", mkstemp)
    _io.write_bytes_atomic(tmp_path / "a.bin", b"x")
    assert seen and seen[0].startswith(f".a.bin.{os.getpid()}.") and seen[0].endswith(".tmp")


def test_the_log_says_removed_only_when_the_file_was_removed(tmp_path, caplog, monkeypatch):
    import logging
    import os

    cache = TokenCache(tmp_path)
    key = TokenCache.key("优化营商环境", "fp")
    cache.put(key, ["营商环境"])
    path = cache.path(key)
    path.write_bytes(path.read_bytes()[:-1])  # truncated
    real_unlink = os.unlink

    def refuse(p, *args, **kwargs):
        if Path(p) == path:
            raise PermissionError(13, "Permission denied", str(p))
        return real_unlink(p, *args, **kwargs)

    monkeypatch.setattr(os, "unlink", refuse)
    with caplog.at_level(logging.WARNING, logger="textmine.tokenize.cache"):
        assert cache.get(key) is None
    assert "could not remove it (Permission denied)" in caplog.text and "removed it;" not in caplog.text
    monkeypatch.setattr(os, "unlink", real_unlink)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="textmine.tokenize.cache"):
        assert cache.get(key) is None
    assert "removed it" in caplog.text and not path.exists()
