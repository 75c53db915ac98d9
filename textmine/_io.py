"""Atomic writes, reading text files (``read_text``, from :mod:`textmine._decode`) for lazy documents, installed versions."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

from ._decode import check_plausible, read_text  # noqa: F401  (re-exported: read_text lives here for callers)


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
    # the process id in the name: a later run can tell a killed writer's file from a live one's
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
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


def csv_bytes(df, **kwargs) -> bytes:
    """A DataFrame as the bytes of a UTF-8 CSV file with BOM (so Excel shows Chinese), without the index.

    The one CSV encoding of textmine: :func:`write_csv_atomic` writes these bytes.

    >>> import pandas as pd
    >>> data = csv_bytes(pd.DataFrame({"term": ["营商环境"], "weight": [1 / 3]}), float_format="%.3g")
    >>> data[:3] == "\ufeff".encode("utf-8"), data[3:].decode("utf-8").splitlines()
    (True, ['term,weight', '营商环境,0.333'])
    """
    kwargs.setdefault("index", False)
    return df.to_csv(lineterminator="\n", **kwargs).encode("utf-8-sig")


def write_csv_atomic(df, path: str | os.PathLike, **kwargs) -> Path:
    """Write a DataFrame as UTF-8 CSV (with BOM so Excel shows Chinese) atomically: :func:`csv_bytes`."""
    return write_bytes_atomic(path, csv_bytes(df, **kwargs))


class FileLoader:
    """Reads one file with :func:`read_text` (``.pdf``/``.docx``: :func:`textmine.readers.read_document`): picklable, and it tells which file (``path``).

    Lazy documents hold one, and worker processes read the file themselves.
    """

    __slots__ = ("path",)

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(os.path.abspath(path))  # absolute: a worker process may have another cwd

    def __call__(self) -> str:
        if self.path.suffix.lower() in (".pdf", ".docx"):
            from .readers import read_document  # .txt stays on the light path

            return read_document(self.path)
        return read_text(self.path)


def distribution_version(name: str) -> str | None:
    """The installed version of package ``name``, read from its dist-info folder (importlib.metadata takes 0.1 s).

    >>> distribution_version("numpy") == __import__("importlib.metadata").metadata.version("numpy")
    True
    """
    import importlib.util

    spec = importlib.util.find_spec(name)  # finds the package without importing it
    if spec is not None and spec.origin:
        found = sorted(Path(spec.origin).parent.parent.glob(f"{name}-*.dist-info"))
        if len(found) == 1:
            return found[0].name[len(name) + 1:-len(".dist-info")]
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None
