"""Bytes to text: pick the codec a file was written in, and never fail doing it.

Repair starts from bytes whose encoding nobody recorded. The cheap, certain answers come
first (a byte-order mark; strict UTF-8, which legacy CJK text almost never passes by
accident; UTF-16/32 given away by their NUL-byte patterns; UTF-8 with a few stray
bytes; files whose lines mix UTF-8 and one legacy codec). Only what is left goes to
charset-normalizer, which is slow on big inputs and unsure on short ones: it sees a
bounded sample cut at a safe byte, its ranking is re-judged by how plausible each
candidate's text reads (:mod:`digestkit.repair.plausible`), and the winner is checked by
decoding the whole input strictly. When nothing fits, a lossless fallback keeps every
valid UTF-8 sequence and maps each stray byte to one character, so no byte is dropped
and the text repair can still work on it. :func:`decode_bytes` never raises.
"""

from __future__ import annotations

import codecs
import contextlib
import logging
import re
import unicodedata
from dataclasses import dataclass

from digestkit.errors import DecodeError
from digestkit.repair.plausible import cjk_plausibility, word_plausibility

__all__ = ["Decoded", "binary_text", "decode_as", "decode_bytes", "looks_binary"]

logger = logging.getLogger(__name__)

#: How many bytes charset-normalizer sees at most. Its cost grows with the input, and
#: 16 KiB is far more text than it needs to tell GB18030 from Big5 or Shift_JIS.
SAMPLE_BYTES = 16 * 1024

#: How many bytes the CJK plausibility score reads: a few hundred characters settle it.
SCORE_BYTES = 4 * 1024

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

# Tried strictly, in order, when no ranked codec decodes the whole input (Latin-1 always does).
_LEGACY_FALLBACKS = ("cp1252", "latin-1")

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
    b"\xde\x12\x04\x95",  # gettext .mo, both byte orders
    b"\x95\x04\x12\xde",
    b"\x80\x02",  # pickle, protocols 2 to 5
    b"\x80\x03",
    b"\x80\x04",
    b"\x80\x05",
    b"\xca\xfe\xba\xbe",
    b"\x00\x01\x00\x00",  # TrueType
    b"\x00\x00\x01\x00",  # Windows icon
)

# Signatures made of letters: a text may start with them too ("FORM 10-K", "OTTO"), so
# they count only with a NUL soon after (every one of these formats has one).
_LETTER_MAGIC = (
    b"RIFF",  # WAV, AVI, WebP
    b"FORM",  # AIFF
    b".snd",  # Sun/NeXT audio
    b"OggS",
    b"fLaC",
    b"ID3",  # MP3
    b"OTTO",  # OpenType
    b"ttcf",
    b"wOFF",
    b"wOF2",
    b"BM",  # Windows bitmap
    b"MZ",  # Windows executable
)

#: Share of control characters (other than TAB, LF, FF, CR and ESC) above which decoded
#: text is no text: what an all-NUL or NUL-heavy file becomes when read as UTF-16/32.
_CONTROL_SHARE = 0.01

_TEXT_CONTROLS = frozenset("\t\n\x0c\r\x1b")


