"""Which code page turned this UTF-8 into mojibake, and where are its runs?

A run is a maximal stretch of characters the code page produces from bytes 0x80-0xFF (plus
U+FFFD, and single spaces or ``?`` between such characters, because lossy damage may have
turned a byte into one of them). In a run every character stands for exactly one byte, so
byte offsets equal character offsets: ``run_bytes`` re-encodes a run and its UTF-8 decoding
is the lossless repair. What does not decode is handed to :mod:`.lossy`.

The code page is chosen by one algorithm in two forms: the regular expressions below (the
readable reference, and what runs where no C compiler was available) and ``_codec.c`` (one
pass over the text for the pair vote, one per re-read code page), which a parity test holds
to the same counts for every code page. C pays: 0.38 ms on seed 004's 60,000-character
sample against 27 ms for the regular expressions, 0.02 ms for 200 characters against 0.4
ms. (A numpy form in between, 1.6 ms on seed 004, was deleted: without a compiler the lossy
pass costs far more than the choice, so the middle form did not earn a third copy.)
:func:`byte_map` and :func:`codepoints` are public so that array code (the lossy search, the
tables for ``_codec.c``) can share them.

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
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from types import ModuleType
from typing import NamedTuple

import numpy as np

__all__ = [
    "CodecChoice",
    "CodecTable",
    "byte_map",
    "choose_codec",
    "codec_table",
    "codepoints",
    "run_bytes",
]

HOLE = "\ufffd"


@dataclass(frozen=True)
class CodecTable:
    """The high half of a single-byte code page, seen from the mojibake side."""

    codec: str
    encode: dict[int, int]  # ord(char) -> byte, for bytes 0x80-0xFF
    undefined: frozenset[int]  # bytes the codec cannot decode (lost with errors='ignore')
    hole_char: str  # a character whose byte is never valid UTF-8: stands in for U+FFFD
    leads: frozenset[str]
    conts: frozenset[str]

    @cached_property
    def runs(self) -> re.Pattern[str]:
        """Runs of the code page's high characters and U+FFFD, across up to three spaces or
        ``?``. Compiled on first use: the code-page choice builds every code page's table
        and needs none of these (compiling all twelve cost ~10 ms of a fresh start)."""
        high = "".join(chr(c) for c in self.encode if c >= 0x80) + HOLE
        cls = "[" + "".join(re.escape(c) for c in sorted(high)) + "]"
        return re.compile(f"{cls}+(?:[ ?]{{1,3}}{cls}+)*[ ?]{{0,3}}")

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
    leads = frozenset(chr(c) for c, b in encode.items() if 0xC2 <= b <= 0xF4)
    conts = frozenset(chr(c) for c, b in encode.items() if 0x80 <= b <= 0xBF) | {HOLE}
    return CodecTable(codec, encode, frozenset(undefined), hole_char, leads, conts)


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
    typical = _typical([counts[b] for b in _ANY_CONT])
    if typical < 8:
        return 0
    return typical * sum(counts[b] < 0.05 * typical for b in defined)


#: Continuation bytes whose typical count is taken, the same for every code page (so that
#: two code pages are judged against one yardstick: with each code page's own defined
#: bytes, the one that hid two lost bytes had a lower median, fell under the threshold and
#: escaped the penalty that the right one paid for bytes the text merely never used).
_ANY_CONT = [b for b in range(0x80, 0xC0) if b not in (0xA0, 0xAD)]


def _typical(counts: list[int] | list[float]) -> int:
    """The median count (how often a continuation byte shows, typically)."""
    return int(sorted(counts)[len(counts) // 2])


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


def choose_codec(
    text: str, codecs: tuple[str, ...], sample: int = 60_000, kernel: bool = True
) -> CodecChoice | None:
    """The code page among ``codecs`` whose re-reading yields the most valid UTF-8, or None.

    A cheap vote over lead/continuation pairs shortlists the code pages; each shortlisted one
    re-reads the runs of the first ``sample`` characters. ``None`` means nothing re-reads
    as UTF-8 better than it reads as is (clean text, or a script the code pages share).
    The counting runs in C (``_codec.c``) when it is built and ``kernel``; otherwise with
    the regular expressions (the reference). Both give the same choice.

    >>> choose_codec("Turkish ÅŸ and ğŸ¤–", ("cp1252", "cp1254")).codec
    'cp1254'
    >>> choose_codec("naïve café “quoted”", ("cp1252",)) is None
    True
    """
    compiled = COMPILED if kernel else None
    tables = _compiled_tables(codecs) if compiled is not None else None
    if compiled is not None and tables is not None:
        return _choose_codec_compiled(compiled, tables, text, codecs, sample)
    head = text[:sample]
    return _decide(
        codecs, _regex_votes(head, codecs), len(head), lambda c: _regex_evidence(head, c)
    )


def _regex_votes(head: str, codecs: tuple[str, ...]) -> list[int]:
    """Per code page, the lead/continuation pairs of ``suspicious_pattern`` it explains."""
    pairs = Counter(_pair_pattern(codecs).findall(head))
    tables = [codec_table(codec) for codec in codecs]
    return [sum(n for p, n in pairs.items() if p[0] in t.leads and p[1] in t.conts) for t in tables]


def _regex_evidence(head: str, codec: str) -> tuple[int, int, int, int]:
    """(valid, valid bytes, damaged, junk) of ``codec``'s re-reading of ``head``'s runs."""
    table = codec_table(codec)
    blob = _runs_blob(head, table)
    valid, valid_bytes, damaged, junk = _evidence(blob, table)
    if damaged:
        junk += _unexplained_losses(blob, table)
    return valid, valid_bytes, damaged, junk


def _decide(
    codecs: tuple[str, ...],
    votes: list[int],
    length: int,
    evidence: Callable[[str], tuple[int, int, int, int]],
    bounds: list[int] | None = None,
) -> CodecChoice | None:
    """Shortlist by ``votes``, re-read the shortlist with ``evidence``, pick and rate.

    ``bounds``, when given, holds for each code page a number its score cannot exceed: a
    code page whose bound is below the second-best score already counted cannot change the
    choice, the runner-up or the ties, and is not re-read.
    """
    best_vote = max(votes, default=0)
    if best_vote == 0:
        return None
    scored: list[tuple[int, int, str, int, int]] = []
    # The pair vote only shortlists: it counts pairs, not whole sequences, so the right
    # code page can trail by a little, and on short texts by a lot. The four best and any
    # close one get re-read; on short texts (cheap to re-read) every one with a vote.
    top = sorted(((-v, rank) for rank, v in enumerate(votes) if v))
    top = top if length < 20_000 else top[:4]
    shortlist = {rank for _, rank in top}
    ranks = [r for r, v in enumerate(votes) if r in shortlist or v >= 0.5 * best_vote]
    if bounds is not None:  # the most promising first, so that the rest can be skipped
        ranks.sort(key=lambda r: -bounds[r])
    second = -math.inf
    for rank in ranks:
        codec = codecs[rank]
        if bounds is not None and bounds[rank] < second:
            break  # sorted: no later one can reach it either
        valid, valid_bytes, damaged, junk = evidence(codec)
        # Scored in bytes explained: a code page that re-reads more of the text wins, and
        # a whole sequence beats a damaged one (with ties, needing no lost bytes wins).
        score = valid_bytes + damaged - junk
        scored.append((score, -rank, codec, valid + damaged, junk))
        if len(scored) >= 2:
            second = sorted(s[0] for s in scored)[-2]
    best_score, _, codec, valid, broken = max(scored)
    if best_score <= 0:
        return None
    runner_up = max((s[0] for s in scored if s[2] != codec), default=0)
    # Sure when it beats the runner-up clearly and most of what it re-reads is valid.
    margin = 1.0 - 0.5 * math.exp(-(best_score - max(runner_up, 0)) / 4)
    confidence = round(margin * valid / (valid + 0.25 * broken), 4)
    ties = tuple(s[2] for s in sorted(scored, reverse=True) if s[2] != codec and s[0] >= best_score)
    return CodecChoice(codec, confidence, valid, broken, ties)


# --- Arrays: the code pages as tables indexed by code point (for _codec.c and the lossy search)

_BMP = 0x10000
_MAX_ARRAY_CODECS = 64  # one bit per code page in the pair-vote masks


def codepoints(text: str) -> np.ndarray:
    """``text`` as an array of code points (uint32; lone surrogates kept as themselves).

    >>> codepoints("aé€").tolist()
    [97, 233, 8364]
    """
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), "<u4")


def byte_map(codec: str) -> np.ndarray:
    """Code point -> the byte 0x80-0xFF ``codec`` decodes to it (int16[0x10000], read-only).

    -1 marks characters the code page does not produce from a high byte (ASCII included);
    U+FFFD maps to the table's hole byte (a byte never valid in UTF-8). Index with
    ``np.minimum(codepoints(text), 0xFFFF)``: U+FFFF and everything above map to -1.

    >>> m = byte_map("cp1252")
    >>> hex(m[ord("Ã")]), hex(m[ord("€")]), int(m[ord("a")]), hex(m[0xFFFD])
    ('0xc3', '0x80', -1, '0xc0')
    """
    return _arrays(codec).byte


class _CodecArrays(NamedTuple):
    byte: np.ndarray  # int16: code point -> byte, -1 if none
    run_byte: np.ndarray  # uint8: the byte of a run character (high or U+FFFD), else 0
    in_run: np.ndarray  # bool: the character class of the runs (high characters and U+FFFD)
    hole: int  # the hole byte


@lru_cache(maxsize=64)
def _arrays(codec: str) -> _CodecArrays:
    table = codec_table(codec)
    byte = np.full(_BMP, -1, dtype=np.int16)
    for c, b in table.encode.items():
        if c >= 0xFFFF:  # not representable here; no real code page produces one
            raise ValueError(f"{codec}: byte {b:#x} decodes outside the BMP")
        byte[c] = b
    hole = table.encode[ord(table.hole_char)]
    byte[ord(HOLE)] = hole
    in_run = np.zeros(_BMP, dtype=bool)
    in_run[[c for c in table.encode if c >= 0x80]] = True
    in_run[ord(HOLE)] = True
    run_byte = np.where(in_run, byte, 0).astype(np.uint8)
    for a in (byte, run_byte, in_run):
        a.flags.writeable = False
    return _CodecArrays(byte, run_byte, in_run, hole)


@lru_cache(maxsize=16)
def _vote_arrays(codecs: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For the pair vote: the regex's union classes (bit 0: first, bit 1: second character),
    and per character one bit per code page that has it as a lead / continuation image."""
    from digestkit.repair.detect import codec_table as images

    pair_class = np.zeros(_BMP, dtype=np.uint8)
    width = np.uint16 if len(codecs) <= 16 else np.uint64  # small tables stay in cache
    lead_bits: np.ndarray = np.zeros(_BMP, dtype=width)
    cont_bits: np.ndarray = np.zeros(_BMP, dtype=width)
    for k, codec in enumerate(codecs):
        leads, conts = images(codec)
        pair_class[[ord(c) for c in leads]] |= 1
        pair_class[[ord(c) for c in conts]] |= 2
        table = codec_table(codec)
        lead_bits[[ord(c) for c in table.leads]] += 1 << k
        cont_bits[[ord(c) for c in table.conts]] += 1 << k
    pair_class[[ord(HOLE), ord("?")]] |= 2
    plain = [c for c in range(0x80) if c not in (0x20, 0x3F)]
    for a in (pair_class, lead_bits, cont_bits):
        if a[0xFFFF] or a[plain].any():  # _codec.c's squeeze and clipping rely on neither
            raise ValueError("a code page image holds U+FFFF or plain ASCII")
    return pair_class, lead_bits, cont_bits


