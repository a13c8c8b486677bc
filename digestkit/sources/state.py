"""Memory of the papers already shown, so a paper appears in one digest only.

Why SQLite in WAL mode: one file, no server, readers never block the writer, and writes are
transactions, so a crash mid-run loses nothing that was committed. Why claims: two runs can
overlap (a slow cron run and a manual one). Each run first *claims* the papers it intends to
show, in one ``BEGIN IMMEDIATE`` transaction, so the other run sees them as taken; only after
its outputs are written does it *commit* the claim (the papers become "shown"). A run that
fails *releases* its claims; a run that dies without releasing leaves claims that expire
after ``lease_seconds``.

A paper is keyed by :attr:`Entry.key` (the arXiv id) and version. With
``show_new_versions=True`` a higher version than any shown counts as new.

A damaged file (not a database, malformed pages, a missing table or column), one written
by a newer digestkit, or one that cannot be written is an
:class:`~digestkit.errors.InputError` naming the file and what to do, and the run stops
(exit 3). Unlike the LLM cache (:mod:`digestkit.backends.cache`), a run does not go on
without it: the state is what keeps a paper from being shown twice, and a run without it
would show again every paper it recorded. Moving the file away starts a new state, at
exactly that cost; the message says so.

>>> with State(":memory:") as st:
...     e = Entry(arxiv_id="2602.1", version=1, title="t")
...     [x.arxiv_id for x in st.claim([e], "run-a")]
...     st.claim([e], "run-b")  # taken by run-a
...     st.commit("run-a", dt.date(2026, 2, 20))
...     st.unseen([e, Entry(arxiv_id="2602.2")])[0].arxiv_id
['2602.1']
[]
1
'2602.2'
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import cast

from digestkit.digest.model import Entry
from digestkit.errors import InputError

__all__ = ["MIGRATIONS", "State"]

# Numbered migrations: MIGRATIONS[i] takes the schema from user_version i to i + 1.
MIGRATIONS = (
    """
    CREATE TABLE shown (
        key TEXT NOT NULL,
        version INTEGER NOT NULL DEFAULT 0,
        title TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL CHECK (status IN ('pending', 'shown')),
        run_id TEXT NOT NULL,
        digest_date TEXT,
        at REAL NOT NULL,
        PRIMARY KEY (key, version)
    );
    CREATE INDEX shown_run ON shown (run_id, status);
    """,
)


_COLUMNS = frozenset({"key", "version", "title", "status", "run_id", "digest_date", "at"})
# What SQLite says when the file or its directory cannot be written (a read-only file, a
# read-only or full disk, no room for the -wal/-shm files): not damage, no need to move it.
# What reading a damaged file raises: SQLite's errors, and a TEXT value whose bytes are
# not UTF-8 (Python decodes it as it reads the row; found by the CLI fuzz suite).
_DB_ERRORS = (sqlite3.DatabaseError, UnicodeDecodeError)
_UNWRITABLE = ("readonly", "unable to open", "disk I/O error", "database or disk is full")


class State:
    """The shown-papers store at ``path`` (created on first use; ``:memory:`` for tests)."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        show_new_versions: bool = False,
        lease_seconds: float = 6 * 3600.0,
        timeout: float = 30.0,
        readonly: bool = False,
    ) -> None:
        self.path = str(path)
        self.show_new_versions = show_new_versions
        self.lease_seconds = lease_seconds
        self._empty = False
        if self.path != ":memory:" and not readonly:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            if readonly:  # --dry-run: look, create nothing, change nothing
                uri = Path(self.path).resolve().as_uri() + "?mode=ro"
                self._db = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None)
                self._empty = self._check_version() == 0
                if not self._empty:
                    self._check_schema()
                return
            self._db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
            self._migrate()
            self._check_schema()
        except _DB_ERRORS as exc:
            raise self._error(exc) from None
        except OSError as exc:
            raise InputError(
                f"cannot open the state file: {exc.strerror or exc}", path=self.path
            ) from None

    def _error(self, exc: Exception) -> InputError:
        """The one line for a database error: what is wrong, and what to do about it."""
        text = " ".join(str(exc).split())  # quick_check reports on several lines
        if any(hint in text for hint in _UNWRITABLE):
            return InputError(
                f"cannot write the state file ({text}): make it and its directory writable "
                "(the run records there what it shows, and SQLite keeps its -wal and -shm "
                "files beside it)",
                path=self.path,
            )
        return InputError(
            f"not a usable digestkit state ({text}): move it away (mv {self.path} "
            f"{self.path}.broken) to start a new state; the papers it recorded may then be "
            "shown again",
            path=self.path,
        )

    def _check_schema(self) -> None:
        """The table and columns every query uses, and no damaged page (``quick_check``
        reads the whole file: a state holds a row per paper shown, kilobytes a day)."""
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(shown)")}
        missing = sorted(_COLUMNS - columns)
        if missing:
            raise sqlite3.DatabaseError(f"table shown lacks {', '.join(missing)}")
        (verdict,) = self._db.execute("PRAGMA quick_check(1)").fetchone()
        if verdict != "ok":
            raise sqlite3.DatabaseError(f"damaged: {verdict}")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> State:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; IMMEDIATE takes the write lock up front (no upgrade race).
        Damage found here (the file changed under the run) is the same one line."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        except _DB_ERRORS as exc:
            raise self._error(exc) from None

    def _read(self, sql: str, args: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        try:
            return self._db.execute(sql, args).fetchall()
        except _DB_ERRORS as exc:
            raise self._error(exc) from None

    def _check_version(self) -> int:
        (current,) = self._db.execute("PRAGMA user_version").fetchone()
        if current < 0:  # a signed 32-bit field in the header: damage, never written by us
            raise self._error(sqlite3.DatabaseError(f"schema version {current}"))
        if current > len(MIGRATIONS):
            raise InputError(
                f"written by a newer digestkit (state schema {current}; this one knows "
                f"{len(MIGRATIONS)}): upgrade digestkit to run with it",
                path=self.path,
            )
        return int(current)

    def _migrate(self) -> None:
        with self._write() as db:
            current = self._check_version()
            for number in range(current, len(MIGRATIONS)):
                for statement in MIGRATIONS[number].split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version={number + 1}")

    # ------------------------------------------------------------ queries
    def _blocked(self, entry: Entry, run_id: str | None) -> bool:
        version = entry.version or 0
        fresh = time.time() - self.lease_seconds
        rows = self._read(
            "SELECT version, status, run_id, at FROM shown WHERE key = ?", (entry.key,)
        )
        for v, status, owner, at in cast(list[tuple[int, str, str | None, float]], rows):
            if status == "shown" and (not self.show_new_versions or v >= version):
                return True
            if status == "pending" and owner != run_id and at > fresh:
                return True
        return False

    def unseen(self, entries: Iterable[Entry]) -> list[Entry]:
        """The entries not shown before (and not claimed by a running digest)."""
        if self._empty:
            return list(entries)
        return [e for e in entries if not self._blocked(e, None)]

    def claim(self, entries: Iterable[Entry], run_id: str) -> list[Entry]:
        """Atomically reserve the unseen ``entries`` for ``run_id``; returns those reserved."""
        claimed = []
        now = time.time()
        with self._write() as db:
            for e in entries:
                if self._blocked(e, run_id):
                    continue
                db.execute(
                    "INSERT OR REPLACE INTO shown (key, version, title, status, run_id, at) "
                    "VALUES (?, ?, ?, 'pending', ?, ?)",
                    (e.key, e.version or 0, e.title, run_id, now),
                )
                claimed.append(e)
        return claimed

    def commit(self, run_id: str, day: dt.date | None) -> int:
        """Mark ``run_id``'s claims as shown in the digest of ``day``; returns how many."""
        with self._write() as db:
            cur = db.execute(
                "UPDATE shown SET status = 'shown', digest_date = ?, at = ? "
                "WHERE run_id = ? AND status = 'pending'",
                (day.isoformat() if day else None, time.time(), run_id),
            )
            return cur.rowcount

    def release(self, run_id: str) -> int:
        """Drop ``run_id``'s claims (the run failed before its outputs were written)."""
        with self._write() as db:
            cur = db.execute("DELETE FROM shown WHERE run_id = ? AND status = 'pending'", (run_id,))
            return cur.rowcount

    def pending(self) -> list[tuple[str, int, str]]:
        """Every claimed-but-not-shown paper as ``(key, version, run_id)``. Under the run
        lock (:mod:`digestkit.sources.lock`) these belong to runs that died."""
        return self._read(  # type: ignore[return-value]
            "SELECT key, version, run_id FROM shown WHERE status = 'pending' ORDER BY at, key"
        )

    def settle(self, published: dict[str, dt.date | None]) -> tuple[int, int]:
        """Resolve the claims of dead runs: a claimed paper found in a published digest
        (``published``: key -> that digest's date) becomes shown, the others are dropped
        so the next selection sees them again. Returns ``(shown, released)``."""
        marked = released = 0
        with self._write() as db:
            for key, version, _run in self.pending():
                if key in published:
                    day = published[key]
                    db.execute(
                        "UPDATE shown SET status = 'shown', digest_date = ?, at = ? "
                        "WHERE key = ? AND version = ? AND status = 'pending'",
                        (day.isoformat() if day else None, time.time(), key, version),
                    )
                    marked += 1
                else:
                    db.execute(
                        "DELETE FROM shown WHERE key = ? AND version = ? AND status = 'pending'",
                        (key, version),
                    )
                    released += 1
        return marked, released

    def release_keys(self, run_id: str, keys: Iterable[str]) -> int:
        """Drop ``run_id``'s claims on ``keys`` only (papers it decided not to publish)."""
        with self._write() as db:
            return sum(
                db.execute(
                    "DELETE FROM shown WHERE run_id = ? AND key = ? AND status = 'pending'",
                    (run_id, key),
                ).rowcount
                for key in keys
            )

    def shown(self) -> list[tuple[str, int, str | None]]:
        """Every shown paper as ``(key, version, digest_date)``, oldest first."""
        return self._read(  # type: ignore[return-value]
            "SELECT key, version, digest_date FROM shown WHERE status = 'shown' ORDER BY at, key"
        )
