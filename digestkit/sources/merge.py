"""Merge the same paper from several sources into one entry, keyed by arXiv id.

Why: a paper announced on arXiv, upvoted on Hugging Face and indexed by Semantic Scholar
must appear once, and the reader (and the scorer) should see every place it came from.
For each field the first source in ``PRIORITY`` that has a value wins (arXiv's metadata is
the authority, then Semantic Scholar, then Hugging Face); ``sources``, ``categories`` and
``metadata`` are unions; ``version`` is the highest seen. Entries without an arXiv id are
kept apart, keyed by URL or title.

>>> a = Entry(arxiv_id="2602.1", title="From arXiv", sources=("arxiv",), version=1)
>>> h = Entry(arxiv_id="2602.1", title="From HF", abstract="text", sources=("hf_daily",),
...           metadata=(("hf_upvotes", "9"),))
>>> [m] = merge([h], [a])
>>> m.title, m.abstract, m.sources, m.meta("hf_upvotes")
('From arXiv', 'text', ('arxiv', 'hf_daily'), '9')
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from digestkit.digest.model import Entry

__all__ = ["PRIORITY", "merge", "merge_two"]

PRIORITY = ("arxiv", "semantic_scholar", "hf_daily")


def _rank(entry: Entry) -> int:
    ranks = [PRIORITY.index(s) for s in entry.sources if s in PRIORITY]
    return min(ranks, default=len(PRIORITY))


def _union(*groups: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(x for g in groups for x in g))


def merge_two(first: Entry, second: Entry) -> Entry:
    """``first`` wins every field it has; ``second`` fills the gaps; lists are unions."""
    filled = {
        f.name: getattr(second, f.name)
        for f in dataclasses.fields(Entry)
        if getattr(first, f.name) in (None, "", ())
        and getattr(second, f.name) not in (None, "", ())
    }
    versions = [v for v in (first.version, second.version) if v is not None]
    meta = dict(second.metadata) | dict(first.metadata)
    filled.update(
        version=max(versions) if versions else None,
        sources=_union(first.sources, second.sources),
        categories=_union(first.categories, second.categories),
        metadata=tuple(meta.items()),
    )
    return dataclasses.replace(first, **filled)


def merge(*sources: Iterable[Entry]) -> list[Entry]:
    """One entry per paper across ``sources``, in order of first appearance."""
    groups: dict[str, list[Entry]] = {}
    for entries in sources:
        for entry in entries:
            groups.setdefault(entry.key, []).append(entry)
    merged = []
    for group in groups.values():
        ordered = sorted(group, key=_rank)  # stable: equal ranks keep arrival order
        result = ordered[0]
        for other in ordered[1:]:
            result = merge_two(result, other)
        merged.append(result)
    return merged
