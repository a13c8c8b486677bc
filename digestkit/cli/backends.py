"""``digestkit summarize``, ``digestkit cost`` and ``digestkit config check``.

``summarize`` saves the output as results arrive (atomically, at most twice a second) and
every accepted answer is in the SQLite cache the moment it arrives, so a killed run
resumes by running the same command again: done papers come back from the cache for free.
It exits 1 when papers failed (unless ``--allow-partial``), 3 on a config/key/input error.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from digestkit.backends.config import Settings
    from digestkit.digest.model import Digest
    from digestkit.summarizer import PaperResult, SummaryRun

CONFIG_HELP = "digestkit.toml with [backends.*], [routes], [budget], [summarize] sections."


def _load_digest(path: Path) -> Digest:
    """A digest JSON file, or any digest format ``digestkit.digest.parse`` reads
    (Markdown bot READMEs, 8-question digests, surveys, checklists), mojibake repaired."""
    from digestkit.digest.model import Digest
    from digestkit.errors import InputError

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=str(path)) from exc
    if path.suffix.lower() == ".json" or data.lstrip()[:1] == b"{":
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError("not UTF-8 (run `digestkit repair` first)", path=str(path)) from exc
        return Digest.from_json(text, path=str(path))
    from digestkit.digest.parse import parse_digest

    return parse_digest(data, path=str(path)).digest


class _Saver:
    """Writes the digest so far, atomically, at most every ``interval`` seconds."""

    def __init__(self, output: Path | None, interval: float = 0.5) -> None:
        from digestkit.fileio import OwnFile

        self.output, self.interval, self.last = output, interval, 0.0
        self.file = OwnFile(output) if output else None  # no .orig of our own saves
        self.digest: Digest | None = None

    def update(self, digest: Digest, *, force: bool = False) -> None:
        self.digest = digest
        now = time.monotonic()
        if self.file and (force or now - self.last >= self.interval):
            self.file.write(digest.to_json() + "\n")
            self.last = now


def _failure_lines(run: SummaryRun, shown: int = 3) -> list[str]:
    """One line per distinct failure reason, naming a few papers: thirty papers failing for
    the same reason (a missing key, the offline backend asked for Japanese) read as one cause."""
    by_reason: dict[str, list[str]] = {}
    for r in run.results:
        if r.status == "failed":
            by_reason.setdefault(str(r.error), []).append(r.key or f"entry {r.index + 1}")
    lines = []
    for reason, keys in by_reason.items():
        more = f" and {len(keys) - shown} more" if len(keys) > shown else ""
        what = ", ".join(keys[:shown]) + more
        lines.append(f"digestkit: failed ({len(keys)}): {what}: {reason}")
    return lines


def _progress(total: int, quiet: bool) -> Any:
    import sys

    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    console = Console(stderr=True)
    enabled = not quiet and sys.stderr.isatty()
    return Progress(
        TextColumn("summarizing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"),
        TimeRemainingColumn(),
        console=console,
        disable=not enabled,
        transient=False,
    )


def summarize(
    digest_path: Path = typer.Argument(
        ..., metavar="DIGEST", help="Digest JSON, or a digest in any format digestkit parses."
    ),
    template: str | None = typer.Option(
        None, "--template", "-t", help="ja-8q, ja-survey, zh-4part, checklist, en-tldr."
    ),
    route: str | None = typer.Option(None, "--route", "-r", help="Route (or backend) name."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Output JSON (default: stdout)."
    ),
    config: Path | None = typer.Option(None, "--config", "-c", help=CONFIG_HELP),
    allow_partial: bool = typer.Option(
        False, "--allow-partial", help="Exit 0 even if papers failed."
    ),
    no_cache: bool = typer.Option(False, "--no-cache", help="Neither read nor write the cache."),
    overwrite: bool = typer.Option(
        False, "--overwrite", help="Replace the summaries of this template (others stay)."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar, no failure list."),
    batch: bool = typer.Option(
        False, "--batch", help="Use the first backend's batch API (Anthropic: half price, slow)."
    ),
    poll_interval: float = typer.Option(
        30.0, "--poll-interval", help="Seconds between batch polls."
    ),
    estimate: bool = typer.Option(
        False,
        "--estimate",
        help="Print the worst-case cost (and full-text tokens) and make no LLM calls.",
    ),
    source: str | None = typer.Option(
        None,
        "--source",
        "-s",
        help="What summaries are written from: fulltext (the paper; fails without it), "
        "auto (full text when it can be had, else the abstract) or abstract. Default: "
        "[summarize] source, else auto when the config has [fulltext], else abstract.",
    ),
) -> None:
    """Summarize every paper of a digest through the configured backends.

    Example: digestkit summarize today.json -t en-tldr -o today.en.json (offline, no
    key). ja-8q, ja-survey and zh-4part need an LLM route in --config (add --estimate
    first to see what it may cost).
    """
    from digestkit.backends.config import load_settings
    from digestkit.backends.router import Router
    from digestkit.summarizer import summarize_run

    digest = _load_digest(digest_path)
    if source is not None and source not in ("fulltext", "auto", "abstract"):
        raise typer.BadParameter("must be fulltext, auto or abstract", param_hint="--source")
    settings = load_settings(config)
    router = Router(settings, route=route, use_cache=False if no_cache else None)
    if estimate:
        from digestkit.summarizer import estimate_cost

        est = estimate_cost(digest, template=template, router=router, source=source)
        typer.echo(est.summary_line())
        return
    saver = _Saver(output)
    counts: dict[str, int] = defaultdict(int)
    with _progress(len(digest.entries), quiet) as progress:
        task = progress.add_task("summarize", total=len(digest.entries), status="")

        def on_result(result: PaperResult, so_far: Digest) -> None:
            counts[result.status] += 1
            status = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
            progress.update(task, advance=1, status=status)
            saver.update(so_far)

        try:
            run = summarize_run(
                digest,
                template=template,
                router=router,
                overwrite=overwrite,
                on_result=on_result,
                batch=batch,
                poll=lambda: time.sleep(poll_interval),
                source=source,
            )
        except BaseException:
            if saver.digest is not None:
                saver.update(saver.digest, force=True)
            raise
    _finish(run, output, quiet, allow_partial, saver)


def _finish(
    run: SummaryRun, output: Path | None, quiet: bool, allow_partial: bool, saver: _Saver
) -> None:
    from digestkit.cli import EXIT_FINDINGS

    if output:
        saver.update(run.digest, force=True)
    else:
        typer.echo(run.digest.to_json())
    if not quiet:
        for line in _failure_lines(run):
            typer.echo(line, err=True)
    kept = [r.key for r in run.results if r.status == "kept"]
    if kept and not quiet:
        typer.echo(
            f"digestkit: {len(kept)} entries already had a {run.template} summary, kept "
            f"({', '.join(kept[:3])}{' ...' if len(kept) > 3 else ''}); --overwrite "
            "replaces it (summaries of other templates stay)",
            err=True,
        )
    typer.echo(run.summary_line(), err=True)
    if run.failed and not allow_partial:
        raise typer.Exit(EXIT_FINDINGS)


def _since(value: str | None) -> float:
    if not value:
        return 0.0
    if value[-1] in "dh" and value[:-1].isdigit():
        hours = int(value[:-1]) * (24 if value[-1] == "d" else 1)
        return time.time() - hours * 3600
    try:
        day = dt.date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter("expected 7d, 12h or YYYY-MM-DD", param_hint="--since") from exc
    return dt.datetime.combine(day, dt.time(), dt.UTC).timestamp()


_BY = ("backend", "model", "template", "day", "run", "status")


def cost(
    since: str | None = typer.Option(None, "--since", help="7d, 12h or YYYY-MM-DD."),
    run_id: str | None = typer.Option(None, "--run", help="Only this run id."),
    by: str = typer.Option("backend", "--by", help="Group by: " + ", ".join(_BY) + "."),
    db: Path | None = typer.Option(None, "--db", help="Ledger database (default: the cache dir)."),
) -> None:
    """Summarize the ledger: calls, tokens and cost (USD), grouped.

    Example: digestkit cost --since 7d --by model
    """
    from digestkit.backends.cache import Store

    if by not in _BY:
        raise typer.BadParameter(f"one of {', '.join(_BY)}", param_hint="--by")
    store = Store(db)
    groups: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0, 0, 0, 0, 0.0])
    ok_keys: dict[str, int] = defaultdict(int)
    for row in store.ledger(since=_since(since), run_id=run_id):
        day = dt.datetime.fromtimestamp(row.ts, dt.UTC).date().isoformat()
        name = {"backend": row.backend, "model": row.model, "template": row.template,
                "day": day, "run": row.run_id, "status": row.status}[by]  # fmt: skip
        g, u = groups[name], row.usage
        g[0] += 1
        g[1] += row.status == "ok"
        g[2] += u.input_tokens
        g[3] += u.output_tokens
        g[4] += u.cache_read_tokens
        g[5] += u.cache_write_tokens
        g[6] += row.cost
        if row.status == "ok":
            ok_keys[row.cache_key] += 1
    _print_cost(by, groups)
    twice = sum(n > 1 for n in ok_keys.values())
    if twice:
        typer.echo(f"note: {twice} prompts were paid more than once (--no-cache runs?)", err=True)


def _print_cost(by: str, groups: dict[str, list[float]]) -> None:
    head = f"{by:<24} {'calls':>7} {'ok':>7} {'in':>10} {'out':>10} {'c.read':>9} {'c.write':>9} {'USD':>10}"
    typer.echo(head)
    total = [0.0] * 7
    for name in sorted(groups):
        g = groups[name]
        total = [a + b for a, b in zip(total, g, strict=True)]
        typer.echo(_cost_line(name, g))
    typer.echo(_cost_line("total", total))


def _cost_line(name: str, g: list[float]) -> str:
    ints = " ".join(f"{int(v):>{w}}" for v, w in zip(g[:6], (7, 7, 10, 10, 9, 9), strict=True))
    return f"{name[:24]:<24} {ints} {g[6]:>10.4f}"


config_app = typer.Typer(help="Check digestkit.toml.", no_args_is_help=True)


@config_app.command("check")
def config_check(
    path: Path | None = typer.Argument(None, help="Config file (default: ./digestkit.toml)."),
) -> None:
    """Validate every section: [backends.*], [routes], [budget], [summarize], [sources.*],
    [selection], [state], [output] and [repair]; every problem is printed, not only the
    first.

    Exit 0 when valid, 1 when a key variable is unset, 3 when the file is invalid.
    """
    import os

    from digestkit.backends.config import load_settings
    from digestkit.cli import EXIT_FINDINGS

    _all_problems(path)
    settings = load_settings(path)
    typer.echo(f"config: {settings.path or '(none: built-in defaults)'}")
    missing = _describe(settings)
    if settings.path:
        _check_sections(settings.path)
    missing = [env for env in missing if not os.environ.get(env)]
    for env in missing:
        typer.echo(f"missing key: set the environment variable {env}", err=True)
    if missing:
        raise typer.Exit(EXIT_FINDINGS)
    typer.echo("ok")


def _all_problems(path: Path | None) -> None:
    """Print every problem of the config file (one line each) and exit 3 if there is one."""
    from digestkit.backends.config import settings_problems
    from digestkit.cli import EXIT_ERROR, error_line
    from digestkit.config import find_config, load_toml
    from digestkit.sources.config import sources_problems

    found = find_config(path)
    if found is None:
        return
    data = load_toml(found)
    problems = settings_problems(data, path=str(found)) + sources_problems(data, path=str(found))
    problems += _repair_problems(data, str(found))
    for err in problems:
        typer.echo(error_line(err), err=True)
    if problems:
        typer.echo(f"{found}: {len(problems)} problem(s)", err=True)
        raise typer.Exit(EXIT_ERROR)
    if "sources" in data:
        _describe_sources(found)


def _repair_problems(data: dict[str, Any], path: str) -> list[Any]:
    from digestkit.errors import ConfigError
    from digestkit.repair.limits import limits_from_config

    try:
        limits_from_config(data, path)
    except ConfigError as err:
        return [err]
    return []


def _describe_sources(found: Path) -> None:
    import os

    from digestkit.sources.config import load_sources_config

    cfg = load_sources_config(found)
    for name in ("arxiv", "hf_daily", "semantic_scholar"):
        section = getattr(cfg, name)
        if section is not None:
            typer.echo(f"source {name}: {section.url}")
    s2 = cfg.semantic_scholar
    if s2 is not None and s2.api_key_env and not os.environ.get(s2.api_key_env):
        typer.echo(
            f"note: {s2.api_key_env} is not set: Semantic Scholar is asked without a key "
            "(the shared, slower pool)",
            err=True,
        )
    typer.echo(f"state: {cfg.state_path()}; output: {cfg.output_dir()}")


def _describe(settings: Settings) -> list[str]:
    import os

    from digestkit.backends.registry import available_kinds
    from digestkit.errors import ConfigError

    kinds = available_kinds()
    missing = []
    for name, b in sorted(settings.backends.items()):
        if b.kind not in kinds:
            raise ConfigError(f"unknown kind {b.kind!r} (available: {', '.join(kinds)})",
                              path=settings.path, key=f"backends.{name}.kind")  # fmt: skip
        key = (
            f", key ${b.api_key_env} {'set' if os.environ.get(b.api_key_env) else 'NOT SET'}"
            if b.api_key_env
            else ""
        )
        price = f"${b.price.input:g}/${b.price.output:g} per Mtok" if b.price.known else "no price"
        typer.echo(f"backend {name}: {b.kind} {b.model}, concurrency {b.concurrency}, {price}{key}")
        if b.kind != "offline" and not b.price.known and settings.budget.max_cost:
            typer.echo(
                f"warning: backend {name} has no price: the budget cannot count it", err=True
            )
        if b.api_key_env:
            missing.append(b.api_key_env)
    for name, chain in sorted(settings.routes.items()):
        typer.echo(f"route {name}: {' -> '.join(chain)}")
    budget = f"${settings.budget.max_cost:g} per run" if settings.budget.max_cost else "none"
    typer.echo(
        f"budget: {budget}; template {settings.summarize.template}, route {settings.summarize.route}"
    )
    return missing


_KNOWN_SECTIONS = {
    "backends",
    "routes",
    "budget",
    "summarize",
    "sources",
    "selection",
    "state",
    "output",
    "repair",
}


def _check_sections(path: str) -> None:
    from digestkit.config import load_toml

    for name in sorted(set(load_toml(path)) - _KNOWN_SECTIONS):
        typer.echo(f"warning: {path}: unknown section [{name}]", err=True)


def register(app: typer.Typer) -> None:
    """Add this group's commands to ``app``."""
    app.command("summarize")(summarize)
    app.command("cost")(cost)
    app.add_typer(config_app, name="config")
