"""decode_bytes throughput beside charset-normalizer on the same bytes, in the same run.

``make bench`` prints both rows per input; compare the medians (the ratio is what
matters, machines differ). Each benchmark also records MB/s in ``extra_info``. Under
``make test`` (``--benchmark-disable``) each runs once, as a plain correctness test.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from charset_normalizer import from_bytes

from digestkit.repair.decode import decode_bytes
from tests.conftest import seed_path

_JAPANESE = seed_path(1).read_text(encoding="utf-8")  # ~260 KB of Japanese Markdown

_LINE = "実験では、提案手法が既存のベースラインを上回る性能を示した。"

INPUTS = {
    "utf8": _JAPANESE.encode("utf-8"),
    "shift_jis": _JAPANESE.encode("shift_jis", errors="ignore"),
    "gb18030": _JAPANESE.encode("gb18030"),
    # One line: the per-call cost that dominates a run over many small files.
    "euc_jp_line": _LINE.encode("euc_jp"),
}
_CODEC = {"utf8": "utf-8", "euc_jp_line": "euc_jp"}


def _ours(data: bytes) -> str:
    return decode_bytes(data).encoding


def _baseline(data: bytes) -> str:
    match = from_bytes(data).best()
    return match.encoding if match else ""


@pytest.mark.parametrize("name", sorted(INPUTS))
@pytest.mark.parametrize("decoder", [_ours, _baseline], ids=["digestkit", "charset_normalizer"])
def test_decode_throughput(benchmark: Any, name: str, decoder: Callable[[bytes], str]) -> None:
    data = INPUTS[name]
    encoding = benchmark(decoder, data)
    stats = getattr(benchmark, "stats", None)
    if stats is not None:
        benchmark.extra_info["MB/s"] = round(len(data) / stats.stats.median / 1e6, 1)
    if decoder is _ours:
        codec = _CODEC.get(name, name)
        assert decode_bytes(data).text == data.decode(codec)
        assert encoding == codec
    else:
        assert encoding  # the baseline found something (it does on these inputs)
