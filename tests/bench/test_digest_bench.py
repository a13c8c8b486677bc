"""Parse and render throughput (docs/s) beside plain markdown-it-py on the same text.

The baseline is ``MarkdownIt("commonmark").enable("table").parse(text)`` (block *and*
inline parsing, what a naive parser would start from) on the same repaired seed text, in
the same run: ``make bench`` prints both rows per seed; compare the medians (the ratio is
what matters). Repair is done once beforehand: its cost is measured in the repair
benchmarks. Each benchmark records docs/s and MB/s in ``extra_info``; under ``make test``
(``--benchmark-disable``) each runs once, as a plain correctness test.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import pytest
from markdown_it import MarkdownIt

from digestkit.digest.model import Digest
from digestkit.digest.parse import PARSERS, _repaired, detect_format
from digestkit.digest.render import render
from tests.conftest import seed_path

SEEDS = {"checklist-000": 0, "ja8q-001": 1, "survey-003": 3, "bot-004": 4}
EXPECTED = {0: 3, 1: 23, 3: 5, 4: 30}


@cache
def _text(n: int) -> str:
    return _repaired(seed_path(n).read_bytes())


@cache
def _digest(n: int) -> Digest:
    text = _text(n)
    return PARSERS[detect_format(text)](text).digest


def _record(benchmark: Any, size: int) -> None:
    stats = getattr(benchmark, "stats", None)
    if stats is not None:
        median = stats.stats.median
        benchmark.extra_info["docs/s"] = round(1 / median, 1)
        benchmark.extra_info["MB/s"] = round(size / median / 1e6, 2)


def _ours(text: str) -> int:
    return len(PARSERS[detect_format(text)](text).digest.entries)


_BASELINE = MarkdownIt("commonmark").enable("table")


def _markdown_it(text: str) -> int:
    return len(_BASELINE.parse(text))


@pytest.mark.parametrize("seed", sorted(SEEDS))
@pytest.mark.parametrize("parser", [_ours, _markdown_it], ids=["digestkit", "markdown_it"])
def test_parse_throughput(benchmark: Any, seed: str, parser: Callable[[str], int]) -> None:
    n = SEEDS[seed]
    text = _text(n)
    count = benchmark(parser, text)
    _record(benchmark, len(text.encode("utf-8")))
    if parser is _ours:
        assert count == EXPECTED[n]
    else:
        assert count > 0


@pytest.mark.parametrize("seed", sorted(SEEDS))
@pytest.mark.parametrize("fmt", ["own", "html", "json"])
def test_render_throughput(benchmark: Any, seed: str, fmt: str) -> None:
    n = SEEDS[seed]
    digest = _digest(n)
    own = {
        "checklist": "md-checklist",
        "ja-8q": "md-ja-8q",
        "survey": "md-survey",
        "bot-readme": "md-bot",
    }
    name = own[digest.format] if fmt == "own" else fmt
    out = benchmark(render, digest, name)
    _record(benchmark, len(out.encode("utf-8")))
    assert out.count(digest.entries[-1].title.split()[0]) >= 1
