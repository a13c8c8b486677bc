"""Render a digest as an Atom 1.0 or RSS 2.0 feed with feedgen.

Why stable ids matter: readers deduplicate on the entry id (Atom ``<id>``, RSS
``<guid>``). Ids here come from the arXiv id *without* version
(``tag:arxiv.org,2007:2503.04504``), so the same paper in tomorrow's digest, or its v2,
is not shown twice. Content is the summary rendered by :mod:`._safe` (no raw HTML, no
``javascript:`` links) and escaped again by the XML serializer.

Options: ``link`` (the site the feed belongs to; default arxiv.org), ``feed_id``, ``self_url`` (where the feed is published).

>>> from digestkit.digest.model import Digest, Entry
>>> out = render_atom(Digest(title="t", entries=(Entry(arxiv_id="2503.04504", version=2, title="A"),)))
>>> "<id>tag:arxiv.org,2007:2503.04504</id>" in out
True
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

from digestkit.digest.model import Digest, Entry
from digestkit.digest.render._common import abs_url, entry_id, safe_url
from digestkit.digest.render._safe import markdown_html

__all__ = ["render_atom", "render_rss"]

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _when(day: dt.date | None) -> dt.datetime | None:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC) if day else None


def _content(e: Entry) -> str:
    parts = []
    if e.authors:
        parts.append(f"<p>{html.escape(', '.join(e.authors))}</p>")
    if e.summary is not None:
        for head, body in e.summary.sections or (("", e.summary.raw),):
            if head:
                parts.append(f"<h3>{html.escape(head)}</h3>")
            parts.append(markdown_html(body))
    if e.abstract:
        parts.append(f"<blockquote><p>{html.escape(e.abstract)}</p></blockquote>")
    return "\n".join(parts)


def _feed(d: Digest, options: dict[str, Any], kind: str) -> Any:
    from feedgen.feed import FeedGenerator

    fg = FeedGenerator()
    title = d.title or "arXiv digest"
    link = options.get("link") or "https://arxiv.org/"
    dates = [_when(e.updated or e.published) for e in d.entries]
    updated = _when(d.date) or max((x for x in dates if x), default=None) or _EPOCH
    fg.id(options.get("feed_id") or entry_id(Entry(title=title)))
    fg.title(title)
    fg.link(href=safe_url(link) or "https://arxiv.org/", rel="alternate")
    if options.get("self_url"):
        fg.link(href=options["self_url"], rel="self")
    about = d.meta("description") or f"{title}: {len(d.entries)} papers"
    # RSS readers render <description> as HTML: plain text must be escaped for them.
    fg.description(html.escape(about) if kind == "rss" else about)
    fg.updated(updated)
    fg.lastBuildDate(updated)
    if d.language:
        fg.language(d.language)
    if kind == "rss":  # RSS <author> needs an e-mail address; dc:creator carries names
        fg.load_extension("dc", atom=False, rss=True)
    fg.generator("digestkit")
    for e in reversed(d.entries):  # feedgen prepends: keep the digest's order
        _add(fg, e, updated, kind)
    return fg


def _add(fg: Any, e: Entry, updated: dt.datetime, kind: str) -> None:
    fe = fg.add_entry()
    fe.id(entry_id(e))
    fe.guid(entry_id(e), permalink=False)
    fe.title(e.title or e.arxiv_id or "untitled")
    link = safe_url(e.url) or abs_url(e, version=False)
    if link:
        fe.link(href=link, rel="alternate")
    for name in e.authors:
        fe.author(name=name)
    if kind == "rss" and e.authors:
        fe.dc.dc_creator(list(e.authors))
    for cat in e.categories:
        fe.category(term=cat)
    fe.published(_when(e.published) or updated)
    fe.updated(_when(e.updated or e.published) or updated)
    body = _content(e)
    if body:
        fe.content(body, type="html")
    if e.abstract and kind == "rss":
        fe.description(html.escape(e.abstract), isSummary=True)
    elif e.abstract:
        fe.summary(e.abstract)


def render_atom(digest: Digest, **options: Any) -> str:
    """The digest as an Atom 1.0 feed (see the module docstring for options)."""
    out: bytes = _feed(digest, options, "atom").atom_str(pretty=True)
    return out.decode("utf-8")


def render_rss(digest: Digest, **options: Any) -> str:
    """The digest as an RSS 2.0 feed (see the module docstring for options)."""
    out: bytes = _feed(digest, options, "rss").rss_str(pretty=True)
    return out.decode("utf-8")
