"""The ``generic`` parser: any Markdown or plain-text digest, found by its arXiv references.

Why a structural guess rather than patterns: layouts nobody has seen yet still share two
facts. A digest repeats one *unit* per paper, and each unit mentions its paper early
(a link in the heading, a "View Paper" line, "arXiv:2401.12345" in a list item). Other
arXiv links appear later in a unit (reference lists) and are not papers.

So: the HTML ``<details>`` bodies are opaque (their headings are summary text); for each
heading level, count the sections that mention an arXiv id near their top; the level with
the most (then the outermost) is the unit. A section whose own top-level blocks mention
several different papers (``## NLP`` then a list of links) is a container: its blocks are
the units instead. Without useful headings, blocks (paragraphs, list items, table rows,
lines of bare ids) are the units, and a short title line just before an anchor joins it.

Title: the link text (unless it is "PDF", "View Paper", …), else the heading, else the
title line before the anchor, else the anchor's own text. Summary: the unit's other text,
verbatim. Text before the first paper is ``metadata["preamble"]``; text outside every
unit after it comes back as warnings.

>>> doc = "Today\\n\\n- [Attention Is All You Need](https://arxiv.org/abs/1706.03762v7): transformers\\n- BERT, arXiv:1810.04805\\n"
>>> [(e.arxiv_id, e.title) for e in parse(doc).digest.entries]
[('1706.03762', 'Attention Is All You Need'), ('1810.04805', 'BERT')]
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

from digestkit.digest.model import Digest, Entry, Summary
from digestkit.digest.parse._base import (
    ParseResult,
    Warnings,
    find_date,
    guess_language,
    need_entries,
    split_authors,
)
from digestkit.digest.parse._md import (
    Block,
    Link,
    arxiv_refs,
    blocks,
    check_fences,
    slice_lines,
    strip_tags,
)

__all__ = ["FORMAT", "parse"]

FORMAT = "generic"
_GENERIC_LINK = re.compile(
    r"^\s*(?:view|read|open)?\s*(?:the\s+)?(?:paper|pdf|abs(?:tract)?|arxiv|html|link|here|"
    r"論文|原文|链接|論文リンク|code|project|page|hf|huggingface)?\s*(?:link|page)?\s*$",
    re.IGNORECASE,
)
_ENUM = re.compile(r"^\s*(?:[-*+•・]\s*|\(?\d{1,3}[.)、]\s*|#+\s*|\[[ xX]\]\s*)+")
_SEP = re.compile(r"^[\s\-–—:：|,;*]+|[\s\-–—:：|,;*]+$")
_REF_TEXT = re.compile(
    r"\(?\s*(?:https?://\S+|arxiv(?:\s*id)?\s*[:：]?\s*\d{4}\.\d{4,5}(?:v\d+)?|\d{4}\.\d{4,5}(?:v\d+)?)\s*\)?",
    re.IGNORECASE,
)
_AUTHORS = re.compile(r"^\s*(?:[-*•]\s*)?\**(?:authors?|著者|作者)\**\s*[:：]\s*(.+)$", re.I | re.M)
_TITLE_LIKE_MAX = 300
_BOLD = re.compile(r"(?:\*\*|__)(?![\s*])(.+?)(?<![\s:：])(?:\*\*|__)(?!\s*[:：])")
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]|（\s*）")
_DASH = re.compile(r"\s+[—–-]\s+|\s+\|\s+")
_ID = re.compile(r"(?:arxiv:?\s*)?\d{4}\.\d{4,5}(?:v\d+)?", re.IGNORECASE)


@dataclasses.dataclass
class _Unit:
    """One paper's span of blocks: ``anchor`` mentions it, ``title_block`` names it."""

    start: int  # block index where the unit starts
    anchor: int  # block index with the reference
    ident: str
    version: int | None
    url: str
    title: str = ""
    end: int = -1  # block index (exclusive)
    heading: bool = False
    section: str = ""  # the heading of the list this unit sits in, if any


