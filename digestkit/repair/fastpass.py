"""The lossy repair pass: one pass over a whole document at once, on arrays.

The one lossy algorithm, in numpy here and in C (``_kernel.c``): the text becomes an array
of code points; the code page's runs, the UTF-8 sequences inside them and the damaged ones
(slots) are found with masks and cumulative sums; each distinct damaged byte pattern gets
its readings once (:func:`.lossy.candidates`, ranked by prior x unigram, the best
:attr:`.LossyWeights.keep` kept, ``chain_keep`` inside a group); the language model is
looked up for every slot and reading in one call per round
(:class:`~digestkit.repair.model.arrays.DocumentScorer`). Round one is a Viterbi search over
each group of adjacent slots; round two re-decides every slot below
:attr:`.LossyWeights.sure` left to right with its neighbours fixed (reading the repaired
text around it), the document's own counts, the pairs it shows intact, bracket pairing, the
在 … 中 frame, the word-match bonus and the running text's trigrams; round three moves two
adjacent damaged characters together (:func:`_pair_round`). Every weight comes from
``RepairConfig.weights``.

:func:`fast_pass` runs the compiled twin of this module (``_kernel.c``) when it is built
(``RepairConfig.kernel``); the numpy functions below are then the reference that tests
hold it to.

>>> from digestkit.repair.lossless import codec_table
>>> from digestkit.repair.types import RepairConfig
>>> fast_pass("è®ºæ–‡æ€»ç»“", codec_table("cp1252"), RepairConfig())[0]
'论文总结'
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Hashable, Sequence
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
from digestkit.repair.model.arrays import (
    CONTEXT_KEY,
    DocumentScorer,
    HashTable,
    ModelArrays,
    pair_keys,
    triple_keys,
)
from digestkit.repair.types import CONTEXT, LINE, LossyWeights, RepairConfig, RepairSpan, Spans

if TYPE_CHECKING:
    from digestkit.repair.stream import DocumentCounts

__all__ = ["codepoints", "fast_pass"]

#: Byte value standing for U+FFFD in a run (a lost byte whose value is unknown).
_HOLE = 0x100
#: The score of a column that holds no reading.
_NEG = -np.inf
_NEED = np.zeros(0x102, np.int64)
_NEED[0xC2:0xE0] = 1
_NEED[0xE0:0xF0] = 2
_NEED[0xF0:0xF5] = 3


def codepoints(text: str) -> np.ndarray:
    """The text as an int64 array of code points (:func:`.lossless.codepoints`, widened).

    >>> codepoints("a中").tolist()
    [97, 20013]
    """
    return lossless.codepoints(text).astype(np.int64)


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


def _next_true(mask: np.ndarray) -> np.ndarray:
    """For each i (and len(mask)), the first j >= i with mask[j] (len(mask) if none)."""
    n = len(mask)
    idx = np.where(mask, np.arange(n), n)
    out = np.minimum.accumulate(idx[::-1])[::-1]
    return np.append(out, n)


def _prev_true(mask: np.ndarray) -> np.ndarray:
    """For each i, the last j < i with mask[j] (-1 if none)."""
    n = len(mask)
    idx = np.where(mask, np.arange(n), -1)
    out = np.maximum.accumulate(idx)
    return np.concatenate(([-1], out[:-1]))


def _ranked(options: Sequence[Candidate], lang: str, keep: int) -> tuple[Candidate, ...]:
    """The ``keep`` readings with the best prior x unigram of the first character, best
    first (slots in a group keep only the first ``chain_keep``); the unigram is the
    arrays' (:attr:`.ModelArrays.uni`, what :meth:`.CharModel.p_uni` gives a non-ASCII
    character), so no text model is parsed."""
    uni = ModelArrays.get(lang).uni

    def score(c: Candidate) -> float:
        return -(c.prior + math.log(float(uni[ord(c.text[0])])))

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

    ``first``/``last`` are each reading's first and last code point (-1: no reading),
    ``prior`` its log-prior. Readings of several characters (a lost NBSP or '?' taken back
    into the character before it, or not: rare) are listed in ``texts`` by row, with
    whether each keeps the characters from ``tail`` to ``end``.
    """

    def __init__(
        self,
        arrays: ModelArrays,
        start: np.ndarray,
        end: np.ndarray,
        first: np.ndarray,
        prior: np.ndarray,
        last: np.ndarray,
    ):
        self.arrays = arrays
        self.start, self.end = start, end
        self.first, self.prior, self.last = first, prior, last
        self.texts: dict[int, list[str]] = {}
        #: Rows with a multi-character reading; per reading, whether it keeps the tail;
        #: where the tail starts (``end`` for the other rows).
        self.multi = np.zeros(len(start), bool)
        self.keeps = np.zeros(first.shape, bool)
        self.tail = end.copy()
        #: Equal for rows whose readings are equal (-1: not shared); see _build_slots.
        self.pid = np.full(len(start), -1, np.int32)


try:
    from digestkit.repair import _kernel as _compiled
except ImportError:  # no C compiler at install time: the numpy pass does the same work
    _compiled = None  # type: ignore[assignment]


