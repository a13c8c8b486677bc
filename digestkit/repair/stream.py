"""Repair a text of any length in bounded memory, with the result of the whole-text repair.

:func:`~digestkit.repair.repair_text` holds the text and ~40 bytes of scratch per character
(the kernel's arrays are as long as the text). Here the text is read in line-aligned blocks,
several times, and each pass of the repair is cut into chunks that are repaired alone. The
result is the same text, steps and spans as the whole-text repair, because everything the
repair reads is either a property of the whole document, computed first in streaming
passes and then fixed, or local, and the chunks carry enough context for the local part.

What is global (one value per document), and how it is computed here:

* whether the text looks like mojibake (:func:`.detect.looks_like_mojibake`): an "any" over
  blocks; its two-character pattern cannot straddle a line break;
* the code page, its confidence, ties and the "strong evidence" flag
  (:func:`.lossless.choose_codec`): they only read the first 60,000 characters, which the
  first read keeps;
* the lost-byte priors (:func:`.lossy.estimate_losses`: counts of the bytes 0x80-0xBF in the
  code page's runs) and the language (kana / hangul / han counts of the characters that
  decode whole): sums over the kernel's scan of each block (first counting pass);
* the document prior (:class:`DocumentCounts`): the ASCII frequencies over the characters
  that survived intact, their number, and the pairs of adjacent non-ASCII characters that
  survived intact with no damaged character between them (``document_prior``, the
  strongest whole-document term): they depend on which damaged characters have readings,
  which depends on the priors above, hence a second counting pass. The kernel takes them
  (``_kernel.decide``'s ``doc`` argument) instead of counting its chunk.

What is local, and how far it reads (``types.CONTEXT`` = 6, ``types.LINE`` = 80):

* runs, whole and damaged UTF-8 sequences (the scan): inside a run, and a run never holds a
  line break, so a block of whole lines scans as it does inside the document;
* round one: a group of adjacent damaged characters (inside a run) and the nearest intact
  character on each side (at the farthest the line break before or after);
* rounds two and three: the repaired text within ``CONTEXT`` characters of a damaged
  character (word bonus, trigrams, bigrams), which may cross a line break, and the line
  before it up to ``LINE`` characters (brackets, the 在 … 中 frame), which stops at the line
  break; the 与 … 相比 frame reads ahead the same way, to the end of the clause (at the
  latest the line break), and only within ``LINE`` characters. Round two and three read the readings other damaged characters got earlier in
  the same round, so a chain of doubtful characters, each within ``CONTEXT`` of the next,
  makes their decisions depend on each other across lines.

So a chunk boundary is put only at a line start where no chain can cross: between the last
run holding a damaged character before it and the first damaged character after it there
are at least ``CONTEXT + 2`` characters that survived intact (:data:`GAP`), whose output is
fixed by the scan. No window of a damaged character on one side then reaches a damaged
character on the other, in any round. Each chunk is repaired with a margin of whole lines
on both sides (at least :data:`MARGIN` characters), so that every character within reach of
its damaged characters is there, as in the whole text; only the chunk's own lines are kept.
The margin lines' own damaged characters may come out differently (their context is cut),
but nothing in the chunk reads them. Where no such line start exists for a long stretch
(every line damaged right to its end), the chunk grows until one comes: memory then grows
with that stretch, not with the text; a single line is never cut, so ``max_line`` refuses
overlong lines up front (the CLI does, see :mod:`digestkit.cli.repair_large`).

Spans come out with offsets in the whole output (a chunk's spans are shifted by what was
written before it) and in the whole-text order; the CLI's ``--explain`` report of a
streamed file is byte-identical to the whole-text one (``tests/repair/test_cli_stream.py``).
What still grows with the text: the table of distinct intact pairs (about 32 bytes each:
the kernel's hash table, at most half full, built once per document).

Not streamed (the whole pass's text is then read into memory, and the result is still the
whole-text result): a pass whose code page ties with another and whose repair rebuilds lost
bytes (the tie is broken by the fluency of each whole repair), a pass with weak evidence
(fewer than three sequences in the first 60,000 characters) and ``LossyWeights.doc_weight
!= 0`` (round two then reads the whole document's round-one output). All are rare for large
damaged files. Without the compiled kernel the chunks go through its Python reference
(:func:`.lossy.decide`, which takes the same document counts): bounded memory, slow.

>>> import io
>>> out = io.StringIO()
>>> text = "è®ºæ–‡æ€»ç»“\\ncafÃ©\\n"
>>> result = repair_stream(lambda: iter([text]), out.write, chunk_chars=4)
>>> out.getvalue(), result.steps
('论文总结\\ncafé\\n', (('encode', 'cp1252'), ('decode', 'utf-8')))
"""

from __future__ import annotations

import codecs
import itertools
import logging
import os
import pickle
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, BinaryIO, Literal, NamedTuple

import numpy as np

from digestkit.errors import InputError
from digestkit.repair import engine, fastpass
from digestkit.repair.detect import looks_like_mojibake
from digestkit.repair.lossless import CodecChoice, choose_codec, codec_table
from digestkit.repair.lossy import Losses, estimate_losses, language_from_counts
from digestkit.repair.types import (
    CONTEXT,
    LossyWeights,
    RepairConfig,
    Repaired,
    RepairSpan,
    Spans,
)

