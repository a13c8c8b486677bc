"""The values repair returns: what changed, where, how sure, and how to replay it.

Explanations are return values, not log lines (ftfy's ``fix_and_explain`` is the model):
a person reviewing an archive sorts :class:`RepairSpan` by confidence and reads the doubtful
ones; a pipeline replays :attr:`Repaired.steps` on the next file with ``apply_plan``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import overload

__all__ = [
    "CONTEXT",
    "DEFAULT_CODECS",
    "LINE",
    "LossyWeights",
    "RepairConfig",
    "RepairSpan",
    "Repaired",
    "Spans",
]

#: Characters of context on each side of a damaged character that round two reads (word
#: bonus, trigrams). Shared with ``_kernel.c``, which is built with the same value and
#: refuses a call that passes another (see :func:`.lossy.params`).
CONTEXT = 6
#: Characters of the line before a slot in which a bracket's opener or 在 is looked for
#: (shared with ``_kernel.c`` like :data:`CONTEXT`).
LINE = 80


#: The single-byte code pages UTF-8 is commonly misread through, most common first (the
#: order breaks ties when two code pages explain a text equally well).
DEFAULT_CODECS: tuple[str, ...] = (
    "cp1252",
    "latin-1",
    "cp1254",
    "cp1250",
    "cp1251",
    "cp1253",
    "cp1255",
    "cp1256",
    "cp1257",
    "cp1258",
    "mac_roman",
    "cp437",
)


@dataclass(frozen=True)
class RepairSpan:
    """One repaired region of :attr:`Repaired.text`.

    ``start``/``end`` are offsets in the repaired text; ``replacement`` equals
    ``text[start:end]``; ``original`` is what the input had there. ``kind`` is
    ``"lossless"`` (bytes re-read, nothing guessed) or ``"lossy"`` (lost bytes chosen by the
    language model); ``confidence`` is 1.0 for lossless spans and, for lossy ones, the
    lowest posterior of its damaged characters (each listed in ``characters``), so the
    doubtful spans sort first.

    >>> RepairSpan(0, 1, "Ã©", "é", 1.0, "lossless").replacement
    'é'
    """

    start: int
    end: int
    original: str
    replacement: str
    confidence: float
    kind: str
    #: Lossy spans: (offset in ``replacement``, confidence) of each damaged character.
    characters: tuple[tuple[int, float], ...] = ()

    @classmethod
    def unchecked(
        cls,
        start: int,
        end: int,
        original: str,
        replacement: str,
        confidence: float,
        kind: str,
        characters: tuple[tuple[int, float], ...] = (),
    ) -> RepairSpan:
        """The same span as the constructor gives, made without the frozen ``__init__``'s
        ``object.__setattr__`` per field (a repaired README has thousands of spans: a
        third of the time to build them).

        >>> RepairSpan.unchecked(0, 1, "Ã©", "é", 1.0, "lossless") == RepairSpan(
        ...     0, 1, "Ã©", "é", 1.0, "lossless")
        True
        """
        span = object.__new__(cls)
        object.__setattr__(span, "__dict__", {
            "start": start, "end": end, "original": original, "replacement": replacement,
            "confidence": confidence, "kind": kind, "characters": characters,
        })  # fmt: skip
        return span


class Spans(Sequence[RepairSpan]):
    """The spans of a repair, built the first time they are read.

    A README of Chinese mojibake has thousands of repaired runs; a caller that only wants
    the text should not pay for an object per run. A ``Spans`` behaves as the tuple of its
    spans (indexing, ``len``, iteration, equality with tuples, hashing).

    >>> s = Spans(lambda: (RepairSpan(0, 1, "Ã©", "é", 1.0, "lossless"),))
    >>> len(s), s[0].replacement, s == (s[0],)
    (1, 'é', True)
    """

    __slots__ = ("_build", "_items", "_count", "lowest")

    def __init__(
        self,
        build: Callable[[], Sequence[RepairSpan]],
        count: int | None = None,
        lowest: float | None = None,
    ):
        """``count`` and ``lowest`` (the lowest confidence), when the caller counted them
        already, answer ``len`` and :attr:`Repaired.min_confidence` without building."""
        self._build: Callable[[], Sequence[RepairSpan]] | None = build
        self._items: tuple[RepairSpan, ...] | None = None
        self._count = count
        self.lowest = lowest

    def _all(self) -> tuple[RepairSpan, ...]:
        if self._items is None:
            assert self._build is not None
            self._items = tuple(self._build())
            self._build = None
        return self._items

    @overload
    def __getitem__(self, index: int) -> RepairSpan: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[RepairSpan, ...]: ...
    def __getitem__(self, index: int | slice) -> RepairSpan | tuple[RepairSpan, ...]:
        return self._all()[index]

    def __len__(self) -> int:
        return self._count if self._items is None and self._count is not None else len(self._all())

    def __iter__(self) -> Iterator[RepairSpan]:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Spans):
            return self._all() == other._all()
        if isinstance(other, tuple | list):
            return self._all() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._all())

    def __repr__(self) -> str:
        return repr(self._all())


@dataclass(frozen=True)
class Repaired:
    """The result of :func:`~digestkit.repair.repair_text` / ``repair_bytes``.

    >>> r = Repaired("café", False, None, 1.0, (), ())
    >>> r.changed
    False
    """

    text: str
    changed: bool
    encoding: str | None
    encoding_confidence: float
    steps: tuple[tuple[str, str], ...] = ()
    #: A tuple, or a :class:`Spans` (built when first read; compares equal to the tuple).
    spans: Sequence[RepairSpan] = ()

    @property
    def min_confidence(self) -> float:
        """The lowest span confidence (1.0 when nothing was repaired).

        >>> Repaired("x", False, None, 1.0).min_confidence
        1.0
        """
        known = getattr(self.spans, "lowest", None)  # a Spans counted as it was found
        return known if known is not None else min((s.confidence for s in self.spans), default=1.0)


@dataclass(frozen=True)
class LossyWeights:
    """Every tunable of the lossy pass (:mod:`.fastpass` and ``_kernel.c`` read the same
    values: the kernel gets them in one argument tuple). Tune on the dev set
    (``python -m eval.tune_repair``), never on ``make eval``'s pairs.

    >>> LossyWeights().sure, LossyWeights(word_weight=1.0).word_weight
    (0.95, 1.0)
    """

    #: Readings kept per damaged character between intact ones: more finds rarer
    #: characters, costs time linearly.
    keep: int = 16
    #: Readings kept per character in a group of adjacent damaged ones: the Viterbi search
    #: costs its square.
    chain_keep: int = 8
    #: Round one's posterior above which a character skips rounds two and three: lower is
    #: faster, higher re-reads more.
    sure: float = 0.95
    #: Weight of the dictionary-word bonus against bigrams: higher prefers whole words,
    #: and rare ones too.
    word_weight: float = 0.75
    #: Weight of pairs the document shows intact elsewhere: higher trusts the document more.
    intact_weight: float = 0.5
    #: Only readings within this many nats of the best get the costly word and trigram
    #: terms: higher is slower and lets weak readings win on words.
    bonus_margin: float = 6.0
    #: Weight of running-text trigrams in round two: higher follows common phrases, and
    #: punishes unseen but right continuations.
    trigram_weight: float = 1.25
    #: Log-bonus of a closing bracket whose opener is open on its line.
    bracket_open: float = 2.0
    #: Log-bonus of a closing bracket with no open opener (a penalty).
    bracket_not_open: float = -1.0
    #: Log-bonus of reading 与 / 不 / 中 when 在 opened the clause before it (the "在 … 中"
    #: frame); only the open side is used.
    frame_bonus: tuple[float, float, float] = (-1.15, -0.39, 0.82)
    #: Log-bonus of reading 与 when a word that closes a 与-phrase (相比, 不同, 之间: see
    #: ``lossy.FRAME_CLOSERS``) follows in its clause; 0 turns the rule off.
    closer_bonus: float = 3.0
    #: Round three: readings per character paired up (the square of it is scored).
    pair_keep: int = 8
    #: Round three moves a pair only when the new one wins by this many nats: lower moves
    #: more pairs, rightly or not.
    pair_margin: float = 4.0
    #: Weight of the document's intact pairs mixed into P(b | a) (cache model).
    cache_weight: float = 0.1
    #: Weight of the document's character counts mixed into P(b | a) (second round); they
    #: include round one's guesses, so they reinforce its mistakes.
    doc_weight: float = 0.0
    #: Factor on P(clause end | phrase opener) and P(anything | closing particle).
    opener_before_end: float = 0.05
    #: Characters each side of a span segmented into words when two code pages tie.
    word_reach: int = 6
    #: Log-prior that a byte the code page leaves undefined was lost (the common case).
    lost_undefined: float = 0.0
    #: Log-prior that a soft hyphen byte (0xAD) was stripped: plausible.
    lost_soft_hyphen: float = -1.0
    #: Log-prior that an NBSP byte (0xA0) was deleted: rare.
    lost_nbsp: float = -4.0
    #: Log-prior that a space stands for a lost NBSP byte.
    space_was_nbsp: float = -4.0
    #: Log-prior that a U+FFFD or '?' stands for one lost byte.
    mark_was_byte: float = 0.0
    #: When the document shows a byte rarely (< 30% of a typical byte's count) or often,
    #: the log-prior that it was lost anyway: lower trusts the document's counts more.
    lost_seen_rarely: float = -4.0
    lost_seen_often: float = -8.0


@dataclass(frozen=True)
class RepairConfig:
    """Options for one repair run; the defaults are what the CLI uses.

    - ``lossless`` (True): re-read UTF-8 that was decoded with a wrong single-byte codec.
    - ``lossy`` (True): also rebuild bytes that the wrong codec deleted or replaced. Costs a
      language-model search over the damaged runs; off means damaged characters stay as-is.
    - ``codecs``: the mojibake codecs tried, in order of preference when they tie.
    - ``max_passes`` (4): at most how many layers of mojibake to peel ("double" mojibake
      needs 2). Repair stops earlier, as soon as the prefilter sees no mojibake or a pass
      changes nothing; stopping only there is what makes a repair of the result change
      nothing (idempotence). A cap of 2 left a third layer (text that quotes mojibake,
      double-encoded) for the next run to peel.
    - ``document_prior`` (True): let characters seen intact elsewhere in the same text vote
      for the lost bytes. Off makes each repair depend on its local context only.
    - ``weights``: the lossy pass's tunables (:class:`LossyWeights`).
    - ``kernel`` (True): run the lossy pass in C when the kernel is built; False runs the
      per-slot Python reference (``lossy.decide``: same results, ~80x slower; tests hold
      the two to the same results).
    - ``threads`` (0): threads the C pass may use on one long document; 0 means 2 on a
      machine with two cores or more. The result is the same with any number.
    """

    lossless: bool = True
    lossy: bool = True
    codecs: tuple[str, ...] = DEFAULT_CODECS
    max_passes: int = 4
    document_prior: bool = True
    weights: LossyWeights = LossyWeights()
    kernel: bool = True
    threads: int = 0
