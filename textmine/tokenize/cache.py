"""textmine's on-disk cache: token lists (tokenizing a corpus twice does not redo the work) and results.

Every file textmine keeps between runs lives in one folder, and
:func:`clear_cache` (``TokenCache.clear()``) empties it. Three kinds of files,
all checksummed and none pickled (reading a cache file cannot run code):

- an *entry* per document, named by the sha256 of the document text and the
  tokenizer's fingerprint (:meth:`TokenCache.key`): a JSON header line, the
  document's distinct tokens as a JSON list, then each token as a 2- or
  4-byte index into that list (:func:`encode_ids`). A damaged or truncated
  entry fails its sha256 check, is removed and rebuilt instead of being read;
- a *bundle* per corpus (:class:`Bundle`): every token list of the corpus in
  one file, read by a warm run instead of one entry per document;
- a *result* per key in ``results/`` (:class:`ResultCache`): named byte strings,
  e.g. the PNG and CSV of a figure of ``python -m textmine.report``.

Temporary files carry the writing process's id (``.NAME.PID.XXXX.tmp``); one
left by a killed run is removed by the next run that writes there (its process
is gone), never one another live process is still writing.

Where the cache lives, first match wins:

1. ``TokenCache(directory)`` / ``tokens(corpus, cache=directory)``
2. the environment variable ``TEXTMINE_CACHE_DIR``
3. ``~/.cache/textmine/tokens``

>>> import tempfile
>>> cache = TokenCache(tempfile.mkdtemp())
>>> k = TokenCache.key("发展新质生产力", "fingerprint")
>>> cache.get(k) is None
True
>>> cache.put(k, ["发展", "新质生产力"])
>>> cache.get(k)
['发展', '新质生产力']
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import queue
import re
import threading
import time
import zlib
from array import array
from contextlib import ExitStack
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from .._io import atomic_open, write_bytes_atomic

__all__ = ["TokenCache", "EntryWriter", "Bundle", "BundleChanged", "BundleWriter", "ResultCache", "clear_cache", "default_cache_dir",
           "encode_entry", "ENV_VAR"]

#: Environment variable naming the cache directory.
ENV_VAR = "TEXTMINE_CACHE_DIR"
#: Format tag written into every entry; bump the version when the layout changes.
FORMAT = "textmine.tokens"
VERSION = 2
ENTRY_SUFFIX = ".tok"

log = logging.getLogger(__name__)


def default_cache_dir() -> Path:
    """``$TEXTMINE_CACHE_DIR`` if set, else ``~/.cache/textmine/tokens``.

    >>> isinstance(default_cache_dir(), Path)
    True
    """
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "textmine" / "tokens"


def clear_cache(directory: str | os.PathLike | None = None) -> int:
    """Empty textmine's cache folder (default :func:`default_cache_dir`); returns how many files were removed.

    Token entries, corpus bundles, cached results (``results/``, e.g. the
    report's figures) and temporary files of killed runs: everything textmine
    keeps between runs.

    >>> import tempfile
    >>> clear_cache(tempfile.mkdtemp())
    0
    """
    return TokenCache(directory).clear()


class TokenCache:
    """Token lists on disk: one checksummed entry file per key, one bundle file per corpus.

    ``hits``, ``misses`` and ``rebuilt`` (corrupted entries found and removed)
    count what happened since the cache object was made.

    >>> import tempfile
    >>> cache = TokenCache(tempfile.mkdtemp())
    >>> from textmine import tokens
    >>> list(tokens(["推进乡村振兴", "优化营商环境"], cache=cache))
    [['乡村振兴'], ['营商环境']]
    >>> cache.misses, list(tokens(["推进乡村振兴", "优化营商环境"], cache=cache)), cache.clear() > 0
    (2, [['乡村振兴'], ['营商环境']], True)
    """

    def __init__(self, directory: str | os.PathLike | None = None) -> None:
        folder = Path(directory).expanduser() if directory is not None else default_cache_dir()
        self.directory = Path(os.path.abspath(folder))  # absolute: the same cache after a chdir, and in workers
        self.hits = 0
        self.misses = 0
        self.rebuilt = 0
        self._folders: set[Path] = set()

    def __repr__(self) -> str:
        return f"TokenCache({str(self.directory)!r})"

    @staticmethod
    def key(text: str, fingerprint: str) -> str:
        """sha256 (hex) of a document text together with a tokenizer fingerprint.

        >>> TokenCache.key("a", "f") == TokenCache.key("a", "f") != TokenCache.key("a", "g")
        True
        """
        h = hashlib.sha256()
        h.update(fingerprint.encode("utf-8"))
        h.update(b"\0")
        h.update(text.encode("utf-8", "surrogatepass"))
        return h.hexdigest()

    def path(self, key: str) -> Path:
        """File holding the entry for ``key`` (two-character fan-out directories)."""
        return self.directory / key[:2] / f"{key}{ENTRY_SUFFIX}"

    def get(self, key: str) -> list[str] | None:
        """The cached tokens for ``key``, or None if absent or corrupted (then removed)."""
        found = self.get_ids(key)
        if found is None:
            return None
        words, ids = found
        table = np.empty(len(words), dtype=object)
        table[:] = words
        return table.take(ids).tolist()

    def get_ids(self, key: str) -> tuple[list[str], np.ndarray] | None:
        """The cached tokens for ``key`` as ``(distinct tokens, index of each token)``, or None."""
        path = os.path.join(self.directory, key[:2], key + ENTRY_SUFFIX)  # a str: faster than Path here
        try:
            with open(path, "rb") as fh:
                raw = fh.read()
        except FileNotFoundError:
            self.misses += 1
            return None
        except OSError as exc:
            log.warning("token cache %s: cannot read (%s); tokenizing again", path, exc.strerror)
            self.misses += 1
            return None
        tokens = decode_entry(raw, key)
        if tokens is None:
            log.warning("token cache %s: corrupted or truncated entry; %s; tokenizing again", path, _removed(path))
            self.rebuilt += 1
            self.misses += 1
            return None
        self.hits += 1
        return tokens

    def put(self, key: str, tokens: Sequence[str]) -> None:
        """Store ``tokens`` under ``key`` (atomic write: never a half-written entry)."""
        self.put_encoded(key, encode_entry(key, tokens))

    def put_ids(self, key: str, words: Sequence[str], ids: np.ndarray) -> None:
        """Store the tokens ``[words[i] for i in ids]`` (``words`` distinct) under ``key``."""
        self.put_encoded(key, encode_ids(key, words, ids))

    def put_encoded(self, key: str, entry: bytes) -> None:
        """Store an entry made by :func:`encode_entry` or :func:`encode_ids` (atomic write).

        Not flushed to the disk first: an entry lost or damaged in a crash
        fails its checksum when read and is made again.
        """
        path = self.path(key)
        if path.parent in self._folders:  # made once per cache object, not once per entry
            try:
                write_bytes_atomic(path, entry, fsync=False, mkdir=False)
                return
            except FileNotFoundError:  # the folder was removed meanwhile
                pass
        write_bytes_atomic(path, entry, fsync=False)
        self._folders.add(path.parent)

    def writer(self) -> "EntryWriter":
        """A background writer of entries: see :class:`EntryWriter`."""
        return EntryWriter(self)

    def __contains__(self, key: str) -> bool:
        return self.path(key).is_file()

    # -- corpus bundles ----------------------------------------------------------

    def bundle_path(self, identity: str) -> Path:
        """File holding the bundle filed under ``identity``."""
        return self.directory / BUNDLE_DIR / f"{identity}{BUNDLE_SUFFIX}"

    def read_bundle(self, identity: str, signature: str, n_docs: int) -> "Bundle | None":
        """The bundle for ``identity`` if its signature and size match and its checksum holds, else None.

        A damaged bundle is removed (and counted in ``rebuilt``); one for
        other file versions (another ``signature``) is left to be replaced.
        """
        path = self.bundle_path(identity)
        try:
            bundle = _read_bundle(path, identity)
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("token cache %s: cannot read (%s); tokenizing again", path, exc.strerror)
            return None
        if bundle is None:
            log.warning("token cache %s: corrupted or truncated corpus bundle; %s", path, _removed(path))
            self.rebuilt += 1
            return None
        if bundle.signature != signature or bundle.n_docs != n_docs:
            return None
        try:
            os.utime(path)  # recently used: pruned last
        except OSError:
            pass
        return bundle

    def bundle_writer(self, identity: str, signature: str) -> "BundleWriter":
        """A :class:`BundleWriter` for the corpus filed under ``identity``.

        Temporary bundle files of killed runs are removed first.
        """
        remove_stale_tmp(self.directory / BUNDLE_DIR)
        return BundleWriter(self, identity, signature)

    def clear(self) -> int:
        """Delete every entry, corpus bundle, cached result and engine term table; returns how many files were removed."""
        n = 0
        if not self.directory.is_dir():
            return 0
        # .tmp: left by killed writes; .json.gz: entries of format version 1, no longer read
        for pattern in (f"*/*{ENTRY_SUFFIX}", f"{BUNDLE_DIR}/*{BUNDLE_SUFFIX}", "*/.*.tmp", "*/*.json.gz",
                        f"{RESULTS_DIR}/*{RESULT_SUFFIX}", f"{RESULTS_DIR}/.*.tmp", "report/*.json",
                        f"{ENGINE_DIR}/*.json", f"{ENGINE_DIR}/.*.tmp"):
            for path in self.directory.glob(pattern):
                n += self._remove(path)
        return n

    @staticmethod
    def _remove(path: str | Path) -> bool:
        """Delete ``path``; whether it is gone now because of this call."""
        try:
            os.unlink(path)
            return True
        except OSError:
            return False


class EntryWriter:
    """Writes cache entries from a background thread, so the disk's waits overlap other work.

    ``put(key, tokens)`` encodes the entry at once (later changes to the list
    cannot reach the file) and queues the bytes; ``close()`` waits until every
    queued entry is written. The first write that fails stops the writing and
    is kept in ``error`` (an OSError) for the caller to report.

    >>> import tempfile
    >>> cache = TokenCache(tempfile.mkdtemp())
    >>> with cache.writer() as w:
    ...     w.put(TokenCache.key("优化营商环境", "fp"), ["营商环境"])
    >>> cache.get(TokenCache.key("优化营商环境", "fp"))
    ['营商环境']
    """

    def __init__(self, cache: TokenCache, queued: int = 64) -> None:
        self.cache = cache
        self.error: OSError | None = None
        self._queue: queue.Queue = queue.Queue(maxsize=queued)
        self._thread: threading.Thread | None = None

    def put(self, key: str, tokens: Sequence[str]) -> None:
        if self.error is not None:
            return
        self._queue_entry(key, encode_entry(key, tokens))

    def put_ids(self, key: str, words: Sequence[str], ids: np.ndarray) -> None:
        """Queue the tokens ``[words[i] for i in ids]`` (``words`` distinct) under ``key``."""
        if self.error is not None:
            return
        self._queue_entry(key, encode_ids(key, words, ids))

    def _queue_entry(self, key: str, entry: bytes) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="textmine-cache-writer", daemon=True)
            self._thread.start()
        self._queue.put((key, entry))

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if self.error is None:
                try:
                    self.cache.put_encoded(*item)
                except OSError as exc:
                    self.error = exc

    def close(self) -> None:
        """Wait until every queued entry is written (or the writing failed)."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def __enter__(self) -> "EntryWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def encode_entry(key: str, tokens: Sequence[str]) -> bytes:
    """The entry of a token list: see :func:`encode_ids`.

    >>> words, ids = decode_entry(encode_entry("k", ["发展", "营商环境", "发展"]), "k")
    >>> words, ids.tolist()
    (['发展', '营商环境'], [0, 1, 0])
    """
    index: dict[str, int] = {}
    ids = [index.setdefault(t, len(index)) for t in tokens]
    return encode_ids(key, list(index), np.asarray(ids, dtype=np.int64))


def encode_ids(key: str, words: Sequence[str], ids: np.ndarray) -> bytes:
    """An entry: a JSON header line, then the body: ``words`` as a JSON list, a newline, the ids.

    The ids are little-endian unsigned integers of 2 bytes (4 when there are
    more than 65,536 distinct words); the header records the format, the key,
    the sizes and the sha256 of the body.
    """
    words = list(words) if _all_str(words) else [str(w) for w in words]
    width = 2 if len(words) <= 1 << 16 else 4
    body = (_json_list(words).encode("utf-8", "surrogatepass") + b"\n"
            + np.asarray(ids).astype(f"<u{width}").tobytes())
    head = json.dumps({"format": FORMAT, "version": VERSION, "key": key, "n_words": len(words),
                       "n_tokens": int(len(ids)), "id_bytes": width, "sha256": hashlib.sha256(body).hexdigest()},
                      separators=(",", ":")).encode("utf-8")
    return head + b"\n" + body


def decode_entry(raw: bytes, key: str) -> tuple[list[str], np.ndarray] | None:
    """``(words, ids)`` of an entry, or None unless its format, key, sizes and checksum all check out."""
    cut = raw.find(b"\n")
    if cut < 0:
        return None
    head = _loads(raw[:cut])
    if not (isinstance(head, dict) and head.get("format") == FORMAT and head.get("version") == VERSION
            and head.get("key") == key and head.get("id_bytes") in (2, 4)):
        return None
    body = memoryview(raw)[cut + 1:]
    if hashlib.sha256(body).hexdigest() != head.get("sha256"):
        return None
    split = raw.find(b"\n", cut + 1)
    n_words, n_tokens, width = head.get("n_words"), head.get("n_tokens"), head["id_bytes"]
    if split < 0 or not isinstance(n_words, int) or not isinstance(n_tokens, int):
        return None
    words = _loads(raw[cut + 1:split])
    if (len(raw) - split - 1) % width:
        return None
    ids = np.frombuffer(raw, dtype=f"<u{width}", offset=split + 1) if len(raw) > split + 1 else np.zeros(0, "<u2")
    if not (isinstance(words, list) and len(words) == n_words and _all_str(words) and len(ids) == n_tokens
            and (not n_tokens or int(ids.max()) < n_words)):
        return None
    return words, ids


_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f]')


