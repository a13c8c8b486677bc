"""arXiv HTML extraction (``extract_html``) beside plain HTML-to-text passes, same page, same run.

Input: the long fixture ``fixtures/fulltext/html/long_scaling.html`` (~300 kB, MathML,
8 tables, 60 references: a realistic arXiv HTML page). Baselines, timed best-of-N in the
same process: lxml's ``text_content()`` (parse + all text, MathML noise included: what a
naive extractor would do) and the standard library's ``html.parser`` collecting text
(what needs no dependency). ``extra_info`` records papers/s, MB/s and the slow-down
against each baseline (the price of structure: sections, math as TeX, tables, notes).
No timing is asserted; under ``make test`` (``--benchmark-disable``) each runs once and
checks its output.
"""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import lxml.html
import pytest

from digestkit.fulltext.html import extract_html
from tests.bench.timing import best_of
from tests.conftest import FIXTURES

PAGE = (FIXTURES / "fulltext" / "html" / "long_scaling.html").read_bytes()


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _stdlib_text(data: bytes) -> str:
    collector = _TextCollector()
    collector.feed(data.decode("utf-8"))
    collector.close()
    return "".join(collector.parts)


def _lxml_text(data: bytes) -> str:
    return str(lxml.html.document_fromstring(data.decode("utf-8")).text_content())


def _ours(data: bytes) -> str:
    return extract_html(data).plain_text()


BASELINES: dict[str, Callable[[bytes], str]] = {
    "lxml_text_content": _lxml_text,
    "stdlib_html_parser": _stdlib_text,
}


def _rates(seconds: float) -> dict[str, float]:
    return {"papers/s": round(1 / seconds, 1), "MB/s": round(len(PAGE) / seconds / 1e6, 2)}


def test_html_extract(benchmark: Any) -> None:
    ft = benchmark(extract_html, PAGE)
    assert len(ft.sections) == 28 and len(ft.tables) == 8 and len(ft.references) == 60
    rounds = 10 if benchmark.enabled else 1
    ours = benchmark.stats.stats.min if benchmark.enabled else best_of(lambda: _ours(PAGE), 1)
    info: dict[str, Any] = {"bytes": len(PAGE), "ours_ms": round(ours * 1e3, 2), **_rates(ours)}
    for name, fn in BASELINES.items():
        base = best_of(lambda fn=fn: fn(PAGE), rounds)
        info[f"{name}_ms"] = round(base * 1e3, 2)
        info[f"slowdown_vs_{name}"] = round(ours / base, 2)
    # The baseline the bench table pairs it with: a plain HTML-to-text pass (no structure).
    info["baseline"], info["baseline_s"] = "lxml text_content()", info["lxml_text_content_ms"] / 1e3
    benchmark.extra_info.update(info)


@pytest.mark.parametrize("name", sorted(BASELINES))
def test_html_baseline(benchmark: Any, name: str) -> None:
    text = benchmark(BASELINES[name], PAGE)
    assert "Scaling Sparse Mixture-of-Experts" in text
    stats = getattr(benchmark, "stats", None)
    if stats is not None:
        benchmark.extra_info.update(_rates(stats.stats.median))
