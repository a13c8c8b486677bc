"""A feed validator for the tests: well-formed XML, the elements Atom 1.0 (RFC 4287) and
RSS 2.0 require, dates that parse, and feedparser reading it without complaint.

Why both checks: feedparser is lenient (it reads broken feeds and sets ``bozo``), while
the element check catches a feed that parses but misses what the specs require.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import xml.etree.ElementTree as ET

import feedparser

ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _text(node: ET.Element, tag: str) -> str:
    found = node.find(tag)
    assert found is not None, f"<{node.tag}> lacks required <{tag}>"
    return (found.text or "").strip()


def _rfc3339(value: str) -> dt.datetime:
    when = dt.datetime.fromisoformat(value)
    assert when.tzinfo is not None, f"date without a time zone: {value}"
    return when


def check_atom(xml: str) -> ET.Element:
    """Raise AssertionError unless ``xml`` is a valid Atom feed; returns the root."""
    root = ET.fromstring(xml.encode("utf-8"))
    assert root.tag == f"{ATOM}feed"
    assert _text(root, f"{ATOM}id") and _text(root, f"{ATOM}title")
    _rfc3339(_text(root, f"{ATOM}updated"))
    # RFC 4287 4.1.1: a feed without a feed-level author needs one in every entry
    for entry in root.findall(f"{ATOM}entry"):
        assert _text(entry, f"{ATOM}id") and _text(entry, f"{ATOM}title")
        _rfc3339(_text(entry, f"{ATOM}updated"))
        for author in entry.findall(f"{ATOM}author"):
            assert _text(author, f"{ATOM}name")
    _check_feedparser(xml, "atom10", len(root.findall(f"{ATOM}entry")))
    return root


def check_rss(xml: str) -> ET.Element:
    """Raise AssertionError unless ``xml`` is a valid RSS 2.0 feed; returns the channel."""
    root = ET.fromstring(xml.encode("utf-8"))
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel is not None
    for tag in ("title", "link", "description"):
        _text(channel, tag)
    for item in channel.findall("item"):
        assert (item.findtext("title") or "").strip() or item.find("description") is not None
        date = item.find("pubDate")
        if date is not None:
            assert email.utils.parsedate_to_datetime(date.text or "") is not None
    _check_feedparser(xml, "rss20", len(channel.findall("item")))
    return channel


def _check_feedparser(xml: str, version: str, count: int) -> None:
    parsed = feedparser.parse(xml)
    assert not parsed.bozo, f"feedparser: {parsed.get('bozo_exception')}"
    assert parsed.version == version
    assert len(parsed.entries) == count


def check_feed(xml: str, kind: str) -> ET.Element:
    """:func:`check_atom` or :func:`check_rss`."""
    return check_atom(xml) if kind == "atom" else check_rss(xml)
