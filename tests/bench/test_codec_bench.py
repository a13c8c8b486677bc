"""choose_codec (which code page made this mojibake?) beside its other implementations.

``choose_codec`` counts in C (``_codec.c``) when it is built. Baselines, timed best-of-N in
the same process: the regular-expression path (``_choose_codec_regex``: what every text used
before the numpy path, still used below ``NUMPY_MIN_CHARS`` without the C module) and the
numpy path (``_choose_codec_arrays``: long texts without the C module). ``extra_info``
records the times and the speed-ups. Inputs: seed 004 (150k characters; its 60,000-character
sample is what is scored), its repair (what ``repair_text`` checks a second time: no choice),
a 2,000-character slice and a 200-character one (the common library call). No timing is
asserted; under ``make test`` each runs once and checks that the paths agree.
"""

from __future__ import annotations

from typing import Any

import pytest

from digestkit.repair import lossless
from digestkit.repair.lossless import _choose_codec_arrays, _choose_codec_regex, choose_codec
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


@pytest.fixture(scope="module")
def repaired_seed004() -> str:
    from digestkit.repair import repair_text

    return repair_text(_SEED).text


@pytest.mark.parametrize("name", [*sorted(INPUTS), "seed004_repaired"])
def test_compiled_choose_codec_vs_numpy(benchmark: Any, name: str, repaired_seed004: str) -> None:
    text = repaired_seed004 if name == "seed004_repaired" else INPUTS[name]
    head = text[:60_000]
    tables = lossless._compiled_tables(DEFAULT_CODECS)
    if lossless.COMPILED is None or tables is None:
        pytest.skip("_codec.c is not built")
    module = lossless.COMPILED

    def run() -> lossless.CodecChoice | None:
        return lossless._choose_codec_compiled(module, tables, text, DEFAULT_CODECS, 60_000)

    choice = benchmark(run)
    assert choice == _choose_codec_arrays(head, DEFAULT_CODECS)
    assert (choice is None) == (name == "seed004_repaired")
    rounds = 20 if benchmark.enabled else 1
    ours = benchmark.stats.stats.min if benchmark.enabled else best_of(run, 1)
    numpy_path = best_of(lambda: _choose_codec_arrays(head, DEFAULT_CODECS), rounds)
    regex_path = best_of(lambda: _choose_codec_regex(head, DEFAULT_CODECS), rounds)
    benchmark.extra_info.update(
        {
            "characters": len(text),
            "compiled_ms": round(ours * 1e3, 4),
            "numpy_ms": round(numpy_path * 1e3, 4),
            "regex_ms": round(regex_path * 1e3, 4),
            "speedup_vs_numpy": round(numpy_path / ours, 2),
            "speedup_vs_regex": round(regex_path / ours, 2),
        }
    )