@dataclass(frozen=True)
class Decoded:
    """The text of some bytes, the codec that produced it and how sure the choice is.

    ``encoding`` is a Python codec name (``'utf-8'``, ``'gb18030'``, ...; ``'ascii'`` for
    pure ASCII), or ``'utf-8+CODEC'`` for a file whose lines mix UTF-8 and one legacy
    codec (a log appended to by two tools); ``confidence`` is in [0, 1]; ``bom`` tells
    whether a byte-order mark was found (it is not part of ``text``).
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
    # NUL patterns before UTF-8: ASCII-only UTF-16 is valid UTF-8, full of NULs.
    attempts = (_decode_bom, _decode_utf16_32, _decode_utf8, _decode_mostly_utf8, _decode_mixed)
    for attempt in attempts:
        found = attempt(data)
        if found is not None:
            return found
    return _decode_legacy(data) or _fallback(data)


def decode_as(data: bytes, encoding: str) -> Decoded:
    """Decode ``data`` with a codec the caller knows, strictly; no guessing.

    A byte-order mark of that codec's family is honoured and reported. Bytes that do not
    fit raise :class:`~digestkit.errors.DecodeError` with the 1-based ``line``; an unknown
    codec name raises :class:`LookupError`.

    >>> decode_as("論文の要約".encode("shift_jis"), "sjis")
    Decoded(text='論文の要約', encoding='shift_jis', confidence=1.0, bom=False)
    >>> try:
    ...     decode_as(b"ok\\n\\x81", "utf-8")
    ... except DecodeError as err:
    ...     print(err.line, err)
    2 not valid utf-8 (byte 0x81 at offset 3)
    """
    codec = codecs.lookup(encoding).name
    data = bytes(data)
    bom = False
    if codec in {"utf-8", "utf-8-sig"} and data.startswith(codecs.BOM_UTF8):
        codec, data, bom = "utf-8", data[len(codecs.BOM_UTF8) :], True
    elif codec in {"utf-16", "utf-32"}:
        bom = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_BE))
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        message = f"not valid {codec} (byte 0x{data[err.start]:02x} at offset {err.start})"
        raise DecodeError(message, line=line) from err
    return Decoded(text, codec, 1.0, bom)


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
    if _magic(head) or sounds_like_pcm(head):
        return True
    codec = _nul_pattern_codec(head)
    if codec is not None:
        # The NULs fall as in UTF-16/32 text; what they spell must be text too (an
        # all-NUL file "decodes" as UTF-32 into NUL characters).
        return binary_text(head[: len(head) // 4 * 4].decode(codec, errors="replace")[:-1])
    if b"\x00" in head:
        return not (_reads_as_utf16(head) or _high_byte_codec(head))
    controls = sum(1 for byte in head if byte in _CONTROL)
    return controls > len(head) * 0.05 and _high_byte_codec(head) is None


#: Headerless 8-bit audio (raw PCM): how symmetric the byte histogram must be about the
#: zero line, and how little whitespace it may hold. Measured on generated sines, noise,
#: speech-like envelopes and silence (symmetry 0.88-1.0) and on every text fixture, seed
#: and repair pair in every code page of ``corrupt.KINDS`` (at most 0.31); see
#: ``tests/repair/test_pcm.py``.
_PCM_SYMMETRY = 0.7
_PCM_MAX_WHITESPACE = 0.02
_PCM_MIN_BYTES = 256


def sounds_like_pcm(head: bytes) -> bool:
    """Whether ``head`` is headerless 8-bit audio: unsigned samples sit around 0x80 (signed
    ones around 0x00), and a waveform swings as far below that line as above it, so the
    byte histogram mirrors itself about it; nearly silent audio (9 in 10 bytes within 8
    of the line) counts too. Text is lopsided: letters and spaces below 0x80, a code
    page's or UTF-8's letters above it, never mirrored pairs.

    >>> import math
    >>> sounds_like_pcm(bytes(int(128 + 40 * math.sin(i / 5)) for i in range(4000)))
    True
    >>> sounds_like_pcm("Große Sprachmodelle, 大規模言語モデル\\n".encode("cp932", "replace") * 99)
    False
    """
    size = len(head)
    if size < _PCM_MIN_BYTES:
        return False
    # Whitespace first: four scans in C settle most text before the histogram is counted
    # (every document passes here: 0.26 -> 0.01 ms on 8 KiB of prose).
    if sum(head.count(b) for b in b" \t\n\r") > _PCM_MAX_WHITESPACE * size:
        return False
    import numpy as np  # loaded by the repair anyway; decode alone does not need it

    hist = np.bincount(np.frombuffer(head, np.uint8), minlength=256).tolist()
    for zero in (0x80, 0x00):  # unsigned, signed
        mirrored = hist[zero] + 2 * sum(
            min(hist[(zero + k) % 256], hist[(zero - k) % 256]) for k in range(1, 128)
        )
        still = sum(hist[(zero + k) % 256] for k in range(-8, 9))
        if mirrored >= _PCM_SYMMETRY * size or still >= 0.9 * size:
            return True
    return False


def _magic(head: bytes) -> bool:
    """A file format's signature: images, audio, fonts, archives, compiled code.

    A ``.pyc`` starts with two bytes of version, CR LF and a flags word of NULs.
    """
    if head.startswith(_MAGIC):
        return True
    if head.startswith(_LETTER_MAGIC) and b"\x00" in head[:64]:
        return True
    return head[2:4] == b"\r\n" and head[4:7] == b"\x00\x00\x00"


def binary_text(text: str) -> bool:
    """Whether decoded ``text`` is binary data that some codec happened to accept: more
    than 1% control characters (NUL included; TAB, LF, FF, CR and ESC are text), lone
    surrogates, private-use or unassigned characters.

    A guard after decoding, over the whole text: the sniff of :func:`looks_binary` sees
    only the head of a file.

    >>> binary_text("\\x00" * 100), binary_text("論文\\n" * 50), binary_text("a\\x00b" + "c" * 300)
    (True, False, False)
    """
    if not text:
        return False
    odd = sum(text.count(chr(code)) for code in range(0x20) if chr(code) not in _TEXT_CONTROLS)
    if len(text) <= 8192:
        odd += sum(1 for char in text if unicodedata.category(char) in {"Cn", "Co", "Cs"})
    return odd > len(text) * _CONTROL_SHARE


def _reads_as_utf16(head: bytes) -> bool:
    """UTF-16 with few ASCII characters (Chinese, say) has too few NULs for the pattern
    test; it still decodes strictly into printable text, which binary data does not
    (random units hit lone surrogates, private use and controls at once)."""
    for codec in ("utf-16-le", "utf-16-be"):
        # Cut to whole units and drop a possibly split surrogate pair at the end.
        text = head[: len(head) // 4 * 4].decode(codec, errors="replace")[:-1]
        if len(text) < 32 or "\ufffd" in text:
            continue  # too little to tell, or not UTF-16
        odd = sum(1 for char in text if unicodedata.category(char) in {"Cc", "Cn", "Co", "Cs"})
        odd -= text.count("\n") + text.count("\r") + text.count("\t")
        if odd <= len(text) * 0.01 and _reads_as_words(text):
            return True
    return False


def _reads_as_words(text: str) -> bool:
    """Binary data read as UTF-16 is mostly printable too (8-bit audio samples near 0x80
    make CJK ideographs), but not a plausible mix: common characters of one language
    (Chinese, Japanese, Korean) or words in one script with a normal case pattern."""
    return cjk_plausibility(text) >= 0.2 or word_plausibility(text) >= 0.5


def _decode_bom(data: bytes) -> Decoded | None:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(codec)
            except UnicodeDecodeError:
                # A mark followed by bytes that do not fit it: the mark was a coincidence
                # (cp1252 text can start with "ï»¿"; FF FE 00 00 may be UTF-16 "\x00...").
                logger.debug("BOM for %s but the bytes do not decode; ignoring it", codec)
                continue
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
    """UTF-16/32 without a mark, told by where NULs fall (ASCII-heavy text has many).

    Below 16 bytes the pattern is too weak to overrule UTF-8 (``b"000\\x00"``)."""
    size = len(head)
    if size < 16 or b"\x00" not in head:
        return None
    if size % 4 == 0:
        # Every UTF-32 unit has a zero top byte and a plane byte <= 0x10 (mostly zero too).
        for codec, top, plane in (("utf-32-le", 3, 2), ("utf-32-be", 0, 1)):
            planes = head[plane::4]
            if (
                head[top::4].count(0) == size // 4
                and max(planes) <= 0x10
                and planes.count(0) >= 0.5 * len(planes)
            ):
                return codec
    even, odd = head[0::2], head[1::2]
    even_nul, odd_nul = even.count(0) / len(even), odd.count(0) / max(len(odd), 1)
    if odd_nul >= 0.3 and even_nul <= 0.02:
        return "utf-16-le"
    if even_nul >= 0.3 and odd_nul <= 0.02:
        return "utf-16-be"
    return None


def _decode_utf16_32(data: bytes) -> Decoded | None:
    head = data[:_PROBE_BYTES]
    codec = _nul_pattern_codec(head) or _high_byte_codec(head)
    if codec is None:
        return None
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return None
    # Unpaired surrogates decode in Python's UTF-16 only via errors; strict already refused
    # them, so what is here is well-formed. The pattern is strong but not a mark.
    return Decoded(text, codec, 0.95)


def _high_byte_codec(head: bytes) -> str | None:
    """UTF-16 without a mark whose text is not ASCII-heavy: Cyrillic, Greek, Hebrew,
    Arabic or Thai units share a small high byte (0x04 for Cyrillic), so one byte in two
    is below 0x20. Such bytes are all ASCII, and would otherwise pass for ASCII text.

    >>> _high_byte_codec("Большие языковые модели".encode("utf-16-be"))
    'utf-16-be'
    >>> _high_byte_codec(b"plain ASCII text, long enough to tell") is None
    True
    """
    size = len(head) // 2 * 2
    if size < 32:
        return None
    for codec, high in (("utf-16-le", head[1:size:2]), ("utf-16-be", head[0:size:2])):
        if sum(1 for byte in high if byte < 0x20) < 0.95 * len(high) or high.count(0) == len(high):
            continue
        try:
            text = head[: size // 4 * 4].decode(codec)
        except UnicodeDecodeError:
            continue
        if not binary_text(text) and (_reads_as_words(text) or _one_script(text)):
            return codec
    return None


def _one_script(text: str) -> bool:
    """Whether the text's non-ASCII letters and marks (most of it) are of one script:
    Thai, whose vowel signs split words, in UTF-16; not quiet 16-bit audio, whose units
    scatter over every script below U+2000.

    >>> _one_script("แบบจำลองภาษาขนาดใหญ่"), _one_script("ĀȀᄫ≖Ȁࠀ䱉協娀䥎")
    (True, False)
    """
    names = [
        unicodedata.name(char, "?").split()[0]
        for char in text
        if char >= "\x80" and unicodedata.category(char)[0] in "LM"
    ]
    if len(names) < 0.3 * len(text):
        return False
    top = max(names.count(name) for name in set(names))
    return top >= 0.95 * len(names)


def _decode_mostly_utf8(data: bytes) -> Decoded | None:
    """UTF-8 with a few stray bytes (a truncated tail, one pasted cp1252 quote).

    Legacy CJK codecs almost never form valid multi-byte UTF-8 sequences, so many valid
    sequences and few invalid bytes means UTF-8 with damage, not another codec. The
    verdict comes from the head first, so legacy files do not pay for a full decode.
    """
    head = data[:SAMPLE_BYTES]
    if _stray_ratio(head) > 0.05:
        return None
    ratio = _stray_ratio(data)
    if ratio > 0.05 or not _has_high_bytes(data):
        return None
    return Decoded(_utf8_keeping_strays(data), "utf-8", round(1.0 - ratio, 3))


def _stray_ratio(data: bytes) -> float:
    """The share of non-ASCII bytes that are not part of a valid UTF-8 sequence."""
    non_ascii = len(data) - len(data.translate(None, _HIGH_BYTES))
    if not non_ascii:
        return 0.0
    valid = len(data.decode("utf-8", errors="ignore").encode("utf-8"))
    return (len(data) - valid) / non_ascii


def _has_high_bytes(data: bytes) -> bool:
    return len(data.translate(None, _HIGH_BYTES)) != len(data)


def _utf8_keeping_strays(data: bytes) -> str:
    """Decode UTF-8, turning each byte that is not part of a valid sequence into one
    character (its cp1252 meaning, else Latin-1).

    ``surrogateescape`` does the decoding at C speed; the few escapes are then swapped for
    visible characters, so the text stays writable as UTF-8 and a later repair step can
    still recognise the cp1252 mojibake.
    """
    text = data.decode("utf-8", errors="surrogateescape")
    return _ESCAPED.sub(lambda match: _ESCAPE_TO_CHAR[ord(match.group())], text)


# CJK, kana and Hangul: what makes a UTF-8 line in a CJK digest clearly UTF-8.
_WIDE = re.compile("[\u3000-\u9fff\uac00-\ud7a3]")


def _decode_mixed(data: bytes) -> Decoded | None:
    """Lines in UTF-8 and lines in one legacy codec, in one file.

    Happens when a digest file is appended to by tools with different defaults. Each line
    is decoded on its own: valid UTF-8 lines as UTF-8, the others with the codec detected
    on those lines alone. It needs several clearly-UTF-8 lines (legacy CJK text almost
    never is valid UTF-8 by accident), else the file is one legacy codec.
    """
    lines = data.splitlines(keepends=True)
    utf8_chars = utf8_lines = 0
    legacy_lines = []
    for index, line in enumerate(lines):
        if line.isascii():
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            legacy_lines.append(index)
            continue
        utf8_lines += 1
        utf8_chars += len(_WIDE.findall(text))
    if utf8_lines < 2 or utf8_chars < 8 or not legacy_lines:
        return None
    legacy = _decode_legacy(b"".join(lines[i] for i in legacy_lines))
    if legacy is None or legacy.encoding in {"iso8859-1", "latin-1"}:
        return None
    parts = []
    for line in lines:
        try:
            parts.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            try:
                parts.append(line.decode(legacy.encoding))
            except UnicodeDecodeError:
                parts.append(_utf8_keeping_strays(line))
    return Decoded("".join(parts), f"utf-8+{legacy.encoding}", legacy.confidence)


def _decode_legacy(data: bytes) -> Decoded | None:
    """charset-normalizer's ranking, re-ranked for CJK by how plausible the text reads.

    On a line or two, charset-normalizer often takes GBK for CP949 or Shift_JIS for GBK:
    every byte pair is valid in all of them. The decodings differ in *which* characters
    come out, so the CJK candidates are scored by :func:`_cjk_plausibility`.
    """
    from charset_normalizer import from_bytes

    sample = _safe_sample(data)
    has_nul = b"\x00" in sample
    ranked = [
        (codec, match.chaos, match.coherence)
        for match in from_bytes(sample)
        if (codec := _python_codec(match.encoding)) not in {"utf_8", "ascii"}
        # UTF-16/32 without NULs would be pure CJK with no space or newline: a misread.
        and (has_nul or not codec.startswith("utf_"))
    ]
    # Ties are common on short Latin text (cp1250 == cp1252 on French); the most common
    # legacy code page in the wild wins them.
    ranked.sort(key=lambda item: (round(item[1], 3), -round(item[2], 3), item[0] != "cp1252"))
    scored = _score_cjk(_safe_sample(sample, SCORE_BYTES))
    order = [codec for codec, _, _ in ranked]
    if scored:
        best, best_score = scored[0]
        leader_is_cjk = bool(ranked) and _family(ranked[0][0]) is not None
        weak_leader = leader_is_cjk or (bool(ranked) and _reads_badly(sample, ranked[0][0]))
        if best_score >= 0.5 or (best_score > 0 and weak_leader) or not ranked:
            order = [codec for codec, _ in scored] + order
            runner_up = scored[1][1] if len(scored) > 1 else -1.0
            confidence = _cjk_confidence(best_score, runner_up, sample)
            return _first_that_decodes(data, order, confidence)
        if best_score <= 0:
            # charset-normalizer liked a CJK codec, but the text it gives is not CJK anyone
            # writes (half-width kana, rare hanzi): prefer its non-CJK candidates.
            ranked.sort(key=lambda item: _family(item[0]) is not None)
            order = [codec for codec, _, _ in ranked]
    chaos = ranked[0][1] if ranked else 1.0
    confidence = round(max(0.0, 1.0 - chaos) * _length_factor(sample), 3)
    if not has_nul and (_non_ascii(sample) < 64 or not order or _family(order[0]) is not None):
        # Short text, or no answer outside CJK: charset-normalizer is guessing.
        current = order[0] if order else (scored[0][0] if scored else None)
        better = _better_single_byte(sample, current)
        if better is not None:
            order = [better, *order]
            confidence = min(confidence, 0.5 * _length_factor(sample))
    return _first_that_decodes(data, order + list(_LEGACY_FALLBACKS), confidence)


# Single-byte code pages tried when charset-normalizer is unsure, most common first.
_SINGLE_BYTE = ("cp1252", "cp1251", "koi8_r", "cp1250", "cp1253", "cp1254", "cp1257", "cp1255")


def _better_single_byte(sample: bytes, current: str | None) -> str | None:
    """A single-byte code page whose text reads clearly better than ``current``'s, if any."""
    baseline = -1.0
    if current is not None:
        with contextlib.suppress(UnicodeDecodeError, LookupError):
            baseline = word_plausibility(sample.decode(current))
    best, best_score = None, baseline
    for codec in _SINGLE_BYTE:
        try:
            score = word_plausibility(sample.decode(codec))
        except UnicodeDecodeError:
            continue
        if score > best_score + 0.1:
            best, best_score = codec, score
    return best if best_score > 0.5 else None


