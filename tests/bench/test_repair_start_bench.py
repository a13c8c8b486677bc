"""Start-up: the first lossy repair in a fresh process, with the model memory-mapped
(:mod:`digestkit.repair.model.mapped`) against building it from the text model.

Each run is a child process that reports its own numbers (time from before the first
``repair_text`` to after it, which includes importing the engine and numpy, and peak RSS):
``warm`` maps the arrays file written by an earlier process, ``cold`` writes it (the first
run on a machine), ``text_model`` builds the arrays from the gzip text model as every
process did before. ``make bench`` records them in ``extra_info`` (ratios against
``text_model`` of the same run); under ``make test`` each runs once as a correctness test.
No timing is asserted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

CHILD = r"""
import json, resource, sys, time
mode = sys.argv[1]
from digestkit.repair import repair_text
from digestkit.repair.corrupt import corrupt
text = corrupt("本文提出了一种新的方法，在训练中不可或缺。論文の要約です。", "seed004")
start = time.perf_counter()
if mode == "text_model":
    from digestkit.repair.model import load_model
    from digestkit.repair.model.arrays import ModelArrays
    for lang in ("zh", "ja"):
        built = ModelArrays(lang, load_model())
        built.words(), built.trigrams()
        ModelArrays._cache[lang] = built
out = repair_text(text).text
ms = (time.perf_counter() - start) * 1e3
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"ms": ms, "rss_mb": rss, "text": out}))
"""
CLEAN = "本文提出了一种新的方法，在训练中不可或缺。論文の要約です。"


def _child(mode: str, home: Path) -> dict[str, Any]:
    env = {**os.environ, "DIGESTKIT_HOME": str(home)}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, mode], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("repair-start")
    assert _child("cold", path)["text"] == CLEAN  # writes the mapped arrays
    assert any((path / "repair-model").glob("zh-*.bin"))
    return path


@pytest.mark.parametrize("mode", ["warm", "text_model"])
def test_first_repair_in_a_fresh_process(benchmark: Any, home: Path, mode: str) -> None:
    runs: list[dict[str, Any]] = []
    benchmark.pedantic(
        lambda: runs.append(_child(mode, home)), rounds=3 if benchmark.enabled else 1
    )
    assert all(r["text"] == CLEAN for r in runs)
    benchmark.extra_info.update(
        {"first_repair_ms_min": round(min(r["ms"] for r in runs), 1),
         "peak_rss_mb_max": round(max(r["rss_mb"] for r in runs), 1)}
    )  # fmt: skip
