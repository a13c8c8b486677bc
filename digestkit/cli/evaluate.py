"""``digestkit eval``: run the evaluation harness and write the report.

Exit codes: 0 every section ran and every threshold held; 1 a section failed or a metric
fell under its threshold (the summary says which); 3 a bad fixtures directory or thresholds
file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

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
    quick: Annotated[
        bool, typer.Option("--quick", help="Smaller workloads (a smoke run; numbers are rougher).")
    ] = False,
    plots: Annotated[bool, typer.Option("--plots/--no-plots", help="Draw the PNG charts.")] = True,
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
    path = thresholds or default_thresholds_path(fixtures)
    limits = load_thresholds(path) if path else []
    run = run_eval(
        Context(fixtures=fixtures, out=out, route=route, quick=quick),
        only=chosen or None,
        thresholds=limits,
    )
    written = write_report(run, out, plots=plots)
    console = Console(stderr=False, width=120)
    console.print(summary_table(run))
    if path is None:
        console.print("no thresholds file found: nothing was gated")
    console.print(f"report: {written[0]}")
    if not run.passed:
        raise typer.Exit(EXIT_FINDINGS)


def register(app: typer.Typer) -> None:
    """Add ``digestkit eval`` to ``app``."""
    app.command(
        "eval",
        epilog="Exit codes: 0 every section ran and every threshold held; 1 a section failed or a "
        "metric is under its threshold; 3 bad fixtures directory or thresholds file.",
    )(evaluate)
