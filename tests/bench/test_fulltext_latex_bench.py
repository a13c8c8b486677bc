"""LaTeX extraction throughput (papers/s) on the long fixture (~300 kB of TeX in a
tar.gz), beside two baselines run in the same process on the same bytes:

- ``regex_strip``: un-tar the main file and strip every ``\\command`` and brace with one
  regex: the cheapest thing that yields some text (no structure, no tables, no macros);
- ``pylatexenc``: un-tar the main file and run pylatexenc's ``LatexNodes2Text`` over it,
  the general-purpose TeX-to-text converter (text only: no sections, tables or inputs).

Each row also records the character-trigram F1 of its text against the gold body text,
so speed is read next to what it buys. ``make bench`` prints the rows; compare the
medians. Under ``make test`` each runs once as a plain test.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import tarfile
from collections.abc import Callable
from typing import Any

import pytest

from digestkit.evaluation.fulltext_metrics import trigram_f1
from digestkit.fulltext.latex import extract_latex
from tests.conftest import FIXTURES

HERE = FIXTURES / "fulltext" / "latex"
DATA = (HERE / "long.tar.gz").read_bytes()
GOLD = json.loads((HERE / "long.gold.json").read_text("utf-8"))
_COMMANDS = re.compile(r"\\[A-Za-z@]+\*?|[{}]")


def _main_tex() -> str:
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(DATA))) as tf:
        handle = tf.extractfile("long.tex")
        assert handle is not None
        return handle.read().decode("utf-8")


def _ours() -> str:
    return "\n\n".join(s.text for s in extract_latex(DATA).sections)


def _regex_strip() -> str:
    return _COMMANDS.sub(" ", _main_tex())


def _pylatexenc() -> str:
    from pylatexenc.latex2text import LatexNodes2Text

    return str(LatexNodes2Text(math_mode="verbatim").latex_to_text(_main_tex()))


@pytest.mark.parametrize(
    "extractor", [_ours, _regex_strip, _pylatexenc], ids=["digestkit", "regex_strip", "pylatexenc"]
)
def test_latex_extraction_throughput(benchmark: Any, extractor: Callable[[], str]) -> None:
    text = benchmark.pedantic(extractor, rounds=3, iterations=1)
    stats = getattr(benchmark, "stats", None)
    if stats is not None:
        benchmark.extra_info["papers/s"] = round(1 / stats.stats.median, 2)
        benchmark.extra_info["kB/s"] = round(len(_main_tex()) / 1000 / stats.stats.median)
    benchmark.extra_info["body_f1"] = round(trigram_f1(GOLD["body_text"], text), 3)
    assert len(text) > 100_000