def _json_list(words: list[str]) -> str:
    """``json.dumps(words, ensure_ascii=False, separators=(",", ":"))``, 3x faster for plain words.

    >>> _json_list(["营商环境", 'a"b']) == json.dumps(["营商环境", 'a"b'], ensure_ascii=False, separators=(",", ":"))
    True
    """
    if words and _NEEDS_ESCAPE.search("".join(words)) is None:  # nothing JSON would escape: a join is the JSON
        return '["' + '","'.join(words) + '"]'
    return json.dumps(words, ensure_ascii=False, separators=(",", ":"))


def _loads(blob: bytes) -> object:
    try:
        return json.loads(blob.decode("utf-8", "surrogatepass"))
    except (UnicodeDecodeError, ValueError):
        return None


def _all_str(items: list) -> bool:
    return not items or set(map(type, items)) == {str}


# ---------------------------------------------------------------------------
# corpus bundles: every token list of a corpus in one file


#: Sub-folder of the cache directory holding corpus bundles.
BUNDLE_DIR = "corpora"
BUNDLE_SUFFIX = ".tmb"
BUNDLE_FORMAT = "textmine.bundle"
BUNDLE_VERSION = 1
#: Corpus bundles kept; writing one more removes the least recently used.
MAX_BUNDLES = 16
_MAGIC = b"TMBUNDL1"
_TAIL = 16  # header length (uint64) + magic


