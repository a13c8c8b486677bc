"""A damaged, newer or unwritable ``state.sqlite`` stops the daily run with one line (#18).

The state is what makes publishing exactly-once: it records the papers already shown.
A run that went on without it (as a run goes on without a damaged LLM cache) would show
them again, so it stops, exit 3, with one line naming the file and what to do; nothing is
published, no traceback. Before this, a state whose table was dropped, or whose pages
were damaged behind a good header, failed mid-run with a traceback (exit 1).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from digestkit.cli import main
from digestkit.digest.model import Entry
from digestkit.errors import InputError
from digestkit.sources.state import State
from digestkit.testing.sources_stub import SourcesStub
from tests.sources.test_digest_cli import PAPERS, write_config


def _sql(path: Path, statement: str) -> None:
    """Run ``statement`` and fold the WAL into the file, as a finished run leaves it."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute(statement)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()
    for extra in ("-wal", "-shm"):
        Path(f"{path}{extra}").unlink(missing_ok=True)


def _good(path: Path, papers: int = 300) -> None:
    with State(path) as st:
        entries = [
            Entry(arxiv_id=f"2601.{i:05d}", version=1, title="t" * 200) for i in range(papers)
        ]
        st.claim(entries, "r")
        st.commit("r", None)
    _sql(path, "SELECT 1")


def _truncated(path: Path) -> None:
    _good(path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _garbage(path: Path) -> None:
    path.write_bytes(b"\x00\x01not a database" * 300)


def _header_only(path: Path) -> None:
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 200)


def _pages_damaged(path: Path) -> None:
    _good(path)
    data = bytearray(path.read_bytes())
    data[4096 + 8 : 4096 + 200] = b"\xa5" * 192  # a table page behind a good header
    path.write_bytes(bytes(data))


def _dropped(path: Path) -> None:
    _good(path)
    _sql(path, "DROP TABLE shown")


def _wrong_columns(path: Path) -> None:
    _good(path)
    _sql(path, "ALTER TABLE shown RENAME COLUMN status TO state")


def _newer(path: Path) -> None:
    _good(path)
    _sql(path, "PRAGMA user_version = 99")


def _negative_version(path: Path) -> None:
    """user_version is a signed 32-bit header field: a damaged header can make it negative
    (found by make fuzz: the migration loop then indexed past its list)."""
    _good(path)
    data = bytearray(path.read_bytes())
    data[60:64] = b"\x80\x00\x00\x07"
    path.write_bytes(bytes(data))


def _no_wal(path: Path) -> None:
    """The WAL file cannot be created (a directory sits at its path): unwritable even as
    root, which ignores file modes."""
    _good(path)
    Path(f"{path}-wal").mkdir()


def _not_utf8(path: Path) -> None:
    """A claim left by a dead run whose text is not UTF-8 (Python raises
    UnicodeDecodeError reading it, not a DatabaseError; found by the fuzz suite)."""
    _good(path)
    _sql(
        path, "UPDATE shown SET status = 'pending', run_id = CAST(X'80FF' AS TEXT) WHERE rowid = 1"
    )


DAMAGES: dict[str, Callable[[Path], None]] = {
    "truncated": _truncated,
    "garbage": _garbage,
    "header only": _header_only,
    "pages damaged": _pages_damaged,
    "table dropped": _dropped,
    "wrong columns": _wrong_columns,
    "newer schema": _newer,
    "negative schema version": _negative_version,
    "wal unwritable": _no_wal,
    "text not utf-8": _not_utf8,
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_opening_a_damaged_state_is_one_error_saying_what_to_do(
    tmp_path: Path, damage: str
) -> None:
    path = tmp_path / "state" / "shown.sqlite"
    path.parent.mkdir()
    DAMAGES[damage](path)
    with pytest.raises(InputError) as info, State(path) as st:
        st.unseen([Entry(arxiv_id="2602.00001")])
        st.pending()  # what a run reads first: the claims of runs that died
    message = str(info.value)
    assert message.startswith(str(path)) and "\n" not in message
    if damage == "newer schema":
        assert "newer digestkit" in message and "upgrade digestkit" in message
    elif damage == "wal unwritable":
        assert "cannot write" in message
    else:
        assert f"move it away (mv {path} {path}.broken)" in message
        assert "shown again" in message  # what moving it away costs


@pytest.fixture
def stub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SourcesStub]:
    monkeypatch.setenv("DIGESTKIT_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("DIGESTKIT_CONFIG", raising=False)
    with SourcesStub(PAPERS) as server:
        yield server


@pytest.mark.parametrize("damage", list(DAMAGES))
@pytest.mark.parametrize("dry", [False, True], ids=["run", "dry-run"])
def test_the_daily_run_stops_on_a_damaged_state(
    tmp_path: Path, stub: SourcesStub, capsys: pytest.CaptureFixture[str], damage: str, dry: bool
) -> None:
    cfg = write_config(tmp_path, stub)
    state = tmp_path / "state" / "shown.sqlite"
    state.parent.mkdir()
    DAMAGES[damage](state)
    before = state.read_bytes()
    args = ["digest", "-c", str(cfg), "--date", "2026-02-20", *(["--dry-run"] if dry else [])]
    code = main(args)
    err = capsys.readouterr().err
    if dry and damage == "text not utf-8":  # a dry run never reads the claims of dead runs
        assert code == 0, err
        return
    assert code == 3, err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if str(state) in line]
    assert len(lines) == 1, err
    assert not (tmp_path / "site").exists()  # nothing published without the state
    assert state.read_bytes() == before  # and the state is left as it was


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file modes")
def test_a_read_only_state_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "shown.sqlite"
    _good(path)
    path.chmod(0o444)
    with pytest.raises(InputError, match="cannot write"), State(path) as st:
        st.claim([Entry(arxiv_id="2602.00001")], "r")