if TYPE_CHECKING:
    from digestkit.fileio import Backup

__all__ = [
    "CHUNK_CHARS",
    "DocumentCounts",
    "LineTooLong",
    "StreamResult",
    "read_text",
    "repair_chunked",
    "repair_path",
    "repair_stream",
    "stream_encoding",
]

logger = logging.getLogger(__name__)

#: Characters per chunk (about): the scratch is ~90 bytes per character of a chunk.
CHUNK_CHARS = 1 << 17
#: Intact characters needed between damaged ones on either side of a chunk boundary.
GAP = CONTEXT + 2
#: Characters of whole lines repaired on each side of a chunk and then dropped: every
#: intact character within ``GAP`` of the boundary lies within 4 characters each (a UTF-8
#: sequence re-read from its code page is at most 4).
MARGIN = 4 * GAP + 1
#: Characters of the first read kept for the code-page choice (``choose_codec``'s sample).
SAMPLE = 60_000

#: A re-readable text: each call starts it again from the beginning, as blocks of any size.
Source = Callable[[], Iterable[str]]


@dataclass(frozen=True)
class DocumentCounts:
    """What the lossy pass reads from the whole document, counted over all its chunks.

    ``byte_counts``: bytes 0x80-0xBF in the code page's runs (int64[64]); ``lang_counts``:
    kana, hangul, han that decode whole; ``ascii``: each ASCII character among those that
    survived intact (int64[128]), ``known`` their number; ``pair_keys``/``pair_counts``:
    the pairs of adjacent non-ASCII characters that survived intact, ``a << 21 | b``
    (sorted, distinct) and how often each occurs.
    """

    byte_counts: np.ndarray
    lang_counts: np.ndarray
    ascii: np.ndarray = field(default_factory=lambda: np.zeros(128, np.int64))
    known: int = 0
    pair_keys: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint64))
    pair_counts: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    _table: tuple[np.ndarray, int, np.ndarray, np.ndarray] | None = field(
        default=None, repr=False, compare=False
    )

    def losses(self, codec: str, weights: LossyWeights) -> Losses:
        counts = {0x80 + v: int(c) for v, c in enumerate(self.byte_counts.tolist())}
        return estimate_losses(counts, codec, weights)

    def lang(self) -> str:
        kana, hangul, han = (int(c) for c in self.lang_counts)
        return language_from_counts(kana, hangul, han)

    def kernel_args(self) -> tuple[np.ndarray, int, np.ndarray, int, np.ndarray]:
        """The ``doc`` argument of ``_kernel.decide``: the intact pairs as the kernel's own
        hash table, built once here (each chunk reads it; built per chunk, its cost grew
        with the document), and each left character's total."""
        if self._table is None:
            object.__setattr__(self, "_table", _pair_table(self.pair_keys, self.pair_counts))
        assert self._table is not None
        slots, bits, left, _ = self._table
        return (np.ascontiguousarray(self.ascii, np.int64), self.known, slots, bits, left)

    def for_chunks(self) -> DocumentCounts:
        """These counts with the kernel's table built and the pair lists dropped: the
        chunks read only the table, and the lists are 16 bytes more per distinct pair
        while the chunks are repaired (~1 byte per input byte at 500 kB)."""
        self.kernel_args()
        return replace(self, pair_keys=np.zeros(0, np.uint64), pair_counts=np.zeros(0, np.int64))

    def release(self) -> None:
        """Give the per-character totals back to the pool, zeroed (where this document
        counted), once the last chunk is repaired; :meth:`kernel_args` would build them
        again."""
        if self._table is None:
            return
        _, _, left, counted = self._table
        object.__setattr__(self, "_table", None)
        left[counted] = 0
        _LEFT_POOL.append(left)


#: _kernel.c's hash constant and key layout (Counter: stored key = (key + 1) | gen << 43).
_MULT = np.uint64(0x9E3779B97F4A7C15)
_GEN_SHIFT = 43
_UNICODE_SIZE = 0x110000
#: Zeroed tables of a total per code point (int32, 4.4 MB each), kept for the next
#: document as the kernel keeps its own (``per_char``): a fresh one per document is
#: 4.4 MB more of allocations, of which a document writes (and makes resident) only the
#: pages of its own characters.
_LEFT_POOL: list[np.ndarray] = []


