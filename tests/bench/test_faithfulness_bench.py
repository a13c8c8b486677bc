"""Faithfulness throughput (pairs/s) beside the token-overlap baseline, on the same pairs.

One round scores every labelled fixture pair (SummEdits dev and the scripted ja/zh/en
pairs). The per-text caches (folded text, parsed source sentences, source numbers and
names) are cleared before each round, so a round pays for every source once, as a fresh
``make eval`` would; word-level caches (stems, word frequencies) stay warm, like a loaded
dictionary. ``make bench`` prints both rows; compare the medians. Under ``make test`` each
runs once as a plain test.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

import digestkit.faithfulness as F
from digestkit.faithfulness import _source, _text, names, numbers
from tests.conftest import FIXTURES

HERE = FIXTURES / "faithfulness"


def _load() -> list[tuple[str, str, str | None]]:
    pairs = [
        (i["source"], i["summary"], "en")
        for i in json.loads((HERE / "summedits_scitldr_dev.json").read_text("utf-8"))
    ]
    for lang in ("ja", "zh", "en"):
        for line in (HERE / f"scripted_{lang}.jsonl").read_text("utf-8").splitlines():
            p = json.loads(line)
            pairs.append((p["source"], p["summary"], p["lang"]))
    return pairs


PAIRS = _load()


def _clear() -> None:
    for fn in (F._language, _text.fold, _source.parse_source, names._source_names,
               numbers.extract_quantities, numbers._source_numbers):  # fmt: skip
        fn.cache_clear()


def _ours() -> float:
    return sum(F.score_faithfulness(s, t, lang=lang).score for s, t, lang in PAIRS)


def _baseline() -> float:
    return sum(F.token_overlap_baseline(s, t) for s, t, _ in PAIRS)


@pytest.mark.parametrize("scorer", [_ours, _baseline], ids=["digestkit", "token_overlap"])
def test_faithfulness_throughput(benchmark: Any, scorer: Callable[[], float]) -> None:
    total = benchmark.pedantic(scorer, setup=_clear, rounds=3, iterations=1)
    stats = getattr(benchmark, "stats", None)
    if stats is not None:
        benchmark.extra_info["pairs/s"] = round(len(PAIRS) / stats.stats.median, 1)
    assert 0 < total <= len(PAIRS)
