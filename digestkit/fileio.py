"""Writing a user's files safely: the one place digestkit replaces a file on disk.

Every command that writes (``repair --in-place``, ``render -o``, ``summarize -o``,
``fetch -o``, ``digest``, ``faithfulness -o``) goes through :func:`write_atomic`, so the
rules hold everywhere: the new bytes go to a temporary file in the same directory, are
flushed to disk and renamed over the target (a reader sees the old file or the new one, a
crash leaves the old one intact), the file mode is kept, and an existing file with other
content is kept as ``FILE.orig`` first, by one of three policies:

``"always"``  every overwrite keeps the previous content (``FILE.orig``, then ``FILE.orig.1``,
              ...: an older backup is never clobbered). For files a person wrote.
``"first"``   keep ``FILE.orig`` only if there is none yet: the file that was there before
              digestkit first wrote it is saved once, and digestkit's own later rewrites (a
              summary run saving as it goes, the daily README) do not pile up backups.
``"none"``    no backup (``--no-backup``).

Only regular files are replaced by rename. A target that is a device, a FIFO, a socket or
a terminal (``-o /dev/null``, ``-o /dev/stdout``, a named pipe) is written *through*, like
a shell redirection, never renamed over; a symbolic link is followed, so the file it points
to is replaced and the link stays. An existing file keeps its mode and, where the process
may set it, its owner. Temporary files are named ``.NAME.XXXXXXXX.tmp``: one left by a
killed run is recognised (:func:`is_leftover_temp`) so that commands skip and remove it
instead of processing it as a document.
"""

from __future__ import annotations

import contextlib
import filecmp
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, Literal

from digestkit.errors import InputError

__all__ = [
    "Backup",
    "OwnFile",
    "backup_path",
    "is_leftover_temp",
    "write_atomic",
    "write_atomic_from",
]

_TEMP = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp$")

Backup = Literal["always", "first", "none"]


def write_atomic(
    path: str | os.PathLike[str], data: bytes | str, *, backup: Backup = "always"
) -> Path | None:
    """Write ``data`` (``str`` is written as UTF-8) to ``path`` atomically.

    Returns the backup made, if any. Writing the content a file already has does nothing.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_atomic(folder / "a.md", "one") is None
    True
    >>> write_atomic(folder / "a.md", "two").name
    'a.md.orig'
    >>> write_atomic(folder / "a.md", "three", backup="first") is None
    True
    >>> (folder / "a.md").read_text(), (folder / "a.md.orig").read_text()
    ('three', 'one')
    """
    try:
        return _write_atomic(Path(path), data, backup)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", path=str(path)) from None


def write_atomic_from(
    path: str | os.PathLike[str],
    produce: Callable[[BinaryIO], object],
    *,
    backup: Backup = "always",
) -> Path | None:
    """:func:`write_atomic` for content too large to hold: ``produce`` writes it to the
    handle it is given (the temporary file, or a device written through). The same rules:
    a regular file is replaced by rename with a backup, content equal to the file's leaves
    it untouched, a device or FIFO is written through.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_atomic_from(folder / "a.md", lambda out: out.write(b"big")) is None
    True
    >>> (folder / "a.md").read_bytes()
    b'big'
    """
    try:
        return _write_atomic(Path(path), produce, backup)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", path=str(path)) from None


def _write_atomic(
    target: Path, data: bytes | str | Callable[[BinaryIO], object], backup: Backup
) -> Path | None:
    path = target
    if callable(data):
        produce = data
    else:
        payload = data.encode("utf-8") if isinstance(data, str) else data

        def produce(handle: BinaryIO) -> None:
            handle.write(payload)

    if target.is_symlink():
        target = Path(os.path.realpath(target))
    try:
        info = target.stat()
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", path=str(path)) from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise InputError("is a directory, not a file", path=str(path))
    if info is not None and not stat.S_ISREG(info.st_mode):
        _write_through(target, produce)  # a device, FIFO or socket: never rename over it
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    existing = info is not None
    if existing and not callable(data) and target.read_bytes() == payload:
        return None
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            produce(handle)
            handle.flush()
            os.fsync(handle.fileno())
        if existing and callable(data) and filecmp.cmp(tmp, target, shallow=False):
            tmp.unlink()
            return None
        if existing:
            shutil.copymode(target, tmp)
            _copy_owner(info, tmp)
        else:
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a new file gets the usual mode
        saved = _backup(target, backup) if existing else None
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return saved


def _write_through(target: Path, produce: Callable[[BinaryIO], object]) -> None:
    with open(target, "wb") as handle:
        produce(handle)


def _copy_owner(info: os.stat_result | None, tmp: Path) -> None:
    """Give the new file the old one's owner and group (root rewriting a user's file must
    not hand it to root); silently impossible for an ordinary user, who owns it anyway."""
    if info is None or not hasattr(os, "chown"):
        return
    with contextlib.suppress(OSError):
        os.chown(tmp, info.st_uid, info.st_gid)


def is_leftover_temp(path: str | os.PathLike[str]) -> bool:
    """Is ``path`` a temporary file :func:`write_atomic` left behind when killed?

    >>> is_leftover_temp("notes/.README.md.k3j_x9a2.tmp"), is_leftover_temp("notes/x.tmp")
    (True, False)
    """
    return bool(_TEMP.match(Path(path).name))


class OwnFile:
    """A file one command writes again and again (``summarize -o`` saving as it goes).

    Only the first write may keep a backup (of what the user had there before); later
    writes replace digestkit's own earlier version without one, so a file that did not
    exist never gets a ``.orig``.

    >>> import tempfile, pathlib
    >>> out = OwnFile(pathlib.Path(tempfile.mkdtemp()) / "new.json")
    >>> out.write("one"), out.write("two"), sorted(p.name for p in out.path.parent.iterdir())
    (None, None, ['new.json'])
    """

    def __init__(self, path: str | os.PathLike[str], *, backup: Backup = "first") -> None:
        self.path = Path(path)
        self.backup = backup
        self._written = False

    def write(self, data: bytes | str) -> Path | None:
        policy: Backup = "none" if self._written else self.backup
        self._written = True
        return write_atomic(self.path, data, backup=policy)


def backup_path(path: str | os.PathLike[str]) -> Path:
    """Where the first backup of ``path`` goes.

    >>> backup_path("notes/README.md").as_posix()
    'notes/README.md.orig'
    """
    p = Path(path)
    return p.with_name(p.name + ".orig")


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _backup(path: Path, policy: Backup) -> Path | None:
    if policy == "none" or (policy == "first" and backup_path(path).exists()):
        return None
    for number in range(1000):
        candidate = path.with_name(path.name + (".orig" if number == 0 else f".orig.{number}"))
        try:
            os.link(path, candidate)  # cheap and atomic; the rename below unlinks only `path`
            return candidate
        except FileExistsError:
            continue
        except OSError:
            if candidate.exists():
                continue
            # No hard links here (some network and FAT file systems): copy, atomically too.
            fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{candidate.name}.")
            os.close(fd)
            shutil.copy2(path, tmp_name)
            os.replace(tmp_name, candidate)
            return candidate
    raise InputError("too many backups already", path=str(path))
