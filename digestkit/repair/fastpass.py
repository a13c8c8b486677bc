"""The lossy repair pass over a whole document: the slots, then their readings chosen.

The algorithm has two forms with the same two functions and the same results: the
per-slot Python in :mod:`.lossy` (``scan`` and ``decide``, the readable reference) and the
C kernel ``_kernel.c`` (the same loops with memos, caches and a second thread). This module
is what both share: :func:`prepare` scans the text (the code page's runs, the UTF-8
sequences inside them and the damaged ones, the slots), lists each distinct damaged byte
pattern's readings once (:func:`.lossy.candidates`, ranked by prior x unigram, the best
:attr:`.LossyWeights.keep` kept, ``chain_keep`` inside a group) and hands them to
``decide``, with the model's tables (:func:`_model_buffers`) and every weight
(:func:`.lossy.params`). :func:`fast_pass` runs the kernel when it is built and
``RepairConfig.kernel`` is set, else :mod:`.lossy`.

>>> from digestkit.repair.lossless import codec_table
>>> from digestkit.repair.types import RepairConfig
>>> fast_pass("è®ºæ–‡æ€»ç»“", codec_table("cp1252"), RepairConfig())[0]
'论文总结'
>>> fast_pass("è®ºæ–‡æ€»ç»“", codec_table("cp1252"), RepairConfig(kernel=False))[0]
'论文总结'
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from functools import lru_cache
from types import ModuleType
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from digestkit.repair import lossless, lossy
from digestkit.repair.lossless import HOLE, CodecTable, codec_table
from digestkit.repair.lossy import (
    Candidate,
    Losses,
    candidates,
    estimate_losses,
    language_from_counts,
    slot_at,
)
from digestkit.repair.model.arrays import ModelArrays
from digestkit.repair.types import LossyWeights, RepairConfig, RepairSpan, Spans

if TYPE_CHECKING:
    from digestkit.repair.stream import DocumentCounts

__all__ = ["decider", "fast_pass", "prepare"]

_HOLE = lossy.HOLE_BYTE
#: The score of a column that holds no reading.
_NEG = -np.inf


def _text(cps: np.ndarray) -> str:
    return cps.astype("<u4").tobytes().decode("utf-32-le", "surrogatepass")


@lru_cache(maxsize=64)
def _byte_map(codec: str) -> np.ndarray:
    """:func:`.lossless.byte_map` as the pass reads it (int32): ASCII maps to itself and
    U+FFFD to :data:`_HOLE` (a lost byte of unknown value)."""
    out = lossless.byte_map(codec).astype(np.int32)
    out[:0x80] = np.arange(0x80)
    out[ord(HOLE)] = _HOLE
    return out


def _ranked(options: Sequence[Candidate], lang: str, keep: int) -> tuple[Candidate, ...]:
    """The ``keep`` readings with the best prior x unigram of the first character, best
    first (slots in a group keep only the first ``chain_keep``); the unigram is the
    arrays' (:attr:`.ModelArrays.uni`, what :meth:`.CharModel.p_uni` gives a non-ASCII
    character), so no text model is parsed."""
    arrays = ModelArrays.get(lang)
    uni, top = arrays.uni, arrays.top

    def score(c: Candidate) -> float:
        return -(c.prior + math.log(float(uni[min(ord(c.text[0]), top)])))

    return tuple(sorted(options, key=score)[:keep])


def _observed(key: int) -> tuple[int, ...]:
    """Decode a pattern key (see :func:`_build_slots`) back into lead + seen bytes.

    >>> _observed((0xE4 << 27) | ((0xB8 + 1) << 18))
    (228, 184)
    """
    lead = key >> 27
    out = [lead]
    for shift in (18, 9, 0):
        v = (key >> shift) & 0x1FF
        if v:
            out.append(-1 if v == 257 else v - 1)
    return tuple(out)


class _Slots:
    """Damaged characters and their readings as arrays (one row per slot, ``k`` columns).

    ``first`` is each reading's first code point (-1: no reading), ``prior`` its log-prior.
    A reading of several characters (a lost NBSP or '?' taken back into the character
    before it, or not: rare) keeps the characters from ``tail`` to ``end`` (``keeps``);
    ``decide`` reads them from the text.
    """

    def __init__(
        self,
        arrays: ModelArrays,
        start: np.ndarray,
        end: np.ndarray,
        first: np.ndarray,
        prior: np.ndarray,
    ):
        self.arrays = arrays
        self.start, self.end = start, end
        self.first, self.prior = first, prior
        #: Rows with a multi-character reading; per reading, whether it keeps the tail;
        #: where the tail starts (``end`` for the other rows).
        self.multi = np.zeros(len(start), bool)
        self.keeps = np.zeros(first.shape, bool)
        self.tail = end.copy()
        #: Equal for rows whose readings are equal (-1: not shared); see _build_slots.
        self.pid = np.full(len(start), -1, np.int32)


try:
    from digestkit.repair import _kernel as _compiled
except ImportError:  # no C compiler at install time: lossy.decide does the same work
    _compiled = None  # type: ignore[assignment]


def fast_pass(
    text: str, table: CodecTable, config: RepairConfig, document: DocumentCounts | None = None
) -> tuple[str, Sequence[RepairSpan], bool]:
    """Re-read every run of ``table``'s code page in ``text`` (strong evidence assumed);
    returns the text, the spans and whether lost bytes were rebuilt.

    ``document``: when ``text`` is a chunk of a longer document (:mod:`.stream`), that
    document's counts, which then stand for the chunk's own."""
    return _compiled_pass(decider(config), text, table, config, document)


def decider(config: RepairConfig) -> ModuleType:
    """What scans and decides (``scan``, ``decide``): the C kernel when it is built and
    ``config.kernel`` is set, else its per-slot Python reference :mod:`.lossy`."""
    return _compiled if config.kernel and _compiled is not None else lossy


class _Runs:
    """The document and its runs: what the result (text and spans) is built from."""

    def __init__(self, text: str, runs_start: np.ndarray, runs_end: np.ndarray):
        self.text, self.runs_start, self.runs_end = text, runs_start, runs_end

    def finish(
        self,
        emit: np.ndarray,
        decoded_runs: np.ndarray,
        slot_runs: np.ndarray | None = None,
        conf: np.ndarray | None = None,
        out: str | None = None,
        slot_starts: np.ndarray | None = None,
    ) -> tuple[str, Sequence[RepairSpan], bool]:
        """The repaired text (``out`` when the caller has it already) and one span per
        run that changed; the spans are built when first read
        (:class:`~digestkit.repair.types.Spans`)."""
        live = emit >= 0
        if out is None:
            out = _text(emit[live])
        n_runs = len(self.runs_start)
        has_slot = np.zeros(n_runs, bool)
        if slot_runs is not None and len(slot_runs):
            has_slot[slot_runs] = True
        text, runs_start, runs_end = self.text, self.runs_start, self.runs_end
        n = len(live)
        live_bits = np.packbits(live)  # what the spans keep: a bit per character, not a byte
        del live

        def build() -> list[RepairSpan]:
            live = np.unpackbits(live_bits, count=n).view(bool)
            before = np.concatenate(([0], np.cumsum(live)))
            changed = has_slot.copy()
            changed[decoded_runs] = True
            lowest = np.ones(n_runs)
            rows = np.flatnonzero(changed)
            o_starts, o_ends = before[runs_start[rows]], before[runs_end[rows]]
            # Slots come in text order, so a run's slots are one stretch of them: [lo, hi).
            lo = hi = np.zeros(len(rows), np.int64)
            pairs: list[tuple[int, float]] = []
            if slot_runs is not None and conf is not None and len(slot_runs):
                np.minimum.at(lowest, slot_runs, conf)
                if slot_starts is not None:
                    lo = np.searchsorted(slot_runs, rows, "left")
                    hi = np.searchsorted(slot_runs, rows, "right")
                    offsets = before[slot_starts] - before[runs_start[slot_runs]]
                    pairs = list(zip(offsets.tolist(), conf.tolist(), strict=True))
            spans = []
            make = RepairSpan.unchecked
            for start, end, o_start, o_end, low, lossy_run, a, b in zip(
                runs_start[rows].tolist(), runs_end[rows].tolist(), o_starts.tolist(),
                o_ends.tolist(), lowest[rows].tolist(), has_slot[rows].tolist(), lo.tolist(),
                hi.tolist(), strict=True,
            ):  # fmt: skip
                original = text[start:end]
                new = out[o_start:o_end]
                if new != original:
                    kind = "lossy" if lossy_run else "lossless"
                    spans.append(make(o_start, o_end, original, new, low, kind, tuple(pairs[a:b])))
            return spans

        return out, Spans(build), bool(has_slot.any())


def _build_slots(
    text: str,
    slot_pos: np.ndarray,
    slot_seen: np.ndarray,
    slot_need: np.ndarray,
    key: np.ndarray,
    odd: np.ndarray,
    run_end: np.ndarray,
    codec: str,
    losses: Losses,
    lang: str,
    weights: LossyWeights,
) -> tuple[_Slots, np.ndarray]:
    """Readings for every damaged character, one lookup per distinct byte pattern.

    ``run_end`` is where each slot's run ends (a slot followed by ' ' or '?' may take back
    a lost NBSP or '?' up to there). Returns the slots that have readings, and the rows (of
    the inputs) that have none.
    """
    arrays = ModelArrays.get(lang)
    end = (slot_pos + 1 + slot_seen).astype(np.int64)
    patterns = _pattern_rows(codec, losses, lang, weights.keep)
    at_row = patterns.rows_of(key)
    first = np.take(patterns.first, at_row, axis=0)  # take: a row gather, ~3x a fancy index
    prior = np.take(patterns.prior, at_row, axis=0)
    multi = np.zeros(len(slot_pos), bool)
    keeps = np.zeros(first.shape, bool)
    tail = end.copy()
    ids = at_row  # equal for slots with equal readings (see pid below)
    odd_at = np.flatnonzero(odd)
    if len(odd_at):
        at = slot_pos[odd_at]
        width = np.minimum(run_end[odd_at], at + 2 * slot_need[odd_at] + 4) - at
        odd_table = _odd_rows(codec, losses, lang, weights.keep)
        keys = [text[a : a + w] for a, w in zip(at.tolist(), width.tolist(), strict=True)]
        row = odd_table.rows(keys)
        ids = at_row.copy()
        ids[odd_at] = len(patterns.first) + row  # after every pattern's row
        first[odd_at] = odd_table.first[row]
        prior[odd_at] = odd_table.prior[row]
        keeps[odd_at] = odd_table.keeps[row]
        multi[odd_at] = keeps[odd_at].any(axis=1)
        end[odd_at] = at + odd_table.take[row]
        tail = np.where(multi, tail, end)
    has = first[:, 0] >= 0
    if has.all():  # the common case: no copies
        slots = _Slots(arrays, slot_pos.astype(np.int64), end, first, prior)
        slots.multi, slots.keeps, slots.tail = multi, keeps, tail
    else:
        usable = np.flatnonzero(has)
        start = slot_pos[usable].astype(np.int64)
        slots = _Slots(arrays, start, end[usable], first[usable], prior[usable])
        slots.multi, slots.keeps, slots.tail = multi[usable], keeps[usable], tail[usable]
    adjacent = slots.end[:-1] == slots.start[1:]
    linked = np.zeros(len(slots.start), bool)
    linked[:-1] |= adjacent
    linked[1:] |= adjacent
    # A slot that lost two bytes or more has many more readings (up to 64), and the right one
    # is often ranked low: it keeps all of them even inside a group.
    missing = (slot_need - slot_seen)[has]
    linked &= missing < 2
    cut = np.flatnonzero(linked)
    slots.first[cut, weights.chain_keep :] = -1
    slots.prior[cut, weights.chain_keep :] = _NEG
    # Slots with equal readings share an id (the compiled pass scores a row once per
    # neighbour): the same byte pattern, or for a slot followed by ' ' or '?' the same text
    # up to where it may take back a lost NBSP or '?' (so the same characters it keeps).
    # Ids equal but for the lowest bit (in a group or not) share their first chain_keep
    # readings, and the compiled pass shares their scores against a neighbour too.
    slots.pid = (ids[has] * 2 + linked).astype(np.int32)
    return slots, np.flatnonzero(~has)


class _Rows:
    """Readings as rows of arrays, one row per distinct key, filled the first time a key is
    met: a document looks up its distinct keys at once, and the readings of its slots are
    one fancy index per array. Subclasses say what a key's readings are (:meth:`_fill`)."""

    #: Rows kept before the table starts afresh.
    LIMIT = 1 << 16

    def __init__(self, codec: str, losses: Losses, lang: str, keep: int):
        self.codec, self.losses, self.lang, self.keep = codec, losses, lang, keep
        self.index: dict[Hashable, int] = {}
        #: How often the table started afresh (which renumbers its rows).
        self.restarts = 0
        self.first = np.full((64, keep), -1, np.int32)
        self.prior = np.full((64, keep), _NEG)

    def rows(self, keys: Sequence[Hashable]) -> np.ndarray:
        """The row of each key (added when new)."""
        index = self.index
        found = list(map(index.get, keys))
        if None not in found:  # the usual case: every key met before
            return np.array(found, np.int64)
        missing = list(dict.fromkeys(k for k, row in zip(keys, found, strict=True) if row is None))
        if len(index) + len(missing) > self.LIMIT:
            index.clear()
            self.restarts += 1
            missing = list(dict.fromkeys(keys))
        for key in missing:
            row = len(index)
            if row == len(self.first):
                self._grow()
            self._fill(row, key)
            index[key] = row
        return np.array([index[key] for key in keys], np.int64)

    def _grow(self) -> None:
        self.first = np.concatenate((self.first, np.full_like(self.first, -1)))
        self.prior = np.concatenate((self.prior, np.full_like(self.prior, _NEG)))

    def _fill(self, row: int, key: Hashable) -> None:
        raise NotImplementedError

    def _put(self, row: int, options: Sequence[Candidate]) -> None:
        self.first[row] = -1
        self.prior[row] = _NEG
        self.first[row, : len(options)] = [ord(c.text[0]) for c in options]
        self.prior[row, : len(options)] = [c.prior for c in options]


