"""The ``bot-readme`` format: an arXiv bot's README (seed 004).

Layout: ``# title``, free text, a ``## 📊 Statistics`` list (``**Last Updated**: …``),
``## 📚 Recent Papers``, then one ``### N. [title](abs url)`` per paper with a
``**Authors**: …`` field paragraph, ``#### Abstract`` and, optionally, the AI summary in
``<details><summary>🤖 AI Summary (by MODEL)</summary> … </details>``; the README's other
sections follow the last paper.

All of that structure is ASCII, so it survives mojibake: the parser works on whatever the
repair step produced. ``<details>`` bodies are Markdown with their own ``#`` headings:
the parser tracks the HTML blocks that open and close them, so those headings are summary
text, never papers.

What the format carries: ``title``; ``date`` (from Last Updated); ``metadata`` =
``preamble`` (text between the title and Statistics), the statistics not derivable from the
entries, ``footer`` (README sections after the papers); per entry every field line
(authors, categories, published, updated when it differs from published, score, announce
type, arXiv id and version),
``url``, ``abstract`` and ``summary.model`` + ``summary.raw`` (``sections`` are ``raw``
split at ``#``/``##`` headings).

>>> doc = ("# Bot\\n\\n## 📚 Recent Papers\\n\\n### 1. [T](https://arxiv.org/abs/2602.04870)\\n\\n"
...        "**Authors**: A, B  \\n**ArXiv ID**: 2602.04870v1\\n\\n#### Abstract\\nShort.\\n")
>>> e = parse(doc).digest.entries[0]
>>> e.title, e.authors, e.version, e.abstract
('T', ('A', 'B'), 1, 'Short.')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from digestkit.digest.model import Digest, Entry, Summary, split_arxiv_id
from digestkit.digest.parse._base import (
    SEVERAL_DIGESTS,
    ParseResult,
    ParseWarning,
    Warnings,
    find_date,
    guess_language,
    need_entries,
    split_authors,
)
from digestkit.digest.parse._md import (
    Block,
    arxiv_refs,
    blocks,
    check_fences,
    sections_of,
    slice_lines,
)
from digestkit.errors import ParseError

__all__ = [
    "FORMAT",
    "PAPERS_HEADING",
    "STATS_HEADING",
    "derived_categories",
    "parse",
    "summary_label",
]

FORMAT = "bot-readme"
STATS_HEADING = "📊 Statistics"
PAPERS_HEADING = "📚 Recent Papers"
_ENTRY = re.compile(r"^\d+\.\s+")
_MODEL = re.compile(r"\(by ([^)]*)\)")
_FIELD = re.compile(r"^([A-Za-z][\w .\-]*?)\s*:\s*(.*)$")


def summary_label(model: str, name: str = "") -> str:
    """The ``<summary>`` line this format writes for a model's summary; ``name`` tells one
    of several summaries of a paper from the others (``"zh-4part · zh"``).

    >>> summary_label("qwen-long")
    '<summary><strong>🤖 AI Summary (by qwen-long)</strong> - Click to expand</summary>'
    >>> summary_label("m", "zh-4part · zh")
    '<summary><strong>🤖 AI Summary [zh-4part · zh] (by m)</strong> - Click to expand</summary>'
    """
    named = f" [{name}]" if name else ""
    return (
        f"<summary><strong>🤖 AI Summary{named} (by {model})</strong> - Click to expand</summary>"
    )


@dataclass
class _Draft:
    """An entry being read: fields collected as the blocks go by."""

    line: int
    title: str
    url: str
    fields: dict[str, Any] = field(default_factory=dict)
    abstract: list[str] = field(default_factory=list)
    summaries: list[Summary] = field(default_factory=list)  # one per <details>
    in_abstract: bool = False


def parse(text: str) -> ParseResult:
    """Parse a bot README digest (see the module docstring).

    Several READMEs concatenated in one file (a ``# title`` after the papers, followed by
    papers of its own) give all their entries, a warning at each later ``# title``, and
    the separate digests in ``ParseResult.parts``; never a silent footer.
    """
    parts = _parse_parts(text, 0)
    if len(parts) == 1:
        return parts[0][1]
    warnings = [w for _, r in parts for w in r.warnings]
    warnings += [
        ParseWarning(
            start + 1,
            f"{SEVERAL_DIGESTS} ({r.digest.title!r}, {len(r.digest.entries)} papers): its "
            "papers were added; parse with --split to keep the digests apart",
        )
        for start, r in parts[1:]
    ]
    merged = parts[0][1].digest.with_entries(e for _, r in parts for e in r.digest.entries)
    ordered = tuple(sorted(warnings, key=lambda w: w.line))
    return ParseResult(merged, FORMAT, ordered, tuple(r.digest for _, r in parts))


def _parse_parts(text: str, offset: int) -> list[tuple[int, ParseResult]]:
    """``(first line, result)`` per concatenated README, lines counted from ``offset``
    (0-based); warning lines are shifted to the whole file's."""
    lines = text.split("\n")
    found = blocks(text)
    result, footer_start = _parse_one(found, lines)
    cut = _next_document(found, footer_start)
    if cut is None:
        return [(offset, _shift(result, offset))]
    head_lines = lines[:cut]
    head = _shift(_parse_one(blocks("\n".join(head_lines)), head_lines)[0], offset)
    return [(offset, head), *_parse_parts("\n".join(lines[cut:]), offset + cut)]