def _pair_table(
    keys: np.ndarray, counts: np.ndarray
) -> tuple[np.ndarray, int, np.ndarray, np.ndarray]:
    """``_kernel.c``'s Counter of the pairs (``keys`` sorted and distinct), with generation
    1, as an array; its bits; the totals per left character (a pooled table) and the left
    characters counted there.

    The kernel probes linearly from a key's home slot until it finds the key or an empty
    slot, so any layout where every slot from a key's home to its own is taken answers as
    the kernel's own insertion would. Keys placed in order of their home take slot
    ``max(home, previous slot + 1)``, a running maximum (one sort, no rounds); those pushed
    past the end take the first free slots from the start, in that order.

    >>> slots, bits, left, _ = _pair_table(np.array([5 << 21 | 7], np.uint64), np.array([3]))
    >>> bits, int(left[5]), int(slots.reshape(-1, 2)[:, 1].sum())
    (4, 3, 3)
    """
    bits = 4
    while (1 << bits) < 2 * len(keys) + 2:
        bits += 1
    size = 1 << bits
    table = np.zeros((size, 2), np.uint64)
    with np.errstate(over="ignore"):
        home = ((keys.astype(np.uint64) + np.uint64(1)) * _MULT) >> np.uint64(64 - bits)
    order = np.argsort(home)  # any order among equal homes: each takes the next free slot
    step = np.arange(len(keys), dtype=np.int64)
    at = home[order].astype(np.int64)
    at -= step
    np.maximum.accumulate(at, out=at)
    at += step
    over = at >= size
    if over.any():  # at most half full: these few wrap to the free slots from the start
        taken = np.zeros(size, bool)
        taken[at[~over]] = True
        at[over] = np.flatnonzero(~taken)[: int(over.sum())]
    table[at, 0] = (keys[order].astype(np.uint64) + np.uint64(1)) | np.uint64(1 << _GEN_SHIFT)
    table[at, 1] = counts[order].astype(np.uint64)
    try:
        left = _LEFT_POOL.pop()
    except IndexError:  # none free (or another thread took the last one)
        left = np.zeros(_UNICODE_SIZE, np.int32)
    firsts = (keys >> np.uint64(21)).astype(np.int64)
    if not len(firsts):
        return table.reshape(-1), bits, left, firsts
    starts = np.flatnonzero(np.diff(firsts, prepend=-1))  # sorted keys: runs of one left
    counted = firsts[starts]
    left[counted] = np.add.reduceat(counts.astype(np.int64), starts).astype(np.int32)
    return table.reshape(-1), bits, left, counted


@dataclass(frozen=True)
class StreamResult:
    """What :func:`repair_stream` did: as :class:`.Repaired` without the text (written out).

    ``spans`` are kept only when asked (``spans=True``), with offsets in the whole output;
    ``span_count`` and ``lowest_confidence`` are counted when spans, ``on_span`` or
    ``tally`` were asked for.
    """

    changed: bool
    encoding: str | None
    encoding_confidence: float
    steps: tuple[tuple[str, str], ...] = ()
    spans: tuple[RepairSpan, ...] = ()
    chars: int = 0
    span_count: int = 0
    lowest_confidence: float = 1.0


# --- reading ----------------------------------------------------------------------------


class LineTooLong(InputError):
    """A line longer than the streamed repair's limit: chunks are cut between lines, so
    such a line would be held, with its scratch, whole."""


def _lines(blocks: Iterable[str], size: int, max_line: int | None = None) -> Iterator[str]:
    """``blocks`` regrouped into pieces of whole lines, about ``size`` characters or more
    (the last piece may lack its line break; a longer line is one piece). A line longer
    than ``max_line`` raises :class:`LineTooLong`."""
    pending: list[str] = []
    held = 0
    breaks = 0  # line breaks before this block
    open_line = 0  # characters since the last line break
    for block in blocks:
        if not block:
            continue
        pending.append(block)
        held += len(block)
        if max_line is not None:
            first = block.find("\n")
            if open_line + (len(block) if first < 0 else first) > max_line:
                raise LineTooLong(
                    f"a line longer than {max_line} characters: not repaired (a streamed "
                    "repair cuts its chunks between lines; split the line)",
                    line=breaks + 1,
                )
            open_line = open_line + len(block) if first < 0 else len(block) - block.rfind("\n") - 1
            breaks += block.count("\n")
        if held < size:
            continue
        joined = "".join(pending)
        cut = joined.rfind("\n") + 1
        if cut == 0:
            pending, held = [joined], len(joined)
            continue
        yield joined[:cut]
        rest = joined[cut:]
        pending, held = ([rest], len(rest)) if rest else ([], 0)
    if pending:
        yield "".join(pending)


class _Spool:
    """A pass's output: in memory while small, then in a temporary file; re-readable."""

    def __init__(self, limit: int = 8 << 20):
        self._parts: list[str] | None = []
        self._held = 0
        self._limit = limit
        self._file: IO[str] | None = None

    def write(self, text: str) -> None:
        if self._parts is not None:
            self._parts.append(text)
            self._held += len(text)
            if self._held <= self._limit:
                return
            self._file = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")  # noqa: SIM115 (closed by close())
            self._file.writelines(self._parts)
            self._parts = None
            return
        assert self._file is not None
        self._file.write(text)

    def read(self, size: int = CHUNK_CHARS) -> Iterator[str]:
        if self._parts is not None:
            yield from self._parts
            return
        assert self._file is not None
        self._file.flush()
        self._file.seek(0)
        while block := self._file.read(size):
            yield block

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        self._parts = []


# --- the counting passes --------------------------------------------------------------


def _scan_counts(source: Source, codec: str, config: RepairConfig, size: int) -> DocumentCounts:
    """First counting pass: the lost-byte counts and the language of the whole text."""
    table = codec_table(codec)
    counts = np.zeros(64, np.int64)
    lang = np.zeros(3, np.int64)
    for piece in _lines(source(), size):
        prepared = fastpass.prepare(fastpass.decider(config), piece, table, config, scan_only=True)
        counts += prepared.counts
        lang += prepared.lang_counts
    return DocumentCounts(counts, lang)


