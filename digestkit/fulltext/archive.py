"""Reading an arXiv e-print (a gzip of one ``.tex``, a tar / tar.gz / tar.bz2 / tar.xz of a
project, or a plain ``.tex``) into memory, safely.

Why a module of its own: the bytes come from the internet, so the archive is hostile until
proven otherwise. Members are read into memory only (nothing is extracted to disk), links,
devices and paths that are absolute or climb out with ``..`` are skipped, and every cap is
enforced while the bytes are inflated, through a running counter: header sizes are never
trusted, so a gzip bomb stops at the cap instead of filling memory. Exceeding a cap is an
:class:`~digestkit.errors.InputError` that names the limit.

>>> import gzip
>>> files, notes = read_source(gzip.compress(b"\\\\documentclass{article}"))
>>> list(files), notes
(['main.tex'], [])
>>> read_source(gzip.compress(b"x" * 5000), limits=ArchiveLimits(max_total_bytes=1000))
Traceback (most recent call last):
  ...
digestkit.errors.InputError: e-print inflates past max_total_bytes (1000 bytes)
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import posixpath
import tarfile
import zlib
from dataclasses import dataclass
from typing import IO

from digestkit.errors import InputError

__all__ = ["ArchiveLimits", "read_source"]

_CHUNK = 1 << 16


@dataclass(frozen=True)
class ArchiveLimits:
    """Caps on what one e-print may inflate to.

    - ``max_members`` (2,000): tar members of any kind, counted as headers are read; real
      arXiv projects have tens to a few hundred (figures included).
    - ``max_member_bytes`` (50 MB): one member inflated; the largest TeX sources are a few MB,
      figures rarely beyond tens of MB.
    - ``max_total_bytes`` (200 MB): everything inflated from the input, tar headers included;
      arXiv's own submission cap is well below this.
    - ``keep_suffixes``: members whose bytes are kept (text the extractor reads); others are
      counted and skipped. Files without a suffix are kept too (``\\input{intro}``).
    """

    max_members: int = 2_000
    max_member_bytes: int = 50 * 1024 * 1024
    max_total_bytes: int = 200 * 1024 * 1024
    keep_suffixes: tuple[str, ...] = (".tex", ".ltx", ".latex", ".sty", ".bbl", ".bib",
                                      ".json", ".txt", ".def", ".cfg", ".xxx")  # fmt: skip


class _LimitExceeded(Exception):
    """Raised from inside tarfile's reads; turned into an InputError at the boundary."""


class _Inflater(io.RawIOBase):
    """A read-only stream over the decompressed input that counts every byte it hands out
    and stops at ``max_total_bytes`` (the running counter that defeats bombs)."""

    def __init__(self, raw: io.BufferedIOBase, limit: int) -> None:
        self._raw = raw
        self._limit = limit
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        want = min(len(buffer), self._limit + 1 - self.count)
        if want <= 0:
            raise _LimitExceeded(f"e-print inflates past max_total_bytes ({self._limit} bytes)")
        chunk = self._raw.read(want)
        n = len(chunk)
        buffer[:n] = chunk
        self.count += n
        if self.count > self._limit:
            raise _LimitExceeded(f"e-print inflates past max_total_bytes ({self._limit} bytes)")
        return n


def _decompressor(data: bytes) -> io.BufferedIOBase:
    raw = io.BytesIO(data)
    if data[:2] == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=raw)
    if data[:3] == b"BZh":
        return bz2.BZ2File(raw)
    if data[:6] == b"\xfd7zXZ\x00":
        return lzma.LZMAFile(raw)
    return raw


def read_source(
    data: bytes, *, limits: ArchiveLimits | None = None
) -> tuple[dict[str, bytes], list[str]]:
    """The text members of an e-print as ``{relative path: bytes}`` plus notes on what was
    skipped (links, devices, unsafe paths). A single file (compressed or not) comes back
    as ``main.tex``. Raises :class:`InputError` on a broken archive or a cap exceeded."""
    limits = limits or ArchiveLimits()
    stream = _Inflater(_decompressor(data), limits.max_total_bytes)
    buffered = io.BufferedReader(stream, buffer_size=_CHUNK)
    try:
        head = buffered.peek(512)[:512]
        if head[257:262] == b"ustar":
            return _read_tar(buffered, limits)
        return {"main.tex": _read_capped(buffered, limits.max_member_bytes, "main.tex")}, []
    except _LimitExceeded as exc:
        raise InputError(str(exc)) from None
    except (OSError, EOFError, tarfile.TarError, zlib.error, lzma.LZMAError, ValueError) as exc:
        raise InputError(f"broken e-print archive: {exc}") from None


def _read_capped(handle: IO[bytes], cap: int, name: str) -> bytes:
    parts: list[bytes] = []
    size = 0
    while True:
        chunk = handle.read(min(_CHUNK, cap + 1 - size))
        if not chunk:
            return b"".join(parts)
        size += len(chunk)
        if size > cap:
            raise _LimitExceeded(f"member {name} inflates past max_member_bytes ({cap} bytes)")
        parts.append(chunk)


def safe_member_path(name: str) -> str | None:
    """The member's path relative to the archive root, or ``None`` when it is unsafe.

    >>> safe_member_path("./sec/intro.tex"), safe_member_path("../etc/passwd")
    ('sec/intro.tex', None)
    >>> safe_member_path("/abs.tex") is None
    True
    """
    if not name or name.startswith("/") or "\\" in name or "\x00" in name:
        return None
    norm = posixpath.normpath(name)
    if norm.startswith("../") or norm in ("..", ".") or ":" in norm.split("/", 1)[0][1:2]:
        return None
    return norm


def _read_tar(stream: IO[bytes], limits: ArchiveLimits) -> tuple[dict[str, bytes], list[str]]:
    files: dict[str, bytes] = {}
    notes: list[str] = []
    members = 0
    with tarfile.open(fileobj=stream, mode="r|") as tf:
        for info in tf:
            members += 1
            if members > limits.max_members:
                raise _LimitExceeded(f"e-print has more than max_members ({limits.max_members})")
            if info.isdir():
                continue
            path = safe_member_path(info.name)
            if path is None:
                notes.append(f"skipped unsafe archive path {info.name!r}")
                continue
            if info.issym() or info.islnk():
                notes.append(f"skipped link {path} -> {info.linkname}")
                continue
            if not info.isfile():
                notes.append(f"skipped special archive member {path}")
                continue
            if info.size > limits.max_member_bytes:
                raise _LimitExceeded(
                    f"member {path} inflates past max_member_bytes ({limits.max_member_bytes} bytes)"
                )
            suffix = posixpath.splitext(path)[1].lower()
            if suffix and suffix not in limits.keep_suffixes:
                continue  # tarfile skips its bytes through the counting stream
            handle = tf.extractfile(info)
            if handle is not None:
                files[path] = _read_capped(handle, limits.max_member_bytes, path)
    return files, notes
