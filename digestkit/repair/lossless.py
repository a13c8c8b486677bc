"""Which code page turned this UTF-8 into mojibake, and where are its runs?

A run is a maximal stretch of characters the code page produces from bytes 0x80-0xFF (plus
U+FFFD, and single spaces or ``?`` between such characters, because lossy damage may have
turned a byte into one of them). In a run every character stands for exactly one byte, so
byte offsets equal character offsets: ``run_bytes`` re-encodes a run and its UTF-8 decoding
is the lossless repair. What does not decode is handed to :mod:`.lossy`.

>>> table = codec_table("cp1252")
>>> run_bytes("Ã©", table)
b'\\xc3\\xa9'
>>> choose_codec("è®ºæ–‡æ€»ç»“ and cafÃ©", ("cp1252", "cp1254")).codec
'cp1252'
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["CodecChoice", "CodecTable", "choose_codec", "codec_table", "run_bytes"]

HOLE = "\ufffd"


@dataclass(frozen=True)
class CodecTable:
    """The high half of a single-byte code page, seen from the mojibake side."""

    codec: str
    encode: dict[int, int]  # ord(char) -> byte, for bytes 0x80-0xFF
    undefined: frozenset[int]  # bytes the codec cannot decode (lost with errors='ignore')
    hole_char: str  # a character whose byte is never valid UTF-8: stands in for U+FFFD
    runs: re.Pattern[str]
    leads: frozenset[str]
    conts: frozenset[str]

    def translate(self, run: str) -> str:
        """``run`` with U+FFFD swapped for :attr:`hole_char`, ready to encode."""
        return run.replace(HOLE, self.hole_char) if HOLE in run else run


@lru_cache(maxsize=64)
def codec_table(codec: str) -> CodecTable:
    """Build (once) the tables for ``codec``.

    >>> sorted(hex(b) for b in codec_table("cp1252").undefined)
    ['0x81', '0x8d', '0x8f', '0x90', '0x9d']
    """
    encode: dict[int, int] = {}
    undefined = set()
    for b in range(0x80, 0x100):
        try:
            encode[ord(bytes([b]).decode(codec))] = b
        except UnicodeDecodeError:
            undefined.add(b)
    for b in undefined:  # "sloppy" decoders keep an undefined byte as the same code point
        encode.setdefault(b, b)
    hole_char = next(chr(c) for c, b in encode.items() if b >= 0xF5 or b in (0xC0, 0xC1))
    high = "".join(chr(c) for c in encode if c >= 0x80) + HOLE
    cls = "[" + "".join(re.escape(c) for c in sorted(high)) + "]"
    runs = re.compile(f"{cls}+(?:[ ?]{{1,3}}{cls}+)*[ ?]{{0,3}}")
    leads = frozenset(chr(c) for c, b in encode.items() if 0xC2 <= b <= 0xF4)
    conts = frozenset(chr(c) for c, b in encode.items() if 0x80 <= b <= 0xBF) | {HOLE}
    return CodecTable(codec, encode, frozenset(undefined), hole_char, runs, leads, conts)


def run_bytes(run: str, table: CodecTable) -> bytes:
    """The bytes behind a run (spaces and ``?`` are themselves; U+FFFD is an invalid byte)."""
    text = table.translate(run)
    try:
        return text.encode(table.codec)
    except UnicodeEncodeError:  # sloppy C1 stand-ins, which the codec itself refuses
        return text.translate(_latin1_map(table.codec)).encode("latin-1")


@lru_cache(maxsize=64)
def _latin1_map(codec: str) -> dict[int, int]:
    return codec_table(codec).encode


@dataclass(frozen=True)
class CodecChoice:
    """The code page that best explains the text, and how sure (0..1) that choice is."""

    codec: str
    confidence: float
    valid: int  # multi-byte UTF-8 characters, whole or damaged, that the re-reading finds
    broken: int  # bytes that fit no UTF-8 sequence
    ties: tuple[str, ...] = ()  # code pages that explain the text just as well


@lru_cache(maxsize=16)
def _pair_pattern(codecs: tuple[str, ...]) -> re.Pattern[str]:
    from digestkit.repair.detect import suspicious_pattern

    return suspicious_pattern(codecs)


def _runs_blob(text: str, table: CodecTable) -> bytes:
    """The bytes behind every run of ``table``'s code page in ``text``, NUL between runs."""
    return b"\x00".join(run_bytes(m.group(), table) for m in table.runs.finditer(text))


