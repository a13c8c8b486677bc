"""Summary Markdown -> HTML that is safe to embed: no raw HTML, only safe link schemes.

Why a dedicated renderer: summaries come from LLMs and from other people's files, so they
are untrusted. markdown-it-py with ``html=False`` escapes every tag (``<script>`` becomes
text) and our ``validateLink`` allows only http(s), mailto, fragments and relative links,
so ``[x](javascript:…)`` is left as plain text instead of a link.

>>> markdown_html("**b** <script>alert(1)</script> [x](javascript:alert(1))")
'<p><strong>b</strong> &lt;script&gt;alert(1)&lt;/script&gt; [x](javascript:alert(1))</p>\\n'
"""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt

from digestkit.digest.render._common import safe_url

__all__ = ["markdown_html"]


@lru_cache(maxsize=1)
def _md() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.validateLink = lambda url: bool(safe_url(url))  # type: ignore[method-assign]
    return md


def markdown_html(text: str) -> str:
    """Render untrusted Markdown ``text`` to HTML that cannot run script."""
    return _md().render(text)