def fast_pass(
    text: str, table: CodecTable, config: RepairConfig, document: DocumentCounts | None = None
) -> tuple[str, Sequence[RepairSpan], bool]:
    """Re-read every run of ``table``'s code page in ``text`` (strong evidence assumed);
    returns the text, the spans and whether lost bytes were rebuilt.

    ``document``: when ``text`` is a chunk of a longer document (:mod:`.stream`), that
    document's counts, which then stand for the chunk's own (compiled pass only)."""
    if document is not None:
        if not (config.kernel and _compiled is not None):
            raise ValueError("a chunk's document counts need the compiled pass")
        return _compiled_pass(_compiled, text, table, config, document)
    if config.kernel and _compiled is not None:
        return _compiled_pass(_compiled, text, table, config)
    w = config.weights
    cps = codepoints(text)
    n = len(cps)
    bmap = _byte_map(table.codec)
    b = np.where(cps < 0x10000, bmap[np.minimum(cps, 0xFFFF)], -1)
    high = b >= 0x80
    if not high.any():
        return text, [], False
    runs_start, runs_end = _runs(cps, high)
    delta = np.zeros(n + 1, np.int64)
    delta[runs_start] += 1
    delta[runs_end] -= 1
    inrun = np.cumsum(delta[:-1]) > 0
    starts_mark = np.zeros(n, np.int64)
    starts_mark[runs_start] = 1
    run_id = np.cumsum(starts_mark) - 1
    rb = np.where(inrun, b, -1)
    hole = rb == _HOLE
    cont = ((rb >= 0x80) & (rb <= 0xBF)) | hole
    need_all = _NEED[np.maximum(rb, 0)] * inrun
    lead_pos = np.flatnonzero(need_all)
    # Runs of one character (and a trailing space or '?') are never read as damaged.
    highs_per_run = np.bincount(run_id[high & inrun], minlength=len(runs_start))
    lone = highs_per_run[run_id[lead_pos]] == 1

    nxt = _next_true(~cont)
    need = need_all[lead_pos]
    seen = np.minimum(need, nxt[lead_pos + 1] - (lead_pos + 1))
    hole_cum = np.concatenate(([0], np.cumsum(hole)))
    holes = hole_cum[lead_pos + 1 + seen] - hole_cum[lead_pos + 1]
    complete = (seen == need) & (holes == 0)
    value, bad = _decode(rb, lead_pos, need)
    decoded = complete & ~bad
    is_slot = ~complete & ~lone

    emit = cps.copy()
    dec_pos = lead_pos[decoded]
    emit[dec_pos] = value[decoded]
    for k in (1, 2, 3):
        emit[dec_pos[need[decoded] >= k] + k] = -1
    doc = _Runs(text, runs_start, runs_end)

    counts = np.bincount(rb[inrun & (rb >= 0x80) & (rb <= 0xBF)], minlength=0xC0)
    losses = estimate_losses({v: int(counts[v]) for v in range(0x80, 0xC0)}, table.codec, w)
    slot_pos = lead_pos[is_slot]
    lang = _language(emit)
    key, odd = _pattern_keys(cps, rb, run_id, runs_end, slot_pos, seen[is_slot], need[is_slot])
    slots, _ = _build_slots(
        text,
        slot_pos,
        seen[is_slot],
        need[is_slot],
        key,
        odd,
        runs_end[run_id[slot_pos]],
        table.codec,
        losses,
        lang,
        w,
    )
    if not len(slots.start):
        return doc.finish(emit, run_id[dec_pos])
    # Positions a slot owns emit nothing until a reading is chosen.
    owned = np.zeros(n + 1, np.int64)
    np.add.at(owned, slots.start, 1)
    np.add.at(owned, slots.end, -1)
    emit[np.cumsum(owned[:-1]) > 0] = -1

    known_mask = emit >= 0
    known = emit[known_mask]
    scorer = DocumentScorer(slots.arrays, known, w)
    if config.document_prior:
        is_start = np.zeros(n, np.int64)
        is_start[slots.start] = 1
        slot_cum = np.cumsum(is_start)
        kpos = np.flatnonzero(known_mask)
        scorer.observe_intact(known, slot_cum[kpos[1:]] == slot_cum[kpos[:-1]])
    prev_e = _prev_true(known_mask)[slots.start]
    next_e = _next_true(known_mask)[slots.end]
    left = np.where(prev_e >= 0, emit[np.maximum(prev_e, 0)], -1)
    right = np.where(next_e < n, emit[np.minimum(next_e, n - 1)], -1)
    chained = slots.end[:-1] == slots.start[1:]

    base = _base(slots, scorer)
    choice, conf = _first_round(slots, base, left, right, chained, scorer)
    final, out, pos = _assemble(emit, slots, choice, cps)
    if config.document_prior:
        scorer.observe(out)
    doubt = np.flatnonzero(conf < w.sure)
    if len(doubt):
        base = _base(slots, scorer)
        # Left to right, as a reader would: a doubtful slot sees the new readings of those
        # before it and the first-round readings after it. A slot looks back over its
        # context window, or over its line when a reading is a closing bracket or one of
        # 与/不/中; slots within reach of each other form a cluster, and step t re-decides
        # the t-th slot of every cluster at once (what the compiled pass does one by one).
        # A 与 / 不 / 中 slot also looks ahead over its line (the 与 … 相比 frame), where it
        # must see first-round readings: no slot it reaches may be re-decided before it.
        at = pos[doubt]
        reach_back = at - np.where(_long_reach(slots, doubt), LINE, CONTEXT) - _TAIL
        ahead = slots.arrays.lang == "zh" and w.closer_bonus != 0
        reach_ahead = at + (
            np.where(_in_frame(slots.first[doubt]), LINE + 2 * _TAIL, 0) if ahead else 0
        )
        # A cluster ends before slot i when no slot from i on reaches back to slot i - 1
        # and no slot up to i - 1 reaches ahead to slot i.
        lowest_after = np.minimum.accumulate(reach_back[::-1])[::-1]
        highest_before = np.maximum.accumulate(reach_ahead)
        gap = (lowest_after[1:] > at[:-1]) & (highest_before[:-1] < at[1:])
        cluster_start = np.flatnonzero(np.concatenate(([True], gap)))
        rank = np.arange(len(doubt)) - np.repeat(
            cluster_start, np.diff(np.append(cluster_start, len(doubt)))
        )
        for step in range(int(rank.max()) + 1):
            sub = doubt[rank == step]
            was = choice[sub].copy()
            _second_round(slots, base, sub, out, pos, choice, conf, scorer)
            moved = sub[choice[sub] != was]
            if any(r in slots.texts for r in moved.tolist()):
                final, out, pos = _assemble(emit, slots, choice, cps)
            else:
                out[pos[moved]] = slots.first[moved, choice[moved]]
        final, out, pos = _assemble(emit, slots, choice, cps)
    _pair_round(slots, base, out, pos, choice, conf, scorer)
    final, out, pos = _assemble(emit, slots, choice, cps)
    return doc.finish(final, run_id[dec_pos], run_id[slots.start], conf, slot_starts=slots.start)


