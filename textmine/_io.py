"""Reading text files in the encodings Chinese government files come in, and atomic writes."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

from .errors import CorpusError



def read_text(path: str | os.PathLike) -> str:
    """Read a text file in UTF-8 (with or without BOM) or GB18030/GBK.

    Raises :class:`CorpusError` naming the file if it is empty, unreadable or
    in none of those encodings. Line endings are normalised to ``\\n``.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "a.txt")
    >>> _ = open(p, "wb").write("政府工作报告".encode("gbk"))
    >>> read_text(p)
    '政府工作报告'
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CorpusError(f"{path}: file not found") from None
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read file ({exc.strerror})") from None
    if not data.strip():
        raise CorpusError(f"{path}: file is empty")
    try:
        return _normalise_newlines(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        bad_at = exc.start
    if _mostly_utf8(data):
        raise CorpusError(
            f"{path}: invalid UTF-8 at byte {bad_at} (the rest of the file is UTF-8, so it is "
            "probably corrupted); fix or re-save the file as UTF-8"
        )
    try:
        return _normalise_newlines(data.decode("gb18030"))
    except UnicodeDecodeError as exc:
        raise CorpusError(
            f"{path}: cannot decode as UTF-8 (first bad byte {bad_at}) or GB18030/GBK "
            f"(first bad byte {exc.start}); re-save the file as UTF-8"
        ) from None


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _mostly_utf8(data: bytes) -> bool:
    """True if ``data`` is UTF-8 text with a few bad bytes rather than another encoding."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    multibyte = sum(1 for ch in text if ord(ch) > 0x7F and ch != "\ufffd")
    return multibyte >= 20 * bad


@contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "w", *, fsync: bool = True, mkdir: bool = True,
                **kwargs) -> Iterator[IO]:
    """Open a temporary file beside ``path``; rename it over ``path`` only on success.

    An interrupted write never leaves a half-written ``path`` behind.
    ``fsync=False`` skips flushing to the disk before the rename: for files
    that are checked when read and can be made again (cache entries).
    ``mkdir=False``: the folder is known to exist (one system call less).
    """
    path = Path(path)
    if mkdir:
        path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if "b" not in mode:
            kwargs.setdefault("encoding", "utf-8")
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
            fh.flush()
            if fsync:
                os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (UTF-8)."""
    with atomic_open(path, "w") as fh:
        fh.write(text)
    return Path(path)


def write_bytes_atomic(path: str | os.PathLike, data: bytes, *, fsync: bool = True, mkdir: bool = True) -> Path:
    """Write ``data`` to ``path`` atomically (``fsync``, ``mkdir``: see :func:`atomic_open`)."""
    with atomic_open(path, "wb", fsync=fsync, mkdir=mkdir) as fh:
        fh.write(data)
    return Path(path)


def write_csv_atomic(df, path: str | os.PathLike, **kwargs) -> Path:
    """Write a DataFrame as UTF-8 CSV (with BOM so Excel shows Chinese) atomically."""
    kwargs.setdefault("index", False)
    with atomic_open(path, "w", newline="", encoding="utf-8-sig") as fh:
        df.to_csv(fh, **kwargs)
    return Path(path)


class FileLoader:
    """Reads one file with :func:`read_text`: picklable, and it tells which file (``path``).

    Lazy documents hold one, and worker processes read the file themselves.
    """

    __slots__ = ("path",)

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(os.path.abspath(path))  # absolute: a worker process may have another cwd

    def __call__(self) -> str:
        return read_text(self.path)
