"""Summary Markdown -> HTML that is safe to embed: no raw HTML, only safe link schemes.

Why a dedicated renderer: summaries come from LLMs and from other people's files, so they
are untrusted. markdown-it-py with ``html=False`` escapes every tag (``<script>`` becomes
text) and our ``validateLink`` allows only http(s), mailto, fragments and relative links,
so ``[x](javascript:…)`` is left as plain text instead of a link. Images are off too
(the page must not fetch anything).

>>> markdown_html("**b** <script>alert(1)</script> [x](javascript:alert(1))")
'<p><strong>b</strong> &lt;script&gt;alert(1)&lt;/script&gt; [x](javascript:alert(1))</p>\\n'
>>> markdown_html("![pixel](https://t.example/p.png)")
'<p>!<a href="https://t.example/p.png">pixel</a></p>\\n'
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
    # Images would be fetched from third parties when the page is opened: a tracking
    # pixel, and a page that is not self-contained. ![alt](url) becomes a plain link.
    md.disable("image")
    md.validateLink = lambda url: bool(safe_url(url))  # type: ignore[method-assign]
    return md


def markdown_html(text: str) -> str:
    """Render untrusted Markdown ``text`` to HTML that cannot run script."""
    return _md().render(text)
