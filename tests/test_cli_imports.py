"""The common commands import only what they use: ``digestkit repair FILE`` (to stdout or
``-o``), ``--help``, ``parse`` (of a JSON digest) and ``render --to md-bot`` do not load
the LLM SDKs, the HTTP client, the templates, plotting, Dask, markdown-it-py, pydantic
(typer's value coercion, see :mod:`digestkit.cli.values`) or multiprocessing. Each command
runs in a fresh process, which then lists the heavy modules it holds; nothing is timed
(the times are ``tests/bench/test_cli_start_bench.py``'s)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from digestkit.repair.corrupt import corrupt

ROOT = Path(__file__).resolve().parent.parent

#: Never needed by the commands below (each is a package or a module of one); markdown_it
#: only parses Markdown (not the JSON digest parsed here) and renders feeds and pages.
HEAVY = ("anthropic", "httpx", "openai", "jinja2", "feedgen", "matplotlib", "dask",
         "distributed", "pydantic", "lxml", "arxiv", "rich", "concurrent.futures.process",
         "multiprocessing", "markdown_it")  # fmt: skip

CHILD = r"""
import json, sys
from digestkit.cli import main
heavy = json.loads(sys.argv[1])
code = main(sys.argv[2:])
held = sorted(m for m in sys.modules if any(m == h or m.startswith(h + ".") for h in heavy))
sys.stdout.flush()
print("\n" + json.dumps({"code": code, "held": held}))
"""

CLEAN = "本文提出了一种新的方法，在训练中不可或缺。論文の要約です。\n\nWe propose a café method.\n"


def _held(args: list[str], heavy: tuple[str, ...]) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(heavy), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out, report, _ = done.stdout.rsplit("\n", 2)  # the command's output, then the report
    return {**json.loads(report), "stdout": out}


@pytest.fixture
def damaged(tmp_path: Path) -> Path:
    path = tmp_path / "short.md"
    path.write_text(corrupt(CLEAN, "seed004"), encoding="utf-8")
    return path


def test_repair_to_stdout(damaged: Path) -> None:
    seen = _held(["repair", str(damaged)], HEAVY)
    assert (seen["code"], seen["held"]) == (0, [])
    assert seen["stdout"] == CLEAN


def test_repair_to_a_file(damaged: Path, tmp_path: Path) -> None:
    out = tmp_path / "fixed.md"
    seen = _held(["repair", str(damaged), "-o", str(out)], HEAVY)
    assert (seen["code"], seen["held"]) == (0, [])
    assert out.read_text(encoding="utf-8") == CLEAN


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["repair", "--help"]])
def test_help(args: list[str]) -> None:
    seen = _held(args, (*HEAVY, "numpy"))
    assert (seen["code"], seen["held"]) == (0, [])


def test_parse_and_render(tmp_path: Path) -> None:
    digest = tmp_path / "digest.json"
    parsed = _held(["parse", str(ROOT / "fixtures/parse/000.json"), "-o", str(digest)], HEAVY)
    assert (parsed["code"], parsed["held"]) == (0, [])
    rendered = _held(["render", str(digest), "--to", "md-bot"], HEAVY)
    assert (rendered["code"], rendered["held"]) == (0, [])
