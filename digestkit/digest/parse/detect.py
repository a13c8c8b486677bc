"""Which digest format is this text? Cheap line patterns, scored; ``generic`` otherwise.

Why patterns and not a full parse per format: detection runs on every ``auto`` parse and
must stay a small fraction of parse time; each format has one or two lines nobody else
writes (``**ArXiv ID**:``, ``[View Paper](``, ``## セクション 1:``, ``  • 著者:``). A format
needs two of its own marks to win; anything else is parsed by ``generic``.

>>> detect_format("# T\\n\\n[View Paper](http://arxiv.org/abs/2503.04504v1)\\n\\n## 1. Q\\n")
'ja-8q'
>>> detect_format("Some notes on arXiv:2401.12345")
'generic'
"""

from __future__ import annotations

import re

__all__ = ["detect_format", "format_scores"]

_MARKS: dict[str, tuple[re.Pattern[str], ...]] = {
    "bot-readme": (
        re.compile(r"^### \d+\. \[.+\]\(https?://(?:www\.)?arxiv\.org/abs/", re.M),
        re.compile(r"^\*\*ArXiv ID\*\*:", re.M),
        re.compile(r"^\*\*Authors\*\*:", re.M),
    ),
    "ja-8q": (
        re.compile(
            r"^# .+\n\s*\n\[[^\]\n]+\]\(https?://(?:www\.)?arxiv\.org/abs/[^)]*\)\s*$", re.M
        ),
        re.compile(r"^## [1-8]\. ", re.M),
    ),
    "checklist": (
        re.compile(r"^## (?:セクション|Section) ?\d+\s*[:：]", re.M | re.I),
        re.compile(r"^### [A-D]\s*[:：]", re.M),
        re.compile(r"^\s*- \[[ xX]\] ", re.M),
    ),
    "survey": (
        re.compile(r"^\d+\. \S.*\n\s*\n?\s*[•・] ", re.M),
        re.compile(r"^(?:要約|原文Abstract)\s*$", re.M),
    ),
}


def format_scores(text: str) -> dict[str, int]:
    """How many of each format's marks appear (each mark counted at most 3 times).

    >>> format_scores("**ArXiv ID**: 1\\n**Authors**: a")["bot-readme"]
    2
    """
    return {fmt: sum(min(len(p.findall(text)), 3) for p in marks) for fmt, marks in _MARKS.items()}


def detect_format(text: str) -> str:
    """The most likely format name for ``text`` (``json`` for a JSON object)."""
    if text.lstrip().startswith("{"):
        return "json"
    scores = format_scores(text)
    best = max(scores, key=lambda f: scores[f])
    kinds = sum(1 for p in _MARKS[best] if p.search(text))
    return best if kinds >= 2 else "generic"