class BundleChanged(OSError):
    """The corpus bundle a :class:`Bundle` was read from was removed or replaced since (the cache was cleared)."""


class Bundle:
    """The token lists of a whole corpus as one vocabulary, int32 ids and document offsets.

    The file is laid out as ``magic | ids (int32) | offsets (int64, n_docs + 1)
    | vocabulary (JSON list) | header (JSON) | header length (uint64) | magic``;
    the header holds the identity, the file signature, the sizes and a CRC-32
    of everything between the magics before it. The ids stay in the file: each
    :meth:`read` and each pass of :meth:`docs` opens it, checks it is still the
    file that was checked (same device, inode and size -- bundles are only
    replaced by renaming a new file over them -- and the same header, whose
    checksum covers ids, offsets and vocabulary), and reads
    the ids a block at a time (plain reads, no memory map), so streaming a
    bundle larger than memory holds no more than one block, and the pages read
    stay in the system's file cache, not in this process. No file is held open
    between passes, so a program may keep any number of bundles; one removed
    or replaced meanwhile raises :class:`BundleChanged` (an ``OSError``).
    """

    #: Token ids read at once by :meth:`docs` (4 bytes each).
    BLOCK_IDS = 1 << 20

    def __init__(self, header: dict, words: list[str], offsets: np.ndarray, path: Path, stamp: tuple[int, int, int],
                 tail: bytes, ids_start: int = len(_MAGIC)) -> None:
        self.signature: str = header["signature"]
        self.n_docs: int = header["n_docs"]
        self.words = words
        self.offsets = offsets
        self.path = path
        self._stamp = stamp  # (device, inode, size) of the file checked
        self._tail = tail    # its header, header length and closing magic
        self._start = ids_start

    def __len__(self) -> int:
        return self.n_docs

    @property
    def n_tokens(self) -> int:
        return int(self.offsets[-1])

    def read(self, a: int, b: int) -> np.ndarray:
        """Ids ``a`` to ``b`` (token positions) as a read-only int32 array."""
        if b <= a:
            return np.zeros(0, dtype=np.int32)
        with self._open() as fh:
            return self._pread(fh, a, b)

    def docs(self) -> Iterator[np.ndarray]:
        """The ids of each document in order (read-only int32 arrays), read a block of documents at a time.

        The file is opened (and checked) now, before the first document is
        asked for, and closed when the pass ends or is dropped.
        """
        return self._docs(self._open())

    def _docs(self, fh) -> Iterator[np.ndarray]:
        with fh:
            offsets = self.offsets.tolist()
            n, i = len(offsets) - 1, 0
            while i < n:
                j = i + 1  # documents i .. j-1 in one read: at least one, about BLOCK_IDS ids
                while j < n and offsets[j + 1] - offsets[i] <= self.BLOCK_IDS:
                    j += 1
                block, base = self._pread(fh, offsets[i], offsets[j]), offsets[i]
                for a, b in zip(offsets[i:j], offsets[i + 1:j + 1]):
                    yield block[a - base:b - base]
                i = j

    def _open(self):
        fh = open(self.path, "rb", buffering=0)
        stamp = _stamp(os.fstat(fh.fileno()))
        if stamp != self._stamp or os.pread(fh.fileno(), len(self._tail), stamp[2] - len(self._tail)) != self._tail:
            fh.close()
            raise BundleChanged(f"{self.path}: corpus bundle replaced since it was read")
        return fh

    def _pread(self, fh, a: int, b: int) -> np.ndarray:
        blob = os.pread(fh.fileno(), 4 * (b - a), self._start + 4 * a)
        if len(blob) != 4 * (b - a):  # pragma: no cover - the file was checked when opened and is never rewritten
            raise OSError(f"{self.path}: corpus bundle shorter than its header says")
        return np.frombuffer(blob, dtype="<i4")


