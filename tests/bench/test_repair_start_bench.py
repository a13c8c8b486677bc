"""Start-up: the first lossy repair in a fresh process, with the model memory-mapped
(:mod:`digestkit.repair.model.mapped`) against building it from the text model; and two
worker processes sharing the mapped pages.

Each run is a child process (``python -c``) that reports its own numbers:

- ``first_ms``: from before ``from digestkit.repair import repair_text`` to after the first
  ``repair_text`` of a short seed-004-damaged zh/ja string (importing digestkit, the
  engine and numpy, mapping the model, choosing the code page, repairing);
- ``import_ms`` and ``repair_ms``: its two parts (before and after that import), and
  ``numpy_ms`` the part of ``import_ms`` that imports numpy (first);
- ``cpu_ms``: the child's CPU time, interpreter start included (what a busy machine
  changes least);
- ``rss_mb``: peak RSS (mapped model pages included).

Bytecode is cached, as an installed package has it (see :func:`_env`). The benchmark's own
time is the child's wall time (interpreter start included). Modes:

- ``shipped`` maps the layout the build wrote (``make install``);
- ``shipped_one_blas_thread``: the same with ``OPENBLAS_NUM_THREADS=1``, as the CLI sets it
  (no OpenBLAS thread spinning after numpy's import);
- ``cache`` maps the file a source checkout without a build writes to ``$DIGESTKIT_HOME``
  on first use (written by an earlier child, as on a second run; that child's figures are
  ``cold_build_*``);
- ``text_model`` builds the arrays from the gzip text model, as every process did before
  the mapped layout.

``make bench`` runs each 7 times and records min/median of each figure, the load average
and (``speedup_vs_text_model``) text_model's fastest child's wall time over the mode's in
``extra_info``; under ``make test`` each runs once as a correctness test. No
timing is asserted.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

CHILD = r"""
import time
t0 = time.perf_counter()
import json, resource, sys
import numpy
tn = time.perf_counter()
mode = sys.argv[1]
if mode == "cache":  # as from a source checkout that was never built
    from pathlib import Path
    from digestkit.repair.model import mapped
    mapped.shipped_path = lambda lang: Path("/nonexistent") / lang
from digestkit.repair import repair_text
from digestkit.repair.corrupt import corrupt
t1 = time.perf_counter()
text = corrupt("本文提出了一种新的方法，在训练中不可或缺。論文の要約です。", "seed004")
if mode == "text_model":
    from digestkit.repair.model import load_model
    from digestkit.repair.model.arrays import ModelArrays
    for lang in ("zh", "ja"):
        built = ModelArrays(lang, load_model())
        built.words(), built.trigrams()
        ModelArrays._cache[lang] = built
out = repair_text(text).text
t2 = time.perf_counter()
use = resource.getrusage(resource.RUSAGE_SELF)
# VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so a child started from a large
# pytest process reported the parent's size (505 MB under make bench).
try:
    with open("/proc/self/status") as status:
        rss = next(int(l.split()[1]) for l in status if l.startswith("VmHWM:")) / 1024
except (OSError, StopIteration):
    rss = use.ru_maxrss / 1024
print(json.dumps({"first_ms": (t2 - t0) * 1e3, "import_ms": (t1 - t0) * 1e3,
                  "repair_ms": (t2 - t1) * 1e3, "numpy_ms": (tn - t0) * 1e3, "cpu_ms": (use.ru_utime + use.ru_stime) * 1e3,
                  "rss_mb": rss, "text": out}), flush=True)
if len(sys.argv) > 2:  # a worker that stays alive until told to go (page sharing)
    sys.stdin.readline()
"""
CLEAN = "本文提出了一种新的方法，在训练中不可或缺。論文の要約です。"
MODES = ["text_model", "shipped", "shipped_one_blas_thread", "cache"]  # the baseline first


def _env(home: Path) -> dict[str, str]:
    """The child's environment: its own cache directory, and bytecode cached as an
    installed package has it (``pip install`` compiles it; an editable install writes it
    on first import) even where the shell sets PYTHONDONTWRITEBYTECODE (compiling
    digestkit's modules from source would add ~35 ms to every start)."""
    env = {**os.environ, "DIGESTKIT_HOME": str(home)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(home / "pycache")
    return env


def _child(mode: str, home: Path) -> dict[str, Any]:
    env = _env(home)
    if mode == "shipped_one_blas_thread":  # as the CLI runs (digestkit.cli.app_main)
        env["OPENBLAS_NUM_THREADS"] = "1"
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, mode], env=env, capture_output=True, text=True
    )
    wall_ms = (time.perf_counter() - start) * 1e3
    assert done.returncode == 0, done.stderr
    return {**json.loads(done.stdout), "wall_ms": wall_ms}


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else []


