"""Bounded fuzzing of the CLI: whatever the input file holds, every command answers with an
exit code (0 ok, 1 findings, 3 one-line error), never an unexpected exception.

``make fuzz`` runs the same properties longer (``DIGESTKIT_FUZZ_EXAMPLES``, default 1,000).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digestkit.cli import main

EXAMPLES = int(os.environ.get("DIGESTKIT_FUZZ_EXAMPLES", "25"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

EDGE_JSON = [
    '{"entries": [{"arxiv_id": "1", "version": ' + "9" * 5000 + "}]}",
    '{"title": "\\ud800", "entries": []}',
    "[" * 5000 + "]" * 5000,
    '{"entries": 5}',
    '{"entries": [{"title": 5, "authors": 7}]}',
    '{"entries": [{"summary": {"sections": 3}}]}',
    '{"schema_version": 99, "entries": []}',
    '{"entries": [{"published": "not a date"}]}',
    "\ufeff{}",
    "null",
    "",
    '{"source": "x", "summary": "y", "lang": 3}',
    '{"source": "x", "summary": "y", "fulltext": "/nonexistent.json"}',
]


def digest_like() -> st.SearchStrategy[str]:
    """Digest-shaped JSON with fields of random types."""
    leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20))
    value = st.recursive(leaf, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=3), max_leaves=8)  # fmt: skip
    keys = st.sampled_from(["title", "arxiv_id", "version", "authors", "summary", "metadata",
                            "published", "abstract", "categories", "sections", "score"])  # fmt: skip
    entry = st.dictionaries(keys, value, max_size=6)
    return st.builds(
        lambda entries, title: json.dumps({"title": title, "entries": entries}),
        st.lists(entry, max_size=3),
        value,
    )


def inputs() -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.binary(max_size=2000),
        st.sampled_from(EDGE_JSON).map(lambda s: s.encode("utf-8", "surrogatepass")),
        digest_like().map(str.encode),
        st.text(max_size=500).map(lambda s: s.encode("utf-8", "surrogatepass")),
        digest_like().map(lambda s: s.encode()[: len(s) // 2]),  # truncated
    )


COMMANDS = [
    ["parse", "{f}"],
    ["convert", "{f}", "--to", "md-bot"],
    ["convert", "{f}", "--to", "atom"],
    ["render", "{f}", "--to", "html"],
    ["faithfulness", "{f}"],
    ["repair", "{f}", "-o", "{out}"],
    ["summarize", "{f}", "--estimate"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
@FUZZ
@given(data=inputs())
def test_no_command_raises_on_any_input(
    command: list[str], data: bytes, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    f = folder / "input.json"
    f.write_bytes(data)
    args = [a.format(f=f, out=folder / "out.md") for a in command]
    code = main(args)  # an unexpected exception fails the test with its traceback
    assert code in (0, 1, 3), (args, code)


@pytest.mark.parametrize(
    "make",
    [
        lambda p: p.mkdir(),
        lambda p: p.symlink_to(p.parent / "missing"),
    ],
    ids=["directory", "dangling-symlink"],
)
@pytest.mark.parametrize("command", COMMANDS[:5], ids=lambda c: " ".join(c[:2]))
def test_odd_paths_are_one_line(command: list[str], make: object, tmp_path: Path) -> None:
    target = tmp_path / "input.json"
    make(target)  # type: ignore[operator]
    assert main([a.format(f=target, out=tmp_path / "o") for a in command]) == 3


def _state_bytes() -> bytes:
    """A state file of a finished run: 200 papers shown, the WAL folded in."""
    import sqlite3
    import tempfile

    from digestkit.digest.model import Entry
    from digestkit.sources.state import State

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "shown.sqlite"
        with State(path) as state:
            state.claim([Entry(arxiv_id=f"2601.{i:05d}", title="t" * 99) for i in range(200)], "r")
            state.commit("r", None)
        db = sqlite3.connect(path)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        return path.read_bytes()


GOOD_STATE = _state_bytes()


def damaged_states() -> st.SearchStrategy[bytes]:
    """A good state file with bytes overwritten, cut short, or replaced by random bytes."""
    size = len(GOOD_STATE)

    def overwrite(at: int, junk: bytes) -> bytes:
        return GOOD_STATE[:at] + junk + GOOD_STATE[at + len(junk) :]

    return st.one_of(
        st.builds(overwrite, st.integers(0, size - 1), st.binary(min_size=1, max_size=64)),
        st.integers(0, size - 1).map(lambda n: GOOD_STATE[:n]),
        st.binary(max_size=3000),
    )


@pytest.fixture(scope="module")
def sources_stub() -> Any:
    from digestkit.testing.sources_stub import SourcesStub
    from tests.sources.test_digest_cli import PAPERS

    with SourcesStub(PAPERS) as stub:
        yield stub


@pytest.mark.parametrize("dry", [True, False], ids=["dry-run", "run"])
@FUZZ
@given(state=damaged_states())
def test_digest_never_raises_on_a_damaged_state(
    state: bytes,
    dry: bool,
    sources_stub: Any,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.sources.test_digest_cli import write_config

    folder = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("DIGESTKIT_HOME", str(folder / "home"))
    monkeypatch.delenv("DIGESTKIT_CONFIG", raising=False)
    config = write_config(folder, sources_stub)
    path = folder / "state" / "shown.sqlite"
    path.parent.mkdir()
    path.write_bytes(state)
    args = ["digest", "-c", str(config), "--date", "2026-02-20", *(["--dry-run"] * dry)]
    capsys.readouterr()
    code = main(args)  # an unexpected exception fails the test with its traceback
    err = capsys.readouterr().err
    assert code in (0, 1, 3), (code, err)
    if code == 3:
        assert len([line for line in err.splitlines() if str(path) in line]) == 1, err
        assert not (folder / "site").exists()  # nothing published without its state
