"""The page around an arXiv HTML paper: bytes to an lxml tree, and what the page says
outside the paper's body (arXiv id and version, licence, where the paper starts).

Why apart from :mod:`digestkit.fulltext.html`: these are arXiv's wrapper and the web's
rules (charsets, arXiv's infobox, ar5iv's canonical links), which change on their own
schedule; the LaTeXML walk does not depend on them.

>>> root = parse_page("<html><head><title>[2501.00001v2] X</title></head></html>", [])
>>> page_id(landmarks(root))
('2501.00001', 2)
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from typing import Any

import lxml.html
from lxml import etree

from digestkit.errors import InputError
from digestkit.fulltext.model import split_id

__all__ = [
    "Landmarks",
    "class_list",
    "collapse",
    "decode_page",
    "landmarks",
    "licence_url",
    "page_id",
    "parse_page",
    "split_id",
]

_NEW_ID = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5})(?:v(\d+))?(?![\d])")
_OLD_ID = re.compile(r"\b([a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{7})(?:v(\d+))?\b")
_CC = re.compile(r"\bCC[\s-]*(BY(?:[\s-]+(?:NC|SA|ND))*)[\s-]*(\d\.\d)", re.IGNORECASE)
_LICENSE_URL = re.compile(r"https?://(?:\w+\.)?(?:creativecommons\.org|arxiv\.org/licenses)/\S+")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)
_LATEX = re.compile(r"\\documentclass|\\begin\{document\}")
_HTML_MARK = re.compile(r"<html|<body|<!doctype|ltx_", re.IGNORECASE)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_BINARY_MAGIC = (b"%PDF-", b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"PK\x03\x04")


def class_list(el: Any) -> list[str]:
    """The element's classes (LaTeXML marks everything by class)."""
    cls = el.get("class")
    return cls.split() if cls else []


def collapse(text: str) -> str:
    """Whitespace runs to one space, ends stripped (how HTML text reads)."""
    return " ".join(text.split())


# -- bytes to tree ---------------------------------------------------------------------------


