"""choose_codec (which code page made this mojibake?) in C beside its reference form.

``choose_codec`` counts in C (``_codec.c``) when it is built. The baseline, timed best-of-N
in the same process, is the regular-expression form (``kernel=False``: the reference, and
what runs without a C compiler). ``extra_info`` records both times and the speed-up.
Inputs: seed 004 (150k characters; its 60,000-character sample is what is scored), its
repair (what ``repair_text`` checks a second time: no choice), a 2,000-character slice and
a 200-character one (the common library call). No timing is asserted; under ``make test``
each runs once and checks that the two forms agree.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import pytest

from digestkit.repair import lossless
from digestkit.repair.lossless import choose_codec
from digestkit.repair.types import DEFAULT_CODECS
from tests.bench.timing import best_of
from tests.conftest import seed_path

_SEED = seed_path(4).read_text(encoding="utf-8")
INPUTS = {
    "seed004": _SEED,
    "seed004_2000_chars": _SEED[5_000:7_000],
    "seed004_200_chars": _SEED[5_000:5_200],
}


@lru_cache(maxsize=1)
def _repaired_seed004() -> str:
    from digestkit.repair import repair_text

    return repair_text(_SEED).text


@pytest.mark.parametrize("name", [*sorted(INPUTS), "seed004_repaired"])
def test_choose_codec_vs_regex(benchmark: Any, name: str) -> None:
    if lossless.COMPILED is None:
        pytest.skip("_codec.c is not built")
    text = _repaired_seed004() if name == "seed004_repaired" else INPUTS[name]

    def reference() -> lossless.CodecChoice | None:
        return choose_codec(text, DEFAULT_CODECS, kernel=False)

    choice = benchmark(choose_codec, text, DEFAULT_CODECS)
    assert choice == reference()
    if name == "seed004_repaired":
        assert choice is None
    else:  # 200 characters: a tie
        assert choice is not None and "cp1254" in (choice.codec, *choice.ties)
    rounds = 20 if benchmark.enabled else 1
    ours = (
        benchmark.stats.stats.min
        if benchmark.enabled
        else best_of(lambda: choose_codec(text, DEFAULT_CODECS), 1)
    )
    baseline = best_of(reference, rounds)
    benchmark.extra_info.update(
        {
            "characters": len(text),
            "ours_ms": round(ours * 1e3, 4),
            "regex_ms": round(baseline * 1e3, 4),
            "speedup_vs_regex": round(baseline / ours, 2),
        }
    )
