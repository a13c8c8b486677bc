"""``Repaired.spans`` is built on first read and behaves as the tuple of its spans."""

from __future__ import annotations

import dataclasses

import pytest

from digestkit.repair import repair_text
from digestkit.repair.types import Repaired, RepairSpan, Spans
from tests.conftest import seed_path

_SPAN = RepairSpan(0, 1, "Ã©", "é", 1.0, "lossless")


def test_built_once_and_only_when_read() -> None:
    calls = []

    def build() -> list[RepairSpan]:
        calls.append(1)
        return [_SPAN]

    spans = Spans(build)
    assert calls == []
    assert len(spans) == 1 and spans[0] is _SPAN and list(spans) == [_SPAN]
    assert calls == [1]


def test_behaves_as_a_tuple() -> None:
    spans = Spans(lambda: [_SPAN, _SPAN])
    assert spans == (_SPAN, _SPAN) and spans == [_SPAN, _SPAN] and spans != (_SPAN,)
    assert hash(spans) == hash((_SPAN, _SPAN))
    assert spans[1:] == (_SPAN,)
    assert repr(spans) == repr((_SPAN, _SPAN))
    assert bool(Spans(tuple)) is False
    assert Repaired("é", True, "cp1252", 1.0, (), spans) == Repaired(
        "é", True, "cp1252", 1.0, (), (_SPAN, _SPAN)
    )


def test_a_long_repair_returns_lazy_spans_that_describe_the_text() -> None:
    result = repair_text(seed_path(4).read_text(encoding="utf-8"))
    assert isinstance(result.spans, Spans)
    assert len(result.spans) > 1000
    assert all(result.text[s.start : s.end] == s.replacement for s in result.spans)
    assert 0.0 < result.min_confidence < 1.0


def test_an_unchecked_span_is_the_constructed_one() -> None:
    """The pass builds its spans with RepairSpan.unchecked (no frozen __init__): it must set
    every field the dataclass has, and give an equal, equally hashed, still frozen span."""
    values = (3, 5, "Ã©x", "éx", 0.75, "lossy", ((0, 0.75),))
    made, built = RepairSpan.unchecked(*values), RepairSpan(*values)
    assert set(vars(made)) == {f.name for f in dataclasses.fields(RepairSpan)}
    assert made == built and hash(made) == hash(built) and repr(made) == repr(built)
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.start = 4  # type: ignore[misc]