def _stamp(st: os.stat_result) -> tuple[int, int, int]:
    """Device, inode and size: with the header, what tells a bundle file from its replacement (not its
    modification time, which :meth:`TokenCache.read_bundle` bumps to mark the bundle recently used)."""
    return st.st_dev, st.st_ino, st.st_size


def _read_bundle(path: Path, identity: str) -> Bundle | None:
    """Check a bundle file; None if it is damaged or not one. The file is closed again."""
    with open(path, "rb", buffering=0) as fh:
        return _check_bundle(fh, identity, path)


def _check_bundle(fh, identity: str, path: Path) -> Bundle | None:
    fd = fh.fileno()
    st = os.fstat(fd)
    size = st.st_size
    if size < len(_MAGIC) + _TAIL:
        return None

    def pread(n: int, at: int) -> bytes:
        return os.pread(fd, n, at)

    if pread(8, 0) != _MAGIC or pread(8, size - 8) != _MAGIC:
        return None
    head_len = int(np.frombuffer(pread(8, size - 16), dtype="<u8")[0])
    if head_len > size - len(_MAGIC) - _TAIL:
        return None
    header = _loads(pread(head_len, size - _TAIL - head_len))
    if not (isinstance(header, dict) and header.get("format") == BUNDLE_FORMAT
            and header.get("version") == BUNDLE_VERSION and header.get("identity") == identity):
        return None
    try:
        n_docs, n_tokens, vocab_bytes = int(header["n_docs"]), int(header["n_tokens"]), int(header["vocab_bytes"])
        crc = int(header["crc32"])
        if not isinstance(header["signature"], str):
            return None
    except (KeyError, TypeError, ValueError):
        return None
    ids_end = 8 + 4 * n_tokens
    offsets_end = ids_end + 8 * (n_docs + 1)
    if offsets_end + vocab_bytes + head_len + _TAIL != size:
        return None
    # the checksum from plain reads into one reused buffer: the file is not mapped, so checking a
    # bundle larger than memory adds nothing to this process's resident memory
    body, buf = 0, bytearray(1 << 22)
    view = memoryview(buf)
    at, end = 8, offsets_end + vocab_bytes
    while at < end:
        n = os.preadv(fd, [view[:min(len(buf), end - at)]], at) if hasattr(os, "preadv") else None
        if n is None:  # pragma: no cover - no preadv (not Linux/BSD/macOS)
            chunk = pread(min(len(buf), end - at), at)
            n = len(chunk)
            view[:n] = chunk
        if n <= 0:
            return None
        body = zlib.crc32(view[:n], body)
        at += n
    if body != crc:
        return None
    words = _loads(pread(vocab_bytes, offsets_end))
    offsets = np.frombuffer(pread(offsets_end - ids_end, ids_end), dtype="<i8")
    if not (isinstance(words, list) and len(words) == header.get("n_words") and offsets[0] == 0
            and offsets[-1] == n_tokens and (np.diff(offsets) >= 0).all()):
        return None
    return Bundle(header, words, offsets, path, _stamp(st), pread(head_len + _TAIL, size - _TAIL - head_len))


