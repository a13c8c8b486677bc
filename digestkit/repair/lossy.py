"""Rebuild the bytes a wrong code page lost, choosing among the few that fit with a language model.

When UTF-8 is decoded with a code page that leaves some bytes undefined (cp1252 has five)
and ``errors='ignore'``, those bytes vanish; ``errors='replace'`` turns them into U+FFFD,
later tools turn them into ``?``, strip the soft hyphen (byte 0xAD) or turn NBSP (0xA0)
into a space. Every lost byte of a multi-byte character is a continuation byte, and the
lead byte says how many there should be, so a damaged character has a short list of
candidates: the missing count is known, the positions are 1-3, the values are the code
page's undefined bytes plus 0xAD/0xA0. :func:`candidates` lists them (strictly valid UTF-8
only); :func:`estimate_losses` reads from the surviving bytes which ones were lost.

The choice among the readings is written here once, one slot at a time: :func:`scan` finds
the damaged characters and :func:`decide` chooses with the language model in three rounds
(each slot or group of adjacent slots alone; doubtful slots again with the repaired text
around them and the rules :func:`bracket_bonus` and :func:`frame_bonus`; adjacent pairs
together). ``_kernel.c`` is the same two functions in C, and tests hold the two to the same
results to the last bit, so a new rule is written in two places: here and in the kernel.
:mod:`.fastpass` builds the slots both read and picks the kernel when it is built.

>>> options = {c.text for c in candidates((0xE8, 0xAE), "cp1252")}   # 0xE8 0xAE 0x?? lost
>>> "讍" in options, len(options)   # 讍 is 0xE8 0xAE 0x8D, one of cp1252's undefined bytes
(True, 14)
"""

from __future__ import annotations

import bisect
import collections
import itertools
import math
import os
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Protocol, cast

import numpy as np

from digestkit.repair.lossless import CodecTable, codec_table
from digestkit.repair.types import CONTEXT, LINE, LossyWeights, RepairConfig

__all__ = [
    "Candidate",
    "Slot",
    "bracket_bonus",
    "candidates",
    "closes_frame",
    "decide",
    "default_losses",
    "is_cont",
    "language_from_counts",
    "estimate_losses",
    "frame_bonus",
    "params",
    "scan",
    "sequence_length",
    "slot_at",
]

#: Log-prior of each way a byte gets lost. Bytes the code page leaves undefined are the
#: common case; a stripped soft hyphen is plausible; a deleted NBSP is rare.
#: Key, in a losses table, of the prior that a space stands for a lost NBSP byte.
SPACE = 0x20
#: Key, in a losses table, of the prior that a U+FFFD or '?' stood for one lost byte.
MARK = -1
#: Per lost byte value, the log-prior that it was lost (see :func:`estimate_losses`).
Losses = tuple[tuple[int, float], ...]

_BAD_CATEGORIES = frozenset({"Cc", "Cs", "Co", "Cn"})


@dataclass(frozen=True)
class Candidate:
    """One reading of a damaged character: the text it yields and its log-prior."""

    text: str
    prior: float


@dataclass
class Slot:
    """A damaged character in the output, with the readings to choose from."""

    original: str
    options: tuple[Candidate, ...]
    choice: int = -1
    confidence: float = 0.0


def sequence_length(lead: int) -> int:
    """How many continuation bytes a UTF-8 lead byte needs (0: not a lead).

    >>> sequence_length(0xE4), sequence_length(0xC3), sequence_length(0x41)
    (2, 1, 0)
    """
    if 0xC2 <= lead <= 0xDF:
        return 1
    if 0xE0 <= lead <= 0xEF:
        return 2
    if 0xF0 <= lead <= 0xF4:
        return 3
    return 0


def _valid_char(raw: bytes) -> str | None:
    try:
        ch = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if unicodedata.category(ch) in _BAD_CATEGORIES:
        return None
    return ch


@lru_cache(maxsize=65536)
def candidates(
    observed: tuple[int, ...], codec: str, losses: tuple[tuple[int, float], ...] | None = None
) -> tuple[Candidate, ...]:
    """Readings of a lead byte + the continuation bytes seen after it.

    ``observed`` is the lead byte and the continuation bytes that survived, in order, with
    -1 where a U+FFFD / '?' marks a lost byte (its value is free). Missing bytes (the
    sequence is short) may sit at any position. Only strictly valid, assigned characters
    are returned. ``losses`` lists the bytes that may have vanished with their log-priors
    (default: :func:`default_losses`; see :func:`estimate_losses`).
    """
    table = codec_table(codec)
    lead, rest = observed[0], list(observed[1:])
    need = sequence_length(lead)
    missing = need - len(rest)
    if need == 0 or missing < 0:
        return ()
    undefined = sorted(table.undefined & set(range(0x80, 0xC0)))
    losses = losses or default_losses(codec)
    deleted = [(b, p) for b, p in losses if b not in (SPACE, MARK)]
    mark = dict(losses).get(MARK, 0.0)
    marks = [(b, mark) for b in undefined] or [(0xAD, mark)]
    best: dict[str, float] = {}
    for where in itertools.combinations(range(need), missing):
        for fill in itertools.product(deleted, repeat=missing):
            seq: list[tuple[int, float]] = []
            it_rest, it_fill = iter(rest), iter(fill)
            for pos in range(need):
                seq.append(next(it_fill) if pos in where else (next(it_rest), 0.0))
            for mark_fill in itertools.product(marks, repeat=sum(b < 0 for b, _ in seq)):
                it_mark = iter(mark_fill)
                full = [next(it_mark) if b < 0 else (b, p) for b, p in seq]
                ch = _valid_char(bytes([lead, *(b for b, _ in full)]))
                if ch is not None:
                    prior = sum(p for _, p in full)
                    if prior > best.get(ch, -math.inf):
                        best[ch] = prior
    return tuple(Candidate(ch, p) for ch, p in sorted(best.items()))


def default_losses(
    codec: str, weights: LossyWeights = LossyWeights()
) -> tuple[tuple[int, float], ...]:
    """Bytes that may vanish, with log-priors, when the document cannot tell us (and the
    priors of a space or a mark standing for a lost byte: keys :data:`SPACE`, :data:`MARK`).

    >>> default_losses("cp1252")[:2]
    ((129, 0.0), (141, 0.0))
    """
    undefined = sorted(codec_table(codec).undefined & set(range(0x80, 0xC0)))
    return (
        *((b, weights.lost_undefined) for b in undefined),
        (0xAD, weights.lost_soft_hyphen),
        (0xA0, weights.lost_nbsp),
        (SPACE, weights.space_was_nbsp),
        (MARK, weights.mark_was_byte),
    )


