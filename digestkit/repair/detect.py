"""Is there mojibake in this text? A prefilter that clean text passes at memory speed.

UTF-8 read through a single-byte code page always leaves the same fingerprint: the image of
a lead byte (0xC2-0xF4) directly followed by the image of a continuation byte (0x80-0xBF),
or by U+FFFD / ``?`` where that byte was lost. One compiled character-class regex over the
union of these images, per code page we know, finds every candidate; ASCII text is decided by
``str.isascii()`` without a scan. Everything heavier runs only where this matches.

>>> looks_like_mojibake("è®ºæ–‡æ€»ç»“")
True
>>> looks_like_mojibake("论文总结，“引号”与 café")
False
>>> looks_like_mojibake("plain ascii")
False
"""

from __future__ import annotations

import re
from functools import lru_cache

from digestkit.repair.types import DEFAULT_CODECS as _DEFAULT_CODECS

__all__ = ["CODEC_IMAGES", "looks_like_mojibake", "suspicious_pattern"]


def _image(codec: str, lo: int, hi: int) -> str:
    chars = []
    for b in range(lo, hi + 1):
        try:
            chars.append(bytes([b]).decode(codec))
        except UnicodeDecodeError:  # kept as U+0080-U+00FF by "sloppy" decoders
            chars.append(chr(b))
    return "".join(chars)


@lru_cache(maxsize=64)
def codec_table(codec: str) -> tuple[str, str]:
    """The characters ``codec`` gives for UTF-8 lead bytes and continuation bytes.

    >>> leads, conts = codec_table("cp1252")
    >>> "Ã" in leads, "©" in conts
    (True, True)
    """
    return _image(codec, 0xC2, 0xF4), _image(codec, 0x80, 0xBF)


CODEC_IMAGES = {c: codec_table(c) for c in _DEFAULT_CODECS}


def _cls(chars: str) -> str:
    return "[" + "".join(re.escape(c) for c in sorted(set(chars))) + "]"


@lru_cache(maxsize=16)
def suspicious_pattern(codecs: tuple[str, ...] = _DEFAULT_CODECS) -> re.Pattern[str]:
    """One regex matching a lead-byte image followed by a continuation image (or a loss mark).

    >>> bool(suspicious_pattern().search("Ã©"))
    True
    """
    leads = "".join(codec_table(c)[0] for c in codecs)
    conts = "".join(codec_table(c)[1] for c in codecs) + "\ufffd?"
    return re.compile(_cls(leads) + _cls(conts))


def looks_like_mojibake(text: str, codecs: tuple[str, ...] = _DEFAULT_CODECS) -> bool:
    """Cheap yes/no: could ``text`` contain UTF-8 mojibake at all? (No false negatives.)

    >>> looks_like_mojibake("â€œquotedâ€\x9d")
    True
    """
    if text.isascii():
        return False
    return suspicious_pattern(codecs).search(text) is not None
