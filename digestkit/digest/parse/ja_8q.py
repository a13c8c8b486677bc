"""The ``ja-8q`` format: one ``# title`` per paper, a ``[View Paper](arxiv url)`` line,
then the eight numbered questions as ``## N. …`` sections (seeds 001 and 002).

Why blocks and not lines: the bodies hold Python code fences whose comment lines start
with ``#``, and headings sometimes carry longer wording than the template ("## 4.
Limitationや問題点は何か。本文で言及されているものの他、…"). A paper starts only at a real
level-1 heading *immediately followed* by a paragraph holding an arXiv link; reference
lists further down link other papers and are body text. Section bodies are kept verbatim.

What the format carries (everything else is left empty, see ``fixtures/parse/README.md``):
``metadata["preamble"]`` (text before the first paper); per entry ``title``, ``url``,
``arxiv_id``/``version`` (from the url) and ``summary.sections`` (``("", text)`` for text
between the link and the first ``##``). ``language`` is detected, not carried.

>>> doc = "# T\\n\\n[View Paper](http://arxiv.org/abs/2503.04504v1)\\n\\n## 1. Q\\n\\nA\\n"
>>> r = parse(doc)
>>> r.digest.entries[0].arxiv_id, r.digest.entries[0].summary.sections
('2503.04504', (('1. Q', 'A'),))
"""

from __future__ import annotations

import dataclasses

from digestkit.digest.model import Digest, Entry, Summary
from digestkit.digest.parse._base import (
    ParseResult,
    Warnings,
    guess_language,
    need_entries,
)
from digestkit.digest.parse._md import Block, arxiv_refs, blocks, check_fences, slice_lines

__all__ = ["FORMAT", "TEMPLATE", "parse"]

FORMAT = "ja-8q"
TEMPLATE = "ja-8q"


def _paper_link(block: Block) -> tuple[str, str, int | None] | None:
    """(url, id, version) of the first arXiv link in ``block``."""
    for link in block.links:
        refs = arxiv_refs(link.href)
        if refs:
            return link.href, refs[0][0], refs[0][1]
    return None


def entry_starts(found: list[Block]) -> list[int]:
    """Indexes of the ``# title`` blocks that open a paper."""
    return [
        i
        for i, b in enumerate(found[:-1])
        if b.kind == "heading"
        and b.level == 1
        and found[i + 1].kind == "paragraph"
        and _paper_link(found[i + 1])
    ]


def parse(text: str) -> ParseResult:
    """Parse a ja-8q digest (see the module docstring)."""
    lines = text.split("\n")
    found = blocks(text)
    check_fences(found, lines)
    starts = entry_starts(found)
    need_entries(
        len(starts), FORMAT, "'# Title' followed by '[View Paper](https://arxiv.org/abs/…)'"
    )
    warnings = Warnings()
    entries = []
    for k, i in enumerate(starts):
        stop = starts[k + 1] if k + 1 < len(starts) else len(found)
        end_line = found[stop].start if stop < len(found) else len(lines)
        entries.append(_entry(found, i, stop, end_line, lines, warnings))
    preamble = slice_lines(lines, 0, found[starts[0]].start)
    sample = "\n".join(
        e.title + "\n" + (e.summary.sections[0][1] if e.summary and e.summary.sections else "")
        for e in entries[:5]
    )
    lang = guess_language(sample)
    entries = [e if e.summary is None else _with_lang(e, lang) for e in entries]
    digest = Digest(
        language=lang,
        entries=tuple(entries),
        metadata=(("preamble", preamble),) if preamble else (),
        format=FORMAT,
    )
    return ParseResult(digest, FORMAT, tuple(warnings))


def _with_lang(entry: Entry, lang: str) -> Entry:
    assert entry.summary is not None
    return dataclasses.replace(entry, summary=dataclasses.replace(entry.summary, language=lang))


def _entry(
    found: list[Block], i: int, stop: int, end_line: int, lines: list[str], warnings: Warnings
) -> Entry:
    head, link_block = found[i], found[i + 1]
    link = _paper_link(link_block)
    assert link is not None
    url, ident, version = link
    extra = link_block.text.replace(next(x.text for x in link_block.links if x.href == url), "", 1)
    warnings.unplaced(link_block.start, extra, f"beside the paper link of {head.text!r}")
    heads = [j for j in range(i + 2, stop) if found[j].kind == "heading" and found[j].level == 2]
    sections: list[tuple[str, str]] = []
    first_line = found[heads[0]].start if heads else end_line
    intro = slice_lines(lines, link_block.end, first_line)
    if intro:
        sections.append(("", intro))
    for n, j in enumerate(heads):
        body_end = found[heads[n + 1]].start if n + 1 < len(heads) else end_line
        sections.append((found[j].text, slice_lines(lines, found[j].end, body_end)))
    summary = Summary(template=TEMPLATE, sections=tuple(sections)) if sections else None
    return Entry(arxiv_id=ident, version=version, title=head.text, url=url, summary=summary)
