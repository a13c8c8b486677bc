"""Today's arXiv papers from the announcement feed (``rss.arxiv.org/rss/CAT+CAT``).

Why the feed and not a date window: the feed *is* the announcement batch -- the papers
arXiv announced last evening, each with its announce type (``new``, ``cross``,
``replace``, ``replace-cross``) -- while any window over submission or update dates splits
batches (weekends, 14:00 ET cut-offs, held papers; see :mod:`digestkit.sources.schedule`).
The feed lacks the dates, the PDF link and the comment, so those are completed through
the API's ``id_list`` (its pages checked like any other; a failure there keeps the feed's
data, with a note).

A feed is *current* when its date (the Eastern midnight it was built for) is at least the
one :func:`~digestkit.sources.schedule.current_batch` expects at the run's time. A current
feed with no items for our categories is a quiet day; an older one is *stale* (arXiv has
had categories stuck on the previous batch) and, like a broken one, is not trusted: the
caller fetches the batch's window through the API instead.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email.utils
import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from digestkit.digest.model import Entry, split_arxiv_id
from digestkit.errors import NetworkError, RemoteError
from digestkit.sources._http import PoliteClient
from digestkit.sources.base import clean
from digestkit.sources.config import ArxivConfig
from digestkit.sources.schedule import ET as EASTERN

__all__ = ["FeedBatch", "complete_metadata", "feed_url", "fetch_feed", "parse_feed"]

log = logging.getLogger(__name__)

_AX = "{http://arxiv.org/schemas/atom}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_ABSTRACT = re.compile(r"^.*?Abstract:\s*", re.S)


@dataclass(frozen=True)
class FeedBatch:
    """One feed: the Eastern date it was built for (``None`` if it carries none) and its
    papers, with the announce type the feed gives each."""

    date: dt.date | None
    entries: tuple[Entry, ...] = ()
    skipped: tuple[str, ...] = ()


def feed_url(cfg: ArxivConfig) -> str:
    """The feed for the configured categories: ``feed_url`` or, when that is empty, the
    ``/rss`` next to a custom API ``url`` (a mirror, the test stub), else rss.arxiv.org.

    >>> feed_url(ArxivConfig(categories=("cs.CL", "cs.LG")))
    'https://rss.arxiv.org/rss/cs.CL+cs.LG'
    >>> feed_url(ArxivConfig(categories=("cs.CL",), url="http://127.0.0.1:8000/api/query"))
    'http://127.0.0.1:8000/rss/cs.CL'
    """
    base = cfg.feed_url
    if not base:
        default = ArxivConfig().url
        if cfg.url.split("?")[0] == default:
            base = "https://rss.arxiv.org/rss"
        else:
            base = cfg.url.split("/api/")[0].rstrip("/") + "/rss"
    return base.rstrip("/") + "/" + "+".join(cfg.categories)


def _feed_date(text: str) -> dt.date | None:
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(EASTERN).date()


def _item(el: ET.Element) -> Entry:
    guid = clean(el.findtext("guid"))
    arxiv_id, version = split_arxiv_id(guid.removeprefix("oai:arXiv.org:"))
    if not arxiv_id:
        raise ValueError(f"no arXiv id in guid {guid!r}")
    kind = clean(el.findtext(f"{_AX}announce_type"))
    creators = clean(el.findtext(f"{_DC}creator"))
    return Entry(
        arxiv_id=arxiv_id,
        version=version,
        title=clean(el.findtext("title")),
        url=f"https://arxiv.org/abs/{arxiv_id}",
        authors=tuple(a.strip() for a in creators.split(",") if a.strip()),
        categories=tuple(c for c in (clean(x.text) for x in el.findall("category")) if c),
        announce_type=kind,
        abstract=clean(_ABSTRACT.sub("", el.findtext("description") or "", count=1)),
        sources=("arxiv",),
    )


def parse_feed(xml: str, *, url: str = "") -> FeedBatch:
    """Parse an RSS 2.0 announcement feed; a "Feed error" feed raises :class:`RemoteError`.

    >>> parse_feed('<rss><channel><title>cs.CL updates</title>'
    ...            '<pubDate>Mon, 23 Feb 2026 00:00:00 -0500</pubDate></channel></rss>')
    FeedBatch(date=datetime.date(2026, 2, 23), entries=(), skipped=())
    """
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise RemoteError(f"arXiv feed: malformed XML ({exc})", url=url, status=200) from exc
    channel = root.find("channel")
    if channel is None:
        raise RemoteError("arXiv feed: no <channel>", url=url, status=200)
    title = clean(channel.findtext("title"))
    if title.lower().startswith("feed error"):
        raise RemoteError(f"arXiv feed: {title}", url=url, status=400)
    date = _feed_date(channel.findtext("pubDate") or channel.findtext("lastBuildDate") or "")
    entries, skipped = [], []
    for i, el in enumerate(channel.findall("item")):
        try:
            entries.append(_item(el))
        except ValueError as exc:
            skipped.append(f"arxiv feed: skipped item {i}: {exc}")
    return FeedBatch(date, tuple(entries), tuple(skipped))


def fetch_feed(http: PoliteClient, cfg: ArxivConfig) -> FeedBatch:
    """GET and parse the feed (``RemoteError`` after the client's retries)."""
    url = feed_url(cfg)
    return parse_feed(http.get_text(url), url=url)


Pager = Callable[..., tuple[dict[str, Entry], list[str], str]]


def complete_metadata(
    http: PoliteClient,
    cfg: ArxivConfig,
    entries: Sequence[Entry],
    pager: Pager,
) -> tuple[list[Entry], list[str]]:
    """The feed's entries with the API's dates, primary category first, PDF link and
    comment (``id_list`` in pages of ``page_size``); the feed's announce type and version
    are kept. When the API fails, the feed's entries are returned with a note."""
    notes: list[str] = []
    found: dict[str, Entry] = {}
    size = max(1, cfg.page_size)
    for i in range(0, len(entries), size):
        chunk = entries[i : i + size]
        ids = ",".join(e.arxiv_id for e in chunk)
        try:
            got, skipped, incomplete = pager(http, cfg, {"id_list": ids}, cap=len(chunk))
        except NetworkError as err:
            notes.append(f"arxiv: metadata for {len(chunk)} papers not completed: {err}")
            continue
        found.update(got)
        notes += skipped
        if incomplete:
            notes.append(f"arxiv: metadata lookup: {incomplete}")
    out = []
    for e in entries:
        api = found.get(e.arxiv_id)
        if api is None:
            out.append(e)
            continue
        out.append(
            dataclasses.replace(
                api,
                version=e.version or api.version,
                announce_type=e.announce_type,
                title=e.title or api.title,
                abstract=e.abstract or api.abstract,
            )
        )
    return out, notes
