"""Text plumbing shared by the checkers: width folding with offsets, sentences, tokens.

Summaries come in three scripts and two widths (``９７％`` and ``97%`` say the same thing),
so every checker works on an NFKC-folded copy of the text and maps its matches back to
spans in the caller's original string through the offset table built here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

__all__ = ["Folded", "clauses", "fold", "latin_tokens", "sentences", "stem", "words"]

_SENT_END = re.compile(r"(?<=[。！？!?])\s*|(?<=[.;])\s+(?=[\"'(\[A-Z0-9\u3000-\u9fff])|\n+")
_WORD = re.compile(r"[a-z][a-z'-]*[a-z]|[a-z]")
_LATIN_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_./+@&'][A-Za-z0-9]+)*")


@dataclass(frozen=True)
class Folded:
    """``text`` NFKC-folded; ``offsets[i]`` is the index in the original of ``text[i]``."""

    text: str
    offsets: Sequence[int]
    original_length: int

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a ``[start, end)`` span of the folded text back to the original text.

        >>> f = fold("約１８．６倍")
        >>> f.text
        '約18.6倍'
        >>> f.span(1, 5)
        (1, 5)
        """
        if start >= len(self.offsets):
            return (self.original_length, self.original_length)
        first = self.offsets[start]
        last = self.offsets[end - 1] + 1 if end > start else first
        return (first, last)


_SPECIAL = {"\u301c": "~", "\u2212": "-", "\u2013": "-", "\u2014": "-"}


@cache
def _fold_char(ch: str) -> str:
    # NFKC maps the full-width tilde to a plain one, but digests use 〜 for ranges too.
    return _SPECIAL.get(ch) or unicodedata.normalize("NFKC", ch)


@lru_cache(maxsize=4096)
def fold(text: str) -> Folded:
    """NFKC-fold ``text`` character by character, keeping where each folded char came from.

    ASCII text is its own fold; other text is folded through a per-character cache, and the
    offset table is the identity unless some character folds to more than one.

    >>> fold("ＧＰＴ－４").text
    'GPT-4'
    >>> fold("㍻1").text, fold("㍻1").offsets
    ('平成1', (0, 0, 1))
    """
    n = len(text)
    if text.isascii():
        return Folded(text, range(n), n)
    parts = [ch if ch < "\x80" else _fold_char(ch) for ch in text]
    out = "".join(parts)
    if len(out) == n:
        return Folded(out, range(n), n)
    offsets = tuple(i for i, p in enumerate(parts) for _ in p)
    return Folded(out, offsets, n)


def sentences(text: str) -> list[tuple[int, int]]:
    """Split into sentence spans (``。！？`` for CJK, ``. ! ?`` before a capital for Latin).

    >>> t = "It works. それは速い。Done"
    >>> [t[a:b] for a, b in sentences(t)]
    ['It works.', 'それは速い。', 'Done']
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENT_END.finditer(text):
        if m.start() > start:
            spans.append(_strip(text, start, m.start()))
        start = m.end()
    if start < len(text):
        spans.append(_strip(text, start, len(text)))
    return [s for s in spans if s[1] > s[0]]


_CLAUSE_END = re.compile(r"(?<=；)\s*")


def clauses(text: str) -> list[tuple[int, int]]:
    """Sentences, with Chinese/Japanese sentences further split at the full-width
    semicolon: "该方法提升了精度；但未降低成本" makes two claims, and a negated second
    clause must be aligned on its own, not with the first clause's source sentence.

    >>> t = "该方法提升了精度；但未降低成本。Done."
    >>> [t[a:b] for a, b in clauses(t)]
    ['该方法提升了精度；', '但未降低成本。', 'Done.']
    """
    out: list[tuple[int, int]] = []
    for a, b in sentences(text):
        start = a
        for m in _CLAUSE_END.finditer(text, a, b):
            if m.start() > start:
                out.append(_strip(text, start, m.start()))
            start = m.end()
        if start < b:
            out.append(_strip(text, start, b))
    return [s for s in out if s[1] > s[0]]


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end)


def words(text: str) -> list[str]:
    """Lower-case Latin words.

    >>> words("Don't over-fit GPT-4!")
    ["don't", 'over-fit', 'gpt']
    """
    return _WORD.findall(text.lower())


def latin_tokens(text: str) -> list[re.Match[str]]:
    """Latin-script tokens with their digits and joiners (``GUI-Owl-1.5``, ``pass@1``).

    >>> [m.group() for m in latin_tokens("GUI-Owl-1.5はOSWorldで56.5")]
    ['GUI-Owl-1.5', 'OSWorld']
    """
    return [m for m in _LATIN_TOKEN.finditer(text)]


_SUFFIXES = ("ations", "ation", "ities", "ity", "ings", "ing", "ers", "er", "ed", "es", "ly", "s")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A crude suffix-stripping stem: enough to match ``improves``/``improved``/``improving``.

    >>> stem("improving") == stem("improved") == stem("improves")
    True
    >>> stem("exceed") == stem("exceeds") == stem("exceeding"), stem("surpass") == stem("surpassing")
    (True, True)
    """
    w = word.lower().removesuffix("'s").strip("'-")
    for suffix in _SUFFIXES:
        if suffix == "ed" and w.endswith("eed"):
            continue  # exceed, proceed: the "ed" is the word's own
        if suffix == "s" and w.endswith(("ss", "us", "is")):
            continue  # surpass, focus, basis: no plural to strip
        if len(w) - len(suffix) >= 4 and w.endswith(suffix):
            w = w[: -len(suffix)]
            break
    else:
        if len(w) >= 4 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
            w = w[:-1]  # short plurals: cnns, gans, llms
    if w.endswith("eed"):
        w = w[:-1]  # exceed(s/ed/ing) -> excee -> exce, agreed -> agree -> agre
    if w.endswith("e") and len(w) > 4:
        w = w[:-1]
    if len(w) > 4 and w[-1] == w[-2] and w[-1] not in "aeiouls":
        w = w[:-1]  # stopped / stopping -> stop
    return w