@dataclass
class _Census:
    """Second counting pass: the document prior, whether any damaged character has
    readings (the pass is lossy), and where chunks may be cut."""

    chunk_chars: int
    ascii: np.ndarray = field(default_factory=lambda: np.zeros(128, np.int64))
    known: int = 0
    keys: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint64))
    counts: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    pending: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    pending_n: int = 0
    lossy: bool = False
    cuts: list[int] = field(default_factory=list)
    at: int = 0  # where the next piece starts in the text
    last_cut: int = 0
    #: Intact characters since the end of the last run holding a damaged character
    #: (a large number before the first one).
    since_damage: int = 1 << 40

    def add(self, piece: str, prepared: fastpass.Prepared) -> None:
        emit = prepared.emit
        known_mask = emit >= 0
        known = emit[known_mask]
        self.known += len(known)
        self.ascii += np.bincount(known[known < 0x80], minlength=128)[:128]
        slots = prepared.slots
        if slots is not None and len(slots.start):
            self.lossy = True
            starts = slots.start
            assert prepared.doc is not None
            run_ends = prepared.doc.runs_end[prepared.run_of[prepared.kept]].astype(np.int64)
        else:
            starts = run_ends = np.zeros(0, np.int64)
        self._pairs(emit, known_mask, known, starts)
        self._cuts(piece, known_mask, starts, run_ends)
        self.at += len(piece)

    def _pairs(
        self, emit: np.ndarray, known_mask: np.ndarray, known: np.ndarray, starts: np.ndarray
    ) -> None:
        # As _kernel.c's first loop: consecutive intact characters, both non-ASCII, with
        # no damaged character starting between them.
        is_start = np.zeros(len(emit), np.int64)
        is_start[starts] = 1
        slot_cum = np.cumsum(is_start)
        kpos = np.flatnonzero(known_mask)
        ok = (
            (slot_cum[kpos[1:]] == slot_cum[kpos[:-1]]) & (known[:-1] >= 0x80) & (known[1:] >= 0x80)
        )
        if not ok.any():
            return
        keys = (known[:-1][ok].astype(np.uint64) << np.uint64(21)) | known[1:][ok].astype(np.uint64)
        uniq, counts = np.unique(keys, return_counts=True)
        self.pending.append((uniq, counts.astype(np.int64)))
        self.pending_n += len(uniq)
        if self.pending_n > max(len(self.keys), 1 << 20):
            self._merge()

    def _merge(self) -> None:
        if not self.pending:
            return
        keys = np.concatenate([self.keys, *(k for k, _ in self.pending)])
        counts = np.concatenate([self.counts, *(c for _, c in self.pending)])
        self.pending, self.pending_n = [], 0
        uniq, inverse = np.unique(keys, return_inverse=True)
        self.keys = uniq
        self.counts = np.bincount(inverse, weights=counts, minlength=len(uniq)).astype(np.int64)

    def _cuts(
        self, piece: str, known_mask: np.ndarray, starts: np.ndarray, run_ends: np.ndarray
    ) -> None:
        """Line starts in ``piece`` where a chunk may begin (see the module docstring)."""
        cum = np.concatenate(([0], np.cumsum(known_mask, dtype=np.int64)))
        n = len(piece)
        lines = [0] if self.at else []
        at = piece.find("\n")
        while 0 <= at < n - 1:
            lines.append(at + 1)
            at = piece.find("\n", at + 1)
        if lines:
            p = np.array(lines, np.int64)
            j = np.searchsorted(run_ends, p, side="right") - 1
            before = np.where(
                j >= 0, cum[p] - cum[run_ends[np.maximum(j, 0)]] if len(run_ends) else 0,
                self.since_damage + cum[p],
            )  # fmt: skip
            k = np.searchsorted(starts, p, side="left")
            has_after = k < len(starts)
            nxt = starts[np.minimum(k, len(starts) - 1)] if len(starts) else p
            after = np.where(has_after, cum[nxt] - cum[p], cum[n] - cum[p])
            # With no damaged character after it in this piece, the next piece may bring
            # one: only the intact characters already seen count.
            safe = p[before + after >= GAP] + self.at
            for cut in safe.tolist():
                if cut - self.last_cut >= self.chunk_chars:
                    self.cuts.append(cut)
                    self.last_cut = cut
        if len(run_ends):
            self.since_damage = int(cum[n] - cum[run_ends[-1]])
        else:
            self.since_damage += int(cum[n])

    def finish(self, byte_counts: np.ndarray, lang_counts: np.ndarray) -> DocumentCounts:
        self._merge()
        doc = DocumentCounts(
            byte_counts, lang_counts, self.ascii, self.known, self.keys, self.counts
        )
        self.keys, self.counts = np.zeros(0, np.uint64), np.zeros(0, np.int64)
        return doc


def _census(
    source: Source, codec: str, config: RepairConfig, counted: DocumentCounts, chunk_chars: int
) -> tuple[DocumentCounts, _Census]:
    table = codec_table(codec)
    census = _Census(chunk_chars)
    for piece in _lines(source(), min(chunk_chars, CHUNK_CHARS)):
        census.add(piece, fastpass.prepare(fastpass.decider(config), piece, table, config, counted))
    return census.finish(counted.byte_counts, counted.lang_counts).for_chunks(), census


# --- the chunked pass -------------------------------------------------------------------


