"""Render a digest as an arXiv bot README (the ``bot-readme`` format of seed 004).

Statistics header, numbered entries with their field lines, the abstract, and the AI
summary folded in ``<details>``. Statistics that follow from the entries (paper count,
categories) are computed here, so a filtered digest never claims the wrong count.

>>> from digestkit.digest.model import Digest, Entry
>>> out = render(Digest(title="Bot", entries=(Entry(arxiv_id="2602.04870", version=1, title="T"),)))
>>> "**Total Papers Found**: 1" in out and "### 1. [T](https://arxiv.org/abs/2602.04870)" in out
True
"""

from __future__ import annotations

from typing import Any

from digestkit.digest.model import Digest, Entry
from digestkit.digest.parse._md import escape_inline, escape_text, join_sections
from digestkit.digest.parse.bot_readme import (
    PAPERS_HEADING,
    STATS_HEADING,
    derived_categories,
    summary_label,
)
from digestkit.digest.render._common import abs_url

__all__ = ["render"]

_RESERVED = {"preamble", "footer", "stats_heading", "papers_heading"}


def _stats(d: Digest) -> list[str]:
    stats = {k: v for k, v in d.metadata if k not in _RESERVED}
    last = stats.pop("Last Updated", d.date.isoformat() if d.date else "")
    cats = stats.pop("Categories Monitored", derived_categories(d.entries))
    rows = [("Last Updated", last), ("Total Papers Found", str(len(d.entries)))]
    rows += [("Categories Monitored", cats)] + list(stats.items())
    return [f"- **{escape_inline(k)}**: {escape_inline(v)}" for k, v in rows if v]


def _fields(e: Entry) -> list[str]:
    ident = e.arxiv_id + (f"v{e.version}" if e.version else "")
    rows = [
        ("Authors", ", ".join(e.authors)),
        ("Category", ", ".join(e.categories)),
        ("Published", e.published.isoformat() if e.published else ""),
        ("Updated", e.updated.isoformat() if e.updated else ""),
        ("Score", "" if e.score is None else repr(e.score)),
        ("Type", e.announce_type or ""),
        ("ArXiv ID", ident),
        *((k, v) for k, v in e.metadata if not k.startswith("faithfulness.")),  # check results
    ]
    return [f"**{k}**: {escape_inline(v)}  " for k, v in rows if v]


def _entry(n: int, e: Entry) -> str:
    url = e.url or abs_url(e, version=False)
    parts = [f"### {n}. [{escape_inline(e.title)}]({url})"]
    fields = _fields(e)
    if fields:
        parts.append("\n".join(fields))
    if e.abstract:
        parts.append("#### Abstract\n" + escape_text(e.abstract))
    if e.summary is not None:
        raw = e.summary.raw or join_sections(e.summary.sections)
        label = summary_label(e.summary.model or e.summary.backend or "digestkit")
        parts.append(f"<details>\n{label}\n\n{raw.strip()}\n\n</details>")
    return "\n\n".join(parts) + "\n\n---\n"


def render(digest: Digest, **options: Any) -> str:
    """The digest as a bot README (no options)."""
    head = [f"# {escape_inline(digest.title or 'arXiv Papers')}"]
    if digest.meta("preamble"):
        head.append(str(digest.meta("preamble")))
    head.append(
        f"## {digest.meta('stats_heading') or STATS_HEADING}\n\n" + "\n".join(_stats(digest))
    )
    head.append(f"## {digest.meta('papers_heading') or PAPERS_HEADING}")
    body = [_entry(n, e) for n, e in enumerate(digest.entries, 1)]
    footer = [str(digest.meta("footer"))] if digest.meta("footer") else []
    return (
        "\n\n".join(head) + "\n\n" + "\n".join(body) + ("\n" + footer[0] + "\n" if footer else "")
    )
