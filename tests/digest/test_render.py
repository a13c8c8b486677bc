"""Renderers: untrusted text stays inert, feeds are valid with stable ids, JSON(L) is complete."""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from digestkit.digest.model import Digest, Entry, Summary
from digestkit.digest.render import RENDERERS, render

EVIL = (
    "<script>alert('x')</script> <img src=x onerror=alert(1)> [click](javascript:alert(1)) "
    "[ok](https://arxiv.org/) ![pixel](https://tracker.example/p.png)"
)
ATOM = "{http://www.w3.org/2005/Atom}"


def evil_digest() -> Digest:
    summary = Summary(
        language="en", sections=(("<b>heading</b>", EVIL), ("", "**bold** and `code`"))
    )
    entries = (
        Entry(
            arxiv_id="2503.04504",
            version=2,
            title="<script>alert(1)</script> Title",
            url="javascript:alert(document.cookie)",
            authors=("A <b>", "B"),
            categories=("cs.LG",),
            published=dt.date(2026, 2, 5),
            abstract="Abstract with <iframe src=x></iframe>",
            summary=summary,
        ),
        Entry(arxiv_id="2401.00001", title="Plain", published=dt.date(2026, 2, 4)),
    )
    return Digest(title="Digest <script>", date=dt.date(2026, 2, 5), language="en", entries=entries)


class _Collector(HTMLParser):
    """Every tag, attribute and script body the browser would see."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)


def test_html_is_inert() -> None:
    page = render(evil_digest(), "html")
    seen = _Collector()
    seen.feed(page)
    assert "script" not in seen.tags and "iframe" not in seen.tags and "img" not in seen.tags
    assert not [a for a in seen.attrs if a[0].startswith("on")]
    hrefs = [v for k, v in seen.attrs if k in ("href", "src") and v]
    assert all(not v.lower().startswith(("javascript:", "data:", "vbscript:")) for v in hrefs)
    assert "https://arxiv.org/" in hrefs  # safe links stay links
    assert "https://arxiv.org/abs/2503.04504v2" in hrefs  # a bad entry url falls back to arXiv
    assert "&lt;script&gt;alert(" in page  # shown as text


def test_html_is_self_contained_and_themed() -> None:
    page = render(evil_digest(), "html")
    assert not re.search(r"""<(?:link|script)\b|\bsrc=["']https?:|@import|url\(""", page)
    assert "prefers-color-scheme: dark" in page
    assert "Noto Sans CJK JP" in page and "PingFang SC" in page
    assert '<html lang="en">' in page


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_feeds_are_inert_xml(fmt: str) -> None:
    out = render(evil_digest(), fmt)
    assert "<script" not in out  # every "<" of untrusted text is escaped in the XML
    root = ET.fromstring(out.encode("utf-8"))
    html_parts = [
        el.text or ""
        for el in root.iter()
        if el.tag
        in (f"{ATOM}content", "description", "{http://purl.org/rss/1.0/modules/content/}encoded")
    ]
    assert html_parts and any("heading" in part for part in html_parts)
    for part in html_parts:  # what a feed reader renders as HTML
        seen = _Collector()
        seen.feed(part)
        assert {"script", "img", "iframe"}.isdisjoint(seen.tags)
        assert not [a for a in seen.attrs if a[0].startswith("on")]
        assert not [v for k, v in seen.attrs if k == "href" and v and v.startswith("javascript:")]


def test_atom_ids_are_stable_across_versions_and_digests() -> None:
    d = evil_digest()
    first = ET.fromstring(render(d, "atom").encode())
    bumped = d.with_entries(_bump(e) for e in reversed(d.entries))
    second = ET.fromstring(render(bumped, "atom").encode())
    ids1 = [e.findtext(f"{ATOM}id") for e in first.iter(f"{ATOM}entry")]
    ids2 = [e.findtext(f"{ATOM}id") for e in second.iter(f"{ATOM}entry")]
    assert ids1 == ["tag:arxiv.org,2007:2503.04504", "tag:arxiv.org,2007:2401.00001"]
    assert sorted(ids1) == sorted(ids2)


def _bump(e: Entry) -> Entry:
    import dataclasses

    return dataclasses.replace(e, version=(e.version or 1) + 1, title=e.title + " (v2)")


def test_rss_guids_and_order() -> None:
    root = ET.fromstring(render(evil_digest(), "rss").encode())
    items = root.findall("./channel/item")
    assert [i.findtext("guid") for i in items] == [
        "tag:arxiv.org,2007:2503.04504",
        "tag:arxiv.org,2007:2401.00001",
    ]
    assert all(i.find("guid").get("isPermaLink") == "false" for i in items)  # type: ignore[union-attr]
    assert items[1].findtext("link") == "https://arxiv.org/abs/2401.00001"
    assert root.findtext("./channel/lastBuildDate") == "Thu, 05 Feb 2026 00:00:00 +0000"


def test_feeds_are_deterministic() -> None:
    assert render(evil_digest(), "rss") == render(evil_digest(), "rss")
    assert render(evil_digest(), "atom") == render(evil_digest(), "atom")


def test_jsonl_has_one_complete_record_per_entry() -> None:
    lines = render(evil_digest(), "jsonl").splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["arxiv_id"] for r in records] == ["2503.04504", "2401.00001"]
    assert records[0]["digest_title"] == "Digest <script>"
    assert Entry.from_dict(records[0]) == evil_digest().entries[0]


def test_json_is_lossless() -> None:
    d = evil_digest()
    assert Digest.from_json(render(d, "json")) == d


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown output format 'pdf'"):
        render(evil_digest(), "pdf")


def test_parse_format_names_are_accepted() -> None:
    d = evil_digest()
    assert render(d, "bot-readme") == render(d, "md-bot")


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_empty_digest_renders(fmt: str) -> None:
    assert isinstance(render(Digest(title="Empty"), fmt), str)


def test_md_bot_counts_what_it_renders() -> None:
    d = evil_digest()
    out = render(d, "md-bot")
    assert "- **Total Papers Found**: 2" in out
    assert "- **Categories Monitored**: cs.LG" in out
    assert out.count("<details>") == 1 and out.count("</details>") == 1


def test_rss_names_authors_with_dc_creator() -> None:
    root = ET.fromstring(render(evil_digest(), "rss").encode())
    creators = [c.text for c in root.iter("{http://purl.org/dc/elements/1.1/}creator")]
    assert creators == ["A <b>", "B"]


def test_page_tells_readers_what_a_summary_was_written_from_and_how_it_checked() -> None:
    """Issues 12 and 14: a small reader-facing marker, never the internal keys."""
    from digestkit.digest.model import Digest, Entry, Summary
    from digestkit.digest.render import render

    e = Entry(
        arxiv_id="2501.00001",
        title="T",
        summary=Summary(language="en", sections=(("TL;DR", "x"),), source="fulltext:latex"),
        metadata=(
            ("faithfulness.marker", "2 numbers not found in the paper"),
            ("faithfulness.issues", '["number: 95%"]'),
        ),  # fmt: skip
    )
    page = render(Digest(entries=(e,)), "html")
    assert "summary from the full text" in page
    assert "check: 2 numbers not found in the paper" in page
    assert "faithfulness.issues" not in page and "95%" not in page
