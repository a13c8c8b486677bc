"""Text that readers see: no control characters, and the language the readers read.

Why here: a feed is XML 1.0, which forbids most C0 control characters (a title pasted
from a PDF can hold ``\\x01`` or ``\\x0c``), and one such character used to abort the whole
feed. Renderers clean every string they publish with :func:`clean_text`, so a stray byte
costs one character, never the feed or the page.

The language of a digest as parsed (``Digest.language``) is guessed from titles and
abstracts, which are English on arXiv even when every summary is Chinese. Readers read the
summaries, so :func:`reader_language` prefers their language.

>>> clean_text("a\\x01b\\x0cc\\td")
'abc\\td'
>>> from digestkit.digest.model import Digest, Entry, Summary
>>> d = Digest(language="en", entries=(Entry(summary=Summary(language="zh")),))
>>> reader_language(d), entry_language(d.entries[0])
('zh', 'zh')
"""

from __future__ import annotations

import collections
import dataclasses
import re

from digestkit.digest.model import Digest, Entry, Summary
from digestkit.digest.tex import decode_accents

__all__ = ["clean_digest", "clean_text", "entry_language", "reader_language"]

# XML 1.0 Char excludes C0 controls except tab/newline/CR, lone surrogates and U+FFFE/FFFF;
# DEL and C1 controls are legal XML but render as boxes, so they go too.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: str) -> str:
    """``text`` without the control characters XML forbids or readers show as boxes."""
    return _CONTROL.sub("", text) if text else text


def entry_language(entry: Entry) -> str:
    """The language a reader meets first in ``entry``: its (primary) summary's, else ""."""
    return entry.summary.language if entry.summary and entry.summary.language else ""


def reader_language(digest: Digest) -> str:
    """The most common summary language, else the digest's own language, else ""."""
    counts = collections.Counter(entry_language(e) for e in digest.entries)
    counts.pop("", None)
    if counts:
        return counts.most_common(1)[0][0]
    return digest.language


def _pairs(pairs: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    return tuple((clean_text(k), clean_text(v)) for k, v in pairs)


def _summary(s: Summary | None) -> Summary | None:
    return None if s is None else _clean_summary(s)


def _clean_summary(s: Summary) -> Summary:
    return dataclasses.replace(s, sections=_pairs(s.sections), raw=clean_text(s.raw))


def _entry(e: Entry) -> Entry:
    return dataclasses.replace(
        e,
        title=decode_accents(clean_text(e.title)),
        url=clean_text(e.url),
        authors=tuple(a for a in (decode_accents(clean_text(a)).strip() for a in e.authors) if a),
        categories=tuple(clean_text(c) for c in e.categories),
        abstract=decode_accents(clean_text(e.abstract)),
        summary=_summary(e.summary),
        summaries=tuple(_clean_summary(s) for s in e.summaries),
        metadata=_pairs(e.metadata),
    )


def clean_digest(digest: Digest) -> Digest:
    """``digest`` with :func:`clean_text` applied to every string a reader could see, and
    TeX accents in titles, names and abstracts decoded (:func:`digestkit.digest.tex.decode_accents`).

    >>> clean_digest(Digest(title="a\\x00b", entries=(Entry(title="c\\x1bd"),))).entries[0].title
    'cd'
    """
    return dataclasses.replace(
        digest,
        title=clean_text(digest.title),
        source=clean_text(digest.source),
        metadata=_pairs(digest.metadata),
        entries=tuple(_entry(e) for e in digest.entries),
    )
