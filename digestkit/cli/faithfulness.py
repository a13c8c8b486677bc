"""``digestkit faithfulness``: score summaries against their sources, one JSON line each.

Input is JSON Lines of ``{"id", "source", "summary"}`` (optionally ``"lang"``, the
language the summary claims). Output is JSON Lines of ``{"id", "score", "flagged",
"lang", "issues": [...]}`` to ``-o FILE`` (written atomically; an existing file is kept as
``FILE.orig``) or stdout. A bad input line stops the run before anything is written, with
an error naming the file and the line. Exit 1 when some summary is flagged (score under
the threshold), so the command can gate a digest bot's CI.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from digestkit.errors import InputError
from digestkit.jsonio import load_json

EXIT_CODES_HELP = (
    "Exit codes: 0 every summary passed; 1 some summary scored under the threshold; "
    "2 bad usage; 3 bad input line (named with its line number), config or network error; "
    "130 interrupted."
)


def register(app: typer.Typer) -> None:
    """Add ``digestkit faithfulness`` to ``app``."""
    app.command(name="faithfulness", epilog=EXIT_CODES_HELP)(faithfulness)


def faithfulness(
    pairs: Annotated[
        Path,
        typer.Argument(
            help="JSON Lines of {id, source, summary[, lang]}; - for stdin.", show_default=False
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write scores here (JSON Lines); default stdout."),
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option("--threshold", help="Flag summaries scoring under this (default: shipped)."),
    ] = None,
    judge: Annotated[
        str | None,
        typer.Option(
            "--judge",
            help="Also ask an LLM judge through this route of digestkit.toml (cached).",
        ),
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", help="digestkit.toml to read routes from.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary line.")] = False,
    dask: Annotated[
        str | None,
        typer.Option(
            "--dask",
            help="Score in partitions on a Dask cluster: alone, one started on this machine; "
            "or a running scheduler's address (tcp://HOST:8786). Output order is kept.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Score each summary's faithfulness to its source (numbers, names, claims, language).

    \b
    digestkit faithfulness pairs.jsonl -o scores.jsonl
    digestkit faithfulness pairs.jsonl --threshold 0.3
    digestkit faithfulness pairs.jsonl --judge claude -o scores.jsonl
    digestkit faithfulness pairs.jsonl -o scores.jsonl --dask
    """
    from dataclasses import replace

    from digestkit.faithfulness import DEFAULT_THRESHOLD, score_faithfulness

    if threshold is not None and not 0.0 <= threshold <= 1.0:
        raise typer.BadParameter("must be between 0 and 1", param_hint="--threshold")
    name = "<stdin>" if str(pairs) == "-" else str(pairs)
    items = read_pairs(_read(pairs), name)
    the_judge = None
    if judge:
        from digestkit.faithfulness.judge import LLMJudge

        the_judge = LLMJudge.from_route(judge, str(config) if config else None)
    limit = DEFAULT_THRESHOLD if threshold is None else threshold
    lines, flagged = [], 0
    if dask is not None:
        if judge:
            raise typer.BadParameter("--judge runs on this machine; drop --dask or --judge")
        from digestkit.cli.scale import executor
        from digestkit.faithfulness.bulk import score_lines

        with executor(1, dask) as pool:
            for line, bad in score_lines(items, limit, pool):
                lines.append(line)
                flagged += bad
        items = []  # scored
    for item in items:
        result = score_faithfulness(
            item["source"], item["summary"], lang=item.get("lang"), judge=the_judge
        )
        result = replace(result, threshold=limit)
        flagged += result.flagged
        lines.append(json.dumps({"id": item["id"], **result.to_dict()}, ensure_ascii=False))
    _write("".join(line + "\n" for line in lines), output)
    if not quiet:
        typer.echo(f"{len(lines)} pairs scored, {flagged} flagged (score < {limit:g})", err=True)
    raise typer.Exit(1 if flagged else 0)


def _read(path: Path) -> str:
    if str(path) == "-":
        return sys.stdin.read()
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("no such file", path=str(path)) from None
    except UnicodeDecodeError as err:
        raise InputError(f"not UTF-8 ({err.reason})", path=str(path)) from None


def read_pairs(text: str, name: str) -> list[dict[str, Any]]:
    """Validate JSON Lines of pairs; blank lines are skipped, a bad line raises with its number.

    >>> read_pairs('{"id": 1, "source": "s", "summary": "t"}\\n', "p.jsonl")[0]["id"]
    '1'
    >>> read_pairs('{"id": 1, "source": "s"}\\n', "p.jsonl")
    Traceback (most recent call last):
    ...
    digestkit.errors.InputError: p.jsonl:1: missing "summary"
    """
    items = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        item = load_json(line, path=name, line=n)
        if not isinstance(item, dict):
            raise InputError("expected a JSON object", path=name, line=n)
        for key in ("source", "summary"):
            if not isinstance(item.get(key), str):
                problem = "missing" if key not in item else "not a string:"
                raise InputError(f'{problem} "{key}"', path=name, line=n)
        lang = item.get("lang")
        if lang is not None and not isinstance(lang, str):
            raise InputError('"lang" must be a string such as "ja"', path=name, line=n)
        item["id"] = str(item.get("id", n))
        items.append(item)
    return items


def _write(text: str, output: Path | None) -> None:
    if output is None or str(output) == "-":
        sys.stdout.write(text)
        return
    from digestkit.fileio import write_atomic

    write_atomic(output, text, backup="first")