def _decode(
    rb: np.ndarray, lead_pos: np.ndarray, need: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The code point of each whole sequence, and whether strict UTF-8 refuses it."""
    pad = np.concatenate((rb, [-1, -1, -1]))
    b0 = pad[lead_pos]
    b1, b2, b3 = pad[lead_pos + 1], pad[lead_pos + 2], pad[lead_pos + 3]
    value = np.where(
        need == 1,
        ((b0 & 0x1F) << 6) | (b1 & 0x3F),
        np.where(
            need == 2,
            ((b0 & 0x0F) << 12) | ((b1 & 0x3F) << 6) | (b2 & 0x3F),
            ((b0 & 0x07) << 18) | ((b1 & 0x3F) << 12) | ((b2 & 0x3F) << 6) | (b3 & 0x3F),
        ),
    )
    bad = (
        ((b0 == 0xE0) & (b1 < 0xA0))
        | ((b0 == 0xED) & (b1 > 0x9F))
        | ((b0 == 0xF0) & (b1 < 0x90))
        | ((b0 == 0xF4) & (b1 > 0x8F))
    )
    return value, bad


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
            if slot_runs is not None and conf is not None and len(slot_runs):
                np.minimum.at(lowest, slot_runs, conf)
            per_run: dict[int, list[tuple[int, float]]] = {}
            if slot_runs is not None and conf is not None and slot_starts is not None:
                at = before[slot_starts].tolist()
                for r, o, c in zip(slot_runs.tolist(), at, conf.tolist(), strict=True):
                    per_run.setdefault(r, []).append((o, c))
            spans = []
            starts, ends = runs_start.tolist(), runs_end.tolist()
            o_starts, o_ends = before[runs_start].tolist(), before[runs_end].tolist()
            lows, lossy_runs = lowest.tolist(), has_slot.tolist()
            for r in np.flatnonzero(changed).tolist():
                original = text[starts[r] : ends[r]]
                new = out[o_starts[r] : o_ends[r]]
                if new != original:
                    kind = "lossy" if lossy_runs[r] else "lossless"
                    each = tuple((o - o_starts[r], c) for o, c in per_run.get(r, ()))
                    spans.append(
                        RepairSpan(o_starts[r], o_ends[r], original, new, lows[r], kind, each)
                    )
            return spans

        return out, Spans(build), bool(has_slot.any())


def _runs(cps: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end of each run: ``table.runs``' pattern, high characters joined across
    1-3 spaces or '?' and followed by up to 3 of them."""
    sep = (cps == 0x20) | (cps == 0x3F)
    edges = np.diff(high.astype(np.int8), prepend=0, append=0)
    bstart = np.flatnonzero(edges == 1)
    bend = np.flatnonzero(edges == -1)
    sep_cum = np.concatenate(([0], np.cumsum(sep)))
    gap = bstart[1:] - bend[:-1]
    join = (gap <= 3) & (sep_cum[bstart[1:]] - sep_cum[bend[:-1]] == gap)
    new = np.concatenate(([True], ~join))
    first_block = np.flatnonzero(new)
    last_block = np.append(first_block[1:] - 1, len(bstart) - 1)
    ends = bend[last_block]
    nonsep = _next_true(~sep)
    ends = ends + np.minimum(nonsep[ends] - ends, 3)
    return bstart[new], ends


#: Kana, Hangul and Han blocks, as :mod:`.engine` counts them.
_SCRIPTS = ((0x3040, 0x3100), (0xAC00, 0xD7B0), (0x4E00, 0xA000))


def _language(emit: np.ndarray) -> str:
    """:func:`.engine._language` on the text that survived intact."""
    known = emit[emit >= 0]
    return language_from_counts(
        *(int(np.count_nonzero((known >= lo) & (known < hi))) for lo, hi in _SCRIPTS)
    )


def _pattern_keys(
    cps: np.ndarray,
    rb: np.ndarray,
    run_id: np.ndarray,
    runs_end: np.ndarray,
    slot_pos: np.ndarray,
    slot_seen: np.ndarray,
    slot_need: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Each slot's byte-pattern key (lead byte and up to three seen bytes, 9 bits each: 0
    absent, byte + 1, 257 a loss mark) and whether it is followed by ' ' or '?' in its run
    (it may have lost bytes into them)."""
    pad = np.concatenate((rb, [-1, -1, -1, -1]))
    key = pad[slot_pos] << 27
    for j, shift in enumerate((18, 9, 0)):
        v = pad[slot_pos + 1 + j]
        v = np.where(v == _HOLE, 257, v + 1)
        key |= np.where(slot_seen > j, v, 0) << shift
    end = slot_pos + 1 + slot_seen
    n = len(cps)
    after = np.minimum(end, n - 1)
    odd = (slot_seen < slot_need) & (end < n) & (run_id[after] == run_id[slot_pos])
    odd &= ((cps[after] == 0x20) | (cps[after] == 0x3F)) & (end < runs_end[run_id[slot_pos]])
    return key, odd


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
    texts_too: bool = True,
) -> tuple[_Slots, np.ndarray]:
    """Readings for every damaged character, one lookup per distinct byte pattern.

    ``run_end`` is where each slot's run ends (a slot followed by ' ' or '?' may take back
    a lost NBSP or '?' up to there). Returns the slots that have readings, and the rows (of
    the inputs) that have none. The texts of multi-character readings are listed only
    ``texts_too`` (the compiled pass reads their characters from the text).
    """
    arrays = ModelArrays.get(lang)
    end = (slot_pos + 1 + slot_seen).astype(np.int64)
    uniq, inverse = np.unique(key, return_inverse=True)
    patterns = _pattern_rows(codec, losses, lang, weights.keep)
    at_row = patterns.rows(uniq.tolist())[inverse]
    first = patterns.first[at_row]
    prior = patterns.prior[at_row]
    last = first.copy()
    multi = np.zeros(len(slot_pos), bool)
    keeps = np.zeros(first.shape, bool)
    tail = end.copy()
    texts: dict[int, list[str]] = {}
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
        last[odd_at] = odd_table.last[row]
        keeps[odd_at] = odd_table.keeps[row]
        multi[odd_at] = keeps[odd_at].any(axis=1)
        end[odd_at] = at + odd_table.take[row]
        tail = np.where(multi, tail, end)
        if texts_too:
            many = multi[odd_at].tolist()
            for r, t, kept in zip(odd_at.tolist(), row.tolist(), many, strict=True):
                if kept:
                    texts[r] = list(odd_table.texts[t])
    has = first[:, 0] >= 0
    if has.all():  # the common case: no copies
        slots = _Slots(arrays, slot_pos.astype(np.int64), end, first, prior, last)
        slots.multi, slots.keeps, slots.tail, slots.texts = multi, keeps, tail, texts
    else:
        usable = np.flatnonzero(has)
        start = slot_pos[usable].astype(np.int64)
        slots = _Slots(arrays, start, end[usable], first[usable], prior[usable], last[usable])
        slots.multi, slots.keeps, slots.tail = multi[usable], keeps[usable], tail[usable]
        remap = np.cumsum(has) - 1
        slots.texts = {int(remap[r]): t for r, t in texts.items() if has[r]}
    adjacent = slots.end[:-1] == slots.start[1:]
    linked = np.zeros(len(slots.start), bool)
    linked[:-1] |= adjacent
    linked[1:] |= adjacent
    # A slot that lost two bytes or more has many more readings (up to 64), and the right one
    # is often ranked low: it keeps all of them even inside a group.
    missing = (slot_need - slot_seen)[has]
    linked &= missing < 2
    cut = np.flatnonzero(linked)
    for table in (slots.first, slots.last):
        table[cut, weights.chain_keep :] = -1
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
        self.first = np.full((64, keep), -1, np.int32)
        self.prior = np.full((64, keep), _NEG)

    def rows(self, keys: Sequence[Hashable]) -> np.ndarray:
        """The row of each key (added when new)."""
        index = self.index
        missing = [key for key in dict.fromkeys(keys) if key not in index]
        if len(index) + len(missing) > self.LIMIT:
            index.clear()
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
    """The readings of each byte pattern (a key of :func:`_build_slots`)."""

    def _fill(self, row: int, key: Hashable) -> None:
        assert isinstance(key, int)
        found = candidates(_observed(key), self.codec, self.losses)
        self._put(row, _ranked(found, self.lang, self.keep))


class _OddRows(_Rows):
    """The readings of a slot followed by ' ' or '?', keyed by the slot's lead and what
    follows it in its run: :func:`.lossy.slot_at` decides what it
    may take back. Besides the first code point: the last, whether each reading keeps the
    characters after the slot's bytes (``keeps``; ``multi``: any does), the readings'
    texts, and how many characters the slot owns (``take``)."""

    def __init__(self, codec: str, losses: Losses, lang: str, keep: int):
        super().__init__(codec, losses, lang, keep)
        self.last = self.first.copy()
        self.keeps = np.zeros(self.first.shape, bool)
        self.take = np.zeros(len(self.first), np.int64)
        self.texts: list[tuple[str, ...]] = []

    def _grow(self) -> None:
        super()._grow()
        self.last = np.concatenate((self.last, np.full_like(self.last, -1)))
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
        need = int(_NEED[window[0]])
        slot, take = slot_at(toks, 0, need, codec_table(self.codec), self.losses)
        options = _ranked(slot.options, self.lang, self.keep) if slot.options else ()
        self._put(row, options)
        self.last[row] = -1
        self.last[row, : len(options)] = [ord(c.text[-1]) for c in options]
        self.keeps[row] = False
        self.keeps[row, : len(options)] = [len(c.text) > 1 for c in options]
        self.take[row] = take
        texts = tuple(c.text for c in options)
        if row == len(self.texts):
            self.texts.append(texts)
        else:
            self.texts[row] = texts


@lru_cache(maxsize=64)
def _pattern_rows(codec: str, losses: Losses, lang: str, keep: int) -> _PatternRows:
    return _PatternRows(codec, losses, lang, keep)


@lru_cache(maxsize=64)
def _odd_rows(codec: str, losses: Losses, lang: str, keep: int) -> _OddRows:
    return _OddRows(codec, losses, lang, keep)


def _base(slots: _Slots, scorer: DocumentScorer) -> np.ndarray:
    """Each reading's prior plus the score of its own inner pairs (multi-character only)."""
    base = slots.prior.copy()
    rows, cols, a, b = [], [], [], []
    for r, texts in slots.texts.items():
        for c, t in enumerate(texts):
            for x, y in zip(t, t[1:], strict=False):
                rows.append(r)
                cols.append(c)
                a.append(ord(x))
                b.append(ord(y))
    if rows:
        inner, _ = scorer.logp(np.array(a, np.int64), np.array(b, np.int64))
        np.add.at(base, (np.array(rows), np.array(cols)), inner)
    return base


