"""``digestkit fetch`` and ``digestkit digest``: the daily paper run from the command line.

``fetch`` fetches, forgets papers already shown (read-only), selects and writes a Digest
JSON (``--explain`` says why each paper scored what it did). ``digest`` does the whole run:
fetch, select, summarize, write the README, feed and HTML page, then remember what was
shown; ``--dry-run`` stops after selection and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from digestkit.cli import EXIT_FINDINGS

if TYPE_CHECKING:
    from digestkit.sources.config import SourcesConfig
    from digestkit.sources.pipeline import FetchReport

CONFIG_HELP = "digestkit.toml with [sources.*], [selection], [state], [output] sections."


def _config(path: Path | None) -> SourcesConfig:
    from digestkit.config import find_config
    from digestkit.errors import ConfigError
    from digestkit.sources.config import load_sources_config

    found = find_config(path)
    if found is None:
        raise ConfigError("no config: pass --config digestkit.toml (or set DIGESTKIT_CONFIG)")
    return load_sources_config(found)


def _day(value: str | None) -> dt.date:
    if not value:
        return dt.datetime.now(dt.UTC).date()
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(
            f"expected YYYY-MM-DD, got {value!r}", param_hint="--date"
        ) from exc


def _report(report: FetchReport) -> None:
    typer.echo(report.summary_line(), err=True)
    for line in report.errors:
        typer.echo(f"digestkit: warning: source failed: {line}", err=True)
    for line in report.skipped:
        typer.echo(f"digestkit: warning: {line}", err=True)


def fetch(
    config: Path | None = typer.Option(None, "--config", "-c", help=CONFIG_HELP),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Digest JSON file (default: stdout)."
    ),
    explain: bool = typer.Option(False, "--explain", help="Say why each paper scored what it did."),
    date: str | None = typer.Option(
        None, "--date", help="Run date YYYY-MM-DD (default: today, UTC)."
    ),
    all_papers: bool = typer.Option(
        False, "--include-shown", help="Do not drop papers already shown by `digestkit digest`."
    ),
) -> None:
    """Fetch papers, drop those already shown, select, and write a Digest JSON.

    Exit 1 when a source failed but others answered (the JSON is still written).
    """
    from digestkit.fileio import write_atomic
    from digestkit.sources.pipeline import make_digest, plan
    from digestkit.sources.select import explain as explain_text

    cfg = _config(config)
    day = _day(date)
    report = plan(cfg, day, use_state=not all_papers)
    digest = make_digest(cfg, day, report.selection.entries)
    text = digest.to_json() + "\n"
    if output is None or str(output) == "-":
        typer.echo(text, nl=False)
    else:
        write_atomic(output, text, backup="first")
    if explain:
        typer.echo(explain_text(report.selection), err=output is None)
    _report(report)
    if report.errors:
        raise typer.Exit(EXIT_FINDINGS)


def digest(
    config: Path | None = typer.Option(None, "--config", "-c", help=CONFIG_HELP),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Show what would be selected; no backends, no state, no files."
    ),
    explain: bool = typer.Option(False, "--explain", help="Say why each paper scored what it did."),
    date: str | None = typer.Option(
        None, "--date", help="Run date YYYY-MM-DD (default: today, UTC)."
    ),
) -> None:
    """Fetch, select, summarize and publish the day's digest (README, feed, HTML page).

    Papers are remembered only after the files are written, and never shown twice.
    Exit 1 when a source failed but others answered, or a paper could not be summarized
    (it is published without a summary).
    """
    from digestkit.sources.pipeline import plan, publish
    from digestkit.sources.select import explain as explain_text

    cfg = _config(config)
    day = _day(date)
    if dry_run:
        report = plan(cfg, day)
        if explain:
            typer.echo(explain_text(report.selection))
        else:
            for e in report.selection.entries:
                typer.echo(f"{e.score:>6g}  {e.key}  {e.title}")
        _report(report)
        typer.echo("dry run: nothing summarized, written or recorded", err=True)
        raise typer.Exit(EXIT_FINDINGS if report.errors else 0)
    try:
        result = publish(cfg, day, on_wait=lambda msg: typer.echo(f"digestkit: {msg}", err=True))
    except KeyboardInterrupt as exc:
        line = getattr(exc, "summary", "interrupted")
        typer.echo(f"digestkit: {day}: {line}; nothing published, run again", err=True)
        raise typer.Exit(130) from None
    if explain:
        typer.echo(explain_text(result.report.selection))
    _report(result.report)
    if result.report.recovered:
        typer.echo(
            f"digestkit: an interrupted run had published {result.report.recovered} papers; "
            "recorded them and rendered the pages again",
            err=True,
        )
    if result.digest is None and result.report.errors:
        typer.echo(
            f"{day}: nothing published: {len(result.report.errors)} source(s) failed or came "
            "back short (see above); this is not a quiet day, run again later",
            err=True,
        )
    elif result.digest is None and result.held:
        typer.echo(f"{day}: nothing published: {result.held} papers held back without a summary")
    elif result.digest is None:
        typer.echo(f"{day}: no new papers; outputs left as they were", err=True)
    else:
        failed = sum(1 for e in result.digest.entries if e.summary is None)
        held = f"; {result.held} held back for the next run" if result.held else ""
        typer.echo(
            f"{day}: published {len(result.digest.entries)} papers ({failed} without summary)"
            + held
        )
        for path in result.files:
            typer.echo(f"wrote {path}")
    if result.unsummarized:
        typer.echo(
            f"digestkit: warning: {result.unsummarized} paper(s) could not be summarized "
            "(each reason is in the archived JSON, as summary_error)",
            err=True,
        )
        reasons = {
            e.meta("summary_error") for e in (result.digest.entries if result.digest else ())
        }
        for reason in sorted(r for r in reasons if r)[:3]:
            typer.echo(f"digestkit: warning: summary failed: {reason}", err=True)
    if result.report.errors or result.unsummarized:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``fetch`` and ``digest`` to ``app``."""
    app.command("fetch")(fetch)
    app.command("digest")(digest)
