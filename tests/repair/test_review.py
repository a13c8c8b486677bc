"""The review aid: doubtful readings with line and column, the review page, ``--mark-below``
and ``--explain``'s line and column, on real damage (seed 004 and generated cases)."""

from __future__ import annotations

import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from digestkit.cli import EXIT_OK, EXIT_USAGE, main
from digestkit.repair import repair_text
from digestkit.repair.corrupt import corrupt
from digestkit.repair.review import (
    MARK_CLOSE,
    MARK_OPEN,
    doubts,
    line_column,
    mark_doubts,
    review_html,
)
from tests.conftest import seed_path

SEED4 = seed_path(4).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed4():
    return repair_text(SEED4)


def test_doubts_point_at_the_reading(seed4) -> None:
    found = doubts(seed4, 0.9)
    assert 100 < len(found) < 2000
    for d in found:
        assert seed4.text[d.offset : d.offset + len(d.chosen)] == d.chosen
        assert line_column(seed4.text, d.offset) == (d.line, d.column)
        assert d.context == seed4.text.split("\n")[d.line - 1]
        assert d.confidence < 0.9
        assert d.chosen not in d.alternatives


def test_a_lower_threshold_lists_a_subset(seed4) -> None:
    low = {d.offset for d in doubts(seed4, 0.5)}
    high = {d.offset for d in doubts(seed4, 0.9)}
    assert low < high
    assert doubts(seed4, 0.0) == []


def test_the_known_function_word_error_is_listed_with_the_right_alternative() -> None:
    # 效率与可及性 comes back as 效率不可及性: the lost byte made 与 / 不 / 中 the same.
    result = repair_text(corrupt("效率与可及性", "seed004"))
    (d,) = doubts(result, 0.99)
    assert (d.line, d.column, d.chosen) == (1, 3, "不")
    assert "与" in d.alternatives[:3]


def test_marks_wrap_exactly_the_doubtful_readings(seed4) -> None:
    marked = mark_doubts(seed4, 0.9)
    assert marked.count(MARK_OPEN) == marked.count(MARK_CLOSE) == len(doubts(seed4, 0.9))
    assert marked.replace(MARK_OPEN, "").replace(MARK_CLOSE, "") == seed4.text
    assert mark_doubts(seed4, 0.0) == seed4.text


def test_lossless_repairs_have_nothing_to_review() -> None:
    result = repair_text("è®ºæ–‡æ€»ç»“")
    assert result.changed and doubts(result, 1.01) == []


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.rows = 0
        self.tags: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.rows += tag == "tr"
        self.links += [v or "" for k, v in attrs if k in ("src", "href")]


def test_the_page_is_self_contained_and_lists_every_doubt(seed4) -> None:
    page = review_html(seed4, 0.9, "seed004.md")
    parser = _Page()
    parser.feed(page)
    assert parser.rows == len(doubts(seed4, 0.9)) + 1  # and the header row
    assert "script" not in parser.tags and parser.links == []
    assert "<mark>" in page and "seed004.md" in page


def test_html_in_the_text_is_escaped() -> None:
    result = repair_text(corrupt("<b>效率与可及性</b>", "seed004"))
    page = review_html(result, 0.99)
    assert "&lt;b&gt;" in page and "<b>" not in page


# -- the CLI -------------------------------------------------------------------------------


def run(capsysbinary: pytest.CaptureFixture[bytes], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsysbinary.readouterr()
    return code, out.decode("utf-8"), err.decode("utf-8")


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    path = tmp_path / "broken.md"
    path.write_text(corrupt("# 结果\n\n本文提出了效率与可及性的新方法。\n", "seed004"), "utf-8")
    return path


def test_cli_review_writes_the_page(broken: Path, capsysbinary) -> None:
    page = broken.with_name("review.html")
    code, _, _ = run(capsysbinary, "repair", broken, "--review", "--mark-below", "0.99", "-o", page)
    assert code == EXIT_OK
    html = page.read_text("utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<mark>不</mark>" in html and "3:8" in html


def test_cli_review_needs_an_output_file(broken: Path, capsysbinary) -> None:
    code, _, err = run(capsysbinary, "repair", broken, "--review")
    assert code == EXIT_USAGE and "--output" in err and "Traceback" not in err


def test_cli_mark_below(broken: Path, capsysbinary) -> None:
    out = broken.with_name("fixed.md")
    code, _, _ = run(capsysbinary, "repair", broken, "--mark-below", "0.99", "-o", out)
    assert code == EXIT_OK
    assert "效率⟦不⟧可及性" in out.read_text("utf-8")


def test_cli_explain_gives_line_and_column(broken: Path, capsysbinary) -> None:
    code, out, _ = run(capsysbinary, "repair", broken, "--explain")
    assert code == EXIT_OK
    (report,) = json.loads(out)["files"]
    fixed = repair_text(broken.read_text("utf-8")).text
    assert report["spans"]
    for span in report["spans"]:
        assert (span["line"], span["column"]) == line_column(fixed, span["start"])
    assert {s["line"] for s in report["spans"]} >= {1, 3}


@pytest.mark.skipif(shutil.which("chromium") is None, reason="no headless Chromium here")
def test_the_page_renders_in_a_real_browser(seed4, tmp_path: Path) -> None:
    page = tmp_path / "review.html"
    page.write_text(review_html(seed4, 0.9, "seed004.md"), "utf-8")
    shot = tmp_path / "review.png"
    subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={shot}",
         "--window-size=1200,900", page.as_uri()],
        capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 20_000  # a table, not a blank page
