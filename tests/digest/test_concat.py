"""Several digests in one file: every paper found, a warning at each later title (so
``--strict`` fails), ``--split`` keeps them apart; never papers hidden in a footer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from digestkit.cli import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, main
from digestkit.digest.model import Digest, Entry, Summary
from digestkit.digest.parse import parse_digest
from digestkit.digest.parse._base import SEVERAL_DIGESTS, ParseResult
from digestkit.digest.render import render


def _bot(title: str, ids: list[str], with_summary: bool = False) -> str:
    summary = Summary(model="m", raw="# 一级标题\n\n总结。") if with_summary else None
    entries = tuple(
        Entry(arxiv_id=i, version=1, title=f"Paper {i}", authors=("A",), summary=summary)
        for i in ids
    )
    return render(Digest(title=title, entries=entries), "md-bot")


def test_two_readmes_give_all_papers_and_a_warning() -> None:
    one, two = _bot("Bot A", ["2601.00001", "2601.00002"]), _bot("Bot B", ["2602.00003"])
    result = parse_digest(one + "\n" + two)
    assert [e.arxiv_id for e in result.digest.entries] == ["2601.00001", "2601.00002", "2602.00003"]
    assert "Paper 2602" not in (result.digest.meta("footer") or "")
    (warning,) = [w for w in result.warnings if w.message.startswith(SEVERAL_DIGESTS)]
    assert warning.line == one.count("\n") + 2  # the line of "# Bot B"
    assert "'Bot B', 1 papers" in warning.message
    assert [d.title for d in result.parts] == ["Bot A", "Bot B"]
    assert [len(d.entries) for d in result.parts] == [2, 1]


def test_three_readmes_and_headings_inside_summaries() -> None:
    """A ``# heading`` inside a <details> summary is summary text, not a new digest."""
    docs = [_bot(f"Bot {n}", [f"260{n}.0000{n}"], with_summary=True) for n in (1, 2, 3)]
    result = parse_digest("\n".join(docs))
    assert [d.title for d in result.parts] == ["Bot 1", "Bot 2", "Bot 3"]
    assert len(result.digest.entries) == 3
    assert result.digest.entries[0].summary is not None
    assert "一级标题" in result.digest.entries[0].summary.raw
    lines = [w.line for w in result.warnings if w.message.startswith(SEVERAL_DIGESTS)]
    text = "\n".join(docs).split("\n")
    assert [text[n - 1] for n in lines] == ["# Bot 2", "# Bot 3"]


def test_one_readme_has_no_parts(parsed_seeds: dict[int, ParseResult]) -> None:
    result = parsed_seeds[4]
    assert result.parts == () and result.digests == (result.digest,)
    assert not [w for w in result.warnings if w.message.startswith(SEVERAL_DIGESTS)]


@pytest.fixture(scope="module")
def two_seeds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.conftest import seed_path

    data = seed_path(4).read_bytes()
    path = tmp_path_factory.mktemp("concat") / "two.md"
    path.write_bytes(data + b"\n" + data)
    return path


def test_seed_004_twice(two_seeds: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", str(two_seeds), "--to", "summary"]) == EXIT_OK
    captured = capsys.readouterr()
    assert ": bot-readme, 60 entries" in captured.out
    assert f"{two_seeds}:3130: {SEVERAL_DIGESTS}" in captured.err
    assert main(["parse", str(two_seeds), "--strict", "--to", "summary"]) == EXIT_FINDINGS


def test_split_writes_one_file_per_digest(
    two_seeds: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "d.json"
    assert main(["parse", str(two_seeds), "--split", "-o", str(out), "--strict"]) == EXIT_OK
    parts = [json.loads((tmp_path / f"d-{n}.json").read_text()) for n in (1, 2)]
    assert [len(p["entries"]) for p in parts] == [30, 30]
    assert SEVERAL_DIGESTS not in capsys.readouterr().err
    feed = tmp_path / "f.xml"
    assert main(["convert", str(two_seeds), "--to", "atom", "--split", "-o", str(feed)]) == 0
    assert (tmp_path / "f-1.xml").exists() and (tmp_path / "f-2.xml").exists()
    assert main(["convert", str(two_seeds), "--to", "atom", "--strict", "-o", str(feed)]) == 1
    assert main(["parse", str(two_seeds), "--split"]) == EXIT_USAGE
