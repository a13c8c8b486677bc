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
                return
            self._db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise InputError(f"not a digestkit state database: {exc}", path=self.path) from exc

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> State:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; IMMEDIATE takes the write lock up front (no upgrade race)."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _check_version(self) -> int:
        (current,) = self._db.execute("PRAGMA user_version").fetchone()
        if current > len(MIGRATIONS):
            raise InputError(f"state schema {current} is newer than this digestkit", path=self.path)
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
    def _blocked(self, db: sqlite3.Connection, entry: Entry, run_id: str | None) -> bool:
        version = entry.version or 0
        fresh = time.time() - self.lease_seconds
        rows = db.execute(
            "SELECT version, status, run_id, at FROM shown WHERE key = ?", (entry.key,)
        ).fetchall()
        for v, status, owner, at in rows:
            if status == "shown" and (not self.show_new_versions or v >= version):
                return True
            if status == "pending" and owner != run_id and at > fresh:
                return True
        return False

    def unseen(self, entries: Iterable[Entry]) -> list[Entry]:
        """The entries not shown before (and not claimed by a running digest)."""
        if self._empty:
            return list(entries)
        return [e for e in entries if not self._blocked(self._db, e, None)]

    def claim(self, entries: Iterable[Entry], run_id: str) -> list[Entry]:
        """Atomically reserve the unseen ``entries`` for ``run_id``; returns those reserved."""
        claimed = []
        now = time.time()
        with self._write() as db:
            for e in entries:
                if self._blocked(db, e, run_id):
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
        return self._db.execute(
            "SELECT key, version, run_id FROM shown WHERE status = 'pending' ORDER BY at, key"
        ).fetchall()

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
        return self._db.execute(
            "SELECT key, version, digest_date FROM shown WHERE status = 'shown' ORDER BY at, key"
        ).fetchall()