class _Window:
    """The text between two offsets, read on demand from line-aligned pieces."""

    def __init__(self, pieces: Iterator[str]):
        self._pieces = pieces
        self.buf = ""
        self.start = 0  # offset of buf[0] in the text
        self.done = False

    def _more(self) -> bool:
        if self.done:
            return False
        piece = next(self._pieces, None)
        if piece is None:
            self.done = True
            return False
        self.buf += piece
        return True

    def ensure(self, end: int) -> None:
        """Read until the text holds ``end`` characters and the line that contains them
        ends (or the text does)."""
        while self.start + len(self.buf) < end and self._more():
            pass
        while True:
            nl = self.buf.find("\n", max(0, end - 1 - self.start))
            if nl >= 0 or not self._more():
                return

    def line_end(self, at: int) -> int:
        """The offset after the line break of the line holding ``at`` (or the text end)."""
        self.ensure(at + 1)
        nl = self.buf.find("\n", max(0, at - self.start))
        return self.start + (nl + 1 if nl >= 0 else len(self.buf))

    def line_start(self, at: int) -> int:
        """The offset where the line holding ``at`` starts (``at`` must be held)."""
        return self.start + self.buf.rfind("\n", 0, max(0, at - self.start)) + 1

    def text(self, a: int, b: int) -> str:
        return self.buf[a - self.start : b - self.start]

    def drop_before(self, at: int) -> None:
        if at > self.start:
            self.buf = self.buf[at - self.start :]
            self.start = at


def _nth_line_end(text: str, lines: int) -> int:
    """The offset after the ``lines``-th line break of ``text`` (0 for 0)."""
    at = 0
    for _ in range(lines):
        at = text.index("\n", at) + 1
    return at


class _SpanSpool:
    """A pass's spans, pickled to a temporary file a chunk at a time (a pass's spans are
    only final once the next pass has found nothing to do); with ``tally``, only their
    number and lowest confidence are kept (what the CLI's message says: no span is
    shifted, pickled or read back, a third of a streamed repair's time)."""

    def __init__(self, tally: bool = False) -> None:
        self._file: IO[bytes] | None = None
        self.tally = tally
        self.count = 0
        self.lowest = 1.0

    def add(self, spans: list[RepairSpan], shift: int = 0) -> None:
        """Keep ``spans``, moved by ``shift`` characters (their chunk's place)."""
        if not spans:
            return
        self.count += len(spans)
        self.lowest = min(self.lowest, min(s.confidence for s in spans))
        if self.tally:
            return
        if self._file is None:
            self._file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        moved = [_moved(s, shift) for s in spans] if shift else spans
        pickle.dump(moved, self._file, protocol=pickle.HIGHEST_PROTOCOL)

    def __iter__(self) -> Iterator[RepairSpan]:
        if self.tally:
            raise ValueError("a tally keeps no spans")
        if self._file is None:
            return
        self._file.flush()
        self._file.seek(0)
        while True:
            try:
                batch = pickle.load(self._file)  # noqa: S301 (our own temporary file)
            except EOFError:
                return
            yield from batch

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


#: What a pass keeps of its spans: nothing, the spans, or their number and lowest confidence.
Keep = Literal["none", "spans", "tally"]


def _new_spool(keep: Keep) -> _SpanSpool | None:
    return None if keep == "none" else _SpanSpool(tally=keep == "tally")


@dataclass
class _PassOut:
    changed: bool = False
    spans: _SpanSpool | None = None
    chars: int = 0


def _chunked_pass(
    source: Source,
    codec: str,
    config: RepairConfig,
    doc: DocumentCounts,
    cuts: list[int],
    write: Callable[[str], object],
    keep_spans: Keep,
    size: int,
) -> _PassOut:
    """:func:`.fastpass.fast_pass` over the whole text, one chunk at a time."""
    table = codec_table(codec)
    window = _Window(iter(_lines(source(), min(size, CHUNK_CHARS))))
    result = _PassOut(spans=_new_spool(keep_spans))
    starts = [0, *cuts]
    for i, c0 in enumerate(starts):
        last = i + 1 == len(starts)
        if last:
            window.ensure(1 << 62)
            c1 = window.start + len(window.buf)
        else:
            c1 = cuts[i]
        w1 = window.line_end(c1 + MARGIN) if not last else c1
        w0 = window.line_start(max(0, c0 - MARGIN - 1)) if c0 else 0
        text = window.text(w0, w1)
        core = window.text(c0, c1)
        fixed, spans, _ = fastpass.fast_pass(text, table, config, doc)
        # A repair keeps every line break: the chunk's lines are found by counting them.
        head = _nth_line_end(fixed, text.count("\n", 0, c0 - w0))
        end = len(fixed)
        if c1 < w1:
            end = _nth_line_end(fixed[head:], core.count("\n")) + head
        out = fixed[head:end]
        if out != core:
            result.changed = True
        if result.spans is not None and out != core:
            result.spans.add([s for s in spans if head <= s.start < end], result.chars - head)
        write(out)
        result.chars += len(out)
        # The spans hold this chunk's arrays (built when first read): let them go before
        # the next chunk's are made.
        del text, core, fixed, spans, out
        if not last:
            window.drop_before(window.line_start(max(0, cuts[i] - MARGIN - 1)))
    return result