def _refs(b: Block) -> list[tuple[str, int | None, str]]:
    if b.kind == "code":
        return []
    out: list[tuple[str, int | None, str]] = []
    for link in b.links:
        out.extend((i, v, link.href) for i, v, _ in arxiv_refs(link.href))
    out.extend((i, v, "") for i, v, _ in arxiv_refs(b.text))
    seen: dict[str, tuple[str, int | None, str]] = {}
    for ident, version, url in out:
        if ident not in seen or (url and not seen[ident][2]):
            seen[ident] = (ident, version, url)
    order = [i for i, _, _ in out]
    return sorted(seen.values(), key=lambda r: order.index(r[0]))


def _opaque_details(found: list[Block]) -> list[Block]:
    """Headings inside ``<details>`` bodies become plain text blocks."""
    out, depth = [], 0
    for b in found:
        if b.kind == "html":
            depth = max(
                0, depth + b.text.lower().count("<details") - b.text.lower().count("</details")
            )
            out.append(b)
        elif depth and b.kind == "heading":
            out.append(dataclasses.replace(b, kind="paragraph"))
        else:
            out.append(b)
    return out


def parse(text: str) -> ParseResult:
    """Find the papers of any digest (see the module docstring)."""
    lines = text.split("\n")
    found = _explode(_opaque_details(blocks(text)), lines)
    check_fences(found, lines)
    units = _heading_units(found) or _flat_units(found, 0, len(found))
    need_entries(len(units), FORMAT, "no arXiv links or 'arXiv:ID' mentions")
    warnings = Warnings()
    entries = [_entry(u, found, lines) for u in units]
    _report_gaps(units, found, lines, warnings)
    preamble = slice_lines(lines, 0, found[units[0].start].start)
    title = next((b.text for b in found[: units[0].start] if b.kind == "heading"), "")
    sample = "\n".join(
        e.title + "\n" + (e.summary.raw[:500] if e.summary else "") for e in entries[:8]
    )
    digest = Digest(
        title=title,
        date=find_date(title) if title else None,
        language=guess_language(sample),
        entries=tuple(entries),
        metadata=(("preamble", preamble),) if preamble else (),
        format=FORMAT,
    )
    return ParseResult(digest, FORMAT, tuple(warnings))


def _explode(found: list[Block], lines: list[str]) -> list[Block]:
    """A paragraph listing several papers on separate lines becomes one block per line."""
    out: list[Block] = []
    for b in found:
        ids_by_line = [
            {r[0] for r in arxiv_refs(lines[n])} | {r[0] for r in _line_link_refs(lines[n])}
            for n in range(b.start, b.end)
        ]
        if (
            b.kind == "paragraph"
            and len({i for s in ids_by_line for i in s}) >= 2
            and sum(1 for s in ids_by_line if s) >= 2
        ):
            for n in range(b.start, b.end):
                out.append(Block("paragraph", n, n + 1, 0, lines[n], (lines[n].strip(),)))
        else:
            out.append(b)
    return out


def _line_link_refs(line: str) -> list[tuple[str, int | None, int]]:
    return [r for m in re.finditer(r"\]\(([^)\s]+)", line) for r in arxiv_refs(m.group(1))]


def _top_blocks(found: list[Block], i: int, end: int) -> list[int]:
    """Block indexes directly under heading ``i`` (before any sub-heading)."""
    out = []
    for j in range(i + 1, end):
        if found[j].kind == "heading":
            break
        out.append(j)
    return out


def _sections(found: list[Block], level: int) -> list[tuple[int, int]]:
    heads = [i for i, b in enumerate(found) if b.kind == "heading" and b.level == level]
    out = []
    for i in heads:
        end = next(
            (
                j
                for j in range(i + 1, len(found))
                if found[j].kind == "heading" and found[j].level <= level
            ),
            len(found),
        )
        out.append((i, end))
    return out


