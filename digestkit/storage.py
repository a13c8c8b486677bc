"""Object storage for bulk repair: inputs and outputs given as fsspec URLs.

``s3://bucket/prefix/``, ``gcs://...``, ``file:///abs/path`` all go through fsspec (an
optional dependency: ``pip install 'digestkit[scale]'``); a plain path stays a path and is
never touched by fsspec. The filesystem object travels to the workers inside each task
(fsspec filesystems pickle with their storage options), so the workers list nothing, read
their own documents and write their own results: no document passes through the driver.

Why a single PUT is enough for atomicity in an object store: S3 (and GCS, Azure) make an
object visible only when its upload completes, whole, under its key (multipart uploads too,
at ``CompleteMultipartUpload``); a reader sees the old object or the new one, never a
half-written one, and a worker killed mid-upload leaves nothing under the key (an aborted
multipart upload is invisible). Writing to a temporary key and copying would cost a second
full copy for no gain. Local ``file://`` outputs go through :func:`digestkit.fileio.write_atomic`
(temporary file and rename) like plain paths.

Endpoint and credentials come from the usual places (``AWS_*`` variables, ``~/.aws``), and
from fsspec's own configuration, e.g. ``FSSPEC_S3_ENDPOINT_URL=http://127.0.0.1:9000``
for an S3-compatible server.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from digestkit.errors import DigestkitError, InputError
from digestkit.fileio import is_leftover_temp

__all__ = ["is_url", "join", "list_files", "read_bytes", "url_fs", "write_object"]

_BACKUP = re.compile(r"\.orig(\.\d+)?$")


def is_url(text: str) -> bool:
    """Whether ``text`` names a location fsspec should open (it has a ``scheme://``).

    >>> is_url("s3://bucket/prefix/"), is_url("file:///tmp/x"), is_url("notes/a.md")
    (True, True, False)
    """
    return re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", text) is not None


def url_fs(url: str) -> tuple[Any, str]:
    """The fsspec filesystem for ``url`` and the path inside it (no scheme)."""
    try:
        from fsspec.core import url_to_fs
    except ImportError:  # pragma: no cover - depends on the install
        raise DigestkitError(
            "object storage needs fsspec: pip install 'digestkit[scale]'", path=url
        ) from None
    try:
        fs, path = url_to_fs(url)
    except (ImportError, ValueError) as exc:
        raise InputError(f"cannot open storage: {exc}", path=url) from None
    return fs, path.rstrip("/")


def join(root: str, relpath: str) -> str:
    """``root/relpath`` inside a store.

    >>> join("bucket/out", "a/b.md")
    'bucket/out/a/b.md'
    """
    return f"{root.rstrip('/')}/{relpath}" if root else relpath


def list_files(fs: Any, root: str) -> Iterator[tuple[str, str]]:
    """``(path, relpath)`` of every document under ``root``, sorted by relative path.

    Like the local walk: hidden directories and ``*.orig`` backups are left out, and a
    folder keeps its own name (``s3://b/in/corpus`` gives ``corpus/...``, like ``cp -r``).
    A ``root`` that is a single object yields it alone (its relative path is its base name).
    """
    if fs.isfile(root):
        yield root, root.rsplit("/", 1)[-1]
        return
    prefix = root.rstrip("/") + "/"
    top = root.rstrip("/").rsplit("/", 1)[-1] or "_"
    found = []
    for path in fs.find(root):
        relpath = path[len(prefix) :] if path.startswith(prefix) else path.rsplit("/", 1)[-1]
        parts = relpath.split("/")
        if any(part.startswith(".") for part in parts[:-1]) or _BACKUP.search(parts[-1]):
            continue
        if is_leftover_temp(parts[-1]):
            continue  # a leftover temporary file, never a document
        found.append((parts, path, relpath))
    for _, path, relpath in sorted(found):
        yield path, f"{top}/{relpath}"


def read_bytes(fs: Any, path: str, start: int | None = None, end: int | None = None) -> bytes:
    """The object's bytes (or the range ``[start, end)``)."""
    data: bytes = fs.cat_file(path, start=start, end=end)
    return data


def write_object(fs: Any, path: str, data: bytes, *, backup: bool = True) -> None:
    """Put ``data`` under ``path`` in one upload (atomic in the store, see the module doc).

    As with local files, content that is already there is not rewritten, and an existing
    object with other content is first kept as ``KEY.orig`` (``KEY.orig.1``, ...).
    """
    try:
        if fs.exists(path):
            if fs.cat_file(path) == data:
                return
            if backup:
                fs.copy(path, _free_backup(fs, path))
        fs.pipe_file(path, data)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", path=path) from None


def _free_backup(fs: Any, path: str) -> str:
    candidate, n = f"{path}.orig", 0
    while fs.exists(candidate):
        n += 1
        candidate = f"{path}.orig.{n}"
    return candidate