class _PatternRows(_Rows):
    """The readings of each byte pattern (a key of :func:`_build_slots`).

    A document has thousands of slots and a few hundred patterns: :meth:`rows_of` finds
    each slot's row in a hash-addressed cache of keys and rows (arrays, so one gather for
    all slots), and asks :meth:`rows` only for the keys the cache does not hold."""

    #: The cache has 2**BITS places; a key's place is its hash, the last key there wins.
    BITS = 12

    def __init__(self, codec: str, losses: Losses, lang: str, keep: int):
        super().__init__(codec, losses, lang, keep)
        self.cached_key = np.full(1 << self.BITS, -1, np.int64)
        self.cached_row = np.zeros(1 << self.BITS, np.int64)

    def rows_of(self, keys: np.ndarray) -> np.ndarray:
        """:meth:`rows` of an int64 array of keys (>= 0), as an array."""
        place = (
            (keys.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(64 - self.BITS)
        ).astype(np.intp)
        row = self.cached_row[place]
        miss = np.flatnonzero(self.cached_key[place] != keys)
        if not len(miss):
            return row
        restarts = self.restarts
        found = self.rows(keys[miss].tolist())
        if self.restarts != restarts:  # the rows were renumbered: the cache is stale
            self.cached_key[:] = -1
            return self.rows(keys.tolist())
        row[miss] = found
        self.cached_key[place[miss]] = keys[miss]
        self.cached_row[place[miss]] = found
        return row

    def _fill(self, row: int, key: Hashable) -> None:
        assert isinstance(key, int)
        found = candidates(_observed(key), self.codec, self.losses)
        self._put(row, _ranked(found, self.lang, self.keep))


class _OddRows(_Rows):
    """The readings of a slot followed by ' ' or '?', keyed by the slot's lead and what
    follows it in its run: :func:`.lossy.slot_at` decides what it
    may take back. Besides the first code point: whether each reading keeps the characters
    after the slot's bytes (``keeps``; ``multi``: any does), and how many characters the
    slot owns (``take``)."""

    def __init__(self, codec: str, losses: Losses, lang: str, keep: int):
        super().__init__(codec, losses, lang, keep)
        self.keeps = np.zeros(self.first.shape, bool)
        self.take = np.zeros(len(self.first), np.int64)

    def _grow(self) -> None:
        super()._grow()
        self.keeps = np.concatenate((self.keeps, np.zeros_like(self.keeps)))
        self.take = np.concatenate((self.take, np.zeros_like(self.take)))

    def _fill(self, row: int, key: Hashable) -> None:
        assert isinstance(key, str)
        bmap = _byte_map(self.codec)
        window = [int(bmap[ord(ch)]) if ord(ch) < 0x10000 else -1 for ch in key]
        toks: list[tuple[int, str]] = []
        for p, (byte, ch) in enumerate(zip(window, key, strict=True)):
            if 0x80 <= byte <= 0xBF or byte == _HOLE:
                toks.append((-2 if byte == _HOLE else byte, ch))
            elif p == 0:
                toks.append((byte, ch))
            else:
                toks.append((-1 if ch in " ?" else 0x7FFF, ch))
        need = lossy.sequence_length(int(window[0]))
        slot, take = slot_at(toks, 0, need, codec_table(self.codec), self.losses)
        options = _ranked(slot.options, self.lang, self.keep) if slot.options else ()
        self._put(row, options)
        self.keeps[row] = False
        self.keeps[row, : len(options)] = [len(c.text) > 1 for c in options]
        self.take[row] = take


@lru_cache(maxsize=64)
def _pattern_rows(codec: str, losses: Losses, lang: str, keep: int) -> _PatternRows:
    return _PatternRows(codec, losses, lang, keep)


@lru_cache(maxsize=64)
def _odd_rows(codec: str, losses: Losses, lang: str, keep: int) -> _OddRows:
    return _OddRows(codec, losses, lang, keep)


def _model_buffers(arrays: ModelArrays) -> tuple[object, ...]:
    """The tables the compiled pass reads, in its order (see ``_kernel.c: decide``)."""
    hit = _BUFFERS.get(id(arrays))
    if hit is not None and hit[0] is arrays:
        return hit[1]
    words = arrays.words()
    trigrams = arrays.trigrams()
    out = (
        arrays.uni,
        arrays.start,
        arrays.weight,
        arrays.in_table.view(np.uint8),
        arrays.clause_end.view(np.uint8),
        arrays.openers.view(np.uint8),
        arrays.closers.view(np.uint8),
        arrays.bigram_row,
        arrays.bigram_col,
        arrays.bigram_val,
        (words.interleaved(), words.bits),
        arrays.inner_row,
        arrays.inner_col,
        None if trigrams is None else (trigrams.interleaved(), trigrams.bits, *trigrams.filter()),
    )
    _BUFFERS[id(arrays)] = (arrays, out)
    return out


_BUFFERS: dict[int, tuple[ModelArrays, tuple[object, ...]]] = {}


class Prepared(NamedTuple):
    """What ``_kernel.decide`` reads, as :func:`prepare` builds it (``slots`` None: nothing
    to decide; ``emit`` is then already the result)."""

    cps: np.ndarray
    emit: np.ndarray
    doc: _Runs | None
    decoded_runs: np.ndarray
    slots: _Slots | None
    run_of: np.ndarray
    kept: np.ndarray
    #: Bytes 0x80-0xBF in runs (int64[64]) and kana, hangul, han emitted (int64[3]).
    counts: np.ndarray
    lang_counts: np.ndarray


def prepare(
    kernel: ModuleType,
    text: str,
    table: CodecTable,
    config: RepairConfig,
    doc: DocumentCounts | None = None,
    scan_only: bool = False,
) -> Prepared:
    """The scan and the slots of :func:`_compiled_pass` (losses and language from ``doc``
    when given, else from ``text``); ``scan_only`` stops after the scan's counts."""
    cps = lossless.codepoints(text).view(np.int32)
    n = len(cps)
    bmap = _byte_map(table.codec)  # int32, as the kernel reads it
    emit = np.empty(n, np.int32)
    runs_start, runs_end = np.empty(n, np.int32), np.empty(n, np.int32)
    run_decoded = np.empty(n, np.uint8)
    slot_pos, slot_seen, slot_need = (np.empty(n, np.int32) for _ in range(3))
    slot_key = np.empty(n, np.int64)
    slot_odd = np.empty(n, np.uint8)
    slot_run = np.empty(n, np.int32)
    counts = np.empty(64, np.int64)
    lang_counts = np.empty(3, np.int64)
    n_runs, m = kernel.scan(
        cps, bmap, emit, runs_start, runs_end, run_decoded, slot_pos, slot_seen, slot_need,
        slot_key, slot_odd, slot_run, counts, lang_counts,
    )  # fmt: skip
    none = np.zeros(0, np.int64)
    if not n_runs or scan_only:
        return Prepared(cps, emit, None, none, None, none, none, counts, lang_counts)
    # Copies: a slice would keep the text-long buffers alive as long as the spans.
    runs_start, runs_end = runs_start[:n_runs].copy(), runs_end[:n_runs].copy()
    decoded_runs = np.flatnonzero(run_decoded[:n_runs])
    runs = _Runs(text, runs_start, runs_end)
    if not m:
        return Prepared(cps, emit, runs, decoded_runs, None, none, none, counts, lang_counts)
    if doc is not None:
        losses, lang = doc.losses(table.codec, config.weights), doc.lang()
    else:
        losses = estimate_losses(
            {0x80 + v: int(c) for v, c in enumerate(counts.tolist())}, table.codec, config.weights
        )
        lang = language_from_counts(*lang_counts.tolist())
    slot_pos, slot_seen, slot_need = slot_pos[:m], slot_seen[:m], slot_need[:m]
    run_of = slot_run[:m]

    slots, empty = _build_slots(
        text, slot_pos, slot_seen, slot_need, slot_key[:m], slot_odd[:m].astype(bool),
        runs_end[run_of], table.codec, losses, lang, config.weights,
    )  # fmt: skip
    for r in empty.tolist():  # no reading fits: the characters stay as they are
        at = int(slot_pos[r])
        emit[at : at + 1 + int(slot_seen[r])] = cps[at : at + 1 + int(slot_seen[r])]
    if not len(slots.start):
        return Prepared(cps, emit, runs, decoded_runs, None, none, none, counts, lang_counts)
    end = slots.end.astype(np.int32)
    # A slot that took back a lost NBSP or '?' owns the characters after its bytes too.
    kept = np.ones(m, bool)
    kept[empty] = False
    seen_end = slot_pos[kept] + 1 + slot_seen[kept]
    extra = end - seen_end
    took = np.flatnonzero(extra > 0)
    if len(took):
        lens = extra[took]
        offset = np.repeat(seen_end[took] - np.cumsum(lens) + lens, lens)
        emit[offset + np.arange(int(lens.sum()))] = -1
    return Prepared(cps, emit, runs, decoded_runs, slots, run_of, kept, counts, lang_counts)


def _compiled_pass(
    kernel: ModuleType,
    text: str,
    table: CodecTable,
    config: RepairConfig,
    doc: DocumentCounts | None = None,
) -> tuple[str, Sequence[RepairSpan], bool]:
    """:func:`fast_pass` with both passes over the text in C (``_kernel.c``)."""
    cps, emit, runs, decoded_runs, slots, run_of, kept, _, _ = prepare(
        kernel, text, table, config, doc
    )
    if runs is None:
        return text, [], False
    if slots is None:
        return runs.finish(emit, decoded_runs)
    n = len(cps)
    k = config.weights.keep
    start = slots.start.astype(np.int32)
    end = slots.end.astype(np.int32)
    tail_start = slots.tail.astype(np.int32)
    multi = slots.multi.view(np.uint8)
    keeps = slots.keeps.view(np.uint8)
    params = lossy.params(config, slots.arrays.lang)
    ms = len(slots.start)
    choice = np.empty(ms, np.int32)
    conf = np.empty(ms)
    final = np.empty(n, np.int32)
    first32 = np.ascontiguousarray(slots.first, np.int32)
    counted = None if doc is None else doc.kernel_args()
    out = kernel.decide(
        cps, emit, start, end, tail_start, multi, first32, slots.prior,
        keeps, slots.pid, k, _model_buffers(slots.arrays), params, choice, conf, final, counted,
    )  # fmt: skip
    return runs.finish(final, decoded_runs, run_of[kept], conf, out, start)