def _heading_units(found: list[Block]) -> list[_Unit]:
    best: tuple[int, int, int] | None = None
    for level in range(1, 7):
        secs = _sections(found, level)
        with_refs = [s for s in secs if any(_refs(found[j]) for j in range(s[0], s[1]))]
        near_top = [
            s
            for s in secs
            if _refs(found[s[0]])
            or any(_refs(found[j]) for j in _top_blocks(found, s[0], s[1])[:2])
        ]
        score = (len(near_top), len(with_refs), -level)
        if len(with_refs) >= 2 and (best is None or score > best):
            best = score
    if best is None:
        return []
    secs = _sections(found, -best[2])
    # A level whose sections list several papers directly (## NLP / - [A](…) / - [B](…))
    # holds lists: then every section's blocks are units, even a section with one paper.
    lists = any(not _refs(found[i]) and len(_top_anchors(found, i, end)) >= 2 for i, end in secs)
    units: list[_Unit] = []
    for i, end in secs:
        if lists and not _refs(found[i]):
            for unit in _flat_units(found, i + 1, end):
                unit.section = found[i].text
                units.append(unit)
            continue
        ref_at = next((j for j in range(i, end) if _refs(found[j])), None)
        if ref_at is None:
            continue
        ident, version, url = _refs(found[ref_at])[0]
        units.append(_Unit(i, ref_at, ident, version, url, end=end, heading=True))
    return units


def _top_anchors(found: list[Block], i: int, end: int) -> list[int]:
    """Blocks directly under heading ``i`` that mention a paper not mentioned before."""
    seen: set[str] = set()
    out = []
    for j in _top_blocks(found, i, end):
        refs = [r[0] for r in _refs(found[j]) if r[0] not in seen]
        if refs:
            out.append(j)
            seen.update(refs)
    return out


def _flat_units(found: list[Block], a: int, b: int) -> list[_Unit]:
    units: list[_Unit] = []
    for j in range(a, b):
        blk = found[j]
        if blk.kind == "heading":
            continue
        refs = _refs(blk)
        if not refs or (units and refs[0][0] == units[-1].ident):
            continue
        after_prev = units[-1].anchor if units else a - 1
        start = j
        if not _own_title(blk, refs[0][0]):
            start = _title_before(found, j, max(a, after_prev + 1))
        ident, version, url = refs[0]
        if units:
            units[-1].end = start
        units.append(_Unit(start, j, ident, version, url))
    if units:
        units[-1].end = next(
            (k for k in range(units[-1].anchor + 1, b) if found[k].kind == "heading"), b
        )
    return units


# Field lines of a paper ("Authors: …"); a title may also read "Name: subtitle", so only
# these keys (or a • bullet) make a line a field.
_FIELD = re.compile(
    r"^\s*(?:[•・]\s*[^:：]{1,24}|(?:[-*+]\s*)?\**(?:authors?|著者|作者|published|updated|dates?|"
    r"公開日|発表日|日期|发布日期|sources?|ソース|来源|categor(?:y|ies)|カテゴリ|分类|scores?|スコア|"
    r"type|arxiv(?:\s*id)?|ids?|links?|urls?|pdf|code|github|tags?|keywords?|キーワード|关键词|"
    r"affiliations?|所属|机构|venue|comments?|upvotes?|likes?)\**)\s*[:：]",
    re.IGNORECASE,
)


def _own_title(b: Block, ident: str) -> bool:
    """Does the anchor block name its paper itself (link text or a first line that is not a field)?"""
    if _link_title(b.links, ident):
        return True
    cleaned = _clean(b.text)
    return bool(cleaned) and not _FIELD.match(cleaned)


def _title_before(found: list[Block], j: int, lowest: int) -> int:
    """Where a unit whose anchor (block ``j``) names no title starts: at the title line
    above it, skipping field lines ("Authors: …"); ``j`` itself if there is none."""
    k = j - 1
    while k >= lowest and _is_field(found[k]):
        k -= 1
    return k if k >= lowest and _title_like(found[k]) else j


def _is_field(b: Block) -> bool:
    return b.kind in ("paragraph", "item") and bool(_FIELD.match(b.text))


def _title_like(b: Block) -> bool:
    return (
        b.kind in ("paragraph", "item", "heading")
        and "\n" not in b.text
        and 0 < len(b.text) <= _TITLE_LIKE_MAX
        and not _refs(b)
        and not b.text.rstrip().endswith((":", "："))
        and not _is_field(b)
    )


def _link_title(links: Sequence[Link], ident: str) -> str:
    for link in links:
        if any(r[0] == ident for r in arxiv_refs(link.href)):
            text = link.text.strip()
            if (
                text
                and not _GENERIC_LINK.match(text)
                and not arxiv_refs(text)
                and not _ID.fullmatch(text)
                and not text.startswith("http")
            ):
                return text
    return ""


