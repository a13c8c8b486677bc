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
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Literal

from digestkit.errors import InputError

__all__ = ["Backup", "OwnFile", "backup_path", "write_atomic"]

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
    target = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    target.parent.mkdir(parents=True, exist_ok=True)
    existing = target.exists()
    if existing and target.read_bytes() == payload:
        return None
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        if existing:
            shutil.copymode(target, tmp)
        else:
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a new file gets the usual mode
        saved = _backup(target, backup) if existing else None
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return saved


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
