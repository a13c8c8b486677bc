"""Markdown as a flat list of top-level blocks with source line ranges.

Why: every Markdown digest format is "a heading, then some blocks, then the next
heading". markdown-it-py knows what a heading is (a ``#`` inside a code fence is not one;
a ``<details>`` HTML block ends at a blank line), and its token ``map`` gives the source
lines of each block, so parsers can keep bodies *verbatim* by slicing the original lines
instead of re-serialising tokens. Parsers in this package only ever look at these blocks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

from digestkit.digest.tex import decode_accents

if TYPE_CHECKING:  # markdown-it-py is imported by the parsers that use it (~20 ms), so
    # renderers that only escape (md-bot, md-ja-8q, md-checklist) do without it
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

__all__ = ["Block", "Link", "arxiv_refs", "blocks", "plain", "slice_lines"]


@dataclass(frozen=True)
class Link:
    """A Markdown link: where it points and the text shown."""

    href: str
    text: str


@dataclass(frozen=True)
class Block:
    """One top-level block (list items and table rows count as their own blocks).

    ``start``/``end`` are 0-based source line indexes, ``end`` exclusive.
    ``kind`` is one of heading, paragraph, item, row, code, html, hr, quote.
    ``text`` (plain text) and ``links`` are computed on first use: most blocks of a long
    summary are never looked at, and inline parsing is half of markdown-it's time.
    """

    kind: str
    start: int
    end: int
    level: int = 0
    raw: str = ""
    inlines: tuple[str, ...] = ()
    literal: str | None = None

    @cached_property
    def _inline(self) -> tuple[str, tuple[Link, ...]]:
        if self.literal is not None:
            links = _html_links(self.literal) if self.kind == "html" else ()
            return self.literal, links
        texts: list[str] = []
        all_links: list[Link] = []
        for content in self.inlines:
            text, found = _parse_inline(content)
            texts.append(text)
            all_links.extend(found)
        if self.kind == "row":  # keep empty cells: columns must stay aligned
            return " | ".join(texts), tuple(all_links)
        return "\n".join(t for t in texts if t), tuple(all_links)

    @property
    def text(self) -> str:
        return self._inline[0]

    @property
    def links(self) -> tuple[Link, ...]:
        return self._inline[1]


_A_OPEN = re.compile(r"""<a\s[^>]*?href\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


@lru_cache(maxsize=1)
def _inline_markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table")


@lru_cache(maxsize=4096)
def _parse_inline(content: str) -> tuple[str, tuple[Link, ...]]:
    # TeX accents first: Markdown would take the backslash of \' as an escape (Mar'ia).
    tokens = _inline_markdown().parseInline(decode_accents(content))
    return plain(tokens[0].children if tokens else None)


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    # Inline parsing is deferred to Block.text (see Block): the core "inline" rule is off.
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table").disable("inline")


def plain(children: Sequence[Token] | None) -> tuple[str, tuple[Link, ...]]:
    """Inline tokens -> (plain text, links). Soft and hard breaks become ``\\n``.

    >>> tokens = _inline_markdown().parseInline("a [b](http://x) **c**")[0].children
    >>> plain(tokens)
    ('a b c', (Link(href='http://x', text='b'),))
    >>> plain(_inline_markdown().parseInline('<a href="http://y">T</a> x')[0].children)
    ('T x', (Link(href='http://y', text='T'),))
    """
    out: list[str] = []
    links: list[Link] = []
    href: str | None = None
    mark = 0
    for tok in children or ():
        if tok.type == "html_inline":  # markup, not text; but <a href> is a link
            opened = _A_OPEN.match(tok.content)
            if opened:
                href, mark = opened.group(1), len(out)
            elif tok.content.lower().startswith("</a") and href is not None:
                links.append(Link(href, "".join(out[mark:]).strip()))
                href = None
        elif tok.type in ("text", "code_inline"):
            out.append(tok.content)
        elif tok.type in ("softbreak", "hardbreak"):
            out.append("\n")
        elif tok.type == "image":
            out.append(tok.content)
        elif tok.type == "link_open":
            href, mark = str(tok.attrs.get("href", "")), len(out)
        elif tok.type == "link_close" and href is not None:
            links.append(Link(href, "".join(out[mark:]).strip()))
            href = None
    return "".join(out).strip(), tuple(links)


def _inlines(tokens: Sequence[Token], i: int, stop: str) -> tuple[str, ...]:
    """The inline sources from token ``i`` to its matching ``stop`` token."""
    out = []
    depth = tokens[i].level
    for j in range(i + 1, len(tokens)):
        tok = tokens[j]
        if tok.type == stop and tok.level == depth:
            break
        if tok.type == "inline":
            out.append(tok.content)
    return tuple(out)