def _pair_matrix(
    scorer: DocumentScorer, a: np.ndarray, b: np.ndarray, counts: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """logp(a[i], b[i, j]) (``a`` 1-D: left context per row) or logp(a[i, j], b[i]), and
    (with ``counts``; zeros otherwise) how often the document shows each pair intact."""
    if a.ndim == 1:
        aa = np.repeat(a, b.shape[1])
        bb = b.ravel()
        shape = b.shape
    else:
        aa = a.ravel()
        bb = np.repeat(b, a.shape[1])
        shape = a.shape
    live = (aa >= 0) & (bb >= 0)
    out = np.zeros(len(aa))
    seen = np.zeros(len(aa))
    if live.any():
        out[live], seen[live] = scorer.logp(aa[live], bb[live], counts)
    return out.reshape(shape), seen.reshape(shape)


def _posterior(scores: np.ndarray, choice: np.ndarray) -> np.ndarray:
    top = scores[np.arange(len(scores)), choice][:, None]
    with np.errstate(invalid="ignore"):
        total = np.exp(np.where(np.isfinite(scores), scores - top, _NEG)).sum(axis=1)
    return np.round(1.0 / total, 4)


def _first_round(
    slots: _Slots,
    base: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    chained: np.ndarray,
    scorer: DocumentScorer,
) -> tuple[np.ndarray, np.ndarray]:
    """Viterbi over each group of adjacent slots; confidences with the chosen neighbours."""
    m = len(base)
    valid = slots.first >= 0
    base = np.where(valid, base, _NEG)
    link_prev = np.concatenate(([False], chained))  # slot i follows slot i-1 directly
    link_next = np.concatenate((chained, [False]))
    left_s = _pair_matrix(scorer, np.where(link_prev, -1, left), slots.first)[0]
    right_s = _pair_matrix(scorer, slots.last, np.where(link_next, -1, right))[0]
    choice = np.zeros(m, np.int64)
    conf = np.ones(m)
    single = ~link_prev & ~link_next
    s_idx = np.flatnonzero(single)
    scores = base[s_idx] + left_s[s_idx] + right_s[s_idx]
    choice[s_idx] = np.argmax(scores, axis=1)
    conf[s_idx] = _posterior(scores, choice[s_idx])
    g_idx = np.flatnonzero(~single)
    if len(g_idx):
        _viterbi(slots, base, left_s, right_s, link_prev, link_next, choice, scorer)
        # Confidence of each grouped slot's reading given the chosen neighbours.
        prev = np.maximum(g_idx - 1, 0)
        nxt = np.minimum(g_idx + 1, m - 1)
        before = np.where(link_prev[g_idx], slots.last[prev, choice[prev]], left[g_idx])
        after = np.where(link_next[g_idx], slots.first[nxt, choice[nxt]], right[g_idx])
        local = base[g_idx] + _pair_matrix(scorer, before, slots.first[g_idx])[0]
        local += _pair_matrix(scorer, slots.last[g_idx], after)[0]
        conf[g_idx] = _posterior(local, choice[g_idx])
    return choice, conf


def _viterbi(
    slots: _Slots,
    base: np.ndarray,
    left_s: np.ndarray,
    right_s: np.ndarray,
    link_prev: np.ndarray,
    link_next: np.ndarray,
    choice: np.ndarray,
    scorer: DocumentScorer,
) -> None:
    """Joint readings of each group of adjacent slots, all groups advanced step by step."""
    k = base.shape[1]
    heads = np.flatnonzero(~link_prev & link_next)
    score = base[heads] + left_s[heads]
    cur = heads
    back: list[tuple[np.ndarray, np.ndarray]] = []
    active = np.arange(len(heads))
    final_score = np.zeros((len(heads), k))
    final_slot = heads.copy()
    while len(cur):
        nxt = cur + 1
        prev_last = slots.last[cur]  # (g, k)
        firsts = slots.first[nxt]  # (g, k)
        aa = np.repeat(prev_last, k, axis=1)  # (g, k*k): prev j, next c
        bb = np.tile(firsts, (1, k))
        live = (aa >= 0) & (bb >= 0)
        flat = np.zeros(aa.shape)
        if live.any():
            flat[live] = scorer.logp(aa[live], bb[live])[0]
        total = score[:, :, None] + flat.reshape(len(cur), k, k)  # [g, j, c]
        best = np.argmax(total, axis=1)  # (g, c)
        score = np.take_along_axis(total, best[:, None, :], axis=1)[:, 0, :] + base[nxt]
        back.append((nxt, best))
        ends = ~link_next[nxt]
        if ends.any():
            final_score[active[ends]] = score[ends] + right_s[nxt[ends]]
            final_slot[active[ends]] = nxt[ends]
        keep = ~ends
        cur, score, active = nxt[keep], score[keep], active[keep]
    # Backtrack: from each group's last slot to its head.
    state = {
        int(s): int(c) for s, c in zip(final_slot, np.argmax(final_score, axis=1), strict=True)
    }
    pointers = {}
    for nxt, best in back:
        for row, s in enumerate(nxt.tolist()):
            pointers[s] = best[row]
    for last_slot, c in state.items():
        s = last_slot
        choice[s] = c
        while s in pointers:
            c = int(pointers[s][c])
            s -= 1
            choice[s] = c


def _assemble(
    emit: np.ndarray, slots: _Slots, choice: np.ndarray, cps: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The emit array with the chosen readings, the repaired code points, and where each
    slot's reading starts in them."""
    final = emit.copy()
    rows = np.arange(len(choice))
    final[slots.start] = slots.first[rows, choice]
    for r in slots.texts:
        if slots.keeps[r, choice[r]]:
            tail = np.arange(slots.tail[r], slots.end[r])
            final[tail] = cps[tail]
    live = final >= 0
    out_index = np.cumsum(live) - 1
    return final, final[live], out_index[slots.start]


def _second_round(
    slots: _Slots,
    base: np.ndarray,
    doubt: np.ndarray,
    out: np.ndarray,
    pos: np.ndarray,
    choice: np.ndarray,
    conf: np.ndarray,
    scorer: DocumentScorer,
) -> None:
    """Re-decide each doubtful slot with its neighbours fixed (first-round readings)."""
    k = base.shape[1]
    first = slots.first[doubt]
    last = slots.last[doubt]
    length = np.ones((len(doubt), k), np.int64)
    for row, r in enumerate(doubt.tolist()):
        texts = slots.texts.get(r)
        if texts:
            for c, t in enumerate(texts):
                length[row, c] = len(t)
    n_out = len(out)
    p = pos[doubt]
    cur_len = length[np.arange(len(doubt)), choice[doubt]]
    offsets = np.arange(-CONTEXT, 0)
    lw_idx = p[:, None] + offsets
    left_win = np.where(lw_idx >= 0, out[np.clip(lw_idx, 0, n_out - 1)], -1)
    rw_idx = (p + cur_len)[:, None] + np.arange(CONTEXT)
    right_win = np.where(rw_idx < n_out, out[np.clip(rw_idx, 0, n_out - 1)], -1)
    left1 = left_win[:, -1]
    right1 = right_win[:, 0]
    scores = np.where(first >= 0, base[doubt], _NEG)
    left_pairs, left_seen = _pair_matrix(scorer, left1, first, counts=True)
    right_pairs, right_seen = _pair_matrix(scorer, last, right1, counts=True)
    scores += left_pairs + right_pairs
    w = scorer.weights
    scores += _brackets(first, out, p, w)
    if slots.arrays.lang == "zh":
        scores += _frames(first, out, p, p + cur_len, w)
    weight = w.intact_weight
    if scorer.intact is not None and weight:
        scores += weight * (np.log1p(left_seen) + np.log1p(right_seen))
    if w.trigram_weight and scorer.arrays.trigrams() is not None:
        # Like the word bonus, only for readings near the best (most are far below it).
        contender = scores > scores.max(axis=1)[:, None] - w.bonus_margin
        trigram = _trigrams(scorer, left_win, right_win, first, last, length == 1)
        scores += np.where(contender, w.trigram_weight * trigram(left_pairs, right_pairs), 0.0)
    top = scores.max(axis=1)
    near = np.isfinite(scores) & (scores > top[:, None] - w.bonus_margin)
    rows, cols = np.nonzero(near)
    if len(rows):
        window = np.concatenate(
            (left_win[rows], first[rows, cols][:, None], right_win[rows]), axis=1
        )
        multi = length[rows, cols] > 1
        for n_i in np.flatnonzero(multi).tolist():
            t = slots.texts[int(doubt[rows[n_i]])][cols[n_i]]
            rest = [ord(c) for c in t[1:]] + right_win[rows[n_i]].tolist()
            window[n_i, CONTEXT + 1 :] = rest[:CONTEXT]
        scores[rows, cols] += w.word_weight * _word_bonus(scorer.arrays, window)
    new = np.argmax(scores, axis=1)
    choice[doubt] = new
    conf[doubt] = _posterior(scores, new)


def _trigrams(
    scorer: DocumentScorer,
    left_win: np.ndarray,
    right_win: np.ndarray,
    first: np.ndarray,
    last: np.ndarray,
    single: np.ndarray,
) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """How much better each reading fits its two-character contexts than its bigrams say
    (:meth:`CharModel.trigram_bonus` on arrays).

    A bigram sees one neighbour: 方法[与]新 and 方法[中]新 look alike to it. The running
    text's trigrams (``build.trigram_table``: P3(c | ab) interpolated with the model's
    bigram P2) add, per reading ``f`` between ``l2 l1`` and ``r1 r2``,
    log P3(f | l2 l1) / P2(f | l1) + log P3(r1 | l1 f) / P2(r1 | f)
    + log P3(r2 | f r1) / P2(r2 | r1): each 0 where its context is unknown (the trigram
    model backs off to the bigram), negative where the context is well known and never
    goes on that way. The middle term is for single-character readings only. Returns a
    function of the readings' left and right bigram scores (log P2, as round two has them).
    """
    table = scorer.arrays.trigrams()
    assert table is not None
    k = first.shape[1]
    l2, l1 = left_win[:, -2:-1], left_win[:, -1:]
    r1, r2 = right_win[:, :1], right_win[:, 1:2]
    both = (r1[:, 0] >= 0) & (r2[:, 0] >= 0)
    outer = np.full(len(first), -np.inf)
    if both.any():
        outer[both] = scorer.logp(r1[both, 0], r2[both, 0])[0]

    def ratio(a: np.ndarray, b: np.ndarray, c: np.ndarray, logp2: np.ndarray) -> np.ndarray:
        a, b, c = (np.broadcast_to(x, first.shape).ravel() for x in (a, b, c))
        return _tri_ratio(table, a, b, c, logp2.ravel()).reshape(first.shape)

    def trigram(left_pairs: np.ndarray, right_pairs: np.ndarray) -> np.ndarray:
        total = ratio(l2, l1, first, left_pairs)
        total += np.where(single, ratio(l1, first, r1, right_pairs), 0.0)
        total += ratio(last, r1, r2, np.repeat(outer[:, None], k, axis=1))
        return np.where(first >= 0, total, 0.0)

    return trigram


def _tri_ratio(
    table: HashTable, a: np.ndarray, b: np.ndarray, c: np.ndarray, logp2: np.ndarray
) -> np.ndarray:
    """log P3(c | a b) / P2(c | b) on flat arrays, with ``logp2`` = log P2(c | b): 0 where a
    code point is missing or the running text does not know the context ``a b``."""
    live = (a >= 0) & (b >= 0) & (c >= 0) & np.isfinite(logp2)
    out = np.zeros(len(a))
    if live.any():
        aa, bb = a[live], b[live]
        rest = table.get(triple_keys(aa, bb, np.full(len(aa), CONTEXT_KEY)), -1.0)
        known = rest >= 0
        p3 = table.get(triple_keys(aa, bb, c[live]), 0.0)
        with np.errstate(divide="ignore"):
            ratio = p3 / np.exp(logp2[live]) + np.where(known, rest, 1.0)
            out[live] = np.where(known, np.log(ratio), 0.0)
    return out


def _logp_where(
    scorer: DocumentScorer, a: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """log P(b | a) and the intact count of each pair, elementwise (0 where a code point
    is -1)."""
    live = (a >= 0) & (b >= 0)
    lp, seen = np.zeros(a.shape), np.zeros(a.shape)
    if live.any():
        lp[live], seen[live] = scorer.logp(a[live], b[live], True)
    return lp, seen


def _pair_round(
    slots: _Slots,
    base: np.ndarray,
    out: np.ndarray,
    pos: np.ndarray,
    choice: np.ndarray,
    conf: np.ndarray,
    scorer: DocumentScorer,
) -> None:
    """Round three: re-decide two adjacent damaged characters at once, left to right.

    Rounds one and two cannot move a pair that must change together: テクス[チャ] came back
    as テクス[トっ] because the bigrams prefer トっ (by 2.8 nats) and neither チっ nor トャ
    is better than what round two holds; only テクスチャ as a whole is a word. For each
    pair of adjacent single-character slots (``q``, ``r``), each slot's readings within
    :attr:`LossyWeights.bonus_margin` of its best by what lies outside the pair (at most
    :attr:`LossyWeights.pair_keep`, and the current one) are paired up and scored with priors, the three
    bigrams and the intact-pair counts. If the current pair's posterior is below
    :attr:`LossyWeights.sure` and some move of both characters into a pair that occurs inside a word is
    near the best, those moves and the current pair also get the four trigrams and the word
    bonus of a word through either centre and beyond (half each centre's bonus: a word
    through both counts once; the pair alone does not count, its bigram scores it already).
    Brackets and the 在 … 中 frame stay round two's: a closing bracket is in no word. The best replaces the current pair if it scores
    :attr:`LossyWeights.pair_margin` higher (round two's local choices are usually right).

    On the development set and seed 004 it moves three kinds of pair: テクス[トっ] ->
    [チャ], [けど]メータ -> [パラ]メータ and a [中午] -> [不合]. ``_kernel.c: pair_round``
    does the same, one pair at a time.
    """
    m = len(choice)
    if m < 2:
        return
    n_out = len(out)
    w = scorer.weights
    table = scorer.arrays.trigrams() if w.trigram_weight else None
    inner = slots.arrays.words()[1]

    def around(lo: int, hi: int) -> np.ndarray:
        idx = np.arange(lo, hi)
        inside = (idx >= 0) & (idx < n_out)
        return np.where(inside, out[np.clip(idx, 0, n_out - 1)], -1)

    def prepare(q: int, pre: tuple[np.ndarray, ...]) -> _PairMoves | None:
        """The pair's readings and scores without its trigrams and word bonus, and what
        those need (None: the pair stays as it is). ``pre``: its outer and link scores
        from :func:`_pair_worth_a_look`, on the text as it is."""
        r = q + 1
        pq, pr = int(pos[q]), int(pos[r])
        fq, fr = slots.first[q], slots.first[r]
        left = around(pq - CONTEXT, pq)
        right = around(pr + 1, pr + 1 + CONTEXT)
        left_lp, right_lp, picked_q, picked_r, pre_link, pre_total = pre
        cq, cr = np.flatnonzero(picked_q), np.flatnonzero(picked_r)
        ci, di = np.repeat(cq, len(cr)), np.tile(cr, len(cq))
        a, b = fq[ci], fr[di]
        link_lp, total = pre_link[ci, di], pre_total[ci, di]
        current = np.flatnonzero((ci == choice[q]) & (di == choice[r]))
        if not len(current):
            return None
        now = int(current[0])
        with np.errstate(over="ignore"):
            if 1.0 / np.exp(total - total[now]).sum() >= w.sure:
                return None
        # Only moves of both characters into a pair that occurs inside some word (what
        # rounds one and two cannot make), near the best like round two's bonuses, get the
        # costlier terms; and the current pair, to compare.
        both = (ci != choice[q]) & (di != choice[r]) & (total > total.max() - w.bonus_margin)
        if both.any():
            both[both] = inner.get(pair_keys(a[both], b[both])) > 0
        if not both.any():
            return None
        both[now] = total[now] > total.max() - w.bonus_margin
        near = np.flatnonzero(both)
        ni, nd, a, b = ci[near], di[near], a[near], b[near]
        n = len(near)
        windows = np.empty((2 * n, 2 * CONTEXT + 1), np.int64)
        windows[:n, :CONTEXT] = left
        windows[:n, CONTEXT], windows[:n, CONTEXT + 1] = a, b
        windows[:n, CONTEXT + 2 :] = right[: CONTEXT - 1]
        windows[n:, : CONTEXT - 1] = left[1:]
        windows[n:, CONTEXT - 1], windows[n:, CONTEXT] = a, b
        windows[n:, CONTEXT + 1 :] = right
        context = (left[-2], left[-1], right[0], right[1])
        return _PairMoves(
            ci,
            di,
            total,
            now,
            near,
            windows,
            a,
            b,
            context,
            left_lp[ni],
            link_lp[near],
            right_lp[nd],
        )

    def finish(prepared: dict[int, _PairMoves]) -> dict[int, _PairMoves]:
        """Add the trigrams and word bonuses of every prepared pair (each looked up once for
        all of them), trigrams first as in the compiled pass. The pair alone is not a word
        here (its bigram scores it already: 揶揄, two rare characters that only occur
        together, outbid 架构); a word through both centres and beyond counts once (half
        each centre's bonus). Returns the pairs with those in their totals."""
        got = list(prepared.values())
        sizes = [len(g.near) for g in got]
        extra = np.zeros(sum(sizes))
        if table is not None:
            ctx = np.array([g.context for g in got]).reshape(-1, 4)
            l2, l1, r1, r2 = (np.repeat(ctx[:, i], sizes) for i in range(4))
            a = np.concatenate([g.a for g in got])
            b = np.concatenate([g.b for g in got])
            lp_l = np.concatenate([g.lp_left for g in got])
            lp_link = np.concatenate([g.lp_link for g in got])
            lp_r = np.concatenate([g.lp_right for g in got])
            outer_lp = np.where((r1 >= 0) & (r2 >= 0), _logp_where(scorer, r1, r2)[0], _NEG)
            tri = _tri_ratio(table, l2, l1, a, lp_l)
            tri += _tri_ratio(table, l1, a, b, lp_link)
            tri += _tri_ratio(table, a, b, r1, lp_r)
            tri += _tri_ratio(table, b, r1, r2, outer_lp)
            extra += w.trigram_weight * tri
        word = _word_bonus(
            scorer.arrays, np.concatenate([g.windows[: len(g.near)] for g in got]), CONTEXT
        )
        word += _word_bonus(
            scorer.arrays, np.concatenate([g.windows[len(g.near) :] for g in got]), CONTEXT - 1
        )
        extra += w.word_weight * 0.5 * word
        scored = {}
        for (q, g), part in zip(
            prepared.items(), np.split(extra, np.cumsum(sizes)[:-1]), strict=True
        ):
            total = g.total.copy()
            total[g.near] += part
            scored[q] = g._replace(total=total)
        return scored

    chained = (slots.end[:-1] == slots.start[1:]) & ~slots.multi[:-1] & ~slots.multi[1:]
    heads = np.flatnonzero(chained)
    if not len(heads):
        return
    # Most pairs stay as they are: find at once those that may not (the same tests as in
    # prepare, a hair looser) and score them with the text as it is, their trigrams and
    # word bonuses in one lookup. Left to right, a pair is scored again when a change came
    # within its reach (its word windows); a change also reaches the two pairs after it,
    # which are tested again.
    found, pre = _pair_worth_a_look(slots, base, out, pos, choice, scorer, heads)
    prepared = {}
    for i in np.flatnonzero(found).tolist():
        got = prepare(int(heads[i]), tuple(x[i] for x in pre))
        if got is not None:
            prepared[int(heads[i])] = got
    ready = finish(prepared) if prepared else {}
    active = set(heads[found].tolist())
    changed_at, changed_pos = -3, -(1 << 40)
    for q in heads.tolist():
        if q not in active and q - changed_at > 2:
            continue
        r = q + 1
        if q in ready and pos[q] - CONTEXT > changed_pos:
            move = ready[q]
        elif q not in active or pos[q] - CONTEXT <= changed_pos:
            found_q, pre_q = _pair_worth_a_look(
                slots, base, out, pos, choice, scorer, np.array([q])
            )
            got = prepare(q, tuple(x[0] for x in pre_q)) if found_q[0] else None
            if got is None:
                continue
            move = finish({q: got})[q]
        else:
            continue
        ci, di, total = move.ci, move.di, move.total
        top = int(np.argmax(total))
        if not total[top] >= total[move.now] + w.pair_margin:
            continue
        e = np.exp(total - total[top])
        c, d = int(ci[top]), int(di[top])
        choice[q], choice[r] = c, d
        conf[q] = np.round(e[ci == c].sum() / e.sum(), 4)
        conf[r] = np.round(e[di == d].sum() / e.sum(), 4)
        out[pos[q]], out[pos[r]] = slots.first[q, c], slots.first[r, d]
        changed_at, changed_pos = q, int(pos[r])


class _PairMoves(NamedTuple):
    """One pair of adjacent slots in round three: its readings paired up (``ci`` q's,
    ``di`` r's), their scores, which is the current pair (``now``) and which get the
    costlier terms (``near``), and what those need: the word windows (q's centre, then
    r's), the readings, the context (l2, l1, r1, r2) and the bigrams on each side."""

    ci: np.ndarray
    di: np.ndarray
    total: np.ndarray
    now: int
    near: np.ndarray
    windows: np.ndarray
    a: np.ndarray
    b: np.ndarray
    context: tuple[int, int, int, int]
    lp_left: np.ndarray
    lp_link: np.ndarray
    lp_right: np.ndarray


def _pair_worth_a_look(
    slots: _Slots,
    base: np.ndarray,
    out: np.ndarray,
    pos: np.ndarray,
    choice: np.ndarray,
    scorer: DocumentScorer,
    heads: np.ndarray,
) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    """For each pair (``heads``, ``heads + 1``) at once: may :func:`_pair_round` move it?
    Its bigram posterior is below :attr:`LossyWeights.sure` and some move of both characters into an
    inner pair of a word is near the best (each test a hair looser than the real one).
    Also returns, per pair, what it computed: each reading's left (q) and right (r)
    bigram, which readings it paired up (the best :attr:`LossyWeights.pair_keep` by outer score within
    :attr:`LossyWeights.bonus_margin` of the best, and the current one), and the link bigram and
    total of each pair of readings."""
    q, r = heads, heads + 1
    n_out = len(out)
    k = slots.first.shape[1]
    w = scorer.weights
    weight = w.intact_weight if scorer.intact is not None else 0.0
    fq, fr = slots.first[q], slots.first[r]
    l1 = np.where(pos[q] > 0, out[np.maximum(pos[q] - 1, 0)], -1)
    r1 = np.where(pos[r] + 1 < n_out, out[np.minimum(pos[r] + 1, n_out - 1)], -1)

    left_lp, left_n = _logp_where(scorer, np.repeat(l1[:, None], k, axis=1), fq)
    right_lp, right_n = _logp_where(scorer, fr, np.repeat(r1[:, None], k, axis=1))
    outer_q = np.where(fq >= 0, base[q] + left_lp + weight * np.log1p(left_n), _NEG)
    outer_r = np.where(fr >= 0, base[r] + right_lp + weight * np.log1p(right_n), _NEG)
    rows = np.arange(len(heads))

    def picked(outer: np.ndarray, current: np.ndarray) -> np.ndarray:
        top = np.argsort(-outer, axis=1, kind="stable")[:, : w.pair_keep]
        near = np.take_along_axis(outer, top, axis=1) > outer.max(axis=1)[:, None] - w.bonus_margin
        mask = np.zeros(outer.shape, bool)
        np.put_along_axis(mask, top, near, axis=1)
        mask[rows, current] = True
        return mask & np.isfinite(outer)

    picked_q, picked_r = picked(outer_q, choice[q]), picked(outer_r, choice[r])
    sel = picked_q[:, :, None] & picked_r[:, None, :]
    a = np.broadcast_to(fq[:, :, None], sel.shape)
    b = np.broadcast_to(fr[:, None, :], sel.shape)
    link_lp, link_n = _logp_where(scorer, np.where(sel, a, -1), np.where(sel, b, -1))
    total = outer_q[:, :, None] + outer_r[:, None, :] + link_lp + weight * np.log1p(link_n)
    total = np.where(sel, total, _NEG)
    now = total[rows, choice[q], choice[r]]
    with np.errstate(over="ignore", invalid="ignore"):
        mass = np.exp(total - now[:, None, None]).sum(axis=(1, 2))
    doubtful = np.isfinite(now) & (mass * w.sure > 1.0 - 1e-9)
    moves = sel & (total > total.max(axis=(1, 2))[:, None, None] - w.bonus_margin - 1e-9)
    moves[rows, choice[q], :] = False
    moves[rows, :, choice[r]] = False
    at = np.nonzero(moves & doubtful[:, None, None])
    inner = slots.arrays.words()[1]
    found = np.zeros(len(heads), bool)
    if len(at[0]):
        hit = inner.get(pair_keys(a[at], b[at])) > 0
        found[at[0][hit]] = True
    return found, (left_lp, right_lp, picked_q, picked_r, link_lp, total)


def _brackets(first: np.ndarray, out: np.ndarray, p: np.ndarray, w: LossyWeights) -> np.ndarray:
    """:func:`.lossy.bracket_bonus` for readings that are closing brackets."""
    closers = np.array([ord(c) for c in lossy._CLOSERS])
    is_closer = np.isin(first, closers)
    bonus = np.zeros(first.shape)
    rows = np.flatnonzero(is_closer.any(axis=1))
    if not len(rows):
        return bonus
    for row in rows.tolist():
        at = int(p[row])
        line = _text(out[max(0, at - LINE) : at]).rpartition("\n")[2]
        for c in np.flatnonzero(is_closer[row]).tolist():
            bonus[row, c] = lossy.bracket_bonus(chr(first[row, c]), line, w)
    return bonus


_FRAME_CHARS = np.array([ord(c) for c in lossy.FRAME_CHARS])
_CLOSER_CHARS = np.array([ord(c) for c in lossy._CLOSERS])
#: Room for the characters a slot may take back after its bytes (a lost NBSP or '?').
_TAIL = 4


def _long_reach(slots: _Slots, rows: np.ndarray) -> np.ndarray:
    """Which slots look back over their whole line (bracket or frame readings)."""
    first = slots.first[rows]
    far = np.asarray(np.isin(first, _CLOSER_CHARS).any(axis=1))
    if slots.arrays.lang == "zh":
        far = far | _in_frame(first)
    return far


def _in_frame(first: np.ndarray) -> np.ndarray:
    """Which slots could be two or more of 与 / 不 / 中: the frames weigh those readings
    against each other (looking back, and for 与 ahead, over the line)."""
    return np.asarray(np.isin(first, _FRAME_CHARS).sum(axis=1) >= 2)


def _frames(
    first: np.ndarray, out: np.ndarray, p: np.ndarray, after: np.ndarray, w: LossyWeights
) -> np.ndarray:
    """:func:`.lossy.frame_bonus` for slots that could be two or more of 与 / 不 / 中 (the
    bonus weighs them against each other, not against other readings); ``after`` is where
    each slot's current reading ends in ``out``."""
    in_frame = np.isin(first, _FRAME_CHARS)
    bonus = np.zeros(first.shape)
    for row in np.flatnonzero(in_frame.sum(axis=1) >= 2).tolist():
        at, end = int(p[row]), int(after[row])
        before = _text(out[max(0, at - LINE) : at])
        ahead = _text(out[end : end + LINE])
        for c in np.flatnonzero(in_frame[row]).tolist():
            bonus[row, c] = lossy.frame_bonus(chr(first[row, c]), before, w, ahead)
    return bonus


#: Every piece of a window that may be a word: (start, end), 2 to 7 characters.
_PIECES = np.array(
    [(s, e) for s in range(2 * CONTEXT + 1) for e in range(s + 2, min(2 * CONTEXT + 1, s + 7) + 1)]
)
_POWERS = np.cumprod(np.full(16, np.uint64(0x100000001B3)))  # _POWERS[k] = B ** (k + 1)


def _word_bonus(arrays: ModelArrays, window: np.ndarray, skip: int = -1) -> np.ndarray:
    """What the centre of each window row (-1 = no character) gains by joining a word, when
    the words around it compete for the same characters.

    With ``best(i)`` the best total bonus (:meth:`CharModel.word_bonus`'s per-word value)
    of non-overlapping words inside ``window[:i]`` and ``rest(i)`` inside ``window[i:]``:
    ``max(without, best(s) + bonus(window[s:e]) + rest(e))`` over words covering the centre,
    minus ``without = best(c) + rest(c + 1)``. 稀疏[与]线性: 丝线 is a word, but its 线
    already belongs to 线性, so 丝 gains only what 丝线 has over 线性 (dev zh edits 122 ->
    110, ja 126 -> 126; test zh 14 -> 10 against the plain best covering word). Every piece
    is hashed at once from prefix hashes (the polynomial hash of
    :func:`.model.arrays.word_hashes`); the segmentation runs on every row with a word at
    once, position by position.
    """
    from digestkit.repair.model.arrays import _POLY, _POSITIVE

    words, inner = arrays.words()
    m, width = window.shape
    c = CONTEXT
    prefix = np.zeros((m, width + 1), np.uint64)
    codes = (window + 1).astype(np.uint64)
    for k in range(width):
        prefix[:, k + 1] = prefix[:, k] * _POLY + codes[:, k]
    # Every pair inside a word is an inner pair: a piece is looked up only if all are.
    live = (window[:, :-1] >= 0) & (window[:, 1:] >= 0)
    pair_ok = np.zeros(live.shape, bool)
    if live.any():
        pair_ok[live] = inner.get(pair_keys(window[:, :-1][live], window[:, 1:][live])) > 0
    broken = np.zeros((m, width), np.int64)
    broken[:, 1:] = np.cumsum(~pair_ok, axis=1)  # broken[:, i]: non-inner pairs before i
    s, e = _PIECES[:, 0], _PIECES[:, 1]
    rows, cols = np.nonzero(broken[:, e - 1] == broken[:, s])
    value = np.zeros((m, len(_PIECES)))
    if len(rows):
        ps, pe = s[cols], e[cols]
        h = prefix[rows, pe] - prefix[rows, ps] * _POWERS[pe - ps - 1]
        value[rows, cols] = words.get(h.view(np.int64) & _POSITIVE, 0.0)
    if skip >= 0:  # the two characters from `skip` on are not a word here (see _pair_round)
        value[:, (s == skip) & (e == skip + 2)] = 0.0
    covers = (s <= c) & (c < e)
    out = np.zeros(m)
    rows = np.flatnonzero((value * covers).max(axis=1) > 0)
    if not len(rows):
        return out
    # best[:, i]: the best total of words inside window[:i]; rest[:, i]: inside window[i:].
    v = value[rows]
    word = v > 0
    best = np.zeros((len(rows), width + 1))
    for i in range(1, width + 1):
        top = best[:, i - 1].copy()
        for j in np.flatnonzero(e == i).tolist():
            cand = best[:, s[j]] + v[:, j]
            top = np.where(word[:, j] & (cand > top), cand, top)
        best[:, i] = top
    rest = np.zeros((len(rows), width + 1))
    for i in range(width - 1, -1, -1):
        top = rest[:, i + 1].copy()
        for j in np.flatnonzero(s == i).tolist():
            cand = v[:, j] + rest[:, e[j]]
            top = np.where(word[:, j] & (cand > top), cand, top)
        rest[:, i] = top
    without = best[:, c] + rest[:, c + 1]
    with_c = without.copy()
    for j in np.flatnonzero(covers).tolist():
        cand = best[:, s[j]] + v[:, j] + rest[:, e[j]]
        with_c = np.where(word[:, j] & (cand > with_c), cand, with_c)
    out[rows] = with_c - without
    return out


def _model_buffers(arrays: ModelArrays) -> tuple[object, ...]:
    """The tables the compiled pass reads, in its order (see ``_kernel.c: decide``)."""
    hit = _BUFFERS.get(id(arrays))
    if hit is not None and hit[0] is arrays:
        return hit[1]
    words, inner = arrays.words()
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
        None if trigrams is None else (trigrams.interleaved(), trigrams.bits),
    )
    _BUFFERS[id(arrays)] = (arrays, out)
    return out


_BUFFERS: dict[int, tuple[ModelArrays, tuple[object, ...]]] = {}


def kernel_params(config: RepairConfig, lang: str) -> tuple[object, ...]:
    """Every weight the C pass reads, in ``_kernel.c: decide``'s order; then the words that
    close a 与-phrase (:data:`.lossy.FRAME_CLOSERS`, joined); the last two are
    :data:`.types.CONTEXT` and :data:`.types.LINE`, which the kernel checks against the
    values it was built with (a mismatch raises instead of silently breaking parity).

    >>> params = kernel_params(RepairConfig(threads=1), "zh")
    >>> params[-7:-3], params[-3][:4], params[-2:]
    ((1.25, 8, 4.0, 3.0), '相比不同', (6, 80))
    """
    w = config.weights
    return (
        config.document_prior,
        w.cache_weight,
        w.doc_weight,
        w.opener_before_end,
        w.intact_weight,
        w.word_weight,
        w.bonus_margin,
        w.sure,
        w.bracket_open,
        w.bracket_not_open,
        threads(config),
        lang == "zh",
        tuple(v for open_side in w.frame_bonus for v in (open_side, 0.0)),
        w.trigram_weight,
        w.pair_keep,
        w.pair_margin,
        w.closer_bonus,
        "".join(lossy.FRAME_CLOSERS),
        CONTEXT,
        LINE,
    )


def threads(config: RepairConfig) -> int:
    """Threads the C pass uses: ``config.threads``, or 2 when 0 and the machine has two
    cores or more (the second takes the later half of each round wherever the halves
    cannot see each other, so the result is the same with one).

    >>> threads(RepairConfig(threads=1))
    1
    """
    if config.threads > 0:
        return config.threads
    return 2 if (os.cpu_count() or 1) > 1 else 1


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
        runs_end[run_of], table.codec, losses, lang, config.weights, texts_too=False,
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
    params = kernel_params(config, slots.arrays.lang)
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
