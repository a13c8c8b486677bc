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

import html
import re
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

from digestkit.digest.render._common import safe_url
from digestkit.digest.tex import MATH_SPAN, is_math, math_to_unicode, to_mathml

__all__ = ["markdown_html"]


def _mathml(tex: str, opts: dict[str, Any]) -> str:
    display = bool(opts.get("display_mode"))
    fallback = html.escape(f"$${tex}$$" if display else f"${tex}$", quote=False)
    mathml = to_mathml(tex, display)
    return f'<span class="math">{mathml}</span>' if mathml else fallback


def _unicode(tex: str, opts: dict[str, Any]) -> str:
    return html.escape(math_to_unicode(tex), quote=False)


_MATH_RENDERERS = {"mathml": _mathml, "unicode": _unicode}


@lru_cache(maxsize=4)
def _md(math: str) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    # Images would be fetched from third parties when the page is opened: a tracking
    # pixel, and a page that is not self-contained. ![alt](url) becomes a plain link.
    md.disable("image")
    md.validateLink = lambda url: bool(safe_url(url))  # type: ignore[method-assign]
    if math in _MATH_RENDERERS:
        md.inline.ruler.before("escape", "math", _math_rule)
        render_math = _MATH_RENDERERS[math]

        def render_token(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
            token = tokens[idx]
            return str(render_math(token.content, {"display_mode": token.info == "block"}))

        md.add_render_rule("math", render_token)
    return md


def _math_rule(state: StateInline, silent: bool) -> bool:
    """``$…$`` / ``$$…$$`` as one token, with the same span rules as plain text
    (:data:`digestkit.digest.tex.MATH_SPAN`: "costs $5 and $10" is money)."""
    if state.src[state.pos] != "$":
        return False
    m = MATH_SPAN.match(state.src, state.pos, state.posMax)
    if m is None or not is_math(m):
        return False
    if not silent:
        token = state.push("math", "", 0)
        token.content = m.group("block") or m.group("inline")
        token.info = "block" if m.group("block") is not None else "inline"
        token.markup = "$$" if token.info == "block" else "$"
    state.pos = m.end()
    return True


def markdown_html(text: str, *, math: str = "mathml") -> str:
    """Render untrusted Markdown ``text`` to HTML that cannot run script.

    ``math``: ``"mathml"`` (``$…$`` as MathML: pages), ``"unicode"`` (readable text:
    feeds, whose readers rarely render MathML) or ``"none"`` (left as typed).

    >>> markdown_html("$x^2$ costs $5", math="unicode")
    '<p>x² costs $5</p>\\n'
    """
    if math in _MATH_RENDERERS and "|" in text and "$" in text:
        text = _TABLE_ROW.sub(_bars_in_math, text)
    return _md(math).render(text)


_TABLE_ROW = re.compile(r"^[ \t]*\|.*$", re.M)


def _bars_in_math(row: re.Match[str]) -> str:
    """A ``|`` inside ``$…$`` in a table row would end the cell before any inline rule runs
    (seed 004 writes ``| $ O(|P|) $ |``): write it as ``\\vert``, which renders the same.

    >>> _TABLE_ROW.sub(_bars_in_math, "| Full-FT | $ O(|P|) $ | x |")
    '| Full-FT | $ O(\\\\vert{}P\\\\vert{}) $ | x |'
    """
    return MATH_SPAN.sub(lambda m: m.group(0).replace("|", "\\vert{}"), row.group(0))
