"""Render a digest as ``ja-8q`` Markdown: ``# title``, ``[View Paper](url)``, ``## N. …``.

The inverse of :mod:`digestkit.digest.parse.ja_8q`: section bodies are written verbatim,
titles and headings escaped, so parsing the output gives the same entries back.

>>> from digestkit.digest.model import Digest, Entry, Summary
>>> e = Entry(arxiv_id="2503.04504", version=1, title="T", summary=Summary(sections=(("1. Q", "A"),)))
>>> print(render(Digest(entries=(e,))))
# T
<BLANKLINE>
[View Paper](http://arxiv.org/abs/2503.04504v1)
<BLANKLINE>
## 1. Q
<BLANKLINE>
A
<BLANKLINE>
"""

from __future__ import annotations

from typing import Any

from digestkit.digest.model import Digest, Entry
from digestkit.digest.parse._md import arxiv_refs, escape_inline
from digestkit.digest.render._common import abs_url, format_summary

__all__ = ["render"]


def _entry(e: Entry) -> str:
    link = e.url if arxiv_refs(e.url) else (abs_url(e, scheme="http") or e.url)
    parts = [f"# {escape_inline(e.title)}", f"[View Paper]({link})"]
    summary = format_summary(e, "ja-8q")
    for head, body in summary.sections if summary else ():
        if head:
            parts.append(f"## {escape_inline(head)}")
        if body.strip():
            parts.append(body.strip("\n"))
    return "\n\n".join(parts) + "\n"


def render(digest: Digest, **options: Any) -> str:
    """The digest as ja-8q Markdown (no options)."""
    preamble = digest.meta("preamble")
    parts = ([preamble.strip() + "\n"] if preamble else []) + [_entry(e) for e in digest.entries]
    return "\n".join(parts)
