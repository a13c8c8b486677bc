"""The SQLite store: numbered migrations, WAL, cache and ledger round trips, cost report."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from digestkit.backends.base import Usage
from digestkit.backends.cache import MIGRATIONS, CachedAnswer, LedgerRow, Store
from digestkit.cli import main


def test_migrates_an_old_database_forward(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as con:
        con.executescript(MIGRATIONS[0] + "; PRAGMA user_version = 1;")
        con.execute(
            "INSERT INTO cache VALUES ('k', 't', 'b', 'm', 'x@1', ?, 's', 'en', 0)",
            ('{"input_tokens": 1}',),
        )
    store = Store(path)
    assert store.schema_version == len(MIGRATIONS)
    assert store.get("k") is not None and store.get("k").usage.input_tokens == 1  # type: ignore[union-attr]
    store.save_batch("b1", "claude", {"r0": "k"})
    assert store.pending_batches("claude") == [("b1", {"r0": "k"})]
    store.finish_batch("b1")
    assert store.pending_batches("claude") == []
    assert Store(path).schema_version == len(MIGRATIONS)  # idempotent
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_ledger_and_cache_written_together(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    answer = CachedAnswer("text", "b", "m", "t@1", Usage(3, 4, 5, 6), "end_turn", "ja")
    row = LedgerRow("run1", "b", "m", "t@1", "2501.1", "key1", Usage(3, 4, 5, 6), 0.5, 0.1, "ok")
    store.record(row, cache=("key1", answer))
    assert store.get("key1") == answer
    (back,) = store.ledger(run_id="run1")
    assert (back.usage, back.cost, back.status, back.entry) == (
        Usage(3, 4, 5, 6),
        0.5,
        "ok",
        "2501.1",
    )
    assert list(store.ledger(run_id="other")) == []


def test_cost_report_groups_and_flags_double_payment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "s.sqlite3"
    store = Store(db)
    for backend, status, cost in [("a", "ok", 1.0), ("a", "ok", 2.0), ("b", "rate_limit", 0.0)]:
        store.record(
            LedgerRow("r", backend, "m", "t@1", "e", "same-key", Usage(10, 20), cost, 0.1, status)
        )
    assert main(["cost", "--db", str(db)]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[1].split()[:3] == ["a", "2", "2"] and lines[1].endswith("3.0000")
    assert lines[-1].split()[:3] == ["total", "3", "2"]
    assert "1 prompts were paid more than once" in captured.err
    assert main(["cost", "--db", str(db), "--by", "nope"]) == 2
    assert main(["cost", "--db", str(db), "--since", "yesterday"]) == 2
    assert main(["cost", "--db", str(db), "--since", "2d", "--by", "status"]) == 0
    assert "rate_limit" in capsys.readouterr().out


def _broken_files(tmp_path: Path) -> dict[str, Path]:
    import sqlite3

    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"\x00\x01not a database at all" * 200)
    header = tmp_path / "header.sqlite3"
    header.write_bytes(b"SQLite format 3\x00" + b"\xff" * 100)
    good = tmp_path / "good.sqlite3"
    Store(good).close()
    truncated = tmp_path / "truncated.sqlite3"
    truncated.write_bytes(good.read_bytes()[:1500])
    newer = tmp_path / "newer.sqlite3"
    Store(newer).close()
    with sqlite3.connect(newer) as db:
        db.execute("PRAGMA user_version = 99")
    dropped = tmp_path / "dropped.sqlite3"
    Store(dropped).close()
    with sqlite3.connect(dropped) as db:
        db.execute("DROP TABLE ledger")
    negative = tmp_path / "negative.sqlite3"  # user_version is a signed header field
    Store(negative).close()
    negative.write_bytes(
        negative.read_bytes()[:60] + b"\x80\x00\x00\x07" + negative.read_bytes()[64:]
    )
    return {"garbage": garbage, "header": header, "truncated": truncated, "newer": newer,
            "dropped": dropped, "negative version": negative}  # fmt: skip


def test_damaged_or_newer_cache_is_one_line_saying_what_to_do(tmp_path: Path) -> None:
    from digestkit.errors import InputError

    for name, path in _broken_files(tmp_path).items():
        with pytest.raises(InputError) as info:
            Store(path)
        message = str(info.value)
        assert message.startswith(str(path)) and "\n" not in message, name
        assert ("newer digestkit" in message) == (name == "newer"), name
        assert "move" in message, name
        # A damaged file gets the command that moves it aside; a newer one is not damaged.
        assert (f"mv {path} {path}.broken" in message) == (name != "newer"), name


def test_a_run_goes_on_without_a_damaged_cache(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    for name, path in _broken_files(tmp_path).items():
        store = Store.open_or_memory(path)
        assert store.path == ":memory:" and str(path) in store.broken, name
        store.put("k", CachedAnswer("t", "b", "m", "x@1", Usage(1, 1), "stop", "en"))
        assert store.get("k") is not None  # the in-memory stand-in works
    assert "goes on without a persistent cache" in caplog.text
    unwritable = Store.open_or_memory(tmp_path / "garbage.sqlite3" / "sub" / "llm.sqlite3")
    assert "cannot open the cache" in unwritable.broken


def test_damage_found_mid_run_stops_using_the_file(tmp_path: Path) -> None:
    path = tmp_path / "llm.sqlite3"
    store = Store(path)
    store.put("k", CachedAnswer("t", "b", "m", "x@1", Usage(1, 1), "stop", "en"))
    store._db.execute("DROP TABLE cache")
    assert store.get("k") is None and "became unusable" in store.broken
    store.put("k2", CachedAnswer("t", "b", "m", "x@1", Usage(1, 1), "stop", "en"))  # no raise
