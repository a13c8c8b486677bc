"""Each benchmark beside its baseline and the ratio: ``python -m eval.bench_table BENCH.json``.

``make bench`` writes pytest-benchmark's JSON to ``eval/out/bench.json`` and prints this
table. It is generic over whatever benchmarks exist in ``tests/bench``; a benchmark finds its
baseline by one of the conventions documented in ``tests/bench/README.md``:

1. ``extra_info["baseline"]`` (a name) and ``extra_info["baseline_s"]`` (its time in
   seconds, measured in the same process): ratio = baseline_s / our minimum;
2. ``extra_info["speedup_vs_<name>"]`` (or ``extra_info["ratio_to_baseline"]``): a ratio
   the benchmark computed itself;
3. a parametrized test whose parameter id ``digestkit`` marks ours: the benchmarks of the
   same test with another id in that place (same other parameters) are its baselines;
4. two tests in one module, ``test_<topic>_digestkit`` and ``test_<topic>_<name>_baseline``.

For 3 and 4 the ratio is baseline median / our median (both timed by pytest-benchmark in
the same run). A ratio above 1 means digestkit is faster. Benchmarks without a baseline are
listed with their times only.

>>> rows = table(json.loads(EXAMPLE))
>>> [(r.name, r.baseline, round(r.ratio, 1)) for r in rows]
[('test_x[digestkit-a]', 'test_x[ftfy-a]', 4.0), ('test_y_digestkit', 'test_y_re_baseline', 2.0)]
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Row", "format_table", "main", "table"]

OURS = "digestkit"

EXAMPLE = json.dumps({"benchmarks": [
    {"name": "test_x[digestkit-a]", "fullname": "m.py::test_x[digestkit-a]", "param": "digestkit-a",
     "stats": {"min": 0.001, "median": 0.001}, "extra_info": {}},
    {"name": "test_x[ftfy-a]", "fullname": "m.py::test_x[ftfy-a]", "param": "ftfy-a",
     "stats": {"min": 0.004, "median": 0.004}, "extra_info": {}},
    {"name": "test_y_digestkit", "fullname": "m.py::test_y_digestkit", "param": None,
     "stats": {"min": 0.001, "median": 0.001}, "extra_info": {}},
    {"name": "test_y_re_baseline", "fullname": "m.py::test_y_re_baseline", "param": None,
     "stats": {"min": 0.002, "median": 0.002}, "extra_info": {}},
]})  # fmt: skip


@dataclass(frozen=True)
class Row:
    """One figure: our times, the baseline it is compared with, and the ratio."""

    name: str
    min_s: float
    median_s: float
    baseline: str = ""
    baseline_s: float = math.nan
    ratio: float = math.nan
    how: str = ""  # which convention paired them


def _function(bench: dict[str, Any]) -> str:
    return str(bench["fullname"]).split("[", 1)[0]


def _module(bench: dict[str, Any]) -> str:
    return str(bench["fullname"]).split("::", 1)[0]


def _stats(bench: dict[str, Any]) -> tuple[float, float]:
    stats = bench.get("stats") or {}
    return float(stats.get("min", math.nan)), float(stats.get("median", math.nan))


def _from_extra(bench: dict[str, Any]) -> list[Row]:
    low, median = _stats(bench)
    extra = bench.get("extra_info") or {}
    rows = []
    if "baseline_s" in extra:
        base = float(extra["baseline_s"])
        rows.append(Row(bench["name"], low, median, str(extra.get("baseline", "baseline")), base, base / low,
                        "extra_info baseline_s"))  # fmt: skip
    if isinstance(extra.get("ratio_to_baseline"), int | float):  # a rate ratio: higher = better
        rows.append(Row(bench["name"], low, median, str(extra.get("baseline", "baseline")),
                        math.nan, float(extra["ratio_to_baseline"]), "extra_info ratio"))  # fmt: skip
    for key, value in extra.items():
        if key.startswith("speedup_vs_") and isinstance(value, int | float):
            rows.append(Row(bench["name"], low, median, key.removeprefix("speedup_vs_"),
                            math.nan, float(value), "extra_info speedup_vs"))  # fmt: skip
    return rows


def _param_pairs(bench: dict[str, Any], others: list[dict[str, Any]]) -> list[Row]:
    param = bench.get("param") or ""
    if OURS not in param.split("-"):
        return []
    head, tail = param.split(OURS, 1)
    low, median = _stats(bench)
    rows = []
    for other in others:
        theirs = other.get("param") or ""
        if (
            other is not bench
            and _function(other) == _function(bench)
            and theirs.startswith(head)
            and theirs.endswith(tail)
            and len(theirs) > len(head) + len(tail)
            and OURS not in theirs.split("-")
        ):
            base = _stats(other)[1]
            rows.append(Row(bench["name"], low, median, other["name"], base, base / median,
                            "parametrize id"))  # fmt: skip
    return rows


def _name_pairs(bench: dict[str, Any], others: list[dict[str, Any]]) -> list[Row]:
    name = str(bench["name"])
    if not name.endswith("_" + OURS) or bench.get("param"):
        return []
    topic = name.removesuffix(OURS)  # "test_select_"
    low, median = _stats(bench)
    return [
        Row(
            name,
            low,
            median,
            other["name"],
            _stats(other)[1],
            _stats(other)[1] / median,
            "test names",
        )  # fmt: skip
        for other in others
        if _module(other) == _module(bench)
        and str(other["name"]).startswith(topic)
        and str(other["name"]).endswith("baseline")
    ]


def _is_baseline(bench: dict[str, Any], paired: set[str]) -> bool:
    return str(bench["name"]) in paired


def table(data: dict[str, Any]) -> list[Row]:
    """Rows for every benchmark in a pytest-benchmark JSON document, baselines paired."""
    benches = list(data.get("benchmarks") or [])
    rows: list[Row] = []
    for bench in benches:
        rows += _from_extra(bench) + _param_pairs(bench, benches) + _name_pairs(bench, benches)
    paired = {r.name for r in rows} | {r.baseline for r in rows}
    for bench in benches:
        if not _is_baseline(bench, paired):
            rows.append(Row(bench["name"], *_stats(bench)))
    order = {b["name"]: i for i, b in enumerate(benches)}
    return sorted(rows, key=lambda r: (order.get(r.name, 0), r.baseline))


def _time(seconds: float) -> str:
    if math.isnan(seconds):
        return "–"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} µs"


def format_table(rows: list[Row]) -> str:
    """A plain-text table (fits a terminal; Markdown-free so it can be pasted anywhere)."""
    head = ("benchmark", "min", "median", "baseline", "baseline median", "ratio")
    body = [
        (
            r.name,
            _time(r.min_s),
            _time(r.median_s),
            r.baseline or "–",
            _time(r.baseline_s),
            "–" if math.isnan(r.ratio) else f"{r.ratio:.2f}x",
        )  # fmt: skip
        for r in rows
    ]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body, strict=True)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)).rstrip()
             for line in (head, *body)]  # fmt: skip
    lines.insert(1, "  ".join("-" * w for w in widths))
    return (
        "\n".join(lines)
        + "\nratio = baseline time / digestkit time (above 1: digestkit is faster)\n"
    )


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0] if args else "eval/out/bench.json")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        print(f"bench_table: error: {path}: {exc}", file=sys.stderr)
        return 3
    machine = data.get("machine_info") or {}
    cpu = (machine.get("cpu") or {}).get("brand_raw", "")
    print(f"{path} · {machine.get('node', '')} · {cpu} · {data.get('datetime', '')}")
    print(format_table(table(data)), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
