"""Render a digest as one self-contained HTML page (inline CSS, no scripts, no assets).

Why this shape: the page is mailed, dropped in a bucket or opened from disk, so it must
work offline and be safe whatever the summaries contain. Every field is escaped by
Jinja2's autoescape; summary Markdown goes through :func:`._safe.markdown_html` (raw HTML
off, link schemes restricted); entry URLs pass :func:`._common.safe_url`. TeX math in
summaries, titles and abstracts becomes MathML (no script: browsers render it natively),
checked against an allow-list (:func:`digestkit.digest.tex.to_mathml`). The CSS uses a
CJK-aware font stack and follows the reader's light/dark preference.

>>> from digestkit.digest.model import Digest, Entry, Summary
>>> s = Summary(sections=(("", "<script>alert(1)</script>"),))
>>> out = render(Digest(title="t", entries=(Entry(arxiv_id="1", title="<b>x</b>", summary=s),)))
>>> "<script>" in out, "&lt;script&gt;" in out, "&lt;b&gt;x" in out
(False, True, True)
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from markupsafe import Markup

from digestkit.digest.model import Digest, Entry, Summary
from digestkit.digest.render._common import abs_url, safe_url, summary_heading
from digestkit.digest.render._safe import markdown_html
from digestkit.digest.render._text import clean_digest, reader_language
from digestkit.digest.tex import html_with_math, text_to_unicode

__all__ = ["render"]


@lru_cache(maxsize=1)
def _template() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("digestkit.digest.render", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("page.html.j2")


def _summary_html(s: Summary) -> str:
    parts = []
    for head, body in s.sections or (("", s.raw),):
        if head:
            parts.append(markdown_html("### " + head.replace("\n", " ")))
        parts.append(markdown_html(body))
    return "".join(parts)


# What a reader is told a summary was written from (Summary.source).
_WRITTEN_FROM = {
    "fulltext:html": "the full text",
    "fulltext:latex": "the full text",
    "fulltext:pdf": "the full text (PDF)",
    "fulltext": "the full text",
    "abstract": "the abstract",
}


def _summaries(e: Entry) -> list[dict[str, Any]]:
    """One block per summary, in its own ``lang``; a heading names each when there are
    several (a ja and a zh summary of one paper), none for the usual single summary."""
    shown = [(s, _summary_html(s)) for s in e.all_summaries()]
    shown = [(s, html) for s, html in shown if html]
    return [
        {
            "lang": s.language,
            "heading": summary_heading(s) if len(shown) > 1 else "",
            "html": Markup(html),  # noqa: S704 - built by the safe renderer
        }
        for s, html in shown
    ]


def _view(n: int, e: Entry, source_lang: str) -> dict[str, Any]:
    facts = [("arXiv", e.arxiv_id + (f"v{e.version}" if e.version else ""))] if e.arxiv_id else []
    if e.published:
        facts.append(("published", e.published.isoformat()))
    if e.score is not None:
        facts.append(("score", f"{e.score:g}"))
    if e.summary is not None and e.summary.source:
        facts.append(("summary from", _WRITTEN_FROM.get(e.summary.source, e.summary.source)))
    if e.summary is not None and e.meta("faithfulness.marker"):
        facts.append(("check:", e.meta("faithfulness.marker") or ""))
    return {
        "anchor": f"p{n}-" + "".join(ch if ch.isalnum() else "-" for ch in (e.arxiv_id or "entry")),
        "title": Markup(html_with_math(e.title or e.arxiv_id or "untitled")),  # noqa: S704
        "url": safe_url(e.url) or abs_url(e),
        "authors": ", ".join(e.authors),
        "categories": e.categories,
        "facts": facts,
        "summaries": _summaries(e),
        "abstract": Markup(html_with_math(e.abstract)) if e.abstract else "",  # noqa: S704
        "abstract_lang": source_lang,
    }


def render(digest: Digest, **options: Any) -> str:
    """The digest as a standalone HTML page.

    Options: ``title`` overrides the page title; ``link`` (the site the page belongs to)
    is shown under it. ``<html lang>`` is the summaries' language
    (:func:`._text.reader_language`); abstracts in another language carry their own.
    """
    digest = clean_digest(digest)
    title = text_to_unicode(options.get("title") or digest.title or "arXiv digest")
    lang = reader_language(digest) or "und"
    source_lang = digest.language if digest.language not in ("", lang) else ""
    return str(
        _template().render(
            lang=lang,
            title=title,
            link=safe_url(options.get("link") or ""),
            date=digest.date.isoformat() if digest.date else "",
            source=digest.source,
            count=len(digest.entries),
            entries=[_view(n, e, source_lang) for n, e in enumerate(digest.entries, 1)],
        )
    )