def blocks(source: str) -> list[Block]:
    """Split Markdown ``source`` into top-level blocks (list items and table rows apart).

    >>> [(b.kind, b.start, b.text) for b in blocks("# T\\n\\n- a\\n- b\\n")]
    [('heading', 0, 'T'), ('item', 2, 'a'), ('item', 3, 'b')]
    """
    tokens = _markdown().parse(source)
    lines = source.split("\n")
    return list(_walk(tokens, lines))


_CLOSE = {
    "heading_open": ("heading", "heading_close", 0),
    "paragraph_open": ("paragraph", "paragraph_close", 0),
    "blockquote_open": ("quote", "blockquote_close", 0),
    "list_item_open": ("item", "list_item_close", 1),
    "tr_open": ("row", "tr_close", 2),
}


def _walk(tokens: list[Token], lines: list[str]) -> Iterator[Block]:
    for i, tok in enumerate(tokens):
        if tok.map is None:
            continue
        start, end = tok.map
        raw = "\n".join(lines[start:end])
        spec = _CLOSE.get(tok.type)
        if spec is not None and tok.level == spec[2]:
            level = int(tok.tag[1]) if spec[0] == "heading" else 0
            yield Block(spec[0], start, end, level, raw, _inlines(tokens, i, spec[1]))
        elif tok.level == 0 and tok.type in ("fence", "code_block"):
            yield Block("code", start, end, 0, raw, literal=tok.content)
        elif tok.level == 0 and tok.type == "html_block":
            yield Block("html", start, end, 0, raw, literal=tok.content)
        elif tok.level == 0 and tok.type == "hr":
            yield Block("hr", start, end, 0, raw, literal="")


_ANCHOR = re.compile(
    r"""<a\s[^>]*?href\s*=\s*["']([^"']+)["'][^>]*>(.*?)</a\s*>""", re.IGNORECASE | re.DOTALL
)
_HREF = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")


def strip_tags(html: str) -> str:
    """Text of an HTML fragment (tags dropped, entities decoded).

    >>> strip_tags("<p>A &amp; <b>B</b></p>")
    'A & B'
    """
    import html as _html

    return _html.unescape(_TAG.sub("", html)).strip()


def _html_links(html: str) -> tuple[Link, ...]:
    """Links of an HTML block: ``<a href>`` with their text, then any other ``href``."""
    links = [Link(m.group(1), strip_tags(m.group(2))) for m in _ANCHOR.finditer(html)]
    seen = {link.href for link in links}
    links += [Link(m.group(1), "") for m in _HREF.finditer(html) if m.group(1) not in seen]
    return tuple(links)


def slice_lines(lines: Sequence[str], start: int, end: int) -> str:
    """Source lines ``start:end`` joined, without blank lines at either edge.

    >>> slice_lines(["", "a", "", "b", "", ""], 0, 6)
    'a\\n\\nb'
    """
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return "\n".join(lines[start:end])


# arXiv references: links to abs/pdf/html pages (and mirrors that key on the id), and
# "arXiv:2401.12345" / "arXiv ID: 2401.12345v2" written in text. A bare 2401.12345 is
# not enough on its own: digests are full of version numbers and scores.
_NEW_ID = r"(\d{4}\.\d{4,5})(?:v(\d+))?"
_OLD_ID = r"([a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v(\d+))?"
_URL_REF = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf|html|format)/|huggingface\.co/papers/|alphaxiv\.org/(?:abs|overview)/"
    r"|arxiv-sanity[\w.\-]*/abs/|semanticscholar\.org/arxiv/)"
    rf"(?:{_NEW_ID}|{_OLD_ID})",
    re.IGNORECASE,
)
_TEXT_REF = re.compile(rf"\barxiv(?:\s*id)?\s*[:：]?\s*(?:{_NEW_ID}|{_OLD_ID})\b", re.IGNORECASE)


def arxiv_refs(text: str) -> list[tuple[str, int | None, int]]:
    """Every arXiv id mentioned in ``text``: ``(id, version, offset)`` in text order.

    >>> arxiv_refs("see https://arxiv.org/abs/2503.04504v2 and arXiv:2401.00001")
    [('2503.04504', 2, 12), ('2401.00001', None, 43)]
    """
    found: dict[int, tuple[str, int | None, int]] = {}
    for pattern in (_URL_REF, _TEXT_REF):
        for m in pattern.finditer(text):
            ident = m.group(1) or m.group(3)
            version = m.group(2) or m.group(4)
            if any(abs(m.start() - k) < 40 and v[0] == ident for k, v in found.items()):
                continue
            found[m.start()] = (ident, int(version) if version else None, m.start())
    return [found[k] for k in sorted(found)]


