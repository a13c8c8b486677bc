"""One digest run at a time per state store: an OS file lock next to the state database.

Why a lock and not only the claims in the state store: claims keep two runs from choosing
the same paper, but both runs then render *their* papers into the same README, feed and
archive, and the later write wins -- papers end up marked shown yet published nowhere.
Holding one exclusive lock from the claim through summarizing to publishing makes
overlapping runs (a slow cron run and a manual one) take turns; the second one then sees
what the first published.

Why ``fcntl.flock`` on a separate ``state.sqlite.lock``: the kernel drops the lock when the
process dies (``kill -9`` included), so a crashed run never leaves a stale lock to clean up,
and SQLite's own locks on the database file are left alone. The file is never deleted
(deleting a lock file races with the next process opening it); it holds the holder's pid,
for the "waiting for" message only.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from digestkit.errors import DigestkitError

__all__ = ["LockTimeout", "lock_path", "run_lock"]


class LockTimeout(DigestkitError):
    """Another run held the lock for longer than the configured ``[state] lock_timeout``."""


def lock_path(state_path: str | os.PathLike[str]) -> Path:
    """The lock file for a state database.

    >>> lock_path("site/state.sqlite").as_posix()
    'site/state.sqlite.lock'
    """
    p = Path(state_path)
    return p.with_name(p.name + ".lock")


def _holder(fd: int) -> str:
    with contextlib.suppress(OSError, ValueError):
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        if text:
            return f"pid {int(text)}"
    return "another process"


@contextlib.contextmanager
def run_lock(
    path: str | os.PathLike[str],
    *,
    timeout: float = 3600.0,
    on_wait: Callable[[str], None] | None = None,
    poll: float = 0.05,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[Path]:
    """Hold the exclusive lock at ``path`` for the ``with`` block.

    When another process holds it, ``on_wait`` is told once (who holds it, for how long
    this run will wait) and the lock is polled until ``timeout`` seconds have passed, then
    :class:`LockTimeout` is raised.

    >>> import tempfile
    >>> where = Path(tempfile.mkdtemp()) / "state.sqlite.lock"
    >>> with run_lock(where) as held:
    ...     held.read_text().strip() == str(os.getpid())
    True
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = clock() + timeout
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not told and on_wait is not None:
                    on_wait(
                        f"waiting for another digest run ({_holder(fd)}) to finish: "
                        f"{target} is locked (giving up after {timeout:g} s)"
                    )
                told = True
                if clock() >= deadline:
                    raise LockTimeout(
                        f"another digest run ({_holder(fd)}) held the lock for more than "
                        f"{timeout:g} s; raise [state] lock_timeout or check that run",
                        path=str(target),
                    ) from None
                sleep(poll)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield target
    finally:
        os.close(fd)  # closing the descriptor releases the flock
