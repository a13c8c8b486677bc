"""Semantic Scholar Graph API paper search, for papers with an arXiv id.

Why: Semantic Scholar finds papers by topic across venues and adds citation counts; seed 003
merges it with arXiv. We call ``/paper/search`` with the configured query and a
``publicationDateOrYear`` window, paging with ``offset``/``limit`` until ``next`` is absent
or ``max_results`` is reached. Only papers with an arXiv id are kept (the digest model is
keyed by it); the others are counted as skipped.

The API key is optional (unkeyed clients share a throttled pool). It is read from the
environment variable named by ``api_key_env`` at call time and sent only as the
``x-api-key`` header: it is never logged, stored, or put in a URL.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Mapping
from typing import Any

from digestkit.digest.model import Entry, split_arxiv_id
from digestkit.errors import AuthError, NetworkError
from digestkit.sources._http import PoliteClient
from digestkit.sources.base import Fetched, clean, window
from digestkit.sources.config import SemanticScholarConfig

__all__ = ["FIELDS", "fetch_semantic_scholar", "s2_entry"]

log = logging.getLogger(__name__)

FIELDS = "title,abstract,authors,externalIds,publicationDate,url,citationCount"


def s2_entry(item: Mapping[str, Any]) -> Entry | None:
    """One search hit as an Entry; ``None`` if it has no arXiv id; ``ValueError`` if broken.

    >>> e = s2_entry({"externalIds": {"ArXiv": "2602.08354"}, "title": "Stop thinking",
    ...               "authors": [{"name": "Z. Huang"}], "citationCount": 3})
    >>> e.arxiv_id, e.sources, e.meta("s2_citations")
    ('2602.08354', ('semantic_scholar',), '3')
    >>> s2_entry({"externalIds": {"DOI": "10.1/x"}, "title": "No arXiv"}) is None
    True
    """
    ids = item.get("externalIds") or {}
    if not isinstance(ids, Mapping):
        raise ValueError("externalIds is not an object")
    raw = ids.get("ArXiv")
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise ValueError(f"bad ArXiv id {raw!r}")
    title = item.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ValueError("no title")
    arxiv_id, version = split_arxiv_id(raw)
    meta = {}
    if isinstance(item.get("citationCount"), int):
        meta["s2_citations"] = str(item["citationCount"])
    published = item.get("publicationDate")
    return Entry(
        arxiv_id=arxiv_id,
        version=version,
        title=clean(title),
        url=f"https://arxiv.org/abs/{arxiv_id}",
        authors=tuple(
            str(a["name"])
            for a in item.get("authors") or ()
            if isinstance(a, Mapping) and a.get("name")
        ),
        published=dt.date.fromisoformat(published) if isinstance(published, str) else None,
        abstract=clean(item.get("abstract") if isinstance(item.get("abstract"), str) else ""),
        sources=("semantic_scholar",),
        metadata=tuple(meta.items()),
    )


def _headers(cfg: SemanticScholarConfig) -> tuple[dict[str, str], str]:
    """The key header, and a note when the configured variable is unset: the key is
    optional (the API answers without one, from a shared and slower pool), so a missing
    variable means "unkeyed", said once, not a failed run."""
    if not cfg.api_key_env:
        return {}, ""
    key = os.environ.get(cfg.api_key_env, "").strip()
    if not key:
        note = (
            f"semantic_scholar: {cfg.api_key_env} is not set; asking without a key "
            "(the shared unkeyed pool)"
        )
        return {}, note
    return {"x-api-key": key}, ""


def fetch_semantic_scholar(
    cfg: SemanticScholarConfig, day: dt.date, *, client: PoliteClient | None = None
) -> Fetched:
    """Search hits published in the ``cfg.days`` days ending at ``day`` that have an arXiv id."""
    own = client is None
    headers, note = _headers(cfg)
    client = client or PoliteClient(
        delay_seconds=cfg.delay_seconds,
        num_retries=cfg.num_retries,
        timeout=cfg.timeout,
        headers=headers,
    )
    start, end = window(day, cfg.days)
    entries: list[Entry] = []
    skipped: list[str] = [note] if note else []
    no_arxiv = 0
    incomplete = ""
    received, announced = 0, 0  # results sent / the "total" the API announced
    offset: int | None = 0
    cap = cfg.max_results or 1000  # the API serves at most 1,000 results per query
    url = cfg.url.rstrip("/") + "/paper/search"
    try:
        while offset is not None and len(entries) < cap:
            params = {
                "query": cfg.query,
                "fields": FIELDS,
                "offset": offset,
                "limit": min(cfg.page_size or 100, cap),
                "publicationDateOrYear": f"{start}:{end}",
            }
            try:
                body = client.get_json(url, params)
            except NetworkError as err:
                if isinstance(err, AuthError) or not entries:
                    raise
                incomplete = f"stopped at offset {offset}: {err}"
                break
            data = body.get("data") if isinstance(body, Mapping) else None
            if not isinstance(data, list):
                skipped.append(f"semantic_scholar: offset {offset}: no 'data' list")
                break
            for i, item in enumerate(data):
                try:
                    entry = s2_entry(item)
                except (ValueError, TypeError, AttributeError) as exc:
                    skipped.append(f"semantic_scholar: offset {offset} item {i}: {exc}")
                    continue
                if entry is None:
                    no_arxiv += 1
                else:
                    entries.append(entry)
            received += len(data)
            if isinstance(body.get("total"), int):
                announced = min(body["total"], cap)
            nxt = body.get("next")
            offset = nxt if isinstance(nxt, int) and nxt > (offset or 0) and data else None
    finally:
        if own:
            client.close()
    if no_arxiv:
        skipped.append(f"semantic_scholar: {no_arxiv} results without an arXiv id")
    if not incomplete and received < announced:
        # The pages ended (no "next", or an empty page) before the announced total.
        incomplete = f"received {received} of {announced} results announced"
    return Fetched(
        "semantic_scholar", tuple(entries[:cap]), tuple(skipped), client.requests, incomplete
    )
