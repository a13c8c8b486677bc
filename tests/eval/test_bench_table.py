"""`make bench`'s table pairs every benchmark with its baseline by the conventions of
tests/bench/README.md, and the README figures are regenerated from the same JSON."""

from __future__ import annotations

import math
from typing import Any

from eval.bench_table import format_table, table
from eval.readme_figures import collect, render_block, replace_block


def _b(name: str, median: float, param: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"name": name, "fullname": f"tests/bench/m.py::{name}", "param": param,
            "stats": {"min": median * 0.9, "median": median, "rounds": 5}, "extra_info": extra}  # fmt: skip


BENCH = {
    "datetime": "2026-12-07T05:00:00",
    "machine_info": {
        "cpu": {"brand_raw": "Test CPU"},
        "cpu_count": 2,
        "python_version": "3.11.7",
        "load_average_start": [7.5, 8.0, 7.0],
        "load_average_end": [8.1, 8.0, 7.2],
        "repair_threads": 2,
    },  # fmt: skip
    "benchmarks": [
        _b("test_repair_vs_ftfy[seed004]", 0.006, "seed004", speedup_vs_ftfy=11.5),
        _b("test_decode[digestkit-utf8]", 0.001, "digestkit-utf8"),
        _b("test_decode[charset_normalizer-utf8]", 0.003, "charset_normalizer-utf8"),
        _b("test_decode[digestkit-gb18030]", 0.002, "digestkit-gb18030"),
        _b("test_decode[charset_normalizer-gb18030]", 0.010, "charset_normalizer-gb18030"),
        _b("test_select_digestkit", 0.002),
        _b("test_select_substring_baseline", 0.001),
        _b("test_new_thing", 0.5, baseline="old way", baseline_s=0.9),
        _b("test_lonely", 0.1),
        _b("test_faithfulness_throughput[digestkit]", 1.0, "digestkit"),
        _b("test_faithfulness_throughput[token_overlap]", 0.05, "token_overlap"),
    ],
}


def _ratios() -> dict[tuple[str, str], float]:
    return {(r.name, r.baseline): r.ratio for r in table(BENCH)}


def test_every_convention_pairs() -> None:
    ratios = _ratios()
    assert ratios[("test_repair_vs_ftfy[seed004]", "ftfy")] == 11.5
    assert ratios[("test_decode[digestkit-utf8]", "test_decode[charset_normalizer-utf8]")] == 3.0
    assert (
        ratios[("test_decode[digestkit-gb18030]", "test_decode[charset_normalizer-gb18030]")] == 5.0
    )
    assert ratios[("test_select_digestkit", "test_select_substring_baseline")] == 0.5
    assert math.isclose(ratios[("test_new_thing", "old way")], 0.9 / 0.45)
    assert math.isnan(ratios[("test_lonely", "")])
    baselines = {r.name for r in table(BENCH)}
    assert "test_decode[charset_normalizer-utf8]" not in baselines  # a baseline is not a row


def test_table_prints_each_figure_beside_its_baseline() -> None:
    out = format_table(table(BENCH))
    line = next(x for x in out.splitlines() if x.startswith("test_decode[digestkit-utf8]"))
    assert "1.00 ms" in line and "3.00 ms" in line and "3.00x" in line
    assert "ratio = baseline time / digestkit time" in out


def test_readme_block_carries_the_conditions() -> None:
    report = {"generated": "2026-12-07 05:10 UTC", "environment": {"load_average": [8, 8, 7]},
              "sections": [{"name": "throughput", "metrics": {"repair_first_call_s": 2.64,
                                                              "faithfulness_pairs_s": 364.0}}]}  # fmt: skip
    figures = collect(BENCH, report)
    block = render_block(figures)
    assert "Test CPU (2 CPUs)" in block and "load average 7.5, 8, 7 before" in block
    assert "2 thread(s)" in block
    assert "| repair, seed 004 (235 kB lossy mojibake), two threads | 5.4 ms | 6.0 ms |" in block
    assert "11.50x" in block and "first repair in a fresh process" in block and "2.64 s" in block
    readme = "intro\n<!-- figures:start -->\nold\n<!-- figures:end -->\nrest\n"
    assert replace_block(readme, block) == "intro\n" + block + "\nrest\n"
