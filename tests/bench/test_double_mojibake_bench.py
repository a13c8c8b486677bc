"""Two layers of mojibake (1 MB) beside ftfy.fix_encoding on the same input, in the same run.

The second pass re-expresses the first pass's spans against the final text; that merge
was a whole-text diff (~n^2: 1.13 MB took over 120 s). The target (issue 18) is at most
10x ftfy's time: ``ratio_vs_ftfy`` in ``extra_info`` (``make bench``). No timing is
asserted; under ``make test`` it runs once as a correctness test.
"""

from __future__ import annotations

from typing import Any

import ftfy

from digestkit.repair import repair_text
from digestkit.repair.corrupt import corrupt
from digestkit.repair.model import load_model
from tests.bench.timing import best_of
from tests.conftest import seed_path


def _clean_megabyte() -> str:
    """Seeds 1 and 2 (ja/zh/en digests) repeated until their double mojibake reaches 1 MB."""
    seeds = "\n\n".join(seed_path(n).read_text(encoding="utf-8") for n in (1, 2))
    text, size = "", 0
    while size < 1_000_000:
        text += seeds + "\n\n"
        size = len(corrupt(text, "double").encode("utf-8"))
    cut = int(len(text) * 1_020_000 / size)
    return text[: text.rfind("\n", 0, cut) + 1]


CLEAN = _clean_megabyte()
DAMAGED = corrupt(CLEAN, "double")


def test_one_megabyte_of_double_mojibake_vs_ftfy(benchmark: Any) -> None:
    megabytes = len(DAMAGED.encode("utf-8")) / 1e6
    load_model()
    result = benchmark(lambda: repair_text(DAMAGED))
    assert result.text == CLEAN and len(result.spans) > 1000
    ours = (
        benchmark.stats.stats.min if benchmark.enabled else best_of(lambda: repair_text(DAMAGED), 1)
    )
    baseline = best_of(lambda: ftfy.fix_encoding(DAMAGED), 3 if benchmark.enabled else 1)
    benchmark.extra_info.update(
        {
            "megabytes": round(megabytes, 3),
            "ours_s": round(ours, 3),
            "ftfy_s": round(baseline, 3),
            "ratio_vs_ftfy": round(ours / baseline, 2),
            "baseline": "ftfy.fix_encoding",
            "baseline_s": baseline,
        }
    )
