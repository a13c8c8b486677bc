"""repair_text throughput beside ftfy.fix_encoding on the same input, in the same run.

Two inputs: clean multilingual Markdown (ja, zh, ko, en, emoji; the prefilter's path) and
seed 004 (real lossy mojibake: the heavy path). Each benchmark times ours with the
``benchmark`` fixture and ftfy with a best-of-N timer in the same process (the seed-004
variants then call ours and ftfy in alternating blocks, and record the min and median of
both, and ours right after ftfy), and
records MB/s for both and ``speedup_vs_ftfy`` in ``extra_info`` (``make bench``, then read
the JSON or the table). No timing is asserted; under ``make test`` each runs once as a plain
correctness test.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from statistics import median
from typing import Any

import ftfy
import pytest

from digestkit.repair import RepairConfig, repair_text
from digestkit.repair.model import load_model
from tests.bench.timing import best_of
from tests.conftest import seed_path

_CLEAN = "\n\n".join(
    [
        seed_path(1).read_text(encoding="utf-8"),
        seed_path(3).read_text(encoding="utf-8"),
        "本文提出了一种新的方法：在长文本上，速度提升了三倍。“引号”与《书名》。" * 200,
        "이 논문은 새로운 방법을 제안합니다. 결과는 좋습니다! " * 200,
        "The model reaches 92.1% accuracy — a “large” gain… 👩‍💻 🇯🇵 ✅ " * 200,
    ]
)
INPUTS = {
    "clean_multilingual": _CLEAN,
    "seed004": seed_path(4).read_text(encoding="utf-8"),
}


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_repair_vs_ftfy(benchmark: Any, name: str) -> None:
    text = INPUTS[name]
    megabytes = len(text.encode("utf-8")) / 1e6
    load_model()  # loaded once per process; not part of the per-call cost
    result = benchmark(repair_text, text)
    assert result.changed == (name == "seed004")
    ours = benchmark.stats.stats.min if benchmark.enabled else best_of(lambda: repair_text(text), 1)
    baseline = best_of(lambda: ftfy.fix_encoding(text), 3 if benchmark.enabled else 1)
    benchmark.extra_info.update(
        {
            "megabytes": round(megabytes, 3),
            "ours_mb_per_s": round(megabytes / ours, 1),
            "ftfy_mb_per_s": round(megabytes / baseline, 1),
            "speedup_vs_ftfy": round(baseline / ours, 2),
        }
    )


def _blocks(
    ours: Callable[[], Any], baseline: Callable[[], Any], blocks: int, runs: tuple[int, int]
) -> tuple[list[float], list[float], list[float]]:
    """Seconds per call of ``ours`` and ``baseline`` in alternating blocks (``runs[0]``
    calls of ours, then ``runs[1]`` of the baseline, ``blocks`` times): on a shared machine
    a busy moment then slows both, not only one of them. The first call of each block is
    timed apart (the third list: ours right after the baseline, whose run has emptied the
    caches ours reads); the others are each one's repeated, warm calls."""
    times: tuple[list[float], list[float], list[float]] = ([], [], [])
    for _ in range(blocks):
        for fn, out, count in ((ours, times[0], runs[0]), (baseline, times[1], runs[1])):
            for run in range(count + 1):
                start = time.perf_counter()
                fn()
                elapsed = time.perf_counter() - start
                if run:
                    out.append(elapsed)
                elif fn is ours:
                    times[2].append(elapsed)
    return times


def _seed004_variant(
    benchmark: Any, run: Callable[[], Any], rounds: tuple[int, tuple[int, int]] = (5, (8, 3))
) -> None:
    """Time ``run`` with the fixture, then it and ftfy in alternating blocks (``_blocks``);
    the speed-up is ftfy's fastest call over ours (the least disturbed of several warm runs
    of each, in this process), beside the same for the medians."""
    text = INPUTS["seed004"]
    megabytes = len(text.encode("utf-8")) / 1e6
    load_model()
    benchmark(run)
    if not benchmark.enabled:
        rounds = (1, (1, 1))
    ours, theirs, after = _blocks(run, lambda: ftfy.fix_encoding(text), *rounds)
    if benchmark.enabled:
        ours.append(benchmark.stats.stats.min)
    best, baseline = min(ours), min(theirs)
    benchmark.extra_info.update(
        {
            "ours_mb_per_s": round(megabytes / best, 1),
            "ftfy_mb_per_s": round(megabytes / baseline, 1),
            "speedup_vs_ftfy": round(baseline / best, 2),
            "ours_ms": {"min": round(best * 1e3, 2), "median": round(median(ours) * 1e3, 2)},
            "ftfy_ms": {"min": round(baseline * 1e3, 2), "median": round(median(theirs) * 1e3, 2)},
            "speedup_of_medians": round(median(theirs) / median(ours), 2),
            "ours_right_after_ftfy_ms": {
                "min": round(min(after) * 1e3, 2),
                "median": round(median(after) * 1e3, 2),
            },
        }
    )


def test_seed004_with_every_span_built(benchmark: Any) -> None:
    """Spans are built when first read; this times a caller that reads all of them."""
    text = INPUTS["seed004"]
    _seed004_variant(benchmark, lambda: len(repair_text(text).spans))


def test_seed004_python_reference(benchmark: Any) -> None:
    """The same repair without the compiled kernel (an install with no C compiler): the
    per-slot Python reference, ``lossy.decide``."""
    text = INPUTS["seed004"]
    config = RepairConfig(kernel=False)
    _seed004_variant(benchmark, lambda: repair_text(text, config), (2, (2, 2)))  # ~0.7 s a call


def test_seed004_one_thread(benchmark: Any) -> None:
    """The compiled pass on one thread (a long document uses two by default)."""
    text = INPUTS["seed004"]
    config = RepairConfig(threads=1)
    _seed004_variant(benchmark, lambda: repair_text(text, config))