def _runwise_pass(
    source: Source,
    codec: str,
    config: RepairConfig,
    strong: bool,
    write: Callable[[str], object],
    keep_spans: Keep,
    size: int,
) -> tuple[_PassOut, bool]:
    """:func:`.engine.repair_pass` without lost-byte reconstruction: run by run, so any
    line-aligned piece repairs as it does inside the whole text."""
    table = codec_table(codec)
    result = _PassOut(spans=_new_spool(keep_spans))
    lossy = False
    for piece in _lines(source(), size):
        fixed, spans, piece_lossy = engine.repair_pass(piece, table, config, strong)
        lossy = lossy or piece_lossy
        if fixed != piece:
            result.changed = True
            if result.spans is not None:
                result.spans.add(list(spans), result.chars)
        write(fixed)
        result.chars += len(fixed)
    return result, lossy


def _moved(span: RepairSpan, shift: int) -> RepairSpan:
    return replace(span, start=span.start + shift, end=span.end + shift)


# --- the passes, as repair_suspicious runs them -----------------------------------------


def _first_look(
    source: Source, config: RepairConfig, max_line: int | None = None
) -> tuple[bool, str, int]:
    """(looks like mojibake, the first :data:`SAMPLE` characters, length of the text)."""
    looks = False
    head: list[str] = []
    held = 0
    total = 0
    for piece in _lines(source(), CHUNK_CHARS, max_line):
        total += len(piece)
        if held < SAMPLE:
            head.append(piece[: SAMPLE - held])
            held += len(head[-1])
        if not looks and looks_like_mojibake(piece, config.codecs):
            looks = True
    return looks, "".join(head), total


def _streamable(config: RepairConfig, choice: CodecChoice, strong: bool) -> bool:
    if not config.lossy:
        return True
    if not strong or choice.ties:
        return False
    return config.weights.doc_weight == 0


def repair_stream(
    read: Source,
    write: Callable[[str], object],
    config: RepairConfig | None = None,
    *,
    chunk_chars: int = CHUNK_CHARS,
    spans: bool = False,
    on_span: Callable[[RepairSpan], object] | None = None,
    max_line: int | None = None,
    tally: bool = False,
) -> StreamResult:
    """Repair the text ``read()`` yields (re-read once per pass) and ``write`` the result.

    The written text, ``steps``, encoding and spans are those of
    :func:`~digestkit.repair.repair_text` on the whole text; memory holds a few chunks of
    about ``chunk_chars`` characters, plus the document's counts (see the module
    docstring for why the result is the same, and for the rare passes read whole).
    Spans are kept in :attr:`StreamResult.spans` with ``spans``, or handed one by one to
    ``on_span`` once the text is written (bounded memory: they wait in a temporary file).
    ``tally`` counts them (:attr:`StreamResult.span_count`, ``lowest_confidence``) without
    keeping them, which is cheaper.
    A line longer than ``max_line`` characters raises :class:`LineTooLong` before any
    repair (None: no limit; memory then grows with the longest line).
    """
    config = config or RepairConfig()
    looks, head, total = _first_look(read, config, max_line)
    if not config.lossless or not looks:
        return _copy(read, write, total)
    want = spans or on_span is not None
    keep_mode: Keep = "spans" if want else "tally" if tally else "none"
    current: Source = read
    steps: list[tuple[str, str]] = []
    first_spans: _SpanSpool | None = None
    encoding, confidence = None, 1.0
    spools: list[_Spool] = []
    passes = 0
    try:
        for n in range(config.max_passes):
            if n:
                looks, head, _ = _first_look(current, config)
                if not looks:
                    break
            choice = choose_codec(head, config.codecs, kernel=config.kernel)
            if choice is None:
                break
            strong = choice.valid >= engine.STRONG
            spool = _Spool()
            spools.append(spool)
            # A later pass's spans are re-expressed (see below).
            keep: Keep = keep_mode if n == 0 else "none"
            if _streamable(config, choice, strong):
                out, lossy = _stream_pass(current, choice, config, strong, spool, keep, chunk_chars)
                changed = out.changed
                pass_spans = out.spans
            else:
                whole = "".join(current())
                fixed_text, whole_spans, lossy, choice, strong = _whole_pass(whole, choice, config)
                changed = fixed_text != whole
                pass_spans = _new_spool(keep)
                if pass_spans is not None:
                    pass_spans.add(whole_spans)
                spool.write(fixed_text)
                del whole, fixed_text, whole_spans
            if not changed:
                if pass_spans is not None:
                    pass_spans.close()
                break
            before = current
            current = spool.read
            steps.extend(_steps(before, current, choice.codec, lossy, config, strong))
            passes += 1
            if n == 0:
                first_spans = pass_spans
            if encoding is None:
                encoding, confidence = choice.codec, choice.confidence
            if len(spools) > 2:  # the input of this pass is no longer needed
                spools.pop(0).close()
        if not steps:
            return _copy(read, write, total)
        chars = 0
        for block in current():
            write(block)
            chars += len(block)
        found: Iterable[RepairSpan] = ()
        count, lowest = 0, 1.0
        if passes == 1 and first_spans is not None and first_spans.tally:
            count, lowest = first_spans.count, first_spans.lowest
        elif keep_mode != "none":
            # After several passes, the spans are re-expressed against the final text by a
            # line-by-line diff of input and output, as the engine does.
            found = _merged_spans(read, current) if passes > 1 else (first_spans or ())
        kept: list[RepairSpan] = []
        for span in found:
            count += 1
            lowest = min(lowest, span.confidence)
            if on_span is not None:
                on_span(span)
            if spans:
                kept.append(span)
        return StreamResult(
            True, encoding, confidence, tuple(steps), tuple(kept), chars, count, lowest
        )
    finally:
        for spool in spools:
            spool.close()
        if first_spans is not None:
            first_spans.close()


