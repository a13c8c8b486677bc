"""Rebuild the bytes a wrong code page lost, choosing among the few that fit with a language model.

When UTF-8 is decoded with a code page that leaves some bytes undefined (cp1252 has five)
and ``errors='ignore'``, those bytes vanish; ``errors='replace'`` turns them into U+FFFD,
later tools turn them into ``?``, strip the soft hyphen (byte 0xAD) or turn NBSP (0xA0)
into a space. Every lost byte of a multi-byte character is a continuation byte, and the
lead byte says how many there should be, so a damaged character has a short list of
candidates: the missing count is known, the positions are 1-3, the values are the code
page's undefined bytes plus 0xAD/0xA0. :func:`candidates` lists them (strictly valid UTF-8
only); :mod:`.fastpass` chooses among them with the language model, using the rules
here (:func:`bracket_bonus`, :func:`frame_bonus`). :func:`estimate_losses` reads from the
surviving bytes which ones were lost.

>>> options = {c.text for c in candidates((0xE8, 0xAE), "cp1252")}   # 0xE8 0xAE 0x?? lost
>>> "讍" in options, len(options)   # 讍 is 0xE8 0xAE 0x8D, one of cp1252's undefined bytes
(True, 14)
"""

from __future__ import annotations

import itertools
import math
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from digestkit.repair.lossless import CodecTable, codec_table
from digestkit.repair.types import LossyWeights

__all__ = [
    "Candidate",
    "Slot",
    "bracket_bonus",
    "candidates",
    "closes_frame",
    "default_losses",
    "is_cont",
    "language_from_counts",
    "estimate_losses",
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
    open_at = before.rfind(opener)
    if open_at >= 0 and before.find(candidate[0], open_at) < 0:
        return weights.bracket_open
    return weights.bracket_not_open


def language_from_counts(kana: int, hangul: int, han: int) -> str:
    """The language whose model reads a document with these script counts (the rule of
    :func:`_language`, shared with the array pass, which counts on arrays).

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
