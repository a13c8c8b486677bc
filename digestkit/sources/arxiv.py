"""arXiv papers from the arXiv API, paged by digestkit itself and checked against the total.

Why digestkit pages instead of the ``arxiv`` package's ``Client``: the API sometimes
answers a page with a valid but **empty** feed although results remain (a known arXiv
fault, fixed by asking again), and ``arxiv.Client`` reads an empty *first* page as "no
results" without retrying, so a day with 150 announced papers became "no new papers".
Here every page is compared with what the server announced (``opensearch:totalResults``
of the first page): an empty or short page is asked again (bounded, with exponential
backoff through the injected ``sleep``), and what is still missing after that is reported
in :attr:`Fetched.incomplete` -- a failed source for the daily run, never a quiet day.

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
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from digestkit.digest.model import Entry, split_arxiv_id
from digestkit.errors import NetworkError, RemoteError
from digestkit.sources._http import PoliteClient
from digestkit.sources.base import Fetched, clean, window
from digestkit.sources.config import ArxivConfig

__all__ = [
    "Page",
    "announce_type",
    "build_query",
    "expected_on_page",
    "fetch_arxiv",
    "page_entries",
    "parse_page",
]

log = logging.getLogger(__name__)

_ATOM = "{http://www.w3.org/2005/Atom}"
_OS = "{http://a9.com/-/spec/opensearch/1.1/}"
_AX = "{http://arxiv.org/schemas/atom}"
MAX_BACKOFF = 60.0  # one page's retries never wait longer than this between tries


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
    """How arXiv's listing for ``wanted`` announces a paper: ``new`` or ``cross`` (primary
    category outside ``wanted``), ``replace`` / ``replace-cross`` for v2+.

    >>> announce_type(1, "cs.CL", ["cs.CL"]), announce_type(1, "cs.CV", ["cs.CL"])
    ('new', 'cross')
    >>> announce_type(3, "cs.CL", ["cs.CL"]), announce_type(2, "cs.CV", ["cs.CL"])
    ('replace', 'replace-cross')
    """
    cross = bool(wanted and primary and primary not in wanted)
    if version and version > 1:
        return "replace-cross" if cross else "replace"
    return "cross" if cross else "new"


# ---------------------------------------------------------------- one page of Atom


@dataclass(frozen=True)
class Page:
    """One API response: the announced ``total``, the entries read and those skipped."""

    total: int
    start: int
    entries: tuple[Entry, ...] = ()
    skipped: tuple[str, ...] = ()

    @property
    def received(self) -> int:
        """Entries the server sent on this page (a malformed one was still sent)."""
        return len(self.entries) + len(self.skipped)


def _text(el: ET.Element, tag: str) -> str:
    found = el.find(tag)
    return clean(found.text) if found is not None and found.text else ""


def _date(el: ET.Element, tag: str) -> dt.date:
    value = _text(el, tag)
    if not value:
        raise ValueError(f"no <{tag.split('}')[-1]}>")
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date()


def atom_entry(el: ET.Element, wanted: Sequence[str] = ()) -> Entry:
    """One API ``<entry>`` as an Entry; ``ValueError`` when its id or dates are missing."""
    raw_id = _text(el, f"{_ATOM}id").rsplit("/abs/", 1)[-1]
    arxiv_id, version = split_arxiv_id(raw_id)
    if not arxiv_id:
        raise ValueError(f"not an arXiv id: {raw_id!r}")
    primary_el = el.find(f"{_AX}primary_category")
    primary = primary_el.get("term", "") if primary_el is not None else ""
    cats = [primary] if primary else []
    cats += [t for c in el.findall(f"{_ATOM}category") if (t := c.get("term", "")) not in cats]
    meta = {}
    for link in el.findall(f"{_ATOM}link"):
        if link.get("title") == "pdf" and link.get("href"):
            meta["pdf_url"] = link.get("href", "")
    if comment := _text(el, f"{_AX}comment"):
        meta["comment"] = comment
    return Entry(
        arxiv_id=arxiv_id,
        version=version,
        title=_text(el, f"{_ATOM}title"),
        url=f"https://arxiv.org/abs/{arxiv_id}",
        authors=tuple(n for a in el.findall(f"{_ATOM}author") if (n := _text(a, f"{_ATOM}name"))),
        categories=tuple(cats),
        published=_date(el, f"{_ATOM}published"),
        updated=_date(el, f"{_ATOM}updated"),
        announce_type=announce_type(version, primary, wanted),
        abstract=_text(el, f"{_ATOM}summary"),
        sources=("arxiv",),
        metadata=tuple(meta.items()),
    )


def parse_page(xml: str, *, wanted: Sequence[str] = (), url: str = "") -> Page:
    """Parse one API response. An error feed or a body without ``totalResults`` raises
    :class:`RemoteError`: without the total, a short page cannot be told from the end.

    >>> body = ('<feed xmlns="http://www.w3.org/2005/Atom" '
    ...         'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">'
    ...         '<opensearch:totalResults>150</opensearch:totalResults>'
    ...         '<opensearch:startIndex>0</opensearch:startIndex></feed>')
    >>> page = parse_page(body)
    >>> page.total, page.received
    (150, 0)
    """
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise RemoteError(f"arXiv API: malformed XML ({exc})", url=url, status=200) from exc
    total_el, start_el = root.find(f"{_OS}totalResults"), root.find(f"{_OS}startIndex")
    entries, skipped = [], []
    for i, el in enumerate(root.findall(f"{_ATOM}entry")):
        if "/api/errors" in _text(el, f"{_ATOM}id"):
            message = _text(el, f"{_ATOM}summary") or "error"
            raise RemoteError(f"arXiv API: {message}", url=url, status=400)
        try:
            entries.append(atom_entry(el, wanted))
        except ValueError as exc:
            skipped.append(f"arxiv: skipped entry {i} ({_text(el, f'{_ATOM}id')!r}): {exc}")
    try:
        total = int((total_el.text or "").strip()) if total_el is not None else -1
        start = int((start_el.text or "0").strip()) if start_el is not None else 0
    except ValueError:
        total = -1
    if total < 0:
        raise RemoteError("arXiv API: response without opensearch:totalResults", url=url)
    return Page(total, start, tuple(entries), tuple(skipped))


def expected_on_page(total: int, start: int, size: int, cap: int = 0) -> int:
    """How many entries a complete page at ``start`` holds, given the announced ``total``
    and the run's ``cap`` (0 = none).

    >>> expected_on_page(150, 0, 100), expected_on_page(150, 100, 100), expected_on_page(0, 0, 100)
    (100, 50, 0)
    >>> expected_on_page(150, 0, 100, cap=30)
    30
    """
    limit = min(total, cap) if cap else total
    return max(0, min(size, limit - start))


# ---------------------------------------------------------------- paging


Sleep = Callable[[float], None]


def _get_page(
    http: PoliteClient, cfg: ArxivConfig, params: Mapping[str, Any], sleep: Sleep, cap: int
) -> tuple[Page, int, int]:
    """One page, asked again while it holds fewer entries than announced: returns the page,
    how many it should hold, and how many tries it took."""
    start, size = int(params["start"]), int(params["max_results"])
    tries = 0
    while True:
        tries += 1
        page = parse_page(http.get_text(cfg.url, params), wanted=cfg.categories, url=cfg.url)
        want = expected_on_page(page.total, start, size, cap)
        if page.received >= want or tries > cfg.num_retries:
            return page, want, tries
        delay = min(MAX_BACKOFF, cfg.delay_seconds * 2 ** (tries - 1))
        log.info(
            "arxiv: page at %d has %d of %d entries (total %d); asking again in %.1fs",
            start, page.received, want, page.total, delay,
        )  # fmt: skip
        sleep(delay)


def page_entries(
    http: PoliteClient,
    cfg: ArxivConfig,
    params: Mapping[str, Any],
    *,
    sleep: Sleep = time.sleep,
    cap: int = 0,
) -> tuple[dict[str, Entry], list[str], str]:
    """Walk every page of the query ``params`` (without ``start``/``max_results``).

    Returns the entries by id, the skipped lines, and ``incomplete``: empty when everything
    the first page announced arrived, else why not (short pages after their retries, or a
    page that failed after some were read). A first page that fails raises.
    """
    entries: dict[str, Entry] = {}
    skipped: list[str] = []
    short: list[str] = []
    announced, start, received = -1, 0, 0
    while announced < 0 or start < announced:
        size = min(cfg.page_size, cap - start) if cap else cfg.page_size
        query = {**params, "start": start, "max_results": max(size, 1)}
        try:
            page, want, tries = _get_page(http, cfg, query, sleep, cap)
        except NetworkError as err:
            if announced < 0:
                raise
            return entries, skipped, f"stopped at offset {start} after {len(entries)} papers: {err}"
        if announced < 0:
            announced = min(page.total, cap) if cap else page.total
        received += page.received
        skipped += page.skipped
        for e in page.entries:
            # The sort can shift while paging; a paper seen twice is kept once.
            entries.setdefault(e.arxiv_id, e)
        if page.received < want:
            short.append(f"offset {start}: {page.received} of {want} after {tries} tries")
        start += size
    got = len(entries) + len(skipped)
    if got >= announced:
        return entries, skipped, ""
    detail = "; ".join(short) or f"{received - got} repeated"
    return entries, skipped, f"received {got} of {announced} papers announced ({detail})"


def fetch_arxiv(
    cfg: ArxivConfig,
    day: dt.date,
    *,
    client: PoliteClient | None = None,
    sleep: Sleep = time.sleep,
) -> Fetched:
    """Papers in ``cfg.categories`` updated in the ``cfg.days`` days ending at ``day``,
    of the ``cfg.announce_types`` asked for (by default new papers and cross-lists).

    An empty window (a weekend, a holiday; the API announces 0) is an empty result. A first
    page that fails after its retries raises :class:`~digestkit.errors.RemoteError`; fewer
    papers than announced returns what came, with ``incomplete`` saying what is missing.
    """
    start, end = window(day, cfg.days)
    params = {
        "search_query": build_query(cfg, start, end),
        "sortBy": "lastUpdatedDate",
        "sortOrder": "descending",
    }
    own = client is None
    http = client or PoliteClient(
        delay_seconds=cfg.delay_seconds, num_retries=cfg.num_retries, sleep=sleep
    )
    try:
        entries, skipped, incomplete = page_entries(
            http, cfg, params, sleep=sleep, cap=cfg.max_results
        )
    finally:
        if own:
            http.close()
    log.info("arxiv: %d entries for %s..%s", len(entries), start, end)
    kept = tuple(e for e in entries.values() if e.announce_type in cfg.announce_types)
    if len(kept) < len(entries):
        log.info("arxiv: %d not in announce_types %s", len(entries) - len(kept), cfg.announce_types)
    return Fetched("arxiv", kept, tuple(skipped), http.requests, incomplete)