def _copy(read: Source, write: Callable[[str], object], total: int) -> StreamResult:
    for block in read():
        write(block)
    return StreamResult(False, None, 1.0, (), (), total)


def _stream_pass(
    source: Source,
    choice: CodecChoice,
    config: RepairConfig,
    strong: bool,
    spool: _Spool,
    keep: Keep,
    chunk_chars: int,
) -> tuple[_PassOut, bool]:
    if not (strong and config.lossy):
        return _runwise_pass(source, choice.codec, config, strong, spool.write, keep, chunk_chars)
    counted = _scan_counts(source, choice.codec, config, min(chunk_chars, CHUNK_CHARS))
    doc, census = _census(source, choice.codec, config, counted, chunk_chars)
    try:
        out = _chunked_pass(
            source, choice.codec, config, doc, census.cuts, spool.write, keep, chunk_chars
        )
    finally:
        doc.release()
    return out, census.lossy


def _whole_pass(
    text: str, choice: CodecChoice, config: RepairConfig
) -> tuple[str, list[RepairSpan], bool, CodecChoice, bool]:
    """One pass of :func:`.engine.repair_suspicious` on the whole text."""
    strong = choice.valid >= engine.STRONG
    fixed, pass_spans, lossy = engine.repair_pass(text, codec_table(choice.codec), config, strong)
    if lossy and choice.ties:
        choice, (fixed, pass_spans, lossy) = engine._break_tie(text, choice, config)
        strong = engine._is_strong(text, choice.codec)
    return fixed, list(pass_spans), lossy, choice, strong


def _steps(
    before: Source,
    after: Source,
    codec: str,
    lossy: bool,
    config: RepairConfig,
    strong: bool,
) -> tuple[tuple[str, str], ...]:
    """:func:`.engine._pass_steps`, with its whole-text check done piece by piece: a piece
    of whole lines ends in a line break, which no UTF-8 sequence holds, so the pieces
    re-read as the whole does."""
    if lossy:
        return (("rebuild", engine.plan_arg(codec, config, strong)),)
    try:
        ok = _same(_reencoded(before, codec), after)
    except UnicodeError:
        ok = False
    if ok:
        return (("encode", codec), ("decode", "utf-8"))
    return (("reread", engine.plan_arg(codec, RepairConfig(lossy=False), strong)),)


def _reencoded(source: Source, codec: str) -> Source:
    return lambda: (part.encode(codec).decode("utf-8") for part in _lines(source(), CHUNK_CHARS))


def _same(a: Source, b: Source) -> bool:
    """Do two sources hold the same text (compared block by block)?"""
    left, right = iter(a()), iter(b())
    x = y = ""
    while True:
        if not x:
            x = next(left, "")
        if not y:
            y = next(right, "")
        if not x or not y:
            return not x and not y and next(left, "") == "" and next(right, "") == ""
        n = min(len(x), len(y))
        if x[:n] != y[:n]:
            return False
        x, y = x[n:], y[n:]


def _merged_spans(original: Source, final: Source, batch: int = 4096) -> Iterator[RepairSpan]:
    """:func:`.engine._merge_spans` of the input and the output (after several passes),
    a batch of lines at a time: a repair keeps every line break, so the whole-text diff
    pairs the lines one to one, which batches of paired lines do too. (Were the numbers
    of lines to differ, the whole texts are diffed, as the engine does.)"""
    if _count_lines(original) != _count_lines(final):
        yield from engine._merge_spans("".join(original()), "".join(final()))
        return
    old, new = _each_line(original), _each_line(final)
    at_new = 0
    while True:
        a = list(itertools.islice(old, batch))
        b = list(itertools.islice(new, batch))
        if not a:
            return
        found: list[RepairSpan] = []
        engine._diff_parts(a, b, at_new, found)
        yield from found
        at_new += sum(len(line) for line in b)


def _each_line(source: Source) -> Iterator[str]:
    """The parts ``engine._cut(text, "\\n")`` gives, one by one."""
    for piece in _lines(source(), CHUNK_CHARS):
        yield from engine._cut(piece, "\n")


def _count_lines(source: Source) -> int:
    return sum(1 for _ in _each_line(source))


# --- texts and files --------------------------------------------------------------------


