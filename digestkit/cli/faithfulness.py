"""``digestkit faithfulness``: score summaries against their sources, one JSON line each.

Input is JSON Lines of ``{"id", "source", "summary"}`` (optionally ``"lang"``, the
language the summary claims, and ``"fulltext"``, a path to a paper's full-text JSON from
``digestkit fulltext --to json``: then the whole paper is the source, ``"source"`` may be
left out, and each line gains ``"checked"``, where each number and name was found). Output is JSON Lines of ``{"id", "score", "flagged",
"lang", "issues": [...], "review": [...]}`` to ``-o FILE`` (written atomically; an existing
file is kept as ``FILE.orig``) or stdout. ``issues`` is identity evidence (a number, name or
affix opposite the source does not have; any of it flags), ``review`` weaker evidence with a
probability each. A bad input line stops the run before anything is written, with an error
naming the file and the line. Exit 1 when some summary is flagged, so the command can gate
a digest bot's CI.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from digestkit.errors import InputError
from digestkit.jsonio import load_json

if TYPE_CHECKING:
    from digestkit.fulltext.model import FullText

EXIT_CODES_HELP = (
    "Exit codes: 0 no summary flagged (review items do not count); 1 some summary flagged; "
    "4 none flagged, but the judge failed on some pair (marked judge_error, all lines written); "
    "2 bad usage; 3 bad input line (named with its line number), config or network error; "
    "130 interrupted."
)


def register(app: typer.Typer) -> None:
    """Add ``digestkit faithfulness`` and ``digestkit review`` to ``app``."""
    app.command(name="faithfulness", epilog=EXIT_CODES_HELP)(faithfulness)
    app.command(name="review", epilog=REVIEW_EXIT_CODES)(review)


REVIEW_EXIT_CODES = (
    "Exit codes: 0 nothing held (after the decisions given); 1 summaries still held; "
    "3 bad digest file or a key that is not held."
)


def review(
    digest_file: Annotated[
        Path, typer.Argument(help="A digest JSON (digestkit summarize output).", show_default=False)
    ],
    approve: Annotated[
        list[str] | None, typer.Option("--approve", help="Publish this held summary (arXiv id).")
    ] = None,
    reject: Annotated[
        list[str] | None, typer.Option("--reject", help="Drop this held summary (arXiv id).")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (default: in place).")
    ] = None,
) -> None:
    """List summaries held by [summarize] faithfulness = "hold"; approve or reject them.

    Each held entry is one line: arXiv id, the held template(s), title, marker, issues.

    \b
    digestkit review today.ja.json
    digestkit review today.ja.json --approve 2602.12675 --reject 2602.04096
    """
    from digestkit.digest.model import Digest
    from digestkit.faithfulness.review import decide, held

    digest = Digest.from_json(_read(digest_file), path=str(digest_file))
    if approve or reject:
        try:
            digest = decide(digest, approve=approve or (), reject=reject or ())
        except InputError as err:
            raise InputError(err.message, path=str(digest_file)) from None
        from digestkit.fileio import write_atomic

        write_atomic(output or digest_file, digest.to_json() + "\n", backup="first")
    waiting = held(digest)
    for e in waiting:
        marker = e.meta("faithfulness.marker") or ""
        template = e.meta("faithfulness.template") or "all summaries"
        issues = e.meta("faithfulness.issues")
        typer.echo(f"{e.arxiv_id}\t{template}\t{e.title[:60]}\t{marker}\t{issues}")
    typer.echo(f"{len(waiting)} summaries held for review", err=True)
    raise typer.Exit(1 if waiting else 0)


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
        typer.Option("--threshold", help="Also flag summaries scoring under this (default: off)."),
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

    from digestkit.faithfulness import score_faithfulness

    if threshold is not None and not 0.0 <= threshold <= 1.0:
        raise typer.BadParameter("must be between 0 and 1", param_hint="--threshold")
    name = "<stdin>" if str(pairs) == "-" else str(pairs)
    items = read_pairs(_read(pairs), name)
    the_judge = None
    if judge:
        from digestkit.faithfulness.judge import LLMJudge

        the_judge = LLMJudge.from_route(judge, str(config) if config else None)
    limit = 0.0 if threshold is None else threshold
    lines, flagged, judge_errors = [], 0, 0
    papers: dict[str, FullText] = {}
    scored = len(items)
    if dask is not None:
        if judge:
            raise typer.BadParameter("--judge runs on this machine; drop --dask or --judge")
        from digestkit.cli.scale import executor
        from digestkit.faithfulness.bulk import score_lines

        for n, item in enumerate(items, 1):  # full texts travel with their pairs
            if item.get("fulltext"):
                ref = _paper(item["fulltext"], pairs, papers, name, item.get("_line", n))
                item["source"] = ref.to_dict()
        with executor(1, dask) as pool:
            for line, bad in score_lines(items, limit, pool):
                lines.append(line)
                flagged += bad
        items = []  # scored
    for n, item in enumerate(items, 1):
        source: str | FullText = item.get("source", "")
        if item.get("fulltext"):
            source = _paper(item["fulltext"], pairs, papers, name, item.get("_line", n))
        result = score_faithfulness(source, item["summary"], lang=item.get("lang"), judge=the_judge)
        result = replace(result, threshold=limit)
        flagged += result.flagged
        judge_errors += result.judge_error
        lines.append(json.dumps({"id": item["id"], **result.to_dict()}, ensure_ascii=False))
    _write("".join(line + "\n" for line in lines), output)
    if not quiet:
        under = f" or score < {limit:g}" if limit else ""
        failed = f"; the judge failed on {judge_errors}" if judge_errors else ""
        typer.echo(
            f"{scored} pairs scored, {flagged} flagged (identity evidence{under}){failed}",
            err=True,
        )
    raise typer.Exit(1 if flagged else 4 if judge_errors else 0)


def _paper(ref: str, pairs: Path, cache: dict[str, FullText], name: str, line: int) -> FullText:
    """The FullText JSON at ``ref`` (relative to the working directory, else to the pairs
    file), read once per run however many summaries cite it."""
    from digestkit.fulltext.model import FullText

    if ref not in cache:
        path = Path(ref)
        if not path.is_absolute() and not path.exists() and str(pairs) != "-":
            path = pairs.parent / ref
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            reason = getattr(err, "strerror", None) or type(err).__name__
            raise InputError(f'"fulltext" {ref}: {reason}', path=name, line=line) from None
        try:
            cache[ref] = FullText.from_json(text, path=str(path))
        except InputError as err:
            raise InputError(f'"fulltext" {ref}: {err.message}', path=name, line=line) from None
    return cache[ref]


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
        fulltext = item.get("fulltext")
        if fulltext is not None and not isinstance(fulltext, str):
            raise InputError('"fulltext" must be a path to full-text JSON', path=name, line=n)
        for key in ("summary",) if fulltext else ("source", "summary"):
            if not isinstance(item.get(key), str):
                problem = "missing" if key not in item else "not a string:"
                raise InputError(f'{problem} "{key}"', path=name, line=n)
        lang = item.get("lang")
        if lang is not None and not isinstance(lang, str):
            raise InputError('"lang" must be a string such as "ja"', path=name, line=n)
        item["id"] = str(item.get("id", n))
        item["_line"] = n
        items.append(item)
    return items


def _write(text: str, output: Path | None) -> None:
    if output is None or str(output) == "-":
        sys.stdout.write(text)
        return
    from digestkit.fileio import write_atomic

    write_atomic(output, text, backup="first")
