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


def _window_clause(start: dt.date | dt.datetime, end: dt.date | dt.datetime) -> str:
    """``lastUpdatedDate:[...]`` in GMT: whole days for dates, minutes for datetimes.

    >>> _window_clause(dt.datetime(2026, 2, 20, 19, tzinfo=dt.UTC),
    ...                dt.datetime(2026, 2, 23, 19, tzinfo=dt.UTC))
    'lastUpdatedDate:[202602201900 TO 202602231859]'
    """
    if isinstance(start, dt.datetime) and isinstance(end, dt.datetime):
        last = end.astimezone(dt.UTC) - dt.timedelta(minutes=1)  # the cut-off is exclusive
        return f"lastUpdatedDate:[{start.astimezone(dt.UTC):%Y%m%d%H%M} TO {last:%Y%m%d%H%M}]"
    return f"lastUpdatedDate:[{start:%Y%m%d}0000 TO {end:%Y%m%d}2359]"


def _run_now(day: dt.date) -> dt.datetime:
    """The moment a run for ``day`` stands for: now when ``day`` is today (UTC), else
    :func:`~digestkit.sources.schedule.run_time` (``--date``)."""
    from digestkit.sources.schedule import run_time

    now = dt.datetime.now(dt.UTC)
    return now if day == now.date() else run_time(day)


def _from_api(
    http: PoliteClient, cfg: ArxivConfig, day: dt.date, now: dt.datetime, sleep: Sleep
) -> Fetched:
    """The API with the current batch's submission window (``days = 0``), or the legacy
    calendar window of ``days`` days ending at ``day``."""
    from digestkit.sources.schedule import batch_window, current_batch

    if cfg.days > 0:
        clause = _window_clause(*window(day, cfg.days))
    else:
        clause = _window_clause(
            *batch_window(current_batch(now, cfg.holiday_dates()), cfg.holiday_dates())
        )
    query = build_query(cfg, day, day).rsplit(" AND lastUpdatedDate:", 1)[0]
    query = f"{query} AND {clause}" if query.strip() else clause
    params = {"search_query": query, "sortBy": "lastUpdatedDate", "sortOrder": "descending"}
    entries, skipped, incomplete = page_entries(http, cfg, params, sleep=sleep, cap=cfg.max_results)
    log.info("arxiv: %d entries for %s", len(entries), clause)
    return Fetched("arxiv", tuple(entries.values()), tuple(skipped), 0, incomplete)


def _from_feed(http: PoliteClient, cfg: ArxivConfig, now: dt.datetime, sleep: Sleep) -> Fetched:
    """The announcement feed; when it is down or stale, the API for the same batch."""
    from digestkit.sources.arxiv_feed import complete_metadata, fetch_feed
    from digestkit.sources.schedule import current_batch, feed_date

    expected = feed_date(current_batch(now, cfg.holiday_dates()))
    try:
        batch = fetch_feed(http, cfg)
    except NetworkError as err:
        problem = f"announcement feed unavailable ({err})"
    else:
        if batch.date is not None and batch.date >= expected:

            def pager(*args: Any, **kw: Any) -> tuple[dict[str, Entry], list[str], str]:
                return page_entries(*args, sleep=sleep, **kw)

            entries, notes = complete_metadata(http, cfg, batch.entries, pager)
            log.info("arxiv: %d entries in the feed of %s", len(entries), batch.date)
            return Fetched("arxiv", tuple(entries), batch.skipped + tuple(notes))
        problem = (
            f"announcement feed is stale: it holds the batch of {batch.date}, "
            f"arXiv's schedule says the batch of {expected} is out"
        )
    log.warning("arxiv: %s; asking the API for the batch's window", problem)
    api = _from_api(http, cfg, now.date(), now, sleep)
    note = f"arxiv: {problem}; fetched the batch's submission window through the API"
    incomplete = api.incomplete
    if not api.entries and not incomplete:
        incomplete = f"{problem}, and the API found no paper in the batch's window"
    return Fetched("arxiv", api.entries, (note, *api.skipped), 0, incomplete)


def fetch_arxiv(
    cfg: ArxivConfig,
    day: dt.date,
    *,
    client: PoliteClient | None = None,
    sleep: Sleep = time.sleep,
    now: dt.datetime | None = None,
) -> Fetched:
    """The papers of the current announcement batch (``source = "feed"``, ``days = 0``:
    the defaults) or of a calendar window (``days`` > 0), of the ``cfg.announce_types``
    asked for (by default new papers and cross-lists).

    ``now`` (aware) is the run's moment; by default now for today's ``day``, else 12:00 UTC
    of ``day``. A quiet batch is an empty result. A shortfall (fewer papers than the API
    announced, a stale or broken feed the API could not stand in for) returns what came,
    with ``incomplete`` saying what is missing; a first API page that fails raises
    :class:`~digestkit.errors.RemoteError`.
    """
    now = now or _run_now(day)
    own = client is None
    http = client or PoliteClient(
        delay_seconds=cfg.delay_seconds, num_retries=cfg.num_retries, sleep=sleep
    )
    try:
        if cfg.source == "feed":
            got = _from_feed(http, cfg, now, sleep)
        else:
            got = _from_api(http, cfg, day, now, sleep)
    finally:
        if own:
            http.close()
    kept = tuple(e for e in got.entries if e.announce_type in cfg.announce_types)
    if len(kept) < len(got.entries):
        log.info(
            "arxiv: %d not in announce_types %s", len(got.entries) - len(kept), cfg.announce_types
        )
    return Fetched("arxiv", kept, got.skipped, http.requests, got.incomplete)
