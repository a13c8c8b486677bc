"""The generic parser on digest layouts that are not among the seeds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digestkit.digest.parse import FORMATS, detect_format, parse_digest
from digestkit.errors import InputError

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


def test_inline_html_links() -> None:
    text = 'Picks:\n\n- <a href="https://arxiv.org/abs/2406.00001">Inline <b>HTML</b> Title</a>, great\n- <a href="https://arxiv.org/abs/2406.00002">Second</a>\n'
    result = parse_digest(text)
    assert [(e.arxiv_id, e.title) for e in result.digest.entries] == [
        ("2406.00001", "Inline HTML Title"),
        ("2406.00002", "Second"),
    ]


_PIECES = st.sampled_from(
    [
        "# ",
        "## ",
        "### 1. ",
        "- ",
        "1. ",
        "> ",
        "```",
        "~~~",
        "<details>",
        "</details>",
        "---",
        "[View Paper](http://arxiv.org/abs/2503.04504v1)",
        "arXiv:2401.00001",
        "**ArXiv ID**: 2401.1",
        "  • 著者: A",
        "要約",
        "原文Abstract",
        "## セクション 1: x",
        "| a | b |",
        "|---|---|",
        "論文",
        "text",
        " ",
        "\n",
        "\n\n",
        "\t",
        "\\",
        "*",
        "`",
        "<a href='https://arxiv.org/abs/2402.00002'>",
        "</a>",
    ]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_PIECES, max_size=40).map("".join), st.sampled_from(FORMATS))
def test_never_crashes(text: str, fmt: str) -> None:
    """Any text in any format: a ParseResult or a ParseError (InputError for JSON), nothing else."""
    try:
        result = parse_digest(text, fmt)
    except InputError as err:
        assert err.context.get("line") is None or err.context["line"] >= 1
        return
    for w in result.warnings:
        assert 1 <= w.line <= text.count("\n") + 2


def test_authors_line_is_read() -> None:
    case = next(c for c in CASES if c["name"] == "hf-daily-headings")
    entries = parse_digest(case["text"]).digest.entries
    assert entries[0].authors == ("Charlie Snell", "Jaehoon Lee")
    assert entries[0].url == "https://huggingface.co/papers/2408.03314"
