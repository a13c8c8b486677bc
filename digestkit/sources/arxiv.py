"""arXiv papers through the ``arxiv`` package, pointed at a configurable API URL.

Why the ``arxiv`` package: it already pages (``page_size``), waits between requests
(``delay_seconds``; arXiv asks for 3 s) and retries failed or unexpectedly empty pages
(``num_retries``). What it does not do is let the API base URL be configured: the URL is
the class attribute ``Client.query_url_format``, so we set it on our instance; that is
how tests point the real client at :mod:`digestkit.testing.sources_stub`.

The query asks for the configured categories (and optional extra query) updated inside the
date window: ``lastUpdatedDate`` rather than ``submittedDate`` so replacements (new
versions) are seen too; the state store decides whether to show them again. The API does
not say how a paper was announced, so :func:`announce_type` derives it the way the arXiv
listing does: version > 1 is a replacement, a primary category outside the configured ones
is a cross-list, anything else is new.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Sequence

import arxiv as arxiv_api
import requests

from digestkit.digest.model import Entry, split_arxiv_id
from digestkit.errors import RemoteError
from digestkit.sources.base import Fetched, clean, window
from digestkit.sources.config import ArxivConfig

__all__ = ["announce_type", "build_query", "fetch_arxiv", "make_client", "to_entry"]

log = logging.getLogger(__name__)


def build_query(cfg: ArxivConfig, start: dt.date, end: dt.date) -> str:
    """The arXiv ``search_query`` for ``cfg`` and the window ``start..end`` (UTC days).

    >>> cfg = ArxivConfig(categories=("cs.CL", "cs.LG"), query="au:shen")
    >>> build_query(cfg, dt.date(2026, 2, 20), dt.date(2026, 2, 21))
    '(cat:cs.CL OR cat:cs.LG) AND (au:shen) AND lastUpdatedDate:[202602200000 TO 202602212359]'
    >>> build_query(ArxivConfig(keywords=("RL", "world model")), dt.date(2026, 2, 20),
    ...             dt.date(2026, 2, 20)).split(" AND last")[0]
    '(ti:"RL" OR abs:"RL" OR ti:"world model" OR abs:"world model")'
    """
    parts = []
    if cfg.categories:
        parts.append("(" + " OR ".join(f"cat:{c}" for c in cfg.categories) + ")")
    if cfg.keywords:
        # arXiv's search is a coarse prefilter (it stems and ignores case); the selection
        # rules do the exact whole-word matching afterwards.
        terms = [k.replace('"', " ").strip() for k in cfg.keywords]
        parts.append("(" + " OR ".join(f'ti:"{t}" OR abs:"{t}"' for t in terms if t) + ")")
    if cfg.query:
        parts.append(f"({cfg.query})")
    parts.append(f"lastUpdatedDate:[{start:%Y%m%d}0000 TO {end:%Y%m%d}2359]")
    return " AND ".join(parts)


def announce_type(version: int | None, primary: str, wanted: Sequence[str]) -> str:
    """``replace`` for v2+, ``cross`` when the primary category is not one asked for, else ``new``.

    >>> announce_type(1, "cs.CL", ["cs.CL"]), announce_type(1, "cs.CV", ["cs.CL"])
    ('new', 'cross')
    >>> announce_type(3, "cs.CL", ["cs.CL"])
    'replace'
    """
    if version and version > 1:
        return "replace"
    if wanted and primary and primary not in wanted:
        return "cross"
    return "new"


def make_client(cfg: ArxivConfig) -> arxiv_api.Client:
    """An ``arxiv.Client`` with the configured page size, delay, retries and base URL."""
    client = arxiv_api.Client(
        page_size=cfg.page_size, delay_seconds=cfg.delay_seconds, num_retries=cfg.num_retries
    )
    # The package hard-codes its endpoint as a class attribute; override it per instance.
    client.query_url_format = cfg.url.rstrip("?") + "?{}"
    return client


def to_entry(result: arxiv_api.Result, wanted: Sequence[str] = ()) -> Entry:
    """Convert one ``arxiv.Result``; raises ``ValueError`` if its id is not an arXiv id."""
    arxiv_id, version = split_arxiv_id(result.get_short_id())
    cats = [result.primary_category] if result.primary_category else []
    cats += [c for c in result.categories if c not in cats]
    meta = {}  # categories[0] is the primary category
    if result.pdf_url:
        meta["pdf_url"] = result.pdf_url
    if result.comment:
        meta["comment"] = clean(result.comment)
    return Entry(
        arxiv_id=arxiv_id,
        version=version,
        title=clean(result.title),
        url=f"https://arxiv.org/abs/{arxiv_id}",
        authors=tuple(a.name for a in result.authors),
        categories=tuple(cats),
        published=result.published.date(),
        updated=result.updated.date(),
        announce_type=announce_type(version, result.primary_category, wanted),
        abstract=clean(result.summary),
        sources=("arxiv",),
        metadata=tuple(meta.items()),
    )


def _translate(exc: Exception, cfg: ArxivConfig) -> RemoteError:
    if isinstance(exc, arxiv_api.HTTPError):
        return RemoteError(f"arXiv API: HTTP {exc.status}", url=exc.url, status=exc.status)
    if isinstance(exc, arxiv_api.ArxivError):
        return RemoteError(f"arXiv API: {exc.message}", url=exc.url)
    return RemoteError(f"arXiv API: {type(exc).__name__}", url=cfg.url)


def _collect(results: Iterator[arxiv_api.Result], cfg: ArxivConfig) -> Fetched:
    """Convert results as they page in. A page that still fails after the client's retries
    ends the walk: with nothing yet that is an error; after some pages it is a partial
    result marked ``incomplete`` (arXiv's API is known to return spurious empty pages, and
    the next run's overlapping window fetches the rest)."""
    entries: dict[str, Entry] = {}
    skipped: list[str] = []
    incomplete = ""
    while True:
        try:
            result = next(results)
        except StopIteration:
            break
        except (arxiv_api.ArxivError, requests.RequestException) as exc:
            err = _translate(exc, cfg)
            if not entries and not skipped:
                raise err from exc
            incomplete = f"stopped after {len(entries)} papers: {err}"
            break
        try:
            entry = to_entry(result, cfg.categories)
        except (ValueError, AttributeError) as exc:
            skipped.append(f"arxiv: skipped {result.entry_id!r}: {exc}")
            continue
        # arxiv.Client advances its offset by the entries it could parse, so a malformed
        # entry on one page makes the next page repeat a paper: keep the first copy.
        entries.setdefault(entry.arxiv_id, entry)
    return Fetched("arxiv", tuple(entries.values()), tuple(skipped), incomplete=incomplete)


def fetch_arxiv(
    cfg: ArxivConfig, day: dt.date, *, client: arxiv_api.Client | None = None
) -> Fetched:
    """Papers in ``cfg.categories`` updated in the ``cfg.days`` days ending at ``day``.

    An empty window (a weekend, a holiday) is an empty result, not an error. A first page
    that fails after the client's retries raises :class:`~digestkit.errors.RemoteError`;
    a later one returns what was fetched, with ``incomplete`` saying why.
    """
    start, end = window(day, cfg.days)
    search = arxiv_api.Search(
        query=build_query(cfg, start, end),
        max_results=cfg.max_results or None,
        sort_by=arxiv_api.SortCriterion.LastUpdatedDate,
        sort_order=arxiv_api.SortOrder.Descending,
    )
    client = client or make_client(cfg)
    fetched = _collect(iter(client.results(search)), cfg)
    log.info("arxiv: %d entries for %s..%s", len(fetched.entries), start, end)
    return fetched
