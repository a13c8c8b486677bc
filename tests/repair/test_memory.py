"""Bounded memory (issue 15): a long lossy text is repaired chunk by chunk, with the
whole-text result, and its Python and numpy allocations stay under 8 bytes per input byte.

tracemalloc sees Python objects and numpy arrays, not the kernel's C buffers, and counts an
array whole even where it was never written: the resident peak, kernel included, is
measured by ``tests/bench/test_memory_bench.py``. This is the deterministic part.
"""

from __future__ import annotations

import sys
import tracemalloc
from pathlib import Path

from digestkit.repair import STREAM_MIN_CHARS, engine, repair_text, stream
from digestkit.repair.corrupt import corrupt
from digestkit.repair.types import RepairConfig

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def _long_text() -> str:
    """~650 kB of seed-004 damage (dev_zh.txt over and over), above the threshold."""
    clean = (FIXTURES / "repair" / "dev_zh.txt").read_text(encoding="utf-8")
    text = corrupt(clean * 80, "seed004")
    assert len(text) > STREAM_MIN_CHARS
    return text


def test_a_long_lossy_text_allocates_under_8_bytes_per_input_byte() -> None:
    text = _long_text()
    repair_text(text)  # a process that has repaired before: pooled tables, pattern rows
    tracemalloc.start()
    try:
        result = repair_text(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.changed
    beyond = peak - sys.getsizeof(result.text)  # the output is allocated in the repair
    assert beyond / len(text.encode("utf-8")) < 8
    # The per-character totals go back to the pool zeroed.
    assert stream._LEFT_POOL and not any(left.any() for left in stream._LEFT_POOL)


def test_a_long_lossy_text_gets_the_whole_text_result() -> None:
    text = _long_text()
    chunked = repair_text(text)
    whole = engine.repair_suspicious(text, RepairConfig())
    assert (chunked.text, chunked.steps, chunked.encoding, chunked.encoding_confidence) == (
        whole.text,
        whole.steps,
        whole.encoding,
        whole.encoding_confidence,
    )
    assert tuple(chunked.spans) == tuple(whole.spans)
