"""A whole paper as the source: support found anywhere, and where (issue 12, item 4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from digestkit.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, main
from digestkit.faithfulness import paper_places, score_faithfulness
from digestkit.fulltext.model import FullText, Section, Table

PAPER = FullText(
    arxiv_id="2602.12675",
    source="latex",
    title="SLA2",
    abstract="SLA2 accelerates video diffusion models with sparse-linear attention.",
    sections=(
        Section("3", "Method", 1, "A learnable router chooses sparse or linear attention."),
        Section("4.2", "Results", 2, "On Wan2.1, SLA2 reaches 97% attention sparsity."),
    ),
    tables=(Table("Table 3", "End-to-end speed.", (("Method", "Speedup"), ("SLA2", "18.6x")), 1),),
    references=("[1] Someone. A paper that reports 12.5x. 2024.",),
)


def test_support_is_found_in_the_body_and_cited() -> None:
    summary = "SLA2は Wan2.1 で97%のスパース性と18.6倍の高速化を達成した。"
    result = score_faithfulness(PAPER, summary, lang="ja")
    assert not result.flagged, result.issues
    assert "18.6倍 — 4.2 Results, Table 3" in result.checked
    assert "97% — 4.2 Results" in result.checked
    assert "SLA2 — Abstract" in result.checked
    assert result.checked[-1].endswith("» — 4.2 Results")  # the claim, and where to check it


def test_what_the_paper_lacks_is_flagged_with_where_none() -> None:
    # 12.5x is only in the references, which are not the paper's own claims
    result = score_faithfulness(PAPER, "SLA2 reaches a 12.5x speedup on Wan2.2.", lang="en")
    assert {(i.type, i.text, i.where) for i in result.issues} == {
        ("number", "12.5x", "none"),
        ("name", "Wan2.2", "none"),
    }
    assert "12.5x — none" in result.checked


def test_the_json_dict_is_accepted_too() -> None:
    as_dict = json.loads(PAPER.to_json())
    assert (
        score_faithfulness(as_dict, "SLA2 reaches 97% sparsity.").checked
        == score_faithfulness(PAPER, "SLA2 reaches 97% sparsity.").checked
    )


def test_a_plain_text_source_has_no_checked_list() -> None:
    assert score_faithfulness("SLA2 reaches 97%.", "SLA2 reaches 97%.").checked == ()


def test_places_are_linear_and_labelled() -> None:
    big = FullText(
        sections=tuple(Section(str(i), f"S{i}", 1, f"Value {i}.5 here.") for i in range(2000))
    )
    places = paper_places(big)
    assert places.where(places.text.index("Value 1234.5")) == "1234 S1234"
    result = score_faithfulness(big, "The paper reports 1999.5 and 77777.5.", lang="en")
    assert "1999.5 — 1999 S1999" in result.checked and "77777.5 — none" in result.checked


def test_cli_reads_a_fulltext_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "paper.json").write_text(PAPER.to_json(), "utf-8")
    pairs = tmp_path / "pairs.jsonl"
    lines = [
        {
            "id": "ok",
            "fulltext": "paper.json",
            "summary": "SLA2 reaches an 18.6x speedup.",
            "lang": "en",
        },
        {
            "id": "bad",
            "fulltext": "paper.json",
            "summary": "SLA2 reaches a 21.3x speedup.",
            "lang": "en",
        },
    ]
    pairs.write_text("".join(json.dumps(x) + "\n" for x in lines), "utf-8")
    assert main(["faithfulness", str(pairs), "-q"]) == EXIT_FINDINGS
    rows = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert rows[0]["checked"] == [
        "18.6x — 4.2 Results, Table 3",
        "SLA2 — Abstract",
        "«SLA2 reaches an 18.6x speedup.» — 4.2 Results",  # the sentence it shares most with
    ]
    assert rows[1]["flagged"] and rows[1]["issues"][0]["where"] == "none"
    pairs.write_text(json.dumps(lines[0]) + "\n", "utf-8")
    assert main(["faithfulness", str(pairs), "-q"]) == EXIT_OK


def test_cli_names_a_missing_fulltext_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(json.dumps({"fulltext": "nope.json", "summary": "x"}) + "\n", "utf-8")
    assert main(["faithfulness", str(pairs)]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert f"{pairs}:1:" in err and "nope.json" in err and "Traceback" not in err