@lru_cache(maxsize=16)
def _arrays_fit(codecs: tuple[str, ...]) -> bool:
    """Whether the tables can represent these code pages (every real one can)."""
    if len(codecs) > _MAX_ARRAY_CODECS:
        return False
    try:
        _vote_arrays(codecs)
        for codec in codecs:
            _arrays(codec)
    except ValueError:
        return False
    return True


@lru_cache(maxsize=64)
def _defined_conts(codec: str) -> tuple[int, ...]:
    table = codec_table(codec)
    return tuple(
        b - 0x80 for b in range(0x80, 0xC0) if b not in table.undefined and b not in (0xA0, 0xAD)
    )


# --- The same counts in C --------------------------------------------------------------------

try:
    from digestkit.repair import _codec as _compiled
except ImportError:  # no C compiler at install time: the regular expressions do the work
    _compiled = None  # type: ignore[assignment]

#: The compiled counting (``_codec.c``), or None when it is not built (a constant: callers
#: choose the regular expressions with ``choose_codec(..., kernel=False)``).
COMPILED = _compiled


class _CompiledTables(NamedTuple):
    """The code pages' tables in the layout ``_codec.c`` reads (see its header comment)."""

    char_index: np.ndarray  # uint16[0x10000]: number | 0x4000 any lead | 0x8000 any continuation
    lead_bits: np.ndarray  # uint64 by small number: bit k if code page k has it as a lead
    cont_bits: np.ndarray  # uint64 by small number: ... as a continuation (or it is U+FFFD)
    run_bytes: np.ndarray  # uint8[codecs, 0x10000] by small number: its byte in the runs
    size: int  # a power of two above every small number
    holes: tuple[int, ...]
    defined: tuple[int, ...]  # per code page, its defined continuation bytes as bits

    def prepare(
        self, compiled: ModuleType, text: str, length: int
    ) -> tuple[bytes, bytes, list[int], list[int]]:
        """``_codec.prepare`` over ``text[:length]`` with these tables: (squeezed text,
        character counts, pair votes, score bounds)."""
        return compiled.prepare(
            text, length, self.char_index, self.lead_bits, self.cont_bits, self.run_bytes,
            len(self.holes), self.size,
        )  # fmt: skip


