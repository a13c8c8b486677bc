"""Turn an evaluation run into ``report.md`` (for people), ``report.json`` (for tools) and the
one-screen terminal summary.

Why these three: the Markdown report is what a maintainer reads after ``make eval`` (short
summary first, then one part per section with its chart and tables); the JSON carries the
same numbers for CI and for comparing runs; the terminal table answers "did it pass, and
what moved" without opening a file.

``report.json``::

    {"generated": "YYYY-MM-DD HH:MM UTC", "seconds": float, "passed": bool,
     "environment": {"digestkit", "commit", "python", "platform", "cpus"},
     "sections": [{"name", "status": "ok" | "failed", "summary", "seconds", "error",
                   "metrics": {"<name>": number | null},   # null = not measurable (empty group)
                   "tables": [{"title", "columns", "rows", "note"}], "notes": [str]}],
     "thresholds": [{"metric": "<section>.<name>", "kind": "min" | "max",
                     "role": "gate" | "target", "bound",
                     "value": number | null, "passed": bool}]}
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from digestkit.evaluation.result import SectionResult, Table
from digestkit.evaluation.runner import EvalRun

__all__ = [
    "changes",
    "fmt",
    "fmt_metric",
    "render_markdown",
    "summary_table",
    "to_json",
    "write_report",
]

TITLES = {
    "repair": "Repair",
    "parse": "Parsing",
    "fulltext": "Full text",
    "faithfulness": "Faithfulness meta-evaluation",
    "e2e": "End to end",
    "throughput": "Throughput",
}


def fmt(value: Any) -> str:
    """A number as people read it in a table: 4 significant digits, ``–`` for none.

    >>> fmt(0.123456), fmt(3), fmt(float("nan")), fmt(1234.5678), fmt("ja")
    ('0.1235', '3', '–', '1235', 'ja')
    """
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return "–"
        return f"{value:.4g}" if abs(value) < 1000 else f"{value:.0f}"
    if value is None:
        return "–"
    return str(value).replace("|", "\\|").replace("\n", " ")


_PERCENT_WORDS = ("rate", "cer", "exact", "recall", "precision", "accuracy")


def fmt_metric(name: str, value: float) -> str:
    """A headline metric for the terminal: shares as percentages, rates with thousands.

    >>> fmt_metric("cer.lossy", 0.004831), fmt_metric("summedits.auroc", 0.69291)
    ('0.48%', '0.693')
    >>> fmt_metric("repair_clean_mb_s", 1124.4), fmt_metric("parse_docs_s", 2.881)
    ('1,124', '2.88')
    """
    if isinstance(value, float) and math.isnan(value):
        return "–"
    if "auroc" in name:
        return f"{value:.3f}"
    if "_s" in name.rsplit(".", 1)[-1]:
        return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"
    if any(word in name for word in _PERCENT_WORDS):
        return f"{value:.2%}" if value < 0.1 else f"{value:.1%}"
    return fmt(value)


def _md_table(table: Table) -> list[str]:
    lines = [f"**{table.title}**", ""]
    lines.append("| " + " | ".join(table.columns) + " |")
    lines.append("|" + "|".join("---" for _ in table.columns) + "|")
    lines.extend("| " + " | ".join(fmt(v) for v in row) + " |" for row in table.rows)
    if table.note:
        lines += ["", f"_{table.note}_"]
    return lines + [""]


def _section_md(result: SectionResult, charts: Sequence[Path]) -> list[str]:
    lines = [f"## {TITLES.get(result.name, result.name)}", ""]
    status = "ok" if result.ok else "**FAILED**"
    lines += [f"Status: {status} · {result.seconds:.1f} s", ""]
    lines += [result.summary if result.ok else f"Reason: {result.error}", ""]
    for chart in charts:
        lines += [f"![{chart.stem}]({chart.name})", ""]
    for table in result.tables:
        lines += _md_table(table)
    lines += [f"- {note}" for note in result.notes]
    return lines + [""]


def environment(root: Path | None = None) -> dict[str, Any]:
    """What the numbers were measured on: versions, machine, and the git commit if any."""
    import os
    import platform
    import subprocess

    from digestkit import __version__

    commit = ""
    try:
        done = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=root or Path.cwd(),
                              capture_output=True, text=True, timeout=5, check=False)  # fmt: skip
        commit = done.stdout.strip() if done.returncode == 0 else ""
    except (OSError, subprocess.SubprocessError):
        pass
    return {
        "digestkit": __version__,
        "commit": commit,
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "cpus": os.cpu_count() or 0,
        "cpu_model": _cpu_model(),
        # Timings depend on what else runs: the README quotes figures with this beside them.
        "load_average": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else [],
        "repair_threads": _repair_threads(),
    }


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor()


def _repair_threads() -> int:
    """Threads one long repair uses by default, 0 if the engine is unavailable."""
    try:
        from digestkit.repair import RepairConfig, lossy
    except ImportError:
        return 0
    return int(lossy.threads(RepairConfig()))


def changes(
    run: EvalRun, baseline: dict[str, Any], *, limit: int = 25
) -> list[tuple[str, float, float]]:
    """Metrics that moved since ``baseline`` (a loaded report.json), largest moves first.

    Throughput is left out: its run-to-run noise would drown the real changes.

    >>> from digestkit.evaluation.result import SectionResult
    >>> run = EvalRun([SectionResult(name="parse", metrics={"f1": 0.9, "same": 1.0})])
    >>> old = {"sections": [{"name": "parse", "metrics": {"f1": 0.8, "same": 1.0}}]}
    >>> changes(run, old)
    [('parse.f1', 0.8, 0.9)]
    """
    before = {
        f"{sec['name']}.{k}": v
        for sec in baseline.get("sections", [])
        for k, v in sec.get("metrics", {}).items()
    }
    moved = []
    for key, new in run.metrics.items():
        old = before.get(key)
        if key.startswith("throughput.") or not isinstance(old, int | float) or math.isnan(new):
            continue
        if abs(new - old) > 1e-9:
            moved.append((key, float(old), new))
    moved.sort(key=lambda m: -abs(m[2] - m[1]))
    return moved[:limit]


def render_markdown(
    run: EvalRun,
    charts: dict[str, list[Path]],
    *,
    when: str,
    env: dict[str, Any] | None = None,
    baseline: dict[str, Any] | None = None,
    quick: bool = False,
) -> str:
    """The whole report as Markdown (pure: charts are given as paths)."""
    verdict = "PASS" if run.passed else "FAIL"
    lines = [
        "# digestkit evaluation report",
        "",
        f"{when} · {run.seconds:.1f} s · **{verdict}**",
        "",
        *([_env_line(env), ""] if env else []),
        *(
            [
                "**Quick run** (`--quick`): smaller workloads, rougher numbers; every threshold "
                "is reported below as a target, none gates the run.",
                "",
            ]
            if quick
            else []
        ),  # fmt: skip
        "## Summary",
        "",
    ]
    for r in run.results:
        lines.append(f"- **{TITLES.get(r.name, r.name)}**: {r.summary}")
    missed = run.failed_checks
    gates = [c for c in run.checks if c.threshold.gate]
    targets = [c for c in run.checks if not c.threshold.gate]
    if gates:
        lines.append(f"- **Thresholds**: {len(gates) - len(missed)} of {len(gates)} held"
                     + (": missed " + ", ".join(c.describe() for c in missed) if missed else ""))  # fmt: skip
    if targets:
        open_ = run.missed_targets
        lines.append(f"- **Targets not yet met** (promises still open; reported, not gating): "
                     f"{len(open_)} of {len(targets)}"
                     + (": " + ", ".join(c.describe() for c in open_) if open_ else ""))  # fmt: skip
    lines.append("")
    if run.checks:
        rows = tuple(
            (c.threshold.metric, c.threshold.role, ">=" if c.threshold.kind == "min" else "<=",
             c.threshold.bound, c.value,
             "pass" if c.passed else ("**FAIL**" if c.threshold.gate else "not met"))
            for c in run.checks
        )  # fmt: skip
        table = Table("Thresholds and targets (eval/thresholds.toml)",
                      ("metric", "role", "", "bound", "measured", "result"), rows)  # fmt: skip
        lines += _md_table(table)
    if baseline is not None:
        moved = changes(run, baseline)
        moved_rows = tuple((k, old, new, new - old) for k, old, new in moved)
        since = baseline.get("generated", "the baseline run")
        lines += _md_table(Table(f"Changes since {since}", ("metric", "before", "now", "change"), moved_rows,
                                 note="" if moved_rows else "No metric moved."))  # fmt: skip
    for r in run.results:
        lines += _section_md(r, charts.get(r.name, []))
    return "\n".join(lines).rstrip() + "\n"


def _env_line(env: dict[str, Any]) -> str:
    commit = f" at {env['commit']}" if env.get("commit") else ""
    load = env.get("load_average") or []
    extra = (f" · load average {', '.join(f'{x:g}' for x in load)}" if load else "") + (
        f" · repair threads {env['repair_threads']}" if env.get("repair_threads") else ""
    )
    return (f"digestkit {env['digestkit']}{commit} · Python {env['python']} · "
            f"{env['platform']} · {env['cpus']} CPUs{extra}")  # fmt: skip


def to_json(run: EvalRun, *, when: str, env: dict[str, Any] | None = None) -> dict[str, Any]:
    """The run as a JSON-ready dict (NaN written as null)."""
    return {
        "generated": when,
        "environment": env or {},
        "seconds": round(run.seconds, 3),
        "passed": run.passed,
        "sections": [r.to_dict() for r in run.results],
        "thresholds": [
            {
                "metric": c.threshold.metric,
                "kind": c.threshold.kind,
                "role": c.threshold.role,
                "bound": c.threshold.bound,
                "value": None if c.value is None or math.isnan(c.value) else c.value,
                "passed": c.passed,
            }
            for c in run.checks
        ],
    }


def write_report(
    run: EvalRun,
    out: Path,
    *,
    plots: bool = True,
    baseline: dict[str, Any] | None = None,
    quick: bool = False,
) -> list[Path]:
    """Write ``report.md``, ``report.json`` and the charts into ``out``; return the paths."""
    out.mkdir(parents=True, exist_ok=True)
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    charts: dict[str, list[Path]] = {}
    if plots:
        from digestkit.evaluation.plots import draw_all

        charts = draw_all(run.results, out)
    md = out / "report.md"
    env = environment()
    md.write_text(
        render_markdown(run, charts, when=when, env=env, baseline=baseline, quick=quick),
        encoding="utf-8",
    )
    js = out / "report.json"
    js.write_text(json.dumps(to_json(run, when=when, env=env), ensure_ascii=False, indent=2) + "\n",
                  encoding="utf-8")  # fmt: skip
    return [md, js, *(p for paths in charts.values() for p in paths)]


def summary_table(run: EvalRun, baseline: dict[str, Any] | None = None) -> Any:
    """A rich renderable: one row per section, its headline metrics, then threshold misses."""
    from rich.console import Group
    from rich.table import Table as RichTable
    from rich.text import Text

    table = RichTable(title="digestkit evaluation", title_justify="left", expand=False)
    table.add_column("section")
    table.add_column("status")
    table.add_column("headline")
    table.add_column("time", justify="right")
    for r in run.results:
        status = Text("ok", style="green") if r.ok else Text("FAILED", style="bold red")
        headline = ", ".join(f"{k} {fmt_metric(k, r.metrics[k])}" for k in r.headline) or r.summary
        table.add_row(TITLES.get(r.name, r.name), status, headline, f"{r.seconds:.1f}s")
    parts: list[Any] = [table]
    for c in run.failed_checks:
        parts.append(Text(f"under threshold: {c.describe()}", style="red"))
    for c in run.missed_targets:
        parts.append(Text(f"target not met yet: {c.describe()}", style="yellow"))
    if baseline is not None:
        moved = changes(run, baseline, limit=8)
        parts.append(Text(f"moved since the baseline: {len(changes(run, baseline, limit=10**6))} metrics"
                          + ("".join(f"\n  {k}: {fmt(o)} -> {fmt(n)}" for k, o, n in moved))))  # fmt: skip
    verdict = "PASS" if run.passed else "FAIL"
    parts.append(Text(f"{verdict} · {run.seconds:.1f} s", style="bold"))
    return Group(*parts)