class BundleWriter:
    """Writes a corpus bundle as its documents stream past; nothing is visible before :meth:`commit`.

    ``add(ids)`` appends one document's ids (into the vocabulary given to
    ``commit``) to a temporary file beside the bundle; ``commit(words)``
    finishes it and renames it into place, replacing an older bundle of the
    same corpus; ``abort()`` removes it. Write errors stop the writing and are
    kept in ``error`` (an OSError); the bundle is then not made.
    """

    def __init__(self, cache: TokenCache, identity: str, signature: str) -> None:
        self.cache, self.identity, self.signature = cache, identity, signature
        self.path = cache.bundle_path(identity)
        self.error: OSError | None = None
        self._offsets = array("q", [0])
        self._crc = 0
        self._fh = None
        self._file = ExitStack()  # holds _io.atomic_open across add() calls: closed = renamed into place
        try:
            self._fh = self._file.enter_context(atomic_open(self.path, "wb", fsync=False))
            self._fh.write(_MAGIC)
        except OSError as exc:
            self._fail(exc)

    def add(self, ids: np.ndarray) -> None:
        if self._fh is None:
            return
        blob = np.ascontiguousarray(ids, dtype="<i4").tobytes()
        try:
            self._fh.write(blob)
        except OSError as exc:
            self._fail(exc)
            return
        self._crc = zlib.crc32(blob, self._crc)
        self._offsets.append(self._offsets[-1] + len(ids))

    def commit(self, words: Sequence[str]) -> Path | None:
        """Finish the file and move it into place; the bundle path, or None if it could not be written."""
        if self._fh is None:
            return None
        offsets = np.frombuffer(self._offsets, dtype=np.int64).astype("<i8").tobytes()
        vocab = _json_list(list(words)).encode("utf-8", "surrogatepass")
        crc = zlib.crc32(vocab, zlib.crc32(offsets, self._crc))
        header = json.dumps({"format": BUNDLE_FORMAT, "version": BUNDLE_VERSION, "identity": self.identity,
                             "signature": self.signature, "n_docs": len(self._offsets) - 1,
                             "n_tokens": self._offsets[-1], "n_words": len(words), "vocab_bytes": len(vocab),
                             "crc32": crc}, separators=(",", ":")).encode("utf-8")
        try:
            for part in (offsets, vocab, header, np.array([len(header)], dtype="<u8").tobytes(), _MAGIC):
                self._fh.write(part)
            self._fh = None
            self._file.close()  # atomic_open renames the finished file over the bundle
        except OSError as exc:
            self._fail(exc)
            return None
        _prune(self.path.parent)
        return self.path

    def abort(self) -> None:
        """Drop the unfinished bundle."""
        self._fh = None
        try:
            self._file.__exit__(_Dropped, _Dropped(), None)  # atomic_open removes its temporary file
        except _Dropped:  # pragma: no cover - atomic_open re-raises it only if the file was already renamed
            pass

    def _fail(self, exc: OSError) -> None:
        self.error = exc
        self.abort()


