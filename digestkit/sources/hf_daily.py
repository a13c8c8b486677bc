"""Hugging Face Daily Papers: the papers the community upvoted, by day.

Why: the Daily Papers list is a human-curated signal (upvotes) that keyword scoring does
not have; seed 003 merges it with arXiv. The JSON API lists one day at a time
(``?date=YYYY-MM-DD``), paged with ``limit`` and ``p``; we ask for each day of the window
and stop paging at a short page or after ``max_pages``. Each item carries the arXiv id in
``paper.id``; an item without a usable id is skipped and reported, not fatal.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from digestkit.digest.model import Entry, split_arxiv_id
from digestkit.errors import AuthError, NetworkError
from digestkit.sources._http import PoliteClient
from digestkit.sources.base import Fetched, clean, window
from digestkit.sources.config import HFDailyConfig

__all__ = ["fetch_hf_daily", "hf_entry"]

log = logging.getLogger(__name__)


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def hf_entry(item: Mapping[str, Any]) -> Entry:
    """One Daily Papers item as an Entry; ``ValueError`` if it has no arXiv id.

    >>> item = {"paper": {"id": "2602.10693", "title": " VESPO ", "upvotes": 42,
    ...         "authors": [{"name": "G. Shen"}], "publishedAt": "2026-02-11T17:00:00Z"}}
    >>> e = hf_entry(item)
    >>> e.arxiv_id, e.title, e.authors, e.published.isoformat(), e.meta("hf_upvotes")
    ('2602.10693', 'VESPO', ('G. Shen',), '2026-02-11', '42')
    """
    paper = item.get("paper")
    if not isinstance(paper, Mapping):
        raise ValueError("no 'paper' object")
    arxiv_id, version = split_arxiv_id(str(paper.get("id") or ""))
    authors = tuple(
        str(a["name"])
        for a in paper.get("authors") or ()
        if isinstance(a, Mapping) and a.get("name")
    )
    upvotes = paper.get("upvotes", item.get("upvotes"))
    meta = {"hf_upvotes": str(upvotes)} if isinstance(upvotes, int) else {}
    return Entry(
        arxiv_id=arxiv_id,
        version=version,
        title=clean(str(paper.get("title") or item.get("title") or "")),
        url=f"https://arxiv.org/abs/{arxiv_id}",
        authors=authors,
        published=_date(paper.get("publishedAt")),
        abstract=clean(str(paper.get("summary") or "")),
        sources=("hf_daily",),
        metadata=tuple(meta.items()),
    )


def _day(client: PoliteClient, cfg: HFDailyConfig, day: dt.date) -> tuple[list[Entry], list[str]]:
    entries: list[Entry] = []
    skipped: list[str] = []
    for page in range(max(cfg.max_pages, 1)):
        params = {"date": day.isoformat(), "limit": cfg.page_size, "p": page}
        items = client.get_json(cfg.url, params)
        if not isinstance(items, list):
            skipped.append(f"hf_daily: {day}: expected a JSON list, got {type(items).__name__}")
            break
        for i, item in enumerate(items):
            try:
                entries.append(hf_entry(item))
            except (ValueError, TypeError, AttributeError) as exc:
                skipped.append(f"hf_daily: {day} page {page} item {i}: {exc}")
        if len(items) < cfg.page_size:
            break
    return entries, skipped


def fetch_hf_daily(
    cfg: HFDailyConfig, day: dt.date, *, days: int | None = None, client: PoliteClient | None = None
) -> Fetched:
    """Daily Papers for the ``days`` (default ``cfg.days``) days ending at ``day``."""
    own = client is None
    client = client or PoliteClient(
        delay_seconds=cfg.delay_seconds, num_retries=cfg.num_retries, timeout=cfg.timeout
    )
    entries: list[Entry] = []
    skipped: list[str] = []
    incomplete = ""
    try:
        start, end = window(day, days or cfg.days)
        current = start
        while current <= end:
            try:
                got, bad = _day(client, cfg, current)
            except NetworkError as err:
                if isinstance(err, AuthError) or not entries:
                    raise
                # Keep the days already fetched; the next run's window covers this one.
                incomplete = f"stopped at {current}: {err}"
                break
            entries += got
            skipped += bad
            current += dt.timedelta(days=1)
    finally:
        if own:
            client.close()
    log.info("hf_daily: %d entries, %d skipped", len(entries), len(skipped))
    return Fetched("hf_daily", tuple(entries), tuple(skipped), client.requests, incomplete)
