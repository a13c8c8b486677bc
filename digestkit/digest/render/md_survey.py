"""Render a digest as a plain-text ``survey`` (the format of seed 003).

Plain text, so nothing is escaped; the labels (著者, 要約, 原文Abstract, …) are the
format's own. A summary without a 要約 section writes all its sections' text under 要約.

>>> from digestkit.digest.model import Digest, Entry
>>> print(render(Digest(title="S", entries=(Entry(arxiv_id="2602.10693", title="T", abstract="A"),))))
S
<BLANKLINE>
1. T
<BLANKLINE>
  • arXiv ID: 2602.10693
<BLANKLINE>
原文Abstract
<BLANKLINE>
A
<BLANKLINE>
"""

from __future__ import annotations

from typing import Any

from digestkit.digest.model import Digest, Entry
from digestkit.digest.parse.survey import ABSTRACT_LABEL, FIELD_LABELS, INTRO_LABEL, SUMMARY_LABEL
from digestkit.digest.render._common import format_summary

__all__ = ["render"]


def _summary_text(e: Entry) -> str | None:
    summary = format_summary(e, "ja-survey")
    if summary is None:
        return None
    own = summary.section(SUMMARY_LABEL)
    if own is not None and len(summary.sections) == 1:
        return own
    return "\n\n".join(body for _, body in summary.sections) or summary.raw


def _entry(n: int, e: Entry) -> str:
    meta = {k: v for k, v in e.metadata if not k.startswith("faithfulness.")}  # check results
    more = meta.pop("authors_more", "")
    authors = ", ".join(e.authors) + (f" {more}" if more else "")
    rows = [
        (FIELD_LABELS["authors"], authors.strip()),
        (FIELD_LABELS["published"], e.published.isoformat() if e.published else ""),
        (FIELD_LABELS["sources"], ", ".join(e.sources)),
        (FIELD_LABELS["arxiv_id"], e.arxiv_id + (f"v{e.version}" if e.version else "")),
        *meta.items(),
    ]
    parts = [f"{n}. {' '.join(e.title.split())}"]
    bullets = [f"  • {k}: {v}" for k, v in rows if v]
    if bullets:
        parts.append("\n".join(bullets))
    summary = _summary_text(e)
    if summary is not None:
        parts += [SUMMARY_LABEL, summary.strip()] if summary.strip() else [SUMMARY_LABEL]
    if e.abstract:
        parts += [ABSTRACT_LABEL, e.abstract.strip()]
    return "\n\n".join(parts) + "\n"


def render(digest: Digest, **options: Any) -> str:
    """The digest as a plain-text survey (no options)."""
    head = []
    if digest.meta("mark"):
        head.append(str(digest.meta("mark")))
    head.append(
        digest.title or (f"Survey ({digest.date.isoformat()})" if digest.date else "Survey")
    )
    if digest.meta("intro"):
        head += [INTRO_LABEL, str(digest.meta("intro"))]
    out = (
        "\n\n".join(head)
        + "\n\n"
        + "\n".join(_entry(n, e) for n, e in enumerate(digest.entries, 1))
    )
    if digest.meta("footer"):
        out += "\n\n" + str(digest.meta("footer")) + "\n"
    return out