def _shift(result: ParseResult, offset: int) -> ParseResult:
    if not offset:
        return result
    moved = tuple(ParseWarning(w.line + offset, w.message, w.text) for w in result.warnings)
    return ParseResult(result.digest, result.format, moved)


def _next_document(found: list[Block], footer: int | None) -> int | None:
    """The line where a second README starts: a ``# title`` after the first one's papers
    (outside their ``<details>``) that is followed by papers of its own."""
    if footer is None:
        return None
    start = next((i for i, b in enumerate(found) if b.start >= footer), len(found))
    for i in range(start, len(found)):
        b = found[i]
        if b.kind == "heading" and b.level == 1:
            later = found[i + 1 :]
            stop = next(
                (j for j, c in enumerate(later) if c.kind == "heading" and c.level == 1),
                len(later),
            )
            if any(_is_entry_heading(c) for c in later[:stop]):
                return b.start
    return None


def _parse_one(found: list[Block], lines: list[str]) -> tuple[ParseResult, int | None]:
    """One README: the result and the line where its footer starts (``None``: none)."""
    check_fences(found, lines)
    warnings = Warnings()
    head = _Head()
    drafts: list[_Draft] = []
    footer_start = _read_blocks(found, lines, head, drafts, warnings)
    if not drafts and head.stats.get("Total Papers Found", "").strip() != "0":
        need_entries(0, FORMAT, "headings like '### 1. [Title](https://arxiv.org/abs/…)'")
    entries = [_finish(d, warnings) for d in drafts]
    if head.preamble_end is None:
        head.preamble_end = drafts[0].line if drafts else (footer_start or len(lines))
    footer = slice_lines(lines, footer_start, len(lines)) if footer_start is not None else ""
    digest = _digest(head, entries, footer, lines, warnings)
    return ParseResult(digest, FORMAT, tuple(warnings)), footer_start


def _read_blocks(
    found: list[Block], lines: list[str], head: _Head, drafts: list[_Draft], warnings: Warnings
) -> int | None:
    """Walk the blocks into ``head`` and ``drafts``; returns the footer's first line."""
    i = 0
    while i < len(found):
        b = found[i]
        if _is_entry_heading(b):
            drafts.append(_Draft(b.start, _entry_title(b), _entry_url(b)))
        elif (drafts or head.section == "papers") and b.kind == "heading" and b.level <= 2:
            return b.start  # the README's own sections after the papers
        elif drafts:
            i = _entry_block(drafts[-1], found, i, lines, warnings)
        else:
            head.take(b, lines, warnings)
        i += 1
    return None


def _is_entry_heading(b: Block) -> bool:
    return (
        b.kind == "heading"
        and b.level == 3
        and bool(_ENTRY.match(b.text))
        and any(arxiv_refs(link.href) for link in b.links)
    )


def _entry_title(b: Block) -> str:
    for link in b.links:
        if arxiv_refs(link.href) and link.text:
            return link.text
    return _ENTRY.sub("", b.text)


def _entry_url(b: Block) -> str:
    return next(link.href for link in b.links if arxiv_refs(link.href))


class _Head:
    """Everything before the first paper: title, free text, statistics."""

    def __init__(self) -> None:
        self.title = ""
        self.title_end = 0
        self.preamble_end: int | None = None
        self.stats: dict[str, str] = {}
        self.headings: dict[str, str] = {}
        self.section = ""

    def take(self, b: Block, lines: list[str], warnings: Warnings) -> None:
        if b.kind == "heading" and b.level == 1 and not self.title:
            self.title, self.title_end = b.text, b.end
        elif b.kind == "heading" and "statistics" in b.text.lower():
            self.preamble_end = b.start if self.preamble_end is None else self.preamble_end
            self.section, self.headings["stats"] = "stats", b.text
        elif b.kind == "heading" and b.level == 2 and self.section == "stats":
            self.section, self.headings["papers"] = "papers", b.text
        elif self.section == "stats" and b.kind == "item" and _FIELD.match(b.text):
            key, value = _FIELD.match(b.text).groups()  # type: ignore[union-attr]
            self.stats[key.strip()] = value.strip()
        elif self.section:
            warnings.unplaced(b.start, b.raw, "between the statistics and the first paper")
        elif not self.title:
            warnings.unplaced(b.start, b.raw, "before the title")


