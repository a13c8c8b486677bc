"""What every parser returns, and the small helpers they share.

A parser is a pure function ``str -> ParseResult``. It never drops text silently: what it
cannot place in the model comes back as a :class:`ParseWarning` with its line number.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from digestkit.digest.model import Digest
from digestkit.errors import ParseError

__all__ = [
    "SEVERAL_DIGESTS",
    "ParseResult",
    "ParseWarning",
    "Parser",
    "Warnings",
    "find_date",
    "guess_language",
    "need_entries",
    "split_authors",
]


@dataclass(frozen=True)
class ParseWarning:
    """Text the parser could not place: ``line`` is 1-based, ``text`` the text itself."""

    line: int
    message: str
    text: str = ""

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class ParseResult:
    """A parsed digest, the format it was read as, and what could not be placed.

    ``parts`` holds the separate digests when the file was several digests concatenated
    (``digest`` then has all their entries, and a warning says where each part starts);
    empty for a file holding one digest. ``digestkit parse --split`` writes the parts.
    """

    digest: Digest
    format: str
    warnings: tuple[ParseWarning, ...] = field(default=())
    parts: tuple[Digest, ...] = field(default=())

    @property
    def digests(self) -> tuple[Digest, ...]:
        """The digests the file held: ``parts``, or just ``digest``."""
        return self.parts or (self.digest,)

    def to_dict(self) -> dict[str, object]:
        """The digest as JSON-ready data plus ``warnings`` (see ``model.SCHEMA``)."""
        data = self.digest.to_dict()
        data["format"] = self.format
        data["warnings"] = [
            {"line": w.line, "message": w.message, "text": w.text} for w in self.warnings
        ]
        return data


Parser = Callable[[str], ParseResult]

#: How the warning about several digests in one file begins (``--split`` silences it).
SEVERAL_DIGESTS = "another digest starts here"


class Warnings(list[ParseWarning]):
    """A list of warnings with a helper for "this text had no place" (0-based line in)."""

    def unplaced(self, line0: int, text: str, where: str) -> None:
        text = text.strip()
        if text:
            self.append(ParseWarning(line0 + 1, f"text not placed ({where})", text[:500]))


_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})")


def find_date(text: str) -> dt.date | None:
    """The first ``YYYY-MM-DD`` (or ``/``, ``.``, 年月日) date in ``text``, if valid.

    >>> find_date("LLM論文サーベイ(2026-02-23)")
    datetime.date(2026, 2, 23)
    >>> find_date("チェックリスト (2026/02/19)")
    datetime.date(2026, 2, 19)
    """
    m = _DATE.search(text)
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def split_authors(text: str) -> tuple[str, ...]:
    """Split an author list on commas that are not inside parentheses.

    >>> split_authors("A Wang (Univ. of X, Y), B Li")
    ('A Wang (Univ. of X, Y)', 'B Li')
    """
    out: list[str] = []
    cur: list[str] = []
    depth = 0
    for ch in text:
        depth += ch in "(（[" and 1 or 0
        depth -= ch in ")）]" and 1 or 0
        if ch in ",，、" and depth <= 0:
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur).strip())
    return tuple(a for a in out if a)


def need_entries(found: int, fmt: str, hint: str) -> None:
    """Raise :class:`ParseError` when a forced format finds nothing it recognises.

    >>> need_entries(0, "survey", "'1. Title' lines")
    Traceback (most recent call last):
    ...
    digestkit.errors.ParseError: no survey entries found ('1. Title' lines); try --format auto
    """
    if not found:
        raise ParseError(f"no {fmt} entries found ({hint}); try --format auto", line=1)


def guess_language(text: str) -> str:
    """BCP-47 language of ``text`` from :func:`digestkit.lang.detect_language` ("" unknown).

    >>> guess_language("これは日本語の要約です。")
    'ja'
    """
    from digestkit.lang import detect_language

    lang = detect_language(text[:6000]).lang
    return "" if lang == "und" else lang