def decode_page(data: bytes, warnings: list[str]) -> str:
    """UTF-8 (what arXiv serves), else the page's meta charset, else UTF-8 with
    replacement characters; refuses bytes that are plainly not HTML."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise InputError(f"expected bytes, got {type(data).__name__}")
    data = bytes(data)
    head = data[:1024].lstrip()
    if head.startswith(_BINARY_MAGIC) or data[257:262] == b"ustar":
        raise InputError("not HTML (a PDF or an archive; read it with the matching extractor)")
    for bom, codec in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                       (codecs.BOM_UTF16_BE, "utf-16-be")):  # fmt: skip
        if data.startswith(bom):
            return data[len(bom) :].decode(codec, errors="replace")
    if b"\x00" in data[:4096]:
        raise InputError("not HTML (binary data)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = _decode_fallback(data, warnings)
    head_text = text[:65536]
    if text.strip() and not re.search(r"<[A-Za-z!?/]", head_text):
        raise InputError("not HTML (no tags in the first 64 kB)")
    if _LATEX.search(head_text) and not _HTML_MARK.search(head_text):
        raise InputError("not HTML (LaTeX source; read it with the LaTeX extractor)")
    return text


def _decode_fallback(data: bytes, warnings: list[str]) -> str:
    m = _META_CHARSET.search(data[:4096])
    if m:
        name = m.group(1).decode("ascii", "replace")
        try:
            codecs.lookup(name)
        except LookupError:
            pass
        else:
            codec = codecs.lookup(name).name
            if codec != "utf-8":
                # As browsers do (WHATWG Encoding): these labels mean windows-1252.
                codec = "cp1252" if codec in ("iso8859-1", "ascii") else codec
                warnings.append(f"decoded as {name} (the page's meta charset)")
                return data.decode(codec, errors="replace")
    warnings.append("invalid UTF-8 bytes replaced")
    return data.decode("utf-8", errors="replace")


def parse_page(text: str, warnings: list[str]) -> Any | None:
    text = _CONTROL.sub("", _XML_DECL.sub("", text, count=1))
    parser = lxml.html.HTMLParser(
        recover=True, remove_comments=True, remove_pis=True, no_network=True
    )
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        warnings.append("no HTML elements in the document")
        return None
    if any("depth" in e.message.lower() for e in parser.error_log):
        warnings.append("document nested deeper than 256 levels: read up to there")
    return root


@dataclass
class Landmarks:
    """What the page says outside the paper's body, found in one pass over the few
    element kinds that carry it (a whole-page XPath per item cost more than the body)."""

    article: Any | None = None  # article.ltx_document
    content: Any | None = None  # div.ltx_page_content (pages without the article)
    title_h1: Any | None = None  # h1.ltx_title_document
    abstract: Any | None = None  # div.ltx_abstract
    by_id: dict[str, Any] = field(default_factory=dict)  # license-tr, watermark-tr, ...
    links: dict[str, str] = field(default_factory=dict)  # canonical, license, base, og:url
    head_title: str = ""
    first_h1: str = ""


_LANDMARK_IDS = frozenset({"license-tr", "watermark-tr", "infobox", "target-section"})


def landmarks(root: Any) -> Landmarks:
    m = Landmarks()
    for el in root.iter("article", "div", "h1", "a", "link", "base", "meta", "title"):
        tag, ident = el.tag, el.get("id")
        if ident in _LANDMARK_IDS:
            m.by_id.setdefault(ident, el)
        if tag == "title":
            m.head_title = m.head_title or collapse(el.text_content())
        elif tag in ("link", "a") and el.get("rel") in ("canonical", "license"):
            m.links.setdefault(el.get("rel"), el.get("href") or "")
        elif tag == "base":
            m.links.setdefault("base", el.get("href") or "")
        elif tag == "meta" and el.get("property") == "og:url":
            m.links.setdefault("og:url", el.get("content") or "")
        elif tag == "article" and m.article is None and "ltx_document" in class_list(el):
            m.article = el
        elif tag == "h1":
            m.first_h1 = m.first_h1 or collapse(el.text_content())
            if m.title_h1 is None and "ltx_title_document" in class_list(el):
                m.title_h1 = el
        elif tag == "div" and el.get("class"):
            classes = class_list(el)
            if m.abstract is None and "ltx_abstract" in classes:
                m.abstract = el
            elif m.content is None and "ltx_page_content" in classes:
                m.content = el
    return m


# -- page metadata ---------------------------------------------------------------------------


def page_id(marks: Landmarks) -> tuple[str, int | None]:
    """arXiv id and version from arXiv's watermark, the canonical link, ``<base>`` or
    ``<title>``: the first that names a version wins, else the first id found."""
    watermark = marks.by_id.get("watermark-tr")
    candidates = [
        collapse(watermark.text_content()) if watermark is not None else "",
        marks.links.get("canonical", ""),
        marks.links.get("base", ""),
        marks.links.get("og:url", ""),
        marks.head_title,
    ]
    found: tuple[str, int | None] = ("", None)
    for text in candidates:
        m = _NEW_ID.search(text) or _OLD_ID.search(text)
        if m:
            version = int(m.group(2)) if m.group(2) else None
            if version is not None and (not found[0] or found[0] == m.group(1)):
                return m.group(1), version
            found = found if found[0] else (m.group(1), None)
    return found


def licence_url(marks: Landmarks) -> str:
    """The licence URL: a licence link's href, else the CC or arXiv licence named in the
    infobox text (arXiv's ``a#license-tr`` points at its help page, not at the licence)."""
    tr = marks.by_id.get("license-tr")
    hrefs = [tr.get("href") or "" if tr is not None else "", marks.links.get("license", "")]
    for box in (marks.by_id.get("infobox"), marks.by_id.get("target-section")):
        hrefs += [a.get("href") or "" for a in box.iter("a")] if box is not None else []
    for href in hrefs:
        if _LICENSE_URL.match(href.strip()):
            return href.strip()
    text = collapse(tr.text_content()) if tr is not None else ""
    m = _CC.search(text)
    if m:
        kind = "-".join(re.split(r"[\s-]+", m.group(1).lower()))
        return f"http://creativecommons.org/licenses/{kind}/{m.group(2)}/"
    low = text.lower()
    if "cc0" in low or "cc zero" in low or "public domain" in low:
        return "http://creativecommons.org/publicdomain/zero/1.0/"
    if "non-exclusive" in low or "nonexclusive" in low:
        return "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    return ""
