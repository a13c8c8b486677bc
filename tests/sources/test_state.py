"""The shown-papers store: one digest per paper, versions, overlapping runs, crashes."""

from __future__ import annotations

import datetime as dt
import multiprocessing
from pathlib import Path

import pytest

from digestkit.digest.model import Entry
from digestkit.errors import InputError
from digestkit.sources.state import State

DAY = dt.date(2026, 2, 20)


def entries(n: int, version: int = 1) -> list[Entry]:
    return [Entry(arxiv_id=f"2602.{i:05d}", version=version, title=f"t{i}") for i in range(n)]


def test_shown_papers_are_not_unseen_again(tmp_path: Path) -> None:
    with State(tmp_path / "s.sqlite") as st:
        assert st.claim(entries(3), "r1") == entries(3)
        assert st.commit("r1", DAY) == 3
    with State(tmp_path / "s.sqlite") as st:  # survives reopening
        assert st.unseen(entries(5)) == entries(5)[3:]
        assert [k for k, _, _ in st.shown()] == [e.arxiv_id for e in entries(3)]


def test_new_versions_only_when_asked(tmp_path: Path) -> None:
    with State(tmp_path / "s.sqlite") as st:
        st.claim(entries(1), "r1")
        st.commit("r1", DAY)
        assert st.unseen(entries(1, version=2)) == []
    with State(tmp_path / "s.sqlite", show_new_versions=True) as st:
        assert st.unseen(entries(1, version=1)) == []
        assert st.unseen(entries(1, version=2)) == entries(1, version=2)
        st.claim(entries(1, version=2), "r2")
        st.commit("r2", DAY)
        assert st.unseen(entries(1, version=2)) == []


def test_released_claims_are_free_again_and_stale_claims_expire(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with State(path) as a, State(path) as b:
        assert a.claim(entries(2), "a") == entries(2)
        assert b.claim(entries(2), "b") == []
        a.release("a")
        assert b.claim(entries(2), "b") == entries(2)
    with State(path, lease_seconds=0) as c:  # b "died" without releasing
        assert c.claim(entries(2), "c") == entries(2)


def _claim_in_process(path: str, run: str, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    with State(path) as st:
        got = []
        for chunk in range(0, 60, 5):
            got += [e.arxiv_id for e in st.claim(entries(60)[chunk : chunk + 5], run)]
        st.commit(run, DAY)
    queue.put(got)


def test_two_overlapping_runs_never_show_the_same_paper(tmp_path: Path) -> None:
    path = str(tmp_path / "s.sqlite")
    State(path).close()
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_claim_in_process, args=(path, r, queue)) for r in ("x", "y")]
    for p in procs:
        p.start()
    results = [queue.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    first, second = (set(r) for r in results)
    assert not first & second
    assert first | second == {e.arxiv_id for e in entries(60)}
    with State(path) as st:
        assert len(st.shown()) == 60


def test_readonly_creates_nothing_and_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with State(path) as st:
        st.claim(entries(1), "r")
        st.commit("r", DAY)
    before = path.read_bytes()
    with State(path, readonly=True) as ro:
        assert ro.unseen(entries(2)) == entries(2)[1:]
        with pytest.raises(InputError, match="cannot write the state file"):
            ro.claim(entries(2), "z")
    assert path.read_bytes() == before


def test_not_a_database_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    path.write_text("hello, I am a text file" * 100)
    with pytest.raises(InputError) as err:
        State(path)
    assert str(path) in str(err.value)