def _unexplained_losses(blob: bytes, table: CodecTable) -> int:
    """How many bytes this code page defines yet never shows, where its peers are common.

    Two code pages that differ only in which bytes they leave undefined (cp1252 and cp1254
    for CJK text) explain the same mojibake equally well, except that the wrong one must
    claim that the extra lost bytes simply never occurred. ``blob`` holds the runs' bytes
    (:func:`_runs_blob`). Returns the expected count of such bytes (0 when the text is too
    short to tell).
    """
    counts = {b: blob.count(b) for b in range(0x80, 0xC0)}
    defined = [b for b in range(0x80, 0xC0) if b not in table.undefined and b not in (0xA0, 0xAD)]
    typical = sorted(counts[b] for b in defined)[len(defined) // 2]
    if typical < 8:
        return 0
    return typical * sum(counts[b] < 0.05 * typical for b in defined)


_DAMAGED = re.compile("[\udcc2-\udcf4](?=[\udc80-\udcbf?])")
_LEAD = re.compile("[\udcc2-\udcf4]")
_OTHER = re.compile("[\udc80-\udcc1\udcf5-\udcff]")
_SEQ_TAIL = re.compile("[\udcc2-\udcf4]([\udc80-\udcbf]+)")
_TWO = re.compile("[\u0080-\u07ff]")
_THREE = re.compile("[\u0800-\udc7f\udd00-\uffff]")
_FOUR = re.compile("[\U00010000-\U0010ffff]")


def _evidence(blob: bytes, table: CodecTable) -> tuple[int, int, int, int]:
    """(valid multi-byte chars, their bytes, damaged sequences, junk bytes) over the runs.

    A damaged sequence is a lead byte followed by at least one continuation byte (or a
    loss mark) but too few: what lossy mojibake leaves. Junk is every other byte that does
    not decode: stray continuation bytes and lone leads, what clean text in a script the
    code page covers looks like when read this way. ``blob`` is the runs' bytes with a NUL
    between runs (:func:`_runs_blob`), so that no sequence crosses from one into the next;
    counted with regular expressions, undecodable bytes as lone surrogates.

    >>> table = codec_table("cp1252")
    >>> _evidence(_runs_blob("è®ºæ–‡ and cafÃ©", table), table)
    (3, 8, 0, 0)
    """
    hole = chr(0xDC00 + table.encode[ord(table.hole_char)])
    text = blob.decode("utf-8", "surrogateescape")
    text = text.replace(hole, "\udc80")  # a loss mark counts as a continuation
    damaged = len(_DAMAGED.findall(text))
    lone_leads = len(_LEAD.findall(text)) - damaged
    # Every other undecodable byte is junk, except continuation bytes right after a lead.
    conts = sum(len(m.group(1)) for m in _SEQ_TAIL.finditer(text))
    stray = len(_OTHER.findall(text)) - conts
    two, three, four = (len(p.findall(text)) for p in (_TWO, _THREE, _FOUR))
    return two + three + four, 2 * two + 3 * three + 4 * four, damaged, lone_leads + stray


def choose_codec(text: str, codecs: tuple[str, ...], sample: int = 60_000) -> CodecChoice | None:
    """The code page among ``codecs`` whose re-reading yields the most valid UTF-8, or None.

    A cheap vote over lead/continuation pairs shortlists the code pages; each shortlisted one
    re-reads the runs of the first ``sample`` characters. ``None`` means nothing re-reads
    as UTF-8 better than it reads as is (clean text, or a script the code pages share).

    >>> choose_codec("Turkish ÅŸ and ğŸ¤–", ("cp1252", "cp1254")).codec
    'cp1254'
    >>> choose_codec("naïve café “quoted”", ("cp1252",)) is None
    True
    """
    head = text[:sample]
    pairs = Counter(_pair_pattern(codecs).findall(head))
    votes = []
    for codec in codecs:
        table = codec_table(codec)
        vote = sum(n for p, n in pairs.items() if p[0] in table.leads and p[1] in table.conts)
        votes.append((vote, codec))
    best_vote = max((v for v, _ in votes), default=0)
    if best_vote == 0:
        return None
    scored = []
    # The pair vote only shortlists: it counts pairs, not whole sequences, so the right
    # code page can trail by a little, and on short texts by a lot. The four best and any
    # close one get re-read; on short texts (cheap to re-read) every one with a vote.
    top = sorted(((-v, rank) for rank, (v, _) in enumerate(votes) if v))
    top = top if len(head) < 20_000 else top[:4]
    shortlist = {rank for _, rank in top}
    for rank, (vote, codec) in enumerate(votes):
        if rank in shortlist or vote >= 0.5 * best_vote:
            table = codec_table(codec)
            blob = _runs_blob(head, table)
            valid, valid_bytes, damaged, junk = _evidence(blob, table)
            if damaged:
                junk += _unexplained_losses(blob, table)
            # Scored in bytes explained: a code page that re-reads more of the text wins, and
            # a whole sequence beats a damaged one (with ties, needing no lost bytes wins).
            score = valid_bytes + damaged - junk
            scored.append((score, -rank, codec, valid + damaged, junk))
    best_score, _, codec, valid, broken = max(scored)
    if best_score <= 0:
        return None
    runner_up = max((s[0] for s in scored if s[2] != codec), default=0)
    # Sure when it beats the runner-up clearly and most of what it re-reads is valid.
    margin = 1.0 - 0.5 * math.exp(-(best_score - max(runner_up, 0)) / 4)
    confidence = round(margin * valid / (valid + 0.25 * broken), 4)
    ties = tuple(s[2] for s in sorted(scored, reverse=True) if s[2] != codec and s[0] >= best_score)
    return CodecChoice(codec, confidence, valid, broken, ties)