_COLD: list[dict[str, Any]] = []
#: Each mode's fastest child (wall ms): text_model's is the others' baseline.
_FASTEST: dict[str, float] = {}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("repair-start")
    _child("shipped", path)  # caches the bytecode
    _COLD.append(_child("cache", path))  # writes the cache's mapped arrays (zh, ja)
    assert _COLD[0]["text"] == CLEAN
    assert any((path / "repair-model").glob("zh-*.bin"))
    return path


@pytest.mark.parametrize("mode", MODES)
def test_first_repair_in_a_fresh_process(benchmark: Any, home: Path, mode: str) -> None:
    runs: list[dict[str, Any]] = []
    load_before = _load()
    benchmark.pedantic(
        lambda: runs.append(_child(mode, home)), rounds=7 if benchmark.enabled else 1
    )
    assert all(r["text"] == CLEAN for r in runs)
    _FASTEST[mode] = min(r["wall_ms"] for r in runs)
    if mode != "text_model" and "text_model" in _FASTEST:
        benchmark.extra_info["baseline"] = "arrays built from the text model"
        benchmark.extra_info["speedup_vs_text_model"] = round(
            _FASTEST["text_model"] / _FASTEST[mode], 2
        )
    for key in ("first_ms", "repair_ms", "import_ms", "numpy_ms", "cpu_ms", "rss_mb"):
        values = [r[key] for r in runs]
        benchmark.extra_info[f"{key}_min"] = round(min(values), 1)
        benchmark.extra_info[f"{key}_median"] = round(statistics.median(values), 1)
    benchmark.extra_info["rss_mb_max"] = round(max(r["rss_mb"] for r in runs), 1)
    benchmark.extra_info["load_average"] = [load_before, _load()]
    if mode == "cache":  # the run before these, which built the file
        benchmark.extra_info["cold_build_first_ms"] = round(_COLD[0]["first_ms"], 1)
        benchmark.extra_info["cold_build_rss_mb"] = round(_COLD[0]["rss_mb"], 1)


def _mapped_kb(pid: int) -> dict[str, int]:
    """Rss and Pss (kB) of ``pid``'s mappings of the model files, and of the whole process."""
    out = {"model_rss_kb": 0, "model_pss_kb": 0}
    model = False
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        head = re.match(r"[0-9a-f]+-[0-9a-f]+ ", line)
        if head:
            model = line.endswith(".bin") and ("/layout/" in line or "/repair-model/" in line)
        elif model and line.startswith(("Rss:", "Pss:")):
            out[f"model_{line[:3].lower()}_kb"] += int(line.split()[1])
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith(("Rss:", "Pss:")):
            out[f"{line[:3].lower()}_kb"] = int(line.split()[1])
    return out


@pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(), reason="needs Linux /proc")
def test_two_workers_share_the_model_pages(benchmark: Any, tmp_path: Path) -> None:
    """Two processes that each made a first lossy repair, alive together: each one's
    proportional share (Pss) of the model's pages is about half what it maps (Rss)."""

    def run() -> list[dict[str, int]]:
        workers = [
            subprocess.Popen(
                [sys.executable, "-c", CHILD, "shipped", "wait"],
                env=_env(tmp_path),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        try:
            for w in workers:
                assert w.stdout is not None
                assert json.loads(w.stdout.readline())["text"] == CLEAN
            return [_mapped_kb(w.pid) for w in workers]
        finally:
            for w in workers:
                w.communicate("go\n")

    seen = benchmark.pedantic(run, rounds=1)
    for one in seen:
        assert one["model_rss_kb"] > 1000  # the repair read the mapped model
        assert one["model_pss_kb"] <= 0.6 * one["model_rss_kb"]  # ... and shares it
    benchmark.extra_info.update(
        {f"worker{i}_{k}": v for i, w in enumerate(seen) for k, v in w.items()}
    )
