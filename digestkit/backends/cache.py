"""The response cache and the cost ledger: one SQLite file (WAL) in the cache directory.

Why SQLite: a run can be killed at any moment. Each accepted answer is committed the moment
it arrives, so a re-run finds it and pays nothing; WAL lets a reader (``digestkit cost``)
look while a run writes. Only answers that passed their checks are cached. The ledger gets
one row per call, paid or failed, so "what did this cost" and "was anything paid twice"
have answers. Batch jobs are recorded before polling, so a crash cannot lose a batch.

The schema evolves through numbered migrations (``MIGRATIONS``), recorded in
``PRAGMA user_version``; never edit a released migration, append a new one.

Nothing here ever sees an API key: rows hold backend names, models, hashes and text.

A damaged file (not a database, a malformed page, a missing table) or one written by a
newer digestkit is an :class:`~digestkit.errors.InputError` naming the file and what to
do (move it away). :meth:`Store.open_or_memory` is what a run uses: it goes on without the
cache (in memory, with one warning) instead of stopping, since a summary run can do its
work without it; damage found in the middle of a run is handled the same way.

>>> store = Store(":memory:")
>>> store.put("k1", CachedAnswer("text", "b", "m", "ja-8q@1", Usage(1, 2), "end_turn", "ja"))
>>> store.get("k1").text
'text'
>>> store.get("nope") is None
True
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from digestkit.backends.base import Usage
from digestkit.errors import InputError

log = logging.getLogger(__name__)

_TABLES = ("cache", "ledger", "batches")

__all__ = ["MIGRATIONS", "CachedAnswer", "LedgerRow", "Store", "cache_key", "default_path"]

MIGRATIONS: tuple[str, ...] = (
    # 1: cache and ledger
    """
    CREATE TABLE cache (
        key TEXT PRIMARY KEY, text TEXT NOT NULL, backend TEXT NOT NULL, model TEXT NOT NULL,
        template TEXT NOT NULL, usage TEXT NOT NULL, finish_reason TEXT NOT NULL,
        language TEXT NOT NULL, created REAL NOT NULL
    );
    CREATE TABLE ledger (
        id INTEGER PRIMARY KEY, ts REAL NOT NULL, run_id TEXT NOT NULL, backend TEXT NOT NULL,
        model TEXT NOT NULL, template TEXT NOT NULL, entry TEXT NOT NULL, cache_key TEXT NOT NULL,
        input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,
        cache_read_tokens INTEGER NOT NULL, cache_write_tokens INTEGER NOT NULL,
        cost REAL NOT NULL, latency REAL NOT NULL, status TEXT NOT NULL, error TEXT NOT NULL
    );
    CREATE INDEX ledger_ts ON ledger (ts);
    CREATE INDEX ledger_key ON ledger (cache_key);
    """,
    # 2: Anthropic message batches, saved before polling
    """
    CREATE TABLE batches (
        batch_id TEXT PRIMARY KEY, backend TEXT NOT NULL, created REAL NOT NULL,
        request_map TEXT NOT NULL, status TEXT NOT NULL
    );
    """,
)


def default_path() -> Path:
    """``$DIGESTKIT_HOME/llm.sqlite3`` (see :func:`digestkit.config.home_dir`)."""
    from digestkit.config import home_dir

    return home_dir() / "llm.sqlite3"


def cache_key(backend: str, model: str, template: str, params: dict, system: str, user: str) -> str:
    """The cache key: a hash of everything that determines the answer.

    >>> len(cache_key("b", "m", "t@1", {"max_tokens": 5}, "sys", "paper"))
    64
    """
    blob = json.dumps(
        [backend, model, template, sorted(params.items()), system, user], ensure_ascii=False
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CachedAnswer:
    text: str
    backend: str
    model: str
    template: str
    usage: Usage
    finish_reason: str
    language: str


@dataclass(frozen=True)
class LedgerRow:
    """One call. ``status``: ``ok``, ``rejected`` (paid, failed its checks), or an error kind
    (``rate_limit``, ``auth``, ``remote``, ``timeout``...); ``error`` is a one-line reason."""

    run_id: str
    backend: str
    model: str
    template: str
    entry: str
    cache_key: str
    usage: Usage
    cost: float
    latency: float
    status: str
    error: str = ""
    ts: float = 0.0


class Store:
    """Cache + ledger + batch records in one SQLite database; safe to share between threads."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = str(default_path() if path is None else path)
        self._lock = threading.Lock()
        self.broken = ""  # why the store stopped being used mid-run ("" = fine)
        try:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=30.0)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._check_version()
            self._migrate()
            for table in _TABLES:
                self._db.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchall()
        except sqlite3.DatabaseError as exc:
            raise self._damaged(f"not a usable digestkit cache ({exc})") from None
        except OSError as exc:
            raise InputError(
                f"cannot open the cache: {exc.strerror or exc}; set DIGESTKIT_HOME to a "
                "writable directory",
                path=self.path,
            ) from None

    def _damaged(self, problem: str) -> InputError:
        return InputError(
            f"{problem}: move it away (mv {self.path} {self.path}.broken) and digestkit "
            "starts a new one; the answers cached in it are lost, nothing else",
            path=self.path,
        )

    def _check_version(self) -> None:
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if version < 0:  # a signed 32-bit header field: damage, never written by digestkit
            self._db.close()
            raise self._damaged(f"damaged (cache schema {version})")
        if version > len(MIGRATIONS):
            self._db.close()
            raise InputError(
                f"written by a newer digestkit (cache schema {version}; this one knows "
                f"{len(MIGRATIONS)}): upgrade digestkit, or move the file away",
                path=self.path,
            )

    @classmethod
    def open_or_memory(cls, path: str | os.PathLike[str] | None = None) -> Store:
        """The store at ``path``, or, when it cannot be used, an in-memory one (the run
        goes on without a persistent cache; one warning says why and what to do)."""
        try:
            return cls(path)
        except InputError as err:
            log.warning("%s; this run goes on without a persistent cache and ledger", err)
            store = cls(":memory:")
            store.broken = str(err)
            return store

    def _failed(self, exc: sqlite3.DatabaseError) -> None:
        """Damage found mid-run: stop using the file (once, with a warning), go on."""
        if not self.broken:
            self.broken = str(self._damaged(f"the cache became unusable ({exc})"))
            log.warning("%s; this run goes on without it", self.broken)

    def _migrate(self) -> None:
        """Apply the missing migrations, each in its own IMMEDIATE transaction, re-reading
        the version inside it: two processes opening a new database do not collide."""
        with self._lock:
            for number, script in enumerate(MIGRATIONS, start=1):
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    if self._db.execute("PRAGMA user_version").fetchone()[0] < number:
                        for statement in filter(str.strip, script.split(";")):
                            self._db.execute(statement)
                        self._db.execute(f"PRAGMA user_version = {number}")
                    self._db.commit()
                except BaseException:
                    self._db.rollback()
                    raise

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # --- cache -------------------------------------------------------------------------
    def get(self, key: str) -> CachedAnswer | None:
        if self.broken and self.path != ":memory:":
            return None
        try:
            with self._lock:
                row = self._db.execute(
                    "SELECT text, backend, model, template, usage, finish_reason, language "
                    "FROM cache WHERE key = ?",
                    (key,),
                ).fetchone()
        except sqlite3.DatabaseError as exc:
            self._failed(exc)
            return None
        if row is None:
            return None
        return CachedAnswer(row[0], row[1], row[2], row[3], Usage(**json.loads(row[4])), *row[5:])

    def put(self, key: str, answer: CachedAnswer) -> None:
        if self.broken and self.path != ":memory:":
            return
        try:
            with self._lock, self._db:
                self._put(key, answer)
        except sqlite3.DatabaseError as exc:
            self._failed(exc)

    def _put(self, key: str, answer: CachedAnswer) -> None:
        u = answer.usage
        usage = {
            "input_tokens": u.input_tokens,
            "output_tokens": u.output_tokens,
            "cache_read_tokens": u.cache_read_tokens,
            "cache_write_tokens": u.cache_write_tokens,
        }
        self._db.execute(
            "INSERT OR REPLACE INTO cache VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (key, answer.text, answer.backend, answer.model, answer.template,
             json.dumps(usage), answer.finish_reason, answer.language, time.time()),
        )  # fmt: skip

    # --- ledger ------------------------------------------------------------------------
    def record(self, row: LedgerRow, *, cache: tuple[str, CachedAnswer] | None = None) -> None:
        """Add a ledger row and, with ``cache=(key, answer)``, cache the answer in the
        same transaction: a kill can never leave a paid answer recorded but uncached."""
        if self.broken and self.path != ":memory:":
            return
        try:
            self._record(row, cache)
        except sqlite3.DatabaseError as exc:
            self._failed(exc)

    def _record(self, row: LedgerRow, cache: tuple[str, CachedAnswer] | None) -> None:
        u = row.usage
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO ledger (ts, run_id, backend, model, template, entry, cache_key, "
                "input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost, "
                "latency, status, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (row.ts or time.time(), row.run_id, row.backend, row.model, row.template,
                 row.entry, row.cache_key, u.input_tokens, u.output_tokens, u.cache_read_tokens,
                 u.cache_write_tokens, row.cost, row.latency, row.status, row.error[:500]),
            )  # fmt: skip
            if cache is not None:
                self._put(*cache)

    def ledger(self, *, since: float = 0.0, run_id: str | None = None) -> Iterator[LedgerRow]:
        sql = (
            "SELECT run_id, backend, model, template, entry, cache_key, input_tokens, "
            "output_tokens, cache_read_tokens, cache_write_tokens, cost, latency, status, "
            "error, ts FROM ledger WHERE ts >= ?"
        )
        args: list[object] = [since]
        if run_id:
            sql += " AND run_id = ?"
            args.append(run_id)
        try:
            with self._lock:
                rows = self._db.execute(sql + " ORDER BY id", args).fetchall()
        except sqlite3.DatabaseError as exc:
            raise self._damaged(f"the ledger cannot be read ({exc})") from None
        for r in rows:
            yield LedgerRow(*r[:6], Usage(*r[6:10]), *r[10:])  # type: ignore[misc, call-arg]

    # --- batches -----------------------------------------------------------------------
    def save_batch(self, batch_id: str, backend: str, request_map: dict[str, str]) -> None:
        with self._lock, self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO batches VALUES (?, ?, ?, ?, 'pending')",
                (batch_id, backend, time.time(), json.dumps(request_map)),
            )

    def pending_batches(self, backend: str) -> list[tuple[str, dict[str, str]]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT batch_id, request_map FROM batches WHERE backend = ? "
                "AND status = 'pending' ORDER BY created",
                (backend,),
            ).fetchall()
        return [(r[0], json.loads(r[1])) for r in rows]

    def finish_batch(self, batch_id: str, status: str = "done") -> None:
        with self._lock, self._db:
            self._db.execute("UPDATE batches SET status = ? WHERE batch_id = ?", (status, batch_id))
