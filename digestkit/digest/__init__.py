"""Digests as data: the model, parsers (``parse``) and renderers (``render``).

``parse_digest`` and the registries are loaded on first use, so importing the model
(which every part of digestkit does) does not import markdown-it-py. The render function
lives at ``digestkit.digest.render.render`` (``digestkit.digest.render`` is its package).

>>> from digestkit.digest import parse_digest
>>> from digestkit.digest.render import render
>>> d = parse_digest("- [A paper](https://arxiv.org/abs/2401.00001)\\n").digest
>>> render(d, "md-ja-8q").splitlines()[0]
'# A paper'
"""

from __future__ import annotations

import importlib
from typing import Any

from digestkit.digest.model import SCHEMA_VERSION, Digest, Entry, Summary, split_arxiv_id

__all__ = [
    "PARSERS",
    "RENDERERS",
    "SCHEMA_VERSION",
    "Digest",
    "Entry",
    "ParseResult",
    "ParseWarning",
    "Summary",
    "detect_format",
    "parse_digest",
    "split_arxiv_id",
]

_LAZY = {
    "PARSERS": "digestkit.digest.parse",
    "ParseResult": "digestkit.digest.parse",
    "ParseWarning": "digestkit.digest.parse",
    "detect_format": "digestkit.digest.parse",
    "parse_digest": "digestkit.digest.parse",
    "RENDERERS": "digestkit.digest.render",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