class _Dropped(Exception):
    """Thrown into :func:`textmine._io.atomic_open` to make it discard an unfinished bundle."""


#: A temporary file untouched this long is left over even if its process id is alive (the id was reused).
STALE_TMP_SECONDS = 24 * 3600
#: A temporary file without a process id in its name (older textmine) untouched this long is left over.
STALE_TMP_NO_PID_SECONDS = 600
_TMP_PID = re.compile(r"^\..+\.(\d+)\.[^.]+\.tmp$")


def _process_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (a zombie counts as dead)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    except OSError:  # pragma: no cover - e.g. no signals on this platform: assume alive
        return True
    try:  # a killed child not waited for yet is a zombie: its files are left over
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[-1].split()[0] != b"Z"
    except OSError:
        return True


def remove_stale_tmp(folder: Path) -> int:
    """Remove the temporary files in ``folder`` that killed runs left; returns how many.

    A temporary file ``.NAME.PID.XXXX.tmp`` (see :func:`textmine._io.atomic_open`)
    is left over when process PID is gone; one without an id when it is ten
    minutes old; any when a day old. Files of live writers stay.
    """
    now, n = time.time(), 0
    try:
        paths = list(folder.glob(".*.tmp"))
    except OSError:
        return 0
    for path in paths:
        try:
            age = now - path.stat().st_mtime
        except OSError:
            continue
        m = _TMP_PID.match(path.name)
        if m is not None:
            stale = not _process_alive(int(m.group(1))) or age > STALE_TMP_SECONDS
        else:
            stale = age > STALE_TMP_NO_PID_SECONDS
        if stale and TokenCache._remove(path):
            log.info("token cache %s: removed a temporary file a killed run left", path)
            n += 1
    return n


