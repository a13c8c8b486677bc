"""Render a digest as an Atom 1.0 or RSS 2.0 feed with feedgen.

Why stable ids matter: readers deduplicate on the entry id (Atom ``<id>``, RSS
``<guid>``). Ids here come from the arXiv id *without* version
(``tag:arxiv.org,2007:2503.04504``), so the same paper in tomorrow's digest, or its v2,
is not shown twice. Content is every summary of the entry (headed by its template and
language when there are several), rendered by :mod:`._safe` (no raw HTML, no
``javascript:`` links) and escaped again by the XML serializer.

Options: ``title`` (default: the digest's title, else "arXiv digest"), ``link`` (the site
the feed belongs to; default arxiv.org), ``feed_id``, ``self_url`` (where the feed is
published), ``now`` (a timezone-aware datetime; default the time of rendering).

Dates: an entry without a date of its own carries the digest's date (else the latest entry
date), never the epoch. Only when nothing in the digest has a date does the feed use
``now``: Atom requires ``<updated>``, and the time the feed was made is the honest answer;
RSS entries then get no ``<pubDate>`` (it is optional there). Pass ``now`` for output that
is byte-for-byte reproducible.

Language: the feed's language is the summaries' (:func:`._text.reader_language`); an Atom
entry whose summary is in another language carries its own ``xml:lang``. Control
characters are removed from every string (:func:`._text.clean_text`), never fatal. TeX
accents in names and titles are decoded and math is written as readable Unicode
(``$5\\times10^{-4}$`` -> ``5×10⁻⁴``; :mod:`digestkit.digest.tex`): feed readers rarely
render MathML.

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
from digestkit.digest.render._common import abs_url, entry_id, safe_url, summary_heading
from digestkit.digest.render._safe import markdown_html
from digestkit.digest.render._text import (
    clean_digest,
    clean_text,
    entry_language,
    reader_language,
)
from digestkit.digest.tex import text_to_unicode

__all__ = ["render_atom", "render_rss"]

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _when(day: dt.date | None) -> dt.datetime | None:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC) if day else None


def _content(e: Entry) -> str:
    parts = []
    if e.authors:
        parts.append(f"<p>{html.escape(', '.join(e.authors))}</p>")
    several = len(e.all_summaries()) > 1  # e.g. a ja and a zh summary: each is named
    for s in e.all_summaries():
        if several:
            lang = f' lang="{html.escape(s.language)}"' if s.language else ""
            parts.append(f"<h2{lang}>{html.escape(summary_heading(s))}</h2>")
        for head, body in s.sections or (("", s.raw),):
            if head:
                parts.append(f"<h3>{html.escape(head)}</h3>")
            parts.append(markdown_html(body, math="unicode"))
    if e.abstract:
        parts.append(f"<blockquote><p>{html.escape(text_to_unicode(e.abstract))}</p></blockquote>")
    return "\n".join(parts)


def digest_day(d: Digest) -> dt.date | None:
    """The date an undated entry stands for: the digest's, else its latest entry date.

    >>> digest_day(Digest(entries=(Entry(published=dt.date(2026, 2, 4)),)))
    datetime.date(2026, 2, 4)
    """
    dates = [e.updated or e.published for e in d.entries]
    return d.date or max((x for x in dates if x), default=None)


def _feed(d: Digest, options: dict[str, Any], kind: str) -> Any:
    from feedgen.feed import FeedGenerator

    d = clean_digest(d)
    fg = FeedGenerator()
    title = clean_text(options.get("title") or d.title).strip() or "arXiv digest"
    link = options.get("link") or "https://arxiv.org/"
    now = options.get("now") or dt.datetime.now(dt.UTC)
    day = _when(digest_day(d))
    fg.id(options.get("feed_id") or entry_id(Entry(title=title)))
    fg.title(title)
    fg.link(href=safe_url(link) or "https://arxiv.org/", rel="alternate")
    if options.get("self_url"):
        fg.link(href=options["self_url"], rel="self")
    about = d.meta("description") or f"{title}: {len(d.entries)} papers"
    # RSS readers render <description> as HTML: plain text must be escaped for them.
    fg.description(html.escape(about) if kind == "rss" else about)
    fg.updated(day or now)
    fg.lastBuildDate(day or now)
    language = reader_language(d)
    if language:
        fg.language(language)
    if kind == "rss":  # RSS <author> needs an e-mail address; dc:creator carries names
        fg.load_extension("dc", atom=False, rss=True)
    fg.generator("digestkit")
    for e in reversed(d.entries):  # feedgen prepends: keep the digest's order
        _add(fg, e, day, now, kind)
    return fg


def _add(fg: Any, e: Entry, day: dt.datetime | None, now: dt.datetime, kind: str) -> None:
    fe = fg.add_entry()
    fe.id(entry_id(e))
    fe.guid(entry_id(e), permalink=False)
    fe.title(text_to_unicode(e.title).strip() or e.arxiv_id or "untitled")
    link = safe_url(e.url) or abs_url(e, version=False)
    if link:
        fe.link(href=link, rel="alternate")
    for name in e.authors:
        fe.author(name=name)
    if kind == "rss" and e.authors:
        fe.dc.dc_creator(list(e.authors))
    for cat in e.categories:
        fe.category(term=cat)
    published = _when(e.published) or day
    if published is not None:  # RSS pubDate is optional: no date is better than a made-up one
        fe.published(published)
    fe.updated(_when(e.updated or e.published) or day or now)
    body = _content(e)
    if not body and not link:  # Atom needs a link or content: an empty entry says so
        body = "<p>(no summary, abstract or link)</p>"
    if body:
        fe.content(body, type="html")
    if e.abstract and kind == "rss":
        fe.description(html.escape(text_to_unicode(e.abstract)), isSummary=True)
    elif e.abstract:
        fe.summary(text_to_unicode(e.abstract))


def _entry_languages(xml: bytes, d: Digest) -> bytes:
    """Mark each Atom entry whose summary language differs from the feed's (``xml:lang``)."""
    from lxml import etree

    feed_lang = reader_language(d)
    langs = [entry_language(e) for e in d.entries]
    if all(lang in ("", feed_lang) for lang in langs):
        return xml
    root = etree.fromstring(xml)
    found = root.findall("{http://www.w3.org/2005/Atom}entry")
    for node, lang in zip(found, langs, strict=True):
        if lang and lang != feed_lang:
            node.set(_XML_LANG, lang)
    out: bytes = etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="UTF-8")
    return out


def render_atom(digest: Digest, **options: Any) -> str:
    """The digest as an Atom 1.0 feed (see the module docstring for options)."""
    out: bytes = _feed(digest, options, "atom").atom_str(pretty=True)
    return _entry_languages(out, clean_digest(digest)).decode("utf-8")


def render_rss(digest: Digest, **options: Any) -> str:
    """The digest as an RSS 2.0 feed (see the module docstring for options)."""
    out: bytes = _feed(digest, options, "rss").rss_str(pretty=True)
    return out.decode("utf-8")