def _reads_badly(sample: bytes, codec: str) -> bool:
    try:
        return word_plausibility(sample.decode(codec)) <= 0
    except (UnicodeDecodeError, LookupError):
        return True


def _non_ascii(data: bytes) -> int:
    return len(data) - len(data.translate(None, _HIGH_BYTES))


def _first_that_decodes(data: bytes, order: list[str], confidence: float) -> Decoded | None:
    for position, codec in enumerate(order):
        for member in _family(codec) or (codec,):
            try:
                text = data.decode(member)
            except (UnicodeDecodeError, LookupError):
                continue
            # Past the first choice, the sample's ranking no longer vouches for the codec.
            return Decoded(text, codecs.lookup(member).name, confidence if position == 0 else 0.2)
    return None


# Each CJK family: a codec, then the supersets to try when it fails strictly (Windows
# code pages add vendor characters; GB18030 contains GBK and GB2312).
_FAMILIES: tuple[tuple[str, ...], ...] = (
    ("gb18030",),
    ("big5", "cp950", "big5hkscs"),
    ("shift_jis", "cp932", "shift_jis_2004"),
    ("euc_jp", "euc_jis_2004"),
    ("euc_kr", "cp949"),
)
_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "cp936": "gb18030", "johab": "cp949"}


def _family(codec: str) -> tuple[str, ...] | None:
    codec = _ALIASES.get(codec, codec)
    for family in _FAMILIES:
        if codec in family:
            return family[family.index(codec) :]
    return None


