"""choose_codec (which code page made this mojibake?) beside its regex implementation.

The baseline is the regular-expression path (``_choose_codec_regex``: what every text used
before the numpy path, still used below ``NUMPY_MIN_CHARS``), timed best-of-N in the same
process; ``extra_info`` records both times and ``speedup_vs_regex``. Inputs: seed 004 (150k
characters; its 60,000-character sample is what is scored), a 2,000-character slice of it
and a 200-character one (the common library call, which takes the regex path). No timing
is asserted; under ``make test`` each runs once and checks both paths agree.
"""

from __future__ import annotations

from typing import Any

import pytest

from digestkit.repair.lossless import _choose_codec_regex, choose_codec
from digestkit.repair.types import DEFAULT_CODECS
from tests.bench.timing import best_of
from tests.conftest import seed_path

_SEED = seed_path(4).read_text(encoding="utf-8")
INPUTS = {
    "seed004": _SEED,
    "seed004_2000_chars": _SEED[5_000:7_000],
    "seed004_200_chars": _SEED[5_000:5_200],
}


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_choose_codec_vs_regex(benchmark: Any, name: str) -> None:
    text = INPUTS[name]
    head = text[:60_000]
    choice = benchmark(choose_codec, text, DEFAULT_CODECS)
    assert choice == _choose_codec_regex(head, DEFAULT_CODECS)
    assert choice is not None and "cp1254" in (choice.codec, *choice.ties)  # 200 chars: a tie
    rounds = 20 if benchmark.enabled else 1
    ours = (
        benchmark.stats.stats.min
        if benchmark.enabled
        else best_of(lambda: choose_codec(text, DEFAULT_CODECS), 1)
    )
    baseline = best_of(lambda: _choose_codec_regex(head, DEFAULT_CODECS), rounds)
    benchmark.extra_info.update(
        {
            "characters": len(text),
            "ours_ms": round(ours * 1e3, 3),
            "regex_ms": round(baseline * 1e3, 3),
            "speedup_vs_regex": round(baseline / ours, 2),
        }
    )
