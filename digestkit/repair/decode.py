"""Bytes to text: pick the codec a file was written in, and never fail doing it.

Repair starts from bytes whose encoding nobody recorded. The cheap, certain answers come
first (a byte-order mark; strict UTF-8, which legacy CJK text almost never passes by
accident; UTF-16/32 given away by their NUL-byte patterns). Only what is left goes to
charset-normalizer, which is slow on big inputs and unsure on short ones, so it sees a
bounded sample cut at a safe byte and its answer is checked by decoding the whole input
strictly. When nothing fits, a lossless fallback keeps every valid UTF-8 sequence and maps
each stray byte to one character, so no byte is dropped and the text repair can still
work on it. :func:`decode_bytes` never raises on any input.
"""

from __future__ import annotations

import codecs
import logging
import re
from dataclasses import dataclass

__all__ = ["Decoded", "decode_bytes", "looks_binary"]

logger = logging.getLogger(__name__)

#: How many bytes charset-normalizer sees at most. Its cost grows with the input, and
#: 64 KiB is far more text than it needs to tell GB18030 from Big5 or Shift_JIS.
SAMPLE_BYTES = 64 * 1024

#: How many bytes the NUL-pattern and binary checks look at.
_PROBE_BYTES = 8 * 1024

# Order matters: the UTF-32-LE mark starts with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Legacy codecs tried strictly, in this order, when charset-normalizer has no usable answer.
_LEGACY_FALLBACKS = ("gb18030", "big5", "shift_jis", "euc_jp", "euc_kr", "cp1252")

# Control bytes that do not occur in text files (TAB, LF, FF, CR and ESC do).
_CONTROL = frozenset(range(0x20)) - {0x09, 0x0A, 0x0C, 0x0D, 0x1B}

_MAGIC = (
    b"\x89PNG",
    b"%PDF-",
    b"\x1f\x8b",
    b"PK\x03\x04",
    b"\x7fELF",
    b"GIF8",
    b"\xff\xd8\xff",
    b"BZh",
    b"\xfd7zXZ",
    b"7z\xbc\xaf",
    b"\x28\xb5\x2f\xfd",
    b"SQLite format 3\x00",
)


@dataclass(frozen=True)
class Decoded:
    """The text of some bytes, the codec that produced it and how sure the choice is.

    ``encoding`` is a Python codec name (``'utf-8'``, ``'gb18030'``, ...; ``'ascii'`` for
    pure ASCII); ``confidence`` is in [0, 1]; ``bom`` tells whether a byte-order mark was
    found (it is not part of ``text``).
    """

    text: str
    encoding: str
    confidence: float
    bom: bool = False


def decode_bytes(data: bytes) -> Decoded:
    """Decode ``data`` with the codec it was most likely written in. Never raises.

    >>> decode_bytes("論文の要約".encode("utf-8"))
    Decoded(text='論文の要約', encoding='utf-8', confidence=1.0, bom=False)
    >>> decode_bytes(b"\\xef\\xbb\\xbfhello").bom
    True
    >>> d = decode_bytes("本文提出了一种新的大语言模型训练方法，显著提升了推理能力。".encode("gb18030"))
    >>> d.text, d.encoding
    ('本文提出了一种新的大语言模型训练方法，显著提升了推理能力。', 'gb18030')
    >>> decode_bytes("«論文» ".encode("utf-8") * 9 + b"\\x93ok\\x94").text[-5:]  # strays kept
    ' “ok”'
    """
    data = bytes(data)
    for attempt in (_decode_bom, _decode_utf8, _decode_utf16_32, _decode_mostly_utf8):
        found = attempt(data)
        if found is not None:
            return found
    return _decode_legacy(data) or _fallback(data)


def looks_binary(data: bytes) -> bool:
    """Whether ``data`` looks like a binary file (image, archive, executable), not text.

    Only the first few KiB are examined; UTF-16/32 text (which is full of NULs) is text.

    >>> looks_binary(b"\\x89PNG\\r\\n\\x1a\\n\\x00\\x00\\x00\\rIHDR")
    True
    >>> looks_binary("論文".encode("utf-16-le"))
    False
    >>> looks_binary(b"plain text\\n")
    False
    """
    head = bytes(data[:_PROBE_BYTES])
    if not head:
        return False
    if any(head.startswith(bom) for bom, _ in _BOMS):
        return False
    if head.startswith(_MAGIC):
        return True
    if _nul_pattern_codec(head) is not None:
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for byte in head if byte in _CONTROL)
    return controls > len(head) * 0.05


def _decode_bom(data: bytes) -> Decoded | None:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(codec)
            except UnicodeDecodeError:
                # A mark followed by bytes that do not fit it: the mark was a coincidence
                # (cp1252 text can start with "ï»¿"); let the other checks decide.
                logger.debug("BOM for %s but the bytes do not decode; ignoring it", codec)
                return None
            return Decoded(text, codec, 1.0, bom=True)
    return None