def _removed(path: str | Path) -> str:
    """Remove ``path`` and say what happened, for a log line."""
    try:
        os.unlink(path)
        return "removed it"
    except FileNotFoundError:
        return "already removed"
    except OSError as exc:
        return f"could not remove it ({exc.strerror or exc})"


def _prune(folder: Path, keep: int | None = None) -> None:
    """Remove all but the ``keep`` (default :data:`MAX_BUNDLES`) most recently used bundles.

    Also removes temporary bundle files killed runs left (:func:`remove_stale_tmp`).
    """
    keep = MAX_BUNDLES if keep is None else keep
    remove_stale_tmp(folder)
    found = []
    for path in folder.glob(f"*{BUNDLE_SUFFIX}"):
        try:
            found.append((path.stat().st_mtime_ns, str(path)))
        except OSError:
            pass
    for _, path in sorted(found, reverse=True)[keep:]:
        TokenCache._remove(path)


# ---------------------------------------------------------------------------
# results: named byte strings under a key (e.g. a figure's PNG and CSV)


#: Sub-folder of the cache directory holding results.
RESULTS_DIR = "results"
#: Subfolder of the engines' term tables (small JSON files, see ``tokenizer._cached_term_table``).
ENGINE_DIR = "engines"
RESULT_SUFFIX = ".res"
RESULT_FORMAT = "textmine.result"
#: Results kept; writing one more removes the least recently used.
MAX_RESULTS = 256


