"""Read any digest into the one model: ``parse_digest(text_or_bytes, format="auto")``.

Why one entry point: callers (the CLI, ``digestkit digest``, the eval harness) should not
care which bot wrote a file. The text is repaired first (mojibake, wrong codec), the format
detected, and one parser per format turns it into a :class:`~digestkit.digest.model.Digest`.
Parsers are pure ``str -> ParseResult`` functions registered in :data:`PARSERS`; what they
could not place comes back in ``ParseResult.warnings`` with line numbers, never dropped.

>>> r = parse_digest("# T\\n\\n[View Paper](http://arxiv.org/abs/2503.04504v1)\\n\\n## 1. Q\\n\\nA\\n")
>>> r.format, [e.arxiv_id for e in r.digest.entries]
('ja-8q', ['2503.04504'])
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping

from digestkit.digest._registry import LazyRegistry
from digestkit.digest.model import Digest
from digestkit.digest.parse._base import Parser, ParseResult, ParseWarning
from digestkit.digest.parse.detect import detect_format
from digestkit.errors import InputError, ParseError

__all__ = ["FORMATS", "PARSERS", "ParseResult", "ParseWarning", "detect_format", "parse_digest"]

log = logging.getLogger(__name__)


def _parse_json(text: str) -> ParseResult:
    """The digestkit JSON schema (``Digest.to_json``); ``warnings`` in it are kept."""
    digest = Digest.from_json(text)
    return ParseResult(dataclasses.replace(digest, format=digest.format or "json"), "json")


#: Each parser's module is imported when the parser is first looked up (a JSON file
#: needs no Markdown parser): see :mod:`digestkit.digest._registry`.
PARSERS: Mapping[str, Parser] = LazyRegistry(
    {
        "bot-readme": "digestkit.digest.parse.bot_readme:parse",
        "ja-8q": "digestkit.digest.parse.ja_8q:parse",
        "survey": "digestkit.digest.parse.survey:parse",
        "checklist": "digestkit.digest.parse.checklist:parse",
        "generic": "digestkit.digest.parse.generic:parse",
        "json": "digestkit.digest.parse:_parse_json",
    }
)
FORMATS = ("auto", *PARSERS)


def _repaired(data: str | bytes) -> str:
    """Run the repair step (decode + mojibake repair) and normalise newlines."""
    try:
        from digestkit.repair import repair_bytes, repair_text
    except ImportError:  # the repair package is optional at import time
        log.warning("digestkit.repair is unavailable: parsing the text unrepaired")
        text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    else:
        text = repair_bytes(data).text if isinstance(data, bytes) else repair_text(data).text
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def parse_digest(
    data: str | bytes, format: str = "auto", *, path: str | None = None
) -> ParseResult:
    """Repair ``data``, detect (or use) ``format`` and parse it.

    Raises :class:`~digestkit.errors.ParseError` (naming ``path`` and the line) for empty
    input, an unknown format, a forced format that finds nothing, or a truncated document.

    >>> parse_digest("   ", path="x.md")
    Traceback (most recent call last):
    ...
    digestkit.errors.ParseError: x.md:1: empty document
    """
    if format not in FORMATS:
        raise ParseError(f"unknown format {format!r}; choose from {', '.join(FORMATS)}", path=path)
    try:
        text = _repaired(data)
    except InputError as err:
        raise type(err)(err.message, path=path, line=err.context.get("line")) from err
    if not text.strip():
        raise ParseError("empty document", path=path, line=1)
    fmt = detect_format(text) if format == "auto" else format
    try:
        result = PARSERS[fmt](text)
    except InputError as err:
        hint = f" (detected format: {detect_format(text)})" if format != "auto" else ""
        raise ParseError(err.message + hint, path=path, line=err.context.get("line")) from err
    digest = dataclasses.replace(result.digest, format=fmt)
    log.debug("parsed %s as %s: %d entries", path or "<text>", fmt, len(digest.entries))
    parts = tuple(dataclasses.replace(part, format=fmt) for part in result.parts)
    return ParseResult(digest, fmt, result.warnings, parts)
