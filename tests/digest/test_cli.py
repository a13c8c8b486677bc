"""`digestkit parse / render / convert` through the real CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from digestkit.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, main
from tests.conftest import seed_path


def test_parse_prints_model_and_warnings(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", str(seed_path(2)), "--to", "json"]) == EXIT_OK
    data = json.loads(capsys.readouterr().out)
    assert data["schema_version"] == 2 and data["format"] == "ja-8q"
    assert data["entries"][0]["arxiv_id"] == "2503.22879"
    assert data["entries"][0]["title"].startswith("Quamba2")
    assert len(data["entries"]) == 22 and data["warnings"] == []


def test_parse_summary_and_forced_format(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", str(seed_path(3)), "--format", "generic", "--to", "summary"]) == EXIT_OK
    out = capsys.readouterr().out
    assert ": generic, 5 entries" in out and "2602.10693" in out


def test_parse_strict_exits_1_on_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "d.md"
    f.write_text("# D\n\n## P\n\narXiv:2401.00001\n\n# Appendix\n\nleft over\n", encoding="utf-8")
    assert main(["parse", str(f), "--strict"]) == EXIT_FINDINGS
    err = capsys.readouterr().err
    assert f"digestkit: warning: {f}:9: text not placed" in err


def test_render_and_convert(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = seed_path(1)
    digest_json = tmp_path / "d.json"
    assert main(["parse", str(src), "-o", str(digest_json)]) == EXIT_OK
    assert main(["render", str(digest_json), "--to", "md-ja-8q"]) == EXIT_OK
    rendered = capsys.readouterr().out
    assert rendered.count("[View Paper](") == 23
    page = tmp_path / "page.html"
    assert main(["convert", str(src), "--to", "html", "-o", str(page)]) == EXIT_OK
    assert page.read_text(encoding="utf-8").count("<article") == 23
    # a second write keeps the first as a backup, atomically replaced
    assert main(["convert", str(seed_path(3)), "--to", "html", "-o", str(page)]) == EXIT_OK
    assert page.read_text(encoding="utf-8").count("<article") == 5
    assert (tmp_path / "page.html.orig").read_text(encoding="utf-8").count("<article") == 23
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.json", "page.html", "page.html.orig"]


@pytest.mark.parametrize(
    ("content", "args", "expected"),
    [
        ("", [], "{f}:1: empty document"),
        (
            "# T\n\n[View Paper](http://arxiv.org/abs/2503.04504v1)\n\n```py\n# x\n",
            [],
            "{f}:5: code fence",
        ),
        ("just words\n", ["--format", "bot-readme"], "{f}:1: no bot-readme entries found"),
    ],
)
def test_bad_input_is_one_line_exit_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, args: list[str], expected: str
) -> None:
    f = tmp_path / "bad.md"
    f.write_text(content, encoding="utf-8")
    assert main(["parse", str(f), *args]) == EXIT_ERROR
    err = capsys.readouterr().err.strip()
    assert err.startswith("digestkit: error: " + expected.format(f=f))
    assert "\n" not in err and "Traceback" not in err


def test_missing_file_and_bad_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", str(tmp_path / "nope.md")]) == EXIT_ERROR
    assert "nope.md: cannot read" in capsys.readouterr().err
    bad = tmp_path / "d.json"
    bad.write_text('{"entries": [\n', encoding="utf-8")
    assert main(["render", str(bad), "--to", "html"]) == EXIT_ERROR
    assert f"{bad}:2: invalid JSON" in capsys.readouterr().err


def test_unknown_formats_are_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "d.json"
    f.write_text('{"entries": []}', encoding="utf-8")
    assert main(["render", str(f), "--to", "pdf"]) == EXIT_USAGE
    assert main(["parse", str(f), "--format", "yaml"]) == EXIT_USAGE
    capsys.readouterr()
