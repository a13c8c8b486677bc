"""Full text of papers: :class:`FullText` (the paper as data), extractors for arXiv's HTML
(LaTeXML), e-print source (LaTeX, gzip or tar) and PDF, and fetching them by arXiv id.

Why: every summary in a good digest is written from the whole paper (methods, datasets,
hardware, results tables), not from the 300-character abstract. Extractors are pure
functions ``bytes -> FullText``; fetching (network, disk cache) lives in
:mod:`digestkit.fulltext.fetch`.

>>> sniff(b"%PDF-1.7 ...")
'pdf'
>>> sniff(b"<!DOCTYPE html><html>")
'html'
>>> sniff(b"\\\\documentclass{article}")
'latex'
"""

from __future__ import annotations

from digestkit.errors import InputError
from digestkit.fulltext.model import SCHEMA, SCHEMA_VERSION, SOURCE_KINDS, FullText, Section, Table

__all__ = [
    "SCHEMA",
    "SCHEMA_VERSION",
    "SOURCE_KINDS",
    "FullText",
    "Section",
    "Table",
    "extract",
    "sniff",
]


def sniff(data: bytes) -> str:
    """Which extractor reads ``data``: ``"pdf"``, ``"latex"`` (a ``.tex``, gzip or tar) or
    ``"html"``; ``""`` when none does. arXiv's e-print endpoint serves all of these, so
    the bytes decide, not the URL or the Content-Type."""
    head = data[:1024].lstrip()
    if data[:5] == b"%PDF-" or b"%PDF-" in data[:1024]:
        return "pdf"
    if data[:2] == b"\x1f\x8b" or data[257:262] == b"ustar" or data[:3] == b"BZh":
        return "latex"
    if data[:6] == b"\xfd7zXZ\x00":
        return "latex"
    low = head[:512].lower()
    if low.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<html" in low:
        return "html"
    if b"\\documentclass" in data[:65536] or b"\\begin{document}" in data or b"\\section" in data:
        return "latex"
    return ""


def extract(data: bytes, kind: str | None = None, *, arxiv_id: str = "",
            version: int | None = None) -> FullText:  # fmt: skip
    """Read ``data`` as ``kind`` (``html``/``latex``/``pdf``; sniffed when ``None``)."""
    kind = kind or sniff(data)
    if kind == "html":
        from digestkit.fulltext.html import extract_html

        return extract_html(data, arxiv_id=arxiv_id, version=version)
    if kind == "latex":
        from digestkit.fulltext.latex import extract_latex

        return extract_latex(data, arxiv_id=arxiv_id, version=version)
    if kind == "pdf":
        from digestkit.fulltext.pdf import extract_pdf

        return extract_pdf(data, arxiv_id=arxiv_id, version=version)
    raise InputError("not a paper this reader knows (expected arXiv HTML, LaTeX source or PDF)")
