"""The ``survey`` format: a plain-text paper survey (seed 003).

Layout (plain text, not Markdown: the bullets are ``•`` and the labels are bare lines)::

    📝                                   <- optional mark
    LLM論文サーベイ(2026-02-23)          <- title (date inside)
    はじめに / intro paragraph(s)
    1. Title                             <- a paper: "N. title" followed by bullets
      • 著者: A, B ほか
      • 公開日: 2026-02-11
      • ソース: huggingface
      • arXiv ID: 2602.10693
    要約 / paragraphs                     <- summary
    原文Abstract / paragraphs             <- abstract
    (two blank lines) footer

Because the format is plain text, the parser reads lines; a "N. title" line only opens a
paper when bullet lines follow it, so numbered lists inside summaries are left alone.

What the format carries: ``title``, ``date`` (from the title), ``metadata`` = ``mark``,
``intro``, ``footer``; per entry ``title``, ``authors`` (``ほか`` = more authors, kept in
``metadata["authors_more"]``), ``published``, ``sources``, ``arxiv_id``/``version``,
other bullets in ``metadata``, ``summary.sections`` = ``(("要約", text),)`` and ``abstract``.

>>> doc = "S(2026-02-23)\\n\\n1. T\\n\\n  • 著者: A, B ほか\\n  • arXiv ID: 2602.10693\\n\\n要約\\n\\nX\\n"
>>> e = parse(doc).digest.entries[0]
>>> e.title, e.authors, e.meta("authors_more"), e.summary.sections
('T', ('A', 'B'), 'ほか', (('要約', 'X'),))
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from digestkit.digest.model import Digest, Entry, Summary, split_arxiv_id
from digestkit.digest.parse._base import (
    ParseResult,
    ParseWarning,
    Warnings,
    find_date,
    guess_language,
    need_entries,
    split_authors,
)
from digestkit.digest.tex import decode_accents
from digestkit.errors import ParseError

__all__ = ["ABSTRACT_LABEL", "FIELD_LABELS", "FORMAT", "SUMMARY_LABEL", "parse"]

FORMAT = "survey"
SUMMARY_LABEL = "要約"
ABSTRACT_LABEL = "原文Abstract"
INTRO_LABEL = "はじめに"
# field name in the model -> label the format writes
FIELD_LABELS = {
    "authors": "著者",
    "published": "公開日",
    "sources": "ソース",
    "arxiv_id": "arXiv ID",
}
_LABELS = {
    SUMMARY_LABEL: "summary",
    "Summary": "summary",
    ABSTRACT_LABEL: "abstract",
    "Abstract": "abstract",
}
_ALIASES = {
    "著者": "authors",
    "authors": "authors",
    "公開日": "published",
    "published": "published",
    "ソース": "sources",
    "source": "sources",
    "arxiv id": "arxiv_id",
}
_TITLE = re.compile(r"^(\d+)[.)]\s+(\S.*)$")
_BULLET = re.compile(r"^\s*[•・\-*]\s*([^:：]+?)\s*[:：]\s*(.*)$")
_MORE = ("ほか", "et al.", "他", "等")


@dataclass
class _Draft:
    line: int
    title: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    parts: dict[str, list[str]] = field(default_factory=dict)


def _is_entry(lines: list[str], i: int) -> bool:
    if not _TITLE.match(lines[i]):
        return False
    j = i + 1
    while j < len(lines) and not lines[j].strip():
        j += 1
    # The bullets must name at least one field the format knows (著者, arXiv ID, …):
    # numbered lists of "**term:** text" inside Markdown summaries are not papers.
    keys = []
    while j < len(lines) and (m := _BULLET.match(lines[j])):
        keys.append(m.group(1).strip())
        j += 1
    return any(_ALIASES.get(k.lower(), _ALIASES.get(k)) for k in keys)


def parse(text: str) -> ParseResult:
    """Parse a plain-text survey digest (see the module docstring)."""
    lines = [line.rstrip() for line in text.split("\n")]
    starts = [i for i in range(len(lines)) if _is_entry(lines, i)]
    need_entries(len(starts), FORMAT, "'1. Title' lines followed by '• 著者: …' bullets")
    warnings = Warnings()
    meta = _header(lines[: starts[0]])
    entries = []
    footer = ""
    for k, start in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(lines)
        if k + 1 == len(starts):
            end, footer = _split_footer(lines, start, end)
        entries.append(_entry(lines, start, end, warnings))
    if footer:
        meta.append(("footer", footer))
    title = dict(meta).get("title", "")
    meta = [(k, v) for k, v in meta if k != "title"]
    sample = "\n".join(e.summary.sections[0][1] for e in entries[:5] if e.summary)
    lang = guess_language(sample or title)
    entries = [_with_lang(e, lang) for e in entries]
    digest = Digest(
        title=title,
        date=find_date(title),
        language=lang,
        entries=tuple(entries),
        metadata=tuple(meta),
        format=FORMAT,
    )
    return ParseResult(digest, FORMAT, tuple(warnings))


def _with_lang(entry: Entry, lang: str) -> Entry:
    if entry.summary is None:
        return entry
    return dataclasses.replace(entry, summary=dataclasses.replace(entry.summary, language=lang))


def _header(lines: list[str]) -> list[tuple[str, str]]:
    """mark, title and intro from the lines before the first paper."""
    paras = _paragraphs(lines)
    meta: list[tuple[str, str]] = []
    while paras and not any(ch.isalnum() for ch in paras[0]):
        meta.append(("mark", paras.pop(0)))
    if paras:
        meta.append(("title", paras.pop(0)))
    if paras and paras[0].strip() == INTRO_LABEL:
        paras.pop(0)
    if paras:
        meta.append(("intro", "\n\n".join(paras)))
    return meta


def _paragraphs(lines: list[str]) -> list[str]:
    out, cur = [], []
    for line in [*lines, ""]:
        if line.strip():
            cur.append(line)
        elif cur:
            out.append("\n".join(cur))
            cur = []
    return out


def _split_footer(lines: list[str], start: int, end: int) -> tuple[int, str]:
    """The last paper ends at the first run of 2+ blank lines after its abstract label."""
    label = next((i for i in range(start, end) if lines[i].strip() in _LABELS), start)
    blank = 0
    for i in range(label + 1, end):
        blank = blank + 1 if not lines[i].strip() else 0
        if blank >= 2:
            rest = "\n".join(lines[i + 1 : end]).strip()
            if rest:
                return i + 1, rest
    return end, ""


def _entry(lines: list[str], start: int, end: int, warnings: Warnings) -> Entry:
    m = _TITLE.match(lines[start])
    assert m is not None
    d = _Draft(start, m.group(2).strip())
    part = "fields"
    for i in range(start + 1, end):
        line = lines[i]
        if part == "fields" and _BULLET.match(line):
            key, value = _BULLET.match(line).groups()  # type: ignore[union-attr]
            d.fields.append((key.strip(), value.strip()))
        elif line.strip() in _LABELS:
            part = _LABELS[line.strip()]
            d.parts.setdefault(part, [])
        elif part in ("summary", "abstract"):
            d.parts[part].append(line)
        elif line.strip():
            warnings.unplaced(i, line, f"in entry {d.title!r}")
    if not d.parts:
        raise ParseError(
            f"paper {d.title!r} has no {SUMMARY_LABEL} or {ABSTRACT_LABEL} (truncated file?)",
            line=start + 1,
        )
    return _finish(d, warnings)


def _finish(d: _Draft, warnings: Warnings) -> Entry:
    known: dict[str, str] = {}
    extra: list[tuple[str, str]] = []
    for key, value in d.fields:
        name = _ALIASES.get(key.lower(), _ALIASES.get(key))
        if name and name not in known:
            known[name] = value
        else:
            extra.append((key, value))
    authors_text = known.get("authors", "")
    for more in _MORE:
        if authors_text.endswith(" " + more):
            authors_text = authors_text[: -len(more) - 1]
            extra.insert(0, ("authors_more", more))
    ident, version = "", None
    if known.get("arxiv_id"):
        try:
            ident, version = split_arxiv_id(known["arxiv_id"])
        except ValueError:
            warnings.append(ParseWarning(d.line + 1, f"bad arXiv ID {known['arxiv_id']!r}"))
            extra.append(("arXiv ID", known["arxiv_id"]))
    if known.get("published") and find_date(known["published"]) is None:
        extra.append((FIELD_LABELS["published"], known["published"]))
    summary_text = "\n".join(d.parts.get("summary", [])).strip()
    return Entry(
        arxiv_id=ident,
        version=version,
        title=decode_accents(d.title),  # TeX from arXiv metadata: Kora\c{s} -> Koraş
        authors=split_authors(decode_accents(authors_text)),
        published=find_date(known.get("published", "")),
        sources=tuple(s.strip() for s in known.get("sources", "").split(",") if s.strip()),
        abstract="\n".join(d.parts.get("abstract", [])).strip(),
        summary=Summary(sections=((SUMMARY_LABEL, summary_text),))
        if "summary" in d.parts
        else None,
        metadata=tuple(extra),
    )
