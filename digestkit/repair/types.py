"""The values repair returns: what changed, where, how sure, and how to replay it.

Explanations are return values, not log lines (ftfy's ``fix_and_explain`` is the model):
a person reviewing an archive sorts :class:`RepairSpan` by confidence and reads the doubtful
ones; a pipeline replays :attr:`Repaired.steps` on the next file with ``apply_plan``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import overload

__all__ = ["DEFAULT_CODECS", "RepairConfig", "RepairSpan", "Repaired", "Spans"]


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
    language model); ``confidence`` is 1.0 for lossless spans and the model's posterior
    margin for lossy ones, so the doubtful spans sort first.

    >>> RepairSpan(0, 1, "Ã©", "é", 1.0, "lossless").replacement
    'é'
    """

    start: int
    end: int
    original: str
    replacement: str
    confidence: float
    kind: str


class Spans(Sequence[RepairSpan]):
    """The spans of a repair, built the first time they are read.

    A README of Chinese mojibake has thousands of repaired runs; a caller that only wants
    the text should not pay for an object per run. A ``Spans`` behaves as the tuple of its
    spans (indexing, ``len``, iteration, equality with tuples, hashing).

    >>> s = Spans(lambda: (RepairSpan(0, 1, "Ã©", "é", 1.0, "lossless"),))
    >>> len(s), s[0].replacement, s == (s[0],)
    (1, 'é', True)
    """

    __slots__ = ("_build", "_items")

    def __init__(self, build: Callable[[], Sequence[RepairSpan]]):
        self._build: Callable[[], Sequence[RepairSpan]] | None = build
        self._items: tuple[RepairSpan, ...] | None = None

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
        return len(self._all())

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
        return min((s.confidence for s in self.spans), default=1.0)


@dataclass(frozen=True)
class RepairConfig:
    """Options for one repair run; the defaults are what the CLI uses.

    - ``lossless`` (True): re-read UTF-8 that was decoded with a wrong single-byte codec.
    - ``lossy`` (True): also rebuild bytes that the wrong codec deleted or replaced. Costs a
      language-model search over the damaged runs; off means damaged characters stay as-is.
    - ``codecs``: the mojibake codecs tried, in order of preference when they tie.
    - ``max_passes`` (2): how many layers of mojibake to peel ("double" mojibake needs 2).
    - ``document_prior`` (True): let characters seen intact elsewhere in the same text vote
      for the lost bytes. Off makes each repair depend on its local context only.
    """

    lossless: bool = True
    lossy: bool = True
    codecs: tuple[str, ...] = DEFAULT_CODECS
    max_passes: int = 2
    document_prior: bool = True
