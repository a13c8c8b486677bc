"""The README's first examples run as written on a fresh clone.

Every fenced block whose info string is ``sh runnable`` is run line by line, in order, in
a fresh directory holding only the repository's ``fixtures/`` (what a clone has), with a
fresh ``DIGESTKIT_HOME``, no config and no API key in the environment. A line fails the
test if it exits non-zero. Comments after ``#`` are the README's, not the shell's concern.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_BLOCK = re.compile(r"^```sh runnable\n(.*?)^```", re.M | re.S)


def runnable_lines(readme: str) -> list[str]:
    """The commands of the ``sh runnable`` blocks, comments stripped."""
    lines = []
    for block in _BLOCK.findall(readme):
        for line in block.splitlines():
            command = " ".join(shlex.split(line, comments=True))
            if command:
                lines.append(line.split(" #")[0].strip())
    return lines


def _fresh_env(home: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not re.search(r"KEY|TOKEN|SECRET|DIGESTKIT", k) and k not in ("PYTHONPATH",)
    }
    env["DIGESTKIT_HOME"] = str(home / ".digestkit")
    env["HOME"] = str(home)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


def test_there_are_runnable_examples_first() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = runnable_lines(readme)
    assert len(lines) >= 5 and lines[0] == "digestkit --version"
    # the first examples after "Set up" (make install / make test) are the runnable ones
    assert readme.index("```sh runnable") < readme.index("## A tour")


@pytest.mark.slow
def test_readme_examples_run_as_written(tmp_path: Path) -> None:
    (tmp_path / "fixtures").symlink_to(ROOT / "fixtures")
    env = _fresh_env(tmp_path)
    for line in runnable_lines((ROOT / "README.md").read_text(encoding="utf-8")):
        run = subprocess.run(
            shlex.split(line), cwd=tmp_path, env=env, capture_output=True, text=True, check=False
        )
        assert run.returncode == 0, f"{line}\n{run.stderr[-2000:]}"
    for name in ("004.md", "004.json", "004.html", "feed.xml", "004.en.json"):
        assert (tmp_path / name).stat().st_size > 0
    assert "<math" in (tmp_path / "004.html").read_text(encoding="utf-8")


def test_readme_figures_are_the_generated_ones() -> None:
    """The speed figures come from eval/readme_figures.json (make bench + make eval output),
    so a number typed into the README block fails here."""
    from eval.readme_figures import main

    assert main(["--check"]) == 0
