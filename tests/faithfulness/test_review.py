"""``[summarize] faithfulness = "hold"`` and ``digestkit review``: held until a person decides."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from digestkit.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, main
from digestkit.digest.model import Digest, Entry, Summary
from digestkit.faithfulness import check_summary, metadata_of

SOURCE = "SLA2 reaches 97% attention sparsity and an 18.6x speedup."


def _entry(arxiv_id: str, text: str) -> Entry:
    meta = metadata_of(check_summary(text, SOURCE, lang="en"), hold=True)
    summary = Summary(language="en", template="en-tldr", sections=(("TL;DR", text),), raw=text)
    return Entry(
        arxiv_id=arxiv_id,
        title=f"Paper {arxiv_id}",
        abstract=SOURCE,
        summary=summary,
        metadata=meta,
    )


@pytest.fixture
def digest_file(tmp_path: Path) -> Path:
    d = Digest(title="t", entries=(_entry("2602.00001", "SLA2 reaches 95% sparsity."),
                                   _entry("2602.00002", "SLA2 reaches 97% sparsity."),
                                   _entry("2602.00003", "SLA2 reaches a 21x speedup.")))  # fmt: skip
    path = tmp_path / "d.json"
    path.write_text(d.to_json(), "utf-8")
    return path


def test_list_approve_reject(digest_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["review", str(digest_file)]) == EXIT_FINDINGS
    listed = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in listed] == ["2602.00001", "2602.00003"]
    assert "1 number not found in the paper" in listed[0]
    assert listed[0].split("\t")[1] == "all summaries"  # written before templates were named
    code = main(["review", str(digest_file), "--approve", "2602.00001", "--reject", "2602.00003"])
    assert code == EXIT_OK
    d = Digest.from_json(digest_file.read_text("utf-8"))
    status = {e.arxiv_id: (e.meta("faithfulness.status"), e.summary is not None) for e in d.entries}
    assert status == {
        "2602.00001": ("approved", True),
        "2602.00002": (None, True),  # never held
        "2602.00003": ("rejected", False),  # the summary is dropped, the paper stays
    }
    assert (digest_file.parent / "d.json.orig").exists()  # the user's file was backed up


def test_a_key_that_is_not_held_is_an_error(
    digest_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = digest_file.read_bytes()
    assert main(["review", str(digest_file), "--approve", "2602.00002"]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert str(digest_file) in err and "2602.00002" in err and "Traceback" not in err
    assert digest_file.read_bytes() == before


def test_held_summaries_stay_off_the_published_pages(digest_file: Path) -> None:
    from digestkit.sources.pipeline import for_readers

    shown = for_readers(Digest.from_json(digest_file.read_text("utf-8")))
    with_summary = {e.arxiv_id: e.summary is not None for e in shown.entries}
    assert with_summary == {"2602.00001": False, "2602.00002": True, "2602.00003": False}
    main(["review", str(digest_file), "--approve", "2602.00001"])
    shown = for_readers(Digest.from_json(digest_file.read_text("utf-8")))
    assert shown.entries[0].summary is not None  # approved: published


def test_the_listing_names_the_held_template(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    e = _entry("2602.00001", "SLA2 reaches 95% sparsity.")
    e = dataclasses.replace(e, metadata=(*e.metadata, ("faithfulness.template", "ja-8q@1")))
    path = tmp_path / "d.json"
    path.write_text(Digest(title="t", entries=(e,)).to_json(), "utf-8")
    assert main(["review", str(path)]) == EXIT_FINDINGS
    assert capsys.readouterr().out.split("\t")[:2] == ["2602.00001", "ja-8q@1"]