_FIRST_NUMBER = 0x20  # the numbers of run characters start here (_codec.c: FIRST)
_QMARK = 0x01  # a '?' right after a run character (_codec.c: QMARK)


@lru_cache(maxsize=16)
def _compiled_tables(codecs: tuple[str, ...]) -> _CompiledTables | None:
    """The tables for ``_codec.c`` (built once per tuple), or None if it cannot take them."""
    if not _arrays_fit(codecs):
        return None
    pair_class, lead_bits, cont_bits = _vote_arrays(codecs)
    per_codec = [_arrays(codec) for codec in codecs]
    in_run = np.zeros(_BMP, dtype=bool)
    for arrays in per_codec:
        in_run |= arrays.in_run
    chars = np.flatnonzero(in_run)
    size = 1 << int(_FIRST_NUMBER + len(chars)).bit_length()
    # Every character the vote looks at needs a number, except '?' (a loss mark, never a
    # lead); and _codec.c skips ASCII on the strength of that.
    voting = np.flatnonzero(pair_class)
    if size > 0x4000 or not (in_run[voting] | (voting == 0x3F)).all() or pair_class[0x3F] != 2:
        return None
    numbers = np.arange(_FIRST_NUMBER, _FIRST_NUMBER + len(chars))
    index = np.zeros(_BMP, dtype=np.uint16)
    index[chars] = numbers
    index |= np.where(pair_class & 1, 0x4000, 0).astype(np.uint16)
    index |= np.where(pair_class & 2, 0x8000, 0).astype(np.uint16)
    by_number = np.zeros((2, 0x10000), dtype=np.uint64)
    by_number[0, numbers] = lead_bits[chars]
    by_number[1, numbers] = cont_bits[chars]
    run_bytes = np.zeros((len(codecs), 0x10000), dtype=np.uint8)
    for k, arrays in enumerate(per_codec):
        run_bytes[k, numbers] = arrays.run_byte[chars]
    run_bytes[:, _QMARK] = ord("?")
    lead, cont = np.ascontiguousarray(by_number[0]), np.ascontiguousarray(by_number[1])
    for a in (index, lead, cont, run_bytes):  # _codec.c reads them without the GIL
        a.flags.writeable = False
    return _CompiledTables(
        index,
        lead,
        cont,
        run_bytes,
        size,
        tuple(arrays.hole for arrays in per_codec),
        tuple(sum(1 << b for b in _defined_conts(codec)) for codec in codecs),
    )


def _choose_codec_compiled(
    compiled: ModuleType, tables: _CompiledTables, text: str, codecs: tuple[str, ...], sample: int
) -> CodecChoice | None:
    """:func:`choose_codec` counted in C (``_codec.c``)."""
    length = slice(sample).indices(len(text))[1]  # len(text[:sample]), without the copy
    squeezed, counts, votes, bounds = tables.prepare(compiled, text, length)
    rank_of = {codec: rank for rank, codec in enumerate(codecs)}

    def evidence(codec: str) -> tuple[int, int, int, int]:
        k = rank_of[codec]
        run_byte = tables.run_bytes[k]
        result: tuple[int, int, int, int] = compiled.evidence(
            squeezed, counts, run_byte, tables.holes[k], tables.defined[k]
        )
        return result

    return _decide(codecs, votes, length, evidence, bounds)
