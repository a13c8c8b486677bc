"""Helpers shared by renderers: canonical arXiv URLs, stable ids, safe links."""

from __future__ import annotations

import hashlib
import re

from digestkit.digest.model import Entry, Summary

__all__ = ["abs_url", "entry_id", "format_summary", "safe_url", "summary_heading"]


def abs_url(entry: Entry, *, scheme: str = "https", version: bool = True) -> str:
    """The arXiv abstract page of ``entry`` ("" without an arXiv id).

    >>> abs_url(Entry(arxiv_id="2503.04504", version=2))
    'https://arxiv.org/abs/2503.04504v2'
    """
    if not entry.arxiv_id:
        return ""
    suffix = f"v{entry.version}" if version and entry.version else ""
    return f"{scheme}://arxiv.org/abs/{entry.arxiv_id}{suffix}"


def entry_id(entry: Entry) -> str:
    """A feed id that never changes for the same paper (across versions and digests).

    >>> entry_id(Entry(arxiv_id="2503.04504", version=3))
    'tag:arxiv.org,2007:2503.04504'
    >>> entry_id(Entry(title="No id")).startswith("tag:digestkit,2026:")
    True
    """
    if entry.arxiv_id:
        return f"tag:arxiv.org,2007:{entry.arxiv_id}"
    key = entry.url or entry.title
    return "tag:digestkit,2026:" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


_SAFE_SCHEMES = re.compile(r"^(?:https?:|mailto:|#|/(?!/)|\./|\.\./)", re.IGNORECASE)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*:", re.IGNORECASE)


def safe_url(url: str) -> str:
    """``url`` if it is http(s), mailto, a fragment or relative; else "" (no ``javascript:``).

    >>> safe_url("https://arxiv.org/abs/1"), safe_url("javascript:alert(1)"), safe_url(" JaVaScRiPt:x")
    ('https://arxiv.org/abs/1', '', '')
    """
    url = url.strip()
    # Browsers ignore control characters and whitespace inside schemes ("java\tscript:").
    squeezed = re.sub(r"[\x00-\x20]", "", url)
    if _SAFE_SCHEMES.match(squeezed) or (
        squeezed and not _SCHEME.match(squeezed) and ":" not in squeezed.split("/")[0]
    ):
        return url
    return ""


def summary_heading(s: Summary) -> str:
    """What names one of several summaries of a paper: its template and language.

    >>> summary_heading(Summary(template="zh-4part@1", language="zh"))
    'zh-4part · zh'
    """
    name = s.template.partition("@")[0]
    return " · ".join(x for x in (name, s.language) if x) or "Summary"


def format_summary(entry: Entry, template: str) -> Summary | None:
    """The summary a one-template format shows: the one written with ``template`` when the
    entry has several (``md-ja-8q`` of a ja + zh entry shows the ja-8q one), else the
    primary summary.

    >>> zh, ja = Summary(template="zh-4part@1"), Summary(template="ja-8q@1")
    >>> format_summary(Entry(summaries=(zh, ja)), "ja-8q") == ja
    True
    >>> format_summary(Entry(summary=zh), "ja-8q") == zh
    True
    """
    return entry.summary_for(template) or entry.summary
