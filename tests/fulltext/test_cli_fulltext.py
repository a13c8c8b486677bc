"""``digestkit fulltext`` end to end through ``main(argv)``, against the sources stub.

The extractor is a stand-in set on :mod:`digestkit.fulltext` (the one place the CLI looks
it up), so these tests check the command, not the extractors.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import digestkit.fulltext
from digestkit.cli import main
from digestkit.cli.fulltext import _file_stem
from digestkit.testing.sources_stub import SourcesStub, StubPaper
from tests.fulltext._helpers import HTML, PDF, TEX, StandIn

KEYS = {"arxiv_id", "source", "title", "abstract", "sections", "tables", "captions", "references"}


@pytest.fixture
def stub() -> Iterator[SourcesStub]:
    papers = [
        StubPaper("2602.00001", html=HTML, eprint=TEX, pdf=PDF),
        StubPaper("2602.00002", html=None, eprint=TEX, pdf=PDF),
        StubPaper("hep-th/9901001", html=None, eprint=None, pdf=PDF),
        StubPaper("2602.00404", html=None, eprint=None, pdf=None),
    ]
    with SourcesStub(papers) as s:
        yield s


@pytest.fixture
def extract(monkeypatch: pytest.MonkeyPatch) -> StandIn:
    stand_in = StandIn()
    monkeypatch.setattr(digestkit.fulltext, "extract", stand_in)
    return stand_in


@pytest.fixture
def cfg(stub: SourcesStub, tmp_path: Path) -> Path:
    path = tmp_path / "digestkit.toml"
    path.write_text(
        "[fulltext]\n"
        f'html_url = "{stub.base_url}/html/{{id}}"\n'
        f'latex_url = "{stub.base_url}/e-print/{{id}}"\n'
        f'pdf_url = "{stub.base_url}/pdf/{{id}}"\n'
        "delay = 0\nretries = 0\n"
        'cache_dir = "cache"\n'
    )
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["fulltext", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def test_one_paper_is_one_json_object(
    cfg: Path, extract: StandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "2602.00001", "-c", str(cfg))
    assert code == 0 and err == ""
    obj = json.loads(out)
    assert set(obj) >= KEYS and obj["arxiv_id"] == "2602.00001" and obj["source"] == "html"
    assert set(obj["sections"][0]) >= {"heading", "level", "text"}


def test_several_papers_are_json_lines_in_order(
    cfg: Path, extract: StandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "2602.00002", "arXiv:2602.00001", "-c", str(cfg))
    lines = out.splitlines()
    assert code == 0 and len(lines) == 2
    assert [json.loads(x)["source"] for x in lines] == ["latex", "html"]


def test_explain_says_which_source_and_why_not_the_others(
    cfg: Path, extract: StandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "2602.00002", "--explain", "-c", str(cfg))
    assert code == 0
    lines = err.splitlines()
    assert lines[0].startswith("2602.00002: html: missing (404 no HTML) http://")
    assert lines[1].startswith("2602.00002: latex: ok http://")
    assert lines[2].startswith("2602.00002: pdf: skipped (not needed: latex gave the paper)")


def test_a_failure_is_one_line_and_the_others_are_still_written(
    cfg: Path, extract: StandIn, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out_file = tmp_path / "out.jsonl"
    code, out, err = run(capsys, "2602.00404", "2602.00001", "-c", str(cfg), "-o", str(out_file))
    assert code == 3 and out == ""
    assert err.splitlines() == [
        "digestkit: error: 2602.00404: no full text (html: missing, 404 no HTML; "
        "latex: missing, 403 forbidden (source not public); pdf: missing, 404)"
    ]
    assert json.loads(out_file.read_text())["arxiv_id"] == "2602.00001"


def test_nothing_read_leaves_the_output_file_alone(
    cfg: Path, extract: StandIn, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out_file = tmp_path / "out.jsonl"
    out_file.write_text("keep me")
    code, _, _ = run(capsys, "2602.00404", "-c", str(cfg), "-o", str(out_file))
    assert code == 3 and out_file.read_text() == "keep me"


def test_dir_writes_one_file_per_paper_with_safe_names(
    cfg: Path, extract: StandIn, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "papers"
    code, stdout, _ = run(capsys, "2602.00001", "hep-th/9901001", "-c", str(cfg), "-d", str(out))
    assert code == 0 and stdout == ""
    assert sorted(p.name for p in out.iterdir()) == ["2602.00001.json", "hep-th_9901001.json"]
    assert json.loads((out / "hep-th_9901001.json").read_text())["source"] == "pdf"


def test_markdown_to_stdout_and_to_a_dir(
    cfg: Path, extract: StandIn, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "2602.00001", "--to", "md", "-c", str(cfg))
    assert code == 0 and out.startswith("# html title\n") and "## 1 Introduction" in out
    code, _, _ = run(capsys, "2602.00002", "--to", "md", "-c", str(cfg), "-d", str(tmp_path / "m"))
    assert (tmp_path / "m" / "2602.00002.md").read_text().startswith("# latex title")


def test_local_files_file_urls_and_plain_urls(
    stub: SourcesStub, extract: StandIn, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    html = tmp_path / "paper.html"
    html.write_bytes(HTML)
    tex = tmp_path / "2501.00007v2.tar.gz"
    tex.write_bytes(TEX)
    code, out, _ = run(
        capsys, str(html), tex.as_uri(), stub.base_url + "/pdf/2602.00001", "--explain"
    )
    assert code == 0
    assert [json.loads(x)["source"] for x in out.splitlines()] == ["html", "latex", "pdf"]
    assert json.loads(out.splitlines()[1])["arxiv_id"] == "2501.00007"


def test_missing_and_unreadable_files_are_named(
    extract: StandIn, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a paper")
    missing = tmp_path / "missing.pdf"
    code, _, err = run(capsys, str(missing), str(notes))
    assert code == 3
    assert err.splitlines() == [
        f"digestkit: error: {missing}: no such file",
        f"digestkit: error: {notes}: not arXiv HTML, a LaTeX source or a PDF",
    ]


@pytest.mark.parametrize(
    "args", [["--to", "xml"], ["-o", "a.jsonl", "-d", "out"]], ids=["format", "o-and-d"]
)
def test_bad_usage_is_exit_2(
    args: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, _ = run(capsys, str(tmp_path / "x.pdf"), *args)
    assert code == 2


def test_a_bad_config_is_one_line_naming_the_key(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "digestkit.toml"
    bad.write_text("[fulltext]\nsources = ['html', 'word']\n")
    code, out, err = run(capsys, "2602.00001", "-c", str(bad))
    assert code == 3 and out == ""
    assert err.startswith(f"digestkit: error: {bad}: fulltext.sources: unknown source 'word'")
    assert len(err.splitlines()) == 1


@given(st.text(min_size=1, max_size=40))
def test_file_names_for_papers_are_always_safe(name: str) -> None:
    used: set[str] = set()
    first, second = _file_stem(name, used), _file_stem(name, used)
    for stem in (first, second):
        assert re.fullmatch(r"[A-Za-z0-9_-][A-Za-z0-9._-]*", stem), stem
    assert first != second
