"""What readers see and what the exit code says: failed summaries, held-back papers,
backups only of files digestkit did not write, summaries of another template kept."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from digestkit.cli import main
from digestkit.digest.model import Digest
from digestkit.sources.state import State
from digestkit.testing.sources_stub import SourcesStub, StubPaper

FRI, MON = dt.date(2026, 2, 20), dt.date(2026, 2, 23)
PAPERS = [
    StubPaper("2602.00001", title="RL one", abstract="We study RL. It works well.", published=FRI),
    StubPaper("2602.00002", title="RL two", abstract="RL again. Also good.", published=FRI),
    StubPaper("2602.00003", title="RL three", abstract="More RL. Fine.", published=MON),
]


@pytest.fixture
def stub() -> Iterator[SourcesStub]:
    with SourcesStub(PAPERS) as s:
        yield s


def config(tmp: Path, stub: SourcesStub, extra: str = "") -> Path:
    path = tmp / "digestkit.toml"
    path.write_text(
        f'[sources.arxiv]\nsource = "api"\ncategories = ["cs.CL"]\ndays = 1\ndelay_seconds = 0\n'
        f'url = "{stub.arxiv_url}"\n[selection]\nkeywords = ["RL"]\n'
        f'[state]\npath = "state.sqlite"\n[output]\ndir = "site"\n{extra}',
        encoding="utf-8",
    )
    return path


# The offline backend cannot write Japanese: every summary fails (without a call).
JA = '[summarize]\ntemplate = "ja-8q"\n'


def test_failed_summaries_exit_1_and_readers_see_a_neutral_note(
    stub: SourcesStub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = config(tmp_path, stub, JA)
    assert main(["digest", "-c", str(cfg), "--date", str(FRI)]) == 1
    captured = capsys.readouterr()
    assert "published 2 papers (2 without summary)" in captured.out
    assert "2 paper(s) could not be summarized" in captured.err
    assert "summary failed: " in captured.err  # the operator sees the reason ...
    site = tmp_path / "site"
    for page in ("README.md", "index.html", "feed.xml"):
        text = (site / page).read_text("utf-8")
        if page == "README.md":  # (the page and feed do not list entry fields)
            assert "No summary yet" in text  # ... readers a neutral note
        assert "offline" not in text and "summary_error" not in text and "translate" not in text
        assert "We study RL" in text  # and the abstract
    archived = Digest.from_json((site / "digests" / "2026-02-20.json").read_text("utf-8"))
    assert all(e.meta("summary_error") for e in archived.entries)  # kept for the operator


def test_held_back_papers_are_not_published_and_come_back_next_run(
    stub: SourcesStub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = config(tmp_path, stub, 'unsummarized = "hold"\n' + JA)
    assert main(["digest", "-c", str(cfg), "--date", str(FRI)]) == 1
    captured = capsys.readouterr()
    assert "nothing published: 2 papers held back without a summary" in captured.out
    assert not (tmp_path / "site" / "README.md").exists()
    with State(tmp_path / "state.sqlite") as st:
        assert st.shown() == [] and st.pending() == []
    # With a template the route can write, the next run publishes them.
    cfg.write_text(cfg.read_text("utf-8").replace("ja-8q", "en-tldr"), encoding="utf-8")
    assert main(["digest", "-c", str(cfg), "--date", str(FRI)]) == 0
    assert "published 2 papers (0 without summary)" in capsys.readouterr().out


def test_no_backup_of_files_digestkit_wrote_itself(stub: SourcesStub, tmp_path: Path) -> None:
    cfg = config(tmp_path, stub)
    site = tmp_path / "site"
    site.mkdir()
    (site / "README.md").write_text("the user's own README\n", encoding="utf-8")
    assert main(["digest", "-c", str(cfg), "--date", str(FRI)]) == 0
    assert main(["digest", "-c", str(cfg), "--date", str(MON)]) == 0
    origs = sorted(p.name for p in site.rglob("*.orig*"))
    assert origs == ["README.md.orig"]  # the user's file, once; none of our own
    assert (site / "README.md.orig").read_text("utf-8") == "the user's own README\n"


def test_summarize_to_a_new_file_leaves_no_orig_and_keeps_other_templates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import dataclasses

    from digestkit.digest.model import Entry, Summary

    src = tmp_path / "d.json"
    entries = tuple(
        Entry(arxiv_id=f"2602.{i:05d}", title=f"P{i}", abstract="We propose X. X is fast.")
        for i in range(30)
    )
    src.write_text(Digest(entries=entries).to_json(), encoding="utf-8")
    out = tmp_path / "new.json"
    assert main(["summarize", str(src), "-t", "en-tldr", "-q", "-o", str(out)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.json", "new.json"]

    # Entries summarized with another template (ja-8q) keep it: en-tldr's is added next to
    # it; a second run keeps en-tldr's, --overwrite replaces en-tldr's only.
    ja = Summary(language="ja", template="ja-8q@1", sections=(("要約", "日本語の要約"),))
    other = tmp_path / "ja.json"
    other.write_text(
        Digest(entries=tuple(dataclasses.replace(e, summary=ja) for e in entries)).to_json(),
        encoding="utf-8",
    )
    again = tmp_path / "again.json"
    capsys.readouterr()
    assert main(["summarize", str(other), "-t", "en-tldr", "-o", str(again)]) == 0
    assert "kept" not in capsys.readouterr().err
    both = Digest.from_json(again.read_text("utf-8"))
    assert {tuple(s.template for s in e.all_summaries()) for e in both.entries} == {
        ("ja-8q@1", "en-tldr@1")
    }
    third = tmp_path / "third.json"
    assert main(["summarize", str(again), "-t", "en-tldr", "-o", str(third)]) == 0
    assert "30 entries already had a en-tldr@1 summary, kept" in capsys.readouterr().err
    assert Digest.from_json(third.read_text("utf-8")).entries == both.entries
    assert main(["summarize", str(again), "-t", "en-tldr", "-q", "--overwrite", "-o",
                 str(third)]) == 0  # fmt: skip
    replaced = Digest.from_json(third.read_text("utf-8"))
    assert [e.summary_for("ja-8q") for e in replaced.entries] == [ja] * 30
    assert {len(e.all_summaries()) for e in replaced.entries} == {2}
