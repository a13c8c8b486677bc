"""``digestkit eval``: run the evaluation harness and write the report.

Exit codes: 0 every section ran and every threshold held; 1 a section failed or a metric
fell under its threshold (the summary says which); 3 a bad fixtures directory or thresholds
file.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated, Any

import typer

from digestkit.errors import InputError


def evaluate(
    fixtures: Annotated[
        Path, typer.Option("--fixtures", help="Fixtures directory (gold data).")
    ] = Path("fixtures"),
    out: Annotated[
        Path, typer.Option("--out", help="Where report.md, report.json and the PNG charts go.")
    ] = Path("eval/out"),
    route: Annotated[
        str | None,
        typer.Option(
            "--route", help="Backend route for the end-to-end section (default: offline backend)."
        ),
    ] = None,
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only",
            help="Run only this section (repeatable): repair, parse, faithfulness, e2e, throughput.",
        ),
    ] = None,
    thresholds: Annotated[
        Path | None,
        typer.Option(
            "--thresholds",
            help="Thresholds file (default: eval/thresholds.toml beside the fixtures).",
        ),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline", help="An earlier report.json: list the metrics that moved since."
        ),
    ] = None,
    quick: Annotated[
        bool,
        typer.Option(
            "--quick",
            help="Smaller workloads: a smoke run whose numbers are rougher, so every "
            "threshold is reported but none gates (exit 1 only if a section fails).",
        ),
    ] = False,
    plots: Annotated[bool, typer.Option("--plots/--no-plots", help="Draw the PNG charts.")] = True,
    judge: Annotated[
        str | None,
        typer.Option(
            "--judge",
            help="Also measure the faithfulness LLM judge through this route (cached; costs money).",
        ),
    ] = None,
) -> None:
    """Score repair, parsing, faithfulness, end-to-end summaries and throughput against the fixtures."""
    from rich.console import Console

    from digestkit.cli import EXIT_FINDINGS, EXIT_USAGE
    from digestkit.evaluation import SECTIONS, Context, load_thresholds, run_eval
    from digestkit.evaluation.report import summary_table, write_report
    from digestkit.evaluation.runner import default_thresholds_path

    if not fixtures.is_dir():
        raise InputError("fixtures directory not found", path=str(fixtures))
    chosen = list(only or [])
    bad = [name for name in chosen if name not in SECTIONS]
    if bad:
        typer.echo(
            f"digestkit eval: unknown section {bad[0]!r}; choose from {', '.join(SECTIONS)}",
            err=True,
        )
        raise typer.Exit(EXIT_USAGE)
    previous = _load_baseline(baseline) if baseline else None  # read before out/ is rewritten
    path = thresholds or default_thresholds_path(fixtures)
    limits = load_thresholds(path) if path else []
    if quick:  # the gates are set for the full workloads; a smaller sample is only reported
        limits = [dataclasses.replace(t, gate=False) for t in limits]
    run = run_eval(
        Context(fixtures=fixtures, out=out, route=route, quick=quick, judge=judge),
        only=chosen or None,
        thresholds=limits,
    )
    written = write_report(run, out, plots=plots, baseline=previous, quick=quick)
    console = Console(stderr=False, width=120)
    console.print(summary_table(run, previous))
    if path is None:
        console.print("no thresholds file found: nothing was gated")
    elif quick:
        console.print("quick run: thresholds reported, not gated (run without --quick to gate)")
    console.print(f"report: {written[0]}")
    if not run.passed:
        raise typer.Exit(EXIT_FINDINGS)


def _load_baseline(path: Path) -> dict[str, Any]:
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError("baseline report not found", path=str(path)) from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"not a report.json: {exc.msg}", path=str(path), line=exc.lineno) from exc
    if not isinstance(data, dict) or not isinstance(data.get("sections"), list):
        raise InputError("not a report.json (no 'sections' list)", path=str(path))
    return data


def register(app: typer.Typer) -> None:
    """Add ``digestkit eval`` to ``app``."""
    app.command(
        "eval",
        epilog="Exit codes: 0 every section ran and every threshold held; 1 a section failed or a "
        "metric is under its threshold; 3 bad fixtures directory or thresholds file.",
    )(evaluate)