def _score_cjk(sample: bytes) -> list[tuple[str, float]]:
    """The CJK codecs that decode ``sample`` strictly, best plausibility first."""
    if len(sample) - len(sample.translate(None, _HIGH_BYTES)) < 2:
        return []
    scored = []
    for family in _FAMILIES:
        for codec in family:
            try:
                text = sample.decode(codec)
            except UnicodeDecodeError:
                continue
            scored.append((codec, cjk_plausibility(text)))
            break
    # Stable sort: equal scores keep the family order above (GB18030 first).
    return sorted(scored, key=lambda item: -item[1])


def _cjk_confidence(best: float, runner_up: float, sample: bytes) -> float:
    margin = min(1.0, max(0.0, best - runner_up))
    return round(max(0.0, min(1.0, best)) * (0.5 + 0.5 * margin) * _length_factor(sample), 3)


def _length_factor(sample: bytes) -> float:
    """Short inputs carry little evidence: full weight from 64 non-ASCII bytes up."""
    non_ascii = len(sample) - len(sample.translate(None, _HIGH_BYTES))
    return 0.5 + 0.5 * min(1.0, non_ascii / 64)


def _safe_sample(data: bytes, size: int = SAMPLE_BYTES) -> bytes:
    """At most ``size`` bytes, cut after a byte no multi-byte codec uses as a trail.

    Bytes below 0x30 are never the second byte of a GB18030, Big5, Shift_JIS or EUC
    character, so cutting after one never splits a character.
    """
    if len(data) <= size:
        return data
    head = data[:size]
    for pos in range(len(head) - 1, len(head) // 2, -1):
        if head[pos] < 0x30:
            return head[: pos + 1]
    return head


def _python_codec(name: str) -> str:
    """The canonical Python name, underscored (``lookup`` says 'utf-8' but 'shift_jis')."""
    try:
        return codecs.lookup(name).name.replace("-", "_")
    except LookupError:
        return name


def _fallback(data: bytes) -> Decoded:
    return Decoded(_utf8_keeping_strays(data), "utf-8", 0.0)


_HIGH_BYTES = bytes(range(0x80, 0x100))
_ESCAPED = re.compile("[\udc80-\udcff]")
_ESCAPE_TO_CHAR = {
    0xDC00 + byte: bytes([byte]).decode("cp1252", errors="replace").replace("\ufffd", chr(byte))
    for byte in range(0x80, 0x100)
}