def estimate_losses(
    counts: dict[int, int], codec: str, weights: LossyWeights = LossyWeights()
) -> tuple[tuple[int, float], ...]:
    """Which bytes vanished from this document, judged by how often each byte survives.

    ``counts`` are the continuation bytes seen in the document's runs. A byte that a
    typical value would show dozens of times but that never appears was lost (prior 0);
    one that appears as often as its peers was not (it stays possible, at a steep prior).
    The entry for :data:`SPACE` is the prior that a space stands for a lost 0xA0 (NBSP
    turned into a space): likely when 0xA0 never shows, unlikely when it shows often.
    Too little text to tell gives :func:`default_losses`.

    >>> counts = {b: 40 for b in range(0x80, 0xC0)}
    >>> counts[0xAD] = 0
    >>> dict(estimate_losses(counts, "cp1252"))[0xAD], dict(estimate_losses(counts, "cp1252"))[0xA0]
    (0.0, -8.0)
    """
    table = codec_table(codec)
    defined = sorted(counts.get(b, 0) for b in range(0x80, 0xC0) if b not in table.undefined)
    typical = defined[len(defined) // 2] if defined else 0
    if typical < 8:
        return default_losses(codec, weights)
    out = []
    for b, prior in default_losses(codec, weights):
        if b in table.undefined or b == MARK:
            out.append((b, prior))
        else:
            share = counts.get(b if b != SPACE else 0xA0, 0) / typical
            seen = weights.lost_seen_rarely if share < 0.3 else weights.lost_seen_often
            out.append((b, 0.0 if share < 0.05 else seen))
    return tuple(out)


#: Closing brackets and their openers: a closer is likely where its opener is still open.
_CLOSERS = {
    "」": "「",
    "』": "『",
    "）": "（",
    "】": "【",
    "》": "《",
    "〉": "〈",
    "”": "“",
    ")": "(",
}


#: The "在 … 中" frame (Chinese): a damaged 与 / 不 / 中 (one lost byte makes them the same
#: E4 B8 pattern) is 中 far more often when 在 opened the clause before it; the log-ratios
#: are :attr:`LossyWeights.frame_bonus`, in this order.
FRAME_OPENER = "在"
FRAME_CHARS = "与不中"
#: What ends the clause a frame looks back (or ahead) over.
CLAUSE_STOP = frozenset("，。；：！？、\n,.;:!?")
#: The "与 … 相比" frame: 与 ("with") opens a phrase that one of these words closes later in
#: the clause (与以往的方法不同, 与全注意力相比, 查询块与键块之间), so a damaged 与 / 不 / 中 so
#: followed is 与 far more often (:attr:`LossyWeights.closer_bonus`). The words are the
#: common predicates of a 与-phrase; the kernel reads this same tuple.
FRAME_CLOSERS = (
    "相比", "不同", "之间", "一致", "相当", "相同", "无关", "有关", "相关", "相对", "冲突",
    "匹配", "一起", "结合", "类似", "相似", "对比", "区别", "差异", "等效", "兼容", "对应",
    "合作", "一样", "相等", "相反", "接近", "并行", "对齐", "融合", "互补", "交互", "共享",
    "媲美", "持平", "竞争", "配合",
)  # fmt: skip
_CLOSER_SET = frozenset(FRAME_CLOSERS)


def closes_frame(after: str) -> bool:
    """Whether a word of :data:`FRAME_CLOSERS` follows in the clause, after at least one
    character (与's object): ``after`` is the text right after the damaged character.

    >>> closes_frame("以往的方法不同，"), closes_frame("同的方法"), closes_frame("以往，不同")
    (True, False, False)
    """
    for i, ch in enumerate(after):
        if ch in CLAUSE_STOP:
            return False
        if i and after[i : i + 2] in _CLOSER_SET:
            return True
    return False


def frame_bonus(candidate: str, before: str, weights: LossyWeights, after: str = "") -> float:
    """Log-bonus of a 与 / 不 / 中 reading given the clause before it (``before``: the 在
    frame) and the text after it (``after``: the 与 frame).

    >>> w = LossyWeights()
    >>> frame_bonus("中", "我们在训练", w), frame_bonus("中", "结果，在", w), frame_bonus("与", "在训练", w)
    (0.82, 0.82, -1.15)
    >>> frame_bonus("与", "。", w, "以往的方法不同，") == w.closer_bonus
    True
    """
    at = FRAME_CHARS.find(candidate[:1]) if candidate else -1
    if at < 0:
        return 0.0
    bonus = 0.0
    if at == 0 and weights.closer_bonus and closes_frame(after):
        bonus = weights.closer_bonus
    for ch in reversed(before):
        if ch in CLAUSE_STOP:
            break
        if ch == FRAME_OPENER:
            return bonus + weights.frame_bonus[at]
    return bonus


def bracket_bonus(candidate: str, before: str, weights: LossyWeights) -> float:
    """Log-bonus for a closing bracket whose opener is unmatched in ``before``.

    >>> w = LossyWeights()
    >>> bracket_bonus("」", "「アハモーメント", w), bracket_bonus("」", "アハモーメント", w)
    (2.0, -1.0)
    """
    opener = _CLOSERS.get(candidate[:1])
    if opener is None:
        return 0.0
    before = before[before.rfind("\n") + 1 :]  # only its line counts
    open_at = before.rfind(opener)
    if open_at >= 0 and before.find(candidate[0], open_at) < 0:
        return weights.bracket_open
    return weights.bracket_not_open


def language_from_counts(kana: int, hangul: int, han: int) -> str:
    """The language whose model reads a document with these script counts (kana, hangul
    and han among the characters :func:`scan` emits).

    >>> language_from_counts(0, 0, 5), language_from_counts(1, 0, 5), language_from_counts(0, 0, 0)
    ('zh', 'ja', 'en')
    """
    if hangul > max(kana, han):
        return "ko"
    if kana and kana * 20 >= han:
        return "ja"
    return "zh" if han else "en"


def is_cont(byte: int) -> bool:
    return byte == -2 or 0x80 <= byte <= 0xBF


def slot_at(
    toks: list[tuple[int, str]], i: int, need: int, table: CodecTable, losses: Losses
) -> tuple[Slot, int]:
    """The slot starting at lead token ``i``; returns it and the index after it."""
    lead = toks[i][0]
    j, seen = i + 1, list[int]()
    while j < len(toks) and len(seen) < need and is_cont(toks[j][0]):
        seen.append(-1 if toks[j][0] == -2 else toks[j][0])
        j += 1
    original = "".join(ch for _, ch in toks[i:j])
    options = list(candidates((lead, *seen), table.codec, losses))
    # What follows may hold the lost bytes themselves: '?' marks, an NBSP turned into a
    # space; continuation bytes after them belong to this character too.
    k, more, marks = j, list[int](), 0
    while k < len(toks) and len(seen) + len(more) < need:
        byte, ch = toks[k]
        if byte == -1 and ch in " ?" and not (ch == " " and marks):
            more.append(0xA0 if ch == " " else -1)
            marks += 1
        elif is_cont(byte) and marks:
            more.append(-1 if byte == -2 else byte)
        else:
            break
        k += 1
    eaten = candidates((lead, *seen, *more), table.codec, losses) if marks else ()
    if eaten:
        tail = "".join(ch for _, ch in toks[j:k])
        cost = dict(losses)[SPACE] * (0xA0 in more)
        options = [Candidate(c.text + tail, c.prior) for c in options]
        options += [Candidate(c.text, c.prior + cost) for c in eaten]
        original += tail
        j = k
    return Slot(original, tuple(options)), j


# ---------------------------------------------------------------------------------------
# The lossy pass, one slot at a time: the readable form of ``_kernel.c``.
#
# :func:`scan` and :func:`decide` take the kernel's arguments and give its results (the
# parity tests in tests/repair/test_fastpass.py hold the two to the last bit); the kernel
# adds only speed (memos, caches, a second thread). Rounds one to three are per-slot
# functions that call the rules above (:func:`bracket_bonus`, :func:`frame_bonus`), so a
# new rule is written here and in the kernel. ``fastpass`` builds the slots and runs this
# module where the kernel is not built (``RepairConfig(kernel=False)``).

#: Byte value standing for U+FFFD in a run (a lost byte whose value is unknown).
HOLE_BYTE = 0x100
_MULT = 0x9E3779B97F4A7C15
_POLY = 0x100000001B3
_M64 = (1 << 64) - 1
#: The third code point of a trigram context's key (``arrays.CONTEXT_KEY``).
_TRI_CONTEXT = 0x1FFFFF
_NEG = -math.inf
#: The frame's characters (与, 不, 中) as code points.
_FRAME_CPS = tuple(ord(c) for c in FRAME_CHARS)


def _log(x: float) -> float:
    """``log`` as C computes it: -inf at 0, nan below."""
    if x > 0:
        return math.log(x)
    return _NEG if x == 0 else math.nan


def _exp(x: float) -> float:
    """``exp`` as C computes it: inf past the largest double, not an exception."""
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _rounded(x: float) -> float:
    """A confidence to four places, as the kernel rounds it (``rint(x * 1e4) / 1e4``)."""
    x *= 1e4
    return round(x) / 1e4 if math.isfinite(x) else x / 1e4


def _scan_byte(cp: int, bmap: memoryview) -> int:
    return bmap[cp] if 0 <= cp < 0x10000 else -1


def _is_sep(cp: int) -> bool:
    return cp == 0x20 or cp == 0x3F


def _count_script(lang: list[int], cp: int) -> None:
    if cp < 0x3040:
        return
    if cp < 0x3100:
        lang[0] += 1
    elif 0xAC00 <= cp < 0xD7B0:
        lang[1] += 1
    elif 0x4E00 <= cp < 0xA000:
        lang[2] += 1


def scan(
    cps: np.ndarray, bmap: np.ndarray, emit: np.ndarray, runs_start: np.ndarray,
    runs_end: np.ndarray, run_decoded: np.ndarray, slot_pos: np.ndarray, slot_seen: np.ndarray,
    slot_need: np.ndarray, slot_key: np.ndarray, slot_odd: np.ndarray, slot_run: np.ndarray,
    counts: np.ndarray, lang_counts: np.ndarray,
) -> tuple[int, int]:  # fmt: skip
    """Find the code page's runs in ``cps`` and what each holds (``_kernel.scan``).

    A run is a stretch of characters the code page maps to high bytes, joined across one to
    three spaces or '?' (and up to three of them after it). Inside a run, a lead byte with
    all its continuation bytes decodes; one that lost some is a slot, keyed by its bytes
    (``slot_key``: the lead, then each continuation byte + 1 or 257 for a hole, nine bits
    each). Writes ``emit`` (the code point to write, -1 nothing, -2 a slot's lead), the
    runs, the slots, ``counts`` (bytes 0x80-0xBF in runs) and ``lang_counts`` (kana,
    hangul, han emitted); returns the number of runs and of slots."""
    text = np.asarray(cps).tolist()
    table = _view(bmap, "i")
    n = len(text)
    count = [0] * 64
    lang = [0, 0, 0]
    n_runs = n_slots = 0

    def byte(i: int) -> int:
        return _scan_byte(text[i], table)

    i = 0
    while i < n:
        c0 = text[i]
        if 0 <= c0 < 0x80:
            emit[i] = c0
            i += 1
            continue
        if byte(i) < 0x80:
            emit[i] = c0
            _count_script(lang, c0)
            i += 1
            continue
        s = j = i
        highs = 0
        while True:
            while j < n and byte(j) >= 0x80:
                j += 1
                highs += 1
            k = 0
            while j + k < n and _is_sep(text[j + k]):
                k += 1
            if 1 <= k <= 3 and j + k < n and byte(j + k) >= 0x80:
                j += k
                continue
            j += min(k, 3)
            break
        e, r = j, n_runs
        n_runs += 1
        runs_start[r], runs_end[r], run_decoded[r] = s, e, 0
        p = s
        while p < e:
            lb = -1 if _is_sep(text[p]) else byte(p)
            if 0x80 <= lb <= 0xBF:
                count[lb - 0x80] += 1
            need = sequence_length(lb) if lb >= 0 else 0
            if not need:
                emit[p] = text[p]
                _count_script(lang, text[p])
                p += 1
                continue
            got: list[int] = []
            while len(got) < need and p + 1 + len(got) < e:
                at = p + 1 + len(got)
                cb = byte(at)
                if _is_sep(text[at]) or not (0x80 <= cb <= 0xBF or cb == HOLE_BYTE):
                    break
                got.append(cb)
            if len(got) == need and HOLE_BYTE not in got:
                raw = bytes([lb, *got])
                b1 = got[0]
                bad = (lb == 0xE0 and b1 < 0xA0) or (lb == 0xED and b1 > 0x9F)
                bad = bad or (lb == 0xF0 and b1 < 0x90) or (lb == 0xF4 and b1 > 0x8F)
                if not bad:
                    v = ord(raw.decode("utf-8", "surrogatepass"))
                    emit[p] = v
                    _count_script(lang, v)
                    for q, cb in enumerate(got, 1):
                        emit[p + q] = -1
                        count[cb - 0x80] += 1
                    run_decoded[r] = 1
                    p += need + 1
                    continue
                emit[p] = text[p]  # refused by strict UTF-8: the characters stay
                _count_script(lang, text[p])
                p += 1
                continue
            if highs == 1:  # a run of one high character is never read as damaged
                emit[p] = text[p]
                _count_script(lang, text[p])
                p += 1
                continue
            t = n_slots
            n_slots += 1
            slot_pos[t], slot_run[t], slot_seen[t], slot_need[t] = p, r, len(got), need
            key = lb << 27
            for q, cb in enumerate(got):
                key |= (257 if cb == HOLE_BYTE else cb + 1) << (18 - 9 * q)
                if cb != HOLE_BYTE:
                    count[cb - 0x80] += 1
            slot_key[t] = key
            after = p + 1 + len(got)
            slot_odd[t] = len(got) < need and after < e and _is_sep(text[after])
            emit[p] = -2
            for q in range(1, len(got) + 1):
                emit[p + q] = -1
            p += 1 + len(got)
        i = e
    counts[:] = count
    lang_counts[:] = lang
    return n_runs, n_slots


class _Model:
    """The language model as the rounds read it (``_kernel.c``'s ``Model``): P(b | a) from
    the bigram prior, mixed with the pairs the document shows intact and, from round two
    on, with its character counts. ``model`` is ``fastpass._model_buffers``' tuple."""

    def __init__(self, model: tuple[object, ...], opener_before_end: float):
        view = _view
        self.uni, self.start, self.weight = (view(o, "d") for o in model[:3])
        self.in_table, self.clause_end, self.openers, self.closers = (
            view(o, "B") for o in model[3:7]
        )
        self.bi_row, self.bi_col = view(model[7], "i"), view(model[8], "i")
        self.bi_val = view(model[9], "d")
        self.in_row, self.in_col = view(model[11], "i"), view(model[12], "i")
        self.words = _Table(model[10])
        self.tri = None if model[13] is None else _Table(model[13])
        #: The per-character arrays end at ``top``: its entry stands for every code point
        #: above it (``ModelArrays.at``).
        self.top = len(self.uni) - 1
        self.opener_before_end = opener_before_end
        self.ascii_p = [1e-8] * 128
        #: The pairs seen intact, and per left character how many (None: no counts).
        self.intact: _Counts = collections.Counter()
        self.intact_left: _Counts | None = None
        self.cache_weight = 0.0
        #: Round two on: the first-round text's character counts, their total and weight.
        self.doc: dict[int, int] | None = None
        self.doc_total = 0.0
        self.doc_weight = 0.0
        #: What :meth:`pair_p` and :meth:`logp` gave (a document repeats its pairs).
        self._pairs: dict[tuple[int, int], tuple[float, float]] = {}
        self._logps: dict[int, float] = {}

    def observe_ascii(self, counts: Sequence[int], known: int) -> None:
        """ASCII priors from what survived: each character's share of the ``known`` ones."""
        self.ascii_p = [x / (known or 1) if x else 1e-8 for x in counts]

    def observe_intact(self, pairs: Iterable[int], cache_weight: float) -> None:
        """The pairs of wide characters the document shows intact (``a << 21 | b``), mixed
        into P(b | a) with ``cache_weight``."""
        self.intact = collections.Counter(pairs)
        self.intact_left = collections.Counter()
        for key, n in self.intact.items():
            self.intact_left[key >> 21] += n
        self.cache_weight = cache_weight
        self._pairs.clear()
        self._logps.clear()

    def observe(self, text: Sequence[int], weight: float) -> None:
        """Round two on: the first-round text's character counts join P with ``weight``."""
        self.doc = collections.Counter(text)
        self.doc_total, self.doc_weight = float(len(text)), weight
        self._logps.clear()

    def pair_p(self, a: int, b: int) -> tuple[float, float]:
        """P(b | a) before the document's counts join, and how often the document shows
        the pair intact."""
        hit = self._pairs.get((a, b))
        if hit is not None:
            return hit
        ca, cb = min(a, self.top), min(b, self.top)
        at = _csr_find(self.bi_row, self.bi_col, ca, b)
        pair = self.bi_val[at] if at >= 0 else 0.0
        uni: float = self.uni[cb] if _alpha(a) else self.start[cb]
        if b < 0x80 and not self.in_table[b]:
            uni = self.ascii_p[b]
        p = pair + self.weight[ca] * uni
        damp = self.openers[ca] if self.clause_end[cb] else self.closers[ca] and not _space(b)
        if damp:
            p = self.opener_before_end * p
        seen = 0.0
        if self.intact_left is not None:
            left = self.intact_left.get(a, 0)
            if left > 0:
                seen = float(self.intact.get(a << 21 | b, 0))
                if self.cache_weight:
                    p = (1 - self.cache_weight) * p + self.cache_weight * seen / left
        self._pairs[(a, b)] = (p, seen)
        return p, seen

    def logp(self, a: int, b: int) -> float:
        """log P(b | a), the document's counts mixed in once they are known."""
        key = a << 21 | b
        value = self._logps.get(key)
        if value is None:
            p = self.pair_p(a, b)[0]
            if self.doc is not None and self.doc_total:
                w = self.doc_weight
                p = (1 - w) * p + w * self.doc.get(b, 0) / self.doc_total
            value = self._logps[key] = _log(p)
        return value

    def lp(self, a: int, b: int) -> float:
        """:meth:`logp`, 0 where a neighbour is missing (-1)."""
        return 0.0 if a < 0 or b < 0 else self.logp(a, b)

    def seen(self, a: int, b: int) -> float:
        """How often the document shows the pair intact (0 where a neighbour is missing)."""
        return 0.0 if a < 0 or b < 0 else self.pair_p(a, b)[1]

    def in_word(self, a: int, b: int) -> bool:
        return _csr_find(self.in_row, self.in_col, min(a, self.top), b) >= 0


class _Counts(Protocol):
    def get(self, key: int, default: int, /) -> int: ...


def _view(array: object, fmt: str) -> memoryview:
    """An array as a flat memoryview of ``fmt`` items (no copy: the model is mapped)."""
    return np.ascontiguousarray(array).data.cast("B").cast(fmt)  # type: ignore[call-overload,no-any-return]


class _Table:
    """A read-only hash table of the model (``arrays.HashTable``, interleaved), probed like
    the kernel probes it."""

    def __init__(self, table: object):
        # (interleaved, bits) or (interleaved, bits, filter, filter bits): the filter only
        # spares the kernel probes that miss, so the reference does without it.
        both, bits = cast(tuple[np.ndarray, int], table)[:2]
        self.keys, self.values = _view(both, "Q"), _view(both, "d")
        self.bits, self.mask = int(bits), (1 << int(bits)) - 1

    def get(self, key: int, default: float) -> float:
        stored = key + 1
        pos = ((stored * _MULT) & _M64) >> (64 - self.bits)
        while True:
            k = self.keys[2 * pos]
            if k == stored:
                return float(self.values[2 * pos + 1])
            if k == 0:
                return default
            pos = (pos + 1) & self.mask


def _csr_find(row: memoryview, col: memoryview, a: int, b: int) -> int:
    lo, hi = row[a], row[a + 1]
    at = bisect.bisect_left(col, b, lo, hi)
    return at if at < hi and col[at] == b else -1


@lru_cache(maxsize=1 << 16)
def _alpha(cp: int) -> bool:
    """A letter that is not ASCII (an ASCII neighbour is a word boundary)."""
    return cp >= 0x80 and chr(cp).isalpha()


@lru_cache(maxsize=1 << 12)
def _space(cp: int) -> bool:
    return cp < 0x3001 and chr(cp).isspace()


def _posterior(scores: Sequence[float], choice: int) -> float:
    """The chosen reading's share of the probability (scores more than 40 below it count
    as nothing), to four places."""
    top = scores[choice]
    total = 0.0
    for v in scores:
        if math.isfinite(v) and v - top > -40.0:
            total += _exp(v - top)
    return _rounded(1.0 / total if total else math.inf)


def _sum(values: Iterable[float]) -> float:
    """A plain running sum, as C adds (``sum`` compensates its rounding from 3.12 on)."""
    total = 0.0
    for v in values:
        total += v
    return total


def _argmax(scores: Sequence[float]) -> int:
    best = 0
    for c in range(1, len(scores)):
        if scores[c] > scores[best]:
            best = c
    return best


def _lg1p(count: float) -> float:
    return math.log1p(count)


class _Slots:
    """The slots as the rounds read them: per slot ``k`` readings, best first (first code
    point, log-prior, whether a multi-character reading keeps the characters from ``tail``
    to ``end``)."""

    def __init__(
        self, cps: list[int], start: np.ndarray, end: np.ndarray, tail: np.ndarray,
        multi: np.ndarray, first: np.ndarray, prior: np.ndarray, keeps: np.ndarray, k: int,
    ):  # fmt: skip
        self.cps = cps
        self.start, self.end, self.tail = start.tolist(), end.tolist(), tail.tolist()
        self.multi = [bool(x) for x in multi.tolist()]
        flat_first, flat_prior = first.reshape(-1).tolist(), prior.reshape(-1).tolist()
        flat_keeps = [bool(x) for x in keeps.reshape(-1).tolist()]
        self.m, self.k = len(self.start), k
        self.first = [flat_first[r * k : (r + 1) * k] for r in range(self.m)]
        self.prior = [flat_prior[r * k : (r + 1) * k] for r in range(self.m)]
        self.keeps = [flat_keeps[r * k : (r + 1) * k] for r in range(self.m)]

    def tail_of(self, r: int, c: int) -> bool:
        """Does reading c of slot r keep the characters after its bytes?"""
        return self.multi[r] and self.keeps[r][c]

    def last(self, r: int, c: int) -> int:
        """The last code point of reading c of slot r."""
        if self.tail_of(r, c) and self.end[r] > self.tail[r]:
            return self.cps[self.end[r] - 1]
        return self.first[r][c]

    def base(self, md: _Model, r: int, c: int) -> float:
        """A reading's prior with the pairs inside it (a kept tail)."""
        v = self.prior[r][c]
        if self.tail_of(r, c):
            prev = self.first[r][c]
            for q in range(self.tail[r], self.end[r]):
                v += md.logp(prev, self.cps[q])
                prev = self.cps[q]
        return v

    def valid(self, r: int) -> int:
        """How many readings slot r has (they come first: up to the last one)."""
        return max((c + 1 for c, f in enumerate(self.first[r]) if f >= 0), default=0)


class _Text:
    """The repaired text as code points (``out``), where each slot's reading starts in it
    (``pos``), and ``final``: per input position what it writes (-1: nothing)."""

    def __init__(self, s: _Slots, emit: list[int], choice: list[int]):
        self.s, self.emit = s, emit
        self.assemble(choice)

    def assemble(self, choice: list[int]) -> None:
        s = self.s
        final = list(self.emit)
        for r in range(s.m):
            final[s.start[r]] = s.first[r][choice[r]]
            if s.tail_of(r, choice[r]):
                final[s.tail[r] : s.end[r]] = s.cps[s.tail[r] : s.end[r]]
        out: list[int] = []
        pos = [0] * s.m
        r = 0
        for i, c in enumerate(final):
            while r < s.m and s.start[r] == i:
                pos[r] = len(out)
                r += 1
            if c >= 0:
                out.append(c)
        self.final, self.out, self.pos = final, out, pos

    def around(self, at: int, length: int) -> tuple[str, str]:
        """The text before ``at`` and after ``at + length``, up to a line's reach."""
        out = self.out
        before = "".join(map(chr, out[max(at - LINE, 0) : at]))
        after = "".join(map(chr, out[at + length : at + length + LINE]))
        return before, after

    def window(self, lo: int, hi: int) -> list[int]:
        """out[lo:hi] with -1 beyond either end."""
        n = len(self.out)
        return [self.out[p] if 0 <= p < n else -1 for p in range(lo, hi)]


def _first_round(
    s: _Slots, md: _Model, left: list[int], right: list[int], choice: list[int], conf: list[float]
) -> None:
    """Round one: each lone slot between its intact neighbours; each group of adjacent
    slots by a Viterbi search over the pairs their readings make; then each slot's
    confidence with its chosen neighbours."""
    k = s.k
    base = [
        [s.base(md, r, c) if s.first[r][c] >= 0 else _NEG for c in range(k)] for r in range(s.m)
    ]
    r = 0
    while r < s.m:
        g = r
        while g + 1 < s.m and s.end[g] == s.start[g + 1]:
            g += 1
        if g == r:
            scores = _with_sides(s, md, base[r], r, left[r], right[r])
            choice[r] = _argmax(scores)
            conf[r] = _posterior(scores, choice[r])
            r += 1
            continue
        _viterbi(s, md, base, r, g, left[r], right[g], choice)
        for t in range(r, g + 1):
            before = s.last(t - 1, choice[t - 1]) if t > r else left[t]
            after = s.first[t + 1][choice[t + 1]] if t < g else right[t]
            scores = _with_sides(s, md, base[t], t, before, after)
            conf[t] = _posterior(scores, choice[t])
        r = g + 1


def _with_sides(
    s: _Slots, md: _Model, base: list[float], r: int, before: int, after: int
) -> list[float]:
    """Each reading's score between two fixed neighbours (-1: none)."""
    out = list(base)
    for c in range(s.k):
        if math.isfinite(base[c]):
            out[c] = base[c] + (md.lp(before, s.first[r][c]) + md.lp(s.last(r, c), after))
    return out


def _viterbi(
    s: _Slots, md: _Model, base: list[list[float]], r: int, g: int, left: int, right: int,
    choice: list[int],
) -> None:  # fmt: skip
    """The best readings of the adjacent slots r..g: each step adds the pair a reading
    makes with the previous slot's; ties go to the earlier reading."""
    k = s.k
    vit = [v + md.lp(left, s.first[r][c]) if math.isfinite(v) else v for c, v in enumerate(base[r])]
    back: list[list[int]] = [[]]
    for t in range(r + 1, g + 1):
        prev_n = s.valid(t - 1)
        lasts = [s.last(t - 1, p) for p in range(prev_n)]
        now, ptr = [_NEG] * k, [0] * k
        for c in range(s.valid(t)):
            f = s.first[t][c]
            best, best_v = 0, _NEG
            for p in range(prev_n):
                v = vit[p] + md.lp(lasts[p], f)
                if p == 0 or v > best_v:
                    best, best_v = p, v
            ptr[c], now[c] = best, best_v + base[t][c]
        vit = now
        back.append(ptr)
    scores = [
        v + md.lp(s.last(g, c), right) if c < s.valid(g) and math.isfinite(v) else v
        for c, v in enumerate(vit)
    ]
    c = _argmax(scores)
    for t in range(g, r - 1, -1):
        choice[t] = c
        if t > r:
            c = back[t - r][c]


def _second_round(
    s: _Slots, md: _Model, w: LossyWeights, frames: bool, text: _Text, choice: list[int],
    conf: list[float],
) -> None:  # fmt: skip
    """Round two: every slot round one was not sure of, left to right, re-decided with the
    repaired text around it (the new readings before it, round one's after it) and the
    rules: brackets, the 在 … 中 and 与 … 相比 frames, the document's intact pairs, the
    running text's trigrams and the words a reading completes (the frames in Chinese text
    only: ``frames``)."""
    for q in range(s.m):
        if conf[q] < w.sure:
            _redecide(s, md, w, frames, text, choice, conf, q)


def _redecide(
    s: _Slots, md: _Model, w: LossyWeights, frames: bool, text: _Text, choice: list[int],
    conf: list[float], q: int,
) -> None:  # fmt: skip
    k = s.k
    at = text.pos[q]
    cur_len = 1 + (s.end[q] - s.tail[q] if s.tail_of(q, choice[q]) else 0)
    left_win = text.window(at - CONTEXT, at)
    right_win = text.window(at + cur_len, at + cur_len + CONTEXT)
    l2, l1, r1, r2 = left_win[-2], left_win[-1], right_win[0], right_win[1]
    readings = [c for c in range(k) if s.first[q][c] >= 0]
    lp_left = [md.lp(l1, s.first[q][c]) if c in readings else 0.0 for c in range(k)]
    lp_right = [md.lp(s.last(q, c), r1) if c in readings else 0.0 for c in range(k)]
    framed = frames and sum(s.first[q][c] in _FRAME_CPS for c in readings) >= 2
    before, after = text.around(at, cur_len)
    score = [_NEG] * k
    for c in readings:
        f = s.first[q][c]
        v = s.base(md, q, c)
        v += lp_left[c]
        v += lp_right[c]
        v += bracket_bonus(chr(f), before, w)
        if framed:
            v += frame_bonus(chr(f), before, w, after)
        if md.intact_left is not None and w.intact_weight:
            seen = _lg1p(md.seen(l1, f)) + _lg1p(md.seen(s.last(q, c), r1))
            v += w.intact_weight * seen
        score[c] = v
    trigrams = w.trigram_weight and md.tri is not None
    if trigrams:
        # Only readings near the best get the costlier terms (most are far below).
        bar = max(score) - w.bonus_margin
        before_ctx = math.nan
        if l2 >= 0 and l1 >= 0:
            before_ctx = _tri_context(md, l2, l1)
        outer = md.logp(r1, r2) if r1 >= 0 and r2 >= 0 else _NEG
        for c in readings:
            if not (math.isfinite(score[c]) and score[c] > bar):
                continue
            f = s.first[q][c]
            t = _tri_ratio(md, l2, l1, f, lp_left[c], before_ctx)
            if not s.tail_of(q, c):
                t += _tri_ratio(md, l1, f, r1, lp_right[c])
            t += _tri_ratio(md, s.last(q, c), r1, r2, outer)
            score[c] += w.trigram_weight * t
    bar = max(score) - w.bonus_margin
    for c in readings:
        if not (math.isfinite(score[c]) and score[c] > bar):
            continue
        window = [*left_win, s.first[q][c]]
        if s.tail_of(q, c):
            window += s.cps[s.tail[q] : s.end[q]]
        window = (window + right_win)[: 2 * CONTEXT + 1]
        score[c] += w.word_weight * _word_bonus(md, window)
    was = choice[q]
    choice[q] = _argmax(score)
    conf[q] = _posterior(score, choice[q])
    if choice[q] != was:
        if s.multi[q] and s.keeps[q][was] != s.keeps[q][choice[q]]:
            text.assemble(choice)
        else:
            text.out[at] = text.final[s.start[q]] = s.first[q][choice[q]]


def _tri_context(md: _Model, a: int, b: int) -> float:
    """The back-off weight of the context (a, b) in the trigram table (-1: unknown)."""
    assert md.tri is not None
    return md.tri.get((a << 42) | (b << 21) | _TRI_CONTEXT, -1.0)


def _tri_ratio(md: _Model, a: int, b: int, c: int, lp2: float, rest: float = math.nan) -> float:
    """log P3(c | a b) / P2(c | b), with ``lp2`` = log P2(c | b): 0 where the context is
    unknown; ``rest`` is the context's back-off weight when already looked up."""
    if a < 0 or b < 0 or c < 0 or not math.isfinite(lp2):
        return 0.0
    assert md.tri is not None
    if math.isnan(rest):
        rest = _tri_context(md, a, b)
    if rest < 0:
        return 0.0
    p3 = md.tri.get((a << 42) | (b << 21) | c, 0.0)
    return _log(p3 / _exp(lp2) + rest) if p3 else _log(rest)


_WIN = 2 * CONTEXT + 1
#: Words are at most this many characters.
_WORD = 7


def _word_sides(md: _Model, w: list[int]) -> tuple[list[bool], list[float], list[float]]:
    """What a window's words are worth clear of its centre w[CONTEXT]: ``inner[q]``, the
    pair (w[q], w[q + 1]) occurs inside some word (the centre's pairs: False); ``best[i]``,
    the best total of non-overlapping words inside w[:i] (i <= CONTEXT); ``rest[i]``, the
    same inside w[i:] (i > CONTEXT)."""
    c = CONTEXT
    inner = [
        q not in (c - 1, c) and w[q] >= 0 and w[q + 1] >= 0 and md.in_word(w[q], w[q + 1])
        for q in range(_WIN - 1)
    ]
    best = [0.0] * (_WIN + 1)
    for i in range(1, c + 1):
        v = best[i - 1]
        s = i - 2
        while s >= 0 and i - s <= _WORD and inner[s]:
            x = _piece(md, w, inner, s, i)
            if x > 0 and best[s] + x > v:
                v = best[s] + x
            s -= 1
        best[i] = v
    rest = [0.0] * (_WIN + 1)
    for i in range(_WIN - 1, c, -1):
        v = rest[i + 1]
        e = i + 2
        while e <= _WIN and e - i <= _WORD and inner[e - 2]:
            x = _piece(md, w, inner, i, e)
            if x > 0 and x + rest[e] > v:
                v = x + rest[e]
            e += 1
        rest[i] = v
    return inner, best, rest


def _piece(md: _Model, w: list[int], inner: list[bool], s: int, e: int) -> float:
    """The bonus of the word w[s:e] (0: not a word, or a pair inside it is in no word)."""
    if not all(inner[s : e - 1]):
        return 0.0
    h = 0
    for q in range(s, e):
        h = (h * _POLY + w[q] + 1) & _M64
    return md.words.get(h & 0x7FFFFFFFFFFFFFFF, 0.0)


def _word_bonus(md: _Model, w: list[int], skip: int = -1) -> float:
    """What the centre of the window ``w`` (2 * CONTEXT + 1 code points, -1: none) gains by
    joining a word when the words around it compete for the same characters: the best total
    of non-overlapping words with one through the centre, less the best without. (稀疏[与]
    线性: 丝线 is a word, but its 线 already belongs to 线性, so 丝 gains only what 丝线 has
    over 线性.) The piece w[skip:skip + 2] never counts (-1: none)."""
    c = CONTEXT
    inner, best, rest = _word_sides(md, w)
    inner[c - 1] = w[c - 1] >= 0 and md.in_word(w[c - 1], w[c])
    inner[c] = w[c + 1] >= 0 and md.in_word(w[c], w[c + 1])
    if not (inner[c - 1] or inner[c]):
        return 0.0
    without = best[c] + rest[c + 1]
    with_c = without
    for s in range(c, max(c - _WORD, -1), -1):
        if s < c and not inner[s]:
            break  # a word through the centre holds every pair from s to it
        for e in range(c + 1, min(s + _WORD, _WIN) + 1):
            if e - s < 2:
                continue
            if e > c + 1 and not inner[e - 2]:
                break
            if s == skip and e == skip + 2:
                continue
            x = _piece(md, w, inner, s, e)
            if x > 0 and best[s] + x + rest[e] > with_c:
                with_c = best[s] + x + rest[e]
    return with_c - without


def _pair_best(outer: list[float], keep: int, gap: float, current: int) -> list[int]:
    """The ``keep`` readings with the best ``outer`` scores within ``gap`` of the best
    (ties: the earlier), and ``current``, in reading order."""
    top = max(outer)
    if not math.isfinite(top):
        return []
    near = [c for c, v in enumerate(outer) if v > top - gap]
    if len(near) > keep:
        near = sorted(sorted(near, key=lambda c: -outer[c])[:keep])
    if current not in near and math.isfinite(outer[current]):
        near = sorted([*near, current])
    return near


def _pair_round(
    s: _Slots, md: _Model, w: LossyWeights, text: _Text, choice: list[int], conf: list[float]
) -> None:
    """Round three: two adjacent single-character slots decided together, left to right,
    over the best ``pair_keep`` readings of each by what lies outside the pair (and the
    current ones). Only moves of both into a pair that occurs inside a word (what rounds
    one and two, one slot at a time, cannot make) get the trigrams and the word bonus; the
    pair changes when the best scores ``pair_margin`` above the current one."""
    for q in range(s.m - 1):
        r = q + 1
        if s.end[q] == s.start[r] and not s.multi[q] and not s.multi[r]:
            _move_pair(s, md, w, text, choice, conf, q)


def _move_pair(
    s: _Slots, md: _Model, w: LossyWeights, text: _Text, choice: list[int], conf: list[float],
    q: int,
) -> None:  # fmt: skip
    r = q + 1
    pq, pr = text.pos[q], text.pos[r]
    win = text.window(pq - CONTEXT, pq + CONTEXT + 2)  # CONTEXT before q, q, r, CONTEXT after r
    l2, l1, r1, r2 = win[CONTEXT - 2], win[CONTEXT - 1], win[CONTEXT + 2], win[CONTEXT + 3]
    fq, fr = s.first[q], s.first[r]
    weight = w.intact_weight if md.intact_left is not None else 0.0
    left_lp = [md.lp(l1, f) if f >= 0 else 0.0 for f in fq]
    right_lp = [md.lp(f, r1) if f >= 0 else 0.0 for f in fr]
    outer_q = [
        s.prior[q][c] + left_lp[c] + weight * _lg1p(md.seen(l1, f)) if f >= 0 else _NEG
        for c, f in enumerate(fq)
    ]
    outer_r = [
        s.prior[r][c] + right_lp[c] + weight * _lg1p(md.seen(f, r1)) if f >= 0 else _NEG
        for c, f in enumerate(fr)
    ]
    cq = _pair_best(outer_q, w.pair_keep, w.bonus_margin, choice[q])
    cr = _pair_best(outer_r, w.pair_keep, w.bonus_margin, choice[r])
    pairs = [(i, j) for i in cq for j in cr]
    if (choice[q], choice[r]) not in pairs:
        return
    now = pairs.index((choice[q], choice[r]))
    link = [md.logp(fq[i], fr[j]) for i, j in pairs]
    total = [
        outer_q[i] + outer_r[j] + link[x] + weight * _lg1p(md.seen(fq[i], fr[j]))
        for x, (i, j) in enumerate(pairs)
    ]
    if 1.0 / _sum(_exp(v - total[now]) for v in total) >= w.sure:
        return
    bar = max(total) - w.bonus_margin
    scored = [
        i != choice[q] and j != choice[r] and total[x] > bar and md.in_word(fq[i], fr[j])
        for x, (i, j) in enumerate(pairs)
    ]
    if not any(scored):
        return
    scored[now] = total[now] > bar
    trigrams = w.trigram_weight and md.tri is not None
    outer = md.logp(r1, r2) if trigrams and r1 >= 0 and r2 >= 0 else _NEG
    for x, (i, j) in enumerate(pairs):
        if not scored[x]:
            continue
        a, b = fq[i], fr[j]
        extra = 0.0
        if trigrams:
            t = _tri_ratio(md, l2, l1, a, left_lp[i])
            t += _tri_ratio(md, l1, a, b, link[x])
            t += _tri_ratio(md, a, b, r1, right_lp[j])
            t += _tri_ratio(md, b, r1, r2, outer)
            extra = w.trigram_weight * t
        win[CONTEXT], win[CONTEXT + 1] = a, b
        # The pair alone is not a word here (its bigram scores it already: 揶揄, two rare
        # characters that only occur together, outbid 架构); a word through both centres
        # and beyond counts once.
        bonus = _word_bonus(md, win[:-1], skip=CONTEXT)
        bonus += _word_bonus(md, win[1:], skip=CONTEXT - 1)
        total[x] += extra + w.word_weight * 0.5 * bonus
    top = _argmax(total)
    if not total[top] >= total[now] + w.pair_margin:
        return
    ti, tj = pairs[top]
    weights = [_exp(v - total[top]) for v in total]
    everything = _sum(weights)
    mq = _sum(v for (i, _), v in zip(pairs, weights, strict=True) if i == ti)
    mr = _sum(v for (_, j), v in zip(pairs, weights, strict=True) if j == tj)
    choice[q], choice[r] = ti, tj
    conf[q], conf[r] = _rounded(mq / everything), _rounded(mr / everything)
    text.out[pq], text.out[pr] = fq[ti], fr[tj]


def params(config: RepairConfig, lang: str) -> tuple[object, ...]:
    """Every weight :func:`decide` (and the kernel's) reads, in its order; then the words that
    close a 与-phrase (:data:`FRAME_CLOSERS`, joined); the last two are
    :data:`.types.CONTEXT` and :data:`.types.LINE`, which the kernel checks against the
    values it was built with (a mismatch raises instead of silently breaking parity).

    >>> given = params(RepairConfig(threads=1), "zh")
    >>> given[-7:-3], given[-3][:4], given[-2:]
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
        "".join(FRAME_CLOSERS),
        CONTEXT,
        LINE,
    )


def threads(config: RepairConfig) -> int:
    """Threads the kernel uses: ``config.threads``, or 2 when 0 and the machine has two
    cores or more (the second takes the later half of each round wherever the halves
    cannot see each other, so the result is the same with one).

    >>> threads(RepairConfig(threads=1))
    1
    """
    if config.threads > 0:
        return config.threads
    return 2 if (os.cpu_count() or 1) > 1 else 1


def decide(
    cps: np.ndarray, emit: np.ndarray, start: np.ndarray, end: np.ndarray,
    tail_start: np.ndarray, multi: np.ndarray, first: np.ndarray, prior: np.ndarray,
    keeps: np.ndarray, pid: np.ndarray, k: int, model: tuple[object, ...],
    params: tuple[Any, ...], choice: np.ndarray, conf: np.ndarray, final: np.ndarray,
    doc: tuple[Any, ...] | None = None,
) -> str:  # fmt: skip
    """Choose a reading for every slot (``_kernel.decide``, same arguments, same results):
    writes ``choice``, ``conf`` and ``final`` (what each input position writes after round
    two) and returns the repaired text. ``model``: ``fastpass._model_buffers``; ``params``:
    ``params``; ``doc``: the whole document's counts when ``cps`` is one
    chunk of it (``stream.DocumentCounts.kernel_args``). ``pid`` (which slots share
    readings) only saves the kernel work, so it is not read here."""
    (document_prior, cache_weight, doc_weight, opener_before_end, intact_weight, word_weight,
     margin, sure, b_open, b_not, _threads, frames, fb, tri_weight, pair_keep, pair_margin,
     closer_bonus, _closers, context, line) = params  # fmt: skip
    if (context, line) != (CONTEXT, LINE):
        raise ValueError(f"decide: CONTEXT, LINE are {CONTEXT}, {LINE}, not {context}, {line}")
    code = np.asarray(cps, np.int32).tolist()
    s = _Slots(
        code, np.asarray(start), np.asarray(end), np.asarray(tail_start), np.asarray(multi),
        np.asarray(first).reshape(-1), np.asarray(prior).reshape(-1),
        np.asarray(keeps).reshape(-1), int(k),
    )  # fmt: skip
    md = _Model(model, opener_before_end)
    emitted = np.asarray(emit, np.int32).tolist()

    # The context of each slot (the nearest intact character on each side), what survived
    # intact (ASCII priors) and the pairs of wide characters no damaged one breaks.
    left, right = [-1] * s.m, [-1] * s.m
    last_known = prev = -1
    r = pending = known = 0
    ascii_n = [0] * 128
    pairs: list[int] = []
    for i, c in enumerate(emitted):
        while r < s.m and i == s.start[r]:
            left[r] = last_known
            r += 1
            prev = -1
        if c < 0:
            continue
        while pending < r and s.end[pending] <= i:
            right[pending] = c
            pending += 1
        last_known = c
        known += 1
        if c < 128:
            ascii_n[c] += 1
        elif prev >= 0x80:
            pairs.append(prev << 21 | c)
        prev = c
    if doc is not None:
        ascii_n, known = [int(x) for x in doc[0]], int(doc[1])
    md.observe_ascii(ascii_n, known)
    md.cache_weight = cache_weight
    if document_prior and doc is not None:
        md.intact, md.intact_left = _DocPairs(doc[2], doc[3]), _LeftCounts(doc[4])
    elif document_prior and pairs:
        md.observe_intact(pairs, cache_weight)

    choices, confs = [0] * s.m, [0.0] * s.m
    _first_round(s, md, left, right, choices, confs)
    text = _Text(s, emitted, choices)
    if document_prior and doc_weight != 0:
        md.observe(text.out, doc_weight)
    w = replace(
        LossyWeights(), intact_weight=intact_weight, word_weight=word_weight,
        bonus_margin=margin, sure=sure, bracket_open=b_open, bracket_not_open=b_not,
        frame_bonus=(fb[0], fb[2], fb[4]), trigram_weight=tri_weight,
        pair_keep=int(pair_keep), pair_margin=pair_margin, closer_bonus=closer_bonus,
    )  # fmt: skip
    _second_round(s, md, w, bool(frames), text, choices, confs)
    final[:] = text.final
    _pair_round(s, md, w, text, choices, confs)
    choice[:] = choices
    conf[:] = confs
    return "".join(map(chr, text.out))


class _DocPairs:
    """A whole document's intact pairs, as ``stream`` hands them to the kernel: a table of
    (key + 1 with generation 1 above bit 43, count) probed like the kernel's counter."""

    def __init__(self, table: object, bits: int):
        self.keys = _view(table, "Q")
        self.bits, self.mask = int(bits), (1 << int(bits)) - 1

    def get(self, key: int, default: int, /) -> int:
        stored = (key + 1) | (1 << 43)
        pos = (((key + 1) * _MULT) & _M64) >> (64 - self.bits)
        while True:
            k = self.keys[2 * pos]
            if k == stored:
                return int(self.keys[2 * pos + 1])
            if k >> 43 != 1:
                return default
            pos = (pos + 1) & self.mask


class _LeftCounts:
    """Per code point, how many intact pairs it begins (an int32 array, read as a map)."""

    def __init__(self, counts: object):
        self.counts = _view(counts, "i")

    def get(self, cp: int, default: int, /) -> int:
        return int(self.counts[cp])
