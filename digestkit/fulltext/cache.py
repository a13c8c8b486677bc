"""The full-text disk cache: downloaded bytes and extracted papers, content-addressed.

Why a cache at all: arXiv asks for at least 3 s between downloads, a PDF is megabytes, and
a digest bot re-runs (a retry after a failed summary, a second template, tomorrow's run
over a paper shown today). Why this layout::

    <root>/urls/ab/<sha256(url)>            {"sha256": <blob>} or {"missing": detail, "at": t}
    <root>/blobs/cd/<sha256(bytes)>          the bytes as downloaded
    <root>/texts/ef/<sha256(blob, kind, id, extractor)>.json   the FullText JSON

A blob is named by the hash of its content, so a damaged one is detected (the hash no
longer matches) and the same bytes under two URLs (``/e-print`` and ``/src``) are stored
once. The extracted text is keyed by the blob and the extractor's version tag, so changing
an extractor invalidates its old results without touching the downloads.

Every write goes to a temporary file in the same directory and is renamed into place, so
a reader (another process sharing the cache) sees the old file, the new one or none,
never half of one. Anything unreadable (a truncated JSON, a blob whose hash is wrong) is a
miss: it is deleted and fetched again; a cache never stops a run. Size: after each write
the oldest files (by modification time; a hit touches its files) are deleted until the
total is under ``max_bytes`` (least recently used first).

>>> import tempfile
>>> cache = FulltextCache(tempfile.mkdtemp(), max_bytes=10_000)
>>> sha = cache.put_blob("https://arxiv.org/pdf/1", b"%PDF-1.7 ...")
>>> cache.lookup_url("https://arxiv.org/pdf/1") == ("blob", sha)
True
>>> cache.get_blob(sha)
b'%PDF-1.7 ...'
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
import time
from pathlib import Path

from digestkit.errors import InputError
from digestkit.fulltext.model import FullText

__all__ = ["MISSING_TTL", "FulltextCache", "sha256_hex"]

log = logging.getLogger(__name__)

# A "not there" answer (404: no HTML yet) is remembered for a day: arXiv converts new
# papers to HTML within hours and backfills old ones, so a 404 is not forever.
MISSING_TTL = 24 * 3600.0
# Temporary files older than this are left by a crashed writer; eviction removes them.
_STALE_TMP = 3600.0
# Recount the files on disk after this many writes, to see what other processes added.
_RECOUNT = 64


def sha256_hex(data: bytes | str) -> str:
    """The hex sha256 of ``data`` (text as UTF-8): cache file names.

    >>> sha256_hex(b"")[:12]
    'e3b0c44298fc'
    """
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


class FulltextCache:
    """Content-addressed files under ``root``, at most ``max_bytes`` in total (LRU)."""

    def __init__(self, root: str | os.PathLike[str], *, max_bytes: int) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes
        # Bytes in the cache as last counted plus what this process wrote since: walking
        # the whole tree after every write cost more than the downloads themselves.
        self._size: int | None = None
        self._writes_since_walk = 0

    # -- paths -----------------------------------------------------------------------------

    def _path(self, area: str, key: str, suffix: str = "") -> Path:
        return self.root / area / key[:2] / (key + suffix)

    # -- URLs ------------------------------------------------------------------------------

    def lookup_url(self, url: str) -> tuple[str, str] | None:
        """``("blob", sha)`` for a URL downloaded before, ``("missing", detail)`` for a
        recent 404, ``None`` when unknown (or the entry is damaged or expired)."""
        path = self._path("urls", sha256_hex(url))
        entry = self._read_json(path)
        if not isinstance(entry, dict):
            return None
        if isinstance(entry.get("sha256"), str):
            _touch(path)
            return "blob", entry["sha256"]
        at = entry.get("at")
        fresh = isinstance(at, int | float) and 0 <= time.time() - at < MISSING_TTL
        if isinstance(entry.get("missing"), str) and fresh:
            return "missing", entry["missing"]
        _unlink(path)
        return None

    def put_blob(self, url: str, data: bytes) -> str:
        """Store ``data`` downloaded from ``url``; returns its sha256."""
        sha = sha256_hex(data)
        self._write(self._path("blobs", sha), data)
        self._write(self._path("urls", sha256_hex(url)), json.dumps({"sha256": sha}).encode())
        self.evict()
        return sha

    def put_missing(self, url: str, detail: str) -> None:
        """Remember that ``url`` answered "not there" (see :data:`MISSING_TTL`)."""
        entry = {"missing": detail, "at": time.time()}
        self._write(self._path("urls", sha256_hex(url)), json.dumps(entry).encode())

    def get_blob(self, sha: str) -> bytes | None:
        """The bytes stored under ``sha``; ``None`` (and the file removed) when they no
        longer hash to it."""
        path = self._path("blobs", sha)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        if sha256_hex(data) != sha:
            log.warning("full-text cache: damaged blob %s removed", path)
            _unlink(path)
            return None
        _touch(path)
        return data

    # -- extracted texts ---------------------------------------------------------------------

    def get_text(self, key: str) -> FullText | None:
        path = self._path("texts", key, ".json")
        try:
            text = path.read_text(encoding="utf-8")
            fulltext = FullText.from_json(text, path=str(path))
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError, InputError) as exc:
            log.warning("full-text cache: unreadable entry %s removed (%s)", path, exc)
            _unlink(path)
            return None
        _touch(path)
        return fulltext

    def put_text(self, key: str, fulltext: FullText) -> None:
        self._write(self._path("texts", key, ".json"), fulltext.to_json(indent=None).encode())
        self.evict()

    # -- housekeeping ----------------------------------------------------------------------

    def evict(self, *, force: bool = False) -> int:
        """Delete least recently used files until the cache fits ``max_bytes``; returns
        how many were deleted. Files that vanish meanwhile (another process evicting too)
        are simply skipped. The tree is walked only when this process's running count
        says the cap is passed, or every :data:`_RECOUNT` writes (other processes write
        too), or when ``force`` is given."""
        due = self._size is None or self._writes_since_walk >= _RECOUNT
        if not (force or due or (self._size or 0) > self.max_bytes):
            return 0
        files, total, now = [], 0, time.time()
        for path, stat in _walk(self.root):
            if path.name.endswith(".tmp"):
                if now - stat.st_mtime > _STALE_TMP:
                    _unlink(path)
                continue
            files.append((stat.st_mtime, path, stat.st_size))
            total += stat.st_size
        removed = 0
        for _mtime, path, size in sorted(files):
            if total <= self.max_bytes:
                break
            _unlink(path)
            total -= size
            removed += 1
        self._size, self._writes_since_walk = total, 0
        return removed

    def _read_json(self, path: Path) -> object:
        try:
            return json.loads(path.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.warning("full-text cache: unreadable entry %s removed (%s)", path, exc)
            _unlink(path)
            return None

    def _write(self, path: Path, data: bytes) -> None:
        """Atomic: temp file in the same directory, then rename. A failure to write (disk
        full, read-only home) is logged, not raised: the run goes on without caching."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                os.replace(tmp, path)
                self._writes_since_walk += 1
                if self._size is not None:
                    self._size += len(data)
            except BaseException:
                _unlink(Path(tmp))
                raise
        except OSError as exc:
            log.warning("full-text cache: cannot write %s (%s)", path, exc)


def _walk(root: Path) -> list[tuple[Path, os.stat_result]]:
    out = []
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            path = Path(dirpath, name)
            with contextlib.suppress(OSError):
                out.append((path, path.stat()))
    return out


def _touch(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.utime(path)


def _unlink(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
