"""Tokenizing a whole corpus: cache look-ups, worker processes and corpus bundles.

This is the machinery behind :func:`textmine.tokens` (:func:`id_stream`). One run:

1. *Plan*, in this process: a source per document -- its text, or, for a lazy
   document backed by a file, only the file (path, size, mtime: nothing is
   read) -- and the corpus identity (:func:`identity`).
2. *Bundle*: when the cache holds a bundle for this corpus identity whose file
   signature still matches (:mod:`textmine.tokenize.cache`), every token list comes
   from it: no file is read, hashed or segmented. This is a warm run.
3. Otherwise the documents go in chunks to :func:`process_chunk`, here
   (``n_jobs=1``) or in joblib workers. A worker reads the file itself, looks
   up the document's cache entry, else cleans and segments the text and
   writes the entry, and sends the chunk's tokens back compactly: ids into
   the worker's vocabulary of this run (kept across its chunks, so a raw
   token is filtered once per worker) and the words new to it since its
   last chunk, not a pickled list of strings per document.
4. Here the worker ids are mapped to one corpus vocabulary (:class:`Vocab`, :class:`IdMap`),
   each document's token list is yielded in corpus order, and the ids are
   streamed into a new bundle, committed when the last document is handed out
   (not when a run stops early, nor when a file changed just before it).

With a joblib backend that may run elsewhere (Dask), the files are read and
the cache is read and written here; only texts go to the workers (a raw text
with its cleaning options, cleaned there), with the pickled tokenizer, and
chunk vocabularies and ids come back. Each such worker first checks that it
is installed like this process (:func:`worker_environment`).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import sys
import threading
import time
import warnings
from collections import OrderedDict
from functools import lru_cache
from itertools import repeat
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, NamedTuple, Sequence

import numpy as np

from .. import _parallel
from .._io import FileLoader, distribution_version
# CHUNK_CHARS and CHUNKS_PER_WORKER are bound here too (the same values): :func:`_chunks` reads these
# names, so that patching them here changes how a token stream is chunked, and nothing else
from .._parallel import CHUNK_CHARS, CHUNKS_PER_WORKER, chunks as plan_chunks, n_workers as _n_workers, watch_parent
from ..errors import CorpusError, TextmineError
from .cache import BundleWriter, EntryWriter, TokenCache
from .tokenizer import Tokenizer

__all__ = ["id_stream", "as_cache", "Vocab", "IdMap", "process_chunk", "CHUNKS_PER_WORKER", "CHUNK_CHARS"]

#: joblib backends whose workers share this machine's files (and so the cache).
LOCAL_BACKENDS = {"LokyBackend", "MultiprocessingBackend", "ThreadingBackend", "SequentialBackend"}


class Source(NamedTuple):
    """One document as the plan sees it.

    ``kind``: ``"text"`` (``data`` is the text to segment), ``"raw"`` (``data``
    is a lazy document, or once read its raw text) or ``"file"`` (``data`` is
    the document's file loader, which has a ``path``). Raw text is cleaned
    with ``opts`` first unless they are None.
    ``key``: the cache key, None while unknown (a file not read yet) or
    without a cache. ``size``: characters or bytes, for chunking.
    """

    kind: str
    data: Any
    opts: dict | None
    key: str | None
    size: int


class Chunk(NamedTuple):
    """What a worker sends back for a chunk of documents."""

    keys: list            # cache key per document (None without a cache)
    hits: list            # per document: True (cache entry read), False (segmented), None (left to the caller)
    words: list           # the chunk vocabulary
    ids: np.ndarray       # ids into ``words``, all documents one after another (uint16 when they fit, else int32)
    lengths: np.ndarray   # tokens per document
    error: str | None     # the first error writing cache entries (then the rest were not written)
    rebuilt: int          # damaged cache entries found (and removed)
    session: str | None = None  # the worker vocabulary ``words`` continues (None: the chunk's own, ids into ``words``)
    base: int = 0         # the position of ``words[0]`` in that vocabulary (ids count from its start)


class Vocab:
    """The corpus vocabulary of one run: ``index`` (word -> id) and ``words`` (an object array).

    >>> v = Vocab()
    >>> ids = v.add(["发展", "营商环境", "发展"])
    >>> ids.tolist(), v.lists(ids)
    ([0, 1, 0], ['发展', '营商环境', '发展'])
    """

    def __init__(self, words: Sequence[str] = ()) -> None:
        self._words = np.empty(max(1024, len(words)), dtype=object)
        self._words[:len(words)] = list(words)
        self.n = len(words)
        self._index: dict[str, int] | None = None

    @property
    def index(self) -> dict[str, int]:
        if self._index is None:  # built on demand: a bundle read whole never needs it
            self._index = {w: i for i, w in enumerate(self._words[:self.n].tolist())}
        return self._index

    @property
    def words(self) -> list[str]:
        return self._words[:self.n].tolist()

    def add(self, words: Iterable[str]) -> np.ndarray:
        """Ids of ``words`` (new words get the next ids)."""
        index, new = self.index, []
        words = words if isinstance(words, list) else list(words)
        # the look-ups run in C (map + fromiter); only words not seen yet come back to Python
        out = np.fromiter(map(index.get, words, repeat(-1)), dtype=np.int32, count=len(words))
        for i in np.flatnonzero(out < 0).tolist():
            w = words[i]
            j = index.get(w)  # added already if it came earlier in ``words``
            if j is None:
                j = index[w] = self.n + len(new)
                new.append(w)
            out[i] = j
        if new:
            end = self.n + len(new)
            if end > len(self._words):
                grown = np.empty(max(end, 2 * len(self._words)), dtype=object)
                grown[:self.n] = self._words[:self.n]
                self._words = grown
            self._words[self.n:end] = new
            self.n = end
        return out

    def lists(self, ids: np.ndarray) -> list[str]:
        """The words of ``ids``: a list sharing the vocabulary's str objects."""
        return self._words.take(ids).tolist()


class IdMap:
    """The ids in a run's :class:`Vocab` of the words of one worker vocabulary, which arrive a chunk at a time.

    >>> vocab, m = Vocab(["改革"]), IdMap()
    >>> m.extend(vocab, ["发展", "改革"], 0).tolist(), m.extend(vocab, ["创新"], 2).tolist()
    ([1, 0], [1, 0, 2])
    """

    def __init__(self) -> None:
        self._ids = np.zeros(1024, dtype=np.int32)
        self.n = 0

    def extend(self, vocab: Vocab, words: list[str], base: int) -> np.ndarray:
        """The mapping once ``words`` (the worker's words from position ``base`` on) are known.

        ``words`` may repeat words known already (a serial run sends its whole
        growing list); none may be missing before ``base``.
        """
        if base > self.n:
            raise RuntimeError(f"a worker vocabulary arrived out of order: words from {base}, {self.n} known")
        new = words[self.n - base:]
        if new:
            added = vocab.add(new)
            end = self.n + len(added)
            if end > len(self._ids):  # capacity doubles: no copy per chunk
                grown = np.zeros(max(end, 2 * len(self._ids)), dtype=np.int32)
                grown[:self.n] = self._ids[:self.n]
                self._ids = grown
            self._ids[self.n:end] = added
            self.n = end
        return self._ids[:self.n]


# ---------------------------------------------------------------------------
# the plan


def plan(tokenizer: Tokenizer, items: Iterable[Any], store: TokenCache | None) -> Iterator[Source]:
    """A :class:`Source` per item (a str, a textmine Document, or anything with a ``.text`` str)."""
    from ..corpus import Document

    fp = tokenizer.fingerprint
    for i, item in enumerate(items):
        if isinstance(item, Document) and item.lazy:
            opts = item.clean_options
            if item.path is not None:
                yield Source("file", FileLoader(item.path), opts, None, 0)
            else:  # read and hashed now, read again when its chunk is sent
                raw = item.raw
                yield Source("raw", item, opts, store.key(raw, cleaned_fingerprint(fp, opts)) if store else None,
                             len(raw))
            continue
        text = item if isinstance(item, str) else getattr(item, "text", None)
        if not isinstance(text, str):
            raise TypeError(f"item {i}: expected a str or a document with a .text str, "
                            f"got {type(item).__name__}")
        yield Source("text", text, None, store.key(text, fp) if store else None, len(text))


def cleaned_fingerprint(fingerprint: str, opts: dict | None) -> str:
    """The fingerprint of tokenizing raw text cleaned with ``opts`` (None: not cleaned) that keys it."""
    if opts is None:
        return fingerprint
    return f"{fingerprint}|{_cleaning_key(opts)}"


#: A file changed less than this many seconds before a run is not vouched for by a new bundle.
RECENT_SECONDS = 2.0


def file_state(sources: list[Source]) -> tuple[list[Source], str, bool]:
    """Sizes of the file sources (from ``stat``), the corpus signature, and whether a file changed just now.

    The signature hashes every file's device, inode, size, modification and
    inode-change time. A bundle records the signature taken *before* its
    files were read, so a file changed during or after a run no longer
    matches it; an edit cannot keep the inode-change time, even one that
    restores the size and modification time. A file changed within
    :data:`RECENT_SECONDS` could change again within the same clock tick
    without a trace, so such a run makes no bundle (git's "racily clean").
    """
    h = hashlib.sha256()
    out, recent = [], False
    now = time.time_ns()
    for src in sources:
        if src.kind == "file":
            path = src.data.path
            try:
                st = os.stat(path)
            except FileNotFoundError:
                raise CorpusError(f"{path}: file not found") from None
            except OSError as exc:
                raise CorpusError(f"{path}: cannot read file ({exc.strerror})") from None
            h.update(f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}\n".encode())
            recent = recent or now - max(st.st_mtime_ns, st.st_ctime_ns) < RECENT_SECONDS * 1e9
            src = src._replace(size=st.st_size)
        out.append(src)
    return out, h.hexdigest(), recent


def identity(tokenizer: Tokenizer, sources: list[Source]) -> str:
    """What a bundle is filed under: the settings and each document's text (by key) or file (by path)."""
    h = hashlib.sha256(f"bundle|{tokenizer.fingerprint}\n".encode())
    for src in sources:
        if src.kind == "file":  # the cleaning key covers the options and the cleaning code
            clean = cleaned_fingerprint("", src.opts)
            h.update(f"file|{os.path.abspath(src.data.path)}|{clean}\n".encode("utf-8", "surrogatepass"))
        else:
            h.update(f"{src.kind}|{src.key}\n".encode())
    return h.hexdigest()


# ---------------------------------------------------------------------------
# the work on one chunk (in a worker or here)


def source_text(src: Source, fingerprint: str, store: TokenCache | None) -> tuple[str | None, Any]:
    """``(cache key, payload)``: for a file, read it now and key its raw text."""
    if src.kind == "text":
        return src.key, src.data
    if src.kind == "raw":
        return src.key, (src.data if src.opts is None else (src.data, src.opts))
    raw = src.data()  # the document's own loader: read_text of its file
    key = store.key(raw, cleaned_fingerprint(fingerprint, src.opts)) if store else None
    return key, (raw if src.opts is None else (raw, src.opts))


def payload_text(payload: Any) -> str:
    """The text of a payload: a str as is; ``(raw, options)`` cleaned as a lazy Document cleans it."""
    if isinstance(payload, str):
        return payload
    raw, opts = payload
    from ..cleaning import clean  # what Document(raw, **opts).text runs, without importing pandas in a worker

    return clean(raw, **opts).text


class _Codes(dict):
    """A dict that gives -2 for a missing key: a look-up without a default argument (a fifth faster)."""

    __slots__ = ()

    def __missing__(self, key: str) -> int:
        return -2


class ChunkIds:
    """Filtered tokens as ids into a chunk vocabulary: one dict look-up per raw token.

    Gives the ids of ``tokenizer(text)`` (the same filters: ``tokenizer.keep``)
    without building the filtered list of str first.

    >>> ids = ChunkIds(Tokenizer())
    >>> [ids.words[j] for j in ids("优化营商环境，推进营商环境建设").tolist()]
    ['营商环境', '营商环境', '建设']
    """

    def __init__(self, tokenizer: Tokenizer) -> None:
        self.tokenizer = tokenizer
        self.codes: dict[str, int] = _Codes()  # raw token -> id, -1 if the filters drop it, -2 if not seen yet
        self.words: list[str] = []
        cls = type(tokenizer)  # a subclass redefining the call or the filter is called as it is
        self._direct = cls.__call__ is Tokenizer.__call__ and cls.filter is Tokenizer.filter

    def __call__(self, text: str) -> np.ndarray:
        if not self._direct:  # a subclass that filters its own way: its own call decides
            tokens = self.tokenizer(text)
            get, add = self.codes.get, self._add
            return np.array([j if (j := get(t, -1)) >= 0 else add(t) for t in tokens], dtype=np.int32)
        raw = self.tokenizer.cut(text)
        # the look-ups run in C (map + fromiter); only tokens new to this chunk come back to Python
        codes = np.fromiter(map(self.codes.__getitem__, raw), dtype=np.int32, count=len(raw))
        new = np.flatnonzero(codes == -2)
        if len(new):
            get, learn = self.codes.get, self._learn
            for i in new.tolist():
                t = raw[i]
                j = get(t)  # learned already if it came earlier in this text
                codes[i] = learn(t) if j is None else j
        return codes[codes >= 0]

    def known(self, words: list[str], ids: np.ndarray) -> np.ndarray:
        """Chunk ids of the tokens ``words[ids]`` of a cache entry (already filtered)."""
        get, add = self.codes.get, self._add
        mapping = np.array([j if (j := get(w, -1)) >= 0 else add(w) for w in words], dtype=np.int32)
        return mapping[ids] if len(ids) else np.zeros(0, dtype=np.int32)

    def entry(self, ids: np.ndarray) -> tuple[list[str], np.ndarray]:
        """A document's ``(distinct words, index of each token)`` for a cache entry."""
        distinct, inverse = np.unique(ids, return_inverse=True)
        return list(map(self.words.__getitem__, distinct.tolist())), inverse

    def _learn(self, token: str) -> int:
        j = self._add(token) if self.tokenizer.keep(token) else -1
        self.codes[token] = j
        return j

    def _add(self, token: str) -> int:
        self.codes[token] = j = len(self.words)
        self.words.append(token)
        return j


def process_chunk(tokenizer: Tokenizer, sources: list[Source], skip: Sequence[bool] = (),
                  cache_dir: str | None = None, write: bool = False, ids: ChunkIds | None = None) -> Chunk:
    """Tokens of a chunk of documents, compactly; cache entries read and (if ``write``) written.

    ``cache_dir`` None: no cache look-ups here. ``skip[i]``: document ``i`` is
    not processed (its cache entry exists and the caller reads it). ``ids``: a
    :class:`ChunkIds` kept from earlier calls (one process, one document a
    call), so the filter verdicts and ids of its tokens carry over; the
    chunk's ``words`` is then that object's growing list.
    """
    store = TokenCache(cache_dir) if cache_dir is not None else None
    fp = tokenizer.fingerprint
    chunk = ChunkIds(tokenizer) if ids is None else ids
    docs: list[np.ndarray] = []
    keys, hits, error = [], [], None
    for n, src in enumerate(sources):
        if n < len(skip) and skip[n]:
            keys.append(src.key)
            hits.append(None)
            docs.append(np.zeros(0, dtype=np.int32))
            continue
        key, payload = source_text(src, fp, store)
        found = store.get_ids(key) if store is not None and key is not None else None
        if found is not None:
            doc = chunk.known(*found)
        else:
            doc = chunk(payload_text(payload))
            if key is not None and write and store is not None and error is None:
                try:
                    store.put_ids(key, *chunk.entry(doc))
                except OSError as exc:
                    error = f"{exc.strerror or exc}"
        keys.append(key)
        hits.append(found is not None)
        docs.append(doc)
    ids = np.concatenate(docs) if docs else np.zeros(0, np.int32)
    if len(chunk.words) <= 1 << 16:  # half the bytes to send back (a chunk rarely has more distinct words)
        ids = ids.astype(np.uint16)
    return Chunk(keys, hits, chunk.words, ids,
                 np.array([len(d) for d in docs], dtype=np.int64), error,
                 store.rebuilt if store is not None else 0)


def _chunk_in_worker(tokenizer: Tokenizer, sources: list[Source], skip: Sequence[bool] = (),
                     cache_dir: str | None = None, write: bool = False, *, parent: int, run: str) -> Chunk:
    """:func:`process_chunk` in a worker process of this machine, which exits when ``parent`` dies.

    The worker keeps one vocabulary for the chunks of ``run`` (:func:`_session`):
    each raw token is learned (filtered, given an id) once per worker and run,
    not once per chunk, and a chunk sends back only the words new since the
    worker's previous chunk.
    """
    watch_parent(parent)
    name, ids = _session(tokenizer, run)
    base = len(ids.words)
    chunk = process_chunk(tokenizer, sources, skip, cache_dir=cache_dir, write=write, ids=ids)
    return chunk._replace(words=chunk.words[base:], session=name, base=base)


#: A worker vocabulary holding this many raw tokens (kept and dropped ones) is not extended: the next
#: chunk starts a new one (bounds a worker's memory on a corpus with millions of distinct tokens).
SESSION_TOKENS = 1 << 18
#: Worker vocabularies a process keeps (one per run and thread: a consumer may interleave two runs).
SESSIONS_KEPT = 8
_SESSIONS: OrderedDict[tuple[str, int], tuple[str, ChunkIds]] = OrderedDict()
_SESSIONS_LOCK = threading.Lock()
_SESSION_COUNT = itertools.count(1)


def _session(tokenizer: Tokenizer, run: str) -> tuple[str, ChunkIds]:
    """This thread's vocabulary for ``run``: ``(name, ChunkIds)``; a new name whenever a new one starts.

    Per thread as well as per process: a threading backend runs the chunks in
    threads of one process, and a ChunkIds is not to be shared between them.
    """
    key = (run, threading.get_ident())
    with _SESSIONS_LOCK:
        found = _SESSIONS.get(key)
        if found is None or len(found[1].codes) >= SESSION_TOKENS:
            found = _SESSIONS[key] = (f"{os.getpid()}:{key[1]}:{next(_SESSION_COUNT)}", ChunkIds(tokenizer))
            while len(_SESSIONS) > SESSIONS_KEPT:
                _SESSIONS.popitem(last=False)
        return found


def _drop_sessions(run: str) -> None:
    """Forget this process's vocabularies of ``run`` (kept only when its chunks ran here: threads, sequential)."""
    with _SESSIONS_LOCK:
        for key in [k for k in _SESSIONS if k[0] == run]:
            del _SESSIONS[key]


def worker_environment(tokenizer: Tokenizer) -> dict[str, Any]:
    """What decides the tokens besides the tokenizer's settings, as this process has it.

    The package version, the tokenization procedure, jieba's ``dict.txt``
    (both engines start from it), the cleaning code and its data files, the
    opencc version (cleaning converts traditional characters with it), and
    the engine a tokenizer names outright. A worker on another machine
    compares it with its own (:func:`_chunk_elsewhere`): one installed
    differently would otherwise give other tokens, stored in the cache under
    this machine's keys.
    """
    from .. import __version__
    from .tokenizer import TOKENIZE_VERSION, _base_dictionary_sha256

    return {"textmine": __version__, "tokenize_version": TOKENIZE_VERSION,
            "jieba dict.txt sha256": _base_dictionary_sha256(), "cleaning code sha256": _cleaning_key_json("{}"),
            "opencc": distribution_version("opencc"), "engine": tokenizer.engine if tokenizer.engine != "auto" else None}


_CHECKED: set[str] = set()


def _chunk_elsewhere(tokenizer: Tokenizer, sources: list[Source], skip: Sequence[bool] = (),
                     cache_dir: str | None = None, write: bool = False, *,
                     environment: dict[str, Any]) -> Chunk:
    """:func:`process_chunk` in a worker that may be on another machine, once its installation is checked.

    Raises :class:`TextmineError` naming the host and what differs from the
    client's ``environment`` (checked once per process and environment).
    """
    tag = json.dumps(environment, sort_keys=True)
    if tag not in _CHECKED:
        if environment.get("engine") == "rjieba":
            from .tokenizer import _rjieba_available

            if not _rjieba_available():
                raise TextmineError(f"worker on {_host()}: the tokenizer asks for engine='rjieba', which is "
                                    "not installed there (pip install rjieba, or use engine='auto')")
        mine = worker_environment(tokenizer)
        differ = [f"{k}: {mine.get(k)!r} here, {v!r} on the client" for k, v in environment.items()
                  if mine.get(k) != v]
        if differ:
            raise TextmineError(f"worker on {_host()} is installed differently from the client, so its tokens "
                                f"could differ ({'; '.join(differ)}); install the same textmine and jieba "
                                "versions on every worker")
        _CHECKED.add(tag)
    return process_chunk(tokenizer, sources, skip, cache_dir=cache_dir, write=write)


def _host() -> str:
    import socket

    return f"{socket.gethostname()} (pid {os.getpid()})"


# ---------------------------------------------------------------------------
# the run


#: A corpus of at least this many documents gets a bundle in the cache.
BUNDLE_MIN_DOCS = 2


def stream(tokenizer: Tokenizer, items: Iterable[Any], store: TokenCache | None, n_jobs: int | None,
           chunk_plan: Callable[[list[int], int], list[list[int]]],
           errors: list, bundle_sink: dict | None = None) -> Iterator[tuple[Vocab, np.ndarray]]:
    """``(vocabulary, ids)`` of each document in corpus order: from a bundle, the cache or segmenting.

    ``items`` that are not a sequence (a generator) with one worker stream
    one document at a time and make no bundle. ``chunk_plan(sizes, workers)``
    cuts the positions into worker tasks. Errors writing the cache (OSError)
    are appended to ``errors`` for the caller to report; the run goes on.

    ``bundle_sink``: a dict told about the corpus bundle, for a caller that
    would rather re-read the ids from it than keep them: before the first
    document, ``"bundle"`` is set to ``"pending"`` when a bundle is being
    written, or to the :class:`~textmine.tokenize.cache.Bundle` read; once
    the written bundle is committed, to that bundle, read back and checked.
    ``"pending"`` left at the end means no bundle was made.
    """
    sources: Iterable[Source] = plan(tokenizer, items, store)
    if not isinstance(items, Sequence) and _n_workers(n_jobs) == 1:
        yield from _merged(tokenizer, sources, store, 1, True, chunk_plan, Vocab(), None, errors)
        return
    sources, signature, recent = file_state(list(sources))
    bundle_id = identity(tokenizer, sources) if store is not None and len(sources) >= BUNDLE_MIN_DOCS else None
    if bundle_id is not None:
        found = store.read_bundle(bundle_id, signature, len(sources))
        if found is not None:
            store.hits += len(sources)
            vocab = Vocab(found.words)
            if bundle_sink is not None:
                bundle_sink["bundle"] = found
            for ids in found.docs():
                yield vocab, ids
            return
    vocab, stale = Vocab(), []
    workers = _n_workers(n_jobs)
    local = workers == 1 or local_backend()
    bundle = store.bundle_writer(bundle_id, signature) if bundle_id is not None and not recent else None
    entries = store.writer() if store is not None and not local else None
    if bundle is not None and bundle_sink is not None:
        bundle_sink["bundle"] = "pending"
    done = 0
    try:
        for vocab, ids in _merged(tokenizer, sources, store, workers, local, chunk_plan, vocab, entries, errors,
                                  stale):
            done += 1
            if bundle is not None:
                bundle.add(ids)
                if done == len(sources):  # committed before the last document is handed out:
                    _finish(bundle, None if stale else vocab.words, errors)  # a consumer may stop there
                    bundle = None
                    if bundle_sink is not None and not stale:
                        made = store.read_bundle(bundle_id, signature, len(sources))
                        if made is not None:
                            bundle_sink["bundle"] = made
            yield vocab, ids
    finally:
        if entries is not None:
            entries.close()
            if entries.error is not None:
                errors.append(entries.error)
        if bundle is not None:  # stopped early: no bundle
            _finish(bundle, None, errors)


def _finish(bundle: BundleWriter, words: list[str] | None, errors: list) -> None:
    """Commit the bundle with ``words`` as its vocabulary, or drop it (``words`` None)."""
    if words is not None:
        bundle.commit(words)
    else:
        bundle.abort()
    if bundle.error is not None:
        errors.append(bundle.error)


#: A run on textmine's own worker pool that took at least this long shuts the workers down at its
#: end: their start (about a second) is noise next to such a run, and their memory is not.
RELEASE_AFTER_SECONDS = 30.0


def local_backend() -> bool:
    """Whether the active joblib backend runs its workers on this machine (loky by default)."""
    from joblib.parallel import get_active_backend

    backend, _ = get_active_backend()
    return type(backend).__name__ in LOCAL_BACKENDS


def _merged(tokenizer: Tokenizer, sources: Iterable[Source], store: TokenCache | None, workers: int,
            local: bool, chunk_plan: Callable[[list[int], int], list[list[int]]], vocab: Vocab,
            entries: EntryWriter | None, errors: list, stale: list | None = None) -> Iterator[tuple[Vocab, np.ndarray]]:
    """Every document's ids in the one vocabulary, segmenting what the cache does not hold.

    A document whose text changed since the plan keyed it is noted in ``stale``.

    ``local``: workers read the files and the cache themselves; otherwise
    this process does (cached documents are not sent) and stores what the
    workers segmented through ``entries``.
    """
    fp = tokenizer.fingerprint
    cache_dir = os.path.abspath(store.directory) if store is not None and local else None  # workers keep their cwd
    started: float | None = None  # when textmine's own worker pool started on this run
    run_id = os.urandom(8).hex()  # names this run's vocabularies in the workers

    def task(chunk: list[Source]) -> tuple[list[Source], list[bool]]:
        todo = [_resolve(src, local, store, fp) for src in chunk]
        skip = [not local and store is not None and s.key is not None and s.key in store for s in todo]
        return [s._replace(data=None) if k else s for s, k in zip(todo, skip)], skip

    if workers == 1:  # one document at a time, with one ChunkIds throughout: each token is learned once
        serial = ChunkIds(tokenizer)
        pairs: Iterable[tuple[list[Source], Chunk]] = (
            ([src], process_chunk(tokenizer, *task([src]), cache_dir=cache_dir, write=True, ids=serial)
             ._replace(session="serial")) for src in sources)
    else:
        sources = list(sources)
        chunks = [[sources[i] for i in c] for c in chunk_plan([s.size for s in sources], workers)]
        if len(chunks) <= 1:  # not worth starting workers
            results: Iterable[Chunk] = (process_chunk(tokenizer, *task(c), cache_dir=cache_dir, write=local)
                                        for c in chunks)
        else:
            from joblib import delayed

            # on this machine's worker processes, each chunk also starts (once) a watch on this process:
            # a worker whose parent is killed exits instead of lingering (loky waits minutes for work)
            # elsewhere (Dask), each worker first checks that it is installed like this process
            run = delayed(_chunk_in_worker) if local else delayed(_chunk_elsewhere)
            extra = ({"parent": os.getpid(), "run": run_id} if local else {"environment": worker_environment(tokenizer)})
            tasks = (run(tokenizer, *task(c), cache_dir=cache_dir, write=local, **extra) for c in chunks)
            backend = _parallel.worker_backend()
            results = _parallel.results_in_order(tasks, workers, backend)
            if backend is not None:
                started = time.monotonic()
        pairs = zip(chunks, results)
    maps: dict[str, IdMap] = {}  # worker vocabulary (or the serial run's) -> its ids in ``vocab``
    for chunk, result in pairs:
        if store is not None:
            store.rebuilt += result.rebuilt
            if result.error is not None and not errors:
                errors.append(OSError(result.error))
        if result.session is None:
            mapping = vocab.add(result.words)
        else:  # the words new to this worker's vocabulary join its mapping
            mapping = maps.setdefault(result.session, IdMap()).extend(vocab, result.words, result.base)
        ends = np.cumsum(result.lengths).tolist()
        for j, src in enumerate(chunk):
            start = ends[j - 1] if j else 0
            hit, key = result.hits[j], result.keys[j]
            if stale is not None and src.kind != "file" and key != src.key:
                stale.append(j)
            if hit is None:  # left to this process: read the cache entry here
                tokens = store.get(key) if store is not None else None
                if tokens is None:  # removed or damaged since the plan
                    key, payload = source_text(_resolve(src, False, store, fp), fp, store)
                    tokens = tokenizer(payload_text(payload))
                    if entries is not None and key is not None:
                        entries.put(key, tokens)
                yield vocab, vocab.add(tokens)
                continue
            ids = result.ids[start:ends[j]]
            if store is not None and key is not None:
                if hit:
                    store.hits += 1
                else:
                    store.misses += 1
                    if entries is not None:  # segmented by a worker that does not write the cache: store here
                        distinct, inverse = np.unique(ids, return_inverse=True)
                        entries.put_ids(key, vocab.lists(mapping[distinct]), inverse)  # right for any vocabulary
            yield vocab, mapping[ids]
    _drop_sessions(run_id)
    if started is not None and time.monotonic() - started >= RELEASE_AFTER_SECONDS:
        _parallel.release_workers()


def _resolve(src: Source, local: bool, store: TokenCache | None, fingerprint: str) -> Source:
    """The source as sent to a worker: a lazy document's raw text read now; files read here unless local."""
    if src.kind == "raw" and not isinstance(src.data, str):  # keyed again: the text sent is the text cached
        raw = src.data.raw
        src = src._replace(data=raw, key=store.key(raw, cleaned_fingerprint(fingerprint, src.opts)) if store else None)
    if src.kind == "file" and not local:
        key, payload = source_text(src, fingerprint, store)
        if isinstance(payload, str):
            return Source("text", payload, None, key, len(payload))
        return Source("raw", payload[0], payload[1], key, len(payload[0]))
    return src


# ---------------------------------------------------------------------------
# the entry point: settings, progress and cache warnings around :func:`stream`


def id_stream(tokenizer: Tokenizer, corpus_or_texts: Any, *, n_jobs: int | None = None,
              cache: bool | TokenCache | str | os.PathLike = True, progress: bool | None = None,
              bundle_sink: dict | None = None) -> Iterator[tuple[Vocab, np.ndarray]]:
    """``(vocabulary, int32 ids)`` of each document in corpus order; see :func:`textmine.tokens`.

    ``bundle_sink``: see :func:`stream`.

    >>> docs = id_stream(Tokenizer(), ["推进乡村振兴", "优化营商环境"], cache=False)
    >>> [vocab.lists(ids) for vocab, ids in docs]
    [['乡村振兴'], ['营商环境']]
    """
    store = as_cache(cache)
    if isinstance(corpus_or_texts, str):
        corpus_or_texts = [corpus_or_texts]
    total = len(corpus_or_texts) if hasattr(corpus_or_texts, "__len__") else None
    bar = _progress_bar(progress, total, "tokenizing")
    errors: list[OSError] = []
    try:
        for item in stream(tokenizer, corpus_or_texts, store, n_jobs, _chunks, errors, bundle_sink):
            bar.update(1)
            yield item
    finally:
        bar.close()
        if errors and store is not None:
            _warn_unwritable(store, errors[0])


def as_cache(cache: Any) -> TokenCache | None:
    """The token cache a ``cache=`` argument names: True (the default folder), a folder, a TokenCache, or None/False.

    >>> as_cache(False) is None, isinstance(as_cache(True), TokenCache)
    (True, True)
    """
    if cache is None or cache is False:
        return None
    if isinstance(cache, TokenCache):
        return cache
    if cache is True:
        return TokenCache()
    if isinstance(cache, (str, os.PathLike)):
        return TokenCache(cache)
    raise TypeError(f"cache must be True, False, a TokenCache or a directory, not {type(cache).__name__}")


def _chunks(sizes: list[int], workers: int) -> list[list[int]]:
    """Contiguous chunks of documents of similar size, :data:`CHUNKS_PER_WORKER` per worker within :data:`CHUNK_CHARS`.

    >>> _chunks([60_000, 60_000, 10, 10], 1)
    [[0], [1], [2, 3]]
    """
    return plan_chunks(sizes, workers, per_worker=CHUNKS_PER_WORKER, bounds=CHUNK_CHARS)


@lru_cache(maxsize=16)
def _cleaning_key_json(opts_json: str) -> str:
    """sha256 of the cleaning code and its data files plus the options: changes when cleaning could.

    The files are found beside this package without importing :mod:`textmine.cleaning`
    (compiling its rules takes a few tenths of a second, which a warm run, reading its
    tokens from the cache, would otherwise spend for nothing).
    """
    cleaning = sys.modules.get("textmine.cleaning")
    if cleaning is not None:
        files = (cleaning.__file__, cleaning.FURNITURE_FILE, cleaning.MASKS_FILE)
    else:
        package = Path(__file__).resolve().parent.parent
        files = (package / "cleaning.py", package / "data" / "furniture.txt", package / "data" / "masks.csv")
    h = hashlib.sha256(opts_json.encode("utf-8"))
    for path in files:
        h.update(b"\0")
        h.update(Path(path).read_bytes())
    if json.loads(opts_json).get("to_simplified"):
        h.update((distribution_version("opencc") or "").encode("utf-8"))
    return h.hexdigest()


def _cleaning_key(opts: dict[str, Any]) -> str:
    return _cleaning_key_json(json.dumps(opts, sort_keys=True))


def _progress_bar(progress: bool | None, total: int | None, desc: str) -> Any:
    """A tqdm bar (None: only on a terminal, after a second), or a stand-in that does nothing."""
    if progress is False:
        return _NoBar()
    if progress is None and (sys.stderr is None or not sys.stderr.isatty()):
        return _NoBar()  # what tqdm's disable=None decides, without importing tqdm
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="doc", disable=None if progress is None else False,
                delay=1.0 if progress is None else 0.0)


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def _warn_unwritable(store: TokenCache, exc: OSError) -> None:
    """Warn (once per run) that the token cache could not be written."""
    warnings.warn(
        f"{store.directory}: cannot write the token cache ({exc.strerror or exc}); "
        "continuing without it. Set $TEXTMINE_CACHE_DIR, cache=<folder> or cache=False.",
        stacklevel=4,
    )


def corpus_identity(tokenizer: Tokenizer, items: Sequence[Any]) -> str:
    """sha256 of the tokenizer's fingerprint and each document's text (by hash) or file (path and signature).

    What a corpus bundle is filed and checked under; reads no lazy file (only ``stat``).
    """
    sources, signature, _ = file_state(list(plan(tokenizer, items, TokenCache)))  # TokenCache.key: no folder used
    return hashlib.sha256(f"{identity(tokenizer, sources)}|{signature}".encode()).hexdigest()
