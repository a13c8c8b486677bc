"""``digestkit fulltext``: a paper's full text as JSON or Markdown, by arXiv id, URL or file.

Why a command of its own: to see what the summarizer will be given (and why a paper fell
back to its PDF, ``--explain``), to fill a cache before a run, and to read papers that are
not on arXiv. arXiv ids (``2501.00001``, ``2501.00001v2``, ``hep-th/9901001``,
``arXiv:...`` and ``https://arxiv.org/abs/...`` links) go through the configured source
order (``[fulltext]`` in digestkit.toml: HTML, then the e-print source, then the PDF);
anything else is read as a local file or a plain URL, its format sniffed from its bytes.

A paper that cannot be had is reported as one line, ``digestkit: error: ID: reason``,
after the others are done; the exit code is then 3.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from digestkit.cli import EXIT_ERROR

if TYPE_CHECKING:
    from digestkit.fulltext.fetch import FulltextConfig, FulltextFetcher
    from digestkit.fulltext.model import FullText

EXIT_CODES_HELP = (
    "Exit codes: 0 every paper was read; 2 bad usage; 3 some paper or file could not be read "
    "(each named on stderr; the others are still written), or a bad config; 130 interrupted."
)

_NEW_ID = r"\d{4}\.\d{4,5}(?:v\d+)?"
_OLD_ID = r"[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?"
_ID = re.compile(rf"^(?:arxiv:)?({_NEW_ID}|{_OLD_ID})$", re.IGNORECASE)
_ARXIV_URL = re.compile(
    rf"^https?://(?:www\.|export\.)?arxiv\.org/(?:abs|html|pdf|src|e-print)/"
    rf"({_NEW_ID}|{_OLD_ID})(?:\.pdf)?/?$"
)


def register(app: typer.Typer) -> None:
    """Add ``digestkit fulltext`` to ``app``."""
    app.command(name="fulltext", epilog=EXIT_CODES_HELP)(fulltext)


def fulltext(
    targets: Annotated[
        list[str],
        typer.Argument(
            help="arXiv ids, URLs or files (.html, .tex, .gz, .tar.gz, .pdf).", show_default=False
        ),
    ],  # fmt: skip
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="digestkit.toml with a [fulltext] section."),
    ] = None,
    to: Annotated[str, typer.Option("--to", help="Output format: json or md.")] = "json",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write all papers to this file (default: stdout)."),
    ] = None,
    outdir: Annotated[
        Path | None,
        typer.Option("--dir", "-d", help="Write one file per paper here (ID.json / ID.md)."),
    ] = None,
    explain: Annotated[
        bool,
        typer.Option(
            "--explain", help="Say on stderr which source was used and why not the others."
        ),
    ] = False,
) -> None:
    """Fetch or read papers' full text and print it as JSON (one object per line) or Markdown.

    \b
    digestkit fulltext 2501.00001 --explain
    digestkit fulltext 2501.00001 2501.00002v2 --to md -d papers/
    digestkit fulltext paper.pdf source.tar.gz -o papers.jsonl
    """
    if to not in ("json", "md"):
        raise typer.BadParameter(f"expected json or md, got {to!r}", param_hint="--to")
    if output is not None and outdir is not None:
        raise typer.BadParameter("give -o or -d, not both", param_hint="--output/--dir")
    cfg = _config(config)
    papers: list[tuple[str, FullText]] = []
    failed = 0
    fetcher: FulltextFetcher | None = None
    try:
        for target in targets:
            arxiv_id = as_arxiv_id(target)
            fetcher = fetcher or _fetcher(cfg)
            if arxiv_id is not None and not Path(target).exists():
                got = _fetch(fetcher, arxiv_id, explain)
            else:
                got = _read(fetcher, target, explain)
            if got is None:
                failed += 1
            else:
                papers.append(got)
    finally:
        if fetcher is not None:
            fetcher.close()
    _write(papers, to, output, outdir)
    if failed:
        raise typer.Exit(EXIT_ERROR)


def as_arxiv_id(target: str) -> str | None:
    """The arXiv id ``target`` names, if it names one.

    >>> as_arxiv_id("arXiv:2501.00001v2"), as_arxiv_id("https://arxiv.org/pdf/hep-th/9901001")
    ('2501.00001v2', 'hep-th/9901001')
    >>> as_arxiv_id("paper.pdf") is None
    True
    """
    m = _ID.match(target.strip()) or _ARXIV_URL.match(target.strip())
    return m.group(1) if m else None


def _config(path: Path | None) -> FulltextConfig:
    from digestkit.fulltext.fetch import FulltextConfig, load_fulltext_config

    return load_fulltext_config(path) or FulltextConfig()


def _fetcher(cfg: FulltextConfig) -> FulltextFetcher:
    from digestkit.fulltext.fetch import FulltextFetcher

    return FulltextFetcher(cfg)


def _fetch(fetcher: FulltextFetcher, arxiv_id: str, explain: bool) -> tuple[str, FullText] | None:
    got = fetcher.fetch(arxiv_id)
    if explain:
        typer.echo(got.explain(), err=True)
    if got.fulltext is None:
        typer.echo(f"digestkit: error: {arxiv_id}: {got.error}", err=True)
        return None
    return arxiv_id, got.fulltext


def _read(fetcher: FulltextFetcher, target: str, explain: bool) -> tuple[str, FullText] | None:
    from digestkit.cli import error_line
    from digestkit.errors import InputError

    try:
        paper = fetcher.read(target)
    except InputError as err:
        typer.echo(error_line(err), err=True)
        return None
    if explain:
        typer.echo(f"{target}: read as {paper.source}", err=True)
    return target, paper


def _render(paper: FullText, to: str, *, lines: bool) -> str:
    if to == "md":
        return paper.to_markdown()
    return paper.to_json(indent=None if lines else 2) + "\n"


def _write(papers: list[tuple[str, FullText]], to: str, output: Path | None,
           outdir: Path | None) -> None:  # fmt: skip
    from digestkit.fileio import write_atomic

    if outdir is not None:
        used: set[str] = set()
        for name, paper in papers:
            stem = _file_stem(paper.arxiv_id or name, used)
            write_atomic(outdir / f"{stem}.{to}", _render(paper, to, lines=False), backup="first")
        return
    separator = "\n---\n\n" if to == "md" else ""
    text = separator.join(_render(p, to, lines=True) for _name, p in papers)
    if output is None or str(output) == "-":
        sys.stdout.write(text)
    elif papers:
        write_atomic(output, text, backup="first")


def _file_stem(name: str, used: set[str]) -> str:
    """A file name for a paper: ``hep-th/9901001`` -> ``hep-th_9901001``; a path or URL
    gives its last part without suffixes; repeats get ``-2``, ``-3``.

    >>> _file_stem("hep-th/9901001", set()), _file_stem("/x/paper.tar.gz", set())
    ('hep-th_9901001', 'paper')
    """
    if as_arxiv_id(name) is None:
        name = re.split(r"[/\\]", name.rstrip("/"))[-1].split(".")[0] or "paper"
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "paper"
    candidate, n = stem, 1
    while candidate in used:
        n += 1
        candidate = f"{stem}-{n}"
    used.add(candidate)
    return candidate
