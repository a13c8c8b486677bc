"""Render a digest as an arXiv bot README (the ``bot-readme`` format of seed 004).

Statistics header, numbered entries with their field lines, the abstract, and the AI
summary folded in ``<details>`` (one per summary: an entry with a ja and a zh summary gets
two, each label naming its template and language). Field lines carry human labels: metadata under internal
keys (``hf_upvotes``, ``pdf_url``) is relabelled or left to the JSON
(:func:`published_fields`), and ``Updated`` appears only when it differs from ``Published``. Statistics that follow from the entries (paper count,
categories) are computed here, so a filtered digest never claims the wrong count.

>>> from digestkit.digest.model import Digest, Entry
>>> out = render(Digest(title="Bot", entries=(Entry(arxiv_id="2602.04870", version=1, title="T"),)))
>>> "**Total Papers Found**: 1" in out and "### 1. [T](https://arxiv.org/abs/2602.04870)" in out
True
"""

from __future__ import annotations

import re
from typing import Any

from digestkit.digest.model import Digest, Entry
from digestkit.digest.parse._md import escape_inline, escape_text, join_sections
from digestkit.digest.parse.bot_readme import (
    PAPERS_HEADING,
    STATS_HEADING,
    derived_categories,
    summary_label,
)
from digestkit.digest.render._common import abs_url, summary_heading

__all__ = ["render"]

_RESERVED = {"preamble", "footer", "stats_heading", "papers_heading"}


def _stats(d: Digest) -> list[str]:
    stats = {k: v for k, v in d.metadata if k not in _RESERVED}
    last = stats.pop("Last Updated", d.date.isoformat() if d.date else "")
    cats = stats.pop("Categories Monitored", derived_categories(d.entries))
    rows = [("Last Updated", last), ("Total Papers Found", str(len(d.entries)))]
    rows += [("Categories Monitored", cats)] + list(stats.items())
    return [f"- **{escape_inline(k)}**: {escape_inline(v)}" for k, v in rows if v]


# Metadata the sources record under internal keys, with the label a reader sees; "" =
# not shown. Other snake_case keys (``summarize.run``, ``hf_rank``) are bookkeeping: they
# stay in the JSON and are not published. Labels written by people (parsed READMEs:
# "Comments", "Keywords") are kept as they are, so the format still round-trips.
HUMAN_LABELS = {
    "comment": "Comments",
    "pdf_url": "PDF",
    "hf_upvotes": "Hugging Face upvotes",
    "s2_citations": "Citations (Semantic Scholar)",
}
_COUNTS = {"hf_upvotes", "s2_citations"}  # a count of 0 tells a reader nothing
_INTERNAL_KEY = re.compile(r"^[a-z0-9]+(?:[_.][a-z0-9]+)+$|^[a-z0-9_]+$")


def published_fields(metadata: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    """The entry metadata a reader sees, under human labels (see :data:`HUMAN_LABELS`).

    >>> published_fields((("hf_upvotes", "12"), ("s2_citations", "0"), ("hf_rank", "3"),
    ...                   ("pdf_url", "https://arxiv.org/pdf/1"), ("Keywords", "RL")))
    [('Hugging Face upvotes', '12'), ('PDF', 'https://arxiv.org/pdf/1'), ('Keywords', 'RL')]
    """
    shown = []
    for key, value in metadata:
        if key in HUMAN_LABELS:
            if HUMAN_LABELS[key] and not (key in _COUNTS and value.strip() in ("", "0")):
                shown.append((HUMAN_LABELS[key], value))
        elif not _INTERNAL_KEY.match(key):
            shown.append((key, value))
    return shown


def _fields(e: Entry) -> list[str]:
    ident = e.arxiv_id + (f"v{e.version}" if e.version else "")
    # "Updated" only when it says something: arXiv's updated equals published for a v1.
    updated = e.updated if e.updated and e.updated != e.published else None
    rows = [
        ("Authors", ", ".join(e.authors)),
        ("Category", ", ".join(e.categories)),
        ("Published", e.published.isoformat() if e.published else ""),
        ("Updated", updated.isoformat() if updated else ""),
        ("Score", "" if e.score is None else repr(e.score)),
        ("Type", e.announce_type or ""),
        ("ArXiv ID", ident),
        *published_fields(e.metadata),
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
    summaries = e.all_summaries()
    for s in summaries:  # one <details> per summary, named when there are several
        raw = s.raw or join_sections(s.sections)
        named = summary_heading(s) if len(summaries) > 1 else ""
        label = summary_label(s.model or s.backend or "digestkit", named)
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
