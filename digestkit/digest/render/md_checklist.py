"""Render a digest as a reading-group ``checklist`` (the format of seed 000).

One ``## セクション N: title`` per entry, its summary sections as ``###`` subsections
written verbatim, ``---`` between entries. An entry without a checklist summary gets a
minimal ``A: Contribution`` block built from its fields so the paper link survives.

>>> from digestkit.digest.model import Digest, Entry
>>> print(render(Digest(title="C", entries=(Entry(arxiv_id="2601.20552", title="X"),))))
# C
<BLANKLINE>
## セクション 1: X
<BLANKLINE>
### A: Contribution
- [x] 論文リンク: https://arxiv.org/abs/2601.20552
<BLANKLINE>
"""

from __future__ import annotations

from typing import Any

from digestkit.digest.model import Digest, Entry
from digestkit.digest.parse._md import escape_inline
from digestkit.digest.render._common import abs_url, format_summary

__all__ = ["render"]


def _sections(e: Entry) -> tuple[tuple[str, str], ...]:
    summary = format_summary(e, "checklist")
    if summary is not None and summary.sections:
        return summary.sections
    lines = []
    if e.abstract:
        lines.append(f"- [x] 概要: {' '.join(e.abstract.split())}")
    if e.published:
        lines.append(f"- [x] 公開日: {e.published.isoformat()}")
    link = e.url or abs_url(e)
    if link:
        lines.append(f"- [x] 論文リンク: {link}")
    return (("A: Contribution", "\n".join(lines)),)


def _entry(n: int, e: Entry) -> str:
    parts = [f"## セクション {n}: {escape_inline(e.title)}"]
    for head, body in _sections(e):
        block = [f"### {escape_inline(head)}"] if head else []
        if body.strip():
            block.append(body.strip("\n"))
        parts.append("\n".join(block))
    return "\n\n".join(parts) + "\n"


def render(digest: Digest, **options: Any) -> str:
    """The digest as a checklist (no options)."""
    head = [f"# {escape_inline(digest.title)}\n"] if digest.title else []
    if digest.meta("preamble"):
        head.append(str(digest.meta("preamble")) + "\n")
    return "\n".join(
        head + ["\n---\n\n".join(_entry(n, e) for n, e in enumerate(digest.entries, 1))]
    )
