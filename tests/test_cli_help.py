"""The first commands a newcomer types: --version, python -m digestkit, whole help texts,
and a hint when `render` is given Markdown."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import pytest

from digestkit import __version__
from digestkit.cli import EXIT_ERROR, EXIT_OK, app, main

ROOT = Path(__file__).resolve().parent.parent


def test_version_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == EXIT_OK
    assert capsys.readouterr().out == f"digestkit {__version__}\n"


def test_python_dash_m() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "digestkit", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (run.returncode, run.stdout) == (0, f"digestkit {__version__}\n")
    run = subprocess.run(
        [sys.executable, "-m", "digestkit", "--help"], capture_output=True, text=True, check=False
    )
    assert run.returncode == 0 and "Usage: python -m digestkit" in run.stdout


def _first_paragraph(callback: object) -> str:
    return " ".join(inspect.cleandoc(callback.__doc__ or "").split("\n\n")[0].split())  # type: ignore[attr-defined]


@pytest.mark.parametrize("columns", ["60", "80", "200"])
def test_help_lists_every_command_whole(
    columns: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    assert main(["--help"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "..." not in out.replace("[ARGS]...", "") and "…" not in out
    flat = " ".join(out.split()).replace("- ", "-")  # wrapping may break "end-to-end"
    for info in app.registered_commands:
        assert info.callback is not None
        assert _first_paragraph(info.callback).replace("- ", "-") in flat


def test_render_on_markdown_suggests_convert(capsys: pytest.CaptureFixture[str]) -> None:
    seed = next((ROOT / "fixtures/seeds").glob("001_*.txt"))
    assert main(["render", str(seed), "--to", "html"]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"digestkit convert {seed} --to html" in err
