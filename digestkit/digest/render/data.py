"""Render a digest as JSON (the schema in :data:`digestkit.digest.model.SCHEMA`) or JSONL.

``json`` is the lossless interchange form (``parse_digest(..., "json")`` reads it back);
``jsonl`` writes one entry per line, each carrying the digest's title and date, for
tools that stream records (jq, DuckDB, BigQuery loads).

>>> from digestkit.digest.model import Digest, Entry
>>> d = Digest(title="t", entries=(Entry(arxiv_id="2503.04504", title="A"),))
>>> Digest.from_json(render_json(d)) == d
True
>>> render_jsonl(d).count("\\n")
1
"""

from __future__ import annotations

import json
from typing import Any

from digestkit.digest.model import Digest

__all__ = ["render_json", "render_jsonl"]


def render_json(digest: Digest, *, indent: int | None = 2, **options: Any) -> str:
    """The digest as one JSON document (``indent=None`` for one line)."""
    return digest.to_json(indent=indent) + "\n"


def render_jsonl(digest: Digest, **options: Any) -> str:
    """One JSON object per entry: the entry's fields plus ``digest_title``/``digest_date``."""
    lines = []
    for entry in digest.entries:
        record = {
            "digest_title": digest.title,
            "digest_date": digest.date.isoformat() if digest.date else None,
            **entry.to_dict(),
        }
        lines.append(json.dumps(record, ensure_ascii=False))
    return "".join(line + "\n" for line in lines)