def _entry_block(
    d: _Draft, found: list[Block], i: int, lines: list[str], warnings: Warnings
) -> int:
    """Read block ``i`` into ``d``; returns the index of the last block consumed."""
    b = found[i]
    if b.kind == "heading" and b.level == 4 and b.text.strip().lower() == "abstract":
        d.in_abstract = True
    elif b.kind == "paragraph" and not d.fields and not d.in_abstract and _fields(b.text):
        d.fields = _fields(b.text)
    elif b.kind == "paragraph" and d.in_abstract:
        d.abstract.append(b.text)
    elif b.kind == "html" and b.text.lstrip().lower().startswith("<details"):
        d.in_abstract = False
        close = _closing(found, i)
        if close is None:
            raise ParseError(
                "<details> opened here is never closed (truncated file?)", line=b.start + 1
            )
        raw = slice_lines(lines, b.end, found[close].start)
        model = _MODEL.search(b.text)
        d.summaries.append(
            Summary(
                language=guess_language(raw),
                model=model.group(1).strip() if model else "",
                sections=sections_of(found[i + 1 : close], lines, b.end, found[close].start),
                raw=raw,
            )
        )
        return close
    elif b.kind == "hr":
        d.in_abstract = False
    else:
        warnings.unplaced(b.start, b.raw, f"in entry {d.title!r}")
    return i


def _closing(found: list[Block], i: int) -> int | None:
    depth = 0
    for j in range(i, len(found)):
        if found[j].kind != "html":
            continue
        text = found[j].text.lower()
        depth += text.count("<details") - text.count("</details")
        if depth <= 0:
            return j
    return None


def _fields(text: str) -> dict[str, str]:
    out = {}
    for line in text.split("\n"):
        m = _FIELD.match(line.strip())
        if not m:
            return {}
        out[m.group(1).strip()] = m.group(2).strip()
    return out


_KNOWN = {"authors", "category", "categories", "published", "updated", "score", "type", "arxiv id"}


def _finish(d: _Draft, warnings: Warnings) -> Entry:
    f = {k.lower(): v for k, v in d.fields.items()}
    ident, version = "", None
    try:
        if f.get("arxiv id"):
            ident, version = split_arxiv_id(f["arxiv id"])
    except ValueError:
        warnings.append(_warn(d.line, f"bad ArXiv ID {f['arxiv id']!r}"))
    if not ident:
        ref = arxiv_refs(d.url)[0]
        ident, version = ref[0], ref[1]
    score = None
    if f.get("score"):
        try:
            score = float(f["score"])
        except ValueError:
            warnings.append(_warn(d.line, f"score is not a number: {f['score']!r}"))
    cats = f.get("categories", f.get("category", ""))
    # An "Updated" equal to "Published" says nothing (the renderer never writes one).
    published, updated = find_date(f.get("published", "")), find_date(f.get("updated", ""))
    return Entry(
        arxiv_id=ident,
        version=version,
        title=d.title,
        url=d.url,
        authors=split_authors(f.get("authors", "")),
        categories=tuple(c.strip() for c in cats.split(",") if c.strip()),
        published=published,
        updated=updated if updated != published else None,
        score=score,
        announce_type=f.get("type") or None,
        abstract="\n\n".join(d.abstract),
        summaries=tuple(d.summaries),
        metadata=tuple((k, v) for k, v in d.fields.items() if k.lower() not in _KNOWN),
    )


def _warn(line0: int, message: str) -> ParseWarning:
    return ParseWarning(line0 + 1, message)


def derived_categories(entries: list[Entry] | tuple[Entry, ...]) -> str:
    """The "Categories Monitored" line the renderer writes when none is stored.

    >>> derived_categories([Entry(categories=("cs.LG",)), Entry(categories=("cs.AI", "cs.LG"))])
    'cs.AI, cs.LG'
    """
    return ", ".join(sorted({c for e in entries for c in e.categories}))


def _digest(
    head: _Head, entries: list[Entry], footer: str, lines: list[str], warnings: Warnings
) -> Digest:
    stats = dict(head.stats)
    date = find_date(stats.get("Last Updated", ""))
    total = stats.pop("Total Papers Found", None)
    if total is not None and total.strip() != str(len(entries)):
        warnings.append(_warn(0, f"statistics say {total} papers, found {len(entries)}"))
    if date and stats.get("Last Updated") == date.isoformat():
        del stats["Last Updated"]
    if stats.get("Categories Monitored") == derived_categories(entries):
        del stats["Categories Monitored"]
    meta: list[tuple[str, str]] = []
    preamble = slice_lines(lines, head.title_end, head.preamble_end or head.title_end)
    if preamble:
        meta.append(("preamble", preamble))
    for key, default in (("stats", STATS_HEADING), ("papers", PAPERS_HEADING)):
        if head.headings.get(key, default) != default:
            meta.append((f"{key}_heading", head.headings[key]))
    meta.extend(stats.items())
    if footer:
        meta.append(("footer", footer))
    sample = "\n".join(e.title + " " + e.abstract for e in entries[:5])
    return Digest(
        title=head.title,
        date=date,
        language=guess_language(sample) if sample.strip() else "",
        entries=tuple(entries),
        metadata=tuple(meta),
        format=FORMAT,
    )