def repair_chunked(
    text: str,
    config: RepairConfig | None = None,
    chunk_chars: int = CHUNK_CHARS,
    lazy_spans: bool = False,
) -> Repaired:
    """:func:`~digestkit.repair.repair_text` through :func:`repair_stream` (same result).

    ``lazy_spans``: the spans are found again when first read (a second repair of
    ``text``, which the result then holds), so a caller that only wants the text pays
    for no span objects (a span per run: tens of MB on a 10 MB text); their number and
    lowest confidence are counted on the way, so ``len(spans)`` and ``min_confidence``
    (what the CLI reports) need no second repair.

    >>> repair_chunked("cafÃ©\\nè®ºæ–‡\\n", chunk_chars=1).text
    'café\\n论文\\n'
    """
    size = max(1, chunk_chars)
    parts: list[str] = []

    def read() -> Iterator[str]:
        for at in range(0, len(text), size):
            yield text[at : at + size]

    result = repair_stream(
        read, parts.append, config, chunk_chars=chunk_chars, spans=not lazy_spans,
        tally=lazy_spans,
    )  # fmt: skip
    if not result.changed:
        return Repaired(text, False, None, 1.0)
    spans: Sequence[RepairSpan] = result.spans
    if lazy_spans:

        def again() -> tuple[RepairSpan, ...]:
            return repair_stream(read, _drop, config, chunk_chars=chunk_chars, spans=True).spans

        spans = Spans(again, result.span_count, result.lowest_confidence)
    fixed = "".join(parts)
    del parts
    return Repaired(fixed, True, result.encoding, result.encoding_confidence, result.steps, spans)


def _drop(text: str) -> None:
    """A writer that keeps nothing."""


def repair_path(
    src: str | os.PathLike[str],
    dst: str | os.PathLike[str],
    config: RepairConfig | None = None,
    *,
    chunk_chars: int = CHUNK_CHARS,
    backup: Backup = "none",
) -> StreamResult:
    """Repair the file ``src`` into ``dst`` in bounded memory, written as
    :func:`digestkit.fileio.write_atomic_from` writes (a temporary file renamed over
    ``dst``, ``backup`` kept; a device is written through). ``dst`` may be ``src``. The
    output is UTF-8, with a BOM if the input had one.

    Files that are not UTF-8 (or ASCII) are decoded whole (:func:`.decode.decode_bytes`)."""
    from digestkit.fileio import write_atomic_from

    source = Path(src)
    encoding = stream_encoding(source).encoding
    done: list[StreamResult] = []

    def produce(out: BinaryIO) -> None:
        def write(text: str) -> None:
            out.write(text.encode("utf-8"))

        if encoding is None:
            from digestkit.repair.decode import decode_bytes

            decoded = decode_bytes(source.read_bytes())
            if decoded.bom:
                out.write(codecs.BOM_UTF8)
            text = decoded.text
            done.append(repair_stream(lambda: iter([text]), write, config, chunk_chars=chunk_chars))
            return
        if encoding == "utf-8-sig":
            out.write(codecs.BOM_UTF8)
        done.append(
            repair_stream(
                lambda: read_text(source, encoding), write, config, chunk_chars=chunk_chars
            )
        )

    write_atomic_from(dst, produce, backup=backup)
    return done[0]


class FileText(NamedTuple):
    """What one read of a file says about streaming it (:func:`stream_encoding`)."""

    #: ``'utf-8'`` / ``'utf-8-sig'`` / ``'ascii'``, or None: decode the file whole.
    encoding: str | None
    #: Its text is binary after all (:func:`.decode.binary_text`; False when not read).
    binary: bool


def stream_encoding(path: Path) -> FileText:
    """The encoding when :func:`.decode.decode_bytes` would decode the file as
    ``'utf-8'`` / ``'utf-8-sig'`` / ``'ascii'`` (else None), and whether the text is
    binary all the same (its head looked like text, the whole may not), in one read."""
    from digestkit.repair import decode

    not_streamed = FileText(None, False)
    with path.open("rb") as handle:
        head = handle.read(8 * 1024)
        if any(head.startswith(bom) for bom, codec in decode._BOMS if codec != "utf-8"):
            return not_streamed
        sig = head.startswith(codecs.BOM_UTF8)
        if not sig and (decode._nul_pattern_codec(head) or decode._high_byte_codec(head)):
            return not_streamed
        decoder = codecs.getincrementaldecoder("utf-8")()
        ascii_only = True
        escape = False
        binary = _BinaryCount()
        handle.seek(len(codecs.BOM_UTF8) if sig else 0)
        try:
            while block := handle.read(1 << 20):
                binary.add(decoder.decode(block))
                ascii_only = ascii_only and block.isascii()
                escape = escape or b"\x1b" in block
            binary.add(decoder.decode(b"", final=True))
        except UnicodeDecodeError:
            return not_streamed
    if ascii_only and escape:
        return not_streamed
    if ascii_only and not sig:
        return FileText("ascii", binary.binary())
    return FileText("utf-8-sig" if sig else "utf-8", binary.binary())


def read_text(path: Path, encoding: str, size: int = 1 << 20) -> Iterator[str]:
    """The text of ``path`` in blocks of ``size`` characters (line ends kept as they are)."""
    with path.open("r", encoding=encoding, newline="") as handle:
        while block := handle.read(size):
            yield block


class _BinaryCount:
    """:func:`.decode.binary_text` over a text given in blocks (the same answer)."""

    def __init__(self) -> None:
        from digestkit.repair import decode

        self._odd = [chr(c) for c in range(0x20) if chr(c) not in decode._TEXT_CONTROLS]
        self.odd = self.total = 0
        self.head: list[str] = []

    def add(self, block: str) -> None:
        self.total += len(block)
        self.odd += sum(block.count(char) for char in self._odd)
        if self.total <= 8192:
            self.head.append(block)

    def binary(self) -> bool:
        from digestkit.repair import decode

        if self.total <= 8192:
            return decode.binary_text("".join(self.head))
        return self.odd > self.total * decode._CONTROL_SHARE
