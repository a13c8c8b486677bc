"""Start-up of the command: ``digestkit repair FILE`` in a fresh process, as a shell loop
over many files runs it, beside a fresh Python that only imports numpy.

Each run is a child process started as the console script starts (``app_main``), on a
short seed-004-damaged zh/ja/en file; its wall time is the benchmark's time
(interpreter start, imports, argument parsing, the first lossy repair, writing). Modes:

- ``repair``: ``digestkit repair short.md`` (the repair to stdout);
- ``repair_o``: ``digestkit repair short.md -o fixed.md``;
- ``help``: ``digestkit --help`` (imports typer and the command modules, repairs nothing).

The baseline, timed in this process just before (:func:`tests.bench.timing.best_of`), is
``python -c "import numpy"`` in a fresh process (with ``OPENBLAS_NUM_THREADS=1``, as the
command sets it): the floor for a process that repairs lossily, since the engine needs
numpy. ``extra_info`` also holds min/median of our wall
time and of ``python -c pass`` (the interpreter alone), and the load average. Bytecode is
cached, as an installed package has it (``_env``, shared with
``test_repair_start_bench.py``). ``make bench`` runs each mode 9 times; under ``make test``
each runs once as a correctness test. No timing is asserted; which modules the command
imports is checked, without timing, by ``tests/test_cli_imports.py``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from digestkit.repair.corrupt import corrupt
from tests.bench.test_repair_start_bench import _env
from tests.bench.timing import best_of

CLEAN = "本文提出了一种新的方法，在训练中不可或缺。論文の要約です。\n\nWe propose a café method.\n"
#: The console script's entry point (``[project.scripts]``), without depending on PATH.
SCRIPT = "from digestkit.cli import app_main; app_main()"
MODES = {
    "repair": ["repair", "{src}"],
    "repair_o": ["repair", "{src}", "-o", "{out}"],
    "help": ["--help"],
}


def _wall_ms(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    wall = (time.perf_counter() - start) * 1e3
    assert done.returncode == 0, done.stderr
    return wall


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else []


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    path = tmp_path_factory.mktemp("cli-start")
    src = path / "short.md"
    src.write_text(corrupt(CLEAN, "seed004"), encoding="utf-8")
    assert src.read_text(encoding="utf-8") != CLEAN
    home = path / "home"
    subprocess.run([sys.executable, "-c", SCRIPT, "repair", str(src)], env=_env(home), check=True,
                   capture_output=True)  # caches the bytecode  # fmt: skip
    return {"src": src, "out": path / "fixed.md", "home": home}


@pytest.mark.parametrize("mode", list(MODES))
def test_cli_start_in_a_fresh_process(benchmark: Any, files: dict[str, Path], mode: str) -> None:
    env = {**_env(files["home"]), "OPENBLAS_NUM_THREADS": "1"}  # as app_main sets it
    args = [a.format(src=files["src"], out=files["out"]) for a in MODES[mode]]
    rounds = 9 if benchmark.enabled else 1
    load_before = _load()
    numpy_s = best_of(lambda: _wall_ms([sys.executable, "-c", "import numpy"], env), min(rounds, 5))
    bare = [_wall_ms([sys.executable, "-c", "pass"], env) for _ in range(min(rounds, 5))]
    walls: list[float] = []
    benchmark.pedantic(
        lambda: walls.append(_wall_ms([sys.executable, "-c", SCRIPT, *args], env)), rounds=rounds
    )
    if mode == "repair_o":
        assert files["out"].read_text(encoding="utf-8") == CLEAN
    benchmark.extra_info.update(
        {
            "baseline": "python -c 'import numpy' (fresh process)",
            "baseline_s": numpy_s,
            "wall_ms_min": round(min(walls), 1),
            "wall_ms_median": round(statistics.median(walls), 1),
            "python_pass_ms_min": round(min(bare), 1),
            "python_pass_ms_median": round(statistics.median(bare), 1),
            "load_average": [load_before, _load()],
        }
    )


def test_repair_prints_the_repair(files: dict[str, Path]) -> None:
    """The benchmarked command repairs (what ``repair`` mode times is the real work)."""
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, "repair", str(files["src"])],
        env=_env(files["home"]),
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout == CLEAN
