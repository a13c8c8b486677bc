"""``digestkit parse``, ``digestkit render`` and ``digestkit convert``: digests as data.

``parse`` reads any digest (repairing it first) and prints the model as JSON with the
parser's warnings; ``render`` writes a digest JSON file in another format; ``convert`` does
both in one step. Output goes to stdout or, with ``-o``, to a file written atomically
(an existing file is kept once as ``NAME.orig``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from digestkit.errors import InputError

if TYPE_CHECKING:
    from digestkit.digest.parse import ParseResult, ParseWarning

_PARSE_FORMATS = "auto, bot-readme, ja-8q, survey, checklist, generic, json"
_RENDER_FORMATS = "md-bot, md-ja-8q, md-survey, md-checklist, json, jsonl, atom, rss, html"


def _shown(path: str) -> str:
    """How a path appears in messages (``-`` is standard input)."""
    return "<stdin>" if path == "-" else path


def _read(path: str) -> bytes:
    if path == "-":
        import sys

        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path=path) from exc


def _write(text: str, out: Path | None) -> None:
    """Print ``text`` or replace ``out`` atomically (the file first replaced is kept as
    ``.orig``; see :mod:`digestkit.fileio`)."""
    if out is None:
        typer.echo(text, nl=not text.endswith("\n"))
        return
    from digestkit.fileio import write_atomic

    write_atomic(out.expanduser(), text, backup="first")


_SPLIT_HELP = (
    "A file holding several digests concatenated: write each to its own file, "
    "OUTPUT-1.EXT, OUTPUT-2.EXT, ... (needs -o). Without it their papers are merged, "
    "with a warning."
)


def _split_paths(output: Path | None, count: int) -> list[Path]:
    """``out.json`` -> ``out-1.json``, ``out-2.json``, ... (``--split`` needs ``-o``)."""
    if output is None:
        raise typer.BadParameter(
            "--split writes one file per digest: give -o FILE", param_hint="--split"
        )
    return [output.with_name(f"{output.stem}-{n}{output.suffix}") for n in range(1, count + 1)]


def _write_split(texts: list[str], output: Path | None) -> None:
    for text, path in zip(texts, _split_paths(output, len(texts)), strict=True):
        _write(text, path)
        typer.echo(f"digestkit: wrote {path}", err=True)


def _warnings(result: ParseResult, split: bool) -> list[ParseWarning]:
    """The warnings to show: under ``--split`` several digests in one file are expected."""
    from digestkit.digest.parse._base import SEVERAL_DIGESTS

    return [w for w in result.warnings if not (split and w.message.startswith(SEVERAL_DIGESTS))]


def _check_to(to: str) -> None:
    """Refuse an unknown ``--to`` before any work (a renderer's own ValueError is not a
    usage error and must not be reported as one)."""
    from digestkit.digest.render import ALIASES, RENDERERS

    if ALIASES.get(to, to) not in RENDERERS:
        raise typer.BadParameter(f"choose from {_RENDER_FORMATS}", param_hint="--to")


def _publish_options(title: str | None, link: str | None, config: Path | None) -> dict[str, str]:
    """``title``/``link`` for feeds and pages: the options, else ``[output]`` of the config
    (``title``, ``site_url``), else nothing (the renderers' defaults)."""
    options: dict[str, str] = {}
    if config is not None:
        from digestkit.config import load_toml

        section = load_toml(config).get("output", {})
        if isinstance(section, dict):
            if isinstance(section.get("title"), str):
                options["title"] = section["title"]
            if isinstance(section.get("site_url"), str) and section["site_url"]:
                options["link"] = section["site_url"].rstrip("/") + "/"
    if title:
        options["title"] = title
    if link:
        options["link"] = link
    return options


def _render(digest: object, to: str, options: dict[str, str]) -> str:
    from digestkit.digest.render import render

    return render(digest, to, **options)  # type: ignore[arg-type]


_TITLE_HELP = "Feed/page title (default: the digest's title; [output] title of --config)."
_LINK_HELP = "Site the feed/page belongs to (default https://arxiv.org/; [output] site_url)."
_CONFIG_HELP = "digestkit.toml whose [output] title and site_url are the defaults."


def parse_cmd(
    file: str = typer.Argument(..., help="Digest file (Markdown, text, JSON; '-' for stdin)."),
    format: str = typer.Option("auto", "--format", "-f", help=f"Input format: {_PARSE_FORMATS}."),
    to: str = typer.Option(
        "json", "--to", "-t", help="Output: json (model + warnings) or summary."
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write here instead of stdout."
    ),
    strict: bool = typer.Option(
        False,
        "--strict",
        help="Exit 1 on any warning (text left unplaced, several digests in one file).",
    ),
    split: bool = typer.Option(False, "--split", help=_SPLIT_HELP),
) -> None:
    """Parse a digest into the digestkit model and print it as JSON (with warnings)."""
    import json

    from digestkit.digest.parse import FORMATS, ParseResult, parse_digest  # noqa: F811

    if format not in FORMATS:
        raise typer.BadParameter(f"choose from {_PARSE_FORMATS}", param_hint="--format")
    if split and output is None:
        _split_paths(output, 0)
    result = parse_digest(_read(file), format, path=_shown(file))
    if split:
        parts = [ParseResult(d, result.format) for d in result.digests]
        texts = [json.dumps(p.to_dict(), ensure_ascii=False, indent=2) + "\n" for p in parts]
        _write_split(texts, output)
    elif to == "json":
        text = json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n"
    elif to == "summary":
        rows = [
            f"{n:>3}. {e.arxiv_id or '-':<12} {e.title}"
            for n, e in enumerate(result.digest.entries, 1)
        ]
        rows += [f"warning: {file}:{w.line}: {w.message}" for w in _warnings(result, split)]
        text = (
            f"{file}: {result.format}, {len(result.digest.entries)} entries\n"
            + "\n".join(rows)
            + "\n"
        )
    else:
        raise typer.BadParameter("choose json or summary", param_hint="--to")
    if not split:
        _write(text, output)
    warnings = _warnings(result, split)
    for w in warnings:
        typer.echo(f"digestkit: warning: {file}:{w.line}: {w.message}", err=True)
    if strict and warnings:
        raise typer.Exit(1)


def render_cmd(
    file: str = typer.Argument(..., help="A digest JSON file (from `digestkit parse`)."),
    to: str = typer.Option(..., "--to", "-t", help=f"Output format: {_RENDER_FORMATS}."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write here instead of stdout."
    ),
    title: str | None = typer.Option(None, "--title", help=_TITLE_HELP),
    link: str | None = typer.Option(None, "--link", help=_LINK_HELP),
    config: Path | None = typer.Option(None, "--config", "-c", help=_CONFIG_HELP),
) -> None:
    """Render a digest JSON file as Markdown, JSON(L), Atom, RSS or HTML."""
    from digestkit.digest.model import Digest

    _check_to(to)
    options = _publish_options(title, link, config)
    data = _read(file)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError("digest JSON must be UTF-8", path=file) from exc
    if not text.lstrip().startswith(("{", "[")):
        raise InputError(
            "not a digest JSON file; to read Markdown or text use "
            f"`digestkit convert {file} --to {to}`",
            path=_shown(file),
            line=1,
        )
    _write(_render(Digest.from_json(text, path=_shown(file)), to, options), output)


def convert_cmd(
    file: str = typer.Argument(..., help="Digest file in any supported format ('-' for stdin)."),
    to: str = typer.Option(..., "--to", "-t", help=f"Output format: {_RENDER_FORMATS}."),
    format: str = typer.Option("auto", "--format", "-f", help=f"Input format: {_PARSE_FORMATS}."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write here instead of stdout."
    ),
    title: str | None = typer.Option(None, "--title", help=_TITLE_HELP),
    link: str | None = typer.Option(None, "--link", help=_LINK_HELP),
    config: Path | None = typer.Option(None, "--config", "-c", help=_CONFIG_HELP),
    split: bool = typer.Option(False, "--split", help=_SPLIT_HELP),
    strict: bool = typer.Option(
        False, "--strict", help="Exit 1 (after writing) when the parser warned."
    ),
) -> None:
    """Parse a digest and render it in another format in one step."""
    from digestkit.digest.parse import FORMATS, parse_digest

    if format not in FORMATS:
        raise typer.BadParameter(f"choose from {_PARSE_FORMATS}", param_hint="--format")
    _check_to(to)
    if split and output is None:
        _split_paths(output, 0)
    options = _publish_options(title, link, config)
    result = parse_digest(_read(file), format, path=_shown(file))
    warnings = _warnings(result, split)
    for w in warnings:
        typer.echo(f"digestkit: warning: {file}:{w.line}: {w.message}", err=True)
    if split:
        _write_split([_render(d, to, options) for d in result.digests], output)
    else:
        _write(_render(result.digest, to, options), output)
    if strict and warnings:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add this group's commands to ``app``."""
    app.command("parse")(parse_cmd)
    app.command("render")(render_cmd)
    app.command("convert")(convert_cmd)
