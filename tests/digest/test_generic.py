"""The generic parser on digest layouts that are not among the seeds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from digestkit.digest.parse import detect_format, parse_digest

CASES = json.loads((Path(__file__).parent / "generic_cases.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_generic_layouts(case: dict) -> None:
    result = parse_digest(case["text"])
    assert result.format == "generic"
    got = [(e.arxiv_id, e.title) for e in result.digest.entries]
    assert got == [tuple(p) for p in case["papers"]]
    for snippet, n in case.get("summary_contains", []):
        entry = result.digest.entries[n]
        assert entry.summary is not None and snippet in entry.summary.raw
    assert len(result.warnings) == case.get("warnings", 0), result.warnings


def test_no_papers_is_an_error() -> None:
    from digestkit.errors import ParseError

    with pytest.raises(ParseError, match="no generic entries"):
        parse_digest("# Notes\n\nNothing to see, version 2401.12345 of the tool.\n", path="n.md")


def test_unplaced_text_after_the_papers_is_a_warning() -> None:
    text = "# D\n\n## A paper\n\narXiv:2401.00001\n\n# Appendix\n\nSome closing words.\n"
    result = parse_digest(text, "generic")
    assert [e.arxiv_id for e in result.digest.entries] == ["2401.00001"]
    assert [w.line for w in result.warnings] == [7, 9]
    assert result.warnings[1].text == "Some closing words."


def test_detect_does_not_claim_unknown_layouts() -> None:
    for case in CASES:
        assert detect_format(case["text"]) == "generic", case["name"]