def check_fences(found: Sequence[Block], lines: Sequence[str]) -> None:
    """Raise :class:`ParseError` at a code fence left open to the end (a truncated file)."""
    from digestkit.errors import ParseError

    line = unclosed_fence(found, lines)
    if line is not None:
        raise ParseError("code fence opened here is never closed (truncated file?)", line=line + 1)


def unclosed_fence(found: Sequence[Block], lines: Sequence[str]) -> int | None:
    """The 0-based line of a code fence that runs to the end of the file unclosed, if any.

    A fence left open swallows everything after it, which is how truncated files look.

    >>> src = "a\\n\\n```py\\n# not a heading\\n"
    >>> unclosed_fence(blocks(src), src.split("\\n"))
    2
    """
    for b in found:
        if b.kind != "code":
            continue
        opener = lines[b.start].lstrip()[:3]
        if opener not in ("```", "~~~"):
            continue
        body = [line.strip() for line in lines[b.start + 1 : b.end]]
        if not any(line.startswith(opener) and not line.strip(opener[0]) for line in body):
            return b.start
    return None


_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")


def split_sections(text: str, max_level: int = 2) -> tuple[tuple[str, str], ...]:
    """Split Markdown at headings of level <= ``max_level``: ``((heading, body), ...)``.

    Text before the first heading gets the heading ``""``; thematic breaks (``---``) at
    the edges of a body are layout, not content, and are dropped (the raw text keeps them).

    >>> split_sections("intro\\n\\n## A\\n\\nx\\n\\n---\\n\\n## B\\ny")
    (('', 'intro'), ('A', 'x'), ('B', 'y'))
    """
    lines = text.split("\n")
    return sections_of(blocks(text), lines, 0, len(lines), max_level)


def sections_of(
    found: Sequence[Block], lines: Sequence[str], start: int, end: int, max_level: int = 2
) -> tuple[tuple[str, str], ...]:
    """:func:`split_sections` of lines ``start:end``, reusing already parsed ``found`` blocks."""
    heads = [
        b for b in found if b.kind == "heading" and b.level <= max_level and start <= b.start < end
    ]
    out: list[tuple[str, str]] = []
    bounds: list[tuple[Block | None, int]] = [(None, start)] + [(h, h.start) for h in heads]
    for n, (head, first) in enumerate(bounds):
        body_start = head.end if head else first
        body_end = bounds[n + 1][1] if n + 1 < len(bounds) else end
        body = _strip_rules(list(lines[body_start:body_end]))
        if head is not None or body:
            out.append((head.text if head else "", body))
    return tuple(out)


def _strip_rules(lines: list[str]) -> str:
    start, end = 0, len(lines)
    while start < end and (not lines[start].strip() or _RULE.match(lines[start])):
        start += 1
    while end > start and (not lines[end - 1].strip() or _RULE.match(lines[end - 1])):
        end -= 1
    return "\n".join(lines[start:end])


def join_sections(sections: Sequence[tuple[str, str]], level: int = 2) -> str:
    """The inverse of :func:`split_sections` for bodies without headings or rules.

    >>> join_sections((("", "intro"), ("A", "x")))
    'intro\\n\\n## A\\n\\nx'
    """
    parts = []
    for head, body in sections:
        if head:
            parts.append("#" * level + " " + escape_inline(head))
        if body:
            parts.append(body)
    return "\n\n".join(parts)


_ESCAPE = re.compile(r"([\\`*_\[\]<>!|~]|&(?=#?\w+;))")
_LINE_START = re.compile(r"^(\s*)([#+=\-]|\d+[.)])")


def escape_inline(text: str, *, line_start: bool = False) -> str:
    r"""Escape ``text`` so Markdown shows it literally (one line: breaks become spaces).

    ``line_start=True`` also escapes what would open a block at the start of a line
    (``# ``, ``- ``, ``1. ``); headings and link texts do not need it.

    >>> escape_inline("a*b* <x> #")
    'a\\*b\\* \\<x\\> \\#'
    >>> escape_inline("1. x", line_start=True)
    '1\\. x'
    """
    text = _ESCAPE.sub(r"\\\1", " ".join(text.split()))
    if text.endswith("#"):
        text = text[:-1] + "\\#"
    m = _LINE_START.match(text) if line_start else None
    if m:
        mark = m.group(2)
        text = m.group(1) + (mark[:-1] + "\\" + mark[-1]) + text[m.end() :]
    return text


def escape_text(text: str) -> str:
    """:func:`escape_inline` line by line, keeping line and paragraph breaks.

    >>> escape_text("a\\n\\n# b")
    'a\\n\\n\\\\# b'
    """
    out = []
    for line in text.strip().split("\n"):
        out.append(escape_inline(line, line_start=True) if line.strip() else "")
    return "\n".join(out)
