"""Write a digest in the form its readers use: ``render(digest, fmt, **options) -> str``.

One module per output format, each a pure ``Digest -> str`` function registered in
:data:`RENDERERS`. The Markdown formats are the exact inverses of their parsers
(:data:`PARSE_FORMAT` maps each to the parser that reads it back); ``json`` is lossless;
``jsonl``, ``atom``, ``rss`` and ``html`` are output-only.

>>> from digestkit.digest.model import Digest, Entry
>>> d = Digest(title="t", entries=(Entry(arxiv_id="2503.04504", version=1, title="A"),))
>>> render(d, "md-ja-8q").splitlines()[0]
'# A'
>>> sorted(RENDERERS)[:3]
['atom', 'html', 'json']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from digestkit.digest._registry import LazyRegistry
from digestkit.digest.model import Digest

__all__ = ["ALIASES", "PARSE_FORMAT", "RENDERERS", "Renderer", "render"]

Renderer = Callable[..., str]

#: Each renderer's module is imported when the renderer is first looked up (the feeds and
#: the page need markdown-it-py, the page jinja2): see :mod:`digestkit.digest._registry`.
RENDERERS: Mapping[str, Renderer] = LazyRegistry(
    {
        "md-bot": "digestkit.digest.render.md_bot:render",
        "md-ja-8q": "digestkit.digest.render.md_ja_8q:render",
        "md-survey": "digestkit.digest.render.md_survey:render",
        "md-checklist": "digestkit.digest.render.md_checklist:render",
        "json": "digestkit.digest.render.data:render_json",
        "jsonl": "digestkit.digest.render.data:render_jsonl",
        "atom": "digestkit.digest.render.feeds:render_atom",
        "rss": "digestkit.digest.render.feeds:render_rss",
        "html": "digestkit.digest.render.page:render",
    }
)

# renderer -> the parse format that reads its output back
PARSE_FORMAT = {
    "md-bot": "bot-readme",
    "md-ja-8q": "ja-8q",
    "md-survey": "survey",
    "md-checklist": "checklist",
    "json": "json",
}
# parse format names accepted as renderer names
ALIASES = {parsed: rendered for rendered, parsed in PARSE_FORMAT.items() if parsed != rendered}


def render(digest: Digest, fmt: str, **options: Any) -> str:
    """Render ``digest`` as ``fmt`` (a key of :data:`RENDERERS` or a parse format name).

    Raises :class:`ValueError` for an unknown format.
    """
    name = ALIASES.get(fmt, fmt)
    try:
        renderer = RENDERERS[name]
    except KeyError:
        raise ValueError(
            f"unknown output format {fmt!r}; choose from {', '.join(RENDERERS)}"
        ) from None
    return renderer(digest, **options)
