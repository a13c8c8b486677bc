"""The ``checklist`` format: a reading-group checklist (seed 000).

Layout: ``# title (date)``, then per presented item ``## セクション N: title`` with
subsections ``### A: Contribution`` … ``### D: Gaps & Next Step`` of ``- [x]`` items,
separated by ``---``. An item is a *section*, not always one paper: it may compare two
models and link GitHub and Hugging Face pages besides arXiv.

Each section becomes one :class:`~digestkit.digest.model.Entry`: ``title`` from the
heading, ``summary.sections`` = the subsections verbatim, and *derived* from them (so not
stored separately): ``arxiv_id``/``version``/``url`` from the first arXiv URL,
``metadata["links"]`` (every URL, space separated) and ``published`` when the 公開日 line
holds exactly one date. ``metadata["preamble"]`` keeps text between the title and the
first section.

>>> doc = "# C (2026/02/19)\\n\\n## セクション 1: X\\n\\n### A: Contribution\\n- [x] 論文リンク: https://arxiv.org/abs/2601.20552\\n"
>>> e = parse(doc).digest.entries[0]
>>> e.title, e.arxiv_id, e.summary.sections[0][0]
('X', '2601.20552', 'A: Contribution')
"""

from __future__ import annotations

import re

from digestkit.digest.model import Digest, Entry, Summary
from digestkit.digest.parse._base import (
    ParseResult,
    Warnings,
    find_date,
    guess_language,
    need_entries,
)
from digestkit.digest.parse._md import arxiv_refs, blocks, check_fences, slice_lines, split_sections

__all__ = ["FORMAT", "TEMPLATE", "derive", "parse"]

FORMAT = "checklist"
TEMPLATE = "checklist"
_LABEL = re.compile(r"^(?:セクション|Section|Sec\.?)\s*\d+\s*[:：]\s*", re.IGNORECASE)
_URL = re.compile(r"https?://[^\s<>)\]|]+")
_PUBLISHED = re.compile(r"(?:公開日|Published)\s*[:：]\s*(.*)")
_ANY_DATE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}")


def derive(sections: tuple[tuple[str, str], ...]) -> dict[str, object]:
    """Entry fields derived from a section's subsections (arXiv id, url, links, date).

    >>> derive((("A", "- [x] 公開日: 2026/01/27\\n- [x] 論文リンク: https://arxiv.org/abs/2601.20552v2"),))
    {'arxiv_id': '2601.20552', 'version': 2, 'url': 'https://arxiv.org/abs/2601.20552v2', 'published': datetime.date(2026, 1, 27), 'metadata': (('links', 'https://arxiv.org/abs/2601.20552v2'),)}
    """
    text = "\n".join(body for _, body in sections)
    urls = list(dict.fromkeys(u.rstrip(".,;:") for u in _URL.findall(text)))
    out: dict[str, object] = {}
    for url in urls:
        refs = arxiv_refs(url)
        if refs:
            out.update(arxiv_id=refs[0][0], version=refs[0][1], url=url)
            break
    m = _PUBLISHED.search(text)
    if m and len(_ANY_DATE.findall(m.group(1))) == 1:
        out["published"] = find_date(m.group(1))
    out["metadata"] = (("links", " ".join(urls)),) if urls else ()
    return out


def parse(text: str) -> ParseResult:
    """Parse a checklist digest (see the module docstring)."""
    lines = text.split("\n")
    found = blocks(text)
    check_fences(found, lines)
    warnings = Warnings()
    heads = [b for b in found if b.kind == "heading" and b.level == 2]
    need_entries(len(heads), FORMAT, "'## セクション N: title' headings")
    title_block = next((b for b in found if b.kind == "heading" and b.level == 1), None)
    title_end = 0
    if title_block is not None and title_block.start < heads[0].start:
        title_end = title_block.end
        warnings.unplaced(0, slice_lines(lines, 0, title_block.start), "before the title")
    entries = []
    for n, head in enumerate(heads):
        end = heads[n + 1].start if n + 1 < len(heads) else len(lines)
        sections = split_sections(slice_lines(lines, head.end, end), max_level=3)
        entries.append(
            Entry(
                title=_LABEL.sub("", head.text),
                summary=Summary(template=TEMPLATE, sections=sections) if sections else None,
                **derive(sections),  # type: ignore[arg-type]
            )
        )
    preamble = slice_lines(lines, title_end, heads[0].start)
    title = title_block.text if title_block is not None and title_end else ""
    lang = guess_language("\n".join(e.summary.sections[0][1] for e in entries[:3] if e.summary))
    digest = Digest(
        title=title,
        date=find_date(title),
        language=lang,
        entries=tuple(entries),
        metadata=(("preamble", preamble),) if preamble else (),
        format=FORMAT,
    )
    return ParseResult(digest, FORMAT, tuple(warnings))