_LABEL = re.compile(
    r"^(?:セクション|section|sec\.?|paper|論文|论文|第)\s*\d+\s*(?:回|篇|本)?\s*[:：.、]\s*", re.I
)


def _clean(text: str) -> str:
    """A title candidate: first line, without refs, enumerators, labels ("Paper 3:")."""
    text = _REF_TEXT.sub(" ", text.split("\n")[0])
    text = _SEP.sub("", _ENUM.sub("", text)).strip()
    return _LABEL.sub("", text).strip() or text


def _title(u: _Unit, found: list[Block]) -> tuple[str, set[int]]:
    """The unit's title and the blocks that only served to carry it."""
    anchor, head = found[u.anchor], found[u.start]
    used: set[int] = set()
    if u.heading:
        title = _link_title(head.links, u.ident) or _clean(head.text)
        used.add(u.start)
        if u.anchor != u.start and not _clean(anchor.text.replace(_link_text(anchor), "")):
            used.add(u.anchor)
        return title, used
    title = _link_title(anchor.links, u.ident)
    if not title and u.start != u.anchor:
        title = _clean(head.text)
        used.add(u.start)
    if not title and anchor.kind == "row":
        title = _row_title(found, u.anchor)
    if not title:  # "- **Title** ([arXiv](…)) [[code](…)]": the bold words name the paper
        bold = _BOLD.search(anchor.raw.split("\n")[0])
        title = bold.group(1).strip() if bold else ""
    if not title:
        text = strip_tags(anchor.text) if anchor.kind == "html" else anchor.text
        for link in anchor.links:  # "[PDF](…) Title" -> "Title"
            if link.text and _GENERIC_LINK.match(link.text):
                text = text.replace(link.text, " ", 1)
        text = _EMPTY_BRACKETS.sub(" ", text)
        title = _DASH.split(_clean(text), maxsplit=1)[0].strip()
    return title, used


_TITLE_HEADER = re.compile(r"title|タイトル|标题|題名|题目|論文|论文|paper|name", re.IGNORECASE)


def _row_title(found: list[Block], j: int) -> str:
    """The title cell of table row ``j``: the column headed "Title" (タイトル, 标题, …),
    else the first cell with words in it that is not an id or a date."""
    cells = [c.strip() for c in found[j].text.split(" | ")]
    k = j
    while k > 0 and found[k - 1].kind == "row" and found[k - 1].end >= found[k].start - 1:
        k -= 1
    header = [c.strip() for c in found[k].text.split(" | ")] if k != j else []
    for n, head in enumerate(header):
        if _TITLE_HEADER.search(head) and n < len(cells) and cells[n]:
            return cells[n]
    return next(
        (
            c
            for c in cells
            if sum(ch.isalpha() for ch in c) >= 3
            and not arxiv_refs(c)
            and not _ID.fullmatch(c)
            and not find_date(c)
        ),
        "",
    )


def _link_text(b: Block) -> str:
    return " ".join(link.text for link in b.links)


def _entry(u: _Unit, found: list[Block], lines: list[str]) -> Entry:
    title, used = _title(u, found)
    first = u.start
    while first < u.end and first in used:
        first += 1
    end_line = found[u.end].start if u.end < len(found) else len(lines)
    body = slice_lines(lines, found[first].start, end_line) if first < u.end else ""
    authors = _AUTHORS.search(body)
    url = u.url or f"https://arxiv.org/abs/{u.ident}" + (f"v{u.version}" if u.version else "")
    return Entry(
        arxiv_id=u.ident,
        version=u.version,
        title=title,
        url=url,
        authors=split_authors(authors.group(1).strip().strip("*")) if authors else (),
        summary=Summary(sections=(("", body),), raw=body) if body else None,
        metadata=(("section", u.section),) if u.section else (),
    )


def _report_gaps(
    units: list[_Unit], found: list[Block], lines: list[str], warnings: Warnings
) -> None:
    covered: set[int] = set()
    for u in units:
        covered.update(range(u.start, u.end))
        if u.section:  # the list's heading is kept as the entries' "section"
            covered.add(next(j for j in range(u.start, -1, -1) if found[j].kind == "heading"))
    first = units[0].start
    for j in range(first, len(found)):
        if j not in covered:
            warnings.unplaced(found[j].start, found[j].raw, "outside every paper")