class ResultCache:
    """Named byte strings filed under a key (a sha256 hex string), in ``results/`` of the cache folder.

    One checksummed file per key: a JSON header line (format, key, each part's
    name, size and sha256) followed by the parts. A damaged file reads as
    missing (and is removed); at most :data:`MAX_RESULTS` are kept. What goes
    in is the caller's business -- textmine's report keeps the PNG and CSV
    bytes of each figure under a key of everything they depend on.

    >>> import tempfile
    >>> cache = ResultCache(tempfile.mkdtemp())
    >>> key = hashlib.sha256(b"my figure").hexdigest()
    >>> cache.get(key) is None
    True
    >>> cache.put(key, {"png": b"\\x89PNG...", "csv": "营商环境,1\\n".encode()})
    >>> cache.get(key)["csv"].decode()
    '营商环境,1\\n'
    """

    def __init__(self, directory: str | os.PathLike | None = None) -> None:
        base = Path(directory).expanduser() if directory is not None else default_cache_dir()
        self.directory = Path(os.path.abspath(base)) / RESULTS_DIR

    def path(self, key: str) -> Path:
        if not re.fullmatch(r"[0-9a-f]{16,128}", key):
            raise ValueError(f"a result key is a hex digest, not {key!r}")
        return self.directory / f"{key}{RESULT_SUFFIX}"

    def get(self, key: str) -> dict[str, bytes] | None:
        """The parts stored under ``key``, or None (absent, unreadable or damaged)."""
        path = self.path(key)
        try:
            raw = path.read_bytes()
        except OSError:
            return None
        parts = _decode_result(raw, key)
        if parts is None:
            log.warning("result cache %s: corrupted or truncated; %s", path, _removed(path))
            return None
        try:
            os.utime(path)  # recently used: pruned last
        except OSError:
            pass
        return parts

    def put(self, key: str, parts: dict[str, bytes]) -> None:
        """Store ``parts`` under ``key`` (atomically); a cache that cannot be written is skipped with a warning."""
        head = {"format": RESULT_FORMAT, "key": key,
                "parts": [[name, len(data), hashlib.sha256(data).hexdigest()] for name, data in parts.items()]}
        blob = json.dumps(head, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
        try:
            write_bytes_atomic(self.path(key), blob + b"".join(parts.values()), fsync=False)
        except OSError as exc:
            log.warning("result cache %s: cannot write (%s); continuing without it", self.directory,
                        exc.strerror or exc)
            return
        remove_stale_tmp(self.directory)
        found = []
        for path in self.directory.glob(f"*{RESULT_SUFFIX}"):
            try:
                found.append((path.stat().st_mtime_ns, str(path)))
            except OSError:
                pass
        for _, path in sorted(found, reverse=True)[MAX_RESULTS:]:
            TokenCache._remove(path)


def _decode_result(raw: bytes, key: str) -> dict[str, bytes] | None:
    cut = raw.find(b"\n")
    head = _loads(raw[:cut]) if cut > 0 else None
    if not (isinstance(head, dict) and head.get("format") == RESULT_FORMAT and head.get("key") == key
            and isinstance(head.get("parts"), list)):
        return None
    parts, pos = {}, cut + 1
    try:
        for name, size, digest in head["parts"]:
            data = raw[pos:pos + int(size)]
            if len(data) != size or hashlib.sha256(data).hexdigest() != digest:
                return None
            parts[str(name)] = data
            pos += size
    except (TypeError, ValueError):
        return None
    return parts if pos == len(raw) else None