def _decode_utf8(data: bytes) -> Decoded | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not text.isascii():
        return Decoded(text, "utf-8", 1.0)
    if b"\x1b$" in data:
        # 7-bit ISO-2022 (old Japanese/Korean mail and news) is ASCII on the wire.
        for codec in ("iso2022_jp_ext", "iso2022_kr"):
            try:
                return Decoded(data.decode(codec), codec.replace("_", "-"), 0.95)
            except UnicodeDecodeError:
                continue
    return Decoded(text, "ascii", 1.0)


def _nul_pattern_codec(head: bytes) -> str | None:
    """UTF-16/32 without a mark, told by where NULs fall (ASCII-heavy text has many)."""
    size = len(head)
    if size < 4 or b"\x00" not in head:
        return None
    if size % 4 == 0:
        for codec, zero_at in (("utf-32-le", (2, 3)), ("utf-32-be", (0, 1))):
            if all(head[i::4].count(0) == size // 4 for i in zero_at):
                return codec
    even, odd = head[0::2], head[1::2]
    even_nul, odd_nul = even.count(0) / len(even), odd.count(0) / max(len(odd), 1)
    if odd_nul >= 0.3 and even_nul <= 0.02:
        return "utf-16-le"
    if even_nul >= 0.3 and odd_nul <= 0.02:
        return "utf-16-be"
    return None


def _decode_utf16_32(data: bytes) -> Decoded | None:
    codec = _nul_pattern_codec(data[:_PROBE_BYTES])
    if codec is None:
        return None
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return None
    # Unpaired surrogates decode in Python's UTF-16 only via errors; strict already refused
    # them, so what is here is well-formed. The pattern is strong but not a mark.
    return Decoded(text, codec, 0.95)


def _decode_mostly_utf8(data: bytes) -> Decoded | None:
    """UTF-8 with a few stray bytes (a truncated tail, one pasted cp1252 quote).

    Legacy CJK codecs almost never form valid multi-byte UTF-8 sequences, so many valid
    sequences and few invalid bytes means UTF-8 with damage, not another codec.
    """
    non_ascii = len(data) - len(data.translate(None, _HIGH_BYTES))
    text, stray = _utf8_keeping_strays(data)
    if non_ascii == 0 or stray > non_ascii * 0.05:
        return None
    return Decoded(text, "utf-8", round(1.0 - stray / non_ascii, 3))


def _utf8_keeping_strays(data: bytes) -> tuple[str, int]:
    """Decode UTF-8, turning each byte that is not part of a valid sequence into one
    character (its cp1252 meaning, else Latin-1), and count those bytes.

    ``surrogateescape`` does the decoding at C speed; the escapes are then swapped for
    visible characters, so the text stays writable as UTF-8 and a later repair step can
    still recognise the cp1252 mojibake.
    """
    text = data.decode("utf-8", errors="surrogateescape")
    stray = len(_ESCAPED.findall(text))
    return (text.translate(_ESCAPE_TO_CHAR) if stray else text), stray


def _decode_legacy(data: bytes) -> Decoded | None:
    from charset_normalizer import from_bytes

    sample = _safe_sample(data)
    matches = from_bytes(sample)
    for match in matches:
        codec = _python_codec(match.encoding)
        if codec in {"utf_8", "utf-8", "ascii"}:
            continue  # strict UTF-8 already failed on the whole input
        try:
            text = data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
        confidence = round(
            max(0.0, 1.0 - match.chaos) * (0.5 + 0.5 * min(1.0, len(sample) / 256)), 3
        )
        return Decoded(text, _canonical(codec), confidence)
    for codec in _LEGACY_FALLBACKS:
        try:
            return Decoded(data.decode(codec), codec, 0.2)
        except UnicodeDecodeError:
            continue
    return None


def _safe_sample(data: bytes) -> bytes:
    """At most :data:`SAMPLE_BYTES`, cut after a byte no multi-byte codec uses as a trail.

    Bytes below 0x30 are never the second byte of a GB18030, Big5, Shift_JIS or EUC
    character, so cutting after one never splits a character.
    """
    if len(data) <= SAMPLE_BYTES:
        return data
    head = data[:SAMPLE_BYTES]
    for pos in range(len(head) - 1, len(head) // 2, -1):
        if head[pos] < 0x30:
            return head[: pos + 1]
    return head


def _python_codec(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return name


_CANONICAL = {"cp932": "cp932", "gb2312": "gb18030", "gbk": "gb18030"}


def _canonical(codec: str) -> str:
    """GB2312 and GBK are subsets of GB18030: report the superset that decoded it."""
    return _CANONICAL.get(codec.replace("_", ""), codec.replace("_", "-"))


def _fallback(data: bytes) -> Decoded:
    return Decoded(_utf8_keeping_strays(data)[0], "utf-8", 0.0)


_HIGH_BYTES = bytes(range(0x80, 0x100))
_ESCAPED = re.compile("[\udc80-\udcff]")
_ESCAPE_TO_CHAR = {
    0xDC00 + byte: bytes([byte]).decode("cp1252", errors="replace").replace("\ufffd", chr(byte))
    for byte in range(0x80, 0x100)
}
